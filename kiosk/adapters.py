"""The adapters the composition root can build, by device family and config name.

Values are "module:Class" so nothing is imported until a kiosk is built with that adapter.
"""
ADAPTERS: dict[str, dict[str, str]] = {
    "card": {"simulated": "hardware.card.simulated:SimulatedCardReader"},
    "cash": {"simulated": "hardware.cash.simulated:SimulatedCashUnit"},
    "printer": {"folder": "hardware.printer.folder:FolderPrinter"},
    "renderer": {"standin": "printing.standin:StandInRenderer"},
}

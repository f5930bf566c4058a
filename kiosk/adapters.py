"""The adapters the composition root can build, by device family and config name.

Values are "module:Class" so nothing is imported until a kiosk is built with that adapter.
Each class has ``availability()`` (can it run here) and ``from_config(config)`` (builds it from
the kiosk config, reading its own ``[options.<family>]`` table).
"""
ADAPTERS: dict[str, dict[str, str]] = {
    "card": {"simulated": "hardware.card.simulated:SimulatedCardReader"},
    "cash": {"simulated": "hardware.cash.simulated:SimulatedCashUnit"},
    "printer": {"folder": "hardware.printer.folder:FolderPrinter"},
    "renderer": {"standin": "printing.standin:StandInRenderer"},
}

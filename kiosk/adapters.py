"""The adapters the composition root can build, by device family and config name.

Values are "module:Class" so nothing is imported until a kiosk is built with that adapter.
Each class has ``availability()`` (can it run here) and ``from_config(config)`` (builds it from
the kiosk config, reading its own ``[options.<family>]`` table).
"""
ADAPTERS: dict[str, dict[str, str]] = {
    "card": {
        "simulated": "hardware.card.simulated:SimulatedCardReader",
        "pcsc": "hardware.card.pcsc:PcscCardReader",
    },
    "cash": {"simulated": "hardware.cash.simulated:SimulatedCashUnit"},
    "printer": {
        "folder": "hardware.printer.folder:FolderPrinter",
        "cups": "hardware.printer.cups:CupsPrinter",
    },
    "renderer": {"reportlab": "printing.renderer:ReportlabRenderer"},
}

"""Machine-format parsers (registry exports and API downloads).

Each module defines one :class:`ingest.base.Parser` subclass; importing it registers it.
To add a format: write ``ingest/formats/<name>.py`` with a ``Parser`` subclass (``name``, ``detect``,
``parse``), add the module name below, and add tests with a real file under ``tests/fixtures/``.
"""

import importlib

MODULES = [
    "ctgov_v2_json",
    "ctgov_classic_json",
    "ctgov_xml",
    "ctgov_csv",
    "ictrp_xml",
    "ictrp_csv",
    "euctr_text",
]

for _module in MODULES:
    importlib.import_module(f"{__name__}.{_module}")

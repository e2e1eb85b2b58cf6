"""Saved web-page parsers, one module per layout family (see ``PAGE_LAYOUTS`` notes in the README).

Each module defines one :class:`ingest.base.Parser` subclass with ``kind = "page"``; importing it
registers it. To add a site: write ``ingest/layouts/<family>.py``, add its name to a list below, and
add a golden test with a real saved page under ``tests/fixtures/pages/``.
"""

import importlib

#: Families of the seed pages.
SEED_FAMILIES: list[str] = ["ctgov_plain", "ctgov_pipe", "veeva", "ignite", "meddatax"]
#: Every other family described in the field guide.
OTHER_FAMILIES: list[str] = [
    "clincosm", "obesityhealthmatters", "ctexchange", "medpath", "crick", "trials_co", "biotech_hunter",
    "inclinicaltrials", "ai_analytics", "smart_patients", "cdek", "who_ictrp", "anzctr", "ctri", "chictr", "jrct",
    "euctr_page", "hpscreg", "als_tdi", "neals", "ctlocator", "trialstoday", "psoriasis_org", "ucsf",
    "stroke_center", "centerwatch", "mayo", "lindner", "knowcancer", "caneurotrials", "eligibility_pages",
    "nci_pages",
]
#: The fallback for pages of unknown layout (must stay last).
FALLBACK: list[str] = ["generic"]

MODULES = SEED_FAMILIES + OTHER_FAMILIES + FALLBACK

for _module in MODULES:
    importlib.import_module(f"{__name__}.{_module}")

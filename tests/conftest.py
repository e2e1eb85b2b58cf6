"""Shared fixtures: small real-document folders and built warehouses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def build_inputs(tmp_path_factory) -> Path:
    """Real records (classic JSON, v2 JSON, legacy XML) and two seed pages, plus broken files of every kind."""
    root = tmp_path_factory.mktemp("inputs")
    shutil.copytree(FIXTURES / "build", root / "records")
    shutil.copy(REPO / "data/inputs/seeds/003_a088c8f5c9a0d108.txt", root / "records")
    shutil.copy(REPO / "data/inputs/seeds/004_27d5ec4c92961e48.txt", root / "records")
    bad = root / "bad"
    bad.mkdir()
    (bad / "empty.json").write_bytes(b"")
    (bad / "blank.txt").write_bytes(b"   \n\t \n")
    (bad / "binary.bin").write_bytes(bytes(range(256)) * 8)
    (bad / "nul.txt").write_bytes(b"NCT01234567\x00\x00\x00 trial")
    (bad / "truncated.json").write_bytes((FIXTURES / "build/NCT01420432.json").read_bytes()[:3000])
    (bad / "truncated.xml").write_bytes((FIXTURES / "build/NCT02513394.xml").read_bytes()[:5000])
    (bad / "utf16.txt").write_bytes("just some words, no trial here".encode("utf-16"))
    (bad / "not_a_trial.json").write_text('{"hello": "world"}')
    (bad / "duplicate.json").write_bytes((FIXTURES / "build/NCT01420432.json").read_bytes())
    return root


@pytest.fixture(scope="session")
def built_db(build_inputs, tmp_path_factory) -> Path:
    from warehouse.build import build

    db = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    build([str(build_inputs)], str(db), workers=1, quiet=True)
    return db


@pytest.fixture()
def corpus(tmp_path) -> Path:
    """Real records: classic JSON, API v2 JSON and legacy XML of one trial (they merge), other XML, two pages that
    show their trial's id (a folder each test may change)."""
    root = tmp_path / "in"
    shutil.copytree(FIXTURES / "build", root / "records")
    for name in ("NCT00002475.xml", "NCT01065844.xml"):
        shutil.copy(FIXTURES / "ctgov_xml" / name, root / "records")
    (root / "pages").mkdir()
    for name in ("001_c180e44e06a1421d.txt", "003_a088c8f5c9a0d108.txt"):
        shutil.copy(REPO / "data/inputs/seeds" / name, root / "pages")
    return root

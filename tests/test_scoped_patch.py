"""A rebuild after edits that keep every trial's ids ranks only the edited documents' trials; any other change
resolves identity for every record. Either way every table, and what the cache keeps for the next build, equal a
build from scratch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from table_rows import all_tables, cache_rows

from warehouse import build as build_module
from warehouse import cache as parse_cache
from warehouse import derive
from warehouse.build import BuildSummary, build

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def no_derived_steps(request, monkeypatch):
    """Derived tables (MSC profile, criteria facts, age windows) are built in the edit tests only."""
    if not request.node.name.startswith("test_edited_documents"):
        monkeypatch.setattr(derive, "STEPS", [])


#: What the cache keeps for the next build to compare against.
KEPT = ("stat", "trial_sigs", "built_docs", "trial_map", "rec_index", "link_index")


def rebuild(corpus: Path, db: Path, monkeypatch) -> tuple[BuildSummary, bool]:
    """Rebuild; its summary, and whether identity was resolved for every record."""
    resolved = []
    whole = build_module._identity
    monkeypatch.setattr(build_module, "_identity", lambda *a: resolved.append(1) or whole(*a))
    summary = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    monkeypatch.setattr(build_module, "_identity", whole)
    return summary, bool(resolved)


def rebuild_resolves_identity(corpus: Path, db: Path, monkeypatch) -> bool:
    return rebuild(corpus, db, monkeypatch)[1]


def assert_as_built_fresh(corpus: Path, db: Path, tmp_path: Path) -> None:
    """Every table, and what the cache keeps for the next build, equal those of a build from scratch."""
    fresh = tmp_path / "fresh" / "w.duckdb"
    shutil.rmtree(fresh.parent, ignore_errors=True)
    build([str(corpus)], str(fresh), workers=1, quiet=True, cache=True)
    assert all_tables(db) == all_tables(fresh)
    assert cache_rows(db, KEPT) == cache_rows(fresh, KEPT)


def edit(path: Path, change) -> None:
    record = json.loads(path.read_bytes())
    change(record)
    path.write_text(json.dumps(record, indent=2), encoding="utf-8")


def newer_v2(record: dict) -> None:
    """The API v2 record of a trial told by two records: newer, with another title (it now wins the title)."""
    record["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2025-01-31"
    record["protocolSection"]["identificationModule"]["briefTitle"] = "PALbociclib CoLlaborative Adjuvant Study (v2)"


def retitled(record: dict) -> None:
    record["BriefTitle"] = ["Umbilical cord MSC for ankylosing spondylitis"]


def renumbered(record: dict) -> None:
    record["NCTId"] = ["NCT09999991"]


def linked(record: dict) -> None:
    """Names the other trial's id as a registry identifier: the two records become one trial."""
    record["SecondaryId"] = ["NCT02491658"]
    record["SecondaryIdType"] = ["Registry Identifier"]


def enrolled(record: dict) -> None:
    record["EnrollmentCount"] = ["45"]


#: edit → (file, change, whether identity stays the installed build's, with a page lacking an id in the corpus)
EDITS = {
    "same content, other bytes": ("NCT02513394.json", lambda record: None, True, False),
    "newer record of a trial of two": ("NCT02513394.json", newer_v2, True, False),
    "new title, trial of one record": ("NCT01420432.json", retitled, True, False),
    "another id": ("NCT01420432.json", renumbered, False, False),
    "a linked id": ("NCT01420432.json", linked, False, False),
    "page without an id; other bytes": ("NCT02513394.json", lambda record: None, True, True),
    "page without an id; new enrollment": ("NCT01420432.json", enrolled, True, True),
    "page without an id; new title": ("NCT01420432.json", retitled, False, True),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_edited_documents_rebuild_like_a_full_build(corpus, tmp_path, monkeypatch, name):
    """A page without an id is linked to a trial by titles and summary: edits of other fields keep identity."""
    file, change, scoped, page = EDITS[name]
    if page:
        shutil.copy(REPO / "data/inputs/seeds/000_17473492e1e285d7.txt", corpus / "pages")
    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    edit(corpus / "records" / file, change)
    patched, resolved = rebuild(corpus, db, monkeypatch)
    assert any(note.startswith("patched the previous warehouse") for note in patched.notes)
    assert resolved is not scoped
    assert_as_built_fresh(corpus, db, tmp_path)


def test_edits_in_a_row_each_rank_only_their_trials(corpus, tmp_path, monkeypatch):
    """What a scoped rebuild records (the documents it built, the unchanged trial map) serves the next one."""
    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    whole = build_module._identity
    monkeypatch.setattr(build_module, "_identity", lambda *a: pytest.fail("identity resolved again"))
    edit(corpus / "records" / "NCT02513394.json", newer_v2)
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    edit(corpus / "records" / "NCT01420432.json", retitled)
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    monkeypatch.setattr(build_module, "_identity", whole)
    assert_as_built_fresh(corpus, db, tmp_path)


@pytest.mark.parametrize("case", ["duplicate", "rejected", "page without an id edited", "file added",
                                  "file removed"])
def test_other_changes_resolve_every_trial(corpus, tmp_path, monkeypatch, case):
    """A document that becomes a copy of another or unreadable, an edited page lacking an id, and a file added or
    removed: identity is resolved for every record."""
    records, page = corpus / "records", corpus / "pages" / "000_17473492e1e285d7.txt"
    shutil.copy(REPO / "data/inputs/seeds/000_17473492e1e285d7.txt", page)
    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    if case == "duplicate":
        shutil.copy(records / "NCT02491658.json", records / "NCT01420432.json")
    elif case == "rejected":
        (records / "NCT01420432.json").write_text('{"NCTId": ["NCT01420432"], "Brief', encoding="utf-8")
    elif case == "page without an id edited":
        page.write_text(page.read_text(encoding="utf-8").replace("Osteoarthritis (OA)", "Osteoarthritis"),
                        encoding="utf-8")
    elif case == "file added":
        shutil.copy(FIXTURES / "ctgov_xml" / "NCT00081588.xml", records)
    else:
        (records / "NCT00081055.json").unlink()
    assert rebuild_resolves_identity(corpus, db, monkeypatch)
    assert_as_built_fresh(corpus, db, tmp_path)


def test_a_record_saved_twice_one_copy_edited(corpus, tmp_path, monkeypatch):
    """The copy that was a duplicate becomes the ingested one and the edited file too: together they tell the
    same trial by the same ids as before, and no link was refused, so identity stands."""
    shutil.copytree(corpus / "records", corpus / "again")
    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    original = corpus / "again" / "NCT00081055.json"  # ("again" < "records": the copy in "records" was the duplicate)
    original.write_text(json.dumps(json.loads(original.read_bytes()), indent=3), encoding="utf-8")
    assert not rebuild_resolves_identity(corpus, db, monkeypatch)
    assert_as_built_fresh(corpus, db, tmp_path)


def names(*ids: str):
    def change(record: dict) -> None:
        record["SecondaryId"] = list(ids)
        record["SecondaryIdType"] = ["Registry Identifier"] * len(ids)
    return change


def test_with_a_refused_link_the_order_of_links_must_stand(corpus, tmp_path, monkeypatch):
    """Two records of one trial name other trials' NCT ids: the links are refused (one trial cannot hold two NCT
    ids), and the order of links may matter. Edits that leave each id's links in their order (a newer record of
    another trial; a copy that was a duplicate becoming the one ingested: its links were met before) keep
    identity; an edit that puts the same links in another order does not."""
    records = corpus / "records"
    a, b, c = (records / f"NCT01420432-{x}.json" for x in "abc")  # (in this order, before NCT01420432.json)
    for path, ids in ((a, ["NCT02491658"]), (b, ["NCT00081055", "NCT02491658"])):
        shutil.copy(records / "NCT01420432.json", path)
        edit(path, names(*ids))
    shutil.copy(b, c)  # (a duplicate of b)
    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    con = duckdb.connect(str(parse_cache.location(db)), read_only=True)
    try:
        assert con.execute("SELECT value FROM meta WHERE key = 'identity_refused'").fetchone() != ("0",)
    finally:
        con.close()
    edit(records / "NCT02513394.json", newer_v2)
    assert not rebuild_resolves_identity(corpus, db, monkeypatch)
    assert_as_built_fresh(corpus, db, tmp_path)

    b.write_text(json.dumps(json.loads(b.read_bytes())), encoding="utf-8")  # (c is ingested too: b's links)
    assert not rebuild_resolves_identity(corpus, db, monkeypatch)
    assert_as_built_fresh(corpus, db, tmp_path)

    # the lists of links of NCT01420432: {[NCT02491658], [NCT00081055, NCT02491658]} -> {[NCT00081055, NCT02491658]}
    edit(a, names())
    assert rebuild_resolves_identity(corpus, db, monkeypatch)
    assert_as_built_fresh(corpus, db, tmp_path)


def _count_copies(monkeypatch) -> list[str]:
    """A list that gets "copy" each time the build starts copying the installed warehouse."""
    copies: list[str] = []

    class Counted(build_module.BackgroundCopy):
        def __init__(self, *args):
            copies.append("copy")
            super().__init__(*args)

    monkeypatch.setattr(build_module, "BackgroundCopy", Counted)
    return copies


def test_the_copy_to_patch_starts_once_and_only_when_an_input_changed(corpus, tmp_path, monkeypatch):
    """The copy of the installed warehouse starts while the files are still being found, at the first one that
    changed after the warehouse was written (by its ctime: a file's own mtime, here in the future, says nothing),
    and is the one the patch uses; an unchanged rebuild copies nothing."""
    import os

    future = corpus / "records" / "NCT02491658.json"
    os.utime(future, (4_102_444_800, 4_102_444_800))  # (2100-01-01, set before the build)
    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    copies = _count_copies(monkeypatch)
    opened = parse_cache.Stage.open.__func__
    found = build_module.find
    monkeypatch.setattr(build_module, "find", lambda *a, **k: (found(*a, **k), copies.append("found"))[0])
    monkeypatch.setattr(parse_cache.Stage, "open",
                        classmethod(lambda cls, *a: copies.append("cache opened") or opened(cls, *a)))
    same = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert "the warehouse is up to date: nothing to merge" in same.notes and copies == ["found", "cache opened"]
    copies.clear()
    edit(corpus / "records" / "NCT01420432.json", retitled)
    patched = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert any(note.startswith("patched the previous warehouse") for note in patched.notes)
    assert copies == ["copy", "found", "cache opened"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".w.duckdb")] == []


def test_a_warehouse_inside_its_input_folder_does_not_count_as_a_changed_input(corpus, monkeypatch):
    """The installed warehouse is renamed into place after it is written (its ctime is after its mtime): met by
    the walk of the folder that holds it, it starts no copy, and an unchanged rebuild copies nothing."""
    db = corpus / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    copies = _count_copies(monkeypatch)
    same = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert "the warehouse is up to date: nothing to merge" in same.notes and copies == []

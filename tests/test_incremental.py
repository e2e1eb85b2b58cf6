"""The streaming build: SQL merge = Python merge, and the parse cache (incremental builds, corruption, versions)."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest
from table_rows import all_tables, cache_rows

from ingest.base import registered
from ingest.dispatch import parse_document
from warehouse import cache as parse_cache
from warehouse import derive, merge
from warehouse.build import build, reference_frames
from warehouse.discover import ChangeWatch, FileStat, InputFile, discover, find, signature

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def no_derived_steps(request, monkeypatch):
    """Derived tables are other modules' business; these tests are about staging, merging and caching."""
    if request.node.name not in ("test_sql_merge_gives_the_rows_of_the_python_merge",
                                 "test_patched_warehouse_equals_a_full_build_with_derived_tables"):
        monkeypatch.setattr(derive, "STEPS", [])


def cache_state(db: Path) -> dict[str, list[tuple]]:
    """The cache's file signatures and trial signatures (what the next build compares against), sorted."""
    return cache_rows(db, ("stat", "trial_sigs"))


def assert_cache_as_if_built_fresh(root: Path, db: Path, tmp_path: Path) -> None:
    """The signatures a chain of incremental builds recorded equal those of one build from scratch."""
    fresh = tmp_path / "fresh-cache" / "w.duckdb"
    build([str(root)], str(fresh), workers=1, quiet=True, cache=True)
    got, want = cache_state(db), cache_state(fresh)
    assert got["stat"] and got == want


def test_sql_merge_gives_the_rows_of_the_python_merge(tmp_path):
    """Same rows, on records that disagree (cross-format), lists, CSV and pages."""
    root = tmp_path / "mixed"
    shutil.copytree(FIXTURES / "build", root / "build")
    shutil.copytree(FIXTURES / "ctgov_xml", root / "xml", ignore=shutil.ignore_patterns("*.md"))
    shutil.copy(FIXTURES / "ctgov_v2_json/ctg-studies_asthma_10studies.json", root)
    shutil.copy(FIXTURES / "ctgov_v2_json/NCT03453554_partial.json", root)
    shutil.copy(FIXTURES / "ctgov_csv/SearchResults_mesenchymal_remestemcel-L.csv", root)
    shutil.copytree(REPO / "data/inputs/seeds", root / "seeds")
    db = tmp_path / "w.duckdb"
    build([str(root)], str(db), workers=1, quiet=True, cache=False)
    expected = reference_frames(discover([str(root)]), workers=1)
    con = duckdb.connect(str(db), read_only=True)
    try:
        for table, frame in expected.items():
            cols = ", ".join(f'"{c}"' for c in frame.columns)
            got = con.execute(f'SELECT {cols} FROM "{table}"').fetchall()
            assert sorted(got, key=repr) == sorted((tuple(r) for r in frame.rows()), key=repr), table
        assert con.execute("SELECT count(*) FROM field_sources WHERE reason LIKE 'newer last update%'").fetchone()[0]
    finally:
        con.close()
    assert not (tmp_path / parse_cache.CACHE_DIR_NAME).exists()


def test_trials_written_in_slices_equal_one_slice_row_for_row(tmp_path, monkeypatch):
    """Trials told by one record are written a slice at a time (so a merge's memory does not grow with the
    inputs): every table gets the same rows in the same physical order as when written at once."""
    root = tmp_path / "mixed"
    shutil.copytree(FIXTURES / "ctgov_xml", root / "xml", ignore=shutil.ignore_patterns("*.md"))
    shutil.copy(FIXTURES / "ctgov_v2_json/ctg-studies_asthma_10studies.json", root)
    shutil.copytree(FIXTURES / "build", root / "build")

    def rows(db: Path) -> dict[str, list[tuple]]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                                "WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
            return {t: con.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables if t != "build_info"}
        finally:
            con.close()

    build([str(root)], str(tmp_path / "one.duckdb"), workers=1, quiet=True, cache=False)
    monkeypatch.setattr(merge, "SLICE_TRIALS", 3)
    build([str(root)], str(tmp_path / "sliced.duckdb"), workers=1, quiet=True, cache=False)
    one, sliced = rows(tmp_path / "one.duckdb"), rows(tmp_path / "sliced.duckdb")
    assert len(one["trials"]) > 3 * merge.SLICE_TRIALS
    assert one == sliced


def test_rebuild_parses_only_what_changed_and_equals_a_full_build(corpus, tmp_path):
    db = tmp_path / "w.duckdb"
    first = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert first.parsed == first.documents == 9 and first.reused == 0
    assert parse_cache.location(db).exists()
    before = all_tables(db)

    again = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert (again.parsed, again.reused) == (0, 9)
    assert all_tables(db) == before

    changed = corpus / "records" / "NCT02513394.json"
    changed.write_text(json.dumps(json.loads(changed.read_bytes()), indent=1), encoding="utf-8")
    (corpus / "records" / "NCT00081055.json").unlink()
    shutil.copy(FIXTURES / "ctgov_xml" / "NCT00081588.xml", corpus / "records")
    third = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert (third.parsed, third.reused) == (2, 7)

    fresh = tmp_path / "fresh" / "w.duckdb"
    build([str(corpus)], str(fresh), workers=1, quiet=True, cache=False)
    assert all_tables(db) == all_tables(fresh)
    con = duckdb.connect(str(parse_cache.location(db)), read_only=True)
    try:  # entries of documents no longer in the inputs are dropped
        assert con.execute("SELECT count(*) FROM docs").fetchone()[0] == 9
    finally:
        con.close()
    assert_cache_as_if_built_fresh(corpus, db, tmp_path)


def test_up_to_date_warehouse_is_left_as_it_is(corpus, tmp_path):
    """Same documents, same code: nothing is merged and the installed file is not replaced; a touched file of
    the same bytes changes nothing; a warehouse the cache did not install (built from other inputs) is rebuilt."""
    db = tmp_path / "w.duckdb"
    first = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    inode = db.stat().st_ino
    again = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert any("up to date" in note for note in again.notes) and db.stat().st_ino == inode
    assert (again.trials, again.documents, again.tables) == (first.trials, first.documents, first.tables)
    (corpus / "records" / "NCT02513394.json").touch()
    touched = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert any("up to date" in note for note in touched.notes) and db.stat().st_ino == inode
    build([str(corpus / "records")], str(db), workers=1, quiet=True, cache=False)
    rebuilt = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert not any("up to date" in note for note in rebuilt.notes) and rebuilt.documents == 9


def test_unchanged_files_are_not_even_read(corpus, tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)

    def refuse(self):
        raise AssertionError(f"read {self.path}")

    monkeypatch.setattr(InputFile, "read", refuse)
    summary = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert summary.reused == 9


def test_found_files_keep_only_the_status_the_cache_compares(corpus):
    """A build holds every file's status to its end: only what the cache compares (size, times, inode) and the
    device, the values os.stat gives, not os.stat's 19 fields (600 bytes a file, 180 MB at 300,000 files)."""
    with zipfile.ZipFile(corpus / "pair.zip", "w") as zf:  # (a member's status is its archive's)
        for name in ("NCT00081055.json", "NCT01420432.json"):
            zf.write(FIXTURES / "build" / name, name)
    items, stats = find([str(corpus)])
    assert len(items) == len(stats) == 11 and sum(item.archive is not None for item in items) == 2
    for item, st in zip(items, stats, strict=True):
        full = os.stat(item.archive or item.path)
        assert type(st) is FileStat and signature(st) == signature(full) and st.st_dev == full.st_dev


def test_the_walk_tells_its_watch_once_of_the_first_file_changed_since_a_time(corpus):
    """A :class:`ChangeWatch` hears of the first file found whose ctime is after its time, once, however many
    changed (walked, or named as an input); with none changed, or only a file it ignores, it hears nothing."""
    heard: list[str] = []
    latest = max(os.stat(p).st_ctime_ns for p in corpus.rglob("*") if p.is_file())
    find([str(corpus)], watch=ChangeWatch(latest, lambda: heard.append("changed")))
    assert heard == []
    record = corpus / "records" / "NCT00081055.json"
    os.utime(record, (0, 0))  # (a past mtime: the ctime, set by the clock, still moves)
    (corpus / "records" / "NCT01420432.json").write_bytes((corpus / "records" / "NCT01420432.json").read_bytes())
    watch = ChangeWatch(latest, lambda: heard.append("changed"))
    items, _ = find([str(corpus)], watch=watch)
    assert heard == ["changed"] and watch.fired and len(items) == 9
    heard.clear()
    find([str(corpus / "records" / "NCT01420432.json")], watch=ChangeWatch(latest, lambda: heard.append("named")))
    assert heard == ["named"]  # (a file named as an input is not walked: it is told once all are found)
    changed = os.stat(corpus / "records" / "NCT01420432.json")
    find([str(corpus)], watch=ChangeWatch(latest, lambda: heard.append("ignored"),
                                          frozenset({(changed.st_dev, changed.st_ino)})))
    assert heard == ["named"]


def test_renamed_record_is_reused_renamed_page_is_parsed_again(corpus, tmp_path):
    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    (corpus / "records" / "NCT00002475.xml").rename(corpus / "records" / "renamed.xml")
    (corpus / "pages" / "001_c180e44e06a1421d.txt").rename(corpus / "pages" / "renamed.txt")
    summary = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert (summary.parsed, summary.reused) == (1, 8)  # pages may read ids from their file name


def test_damaged_segment_is_dropped_and_parsed_again(corpus, tmp_path):
    """A segment file cut short loses its segment's entries (parsed again); a manifest entry of no segment and a
    folder of no segment (a killed build's) are dropped."""
    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    before = all_tables(db)
    location = parse_cache.location(db)
    con = duckdb.connect(str(location))
    try:
        con.execute("INSERT INTO docs (ck, seg, n_rows) VALUES ('no-such-entry', 'no-such-segment', 3)")
        (seg,) = con.execute("SELECT seg FROM seg_files WHERE tab = 's_criteria' ORDER BY seg LIMIT 1").fetchone()
        (n_entries,) = con.execute("SELECT count(*) FROM docs WHERE seg = ?", [seg]).fetchone()
    finally:
        con.close()
    damaged = parse_cache.segments_of(location) / seg / "s_criteria.parquet"
    damaged.write_bytes(damaged.read_bytes()[:100])
    orphan = parse_cache.segments_of(location) / "leftover"
    orphan.mkdir()
    (orphan / "records.parquet").write_bytes(b"PAR1")
    summary = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert 0 < n_entries < 9 and (summary.parsed, summary.reused) == (n_entries, 9 - n_entries)
    assert all_tables(db) == before
    assert not orphan.exists() and not (parse_cache.segments_of(location) / seg).exists()
    con = duckdb.connect(str(location), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM docs").fetchone()[0] == 9
    finally:
        con.close()


def test_document_parsed_twice_keeps_one_entry(corpus, tmp_path):
    """Identical documents in different parse tasks are both parsed: the later rows are dead (left out of the
    merge), and a segment is rewritten only once most of its rows are dead."""
    (corpus / "zcopy").mkdir()
    shutil.copy(corpus / "records" / "NCT02513394.json", corpus / "zcopy" / "same.json")
    db, fresh = tmp_path / "w.duckdb", tmp_path / "fresh" / "w.duckdb"
    first = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    build([str(corpus)], str(fresh), workers=1, quiet=True, cache=False)
    assert first.documents == 10 and all_tables(db) == all_tables(fresh)
    location = parse_cache.location(db)
    con = duckdb.connect(str(location), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM docs").fetchone()[0] == 9
        assert con.execute("""  -- every row of every segment file is a live or a dead entry's
            SELECT count(*) FROM (SELECT seg, sum(n_rows) AS n FROM seg_files GROUP BY seg) f
            FULL JOIN (SELECT seg, sum(n_rows) AS n FROM (SELECT seg, n_rows FROM docs UNION ALL
                                                          SELECT seg, n_rows FROM dead) GROUP BY seg) e USING (seg)
            WHERE f.n IS DISTINCT FROM e.n AND coalesce(f.n, e.n) > 0""").fetchone()[0] == 0
    finally:
        con.close()
    (corpus / "records" / "NCT00002475.xml").unlink()
    second = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    build([str(corpus)], str(fresh), workers=1, quiet=True, cache=False)
    assert second.parsed == 0 and all_tables(db) == all_tables(fresh)


def test_few_files_touched_or_copied_leave_no_dead_rows(corpus, tmp_path):
    """A rebuild with few documents to parse does not read the cache's keys: a touched file is parsed again and
    a copy of a cached document parsed; the rows of entries the cache holds already are removed at once."""
    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    before = cache_rows(db, ("docs",))
    (corpus / "records" / "NCT02513394.json").touch()
    shutil.copy(corpus / "records" / "NCT00002475.xml", corpus / "copy.xml")
    summary = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert (summary.parsed, summary.reused, summary.documents) == (0, 10, 10)
    con = duckdb.connect(str(parse_cache.location(db)), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM dead").fetchone()[0] == 0
        segs = {s for (s,) in con.execute("SELECT DISTINCT seg FROM seg_files").fetchall()}
    finally:
        con.close()
    assert cache_rows(db, ("docs",)) == before
    assert {p.name for p in parse_cache.segments_of(parse_cache.location(db)).iterdir()} == segs
    fresh = tmp_path / "fresh" / "w.duckdb"
    build([str(corpus)], str(fresh), workers=1, quiet=True, cache=False)
    assert all_tables(db) == all_tables(fresh)


def test_file_name_that_is_not_utf8_is_cached_like_any(corpus, tmp_path):
    """A file name with bytes that are not UTF-8 is recorded (as shown in ``documents.path``: the odd byte as
    ``\\xff``, so two names that differ only there are two paths) and reused."""
    shutil.copy(FIXTURES / "ctgov_v2_json" / "NCT03453554_partial.json", corpus / os.fsdecode(b"odd\xffname.json"))
    shutil.copy(FIXTURES / "ctgov_v2_json" / "NCT00465816_partial.json", corpus / os.fsdecode(b"odd\xfename.json"))
    db = tmp_path / "w.duckdb"
    first = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    again = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert (first.parsed, again.parsed, again.reused) == (11, 0, 11)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT right(path, 16), status FROM documents WHERE path LIKE '%odd%name.json' "
                           "ORDER BY 1").fetchall() == [("odd\\xfename.json", "ingested"),
                                                        ("odd\\xffname.json", "ingested")]
    finally:
        con.close()


def test_dead_rows_are_left_out_of_the_staging_views(tmp_path):
    """Two segments holding the same entry: the views read it once (from the segment the manifest names)."""
    path = FIXTURES / "build" / "NCT02513394.json"
    doc = parse_document(str(path), path.read_bytes())
    tables = parse_cache.chunk_tables([("k1", doc, False, parse_cache.entry_rows("k1", doc, False))])
    stage = parse_cache.Stage.open(None, tmp_path / "stage.duckdb")
    try:
        first, second = (parse_cache.write_segment(stage.segments, tables) for _ in range(2))
        stage.record(first[0], first[1])
        (seg,) = set(second[0].column("seg").to_pylist())
        stage.record(second[0].slice(0, 0), second[1], [(seg, "k1", second[0].column("n_rows")[0].as_py())])
        stage.attach_rows()
        con = stage.con
        assert con.execute("SELECT count(*) FROM records").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM s_criteria").fetchone()[0] == tables["s_criteria"].num_rows > 0
        stage.compact([seg])
        assert not (stage.segments / seg).exists()
        stage.attach_rows()
        assert con.execute("SELECT count(*) FROM records").fetchone()[0] == 1
    finally:
        stage.release()


def test_second_build_on_the_same_cache_parses_without_it(corpus, tmp_path):
    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    holder = parse_cache.Stage.open(parse_cache.location(db), tmp_path / "scratch.duckdb")
    try:
        assert holder.persistent
        summary = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    finally:
        holder.release()
    assert summary.parsed == 9 and any("in use" in note for note in summary.notes)
    assert build([str(corpus)], str(db), workers=1, quiet=True, cache=True).reused == 9


def test_unreadable_cache_file_is_reset(corpus, tmp_path):
    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    before = all_tables(db)
    location = parse_cache.location(db)
    location.write_bytes(b"\x00garbage" * 5000)
    summary = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert summary.parsed == 9 and any("reset" in note for note in summary.notes)
    assert all_tables(db) == before
    again = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert again.reused == 9


def test_parser_version_change_discards_the_cache(corpus, tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    parser = registered()["ctgov_xml"]
    monkeypatch.setattr(parser, "version", parser.version + 1)
    summary = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert (summary.parsed, summary.reused) == (9, 0)


def test_small_builds_keep_no_cache_by_default(corpus, tmp_path):
    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "w.duckdb"]


def test_patched_warehouse_equals_a_full_build_with_derived_tables(tmp_path):
    """Edit one MSC record, delete one, add one and a page of a known trial: only those trials are merged
    again, and every table (MSC profile, criteria facts, age windows included) equals a full build's."""
    root = tmp_path / "in"
    shutil.copytree(FIXTURES / "msc", root / "msc")
    shutil.copytree(FIXTURES / "build", root / "build")
    db = tmp_path / "w.duckdb"
    first = build([str(root)], str(db), workers=1, quiet=True, cache=True)
    assert not any("patched" in n for n in first.notes)
    same = build([str(root)], str(db), workers=1, quiet=True, cache=True)
    assert "the warehouse is up to date: nothing to merge" in same.notes

    edited = root / "msc" / "NCT01392625.json"
    record = json.loads(edited.read_bytes())
    record["InterventionDescription"] = ["Autologous bone marrow mesenchymal stem cells, 2 million cells per kg, "
                                         "intravenous infusion, 3 times."] * len(record["InterventionDescription"])
    record["ArmGroupDescription"] = ["Patients receive the cells."] * len(record["ArmGroupDescription"])
    edited.write_text(json.dumps(record), encoding="utf-8")
    (root / "msc" / "NCT00836732.json").unlink()
    shutil.copy(FIXTURES / "criteria_facts/records/NCT03676569.json", root / "msc")
    shutil.copy(REPO / "data/inputs/seeds/003_a088c8f5c9a0d108.txt", root / "build")  # joins NCT01420432
    patched = build([str(root)], str(db), workers=1, quiet=True, cache=True)
    assert "patched the previous warehouse: 4 trials changed" in patched.notes
    assert patched.parsed == 3

    fresh = tmp_path / "fresh" / "w.duckdb"
    build([str(root)], str(fresh), workers=1, quiet=True, cache=False)
    got, want = all_tables(db), all_tables(fresh)
    assert got.keys() == want.keys()
    for table in want:
        assert got[table] == want[table], table
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("SELECT dose_per_kg, route, n_administrations FROM msc_profile "
                          "WHERE trial_id = 'NCT01392625'").fetchone()
    finally:
        con.close()
    assert row == (2e6, "intravenous", 3)
    assert_cache_as_if_built_fresh(root, db, tmp_path)


@pytest.mark.parametrize("name", ["wh.duckdb", "stage.duckdb", "temp.duckdb", "main", "O'Brien's trials/w.duckdb"])
def test_warehouse_file_name_never_collides_with_internal_names(corpus, tmp_path, name):
    """DuckDB names a database after its file, and paths go into SQL text: a warehouse called ``wh.duckdb`` or
    ``temp.duckdb``, or in a folder with a quote in its name, builds, patches and stays up to date like any other."""
    db = tmp_path / name
    db.parent.mkdir(exist_ok=True)
    first = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert first.documents == 9
    (corpus / "records" / "NCT00002475.xml").unlink()
    patched = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert any("patched" in note for note in patched.notes) and patched.documents == 8
    again = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert any("up to date" in note for note in again.notes)
    assert all_tables(db)["trials"] == all_tables(_full(corpus, tmp_path))["trials"]


def _full(corpus: Path, tmp_path: Path) -> Path:
    db = tmp_path / "full" / "w.duckdb"
    db.parent.mkdir(exist_ok=True)
    build([str(corpus)], str(db), workers=1, quiet=True, cache=False)
    return db


@pytest.mark.parametrize("step", ["parse", "rank", "merge"])
def test_failed_patch_leaves_the_previous_warehouse_and_no_copy(corpus, tmp_path, monkeypatch, step):
    """A patch fails while its copy of the warehouse is being made (parse, ranking) or after (merge): the
    installed warehouse is untouched and the partial copy is removed."""
    from warehouse import build as build_module

    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    before = all_tables(db)
    changed = corpus / "records" / "NCT02513394.json"
    changed.write_text(json.dumps(json.loads(changed.read_bytes()), indent=1), encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure")

    name = {"parse": "parse_document", "rank": "_rank", "merge": "sql_fill"}[step]
    working = getattr(build_module, name)
    monkeypatch.setattr(build_module, name, broken)
    with pytest.raises(RuntimeError, match="simulated"):
        build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert all_tables(db) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".w.duckdb")] == []
    monkeypatch.setattr(build_module, name, working)
    patched = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert any("patched" in note for note in patched.notes)


def test_a_copy_of_another_warehouse_is_not_patched(corpus, tmp_path, monkeypatch):
    """Another build installed its own warehouse while this one copied the installed file: the copy's build id
    is not the one checked, so the build writes every table instead of patching a stranger."""
    from warehouse import build as build_module

    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    stranger = tmp_path / "other" / "w.duckdb"
    stranger.parent.mkdir()
    build([str(corpus / "records")], str(stranger), workers=1, quiet=True, cache=False)
    changed = corpus / "records" / "NCT02513394.json"
    changed.write_text(json.dumps(json.loads(changed.read_bytes()), indent=1), encoding="utf-8")
    real = build_module.BackgroundCopy
    monkeypatch.setattr(build_module, "BackgroundCopy", lambda src, dst: real(stranger, dst))
    again = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    assert not any("patched" in note for note in again.notes)
    assert all_tables(db) == all_tables(_full(corpus, tmp_path))


def test_parser_names_recorded_with_the_cache_spare_importing_them(corpus, tmp_path):
    """An unchanged rebuild in a new process validates the cache by the parser names recorded with it (the same
    fingerprint as naming them live) and never imports a parser."""
    import subprocess
    import sys

    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    con = duckdb.connect(str(parse_cache.location(db)), read_only=True)
    try:
        recorded = dict(con.execute("SELECT key, value FROM meta").fetchall())
    finally:
        con.close()
    assert recorded["fingerprint"] == parse_cache.fingerprint() == parse_cache.fingerprint(recorded["parsers"])
    script = ("import sys; from warehouse.build import build; "
              f"s = build([{str(corpus)!r}], {str(db)!r}, workers=1, quiet=True, cache=True); "
              "print(s.notes, 'ingest.formats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['the warehouse is up to date: nothing to merge'] False"

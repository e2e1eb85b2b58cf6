"""Hostile and odd inputs, kills, concurrent readers, renamed inputs: the build accounts for everything."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import random
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import duckdb
import pytest
from table_rows import all_tables

from warehouse import build as build_mod
from warehouse import cache as parse_cache
from warehouse import derive
from warehouse.build import build
from warehouse.discover import discover

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent
CLASSIC = FIXTURES / "build" / "NCT01420432.json"
V2 = FIXTURES / "ctgov_v2_json" / "NCT03064438.json"
XML = FIXTURES / "build" / "NCT02513394.xml"
SEED = REPO / "data/inputs/seeds/003_a088c8f5c9a0d108.txt"


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def small_corpus(root: Path) -> Path:
    shutil.copytree(FIXTURES / "build", root / "records")
    shutil.copy(FIXTURES / "ctgov_xml" / "NCT00002475.xml", root / "records")
    shutil.copy(SEED, root)
    return root


def test_every_odd_input_is_accounted_for(tmp_path, monkeypatch):
    root = tmp_path / "in"
    root.mkdir()
    classic = CLASSIC.read_bytes()
    (root / "empty.json").write_bytes(b"")
    (root / "blank.txt").write_bytes(b" \n\t\r\n  ")
    (root / "binary.bin").write_bytes(bytes(range(256)) * 64)
    (root / "nul.txt").write_bytes(b"NCT01234567 \x00\x00 a trial")
    (root / "utf16.json").write_bytes(classic.decode("utf-8").encode("utf-16"))
    record = json.loads(classic)
    record["BriefTitle"] = ["Célula madre mesenquimal: étude"]
    record["NCTId"] = ["NCT01420433"]
    (root / "latin1.json").write_bytes(json.dumps(record).replace("\\u00e9", "é").encode("latin-1"))
    page = SEED.read_text(encoding="utf-8")
    (root / "wrapped.html").write_text(f"<!DOCTYPE html><html><body><pre>{page}</pre></body></html>", encoding="utf-8")
    (root / "truncated.json").write_bytes(V2.read_bytes()[:2500])
    (root / "truncated.xml").write_bytes(XML.read_bytes()[:4000])
    (root / "nested.json").write_bytes(b"[" * 200_000 + b"]" * 200_000)
    (root / "nested.xml").write_bytes(b"<a>" * 100_000 + b"</a>" * 100_000)
    (root / "copy_of_classic.json").write_bytes(classic)
    (root / "classic.json").write_bytes(classic)
    v2 = json.loads(V2.read_bytes())
    v2["protocolSection"]["identificationModule"]["briefTitle"] = "Lone \ud800 surrogate in a title"
    (root / "surrogate.json").write_text(json.dumps(v2), encoding="utf-8")
    big = json.loads(V2.read_bytes())
    big["protocolSection"]["identificationModule"]["nctId"] = "NCT03064439"
    big["protocolSection"].setdefault("descriptionModule", {})["detailedDescription"] = (
        "Mesenchymal stromal cells were infused. " * 1_500_000)
    (root / "big.json").write_text(json.dumps(big), encoding="utf-8")
    assert (root / "big.json").stat().st_size > 60_000_000
    with zipfile.ZipFile(root / "damaged.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("good.json", V2.read_bytes())
        zf.writestr("bad.json", classic)
    raw = bytearray((root / "damaged.zip").read_bytes())
    start = raw.index(b"bad.json") + len(b"bad.json") + 40
    raw[start:start + 200] = bytes(200)
    (root / "damaged.zip").write_bytes(bytes(raw))

    monkeypatch.setattr(build_mod, "PARALLEL_THRESHOLD", 1)  # through the worker processes
    monkeypatch.setattr(derive, "STEPS", [])
    db = tmp_path / "w.duckdb"
    started = time.perf_counter()
    summary = build([str(root)], str(db), workers=2, quiet=True)
    assert time.perf_counter() - started < 60
    found = discover([str(root)])
    assert len(found) == 17  # 15 files and the 2 members of damaged.zip
    assert summary.documents == len(found) == summary.ingested + summary.rejected
    docs = {Path(p.split("!")[-1]).name: (status, error, warnings) for p, status, error, warnings in
            query(db, "SELECT path, status, error, warnings FROM documents")}
    for name in ("empty.json", "blank.txt", "binary.bin", "nul.txt", "truncated.json", "truncated.xml",
                 "nested.json", "nested.xml", "bad.json"):
        assert docs[name][0] == "rejected" and docs[name][1], name
    assert "nested too deeply" in docs["nested.json"][1] or "parse" in docs["nested.json"][1]
    assert "unreadable" in docs["bad.json"][1]
    assert "duplicate" in docs["copy_of_classic.json"][1] and docs["classic.json"][0] == "ingested"
    for name in ("utf16.json", "latin1.json", "wrapped.html", "big.json", "good.json", "surrogate.json"):
        assert docs[name][0] == "ingested", (name, docs[name])
    assert "U+FFFD" in docs["surrogate.json"][2]
    titles = dict(query(db, "SELECT trial_id, brief_title FROM trials"))
    assert titles["NCT01420433"] == "Célula madre mesenquimal: étude"
    stated = query(db, "SELECT value FROM field_sources WHERE trial_id = 'NCT03064438' AND field = 'brief_title'")
    assert ("Lone \ufffd surrogate in a title",) in stated
    (length,) = query(db, "SELECT length(detailed_description) FROM trials WHERE trial_id = 'NCT03064439'")[0]
    assert length == len(("Mesenchymal stromal cells were infused. " * 1_500_000).strip())


def test_xml_entities_are_never_expanded_nor_fetched(tmp_path, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-TOKEN-4711", encoding="utf-8")
    xml = XML.read_text(encoding="utf-8")
    head, body = xml.split("<clinical_study", 1)
    laughs = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    root = tmp_path / "in"
    root.mkdir()
    (root / "laughs.xml").write_text(
        head + f'<!DOCTYPE clinical_study [<!ENTITY lol0 "lol">{laughs}]>\n<clinical_study'
        + body.replace("<brief_title>", "<brief_title>&lol9;", 1), encoding="utf-8")
    (root / "external.xml").write_text(
        head + f'<!DOCTYPE clinical_study [<!ENTITY xxe SYSTEM "file://{secret}">]>\n<clinical_study'
        + body.replace("<brief_title>", "<brief_title>&xxe;", 1), encoding="utf-8")
    (root / "parameter.xml").write_text(
        head + f'<!DOCTYPE clinical_study [<!ENTITY % ext SYSTEM "file://{secret}"> %ext;]>\n<clinical_study'
        + body, encoding="utf-8")
    monkeypatch.setattr(derive, "STEPS", [])
    db = tmp_path / "w.duckdb"
    started = time.perf_counter()
    summary = build([str(root)], str(db), workers=1, quiet=True)
    assert time.perf_counter() - started < 30
    assert summary.documents == 3 == summary.ingested + summary.rejected
    assert query(db, "SELECT count(*) FROM documents WHERE status = 'rejected' AND error IS NOT NULL") == [(3,)]
    for table, rows in all_tables(db).items():
        text = repr(rows)
        assert "TOP-SECRET" not in text, table
        assert "lollollol" not in text, table


def test_killed_build_keeps_the_old_warehouse_and_leaves_no_workers(tmp_path):
    """SIGKILL at several moments of a cached, parallel build: old warehouse intact, workers gone, cache sound."""
    corpus = small_corpus(tmp_path / "in")
    fresh = tmp_path / "fresh" / "w.duckdb"
    build([str(corpus)], str(fresh), workers=1, quiet=True, cache=False)
    after = all_tables(fresh)
    db = tmp_path / "w.duckdb"
    build([str(corpus / "records")], str(db), workers=1, quiet=True, cache=True)
    before = all_tables(db)
    marker = f"mscwh-kill-test-{os.getpid()}"
    code = ("import sys; import warehouse.build as b; b.PARALLEL_THRESHOLD = 1; "
            "b.build([sys.argv[1]], sys.argv[2], workers=2, quiet=True, cache=True)")
    killed = 0
    for delay in (0.1, 0.3, 0.6, 0.9, 1.3):
        proc = subprocess.Popen([sys.executable, "-c", code, str(corpus), str(db), marker], cwd=REPO)
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        state = all_tables(db)
        if state == after:  # the build had finished and installed the new warehouse
            build([str(corpus / "records")], str(db), workers=1, quiet=True, cache=True)
            continue
        assert state == before
        killed += 1
    assert killed >= 2
    deadline = time.time() + 5
    while time.time() < deadline and _processes_with(marker):
        time.sleep(0.2)
    assert not _processes_with(marker)
    summary = build([str(corpus)], str(db), workers=2, quiet=True, cache=True)
    assert summary.documents == 7
    assert all_tables(db) == after
    assert not list(tmp_path.glob(".w.duckdb.*"))  # leftovers of the killed builds were cleaned up


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if marker.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                    found.append(int(entry))
            except OSError:
                continue
    return found


_READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("SELECT count(*) FROM trials").fetchone()[0], flush=True)
sys.stdin.readline()
print(con.execute("SELECT count(*) FROM trials").fetchone()[0],
      con.execute("SELECT count(*) FROM documents").fetchone()[0], flush=True)
"""


def test_reader_keeps_working_during_a_rebuild(tmp_path, monkeypatch):
    monkeypatch.setattr(derive, "STEPS", [])
    corpus = small_corpus(tmp_path / "in")
    db = tmp_path / "w.duckdb"
    build([str(corpus / "records")], str(db), workers=1, quiet=True)
    (old_trials,) = query(db, "SELECT count(*) FROM trials")[0]
    reader = subprocess.Popen([sys.executable, "-c", _READER, str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert int(reader.stdout.readline()) == old_trials
        shutil.copy(FIXTURES / "ctgov_xml" / "NCT01065844.xml", corpus / "records")
        summary = build([str(corpus)], str(db), workers=1, quiet=True)
        out, _ = reader.communicate("go\n", timeout=30)
    finally:
        reader.kill()
    assert reader.returncode == 0
    assert out.split() == [str(old_trials), "6"]  # the reader still sees the old warehouse
    assert query(db, "SELECT count(*) FROM trials")[0][0] == summary.trials > old_trials


def test_renamed_and_reordered_inputs_give_identical_trial_data(tmp_path, monkeypatch):
    monkeypatch.setattr(derive, "STEPS", [])
    plain = small_corpus(tmp_path / "plain")
    shutil.copy(FIXTURES / "ctgov_v2_json" / "ctg-studies_asthma_10studies.json", plain)
    files = sorted(p for p in plain.rglob("*") if p.is_file())
    shuffled = tmp_path / "shuffled"
    rng = random.Random(7)
    names = [f"{rng.randrange(10**6):06d}" for _ in files]
    for i, path in enumerate(rng.sample(files, len(files))):
        target = shuffled / f"part{i % 3}" / f"{names[i]}{path.suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    build([str(plain)], str(a), workers=1, quiet=True)
    build([str(shuffled / "part2"), str(shuffled / "part0"), str(shuffled / "part1")], str(b), workers=1, quiet=True)
    ta, tb = all_tables(a), all_tables(b)
    ta["build_info"] = [r for r in ta["build_info"] if r[0] != "build_id"]  # names what was read, paths too
    tb["build_info"] = [r for r in tb["build_info"] if r[0] != "build_id"]
    for name in ta:
        if name == "documents":
            continue
        assert sorted(ta[name], key=repr) == sorted(tb[name], key=repr), name
    keep = "SELECT doc_id, sha256, format, layout, status, n_trials FROM documents ORDER BY doc_id"
    assert query(a, keep) == query(b, keep)


def built_under_swapped_names(tmp_path: Path, texts: list[str], *shared: Path) -> list[Path]:
    """Two warehouses of the documents ``texts`` as ``a.json`` and ``b.json``, the second with the names swapped
    (each beside the ``shared`` files)."""
    dbs = []
    for run, order in enumerate((texts, texts[::-1])):
        root = tmp_path / f"in{run}"
        root.mkdir()
        for name, text in zip(("a.json", "b.json"), order, strict=True):
            (root / name).write_text(text, encoding="utf-8")
        for path in shared:
            shutil.copy(path, root)
        dbs.append(tmp_path / f"w{run}.duckdb")
        build([str(root)], str(dbs[-1]), workers=1, quiet=True)
    return dbs


def assert_same_tables_but_names(a: Path, b: Path) -> None:
    """Every table but ``documents`` and ``build_info`` (which name the paths read) holds the same rows."""
    tables = [all_tables(a), all_tables(b)]
    for name in tables[0]:
        if name not in ("documents", "build_info"):
            assert tables[0][name] == tables[1][name], name  # (rows sorted by all_tables)


def test_documents_that_tie_are_ranked_by_their_content_not_their_names(tmp_path, monkeypatch):
    """Two records of one trial from the same source tier with the same last update, stating different titles:
    the tie goes to the lower document id (a hash of the bytes), so swapping the files' names changes nothing."""
    monkeypatch.setattr(derive, "STEPS", [])
    record = json.loads(CLASSIC.read_bytes())
    retitled = dict(record, BriefTitle=["Mesenchymal stem cells for ankylosing spondylitis (retitled copy)"])
    texts = [json.dumps(record, indent=1), json.dumps(retitled, indent=1)]
    dbs = built_under_swapped_names(tmp_path, texts)
    chosen = ("SELECT t.brief_title, f.doc_id, f.reason FROM trials t JOIN field_sources f USING (trial_id) "
              "WHERE f.field = 'brief_title' AND f.is_chosen")
    first, second = (query(db, chosen) for db in dbs)
    assert first == second and len(first) == 1
    title, doc_id, reason = first[0]
    assert reason == "tie: first by document id"
    assert doc_id == min(d for (d,) in query(dbs[0], "SELECT doc_id FROM documents"))
    assert_same_tables_but_names(*dbs)


@pytest.mark.parametrize("damage", ["truncate", "lock"])
def test_cache_trouble_never_fails_a_build(tmp_path, monkeypatch, damage):
    monkeypatch.setattr(derive, "STEPS", [])
    corpus = small_corpus(tmp_path / "in")
    db = tmp_path / "w.duckdb"
    build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    location = parse_cache.location(db)
    holder = None
    if damage == "truncate":
        location.write_bytes(location.read_bytes()[:5000])
    else:
        holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                                   "print('open', flush=True); time.sleep(60)", str(location)],
                                  stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == "open"
    try:
        summary = build([str(corpus)], str(db), workers=1, quiet=True, cache=True)
    finally:
        if holder is not None:
            holder.kill()
            holder.wait()
    assert summary.documents == 7 and summary.parsed == 7 and summary.notes


def test_special_files_links_and_overlapping_inputs(tmp_path):
    """A FIFO (in a folder, named as an input, or called .zip) and a dangling link are rejected, never read or
    waited on; a link back to a parent folder is not walked forever; a linked folder is read; a file named by
    two overlapping inputs is one document."""
    root = small_corpus(tmp_path / "in")
    os.mkfifo(root / "pipe.json")
    os.mkfifo(root / "pipe.zip")
    os.symlink(tmp_path / "nowhere.json", root / "dangling.json")
    os.symlink(root, root / "records" / "loop")
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(FIXTURES / "ctgov_xml" / "NCT01065844.xml", outside)
    os.symlink(outside, root / "linked")
    db = tmp_path / "w.duckdb"
    started = time.perf_counter()
    summary = build([str(root), str(root / "pipe.json"), str(root / "records" / ".." / "records")], str(db),
                    workers=1, quiet=True)
    assert time.perf_counter() - started < 60
    docs = dict(query(db, "SELECT path, coalesce(error, status) FROM documents"))
    assert summary.documents == len(docs) == 11 == summary.ingested + summary.rejected
    for name in ("pipe.json", "pipe.zip"):
        assert "not a regular file" in docs[str(root / name)]
    assert "unreadable" in docs[str(root / "dangling.json")]
    assert docs[str(root / "linked" / "NCT01065844.xml")] == "ingested"
    assert not any("loop" in p for p in docs)


def test_a_folder_that_cannot_be_listed_is_a_rejected_document_not_a_silent_gap(tmp_path):
    """A folder deeper than the system's longest path (or one without permission) cannot be listed: it is a
    rejected document saying so, where the walk skipped it and the files in it went missing without a word."""
    root = small_corpus(tmp_path / "in")
    names = ["f" * 200 + str(level) for level in range(24)]  # (~4,900 characters: more than PATH_MAX)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in names:
            os.mkdir(name, dir_fd=fd)
            fd, parent = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd), fd
            os.close(parent)
        with open(os.open("NCT03064438.json", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "wb") as fh:
            fh.write(V2.read_bytes())
    finally:
        os.close(fd)
    db = tmp_path / "w.duckdb"
    summary = build([str(root)], str(db), workers=1, quiet=True)
    docs = dict(query(db, "SELECT path, coalesce(error, status) FROM documents"))
    assert summary.documents == len(docs) == summary.ingested + summary.rejected == 8
    [(folder, reason)] = [(p, r) for p, r in docs.items() if r != "ingested"]
    assert folder.startswith(str(root / names[0])) and len(folder) > 4000
    assert reason == ("unreadable: a folder that cannot be read (File name too long): the files in it, if any, "
                      "were not found")


@pytest.mark.parametrize("order", ["archive first", "file first"])
def test_a_file_named_like_an_archive_member_displaces_it_saying_so(tmp_path, order):
    """Archive members are named ``archive!member``: a file beside the archive with that very name (``y.zip!a.json``)
    is a document of its own, and the archive's row says which member was not read, where one of the two was
    dropped without a word."""
    root = tmp_path / "in"
    root.mkdir()
    with zipfile.ZipFile(root / "y.zip", "w") as zf:
        zf.writestr("NCT03064438.json", XML.read_bytes())
        zf.writestr("other/NCT01420432.json", CLASSIC.read_bytes())
    (root / "y.zip!NCT03064438.json").write_bytes(V2.read_bytes())
    inputs = [str(root / "y.zip!NCT03064438.json"), str(root)] if order == "file first" else [str(root)]
    db = tmp_path / "w.duckdb"
    summary = build(inputs, str(db), workers=1, quiet=True)
    docs = dict(query(db, "SELECT path, coalesce(error, status) FROM documents"))
    assert summary.documents == len(docs) == 3 == summary.ingested + summary.rejected
    assert docs[str(root / "y.zip!NCT03064438.json")] == docs[str(root / "y.zip!other/NCT01420432.json")] == "ingested"
    assert docs[str(root / "y.zip")] == (
        f"unreadable: member 'NCT03064438.json' not read: a file beside the archive has the same path "
        f"({root / 'y.zip!NCT03064438.json'}); rename one of them")
    assert query(db, "SELECT trial_id FROM trials ORDER BY 1") == [("NCT01420432",), ("NCT03064438",)]


def test_empty_archives_and_binary_files_of_known_kinds_are_rejected_saying_what_they_are(tmp_path):
    """An archive with no files is a rejected document, not nothing; a record compressed but not named so, a
    zip inside a zip, a PDF or a database is refused naming what it is; .bz2 and .xz files are read like .gz."""
    root = tmp_path / "in"
    root.mkdir()
    v2, xml = V2.read_bytes(), XML.read_bytes()
    with zipfile.ZipFile(root / "empty.zip", "w"):
        pass
    with zipfile.ZipFile(root / "folders_only.zip", "w") as zf:
        zf.writestr("records/", b"")
    with tarfile.open(root / "empty.tar.gz", "w:gz"):
        pass
    (root / "record.json").write_bytes(gzip.compress(v2))  # (compressed, not named .gz)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("NCT01420432.json", CLASSIC.read_bytes())
    with zipfile.ZipFile(root / "outer.zip", "w") as zf:
        zf.writestr("inner.zip", inner.getvalue())
    (root / "protocol.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    (root / "NCT03064438.json.bz2").write_bytes(bz2.compress(v2))
    (root / "NCT02513394.xml.xz").write_bytes(lzma.compress(xml))
    db = tmp_path / "w.duckdb"
    summary = build([str(root)], str(db), workers=1, quiet=True)
    docs = dict(query(db, "SELECT path, coalesce(error, status) FROM documents"))
    assert summary.documents == len(docs) == 8 == summary.ingested + summary.rejected
    for name in ("empty.zip", "folders_only.zip", "empty.tar.gz"):
        assert docs[str(root / name)] == "unreadable: an archive with no files in it"
    assert "gzip-compressed data" in docs[str(root / "record.json")]
    assert "zip archive" in docs[str(root / "outer.zip") + "!inner.zip"]
    assert "PDF document" in docs[str(root / "protocol.pdf")]
    assert docs[str(root / "NCT03064438.json.bz2")] == docs[str(root / "NCT02513394.xml.xz")] == "ingested"
    assert query(db, "SELECT trial_id FROM trials ORDER BY 1") == [("NCT02513394",), ("NCT03064438",)]


@pytest.mark.parametrize("run", ["1" * 100_000, " " * 100_000, "1." * 50_000, " \n" * 50_000,
                                 "age 18 years and " * 6_000, "1 x 10" * 17_000])
def test_pathological_text_is_read_in_linear_time(run):
    """Long runs of digits, blanks or repeated phrases in any text of a record: the derived rows (MSC profile,
    doses, criteria facts) take seconds, not hours (no regular expression rescans a run from each position)."""
    import copy

    from ingest.criteria import split_criteria
    from ingest.dispatch import parse_document
    from warehouse import record_derive

    (base,) = parse_document(str(CLASSIC), CLASSIC.read_bytes()).records
    rec = copy.deepcopy(base)
    for field in ("brief_title", "brief_summary", "detailed_description", "eligibility_criteria"):
        setattr(rec, field, f"Mesenchymal stem cells {run} cells/kg. " + (getattr(rec, field) or ""))
    rec.criteria = split_criteria(rec.eligibility_criteria)
    rec.interventions[0].description = f"MSC dose {run} cells"
    rec.arms[0].description = f"MSC {run} cells/kg"
    record_derive._criterion_memo.clear()
    record_derive._profile_memo.clear()
    started = time.perf_counter()
    rows = record_derive.derived_rows(rec)
    assert time.perf_counter() - started < 15
    assert rows["s_msc"][0][1] is True  # still read as an MSC trial


@pytest.mark.parametrize("page", ["crick.txt", "anzctr.txt", "psoriasis_org.txt", "stroke_center.txt"])
@pytest.mark.parametrize("run", ["\n" * 100_000, " " * 100_000, "\t" * 100_000])
def test_pathological_page_is_detected_and_parsed_in_linear_time(page, run):
    """A run of blank lines or blanks in a page: every layout's detector and the chosen parser finish in well
    under a second (patterns anchored at line starts no longer cross lines)."""
    from ingest.dispatch import parse_document

    lines = (FIXTURES / "pages_synthetic" / page).read_text(encoding="utf-8").split("\n")
    half = len(lines) // 2
    text = "\n".join([*lines[:half], run, *lines[half:]])
    started = time.perf_counter()
    doc = parse_document(page, text.encode("utf-8"))
    assert time.perf_counter() - started < 5
    assert doc.error is None and doc.records


def test_links_refused_across_renamed_files_resolve_the_same_way(tmp_path, monkeypatch):
    """Two versions of one ClinicalTrials.gov record name different EudraCT numbers, both real EU register trials:
    the trial cannot hold both, so one link is refused. Which one depends on the links' content, not on the
    files' names: swapping the names changes no table."""
    monkeypatch.setattr(derive, "STEPS", [])
    record = json.loads((FIXTURES / "ctgov_v2_json" / "NCT02513394.json").read_bytes())
    texts = []
    for number in ("2022-002568-62", "2021-002179-21"):
        version = json.loads(json.dumps(record))
        for info in version["protocolSection"]["identificationModule"]["secondaryIdInfos"]:
            if info["type"] == "EUDRACT_NUMBER":
                info["id"] = number
        texts.append(json.dumps(version, indent=1))
    dbs = built_under_swapped_names(tmp_path, texts,
                                    FIXTURES / "euctr" / "EUCTR_fulltext_2021-002179-21_2022-002568-62.txt")
    joined = "SELECT id_value FROM identifiers WHERE trial_id = 'NCT02513394' AND id_value LIKE '20%' ORDER BY 1"
    first, second = (query(db, joined) for db in dbs)
    assert first == second
    trials = [t for (t,) in query(dbs[0], "SELECT trial_id FROM trials ORDER BY 1")]
    assert "NCT02513394" in trials and len(trials) == 2  # (one EU register trial joined it, the other did not)
    assert_same_tables_but_names(*dbs)


def test_a_pages_url_sidecar_is_read_with_the_page_and_never_taken_for_a_page(tmp_path):
    """A saved page whose trial id is only in its URL, with the URL in a file named after it: the page gets the id
    from the sidecar, and the sidecar (or a Windows shortcut) is a rejected document saying it holds a link only,
    whatever its name suggests; a page and its sidecar renamed together give the same trial."""
    pages = FIXTURES / "pages_synthetic"
    for run, stem in enumerate(("cdek", "p0193")):
        root = tmp_path / f"in{run}"
        root.mkdir()
        shutil.copy(pages / "cdek.txt", root / f"{stem}.txt")
        shutil.copy(pages / "cdek.url", root / f"{stem}.url")
        (root / "shortcut.url").write_text("[InternetShortcut]\nURL=https://clinicaltrials.gov/study/NCT01420432\n"
                                           "IconIndex=0\n", encoding="utf-8")
        db = tmp_path / f"w{run}.duckdb"
        summary = build([str(root)], str(db), workers=1, quiet=True)
        assert (summary.documents, summary.ingested) == (3, 1)
        docs = dict(query(db, "SELECT regexp_extract(path, '[^/]+$'), coalesce(error, status) FROM documents"))
        assert docs[f"{stem}.txt"] == "ingested"
        assert docs[f"{stem}.url"].startswith("a link only (https://cdek.wustl.edu/clinical-trials/NCT01219465)")
        assert docs["shortcut.url"].startswith("a link only (https://clinicaltrials.gov/study/NCT01420432)")
        assert query(db, "SELECT trial_id FROM trials") == [("NCT01219465",)]

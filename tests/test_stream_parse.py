"""Large downloads read as a stream: the JSON list reader, and the rows of streamed documents = read whole."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import shutil
import tarfile
import zipfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from table_rows import all_tables

from ingest import json_stream
from ingest.errors import NotStreamable
from warehouse import archives, derive, discover, stream_parse
from warehouse.build import build

FIXTURES = Path(__file__).parent / "fixtures"
DOWNLOADS = [FIXTURES / "ctgov_v2_json" / "ctg-studies_asthma_10studies.json",  # a list
             FIXTURES / "ctgov_v2_json" / "NCT06388018.json"]  # {"studies": [...]}
BUILD = ("build_info",)  # (when and how each warehouse was built)
CSV = [FIXTURES / "ctgov_csv" / "SearchResults_mesenchymal_UC-MSCs.csv",  # the classic site's
       FIXTURES / "ctgov_csv" / "ctg-studies_hypertension_india_172studies.csv"]  # the current site's

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12)


def items(text: str, block: int, **kw) -> list:
    return list(json_stream.list_items(io.BytesIO(text.encode("utf-8")), block=block, **kw))


@settings(max_examples=200, deadline=None)
@given(st.lists(json_values, max_size=6), st.integers(1, 64), st.booleans(), st.booleans())
def test_list_items_are_the_elements_json_reads_whatever_the_blocks(values, block, wrapped, indent):
    doc = {"nextPageToken": "x", "studies": values, "totalCount": [1, {"a": 2}]} if wrapped else values
    text = json.dumps(doc, indent=2 if indent else None, ensure_ascii=False)
    got = items(text, block)
    assert [v for v, _ in got] == values
    assert [json.loads(raw) for _, raw in got] == values  # each element's own text


@settings(max_examples=200, deadline=None)
@given(st.lists(json_values, min_size=1, max_size=5), st.integers(1, 64), st.data())
def test_a_list_cut_short_is_never_read_as_complete(values, block, data):
    text = json.dumps({"studies": values})
    cut = data.draw(st.integers(1, len(text) - 1))
    with pytest.raises((ValueError, NotStreamable)):
        items(text[:cut], block)


@pytest.mark.parametrize("text", ['{"protocolSection": {}}', '{"studies": [], "protocolSection": {}}',
                                  '{"studies": [1], "studies": [2]}', '{"other": 1}', "{}", '"text"', "42"])
def test_other_shapes_are_read_whole(text):
    with pytest.raises((NotStreamable, ValueError)):
        items(text, 8, single_key="protocolSection")


def test_json_not_valid_midway_fails_there_without_reading_the_rest():
    fh = io.BytesIO(b'[{"a": 1}, {"a": 2 "b": 3}, ' + b'{"a": 4}, ' * 100_000 + b'{"a": 5}]')
    with pytest.raises(ValueError, match="delimiter"):
        list(json_stream.list_items(fh, block=64))
    assert fh.tell() < 1000


def test_a_string_longer_than_the_stream_follows_makes_the_document_read_whole(monkeypatch):
    monkeypatch.setattr(json_stream, "MAX_VALUE_CHARS", 100)
    text = json.dumps([{"a": "x" * 50}, {"a": "y" * 500}, {"a": 1}])
    with pytest.raises(NotStreamable):
        items(text, 16)
    assert [v for v, _ in items(text, 4096)] == json.loads(text)  # (whole in one block)


def test_text_that_is_not_utf8_is_read_whole():
    with pytest.raises(NotStreamable):
        list(json_stream.list_items(io.BytesIO('[{"a": "caf\u00e9"}]'.encode("latin-1")), block=4))


@pytest.fixture()
def downloads(tmp_path) -> Path:
    """Real v2 downloads (lists) and CSV downloads beside a real single v2 study and a real classic record."""
    root = tmp_path / "in"
    root.mkdir()
    for path in [*DOWNLOADS, *CSV, FIXTURES / "ctgov_v2_json" / "NCT03281889.json",
                 FIXTURES / "ctgov_v2_json" / "NCT04207047.json", FIXTURES / "build" / "NCT00081055.json"]:
        shutil.copy(path, root)
    return root


@pytest.mark.parametrize("workers", [1, 2])
def test_streamed_downloads_give_the_rows_of_reading_them_whole(downloads, tmp_path, monkeypatch, workers):
    monkeypatch.setattr(derive, "STEPS", [])
    whole = build([str(downloads)], str(tmp_path / "whole.duckdb"), workers=1, quiet=True, cache=True)
    streamed_docs = []
    real = stream_parse.parse_into_segment

    def parse_into_segment(item, sha, size, segments):
        got = real(item, sha, size, segments)
        streamed_docs.append(Path(item.path).name)
        return got

    monkeypatch.setattr(stream_parse, "parse_into_segment", parse_into_segment)
    monkeypatch.setattr(stream_parse, "STREAM_BYTES", 1)
    monkeypatch.setattr(stream_parse, "BATCH_RECORDS", 3)  # several batches, row groups, a last short batch
    db = tmp_path / "streamed.duckdb"
    streamed = build([str(downloads)], str(db), workers=workers, quiet=True, cache=True)
    if workers == 1:  # (in the build's own process, where the count is seen)
        assert sorted(streamed_docs) == sorted(p.name for p in [*DOWNLOADS, *CSV] + [Path("NCT03281889.json")])
    assert (streamed.documents, streamed.rejected) == (whole.documents, whole.rejected) == (7, 0)
    got, want = all_tables(db, leave_out=BUILD), all_tables(tmp_path / "whole.duckdb", leave_out=BUILD)
    assert got == want and len(got["trials"]) >= 12 + 172
    layouts = duckdb.connect(str(db), read_only=True).execute(
        "SELECT layout, count(*) FROM documents WHERE format = 'ctgov_v2_json' GROUP BY 1 ORDER BY 1").fetchall()
    assert layouts == [("list", 3), ("single", 1)]  # the single study was read whole
    again = build([str(downloads)], str(db), workers=workers, quiet=True, cache=True)
    assert again.parsed == 0 and all_tables(db, leave_out=BUILD) == want  # streamed documents are cached like any other


COMPRESS = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}


def pack(root: Path, kind: str) -> Path:
    """The files of ``root`` compressed one by one (gzip, bzip2, xz), or packed in one archive, in a new folder
    beside it."""
    out = root.parent / f"{root.name}-{kind}"
    out.mkdir()
    files = sorted(root.iterdir())
    if kind in COMPRESS:
        for path in files:
            (out / f"{path.name}.{kind}").write_bytes(COMPRESS[kind](path.read_bytes()))
    elif kind == "zip":
        with zipfile.ZipFile(out / "downloads.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            for path in files:
                zf.write(path, f"downloads/{path.name}")
    else:
        with tarfile.open(out / f"downloads.{kind}", {"tar": "w", "tar.gz": "w:gz"}[kind]) as tf:
            for path in reversed(files):  # (stored in another order than listed)
                tf.add(path, f"downloads/{path.name}")
    return out


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz", "zip", "tar", "tar.gz"])
def test_large_documents_in_compressed_files_and_archives_are_streamed_too(downloads, tmp_path, monkeypatch, kind):
    """A large document stored compressed or in an archive is streamed as a plain file is: the rows of reading
    it whole (which, for a .gz file or an archive member, stops at 256 MiB)."""
    monkeypatch.setattr(derive, "STEPS", [])
    packed = pack(downloads, kind)
    whole = build([str(packed)], str(tmp_path / "whole.duckdb"), workers=1, quiet=True, cache=True)
    streamed_docs = []
    real = stream_parse.parse_into_segment

    def parse_into_segment(item, sha, size, segments):
        got = real(item, sha, size, segments)
        streamed_docs.append(Path(item.path).name.removesuffix(f".{kind}"))
        return got

    monkeypatch.setattr(stream_parse, "parse_into_segment", parse_into_segment)
    monkeypatch.setattr(stream_parse, "STREAM_BYTES", 1)
    monkeypatch.setattr(stream_parse, "BATCH_RECORDS", 3)
    db = tmp_path / "streamed.duckdb"
    streamed = build([str(packed)], str(db), workers=1, quiet=True, cache=True)
    assert sorted(streamed_docs) == sorted(p.name for p in [*DOWNLOADS, *CSV] + [Path("NCT03281889.json")])
    assert (streamed.documents, streamed.rejected) == (whole.documents, whole.rejected) == (7, 0)
    got, want = all_tables(db, leave_out=BUILD), all_tables(tmp_path / "whole.duckdb", leave_out=BUILD)
    assert got == want and len(got["trials"]) >= 12 + 172
    assert build([str(packed)], str(db), workers=2, quiet=True, cache=True).parsed == 0


def test_a_large_gz_file_that_is_not_a_download_is_not_inflated_to_its_end(tmp_path, monkeypatch):
    """A .gz file whose start is not a streamable format is read whole, within the 256 MiB bound: a bomb of
    zeros is rejected after reading one byte past the bound, not inflated to its end."""
    monkeypatch.setattr(derive, "STEPS", [])
    monkeypatch.setattr(archives, "MAX_MEMBER_BYTES", 1 << 20)
    monkeypatch.setattr(discover, "MAX_MEMBER_BYTES", 1 << 20)
    digests = []
    real = stream_parse.digest
    monkeypatch.setattr(stream_parse, "digest", lambda item: digests.append(item.path) or real(item))
    root = tmp_path / "in"
    root.mkdir()
    (root / "zeros.json.gz").write_bytes(gzip.compress(bytes(64 << 20), 9))
    shutil.copy(FIXTURES / "ctgov_v2_json" / "NCT03281889.json", root)
    monkeypatch.setattr(stream_parse, "STREAM_BYTES", 8)  # (every file here is large)
    db = tmp_path / "w.duckdb"
    summary = build([str(root)], str(db), workers=1, quiet=True)
    assert (summary.documents, summary.rejected) == (2, 1)
    assert [Path(p).name for p in digests] == ["NCT03281889.json"]  # (the zeros were never hashed)
    reason = duckdb.connect(str(db), read_only=True).execute(
        "SELECT error FROM rejected_documents WHERE path LIKE '%zeros.json.gz'").fetchone()[0]
    assert "exceeds" in reason


def test_a_truncated_download_is_rejected_with_its_reason_and_no_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(derive, "STEPS", [])
    monkeypatch.setattr(stream_parse, "STREAM_BYTES", 1)
    monkeypatch.setattr(stream_parse, "BATCH_RECORDS", 2)
    root = tmp_path / "in"
    root.mkdir()
    data = DOWNLOADS[0].read_bytes()
    (root / "cut.json").write_bytes(data[: len(data) * 2 // 3])
    shutil.copy(FIXTURES / "ctgov_v2_json" / "NCT03281889.json", root)
    db = tmp_path / "w.duckdb"
    summary = build([str(root)], str(db), workers=1, quiet=True)
    assert (summary.documents, summary.rejected) == (2, 1)
    con = duckdb.connect(str(db), read_only=True)
    reason = con.execute("SELECT error FROM rejected_documents WHERE path LIKE '%cut.json'").fetchone()[0]
    assert "not valid JSON" in reason
    assert con.execute("SELECT count(*) FROM trials").fetchone()[0] == 1  # nothing of the cut download


def test_a_download_not_in_utf8_is_read_whole(tmp_path, monkeypatch):
    """A Latin-1 download cannot be streamed (its first non-UTF-8 byte comes after some studies were read): read
    whole, it gives the trials of its UTF-8 twin."""
    monkeypatch.setattr(derive, "STEPS", [])
    monkeypatch.setattr(stream_parse, "STREAM_BYTES", 1)
    monkeypatch.setattr(stream_parse, "BATCH_RECORDS", 2)
    studies = json.loads(DOWNLOADS[0].read_text(encoding="utf-8"))
    studies[-1]["note"] = "caf\u00e9"  # (a key no parser reads)
    roots = {}
    for name, data in (("utf8", json.dumps(studies, ensure_ascii=False).encode("utf-8")),
                       ("latin1", json.dumps(studies, ensure_ascii=True).replace("\\u00e9", "\u00e9")
                        .encode("latin-1"))):
        roots[name] = tmp_path / name
        roots[name].mkdir()
        (roots[name] / "download.json").write_bytes(data)
    assert (roots["latin1"] / "download.json").read_bytes().index(b"\xe9") > 100_000
    dbs = {name: tmp_path / f"{name}.duckdb" for name in roots}
    for name, root in roots.items():
        assert build([str(root)], str(dbs[name]), workers=1, quiet=True, cache=True).rejected == 0
    got, want = ([duckdb.connect(str(dbs[name]), read_only=True)
                  .execute("SELECT * EXCLUDE (primary_doc_id) FROM trials ORDER BY ALL").fetchall()
                  for name in ("latin1", "utf8")])
    assert got == want and len(want) == 10  # (the documents' ids differ with their bytes)
    con = duckdb.connect(str(dbs["latin1"]), read_only=True)
    assert con.execute("SELECT layout, warnings FROM documents").fetchall() == [("list", "decoded as cp1252")]

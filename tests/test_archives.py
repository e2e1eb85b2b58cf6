"""Archives as inputs: every member listed and read as stored, tars read forward once, builds equal to folders."""

from __future__ import annotations

import builtins
import gzip
import io
import lzma
import multiprocessing
import shutil
import tarfile
import zipfile
import zlib
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse import archives
from warehouse.build import build
from warehouse.discover import discover

FIXTURES = Path(__file__).parent / "fixtures"
#: Real records of every machine format, one trial each.
RECORDS = sorted([*(FIXTURES / "build").iterdir(), *(FIXTURES / "ctgov_xml").glob("*.xml"),
                  *(FIXTURES / "ctgov_classic_json").glob("NCT*.json")])
KINDS = {"zip": ".zip", "tar": ".tar", "gz": ".tar.gz", "tgz": ".tgz", "bz2": ".tar.bz2", "xz": ".tar.xz"}


def make_archive(path: Path, kind: str, files: list[tuple[str, bytes]]) -> Path:
    """An archive of ``files`` (name, bytes) in the order given."""
    if kind == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in files:
                zf.writestr(name, data)
        return path
    mode = {"tar": "w", "gz": "w:gz", "tgz": "w:gz", "bz2": "w:bz2", "xz": "w:xz"}[kind]
    with tarfile.open(path, mode) as tf:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def real_files() -> list[tuple[str, bytes]]:
    # stored in reverse name order, so the order they are stored in is not the order they are listed in
    return [(f"records/{p.parent.name}/{p.name}", p.read_bytes()) for p in reversed(RECORDS)]


@pytest.mark.parametrize("kind", KINDS)
def test_every_member_is_listed_and_read_as_stored(tmp_path, kind):
    files = real_files()
    archive = make_archive(tmp_path / f"records{KINDS[kind]}", kind, files)
    found = discover([str(tmp_path)])
    assert [f.path for f in found] == sorted(f"{archive}!{name}" for name, _ in files)
    wanted = dict(files)
    for item in reversed(found):  # (backwards: a compressed tar starts its stream again)
        assert item.read() == wanted[item.member.name]
    for item in sorted(found, key=lambda f: f.read_order()):
        assert item.read() == wanted[item.member.name]


@settings(max_examples=30, deadline=None)
@given(st.permutations(range(len(RECORDS))))
def test_members_read_in_any_order_are_their_bytes(tmp_path_factory, order):
    tmp = tmp_path_factory.mktemp("any")
    files = real_files()
    found = discover([str(make_archive(tmp / "r.tar.gz", "gz", files))])
    wanted = dict(files)
    for i in order:
        assert found[i].read() == wanted[found[i].member.name]
    archives.forget_open()


def test_a_compressed_tar_read_in_stored_order_is_read_once(tmp_path, monkeypatch):
    """Reading every member in the order they are stored reads the compressed archive once, not once per
    member (which made a .tar.gz of 10,900 records take hours)."""
    files = [(f"copy{i:03d}/{name}", data) for i in range(20) for name, data in real_files()]
    archive = make_archive(tmp_path / "many.tar.gz", "gz", files)
    found = discover([str(archive)])
    assert len(found) == len(files)
    read = [0]
    real_open = builtins.open

    class Counted:
        def __init__(self, fh):
            self.fh = fh

        def read(self, n=-1):
            data = self.fh.read(n)
            read[0] += len(data)
            return data

        def __getattr__(self, name):
            return getattr(self.fh, name)

    def counted_gzip_open(path, mode="rb"):
        return gzip.GzipFile(fileobj=Counted(real_open(path, "rb")), mode=mode)

    monkeypatch.setitem(archives._OPENERS, b"\x1f\x8b", counted_gzip_open)
    archives.forget_open()
    wanted = dict(files)
    for item in sorted(found, key=lambda f: f.read_order()):
        assert item.read() == wanted[item.member.name]
    assert read[0] <= archive.stat().st_size + (1 << 16)
    archives.forget_open()


def test_a_name_stored_twice_in_a_tar_is_its_last_copy(tmp_path):
    first = (FIXTURES / "build/NCT01420432.json").read_bytes()
    second = (FIXTURES / "build/NCT00081055.json").read_bytes()
    archive = make_archive(tmp_path / "twice.tar.gz", "gz", [("a.json", first), ("a.json", second)])
    [item] = discover([str(archive)])
    assert item.read() == second


def test_a_member_past_the_size_bound_is_unreadable_and_rejected(tmp_path, monkeypatch):
    big = (FIXTURES / "build/NCT01420432.json").read_bytes()
    small = (FIXTURES / "build/NCT02513394.xml").read_bytes()
    (tmp_path / "in").mkdir()
    make_archive(tmp_path / "in" / "r.tar.gz", "gz", [("big.json", big), ("small.xml", small)])
    monkeypatch.setattr(archives, "MAX_MEMBER_BYTES", (len(big) + len(small)) // 2)
    found = {f.member.name: f for f in discover([str(tmp_path / "in")])}
    with pytest.raises(OSError, match="exceeds"):
        found["big.json" if len(big) > len(small) else "small.xml"].read()
    db = tmp_path / "wh.duckdb"
    build([str(tmp_path / "in")], str(db), workers=1, quiet=True)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = dict(con.execute("SELECT regexp_extract(path, '[^!]*$'), status FROM documents").fetchall())
    assert set(rows) == {"big.json", "small.xml"}
    assert sorted(rows.values()) == ["ingested", "rejected"]


@pytest.mark.parametrize("kind", ["gz", "xz", "tar"])
def test_a_damaged_tar_is_one_rejected_document(tmp_path, kind):
    (tmp_path / "in").mkdir()
    archive = make_archive(tmp_path / "in" / f"r{KINDS[kind]}", kind, real_files())
    raw = archive.read_bytes()
    archive.write_bytes(raw[: len(raw) // 2] if kind != "tar" else b"\x00garbage" * 100)
    db = tmp_path / "wh.duckdb"
    summary = build([str(tmp_path / "in")], str(db), workers=1, quiet=True)
    assert summary.documents >= 1
    with duckdb.connect(str(db), read_only=True) as con:
        statuses = con.execute("SELECT path, status FROM documents").fetchall()
    assert (str(archive), "rejected") in statuses


def _read_in_child(item, queue) -> None:
    queue.put(item.read())


def test_a_forked_process_never_reads_through_its_parents_open_archive(tmp_path):
    files = real_files()
    found = discover([str(make_archive(tmp_path / "r.tar.gz", "gz", files))])
    wanted = dict(files)
    assert found[0].read() == wanted[found[0].member.name]  # (the archive is now open in this process)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_read_in_child, args=(found[-1], queue))
    child.start()
    got = queue.get(timeout=60)
    child.join(60)
    assert got == wanted[found[-1].member.name]
    assert found[1].read() == wanted[found[1].member.name]
    archives.forget_open()


@pytest.mark.parametrize("kind", ["gz", "zip"])
def test_an_archive_builds_the_trials_of_its_files(tmp_path, kind):
    """The same records in a folder and in an archive, parsed by worker processes and cached: the same trials,
    criteria and MSC profiles; and an unchanged archive is not read again."""
    folder = tmp_path / "folder"
    for name, data in real_files():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    packed = tmp_path / "packed"
    packed.mkdir()
    make_archive(packed / f"records{KINDS[kind]}", kind, real_files())
    dbs = {}
    for label, root in (("folder", folder), ("archive", packed)):
        dbs[label] = tmp_path / f"{label}.duckdb"
        build([str(root)], str(dbs[label]), workers=2, quiet=True, cache=True)
    tables = {}
    for label, db in dbs.items():
        with duckdb.connect(str(db), read_only=True) as con:
            tables[label] = [con.execute(f"SELECT * EXCLUDE ({drop}) FROM {t} ORDER BY ALL").fetchall()
                             for t, drop in (("trials", "primary_doc_id"), ("criteria", "doc_id"),
                                             ("msc_profile", "trial_id"), ("outcomes", "doc_id"))]
    assert tables["archive"] == tables["folder"]
    assert len(tables["archive"][0]) >= 10
    again = build([str(packed)], str(dbs["archive"]), workers=2, quiet=True, cache=True)
    assert again.parsed == 0
    shutil.rmtree(packed)


def test_a_tar_is_listed_again_only_when_it_changed(tmp_path, monkeypatch):
    """An unchanged tar's member list is kept beside the parse cache (listing reads the whole archive); a changed
    one is listed again, and the lists of archives no longer among the inputs are removed."""
    from warehouse import discover as discover_module

    listed = []
    real = discover_module.list_members
    monkeypatch.setattr(discover_module, "list_members", lambda path: listed.append(Path(path).name) or real(path))
    root = tmp_path / "in"
    root.mkdir()
    files = real_files()
    make_archive(root / "a.tar.gz", "gz", files)
    make_archive(root / "b.tar", "tar", files[:3])
    db = tmp_path / "wh.duckdb"
    first = build([str(root)], str(db), workers=1, quiet=True, cache=True)
    assert sorted(listed) == ["a.tar.gz", "b.tar"]
    kept = tmp_path / ".mscwh-cache" / "wh.duckdb.duckdb.archives"
    assert len(list(kept.iterdir())) == 2
    listed.clear()
    again = build([str(root)], str(db), workers=1, quiet=True, cache=True)
    assert listed == [] and (again.documents, again.trials) == (first.documents, first.trials)
    make_archive(root / "a.tar.gz", "gz", files[1:])  # (one record fewer)
    (root / "b.tar").unlink()
    changed = build([str(root)], str(db), workers=1, quiet=True, cache=True)
    assert listed == ["a.tar.gz"] and changed.documents == len(files) - 1
    assert len(list(kept.iterdir())) == 1
    listed.clear()
    build([str(root)], str(tmp_path / "plain.duckdb"), workers=1, quiet=True, cache=False)
    assert listed == ["a.tar.gz"] and not (tmp_path / ".mscwh-cache" / "plain.duckdb.duckdb.archives").exists()


@pytest.mark.parametrize(("kind", "kept"), [("gz", 0.35), ("gz", 0.8), ("tar", 0.35), ("tar", 0.8),
                                           ("bz2", 0.8)])  # (bz2 inflates whole blocks of 900 kB: 0.35 holds none)
def test_the_members_before_a_tar_is_cut_short_are_not_lost(tmp_path, kind, kept):
    """A download of a tar that stopped early: the members stored before the cut are ingested, a member the cut
    goes through is rejected as unreadable, and the archive itself is a rejected document saying why."""
    files = list({data: (name, data) for name, data in real_files()}.values())  # (no duplicate to reject)
    full = make_archive(tmp_path / f"full{KINDS[kind]}", kind, files)
    root = tmp_path / "in"
    root.mkdir()
    raw = full.read_bytes()
    cut = root / f"cut{KINDS[kind]}"
    cut.write_bytes(raw[: int(len(raw) * kept)])
    db = tmp_path / "wh.duckdb"
    summary = build([str(root)], str(db), workers=1, quiet=True)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT path, status, error FROM documents ORDER BY path").fetchall()
    archive_row = next(r for r in rows if r[0] == str(cut))
    assert archive_row[1] == "rejected" and "cut short after" in archive_row[2]
    members = [r for r in rows if r[0].startswith(f"{cut}!")]
    ingested = [r for r in members if r[1] == "ingested"]
    assert summary.documents == len(rows) == len(members) + 1
    assert 1 <= len(ingested) < len(files)
    assert all(r[1] == "ingested" or "unreadable" in r[2] for r in members)
    order = [name for name, _ in files]  # (stored order: every ingested member comes before the others)
    stored = sorted(order.index(r[0].split("!", 1)[1]) for r in ingested)
    assert stored == list(range(len(stored)))


def test_links_in_a_tar_read_the_file_they_name(tmp_path):
    """A tar stores a second name of a file (a hard link) or a symbolic link as a link to a member stored before:
    each is a document with that member's bytes, as when the archive is unpacked and its folder read."""
    data = (FIXTURES / "build/NCT01420432.json").read_bytes()
    archive = tmp_path / "links.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        info = tarfile.TarInfo("records/a.json")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
        for name, kind, target in (("records/hard.json", tarfile.LNKTYPE, "records/a.json"),
                                   ("other/soft.json", tarfile.SYMTYPE, "../records/a.json"),
                                   ("other/dangling.json", tarfile.SYMTYPE, "missing.json")):
            link = tarfile.TarInfo(name)
            link.type, link.linkname = kind, target
            tf.addfile(link)
    found = {f.member.name: f for f in discover([str(archive)])}
    assert sorted(found) == ["other/soft.json", "records/a.json", "records/hard.json"]
    assert all(f.read() == data for f in found.values())


class _Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek in: it writes each member's sizes after its data (a data descriptor)."""

    def __init__(self) -> None:
        self.out = io.BytesIO()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return self.out.write(data)


def zip_bytes(files: list[tuple[str, bytes]], method: int, descriptors: bool) -> bytes:
    if descriptors:
        sink = _Unseekable()
        with zipfile.ZipFile(sink, "w", method) as zf:
            for name, data in files:
                with zf.open(name, "w") as fh:
                    fh.write(data)
        return sink.out.getvalue()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in files:
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
@pytest.mark.parametrize("descriptors", [False, True])
def test_a_zip_without_its_directory_gives_the_members_stored_before_the_cut(tmp_path, method, descriptors):
    """A zip download cut short has lost its directory: the members whose headers and data came before the cut
    are found from their own headers and read as stored, however the cut falls."""
    files = real_files()
    raw = zip_bytes(files, method, descriptors)
    directory = raw.rindex(b"PK\x01\x02")  # (the last directory entry: everything before it holds every member)
    for cut in (directory, len(raw) // 2, len(raw) // 5):
        path = tmp_path / f"cut{cut}.zip"
        path.write_bytes(raw[:cut])
        assert not zipfile.is_zipfile(path)
        with pytest.raises(archives.ArchiveCut) as info:
            archives.list_members(str(path))
        members = info.value.members
        readable = {}
        for m in members:
            try:
                readable[m.name] = archives.read_member(str(path), m, m.name)
            except OSError:
                pass
        archives.forget_open()
        wanted = dict(files)
        assert all(wanted[name] == data for name, data in readable.items())
        if cut == directory:
            assert sorted(readable) == sorted(wanted)
        else:
            assert 1 <= len(readable) < len(files)


def test_a_zip_download_cut_short_loses_only_what_the_cut_took(tmp_path):
    files = list({data: (name, data) for name, data in real_files()}.values())
    raw = zip_bytes(files, zipfile.ZIP_DEFLATED, descriptors=False)
    root = tmp_path / "in"
    root.mkdir()
    (root / "download.zip").write_bytes(raw[: len(raw) * 3 // 4])
    db = tmp_path / "wh.duckdb"
    summary = build([str(root)], str(db), workers=1, quiet=True)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT path, status, error FROM documents ORDER BY path").fetchall()
    assert summary.documents == len(rows)
    archive_row = next(r for r in rows if r[0].endswith("download.zip"))
    assert archive_row[1] == "rejected" and "without its directory" in archive_row[2]
    ingested = [r for r in rows if r[1] == "ingested"]
    assert 1 <= len(ingested) < len(files)
    assert all(r[1] == "ingested" or "unreadable" in r[2] for r in rows if "!" in r[0])


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["zip", "zip-descriptors", "gz", "tar"]), st.floats(0.0, 1.0),
       st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=6))
def test_a_damaged_archive_never_stops_discovery_and_each_document_reads_or_fails_as_unreadable(
        tmp_path_factory, kind, keep, flips):
    files = real_files()[:6]
    if kind.startswith("zip"):
        raw = bytearray(zip_bytes(files, zipfile.ZIP_DEFLATED, kind == "zip-descriptors"))
    else:
        buf = tmp_path_factory.mktemp("a") / f"x{KINDS[kind]}"
        raw = bytearray(make_archive(buf, kind, files).read_bytes())
    for where, value in flips:
        raw[min(int(where * len(raw)), len(raw) - 1)] = value
    root = tmp_path_factory.mktemp("damaged")
    path = root / f"damaged{KINDS[kind.split('-')[0]]}"
    path.write_bytes(bytes(raw[: max(1, int(keep * len(raw)))]))
    found = discover([str(root)])
    assert found
    wanted = dict(files)
    for item in found:
        try:
            data = item.read()
        except (OSError, zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError):
            continue
        if item.member is not None and not flips:
            assert data == wanted[item.member.name]
    archives.forget_open()


def test_a_zip_bomb_without_its_directory_is_not_inflated_past_the_bound(tmp_path, monkeypatch):
    """Finding where a deflated member ends inflates it: past the size bound it stops, and the member (and what
    follows it) is unreadable."""
    monkeypatch.setattr(archives, "MAX_MEMBER_BYTES", 1 << 20)
    raw = zip_bytes([("zeros.json", bytes(64 << 20)), ("after.json", b"{}")], zipfile.ZIP_DEFLATED,
                    descriptors=True)
    path = tmp_path / "bomb.zip"
    path.write_bytes(raw[: raw.rindex(b"PK\x01\x02")])
    with pytest.raises(archives.ArchiveCut, match="inflates past") as info:
        archives.list_members(str(path))
    [member] = info.value.members
    with pytest.raises(OSError):
        archives.read_member(str(path), member, member.name)
    archives.forget_open()

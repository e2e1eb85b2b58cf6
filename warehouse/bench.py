"""Build benchmark: synthetic corpora of N trials made by re-keying real records (``make bench``).

Every round copies the real single-trial records (the classic ClinicalTrials.gov records in
``data/inputs/ctgov-classic-msc.zip``, the API v2 JSON and legacy XML records of ``tests/fixtures``, and the seed
pages that name a trial id) with every NCT and EudraCT id replaced by a new one, the same in every document of
the round (so the cross-format pair still merges). It then builds the corpus in a child process and prints wall
time, trials/s, peak RSS of the build and its workers, the time of a bare read + ``json.loads`` of the same files
(the floor), and the time of an unchanged rebuild and of a rebuild after one file changed. Numbers are printed,
never asserted.

    python -m warehouse.bench                 # N = 1000 and 10000
    python -m warehouse.bench -n 100000       # one size (repeatable)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from xml.etree import ElementTree

REPO = Path(__file__).resolve().parent.parent
_IDS = re.compile(r"\bNCT\d{8}\b|\b(?:19|20)\d{2}-\d{6}-\d{2}\b")


def templates() -> list[tuple[str, bytes]]:
    """(file name, bytes) of every real single-trial record used as a template."""
    out: list[tuple[str, bytes]] = []
    with zipfile.ZipFile(REPO / "data/inputs/ctgov-classic-msc.zip") as zf:
        for name in sorted(zf.namelist()):
            if name.endswith(".json"):
                out.append((f"classic_{Path(name).name}", zf.read(name)))
    for folder, pattern in (("tests/fixtures/build", "*"), ("tests/fixtures/ctgov_v2_json", "NCT*.json"),
                            ("tests/fixtures/ctgov_xml", "*.xml"), ("data/inputs/seeds", "*.txt")):
        for path in sorted((REPO / folder).glob(pattern)):
            data = path.read_bytes()
            if path.suffix == ".txt" and not _IDS.search(data.decode("utf-8", "replace")):
                continue  # a page without an id would only repeat itself
            out.append((f"{Path(folder).name}_{path.name}", data))
    return out


def _rekey(data: bytes, mapping: dict[str, str], counter: list[int]) -> bytes:
    text = data.decode("utf-8", "surrogateescape")

    def new_id(m: re.Match) -> str:
        old = m.group(0)
        if old not in mapping:
            counter[0] += 1
            n = counter[0]
            eudract = f"20{n % 90 + 10}-{n:06d}-{n % 97:02d}"
            mapping[old] = f"NCT{90_000_000 + n:08d}" if old.startswith("NCT") else eudract
        return mapping[old]

    return _IDS.sub(new_id, text).encode("utf-8", "surrogateescape")


def make_corpus(root: Path, n: int) -> list[Path]:
    """Write ``n`` documents under ``root`` (``r0000/…``, one folder per round); returns their paths."""
    if root.exists():
        shutil.rmtree(root)
    base = templates()
    counter = [0]
    paths: list[Path] = []
    round_no = 0
    while len(paths) < n:
        folder = root / f"r{round_no:04d}"
        folder.mkdir(parents=True)
        mapping: dict[str, str] = {}
        for name, data in base[: n - len(paths)]:
            path = folder / name
            path.write_bytes(_rekey(data, mapping, counter))
            paths.append(path)
        round_no += 1
    return paths


def floor_seconds(paths: list[Path]) -> float:
    """A bare read of every file and ``json.loads`` (XML: ElementTree; text: decode), in one process."""
    started = time.perf_counter()
    for path in paths:
        data = path.read_bytes()
        if path.suffix == ".json":
            json.loads(data)
        elif path.suffix == ".xml":
            ElementTree.fromstring(data)
        else:
            data.decode("utf-8", "replace")
    return time.perf_counter() - started


def _tree_rss(root: int) -> int:
    """Resident memory (bytes) of ``root`` and all its descendants."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    stat = fh.read().rsplit(b")", 1)[1].split()
                parents[int(entry)] = int(stat[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    return total


_CHILD = """
import json, sys
from warehouse.build import build
s = build([sys.argv[1]], sys.argv[2], workers=int(sys.argv[3]) or None, quiet=True)
print(json.dumps({"documents": s.documents, "ingested": s.ingested, "trials": s.trials, "parsed": s.parsed,
                  "reused": s.reused, "phases": s.phases, "notes": s.notes}))
"""


def run_build(corpus: Path, db: Path, workers: int) -> dict:
    """Build in a child process; wall time, peak RSS of the process tree, and the build's own summary."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(corpus), str(db), str(workers)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    stop.set()
    sampler.join()
    wall = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"build failed:\n{err}")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(wall=wall, peak_rss_mb=peak[0] / 2**20)
    return result


def change_one(paths: list[Path]) -> Path:
    """Rewrite one JSON record with different bytes and the same content."""
    path = next(p for p in paths if p.suffix == ".json")
    path.write_text(json.dumps(json.loads(path.read_bytes()), indent=1), encoding="utf-8")
    return path


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    except OSError:
        mem = 0.0
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}, {platform.system()}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--trials", type=int, action="append", help="corpus size (repeatable)")
    parser.add_argument("--workers", type=int, default=0, help="parser processes (default: one per core)")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/mscwh-bench"), help="where corpora are written")
    parser.add_argument("--keep", action="store_true", help="keep the corpora and warehouses")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    for n in args.trials or [1000, 10000]:
        root = args.dir / f"n{n}"
        corpus, db = root / "corpus", root / "warehouse.duckdb"
        if root.exists():
            shutil.rmtree(root)
        t = time.perf_counter()
        paths = make_corpus(corpus, n)
        size = sum(p.stat().st_size for p in paths) / 2**20
        print(f"\nN = {n}: {len(paths)} files, {size:.0f} MiB, generated in {time.perf_counter() - t:.1f} s")
        floor = floor_seconds(paths)
        full = run_build(corpus, db, args.workers)
        same = run_build(corpus, db, args.workers)
        change_one(paths)
        one = run_build(corpus, db, args.workers)
        rate = full["trials"] / full["wall"]
        print(f"  full build    {full['wall']:8.1f} s  {rate:7.0f} trials/s  {1000 * full['wall'] / n:6.2f} ms/trial  "
              f"peak RSS {full['peak_rss_mb']:6.0f} MiB  trials {full['trials']}  documents {full['documents']}")
        print(f"  floor         {floor:8.1f} s  (read + json.loads, one process)  "
              f"build/floor {full['wall'] / floor:5.1f}x")
        print(f"  phases        {json.dumps(full['phases'])}")
        print(f"  no change     {same['wall']:8.1f} s  ({100 * same['wall'] / full['wall']:.1f}% of full; parsed "
              f"{same['parsed']}, reused {same['reused']})  phases {json.dumps(same['phases'])}")
        print(f"  1 file changed {one['wall']:7.1f} s  ({100 * one['wall'] / full['wall']:.1f}% of full; parsed "
              f"{one['parsed']}, reused {one['reused']})  peak RSS {one['peak_rss_mb']:.0f} MiB  "
              f"phases {json.dumps(one['phases'])}")
        sys.stdout.flush()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

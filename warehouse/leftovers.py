"""Temporary files and folders left by killed processes (builds, exports), named ``…-<pid>``, and their removal."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path


def remove_abandoned(folder: Path, patterns: Iterable[str]) -> None:
    """Remove what matches ``patterns`` in ``folder`` when the process its name ends with (``-<pid>``, before any
    ``.suffix``) is gone; a running process's, this one's, and names without a pid are left alone."""
    for pattern in patterns:
        for path in folder.glob(pattern):
            pid = path.name.rsplit("-", 1)[-1].split(".", 1)[0]
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                os.kill(int(pid), 0)
                continue  # (a process running now)
            except ProcessLookupError:
                pass
            except PermissionError:  # (another user's process, running)
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

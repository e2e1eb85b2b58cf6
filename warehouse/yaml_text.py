"""YAML read by libyaml's C loader where PyYAML was built with it (about ten times faster: the vocabularies,
the merge policy and the views' catalog are read by every build and every worker), else by the Python one.
Both are PyYAML's safe loader: plain data only, never objects."""

from __future__ import annotations

from typing import Any, TextIO

import yaml

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream: str | TextIO) -> Any:
    """``yaml.safe_load``, through libyaml when it is there."""
    return yaml.load(stream, Loader=_SafeLoader)  # noqa: S506 - a safe loader

"""The YAML the build reads is read the same through libyaml as through PyYAML's Python loader."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from warehouse import yaml_text

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted([*REPO.glob("data/vocab/*.yaml"), *REPO.glob("data/policy/*.yaml"), REPO / "sql/views/catalog.yaml"])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_file_reads_as_the_python_loader_reads_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert yaml_text.safe_load(text) == yaml.safe_load(text)


def test_without_libyaml_the_python_loader_reads_it(monkeypatch) -> None:
    monkeypatch.setattr(yaml_text, "_SafeLoader", yaml.SafeLoader)
    assert yaml_text.safe_load("a: [1, yes, 2024-01-02]\nb: !!str 3\n") == yaml.safe_load(
        "a: [1, yes, 2024-01-02]\nb: !!str 3\n")


def test_objects_are_never_made() -> None:
    with pytest.raises(yaml.YAMLError):
        yaml_text.safe_load("!!python/object/apply:os.system ['true']")

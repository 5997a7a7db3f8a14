"""Notebooks are thin, stripped, and have one documented parameters cell."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from seo_workbench.report import CHAPTERS

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
PARAMETER_LINE = re.compile(r"^\w+: (str|int|float|bool) = .+  # [^=]+$")


def test_every_chapter_exists():
    assert [p.name for p in NOTEBOOKS if p.name in CHAPTERS] == list(CHAPTERS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stripped(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_documented_parameters_cell(path):
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    for line in cells[0].source.splitlines():
        # papermill --help-notebook cannot parse a help comment containing '='
        assert PARAMETER_LINE.match(line), line


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(node, ast.FunctionDef | ast.ClassDef | ast.For | ast.While)
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
                assert not any(n.startswith("pulp") for n in names)
        if "parameters" not in cell.metadata.get("tags", []):
            assert len(cell.source.splitlines()) <= 4

"""The Excel template is generated from the schema, and the copy in templates/ stays in sync."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

import seo_workbench as seo
from seo_workbench import schema

COMMITTED = Path(__file__).resolve().parents[1] / "templates" / "portfolio_workbook.xlsx"


def describe(path: Path) -> dict:
    """What a user sees of a template: sheets, headers, comments, drop-downs and defined names."""
    book = openpyxl.load_workbook(path)
    found = {"sheets": book.sheetnames, "names": sorted(book.defined_names)}
    for ws in book.worksheets:
        header = [c.value for c in ws[1]] if ws.max_row else []
        found[ws.title] = {
            "header": header,
            "comments": [c.comment.text if c.comment else None for c in ws[1]],
            "validations": sorted((str(v.sqref), v.type, v.formula1)
                                  for v in ws.data_validations.dataValidation),
            "column_a": [c.value for c in ws["A"]] if ws.title == "settings" else None,
        }
    return found


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    return seo.write_template(tmp_path_factory.mktemp("t") / "template.xlsx")


def test_committed_template_matches_the_schema(fresh):
    assert COMMITTED.exists(), "run `make template` to write templates/portfolio_workbook.xlsx"
    assert describe(COMMITTED) == describe(fresh), "run `make template` and commit the result"


def test_template_has_every_sheet_and_column_with_help(fresh):
    book = openpyxl.load_workbook(fresh)
    assert book.sheetnames[0] == "README"
    for spec in schema.SHEETS:
        ws = book[spec.name]
        header = [c.value for c in ws[1]]
        assert header == list(spec.names)
        for cell, column in zip(ws[1], spec.columns):
            assert column.help.split(".")[0] in cell.comment.text
        assert ws.freeze_panes == "A2"
    assert [c.value for c in book["settings"]["A"]][1:] == [s.key for s in schema.SETTINGS]
    assert book["Lists"].sheet_state == "hidden"


def test_every_enumeration_has_a_drop_down(fresh):
    book = openpyxl.load_workbook(fresh)
    for spec in schema.SHEETS:
        lists = {v.formula1 for v in book[spec.name].data_validations.dataValidation
                 if v.type == "list"}
        for column in spec.columns:
            if column.kind == schema.CHOICE:
                assert f"=list_{column.name}" in lists, (spec.name, column.name)
                ref = book.defined_names[f"list_{column.name}"].attr_text
                sheet, cells = ref.split("!")
                values = [c.value for row in book[sheet][cells.replace("$", "")] for c in row]
                assert values == list(column.choices)


def test_readme_documents_every_column(fresh):
    book = openpyxl.load_workbook(fresh)
    text = "\n".join(str(c.value) for row in book["README"].iter_rows() for c in row if c.value)
    for spec in schema.SHEETS:
        for column in spec.columns:
            assert column.help in text


def test_blank_template_reports_what_to_fill_in(fresh):
    report = seo.validate_workbook(fresh)
    assert not report.ok
    found = {(p.sheet, p.column) for p in report.errors}
    assert ("settings", "value") in found  # organisation, currency, ... are blank
    assert all(p.file == str(fresh) for p in report.errors)


def test_filled_template_reads_back(sample_model, tmp_path):
    path = seo.write_workbook(sample_model, tmp_path / "filled.xlsx")
    book = openpyxl.load_workbook(path)
    assert book["projects"]["A1"].comment is not None
    assert seo.validate_workbook(path).ok


def test_readme_documents_the_workbook_contract():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert schema.to_markdown() in readme, "run `make docs` to refresh README.md"
    for spec in schema.SHEETS:
        assert f"#### `{spec.name}`" in readme

"""Every validation rule of the portfolio workbook, each exercised by one small bad workbook.

The workbooks are built here: a tiny valid base workbook (four projects, two criteria, two
periods) is written to ``tmp_path`` as an ``.xlsx`` file or a folder of CSV files, after one
edit named for what it exercises (``weight_not_numeric``). Rows are numbered as in Excel: the
header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import datetime
import math
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import seo_workbench as seo
from seo_workbench.cli import main
from seo_workbench.errors import WorkbenchError, WorkbenchWarning, WorkbookError
from seo_workbench.validate import ERROR, WARNING, ValidationReport
from seo_workbench.workbook import read_workbook, validate_workbook

Sheets = dict[str, pd.DataFrame]
Edit = Callable[[Sheets], None]


def _table(columns: str, *rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=columns.split(), dtype=object)


def base_sheets() -> Sheets:
    """A tiny valid workbook that touches every sheet; ``None`` is a blank cell."""
    return {
        "settings": _table(
            "key value",
            ("organisation", "Test Utility"),     # row 2
            ("currency", "EUR"),                  # row 3
            ("periods", "2027Q1,2027Q2"),         # row 4
            ("value", "score"),                   # row 5
            ("total_budget", 1000),               # row 6
            ("min_projects", 1),                  # row 7
            ("max_projects", 4),                  # row 8
        ),
        "projects": _table(
            "project_id name owner department theme status decision decision_reason benefit",
            ("P1", "Customer portal", "A. Okafor", "Digital", "Growth", "proposed", "auto",
             None, 100),
            ("P2", "Smart meters", "B. Berg", "Networks", "Resilience", "in_flight", "must",
             "Regulator requires it", 200),
            ("P3", "CRM suite", "C. Chen", "Operations", "Growth", "proposed", "auto", None, 150),
            ("P4", "CRM extension", "C. Chen", "Operations", "Growth", "proposed", None, None,
             120),
        ),
        "criteria": _table(
            "criterion_id name objective weight scale_min scale_max parent",
            ("fit", "Strategic fit", "max", 0.6, 1, 5, None),
            ("risk", "Delivery risk", "min", 0.4, 1, 5, None),
        ),
        "scores": _table("project_id fit risk",
                         ("P1", 4, 2), ("P2", 3, 3), ("P3", 5, 4), ("P4", 3, 2)),
        "costs": _table("project_id 2027Q1 2027Q2",
                        ("P1", 100, 50), ("P2", 80, 0), ("P3", 120, 60), ("P4", 90, 30)),
        "budget": _table("period amount", ("2027Q1", 300), ("2027Q2", 200)),
        "capacity": _table("pool period amount", ("Data", "2027Q1", 40), ("Data", "2027Q2", 40)),
        "demand": _table("project_id pool period amount", ("P1", "Data", "2027Q1", 10)),
        "dependencies": _table("project_id kind other_id", ("P1", "requires", "P2")),
        "groups": _table("group project_id max_selected", ("CRM", "P3", 1), ("CRM", "P4", 1)),
        "themes": _table("theme min_share max_share min_spend max_spend",
                         ("Growth", 0.2, 0.8, None, None), ("Resilience", 0.1, 0.5, None, 400)),
        "judgements": _table("executive criterion_a criterion_b value comment",
                             ("CEO", "fit", "risk", 3, "Fit first"),
                             ("CFO", "fit", "risk", 0.5, None)),
        "status": _table(
            "project_id period actual_spend percent_complete rag forecast_benefit "
            "realised_benefit note",
            ("P2", "2026Q4", 50, 40, "green", 200, 10, "On track"),
        ),
    }


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def write_xlsx(sheets: Sheets, path: Path) -> Path:
    """Write *sheets* as one .xlsx workbook, blank cells left empty."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, frame in sheets.items():
        ws = book.create_sheet(name)
        ws.append(list(frame.columns))
        for values in frame.itertuples(index=False):
            ws.append([None if _blank(v) else v for v in values])
    book.save(path)
    return path


def write_csv(sheets: Sheets, folder: Path) -> Path:
    """Write *sheets* as a folder workbook, one CSV file per sheet."""
    folder.mkdir()
    for name, frame in sheets.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


WRITERS = {"xlsx": lambda s, tmp: write_xlsx(s, tmp / "workbook.xlsx"),
           "csv": lambda s, tmp: write_csv(s, tmp / "workbook")}


def workbook(tmp_path: Path, *edits: Edit, fmt: str = "xlsx") -> Path:
    """Write the base workbook, changed by *edits*, and return its path."""
    sheets = base_sheets()
    for edit in edits:
        edit(sheets)
    return WRITERS[fmt](sheets, tmp_path)


# Edits: each returns a function that changes the sheets in place. Rows are Excel rows.

def cell(sheet: str, row: int, column: str, value) -> Edit:
    def edit(sheets):
        sheets[sheet].loc[row - 2, column] = value
    return edit


def setting(key: str, value) -> Edit:
    def edit(sheets):
        frame = sheets["settings"]
        frame.loc[frame["key"] == key, "value"] = value
    return edit


def append(sheet: str, *values) -> Edit:
    def edit(sheets):
        frame = sheets[sheet]
        frame.loc[len(frame)] = list(values) + [None] * (len(frame.columns) - len(values))
    return edit


def drop_row(sheet: str, row: int) -> Edit:
    def edit(sheets):
        sheets[sheet] = sheets[sheet].drop(index=row - 2).reset_index(drop=True)
    return edit


def drop_column(sheet: str, column: str) -> Edit:
    def edit(sheets):
        sheets[sheet] = sheets[sheet].drop(columns=column)
    return edit


def add_column(sheet: str, column: str, value) -> Edit:
    def edit(sheets):
        sheets[sheet][column] = value
    return edit


def add_sheet(name: str, frame: pd.DataFrame) -> Edit:
    def edit(sheets):
        sheets[name] = frame
    return edit


def repeat_column(sheet: str, column: str) -> Edit:
    def edit(sheets):
        frame = sheets[sheet]
        frame.insert(len(frame.columns), column, frame[column], allow_duplicates=True)
    return edit


def drop_sheet(name: str) -> Edit:
    def edit(sheets):
        del sheets[name]
    return edit


@dataclass(frozen=True)
class Expect:
    """The one problem an edit should cause: its severity, where it is and what was found."""

    severity: str
    sheet: str | None
    row: int | None
    column: str | None
    found: str


def assert_only(report: ValidationReport, expect: Expect):
    """*report* holds the expected problem and nothing else."""
    assert [(p.severity, p.sheet, p.row, p.column) for p in report.problems] == [
        (expect.severity, expect.sheet, expect.row, expect.column)], str(report)
    problem = report.problems[0]
    assert problem.found == expect.found
    assert f"found {expect.found}" in problem.message


# -- the base workbook --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", WRITERS)
def test_base_workbook_is_valid(tmp_path, fmt):
    report = validate_workbook(workbook(tmp_path, fmt=fmt))
    assert report.problems == (), str(report)


@pytest.mark.parametrize("fmt", WRITERS)
def test_base_workbook_reads_into_a_model(tmp_path, fmt):
    model = read_workbook(workbook(tmp_path, fmt=fmt))
    assert list(model.projects.index) == ["P1", "P2", "P3", "P4"]
    assert model.periods == ("2027Q1", "2027Q2")
    assert model.projects.loc["P4", "decision"] == "auto"  # blank means auto
    assert model.weights.to_dict() == pytest.approx({"fit": 0.6, "risk": 0.4})
    assert model.costs.loc["P3", "2027Q2"] == 60
    assert model.budget.to_dict() == {"2027Q1": 300, "2027Q2": 200}


# -- one rule, one bad workbook -----------------------------------------------------------------

CASES = [
    # Sheets and columns.
    pytest.param(drop_sheet("budget"), Expect(ERROR, "budget", None, None, "no such sheet"),
                 id="sheet_budget_missing"),
    pytest.param(drop_sheet("scores"), Expect(ERROR, "scores", None, None, "no such sheet"),
                 id="sheet_scores_missing"),
    pytest.param(drop_sheet("settings"),
                 Expect(ERROR, "settings", None, None, "no such sheet"),
                 id="sheet_settings_missing"),
    pytest.param(drop_sheet("projects"),
                 Expect(ERROR, "projects", None, None, "no such sheet"),
                 id="sheet_projects_missing"),
    pytest.param(add_sheet("notes", _table("note", ("Draft",))),
                 Expect(WARNING, "notes", None, None, "sheet 'notes'"), id="sheet_unknown"),
    pytest.param(repeat_column("budget", "amount"),
                 Expect(ERROR, "budget", 1, "amount", "a second column headed 'amount'"),
                 id="column_header_twice"),
    pytest.param(drop_column("projects", "owner"),
                 Expect(ERROR, "projects", 1, "owner", "no such column"),
                 id="column_owner_missing"),
    pytest.param(drop_column("budget", "amount"),
                 Expect(ERROR, "budget", 1, "amount", "no such column"),
                 id="column_amount_missing"),
    pytest.param(drop_column("scores", "risk"),
                 Expect(ERROR, "scores", 1, "risk", "no such column"),
                 id="scores_column_for_criterion_missing"),
    pytest.param(add_column("scores", "speed", 3),
                 Expect(ERROR, "scores", 1, "speed", "unknown criterion 'speed'"),
                 id="scores_column_unknown_criterion"),
    # Ids.
    pytest.param(append("projects", "P1", "Copy", "A", "D", "Growth", "proposed"),
                 Expect(ERROR, "projects", 6, "project_id", "'P1' again (first on row 2)"),
                 id="project_id_duplicate"),
    pytest.param(append("projects", None, "No id", "A", "D", "Growth", "proposed"),
                 Expect(ERROR, "projects", 6, "project_id", "a blank cell"),
                 id="project_id_blank"),
    pytest.param(append("criteria", "fit", "Fit again", "max", 0, 1, 5),
                 Expect(ERROR, "criteria", 4, "criterion_id", "'fit' again (first on row 2)"),
                 id="criterion_id_duplicate"),
    pytest.param(append("scores", "P9", 3, 3),
                 Expect(ERROR, "scores", 6, "project_id", "unknown id 'P9'"),
                 id="scores_project_unknown"),
    pytest.param(append("scores", "P2", 3, 3),
                 Expect(ERROR, "scores", 6, "project_id", "'P2' again (first on row 3)"),
                 id="scores_project_twice"),
    pytest.param(append("costs", "P9", 1, 1),
                 Expect(ERROR, "costs", 6, "project_id", "unknown id 'P9'"),
                 id="costs_project_unknown"),
    pytest.param(append("demand", "P9", "Data", "2027Q1", 5),
                 Expect(ERROR, "demand", 3, "project_id", "unknown id 'P9'"),
                 id="demand_project_unknown"),
    pytest.param(cell("dependencies", 2, "other_id", "P9"),
                 Expect(ERROR, "dependencies", 2, "other_id", "unknown id 'P9'"),
                 id="dependencies_other_unknown"),
    pytest.param(cell("dependencies", 2, "project_id", "P9"),
                 Expect(ERROR, "dependencies", 2, "project_id", "unknown id 'P9'"),
                 id="dependencies_project_unknown"),
    pytest.param(append("groups", "CRM", "P9", 1),
                 Expect(ERROR, "groups", 4, "project_id", "unknown id 'P9'"),
                 id="groups_project_unknown"),
    pytest.param(append("status", "P9", "2026Q4", 1, 10, "green"),
                 Expect(ERROR, "status", 3, "project_id", "unknown id 'P9'"),
                 id="status_project_unknown"),
    pytest.param(cell("judgements", 3, "criterion_a", "speed"),
                 Expect(ERROR, "judgements", 3, "criterion_a", "unknown id 'speed'"),
                 id="judgements_criterion_a_unknown"),
    pytest.param(cell("judgements", 2, "criterion_b", "speed"),
                 Expect(ERROR, "judgements", 2, "criterion_b", "unknown id 'speed'"),
                 id="judgements_criterion_b_unknown"),
    pytest.param(cell("criteria", 3, "parent", "speed"),
                 Expect(ERROR, "criteria", 3, "parent", "unknown id 'speed'"),
                 id="criteria_parent_unknown"),
    pytest.param(append("demand", "P1", "Design", "2027Q1", 5),
                 Expect(ERROR, "demand", 3, "pool", "unknown pool 'Design'"),
                 id="demand_pool_unknown"),
    pytest.param(cell("projects", 3, "theme", "Space"),
                 Expect(ERROR, "projects", 3, "theme", "unknown theme 'Space'"),
                 id="projects_theme_unknown"),
    # Text where a number belongs.
    pytest.param(cell("budget", 3, "amount", "lots"),
                 Expect(ERROR, "budget", 3, "amount", "text 'lots'"), id="budget_not_numeric"),
    pytest.param(cell("scores", 4, "fit", "high"),
                 Expect(ERROR, "scores", 4, "fit", "text 'high'"), id="score_not_numeric"),
    pytest.param(cell("costs", 2, "2027Q2", "50k"),
                 Expect(ERROR, "costs", 2, "2027Q2", "text '50k'"), id="cost_not_numeric"),
    pytest.param(cell("criteria", 2, "weight", "high"),
                 Expect(ERROR, "criteria", 2, "weight", "text 'high'"),
                 id="weight_not_numeric"),
    pytest.param(cell("capacity", 2, "amount", "1,000"),
                 Expect(ERROR, "capacity", 2, "amount", "text '1,000'"),
                 id="capacity_thousands_separator"),
    pytest.param(cell("groups", 3, "max_selected", 1.5),
                 Expect(ERROR, "groups", 3, "max_selected", "1.5"),
                 id="max_selected_not_whole"),
    # Amounts that may not be negative.
    pytest.param(cell("budget", 2, "amount", -5),
                 Expect(ERROR, "budget", 2, "amount", "-5"), id="budget_negative"),
    pytest.param(cell("capacity", 3, "amount", -1),
                 Expect(ERROR, "capacity", 3, "amount", "-1"), id="capacity_negative"),
    pytest.param(cell("demand", 2, "amount", -10),
                 Expect(ERROR, "demand", 2, "amount", "-10"), id="demand_negative"),
    pytest.param(cell("costs", 3, "2027Q2", -40),
                 Expect(WARNING, "costs", 3, "2027Q2", "-40"), id="cost_negative_is_inflow"),
    pytest.param(cell("status", 2, "percent_complete", 140),
                 Expect(ERROR, "status", 2, "percent_complete", "140"),
                 id="percent_complete_above_100"),
    # Scores.
    pytest.param(cell("scores", 3, "fit", 7),
                 Expect(ERROR, "scores", 3, "fit", "7"), id="score_above_scale_max"),
    pytest.param(cell("scores", 5, "risk", 0),
                 Expect(ERROR, "scores", 5, "risk", "0"), id="score_below_scale_min"),
    pytest.param(cell("scores", 2, "risk", None),
                 Expect(ERROR, "scores", 2, "risk", "a blank cell"), id="score_blank"),
    pytest.param(drop_row("scores", 4),
                 Expect(ERROR, "scores", None, "project_id", "no such row"),
                 id="scores_row_missing"),
    pytest.param(drop_row("costs", 5),
                 Expect(ERROR, "costs", None, "project_id", "no such row"),
                 id="costs_row_missing"),
    pytest.param(cell("criteria", 2, "scale_max", 1),
                 Expect(ERROR, "criteria", 2, "scale_max", "1"), id="scale_max_not_above_min"),
    # Periods.
    pytest.param(add_column("costs", "2029Q1", 0),
                 Expect(ERROR, "costs", 1, "2029Q1", "unknown period '2029Q1'"),
                 id="costs_period_unknown"),
    pytest.param(append("budget", "2029Q1", 10),
                 Expect(ERROR, "budget", 4, "period", "unknown period '2029Q1'"),
                 id="budget_period_unknown"),
    pytest.param(append("capacity", "Data", "2029Q1", 10),
                 Expect(ERROR, "capacity", 4, "period", "unknown period '2029Q1'"),
                 id="capacity_period_unknown"),
    pytest.param(append("demand", "P3", "Data", "2029Q1", 10),
                 Expect(ERROR, "demand", 3, "period", "unknown period '2029Q1'"),
                 id="demand_period_unknown"),
    pytest.param(drop_row("budget", 3),
                 Expect(ERROR, "budget", None, "period", "no such row"),
                 id="budget_period_missing"),
    pytest.param(append("budget", "2027Q1", 10),
                 Expect(ERROR, "budget", 4, "period", "'2027Q1' again (first on row 2)"),
                 id="budget_period_duplicate"),
    # Criteria and weights.
    pytest.param(cell("criteria", 3, "objective", "best"),
                 Expect(ERROR, "criteria", 3, "objective", "'best'"), id="objective_not_max_min"),
    pytest.param(cell("criteria", 3, "weight", -0.4),
                 Expect(ERROR, "criteria", 3, "weight", "-0.4"), id="weight_negative"),
    pytest.param([cell("criteria", 2, "weight", 0), cell("criteria", 3, "weight", 0)],
                 Expect(ERROR, "criteria", None, "weight", "all weights 0"),
                 id="weights_all_zero"),
    pytest.param(cell("criteria", 3, "weight", None),
                 Expect(ERROR, "criteria", 3, "weight", "a blank cell"),
                 id="weights_partly_blank"),
    pytest.param([cell("criteria", 2, "weight", 3), cell("criteria", 3, "weight", 1)],
                 Expect(WARNING, "criteria", None, "weight", "weights summing to 4"),
                 id="weights_not_summing_to_one"),
    pytest.param([cell("criteria", 2, "weight", None), cell("criteria", 3, "weight", None)],
                 Expect(WARNING, "criteria", None, "weight", "no weights"),
                 id="weights_all_blank_means_equal"),
    pytest.param(cell("criteria", 2, "parent", "fit"),
                 Expect(ERROR, "criteria", 2, "parent", "'fit' itself"),
                 id="criterion_parent_itself"),
    # Decisions and dependencies.
    pytest.param(cell("projects", 2, "decision", "maybe"),
                 Expect(ERROR, "projects", 2, "decision", "'maybe'"),
                 id="decision_not_auto_must_must_not"),
    pytest.param(cell("projects", 3, "decision_reason", None),
                 Expect(ERROR, "projects", 3, "decision_reason", "a blank cell"),
                 id="must_without_reason"),
    pytest.param(cell("projects", 4, "decision", "must_not"),
                 Expect(ERROR, "projects", 4, "decision_reason", "a blank cell"),
                 id="must_not_without_reason"),
    pytest.param([cell("projects", 4, "decision", "must"),
                  cell("projects", 4, "decision_reason", "Board promise"),
                  append("dependencies", "P3", "excludes", "P2")],
                 Expect(ERROR, "dependencies", 3, "kind",
                        "'P3' excludes 'P2', and both are 'must'"),
                 id="two_musts_exclude_each_other"),
    pytest.param([cell("projects", 4, "decision", "must_not"),
                  cell("projects", 4, "decision_reason", "Vendor gone"),
                  append("dependencies", "P2", "requires", "P3")],
                 Expect(ERROR, "dependencies", 3, "kind",
                        "'P2' is 'must' and requires 'P3', which is 'must_not'"),
                 id="must_requires_must_not"),
    pytest.param([cell("projects", 4, "decision", "must_not"),
                  cell("projects", 4, "decision_reason", "Vendor gone"),
                  append("dependencies", "P3", "with", "P2")],
                 Expect(ERROR, "dependencies", 3, "kind",
                        "'P3' is 'must_not' and funded with 'P2', which is 'must'"),
                 id="must_not_with_must"),
    pytest.param([cell("projects", 5, "decision", "must_not"),
                  cell("projects", 5, "decision_reason", "Vendor gone"),
                  append("dependencies", "P2", "requires", "P3"),
                  append("dependencies", "P3", "requires", "P4")],
                 Expect(ERROR, "dependencies", 4, "other_id",
                        "the chain 'P2' needs 'P3' needs 'P4', where 'P2' is 'must' and 'P4' is "
                        "'must_not'"),
                 id="must_needs_must_not_through_a_chain"),
    pytest.param([cell("projects", 4, "decision", "must"),
                  cell("projects", 4, "decision_reason", "Board promise"),
                  cell("projects", 5, "decision", "must"),
                  cell("projects", 5, "decision_reason", "Contract signed")],
                 Expect(ERROR, "groups", 2, "project_id", "2: 'P3', 'P4'"),
                 id="two_musts_in_a_group_of_one"),
    pytest.param(cell("dependencies", 2, "other_id", "P1"),
                 Expect(ERROR, "dependencies", 2, "other_id", "'P1' depends on itself"),
                 id="dependency_on_itself"),
    pytest.param(cell("dependencies", 2, "kind", "needs"),
                 Expect(ERROR, "dependencies", 2, "kind", "'needs'"), id="dependency_kind_unknown"),
    pytest.param(append("dependencies", "P2", "requires", "P1"),
                 Expect(ERROR, "dependencies", 2, "other_id", "the cycle 'P1' requires 'P2' "
                        "requires 'P1'"),
                 id="requires_cycle_of_two"),
    pytest.param([append("dependencies", "P2", "requires", "P3"),
                  append("dependencies", "P3", "requires", "P1")],
                 Expect(ERROR, "dependencies", 2, "other_id", "the cycle 'P1' requires 'P2' "
                        "requires 'P3' requires 'P1'"),
                 id="requires_cycle_of_three"),
    # Settings.
    pytest.param(drop_row("settings", 3),
                 Expect(ERROR, "settings", None, "key", "no such row"),
                 id="setting_currency_missing"),
    pytest.param(setting("periods", None),
                 Expect(ERROR, "settings", 4, "value", "a blank cell"),
                 id="setting_periods_blank"),
    pytest.param(setting("value", "profit"),
                 Expect(ERROR, "settings", 5, "value", "'profit'"),
                 id="setting_value_not_score_benefit"),
    pytest.param(setting("periods", "2027Q1,2027Q2,2027Q1"),
                 Expect(ERROR, "settings", 4, "value", "'2027Q1' twice"),
                 id="periods_duplicate_label"),
    pytest.param(setting("periods", "2027Q1,,2027Q2"),
                 Expect(ERROR, "settings", 4, "value", "'2027Q1,,2027Q2'"),
                 id="periods_blank_label"),
    pytest.param([setting("min_projects", 5), setting("max_projects", 2)],
                 Expect(ERROR, "settings", 7, "value", "5"), id="min_projects_above_max"),
    pytest.param(setting("min_projects", -1),
                 Expect(ERROR, "settings", 7, "value", "-1"), id="min_projects_negative"),
    pytest.param(setting("total_budget", "plenty"),
                 Expect(ERROR, "settings", 6, "value", "'plenty'"),
                 id="total_budget_not_numeric"),
    pytest.param(setting("max_projects", 2.5),
                 Expect(ERROR, "settings", 8, "value", "2.5"), id="max_projects_not_whole"),
    pytest.param(append("settings", "colour", "blue"),
                 Expect(WARNING, "settings", 9, "key", "'colour'"), id="setting_key_unknown"),
    pytest.param(append("settings", "currency", "GBP"),
                 Expect(ERROR, "settings", 9, "key", "'currency' again (first on row 3)"),
                 id="setting_key_twice"),
    pytest.param([setting("value", "benefit"), cell("projects", 5, "benefit", None)],
                 Expect(ERROR, "projects", 5, "benefit", "a blank cell"),
                 id="benefit_blank_when_value_is_benefit"),
    # Enumerations, groups, themes, judgements, status.
    pytest.param(cell("projects", 2, "status", "done"),
                 Expect(ERROR, "projects", 2, "status", "'done'"), id="project_status_unknown"),
    pytest.param(append("status", "P2", "2026Q4", 60, 50, "amber"),
                 Expect(ERROR, "status", 3, "project_id, period",
                        "'P2 / 2026Q4' again (first on row 2)"),
                 id="status_project_period_twice"),
    pytest.param(append("capacity", "Data", "2027Q2", 10),
                 Expect(ERROR, "capacity", 4, "pool, period",
                        "'Data / 2027Q2' again (first on row 3)"),
                 id="capacity_pool_period_twice"),
    pytest.param(add_sheet("executives", _table("executive weight", ("CEO", 2), ("COO", 1))),
                 Expect(WARNING, "executives", 3, "executive", "'COO'"),
                 id="executive_without_judgements"),
    pytest.param(add_sheet("executives", _table("executive weight", ("CEO", -1))),
                 Expect(ERROR, "executives", 2, "weight", "-1"), id="executive_weight_negative"),
    pytest.param(cell("status", 2, "rag", "purple"),
                 Expect(ERROR, "status", 2, "rag", "'purple'"), id="status_rag_unknown"),
    pytest.param(cell("groups", 3, "max_selected", 2),
                 Expect(ERROR, "groups", 3, "max_selected", "2"),
                 id="group_max_selected_differs"),
    pytest.param(cell("themes", 2, "min_share", 0.9),
                 Expect(ERROR, "themes", 2, "max_share", "0.8"), id="theme_min_share_above_max"),
    pytest.param(cell("themes", 3, "min_spend", 500),
                 Expect(ERROR, "themes", 3, "max_spend", "400"), id="theme_min_spend_above_max"),
    pytest.param(cell("themes", 2, "max_share", 1.5),
                 Expect(ERROR, "themes", 2, "max_share", "1.5"), id="theme_share_above_one"),
    pytest.param([cell("themes", 2, "min_share", 0.7), cell("themes", 3, "min_share", 0.5),
                  cell("themes", 3, "max_share", 0.9)],
                 Expect(ERROR, "themes", None, "min_share", "a sum of 1.2"),
                 id="theme_min_shares_above_one"),
    pytest.param(cell("judgements", 2, "value", 10),
                 Expect(ERROR, "judgements", 2, "value", "10"), id="judgement_above_9"),
    pytest.param(cell("judgements", 3, "value", 0.1),
                 Expect(ERROR, "judgements", 3, "value", "0.1"), id="judgement_below_one_ninth"),
    pytest.param(cell("judgements", 3, "value", "1/10"),
                 Expect(ERROR, "judgements", 3, "value", "0.1"),
                 id="judgement_fraction_below_one_ninth"),
    pytest.param(cell("judgements", 3, "value", "1/0"),
                 Expect(ERROR, "judgements", 3, "value", "text '1/0'"),
                 id="judgement_fraction_over_zero"),
    pytest.param(cell("judgements", 2, "criterion_b", "fit"),
                 Expect(ERROR, "judgements", 2, "criterion_b", "'fit' compared with itself"),
                 id="judgement_criterion_with_itself"),
    pytest.param(append("judgements", "CEO", "risk", "fit", 1 / 3),
                 Expect(ERROR, "judgements", 4, "criterion_b", "'CEO' compares 'risk' and 'fit' "
                        "again (row 2)"),
                 id="judgement_pair_twice"),
    # Start windows and variants (optional columns of 'projects').
    pytest.param([add_column("projects", "earliest_start", None),
                  cell("projects", 2, "earliest_start", "2031Q1")],
                 Expect(ERROR, "projects", 2, "earliest_start", "unknown period '2031Q1'"),
                 id="start_window_unknown_period"),
    pytest.param([add_column("projects", "earliest_start", None),
                  add_column("projects", "latest_start", None),
                  cell("projects", 2, "earliest_start", "2027Q2"),
                  cell("projects", 2, "latest_start", "2027Q1")],
                 Expect(ERROR, "projects", 2, "latest_start", "'2027Q1'"),
                 id="start_window_earliest_after_latest"),
    pytest.param([add_column("projects", "latest_start", None),
                  cell("projects", 2, "latest_start", "2027Q2")],
                 Expect(ERROR, "projects", 2, "latest_start", "'2027Q2'"),
                 id="start_window_profile_past_the_horizon"),
    pytest.param([add_column("projects", "earliest_start", None),
                  cell("projects", 5, "earliest_start", "2027Q2")],
                 Expect(ERROR, "projects", 5, "earliest_start", "'2027Q2'"),
                 id="start_window_earliest_only_past_the_horizon"),
    pytest.param([add_column("projects", "earliest_start", None),
                  cell("projects", 3, "earliest_start", "2027Q1")],
                 Expect(WARNING, "projects", 3, "earliest_start", "a start window"),
                 id="start_window_on_an_in_flight_project"),
    pytest.param([add_column("projects", "variant_of", None),
                  cell("projects", 4, "variant_of", "P3")],
                 Expect(ERROR, "projects", 4, "variant_of", "'P3' itself"),
                 id="variant_of_itself"),
    pytest.param([add_column("projects", "variant_of", None),
                  cell("projects", 4, "variant_of", "P9")],
                 Expect(ERROR, "projects", 4, "variant_of", "unknown id 'P9'"),
                 id="variant_of_unknown_project"),
]


def _apply(edit) -> tuple:
    return tuple(edit) if isinstance(edit, list) else (edit,)


@pytest.mark.parametrize("fmt", WRITERS)
@pytest.mark.parametrize(("edit", "expect"), CASES)
def test_rule(tmp_path, edit, expect, fmt):
    report = validate_workbook(workbook(tmp_path, *_apply(edit), fmt=fmt))
    assert_only(report, expect)
    assert report.ok is (expect.severity == WARNING)


def test_start_window_message_says_what_fits(tmp_path):
    report = validate_workbook(workbook(tmp_path, add_column("projects", "latest_start", None),
                                        cell("projects", 2, "latest_start", "2027Q2")))
    (problem,) = report.errors
    assert problem.expected == ("a start that keeps the 2-period profile of 'P1' within the "
                                "periods (at most 2027Q1)")


def test_variant_loop_is_reported_on_each_row(tmp_path):
    report = validate_workbook(workbook(tmp_path, add_column("projects", "variant_of", None),
                                        cell("projects", 4, "variant_of", "P4"),
                                        cell("projects", 5, "variant_of", "P3")))
    assert [(p.row, p.column, p.found) for p in report.errors] == [
        (4, "variant_of", "a loop through 'P3'"), (5, "variant_of", "a loop through 'P4'")]


@pytest.mark.parametrize("fmt", WRITERS)
def test_start_windows_and_variants_read_into_the_model(tmp_path, fmt):
    model = read_workbook(workbook(tmp_path, add_column("projects", "earliest_start", None),
                                   add_column("projects", "latest_start", None),
                                   add_column("projects", "variant_of", None),
                                   cell("projects", 2, "earliest_start", "2027Q1"),
                                   cell("projects", 2, "latest_start", "2027Q1"),
                                   cell("projects", 5, "variant_of", "P3"), fmt=fmt))
    projects = model.projects
    assert projects.loc["P1", "latest_start"] == "2027Q1"
    assert projects.loc["P4", "variant_of"] == "P3" and projects.loc["P1", "variant_of"] == ""


def test_problem_names_the_file_it_was_found_in(tmp_path):
    report = validate_workbook(workbook(tmp_path, cell("budget", 3, "amount", "lots"), fmt="csv"))
    (problem,) = report.errors
    assert Path(problem.file) == tmp_path / "workbook" / "budget.csv"
    assert problem.expected == "a number >= 0"
    assert problem.fix  # says how to fix it


def test_message_reads_where_expected_found(tmp_path):
    report = validate_workbook(workbook(tmp_path, cell("criteria", 2, "weight", "high")))
    (problem,) = report.errors
    assert problem.message.startswith(
        "Sheet 'criteria', row 2, column 'weight': expected a number >= 0, found text 'high'.")


def test_blank_rows_keep_excel_row_numbers(tmp_path):
    path = workbook(tmp_path, cell("budget", 3, "amount", "lots"))
    book = openpyxl.load_workbook(path)
    book["budget"].insert_rows(3, amount=2)  # two empty rows above the bad one
    book.save(path)
    report = validate_workbook(path)
    assert [(p.sheet, p.row, p.column) for p in report.errors] == [("budget", 5, "amount")]


# -- soft problems and corrections --------------------------------------------------------------


def test_weights_not_summing_to_one_are_renormalised(tmp_path):
    path = workbook(tmp_path, cell("criteria", 2, "weight", 3), cell("criteria", 3, "weight", 1))
    with pytest.warns(WorkbenchWarning, match="renormalised"):
        model = read_workbook(path)
    assert model.weights.sum() == pytest.approx(1)
    assert model.weights.to_dict() == pytest.approx({"fit": 0.75, "risk": 0.25})


def test_negative_cost_is_read_as_an_inflow(tmp_path):
    path = workbook(tmp_path, cell("costs", 3, "2027Q2", -40))
    with pytest.warns(WorkbenchWarning, match="cash inflow of 40"):
        model = read_workbook(path)
    assert model.costs.loc["P2", "2027Q2"] == -40


def test_case_and_whitespace_of_choices_are_accepted(tmp_path):
    path = workbook(tmp_path, cell("projects", 3, "decision", "Must "),
                    cell("projects", 4, "decision", " must not"),
                    cell("projects", 4, "decision_reason", "Vendor gone"),
                    cell("projects", 5, "status", "In-Flight"),
                    cell("criteria", 2, "objective", "MAX"),
                    cell("criteria", 3, "objective", "Min"),
                    cell("dependencies", 2, "kind", "Requires"),
                    cell("status", 2, "rag", "GREEN"),
                    setting("value", " Score"))
    report = validate_workbook(path)
    assert report.problems == (), str(report)
    model = read_workbook(path)
    assert model.projects["decision"].to_dict() == {
        "P1": "auto", "P2": "must", "P3": "must_not", "P4": "auto"}
    assert model.projects.loc["P4", "status"] == "in_flight"
    assert model.objectives == {"fit": "max", "risk": "min"}
    assert model.settings.value == "score"


def test_sheet_and_column_names_ignore_case_and_spaces(tmp_path):
    sheets = base_sheets()
    sheets["Budget "] = sheets.pop("budget").rename(columns={"amount": " Amount"})
    report = validate_workbook(write_xlsx(sheets, tmp_path / "workbook.xlsx"))
    assert report.problems == (), str(report)


@pytest.mark.parametrize("fmt", WRITERS)
def test_saaty_fractions_as_text_parse(tmp_path, fmt):
    path = workbook(tmp_path, cell("judgements", 3, "value", "1/3"),
                    append("judgements", "CTO", "fit", "risk", " 1/9"),
                    append("judgements", "COO", "fit", "risk", "1 / 5"), fmt=fmt)
    model = read_workbook(path)
    assert model.table("judgements")["value"].tolist() == pytest.approx([3, 1 / 3, 1 / 9, 1 / 5])


def test_fraction_that_excel_turned_into_a_date(tmp_path):
    path = workbook(tmp_path, cell("judgements", 3, "value", datetime.datetime(2027, 1, 3)))
    (problem,) = validate_workbook(path).problems
    assert (problem.sheet, problem.row, problem.column) == ("judgements", 3, "value")
    assert problem.found == "a date (2027-01-03)"
    assert "format the cell as Text" in problem.fix


def test_criteria_parent_loop(tmp_path):
    path = workbook(tmp_path, cell("criteria", 2, "parent", "risk"),
                    cell("criteria", 3, "parent", "fit"))
    report = validate_workbook(path)
    assert [(p.sheet, p.row, p.column, p.found) for p in report.problems] == [
        ("criteria", 2, "parent", "a loop through 'fit'"),
        ("criteria", 3, "parent", "a loop through 'risk'")]


@pytest.mark.parametrize("fmt", WRITERS)
def test_benefit_workbook_needs_no_criteria(tmp_path, fmt):
    path = workbook(tmp_path, setting("value", "benefit"), drop_sheet("criteria"),
                    drop_sheet("scores"), drop_sheet("judgements"), fmt=fmt)
    model = read_workbook(path)
    assert model.project_values().to_dict() == {"P1": 100, "P2": 200, "P3": 150, "P4": 120}


@pytest.mark.parametrize("fmt", WRITERS)
def test_optional_sheet_with_only_a_header_is_valid(tmp_path, fmt):
    path = workbook(tmp_path, drop_row("groups", 3), drop_row("groups", 2), fmt=fmt)
    report = validate_workbook(path)
    assert report.problems == (), str(report)


def test_group_max_selected_given_once_applies_to_the_group(tmp_path):
    path = workbook(tmp_path, cell("groups", 2, "max_selected", 2),
                    cell("groups", 3, "max_selected", None))
    assert validate_workbook(path).problems == ()
    assert read_workbook(path).table("groups")["max_selected"].tolist() == [2, 2]


def test_blank_cost_is_zero(tmp_path):
    model = read_workbook(workbook(tmp_path, cell("costs", 4, "2027Q1", None)))
    assert model.costs.loc["P3"].tolist() == [0, 60]


# -- folders of CSV files -----------------------------------------------------------------------


def test_csv_with_semicolons_is_read(tmp_path):
    folder = workbook(tmp_path, fmt="csv")
    budget = folder / "budget.csv"
    budget.write_text(budget.read_text().replace(",", ";"))
    model = read_workbook(folder)
    assert model.budget.to_dict() == {"2027Q1": 300, "2027Q2": 200}


def test_csv_cells_with_quotes_and_commas_keep_their_columns(tmp_path):
    # Excel doubles a quote inside a quoted cell; the header has no quotes to sniff that from.
    name = 'He said "go", twice; =HYPERLINK("x")'
    folder = workbook(tmp_path, cell("projects", 2, "name", name), fmt="csv")
    assert '""go""' in (folder / "projects.csv").read_text()
    model = read_workbook(folder)
    assert model.projects["name"].iloc[0] == name
    assert validate_workbook(folder).problems == ()


def test_csv_not_utf8_is_reported_once(tmp_path):
    folder = workbook(tmp_path, cell("projects", 2, "name", "Café portal"), fmt="csv")
    projects = folder / "projects.csv"
    projects.write_bytes(projects.read_text().encode("cp1252"))
    (problem,) = validate_workbook(folder).problems
    assert (problem.sheet, Path(problem.file).name) == ("projects", "projects.csv")
    assert problem.found.startswith("a byte that is not UTF-8")
    assert "CSV UTF-8" in problem.fix


# -- every problem in one pass ------------------------------------------------------------------


def test_every_problem_is_collected_in_one_pass(tmp_path):
    path = workbook(tmp_path, cell("budget", 2, "amount", "lots"),
                    cell("scores", 3, "fit", 7), cell("projects", 4, "decision", "maybe"))
    report = validate_workbook(path)
    assert sorted((p.sheet, p.row, p.column) for p in report.errors) == [
        ("budget", 2, "amount"), ("projects", 4, "decision"), ("scores", 3, "fit")]


def test_read_workbook_raises_one_error_listing_every_problem(tmp_path):
    path = workbook(tmp_path, cell("budget", 2, "amount", "lots"),
                    cell("scores", 3, "fit", 7), cell("projects", 4, "decision", "maybe"))
    with pytest.raises(WorkbookError) as raised:
        read_workbook(path)
    assert isinstance(raised.value, WorkbenchError)
    assert raised.value.report == validate_workbook(path)
    text = str(raised.value)
    assert "3 error(s)" in text
    for problem in raised.value.report.problems:
        assert problem.message in text
    assert "Sheet 'budget', row 2, column 'amount'" in text


def test_workbook_error_is_exported():
    assert seo.WorkbookError is WorkbookError
    assert issubclass(seo.WorkbookError, seo.WorkbenchError)


# -- files that are not workbooks ---------------------------------------------------------------


def _text_as_xlsx(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("project_id,name\nP1,Portal\n")
    return path


def _empty_file(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    return path


def _legacy_xls(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    return path


def _zip_not_xlsx(tmp_path):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return path


def _damaged_sheet(tmp_path):
    good = workbook(tmp_path)
    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = data[: len(data) // 2]  # cut off mid-XML, as a failed copy leaves it
            out.writestr(item, data)
    return path


def _empty_workbook(tmp_path):
    path = tmp_path / "blank.xlsx"
    openpyxl.Workbook().save(path)
    return path


def _missing_path(tmp_path):
    return tmp_path / "nowhere.xlsx"


def _single_csv(tmp_path):
    return workbook(tmp_path, fmt="csv") / "projects.csv"


def _folder_without_csv(tmp_path):
    folder = tmp_path / "empty_folder"
    folder.mkdir()
    return folder


FILE_CASES = [
    pytest.param(_text_as_xlsx, "a file that is not a workbook", id="text_file_named_xlsx"),
    pytest.param(_empty_file, "an empty file (0 bytes)", id="empty_file"),
    pytest.param(_legacy_xls, "an old-style .xls workbook", id="legacy_xls"),
    pytest.param(_zip_not_xlsx, "a file openpyxl cannot open", id="zip_not_xlsx"),
    pytest.param(_empty_workbook, "an empty workbook", id="workbook_without_data"),
    pytest.param(_missing_path, "no such path", id="path_missing"),
    pytest.param(_single_csv, "a single .csv file", id="single_csv_file"),
    pytest.param(_folder_without_csv, "no .csv files", id="folder_without_csv"),
]


@pytest.mark.parametrize(("make", "found"), FILE_CASES)
def test_not_a_workbook(tmp_path, make, found):
    path = make(tmp_path)
    report = validate_workbook(path)
    (problem,) = report.problems
    assert (problem.severity, problem.sheet, problem.row, problem.column) == (ERROR, None, None,
                                                                              None)
    assert found in problem.found
    assert problem.fix
    with pytest.raises(WorkbookError, match="found " + found.split(" (")[0]):
        read_workbook(path)


def test_damaged_sheet_is_reported_not_raised(tmp_path):
    path = _damaged_sheet(tmp_path)
    (problem,) = validate_workbook(path).problems
    assert (problem.severity, problem.sheet, problem.row) == (ERROR, "projects", None)
    assert problem.found.startswith("a damaged sheet")
    with pytest.raises(WorkbookError, match="damaged sheet"):
        read_workbook(path)


def test_password_protected_workbook(tmp_path):
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = workbook(tmp_path)
    path = tmp_path / "locked.xlsx"
    with plain.open("rb") as f, path.open("wb") as out:
        ooxml.OOXMLFile(f).encrypt("secret", out)
    (problem,) = validate_workbook(path).problems
    assert problem.found == "a password-protected (encrypted) workbook"
    assert "clear the password" in problem.fix
    with pytest.raises(WorkbookError, match="password-protected"):
        read_workbook(path)


# -- the command line ---------------------------------------------------------------------------


def test_cli_validate_reports_problems_and_exits_3(tmp_path, capsys):
    path = workbook(tmp_path, cell("budget", 3, "amount", "lots"))
    assert main(["validate", str(path)]) == 3
    out = capsys.readouterr().out
    assert "1 error(s)" in out
    assert ("Sheet 'budget', row 3, column 'amount': expected a number >= 0, "
            "found text 'lots'") in out


def test_cli_validate_accepts_the_sample(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the command prints warnings, it does not raise them
        assert main(["validate", str(seo.sample_workbook())]) == 0
    assert "The workbook is valid." in capsys.readouterr().out


def test_cli_validate_missing_path_exits_3(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nowhere.xlsx")]) == 3
    assert "no such path" in capsys.readouterr().out

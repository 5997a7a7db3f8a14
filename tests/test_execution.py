"""Execution status, forecast accuracy and continuation, checked against hand computations.

The workbook ``tiny`` below is small enough to compute everything by hand: two owners, three
in-flight projects reporting over three quarters, and one proposed project.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import write_csv_workbook

import seo_workbench as seo
from seo_workbench import charts, execution
from seo_workbench.errors import ValidationError, WorkbookError
from seo_workbench.validate import quarter_label


def _table(columns: str, *rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=columns.split(), dtype=object)


def tiny_sheets() -> dict[str, pd.DataFrame]:
    return {
        "settings": _table("key value", ("organisation", "Test Utility"), ("currency", "EUR"),
                           ("periods", "2027Q1,2027Q2"), ("value", "benefit"),
                           ("max_projects", 3)),
        "projects": _table(
            "project_id name owner department theme status decision decision_reason benefit",
            ("P1", "Portal", "Ann", "Digital", "Growth", "in_flight", "auto", None, 500),
            ("P2", "Meters", "Ann", "Networks", "Run", "in_flight", "must",
             "Regulator requires it", 300),
            ("P3", "Legacy CRM", "Bo", "Digital", "Run", "in_flight", "auto", None, 100),
            ("P4", "Depots", "Bo", "Operations", "Growth", "proposed", "auto", None, 200)),
        # Budget 100 a quarter: P1 + P2 + P4 spend 90 then 50; P3 does not fit beside them
        # and is worth least, so the optimum funds P1, P2 and P4 (benefit 1,000).
        "costs": _table("project_id 2027Q1 2027Q2", ("P1", 40, 30), ("P2", 30, 0),
                        ("P3", 60, 60), ("P4", 20, 20)),
        "budget": _table("period amount", ("2027Q1", 100), ("2027Q2", 100)),
        "themes": _table("theme min_share max_share target_share", ("Growth", None, None, 0.6),
                         ("Run", None, None, 0.4)),
        "capacity": _table("pool period amount", ("Data", "2027Q1", 100),
                           ("Data", "2027Q2", 100), ("Field", "2027Q2", 100)),
        "demand": _table("project_id pool period amount", ("P1", "Data", "2027Q1", 10),
                         ("P1", "Data", "2027Q2", 5), ("P3", "Data", "2027Q1", 20),
                         ("P4", "Field", "2027Q2", 8)),
        "dependencies": _table("project_id kind other_id", ("P4", "requires", "P1"),
                               ("P2", "with", "P1"), ("P3", "excludes", "P4")),
        "status": _table(
            "project_id period actual_spend planned_spend percent_complete rag "
            "forecast_benefit realised_benefit next_quarter_benefit forecast_to_complete note",
            ("P1", "2026Q2", 100, 100, 20, "green", 500, 0, 100, None, None),
            ("P1", "2026Q3", 110, 100, 30, "green", 500, 80, 120, None, None),
            ("P1", "2026Q4", 120, 100, 40, "red", 400, 200, 150, 500, "Vendor failed tests."),
            ("P2", "2026Q2", 50, 50, 40, "amber", 300, 10, 50, None, None),
            ("P2", "2026Q3", 50, 40, 50, "amber", 300, 30, 40, None, None),
            ("P2", "2026Q4", 40, None, 60, "green", 300, 30, 60, None, None),
            ("P3", "2026Q2", 20, None, 10, "green", 100, 0, 40, None, None),
            ("P3", "2026Q3", 20, None, 15, "amber", 90, 50, None, None, None),
            ("P3", "2026Q4", 20, None, 20, "amber", 90, 90, 30, 200, None)),
        "benefits": _table(
            "benefit_id project_id kpi unit baseline target target_date owner current",
            ("B1", "P1", "Online share", "%", 20, 60, "2026Q3", None, 40),
            ("B2", "P2", "Meters installed", "meters", 0, 1000, "2027-05-31", "Cy", 1000),
            ("B3", "P3", "Licence cost", "EUR", 90, 40, "2028Q1", None, None)),
    }


@pytest.fixture
def tiny(tmp_path):
    return seo.read_workbook(write_csv_workbook(tmp_path / "tiny", tiny_sheets()))


def test_forecast_accuracy_matches_a_hand_computation(tiny):
    # A forecast made in quarter t (next_quarter_benefit) meets what quarter t + 1 realised:
    # the rise of the running total realised_benefit.
    #   Ann, P1: 2026Q2 forecast 100, 2026Q3 realised 80 - 0 = 80    |A - F| = 20
    #            2026Q3 forecast 120, 2026Q4 realised 200 - 80 = 120  |A - F| = 0
    #   Ann, P2: 2026Q2 forecast 50,  2026Q3 realised 30 - 10 = 20    |A - F| = 30
    #            2026Q3 forecast 40,  2026Q4 realised 30 - 30 = 0     |A - F| = 40
    #   Ann: sum F = 310, sum A = 220, sum |A - F| = 90
    #        WAPE = 90 / 220 = 0.409090..., realisation ratio = 220 / 310 = 0.709677...
    #   Bo, P3: 2026Q2 forecast 40, 2026Q3 realised 50 - 0 = 50      |A - F| = 10
    #           2026Q3 forecast blank: no pair
    #   Bo: WAPE = 10 / 50 = 0.2, realisation ratio = 50 / 40 = 1.25
    result = seo.execution_status(tiny)
    acc = result.forecast_accuracy
    assert acc.loc["Ann", "forecasts"] == 4 and acc.loc["Bo", "forecasts"] == 1
    assert acc.loc["Ann", "forecast"] == 310 and acc.loc["Ann", "realised"] == 220
    assert acc.loc["Ann", "wape"] == pytest.approx(90 / 220)
    assert acc.loc["Ann", "realisation_ratio"] == pytest.approx(220 / 310)
    assert acc.loc["Ann", "accuracy"] == pytest.approx(1 - 90 / 220)
    assert acc.loc["Bo", "wape"] == pytest.approx(0.2)
    assert acc.loc["Bo", "realisation_ratio"] == pytest.approx(1.25)
    assert len(result.forecast_pairs) == 5
    # Per quarter forecast, Ann: 2026Q3 (20 + 30) / (80 + 20) = 0.5, 2026Q4 (0 + 40) / 120.
    by_quarter = result.accuracy_by_quarter()
    assert by_quarter.loc["Ann", "2026Q3"] == pytest.approx(0.5)
    assert by_quarter.loc["Ann", "2026Q4"] == pytest.approx(40 / 120)
    # Reviewed at 2026Q3, only the forecasts made in 2026Q2 have come due:
    # Ann F = 100 + 50 = 150, A = 80 + 20 = 100, |A - F| = 50: WAPE 0.5, ratio 2/3.
    early = seo.execution_status(tiny, "2026Q3").forecast_accuracy
    assert early.loc["Ann", "wape"] == pytest.approx(0.5)
    assert early.loc["Ann", "realisation_ratio"] == pytest.approx(2 / 3)


def test_forecast_accuracy_skips_gaps_and_blanks():
    # P1 skips 2026Q3: its 2026Q2 forecast has no next-quarter report, so no pair.
    status = pd.DataFrame({
        "project_id": ["P1", "P1", "P2", "P2"], "period": ["2026Q2", "2026Q4", "2026Q3",
                                                          "2026Q4"],
        "realised_benefit": [0.0, 100.0, 0.0, 0.0], "next_quarter_benefit": [100.0, 5.0, 60.0,
                                                                             math.nan]})
    by_owner, pairs = execution.forecast_accuracy(status, pd.Series({"P1": "Ann", "P2": "Bo"}))
    assert pairs[["project_id", "made_in", "for_quarter"]].values.tolist() == [
        ["P2", "2026Q3", "2026Q4"]]
    # Bo forecast 60 and nothing came: the ratio is 0, the WAPE undefined (nothing realised).
    assert by_owner.loc["Bo", "realisation_ratio"] == 0
    assert math.isnan(by_owner.loc["Bo", "wape"])
    assert "Ann" not in by_owner.index


def test_spend_against_plan_forecast_to_complete_and_trend(tiny):
    table = seo.execution_status(tiny).projects
    p1, p2, p3 = table.loc["P1"], table.loc["P2"], table.loc["P3"]
    # P1: spent 100 + 110 + 120 = 330 against 300 planned: +30, +10 %; owner's FTC 500.
    assert p1["spend_to_date"] == 330 and p1["plan_to_date"] == 300
    assert p1["spend_variance"] == 30 and p1["spend_variance_share"] == pytest.approx(0.1)
    assert p1["forecast_to_complete"] == 500 and p1["estimate_at_completion"] == 830
    assert (p1["rag"], p1["rag_previous"], p1["trend"]) == ("red", "green", "worse")
    assert p1["benefit_change"] == -100 and p1["realised_share"] == pytest.approx(0.5)
    # P2: variance over the quarters with a plan only, (50 - 50) + (50 - 40) = 10 of 90;
    # no FTC from the owner, so the remaining costs after 2026Q4: 30 + 0.
    assert p2["spend_to_date"] == 140 and p2["spend_variance"] == 10
    assert p2["spend_variance_share"] == pytest.approx(10 / 90) and p2["plan_compared"] == 90
    assert p2["forecast_to_complete"] == 30 and p2["forecast_to_complete_from"] == "costs sheet"
    assert p2["estimate_at_completion"] == 170 and p2["trend"] == "better"
    # P3: no plan at all, so no variance.
    assert math.isnan(p3["spend_variance"]) and p3["estimate_at_completion"] == 260
    owners = seo.execution_status(tiny).owners
    assert owners.loc["Ann", "projects"] == 2 and owners.loc["Ann", "red"] == 1
    assert owners.loc["Ann", "spend_to_date"] == 470
    # The register: B2 is owned by Cy, B1 (due 2026Q3, 50 % there) is overdue at 2026Q4.
    register = seo.execution_status(tiny).benefits
    assert register.loc["B1", "progress"] == pytest.approx(0.5)
    assert register.loc["B1", "standing"] == "overdue"
    assert register.loc["B2", "standing"] == "met" and register.loc["B2", "owner"] == "Cy"
    assert register.loc["B2", "target_date"] == "2027Q2"  # the date's quarter
    assert register.loc["B3", "standing"] == "not measured"
    assert register.loc["B3", "owner"] == "Bo"


def test_discount_by_track_record_is_off_by_default_and_stated_when_on(tiny):
    plain = seo.execution_status(tiny)
    assert "discounted_next_quarter_benefit" not in plain.projects
    assert not any("Discounting" in s for s in plain.to_sentences())
    on = seo.execution_status(tiny, discount_by_track_record=True)
    table = on.projects
    # Ann's factor is her realisation ratio 220 / 310; Bo's 1.25 is capped at 1.
    assert table.loc["P1", "discounted_next_quarter_benefit"] == pytest.approx(150 * 220 / 310)
    assert table.loc["P2", "discounted_next_quarter_benefit"] == pytest.approx(60 * 220 / 310)
    assert table.loc["P3", "discounted_next_quarter_benefit"] == 30
    sentence = next(s for s in on.to_sentences() if s.startswith("Discounting is on"))
    # 150 + 60 + 30 = 240 forecast; 210 * 220 / 310 + 30 = 179.03 counts.
    assert "240 EUR forecast counts as 179 EUR" in sentence


def test_sentences_name_the_changes(tiny):
    sentences = seo.execution_status(tiny).to_sentences()
    assert sentences[0] == ("Status as reported for 2026Q4 (previous report 2026Q3): 3 "
                            "projects, 1 green, 1 amber and 1 red.")
    assert "P1 Portal (green to red)" in sentences[1] and "P2 Meters (amber to green)" in \
        sentences[1]
    assert any("down 100 EUR since 2026Q3 (P1 -100)" in s for s in sentences)
    # Against plan: P1 330 of 300 and P2 100 of 90 (its 2026Q4 has no plan): 430 of 390.
    assert ("Spend against plan: 430 EUR spent against 390 EUR planned (+10.3%); the largest "
            "overrun is P2 Meters (+11.1%).") in sentences


def test_continuation_recommends_continue_stop_and_hold(tiny):
    portfolio = seo.select_portfolio(tiny)
    assert set(portfolio.selected) == {"P1", "P2", "P4"}
    result = seo.continuation(tiny, portfolio)
    table = result.table
    assert list(table.index) == ["P1", "P2", "P3"]  # in-flight projects only
    assert table.loc["P1", "recommendation"] == "hold"  # funded, red, forecast 500 -> 400
    assert "fell by 100 EUR since 2026Q3" in table.loc["P1", "reason"]
    assert table.loc["P2", "recommendation"] == "continue"
    assert table.loc["P2", "reason"].startswith("the board requires it (Regulator requires it)")
    assert table.loc["P3", "recommendation"] == "stop"
    assert "remaining cost of 120 EUR" in table.loc["P3", "reason"]
    assert "the 60 EUR already spent is sunk" in table.loc["P3", "reason"]
    assert (result.continued, result.held, result.stopped) == (("P2",), ("P1",), ("P3",))
    sentences = result.to_sentences()
    assert sentences[0] == "Of 3 in-flight projects: continue 1, hold 1 (P1) and stop 1 (P3)."
    assert sentences[1].startswith("Hold P1 Portal: funded, but red")
    assert sentences[2].startswith("Stop P3 Legacy CRM: not in the optimal portfolio")


def test_without_status_continuation_only_follows_the_portfolio(tmp_path):
    sheets = tiny_sheets()
    del sheets["status"], sheets["benefits"]
    model = seo.read_workbook(write_csv_workbook(tmp_path / "bare", sheets))
    result = seo.continuation(model, seo.select_portfolio(model))
    assert result.table["recommendation"].to_dict() == {"P1": "continue", "P2": "continue",
                                                        "P3": "stop"}
    with pytest.raises(ValidationError, match="no sheet 'status'"):
        seo.execution_status(model)


def test_unknown_quarter_lists_the_choices(tiny):
    with pytest.raises(ValidationError, match="Unknown quarter 'Q4'. Choose one of: 2026Q2, "
                                              "2026Q3, 2026Q4"):
        seo.execution_status(tiny, "Q4")
    with pytest.raises(ValidationError, match="No status report at or before quarter '2025Q1'"):
        seo.execution_status(tiny, "2025Q1")
    # A planning period reviews the reports before it.
    assert seo.execution_status(tiny, "2027Q1").quarter == "2026Q4"


def _errors(tmp_path, edit) -> list:
    sheets = tiny_sheets()
    edit(sheets)
    with pytest.raises(WorkbookError) as caught:
        seo.read_workbook(write_csv_workbook(tmp_path / "bad", sheets))
    return list(caught.value.report.errors)


def test_benefit_naming_an_unknown_project_says_where(tmp_path):
    def edit(sheets):
        sheets["benefits"].loc[1, "project_id"] = "P9"

    (problem,) = _errors(tmp_path, edit)
    assert problem.file.endswith("benefits.csv")
    assert problem.message == ("Sheet 'benefits', row 3, column 'project_id': expected a "
                               "project_id from sheet 'projects', found unknown id 'P9'. Add "
                               "'P9' to sheet 'projects' or correct the id.")


@pytest.mark.parametrize("column, value, expected", [
    ("target_date", "next spring", "expected a quarter such as 2028Q2, or a date (YYYY-MM-DD), "
                                   "found 'next spring'"),
    ("target", 20, "expected a target different from the baseline (20), found 20"),
    ("benefit_id", "B1", "expected a unique benefit_id, found 'B1' again (first on row 2)"),
    ("baseline", "low", "expected a number, found text 'low'"),
])
def test_bad_benefits_rows(tmp_path, column, value, expected):
    def edit(sheets):
        sheets["benefits"].loc[1, column] = value
        if column == "target":
            sheets["benefits"].loc[1, "baseline"] = 20

    (problem,) = _errors(tmp_path, edit)
    assert (problem.sheet, problem.row, problem.column) == ("benefits", 3, column)
    assert expected in problem.message


def test_status_plan_cannot_be_negative(tmp_path):
    def edit(sheets):
        sheets["status"].loc[0, "planned_spend"] = -5

    (problem,) = _errors(tmp_path, edit)
    assert (problem.sheet, problem.row, problem.column) == ("status", 2, "planned_spend")


def test_quarter_labels_from_dates_and_labels():
    assert quarter_label("2027-12-31") == "2027Q4" and quarter_label("2027/q3") == "2027Q3"
    assert quarter_label("2027-13-01") is None


def test_sample_execution(sample_model):
    result = seo.execution_status(sample_model)
    assert result.quarter == "2026Q4" and result.previous_quarter == "2026Q3"
    assert len(result.projects) == 10 and set(result.projects["rag"]) <= {"green", "amber", "red"}
    assert result.forecast_accuracy["forecasts"].sum() == 20  # ten projects, two pairs each
    assert len(result.benefits) >= 10
    assert all(isinstance(s, str) and s for s in result.to_sentences())
    assert "<ul>" in result._repr_html_()


def test_rag_benefits_chart(tiny):
    spec = charts.rag_benefits_chart(seo.execution_status(tiny)).to_dict()
    fields = {c["field"] for layer in spec["layer"] for c in layer["encoding"].values()
              if isinstance(c, dict) and "field" in c}
    assert {"label", "forecast_benefit", "realised_benefit", "rag"} <= fields
    values = spec["datasets"][next(iter(spec["datasets"]))]
    assert [v["rag"] for v in values] == ["red", "green", "amber"]

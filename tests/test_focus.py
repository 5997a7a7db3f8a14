"""Focus and silos on the tiny workbook of test_execution, every number computed by hand."""

from __future__ import annotations

import math

import pytest
from conftest import write_csv_workbook
from test_execution import tiny_sheets

import seo_workbench as seo
from seo_workbench import charts


@pytest.fixture
def tiny(tmp_path):
    return seo.read_workbook(write_csv_workbook(tmp_path / "tiny", tiny_sheets()))


@pytest.fixture
def funded(tiny):
    portfolio = seo.select_portfolio(tiny)  # P1, P2 and P4 (see test_execution)
    return seo.measure_focus(tiny, portfolio)


def test_theme_drift_against_target_shares(funded):
    drift = funded.theme_drift
    # Funded spend over the horizon: P1 40 + 30 = 70 and P4 20 + 20 = 40 in Growth (110),
    # P2 30 + 0 = 30 in Run; of 140 in all. Targets 0.6 and 0.4.
    assert drift.loc["Growth", "funded_spend"] == 110 and drift.loc["Run", "funded_spend"] == 30
    assert drift.loc["Growth", "funded_share"] == pytest.approx(110 / 140)
    assert drift.loc["Growth", "drift"] == pytest.approx(110 / 140 - 0.6)
    assert drift.loc["Run", "drift"] == pytest.approx(30 / 140 - 0.4)
    # Spend to date from sheet 'status': P1 330 in Growth; P2 140 + P3 60 = 200 in Run.
    assert drift.loc["Growth", "share_to_date"] == pytest.approx(330 / 530)
    assert drift.loc["Run", "drift_to_date"] == pytest.approx(200 / 530 - 0.4)
    assert set(drift["band"]) == {"within band"}  # no band given
    sentences = funded.to_sentences()
    assert sentences[0] == ("Share of the funded portfolio by theme against the strategy: "
                            "Growth 79% (target 60%, +19 points); Run 21% (target 40%, -19 "
                            "points).")


def test_target_defaults_to_the_middle_of_the_band(tmp_path):
    sheets = tiny_sheets()
    sheets["themes"] = sheets["themes"].assign(min_share=[0.5, 0.1], max_share=[0.9, 0.5],
                                               target_share=[None, 0.2])
    model = seo.read_workbook(write_csv_workbook(tmp_path / "band", sheets))
    drift = seo.measure_focus(model).theme_drift
    assert drift.loc["Growth", "target_share"] == pytest.approx(0.7)
    assert drift.loc["Growth", "target_from"] == "middle of the band"
    assert drift.loc["Run", "target_share"] == 0.2
    # Without a portfolio the band is judged on the spend to date: Run 200 / 530 = 38 %.
    assert drift.loc["Growth", "band"] == "within band"  # 330 / 530 = 62 % in 50..90 %


def test_target_outside_the_band_is_an_error(tmp_path):
    sheets = tiny_sheets()
    sheets["themes"] = sheets["themes"].assign(min_share=[0.7, None])
    with pytest.raises(seo.WorkbookError) as caught:
        seo.read_workbook(write_csv_workbook(tmp_path / "bad", sheets))
    (problem,) = caught.value.report.errors
    assert problem.message.startswith("Sheet 'themes', row 2, column 'target_share': expected "
                                      "a share within min_share..max_share (0.7..1), found 0.6.")


def test_active_projects_against_the_limit(funded):
    table = funded.active_projects
    # Three status quarters before the horizon, each with P1, P2 and P3 reporting; then the
    # funded P1, P2, P4 spend in 2027Q1, and P1, P4 in 2027Q2 (P2 costs 0 there).
    assert table["basis"].tolist() == ["reported"] * 3 + ["funded"] * 2
    assert table["active"].tolist() == [3, 3, 3, 3, 2]
    assert table.loc["2027Q1", "in_flight"] == 2  # P1 and P2
    assert table["limit"].tolist() == [3.0] * 5 and table.loc["2027Q2", "headroom"] == 1
    assert ("3 funded projects over the horizon, at most 3 running at once (in 2027Q1), "
            "against 3 reporting in 2026Q4; at the limit of 3 funded projects") in \
        " ".join(funded.to_sentences())


def test_department_dependency_matrix(funded):
    matrix = funded.dependency_matrix
    # P4 (Operations) requires P1 (Digital); P2 (Networks) goes with P1 (Digital); the
    # exclusion P3-P4 is a conflict and does not count.
    assert matrix.loc["Operations", "Digital"] == 1 and matrix.loc["Networks", "Digital"] == 1
    assert int(matrix.to_numpy().sum()) == 2
    assert list(matrix.index) == list(matrix.columns) == ["Digital", "Networks", "Operations"]
    links = funded.dependencies
    assert links["cross_department"].tolist() == [True, True, True]
    assert links["funded"].tolist() == [True, True, False]
    assert any(s.startswith("2 of 2 dependencies cross departments") for s in
               funded.to_sentences())


def test_demand_by_department_and_quarter(funded, tiny):
    demand = funded.demand
    # Funded only: P1 (Digital) 10 then 5 Data; P4 (Operations) 8 Field in 2027Q2; P3's 20
    # is left out because P3 is not funded.
    assert demand.loc["Digital"].tolist() == [10, 5]
    assert demand.loc["Operations"].tolist() == [0, 8]
    assert demand.loc["Networks"].tolist() == [0, 0]
    everyone = seo.measure_focus(tiny).demand
    assert everyone.loc["Digital", "2027Q1"] == 30  # P1 10 + P3 20


def test_without_dependencies_or_demand(tmp_path):
    sheets = tiny_sheets()
    for name in ("dependencies", "demand", "capacity", "status", "benefits"):
        del sheets[name]
    model = seo.read_workbook(write_csv_workbook(tmp_path / "bare", sheets))
    result = seo.measure_focus(model, seo.select_portfolio(model))
    assert result.dependency_matrix.to_numpy().sum() == 0
    assert result.demand.to_numpy().sum() == 0
    assert math.isnan(result.theme_drift.loc["Growth", "share_to_date"])
    assert result.to_sentences()


def test_focus_charts(funded):
    def fields(spec):
        return {c["field"] for layer in spec.get("layer", [spec])
                for c in layer.get("encoding", {}).values() if isinstance(c, dict) and
                "field" in c}

    assert {"theme", "low", "high", "target_share", "share"} <= fields(
        charts.theme_drift_chart(funded).to_dict())
    spec = charts.dependency_matrix_chart(funded).to_dict()
    assert {"department", "other_department", "links"} <= fields(spec)
    values = spec["datasets"][next(iter(spec["datasets"]))]
    assert len(values) == 9  # 3 x 3 departments
    spec = charts.department_demand_chart(funded).to_dict()
    assert {"department", "period", "demand"} <= fields(spec)


def test_sample_focus(sample_model):
    ranking = seo.score(sample_model.scores, sample_model.weights, sample_model.objectives)
    portfolio = seo.select_portfolio(sample_model, sample_model.project_values(ranking))
    result = seo.measure_focus(sample_model, portfolio)
    assert result.theme_drift["target_share"].sum() == pytest.approx(1)
    assert result.dependency_matrix.to_numpy().sum() == 9  # 7 requires + 2 with
    assert (result.active_projects["active"] <= 30).all()
    assert len(result.to_sentences()) >= 5
    continuation = seo.continuation(sample_model, portfolio)
    assert "P12" in continuation.held  # red, forecast benefit down, yet funded

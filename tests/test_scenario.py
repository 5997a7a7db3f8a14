"""Scenarios: YAML round trip, clear errors, and the quarterly run reproducing the explorer."""

from __future__ import annotations

import pytest

import seo_workbench as seo
from seo_workbench.scenario import Scenario, apply, force, load_scenario, save_scenario
from seo_workbench.widgets import Explorer


def test_round_trip(tmp_path, sample_model):
    scenario = Scenario("Risk first", weights={c: 1.0 for c in sample_model.criteria.index},
                        method="topsis", budget_scale=1.1,
                        forced={"P01": ("must_not", "Paused by the board")}, notes="for Q1")
    path = save_scenario(scenario, tmp_path / "risk.yaml")
    assert load_scenario(path, sample_model) == scenario


@pytest.mark.parametrize("gap", [seo.portfolio.DEFAULT_GAP, 0.01])
def test_explorer_scenario_reproduces_in_the_run(tmp_path, sample_model, gap):
    explorer = Explorer(sample_model, frontier_levels=0, gap=gap)
    explorer.weight_sliders["risk_reduction"].value = 0.4
    explorer.method.value = "topsis"
    explorer.budget_scale.value = 0.9
    left_out = next(p for p in explorer.ranking.ranks.sort_values().index
                    if p not in explorer.portfolio.selected
                    and explorer.decisions[p].value == "auto")
    explorer.decisions[left_out].value = "must"
    path = explorer.save_scenario(tmp_path / "s.yaml", "Explored")

    # What notebooks/02_select_portfolio.ipynb does with scenario_path set:
    run = seo.report.prepare(scenario_path=str(path))
    assert (run.method, run.budget_scale, run.gap) == ("topsis", 0.9, gap)
    weights = seo.weights.from_model(sample_model, run.weighting, **run.weighting_options)
    model, weights = apply(sample_model, weights, run.scenario)
    ranking = seo.score(model.scores, weights, model.objectives, method=run.method)
    portfolio = seo.select_portfolio(model, model.project_values(ranking), solver=run.solver,
                                     budget_scale=run.budget_scale, gap=run.gap)
    assert set(portfolio.selected) == set(explorer.portfolio.selected)
    assert left_out in portfolio.selected
    assert portfolio.objective == pytest.approx(explorer.portfolio.objective)
    assert model.forced_decisions().loc[left_out, "decision_reason"]


def test_empty_scenario_changes_nothing(sample_model):
    weights = sample_model.weights
    assert apply(sample_model, weights, "") == (sample_model, weights)


def _write(tmp_path, text):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "words"), [
    ("weights: {strategic_fit: high}", ["weights.strategic_fit", "number >= 0", "'high'"]),
    ("weights: {strategic_fit: -1}", ["weights.strategic_fit", "number >= 0"]),
    ("weights: {colour: 1}", ["weights.colour", "unknown criterion", "strategic_fit"]),
    ("forced: {P99: {decision: must, reason: x}}", ["forced.P99", "unknown project"]),
    ("forced: {P01: {decision: maybe}}", ["forced.P01.decision", "must_not", "'maybe'"]),
    ("method: toppsis", ["'method'", "toppsis", "topsis"]),
    ("budget_scale: 0", ["budget_scale", "number > 0"]),
    ("gap: lots", ["'gap'", "number >= 0"]),
    ("colour: blue", ["unknown key", "colour", "weights"]),
    ("- a list", ["expected a mapping"]),
])
def test_errors_name_the_file_the_key_and_the_fix(tmp_path, sample_model, text, words):
    path = _write(tmp_path, text)
    with pytest.raises(seo.ValidationError) as info:
        load_scenario(path, sample_model)
    message = str(info.value)
    assert str(path) in message
    for word in words:
        assert word in message


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(seo.ValidationError, match="cannot be read"):
        load_scenario(tmp_path / "none.yaml")


def test_force_replaces_decisions_without_touching_the_model(sample_model):
    forced = force(sample_model, {"P01": ("must_not", "")})
    assert forced.projects.loc["P01", "decision"] == "must_not"
    assert forced.projects.loc["P01", "decision_reason"]
    assert sample_model.projects.loc["P01", "decision"] == "auto"
    with pytest.raises(seo.ValidationError, match="P99"):
        force(sample_model, {"P99": ("must", "x")})


def test_run_rejects_a_scenario_with_unknown_projects(tmp_path):
    path = _write(tmp_path, "forced: {P99: {decision: must, reason: x}}")
    with pytest.raises(seo.ValidationError, match="P99"):
        seo.report.run_quarter("2027Q1", out=tmp_path / "reports", scenario=path)
    assert not (tmp_path / "reports").exists()


def test_cli_takes_a_scenario(tmp_path, capsys):
    from seo_workbench.cli import main

    path = _write(tmp_path, "method: toppsis")
    assert main(["run", "--quarter", "2027Q1", "--out", str(tmp_path / "r"),
                 "--scenario", str(path)]) != 0
    assert "toppsis" in capsys.readouterr().err

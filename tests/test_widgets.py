"""The trade-off explorer, driven headlessly through its widgets' traitlets."""

from __future__ import annotations

import pytest

import seo_workbench as seo
from seo_workbench.widgets import WORKING, Explorer


@pytest.fixture
def explorer(sample_model) -> Explorer:
    return Explorer(sample_model, frontier_levels=0)


def _expected(model, weights, method="weighted_sum", budget_scale=1.0):
    ranking = seo.score(model.scores, weights, model.objectives, method=method)
    return ranking, seo.select_portfolio(model, model.project_values(ranking),
                                         budget_scale=budget_scale)


def test_weights_stay_normalised_and_locked_ones_stay_put(explorer):
    criteria = list(explorer.weights.index)
    locked = explorer.weights[criteria[1]]
    explorer.locks[criteria[1]].value = True
    explorer.weight_sliders[criteria[0]].value = 0.5
    assert explorer.weights.sum() == pytest.approx(1.0)
    assert explorer.weights[criteria[0]] == pytest.approx(0.5)
    assert explorer.weights[criteria[1]] == pytest.approx(locked)
    assert [s.value for s in explorer.weight_sliders.values()] == pytest.approx(
        list(explorer.weights))
    explorer.weight_sliders[criteria[0]].value = 1.0  # more than the locked one leaves
    assert explorer.weights[criteria[0]] == pytest.approx(1.0 - locked)
    assert explorer.weights.sum() == pytest.approx(1.0)


def test_rebalance_keeps_proportions_of_the_unlocked():
    w = seo.weights.rebalance({"a": 0.4, "b": 0.4, "c": 0.2}, "a", 0.1)
    assert w.to_dict() == pytest.approx({"a": 0.1, "b": 0.6, "c": 0.3})
    w = seo.weights.rebalance({"a": 1.0, "b": 0.0, "c": 0.0}, "a", 0.4)
    assert w.to_dict() == pytest.approx({"a": 0.4, "b": 0.3, "c": 0.3})


def test_outputs_follow_the_package_functions(explorer, sample_model):
    explorer.weight_sliders["delivery_risk"].value = 0.45
    explorer.method.value = "topsis"
    ranking, portfolio = _expected(sample_model, explorer.weights, "topsis")
    assert explorer.ranking.ranks.equals(ranking.ranks)
    assert set(explorer.portfolio.selected) == set(portfolio.selected)
    assert explorer.portfolio.objective == pytest.approx(portfolio.objective)
    first = ranking.ranks.sort_values().index[0]
    assert first in explorer.ranking_table.value
    assert explorer.chart.to_dict()["mark"]["type"] == "circle"


def test_changes_since_the_last_setting(explorer):
    before = set(explorer.portfolio.selected)
    explorer.weight_sliders["financial_return"].value = 0.9
    after = set(explorer.portfolio.selected)
    assert set(explorer.change.entered) == after - before
    assert set(explorer.change.left) == before - after
    assert len(explorer.change.moves) > 0 and "rank moves" in explorer.changes_text.value


def test_forcing_a_project_in_funds_it_and_shows_the_value_lost(explorer):
    left_out = next(p for p in explorer.ranking.ranks.sort_values().index
                    if p not in explorer.portfolio.selected
                    and explorer.decisions[p].value == "auto")
    free = explorer.unforced.objective
    explorer.reasons[left_out].value = "Board sponsor insists"
    explorer.decisions[left_out].value = "must"
    assert left_out in explorer.portfolio.selected
    assert explorer.value_lost == pytest.approx(free - explorer.portfolio.objective)
    assert explorer.value_lost > 0 and "cost" in explorer.value_lost_text.value
    assert explorer.forced == {left_out: ("must", "Board sponsor insists")}


def test_budget_change_reoptimises_and_display_change_does_not(explorer, sample_model):
    solves = explorer.solves
    explorer.rows.value = 30
    explorer.reasons[next(iter(explorer.reasons))].value = "a note"
    assert explorer.solves == solves
    assert explorer.ranking_table.value.count("<tr>") == 31  # header + 30 rows
    explorer.budget_scale.value = 1.3
    assert explorer.solves > solves
    _, portfolio = _expected(sample_model, explorer.weights, budget_scale=1.3)
    assert explorer.portfolio.objective == pytest.approx(portfolio.objective)
    solves = explorer.solves
    explorer.budget_scale.value = 1.3  # no change: no solve
    explorer.weight_sliders["strategic_fit"].value = explorer.weights["strategic_fit"]
    assert explorer.solves == solves


def test_weighting_dropdown_sets_the_sliders(explorer, sample_model):
    explorer.weighting.value = "equal"
    assert list(explorer.weights) == pytest.approx([1 / len(explorer.weights)] * 6)
    assert explorer.weight_sliders["change_burden"].value == pytest.approx(1 / 6)


def test_frontier_marks_the_current_point(sample_model):
    explorer = Explorer(sample_model, frontier_levels=3)
    assert explorer.frontiers == 1
    explorer.budget_scale.value = 1.1  # moves the point, keeps the frontier
    assert explorer.frontiers == 1
    spec = explorer.frontier_chart.to_dict()
    assert len(spec["layer"]) == 4
    assert WORKING not in explorer.status.value and "Ready" in explorer.status.value


@pytest.mark.parametrize("solver", ["HiGHS", "CBC"])
def test_the_portfolio_without_forced_decisions_matches_a_solve_without_them(sample_model,
                                                                             solver):
    # HiGHS solves the two side by side on threads, CBC one after the other: either way the
    # unforced portfolio is select_portfolio with every must/must_not group dropped.
    explorer = Explorer(sample_model, frontier_levels=0, solver=solver)
    out = next(p for p in explorer.portfolio.selected if explorer.decisions[p].value == "auto")
    explorer.decisions[out].value = "must_not"
    model = explorer.forced_model
    forced = [f"{d}:{p}" for p, d in model.projects["decision"].items()
              if d in ("must", "must_not")]
    assert f"must_not:{out}" in forced
    values = model.project_values(explorer.ranking)
    free = seo.select_portfolio(model, values, solver=solver, drop=forced)
    assert set(explorer.unforced.selected) == set(free.selected)
    assert explorer.unforced.objective == pytest.approx(free.objective)
    assert out not in explorer.portfolio.selected
    assert explorer.value_lost == pytest.approx(free.objective - explorer.portfolio.objective)


def test_a_drafted_re_optimisation_is_refined_to_the_gap_in_the_background(sample_model):
    # draft_from=1 drafts even the sample: the first answer stops at the 20 % draft gap, and
    # the background refinement must end at the same proven optimum as a direct solve.
    explorer = Explorer(sample_model, frontier_levels=0, draft_gap=0.2, draft_from=1)
    assert explorer.drafting
    draft = explorer.portfolio
    assert draft.gap is not None and 1e-6 < draft.gap <= 0.2  # HiGHS is deterministic
    assert "First answer" in explorer.status.value and WORKING in explorer.status.value
    assert explorer.wait(timeout=60)
    assert explorer.refines == 1 and not explorer.refining
    ranking, expected = _expected(sample_model, explorer.weights)
    assert explorer.portfolio.gap <= 1e-6
    assert explorer.portfolio.objective == pytest.approx(expected.objective, rel=1e-6)
    assert explorer.portfolio.objective >= draft.objective - 1e-9
    assert "Ready" in explorer.status.value and WORKING not in explorer.status.value
    assert "proven optimal" in explorer.status.value


def test_a_new_setting_supersedes_the_refinement_of_the_last_one(sample_model):
    explorer = Explorer(sample_model, frontier_levels=0, draft_gap=0.2, draft_from=1)
    explorer.budget_scale.value = 0.8  # at once: the first refinement is stopped or done
    assert explorer.wait(timeout=60)
    ranking, expected = _expected(sample_model, explorer.weights, budget_scale=0.8)
    assert explorer.portfolio.objective == pytest.approx(expected.objective, rel=1e-6)
    spend = explorer.portfolio.spend
    assert (spend["spend"] <= spend["budget"] + 1e-6).all()
    assert explorer.refines <= 2


def test_forced_decisions_are_refined_with_their_unforced_portfolio(sample_model):
    explorer = Explorer(sample_model, frontier_levels=0, draft_gap=0.2, draft_from=1)
    explorer.wait(timeout=60)
    out = next(p for p in explorer.portfolio.selected if explorer.decisions[p].value == "auto")
    explorer.decisions[out].value = "must_not"
    assert explorer.wait(timeout=60)
    model = explorer.forced_model
    values = model.project_values(explorer.ranking)
    forced = [f"{d}:{p}" for p, d in model.projects["decision"].items()
              if d in ("must", "must_not")]
    free = seo.select_portfolio(model, values, drop=forced)
    held = seo.select_portfolio(model, values)
    assert explorer.unforced.objective == pytest.approx(free.objective, rel=1e-6)
    assert explorer.portfolio.objective == pytest.approx(held.objective, rel=1e-6)
    assert out not in explorer.portfolio.selected
    assert explorer.value_lost == pytest.approx(free.objective - held.objective, abs=1e-6)


def test_small_portfolios_are_proven_at_once(explorer):
    assert not explorer.drafting and not explorer.refining and explorer.refines == 0
    assert explorer.portfolio.gap <= 1e-6


def test_a_drafted_explorer_computes_the_frontier_in_the_background(sample_model):
    explorer = Explorer(sample_model, frontier_levels=3, draft_gap=0.2, draft_from=1)
    assert explorer.frontier is None and "computing the frontier" in explorer.status.value
    assert explorer.wait(timeout=120)
    assert explorer.frontiers == 1 and len(explorer.frontier.points) == 3
    assert len(explorer.frontier_chart.to_dict()["layer"]) == 4
    explorer.budget_scale.value = 1.1  # the same values: the frontier stays
    explorer.wait(timeout=120)
    assert explorer.frontiers == 1 and explorer.frontier is not None
    criterion = explorer.weights.index[0]
    explorer.weight_sliders[criterion].value = 0.4  # new values: a new frontier follows
    assert explorer.wait(timeout=120)
    assert explorer.frontiers == 2
    expected = seo.frontier.frontier(sample_model, sample_model.project_values(explorer.ranking),
                                     levels=3, gap=0.01)
    assert explorer.frontier.points["value"].to_numpy() == pytest.approx(
        expected.points["value"].to_numpy(), rel=0.02)


def test_a_superseded_refinement_is_never_shown(sample_model, monkeypatch):
    from seo_workbench import widgets

    real = widgets._solve
    finished = []

    def slow(stop, *args, **options):  # a refinement that runs until it is superseded
        if stop is not None:
            assert stop.wait(30), "the next setting should have stopped the refinement"
            finished.append(options["budget_scale"])
        return real(stop, *args, **options)

    monkeypatch.setattr(widgets, "_solve", slow)
    explorer = Explorer(sample_model, frontier_levels=0, draft_gap=0.2, draft_from=1)
    assert explorer.refining
    first_draft = explorer.portfolio
    explorer.budget_scale.value = 0.8
    assert set(finished) == {1.0}  # the first refinement was stopped and ran out...
    assert explorer.refines == 0  # ...without being shown
    assert explorer.portfolio is not first_draft and explorer.refining
    draft = explorer.portfolio
    explorer._stop_refining()
    assert set(finished) == {1.0, 0.8} and explorer.refines == 0
    assert explorer.portfolio is draft and 1e-6 < draft.gap <= 0.2
    assert "First answer" in explorer.status.value

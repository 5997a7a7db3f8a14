"""Rank and fund, the efficient frontier and scenarios: hand-worked cases and the sample."""

from __future__ import annotations

import math
import warnings

import pandas as pd
import pytest
from conftest import knapsack_sheets, write_csv_workbook
from feasibility import check_portfolio
from generate import generate_model

import seo_workbench as seo
from seo_workbench.frontier import compare_scenarios, frontier, rank_and_fund

# Four items, one period with a budget of 10. By value the list funds X000 (6) and then only
# X003 fits: 11. By value per cost (1.8, 1.67, 1.6, 1) it funds X001 and X002: 17, the optimum.
VALUES, WEIGHTS, BUDGET = [10, 9, 8, 1], [[6, 5, 5, 1]], [10]


def sample_values(model):
    return model.project_values(seo.score(model.scores, model.weights, model.objectives))


@pytest.fixture(scope="module")
def sample_frontier(sample_model):
    return frontier(sample_model, sample_values(sample_model))


# -- rank and fund ------------------------------------------------------------------------------


def test_rank_by_value_funds_down_the_list(knapsack_model):
    model = knapsack_model(VALUES, WEIGHTS, BUDGET)
    ranked = rank_and_fund(model)
    assert ranked.selected == ("X000", "X003")
    assert ranked.value == 11 and ranked.cost == 7 and ranked.feasible
    steps = ranked.steps
    assert list(steps.index) == ["X000", "X001", "X002", "X003"]
    assert steps["note"].tolist() == ["funded", "does not fit the budget in C00",
                                      "does not fit the budget in C00", "funded"]
    assert steps["rank"].tolist() == [1, 2, 3, 4]


def test_rank_by_ratio_funds_value_for_money_first(knapsack_model):
    ranked = rank_and_fund(knapsack_model(VALUES, WEIGHTS, BUDGET), by="ratio")
    assert list(ranked.steps.index) == ["X001", "X000", "X002", "X003"]
    assert ranked.selected == ("X001", "X002") and ranked.value == 17
    assert ranked.steps.loc["X001", "value_per_cost"] == pytest.approx(1.8)


def test_budget_scale_scales_the_budget(knapsack_model):
    model = knapsack_model(VALUES, WEIGHTS, BUDGET)
    assert rank_and_fund(model, budget_scale=0.5).selected == ("X001",)
    assert rank_and_fund(model, budget_scale=1.5).value == 20  # X000, X001, X003


def test_must_first_and_must_not_never(knapsack_model):
    decisions = {"X002": ("must", "Regulator requires it"), "X000": ("must_not", "Board veto")}
    model = knapsack_model([10, 9, 1, 8], [[5, 5, 5, 5]], [10], decisions=decisions)
    ranked = rank_and_fund(model)
    assert ranked.selected == ("X001", "X002") and ranked.value == 10
    notes = ranked.steps["note"]
    assert notes["X002"] == "must" and notes["X000"] == "must_not"
    assert notes["X003"] == "does not fit the budget in C00"


def test_dependencies_groups_and_bundles(knapsack_model):
    # By value: X000 comes up before what it requires (X001) and is skipped for good; X002
    # shuts out X003; the group takes one of X004, X005; X006 brings its 'with' partner X001.
    deps = pd.DataFrame({"project_id": ["X000", "X002", "X006"],
                         "kind": ["requires", "excludes", "with"],
                         "other_id": ["X001", "X003", "X001"]})
    groups = pd.DataFrame({"group": ["g", "g"], "project_id": ["X004", "X005"],
                           "max_selected": [1, 1]})
    model = knapsack_model([10, 1, 9, 8, 7, 6, 5], [[1] * 7], [10], dependencies=deps,
                           groups=groups)
    ranked = rank_and_fund(model)
    notes = ranked.steps["note"]
    assert notes["X000"] == "requires X001 (not funded)"
    assert notes["X003"] == "excluded by X002"
    assert notes["X005"] == "group g at its limit of 1"
    assert notes["X006"] == "funded" and notes["X001"] == "funded with X006"
    assert ranked.selected == ("X001", "X002", "X004", "X006") and ranked.value == 22
    assert ranked.feasible
    # The optimiser also funds X000 once X001 is in: 32.
    assert seo.select_portfolio(model).value == 32


def test_a_bundle_is_skipped_whole(knapsack_model):
    deps = pd.DataFrame({"project_id": ["X000"], "kind": ["with"], "other_id": ["X001"]})
    model = knapsack_model([10, 1, 5], [[6, 6, 4]], [10], dependencies=deps)
    ranked = rank_and_fund(model)
    assert ranked.selected == ("X002",)
    assert ranked.steps.loc["X000", "note"] == "does not fit the budget in C00"
    assert ranked.steps.loc["X001", "note"].startswith("not funded: goes with X000")


def test_capacity_is_respected(knapsack_model):
    capacity = pd.DataFrame({"pool": ["Eng"], "period": ["C00"], "amount": [10]})
    demand = pd.DataFrame({"project_id": ["X000", "X001", "X002"], "pool": "Eng",
                           "period": "C00", "amount": [8, 5, 5]})
    model = knapsack_model([3, 2, 2], [[1, 1, 1]], [10], capacity=capacity, demand=demand)
    ranked = rank_and_fund(model)
    assert ranked.selected == ("X000",)
    assert ranked.steps.loc["X001", "note"] == "not enough capacity: Eng C00"
    assert seo.select_portfolio(model).value == 4


def test_minimums_the_list_misses_are_named(knapsack_model, tmp_path):
    sheets = knapsack_sheets([5, 4, 3], [[5, 5, 5]], [10])
    sheets["settings"] = pd.concat([sheets["settings"], pd.DataFrame(
        {"key": ["min_projects"], "value": ["3"]})], ignore_index=True)
    model = seo.read_workbook(write_csv_workbook(tmp_path / "min", sheets))
    ranked = rank_and_fund(model)
    assert ranked.selected == ("X000", "X001")
    assert ranked.breaks == ("min_projects",) and not ranked.feasible
    assert "does not meet: min_projects" in ranked._repr_html_()


def test_a_start_window_is_tried_when_the_planned_start_does_not_fit(knapsack_model):
    # X001 is planned in C00, which X000 fills; its window lets it start in C01 instead.
    weights, budget = [[5, 4], [0, 0], [0, 0]], [5, 5, 5]
    projects = knapsack_sheets([10, 9], weights, budget)["projects"]
    projects["earliest_start"] = ""
    projects["latest_start"] = ["", "C01"]
    model = knapsack_model([10, 9], weights, budget, projects=projects)
    ranked = rank_and_fund(model)
    assert ranked.selected == ("X000", "X001")
    assert dict(ranked.starts) == {"X001": "C01"}
    assert ranked.steps.loc["X001", "note"] == "funded, start shifted to C01"
    assert check_portfolio(model, ranked.selected, ranked.starts) == []


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("by", ["value", "ratio"])
def test_breaks_agree_with_the_independent_checker(tmp_path, seed, by):
    model = generate_model(120, tmp_path, seed=seed, variants=0.1, windows=0.2)
    ranked = rank_and_fund(model, by=by)
    problems = check_portfolio(model, ranked.selected, ranked.starts)
    assert len(problems) == len(ranked.breaks), (problems, ranked.breaks)


def test_sample_rank_and_fund_is_feasible(sample_model):
    values = sample_values(sample_model)
    for by in ("value", "ratio"):
        ranked = rank_and_fund(sample_model, values, by=by)
        assert ranked.feasible
        assert check_portfolio(sample_model, ranked.selected) == []
        assert ranked.steps.loc["P11", "note"] == "must"
        assert ranked.steps.loc["P47", "note"] == "must_not"


def test_unknown_ranking_lists_the_choices(knapsack_model):
    with pytest.raises(seo.UnknownChoiceError, match="Choose one of: ratio, value"):
        rank_and_fund(knapsack_model(VALUES, WEIGHTS, BUDGET), by="score")


# -- frontier -----------------------------------------------------------------------------------


def test_frontier_by_hand(knapsack_model):
    # Budget 5: X001 (9). Budget 10: X001 + X002 (17). Budget 15: X000 + X001 + X003 (20).
    model = knapsack_model(VALUES, WEIGHTS, BUDGET)
    result = frontier(model, levels=[0.5, 1.5], gap=1e-6)
    points = result.points
    assert points["budget_scale"].tolist() == [0.5, 1.0, 1.5]  # 1.0 is always added
    assert points["value"].tolist() == [9, 17, 20]
    assert points["budget"].tolist() == [5, 10, 15]
    assert points["n_selected"].tolist() == [1, 2, 3]
    assert (points["status"] == "optimal").all()
    assert result.selections[1.0] == ("X001", "X002")
    assert result.rank_and_fund["value"].tolist() == [9, 11, 20]
    assert result.rank_and_fund["left_behind"].tolist() == [0, 6, 0]
    assert result.left_behind.value == 6
    assert result.left_behind.share == pytest.approx(6 / 17)
    assert result.proposed["value"] == 17 and result.proposed["selected"] == ("X001", "X002")


def test_a_higher_level_portfolio_that_fits_is_reused(knapsack_model):
    # Everything (17) fits a budget of 20, so level 2.0 reuses level 3.0's portfolio.
    model = knapsack_model(VALUES, WEIGHTS, BUDGET)
    seen = []
    result = frontier(model, levels=[1.0, 2.0, 3.0], gap=1e-6, on_point=seen.append)
    points = result.points.set_index("budget_scale")
    assert points["reused"].tolist() == [False, True, False]
    assert points.loc[2.0, "seconds"] == 0 and points.loc[2.0, "value"] == 28
    assert [p["budget_scale"] for p in seen] == [3.0, 2.0, 1.0]  # streamed, top down
    assert set(seen[0]) >= {"budget_scale", "value", "status", "gap", "selected", "seconds"}


def test_infeasible_levels_are_recorded_not_raised(knapsack_model):
    model = knapsack_model(VALUES, WEIGHTS, BUDGET, decisions={"X000": ("must", "Safety")})
    result = frontier(model, levels=[0.5, 0.55, 1.0], gap=1e-6)
    points = result.points.set_index("budget_scale")
    assert points["status"].tolist() == ["infeasible", "infeasible", "optimal"]
    assert points.loc[0.5, "reused"]  # known infeasible from 0.55 without a solve
    assert math.isnan(points.loc[0.5, "value"]) and pd.isna(points.loc[0.5, "n_selected"])
    ranked = result.rank_and_fund.set_index("budget_scale")
    assert not ranked.loc[0.5, "feasible"] and ranked.loc[0.5, "breaks"] == "budget:C00"
    assert points.loc[1.0, "value"] == 11  # X000 and X003


def test_frontier_with_a_start_window(knapsack_model):
    # At a budget of 5 per period X001 funds only by moving to C01; at 4 only X001 fits.
    weights, budget = [[5, 4], [0, 0], [0, 0]], [5, 5, 5]
    projects = knapsack_sheets([10, 9], weights, budget)["projects"]
    projects["earliest_start"] = ""
    projects["latest_start"] = ["", "C01"]
    model = knapsack_model([10, 9], weights, budget, projects=projects)
    result = frontier(model, levels=[0.8, 2.0], gap=1e-6)
    points = result.points.set_index("budget_scale")
    assert points["value"].tolist() == [9, 19, 19]
    assert points["cost"].tolist() == [4, 9, 9]
    assert result.selections[1.0] == ("X000", "X001")
    assert result.rank_and_fund.set_index("budget_scale").loc[1.0, "value"] == 19


def test_frontier_rejects_bad_levels(knapsack_model):
    model = knapsack_model(VALUES, WEIGHTS, BUDGET)
    with pytest.raises(seo.ValidationError, match="levels must be >= 2"):
        frontier(model, levels=1)
    with pytest.raises(seo.ValidationError, match="0 <= low < high"):
        frontier(model, scale=(1.5, 0.5))
    with pytest.raises(seo.ValidationError, match=r"found \[-1.0\]"):
        frontier(model, levels=[-1, 1])
    with pytest.raises(seo.UnknownChoiceError, match="Choose one of: CBC, HiGHS"):
        frontier(model, solver="gurobi")


def test_sample_frontier_shape(sample_model, sample_frontier):
    points = sample_frontier.points
    assert len(points) == 25 and 1.0 in set(points["budget_scale"])
    assert points["budget_scale"].is_monotonic_increasing
    assert points["value"].is_monotonic_increasing  # non-decreasing with the budget
    assert (points["status"] == "optimal").all()
    assert (points["gap"] <= 0.01 + 1e-9).all()
    # Every point's portfolio keeps every rule at its own budget.
    budget = sample_model.budget
    for scale, selected in sample_frontier.selections.items():
        scaled = sample_model.costs.loc[list(selected)].sum()
        assert (scaled <= budget * scale + 1e-6).all()
    assert check_portfolio(sample_model, sample_frontier.selections[1.0]) == []


def test_sample_frontier_matches_select_portfolio(sample_model, sample_frontier):
    values = sample_values(sample_model)
    exact = seo.select_portfolio(sample_model, values).value
    proposed = sample_frontier.proposed["value"]
    assert exact * (1 - 0.01) <= proposed <= exact + 1e-9
    # At a tight gap the frontier's points are select_portfolio's optima.
    tight = frontier(sample_model, values, levels=[0.8], gap=1e-6).points
    for scale, value in zip(tight["budget_scale"], tight["value"]):
        best = seo.select_portfolio(sample_model, values, budget_scale=scale).value
        assert value == pytest.approx(best, rel=1e-6)


def test_sample_rank_and_fund_never_beats_the_optimum(sample_frontier):
    ranked = sample_frontier.rank_and_fund
    feasible = ranked[ranked["feasible"]]
    assert len(feasible) > 0
    # An optimum found within a 1 % gap is at least 99 % of the true one.
    assert (feasible["value"] <= feasible["optimum"] / (1 - 0.01) + 1e-9).all()
    assert sample_frontier.left_behind.value > 0
    assert 0 < sample_frontier.left_behind.share < 1


def test_frontier_displays_itself(sample_frontier):
    page = sample_frontier._repr_html_()
    assert "behind" in page and "<table" in page and "rank_and_fund" in page
    assert sample_frontier.summary().startswith("At today's budget the best portfolio")
    frame = sample_frontier.to_frame()
    assert list(frame.columns[:3]) == ["budget_scale", "budget", "value"]


# -- scenarios ----------------------------------------------------------------------------------


def test_compare_scenarios(knapsack_model):
    model = knapsack_model(VALUES, WEIGHTS, BUDGET, decisions={"X000": ("must", "Safety")})
    runs = compare_scenarios(model, None, {"today": {}, "more": {"budget_scale": 1.5},
                                           "tight": {"budget_scale": 0.1}}, gap=1e-6)
    summary = runs.summary
    assert summary["status"].tolist() == ["optimal", "optimal", "infeasible"]
    assert summary.loc["today", "value"] == 11 and summary.loc["more", "value"] == 20
    assert summary.loc["more", "value_change"] == 9
    assert runs.funded.loc["X001"].tolist() == [False, True, False]
    assert runs.changes.loc["X001", "more"] == "enters"
    assert runs.changes["tight"].eq("").all() and "tight" in runs.errors
    assert runs.results["tight"] is None
    lines = runs.sentences()
    assert lines[0] == "more: value 20 (+9 vs today); X001 enter."
    assert lines[1].startswith("tight: no portfolio")
    page = runs._repr_html_()
    assert "#d9f0d3" in page and "<th>X001</th>" in page


def test_scenarios_can_drop_a_rule(knapsack_model):
    model = knapsack_model(VALUES, WEIGHTS, BUDGET, decisions={"X000": ("must", "Safety")})
    runs = compare_scenarios(model, None, {"as decided": {}, "no must": {"drop": ["must:X000"]}})
    assert runs.summary["value"].tolist() == [11, 17]
    assert runs.changes["no must"].to_dict() == {"X000": "leaves", "X001": "enters",
                                                 "X002": "enters", "X003": "leaves"}


def test_compare_scenarios_needs_one(knapsack_model):
    with pytest.raises(seo.ValidationError, match="at least one scenario"):
        compare_scenarios(knapsack_model(VALUES, WEIGHTS, BUDGET), None, {})


def test_frontier_prints_nothing(knapsack_model, capfd):
    frontier(knapsack_model(VALUES, WEIGHTS, BUDGET), levels=3)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_generated_frontier_points_are_feasible(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = generate_model(60, tmp_path, seed=4)
    result = frontier(model, levels=[0.7, 1.3])
    for scale, selected in result.selections.items():
        if not selected:
            continue
        problems = check_portfolio(model, selected)
        budget_only = [p for p in problems if p.startswith(("Budget", "Total budget"))]
        assert problems == budget_only  # only the scaled budgets differ from the workbook
        spend = model.costs.loc[list(selected)].sum()
        assert (spend <= model.budget * scale + 1e-6).all()


# -- levels side by side ------------------------------------------------------------------------


def test_levels_side_by_side_match_one_after_another(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = generate_model(60, tmp_path, seed=4)
    here = frontier(model, levels=6, gap=1e-6, workers=1)
    seen = []
    apart = frontier(model, levels=6, gap=1e-6, workers=2, on_point=seen.append)
    columns = ["budget_scale", "value", "cost", "n_selected", "status"]
    pd.testing.assert_frame_equal(here.points[columns], apart.points[columns])
    assert dict(here.selections) == dict(apart.selections)
    assert sorted(p["budget_scale"] for p in seen) == apart.points["budget_scale"].tolist()
    assert seen[0]["budget_scale"] in (1.5, apart.points["budget_scale"].iloc[-2])


def test_levels_on_any_executor(knapsack_model):
    # A one-thread pool stands in for any Executor (a Dask client's get_executor()).
    import concurrent.futures

    model = knapsack_model(VALUES, WEIGHTS, BUDGET)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        result = frontier(model, levels=[0.5, 1.5], gap=1e-6, executor=pool)
    assert result.points["value"].tolist() == [9, 17, 20]  # as test_frontier_by_hand


def test_a_broken_pool_finishes_here(knapsack_model):
    import concurrent.futures.process

    class Broken(concurrent.futures.Executor):
        def submit(self, fn, *args, **kwargs):
            raise concurrent.futures.process.BrokenProcessPool("a worker died")

    model = knapsack_model(VALUES, WEIGHTS, BUDGET)
    with pytest.warns(seo.WorkbenchWarning, match="solved in this process"):
        result = frontier(model, levels=[0.5, 1.5], gap=1e-6, executor=Broken())
    assert result.points["value"].tolist() == [9, 17, 20]


def test_workers_must_be_positive(knapsack_model):
    with pytest.raises(seo.ValidationError, match="workers must be >= 1"):
        frontier(knapsack_model(VALUES, WEIGHTS, BUDGET), workers=0)


def test_levels_solved_ahead_on_threads_match_one_after_another(sample_model):
    values = sample_values(sample_model)
    ahead = frontier(sample_model, values)  # small model: levels started ahead on threads
    here = frontier(sample_model, values, workers=1)
    columns = [c for c in here.points.columns if c != "seconds"]
    pd.testing.assert_frame_equal(ahead.points[columns], here.points[columns])
    pd.testing.assert_frame_equal(ahead.rank_and_fund, here.rank_and_fund)
    assert dict(ahead.selections) == dict(here.selections)

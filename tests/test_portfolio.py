"""Portfolio selection: known optima from OR-Library, brute force, and the rules it enforces."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, read_or_library

import seo_workbench as seo

MKNAP1 = read_or_library("mknap1.txt") if (REFERENCE / "mknap1.txt").exists() else []


@pytest.mark.skipif(not MKNAP1, reason="shared/reference/mknap1.txt not present")
@pytest.mark.parametrize("solver", ["HiGHS", "CBC"])
@pytest.mark.parametrize("index", range(7))
def test_or_library_mknap1_optimum(knapsack_model, index, solver):
    # Known optima published with OR-Library's mknap1 (Petersen's capital-budgeting problems).
    values, weights, capacities, optimum = MKNAP1[index]
    model = knapsack_model(values, weights, capacities)
    result = seo.select_portfolio(model, solver=solver)
    assert result.status == "optimal"
    assert result.value == pytest.approx(optimum)
    used = model.costs.loc[list(result.selected)].sum()
    assert (used <= model.budget + 1e-9).all()


def brute_force(values, weights, capacities):
    best = 0.0
    n = len(values)
    for bits in itertools.product((0, 1), repeat=n):
        x = np.array(bits)
        if all(np.dot(w, x) <= c for w, c in zip(weights, capacities)):
            best = max(best, float(np.dot(values, x)))
    return best


@pytest.mark.parametrize("seed", range(4))
def test_matches_brute_force_on_random_portfolios(knapsack_model, seed):
    rng = np.random.default_rng(seed)
    n, m = 11, 3
    values = rng.integers(1, 100, n).tolist()
    weights = rng.integers(1, 60, (m, n)).tolist()
    capacities = [int(sum(w) * 0.4) for w in weights]
    model = knapsack_model(values, weights, capacities)
    result = seo.select_portfolio(model)
    assert result.value == pytest.approx(brute_force(values, weights, capacities))


def test_must_and_must_not_are_honoured(knapsack_model):
    values, weights, caps = [10, 9, 1, 8], [[5, 5, 5, 5]], [10]
    decisions = {"X002": ("must", "Regulator requires it"), "X000": ("must_not", "Board veto")}
    model = knapsack_model(values, weights, caps, decisions=decisions)
    result = seo.select_portfolio(model)
    assert set(result.selected) == {"X001", "X002"}
    assert result.value == 10
    reasons = model.forced_decisions()["decision_reason"]
    assert reasons["X002"] == "Regulator requires it"


def test_infeasible_forced_decisions_are_explained(knapsack_model):
    decisions = {"X000": ("must", "a"), "X001": ("must", "b")}
    model = knapsack_model([1, 1, 1], [[6, 6, 1]], [10], decisions=decisions)
    with pytest.raises(seo.InfeasiblePortfolioError, match=r"in C00 the 'must' projects cost "
                       r"12 but the budget is 10"):
        seo.select_portfolio(model)


def test_negative_cost_funds_the_same_period(knapsack_model):
    # X001 sells an asset (-4) in the period, which pays for X000 beyond the budget of 5.
    with pytest.warns(seo.WorkbenchWarning, match="cash inflow of 4 for 'X001'"):
        model = knapsack_model([5, 1], [[9, -4]], [5])
    result = seo.select_portfolio(model)
    assert set(result.selected) == {"X000", "X001"}
    assert result.spend.loc["C00", "spend"] == 5


def test_dependencies_groups_and_counts(knapsack_model):
    values, weights, caps = [10, 1, 9, 8, 7], [[1, 1, 1, 1, 1]], [10]
    deps = pd.DataFrame({"project_id": ["X000", "X002"], "kind": ["requires", "excludes"],
                         "other_id": ["X001", "X003"]})
    groups = pd.DataFrame({"group": ["g", "g"], "project_id": ["X003", "X004"],
                           "max_selected": [1, 1]})
    model = knapsack_model(values, weights, caps, dependencies=deps, groups=groups)
    chosen = set(seo.select_portfolio(model).selected)
    assert {"X000", "X001"} <= chosen  # X000 requires X001
    assert not {"X002", "X003"} <= chosen  # exclusion
    assert len(chosen & {"X003", "X004"}) <= 1  # group
    assert chosen == {"X000", "X001", "X002", "X004"}


def test_ties_go_to_the_cheaper_portfolio(knapsack_model):
    model = knapsack_model([5, 5], [[3, 2]], [3])
    assert seo.select_portfolio(model).selected == ("X001",)


def test_sample_portfolio_respects_every_limit(sample_model):
    ranking = seo.score(sample_model.scores, sample_model.weights, sample_model.objectives)
    result = seo.select_portfolio(sample_model, ranking.scores)
    assert result.status == "optimal" and result.gap <= 1e-6
    assert (result.spend["spend"] <= result.spend["budget"] + 1e-6).all()
    assert (result.capacity["use"] <= result.capacity["capacity"] + 1e-6).all()
    assert result.spend["spend"].sum() <= sample_model.settings.total_budget
    assert len(result.selected) <= sample_model.settings.max_projects
    projects = sample_model.projects
    assert set(projects.index[projects["decision"] == "must"]) <= set(result.selected)
    assert not set(projects.index[projects["decision"] == "must_not"]) & set(result.selected)
    # The sample is meant to bind: the budget in most quarters and some capacity.
    assert (result.spend["slack"] < 0.05 * result.spend["budget"]).sum() >= 4
    assert (result.capacity["slack"] < 1e-6).any()
    # HiGHS and CBC agree on the optimum.
    other = seo.select_portfolio(sample_model, ranking.scores, solver="CBC")
    assert other.value == pytest.approx(result.value, rel=1e-6)


def test_later_start_ignores_sunk_periods(sample_model):
    ranking = seo.score(sample_model.scores, sample_model.weights, sample_model.objectives)
    result = seo.select_portfolio(sample_model, ranking.scores, start="2027Q3")
    assert result.periods == ("2027Q3", "2027Q4", "2028Q1", "2028Q2", "2028Q3", "2028Q4")
    assert list(result.spend.index) == list(result.periods)
    with pytest.raises(seo.ValidationError, match="Choose one of: 2027Q1"):
        seo.select_portfolio(sample_model, ranking.scores, start="2031Q1")


def test_unknown_solver_lists_the_choices(sample_model):
    with pytest.raises(seo.UnknownChoiceError, match="Choose one of: CBC, HiGHS"):
        seo.select_portfolio(sample_model, sample_model.projects["benefit"], solver="gurobi")


def test_solve_prints_nothing(sample_model, capfd):
    seo.select_portfolio(sample_model, sample_model.projects["benefit"])
    out, err = capfd.readouterr()
    assert out == "" and err == ""

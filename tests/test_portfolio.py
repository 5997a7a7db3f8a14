"""Portfolio selection: known optima from OR-Library, brute force, and the rules it enforces."""

from __future__ import annotations

import itertools
import os
import warnings
from dataclasses import replace
from types import MappingProxyType

import numpy as np
import pandas as pd
import pulp
import pytest
from conftest import REFERENCE, knapsack_sheets, read_or_library, write_csv_workbook
from feasibility import check_portfolio

import seo_workbench as seo
from seo_workbench import infeasibility

MKNAP1 = read_or_library("mknap1.txt") if (REFERENCE / "mknap1.txt").exists() else []
MKNAPCB1 = read_or_library("mknapcb1.txt") if (REFERENCE / "mknapcb1.txt").exists() else []


@pytest.fixture
def workbook(tmp_path):
    """Build a model from knapsack data plus extra project columns, settings and sheets."""
    counter = itertools.count()

    def build(values, weights, capacities, *, decisions=None, columns=None, settings=None,
              **sheets) -> seo.PortfolioModel:
        tables = knapsack_sheets(values, weights, capacities, decisions=decisions)
        for column, cells in (columns or {}).items():
            tables["projects"][column] = cells
        extra = pd.DataFrame(list((settings or {}).items()), columns=["key", "value"])
        tables["settings"] = pd.concat([tables["settings"].astype(object), extra])
        tables.update(sheets)
        folder = write_csv_workbook(tmp_path / f"wb{next(counter)}", tables)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", seo.WorkbenchWarning)
            return seo.read_workbook(folder)

    return build


@pytest.fixture(scope="module")
def sample(sample_model):
    """The bundled sample and its weighted-sum scores."""
    scores = seo.score(sample_model.scores, sample_model.weights, sample_model.objectives)
    return sample_model, scores.scores


def groups_of(error) -> set[str]:
    return {c.group for c in error.value.conflicts}


# -- known optima -------------------------------------------------------------------------------


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
    assert result.gap == 0 and result.bound == pytest.approx(optimum)
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


def best_by_enumeration(model, values) -> float | None:
    """The best value over every subset that keeps every rule, written from the sheets alone.

    All 2**n portfolios at once, as rows of a 0/1 matrix; None when none keeps every rule.
    """
    projects, periods = model.projects, list(model.periods)
    ids = list(projects.index)
    n = len(ids)
    X = np.array(list(itertools.product((0, 1), repeat=n)), dtype=float)
    costs = model.costs[periods].to_numpy(float)
    ok = (X @ costs <= model.budget[periods].to_numpy(float) + 1e-9).all(axis=1)
    spend = X @ costs.sum(axis=1)
    s = model.settings
    if s.total_budget is not None:
        ok &= spend <= s.total_budget + 1e-9
    count = X.sum(axis=1)
    ok &= count >= (s.min_projects or 0)
    ok &= count <= (s.max_projects if s.max_projects is not None else n)
    col = {p: X[:, j] for j, p in enumerate(ids)}
    for p, d in projects["decision"].items():
        ok &= (col[p] == 1) if d == "must" else (col[p] == 0) if d == "must_not" else True
    demand, capacity = model.table("demand"), model.table("capacity")
    for pool, period, amount in capacity.itertuples(index=False):
        rows = demand[(demand["pool"] == pool) & (demand["period"] == period)]
        use = sum(a * col[p] for p, a in zip(rows["project_id"], rows["amount"]))
        ok &= np.asarray(use) <= amount + 1e-9
    for a, kind, b in model.table("dependencies").itertuples(index=False):
        ok &= {"requires": col[a] <= col[b], "excludes": col[a] + col[b] <= 1,
               "with": col[a] == col[b]}[kind]
    for _, rows in model.table("groups").groupby("group"):
        ok &= sum(col[p] for p in rows["project_id"]) <= rows["max_selected"].iloc[0]
    total = costs.sum(axis=1)
    for theme, limits in model.table("themes").iterrows():
        mine = X @ (total * (projects["theme"] == theme).to_numpy())
        for column, bound in (("min_share", mine >= limits["min_share"] * spend - 1e-9),
                              ("max_share", mine <= limits["max_share"] * spend + 1e-9),
                              ("min_spend", mine >= limits["min_spend"] - 1e-9),
                              ("max_spend", mine <= limits["max_spend"] + 1e-9)):
            if not pd.isna(limits[column]):
                ok &= bound
    if not ok.any():
        return None
    return float((X @ np.asarray(values, dtype=float))[ok].max())


def random_rules(rng, n: int) -> dict:
    """Sheets with one or more rules of every kind, over n projects and two periods."""
    ids = [f"X{j:03d}" for j in range(n)]
    pick = lambda k: list(rng.choice(ids, k, replace=False))  # noqa: E731
    a, b, c, d, e, f, g, h = pick(8)
    dependencies = pd.DataFrame({"project_id": [a, c, e], "kind": ["requires", "excludes",
                                                                  "with"],
                                 "other_id": [b, d, f]})
    groups = pd.DataFrame({"group": ["G", "G", "G"], "project_id": pick(3),
                           "max_selected": [2, 2, 2]})
    capacity = pd.DataFrame({"pool": ["Data", "Data"], "period": ["C00", "C01"],
                             "amount": [30, 25]})
    demand = pd.DataFrame({"project_id": ids, "pool": "Data", "period": "C00",
                           "amount": rng.integers(0, 12, n)})
    themes = pd.DataFrame({"theme": ["T", "U"], "min_share": [0.2, None],
                           "max_share": [0.9, 0.7], "min_spend": [None, 10.0],
                           "max_spend": [None, None]})
    return {"decisions": {g: ("must", "Regulator"), h: ("must_not", "Veto")},
            "columns": {"theme": ["T" if j % 3 else "U" for j in range(n)],
                        "status": ["in_flight" if j == 1 else "proposed" for j in range(n)]},
            "settings": {"total_budget": 110, "min_projects": 3, "max_projects": 7},
            "dependencies": dependencies, "groups": groups, "capacity": capacity,
            "demand": demand, "themes": themes}


@pytest.mark.parametrize("seed", range(6))
def test_every_rule_kind_matches_brute_force(workbook, seed):
    rng = np.random.default_rng(100 + seed)
    n = 11
    values = rng.integers(1, 60, n).tolist()
    weights = rng.integers(-3, 25, (2, n)).tolist()  # a few negative costs: cash inflows
    model = workbook(values, weights, [70, 60], **random_rules(rng, n))
    best = best_by_enumeration(model, values)
    if best is None:
        with pytest.raises(seo.InfeasiblePortfolioError):
            seo.select_portfolio(model)
        return
    result = seo.select_portfolio(model)
    assert result.value == pytest.approx(best)
    assert not check_portfolio(model, result.selected)
    kinds = set(result.constraint_groups["kind"])
    assert kinds == {"budget", "total_budget", "capacity", "min_projects", "max_projects",
                     "must", "must_not", "requires", "excludes", "with", "group",
                     "theme_min_share", "theme_max_share", "theme_min_spend"}


def test_must_and_must_not_are_honoured(knapsack_model):
    values, weights, caps = [10, 9, 1, 8], [[5, 5, 5, 5]], [10]
    decisions = {"X002": ("must", "Regulator requires it"), "X000": ("must_not", "Board veto")}
    model = knapsack_model(values, weights, caps, decisions=decisions)
    result = seo.select_portfolio(model)
    assert set(result.selected) == {"X001", "X002"}
    assert result.value == 10
    reasons = model.forced_decisions()["decision_reason"]
    assert reasons["X002"] == "Regulator requires it"


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


@pytest.mark.parametrize("solver", ["HiGHS", "CBC"])
def test_ties_go_to_the_cheaper_portfolio(knapsack_model, solver):
    model = knapsack_model([5, 5], [[3, 2]], [3])
    assert seo.select_portfolio(model, solver=solver).selected == ("X001",)
    # X000 alone and the pair X001, X002 are both worth 5; the pair costs 3, not 4.
    model = knapsack_model([5, 3, 2], [[4, 2, 1]], [4])
    result = seo.select_portfolio(model, solver=solver)
    assert set(result.selected) == {"X001", "X002"} and result.cost == 3


# -- start windows, variants, in-flight projects ------------------------------------------------


def test_start_window_moves_the_profile(workbook):
    # X000 spends 5, 5 from C00; the must X001 fills C00 and C01, so X000 starts in C02.
    weights = [[5, 8], [5, 8], [0, 0], [0, 0]]
    columns = {"earliest_start": ["C00", ""], "latest_start": ["C02", ""]}
    model = workbook([10, 1], weights, [10, 10, 10, 10], columns=columns,
                     decisions={"X001": ("must", "Contract")})
    result = seo.select_portfolio(model)
    assert set(result.selected) == {"X000", "X001"}
    assert result.starts.to_dict() == {"X000": "C02", "X001": "C00"}
    assert result.spend["spend"].tolist() == [8, 8, 5, 5]
    assert result.projects.loc["X000", "start"] == "C02"
    assert not check_portfolio(model, result.selected, result.starts)
    # Without the window the project cannot be funded at all.
    plain = workbook([10, 1], weights, [10, 10, 10, 10], decisions={"X001": ("must", "C")})
    assert seo.select_portfolio(plain).selected == ("X001",)


def test_start_window_moves_demand_and_stays_in_the_horizon(workbook):
    # X000 (two periods) may start C00..C02; capacity is only free in C02 and C03.
    capacity = pd.DataFrame({"pool": "Data", "period": ["C00", "C01", "C02", "C03"],
                             "amount": [0, 0, 10, 10]})
    demand = pd.DataFrame({"project_id": ["X000", "X000"], "pool": "Data",
                           "period": ["C00", "C01"], "amount": [4, 4]})
    columns = {"earliest_start": ["C00"], "latest_start": ["C02"]}
    model = workbook([3], [[1], [1], [0], [0]], [5, 5, 5, 5], columns=columns,
                     capacity=capacity, demand=demand)
    result = seo.select_portfolio(model)
    assert result.starts["X000"] == "C02"
    assert result.capacity.set_index("period")["use"].tolist() == [0, 0, 4, 4]
    # From a later review quarter the window still applies within the horizon.
    later = seo.select_portfolio(model, start="C01")
    assert later.starts["X000"] == "C02" and later.periods == ("C01", "C02", "C03")


def test_variants_fund_at_most_one_of_a_family(workbook):
    # X001 and X002 are cheaper variants of X000; the budget would fit two of them.
    columns = {"variant_of": ["", "X000", "X000", ""]}
    model = workbook([10, 8, 6, 1], [[6, 4, 3, 1]], [10], columns=columns)
    result = seo.select_portfolio(model)
    assert set(result.selected) == {"X000", "X003"}
    assert "variants:X000" in set(result.constraint_groups["group"])
    freed = seo.select_portfolio(model, drop=["variants:X000"])
    assert set(freed.selected) == {"X000", "X001"}


def test_in_flight_projects_continue_or_stop(workbook):
    # X001 is running; what remains of it costs 6 for little value, so it stops unless 'must'.
    columns = {"status": ["proposed", "in_flight", "in_flight"]}
    model = workbook([9, 2, 3], [[6, 6, 1]], [8], columns=columns)
    result = seo.select_portfolio(model)
    assert set(result.selected) == {"X000", "X002"}
    continues = result.projects["continues"]
    assert continues["X001"] == False and continues["X002"] == True  # noqa: E712
    assert pd.isna(continues["X000"])
    kept = workbook([9, 2, 3], [[6, 6, 1]], [8], columns=columns,
                    decisions={"X001": ("must", "Contract signed")})
    assert seo.select_portfolio(kept).projects.loc["X001", "continues"] == True  # noqa: E712


# -- results: groups, constraints, duals, files -------------------------------------------------


def test_constraint_groups_and_drop(workbook):
    deps = pd.DataFrame({"project_id": ["X000"], "kind": ["requires"], "other_id": ["X001"]})
    model = workbook([10, 1, 6], [[4, 4, 4]], [8], dependencies=deps,
                     decisions={"X002": ("must", "Law")})
    result = seo.select_portfolio(model)
    table = result.constraint_groups.set_index("group")
    assert list(table.index) == ["budget:C00", "must:X002", "requires:X000:X001"]
    assert table.loc["requires:X000:X001", "description"] == "X000 requires X001"
    assert set(result.selected) == {"X001", "X002"}
    assert result.value == 7  # X002 (must) with X001; X000 needs X001 and the budget is full
    assert seo.select_portfolio(model, drop=["requires:X000:X001"]).value == 16
    assert seo.select_portfolio(model, drop=["must:X002", "requires:X000:X001"]).value == 16
    dropped = seo.select_portfolio(model, drop=["budget:C00"])
    assert dropped.value == 17
    assert dropped.constraint_groups.set_index("group").loc["budget:C00", "dropped"]
    assert "budget_C00" not in dropped.constraints["name"].tolist()
    with pytest.raises(seo.ValidationError, match="budget:C01.*Choose from: budget:C00, "
                       "must:X002, requires:X000:X001"):
        seo.select_portfolio(model, drop=["budget:C01"])


def test_constraints_table_says_which_bind(sample):
    result = seo.select_portfolio(*sample)
    table = result.constraints
    assert {"name", "kind", "group", "period", "pool", "lhs", "rhs", "slack", "binding",
            "dual"} <= set(table.columns)
    groups = result.constraint_groups
    assert set(table["group"]) == set(groups.loc[groups["constraints"] > 0, "group"])
    budget = table[table["kind"] == "budget"].set_index("period")
    assert (budget["slack"] - result.spend["slack"]).abs().max() < 1e-6
    assert (budget["binding"] == (result.spend["slack"].abs() < 1e-6)).all()
    must = table[table["kind"] == "must"]
    assert must["binding"].all()


def test_duals_are_indicative_lp_prices(workbook, sample):
    # LP relaxation: all of X000 (3), half of X001 (2) and, for the count of two, half of the
    # free X002 (-1). One more unit of budget buys the other half of X001 (+2) and lets X002
    # go (+1): a price of 3. One more project required costs X002's value: -1.
    model = workbook([3, 2, -1], [[1, 1, 0]], [1.5], settings={"min_projects": 2})
    result = seo.select_portfolio(model)
    duals = result.duals.set_index("group")
    assert set(duals["basis"]) == {"indicative: LP relaxation"}
    assert duals.loc["budget:C00", "dual"] == pytest.approx(3.0)
    assert duals.loc["min_projects", "dual"] == pytest.approx(-1.0)
    # Signs on the sample: limits have prices >= 0, minimums <= 0.
    prices = seo.select_portfolio(*sample).duals
    at_most = prices["kind"].isin(["budget", "total_budget", "capacity", "max_projects",
                                   "theme_max_share", "theme_max_spend"])
    assert (prices.loc[at_most, "dual"] >= -1e-9).all()
    assert (prices.loc[~at_most, "dual"] <= 1e-9).all()


def test_lp_and_mps_files_round_trip(sample, tmp_path):
    result = seo.select_portfolio(*sample)
    text = result.write_lp(tmp_path / "portfolio.lp").read_text()
    for name in ("budget_2027Q1:", "capacity_Data_engineering_2027Q3:", "must_P11:",
                 "requires_P08_P02:", "theme_min_spend_Net_zero:"):
        assert name in text
    path = result.write_mps(tmp_path / "portfolio.mps")
    _, problem = pulp.LpProblem.fromMPS(str(path), sense=pulp.LpMaximize)
    assert {c.name for c in problem.constraints()} == set(result.constraints["name"])
    problem.solve(pulp.HiGHS(msg=False))
    assert pulp.value(problem.objective) == pytest.approx(result.value)


# -- the certified gap --------------------------------------------------------------------------


@pytest.mark.skipif(not MKNAPCB1, reason="shared/reference/mknapcb1.txt not present")
@pytest.mark.parametrize("solver", ["HiGHS", "CBC"])
def test_gap_is_certified_when_the_time_runs_out(knapsack_model, solver):
    # Chu-Beasley instance 4 (100 projects, 5 periods) takes seconds to prove; stop early.
    values, weights, capacities, _ = MKNAPCB1[3]
    model = knapsack_model(values, weights, capacities)
    result = seo.select_portfolio(model, solver=solver, time_limit=0.3)
    assert result.status == "time_limited"
    assert result.bound > result.value
    assert result.gap == pytest.approx((result.bound - result.value) / result.value)
    assert 0 < result.gap < 0.05
    loose = seo.select_portfolio(model, solver=solver, gap=0.02)
    # CBC measures its gap against the bound, we against the value: a hair more here.
    assert loose.status == "optimal" and loose.gap <= 0.02 * 1.03
    assert loose.bound >= loose.value and (loose.gap > 0) == (loose.bound > loose.value)


# -- no portfolio fits: the conflicts -----------------------------------------------------------


def test_infeasible_forced_decisions_are_explained(knapsack_model):
    decisions = {"X000": ("must", "a"), "X001": ("must", "b")}
    model = knapsack_model([1, 1, 1], [[6, 6, 1]], [10], decisions=decisions)
    with pytest.raises(seo.InfeasiblePortfolioError, match=r"in C00 the 'must' projects cost "
                       r"12 but the budget is 10") as error:
        seo.select_portfolio(model)
    assert groups_of(error) == {"budget:C00", "must:X000", "must:X001"}
    assert "Raise that budget or release one of them" in str(error.value)
    conflict = error.value.conflicts[0]
    assert isinstance(conflict, infeasibility.Conflict) and conflict.conflict == 1
    assert {c.kind for c in error.value.conflicts} == {"budget", "must"}
    assert len(error.value.sentences) == 1


def test_must_against_capacity(workbook):
    capacity = pd.DataFrame({"pool": ["Data"], "period": ["C00"], "amount": [10]})
    demand = pd.DataFrame({"project_id": ["X000", "X001", "X002"], "pool": "Data",
                           "period": "C00", "amount": [6, 6, 1]})
    decisions = {"X000": ("must", "Safety"), "X001": ("must", "Law"), "X002": ("must", "Law")}
    model = workbook([1, 1, 1], [[1, 1, 1]], [100], decisions=decisions, capacity=capacity,
                     demand=demand)
    with pytest.raises(seo.InfeasiblePortfolioError, match="need 12 of Data but its capacity "
                       "is 10") as error:
        seo.select_portfolio(model)
    assert groups_of(error) == {"capacity:Data:C00", "must:X000", "must:X001"}


def test_min_projects_against_ruled_out_projects(workbook):
    decisions = {"X000": ("must_not", "Veto"), "X001": ("must_not", "Duplicate")}
    model = workbook([1, 1, 1, 1], [[1, 1, 1, 1]], [10], decisions=decisions,
                     settings={"min_projects": 3})
    with pytest.raises(seo.InfeasiblePortfolioError, match="min_projects asks for at least 3 "
                       "funded projects, but with X000 and X001 ruled out") as error:
        seo.select_portfolio(model)
    assert groups_of(error) == {"min_projects", "must_not:X000", "must_not:X001"}


def test_theme_minimum_share_against_the_budget(workbook):
    # The must X000 (theme A) spends 6; theme B must take half of all spend, which needs
    # both B projects (10) and so 16 in all, but the budget is 10.
    themes = pd.DataFrame({"theme": ["A", "B"], "min_share": [None, 0.5],
                           "max_share": [None, None], "min_spend": [None, None],
                           "max_spend": [None, None]})
    model = workbook([1, 1, 1], [[6, 5, 5]], [10], columns={"theme": ["A", "B", "B"]},
                     decisions={"X000": ("must", "Contract")}, themes=themes)
    with pytest.raises(seo.InfeasiblePortfolioError, match="cannot all hold together") as error:
        seo.select_portfolio(model)
    assert groups_of(error) == {"must:X000", "theme_min_share:B", "budget:C00"}
    message = str(error.value)
    assert "theme B takes at least 50% of spend" in message and "release X000" in message


def test_requires_chain_into_a_ruled_out_project(workbook):
    # The validator rejects a 'must' whose requires-chain ends in a 'must_not', so the
    # decision is changed after reading, as a what-if would.
    deps = pd.DataFrame({"project_id": ["X000", "X001"], "kind": ["requires", "requires"],
                         "other_id": ["X001", "X002"]})
    model = workbook([5, 1, 1, 1], [[1, 1, 1, 1]], [10], dependencies=deps,
                     decisions={"X002": ("must_not", "Vendor withdrawn")})
    projects = model.projects
    projects.loc["X000", ["decision", "decision_reason"]] = ["must", "Board pledge"]
    model = replace(model, tables=MappingProxyType({**model.tables, "projects": projects}))
    with pytest.raises(seo.InfeasiblePortfolioError) as error:
        seo.select_portfolio(model)
    assert groups_of(error) == {"must:X000", "requires:X000:X001", "requires:X001:X002",
                                "must_not:X002"}
    assert str(error.value) == (
        "No feasible portfolio: X000 is 'must' (Board pledge) and requires X001, which "
        "requires X002; but X002 is 'must_not' (Vendor withdrawn). Release X000, allow X002, "
        "or remove one of the links.")


def test_two_separate_conflicts_are_both_reported(workbook):
    decisions = {"X000": ("must", "a"), "X001": ("must", "b"), "X002": ("must_not", "c"),
                 "X003": ("must_not", "d")}
    model = workbook([1, 1, 1, 1, 1], [[6, 6, 0, 0, 0]], [10], decisions=decisions,
                     settings={"min_projects": 4})
    with pytest.raises(seo.InfeasiblePortfolioError, match=r"\(1\) .*\(2\) ") as error:
        seo.select_portfolio(model)
    sets = {}
    for c in error.value.conflicts:
        sets.setdefault(c.conflict, set()).add(c.group)
    assert sorted(map(sorted, sets.values())) == [
        ["budget:C00", "must:X000", "must:X001"],
        ["min_projects", "must_not:X002", "must_not:X003"]]
    assert len(error.value.sentences) == 2


def test_dropping_a_conflicting_rule_restores_a_portfolio(knapsack_model):
    decisions = {"X000": ("must", "a"), "X001": ("must", "b")}
    model = knapsack_model([1, 1, 1], [[6, 6, 1]], [10], decisions=decisions)
    assert seo.select_portfolio(model, drop=["must:X001"]).selected == ("X000", "X002")


def test_deletion_filter_finds_an_irreducible_set():
    # Rules on one integer v: the filter keeps only the clashing pair, whatever the order.
    rules = {"a": lambda v: v >= 5, "b": lambda v: v <= 9, "c": lambda v: v <= 3,
             "d": lambda v: v % 2 == 0}
    feasible = lambda active: any(all(rules[g](v) for g in active)  # noqa: E731
                                  for v in range(20))
    (conflict,) = infeasibility.find_conflicts(list(rules), feasible)
    assert {c.group for c in conflict} == {"a", "c"} and all(c.minimal for c in conflict)


# -- other behaviour ----------------------------------------------------------------------------


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
    assert not check_portfolio(sample_model, result.selected, result.starts)
    # The sample is meant to bind: the budget in most quarters and some capacity.
    assert (result.spend["slack"] < 0.05 * result.spend["budget"]).sum() >= 4
    assert (result.capacity["slack"] < 1e-6).any()
    # HiGHS and CBC agree on the optimum.
    other = seo.select_portfolio(sample_model, ranking.scores, solver="CBC")
    assert other.value == pytest.approx(result.value, rel=1e-6)


def test_generated_portfolio_with_windows_and_variants_is_feasible(tmp_path):
    from generate import generate_model

    model = generate_model(150, tmp_path, seed=4, variants=0.05, windows=0.1)
    result = seo.select_portfolio(model, gap=1e-4)
    assert not check_portfolio(model, result.selected, result.starts)
    assert result.constraint_groups["kind"].str.startswith("variants").any()


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


@pytest.mark.parametrize("solver", ["HiGHS", "CBC"])
def test_solve_prints_nothing(sample, knapsack_model, capfd, solver):
    seo.select_portfolio(*sample, solver=solver)
    model = knapsack_model([1, 1], [[6, 6]], [10], decisions={"X000": ("must", "a"),
                                                               "X001": ("must", "b")})
    with pytest.raises(seo.InfeasiblePortfolioError):
        seo.select_portfolio(model, solver=solver)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_small_models_solve_on_a_one_thread_helper_with_the_same_portfolio(sample_model,
                                                                            monkeypatch):
    from seo_workbench import portfolio as pf

    values = sample_model.project_values(seo.score(sample_model.scores, sample_model.weights,
                                                   sample_model.objectives))
    on_helper = seo.select_portfolio(sample_model, values, start="2027Q1")
    helper = pf._helper()
    assert helper is pf._helper()  # one helper per process, reused
    monkeypatch.setattr(pf, "_ONE_THREAD_BELOW", 0)  # every model solved in this thread
    here = seo.select_portfolio(sample_model, values, start="2027Q1")
    assert on_helper.selected == here.selected
    pd.testing.assert_frame_equal(on_helper.projects, here.projects)
    assert on_helper.value == here.value and on_helper.bound == here.bound


def test_portfolios_of_a_hundred_projects_and_more_solve_on_the_callers_threads(
        tmp_path, monkeypatch, sample_model):
    # From about 100 projects on, HiGHS' second thread shortens the solve (measured in
    # portfolio.py beside _ONE_THREAD_BELOW); only smaller models go to the one-thread helper.
    from generate import PERFORMANCE, generate_model

    from seo_workbench import portfolio as pf

    handed = []
    helper = pf._helper

    def spy():
        handed.append(True)
        return helper()

    monkeypatch.setattr(pf, "_helper", spy)
    model = generate_model(100, tmp_path, seed=2, **PERFORMANCE)
    result = seo.select_portfolio(model, gap=1e-3)
    assert result.status == "optimal" and result.gap <= 1e-3
    assert check_portfolio(model, result.selected) == []
    assert handed == []
    values = sample_model.project_values(seo.score(sample_model.scores, sample_model.weights,
                                                   sample_model.objectives))
    seo.select_portfolio(sample_model, values)  # 48 projects: on the helper
    assert handed


def test_quiet_restores_the_output_when_threads_overlap(capfd):
    import threading

    from seo_workbench.portfolio import _quiet

    inside, leave = threading.Event(), threading.Event()

    def hold():
        with _quiet():
            inside.set()
            leave.wait(5)

    other = threading.Thread(target=hold)
    other.start()
    inside.wait(5)
    with _quiet():
        leave.set()  # the other thread leaves first: the output must stay quiet until we do
        other.join(5)
        os.write(1, b"hidden\n")  # written at C level, as HiGHS writes
    os.write(1, b"shown\n")
    out = capfd.readouterr().out
    assert "shown" in out and "hidden" not in out


def test_an_interrupted_solve_ends_like_one_out_of_time(sample_model):
    import threading

    from seo_workbench.portfolio import interrupted_by

    values = sample_model.project_values(seo.score(sample_model.scores, sample_model.weights,
                                                   sample_model.objectives))
    proven = seo.select_portfolio(sample_model, values)
    stop = threading.Event()
    with interrupted_by(stop):  # not set: no effect
        same = seo.select_portfolio(sample_model, values)
    assert same.status == "optimal" and same.selected == proven.selected
    stop.set()  # set before the start: interrupted before HiGHS has any portfolio
    with interrupted_by(stop), pytest.raises(seo.InfeasiblePortfolioError,
                                             match="without a portfolio"):
        seo.select_portfolio(sample_model, values)
    after = seo.select_portfolio(sample_model, values)  # the flag goes with the block
    assert after.status == "optimal" and after.selected == proven.selected

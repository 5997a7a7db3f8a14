"""Decision prices and why each project is in or out: hand-worked cases and the sample."""

from __future__ import annotations

import time
import warnings

import pandas as pd
import pytest
from conftest import knapsack_sheets
from generate import generate_model

import seo_workbench as seo
from seo_workbench.decisions import decision_prices, explain_selection

# Three projects of cost 5 and one budget of 10: two fit. Unconstrained the best pair is
# X000 + X001 (19); each rule below forces a worse pair, and its price is the difference.
VALUES, WEIGHTS, BUDGET = [10, 9, 8], [[5, 5, 5]], [10]


def price(table, group):
    return table.set_index("group").loc[group]


def test_a_must_that_forces_a_worse_pair(knapsack_model):
    model = knapsack_model(VALUES, WEIGHTS, BUDGET, decisions={"X002": ("must", "Regulator")})
    table = decision_prices(model)
    row = price(table, "must:X002")
    assert row["value_lost"] == pytest.approx(1)  # 19 - 18
    assert row["enters"] == ("X001",) and row["leaves"] == ("X002",)
    assert row["relaxation"] == "dropped" and row["gap"] == pytest.approx(0, abs=1e-6)
    assert row["sentence"] == ("Funding X002 (must: Regulator) costs 1 of value: without it, "
                               "X001 would be funded.")


def test_a_must_the_optimum_funds_anyway_costs_nothing(knapsack_model):
    model = knapsack_model(VALUES, WEIGHTS, BUDGET, decisions={"X000": ("must", "Safety")})
    row = price(decision_prices(model), "must:X000")
    assert row["value_lost"] == 0 and row["enters"] == () and row["leaves"] == ()
    assert row["sentence"] == ("Funding X000 (must: Safety) costs nothing: the portfolio "
                               "would fund it anyway.")


def test_must_not(knapsack_model):
    model = knapsack_model(VALUES, WEIGHTS, BUDGET, decisions={"X000": ("must_not", "Veto")})
    row = price(decision_prices(model), "must_not:X000")
    assert row["value_lost"] == pytest.approx(2)  # 19 - 17
    assert row["sentence"] == ("Keeping X000 (must_not: Veto) out costs 2 of value: allowed, "
                               "X000 would be funded and X002 would not.")


def test_requires_excludes_and_groups(knapsack_model):
    deps = pd.DataFrame({"project_id": ["X000"], "kind": ["requires"], "other_id": ["X001"]})
    model = knapsack_model([10, 1, 9], WEIGHTS, BUDGET, dependencies=deps)
    row = price(decision_prices(model), "requires:X000:X001")
    assert row["value_lost"] == pytest.approx(8)  # X000 + X002 (19) against X000 + X001 (11)
    assert row["enters"] == ("X002",) and row["leaves"] == ("X001",)
    assert row["sentence"].startswith("X000 requires X001 costs 8 of value: without it, X002 "
                                      "would be funded and X001 would not.")

    deps = pd.DataFrame({"project_id": ["X000"], "kind": ["excludes"], "other_id": ["X001"]})
    model = knapsack_model(VALUES, WEIGHTS, BUDGET, dependencies=deps)
    assert price(decision_prices(model), "excludes:X000:X001")["value_lost"] == pytest.approx(1)

    groups = pd.DataFrame({"group": ["pair", "pair"], "project_id": ["X000", "X001"],
                           "max_selected": [1, 1]})
    model = knapsack_model(VALUES, WEIGHTS, BUDGET, groups=groups)
    row = price(decision_prices(model), "group:pair")
    assert row["value_lost"] == pytest.approx(1)
    assert row["rule"] == "at most 1 of group pair"


def test_a_theme_share(knapsack_model):
    # Theme A (X000, X001) may take at most 60 % of spend: A + A is out, so X000 + X002.
    projects = knapsack_sheets(VALUES, WEIGHTS, BUDGET)["projects"]
    projects["theme"] = ["A", "A", "B"]
    themes = pd.DataFrame({"theme": ["A", "B"], "min_share": ["", ""],
                           "max_share": [0.6, ""], "min_spend": ["", ""], "max_spend": ["", ""]})
    model = knapsack_model(VALUES, WEIGHTS, BUDGET, projects=projects, themes=themes)
    row = price(decision_prices(model), "theme_max_share:A")
    assert row["value_lost"] == pytest.approx(1)
    assert row["sentence"].startswith("The maximum share of A (60%) costs 1 of value")
    why = explain_selection(model, None, seo.select_portfolio(model))["reasons"]
    assert "theme A at its maximum share" in why["X001"]
    assert "theme B needs it for its minimum share" not in why["X002"]  # B has no minimum


def test_budgets_are_priced_by_their_duals_or_relaxed(knapsack_model):
    model = knapsack_model(VALUES, WEIGHTS, BUDGET)
    row = price(decision_prices(model), "budget:C00")
    assert row["relaxation"] == "LP dual" and pd.isna(row["value_lost"])
    assert row["dual"] > 0 and row["binding"]
    assert "LP dual, indicative" in row["sentence"]
    row = price(decision_prices(model, relax=0.5), "budget:C00")
    assert row["value_lost"] == pytest.approx(8)  # a budget of 15 funds all three
    assert row["enters"] == ("X002",)
    assert row["sentence"] == ("50% more budget in C00 (+5 EUR) would add 8 of value: X002 "
                               "would be funded.")


def test_group_testing_matches_one_solve_per_rule(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = generate_model(40, tmp_path, seed=5, excludes=0.1, together=0.05)
    base = seo.select_portfolio(model)
    table = decision_prices(model, result=base)
    priced = table[table["relaxation"] == "dropped"]
    assert len(priced) >= 10 and table.attrs["solves"] < len(priced)
    for group, lost in zip(priced["group"], priced["value_lost"]):
        alone = seo.select_portfolio(model, drop=[group]).value - base.value
        assert lost == pytest.approx(max(alone, 0.0), abs=1e-6), group


def test_sample_prices(sample_model):
    values = sample_model.project_values(
        seo.score(sample_model.scores, sample_model.weights, sample_model.objectives))
    result = seo.select_portfolio(sample_model, values)
    started = time.perf_counter()
    table = decision_prices(sample_model, values, result)
    seconds = time.perf_counter() - started
    assert seconds < 20  # about 2-4 s on the 2-core reference machine
    lost = table["value_lost"].dropna()
    assert (lost >= -1e-9).all() and (table["gap"].dropna() >= 0).all()
    assert lost.is_monotonic_decreasing
    rows = table.set_index("group")
    assert rows.loc["must:P11", "value_lost"] == 0  # the optimum funds P11 anyway
    assert rows.loc["must:P11", "sentence"].startswith("Funding P11 (must: Safety regulator")
    kinds = set(table["kind"])
    assert {"must", "must_not", "requires", "excludes", "with", "group", "budget",
            "capacity", "max_projects"} <= kinds
    assert (table.loc[table["kind"] == "budget", "relaxation"] == "LP dual").all()
    assert table["sentence"].str.len().gt(0).all()


# -- why in, why out ----------------------------------------------------------------------------


def reasons(model, **options):
    result = seo.select_portfolio(model, **options)
    return explain_selection(model, None, result)


def test_the_cut_line_by_hand(knapsack_model):
    # Optimum X001 + X002 (ratios 1.8 and 1.6) fills the budget of 10.
    table = reasons(knapsack_model([10, 9, 8, 1], [[6, 5, 5, 1]], [10]))
    assert table.attrs["cut_line"] == pytest.approx(1.6)
    assert table["position"].tolist() == ["above", "above", "on", "below"]
    assert table.loc["X000", "reasons"] == "budget binds in C00; above the cut line"
    assert table.loc["X001", "reasons"] == "above the cut line"
    assert table.loc["X002", "reasons"] == "on the cut line"
    assert table.loc["X003", "reasons"] == "budget binds in C00; below the cut line"
    assert table["value_per_cost"].tolist() == pytest.approx([10 / 6, 1.8, 1.6, 1.0])


def test_forced_decisions_explain_themselves(knapsack_model):
    decisions = {"X002": ("must", "Regulator requires it"), "X000": ("must_not", "Board veto")}
    table = reasons(knapsack_model([10, 9, 1, 8], [[5, 5, 5, 5]], [10], decisions=decisions))
    assert table.loc["X002", "reasons"] == "must: Regulator requires it"
    assert table.loc["X000", "reasons"] == "must_not: Board veto"
    assert table.loc["X003", "reasons"] == "budget binds in C00; below the cut line"


def test_dependencies_groups_and_variants(knapsack_model):
    deps = pd.DataFrame({"project_id": ["X000", "X002", "X006"],
                         "kind": ["requires", "excludes", "with"],
                         "other_id": ["X001", "X003", "X001"]})
    groups = pd.DataFrame({"group": ["g", "g"], "project_id": ["X004", "X005"],
                           "max_selected": [1, 1]})
    table = reasons(knapsack_model([10, 1, 9, 8, 7, 6, 5], [[1] * 7], [10], dependencies=deps,
                                   groups=groups))
    assert table["selected"].tolist() == [True, True, True, False, True, False, True]
    assert table.loc["X001", "reasons"].startswith("required by X000; funded with X006")
    assert table.loc["X003", "reasons"].startswith("excluded by X002")
    assert table.loc["X005", "reasons"].startswith("group g at its limit")

    deps = pd.DataFrame({"project_id": ["X000"], "kind": ["requires"], "other_id": ["X001"]})
    table = reasons(knapsack_model([3, 1, 5], [[2, 9, 2]], [5], dependencies=deps))
    assert table.loc["X000", "reasons"].startswith("requires X001 (not funded)")
    assert table.loc["X001", "reasons"].startswith("budget binds in C00")

    projects = knapsack_sheets([10, 9], [[1, 1]], [10])["projects"]
    projects["variant_of"] = ["", "X000"]
    table = reasons(knapsack_model([10, 9], [[1, 1]], [10], projects=projects))
    assert table.loc["X001", "reasons"].startswith("another variant (X000) is funded")


def test_capacity_and_counts(knapsack_model, tmp_path):
    capacity = pd.DataFrame({"pool": ["Eng"], "period": ["C00"], "amount": [10]})
    demand = pd.DataFrame({"project_id": ["X000", "X001", "X002"], "pool": "Eng",
                           "period": "C00", "amount": [8, 5, 5]})
    table = reasons(knapsack_model([3, 2, 2], [[1, 1, 1]], [10], capacity=capacity,
                                   demand=demand))
    assert table["selected"].tolist() == [False, True, True]
    assert table.loc["X000", "reasons"] == "capacity Eng binds in C00; above the cut line"

    sheets = knapsack_sheets([3, 2], [[1, 1]], [10])
    settings = pd.concat([sheets["settings"], pd.DataFrame({"key": ["max_projects"],
                                                            "value": ["1"]})])
    table = reasons(knapsack_model([3, 2], [[1, 1]], [10], settings=settings))
    assert table.loc["X001", "reasons"] == "max_projects reached; below the cut line"


def test_a_shifted_start_is_named(knapsack_model):
    weights, budget = [[5, 4], [0, 0], [0, 0]], [5, 5, 5]
    projects = knapsack_sheets([10, 9], weights, budget)["projects"]
    projects["earliest_start"] = ""
    projects["latest_start"] = ["", "C01"]
    table = reasons(knapsack_model([10, 9], weights, budget, projects=projects))
    assert table["selected"].all()
    assert table.loc["X001", "reasons"] == "start shifted to C01; above the cut line"


def test_a_theme_minimum_holds_a_project_in(knapsack_model):
    # B must have at least 30 % of spend: only X002 is in B, so it is funded despite its value.
    projects = knapsack_sheets([10, 9, 2], [[4, 4, 4]], [8])["projects"]
    projects["theme"] = ["A", "A", "B"]
    themes = pd.DataFrame({"theme": ["A", "B"], "min_share": ["", 0.3], "max_share": ["", ""],
                           "min_spend": ["", ""], "max_spend": ["", ""]})
    table = reasons(knapsack_model([10, 9, 2], [[4, 4, 4]], [8], projects=projects,
                                   themes=themes))
    assert table["selected"].tolist() == [True, False, True]
    assert table.loc["X002", "reasons"].startswith("theme B needs it for its minimum share")


def test_sample_explanations(sample_model):
    values = sample_model.project_values(
        seo.score(sample_model.scores, sample_model.weights, sample_model.objectives))
    result = seo.select_portfolio(sample_model, values)
    table = explain_selection(sample_model, values, result)
    assert len(table) == len(sample_model.projects)
    assert table["reasons"].str.len().gt(0).all()  # every project has a reason
    assert table.loc["P11", "reasons"].startswith("must: Safety regulator")
    assert table.loc["P47", "reasons"].startswith("must_not: Board decision")
    funded_auto = table[table["selected"] & (table["decision"] == "auto")]
    assert (funded_auto["position"] != "below").any() or funded_auto.empty
    assert table.attrs["cut_line"] > 0


def test_set_tests_side_by_side_match_one_after_another(sample_model, monkeypatch):
    from seo_workbench import pool

    values = sample_model.project_values(
        seo.score(sample_model.scores, sample_model.weights, sample_model.objectives))
    result = seo.select_portfolio(sample_model, values)
    threads = decision_prices(sample_model, values, result)
    monkeypatch.setattr(pool, "SIDE_BY_SIDE_BELOW", 0)
    serial = decision_prices(sample_model, values, result)
    pd.testing.assert_frame_equal(threads, serial)
    assert threads.attrs == serial.attrs

"""Criteria weights: published worked examples, cross-checks with pymcdm, properties, errors."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from fractions import Fraction

import numpy as np
import pandas as pd
import pymcdm
import pytest
import scipy.stats
from conftest import write_csv_workbook

import seo_workbench as seo
from seo_workbench import weights as w
from seo_workbench.errors import UnknownChoiceError, ValidationError, WorkbenchWarning

SEEDS = range(8)


def random_matrix(seed: int, low: float = 0.5, high: float = 10.0) -> pd.DataFrame:
    """A seeded decision matrix of 3..12 alternatives and 2..8 criteria, named like a workbook."""
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(3, 13)), int(rng.integers(2, 9))
    return pd.DataFrame(rng.uniform(low, high, (m, n)),
                        index=[f"P{i:02d}" for i in range(m)],
                        columns=[f"c{j}" for j in range(n)])


def random_objectives(seed: int, criteria) -> dict[str, str]:
    rng = np.random.default_rng(seed + 1000)
    return {c: str(rng.choice(["max", "min"])) for c in criteria}


def assert_weights(series: pd.Series) -> None:
    """The family's contract: a float Series named 'weight', by criterion_id, >= 0, sum 1."""
    assert series.name == "weight"
    assert series.index.name == "criterion_id"
    assert series.dtype == float
    assert (series >= 0).all()
    assert series.sum() == pytest.approx(1.0, abs=1e-12)


@contextmanager
def no_warnings():
    """Fail on any WorkbenchWarning (pyproject's filterwarnings ignores them otherwise)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", WorkbenchWarning)
        yield


# -- rank-based surrogate weights: published tables ----------------------------------------------

# Weights of positions 1..n to four decimals, the precision of the surrogate-weight tables in
# the literature: ROC from Barron & Barrett (1996), Management Science 42(11), 1515-1523,
# w_i = (1/n) sum_{k=i..n} 1/k; rank sum and rank reciprocal from Stillwell, Seaver & Edwards
# (1981), OBHP 28(1), 62-77; all three are compared in Roberts & Goodwin (2002), J. Multi-Crit.
# Decis. Anal. 11, 291-303. The printed tables could not be opened from this environment, so
# every row is also checked against the exact fraction its formula gives (ROC n = 4 is
# 25/48, 13/48, 7/48, 3/48): a wrong digit here cannot pass.
ROC_TABLE = {
    2: [0.7500, 0.2500],
    3: [0.6111, 0.2778, 0.1111],
    4: [0.5208, 0.2708, 0.1458, 0.0625],
    5: [0.4567, 0.2567, 0.1567, 0.0900, 0.0400],
}
RANK_SUM_TABLE = {
    2: [0.6667, 0.3333],
    3: [0.5000, 0.3333, 0.1667],
    4: [0.4000, 0.3000, 0.2000, 0.1000],
    5: [0.3333, 0.2667, 0.2000, 0.1333, 0.0667],
}
RANK_RECIPROCAL_TABLE = {
    2: [0.6667, 0.3333],
    3: [0.5455, 0.2727, 0.1818],
    4: [0.4800, 0.2400, 0.1600, 0.1200],
    5: [0.4380, 0.2190, 0.1460, 0.1095, 0.0876],
}


def exact_roc(n):
    return [sum(Fraction(1, k) for k in range(i, n + 1)) / n for i in range(1, n + 1)]


def exact_rank_sum(n):
    return [Fraction(2 * (n + 1 - i), n * (n + 1)) for i in range(1, n + 1)]


def exact_rank_reciprocal(n):
    total = sum(Fraction(1, k) for k in range(1, n + 1))
    return [Fraction(1, i) / total for i in range(1, n + 1)]


@pytest.mark.parametrize(("function", "table", "exact"), [
    (w.roc, ROC_TABLE, exact_roc),
    (w.rank_sum, RANK_SUM_TABLE, exact_rank_sum),
    (w.rank_reciprocal, RANK_RECIPROCAL_TABLE, exact_rank_reciprocal),
])
def test_rank_weights_reproduce_the_published_tables(function, table, exact):
    for n, printed in table.items():
        order = [f"c{i}" for i in range(1, n + 1)]
        result = function(order)
        assert_weights(result)
        assert list(result.index) == order
        assert result.round(4).tolist() == printed
        assert [round(float(f), 4) for f in exact(n)] == printed
        np.testing.assert_allclose(result.to_numpy(), [float(f) for f in exact(n)], atol=1e-15)


@pytest.mark.parametrize("function", [w.roc, w.rank_sum, w.rank_reciprocal])
def test_tied_criteria_share_the_average_of_their_positions(function):
    untied = function(["a", "b", "c", "d", "e"])
    tied = function(["a", ("b", "c", "d"), "e"])
    assert_weights(tied)
    share = untied[["b", "c", "d"]].mean()
    assert tied[["b", "c", "d"]].tolist() == pytest.approx([share] * 3, abs=1e-15)
    assert tied["a"] == untied["a"] and tied["e"] == untied["e"]
    # a list is a tie as well as a tuple, and the order inside a tie does not matter
    assert function(["a", ["d", "b", "c"], "e"]).sort_index().equals(tied.sort_index())


@pytest.mark.parametrize("function", [w.roc, w.rank_sum, w.rank_reciprocal])
def test_one_tie_of_everything_is_equal_weights(function):
    result = function([("a", "b", "c", "d")])
    assert result.tolist() == pytest.approx([0.25] * 4, abs=1e-15)


@pytest.mark.parametrize("seed", SEEDS)
def test_rank_weights_with_random_ties_sum_to_one_and_keep_the_order(seed):
    rng = np.random.default_rng(seed)
    ids = [f"c{i}" for i in range(int(rng.integers(1, 15)))]
    groups, start = [], 0
    while start < len(ids):
        size = int(rng.integers(1, 4))
        groups.append(tuple(ids[start:start + size]))
        start += size
    for function in (w.roc, w.rank_sum, w.rank_reciprocal):
        result = function(groups)
        assert_weights(result)
        shares = [result[g[0]] for g in groups]
        assert all(a > b for a, b in zip(shares, shares[1:]))  # less important, less weight
        for group in groups:
            assert result[list(group)].nunique() == 1


# -- entropy: published examples ------------------------------------------------------------------

# Each matrix and its printed weights as transcribed, with the paper, in pyrepo-mcda's test suite
# (energyinpython/pyrepo-mcda, tests/test_weighting_methods.py, Test_Entropy), compared to the
# precision printed there. Entropy ignores direction, so the papers' cost criteria need no flag.
ENTROPY_EXAMPLES = {
    # Xu, X. (2004). A note on the subjective and objective integrated approach to determine
    # attribute weights. EJOR 156(2), 530-532.
    "xu_2004": ([[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9], [68, 70, 60, 29]],
                [0.4630, 0.3992, 0.1378, 0.0000], 4),
    # Zavadskas, E. K., & Podvezko, V. (2016). Integrated determination of objective criteria
    # weights in MCDM. IJITDM 15(02), 267-283.
    "zavadskas_podvezko_2016": ([[3.0, 100, 10, 7], [2.5, 80, 8, 5], [1.8, 50, 20, 11],
                                 [2.2, 70, 12, 9]],
                                [0.1146, 0.1981, 0.4185, 0.2689], 4),
    # Ersoy, Y. (2021). Equipment selection for an e-commerce company using entropy-based
    # TOPSIS, EDAS and CODAS methods during the COVID-19. LogForum 17(3).
    "ersoy_2021": ([[256, 8, 41, 1.6, 1.77, 7347.16], [256, 8, 32, 1.0, 1.8, 6919.99],
                    [256, 8, 53, 1.6, 1.9, 8400], [256, 8, 41, 1.0, 1.75, 6808.9],
                    [512, 8, 35, 1.6, 1.7, 8479.99], [256, 4, 35, 1.6, 1.7, 7499.99]],
                   [0.405, 0.221, 0.134, 0.199, 0.007, 0.034], 3),
    # Lee, H. C., & Chang, C. T. (2018). Comparative analysis of MCDM methods for ranking
    # renewable energy sources in Taiwan. RSER 92, 883-896.
    "lee_chang_2018": ([[4550, 30, 6.74, 20, 15, 5, 85, 150, 0.87, 4.76],
                        [3005, 60.86, 2.4, 35, 27, 4, 26, 200, 0.17, 4.51],
                        [2040, 14.85, 1.7, 90, 25, 5, 26, 500, 0.27, 4.19],
                        [3370, 99.4, 3.25, 25.3, 54, 3, 45, 222, 0.21, 3.78],
                        [3920, 112.6, 4.93, 11.4, 71.7, 2, 50, 100, 0.25, 4.11]],
                       [0.026, 0.154, 0.089, 0.199, 0.115, 0.04, 0.08, 0.123, 0.172, 0.002], 3),
}


@pytest.mark.parametrize("name", ENTROPY_EXAMPLES)
def test_entropy_reproduces_published_examples(name):
    rows, printed, decimals = ENTROPY_EXAMPLES[name]
    result = w.entropy(pd.DataFrame(rows))
    assert_weights(result)
    assert result.round(decimals).tolist() == printed


# -- CRITIC: published examples -------------------------------------------------------------------

# Diakoulaki, Mavrotas & Papayannakis (1995), Computers & OR 22(7), 763-770: the paper's own
# example (8 alternatives, 3 criteria, all maximised; note the negative scores). Weights as
# reproduced to 8 decimals in scikit-criteria's suite (quatrope/scikit-criteria,
# tests/preprocessing/test_weighters.py::test_CRITIC_diakoulaki1995determining).
DIAKOULAKI_1995 = [[61, 1.08, 4.33], [20.7, 0.26, 4.34], [16.3, 1.98, 2.53], [9.0, 3.29, 1.65],
                   [5.4, 2.77, 2.33], [4.0, 4.12, 1.21], [-6.1, 3.52, 2.10],
                   [-34.6, 3.31, 0.98]]


def test_critic_reproduces_diakoulaki_1995():
    matrix = pd.DataFrame(DIAKOULAKI_1995, columns=["c1", "c2", "c3"])
    result = w.critic(matrix, dict.fromkeys(matrix.columns, "max"))
    assert_weights(result)
    np.testing.assert_allclose(result, [0.20222554, 0.48090173, 0.31687273], atol=5e-9)


# Tuş, A., & Aytaç Adalı, E. (2019). The new combination with CRITIC and WASPAS methods for the
# time and attendance software selection problem. Opsearch 56(2), 528-538. Matrix and printed
# weights (3 decimals) as transcribed in pyrepo-mcda (tests/test_weighting_methods.py,
# Test_CRITIC). The first criterion (price) is a cost, but the printed weights are those of
# min-max normalising every column as 'max' (pyrepo-mcda's critic_weighting takes no types), so
# they are reproduced with every objective 'max'; with price as 'min' the weights differ, because
# reversing a criterion flips the sign of its correlations.
TUS_ADALI_2019 = [[5000, 3, 3, 4, 3, 2], [680, 5, 3, 2, 2, 1], [2000, 3, 2, 3, 4, 3],
                  [600, 4, 3, 1, 2, 2], [800, 2, 4, 3, 3, 4]]


def test_critic_reproduces_tus_and_aytac_adali_2019_as_printed():
    matrix = pd.DataFrame(TUS_ADALI_2019, columns=[f"c{j}" for j in range(1, 7)])
    as_printed = w.critic(matrix, dict.fromkeys(matrix.columns, "max"))
    assert as_printed.round(3).tolist() == [0.157, 0.249, 0.168, 0.121, 0.154, 0.151]
    price_as_cost = w.critic(matrix, {**dict.fromkeys(matrix.columns, "max"), "c1": "min"})
    assert_weights(price_as_cost)
    assert price_as_cost.round(3).tolist() != as_printed.round(3).tolist()
    # the spread is the same either way; only the correlations with price change sign
    assert price_as_cost["c1"] > as_printed["c1"]


# -- swing and SMART ------------------------------------------------------------------------------


def test_swing_reproduces_goodwin_and_wright_office_example():
    # Goodwin, P., & Wright, G. Decision Analysis for Management Judgment, ch. 3, office location
    # (Figure 3.5, "Derivation of swing weights"): swings of 100 (closeness to customers),
    # 80 (visibility), 70, 30, 20, 10, normalised weights printed as whole percentages.
    points = {"closeness": 100, "visibility": 80, "image": 70, "size": 30, "comfort": 20,
              "parking": 10}
    result = w.swing(points)
    assert_weights(result)
    assert (result * 100).round().astype(int).tolist() == [32, 26, 23, 10, 6, 3]


def test_swing_and_smart_normalise_points():
    with no_warnings():
        assert w.swing({"a": 100, "b": 50, "c": 50, "d": 0}).tolist() == [0.5, 0.25, 0.25, 0.0]
        assert w.smart({"a": 10, "b": 20, "c": 40, "d": 10}).tolist() == [
            pytest.approx(1 / 8), pytest.approx(2 / 8), pytest.approx(4 / 8), pytest.approx(1 / 8)]


def test_swing_without_a_100_warns_and_normalises_as_given():
    with pytest.warns(WorkbenchWarning, match=r"largest at 80 \('a'\).*normalised as given"):
        result = w.swing({"a": 80, "b": 40})
    assert result.tolist() == pytest.approx([2 / 3, 1 / 3])


def test_smart_without_a_10_warns_and_normalises_as_given():
    with pytest.warns(WorkbenchWarning, match=r"smallest at 5 \('b'\).*normalised as given"):
        result = w.smart({"a": 15, "b": 5})
    assert result.tolist() == pytest.approx([0.75, 0.25])


# -- cross-checks with pymcdm and scipy ---------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_entropy_matches_pymcdm_on_positive_matrices(seed):
    matrix = random_matrix(seed)
    ours = w.entropy(matrix)
    theirs = pymcdm.weights.entropy_weights(matrix.to_numpy())
    np.testing.assert_allclose(ours.to_numpy(), theirs, rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_entropy_with_zeros_follows_shannon(seed):
    # 0 ln 0 = 0, as in scipy.stats.entropy (natural log; entropy here is divided by ln m).
    # pymcdm 1.4 refuses zeros outright, so it cannot be the reference for these matrices.
    matrix = random_matrix(seed, low=0.0, high=3.0).round()
    matrix.iloc[0] = 1.0  # no all-zero column
    matrix.iloc[1] = 0.0  # a zero in every column
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)  # a rounded column may be flat
        ours = w.entropy(matrix)
    d = 1 - scipy.stats.entropy(matrix.to_numpy(), axis=0) / np.log(len(matrix))
    d[np.ptp(matrix.to_numpy(), axis=0) == 0] = 0.0
    np.testing.assert_allclose(ours.to_numpy(), d / d.sum(), rtol=0, atol=1e-9)
    with pytest.raises(ValueError, match="positive"):
        pymcdm.weights.entropy_weights(matrix.to_numpy())


@pytest.mark.parametrize("seed", SEEDS)
def test_critic_matches_pymcdm_with_cost_columns_negated(seed):
    # pymcdm's critic_weights min-max normalises every column as a benefit; negating the 'min'
    # columns first is the same as normalising them as costs, (max - x) / (max - min).
    matrix = random_matrix(seed, low=-5.0, high=5.0)
    objectives = random_objectives(seed, matrix.columns)
    ours = w.critic(matrix, objectives)
    sign = np.array([1.0 if objectives[c] == "max" else -1.0 for c in matrix.columns])
    theirs = pymcdm.weights.critic_weights(matrix.to_numpy() * sign)
    np.testing.assert_allclose(ours.to_numpy(), theirs, rtol=0, atol=1e-9)


def test_critic_weights_do_not_depend_on_the_standard_deviation_convention():
    # Sample and population standard deviations differ by one factor for every criterion.
    matrix = pd.DataFrame(DIAKOULAKI_1995)
    x = (matrix - matrix.min()) / (matrix.max() - matrix.min())
    for ddof in (0, 1):
        c = x.std(ddof=ddof) * (1 - x.corr()).sum()
        np.testing.assert_allclose(w.critic(matrix, dict.fromkeys(matrix.columns, "max")),
                                   c / c.sum(), atol=1e-12)


# -- properties: every method, random inputs -----------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_every_method_gives_non_negative_weights_summing_to_one(seed):
    rng = np.random.default_rng(seed)
    matrix = random_matrix(seed)
    ids = list(matrix.columns)
    points = dict(zip(ids, rng.uniform(0, 100, len(ids))))
    points[ids[0]] = 100.0
    smart_points = dict(zip(ids, rng.uniform(10, 200, len(ids))))
    smart_points[ids[-1]] = 10.0
    parent = {c: (ids[0] if i % 2 else None) for i, c in enumerate(ids[1:], 1)}
    with no_warnings():
        results = [
            w.equal(ids), w.swing(points), w.smart(smart_points),
            w.roc(ids), w.rank_sum(ids), w.rank_reciprocal(ids),
            w.entropy(matrix), w.critic(matrix, random_objectives(seed, ids)),
            w.hierarchy(dict(zip(ids, rng.uniform(0.1, 5, len(ids)))), parent),
        ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)  # 'renormalised'
        results.append(w.direct(dict(zip(ids, rng.uniform(0.1, 5, len(ids))))))
    for result in results:
        assert_weights(result)


@pytest.mark.parametrize("seed", SEEDS)
def test_reordering_criteria_keeps_each_criterions_weight(seed):
    rng = np.random.default_rng(seed)
    matrix = random_matrix(seed)
    objectives = random_objectives(seed, matrix.columns)
    shuffled = matrix.iloc[rng.permutation(len(matrix)), rng.permutation(matrix.shape[1])]
    for function, args in ((w.entropy, ()), (w.critic, (objectives,))):
        before, after = function(matrix, *args), function(shuffled, *args)
        assert list(after.index) == list(shuffled.columns)
        pd.testing.assert_series_equal(after.reindex(before.index), before, atol=1e-12, rtol=0)
    points = dict(zip(matrix.columns, rng.uniform(1, 100, matrix.shape[1])))
    reordered = dict(reversed(list(points.items())))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        for function in (w.direct, w.swing, w.smart):
            before, after = function(points), function(reordered)
            pd.testing.assert_series_equal(after.reindex(before.index), before, atol=1e-15,
                                           rtol=0)


def test_hierarchy_does_not_depend_on_the_order_of_criteria():
    local = {"value": 3, "risk": 1, "npv": 1, "fit": 2, "delivery": 2, "safety": 6}
    parent = {"npv": "value", "fit": "value", "delivery": "risk", "safety": "risk"}
    before = w.hierarchy(local, parent)
    after = w.hierarchy(dict(reversed(list(local.items()))), dict(reversed(list(parent.items()))))
    pd.testing.assert_series_equal(after.reindex(before.index), before, atol=1e-15, rtol=0)


# -- direct and equal ---------------------------------------------------------------------------


def test_direct_keeps_its_behaviour():
    with no_warnings():
        assert w.direct({"fit": 0.5, "risk": 0.25, "cost": 0.25}).tolist() == [0.5, 0.25, 0.25]
    with pytest.warns(WorkbenchWarning, match="Weights summed to 4; renormalised to sum to 1"):
        result = w.direct(pd.Series({"fit": 2, "risk": 1, "cost": 1}))
    assert_weights(result)
    assert result.to_dict() == {"fit": 0.5, "risk": 0.25, "cost": 0.25}


def test_equal_takes_ids_or_a_matrix():
    matrix = random_matrix(3)
    assert w.equal(matrix).equals(w.equal(list(matrix.columns)))
    assert_weights(w.equal(["only"]))


# -- hierarchy ------------------------------------------------------------------------------------


def test_hierarchy_multiplies_local_weights_down_the_tree():
    local = {"value": 3, "risk": 1, "npv": 1, "fit": 1, "delivery": 2, "safety": 6,
             "irr": 1, "payback": 3}
    parent = {"npv": "value", "fit": "value", "delivery": "risk", "safety": "risk",
              "irr": "npv", "payback": "npv"}
    leaves = w.hierarchy(local, parent)
    assert_weights(leaves)
    assert leaves.to_dict() == pytest.approx(
        {"fit": 0.375, "delivery": 0.0625, "safety": 0.1875, "irr": 0.09375, "payback": 0.28125})
    everything = w.hierarchy(local, parent, leaves_only=False)
    assert list(everything.index) == list(local)
    assert everything["value"] == pytest.approx(0.75)
    assert everything["npv"] == pytest.approx(0.375)
    assert everything[["value", "risk"]].sum() == pytest.approx(1.0)
    assert everything[leaves.index].sum() == pytest.approx(1.0)


def test_hierarchy_reads_the_workbook_parent_column():
    criteria = pd.DataFrame({"weight": [3.0, 1.0, 1.0, 1.0], "parent": ["", "", "a", "a"]},
                            index=pd.Index(["a", "b", "a1", "a2"], name="criterion_id"))
    result = w.hierarchy(criteria["weight"], criteria["parent"])
    assert result.to_dict() == {"b": 0.25, "a1": 0.375, "a2": 0.375}
    flat = w.hierarchy({"x": 1, "y": 3}, {"x": None, "y": float("nan")})
    assert flat.to_dict() == {"x": 0.25, "y": 0.75}


# -- from_model -----------------------------------------------------------------------------------


def test_weighting_methods_registry():
    assert list(w.WEIGHTING_METHODS) == ["direct", "group", "equal", "roc", "rank_sum",
                                         "rank_reciprocal", "entropy", "critic"]
    assert all(callable(f) for f in w.WEIGHTING_METHODS.values())


def test_group_weights_flow_from_the_executives(sample_model):
    from seo_workbench.alignment import align

    weights = w.from_model(sample_model, "group")
    expected = align(sample_model.table("judgements"),
                     weights=sample_model.table("executives")).group_weights
    assert weights.to_dict() == pytest.approx(expected.to_dict())
    aip = w.from_model(sample_model, "group", aggregation="aip")
    assert aip.sum() == pytest.approx(1.0) and not aip.equals(weights)
    with pytest.raises(ValidationError, match="takes no options"):
        w.from_model(sample_model, "direct", aggregation="aip")


def test_ahp_is_re_exported():
    from seo_workbench import ahp as ahp_module

    assert w.ahp is ahp_module.ahp and w.AHPResult is ahp_module.AHPResult
    assert {"ahp", "AHPResult"} <= set(w.__all__)


@pytest.mark.parametrize("method", list(w.WEIGHTING_METHODS))
def test_from_model_gives_a_weight_per_criterion(sample_model, method):
    result = w.from_model(sample_model, method)
    assert_weights(result)
    assert list(result.index) == list(sample_model.criteria.index)
    seo.score(sample_model.scores, result, sample_model.objectives)


def test_from_model_follows_the_workbook(sample_model):
    criteria = sample_model.criteria
    pd.testing.assert_series_equal(w.from_model(sample_model), sample_model.weights,
                                   check_names=False)
    assert w.from_model(sample_model, " Equal ").tolist() == pytest.approx([1 / 6] * 6)
    # weights 0.25, 0.2, 0.15, 0.2, 0.1, 0.1: order fit > (financial, risk_reduction) > customer
    # > (delivery_risk, change_burden)
    order = ["strategic_fit", ("financial_return", "risk_reduction"), "customer_impact",
             ("delivery_risk", "change_burden")]
    for name in ("roc", "rank_sum", "rank_reciprocal"):
        expected = w.WEIGHTING_METHODS[name](order).reindex(criteria.index)
        pd.testing.assert_series_equal(w.from_model(sample_model, name), expected)
    pd.testing.assert_series_equal(w.from_model(sample_model, "entropy"),
                                   w.entropy(sample_model.scores))
    pd.testing.assert_series_equal(w.from_model(sample_model, "critic"),
                                   w.critic(sample_model.scores, sample_model.objectives))


def test_from_model_rejects_unknown_methods_and_options(sample_model):
    with pytest.raises(UnknownChoiceError, match="Unknown weighting method 'rock'. Choose one "
                                                 "of: critic, direct, entropy, equal"):
        w.from_model(sample_model, "rock")
    with pytest.raises(UnknownChoiceError):
        w.from_model(sample_model, "ahp")
    with pytest.raises(ValidationError, match="takes no options; found 'decimals'"):
        w.from_model(sample_model, "roc", decimals=3)


@pytest.fixture(scope="module")
def tree_model(tmp_path_factory):
    """The sample with two parent criteria: value over three criteria, risk over the others."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        sheets = seo.read_workbook(seo.sample_workbook()).to_sheets()
        criteria = sheets["criteria"].copy()
        criteria["parent"] = ["value"] * 3 + ["risk"] * 3
        parents = pd.DataFrame({"criterion_id": ["value", "risk"], "name": ["Value", "Risk"],
                                "objective": ["max", "max"], "weight": [3.0, 1.0],
                                "parent": ["", ""]})
        sheets["criteria"] = pd.concat([criteria, parents], ignore_index=True)
        sheets["scores"] = sheets["scores"].assign(value=3.0, risk=3.0)
        folder = write_csv_workbook(tmp_path_factory.mktemp("tree") / "tree", sheets)
        return seo.read_workbook(folder)


def test_from_model_with_a_hierarchy_weights_the_leaves(tree_model):
    direct = w.from_model(tree_model)
    assert_weights(direct)
    assert direct.round(4).to_dict() == {
        "strategic_fit": 0.3125, "financial_return": 0.25, "customer_impact": 0.1875,
        "risk_reduction": 0.125, "delivery_risk": 0.0625, "change_burden": 0.0625,
        "value": 0.0, "risk": 0.0}
    # ROC within each group of siblings, then down the tree: value (3) before risk (1);
    # risk_reduction (0.2) before delivery_risk and change_burden, tied at 0.1.
    roc = w.from_model(tree_model, "roc")
    assert roc.round(4).to_dict() == {
        "strategic_fit": 0.4583, "financial_return": 0.2083, "customer_impact": 0.0833,
        "risk_reduction": 0.1528, "delivery_risk": 0.0486, "change_burden": 0.0486,
        "value": 0.0, "risk": 0.0}
    equal = w.from_model(tree_model, "equal")
    assert equal["strategic_fit"] == pytest.approx(1 / 6) and equal["value"] == 0.0
    leaves = list(tree_model.criteria.index[:6])
    pd.testing.assert_series_equal(
        w.from_model(tree_model, "critic")[leaves],
        w.critic(tree_model.scores[leaves], tree_model.objectives))
    for method in w.WEIGHTING_METHODS:
        result = w.from_model(tree_model, method)
        assert_weights(result)
        assert result[["value", "risk"]].tolist() == [0.0, 0.0]
        seo.score(tree_model.scores, result, tree_model.objectives)  # parents counted 0 times


# -- soft corrections -----------------------------------------------------------------------------


def test_entropy_gives_a_criterion_without_spread_weight_zero_and_names_it():
    matrix = pd.DataFrame({"fit": [1, 2, 4], "same": [3, 3, 3], "none": [0, 0, 0]})
    with pytest.warns(WorkbenchWarning,
                      match=r"criteria 'same', 'none' have the same value.*weight 0"):
        result = w.entropy(matrix)
    assert_weights(result)
    assert result.to_dict() == {"fit": 1.0, "same": 0.0, "none": 0.0}


def test_critic_without_spread_weighs_the_others_as_if_it_were_absent():
    matrix = pd.DataFrame(DIAKOULAKI_1995, columns=["c1", "c2", "c3"]).assign(flat=7.0)
    objectives = dict.fromkeys(matrix.columns, "max")
    with pytest.warns(WorkbenchWarning, match="criterion 'flat' has the same value"):
        result = w.critic(matrix, objectives)
    assert result["flat"] == 0.0
    np.testing.assert_allclose(result[["c1", "c2", "c3"]],
                               [0.20222554, 0.48090173, 0.31687273], atol=5e-9)


def test_critic_with_one_criterion_or_perfect_correlation_gives_equal_weights():
    with no_warnings():
        assert w.critic(pd.DataFrame({"a": [1, 2, 3]}), {"a": "min"}).tolist() == [1.0]
    twins = pd.DataFrame({"a": [1, 2, 3], "b": [2, 4, 6], "c": [9, 5, 1]})
    with pytest.warns(WorkbenchWarning, match="perfectly correlated.*equal weights"):
        result = w.critic(twins, {"a": "max", "b": "max", "c": "min"})
    assert result.tolist() == pytest.approx([1 / 3] * 3)


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("call", "message"), [
    (lambda: w.direct({"a": -1, "b": 2}), r"Direct weights: expected numbers >= 0, found \{'a'"),
    (lambda: w.direct({"a": "high", "b": 2}), r"expected a finite number.*found \{'a': 'high'\}"),
    (lambda: w.direct({"a": None}), r"expected a finite number.*found \{'a': None\}"),
    (lambda: w.direct({"a": 0, "b": 0}), "expected at least one weight > 0, found all 0"),
    (lambda: w.direct({}), "expected at least one criterion, found none"),
    (lambda: w.direct([1, 2]), "expected a mapping from criterion to number, found list"),
    (lambda: w.direct({" ": 1}), "found a blank name at position 1"),
    (lambda: w.direct(pd.Series([1, 2], index=["a", "a"])), r"found 'a' more than once"),
    (lambda: w.swing({"a": 100, "b": 120}), r"expected points from 0 to 100.*found \{'b': 120"),
    (lambda: w.swing({"a": 100, "b": -5}), "expected numbers >= 0"),
    (lambda: w.swing({"a": 0, "b": 0}), "found every swing at 0"),
    (lambda: w.smart({"a": 10, "b": 0}), r"expected points > 0.*found \{'b': 0"),
    (lambda: w.smart({"a": 10, "b": float("inf")}), "expected a finite number"),
    (lambda: w.equal([]), "expected at least one criterion"),
    (lambda: w.equal("abc"), "expected a list of criteria, found str"),
    (lambda: w.equal(["a", "a"]), "found 'a' more than once"),
    (lambda: w.roc(["a", "b", "a"]), "ROC order: expected each criterion once, found 'a'"),
    (lambda: w.roc(["a", ("b", "a")]), "found 'a' more than once"),
    (lambda: w.roc(["a", "", "c"]), "found a blank name at position 2"),
    (lambda: w.roc(["a", ("b", None)]), "found a blank name at position 3"),
    (lambda: w.roc([]), "expected at least one criterion"),
    (lambda: w.roc("abc"), "expected a sequence of criteria.*found str"),
    (lambda: w.roc({"a": 1}), "expected a sequence of criteria.*found dict"),
    (lambda: w.rank_sum(["a", ()]), "found an empty group"),
    (lambda: w.rank_reciprocal(["a", ("b", ("c", "d"))]), "Ties nest one level only"),
    (lambda: w.entropy(pd.DataFrame({"a": [1, -2], "b": [1, 2]})),
     "found negative scores in 'a'. Shift or normalise"),
    (lambda: w.entropy(pd.DataFrame({"a": [1, 2], "b": [1, "x"]})),
     r"row 1, column 'b': 'x'.*Score every alternative"),
    (lambda: w.entropy(pd.DataFrame({"a": [1, 2], "b": [1, None]})), "found 1 that are not"),
    (lambda: w.entropy(pd.DataFrame({"a": [1], "b": [2]})), "at least two alternatives"),
    (lambda: w.entropy(pd.DataFrame({"a": [1, 1], "b": [2, 2]})),
     "found every criterion with the same value"),
    (lambda: w.entropy(pd.DataFrame(index=[0, 1])), "found no columns"),
    (lambda: w.entropy(pd.DataFrame([[1, 2], [3, 4]], columns=["a", "a"])), "more than once"),
    (lambda: w.entropy(pd.DataFrame({"a": [1, 2]}), {"a": "up"}),
     r"expected 'max' or 'min' as objective, found \{'a': 'up'\}"),
    (lambda: w.critic(pd.DataFrame({"a": [1, 2], "b": [2, 1]}), {"a": "max"}),
     "found none for 'b'"),
    (lambda: w.critic(pd.DataFrame({"a": [1, 2]}), None), "found none"),
    (lambda: w.critic(pd.DataFrame({"a": [1, 2]}), ["max"]), "found list"),
    (lambda: w.critic(pd.DataFrame({"a": [3, 3]}), {"a": "max"}), "same value"),
    (lambda: w.hierarchy({"a": 1, "b": 1}, {"b": "z"}), r"unknown parents \{'b': 'z'\}"),
    (lambda: w.hierarchy({"a": 1, "b": 1}, {"a": "b", "b": "a"}),
     "found a loop of parents: 'a' -> 'b' -> 'a'"),
    (lambda: w.hierarchy({"a": 1, "b": 1}, {"a": "a"}), "loop of parents: 'a' -> 'a'"),
    (lambda: w.hierarchy({"a": 1}, {"q": "a"}), "found none for 'q'"),
    (lambda: w.hierarchy({"a": 1, "b": 0, "c": 0}, {"b": "a", "c": "a"}),
     r"among the criteria under 'a', found all 0 \('b', 'c'\)"),
    (lambda: w.hierarchy({"a": 0, "b": 0}, {}), "among the top-level criteria, found all 0"),
    (lambda: w.hierarchy({"a": -1}, {}), "Local weights: expected numbers >= 0"),
    (lambda: w.hierarchy({"a": 1}, ["a"]), "expected a mapping from criterion to its parent"),
])
def test_bad_input_is_a_clear_error(call, message):
    with pytest.raises(ValidationError, match=message):
        call()


def test_from_model_without_scores_or_criteria_is_a_clear_error(sample_model):
    class NoScores:
        criteria, scores, objectives = sample_model.criteria, None, sample_model.objectives

    with pytest.raises(ValidationError, match="'entropy' needs the scores"):
        w.from_model(NoScores(), "entropy")

    class NoCriteria:
        criteria = None

    with pytest.raises(ValidationError, match="expected sheet 'criteria'"):
        w.from_model(NoCriteria(), "direct")

"""AHP: published worked examples, the properties any AHP weighting must have, and bad inputs."""

from __future__ import annotations

import math
import warnings
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize_scalar

from seo_workbench.ahp import (
    RANDOM_INDEX,
    AHPHierarchyResult,
    AHPResult,
    ahp,
    ahp_hierarchy,
    ahp_ratings,
)
from seo_workbench.errors import UnknownChoiceError, ValidationError, WorkbenchWarning

METHODS = ["eigenvector", "geometric_mean"]


def pairwise(labels, upper):
    """A reciprocal matrix from its upper triangle, given row by row."""
    n = len(labels)
    a = np.ones((n, n))
    values = iter(upper)
    for i, j in combinations(range(n), 2):
        a[i, j] = next(values)
        a[j, i] = 1 / a[i, j]
    return pd.DataFrame(a, index=labels, columns=labels)


def from_pairs(pairs):
    """A matrix from {(a, b): a_ab}, in order of first mention; unjudged pairs stay blank."""
    labels = list(dict.fromkeys(x for pair in pairs for x in pair))
    frame = pd.DataFrame(np.nan, index=labels, columns=labels)
    for label in labels:
        frame.loc[label, label] = 1.0
    for (a, b), value in pairs.items():
        frame.loc[a, b] = value
    return frame


def ratio_matrix(values, labels):
    """The consistent matrix a_ij = v_i / v_j of a vector of values."""
    v = np.asarray(values, dtype=float)
    return pd.DataFrame(v[:, None] / v[None, :], index=labels, columns=labels)


def quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        return function(*args, **kwargs)


@pytest.fixture
def make_weights():
    """Seeded random weight vectors (sum 1) with their consistent matrices."""
    def make(seed: int, n: int):
        w = np.random.default_rng(seed).uniform(0.15, 1.0, n)  # ratios stay within 1/9..9
        w = w / w.sum()
        labels = [f"c{i}" for i in range(n)]
        return pd.Series(w, index=labels), ratio_matrix(w, labels)
    return make


# Saaty (1990), "How to make a decision: The analytic hierarchy process", European Journal of
# Operational Research 48(1), 9-26: choosing a house. Table 2 is the criteria matrix; Table 3 the
# houses A, B, C under each criterion; Table 4 the synthesis. The criteria matrix is also Table 1
# of Saaty (2003), EJOR 145(1), 85-91, whose Table 3 lists the errors e_ij = a_ij w_j / w_i.
HOUSE_CRITERIA = ["size", "transportation", "neighbourhood", "age", "yard", "modern",
                  "condition", "financing"]
HOUSE = pairwise(HOUSE_CRITERIA, [
    5, 3, 7, 6, 6, 1 / 3, 1 / 4,
    1 / 3, 5, 3, 3, 1 / 5, 1 / 7,
    6, 3, 4, 6, 1 / 5,
    1 / 3, 1 / 4, 1 / 7, 1 / 8,
    1 / 2, 1 / 5, 1 / 6,
    1 / 5, 1 / 6,
    1 / 2])
HOUSES = ["A", "B", "C"]
HOUSE_LOCAL = {  # Saaty (1990) Table 3: upper triangles (A-B, A-C, B-C) and printed priorities
    "size": ([6, 8, 4], [0.754, 0.181, 0.065]),
    "transportation": ([7, 1 / 5, 1 / 8], [0.233, 0.055, 0.713]),
    "neighbourhood": ([8, 6, 1 / 4], [0.754, 0.065, 0.181]),
    "age": ([1, 1, 1], [0.333, 0.333, 0.333]),
    "yard": ([5, 4, 1 / 3], [0.674, 0.101, 0.226]),
    "modern": ([8, 6, 1 / 5], [0.747, 0.060, 0.193]),
    "condition": ([1 / 2, 1 / 2, 1], [0.200, 0.400, 0.400]),
    "financing": ([1 / 7, 1 / 5, 3], [0.072, 0.650, 0.278]),
}


def test_saaty_1990_house_criteria_inconsistent_matrix():
    # Saaty (1990) Table 2, printed to 3 decimals: weights, lambda_max 9.669, CI 0.238, CR 0.169.
    with pytest.warns(WorkbenchWarning, match=r"CR = 0\.169 > 0\.10.*Revisit the judgements"):
        result = ahp(HOUSE)
    assert result.weights.round(3).tolist() == [0.173, 0.054, 0.188, 0.018, 0.031, 0.036,
                                                0.167, 0.333]
    assert round(result.lambda_max, 3) == 9.669
    assert round(result.ci, 3) == 0.238
    assert round(result.cr, 3) == 0.169
    assert result.ri == 1.41 and not result.consistent
    # Saaty (2003) Table 3: the largest error is neighbourhood vs condition, e = 5.32 (printed
    # 5.32156 from rounded weights; the exact eigenvector gives 5.3214).
    errors = result.steps["Judgement errors e_ij = a_ij w_j / w_i (1 = agrees with the weights)"]
    assert errors.stack().idxmax() == ("neighbourhood", "condition")
    assert round(errors.loc["neighbourhood", "condition"], 2) == 5.32


def test_saaty_1990_house_warning_names_the_worst_judgement():
    with pytest.warns(WorkbenchWarning, match="row 'neighbourhood', column 'condition': it says "
                                              "6, the weights imply 1.13"):
        ahp(HOUSE)


def test_saaty_1990_house_local_priorities():
    # Saaty (1990) Table 3. The printed vectors round the exact eigenvector within 0.001
    # (e.g. financing 0.6491 printed 0.650), so they are compared to +/- 0.0011.
    for criterion, (upper, printed) in HOUSE_LOCAL.items():
        result = quiet(ahp, pairwise(HOUSES, upper))
        assert result.weights.to_numpy() == pytest.approx(printed, abs=1.1e-3), criterion
    # Transportation and financing, lambda_max and CR as printed: 3.247 / 0.213, 3.065 / 0.056.
    with pytest.warns(WorkbenchWarning, match=r"CR = 0\.213"):
        transport = ahp(pairwise(HOUSES, HOUSE_LOCAL["transportation"][0]))
    assert (round(transport.lambda_max, 3), round(transport.cr, 3)) == (3.247, 0.213)
    financing = ahp(pairwise(HOUSES, HOUSE_LOCAL["financing"][0]))
    assert (round(financing.lambda_max, 3), round(financing.cr, 3)) == (3.065, 0.056)
    assert financing.consistent


def test_saaty_1990_house_synthesis():
    # Saaty (1990) Table 4, distributive synthesis: A 0.396, B 0.341, C 0.263.
    matrices = {c: pairwise(HOUSES, upper) for c, (upper, _) in HOUSE_LOCAL.items()}
    result = quiet(ahp_hierarchy, HOUSE, matrices)
    assert isinstance(result, AHPHierarchyResult)
    assert result.scores.round(3).to_dict() == {"A": 0.396, "B": 0.341, "C": 0.263}
    assert result.ranks.to_dict() == {"A": 1, "B": 2, "C": 3}
    assert result.composite.to_numpy() == pytest.approx(result.scores.to_numpy())
    assert result.consistency.loc["goal", "cr"] == pytest.approx(result.criteria.cr)
    assert result.consistency["consistent"].to_dict() == {
        "goal": False, "size": False, "transportation": False, "neighbourhood": False,
        "age": True, "yard": True, "modern": False, "condition": True, "financing": True}
    assert list(result.local.columns) == HOUSE_CRITERIA
    assert result.local.sum().to_numpy() == pytest.approx(np.ones(8))


# Saaty (2008), "Decision making with the analytic hierarchy process", Int. J. Services Sciences
# 1(1), 83-98: relative consumption of drinks in the US, eigenvector and CR printed to 3 decimals
# (matrix and numbers as quoted in the test suite of AHPy, github.com/PhilipGriffith/AHPy).
DRINKS = ["coffee", "wine", "tea", "beer", "soda", "milk", "water"]
DRINKS_MATRIX = pairwise(DRINKS, [
    9, 5, 2, 1, 1, 1 / 2,
    1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9,
    1 / 3, 1 / 4, 1 / 3, 1 / 9,
    1 / 2, 1, 1 / 3,
    2, 1 / 2,
    1 / 3])


def test_saaty_2008_drinks():
    result = ahp(DRINKS_MATRIX)
    assert result.weights.round(3).to_dict() == {
        "coffee": 0.177, "wine": 0.019, "tea": 0.042, "beer": 0.116, "soda": 0.190,
        "milk": 0.129, "water": 0.327}
    assert round(result.cr, 3) == 0.022
    assert result.consistent and result.ri == RANDOM_INDEX[7]


# Belton & Gear (1983), Omega 11(3), 228-230, rank reversal, with the local and composite
# weights as tabulated by Wang & Elhag (2006), "An approach to avoiding rank reversal in AHP",
# Decision Support Systems 42, Tables 1-2 (4 decimals). D is a copy of B; criteria weigh 1/3.
BELTON_GEAR = {"a": {"A": 1, "B": 9, "C": 1, "D": 9},
               "b": {"A": 9, "B": 1, "C": 1, "D": 1},
               "c": {"A": 8, "B": 9, "C": 1, "D": 9}}
EQUAL = pd.DataFrame(np.ones((3, 3)), index=list("abc"), columns=list("abc"))


def belton_gear(alternatives, mode, method):
    matrices = {c: ratio_matrix([v[x] for x in alternatives], alternatives)
                for c, v in BELTON_GEAR.items()}
    return ahp_hierarchy(EQUAL, matrices, mode=mode, method=method)


@pytest.mark.parametrize("method", METHODS)
def test_belton_gear_rank_reversal_distributive(method):
    before = belton_gear(list("ABC"), "distributive", method)
    assert before.scores.round(4).to_dict() == {"A": 0.4512, "B": 0.4697, "C": 0.0791}
    assert before.ranks.to_dict() == {"A": 2, "B": 1, "C": 3}
    after = belton_gear(list("ABCD"), "distributive", method)
    assert after.scores.round(4).to_dict() == {"A": 0.3654, "B": 0.2889, "C": 0.0568,
                                               "D": 0.2889}
    # A now beats B: the rank reversal. B and D tie and share rank 2 ("min").
    assert after.ranks.to_dict() == {"A": 1, "B": 2, "C": 4, "D": 2}


@pytest.mark.parametrize("method", METHODS)
def test_belton_gear_ideal_mode_keeps_the_ranks(method):
    # Wang & Elhag (2006) Table 2, "BG" rows: composite of the max-normalised priorities.
    before = belton_gear(list("ABC"), "ideal", method)
    assert before.composite.round(4).to_dict() == {"A": 0.6667, "B": 0.7037, "C": 0.1111}
    after = belton_gear(list("ABCD"), "ideal", method)
    assert after.composite.round(4).to_dict() == {"A": 0.6667, "B": 0.7037, "C": 0.1111,
                                                  "D": 0.7037}
    assert after.ranks.to_dict() == {"A": 3, "B": 1, "C": 4, "D": 1}
    assert after.scores.sum() == pytest.approx(1.0)
    assert "Ideal mode: local priorities divided by the best under each criterion" in after.steps


def test_saaty_vargas_counterexample_ideal_mode_can_reverse():
    # Saaty & Vargas' counterexample to the B-G mode, Wang & Elhag (2006) Tables 3-4: values
    # A, B, C = (1, 2, 2), (7, 6, 7), (3, 1, 6) on three equally weighted criteria.
    values = {"1": {"A": 1, "B": 2, "C": 2}, "2": {"A": 7, "B": 6, "C": 7},
              "3": {"A": 3, "B": 1, "C": 6}}
    equal = pd.DataFrame(np.ones((3, 3)), index=list("123"), columns=list("123"))

    def run(alternatives, mode):
        matrices = {c: ratio_matrix([v[x] for x in alternatives], alternatives)
                    for c, v in values.items()}
        return ahp_hierarchy(equal, matrices, mode=mode)

    assert run(list("AB"), "distributive").composite.round(4).to_dict() == {"A": 0.5406,
                                                                          "B": 0.4594}
    assert run(list("ABC"), "distributive").composite.round(4).to_dict() == {
        "A": 0.2833, "B": 0.2667, "C": 0.4500}
    assert run(list("AB"), "ideal").composite.round(4).to_dict() == {"A": 0.8333, "B": 0.7302}
    assert run(list("ABC"), "ideal").composite.round(4).to_dict() == {"A": 0.6667, "B": 0.6746,
                                                                   "C": 1.0}


def test_cities_example_matches_ahpy():
    # Saaty (2005), Theory and Applications of the Analytic Network Process, "best city to live
    # in": data and expected global priorities (4 decimals) from AHPy's tests
    # (test_cities_weights_dd_precision_4), an independent implementation.
    criteria = from_pairs({
        ("Culture", "Housing"): 3, ("Culture", "Transportation"): 5, ("Family", "Culture"): 5,
        ("Family", "Housing"): 7, ("Family", "Transportation"): 7,
        ("Housing", "Transportation"): 3, ("Jobs", "Culture"): 2, ("Jobs", "Housing"): 4,
        ("Jobs", "Transportation"): 7, ("Family", "Jobs"): 1})
    local = {
        "Culture": {("Bethesda", "Pittsburgh"): 1, ("Boston", "Bethesda"): 2,
                    ("Boston", "Pittsburgh"): 2.5, ("Boston", "Santa Fe"): 1,
                    ("Santa Fe", "Bethesda"): 2, ("Santa Fe", "Pittsburgh"): 2.5},
        "Family": {("Bethesda", "Boston"): 2, ("Bethesda", "Santa Fe"): 4,
                   ("Boston", "Santa Fe"): 2, ("Pittsburgh", "Bethesda"): 3,
                   ("Pittsburgh", "Boston"): 8, ("Pittsburgh", "Santa Fe"): 9},
        "Housing": {("Bethesda", "Boston"): 5, ("Bethesda", "Santa Fe"): 2.5,
                    ("Pittsburgh", "Bethesda"): 2, ("Pittsburgh", "Boston"): 9,
                    ("Pittsburgh", "Santa Fe"): 7, ("Santa Fe", "Boston"): 4},
        "Jobs": {("Bethesda", "Pittsburgh"): 3, ("Bethesda", "Santa Fe"): 4,
                 ("Boston", "Bethesda"): 2, ("Boston", "Pittsburgh"): 6,
                 ("Boston", "Santa Fe"): 8, ("Pittsburgh", "Santa Fe"): 1},
        "Transportation": {("Bethesda", "Boston"): 1.5, ("Bethesda", "Santa Fe"): 4,
                           ("Boston", "Santa Fe"): 2.5, ("Pittsburgh", "Bethesda"): 2,
                           ("Pittsburgh", "Boston"): 3.5, ("Pittsburgh", "Santa Fe"): 9}}
    result = ahp_hierarchy(criteria, {c: from_pairs(p) for c, p in local.items()})
    assert result.scores.round(4).to_dict() == {"Bethesda": 0.2291, "Boston": 0.2748,
                                                "Pittsburgh": 0.3852, "Santa Fe": 0.1110}
    assert not any(result.consistency["completed"])


# Bozóki, Fülöp & Rónyai (2010), "On optimal completion of incomplete pairwise comparison
# matrices", Math. Comput. Modelling 52, Example 3 (p. 332): one judgement missing; the optimal
# value is x = 0.7303 (as quoted in the tests of AHPy and multiAHPy).
BOZOKI = pd.DataFrame([[1, 1, 5, 2], [1, 1, 3, 4], [1 / 5, 1 / 3, 1, None],
                       [1 / 2, 1 / 4, None, 1]], index=list("abcd"), columns=list("abcd"))


def test_bozoki_2010_example_3_geometric_mean_completion():
    result = ahp(BOZOKI, method="geometric_mean")
    x = result.matrix.loc["c", "d"]
    assert result.completed and result.completion == "llsm"
    assert round(x, 4) == 0.7303
    # Logarithmic least squares fills one missing entry of a 4x4 matrix with the geometric mean
    # of its two indirect estimates, a_ca a_ad and a_cb a_bd: sqrt(2/5 * 4/3) = sqrt(8/15).
    assert x == pytest.approx(math.sqrt(8 / 15), rel=1e-12)
    assert result.matrix.loc["d", "c"] == pytest.approx(1 / x, rel=1e-12)

    # The paper's x minimises lambda_max; here both completions coincide.
    def lambda_max(value):
        filled = BOZOKI.to_numpy(float, copy=True)
        filled[2, 3], filled[3, 2] = value, 1 / value
        return max(np.linalg.eigvals(filled).real)

    optimum = minimize_scalar(lambda_max, bounds=(0.1, 9), method="bounded",
                              options={"xatol": 1e-10})
    assert x == pytest.approx(optimum.x, abs=1e-5)
    # The completed matrix's row geometric means are the logarithmic least squares weights.
    logs = np.log(result.matrix.to_numpy()).mean(axis=1)
    assert result.weights.to_numpy() == pytest.approx(np.exp(logs) / np.exp(logs).sum())


def test_harker_completion_is_the_eigenvector_of_the_completed_matrix():
    # Harker (1987): with missing a_ij set to 0 and each diagonal 1 + missing in its row, the
    # principal eigenvector w of that matrix is also the principal eigenvector of the matrix
    # completed with w_i / w_j, with the same eigenvalue.
    result = ahp(BOZOKI)
    assert result.completed and result.completion == "harker"
    harker = result.steps["Harker's matrix (missing judgements 0, diagonal 1 + missing in the row)"]
    assert np.diag(harker).tolist() == [1, 1, 2, 2] and harker.loc["c", "d"] == 0
    values, vectors = np.linalg.eig(harker.to_numpy())
    k = np.argmax(values.real)
    assert result.lambda_max == pytest.approx(values[k].real, rel=1e-12)
    vector = vectors[:, k].real / vectors[:, k].real.sum()
    assert result.weights.to_numpy() == pytest.approx(vector, rel=1e-10)
    w = result.weights
    assert result.matrix.loc["c", "d"] == pytest.approx(w["c"] / w["d"], rel=1e-12)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", range(5))
def test_consistent_matrix_with_gaps_recovers_its_weights(make_weights, method, seed):
    w, full = make_weights(seed, 7)
    holes = full.copy()
    # Keep a spanning path c0-c1-...-c6, drop half of the other pairs at random.
    rng = np.random.default_rng(100 + seed)
    for i, j in combinations(range(7), 2):
        if j > i + 1 and rng.random() < 0.5:
            holes.iloc[i, j] = holes.iloc[j, i] = np.nan
    result = ahp(holes, method=method)
    assert result.completed
    assert result.weights.to_numpy() == pytest.approx(w.to_numpy(), rel=1e-10)
    assert result.matrix.to_numpy() == pytest.approx(full.to_numpy(), rel=1e-10)
    assert result.cr == pytest.approx(0, abs=1e-10)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("seed", "n"), [(1, 3), (2, 5), (3, 9), (4, 15)])
def test_consistent_matrix_gives_back_its_weights(make_weights, method, seed, n):
    w, matrix = make_weights(seed, n)
    result = ahp(matrix, method=method)
    assert result.weights.to_numpy() == pytest.approx(w.to_numpy(), rel=1e-12)
    assert result.lambda_max == pytest.approx(n, rel=1e-12)
    assert result.cr == pytest.approx(0, abs=1e-12)
    assert result.consistent and not result.completed
    if method == "geometric_mean":
        assert result.gci == pytest.approx(0, abs=1e-20)


def random_reciprocal(seed, n):
    rng = np.random.default_rng(seed)
    scale = np.array([1 / 9, 1 / 7, 1 / 5, 1 / 3, 1, 3, 5, 7, 9])
    labels = [f"k{i}" for i in range(n)]
    return pairwise(labels, rng.choice(scale, n * (n - 1) // 2))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", range(6))
def test_weights_sum_to_one_and_follow_a_relabelling(method, seed):
    matrix = random_reciprocal(seed, 6)
    result = quiet(ahp, matrix, method=method)
    assert result.weights.sum() == pytest.approx(1.0)
    assert (result.weights > 0).all() and result.weights.name == "weight"
    order = np.random.default_rng(seed).permutation(6)
    labels = matrix.index[order]
    shuffled = quiet(ahp, matrix.loc[labels, labels], method=method)
    assert list(shuffled.weights.index) == list(labels)
    assert shuffled.weights.to_numpy() == pytest.approx(result.weights[labels].to_numpy(),
                                                        rel=1e-10)
    assert shuffled.cr == pytest.approx(result.cr, rel=1e-10)
    renamed = matrix.set_axis([f"z{i}" for i in range(6)], axis=0).set_axis(
        [f"z{i}" for i in range(6)], axis=1)
    assert quiet(ahp, renamed, method=method).cr == pytest.approx(result.cr, rel=1e-12)


def test_columns_in_another_order_are_aligned_to_the_index():
    shuffled = DRINKS_MATRIX[DRINKS[::-1]]
    assert ahp(shuffled).weights.to_numpy() == pytest.approx(ahp(DRINKS_MATRIX).weights)


@pytest.mark.parametrize(("matrix", "n"), [(DRINKS_MATRIX, 7), (HOUSE, 8)])
def test_eigenvector_agrees_with_pymcdm(matrix, n):
    from pymcdm.weights.subjective import AHP

    reference = AHP(matrix=matrix.to_numpy())
    ours = quiet(ahp, matrix)
    assert ours.weights.to_numpy() == pytest.approx(reference(), abs=1e-9)
    # pymcdm divides the same CI by Tummala & Ling's random index instead of Saaty's.
    assert ours.ci == pytest.approx(reference.get_cr() * AHP.RI_M[n - 1], abs=1e-9)


def test_geometric_mean_reports_lambda_max_and_gci():
    # The transportation matrix of Saaty (1990). For n = 3 the row geometric mean is the
    # eigenvector, lambda_max = 1 + k^(1/3) + k^(-1/3) with k = a12 a23 / a13, and
    # GCI = (ln k)^2 / 3 (each log error is +-ln(k)/3).
    matrix = pairwise(HOUSES, HOUSE_LOCAL["transportation"][0])
    eigen = quiet(ahp, matrix)
    geometric = quiet(ahp, matrix, method="geometric_mean")
    k = 7 * (1 / 8) / (1 / 5)
    assert geometric.weights.to_numpy() == pytest.approx(eigen.weights.to_numpy(), rel=1e-12)
    assert geometric.lambda_max == pytest.approx(1 + k ** (1 / 3) + k ** (-1 / 3), rel=1e-12)
    assert geometric.gci == pytest.approx(math.log(k) ** 2 / 3, rel=1e-12)
    assert geometric.gci_threshold == 0.31 and eigen.gci is None
    # So for n = 3, GCI = 3 acosh(1 + CI)^2: CR = 0.10 with RI(3) = 0.525 gives GCI = 0.31,
    # the threshold of Aguarón & Moreno-Jiménez (2003).
    assert geometric.gci == pytest.approx(3 * math.acosh(1 + geometric.ci) ** 2, rel=1e-10)
    assert round(3 * math.acosh(1 + 0.10 * 0.525) ** 2, 2) == 0.31


def test_gci_thresholds_by_order(make_weights):
    for n, threshold in [(3, 0.31), (4, 0.35), (5, 0.37), (9, 0.37)]:
        assert ahp(make_weights(n, n)[1], method="geometric_mean").gci_threshold == threshold
    assert ahp(make_weights(0, 2)[1], method="geometric_mean").gci_threshold is None


def test_geometric_mean_on_drinks_is_the_row_geometric_mean():
    # Crawford & Williams (1985): w_i proportional to (prod_j a_ij)^(1/n);
    # lambda_max reported as the mean of (A w)_i / w_i.
    a = DRINKS_MATRIX.to_numpy()
    w = np.prod(a, axis=1) ** (1 / 7)
    w = w / w.sum()
    result = ahp(DRINKS_MATRIX, method="geometric_mean")
    assert result.weights.to_numpy() == pytest.approx(w, rel=1e-12)
    assert result.lambda_max == pytest.approx(np.mean(a @ w / w), rel=1e-12)
    assert result.cr == pytest.approx((result.lambda_max - 7) / 6 / 1.32, rel=1e-12)
    n = 7
    logs = np.log(a * w[None, :] / w[:, None])
    gci = 2 / ((n - 1) * (n - 2)) * sum(logs[i, j] ** 2 for i, j in combinations(range(n), 2))
    assert result.gci == pytest.approx(gci, rel=1e-12)


def test_random_index_table():
    # Saaty (1980): n = 1..10, then the extension to n = 15.
    assert list(RANDOM_INDEX.values()) == [0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49,
                                           1.51, 1.48, 1.56, 1.57, 1.59]


def test_small_matrices_have_cr_zero():
    one = ahp(np.array([[1.0]]))
    assert one.weights.tolist() == [1.0] and one.cr == 0 and one.ci == 0 and one.consistent
    two = ahp(np.array([[1, 7], [1 / 7, 1]]))
    assert two.weights.to_numpy() == pytest.approx([7 / 8, 1 / 8])
    assert two.cr == 0 and two.lambda_max == pytest.approx(2)
    assert list(two.weights.index) == [0, 1]


def test_more_than_fifteen_items_warns_that_cr_is_undefined(make_weights):
    with pytest.warns(WorkbenchWarning, match="tabulated for n <= 15"):
        result = ahp(make_weights(1, 16)[1])
    assert math.isnan(result.cr) and not result.consistent


def test_result_displays_itself_and_keeps_its_steps():
    result = ahp(BOZOKI, method="geometric_mean")
    page = result._repr_html_()
    assert "CR = " in page and "GCI" in page and "least squares" in page and "<table" in page
    assert list(result.steps) == [
        "Pairwise judgements (row vs column; blank = not compared)",
        "Logarithmic least squares system (graph Laplacian | row sum of logs)",
        "Completed matrix (missing judgements set to w_i / w_j)",
        "Weights and consistency vector",
        "Judgement errors e_ij = a_ij w_j / w_i (1 = agrees with the weights)"]
    frame = result.to_frame()
    assert list(frame.columns) == ["weight", "rank", "(A w)_i / w_i"]
    assert frame["rank"].tolist() == [1, 2, 3, 4]
    with pytest.raises(AttributeError):
        result.cr = 0  # frozen
    hierarchy = belton_gear(list("ABCD"), "ideal", "eigenvector")
    assert "ideal" in hierarchy._repr_html_()
    assert hierarchy.to_frame().index[:2].tolist() == ["B", "D"]


# Rating scales (absolute measurement).

SCALE = {"excellent": 1.0, "good": 0.6, "fair": 0.3, "poor": 0.1}
RATINGS = pd.DataFrame({"fit": ["excellent", "good", "poor"],
                        "risk": ["fair", "excellent", "good"]}, index=["P1", "P2", "P3"])


def test_ratings_score_is_the_weighted_sum_of_ideal_priorities():
    result = ahp_ratings({"fit": 0.7, "risk": 0.3}, RATINGS, {"fit": SCALE, "risk": SCALE})
    # By hand: P1 0.7*1 + 0.3*0.3 = 0.79; P2 0.7*0.6 + 0.3*1 = 0.72; P3 0.07 + 0.18 = 0.25.
    assert result.scores.to_dict() == pytest.approx({"P1": 0.79, "P2": 0.72, "P3": 0.25})
    assert result.ranks.to_dict() == {"P1": 1, "P2": 2, "P3": 3}
    assert result.mode == "ratings" and result.local.loc["P3", "fit"] == pytest.approx(0.1)
    assert "Rating scales (priority of each intensity, best = 1)" in result.steps
    assert "<table" in result._repr_html_()


def test_ratings_scale_from_a_pairwise_matrix_is_divided_by_its_best():
    labels = ["excellent", "good", "fair", "poor"]
    ideal = dict(zip(labels, [1.0, 0.6, 0.3, 0.12]))
    scale = ratio_matrix(list(ideal.values()), labels)
    unscaled = {label: 5 * p for label, p in ideal.items()}  # same ratios, best = 5
    result = ahp_ratings({"fit": 0.5, "risk": 0.5}, RATINGS, {"fit": scale, "risk": unscaled})
    direct = ahp_ratings({"fit": 0.5, "risk": 0.5}, RATINGS, {"fit": ideal, "risk": ideal})
    assert result.scores.to_numpy() == pytest.approx(direct.scores.to_numpy(), rel=1e-12)
    assert list(result.consistency.index) == ["fit"]
    assert result.weights.to_dict() == {"fit": 0.5, "risk": 0.5}


def test_ratings_do_not_reverse_ranks_when_an_alternative_is_added():
    scales = {"fit": SCALE, "risk": SCALE}
    result = ahp_ratings({"fit": 0.7, "risk": 0.3}, RATINGS, scales)
    more = pd.concat([RATINGS, pd.DataFrame({"fit": ["good"], "risk": ["good"]}, index=["P4"])])
    larger = ahp_ratings({"fit": 0.7, "risk": 0.3}, more, scales)
    assert larger.scores[RATINGS.index].to_numpy() == pytest.approx(result.scores.to_numpy())


def test_ratings_accept_criteria_results_and_loose_labels():
    criteria = ahp(pd.DataFrame([[1, 3], [1 / 3, 1]], index=["fit", "risk"],
                                columns=["fit", "risk"]))
    loose = RATINGS.replace({"excellent": " Excellent ", "good": "GOOD"})
    result = ahp_ratings(criteria, loose, {"fit": SCALE, "risk": list(SCALE.items())})
    assert result.criteria is criteria and list(result.consistency.index) == ["goal"]
    assert result.scores["P1"] == pytest.approx(0.75 * 1 + 0.25 * 0.3)
    numeric = ahp_ratings({"q": 1}, pd.DataFrame({"q": [5.0, 1]}), {"q": {5: 1.0, 1: 0.2}})
    assert numeric.scores.tolist() == pytest.approx([1.0, 0.2])


def test_ratings_errors_name_every_bad_cell():
    bad = RATINGS.copy()
    bad.loc["P2", "fit"] = "grate"
    bad.loc["P3", "risk"] = None
    with pytest.raises(ValidationError) as error:
        ahp_ratings({"fit": 0.5, "risk": 0.5}, bad, {"fit": SCALE, "risk": SCALE})
    message = str(error.value)
    assert "alternative 'P2', criterion 'fit': found 'grate'" in message
    assert "alternative 'P3', criterion 'risk': found a blank cell" in message
    assert "expected one of: excellent, good, fair, poor" in message
    with pytest.raises(ValidationError, match=r"No rating scale for criteria \['risk'\]"):
        ahp_ratings({"fit": 0.5, "risk": 0.5}, RATINGS, {"fit": SCALE})
    with pytest.raises(ValidationError, match=r"No ratings for criteria \['cost'\]"):
        ahp_ratings({"fit": 1, "risk": 1, "cost": 1}, RATINGS, {"fit": SCALE, "risk": SCALE})
    with pytest.raises(ValidationError, match=r"Ratings given for \['risk'\], which have no"):
        ahp_ratings({"fit": 1}, RATINGS, {"fit": SCALE})
    with pytest.raises(ValidationError, match=r"finite numbers >= 0"):
        ahp_ratings({"fit": -1, "risk": 1}, RATINGS, {"fit": SCALE, "risk": SCALE})
    with pytest.raises(ValidationError, match="priority >= 0"):
        ahp_ratings({"fit": 1, "risk": 1}, RATINGS, {"fit": SCALE, "risk": {"good": "high"}})
    with pytest.raises(ValidationError, match="Rating scale of criterion 'risk'"):
        ahp_ratings({"fit": 1, "risk": 1}, RATINGS, {"fit": SCALE, "risk": ["good", "poor"]})
    with pytest.warns(WorkbenchWarning, match="renormalised"):
        ahp_ratings({"fit": 2, "risk": 2}, RATINGS, {"fit": SCALE, "risk": SCALE})


# Bad pairwise matrices: each error says where, what was expected, what was found, how to fix.


def test_not_square():
    with pytest.raises(ValidationError, match=r"must be square.*found shape 2x3"):
        ahp(np.ones((2, 3)))
    with pytest.raises(ValidationError, match="empty"):
        ahp(np.empty((0, 0)))


def test_index_and_columns_differ():
    frame = pd.DataFrame(np.ones((2, 2)), index=["a", "b"], columns=["a", "c"])
    with pytest.raises(ValidationError,
                       match=r"only in the rows: \['b'\], only in the columns: \['c'\]"):
        ahp(frame)
    twice = pd.DataFrame(np.ones((2, 2)), index=["a", "a"], columns=["a", "b"])
    with pytest.raises(ValidationError, match="more than once"):
        ahp(twice)


@pytest.mark.parametrize(("value", "found"), [
    ("high", r"row 'a', column 'b': text 'high'"),
    (True, r"row 'a', column 'b': True"),
    (pd.Timestamp("2024-01-03"), "Excel turned a fraction into a date"),
])
def test_non_numeric_entries(value, found):
    frame = pd.DataFrame([[1, value], [1, 1]], index=["a", "b"], columns=["a", "b"], dtype=object)
    with pytest.raises(ValidationError, match=found):
        ahp(frame)


@pytest.mark.parametrize("value", [0, -2, np.inf])
def test_zero_negative_or_infinite_entries(value):
    frame = pd.DataFrame([[1, value], [1, 1]], index=["a", "b"], columns=["a", "b"])
    with pytest.raises(ValidationError, match=r"expected positive finite judgements, found "
                                              r"row 'a', column 'b'"):
        ahp(frame)


def test_diagonal_not_one():
    with pytest.raises(ValidationError, match=r"diagonal must be 1.*row 1, column 1: 2"):
        ahp(np.array([[1, 2], [0.5, 2]]))
    with pytest.warns(WorkbenchWarning, match="blank diagonal"):
        assert ahp(np.array([[np.nan, 2], [0.5, 1]])).weights.tolist() == pytest.approx([2 / 3,
                                                                                        1 / 3])


def test_not_reciprocal_names_the_pair_and_both_values():
    frame = pairwise(["a", "b", "c"], [3, 5, 4])
    frame.loc["b", "a"] = 0.5
    with pytest.raises(ValidationError) as error:
        ahp(frame)
    message = str(error.value)
    assert "row 'a', column 'b' is 3 but row 'b', column 'a' is 0.5" in message
    assert "enter 1/3 in row 'b', column 'a' or leave it blank" in message


def test_rounded_reciprocals_are_accepted_and_the_upper_triangle_wins():
    typed = pd.DataFrame([[1, 3, "1/2"], [0.33, 1, "1/6"], [2, 6.05, 1]], index=list("abc"),
                         columns=list("abc"), dtype=object)
    result = ahp(typed)
    assert result.matrix.loc["b", "a"] == 1 / 3 and result.matrix.loc["c", "b"] == 6
    assert result.weights.to_numpy() == pytest.approx([0.3, 0.1, 0.6])
    seven = pd.DataFrame([[1, 7], [0.14, 1]])  # 7 x 0.14 = 0.98: a two-decimal rounding
    assert ahp(seven).matrix.loc[1, 0] == pytest.approx(1 / 7)
    wrong = pd.DataFrame([[1, 3], [0.3, 1]])  # 3 x 0.3 = 0.9: not a rounding of 1/3
    with pytest.raises(ValidationError, match="within 5%"):
        ahp(wrong)


def test_one_triangle_is_enough():
    upper = pairwise(list("abc"), [3, 5, 2])
    lower_blank = upper.where(np.triu(np.ones((3, 3), dtype=bool)))
    result = ahp(lower_blank)
    assert not result.completed
    assert result.weights.to_numpy() == pytest.approx(ahp(upper).weights.to_numpy())


def test_values_outside_the_scale_warn_but_are_kept():
    with pytest.warns(WorkbenchWarning, match=r"outside Saaty's 1/9..9 scale: row 0, column 1: "
                                              r"12"):
        result = ahp(np.array([[1, 12], [1 / 12, 1]]))
    assert result.weights.tolist() == pytest.approx([12 / 13, 1 / 13])
    with warnings.catch_warnings():
        warnings.simplefilter("error", WorkbenchWarning)
        ahp(np.array([[1, 0.11], [1 / 0.11, 1]]))  # 1/9 rounded to 0.11 is on the scale


@pytest.mark.parametrize("method", METHODS)
def test_disconnected_judgements_name_the_groups(method):
    frame = pd.DataFrame([[1, 2, None, None], [0.5, 1, None, None], [None, None, 1, 4],
                          [None, None, 0.25, 1]], index=list("abcd"), columns=list("abcd"))
    with pytest.raises(ValidationError) as error:
        ahp(frame, method=method)
    message = str(error.value)
    assert "{'a', 'b'} and {'c', 'd'} are never compared" in message
    assert "e.g. row 'a', column 'c'" in message


def test_unknown_method_or_mode():
    with pytest.raises(UnknownChoiceError, match="Choose one of: eigenvector, geometric_mean"):
        ahp(DRINKS_MATRIX, method="eigen")
    assert ahp(DRINKS_MATRIX, method=" Geometric_Mean ").method == "geometric_mean"
    matrices = {c: ratio_matrix([1, 2], ["A", "B"]) for c in "abc"}
    with pytest.raises(UnknownChoiceError, match="Choose one of: distributive, ideal"):
        ahp_hierarchy(EQUAL, matrices, mode="absolute")


def test_hierarchy_errors():
    two = ratio_matrix([1, 2], ["A", "B"])
    with pytest.raises(ValidationError, match=r"No pairwise matrix of the alternatives for "
                                              r"criteria \['c'\]"):
        ahp_hierarchy(EQUAL, {"a": two, "b": two})
    with pytest.raises(ValidationError, match=r"given for \['z'\], which are not criteria"):
        ahp_hierarchy(EQUAL, {"a": two, "b": two, "c": two, "z": two})
    other = ratio_matrix([1, 2], ["A", "C"])
    with pytest.raises(ValidationError, match=r"under 'c' missing \['B'\] and extra \['C'\]"):
        ahp_hierarchy(EQUAL, {"a": two, "b": two, "c": other})
    bad = two.copy()
    bad.loc["A", "B"] = -1
    with pytest.raises(ValidationError, match="Alternatives under criterion 'b'"):
        ahp_hierarchy(EQUAL, {"a": two, "b": bad, "c": two})


def test_hierarchy_warns_with_the_name_of_the_inconsistent_matrix():
    matrices = {c: pairwise(HOUSES, [1, 1, 1]) for c in "abc"}
    matrices["b"] = pairwise(HOUSES, HOUSE_LOCAL["transportation"][0])
    with pytest.warns(WorkbenchWarning, match="Alternatives under criterion 'b': CR = 0.213"):
        result = ahp_hierarchy(EQUAL, matrices)
    assert isinstance(result.matrices["b"], AHPResult) and not result.matrices["b"].consistent
    assert not result.consistency.loc["b", "consistent"]

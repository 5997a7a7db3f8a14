"""Scoring: published worked examples, a cross-check with pymcdm, properties and clear errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import seo_workbench as seo
from seo_workbench import scoring

METHODS = ["weighted_sum", "weighted_product", "topsis", "vikor", "promethee_ii"]
PI_CAPTION = "Aggregated preference indices pi(a, b) (row a over column b)"


def decision(rows, objectives, weights, ids=None):
    """Matrix, weights and objectives for criteria c1, c2, ...; objectives as +1 max / -1 min."""
    rows = np.asarray(rows, dtype=float)
    criteria = [f"c{j + 1}" for j in range(rows.shape[1])]
    ids = ids or [f"A{i + 1}" for i in range(rows.shape[0])]
    matrix = pd.DataFrame(rows, index=ids, columns=criteria)
    return (matrix, dict(zip(criteria, weights)),
            {c: "max" if o > 0 else "min" for c, o in zip(criteria, objectives)})


@pytest.fixture
def make_problem():
    """A seeded random problem: positive values, mixed objectives, weights summing to 1."""

    def build(seed=0, n_alternatives=12, n_criteria=4):
        rng = np.random.default_rng(seed)
        objectives = np.where(rng.random(n_criteria) < 0.5, 1, -1)
        objectives[0], objectives[-1] = 1, -1
        weights = rng.random(n_criteria) + 0.05
        return decision(rng.uniform(1, 10, (n_alternatives, n_criteria)), objectives,
                        weights / weights.sum())

    return build


def test_weighted_sum_worked_example():
    # By hand: fit min 1 max 5, risk (min) 1..3.
    # A: fit (3-1)/4 = 0.5, risk 1 - (2-1)/2 = 0.5 -> 0.6*0.5 + 0.4*0.5 = 0.5
    # B: fit 1.0, risk 0.0 -> 0.6 ; C: fit 0.0, risk 1.0 -> 0.4
    matrix = pd.DataFrame({"fit": [3, 5, 1], "risk": [2, 3, 1]}, index=["A", "B", "C"])
    result = seo.score(matrix, {"fit": 0.6, "risk": 0.4}, {"fit": "max", "risk": "min"})
    assert result.scores.to_dict() == pytest.approx({"A": 0.5, "B": 0.6, "C": 0.4})
    assert result.ranks.to_dict() == {"B": 1, "A": 2, "C": 3}
    assert list(result.steps) == ["Decision matrix",
                                  "Min-max normalised matrix (1 = best on each criterion)",
                                  "Weighted contributions (normalised value x weight)"]
    assert result.details.sum(axis=1).to_numpy() == pytest.approx(result.scores.to_numpy())


def test_dominating_alternative_ranks_first_and_scale_does_not_matter():
    rng = np.random.default_rng(7)
    matrix = pd.DataFrame(rng.uniform(1, 5, (20, 4)), columns=list("abcd"))
    matrix.loc[20] = matrix.max() + [0.5, 0.5, 0.5, 0]  # best on a,b,c; tied best on d
    objectives = dict.fromkeys("abcd", "max")
    weights = {"a": 1, "b": 2, "c": 3, "d": 4}
    result = seo.score(matrix, weights, objectives)
    assert result.ranks[20] == 1
    rescaled = seo.score(matrix * [10, 1, 100, 1], weights, objectives)
    assert rescaled.scores.to_numpy() == pytest.approx(result.scores.to_numpy())


def test_bad_inputs_raise_clear_errors():
    matrix = pd.DataFrame({"fit": [1, 2]})
    with pytest.raises(seo.UnknownChoiceError, match="Choose one of: promethee_ii, topsis, vikor, "
                                                     "weighted_product, weighted_sum"):
        seo.score(matrix, {"fit": 1}, {"fit": "max"}, method="toppsis")
    with pytest.raises(seo.ValidationError, match="No weight for criteria"):
        seo.score(matrix, {}, {"fit": "max"})
    with pytest.raises(seo.ValidationError, match="'max' or 'min'"):
        seo.score(matrix, {"fit": 1}, {"fit": "up"})


def test_direct_weights_normalise_with_a_warning():
    with pytest.warns(seo.WorkbenchWarning, match="renormalised"):
        weights = seo.weights.direct({"a": 3, "b": 1})
    assert weights.to_dict() == {"a": 0.75, "b": 0.25}
    with pytest.raises(seo.ValidationError):
        seo.weights.direct({"a": 0, "b": 0})


# Published worked examples. Each reproduces the source's numbers to the precision it prints.

def test_topsis_reproduces_tzeng_huang_2011():
    # Tzeng, G.-H., & Huang, J.-J. (2011). Multiple Attribute Decision Making: Methods and
    # Applications. CRC Press. TOPSIS example, vector normalisation; closeness printed to
    # 4 decimals. Quoted in scikit-criteria, tests/madm/test_similarity.py.
    problem = decision([[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]], [1, 1, 1], [0.3, 0.4, 0.3])
    result = seo.score(*problem, method="topsis")
    assert result.details["closeness"].tolist() == pytest.approx(
        [0.5037, 0.6581, 0.7482, 0.3340], abs=5e-5)
    assert result.ranks.tolist() == [3, 2, 1, 4]


def test_topsis_reproduces_opricovic_tzeng_2004_with_minmax():
    # Opricovic & Tzeng (2004), EJOR 156(2), 445-455, numerical example: A1..A3 on f1 (min)
    # and f2 (max), equal weights; TOPSIS with linear (min-max) normalisation, 3 decimals.
    # Quoted in pymcdm, test/test_mcdm.py::TestTOPSIS.
    problem = decision([[1, 3000], [2, 3750], [5, 4500]], [-1, 1], [0.5, 0.5])
    result = seo.score(*problem, method="topsis", normalization="minmax")
    assert result.scores.tolist() == pytest.approx([0.500, 0.617, 0.500], abs=5e-4)
    assert result.ranks.tolist() == [2, 1, 2]


def test_topsis_reproduces_ersoy_2021_with_cost_criteria():
    # Ersoy, Y. (2021). Equipment selection for an e-commerce company using entropy-based
    # TOPSIS, EDAS and CODAS methods during the COVID-19. LogForum, 17(3). Two cost criteria,
    # vector normalisation. Quoted in pyrepo-mcda, tests/test_mcda_methods.py, which checks
    # 2 decimals (the paper rounds its intermediate tables; the third decimal differs by 1).
    problem = decision(
        [[256, 8, 41, 1.6, 1.77, 7347.16], [256, 8, 32, 1.0, 1.8, 6919.99],
         [256, 8, 53, 1.6, 1.9, 8400], [256, 8, 41, 1.0, 1.75, 6808.9],
         [512, 8, 35, 1.6, 1.7, 8479.99], [256, 4, 35, 1.6, 1.7, 7499.99]],
        [1, 1, 1, 1, -1, -1], [0.405, 0.221, 0.134, 0.199, 0.007, 0.034])
    result = seo.score(*problem, method="topsis")
    published = [0.308, 0.254, 0.327, 0.263, 0.857, 0.192]
    assert result.scores.round(2).tolist() == list(np.round(published, 2))


def test_vikor_reproduces_opricovic_tzeng_2004():
    # Opricovic & Tzeng (2004), EJOR 156(2), 445-455, numerical example (f1 min, f2 max,
    # equal weights, v = 0.5): Q = (1, 0, 1), so A2 is the compromise solution. Q as quoted in
    # pymcdm, test/test_mcdm.py::TestVIKOR.test_output_opricovic. S and R by hand:
    # A1 (0 + 0.5, max 0.5), A2 (0.125 + 0.25, max 0.25), A3 (0.5 + 0, max 0.5).
    problem = decision([[1, 3000], [2, 3750], [5, 4500]], [-1, 1], [0.5, 0.5])
    result = seo.score(*problem, method="vikor")
    assert result.details["Q"].tolist() == [1, 0, 1]
    assert result.details["S"].tolist() == pytest.approx([0.5, 0.375, 0.5])
    assert result.details["R"].tolist() == pytest.approx([0.5, 0.25, 0.5])
    assert result.scores.tolist() == [0, 1, 0]  # 1 - Q: higher is better
    assert result.ranks.tolist() == [2, 1, 2]
    # C1: Q(A1) - Q(A2) = 1 >= DQ = 1 / (3 - 1); C2: A2 is also best by S and by R.
    assert dict(result.extra) == {"compromise_set": ("A2",), "acceptable_advantage": True,
                                  "acceptable_stability": True, "dq": 0.5}


def test_vikor_reproduces_papathanasiou_ploskas_2018():
    # Papathanasiou, J., & Ploskas, N. (2018). VIKOR. In Multiple Criteria Decision Aid
    # (pp. 31-55). Springer. Six alternatives, four max criteria, v = 0.625; Q to 3 decimals.
    # Quoted in pyrepo-mcda, tests/test_mcda_methods.py::Test_VIKOR.
    problem = decision([[8, 7, 2, 1], [5, 3, 7, 5], [7, 5, 6, 4], [9, 9, 7, 3], [11, 10, 3, 7],
                        [6, 9, 5, 4]], [1, 1, 1, 1], [0.4, 0.3, 0.1, 0.2])
    result = seo.score(*problem, method="vikor", v=0.625)
    assert result.details["Q"].tolist() == pytest.approx(
        [0.640, 1.000, 0.693, 0.271, 0.000, 0.694], abs=5e-4)
    assert result.ranks.tolist() == [3, 6, 4, 2, 1, 5]
    assert result.extra["compromise_set"] == ("A5",)


def test_vikor_reproduces_yang_wu_2020():
    # Yang, W., & Wu, Y. (2020). A new improvement method to avoid rank reversal in VIKOR.
    # IEEE Access, 8, 21261-21271. Q to 4 decimals, v = 0.5. Quoted in pymcdm,
    # test/test_mcdm.py::TestVIKOR.test_output_yang.
    problem = decision([[78, 56, 34, 6], [4, 45, 3, 97], [18, 2, 50, 63], [9, 14, 11, 92],
                        [85, 9, 100, 29]], [1, 1, 1, 1], [0.25] * 4)
    result = seo.score(*problem, method="vikor")
    assert result.details["Q"].tolist() == pytest.approx([0.5679, 0.7667, 1, 0.7493, 0],
                                                         abs=5e-5)


BVM_1986 = decision(
    # Brans, Vincke & Mareschal (1986), EJOR 24(2), 228-238, numerical application: six
    # hydroelectric power-station projects. f1 manpower (min), f2 power (max), f3 construction
    # cost (min), f4 maintenance cost (min, x10 with its thresholds), f5 villages to evacuate
    # (min), f6 security (max); equal weights. Input as in Mareschal, Exercises with Visual
    # PROMETHEE (2019), Table 1.
    [[80, 90, 600, 54, 8, 5], [65, 58, 200, 97, 1, 1], [83, 60, 400, 72, 4, 7],
     [40, 80, 1000, 75, 7, 10], [52, 72, 600, 20, 3, 8], [94, 96, 700, 36, 5, 6]],
    [-1, 1, -1, -1, -1, 1], [1] * 6, ids=["a1", "a2", "a3", "a4", "a5", "a6"])
BVM_1986_PREFERENCES = {"c1": {"type": "u_shape", "q": 10}, "c2": {"type": "v_shape", "p": 30},
                        "c3": {"type": "linear", "q": 50, "p": 500},
                        "c4": {"type": "level", "q": 10, "p": 60}, "c5": "usual",
                        "c6": {"type": "gaussian", "s": 5}}


def test_promethee_ii_reproduces_brans_vincke_mareschal_1986():
    published_pi = [[0, .296, .250, .268, .100, .185], [.462, 0, .389, .333, .296, .500],
                    [.236, .180, 0, .333, .056, .429], [.399, .505, .305, 0, .223, .212],
                    [.444, .515, .487, .380, 0, .448], [.286, .399, .250, .432, .133, 0]]
    # The paper prints flows as sums over the other projects (no 1 / (n - 1)), summed from
    # its 3-decimal pi table: a5 > a2 > a4 > a6 > a3 > a1.
    published_flows = [-0.728, 0.085, -0.447, -0.102, 1.466, -0.274]
    pi = np.array(published_pi)
    assert pi.sum(axis=1) - pi.sum(axis=0) == pytest.approx(published_flows, abs=1e-9)

    result = seo.score(*BVM_1986, method="promethee_ii", preference=BVM_1986_PREFERENCES)
    # pi agrees to the printed digit (within one unit of the third decimal: the paper
    # truncates some entries), so the summed flows agree within 2e-3.
    assert result.steps[PI_CAPTION].to_numpy() == pytest.approx(pi, abs=1e-3)
    assert (result.scores * 5).tolist() == pytest.approx(published_flows, abs=2e-3)
    assert result.ranks.tolist() == [6, 2, 5, 3, 1, 4]
    assert result.details["phi"].sum() == pytest.approx(0, abs=1e-12)


def test_promethee_ii_reproduces_zhao_peng_li_2013():
    # Zhao, H., Peng, Y., & Li, W. (2013). Revised PROMETHEE II for improving efficiency in
    # emergency response. Procedia Computer Science, 17, 181-188. Usual criterion, net flows to
    # 2 decimals. Quoted in pymcdm, test/test_mcdm.py::TestPROMETHEE_II.
    problem = decision([[4, 3, 2], [3, 2, 4], [5, 1, 3]], [1, 1, 1], [0.5, 0.3, 0.2])
    result = seo.score(*problem, method="promethee_ii")
    assert result.scores.tolist() == pytest.approx([0.1, -0.3, 0.2], abs=5e-3)
    # The leaving and entering flows, as pymcdm's PROMETHEE_I example prints them for this data.
    assert result.details["phi_plus"].tolist() == pytest.approx([0.55, 0.35, 0.6])
    assert result.details["phi_minus"].tolist() == pytest.approx([0.45, 0.65, 0.4])


def test_weighted_product_reproduces_triantaphyllou_2000():
    # Triantaphyllou, E. (2000). Multi-criteria Decision Making Methods: A Comparative Study.
    # Kluwer, ch. 2: the weighted product's ratio test, as on Wikipedia's "Weighted product
    # model" page (quoted in scikit-criteria, tests/madm/test_simple.py). Ratios to 3 decimals:
    # P(A1/A2) = 1.007, P(A1/A3) = 1.067, P(A2/A3) = 1.059.
    problem = decision([[25, 20, 15, 30], [10, 30, 20, 30], [30, 10, 30, 10]], [1] * 4,
                       [0.20, 0.15, 0.40, 0.25])
    scores = seo.score(*problem, method="weighted_product").scores
    assert scores["A1"] / scores["A2"] == pytest.approx(1.007, abs=5e-4)
    assert scores["A1"] / scores["A3"] == pytest.approx(1.067, abs=5e-4)
    assert scores["A2"] / scores["A3"] == pytest.approx(1.059, abs=5e-4)
    # scikit-criteria's values for the sum-normalised version: log10 of the score.
    summed = seo.score(*problem, method="weighted_product", normalization="sum").scores
    assert np.log10(summed).tolist() == pytest.approx(
        [-0.50128589, -0.50448471, -0.52947246], abs=1e-8)


def test_weighted_sum_with_sum_normalisation_matches_scikit_criteria():
    # Data of Kracka, Brauers & Zavadskas (2010), Inzinerine Ekonomika 21(4), 352-359;
    # scores are scikit-criteria's (InvertMinimize + SumScaler + WeightedSumModel,
    # tests/madm/test_simple.py), which is x / sum x and (1 / x) / sum(1 / x).
    problem = decision(
        [[33.95, 23.78, 11.45, 39.97, 29.44, 167.10, 3.852],
         [38.9, 4.17, 6.32, 0.01, 4.29, 132.52, 25.184],
         [37.59, 9.36, 8.23, 4.35, 10.22, 136.71, 10.845],
         [30.44, 37.59, 13.91, 74.08, 45.10, 198.34, 2.186],
         [36.21, 14.79, 9.17, 17.77, 17.06, 148.3, 6.610],
         [37.8, 8.55, 7.97, 2.35, 9.25, 134.83, 11.935]],
        [-1, -1, -1, -1, 1, -1, 1], [20] * 7)
    result = seo.score(*problem, normalization="sum")
    assert result.scores.tolist() == pytest.approx(
        [0.12040426, 0.3458235, 0.13838192, 0.12841246, 0.12346084, 0.14351701], abs=1e-8)
    assert result.ranks.tolist() == [6, 1, 3, 4, 5, 2]


# Cross-check with pymcdm on random matrices, the same normalisation set on both sides.

def pymcdm_inputs(problem):
    matrix, weights, objectives = problem
    return (matrix.to_numpy(), np.array([weights[c] for c in matrix.columns]),
            np.array([1 if objectives[c] == "max" else -1 for c in matrix.columns]))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("normalization", ["minmax", "vector", "sum", "max"])
def test_weighted_sum_and_topsis_match_pymcdm(make_problem, seed, normalization):
    pymcdm = pytest.importorskip("pymcdm")
    function = getattr(pymcdm.normalizations, f"{normalization}_normalization")
    problem = make_problem(seed, n_alternatives=5 + 7 * seed, n_criteria=2 + seed)
    x, w, types = pymcdm_inputs(problem)
    for method, theirs in (("weighted_sum", pymcdm.methods.WSM(function)),
                           ("topsis", pymcdm.methods.TOPSIS(function))):
        ours = seo.score(*problem, method=method, normalization=normalization)
        expected = theirs(x, w, types, validation=False)
        assert ours.scores.to_numpy() == pytest.approx(expected, abs=1e-9)
        assert ours.ranks.tolist() == pd.Series(-expected).rank(method="min").astype(int).tolist()


@pytest.mark.parametrize("seed", range(6))
def test_weighted_product_and_vikor_match_pymcdm(make_problem, seed):
    pymcdm = pytest.importorskip("pymcdm")
    problem = make_problem(seed, n_alternatives=4 + 5 * seed, n_criteria=2 + seed)
    x, w, types = pymcdm_inputs(problem)
    wpm = pymcdm.methods.WPM(pymcdm.normalizations.sum_normalization)(x, w, types,
                                                                         validation=False)
    ours = seo.score(*problem, method="weighted_product", normalization="sum").scores
    assert ours.to_numpy() == pytest.approx(wpm, abs=1e-9)
    # Without normalisation the scores differ from the sum-normalised ones by a constant factor.
    raw = seo.score(*problem, method="weighted_product").scores
    assert (raw / ours).to_numpy() == pytest.approx(np.full(len(raw), raw.iloc[0] / ours.iloc[0]))
    for v in (0.0, 0.3, 0.5, 1.0):
        vikor = pymcdm.methods.VIKOR(v=v)(x, w, types, validation=False)
        result = seo.score(*problem, method="vikor", v=v)
        assert result.details["Q"].to_numpy() == pytest.approx(vikor, abs=1e-9)
        assert result.scores.to_numpy() == pytest.approx(1 - vikor, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("ours", "theirs"), [("usual", "usual"), ("u_shape", "ushape"),
                                              ("v_shape", "vshape"), ("level", "level"),
                                              ("linear", "vshape_2")])
def test_promethee_ii_matches_pymcdm(make_problem, seed, ours, theirs):
    pymcdm = pytest.importorskip("pymcdm")
    problem = make_problem(seed, n_alternatives=4 + 6 * seed, n_criteria=2 + seed)
    x, w, types = pymcdm_inputs(problem)
    rng = np.random.default_rng(seed)
    spread = np.ptp(x, axis=0)
    q = spread * rng.uniform(0, 0.3, x.shape[1])
    p = q + spread * rng.uniform(0.05, 0.6, x.shape[1])
    needs = scoring.PREFERENCE_FUNCTIONS[ours].thresholds
    preference = {c: {"type": ours, **{k: {"q": q, "p": p}[k][j] for k in needs}}
                  for j, c in enumerate(problem[0].columns)}
    expected = pymcdm.methods.PROMETHEE_II(theirs, p=p, q=q)(x, w, types, validation=False)
    result = seo.score(*problem, method="promethee_ii", preference=preference)
    assert result.scores.to_numpy() == pytest.approx(expected, abs=1e-9)


# Properties every score must have.

@pytest.mark.parametrize(("method", "options"), [
    ("weighted_sum", {}), ("weighted_sum", {"normalization": "vector"}),
    ("weighted_sum", {"normalization": "sum"}), ("weighted_sum", {"normalization": "max"}),
    ("topsis", {}), ("topsis", {"normalization": "minmax"}), ("topsis", {"normalization": "sum"}),
    ("topsis", {"normalization": "max"}), ("weighted_product", {}), ("vikor", {}),
    ("promethee_ii", {}), ("promethee_ii", {"preference": {"c1": {"type": "linear", "q": 0.5,
                                                                     "p": 3}}})])
@pytest.mark.parametrize("seed", range(5))
def test_a_dominating_alternative_never_ranks_below_the_one_it_dominates(
        make_problem, method, options, seed):
    matrix, weights, objectives = make_problem(seed, n_alternatives=15, n_criteria=5)
    rng = np.random.default_rng(seed)
    better = np.where([objectives[c] == "max" for c in matrix.columns], 1, -1)
    dominated = matrix.iloc[rng.integers(len(matrix))]
    matrix.loc["dominator"] = dominated + better * rng.uniform(0.01, 0.5, len(better))
    result = seo.score(matrix, weights, objectives, method=method, **options)
    assert result.ranks["dominator"] <= result.ranks[dominated.name]
    assert result.scores["dominator"] >= result.scores[dominated.name]


@pytest.mark.parametrize("method", METHODS)
def test_reordering_alternatives_or_criteria_keeps_each_score(make_problem, method):
    matrix, weights, objectives = make_problem(3, n_alternatives=40, n_criteria=6)
    result = seo.score(matrix, weights, objectives, method=method)
    rng = np.random.default_rng(3)
    shuffled = matrix.iloc[rng.permutation(len(matrix)), rng.permutation(matrix.shape[1])]
    again = seo.score(shuffled, weights, objectives, method=method)
    assert again.scores.reindex(matrix.index).to_numpy() == pytest.approx(
        result.scores.to_numpy(), abs=1e-12)
    assert again.ranks.reindex(matrix.index).tolist() == result.ranks.tolist()


@pytest.mark.parametrize(("method", "normalization"), [
    ("weighted_sum", "minmax"), ("weighted_sum", "vector"), ("weighted_sum", "sum"),
    ("weighted_sum", "max"), ("topsis", "vector"), ("topsis", "minmax"), ("topsis", "sum"),
    ("topsis", "max")])
def test_rescaling_a_criterion_keeps_the_scores(make_problem, method, normalization):
    matrix, weights, objectives = make_problem(5, n_alternatives=30, n_criteria=5)
    result = seo.score(matrix, weights, objectives, method=method, normalization=normalization)
    rescaled = seo.score(matrix * [1000, 0.01, 1, 7, 3], weights, objectives, method=method,
                         normalization=normalization)
    assert rescaled.scores.to_numpy() == pytest.approx(result.scores.to_numpy(), abs=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_ties_share_the_lowest_rank(make_problem, method):
    matrix, weights, objectives = make_problem(11, n_alternatives=30, n_criteria=4)
    matrix.iloc[[4, 17, 29]] = matrix.iloc[8].to_numpy()  # four identical alternatives
    result = seo.score(matrix, weights, objectives, method=method)
    tied = result.ranks.iloc[[4, 8, 17, 29]]
    assert tied.nunique() == 1
    assert (result.ranks == tied.iloc[0] + 4).any() or tied.iloc[0] + 4 > len(matrix)
    # Identical rows can differ in the last bit (SIMD sums); ranks treat them as tied.
    expected = result.scores.round(12).rank(ascending=False, method="min")
    assert result.ranks.tolist() == expected.astype(int).tolist()


def test_scores_equal_up_to_rounding_are_tied():
    # 1/6 + 1/3 and 1/2 are equal, but not always in floating point.
    matrix = pd.DataFrame({"a": [1, 0, 0], "b": [1, 0, 0], "c": [0, 1, 0]}, index=list("XYZ"))
    result = seo.score(matrix, {"a": 1, "b": 2, "c": 3}, dict.fromkeys("abc", "max"))
    assert result.ranks.to_dict() == {"X": 1, "Y": 1, "Z": 3}


@pytest.mark.parametrize("layout", ["C", "F"])
@pytest.mark.parametrize("offset", [0, 1e6])  # far from zero, columns are shifted first
def test_row_blocks_give_the_same_scores_as_one_pass(monkeypatch, layout, offset):
    # Small blocks: many of them, a remainder, and the reshape trick on C-ordered blocks.
    monkeypatch.setattr(scoring, "_BLOCK_CELLS", 384)
    rng = np.random.default_rng(2)
    values = np.asarray(rng.uniform(-5, 50, (1000, 3)) + offset, order=layout)
    matrix = pd.DataFrame(values, columns=["a", "b", "c"], copy=False)
    weights, objectives = {"a": 0.5, "b": 0.3, "c": 0.2}, {"a": "max", "b": "min", "c": "max"}
    low, high = values.min(axis=0), values.max(axis=0)
    norm = np.sqrt((values ** 2).sum(axis=0))
    benefit = np.array([1, -1, 1])
    r = np.where(benefit > 0, (values - low) / (high - low), (high - values) / (high - low))
    expected_wsm = r @ [0.5, 0.3, 0.2]
    v = np.where(benefit > 0, values / norm, 1 - values / norm) * [0.5, 0.3, 0.2]
    d_plus = np.sqrt(((v - v.max(axis=0)) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - v.min(axis=0)) ** 2).sum(axis=1))
    wsm = seo.score(matrix, weights, objectives)
    topsis = seo.score(matrix, weights, objectives, method="topsis")
    assert wsm.scores.to_numpy() == pytest.approx(expected_wsm, abs=1e-12)
    # Near 1e6 the textbook formula itself keeps only ~10 digits of the distances.
    assert topsis.details["d_plus"].to_numpy() == pytest.approx(d_plus, rel=1e-8, abs=1e-12)
    assert topsis.details["d_minus"].to_numpy() == pytest.approx(d_minus, rel=1e-8, abs=1e-12)
    assert topsis.scores.to_numpy() == pytest.approx(d_minus / (d_plus + d_minus), abs=1e-8)


def test_promethee_ii_row_blocks_match_the_full_pairwise_computation(monkeypatch):
    monkeypatch.setattr(scoring, "_BLOCK_CELLS", 50)  # 2 rows per block
    matrix, weights, objectives = BVM_1986
    small = seo.score(matrix, weights, objectives, method="promethee_ii",
                      preference=BVM_1986_PREFERENCES)
    monkeypatch.undo()
    whole = seo.score(matrix, weights, objectives, method="promethee_ii",
                      preference=BVM_1986_PREFERENCES)
    pi = whole.steps[PI_CAPTION].to_numpy()
    assert small.steps[PI_CAPTION].to_numpy() == pytest.approx(pi, abs=1e-15)
    assert small.details["phi_plus"].to_numpy() == pytest.approx(pi.sum(axis=1) / 5, abs=1e-15)
    assert small.details["phi_minus"].to_numpy() == pytest.approx(pi.sum(axis=0) / 5, abs=1e-15)


def test_topsis_puts_the_ideal_alternative_at_closeness_one():
    matrix = pd.DataFrame({"gain": [1e6 + 1, 1e6 + 3, 1e6 + 2], "cost": [5.0, 1.0, 9.0]},
                          index=["worst_gain", "ideal", "middle"])
    matrix.loc["anti_ideal"] = [1e6 + 1, 9.0]
    result = seo.score(matrix, {"gain": 1, "cost": 1}, {"gain": "max", "cost": "min"}, "topsis")
    assert result.details.loc["ideal", "d_plus"] == 0
    assert result.scores["ideal"] == 1
    assert result.scores["anti_ideal"] == 0


def test_steps_and_details_are_built_when_first_read(make_problem):
    problem = make_problem(1, n_alternatives=20, n_criteria=3)
    result = seo.score(*problem, method="topsis")
    assert result.steps._tables == {}  # nothing built while scoring
    assert len(result.steps) == 5 and "Decision matrix" in list(result.steps)
    assert result.steps._tables == {}
    details = result.details
    assert list(details.columns) == ["d_plus", "d_minus", "closeness"]
    assert details["closeness"].to_numpy() == pytest.approx(
        (details["d_minus"] / (details["d_plus"] + details["d_minus"])).to_numpy())
    points = result.steps["Ideal and anti-ideal points (weighted normalised)"]
    weighted = result.steps["Weighted normalised matrix (normalised value x weight)"]
    assert np.sqrt(((weighted - points["ideal"]) ** 2).sum(axis=1)).to_numpy() == pytest.approx(
        details["d_plus"].to_numpy())
    assert result.details is details  # built once


def test_details_add_up_to_the_score_for_every_method(make_problem):
    problem = make_problem(4, n_alternatives=10, n_criteria=4)
    wsm = seo.score(*problem, normalization="vector")
    assert wsm.details.sum(axis=1).to_numpy() == pytest.approx(wsm.scores.to_numpy())
    wpm = seo.score(*problem, method="weighted_product")
    assert wpm.details.prod(axis=1).to_numpy() == pytest.approx(wpm.scores.to_numpy())
    vikor = seo.score(*problem, method="vikor")
    regrets = vikor.steps["Weighted regrets w (f* - f) / (f* - f-)"]
    assert regrets.sum(axis=1).to_numpy() == pytest.approx(vikor.details["S"].to_numpy())
    assert regrets.max(axis=1).to_numpy() == pytest.approx(vikor.details["R"].to_numpy())
    promethee = seo.score(*problem, method="promethee_ii")
    assert promethee.details["phi"].to_numpy() == pytest.approx(promethee.scores.to_numpy())


def test_vikor_compromise_set_follows_conditions_c1_and_c2():
    # Opricovic & Tzeng (2004): if C1 fails, every alternative with Q(a) - Q(a') < DQ;
    # if only C2 fails, a' and a''.
    S = np.array([0.2, 0.1, 0.9])
    R = np.array([0.1, 0.3, 0.9])
    Q = scoring._vikor_index(S, R, 0.5)  # (0.0625, 0.125, 1): a' = 0, a'' = 1, DQ = 0.5
    chosen, advantage, stability = scoring._vikor_compromise(S, R, Q)
    assert (list(chosen), advantage, stability) == ([0, 1], False, True)
    S = np.array([0.30, 0.20, 0.95, 1.0, 0.9])
    R = np.array([0.20, 0.10, 0.90, 1.0, 0.8])
    Q = np.array([0.0, 0.3, 0.9, 1.0, 0.8])  # a' = 0 beats a'' = 1 by 0.3 >= DQ = 0.25
    chosen, advantage, stability = scoring._vikor_compromise(S, R, Q)
    assert (list(chosen), advantage, stability) == ([0, 1], True, False)


def test_result_keeps_weights_options_and_shows_itself(sample_model):
    result = seo.score(sample_model.scores, sample_model.weights, sample_model.objectives,
                       method="TOPSIS")
    assert result.method == "topsis"
    assert result.weights.sum() == pytest.approx(1)
    assert dict(result.options) == {"normalization": "vector"}
    frame = result.to_frame()
    assert frame["rank"].is_monotonic_increasing and list(frame.columns[-2:]) == ["score", "rank"]
    assert "topsis" in result._repr_html_() and "topsis" in repr(result)
    direct = seo.ScoreResult("custom", result.scores, result.ranks, lambda: frame)
    assert direct.details is frame and dict(direct.steps) == {}


# Errors people can act on.

def test_cells_that_are_not_finite_numbers_are_named():
    matrix = pd.DataFrame({"fit": [1, "high", 3], "risk": [1, 2, 3]}, index=["A", "B", "C"],
                          dtype=object)
    with pytest.raises(seo.ValidationError,
                       match=r"alternative 'B', criterion 'fit' \('high'\)"):
        seo.score(matrix, {"fit": 1, "risk": 1}, {"fit": "max", "risk": "min"})
    for method in METHODS:
        blank = pd.DataFrame({"fit": [1.0, 2.0, 3.0], "risk": [1.0, np.nan, np.inf]},
                             index=["A", "B", "C"])
        with pytest.raises(seo.ValidationError, match=r"found 2 blank or infinite cells: "
                           r"alternative 'B', criterion 'risk' \(blank\); alternative 'C', "
                           r"criterion 'risk' \(inf\)"):
            seo.score(blank, {"fit": 1, "risk": 1}, {"fit": "max", "risk": "min"}, method)


@pytest.mark.parametrize(("weights", "message"), [
    ({"fit": -1, "risk": 1}, r"expected a number >= 0 for every criterion, found 'fit': -1"),
    ({"fit": "high", "risk": 1}, r"found 'fit': 'high'"),
    ({"fit": np.nan, "risk": 1}, r"found 'fit': nan"),
    ({"fit": 0, "risk": 0}, r"expected at least one weight > 0, found all 0"),
    ({"fit": 1, "risk": 1, "cost": 1}, r"criteria that are not columns of the score matrix: "
                                       r"'cost'"),
    ({"fit": 1}, r"No weight for criteria 'risk'"),
    ([1, 1], r"expected a mapping or Series"),
])
def test_bad_weights_are_named(weights, message):
    matrix = pd.DataFrame({"fit": [1, 2], "risk": [3, 1]})
    with pytest.raises(seo.ValidationError, match=message):
        seo.score(matrix, weights, {"fit": "max", "risk": "min"})


@pytest.mark.parametrize(("objectives", "message"), [
    ({"fit": "max", "risk": "lower"}, r"expected 'max' or 'min' for every criterion, found "
                                      r"'risk': 'lower'"),
    ({"fit": "max"}, r"found 'risk': 'none'"),
    ({"fit": "max", "risk": "min", "cost": "min"}, r"not columns of the score matrix: 'cost'"),
])
def test_bad_objectives_are_named(objectives, message):
    matrix = pd.DataFrame({"fit": [1, 2], "risk": [3, 1]})
    with pytest.raises(seo.ValidationError, match=message):
        seo.score(matrix, {"fit": 1, "risk": 1}, objectives)


def test_objectives_ignore_case_and_spaces():
    matrix = pd.DataFrame({"fit": [1, 2], "risk": [3, 1]})
    result = seo.score(matrix, {"fit": 1, "risk": 1}, {"fit": " MAX", "risk": "Min "})
    assert result.ranks.tolist() == [2, 1]


@pytest.mark.parametrize(("matrix", "message"), [
    ([[1, 2]], r"expected a pandas DataFrame"),
    (pd.DataFrame({"fit": []}), r"at least one alternative and one criterion, found 0 rows"),
    (pd.DataFrame([[1, 2]], columns=["fit", "fit"]), r"found 'fit' more than once"),
])
def test_bad_matrices_are_refused(matrix, message):
    with pytest.raises(seo.ValidationError, match=message):
        seo.score(matrix, {"fit": 1}, {"fit": "max"})


@pytest.mark.parametrize(("method", "handling"), [
    ("weighted_sum", "normalised to 1 for every alternative, every score gains the same amount"),
    ("weighted_product", "the same factor multiplies every score"),
    ("topsis", "nothing is added to either distance"),
    ("vikor", r"the regret w \(f\* - f\) / \(f\* - f-\) is 0"),
    ("promethee_ii", "and so is every preference"),
])
def test_a_criterion_without_spread_is_named_in_a_warning(method, handling):
    matrix = pd.DataFrame({"fit": [1, 2, 3], "same": [4, 4, 4], "risk": [3, 1, 2]})
    weights = {"fit": 1, "same": 1, "risk": 1}
    objectives = {"fit": "max", "same": "max", "risk": "min"}
    with pytest.warns(seo.WorkbenchWarning, match=rf"Criterion 'same' has the same value for "
                                                  rf"every alternative.*{handling}"):
        result = seo.score(matrix, weights, objectives, method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", seo.WorkbenchWarning)
        without = seo.score(matrix[["fit", "risk"]], {"fit": 1, "risk": 1},
                            {"fit": "max", "risk": "min"}, method)
    assert result.ranks.tolist() == without.ranks.tolist()


@pytest.mark.parametrize(("method", "valid"), [
    ("weighted_sum", "normalization"), ("weighted_product", "normalization"),
    ("topsis", "normalization"), ("vikor", "v"), ("promethee_ii", "preference")])
def test_unknown_options_list_the_valid_ones(method, valid):
    matrix = pd.DataFrame({"fit": [1, 2]})
    with pytest.raises(seo.UnknownChoiceError, match=rf"Unknown option 'norm' for scoring method "
                                                     rf"'{method}'. Choose one of: {valid}\."):
        seo.score(matrix, {"fit": 1}, {"fit": "max"}, method, norm="vector")


def test_normalisations_are_checked():
    matrix = pd.DataFrame({"fit": [1.0, 2.0], "risk": [0.0, 3.0]}, index=["A", "B"])
    weights, objectives = {"fit": 1, "risk": 1}, {"fit": "max", "risk": "min"}
    with pytest.raises(seo.UnknownChoiceError, match=r"Unknown normalization 'zscore'. Choose "
                                                     r"one of: max, minmax, sum, vector"):
        seo.score(matrix, weights, objectives, "topsis", normalization="zscore")
    with pytest.raises(seo.ValidationError, match=r"'minmax' does not suit weighted_product.*"
                                                  r"Choose one of: none, sum"):
        seo.score(matrix, weights, objectives, "weighted_product", normalization="minmax")
    with pytest.raises(seo.ValidationError, match=r"sum normalisation needs values > 0, found "
                                                  r"alternative 'A', criterion 'risk' \(0\)"):
        seo.score(matrix, weights, objectives, normalization="sum")
    with pytest.raises(seo.ValidationError, match=r"weighted product .* needs values > 0, found "
                                                  r"alternative 'A', criterion 'risk' \(0\)"):
        seo.score(matrix, weights, objectives, "weighted_product")
    negative = matrix.assign(risk=[-1.0, 3.0])
    with pytest.raises(seo.ValidationError, match=r"max normalisation needs values >= 0, found "
                                                  r"alternative 'A', criterion 'risk' \(-1\)"):
        seo.score(negative, weights, objectives, normalization="max")


@pytest.mark.parametrize("v", [-0.1, 1.5, "half", True])
def test_vikor_v_must_lie_between_0_and_1(v):
    matrix = pd.DataFrame({"fit": [1, 2]})
    with pytest.raises(seo.ValidationError, match=r"Option v of vikor: expected a number from 0 "
                                                  r"to 1"):
        seo.score(matrix, {"fit": 1}, {"fit": "max"}, "vikor", v=v)


@pytest.mark.parametrize("method", ["vikor", "promethee_ii"])
def test_pairwise_methods_need_two_alternatives(method):
    with pytest.raises(seo.ValidationError, match=rf"{method} compares alternatives with each "
                                                  rf"other: expected at least 2"):
        seo.score(pd.DataFrame({"fit": [1]}), {"fit": 1}, {"fit": "max"}, method)


@pytest.mark.parametrize(("preference", "error", "message"), [
    ({"cost": {"type": "linear", "q": 60, "p": 50}}, seo.ValidationError,
     r"Criterion 'cost', preference function 'linear': expected q <= p .* found q = 60 > p = 50"),
    ({"cost": {"type": "level", "q": 60, "p": 50}}, seo.ValidationError,
     r"Criterion 'cost'.*q = 60"),
    ({"cost": {"type": "linear", "q": 5}}, seo.ValidationError,
     r"Criterion 'cost', preference function 'linear': expected thresholds q and p, found no p"),
    ({"cost": {"type": "gaussian"}}, seo.ValidationError, r"found no s"),
    ({"cost": {"type": "vshape", "p": 5}}, seo.UnknownChoiceError,
     r"Criterion 'cost': Unknown preference function 'vshape'. Choose one of: gaussian, level, "
     r"linear, u_shape, usual, v_shape"),
    ({"cost": {"type": "usual", "p": 5}}, seo.ValidationError, r"unknown thresholds 'p'. Its "
                                                               r"thresholds: none"),
    ({"cost": {"type": "u_shape", "q": -1}}, seo.ValidationError,
     r"expected q to be a number >= 0"),
    ({"cost": {"type": "v_shape", "p": 0}}, seo.ValidationError, r"expected p to be a number > 0"),
    ({"cost": {"type": "gaussian", "s": "wide"}}, seo.ValidationError,
     r"expected s .* found 'wide'"),
    ({"cost": {"q": 1}}, seo.ValidationError, r"expected a mapping with a 'type'"),
    ({"time": "usual"}, seo.ValidationError, r"not columns of the score matrix: 'time'"),
    (["usual"], seo.ValidationError, r"expected a mapping of criterion"),
])
def test_promethee_preferences_are_checked(preference, error, message):
    matrix = pd.DataFrame({"fit": [1, 2, 3], "cost": [30, 10, 20]})
    with pytest.raises(error, match=message):
        seo.score(matrix, {"fit": 1, "cost": 1}, {"fit": "max", "cost": "min"}, "promethee_ii",
                  preference=preference)

"""Robustness: SMAA-2, weight sensitivity and portfolio robustness, checked against brute force."""

from __future__ import annotations

import concurrent.futures
import os
import warnings

import numpy as np
import pandas as pd
import pytest

import seo_workbench as seo
from seo_workbench import robustness as rb
from seo_workbench.errors import UnknownChoiceError, ValidationError

METHODS = ["weighted_sum", "topsis", "vikor", "weighted_product", "promethee_ii"]


def make_matrix(seed: int = 0, m: int = 12, n: int = 4) -> tuple[pd.DataFrame, dict, dict]:
    """A random decision problem: scores 1..9, the last criterion a cost."""
    rng = np.random.default_rng(seed)
    criteria = [f"c{j}" for j in range(n)]
    matrix = pd.DataFrame(rng.uniform(1, 9, (m, n)), columns=criteria,
                          index=[f"A{i:02d}" for i in range(m)])
    objectives = {c: "max" for c in criteria} | {criteria[-1]: "min"}
    weights = dict(zip(criteria, rng.dirichlet(np.ones(n))))
    return matrix, objectives, weights


def ranks_by_score(matrix, weights, objectives, method) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", seo.WorkbenchWarning)
        return seo.score(matrix, weights, objectives, method).ranks.to_numpy()


# -- SMAA-2 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_each_sample_ranks_as_score_does(method):
    matrix, objectives, _ = make_matrix(1)
    for seed in range(5):
        one = rb.smaa(matrix, objectives, method, samples=1, seed=seed)
        w = one.weights.iloc[0]
        assert w.sum() == pytest.approx(1.0)
        expected = ranks_by_score(matrix, w, objectives, method)
        got = one.rank_acceptability.to_numpy().argmax(axis=1) + 1
        assert (got == expected).all()
        assert set(np.unique(one.rank_acceptability.to_numpy())) == {0.0, 1.0}


@pytest.mark.parametrize("method", ["weighted_sum", "topsis", "vikor", "weighted_product"])
def test_uncertain_scores_rank_as_score_does_on_each_drawn_matrix(method):
    matrix, objectives, _ = make_matrix(2, m=8)
    low, high = matrix * 0.8, matrix * 1.2
    bounds = {"low": low, "high": high, "mode": matrix}
    result = rb.smaa(matrix, objectives, method, samples=30, seed=5, score_bounds=bounds)
    drawn = rb.sample_scores(matrix, bounds, samples=30, seed=5)
    assert result.uncertain_cells == matrix.size
    assert ((drawn >= low.to_numpy() - 1e-12) & (drawn <= high.to_numpy() + 1e-12)).all()
    tally = np.zeros((8, 8))
    for k in range(30):
        frame = pd.DataFrame(drawn[k], index=matrix.index, columns=matrix.columns)
        ranks = ranks_by_score(frame, result.weights.iloc[k], objectives, method)
        tally[np.arange(8), ranks - 1] += 1
    np.testing.assert_allclose(result.rank_acceptability.to_numpy(), tally / 30)


def test_acceptability_matches_an_independent_loop_over_score():
    matrix, objectives, _ = make_matrix(3, m=10)
    result = rb.smaa(matrix, objectives, "topsis", samples=400, seed=11)
    tally = np.zeros((10, 10))
    first_weights = np.zeros((10, 4))
    for _, w in result.weights.iterrows():
        ranks = ranks_by_score(matrix, w, objectives, "topsis")
        tally[np.arange(10), ranks - 1] += 1
        first_weights[ranks.argmin()] += w.to_numpy()
    np.testing.assert_allclose(result.rank_acceptability.to_numpy(), tally / 400)
    winners = tally[:, 0] > 0
    np.testing.assert_allclose(result.central_weights.to_numpy()[winners],
                               first_weights[winners] / tally[winners, :1])
    assert result.central_weights[~winners].isna().all().all()
    assert result.confidence[~winners].isna().all()


def test_rows_and_columns_sum_to_one_even_with_ties():
    matrix, objectives, _ = make_matrix(4, m=9)
    matrix.loc["A08"] = matrix.loc["A03"]  # a twin: tied under every weight vector
    result = rb.smaa(matrix, objectives, samples=3000, seed=1)
    table = result.rank_acceptability
    np.testing.assert_allclose(table.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(table.sum(axis=0), 1.0, atol=1e-12)
    np.testing.assert_allclose(table.loc["A03"], table.loc["A08"], atol=1e-12)
    assert list(table.columns) == list(range(1, 10))
    assert result.holistic_acceptability.between(0, 1).all()


def test_all_weight_on_one_criterion_is_degenerate():
    matrix, objectives, _ = make_matrix(5, m=7)
    result = rb.smaa(matrix, objectives, samples=500, seed=2, weight_bounds={"c1": (1, 1)})
    assert (result.weights["c1"] == 1).all() and "fixed" in result.weight_sampler
    order = matrix["c1"].rank(ascending=False).astype(int)
    expected = np.zeros((7, 7))
    expected[np.arange(7), order - 1] = 1
    np.testing.assert_array_equal(result.rank_acceptability.to_numpy(), expected)
    leader = matrix["c1"].idxmax()
    assert result.first_acceptability[leader] == 1
    assert result.central_weights.loc[leader].tolist() == [0.0, 1.0, 0.0, 0.0]
    assert result.confidence[leader] == 1


def test_seed_reproduces_and_another_seed_differs():
    matrix, objectives, _ = make_matrix(6)
    a = rb.smaa(matrix, objectives, samples=2000, seed=42)
    b = rb.smaa(matrix, objectives, samples=2000, seed=42)
    c = rb.smaa(matrix, objectives, samples=2000, seed=43)
    pd.testing.assert_frame_equal(a.rank_acceptability, b.rank_acceptability)
    pd.testing.assert_frame_equal(a.weights, b.weights)
    assert not a.rank_acceptability.equals(c.rank_acceptability)
    assert a.seed == 42
    fresh = rb.smaa(matrix, objectives, samples=100)
    again = rb.smaa(matrix, objectives, samples=100, seed=fresh.seed)
    pd.testing.assert_frame_equal(fresh.rank_acceptability, again.rank_acceptability)


def test_uniform_weights_have_dirichlet_moments():
    w = rb.sample_weights(["a", "b", "c", "d"], samples=40_000, seed=3)
    # Dirichlet(1, 1, 1, 1): mean 1/4, variance (1/4)(3/4) / 5 = 0.0375
    np.testing.assert_allclose(w.mean(), 0.25, atol=0.005)
    np.testing.assert_allclose(w.var(), 0.0375, atol=0.002)


def test_bounds_and_order_are_respected():
    bounds = {"a": (0.3, 0.5), "c": (0.05, 0.2)}
    w = rb.sample_weights(["a", "b", "c"], 5000, seed=1, weight_bounds=bounds)
    assert w["a"].between(0.3, 0.5).all() and w["c"].between(0.05, 0.2).all()
    assert "rejection" in w.attrs["sampler"]
    ordered = rb.sample_weights(["a", "b", "c"], 5000, seed=1, weight_order=["c", "a", "b"])
    assert ((ordered["c"] >= ordered["a"]) & (ordered["a"] >= ordered["b"])).all()
    # Uniform on {c >= a >= b}: the rank-order centroid (11/18, 5/18, 2/18).
    np.testing.assert_allclose(ordered[["c", "a", "b"]].mean(), [11 / 18, 5 / 18, 2 / 18],
                               atol=0.01)


def test_hit_and_run_agrees_with_rejection_on_narrow_bounds():
    lows = np.array([0.20, 0.10, 0.05, 0.10, 0.0])
    highs = np.array([0.35, 0.30, 0.20, 0.30, 0.4])
    rng = np.random.default_rng(0)
    chain = rb._hit_and_run(rng, 20_000, lows, highs, None)
    assert ((chain >= lows - 1e-12) & (chain <= highs + 1e-12)).all()
    np.testing.assert_allclose(chain.sum(axis=1), 1.0)
    exact, how = rb._draw_weights(np.random.default_rng(1), 20_000, 5, (lows, highs), None)
    assert "rejection" in how
    np.testing.assert_allclose(chain.mean(axis=0), exact.mean(axis=0), atol=0.006)
    np.testing.assert_allclose(chain.std(axis=0), exact.std(axis=0), atol=0.006)


def test_hopeless_rejection_switches_to_hit_and_run():
    criteria = [f"c{j}" for j in range(8)]
    bounds = {c: (0.05, 0.16) for c in criteria}  # about 0.3 % of draws would be kept
    w = rb.sample_weights(criteria, 2000, seed=4, weight_bounds=bounds)
    assert "hit-and-run" in w.attrs["sampler"]
    assert w.stack().between(0.05 - 1e-12, 0.16 + 1e-12).all()
    np.testing.assert_allclose(w.sum(axis=1), 1.0)


def test_confidence_factor_with_uncertain_scores_is_a_share_of_draws():
    matrix, objectives, _ = make_matrix(7, m=6)
    bounds = {"low": matrix - 1.5, "high": matrix + 1.5}
    result = rb.smaa(matrix, objectives, samples=200, seed=8, score_bounds=bounds)
    drawn = rb.sample_scores(matrix, bounds, samples=200, seed=8)
    for a in result.central_weights.dropna().index:
        w = result.central_weights.loc[a]
        first = [ranks_by_score(pd.DataFrame(x, index=matrix.index, columns=matrix.columns), w,
                                objectives, "weighted_sum")[matrix.index.get_loc(a)] == 1
                 for x in drawn]
        assert result.confidence[a] == pytest.approx(np.mean(first))
    assert result.confidence.dropna().between(0, 1).all()


def test_weight_bounds_from_the_executives(sample_model):
    alignment = sample_model.alignment()
    bounds = rb.weight_bounds_from(alignment)
    people = alignment.executive_weights
    for c, (low, high) in bounds.items():
        assert low == pytest.approx(people[c].min()) and high == pytest.approx(people[c].max())
    result = rb.smaa(sample_model.scores, sample_model.objectives, samples=2000, seed=1,
                     weight_bounds=bounds)
    for c, (low, high) in bounds.items():
        assert result.weights[c].between(low - 1e-12, high + 1e-12).all()
    around = rb.weight_bounds_around(sample_model.weights, 0.2)
    assert around["strategic_fit"] == pytest.approx((0.2, 0.3))


@pytest.mark.parametrize("kwargs, message", [
    ({"weight_bounds": {"speed": (0, 1)}}, "'speed' are not columns"),
    ({"weight_bounds": {"c0": (0.5, 0.2)}}, "expected low <= high"),
    ({"weight_bounds": {"c0": (0.6, 0.9), "c1": (0.6, 0.9)}}, "lower bounds add up to 1.2"),
    ({"weight_bounds": {c: (0, 0.2) for c in ["c0", "c1", "c2", "c3"]}},
     "upper bounds add up to 0.8"),
    ({"weight_bounds": {"c0": (0.2, 1.5)}}, "between 0 and 1"),
    ({"weight_bounds": {"c0": "high"}}, "expected a pair (low, high)"),
    ({"samples": 0}, "samples: expected a whole number >= 1"),
    ({"samples": 2.5}, "samples: expected a whole number >= 1"),
    ({"seed": -1}, "seed: expected a whole number >= 0"),
    ({"weight_order": ["c0", "c0"]}, "each criterion once"),
    ({"weight_order": ["c0", "zz"]}, "'zz' are not columns"),
    ({"score_bounds": {"low": 1}}, "expected a mapping with tables 'low' and 'high'"),
])
def test_bad_input_gets_a_clear_error(kwargs, message):
    matrix, objectives, _ = make_matrix(8)
    with pytest.raises(ValidationError, match=None) as error:
        rb.smaa(matrix, objectives, **kwargs)
    assert message in str(error.value)


def test_score_intervals_must_contain_the_score():
    matrix, objectives, _ = make_matrix(9, m=4)
    low, high = matrix - 1, matrix + 1
    low.iloc[2, 1] = matrix.iloc[2, 1] + 0.5
    with pytest.raises(ValidationError, match="alternative 'A02', criterion 'c1'.*low <= score"):
        rb.smaa(matrix, objectives, score_bounds={"low": low, "high": high})
    cells = pd.DataFrame(None, index=matrix.index, columns=matrix.columns, dtype=object)
    cells.iloc[0, 0] = (matrix.iloc[0, 0] - 1, matrix.iloc[0, 0], matrix.iloc[0, 0] + 2)
    cells.iloc[1, 2] = (matrix.iloc[1, 2] - 1, matrix.iloc[1, 2] + 1)
    result = rb.smaa(matrix, objectives, samples=50, seed=1, score_bounds=cells)
    assert result.uncertain_cells == 2
    cells.iloc[3, 3] = "about 5"
    with pytest.raises(ValidationError, match=r"expected \(low, high\) or"):
        rb.smaa(matrix, objectives, score_bounds=cells)


def test_unknown_method_lists_the_choices():
    matrix, objectives, _ = make_matrix(8)
    with pytest.raises(UnknownChoiceError, match="Choose one of"):
        rb.smaa(matrix, objectives, "toppsis")


def test_progress_callback_counts_every_sample():
    matrix, objectives, _ = make_matrix(8)
    seen = []
    rb.smaa(matrix, objectives, samples=250, seed=1, progress=lambda done, total:
            seen.append((done, total)))
    assert seen[-1] == (250, 250)


# -- weight sensitivity ----------------------------------------------------------------------


def path_weights(weights: dict, criterion: str, t: float) -> dict:
    """The criterion's weight at t, the others rescaled in proportion (as the module's paths)."""
    rest = {c: w for c, w in weights.items() if c != criterion}
    total = sum(rest.values())
    return {c: (t if c == criterion else (1 - t) * w / total) for c, w in weights.items()}


def brute_force_run(matrix, weights, objectives, method, criterion, members, grid):
    """The grid points, around today's weight, where the set 'members' stays on top."""
    ok = []
    for t in grid:
        scores = seo.score(matrix, path_weights(weights, criterion, t), objectives,
                           method).scores
        ok.append(scores[members].min() >= scores.drop(members).max() - 1e-12)
    ok = np.array(ok)
    i0 = int(np.argmin(np.abs(grid - weights[criterion])))
    assert ok[i0]
    low = high = i0
    while low > 0 and ok[low - 1]:
        low -= 1
    while high < len(grid) - 1 and ok[high + 1]:
        high += 1
    return grid[low], grid[high], ok


@pytest.mark.parametrize("method, exact", [("weighted_sum", True), ("promethee_ii", True),
                                           ("topsis", False)])
def test_stability_intervals_agree_with_brute_force_re_ranking(method, exact):
    matrix, objectives, weights = make_matrix(10, m=10)
    table = rb.stability_intervals(matrix, weights, objectives, method, top_k=4)
    assert table[rb.EXACT].all() == exact
    grid = np.linspace(0, 1, 401)
    ranking = seo.score(matrix, weights, objectives, method)
    first = [ranking.ranks.idxmin()]
    top = list(ranking.ranks.sort_values(kind="stable").index[:4])
    for criterion in matrix.columns:
        row = table.loc[criterion]
        assert row["first_low"] <= weights[criterion] <= row["first_high"]
        for members, low_col, high_col in ((first, "first_low", "first_high"),
                                           (top, "top_k_low", "top_k_high")):
            low, high, ok = brute_force_run(matrix, weights, objectives, method, criterion,
                                            members, grid)
            step = grid[1]
            # Every grid point inside the interval keeps the set; the first ones outside do not.
            assert row[low_col] <= low + 1e-9 and low - step < row[low_col] + 1e-9
            assert row[high_col] >= high - 1e-9 and high + step > row[high_col] - 1e-9


def test_exact_interval_ends_are_ties():
    matrix, objectives, weights = make_matrix(11, m=10)
    table = rb.stability_intervals(matrix, weights, objectives, top_k=1)
    for criterion, row in table.iterrows():
        for end in (row["first_low"], row["first_high"]):
            if 0 < end < 1:
                scores = seo.score(matrix, path_weights(weights, criterion, end),
                                   objectives).scores.sort_values(ascending=False)
                assert scores.iloc[0] - scores.iloc[1] == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("method", ["weighted_sum", "vikor"])
def test_smallest_flip_agrees_with_brute_force(method):
    matrix, objectives, weights = make_matrix(12, m=9)
    k = 3
    flips = rb.weight_flips(matrix, weights, objectives, method, top_k=k)
    grid = np.linspace(0, 1, 501)
    today = ranks_by_score(matrix, weights, objectives, method) <= k
    nearest = pd.Series(np.inf, index=matrix.index)
    for criterion in matrix.columns:
        for t in grid:
            ranks = ranks_by_score(matrix, path_weights(weights, criterion, t), objectives,
                                   method)
            changed = (ranks <= k) != today
            nearest[changed] = np.minimum(nearest[changed], abs(t - weights[criterion]))
    for a, row in flips.iterrows():
        assert row["in_top_k"] == today[matrix.index.get_loc(a)]
        if np.isinf(nearest[a]):
            assert np.isnan(row["change"]) or row["change"] > 0
            continue
        # The exact flip is no farther than the first grid point past it, and not nearer than
        # one grid step before the nearest flipped grid point.
        assert row["change"] <= nearest[a] + 1e-9
        assert row["change"] >= nearest[a] - grid[1] - 1e-9
        moved = ranks_by_score(matrix, path_weights(weights, row["criterion"],
                                                    row["to_weight"] + (1e-6 if row[
                                                        "direction"] == "raise" else -1e-6)),
                               objectives, method)
        assert (moved[matrix.index.get_loc(a)] <= k) != row["in_top_k"]


def test_tornado_swings_are_scores_at_the_moved_weights():
    matrix, objectives, weights = make_matrix(13, m=6)
    table = rb.tornado(matrix, weights, objectives, "topsis", change=0.1)
    assert len(table) == 6 * 4 and table.attrs["change"] == 0.1
    row = table[(table["alternative_id"] == "A02") & (table["criterion"] == "c1")].iloc[0]
    low = seo.score(matrix, path_weights(weights, "c1", weights["c1"] * 0.9), objectives,
                    "topsis").scores["A02"]
    high = seo.score(matrix, path_weights(weights, "c1", weights["c1"] * 1.1), objectives,
                     "topsis").scores["A02"]
    assert row["score_low"] == pytest.approx(low) and row["score_high"] == pytest.approx(high)
    assert row["swing"] == pytest.approx(high - low)
    assert row["weight_low"] == pytest.approx(weights["c1"] * 0.9)


def test_sensitivity_bundles_the_three_and_speaks(sample_model):
    names = sample_model.projects["name"]
    result = rb.sensitivity(sample_model.scores, sample_model.weights, sample_model.objectives,
                            top_k=10, change=0.1)
    assert result.exact and result.top_k == 10
    assert list(result.intervals.index) == list(sample_model.scores.columns)
    assert len(result.flips) == len(sample_model.scores)
    sentences = result.to_sentences(names, sample_model.criteria["name"])
    assert sentences[0].startswith("P38 (Upland peat restoration partnership) stays first")
    assert "<p>" in result._repr_html_()
    with pytest.raises(ValidationError, match="top_k"):
        rb.sensitivity(sample_model.scores, sample_model.weights, sample_model.objectives,
                       top_k=48)


# -- portfolio robustness -----------------------------------------------------------------------


def score_workbook(knapsack_model, scores, costs, budget, **extra):
    """A score-valued workbook: projects X000.., criteria fit (max) and risk (min)."""
    n = len(scores)
    ids = [f"X{j:03d}" for j in range(n)]
    criteria = pd.DataFrame({"criterion_id": ["fit", "risk"], "name": ["Fit", "Risk"],
                             "objective": ["max", "min"], "weight": [0.5, 0.5]})
    matrix = pd.DataFrame(scores, columns=["fit", "risk"])
    matrix.insert(0, "project_id", ids)
    settings = pd.DataFrame({"key": ["organisation", "currency", "periods", "value"],
                             "value": ["Test", "EUR", "C00", "score"]})
    return knapsack_model([1] * n, [costs], [budget], criteria=criteria, scores=matrix,
                          settings=settings, **extra)


@pytest.fixture(scope="module")
def twin_result(tmp_path_factory):
    from conftest import knapsack_sheets, write_csv_workbook

    def build(values, weights, capacities, **extra):
        sheets = knapsack_sheets(values, weights, capacities,
                                 decisions=extra.pop("decisions", None))
        sheets.update(extra)
        return seo.read_workbook(write_csv_workbook(tmp_path_factory.mktemp("twin"), sheets))

    # X000 dominates X001 (better fit, less risk) and costs less; they are variants of one
    # need (at most one of the group). X002 is a must, X003 a must-not; X004 and X005 compete
    # for what budget is left, so which of them is funded depends on the weights.
    groups = pd.DataFrame({"group": ["g", "g"], "project_id": ["X000", "X001"],
                           "max_selected": [1, 1]})
    decisions = {"X002": ("must", "Regulator"), "X003": ("must_not", "Board veto")}
    model = score_workbook(build, [[4, 2], [3, 3], [1, 5], [5, 1], [5, 5], [1, 1]],
                           [3, 4, 2, 1, 3, 3], 8, groups=groups, decisions=decisions)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = rb.portfolio_robustness(model, scenarios=40, seed=3)
    return model, result


def test_must_is_core_and_must_not_is_exterior(twin_result):
    _, result = twin_result
    classes = result.classes
    assert classes["X002"] == rb.CORE and result.shares["X002"] == 1.0
    assert classes["X003"] == rb.EXTERIOR and result.shares["X003"] == 0.0
    assert "X002" in result.core and "X003" in result.exterior


def test_a_dominated_project_with_a_cheaper_twin_is_exterior(twin_result):
    _, result = twin_result
    assert result.shares["X001"] == 0.0 and result.classes["X001"] == rb.EXTERIOR
    assert result.classes["X000"] == rb.CORE
    # The two that compete for the rest of the budget swap with the weights.
    assert 0 < result.shares["X004"] < 1 and 0 < result.shares["X005"] < 1
    assert result.classes["X004"] == result.classes["X005"] == rb.BORDERLINE
    np.testing.assert_allclose(result.selections.mean(), result.shares)
    assert (result.statuses == "optimal").all()


def test_shares_match_a_serial_re_solve(twin_result):
    model, result = twin_result
    for k in range(0, 40, 7):
        values = model.project_values(seo.score(model.scores, result.weights.iloc[k],
                                                model.objectives))
        funded = seo.select_portfolio(model, values).selected
        assert set(funded) == set(result.selections.columns[result.selections.iloc[k]])


def test_thresholds_are_stated_and_used(twin_result):
    model, result = twin_result
    assert (result.core_threshold, result.exterior_threshold) == (1.0, 0.0)
    sentences = result.to_sentences()
    assert any("funded in every scenario" in s for s in sentences)
    assert any("SMAA-style approximation" in s for s in sentences)
    note = rb.describe_robustness(result)
    assert "core" in note.text and "<p>" in note._repr_html_()
    with pytest.raises(ValidationError, match="must be below core_threshold"):
        rb.portfolio_robustness(model, scenarios=2, core_threshold=0.5, exterior_threshold=0.5)


def test_portfolio_robustness_on_any_executor_reproduces(twin_result):
    model, result = twin_result
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        again = rb.portfolio_robustness(model, scenarios=40, seed=3, executor=pool,
                                        chunk_size=7)
    pd.testing.assert_frame_equal(result.projects, again.projects)
    assert again.workers == 2


def test_benefit_valued_workbooks_are_refused(knapsack_model):
    model = knapsack_model([3, 2], [[1, 1]], [1])
    with pytest.raises(ValidationError, match="settings 'value' is 'benefit'"):
        rb.portfolio_robustness(model, scenarios=2)


@pytest.mark.slow
def test_sample_portfolio_core_and_exterior(sample_model):
    bounds = rb.weight_bounds_from(sample_model.alignment())
    result = rb.portfolio_robustness(sample_model, scenarios=12, seed=1, weight_bounds=bounds)
    assert {"P11", "P19"} <= set(result.core)  # the board's musts
    assert "P47" in result.exterior  # ruled out
    assert set(result.baseline) >= set(result.core)


@pytest.mark.slow
def test_dask_distributed_executor_gives_the_same_answer(twin_result):
    distributed = pytest.importorskip("distributed")
    model, result = twin_result
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = rb.portfolio_robustness(model, scenarios=40, seed=3,
                                          executor=client.get_executor())
    pd.testing.assert_frame_equal(result.projects, on_dask.projects)
    assert on_dask.workers == 2 and on_dask.executor == "ClientExecutor"


def test_chapter_parameters_are_checked():
    params = rb.check_parameters(samples=500, scenarios=20, seed=1, weight_spread="Simplex")
    assert params.weight_spread == "simplex"
    with pytest.raises(UnknownChoiceError, match="executives"):
        rb.check_parameters(weight_spread="anywhere")
    with pytest.raises(ValidationError, match="scenarios"):
        rb.check_parameters(scenarios=0)


def test_a_text_progress_bar_goes_to_stderr_only_when_asked(capsys):
    matrix, objectives, _ = make_matrix(8)
    rb.smaa(matrix, objectives, samples=300, seed=1)
    assert capsys.readouterr() == ("", "")  # the package never prints
    rb.smaa(matrix, objectives, samples=300, seed=1, progress="text")
    out, err = capsys.readouterr()
    assert out == "" and "SMAA" in err


def test_small_models_are_solved_in_process_with_the_pools_answer(sample_model, monkeypatch):
    bounds = rb.weight_bounds_from(sample_model.alignment())
    kwargs = {"scenarios": 8, "seed": 5, "weight_bounds": bounds, "start": "2027Q1"}
    here = rb.portfolio_robustness(sample_model, **kwargs)
    assert len(sample_model.projects) < rb.PROCESSES_FROM
    assert here.executor == "ThreadPoolExecutor"
    monkeypatch.setattr(rb, "PROCESSES_FROM", 1)
    pooled = rb.portfolio_robustness(sample_model, **kwargs)
    assert pooled.executor == "ProcessPoolExecutor"
    pd.testing.assert_frame_equal(here.projects, pooled.projects)
    pd.testing.assert_frame_equal(here.selections, pooled.selections)
    pd.testing.assert_series_equal(here.statuses, pooled.statuses)


def test_cbc_scenarios_in_process_use_one_thread(twin_result):
    model, _ = twin_result
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        highs = rb.portfolio_robustness(model, scenarios=6, seed=3)
        cbc = rb.portfolio_robustness(model, scenarios=6, seed=3, solver="CBC")
    assert highs.workers == os.cpu_count() and cbc.workers == 1
    pd.testing.assert_frame_equal(highs.selections, cbc.selections)

"""Executive alignment: published figures, the properties a group AHP must have, and bad inputs."""

from __future__ import annotations

import math
import warnings
from itertools import combinations

import numpy as np
import pandas as pd
import pytest

import seo_workbench as seo
from seo_workbench.alignment import (
    AGGREGATIONS,
    CONSENSUS_WORDS,
    AlignmentResult,
    _kendall_w,
    _word,
    align,
)
from seo_workbench.errors import UnknownChoiceError, ValidationError, WorkbenchWarning

COLUMNS = ["executive", "criterion_a", "criterion_b", "value", "comment"]
CONSENSUS_STEP = ("Consensus: Shannon entropies and Hill numbers (Goepel's S*, relative "
                  "homogeneity S)")
KENDALL_STEP = "Kendall's W (ties corrected) and its chi-square test"
GROUP_STEP = ("Aggregated judgements: weighted geometric mean per pair over the executives who "
              "judged it")


def judgements_from(matrices: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The judgements table of one upper-triangle row per executive and pair of each matrix."""
    rows = []
    for who, matrix in matrices.items():
        labels = list(matrix.index)
        for a, b in combinations(labels, 2):
            if not math.isnan(matrix.loc[a, b]):
                rows.append((who, a, b, float(matrix.loc[a, b]), ""))
    return pd.DataFrame(rows, columns=COLUMNS)


def pairwise(labels, upper):
    """A reciprocal matrix from its upper triangle, given row by row."""
    n = len(labels)
    a = np.ones((n, n))
    values = iter(upper)
    for i, j in combinations(range(n), 2):
        a[i, j] = next(values)
        a[j, i] = 1 / a[i, j]
    return pd.DataFrame(a, index=labels, columns=labels)


def random_matrix(rng: np.random.Generator, labels: list[str]) -> pd.DataFrame:
    """A (generally inconsistent) matrix of judgements drawn from Saaty's scale."""
    scale = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1 / 2, 1, 2, 3, 5, 7, 9]
    n = len(labels)
    return pairwise(labels, rng.choice(scale, n * (n - 1) // 2))


def quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        return function(*args, **kwargs)


@pytest.fixture
def make_team():
    """Seeded teams: the judgements of n_executives on n_criteria, drawn from Saaty's scale."""
    def make(seed: int, n_executives: int = 4, n_criteria: int = 5) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        labels = [f"c{i}" for i in range(n_criteria)]
        return judgements_from({f"exec {k}": random_matrix(rng, labels)
                                for k in range(n_executives)})
    return make


# Published figures.


def test_kendall_w_with_ties_reproduces_desctools_anxiety_example():
    # DescTools::KendallW (formerly irr::kendall) reference page, example: the 'anxiety' data of
    # 3 raters and 20 subjects; KendallW(anxiety, TRUE) prints 0.5396569 (Kendall's 1948
    # correction for ties, as in Kendall & Babington Smith 1939 without ties).
    rater1 = [3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3]
    rater2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4]
    rater3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2]
    result = _kendall_w(np.array([rater1, rater2, rater3]))
    assert round(result["w"], 7) == 0.5396569
    assert result["chi_square"] == pytest.approx(3 * 19 * result["w"], rel=1e-12)
    assert result["df"] == 19


def test_aij_geometric_mean_of_2_3_4_is_reciprocal():
    # Saaty's example (as told on the Decision Lens blog, June 2007, after Aczel & Saaty 1983):
    # three people judge an apple 2, 3 and 4 times as large as an orange. The group judgement is
    # the geometric mean 24^(1/3), and it is reciprocal: taking 1/2, 1/3, 1/4 the other way round
    # gives 24^(-1/3). The arithmetic mean fails: 3 one way, 13/36 (not 1/3) the other.
    forward = pd.DataFrame([("P1", "apple", "orange", 2, ""), ("P2", "apple", "orange", 3, ""),
                            ("P3", "apple", "orange", 4, "")], columns=COLUMNS)
    backward = forward.assign(criterion_a="orange", criterion_b="apple",
                              value=[1 / 2, 1 / 3, 1 / 4])
    g = 24 ** (1 / 3)
    for table, pair, expected in ((forward, ("apple", "orange"), g),
                                  (backward, ("orange", "apple"), 1 / g)):
        result = align(table)
        judged = result.steps[GROUP_STEP].set_index(["criterion_a", "criterion_b"])["value"]
        assert judged[pair] == pytest.approx(expected, rel=1e-12)
        assert result.group_weights["apple"] == pytest.approx(g / (1 + g), rel=1e-12)
    assert (1 / 2 + 1 / 3 + 1 / 4) / 3 == pytest.approx(13 / 36)


def test_goepel_template_example_weights_and_full_consensus():
    # BPMSG AHP Excel template with multiple inputs (Goepel, AHPcalc manual, 2013-12-24): the
    # example matrix [1 5 1/3; 1/5 1 1/7; 3 7 1] gives weights 27.9%, 7.2%, 64.9%. Three
    # executives giving it alike agree completely: S* = 100% and Kendall's W = 1.
    matrix = pairwise(["c1", "c2", "c3"], [5, 1 / 3, 1 / 7])
    result = align(judgements_from({e: matrix for e in ("A", "B", "C")}))
    for weights in (result.group_weights, *result.executive_weights.itertuples(index=False)):
        assert [round(100 * w, 1) for w in weights] == [27.9, 7.2, 64.9]
    assert result.consensus == pytest.approx(100, abs=1e-9)
    assert result.consensus_label == "very high"
    assert result.kendall_w == pytest.approx(1.0)


@pytest.mark.parametrize("n", [3, 4, 5, 6, 9])
def test_goepel_consensus_is_zero_when_each_executive_backs_a_different_criterion(n):
    # Goepel (2013, 2018) and the AHP-OS source (AhpGroup::ahpShannonCor): S* is scaled so that
    # 0 is n executives each rating a different criterion M = 9 times as important as every
    # other: each has the least diverse priorities (9, 1, ..., 1) / (n + 8), D_alpha = D_alpha,min,
    # their mean is uniform, D_gamma = D_gamma,max = n, and S* = 0. The uncorrected relative
    # homogeneity S = (1/D_beta - 1/n) / (1 - 1/n) is then D_alpha,min/n scaled, not 0.
    labels = [f"c{i}" for i in range(n)]
    matrices = {}
    for k, favourite in enumerate(labels):
        w = np.where(np.array(labels) == favourite, 9.0, 1.0)
        matrices[f"exec {k}"] = pd.DataFrame(w[:, None] / w[None, :], index=labels,
                                             columns=labels)
    result = align(judgements_from(matrices))
    assert result.consensus == pytest.approx(0.0, abs=1e-9)
    assert result.consensus_label == "very low"
    entropy = pd.Series(result.steps[CONSENSUS_STEP]["value"])
    w_min = np.r_[9.0, np.ones(n - 1)] / (n + 8)
    d_alpha_min = math.exp(-(w_min * np.log(w_min)).sum())
    assert entropy["d_alpha_min"] == pytest.approx(d_alpha_min, rel=1e-12)
    assert entropy["d_gamma"] == pytest.approx(n, rel=1e-12)
    assert entropy["d_beta"] == pytest.approx(n / d_alpha_min, rel=1e-12)
    assert entropy["homogeneity"] == pytest.approx(
        (d_alpha_min / n - 1 / n) / (1 - 1 / n), rel=1e-9)


def test_saaty_2003_largest_error_is_the_first_question():
    # Saaty (1990) house criteria, the matrix of Saaty (2003) EJOR 145, Table 1: CR 0.169, and
    # Table 3's largest error e = 5.32 is neighbourhood vs condition (judged 6).
    criteria = ["size", "transportation", "neighbourhood", "age", "yard", "modern", "condition",
                "financing"]
    house = pairwise(criteria, [5, 3, 7, 6, 6, 1 / 3, 1 / 4, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7,
                                6, 3, 4, 6, 1 / 5, 1 / 3, 1 / 4, 1 / 7, 1 / 8, 1 / 2, 1 / 5,
                                1 / 6, 1 / 5, 1 / 6, 1 / 2])
    result = align(judgements_from({"Buyer": house}))
    assert round(result.consistency_ratio["Buyer"], 3) == 0.169
    first = result.inconsistencies.iloc[0]
    assert (first["criterion_a"], first["criterion_b"], first["judged"]) == (
        "neighbourhood", "condition", 6)
    assert round(first["error"], 2) == 5.32
    assert first["question"].startswith("Buyer: you judged neighbourhood 6 times as important "
                                        "as condition; the rest of your judgements imply")


# Consensus words, questions and the agenda.


def test_consensus_words_follow_ahp_os_bands():
    # AHP-OS AhpGroup::consensusWording: <= 50 very low, <= 65 low, <= 75 moderate,
    # <= 85 high, above very high.
    assert [bound for bound, _ in CONSENSUS_WORDS] == [50, 65, 75, 85, 100]
    cases = {0: "very low", 50: "very low", 50.01: "low", 65: "low", 65.01: "moderate",
             75: "moderate", 75.01: "high", 85: "high", 85.01: "very high", 100: "very high"}
    assert {x: _word(x) for x in cases} == cases


def test_question_offers_the_value_the_other_judgements_imply():
    # Weights 4 : 2 : 1 : 1, with one judgement (7 instead of 2) out of line.
    v = {"customer_impact": 4, "delivery_risk": 2, "cost": 1, "fit": 1}
    rows = [("Chief Digital Officer", a, b, v[a] / v[b], "") for a, b in combinations(v, 2)]
    rows[0] = ("Chief Digital Officer", "customer_impact", "delivery_risk", 7, "")
    names = {"customer_impact": "Customer impact", "delivery_risk": "Delivery risk"}
    result = align(pd.DataFrame(rows, columns=COLUMNS), cr_threshold=0.05,
                   criteria_names=names)
    assert result.questions() == [
        "Chief Digital Officer: you judged Customer impact 7 times as important as Delivery "
        "risk; the rest of your judgements imply about 2. Would 2 reflect your view?"]
    row = result.inconsistencies.iloc[0]
    assert row["consistent"] == pytest.approx(2.0, rel=1e-9)
    assert row["suggested"] == 2
    # Once that judgement is revised the matrix is consistent, so nothing else is asked; with
    # the default threshold (CR 0.075 <= 0.10) nobody is asked anything.
    assert align(pd.DataFrame(rows, columns=COLUMNS)).questions() == []


def test_question_turns_round_when_the_rest_point_the_other_way():
    v = {"a": 1, "b": 3, "c": 1, "d": 1}
    rows = [("X", p, q, v[p] / v[q], "") for p, q in combinations(v, 2)]
    rows[0] = ("X", "a", "b", 5, "")  # the rest say b is 3 times as important as a
    result = align(pd.DataFrame(rows, columns=COLUMNS), cr_threshold=0.0)
    assert result.questions()[0] == ("X: you judged a 5 times as important as b; the rest of "
                                     "your judgements imply b is about 3 times as important as "
                                     "a. Would that reflect your view?")


def test_agenda_ranks_pairs_by_spread_and_words_the_extremes():
    table = pd.DataFrame([
        ("Ann", "fit", "risk", 5, "Strategy first."), ("Bob", "fit", "risk", 1 / 3, ""),
        ("Cy", "fit", "risk", 1, ""), ("Ann", "fit", "cost", 2, ""),
        ("Bob", "cost", "fit", 1, "Cost matters as much."), ("Cy", "fit", "cost", 2, ""),
        ("Ann", "risk", "cost", 1, ""), ("Bob", "risk", "cost", 2, ""),
        ("Cy", "risk", "cost", 2, "")], columns=COLUMNS)
    result = align(table, criteria_names={"fit": "Fit", "risk": "Risk", "cost": "Cost"})
    top = result.agenda.iloc[0]
    assert (top["criterion_a"], top["criterion_b"]) == ("fit", "risk")
    assert top["spread"] == pytest.approx(math.log(15))
    assert (top["high_executive"], top["low_executive"]) == ("Ann", "Bob")
    assert top["opposed"]
    assert list(result.agenda["spread"]) == sorted(result.agenda["spread"], reverse=True)
    assert result.agenda_sentences(1) == [
        "Fit vs Risk: Ann rates Fit 5 times as important as Risk (\u201cStrategy first.\u201d); "
        "Bob rates Risk 3 times as important as Fit."]
    # Bob wrote cost over fit: the agenda orients every pair in criteria order.
    second = result.agenda.set_index(["criterion_a", "criterion_b"]).loc[("fit", "cost")]
    assert second["low_executive"] == "Bob" and second["low_value"] == 1
    assert second["low_comment"] == "Cost matters as much."
    assert len(result.agenda_sentences(10)) == 3


# Properties.


@pytest.mark.parametrize("seed", range(5))
def test_aij_with_geometric_mean_equals_aip_geometric(make_team, seed):
    # Barzilai & Golany (1994); Forman & Peniwati (1998): for complete matrices, the row
    # geometric mean of the weighted geometric mean of the matrices equals the normalised
    # weighted geometric mean of the row-geometric-mean priorities.
    table = make_team(seed)
    votes = dict(zip(table["executive"].unique(), [1, 2.5, 0.5, 3]))
    aij = quiet(align, table, aggregation="aij", method="geometric_mean", weights=votes)
    aip = quiet(align, table, aggregation="aip", method="geometric_mean", weights=votes)
    assert np.abs(aij.group_weights - aip.group_weights).max() < 1e-12


@pytest.mark.parametrize("aggregation", sorted(AGGREGATIONS))
@pytest.mark.parametrize("method", ["eigenvector", "geometric_mean"])
def test_weights_sum_to_one(make_team, aggregation, method):
    result = quiet(align, make_team(11), aggregation=aggregation, method=method)
    assert result.group_weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.allclose(result.executive_weights.sum(axis=1), 1.0, atol=1e-12)
    assert 0 <= result.consensus <= 100 and 0 <= result.kendall_w <= 1
    assert result.aggregation == aggregation


@pytest.mark.parametrize("aggregation", sorted(AGGREGATIONS))
def test_scaling_executive_weights_changes_nothing(make_team, aggregation):
    table = make_team(3)
    votes = dict(zip(table["executive"].unique(), [1, 2, 3, 4]))
    one = quiet(align, table, aggregation=aggregation, weights=votes)
    other = quiet(align, table, aggregation=aggregation,
                  weights={k: 7.3 * v for k, v in votes.items()})
    pd.testing.assert_series_equal(one.group_weights, other.group_weights, rtol=1e-12)
    assert one.consensus == pytest.approx(other.consensus, rel=1e-12)
    assert one.group_cr == pytest.approx(other.group_cr, rel=1e-12)


@pytest.mark.parametrize("aggregation", sorted(AGGREGATIONS))
def test_relabelling_criteria_and_executives_changes_nothing(make_team, aggregation):
    table = make_team(5)
    criteria = {f"c{i}": f"k{(3 * i) % 5}" for i in range(5)}
    people = {f"exec {k}": f"person {3 - k}" for k in range(4)}
    renamed = table.assign(executive=table["executive"].map(people),
                           criterion_a=table["criterion_a"].map(criteria),
                           criterion_b=table["criterion_b"].map(criteria))
    renamed = renamed.iloc[::-1].reset_index(drop=True)  # and the rows in another order
    one = quiet(align, table, aggregation=aggregation)
    other = quiet(align, renamed, aggregation=aggregation)
    assert np.allclose(one.group_weights.rename(criteria).sort_index(),
                       other.group_weights.sort_index(), atol=1e-10)
    assert np.allclose(one.consistency_ratio.rename(people).sort_index(),
                       other.consistency_ratio.sort_index(), atol=1e-10)
    assert one.consensus == pytest.approx(other.consensus, abs=1e-9)
    assert one.kendall_w == pytest.approx(other.kendall_w, abs=1e-12)
    assert one.group_cr == pytest.approx(other.group_cr, abs=1e-10)
    assert one.agenda["spread"].tolist() == pytest.approx(other.agenda["spread"].tolist())


def test_identical_executives_agree_completely(make_team):
    table = make_team(8, n_executives=1)
    team = pd.concat([table.assign(executive=name) for name in ("A", "B", "C", "D")])
    result = quiet(align, team)
    assert result.consensus == pytest.approx(100.0, abs=1e-9)
    assert result.kendall_w == pytest.approx(1.0, abs=1e-12)
    assert np.allclose(result.similarity, 100.0)
    assert result.clusters == [["A", "B", "C", "D"]]
    assert (result.agenda["spread"] == 0).all() and result.agenda_sentences() == []
    for name in "ABCD":
        pd.testing.assert_series_equal(result.executive_weights.loc[name],
                                       result.executive_weights.loc["A"], check_names=False)


def test_executive_weights_move_the_group_towards_the_heavier_executive():
    table = pd.DataFrame([("Ann", "fit", "risk", 5, ""), ("Bob", "fit", "risk", 1 / 5, "")],
                         columns=COLUMNS)
    assert align(table).group_weights["fit"] == pytest.approx(0.5)
    heavy = align(table, weights={"Ann": 3, "Bob": 1})
    assert heavy.group_weights["fit"] == pytest.approx(5 ** 0.5 / (1 + 5 ** 0.5))
    silent = align(table, weights=pd.Series({"Ann": 1.0, "Bob": 0.0}))
    assert silent.group_weights["fit"] == pytest.approx(5 / 6)
    assert silent.consensus == 100 and silent.executive_weights.loc["Bob", "fit"] == (
        pytest.approx(1 / 6))


def test_like_minded_executives_are_grouped():
    labels = ["a", "b", "c"]
    toward_a = pairwise(labels, [5, 7, 2])
    toward_c = pairwise(labels, [1 / 2, 1 / 7, 1 / 5])
    table = judgements_from({"Ann": toward_a, "Bea": toward_a, "Cy": toward_c,
                             "Dot": toward_c})
    result = quiet(align, table)
    assert sorted(result.clusters) == [["Ann", "Bea"], ["Cy", "Dot"]]
    assert result.similarity.loc["Ann", "Bea"] == pytest.approx(100)
    assert result.similarity.loc["Ann", "Cy"] < 50


# Incomplete judgements.


def test_skipped_pairs_are_completed_and_aij_uses_who_judged_them():
    full = pairwise(["a", "b", "c", "d"], [2, 4, 8, 2, 4, 2])
    partial = full.copy()
    partial.loc["a", "d"] = partial.loc["d", "a"] = np.nan  # Bob skips a vs d
    table = judgements_from({"Ann": full.map(lambda x: x ** 0.5), "Bob": partial})
    result = align(table)
    # Bob's judgements are consistent with 8:4:2:1, so the completion restores a over d = 8.
    assert result.executive_weights.loc["Bob"].tolist() == pytest.approx(
        [8 / 15, 4 / 15, 2 / 15, 1 / 15])
    judged = result.steps[GROUP_STEP].set_index(["criterion_a", "criterion_b"])
    assert judged.loc[("a", "d"), "judged_by"] == 1
    assert judged.loc[("a", "d"), "value"] == pytest.approx(8 ** 0.5)
    assert judged.loc[("a", "b"), "value"] == pytest.approx(2 ** 0.75)


# Errors.


def test_value_outside_saaty_scale_names_the_excel_row():
    table = pd.DataFrame([("Ann", "fit", "risk", 3, ""), ("Ann", "fit", "cost", 12, ""),
                          ("Ann", "risk", "cost", 0.1, "")], columns=COLUMNS)
    with pytest.raises(ValidationError, match=r"row 3, column 'value'.*found 12") as error:
        align(table)
    assert "row 4, column 'value'" in str(error.value) and "found 0.1" in str(error.value)


def test_rows_are_named_by_the_row_column_when_present():
    table = pd.DataFrame([("Ann", "fit", "risk", 3, "", 7), ("Ann", "fit", "fit", 1, "", 9)],
                         columns=[*COLUMNS, "_row"])
    with pytest.raises(ValidationError, match=r"row 9, column 'criterion_b'.*'fit' compared "
                                              r"with itself"):
        align(table)


@pytest.mark.parametrize("second", [("Ann", "fit", "risk", 5, ""),
                                    ("Ann", "risk", "fit", 3, "")])
def test_a_pair_given_twice_with_different_values_is_an_error(second):
    table = pd.DataFrame([("Ann", "fit", "risk", 3, ""), second], columns=COLUMNS)
    with pytest.raises(ValidationError, match=r"row 3: 'Ann' judges .* but row 2 judged "
                                              r"'fit' over 'risk' as 3"):
        align(table)


def test_a_pair_given_twice_alike_is_ignored_with_a_warning():
    table = pd.DataFrame([("Ann", "fit", "risk", 3, ""), ("Ann", "risk", "fit", "1/3", "")],
                         columns=COLUMNS)
    with pytest.warns(WorkbenchWarning, match="again, with the same judgement as row 2"):
        result = align(table)
    assert result.executive_weights.loc["Ann", "fit"] == pytest.approx(0.75)


def test_unlinked_judgements_name_the_executive_and_the_missing_links():
    table = pd.DataFrame([("Ann", "fit", "risk", 3, ""), ("Ann", "cost", "time", 2, ""),
                          ("Bob", "fit", "risk", 3, ""), ("Bob", "risk", "cost", 2, ""),
                          ("Bob", "cost", "time", 2, "")], columns=COLUMNS)
    names = {"fit": "Strategic fit", "risk": "Risk", "cost": "Cost", "time": "Time"}
    with pytest.raises(ValidationError, match=r"'Ann' never compares \{Strategic fit, Risk\} "
                                              r"and \{Cost, Time\}.*e\.g\. Strategic fit vs "
                                              r"Cost") as error:
        align(table, criteria_names=names)
    assert "Bob" not in str(error.value)


def test_an_executive_who_leaves_out_a_criterion_is_not_linked():
    table = pd.DataFrame([("Ann", "fit", "risk", 3, ""), ("Bob", "fit", "risk", 3, ""),
                          ("Bob", "risk", "cost", 2, "")], columns=COLUMNS)
    with pytest.raises(ValidationError, match=r"'Ann' never compares \{fit, risk\} and "
                                              r"\{cost\}"):
        align(table)


@pytest.mark.parametrize("weights, message", [
    ({"Ann": 1, "Zed": 2}, r"weights given for \['Zed'\], who made no judgements"),
    ({"Ann": -1, "Bob": 1}, r"expected numbers >= 0, found 'Ann': -1"),
    ({"Ann": 0, "Bob": 0}, "at least one executive needs a weight > 0"),
    ({"Ann": "high", "Bob": 1}, "expected numbers >= 0"),
])
def test_bad_executive_weights(weights, message):
    table = pd.DataFrame([("Ann", "fit", "risk", 3, ""), ("Bob", "fit", "risk", 2, "")],
                         columns=COLUMNS)
    with pytest.raises(ValidationError, match=message):
        align(table, weights=weights)


def test_an_executive_without_a_weight_gets_the_sheets_default():
    table = pd.DataFrame([("Ann", "fit", "risk", 3, ""), ("Bob", "fit", "risk", 2, "")],
                         columns=COLUMNS)
    executives = pd.DataFrame({"executive": ["Ann"], "weight": [1.0]})
    with pytest.warns(WorkbenchWarning, match=r"No voting weight for \['Bob'\]"):
        result = align(table, weights=executives)
    assert result.group_weights["fit"] == pytest.approx(6 ** 0.5 / (1 + 6 ** 0.5))


@pytest.mark.parametrize("table, message", [
    (pd.DataFrame({"executive": ["Ann"], "criterion_a": ["fit"], "value": [3]}),
     r"missing \['criterion_b'\]"),
    (pd.DataFrame([("Ann", "fit", "risk", "lots", "")], columns=COLUMNS),
     r"row 2, column 'value'.*found 'lots'"),
    (pd.DataFrame([("Ann", "fit", "risk", None, "")], columns=COLUMNS),
     r"row 2, column 'value'.*found a blank cell"),
    (pd.DataFrame([("", "fit", "risk", 3, "")], columns=COLUMNS),
     r"row 2, columns \['executive'\]"),
    (pd.DataFrame(columns=COLUMNS), "has no rows"),
])
def test_malformed_tables(table, message):
    with pytest.raises(ValidationError, match=message):
        align(table)


def test_every_problem_of_the_table_is_listed_at_once():
    table = pd.DataFrame([("Ann", "fit", "risk", 30, ""), ("Ann", "fit", "fit", 1, ""),
                          ("Bob", "fit", "risk", "x", "")], columns=COLUMNS)
    with pytest.raises(ValidationError, match=r"3 problem\(s\): row 2.*; row 3.*; row 4"):
        align(table)


def test_unknown_choices_and_bad_threshold():
    table = pd.DataFrame([("Ann", "fit", "risk", 3, "")], columns=COLUMNS)
    with pytest.raises(UnknownChoiceError, match="Unknown aggregation 'aipp'. Choose one of: "
                                                 "aij, aip, aip_arithmetic"):
        align(table, aggregation="aipp")
    with pytest.raises(UnknownChoiceError, match="Unknown AHP method"):
        align(table, method="power")
    with pytest.raises(ValidationError, match="cr_threshold must be a number >= 0"):
        align(table, cr_threshold=-0.1)


# The bundled sample.


@pytest.fixture(scope="module")
def sample_alignment() -> AlignmentResult:
    model = quiet(seo.read_workbook, seo.sample_workbook())
    return align(model.table("judgements"), criteria_names=model.criteria)


def test_sample_flags_the_inconsistent_executive_with_questions(sample_alignment):
    result = sample_alignment
    assert result.consistency_ratio.round(2).to_dict() == {
        "Chief Executive": 0.01, "Chief Financial Officer": 0.01,
        "Chief Operating Officer": 0.02, "Chief Digital Officer": 0.19}
    assert set(result.inconsistencies["executive"]) == {"Chief Digital Officer"}
    questions = result.questions()
    assert questions and all(q.startswith("Chief Digital Officer: you judged ")
                             for q in questions)
    assert "Strategic fit" in questions[0] and "Change burden" in questions[0]


def test_sample_consensus_is_below_very_high(sample_alignment):
    result = sample_alignment
    assert result.consensus < 85 and result.consensus_label != "very high"
    assert result.consensus_label == "moderate"
    assert 0 <= result.kendall_w < 0.5
    test = result.steps[KENDALL_STEP]["value"]
    assert test["w"] == result.kendall_w and 0 < test["p_value"] <= 1 and test["df"] == 5
    assert result.group_weights.sum() == pytest.approx(1)
    assert result.group_cr < 0.10


def test_sample_agenda_top_pair_divides_executives_in_direction(sample_alignment):
    top = sample_alignment.agenda.iloc[0]
    assert top["opposed"] and top["high_value"] > 1 > top["low_value"]
    assert top["high_executive"] != top["low_executive"]
    sentences = sample_alignment.agenda_sentences()
    assert len(sentences) == 3
    assert sentences[0].startswith("Financial return vs Customer impact: Chief Financial "
                                   "Officer rates Financial return 6 times as important as "
                                   "Customer impact")


def test_sample_result_displays_itself(sample_alignment):
    page = sample_alignment._repr_html_()
    assert "consensus <b>" in page and "Kendall" in page
    assert "Disagreement agenda" in page and "Chief Digital Officer: you judged" in page
    assert "Customer impact" in page  # criteria shown by name

"""Weighted-sum scoring: a worked example by hand and the properties any score must have."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import seo_workbench as seo


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
    with pytest.raises(seo.UnknownChoiceError, match="Choose one of: weighted_sum"):
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

"""Method agreement: rank correlations between scoring methods, and the overlap of their top-k."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import seo_workbench as seo
from seo_workbench.agreement import MethodAgreement, _rank_correlations


def agreement_from_ranks(ranks: pd.DataFrame) -> MethodAgreement:
    rho, tau = _rank_correlations(ranks)
    return MethodAgreement(ranks, -ranks.astype(float), rho, tau, {})


def test_identical_and_reversed_rankings():
    ranks = pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 2, 3, 4], "c": [4, 3, 2, 1]},
                         index=list("PQRS"))
    agreement = agreement_from_ranks(ranks)
    assert agreement.kendall.loc["a", "b"] == pytest.approx(1.0)
    assert agreement.kendall.loc["a", "c"] == pytest.approx(-1.0)
    assert agreement.spearman.loc["b", "c"] == pytest.approx(-1.0)
    assert agreement.lowest()[2] == pytest.approx(-1.0)
    assert agreement.top_overlap(2) == 0.0  # {P,Q} vs {R,S}
    assert "The choice of method matters" in agreement.summary(k=2)


def test_ties_use_kendall_tau_b():
    # Kendall (1945): tau-b corrects for ties; scipy's default is tau-b.
    ranks = pd.DataFrame({"a": [1, 1, 3, 4], "b": [1, 2, 3, 3]}, index=list("PQRS"))
    agreement = agreement_from_ranks(ranks)
    expected = stats.kendalltau([1, 1, 3, 4], [1, 2, 3, 3], variant="b").statistic
    assert agreement.kendall.loc["a", "b"] == pytest.approx(expected)
    assert agreement.top_overlap(1) == pytest.approx(1 / 2)  # tops {P,Q} and {P}


def test_compare_methods_on_the_sample(sample_model):
    methods = [m for m in ("weighted_sum", "topsis", "vikor") if m in seo.SCORING_METHODS]
    if len(methods) < 2:
        pytest.skip("needs two scoring methods")
    agreement = seo.compare_methods(sample_model.scores, sample_model.weights,
                                    sample_model.objectives, methods=methods)
    assert list(agreement.ranks.columns) == methods
    assert agreement.ranks.shape == (len(sample_model.projects), len(methods))
    tau = agreement.kendall.to_numpy()
    assert np.allclose(tau, tau.T) and np.allclose(np.diag(tau), 1.0)
    assert (tau <= 1 + 1e-12).all() and (tau >= -1 - 1e-12).all()
    for a in methods:
        for b in methods:
            direct = stats.spearmanr(agreement.ranks[a], agreement.ranks[b]).statistic
            assert agreement.spearman.loc[a, b] == pytest.approx(direct)
    chart = seo.charts.method_agreement_chart(agreement).to_dict()
    assert chart["layer"][0]["mark"]["type"] == "rect"
    dots = seo.charts.rank_comparison_chart(agreement, sample_model.projects["name"]).to_dict()
    assert dots["encoding"]["x"]["field"] == "rank"


def test_one_method_is_not_a_comparison(sample_model):
    with pytest.raises(seo.ValidationError, match="at least two methods"):
        seo.compare_methods(sample_model.scores, sample_model.weights,
                            sample_model.objectives, methods=["weighted_sum"])

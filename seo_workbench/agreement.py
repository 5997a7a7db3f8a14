"""Method agreement: whether several scoring methods rank the alternatives alike.

The board should know whether the choice of method matters. :func:`compare_methods` scores the
same matrix with several methods and measures how far their rankings agree, by Spearman's rank
correlation and Kendall's tau-b between every pair of methods, and by the overlap of their top-k.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .errors import ValidationError
from .scoring import ScoreResult, score

__all__ = ["DEFAULT_METHODS", "MethodAgreement", "compare_methods"]

DEFAULT_METHODS = ("weighted_sum", "weighted_product", "topsis", "vikor", "promethee_ii")


@dataclass(frozen=True)
class MethodAgreement:
    """Rankings of several methods side by side, and how well they agree."""

    ranks: pd.DataFrame  # alternative x method, 1 = best
    scores: pd.DataFrame  # alternative x method
    spearman: pd.DataFrame  # method x method, Spearman's rho
    kendall: pd.DataFrame  # method x method, Kendall's tau-b
    results: Mapping[str, ScoreResult]

    def top_overlap(self, k: int = 10) -> float:
        """Share of the alternatives in any method's top *k* that are in every method's top *k*.

        1.0 means every method funds-first the same *k* alternatives.
        """
        tops = [set(self.ranks.index[self.ranks[m] <= k]) for m in self.ranks.columns]
        union = set().union(*tops)
        return len(set.intersection(*tops)) / len(union) if union else 1.0

    def lowest(self) -> tuple[str, str, float]:
        """The pair of methods that agree least, with their Kendall's tau."""
        tau = self.kendall.where(~np.eye(len(self.kendall), dtype=bool))
        stacked = tau.stack()
        (a, b), value = stacked.idxmin(), float(stacked.min())
        return a, b, value

    def summary(self, k: int = 10) -> str:
        """One or two sentences for the board on whether the method matters."""
        if len(self.kendall) < 2:
            return "Only one method was run."
        a, b, tau = self.lowest()
        overlap = self.top_overlap(k)
        verdict = ("The methods agree closely" if tau >= 0.8 else
                   "The methods broadly agree" if tau >= 0.6 else
                   "The choice of method matters")
        return (f"{verdict}: the least similar pair, {a} and {b}, has Kendall's tau {tau:.2f}. "
                f"{overlap:.0%} of the projects in any method's top {k} are in every method's "
                f"top {k}.")

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.summary())}</p>"


def _rank_correlations(ranks: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    methods = list(ranks.columns)
    rho = pd.DataFrame(1.0, index=methods, columns=methods)
    tau = rho.copy()
    for i, a in enumerate(methods):
        for b in methods[i + 1:]:
            r = stats.spearmanr(ranks[a], ranks[b]).statistic
            t = stats.kendalltau(ranks[a], ranks[b]).statistic  # tau-b: handles ties
            rho.loc[a, b] = rho.loc[b, a] = r
            tau.loc[a, b] = tau.loc[b, a] = t
    return rho, tau


def compare_methods(matrix: pd.DataFrame, weights: Mapping[str, float] | pd.Series,
                    objectives: Mapping[str, str], methods: Sequence[str] = DEFAULT_METHODS,
                    options: Mapping[str, Mapping] | None = None) -> MethodAgreement:
    """Score *matrix* with each of *methods* and measure how their rankings agree.

    Parameters
    ----------
    matrix, weights, objectives
        As for :func:`seo_workbench.scoring.score`.
    methods
        Names from :data:`seo_workbench.scoring.SCORING_METHODS`; at least two.
    options
        Per method, the options to pass (e.g. ``{"vikor": {"v": 0.5}}``).

    Returns
    -------
    MethodAgreement

    References
    ----------
    Spearman, C. (1904). The proof and measurement of association between two things.
    Kendall, M. G. (1945). The treatment of ties in ranking problems. Biometrika 33(3).

    >>> m = pd.DataFrame({"fit": [3, 5, 1], "risk": [2, 3, 1]}, index=["A", "B", "C"])
    >>> agreement = compare_methods(m, {"fit": 0.6, "risk": 0.4}, {"fit": "max", "risk": "min"},
    ...                             methods=["weighted_sum", "topsis"])
    >>> agreement.ranks.loc["B"].tolist()
    [1, 1]
    """
    if len(methods) < 2:
        raise ValidationError("Compare at least two methods, e.g. weighted_sum and topsis.")
    options = options or {}
    results = {m: score(matrix, weights, objectives, method=m, **options.get(m, {}))
               for m in methods}
    ranks = pd.DataFrame({m: r.ranks for m, r in results.items()})
    scores = pd.DataFrame({m: r.scores for m, r in results.items()})
    rho, tau = _rank_correlations(ranks)
    return MethodAgreement(ranks, scores, rho, tau, results)

"""Scoring methods: one front door, :func:`score`, and a registry of kernels.

Each method returns a :class:`ScoreResult` that keeps its intermediate tables (``steps``), so the
board appendix can show the working without recomputing it.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import ValidationError, choose

__all__ = ["SCORING_METHODS", "ScoreResult", "score"]

SCORE, RANK = "score", "rank"


@dataclass(frozen=True)
class ScoreResult:
    """Scores and ranks of every alternative under one scoring method."""

    method: str
    scores: pd.Series  # index: alternative id; higher is better
    ranks: pd.Series  # 1 = best
    details: pd.DataFrame  # by alternative: the method's named quantities
    steps: Mapping[str, pd.DataFrame] = field(default_factory=dict)  # caption -> table, in order
    weights: pd.Series | None = None

    def to_frame(self) -> pd.DataFrame:
        """Score, rank and details of each alternative, best first."""
        frame = self.details.assign(**{SCORE: self.scores, RANK: self.ranks})
        return frame.sort_values([RANK, SCORE], ascending=[True, False])

    def _repr_html_(self) -> str:
        return (f"<p>Scores by <b>{html.escape(self.method)}</b> "
                f"({len(self.scores)} alternatives).</p>") + self.to_frame().to_html(
            float_format="{:.3f}".format)


def _minmax(matrix: np.ndarray, maximise: np.ndarray) -> np.ndarray:
    """Linear min-max normalisation to 0..1, 1 = best; a column with one value gives 1."""
    low, high = matrix.min(axis=0), matrix.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    gain = (matrix - low) / span
    gain = np.where(maximise, gain, 1.0 - gain)
    return np.where(high > low, gain, 1.0)


def _weighted_sum(matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted sum of a normalised, benefit-oriented matrix. No checks."""
    return matrix @ weights


def _score_weighted_sum(frame: pd.DataFrame, weights: pd.Series, maximise: np.ndarray):
    normalised = _minmax(frame.to_numpy(float), maximise)
    scores = _weighted_sum(normalised, weights.to_numpy())
    norm = pd.DataFrame(normalised, index=frame.index, columns=frame.columns)
    contribution = norm * weights
    steps = {
        "Decision matrix": frame,
        "Min-max normalised matrix (1 = best on each criterion)": norm,
        "Weighted contributions (normalised value x weight)": contribution,
    }
    return pd.Series(scores, index=frame.index), contribution, steps


SCORING_METHODS: dict[str, Callable] = {"weighted_sum": _score_weighted_sum}


def score(matrix: pd.DataFrame, weights: Mapping[str, float] | pd.Series,
          objectives: Mapping[str, str], method: str = "weighted_sum",
          **options) -> ScoreResult:
    """Score every alternative (row of *matrix*) with the named method.

    Parameters
    ----------
    matrix
        Rows are alternatives, columns criteria; every cell a number.
    weights
        Weight per criterion (>= 0); normalised to sum to 1.
    objectives
        ``"max"`` or ``"min"`` per criterion.
    method
        A key of :data:`SCORING_METHODS`.

    Returns
    -------
    ScoreResult

    >>> m = pd.DataFrame({"fit": [3, 5], "risk": [2, 4]}, index=["A", "B"])
    >>> r = score(m, {"fit": 0.5, "risk": 0.5}, {"fit": "max", "risk": "min"})
    >>> r.scores.tolist(), r.ranks.tolist()
    ([0.5, 0.5], [1, 1])
    """
    kernel = choose(SCORING_METHODS, method, what="scoring method")
    if options:
        raise ValidationError(f"Scoring method {method!r} takes no options; got "
                              f"{', '.join(options)}.")
    criteria = list(matrix.columns)
    weights = pd.Series(weights, dtype=float)
    missing = [c for c in criteria if c not in weights.index]
    if missing:
        raise ValidationError(f"No weight for criteria {missing}; give one per column.")
    unknown = [c for c in criteria if objectives.get(c) not in ("max", "min")]
    if unknown:
        raise ValidationError(f"Objective must be 'max' or 'min' for criteria {unknown}.")
    weights = weights.reindex(criteria)
    if (weights < 0).any() or weights.sum() <= 0:
        raise ValidationError("Weights must be >= 0 with at least one > 0.")
    weights = weights / weights.sum()
    if matrix.isna().to_numpy().any():
        raise ValidationError("The score matrix has blank cells; score every alternative.")
    maximise = np.array([objectives[c] == "max" for c in criteria])
    scores, details, steps = kernel(matrix.astype(float), weights, maximise)
    scores = scores.rename(SCORE)
    ranks = scores.rank(ascending=False, method="min").astype(int).rename(RANK)
    return ScoreResult(method, scores, ranks, details, steps, weights.rename("weight"))

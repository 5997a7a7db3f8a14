"""Criteria weights. Every function returns a Series of weights by criterion that sums to 1."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import pandas as pd

from .errors import ValidationError, WorkbenchWarning

__all__ = ["direct"]


def direct(weights: Mapping[str, float] | pd.Series) -> pd.Series:
    """Weights given directly, normalised to sum to 1.

    >>> direct({"fit": 2, "risk": 1, "cost": 1}).tolist()
    [0.5, 0.25, 0.25]

    Raises
    ------
    ValidationError
        When a weight is negative or missing, or every weight is zero.
    """
    series = pd.Series(weights, dtype=float, name="weight")
    bad = series[series.isna() | (series < 0)]
    if not bad.empty:
        raise ValidationError(
            f"Weights must be numbers >= 0; found {dict(bad)}. Correct or remove them.")
    total = series.sum()
    if total <= 0:
        raise ValidationError("At least one weight must be > 0; all are 0.")
    if abs(total - 1) > 1e-9:
        warnings.warn(f"Weights summed to {total:g}; renormalised to sum to 1.",
                      WorkbenchWarning, stacklevel=2)
    return series / total

"""Scoring methods: one front door, :func:`score`, and a registry of kernels.

:func:`score` turns a decision matrix (rows = alternatives, columns = criteria), weights and
objectives into a :class:`ScoreResult`, whatever the method:

* ``scores``: one number per alternative, and for **every** method higher is better. VIKOR's
  compromise index Q, where 0 is best, is reported as ``1 - Q``.
* ``ranks``: 1 = best. Ties share the lowest rank, as ``scores.rank(ascending=False,
  method="min")`` gives them: scores 0.8, 0.8 and 0.7 are ranked 1, 1 and 3. Scores that agree to
  about 12 significant digits count as tied, so floating-point noise never splits a tie.
* ``details``: the method's named quantities by alternative (TOPSIS: ``d_plus``, ``d_minus``,
  ``closeness``; VIKOR: ``S``, ``R``, ``Q``; PROMETHEE II: ``phi_plus``, ``phi_minus``, ``phi``;
  the weighted sum: each criterion's contribution, adding up to the score; the weighted product:
  each criterion's factor, multiplying to the score).
* ``steps``: the working, caption -> table, in order, as pymcdm's explain mode keeps it.
* ``weights`` (normalised to sum to 1), ``options`` (the options used, defaults included) and
  ``extra`` (method-specific findings, such as VIKOR's compromise set).

``details`` and ``steps`` are built when first read. A million alternatives are scored and
ranked in tens of milliseconds; a table per alternative and criterion would cost more than the
scoring itself, so it waits until someone asks for it.

Methods, their options and their textbook defaults (keys of :data:`SCORING_METHODS`):

==================  =======================================  =====================================
method              options (default first)                  source of the default
==================  =======================================  =====================================
weighted_sum        normalization: minmax, vector, sum, max  min-max: MAVT linear value functions
                                                             (Belton & Stewart 2002), as in the
                                                             quarterly board pack
weighted_product    normalization: none, sum                 none: ratios, weights as exponents,
                                                             min criteria as negative exponents
                                                             (Bridgman 1922; Miller & Starr 1969)
topsis              normalization: vector, minmax, sum, max  vector (Hwang & Yoon 1981)
vikor               v: 0.5                                   own linear (f* - f) / (f* - f-)
                                                             (Opricovic & Tzeng 2004)
promethee_ii        preference: {criterion: {"type": ...}}   no normalisation: preference
                                                             functions on differences (Brans &
                                                             Vincke 1985)
==================  =======================================  =====================================

Normalisations (:data:`NORMALIZATIONS`) put every criterion on a benefit scale, higher = better,
with the cost (``"min"``) treatment of Jahan & Edwards (2015, Table 1), which pymcdm follows:

===========  ==========================  ===========================
name         max criterion               min criterion
===========  ==========================  ===========================
``minmax``   (x - min) / (max - min)     (max - x) / (max - min)
``vector``   x / ||x||                   1 - x / ||x||
``sum``      x / sum(x)                  (1 / x) / sum(1 / x)
``max``      x / max                     1 - x / max
===========  ==========================  ===========================

For TOPSIS, ``1 - x / ||x||`` with the ideal at the column's best is the same as Hwang & Yoon's
``x / ||x||`` with the ideal at the column's minimum: reflecting a column leaves every distance
unchanged. ``sum`` and the weighted product need values > 0, ``max`` values >= 0. A criterion
with no spread (the same value for every alternative) cannot separate alternatives: it is
normalised to 1 for every alternative, adds the same amount to every score, and :func:`score`
warns with a :class:`~seo_workbench.errors.WorkbenchWarning` naming it.

For large matrices the kernels never build the normalised matrix: they take column statistics in
one pass, then one pass of matrix-vector products over row blocks that stay in cache (TOPSIS
distances by the expansion ||y - h||^2 = y.y - 2 y.h + h.h, about the column midpoints), with
BLAS held to one thread. See ``notes/performance.md`` section 1.
"""

from __future__ import annotations

import functools
import html
import numbers
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

from .errors import UnknownChoiceError, ValidationError, WorkbenchWarning, choose

__all__ = [
    "NORMALIZATIONS",
    "PREFERENCE_FUNCTIONS",
    "SCORING_METHODS",
    "ScoreResult",
    "ahp_hierarchy",
    "ahp_ratings",
    "score",
]

SCORE, RANK, WEIGHT = "score", "rank", "weight"
D_PLUS, D_MINUS, CLOSENESS = "d_plus", "d_minus", "closeness"
IDEAL, ANTI_IDEAL = "ideal", "anti_ideal"
GROUP_UTILITY, INDIVIDUAL_REGRET, COMPROMISE_INDEX = "S", "R", "Q"
BEST, WORST = "best", "worst"
PHI_PLUS, PHI_MINUS, PHI = "phi_plus", "phi_minus", "phi"
TYPE, Q_THRESHOLD, P_THRESHOLD, S_THRESHOLD = "type", "q", "p", "s"

DECISION_MATRIX = "Decision matrix"
CONTRIBUTIONS = "Weighted contributions (normalised value x weight)"

# A row block of about a megabyte stays in cache while several passes run over it.
_BLOCK_CELLS = 1 << 17
# Scores that agree to this relative tolerance are tied: the difference is rounding, not preference.
_TIE_TOLERANCE = 1e-12
# TOPSIS distances under this share of the ideal-to-anti-ideal distance are recomputed directly:
# the fast expansion loses digits when an alternative sits almost on one of the two points.
_NEAR_POINT = 1e-4
# A weighted sum skips shifting columns to their minimum while |x| stays within this many spans.
_PLAIN_REACH = 8
# VIKOR's conditions compare differences of Q with DQ = 1 / (m - 1): equal up to rounding counts.
_ROUNDING = 1e-12


class _ComputedOnRead:
    """A dataclass field that also accepts a zero-argument function, called on its first read."""

    def __set_name__(self, owner, name):
        self._name, self._slot = name, f"_{name}_value"

    def __get__(self, obj, owner=None):
        if obj is None:
            raise AttributeError(self._name)  # no class-level default: the field is required
        value = obj.__dict__[self._slot]
        if callable(value):
            value = value()
            obj.__dict__[self._slot] = value
        return value

    def __set__(self, obj, value):
        obj.__dict__[self._slot] = value


class _Working(Mapping):
    """Caption -> table, in order; each table is built when first read, then kept."""

    def __init__(self, builders: list[tuple[str, Callable[[], pd.DataFrame]]]):
        self._builders = dict(builders)
        self._tables: dict[str, pd.DataFrame] = {}

    def __getitem__(self, caption: str) -> pd.DataFrame:
        if caption not in self._tables:
            self._tables[caption] = self._builders[caption]()
        return self._tables[caption]

    def __iter__(self) -> Iterator[str]:
        return iter(self._builders)

    def __len__(self) -> int:
        return len(self._builders)

    def __repr__(self) -> str:
        return f"<{len(self)} steps, each built when first read: {list(self._builders)}>"


@dataclass(frozen=True, eq=False, repr=False)
class ScoreResult:
    """Scores and ranks of every alternative under one scoring method.

    ``details`` may also be given as a zero-argument function, and ``steps`` as a mapping that
    builds its tables on access; both are then computed when first read.
    """

    method: str
    scores: pd.Series  # index: alternative id; higher is better
    ranks: pd.Series  # 1 = best; ties share the lowest rank
    details: pd.DataFrame = _ComputedOnRead()  # by alternative: the method's named quantities
    steps: Mapping[str, pd.DataFrame] = field(default_factory=dict)  # caption -> table, in order
    weights: pd.Series | None = None
    options: Mapping[str, Any] = field(default_factory=dict)  # the options used, defaults included
    extra: Mapping[str, Any] = field(default_factory=dict)  # method-specific findings

    def to_frame(self) -> pd.DataFrame:
        """Score, rank and details of each alternative, best first."""
        frame = self.details.assign(**{SCORE: self.scores, RANK: self.ranks})
        return frame.sort_values([RANK, SCORE], ascending=[True, False])

    def __repr__(self) -> str:
        best = list(self.scores.index[self.ranks.to_numpy() == 1][:3])
        return (f"ScoreResult(method={self.method!r}, alternatives={len(self.scores)}, "
                f"best={best})")

    def _repr_html_(self) -> str:
        shown = 100
        table = self.to_frame().head(shown).to_html(float_format="{:.3f}".format)
        more = (f" Showing the best {shown}." if len(self.scores) > shown else "")
        return (f"<p>Scores by <b>{html.escape(self.method)}</b> "
                f"({len(self.scores)} alternatives).{more}</p>") + table


class _ColumnStats(NamedTuple):
    low: np.ndarray
    high: np.ndarray
    sumsq: np.ndarray | None = None
    total: np.ndarray | None = None


def _block_rows(m: int) -> int:
    """Rows per block: about _BLOCK_CELLS cells, a multiple of 64 for the reshape trick."""
    return max(64, _BLOCK_CELLS // max(m, 1) // 64 * 64)


def _row_blocks(arr: np.ndarray) -> Iterator[tuple[slice, np.ndarray]]:
    rows = _block_rows(arr.shape[1])
    for start in range(0, arr.shape[0], rows):
        block = slice(start, min(start + rows, arr.shape[0]))
        yield block, arr[block]


def _column_stats(arr: np.ndarray, sumsq: bool = False, total: bool = False) -> _ColumnStats:
    """Minimum and maximum (and sum of squares, sum) of each column. No checks.

    NaN and infinities propagate into the minimum or maximum, which is how :func:`score`
    validates a million cells without a pass of its own.
    """
    n, m = arr.shape
    if arr.flags.f_contiguous or n < 64:
        # Each column is contiguous: numpy reduces it at memory speed.
        squares = np.array([column @ column for column in arr.T]) if sumsq else None
        return _ColumnStats(arr.min(axis=0), arr.max(axis=0), squares,
                            arr.sum(axis=0) if total else None)
    low, high = np.full(m, np.inf), np.full(m, -np.inf)
    squares = np.zeros(m) if sumsq else None
    sums = np.zeros(m) if total else None
    for _, block in _row_blocks(arr):
        parts = [(block, 1)]
        whole = block.shape[0] // 64 * 64
        if whole and block.flags.c_contiguous:
            # Reducing an (n, 20) C-ordered array over axis 0 runs an inner loop of 20; as
            # (n / 64, 64 * 20) it runs at memory speed (performance.md, section 1).
            parts = [(block[:whole].reshape(-1, 64 * m), 64), (block[whole:], 1)]
        for part, fold in parts:
            if not part.size:
                continue
            np.minimum(low, part.min(axis=0).reshape(fold, m).min(axis=0), out=low)
            np.maximum(high, part.max(axis=0).reshape(fold, m).max(axis=0), out=high)
            if sumsq:
                squares += np.einsum("ij,ij->j", part, part).reshape(fold, m).sum(axis=0)
            if total:
                sums += part.sum(axis=0).reshape(fold, m).sum(axis=0)
    return _ColumnStats(low, high, squares, sums)


def _block_buffer(arr: np.ndarray) -> np.ndarray:
    rows = min(_block_rows(arr.shape[1]), arr.shape[0])
    layout = "F" if arr.flags.f_contiguous and not arr.flags.c_contiguous else "C"
    return np.empty((rows, arr.shape[1]), order=layout)


def _shifted_matvec(arr: np.ndarray, shift: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``(arr - shift) @ vector``, a row block at a time. No checks.

    Shifting to the column minimum first keeps the digits a large offset would cancel away.
    """
    out = np.empty(arr.shape[0])
    buffer = _block_buffer(arr)
    for rows, block in _row_blocks(arr):
        shifted = np.subtract(block, shift, out=buffer[:block.shape[0]])
        np.dot(shifted, vector, out=out[rows])
    return out


@functools.cache
def _blas_controller() -> ThreadpoolController:
    # Built once: inspecting the loaded libraries costs a third of a millisecond per call.
    return ThreadpoolController()


def _one_blas_thread():
    """Hold BLAS to one thread: on a busy machine a second thread made ``X @ w`` 24x slower."""
    return _blas_controller().limit(limits=1, user_api="blas")


def _rank(scores: np.ndarray) -> np.ndarray:
    """Rank 1 = highest score; ties share the lowest rank. One argsort. No checks."""
    n = scores.size
    order = np.argsort(scores)[::-1]
    ordered = scores[order]
    scale = max(abs(ordered[0]), abs(ordered[-1]))
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    np.greater(ordered[:-1] - ordered[1:], _TIE_TOLERANCE * scale, out=starts[1:])
    del ordered
    sorted_ranks = np.arange(1, n + 1)
    if not starts.all():
        # Position (1-based) where each run of tied scores starts, carried along the run.
        np.multiply(sorted_ranks, starts, out=sorted_ranks)
        np.maximum.accumulate(sorted_ranks, out=sorted_ranks)
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = sorted_ranks
    return ranks


@dataclass(frozen=True)
class _Normalization:
    """A benefit scale ``r = r_low + alpha * (x - low)``, from a criterion's column statistics."""

    caption: str
    coefficients: Callable[[_ColumnStats, np.ndarray], tuple[np.ndarray, np.ndarray]]
    statistic: str = ""  # an extra column statistic it needs: "sumsq" or "total"
    domain: str = ""  # "positive" or "non-negative" when it needs one
    reciprocal_cost: bool = False  # min criteria are taken as 1 / x first


def _signs(maximise: np.ndarray) -> np.ndarray:
    return np.where(maximise, 1.0, -1.0)


def _minmax_coefficients(stats, maximise):
    return _signs(maximise) / (stats.high - stats.low), np.where(maximise, 0.0, 1.0)


def _vector_coefficients(stats, maximise):
    norm = np.sqrt(stats.sumsq)
    return _signs(maximise) / norm, np.where(maximise, stats.low / norm, 1 - stats.low / norm)


def _max_coefficients(stats, maximise):
    at_low = stats.low / stats.high
    return _signs(maximise) / stats.high, np.where(maximise, at_low, 1 - at_low)


def _sum_coefficients(stats, maximise):
    return 1 / stats.total, stats.low / stats.total  # min columns already hold 1 / x


NORMALIZATIONS: dict[str, _Normalization] = {
    "minmax": _Normalization("Min-max normalised matrix (1 = best on each criterion)",
                             _minmax_coefficients),
    "vector": _Normalization("Vector-normalised matrix (x / ||x||; min criteria 1 - x / ||x||)",
                             _vector_coefficients, statistic="sumsq"),
    "sum": _Normalization("Sum-normalised matrix (x / sum x; min criteria (1 / x) / sum(1 / x))",
                          _sum_coefficients, statistic="total", domain="positive",
                          reciprocal_cost=True),
    "max": _Normalization("Max-normalised matrix (x / max; min criteria 1 - x / max)",
                          _max_coefficients, domain="non-negative"),
}


class _Scale(NamedTuple):
    """A benefit scale for every column of ``arr`` (min columns inverted first if it says so)."""

    arr: np.ndarray
    low: np.ndarray
    high: np.ndarray
    alpha: np.ndarray
    r_low: np.ndarray
    flat: np.ndarray

    def normalised(self) -> np.ndarray:
        return self.r_low + self.alpha * (self.arr - self.low)


def _benefit_scale(frame: pd.DataFrame, arr: np.ndarray, maximise: np.ndarray,
                   name: str) -> _Scale:
    normalization = NORMALIZATIONS[name]
    stats = _column_stats(arr, sumsq=normalization.statistic == "sumsq",
                          total=normalization.statistic == "total")
    _check_finite(frame, arr, stats)
    _check_domain(frame, arr, stats, normalization.domain, f"the {name} normalisation")
    if normalization.statistic == "sumsq" and not np.isfinite(stats.sumsq).all():
        raise ValidationError(
            f"Criteria {_names(frame.columns[~np.isfinite(stats.sumsq)])}: their squares "
            f"overflow, so the vector normalisation cannot be taken. Rescale them (e.g. to "
            f"thousands).")
    if normalization.reciprocal_cost and not maximise.all():
        arr = np.array(arr, order="K")
        arr[:, ~maximise] = 1 / arr[:, ~maximise]
        stats = _column_stats(arr, total=True)
    flat = stats.high == stats.low
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha, r_low = normalization.coefficients(stats, maximise)
    return _Scale(arr, stats.low, stats.high, np.where(flat, 0.0, alpha),
                  np.where(flat, 1.0, r_low), flat)


def _names(labels) -> str:
    labels = list(labels)
    shown = ", ".join(repr(label) for label in labels[:8])
    return shown + (f" (and {len(labels) - 8} more)" if len(labels) > 8 else "")


def _cells(frame: pd.DataFrame, rows, columns, describe) -> str:
    cells = [f"alternative {frame.index[i]!r}, criterion {frame.columns[j]!r} ({describe(i, j)})"
             for i, j in zip(rows[:5], columns[:5])]
    more = f"; and {len(rows) - 5} more" if len(rows) > 5 else ""
    return "; ".join(cells) + more


def _float_array(frame: pd.DataFrame) -> np.ndarray:
    """The matrix as float64, without a copy when it already is; names non-numeric cells."""
    try:
        return frame.to_numpy(dtype=float, copy=False)
    except (TypeError, ValueError):
        pass
    found = []
    for criterion in frame.columns:
        column = frame[criterion]
        bad = pd.to_numeric(column, errors="coerce").isna() & column.notna()
        found += [f"alternative {alternative!r}, criterion {criterion!r} ({value!r})"
                  for alternative, value in column[bad].items()]
    if found:
        more = f"; and {len(found) - 5} more" if len(found) > 5 else ""
        raise ValidationError(
            f"Score matrix: expected a number in every cell, found {len(found)} that "
            f"{'is' if len(found) == 1 else 'are'} not: {'; '.join(found[:5])}{more}. "
            f"Replace them with numbers.")
    try:
        return frame.to_numpy(dtype=float, na_value=np.nan)  # nullable columns holding pd.NA
    except (TypeError, ValueError):
        kinds = {c: str(t) for c, t in frame.dtypes.items() if not pd.api.types.is_numeric_dtype(t)}
        raise ValidationError(
            f"Score matrix: expected numbers, found columns of other types: {kinds}. Convert "
            f"them to numbers.") from None


def _check_finite(frame: pd.DataFrame, arr: np.ndarray, stats: _ColumnStats) -> None:
    """Every cell is a finite number. Free: NaN and infinities have reached ``stats`` already."""
    if np.isfinite(stats.low).all() and np.isfinite(stats.high).all():
        return
    rows, columns = np.nonzero(~np.isfinite(arr))

    def describe(i, j):
        return "blank" if np.isnan(arr[i, j]) else f"{arr[i, j]}"

    raise ValidationError(
        f"Score matrix: expected a finite number in every cell, found {len(rows)} "
        f"{'blank or infinite cell' if len(rows) == 1 else 'blank or infinite cells'}: "
        f"{_cells(frame, rows, columns, describe)}. Score every alternative on every criterion.")


def _check_domain(frame, arr, stats, domain: str, needs: str) -> None:
    """Values are > 0 ("positive") or >= 0 ("non-negative") when the method needs it."""
    if domain == "positive":
        if (stats.low > 0).all():
            return
        bad, bound = arr <= 0, "> 0"
    elif domain == "non-negative":
        if (stats.low >= 0).all():
            return
        bad, bound = arr < 0, ">= 0"
    else:
        return
    rows, columns = np.nonzero(bad)
    raise ValidationError(
        f"Score matrix: {needs} needs values {bound}, found "
        f"{_cells(frame, rows, columns, lambda i, j: f'{arr[i, j]:g}')}. Shift those criteria "
        f"onto a scale that starts above zero, or choose another method or normalization.")


def _check_matrix(matrix) -> pd.DataFrame:
    if not isinstance(matrix, pd.DataFrame):
        raise ValidationError(
            f"Score matrix: expected a pandas DataFrame (rows = alternatives, columns = "
            f"criteria), found {type(matrix).__name__}.")
    if matrix.shape[0] == 0 or matrix.shape[1] == 0:
        raise ValidationError(
            f"Score matrix: expected at least one alternative and one criterion, found "
            f"{matrix.shape[0]} rows and {matrix.shape[1]} columns.")
    repeated = matrix.columns[matrix.columns.duplicated()].unique()
    if len(repeated):
        raise ValidationError(
            f"Score matrix: expected each criterion once, found {_names(repeated)} more than "
            f"once. Rename or drop the repeated columns.")
    # A shallow copy: no data is copied, and under copy-on-write the working shown later in
    # ``steps`` cannot change if the caller edits their matrix in place.
    return matrix.copy(deep=False)


def _check_weights(weights, criteria: pd.Index) -> pd.Series:
    if not isinstance(weights, (Mapping, pd.Series)):
        raise ValidationError(
            f"Weights: expected a mapping or Series of criterion -> weight, found "
            f"{type(weights).__name__}.")
    series = weights if isinstance(weights, pd.Series) else pd.Series(dict(weights), dtype=object)
    if series.index.has_duplicates:
        raise ValidationError(
            f"Weights: expected one weight per criterion, found "
            f"{_names(series.index[series.index.duplicated()].unique())} more than once.")
    known = set(criteria)
    unknown = [c for c in series.index if c not in known]
    if unknown:
        raise ValidationError(
            f"Weights given for criteria that are not columns of the score matrix: "
            f"{_names(unknown)}. Remove them, or add the columns to the matrix.")
    missing = [c for c in criteria if c not in series.index]
    if missing:
        raise ValidationError(
            f"No weight for criteria {_names(missing)}: expected one weight per column of the "
            f"score matrix. Add them (0 ignores a criterion).")
    values = pd.to_numeric(series, errors="coerce").astype(float)
    bad = values.isna() | ~np.isfinite(values) | (values < 0)
    if bad.any():
        found = ", ".join(f"{c!r}: {series[c]!r}" for c in series.index[bad.to_numpy()])
        raise ValidationError(
            f"Weights: expected a number >= 0 for every criterion, found {found}. Use 0 to "
            f"ignore a criterion.")
    total = values.sum()
    if total <= 0:
        raise ValidationError(
            "Weights: expected at least one weight > 0, found all 0. Give the criteria that "
            "matter a positive weight.")
    return (values.reindex(criteria) / total).rename(WEIGHT)


def _check_objectives(objectives, criteria: pd.Index) -> np.ndarray:
    if not isinstance(objectives, (Mapping, pd.Series)):
        raise ValidationError(
            f"Objectives: expected a mapping of criterion -> 'max' or 'min', found "
            f"{type(objectives).__name__}.")
    given = dict(objectives.items())
    known = set(criteria)
    unknown = [c for c in given if c not in known]
    if unknown:
        raise ValidationError(
            f"Objectives given for criteria that are not columns of the score matrix: "
            f"{_names(unknown)}. Remove them, or add the columns to the matrix.")
    cleaned = {c: given[c].strip().lower() if isinstance(given.get(c), str) else None
               for c in criteria}
    bad = [f"{c!r}: {given.get(c, 'none')!r}" for c in criteria if cleaned[c] not in ("max", "min")]
    if bad:
        raise ValidationError(
            f"Objectives: expected 'max' or 'min' for every criterion, found "
            f"{', '.join(bad)}. Say whether more is better ('max') or worse ('min').")
    return np.array([cleaned[c] == "max" for c in criteria])


def _warn_flat(frame: pd.DataFrame, flat: np.ndarray, weights: np.ndarray, handling: str) -> None:
    flat = flat & (weights > 0)
    if flat.any():
        one = flat.sum() == 1
        subject = (f"Criterion {_names(frame.columns[flat])} has" if one else
                   f"Criteria {_names(frame.columns[flat])} have")
        warnings.warn(f"{subject} the same value for every alternative, so "
                      f"{'it' if one else 'they'} cannot separate them: {handling}.",
                      WorkbenchWarning, stacklevel=4)


def _check_pairs(frame: pd.DataFrame, method: str) -> None:
    if len(frame) < 2:
        raise ValidationError(
            f"{method} compares alternatives with each other: expected at least 2 "
            f"alternatives, found {len(frame)}.")


class _Outcome(NamedTuple):
    scores: np.ndarray
    details: Callable[[], pd.DataFrame]
    steps: _Working
    extra: dict


def _table(frame: pd.DataFrame, values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(values, index=frame.index, columns=frame.columns)


def _score_weighted_sum(frame, arr, weights, maximise, normalization):
    """Weighted sum of benefit-scaled values: one matrix-vector product after column statistics."""
    scale = _benefit_scale(frame, arr, maximise, normalization)
    _warn_flat(frame, scale.flat, weights,
               "normalised to 1 for every alternative, every score gains the same amount")
    coefficients = weights * scale.alpha
    reach = np.maximum(np.abs(scale.low), np.abs(scale.high))
    if (scale.flat | (reach <= _PLAIN_REACH * (scale.high - scale.low))).all():
        # Values within a few spans of zero: one product on the whole matrix loses no digits
        # worth keeping, and skips a pass.
        scores = scale.arr @ coefficients
        scores += weights @ scale.r_low - coefficients @ scale.low
    else:
        scores = _shifted_matvec(scale.arr, scale.low, coefficients)
        scores += weights @ scale.r_low
    caption = NORMALIZATIONS[normalization].caption
    steps = _Working([
        (DECISION_MATRIX, lambda: frame),
        (caption, lambda: _table(frame, scale.normalised())),
        (CONTRIBUTIONS, lambda: steps[caption] * weights),
    ])
    return _Outcome(scores, lambda: steps[CONTRIBUTIONS], steps, {})


def _ratio_totals(arr: np.ndarray, maximise: np.ndarray) -> np.ndarray:
    """Column sums of x (max criteria) and of 1 / x (min criteria). No checks."""
    return np.array([np.sum(column if up else 1 / column) for column, up in zip(arr.T, maximise)])


def _score_weighted_product(frame, arr, weights, maximise, normalization):
    """Product of values raised to their weights (min criteria: to minus their weight)."""
    stats = _column_stats(arr)
    _check_finite(frame, arr, stats)
    _check_domain(frame, arr, stats, "positive", "the weighted product (a ratio of values)")
    _warn_flat(frame, stats.high == stats.low, weights,
               "the same factor multiplies every score")
    exponents = np.where(maximise, weights, -weights)
    log_scores = np.empty(arr.shape[0])
    buffer = _block_buffer(arr)
    for rows, block in _row_blocks(arr):
        np.dot(np.log(block, out=buffer[:block.shape[0]]), exponents, out=log_scores[rows])
    if normalization == "sum":
        totals = _ratio_totals(arr, maximise)
        log_scores -= weights @ np.log(totals)
    scores = np.exp(log_scores)

    def normalised():
        ratios = np.where(maximise, arr, 1 / arr)
        return _table(frame, ratios / _ratio_totals(arr, maximise)
                      if normalization == "sum" else ratios)

    factors = "Weighted factors (normalised value ^ weight; their product is the score)"
    caption = NORMALIZATIONS["sum"].caption if normalization == "sum" else (
        "Ratio scale (x; min criteria 1 / x)")
    steps = _Working([
        (DECISION_MATRIX, lambda: frame),
        (caption, normalised),
        (factors, lambda: steps[caption] ** weights),
    ])
    return _Outcome(scores, lambda: steps[factors], steps, {})


def _topsis_distances(arr, low, high, scale, toward_high):
    """Distances to the ideal and anti-ideal points of ``scale * x``, per row block. No checks.

    About the column midpoints ``y = x - mid`` with ``h = +-(high - low) / 2`` pointing at the
    ideal: d+^2 = sum c^2 (y - h)^2 = Q - 2L + H and d-^2 = Q + 2L + H, with Q = (y*y) @ c^2,
    L = y @ (c^2 h) and H = c^2 @ h^2: two matrix-vector products per block.
    """
    mid, half = (low + high) / 2, (high - low) / 2
    h = np.where(toward_high, half, -half)
    c2 = scale * scale
    c2h, H = c2 * h, c2 @ (h * h)
    n = arr.shape[0]
    squares, cross = np.empty(n), np.empty(n)
    buffer = _block_buffer(arr)
    for rows, block in _row_blocks(arr):
        y = np.subtract(block, mid, out=buffer[:block.shape[0]])
        np.dot(y, c2h, out=cross[rows])
        np.multiply(y, y, out=y)
        np.dot(y, c2, out=squares[rows])
    squares += H
    cross *= 2
    d_plus2 = np.subtract(squares, cross)
    d_minus2 = np.add(squares, cross, out=squares)
    del cross
    np.maximum(d_plus2, 0, out=d_plus2)
    np.maximum(d_minus2, 0, out=d_minus2)
    # Rows almost on the ideal or anti-ideal lose digits to the expansion: compute them directly.
    limit = _NEAR_POINT * 4 * H
    near = np.flatnonzero((d_plus2 < limit) | (d_minus2 < limit))
    ideal, anti_ideal = np.where(toward_high, high, low), np.where(toward_high, low, high)
    for start in range(0, near.size, _block_rows(arr.shape[1])):
        rows = near[start:start + _block_rows(arr.shape[1])]
        block = arr[rows]
        d_plus2[rows] = np.square(block - ideal) @ c2
        d_minus2[rows] = np.square(block - anti_ideal) @ c2
    return np.sqrt(d_plus2, out=d_plus2), np.sqrt(d_minus2, out=d_minus2)


def _score_topsis(frame, arr, weights, maximise, normalization):
    """Relative closeness to the ideal point, d- / (d+ + d-), of the weighted normalised matrix."""
    scale = _benefit_scale(frame, arr, maximise, normalization)
    _warn_flat(frame, scale.flat, weights,
               "every alternative sits at the ideal and the anti-ideal value, so nothing "
               "is added to either distance")
    d_plus, d_minus = _topsis_distances(scale.arr, scale.low, scale.high,
                                        weights * np.abs(scale.alpha), scale.alpha >= 0)
    total = d_plus + d_minus
    # Only when no criterion has spread: every alternative is both ideal and anti-ideal.
    closeness = np.divide(d_minus, total, out=np.full_like(total, 0.5), where=total > 0)

    caption = NORMALIZATIONS[normalization].caption
    weighted = "Weighted normalised matrix (normalised value x weight)"
    points = "Ideal and anti-ideal points (weighted normalised)"
    distances = "Distances to the ideal and anti-ideal, and relative closeness"
    steps = _Working([
        (DECISION_MATRIX, lambda: frame),
        (caption, lambda: _table(frame, scale.normalised())),
        (weighted, lambda: steps[caption] * weights),
        (points, lambda: pd.DataFrame({IDEAL: steps[weighted].max(), ANTI_IDEAL:
                                       steps[weighted].min()})),
        (distances, lambda: pd.DataFrame({D_PLUS: d_plus, D_MINUS: d_minus,
                                          CLOSENESS: closeness}, index=frame.index)),
    ])
    return _Outcome(closeness, lambda: steps[distances], steps, {})


def _vikor_index(S: np.ndarray, R: np.ndarray, v: float) -> np.ndarray:
    """Q = v (S - S*) / (S- - S*) + (1 - v) (R - R*) / (R- - R*); a term with no spread is 0."""

    def share(values):
        low, high = values.min(), values.max()
        return (values - low) / (high - low) if high > low else np.zeros_like(values)

    return v * share(S) + (1 - v) * share(R)


def _vikor_compromise(S: np.ndarray, R: np.ndarray, Q: np.ndarray) -> tuple[np.ndarray, bool, bool]:
    """Positions of the compromise set, and whether conditions C1 and C2 hold. No checks."""
    order = np.argsort(Q, kind="stable")
    first, second = order[0], order[1]
    dq = 1 / (Q.size - 1)
    advantage = bool(Q[second] - Q[first] >= dq - _ROUNDING)  # C1, acceptable advantage
    stability = bool(S[first] <= S.min() + _ROUNDING or R[first] <= R.min() + _ROUNDING)  # C2
    if advantage and stability:
        return order[:1], True, True
    if advantage:
        return order[:2], True, False
    return order[Q[order] - Q[first] < dq - _ROUNDING], False, stability


def _score_vikor(frame, arr, weights, maximise, v):
    """Compromise ranking by group utility S, individual regret R and their blend Q."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not 0 <= v <= 1:
        raise ValidationError(
            f"Option v of vikor: expected a number from 0 to 1 (the weight of group utility S "
            f"against individual regret R), found {v!r}.")
    _check_pairs(frame, "vikor")
    stats = _column_stats(arr)
    _check_finite(frame, arr, stats)
    flat = stats.high == stats.low
    _warn_flat(frame, flat, weights, "the regret w (f* - f) / (f* - f-) is 0 for every "
               "alternative")
    best = np.where(maximise, stats.high, stats.low)
    worst = np.where(maximise, stats.low, stats.high)
    span = np.where(flat, 1.0, best - worst)  # signed: negative for min criteria
    active = np.where(flat, 0.0, weights)

    def regrets_of(block):
        return (best - block) / span * active

    S, R = np.empty(arr.shape[0]), np.empty(arr.shape[0])
    for rows, block in _row_blocks(arr):
        regret = regrets_of(block)
        S[rows], R[rows] = regret.sum(axis=1), regret.max(axis=1)
    Q = _vikor_index(S, R, float(v))
    chosen, advantage, stability = _vikor_compromise(S, R, Q)
    extra = {"compromise_set": tuple(frame.index[chosen]), "acceptable_advantage": advantage,
             "acceptable_stability": stability, "dq": 1 / (len(frame) - 1)}

    regrets = "Weighted regrets w (f* - f) / (f* - f-)"
    indices = "Group utility S, individual regret R and compromise index Q (0 = best)"
    steps = _Working([
        (DECISION_MATRIX, lambda: frame),
        ("Best and worst values f* and f- of each criterion",
         lambda: pd.DataFrame({BEST: best, WORST: worst}, index=frame.columns)),
        (regrets, lambda: _table(frame, regrets_of(arr))),
        (indices, lambda: pd.DataFrame({GROUP_UTILITY: S, INDIVIDUAL_REGRET: R,
                                        COMPROMISE_INDEX: Q}, index=frame.index)),
    ])
    return _Outcome(1 - Q, lambda: steps[indices], steps, extra)


@dataclass(frozen=True)
class _PreferenceFunction:
    """A generalised criterion of Brans & Vincke (1985): P(d) in [0, 1] from a difference d."""

    name: str
    thresholds: tuple[str, ...]
    apply: Callable[[np.ndarray, Mapping[str, float]], np.ndarray]  # overwrites d with P(d)


def _usual(d, t):
    return np.greater(d, 0.0, out=d)


def _u_shape(d, t):
    return np.greater(d, t[Q_THRESHOLD], out=d)


def _v_shape(d, t):
    np.multiply(d, 1 / t[P_THRESHOLD], out=d)
    return np.clip(d, 0.0, 1.0, out=d)


def _level(d, t):
    strict = d > t[P_THRESHOLD]
    np.greater(d, t[Q_THRESHOLD], out=d)
    d += strict
    return np.multiply(d, 0.5, out=d)


def _linear(d, t):
    q, p = t[Q_THRESHOLD], t[P_THRESHOLD]
    if p == q:  # no linear zone left: a step at q
        return np.greater(d, q, out=d)
    np.subtract(d, q, out=d)
    np.multiply(d, 1 / (p - q), out=d)
    return np.clip(d, 0.0, 1.0, out=d)


def _gaussian(d, t):
    np.maximum(d, 0.0, out=d)
    np.square(d, out=d)
    np.multiply(d, -0.5 / t[S_THRESHOLD] ** 2, out=d)
    np.exp(d, out=d)
    return np.subtract(1.0, d, out=d)


PREFERENCE_FUNCTIONS: dict[str, _PreferenceFunction] = {
    "usual": _PreferenceFunction("usual", (), _usual),  # type I
    "u_shape": _PreferenceFunction("u_shape", (Q_THRESHOLD,), _u_shape),  # type II, quasi-criterion
    "v_shape": _PreferenceFunction("v_shape", (P_THRESHOLD,), _v_shape),  # type III
    "level": _PreferenceFunction("level", (Q_THRESHOLD, P_THRESHOLD), _level),  # type IV
    "linear": _PreferenceFunction("linear", (Q_THRESHOLD, P_THRESHOLD), _linear),  # type V
    "gaussian": _PreferenceFunction("gaussian", (S_THRESHOLD,), _gaussian),  # type VI
}

_THRESHOLD_MEANINGS = {
    Q_THRESHOLD: "the largest difference that still counts as indifference",
    P_THRESHOLD: "the smallest difference that counts as strict preference",
    S_THRESHOLD: "the difference at the Gaussian's inflection point, between q and p",
}


def _check_preferences(preference, criteria: pd.Index) -> list[tuple[_PreferenceFunction, dict]]:
    if preference is None:
        preference = {}
    if not isinstance(preference, Mapping):
        raise ValidationError(
            f"Option preference of promethee_ii: expected a mapping of criterion -> "
            f"{{'type': ..., 'q': ..., 'p': ...}}, found {type(preference).__name__}.")
    known = set(criteria)
    unknown = [c for c in preference if c not in known]
    if unknown:
        raise ValidationError(
            f"Preference functions given for criteria that are not columns of the score "
            f"matrix: {_names(unknown)}. Remove them, or add the columns to the matrix.")
    return [_check_preference(c, preference.get(c, "usual")) for c in criteria]


def _check_preference(criterion, given) -> tuple[_PreferenceFunction, dict]:
    if isinstance(given, str):
        given = {TYPE: given}
    if not isinstance(given, Mapping) or TYPE not in given:
        raise ValidationError(
            f"Preference function for criterion {criterion!r}: expected a mapping with a "
            f"'type', such as {{'type': 'linear', 'q': 1, 'p': 5}}, found {given!r}.")
    try:
        kind = choose(PREFERENCE_FUNCTIONS, given[TYPE], what="preference function")
    except UnknownChoiceError as error:
        raise UnknownChoiceError(f"Criterion {criterion!r}: {error}") from None
    where = f"Criterion {criterion!r}, preference function {kind.name!r}"
    extra = [key for key in given if key != TYPE and key not in kind.thresholds]
    if extra:
        valid = ", ".join(kind.thresholds) if kind.thresholds else "none"
        raise ValidationError(
            f"{where}: unknown thresholds {_names(extra)}. Its thresholds: {valid}.")
    missing = [key for key in kind.thresholds if key not in given]
    if missing:
        meanings = " and ".join(f"{key!r} ({_THRESHOLD_MEANINGS[key]})" for key in missing)
        raise ValidationError(
            f"{where}: expected thresholds {' and '.join(kind.thresholds)}, found no "
            f"{' or '.join(missing)}. Add {meanings}.")
    thresholds = {}
    for key in kind.thresholds:
        value = given[key]
        positive = key == S_THRESHOLD or kind.name == "v_shape"
        if (isinstance(value, bool) or not isinstance(value, numbers.Real)
                or not np.isfinite(value) or value < 0 or (positive and value == 0)):
            raise ValidationError(
                f"{where}: expected {key} to be a number {'> 0' if positive else '>= 0'} in the "
                f"criterion's units ({_THRESHOLD_MEANINGS[key]}), found {value!r}.")
        thresholds[key] = float(value)
    if Q_THRESHOLD in thresholds and P_THRESHOLD in thresholds and (
            thresholds[Q_THRESHOLD] > thresholds[P_THRESHOLD]):
        raise ValidationError(
            f"{where}: expected q <= p (indifference up to q, strict preference from p), found "
            f"q = {thresholds[Q_THRESHOLD]:g} > p = {thresholds[P_THRESHOLD]:g}. Swap them, or "
            f"lower q.")
    return kind, thresholds


def _preference_blocks(oriented: np.ndarray, weights: np.ndarray,
                       preferences) -> Iterator[tuple[slice, np.ndarray]]:
    """Rows of the aggregated preference matrix pi(a, b), a block of rows at a time. No checks.

    ``oriented`` is criteria x alternatives, min criteria negated, so d(a, b) = x_a - x_b on
    every criterion. Only a block x n slice of pi exists at a time: never n x n x m.
    """
    n = oriented.shape[1]
    rows = max(1, _BLOCK_CELLS // n)
    active = [(oriented[j], weights[j], kind.apply, thresholds)
              for j, (kind, thresholds) in enumerate(preferences) if weights[j] > 0]
    pi_buffer, d_buffer = np.empty((min(rows, n), n)), np.empty((min(rows, n), n))
    for start in range(0, n, rows):
        block = slice(start, min(start + rows, n))
        pi, d = pi_buffer[:block.stop - start], d_buffer[:block.stop - start]
        pi.fill(0.0)
        for values, weight, apply, thresholds in active:
            np.subtract(values[block, None], values[None, :], out=d)
            preference = apply(d, thresholds)
            np.multiply(preference, weight, out=preference)
            np.add(pi, preference, out=pi)
        yield block, pi


def _score_promethee_ii(frame, arr, weights, maximise, preference):
    """Net outranking flow phi = phi+ - phi-, from preference functions on pairwise differences."""
    preferences = _check_preferences(preference, frame.columns)
    _check_pairs(frame, "promethee_ii")
    stats = _column_stats(arr)
    _check_finite(frame, arr, stats)
    _warn_flat(frame, stats.high == stats.low, weights,
               "every pairwise difference is 0, and so is every preference")
    oriented = np.ascontiguousarray(np.where(maximise, arr, -arr).T)
    n = arr.shape[0]
    phi_plus, phi_minus = np.empty(n), np.zeros(n)
    for rows, pi in _preference_blocks(oriented, weights, preferences):
        phi_plus[rows] = pi.sum(axis=1)
        phi_minus += pi.sum(axis=0)
    phi_plus /= n - 1
    phi_minus /= n - 1
    phi = phi_plus - phi_minus

    def aggregated():
        pi = np.empty((n, n))
        for rows, block in _preference_blocks(oriented, weights, preferences):
            pi[rows] = block
        return pd.DataFrame(pi, index=frame.index, columns=frame.index)

    functions = pd.DataFrame(
        [{TYPE: kind.name, **thresholds} for kind, thresholds in preferences],
        index=frame.columns, columns=[TYPE, Q_THRESHOLD, P_THRESHOLD, S_THRESHOLD],
    ).assign(**{WEIGHT: weights})
    flows = "Outranking flows phi+, phi- and net flow phi"
    steps = _Working([
        (DECISION_MATRIX, lambda: frame),
        ("Preference functions and thresholds (criterion units)", lambda: functions),
        ("Aggregated preference indices pi(a, b) (row a over column b)", aggregated),
        (flows, lambda: pd.DataFrame({PHI_PLUS: phi_plus, PHI_MINUS: phi_minus, PHI: phi},
                                     index=frame.index)),
    ])
    return _Outcome(phi, lambda: steps[flows], steps, {})


@dataclass(frozen=True)
class _Method:
    name: str
    run: Callable[..., _Outcome]
    options: Mapping[str, Any]  # option -> default
    normalizations: tuple[str, ...] = ()  # allowed values of its normalization option


SCORING_METHODS: dict[str, _Method] = {
    "weighted_sum": _Method("weighted_sum", _score_weighted_sum, {"normalization": "minmax"},
                            ("minmax", "vector", "sum", "max")),
    "weighted_product": _Method("weighted_product", _score_weighted_product,
                                {"normalization": "none"}, ("none", "sum")),
    "topsis": _Method("topsis", _score_topsis, {"normalization": "vector"},
                      ("vector", "minmax", "sum", "max")),
    "vikor": _Method("vikor", _score_vikor, {"v": 0.5}),
    "promethee_ii": _Method("promethee_ii", _score_promethee_ii, {"preference": None}),
}


def _settle_options(method: _Method, options: Mapping[str, Any]) -> dict[str, Any]:
    unknown = [key for key in options if key not in method.options]
    if unknown:
        raise UnknownChoiceError(
            f"Unknown option {_names(unknown)} for scoring method {method.name!r}. Choose one "
            f"of: {', '.join(method.options)}.")
    settled = {**method.options, **options}
    if "normalization" in settled:
        given = settled["normalization"]
        key = "none" if given is None else str(given).strip().lower()
        if key in NORMALIZATIONS and key not in method.normalizations:
            raise ValidationError(
                f"Normalization {given!r} does not suit {method.name}: a product compares ratios "
                f"between alternatives, and {key} does not keep them. Choose one of: "
                f"{', '.join(method.normalizations)}.")
        settled["normalization"] = choose({k: k for k in method.normalizations}, key,
                                          what="normalization")
    return settled


def score(matrix: pd.DataFrame, weights: Mapping[str, float] | pd.Series,
          objectives: Mapping[str, str], method: str = "weighted_sum",
          **options) -> ScoreResult:
    """Score every alternative (row of *matrix*) with the named method; higher is better.

    >>> m = pd.DataFrame({"fit": [3, 5], "risk": [2, 4]}, index=["A", "B"])
    >>> r = score(m, {"fit": 0.5, "risk": 0.5}, {"fit": "max", "risk": "min"})
    >>> r.scores.tolist(), r.ranks.tolist()
    ([0.5, 0.5], [1, 1])

    The same call names the method and its options:

    >>> m = pd.DataFrame({"fit": [1, 2, 5], "value": [3000, 3750, 4500]}, index=["A", "B", "C"])
    >>> w, goal = {"fit": 1, "value": 1}, {"fit": "min", "value": "max"}
    >>> score(m, w, goal, "topsis", normalization="minmax").details.round(3)[["closeness"]]
       closeness
    A      0.500
    B      0.617
    C      0.500
    >>> vikor = score(m, w, goal, "vikor", v=0.5)
    >>> vikor.details["Q"].tolist(), vikor.extra["compromise_set"]
    ([1.0, 0.0, 1.0], ('B',))

    Parameters
    ----------
    matrix
        Rows are alternatives, columns criteria; every cell a finite number.
    weights
        Weight per criterion (>= 0, at least one > 0), one for every column and no other;
        normalised to sum to 1.
    objectives
        ``"max"`` or ``"min"`` per criterion.
    method
        A key of :data:`SCORING_METHODS`: ``weighted_sum`` (default), ``weighted_product``,
        ``topsis``, ``vikor`` or ``promethee_ii``.
    **options
        By method. ``normalization`` (weighted_sum, weighted_product, topsis): a key of
        :data:`NORMALIZATIONS`, or ``"none"`` for the weighted product. ``v`` (vikor): weight of
        group utility S against individual regret R, from 0 to 1; default 0.5.
        ``preference`` (promethee_ii): criterion -> ``{"type": ..., "q": ..., "p": ..., "s": ...}``
        with ``type`` a key of :data:`PREFERENCE_FUNCTIONS` (``usual``, ``u_shape``,
        ``v_shape``, ``level``, ``linear``, ``gaussian``) and its thresholds in the criterion's
        units; criteria not given use ``usual``.

    Returns
    -------
    ScoreResult
        ``scores`` (higher is better; VIKOR reports ``1 - Q``), ``ranks`` (1 = best, ties share
        the lowest rank), ``details``, ``steps``, ``weights``, ``options`` and ``extra``. For VIKOR,
        ``extra`` holds ``compromise_set`` (alternative ids), ``acceptable_advantage`` (condition
        C1: Q(a'') - Q(a') >= DQ = 1 / (m - 1)), ``acceptable_stability`` (condition C2: a' is also
        best by S or R) and ``dq``.

    Raises
    ------
    UnknownChoiceError
        For an unknown method, option, normalization or preference function.
    ValidationError
        For a cell that is not a finite number, naming the alternative and criterion; weights
        that are negative, all zero, missing or given for unknown criteria; objectives other
        than max/min; values <= 0 where a method needs ratios; PROMETHEE thresholds that are
        missing, negative or out of order (q > p); fewer than 2 alternatives for vikor and
        promethee_ii.

    Warns
    -----
    WorkbenchWarning
        For a weighted criterion with no spread, naming it and saying how it was handled.

    References
    ----------
    .. [1] Belton, V., & Stewart, T. J. (2002). *Multiple Criteria Decision Analysis: An
       Integrated Approach*. Kluwer. (Weighted sum of linear value functions, min-max scale.)
    .. [2] Bridgman, P. W. (1922). *Dimensional Analysis*. Yale University Press; Miller, D. W.,
       & Starr, M. K. (1969). *Executive Decisions and Operations Research*. Prentice-Hall.
       (Weighted product.)
    .. [3] Hwang, C.-L., & Yoon, K. (1981). *Multiple Attribute Decision Making: Methods and
       Applications*. Springer. (TOPSIS, vector normalisation.)
    .. [4] Opricovic, S., & Tzeng, G.-H. (2004). Compromise solution by MCDM methods: A
       comparative analysis of VIKOR and TOPSIS. *European Journal of Operational Research*,
       156(2), 445-455. (VIKOR, conditions C1 and C2.)
    .. [5] Brans, J.-P., & Vincke, Ph. (1985). A preference ranking organisation method (The
       PROMETHEE method for multiple criteria decision-making). *Management Science*, 31(6),
       647-656; Brans, J.-P., Vincke, Ph., & Mareschal, B. (1986). How to select and how to
       rank projects: The PROMETHEE method. *European Journal of Operational Research*, 24(2),
       228-238.
    .. [6] Jahan, A., & Edwards, K. L. (2015). A state-of-the-art survey on the influence of
       normalization techniques in ranking. *Materials & Design*, 65, 335-342. (Min criteria
       in each normalisation.)
    """
    spec = choose(SCORING_METHODS, method, what="scoring method")
    settled = _settle_options(spec, options)
    frame = _check_matrix(matrix)
    weights = _check_weights(weights, frame.columns)
    maximise = _check_objectives(objectives, frame.columns)
    arr = _float_array(frame)
    with _one_blas_thread():
        outcome = spec.run(frame, arr, weights.to_numpy(), maximise, **settled)
        ranks = _rank(outcome.scores)
    return ScoreResult(
        spec.name,
        pd.Series(outcome.scores, index=frame.index, name=SCORE, copy=False),
        pd.Series(ranks, index=frame.index, name=RANK, copy=False),
        outcome.details,
        outcome.steps,
        weights,
        MappingProxyType(settled),
        MappingProxyType(outcome.extra),
    )


# AHP also scores alternatives (by ratings, or by pairwise comparisons); it lives in ahp.py and
# is imported last so that ahp.py may one day import from this module.
from .ahp import ahp_hierarchy, ahp_ratings  # noqa: E402

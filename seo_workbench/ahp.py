"""Analytic Hierarchy Process: weights from pairwise judgements, and the synthesis of a hierarchy.

:func:`ahp` turns one pairwise comparison matrix into weights and says how consistent the
judgements are. :func:`ahp_hierarchy` combines the criteria matrix with one matrix of the
alternatives under each criterion, in Saaty's distributive or ideal mode. :func:`ahp_ratings`
scores alternatives one at a time against rating scales (absolute measurement). Every result
keeps its intermediate tables in ``steps``, so the board appendix can show the working.

Missing judgements are allowed: they are completed by Harker's method (eigenvector) or by
logarithmic least squares (geometric mean), provided the judgements that were made link every
criterion.
"""

from __future__ import annotations

import datetime
import html
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pandas as pd

from .errors import ValidationError, WorkbenchWarning, choose

__all__ = [
    "AHP_METHODS",
    "AHP_MODES",
    "CR_THRESHOLD",
    "GCI_THRESHOLDS",
    "RANDOM_INDEX",
    "RECIPROCAL_TOLERANCE",
    "AHPHierarchyResult",
    "AHPResult",
    "ahp",
    "ahp_hierarchy",
    "ahp_ratings",
]

WEIGHT, SCORE, RANK, PRIORITY = "weight", "score", "rank", "priority"
COMPOSITE = "composite"
CONSISTENCY_VECTOR = "(A w)_i / w_i"
ROW_GEOMETRIC_MEAN = "row geometric mean"
LOG_SUM = "sum of log judgements"
CRITERION, INTENSITY = "criterion", "intensity"
CONSISTENT = "consistent"
CONSISTENCY_COLUMNS = ("n", "lambda_max", "ci", "ri", "cr", CONSISTENT, "completed")
GCI_COLUMNS = ("gci", "gci_threshold")
GOAL = "goal"  # the consistency table's row for the criteria matrix (compared w.r.t. the goal)

#: Saaty's random consistency index RI(n): the mean CI of random reciprocal matrices of order n
#: on the 1/9..9 scale, n = 1..15, as tabulated in Saaty (1980). CR = CI / RI. The CRs printed
#: in Saaty (1990) for n = 3 and n = 8 (0.213, 0.056, 0.169) confirm RI(3) and RI(8).
RANDOM_INDEX: dict[int, float] = {
    1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49,
    11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59,
}
#: Judgements are acceptably consistent when CR <= 0.10 (Saaty 1980).
CR_THRESHOLD = 0.10
#: Thresholds of the geometric consistency index by order n (Aguarón & Moreno-Jiménez 2003):
#: 0.31 for n = 3, 0.35 for n = 4 and 0.37 for n > 4 (key 5 stands for every n > 4).
GCI_THRESHOLDS: dict[int, float] = {3: 0.31, 4: 0.35, 5: 0.37}
#: a_ij * a_ji may differ from 1 by this much (relative) before the matrix counts as not
#: reciprocal, so two-decimal roundings (0.33, 0.17, 0.14, 0.13) pass; the upper triangle wins.
RECIPROCAL_TOLERANCE = 0.05
SAATY_SCALE_MAX = 9.0
_TIE = 1e-12  # scores closer than this (relative) share a rank


@dataclass(frozen=True)
class AHPResult:
    """Weights derived from one pairwise matrix, and how consistent its judgements are."""

    weights: pd.Series  # by criterion id, sums to 1, name "weight"
    lambda_max: float  # principal eigenvalue, or mean of (A w)_i / w_i for the geometric mean
    ci: float  # consistency index (lambda_max - n) / (n - 1)
    cr: float  # consistency ratio ci / ri; 0 for n <= 2
    ri: float  # Saaty's random index for this n
    consistent: bool  # cr <= 0.10
    method: str  # "eigenvector" or "geometric_mean"
    matrix: pd.DataFrame  # the reciprocal matrix, missing judgements filled with w_i / w_j
    completed: bool = False  # True when some judgements were missing
    completion: str | None = None  # "harker" or "llsm" when completed
    gci: float | None = None  # geometric consistency index (geometric mean only)
    gci_threshold: float | None = None
    steps: Mapping[str, pd.DataFrame] = field(default_factory=dict)  # caption -> table, in order

    def to_frame(self) -> pd.DataFrame:
        """Weight, rank and consistency vector (A w)_i / w_i of each item, heaviest first."""
        matrix = self.matrix.to_numpy(float)
        w = self.weights.to_numpy()
        frame = pd.DataFrame({WEIGHT: self.weights,
                              RANK: _rank_min(self.weights),
                              CONSISTENCY_VECTOR: (matrix @ w) / w}, index=self.weights.index)
        return frame.sort_values([RANK, WEIGHT], ascending=[True, False])

    def _repr_html_(self) -> str:
        n = len(self.weights)
        verdict = "consistent" if self.consistent else "<b>not consistent</b>"
        text = (f"AHP weights by <b>{html.escape(self.method)}</b> for {n} items: "
                f"&lambda;<sub>max</sub> = {self.lambda_max:.3f}, CI = {self.ci:.3f}, "
                f"CR = {self.cr:.3f} ({verdict}, threshold {CR_THRESHOLD:.2f})")
        if self.gci is not None:
            limit = "" if self.gci_threshold is None else f", threshold {self.gci_threshold:.2f}"
            text += f"; GCI = {self.gci:.3f}{limit}"
        if self.completed:
            how = _COMPLETION_NAMES.get(self.completion, str(self.completion))
            text += f"; missing judgements completed by {html.escape(how)}"
        return f"<p>{text}.</p>" + self.to_frame().to_html(float_format="{:.3f}".format)


@dataclass(frozen=True)
class AHPHierarchyResult:
    """Global priorities of the alternatives, from an AHP hierarchy or from rating scales."""

    mode: str  # "distributive", "ideal" or "ratings"
    method: str  # how every pairwise matrix was turned into priorities
    scores: pd.Series  # by alternative; sums to 1, except in "ratings" mode (0..1, 1 = ideal)
    ranks: pd.Series  # 1 = best; equal scores share the lowest rank ("min")
    composite: pd.Series  # sum_j w_j * local_ij before normalisation
    weights: pd.Series  # criteria weights used
    local: pd.DataFrame  # alternative x criterion, before any ideal rescaling
    consistency: pd.DataFrame  # one row per pairwise matrix: n, lambda_max, ci, ri, cr, ...
    steps: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    criteria: AHPResult | None = None  # the criteria matrix, when weights came from one
    matrices: Mapping[str, AHPResult] = field(default_factory=dict)  # by criterion

    def to_frame(self) -> pd.DataFrame:
        """Local priorities, composite, score and rank of each alternative, best first."""
        frame = self.local.assign(**{COMPOSITE: self.composite, SCORE: self.scores,
                                     RANK: self.ranks})
        return frame.sort_values([RANK, SCORE], ascending=[True, False])

    def _repr_html_(self) -> str:
        shaky = [str(k) for k, ok in self.consistency[CONSISTENT].items() if not ok]
        verdict = ("every pairwise matrix is consistent" if not shaky else
                   "<b>not consistent</b>: " + html.escape(", ".join(shaky)))
        text = (f"AHP synthesis in <b>{html.escape(self.mode)}</b> mode ({html.escape(self.method)}"
                f"), {len(self.scores)} alternatives, {len(self.weights)} criteria; {verdict}.")
        return (f"<p>{text}</p>" + self.to_frame().to_html(float_format="{:.3f}".format)
                + self.consistency.to_html(float_format="{:.3f}".format))


# Kernels: they trust their inputs (a positive reciprocal matrix, a connected comparison graph).


def _principal_eigen(matrix: np.ndarray) -> tuple[np.ndarray, float]:
    """Perron vector (summing to 1) and Perron root of a non-negative irreducible matrix."""
    values, vectors = np.linalg.eig(matrix)
    k = int(np.argmax(values.real))
    vector = vectors[:, k].real
    return vector / vector.sum(), float(values[k].real)


def _eigenvector(matrix: np.ndarray) -> tuple[np.ndarray, float]:
    """Saaty's principal right eigenvector and its eigenvalue lambda_max."""
    return _principal_eigen(matrix)


def _geometric_mean(matrix: np.ndarray) -> tuple[np.ndarray, float]:
    """Row geometric means (normalised) and lambda_max = mean of (A w)_i / w_i.

    >>> w, lam = _geometric_mean(np.array([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]]))
    >>> w.round(4).tolist(), round(lam, 9)
    ([0.5714, 0.2857, 0.1429], 3.0)
    """
    logs = np.log(matrix).mean(axis=1)
    w = np.exp(logs - logs.max())
    w = w / w.sum()
    return w, float(np.mean((matrix @ w) / w))


def _harker(matrix: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Harker's (1987) weights: missing entries 0, each diagonal 1 + missing in its row."""
    auxiliary = _harker_matrix(matrix, missing)
    return _principal_eigen(auxiliary)[0]


def _harker_matrix(matrix: np.ndarray, missing: np.ndarray) -> np.ndarray:
    auxiliary = np.where(missing, 0.0, matrix)
    np.fill_diagonal(auxiliary, 1.0 + missing.sum(axis=1))
    return auxiliary


def _llsm(matrix: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Logarithmic least squares weights of an incomplete matrix (Bozóki et al. 2010).

    The normal equations are L y = r, with L the Laplacian of the comparison graph and r the row
    sums of the known log judgements; adding J/n pins sum(y) = 0 without changing the solution.
    """
    laplacian, rhs = _llsm_system(matrix, missing)
    n = len(matrix)
    y = np.linalg.solve(laplacian + 1.0 / n, rhs)
    w = np.exp(y - y.max())
    return w / w.sum()


def _llsm_system(matrix: np.ndarray, missing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    known = ~missing & ~np.eye(len(matrix), dtype=bool)
    laplacian = np.diag(known.sum(axis=1)).astype(float) - known
    rhs = np.where(known, np.log(np.where(known, matrix, 1.0)), 0.0).sum(axis=1)
    return laplacian, rhs


def _gci(matrix: np.ndarray, w: np.ndarray) -> float:
    """Geometric consistency index: 2 / ((n-1)(n-2)) * sum over i<j of log^2(a_ij w_j / w_i)."""
    n = len(w)
    if n <= 2:
        return 0.0
    errors = np.log(matrix * w[None, :] / w[:, None])
    upper = np.triu_indices(n, 1)
    return float(2.0 / ((n - 1) * (n - 2)) * np.sum(errors[upper] ** 2))


def _gci_threshold(n: int) -> float | None:
    return None if n <= 2 else GCI_THRESHOLDS[min(n, 5)]


def _distributive(local: pd.DataFrame) -> pd.DataFrame:
    return local


def _ideal(local: pd.DataFrame) -> pd.DataFrame:
    return local / local.max(axis=0)


#: Ways to turn a pairwise matrix into weights: name -> kernel(matrix) -> (weights, lambda_max).
AHP_METHODS: dict[str, Callable] = {"eigenvector": _eigenvector,
                                    "geometric_mean": _geometric_mean}
#: Synthesis modes of :func:`ahp_hierarchy`: name -> rescaling of the local priorities.
AHP_MODES: dict[str, Callable] = {"distributive": _distributive, "ideal": _ideal}
_COMPLETIONS = {"eigenvector": ("harker", _harker), "geometric_mean": ("llsm", _llsm)}
_COMPLETION_NAMES = {"harker": "Harker's method", "llsm": "logarithmic least squares"}


def _chosen(registry: Mapping[str, Callable], name: str, what: str) -> str:
    choose(registry, name, what=what)
    return str(name).strip().lower()


# Reading and checking a pairwise matrix.


def _cell(frame_labels: list, i: int, j: int) -> str:
    return f"row {frame_labels[i]!r}, column {frame_labels[j]!r}"


def _show(x: float) -> str:
    return f"{x:g}"


def _some(items: list[str], limit: int = 6) -> str:
    shown = "; ".join(items[:limit])
    return shown + (f"; and {len(items) - limit} more" if len(items) > limit else "")


def _number(value) -> tuple[float | None, str | None]:
    """A judgement as a float (NaN when blank), or None with what was found instead."""
    if value is None or (not isinstance(value, str | datetime.date) and pd.isna(value)):
        return math.nan, None
    if isinstance(value, bool | datetime.date):
        if isinstance(value, datetime.date):
            return None, (f"a date ({value:%Y-%m-%d}): Excel turned a fraction into a date; "
                          "format the cell as text and type it again (e.g. 1/3)")
        return None, f"{value!r}"
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value), None
    text = str(value).strip()
    if not text:
        return math.nan, None
    try:
        return float(Fraction(text.replace(" ", ""))) if "/" in text else float(text), None
    except (ValueError, ZeroDivisionError):
        return None, f"text {text!r}"


def _read_matrix(matrix, what: str) -> tuple[list, np.ndarray]:
    """Labels and float entries (NaN = blank) of a square matrix, or a ValidationError."""
    if isinstance(matrix, pd.DataFrame):
        frame = matrix
        rows, cols = list(frame.index), list(frame.columns)
        for axis, labels in (("row", rows), ("column", cols)):
            twice = sorted({str(x) for x in labels if labels.count(x) > 1})
            if twice:
                raise ValidationError(f"{what}: {axis} labels {twice} appear more than once. "
                                      "Give every criterion one row and one column.")
        if set(rows) != set(cols):
            only_rows = [x for x in rows if x not in set(cols)]
            only_cols = [x for x in cols if x not in set(rows)]
            raise ValidationError(
                f"{what}: rows and columns must list the same items; only in the rows: "
                f"{only_rows}, only in the columns: {only_cols}. Label row i and column i with "
                "the same id.")
        values = frame.loc[rows, rows].to_numpy(dtype=object)
        labels = rows
    else:
        values = np.asarray(matrix, dtype=object)
        if values.ndim != 2 or values.shape[0] != values.shape[1]:
            shape = "x".join(str(s) for s in values.shape) or "a scalar"
            raise ValidationError(f"{what} must be square, one row and one column per item; "
                                  f"found shape {shape}.")
        labels = list(range(values.shape[0]))
    if values.size == 0:
        raise ValidationError(f"{what} is empty; compare at least one item.")
    n = len(labels)
    numbers = np.full((n, n), math.nan)
    bad, nonpositive = [], []
    for i in range(n):
        for j in range(n):
            x, found = _number(values[i, j])
            if x is None:
                bad.append(f"{_cell(labels, i, j)}: {found}")
            elif not math.isnan(x) and (x <= 0 or math.isinf(x)):
                nonpositive.append(f"{_cell(labels, i, j)}: {_show(x)}")
            else:
                numbers[i, j] = x
    if bad:
        raise ValidationError(f"{what}: expected numbers on Saaty's 1/9..9 scale, found "
                              f"{_some(bad)}. Type a number or a fraction such as 1/3; leave a "
                              "cell blank if the pair was not compared.")
    if nonpositive:
        raise ValidationError(f"{what}: expected positive finite judgements, found "
                              f"{_some(nonpositive)}. A judgement is a ratio: write 1/x when the "
                              "row item is less important, never 0 or a negative number; leave "
                              "the cell blank if the pair was not compared.")
    return labels, numbers


def _check_reciprocal(labels: list, a: np.ndarray, what: str, stacklevel: int) -> np.ndarray:
    """Diagonal 1, a_ji = 1 / a_ij from the upper triangle, blanks in pairs; returns a copy."""
    a = a.copy()
    n = len(labels)
    diagonal = np.diag(a)
    wrong = [f"{_cell(labels, i, i)}: {_show(diagonal[i])}" for i in range(n)
             if not math.isnan(diagonal[i]) and abs(diagonal[i] - 1.0) > 1e-9]
    if wrong:
        raise ValidationError(f"{what}: the diagonal must be 1 (an item is as important as "
                              f"itself); found {_some(wrong)}. Set these cells to 1.")
    blank = [labels[i] for i in range(n) if math.isnan(diagonal[i])]
    if blank:
        warnings.warn(f"{what}: blank diagonal cells for {blank} set to 1.", WorkbenchWarning,
                      stacklevel=stacklevel)
    np.fill_diagonal(a, 1.0)
    clashes = []
    for i in range(n):
        for j in range(i + 1, n):
            x, y = a[i, j], a[j, i]
            if math.isnan(x) and math.isnan(y):
                continue
            if math.isnan(x):
                x = a[i, j] = 1.0 / y
            elif not math.isnan(y) and abs(x * y - 1.0) > RECIPROCAL_TOLERANCE + 1e-12:
                clashes.append(
                    f"{_cell(labels, i, j)} is {_show(x)} but {_cell(labels, j, i)} is "
                    f"{_show(y)} (product {x * y:.3g}, expected 1); enter "
                    f"{_fraction(x)} in {_cell(labels, j, i)} or leave it blank")
            a[j, i] = 1.0 / x
    if clashes:
        raise ValidationError(f"{what} is not reciprocal: entry [b, a] must be 1 / entry [a, b] "
                              f"(within {RECIPROCAL_TOLERANCE:.0%}). {_some(clashes)}.")
    upper = np.triu(~np.isnan(a), 1)
    slack = RECIPROCAL_TOLERANCE + 1e-12  # so 1/9 typed as 0.11 is on the scale
    outside = [f"{_cell(labels, i, j)}: {_show(a[i, j])}" for i, j in zip(*np.nonzero(upper))
               if a[i, j] > SAATY_SCALE_MAX * (1 + slack)
               or a[i, j] * SAATY_SCALE_MAX < 1 - slack]
    if outside:
        warnings.warn(f"{what}: judgements outside Saaty's 1/9..9 scale: {_some(outside)}. Kept "
                      "as given, but the random index behind CR assumes the 1/9..9 scale.",
                      WorkbenchWarning, stacklevel=stacklevel)
    return a


def _fraction(x: float) -> str:
    """The reciprocal of x as a reader would type it: 1/3 for 3, 3 for 1/3."""
    inverse = 1.0 / x
    if abs(x - round(x)) < 1e-9:
        return f"1/{round(x)}"
    if abs(inverse - round(inverse)) < 1e-9:
        return f"{round(inverse)}"
    return f"{inverse:.4g}"


def _components(missing: np.ndarray) -> list[list[int]]:
    """Groups of items linked, directly or through others, by the known judgements."""
    n = len(missing)
    group = [-1] * n
    groups = []
    for start in range(n):
        if group[start] >= 0:
            continue
        group[start] = len(groups)
        members, stack = [start], [start]
        while stack:
            i = stack.pop()
            for j in np.nonzero(~missing[i])[0]:
                if group[j] < 0:
                    group[j] = group[start]
                    members.append(int(j))
                    stack.append(int(j))
        groups.append(sorted(members))
    return groups


def _check_connected(labels: list, missing: np.ndarray, what: str) -> None:
    groups = _components(missing)
    if len(groups) <= 1:
        return
    named = " and ".join("{" + ", ".join(repr(labels[i]) for i in g) + "}" for g in groups)
    links = "; ".join(f"row {labels[groups[0][0]]!r}, column {labels[g[0]]!r}"
                      for g in groups[1:])
    raise ValidationError(f"{what}: the judgements do not link every item: {named} are never "
                          "compared with each other, so their relative weights are undetermined. "
                          f"Add a judgement linking each group to the first, e.g. {links}.")


# Front doors.


def _ahp(matrix, method: str, what: str, stacklevel: int) -> AHPResult:
    """Weights and consistency of one pairwise matrix; messages start with *what*."""
    method = _chosen(AHP_METHODS, method, "AHP method")
    labels, raw = _read_matrix(matrix, what)
    a = _check_reciprocal(labels, raw, what, stacklevel + 1)
    n = len(labels)
    missing = np.isnan(a)
    index = pd.Index(labels)
    steps = {"Pairwise judgements (row vs column; blank = not compared)":
             pd.DataFrame(a, index=index, columns=index)}
    completion = None
    if missing.any():
        _check_connected(labels, missing, what)
        completion, complete = _COMPLETIONS[method]
        if completion == "harker":
            steps["Harker's matrix (missing judgements 0, diagonal 1 + missing in the row)"] = (
                pd.DataFrame(_harker_matrix(a, missing), index=index, columns=index))
        else:
            laplacian, rhs = _llsm_system(a, missing)
            system = pd.DataFrame(laplacian, index=index, columns=index).assign(**{LOG_SUM: rhs})
            steps["Logarithmic least squares system (graph Laplacian | row sum of logs)"] = system
        w = complete(a, missing)
        a = np.where(missing, w[:, None] / w[None, :], a)
        steps["Completed matrix (missing judgements set to w_i / w_j)"] = pd.DataFrame(
            a, index=index, columns=index)
    w, lambda_max = AHP_METHODS[method](a)
    ci = max((lambda_max - n) / (n - 1), 0.0) if n > 1 else 0.0
    ri = RANDOM_INDEX.get(n, math.nan)
    cr = 0.0 if n <= 2 else ci / ri
    weights = pd.Series(w, index=index, name=WEIGHT)
    table = pd.DataFrame({WEIGHT: w, CONSISTENCY_VECTOR: (a @ w) / w}, index=index)
    if method == "geometric_mean":
        table.insert(0, ROW_GEOMETRIC_MEAN, np.exp(np.log(a).mean(axis=1)))
    steps["Weights and consistency vector"] = table
    errors = a * w[None, :] / w[:, None]
    steps["Judgement errors e_ij = a_ij w_j / w_i (1 = agrees with the weights)"] = (
        pd.DataFrame(errors, index=index, columns=index))
    gci = _gci(a, w) if method == "geometric_mean" else None
    gci_limit = _gci_threshold(n) if method == "geometric_mean" else None
    if math.isnan(ri):
        warnings.warn(f"{what}: Saaty's random index is tabulated for n <= 15, so CR is not "
                      f"defined for {n} items and the matrix is reported as not consistent. "
                      "Split the items into a hierarchy of at most 9 per matrix.",
                      WorkbenchWarning, stacklevel=stacklevel)
    elif cr > CR_THRESHOLD:
        given = np.where(missing, 1.0, errors)  # completed cells agree with the weights
        i, j = np.unravel_index(int(np.argmax(given)), given.shape)
        extra = "" if gci is None else f", GCI = {gci:.3f} against {gci_limit:.2f}"
        warnings.warn(
            f"{what}: CR = {cr:.3f} > {CR_THRESHOLD:.2f} (lambda_max = {lambda_max:.3f}, n = {n}"
            f"{extra}), so the judgements are too inconsistent to trust the weights. Revisit "
            f"the judgements, starting with {_cell(labels, i, j)}: it says {_show(a[i, j])}, "
            f"the weights imply {w[i] / w[j]:.3g}.", WorkbenchWarning, stacklevel=stacklevel)
    return AHPResult(weights=weights, lambda_max=lambda_max, ci=ci, cr=cr, ri=ri,
                     consistent=bool(cr <= CR_THRESHOLD), method=method,
                     matrix=pd.DataFrame(a, index=index, columns=index),
                     completed=bool(missing.any()), completion=completion, gci=gci,
                     gci_threshold=gci_limit, steps=steps)


def ahp(matrix: pd.DataFrame | np.ndarray, method: str = "eigenvector") -> AHPResult:
    """Weights of the items compared in a pairwise matrix, with Saaty's consistency ratio.

    Entry [a, b] says how many times more important *a* is than *b* on Saaty's 1/9..9 scale.

    >>> m = pd.DataFrame([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]],
    ...                  index=["fit", "risk", "cost"], columns=["fit", "risk", "cost"])
    >>> result = ahp(m)
    >>> result.weights.round(3).to_dict()
    {'fit': 0.571, 'risk': 0.286, 'cost': 0.143}
    >>> round(result.cr, 9), result.consistent
    (0.0, True)

    Parameters
    ----------
    matrix
        A square DataFrame whose index and columns hold the same ids (columns are aligned to the
        index), or a square array (ids 0..n-1). Entries are positive numbers or fractions typed
        as text ("1/3"); the diagonal is 1. A pair may be judged in one triangle only: the other
        cell is taken as its reciprocal. When both cells are given their product must be 1
        within 5% (so two-decimal roundings such as 0.33, 0.17 and 0.13 pass, while 3 and 0.3
        do not) and the upper triangle wins. A pair
        left blank on both sides is a missing judgement.
    method
        ``"eigenvector"`` (Saaty's principal eigenvector; missing judgements completed by
        Harker's method) or ``"geometric_mean"`` (row geometric mean, Crawford & Williams;
        missing judgements completed by logarithmic least squares, Bozóki et al.).

    Returns
    -------
    AHPResult
        ``weights`` (sum to 1), ``lambda_max``, ``ci`` = (lambda_max - n) / (n - 1),
        ``cr`` = ci / RI(n) (0 for n <= 2), ``consistent`` (cr <= 0.10), the completed
        ``matrix`` and, for the geometric mean, the geometric consistency index ``gci`` with its
        threshold (0.31 for n = 3, 0.35 for n = 4, 0.37 for n > 4). For the geometric mean,
        ``lambda_max`` is the mean of (A w)_i / w_i.

    Raises
    ------
    ValidationError
        When the matrix is not square, its rows and columns name different items, an entry is
        not a positive finite number, the diagonal is not 1, the two triangles disagree, or the
        judgements made do not link every item (the message names the unlinked groups).
    UnknownChoiceError
        When *method* is not a key of :data:`AHP_METHODS`.

    Warns
    -----
    WorkbenchWarning
        When CR > 0.10 (naming the judgement that most contradicts the weights), when a
        judgement lies outside 1/9..9, when a blank diagonal is set to 1, or when n > 15.

    References
    ----------
    .. [1] Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill, New York
       (eigenvector method, consistency ratio, random index table for n = 1..15).
    .. [2] Saaty, T. L. (2003). Decision-making with the AHP: Why is the principal eigenvector
       necessary. *European Journal of Operational Research* 145(1), 85-91 (errors
       e_ij = a_ij w_j / w_i to locate the most inconsistent judgement).
    .. [3] Crawford, G., & Williams, C. (1985). A note on the analysis of subjective judgment
       matrices. *Journal of Mathematical Psychology* 29(4), 387-405 (row geometric mean).
    .. [4] Aguarón, J., & Moreno-Jiménez, J. M. (2003). The geometric consistency index:
       Approximated thresholds. *European Journal of Operational Research* 147(1), 137-145.
    .. [5] Harker, P. T. (1987). Incomplete pairwise comparisons in the analytic hierarchy
       process. *Mathematical Modelling* 9(11), 837-848.
    .. [6] Bozóki, S., Fülöp, J., & Rónyai, L. (2010). On optimal completion of incomplete
       pairwise comparison matrices. *Mathematical and Computer Modelling* 52(1-2), 318-333.
    """
    return _ahp(matrix, method, "Pairwise matrix", stacklevel=3)


def _rank_min(scores: pd.Series) -> pd.Series:
    """Ranks, 1 = highest; scores equal within 1e-12 (relative) share the lowest rank."""
    order = scores.sort_values(ascending=False, kind="stable")
    ranks, rank, previous = {}, 0, None
    for position, (key, value) in enumerate(order.items(), start=1):
        if previous is None or abs(value - previous) > _TIE * max(abs(previous), 1.0):
            rank, previous = position, value
        ranks[key] = rank
    return pd.Series(ranks, name=RANK).reindex(scores.index).astype(int)


def _goal_key(criteria: list) -> str:
    """Row label of the criteria matrix in a consistency table, clear of every criterion id."""
    return GOAL if GOAL not in criteria else "goal (criteria matrix)"


def _label_key(label) -> str:
    """How an intensity label is matched: case and spaces ignored, 5.0 read as 5."""
    if isinstance(label, float | np.floating) and float(label).is_integer():
        label = int(label)
    return str(label).strip().casefold()


def _consistency_table(results: Mapping) -> pd.DataFrame:
    rows = {}
    for key, r in results.items():
        values = (len(r.weights), r.lambda_max, r.ci, r.ri, r.cr, r.consistent, r.completed)
        rows[key] = dict(zip(CONSISTENCY_COLUMNS, values))
        if r.gci is not None:
            rows[key].update(zip(GCI_COLUMNS, (r.gci, r.gci_threshold)))
    table = pd.DataFrame.from_dict(rows, orient="index")
    if table.empty:
        table = pd.DataFrame(columns=list(CONSISTENCY_COLUMNS))
    table.index.name = "with respect to"
    return table


def _synthesis(local: pd.DataFrame, weights: pd.Series, normalise: bool):
    contribution = local * weights
    composite = contribution.sum(axis=1).rename(COMPOSITE)
    scores = (composite / composite.sum() if normalise else composite).rename(SCORE)
    ranks = _rank_min(scores)
    table = pd.DataFrame({COMPOSITE: composite, SCORE: scores, RANK: ranks})
    return contribution, composite, scores, ranks, table


def ahp_hierarchy(criteria_matrix: pd.DataFrame | np.ndarray,
                  alternative_matrices: Mapping[object, pd.DataFrame | np.ndarray],
                  mode: str = "distributive", method: str = "eigenvector") -> AHPHierarchyResult:
    """Global priorities of the alternatives of a three-level AHP hierarchy.

    The criteria matrix gives the criteria weights w_j; the matrix of the alternatives under
    criterion j gives their local priorities local_ij. The global priority of alternative i is
    sum_j w_j * local_ij, normalised to sum to 1 for display (``composite`` keeps the sums).

    >>> criteria = pd.DataFrame([[1, 3], [1 / 3, 1]], index=["fit", "cost"],
    ...                         columns=["fit", "cost"])
    >>> fit = pd.DataFrame([[1, 4], [1 / 4, 1]], index=["A", "B"], columns=["A", "B"])
    >>> cost = pd.DataFrame([[1, 1 / 2], [2, 1]], index=["A", "B"], columns=["A", "B"])
    >>> result = ahp_hierarchy(criteria, {"fit": fit, "cost": cost})
    >>> result.scores.round(4).to_dict(), result.ranks.to_dict()
    ({'A': 0.6833, 'B': 0.3167}, {'A': 1, 'B': 2})

    Parameters
    ----------
    criteria_matrix
        Pairwise matrix of the criteria with respect to the goal (see :func:`ahp`).
    alternative_matrices
        Criterion id -> pairwise matrix of the alternatives under that criterion. Every
        criterion needs one, and all of them must compare the same alternatives.
    mode
        ``"distributive"``: local priorities as derived (they sum to 1 under each criterion).
        ``"ideal"``: local priorities divided by the best one under each criterion, so adding a
        copy of an alternative cannot reverse the ranks of the others (Belton & Gear 1983;
        Saaty 1994).
    method
        How every matrix becomes priorities: a key of :data:`AHP_METHODS`.

    Returns
    -------
    AHPHierarchyResult
        ``scores`` and ``ranks`` (1 = best; ties share the lowest rank) by alternative,
        ``criteria`` (the :class:`AHPResult` of the criteria), ``local`` (alternative x
        criterion, before the ideal rescaling), ``consistency`` (CR of every matrix), the
        per-criterion results in ``matrices`` and the working in ``steps``.

    Raises
    ------
    ValidationError
        When a criterion has no matrix of alternatives, a matrix is given for an unknown
        criterion, the alternatives differ between criteria, or any matrix is not valid for
        :func:`ahp` (the message names the matrix).
    UnknownChoiceError
        When *mode* or *method* is not registered.

    References
    ----------
    .. [1] Saaty, T. L. (1990). How to make a decision: The analytic hierarchy process.
       *European Journal of Operational Research* 48(1), 9-26 (distributive synthesis).
    .. [2] Belton, V., & Gear, T. (1983). On a short-coming of Saaty's method of analytic
       hierarchies. *Omega* 11(3), 228-230 (rank reversal; normalising by the maximum).
    .. [3] Saaty, T. L. (1994). How to make a decision: The analytic hierarchy process.
       *Interfaces* 24(6), 19-43 (ideal mode).
    .. [4] Saaty, T. L. (2001). *Decision Making with Dependence and Feedback: The Analytic
       Network Process*, 2nd ed. RWS Publications, Pittsburgh (distributive and ideal modes).
    """
    mode = _chosen(AHP_MODES, mode, "AHP synthesis mode")
    method = _chosen(AHP_METHODS, method, "AHP method")
    criteria = _ahp(criteria_matrix, method, "Criteria matrix", stacklevel=3)
    names = list(criteria.weights.index)
    if not isinstance(alternative_matrices, Mapping):
        raise ValidationError("alternative_matrices must map each criterion to the pairwise "
                              f"matrix of the alternatives under it; found "
                              f"{type(alternative_matrices).__name__}.")
    absent = [c for c in names if c not in alternative_matrices]
    if absent:
        raise ValidationError(f"No pairwise matrix of the alternatives for criteria {absent}. "
                              "Give one matrix per criterion of the criteria matrix.")
    unknown = [c for c in alternative_matrices if c not in set(names)]
    if unknown:
        raise ValidationError(f"Matrices of alternatives given for {unknown}, which are not "
                              f"criteria of the criteria matrix ({names}). Remove them or add "
                              "them to the criteria matrix.")
    results = {c: _ahp(alternative_matrices[c], method,
                       f"Alternatives under criterion {c!r}", stacklevel=3) for c in names}
    first = names[0]
    alternatives = list(results[first].weights.index)
    for c in names[1:]:
        these = list(results[c].weights.index)
        if set(these) != set(alternatives):
            lacking = [x for x in alternatives if x not in set(these)]
            extra = [x for x in these if x not in set(alternatives)]
            raise ValidationError(
                f"The alternatives differ between criteria: under {c!r} missing {lacking} and "
                f"extra {extra}, compared with {first!r} ({alternatives}). Compare the same "
                "alternatives under every criterion.")
    local = pd.DataFrame({c: results[c].weights.reindex(alternatives) for c in names},
                         index=pd.Index(alternatives))
    used = AHP_MODES[mode](local)
    weights = criteria.weights
    contribution, composite, scores, ranks, table = _synthesis(used, weights, normalise=True)
    consistency = _consistency_table({_goal_key(names): criteria, **results})
    steps = {f"Criteria weights ({method})": criteria.to_frame(),
             "Local priorities of the alternatives under each criterion (sum to 1)": local}
    if mode == "ideal":
        steps["Ideal mode: local priorities divided by the best under each criterion"] = used
    steps["Weighted priorities (criterion weight x priority)"] = contribution
    steps["Global priorities (composite = sum of weighted priorities; score = composite "
          "/ total)"] = table
    steps["Consistency of every pairwise matrix"] = consistency
    return AHPHierarchyResult(mode=mode, method=method, scores=scores, ranks=ranks,
                              composite=composite, weights=weights, local=local,
                              consistency=consistency, steps=steps, criteria=criteria,
                              matrices=results)


def _criteria_weights(criteria_weights) -> tuple[pd.Series, AHPResult | None, float]:
    """Weights summing to 1, the criteria result they came from, and their sum as given."""
    if isinstance(criteria_weights, AHPResult):
        return criteria_weights.weights, criteria_weights, 1.0
    try:
        weights = pd.Series(criteria_weights, dtype=float, name=WEIGHT)
    except (TypeError, ValueError) as error:
        raise ValidationError(f"Criteria weights must be numbers by criterion; {error}.") from None
    bad = weights[~np.isfinite(weights) | (weights < 0)]
    if not bad.empty:
        raise ValidationError(f"Criteria weights must be finite numbers >= 0; found "
                              f"{bad.to_dict()}. Correct them.")
    total = weights.sum()
    if total <= 0:
        raise ValidationError("At least one criterion weight must be > 0; all are 0.")
    return weights / total, None, float(total)


def _scale(spec, criterion, method: str) -> tuple[pd.Series, AHPResult | None]:
    """Priorities of a criterion's rating intensities, the best = 1, in the order given."""
    what = f"Rating scale of criterion {criterion!r}"
    if isinstance(spec, pd.DataFrame):
        result = _ahp(spec, method, what, stacklevel=4)
        priorities = result.weights
    elif isinstance(spec, Mapping | pd.Series) or (
            isinstance(spec, list | tuple) and all(isinstance(x, tuple) and len(x) == 2
                                                    for x in spec)):
        result = None
        items = list(spec.items()) if isinstance(spec, Mapping | pd.Series) else list(spec)
        values = {}
        for label, value in items:
            x, _ = _number(value)
            if x is None or math.isnan(x) or x < 0 or math.isinf(x):
                raise ValidationError(f"{what}: intensity {label!r} needs a priority >= 0; "
                                      f"found {value!r}.")
            values[label] = x
        priorities = pd.Series(values, dtype=float)
    else:
        raise ValidationError(f"{what}: expected intensity -> priority (e.g. {{'excellent': 1.0, "
                              "'good': 0.6}) or a pairwise matrix of the intensities as a "
                              f"DataFrame; found {type(spec).__name__}.")
    if priorities.empty or priorities.max() <= 0:
        raise ValidationError(f"{what}: at least one intensity needs a priority > 0.")
    keys = [_label_key(label) for label in priorities.index]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ValidationError(f"{what}: intensities {twice} appear more than once (ignoring case "
                              "and spaces). Name each intensity once.")
    return (priorities / priorities.max()).rename(PRIORITY), result


def ahp_ratings(criteria_weights: Mapping[object, float] | pd.Series | AHPResult,
                ratings: pd.DataFrame, scales: Mapping[object, object],
                method: str = "eigenvector") -> AHPHierarchyResult:
    """Score alternatives one at a time by rating them on each criterion's intensity scale.

    This is Saaty's absolute measurement: each criterion has a few intensities (excellent,
    good, ...) whose priorities are divided by the best one, and the score of an alternative is
    sum_j w_j * priority(rating_ij). Adding or removing an alternative changes no other score.

    >>> scale = {"high": 1.0, "medium": 0.5, "low": 0.2}
    >>> ratings = pd.DataFrame({"fit": ["high", "low"], "cost": ["medium", "high"]},
    ...                        index=["A", "B"])
    >>> result = ahp_ratings({"fit": 0.75, "cost": 0.25}, ratings, {"fit": scale, "cost": scale})
    >>> result.scores.round(4).to_dict(), result.ranks.to_dict()
    ({'A': 0.875, 'B': 0.4}, {'A': 1, 'B': 2})

    Parameters
    ----------
    criteria_weights
        Weight by criterion (>= 0; renormalised with a warning when they do not sum to 1), or
        the :class:`AHPResult` of a criteria matrix.
    ratings
        Alternatives (rows) x criteria (columns), each cell an intensity label of that
        criterion's scale. Labels match ignoring case and surrounding spaces.
    scales
        Criterion -> its intensities, in order: either intensity -> priority (a mapping, or a
        list of (intensity, priority) pairs), or a pairwise matrix of the intensities as a
        DataFrame (priorities by *method*). Either way the priorities are divided by the largest,
        so the best intensity scores 1 (the ideal).
    method
        How a pairwise matrix of intensities becomes priorities: a key of :data:`AHP_METHODS`.

    Returns
    -------
    AHPHierarchyResult
        ``mode`` is ``"ratings"``; ``scores`` are the weighted sums themselves (1 = ideal on
        every criterion, not normalised), ``ranks`` 1 = best with ties sharing the lowest rank,
        ``local`` the priority of each rating, ``consistency`` the CR of every scale given as a
        matrix (and of the criteria matrix, if given), and ``steps`` the working.

    Raises
    ------
    ValidationError
        When a rating is blank or not an intensity of its criterion's scale (every such cell is
        named), a criterion has no ratings or no scale, a rating column or scale has no weight,
        a weight is negative, or a scale is not valid.
    UnknownChoiceError
        When *method* is not registered.

    References
    ----------
    .. [1] Saaty, T. L. (1986). Absolute and relative measurement with the AHP. The most
       livable cities in the United States. *Socio-Economic Planning Sciences* 20(6), 327-331.
    .. [2] Saaty, T. L. (2006). Rank from comparisons and from ratings in the analytic
       hierarchy/network processes. *European Journal of Operational Research* 168(2), 557-570.
    """
    method = _chosen(AHP_METHODS, method, "AHP method")
    weights, criteria, total = _criteria_weights(criteria_weights)
    if not isinstance(ratings, pd.DataFrame):
        raise ValidationError("ratings must be a DataFrame of alternatives (rows) x criteria "
                              f"(columns); found {type(ratings).__name__}.")
    names = list(weights.index)
    twice = sorted({str(x) for x in ratings.index[ratings.index.duplicated()]})
    if twice:
        raise ValidationError(f"Ratings: alternatives {twice} appear in more than one row. Rate "
                              "each alternative once.")
    unrated = [c for c in names if c not in ratings.columns]
    if unrated:
        raise ValidationError(f"No ratings for criteria {unrated}: add a column per criterion.")
    unweighted = [c for c in ratings.columns if c not in set(names)]
    if unweighted:
        raise ValidationError(f"Ratings given for {unweighted}, which have no weight. Drop the "
                              "columns or give them a weight.")
    if not isinstance(scales, Mapping):
        raise ValidationError("scales must map each criterion to its intensities and their "
                              f"priorities; found {type(scales).__name__}.")
    unscaled = [c for c in names if c not in scales]
    if unscaled:
        raise ValidationError(f"No rating scale for criteria {unscaled}. Give each criterion "
                              "its intensities, e.g. {'excellent': 1.0, 'good': 0.6, ...}.")
    stray = [c for c in scales if c not in set(names)]
    if stray:
        raise ValidationError(f"Rating scales given for {stray}, which are not criteria "
                              f"({names}). Remove them or give them a weight.")
    priorities, matrices = {}, {}
    for c in names:
        priorities[c], result = _scale(scales[c], c, method)
        if result is not None:
            matrices[c] = result
    problems = []
    local = pd.DataFrame(index=ratings.index, columns=names, dtype=float)
    for c in names:
        lookup = {_label_key(label): p for label, p in priorities[c].items()}
        allowed = ", ".join(str(label) for label in priorities[c].index)
        for alternative, label in ratings[c].items():
            blank = label is None or (isinstance(label, float) and math.isnan(label)) or (
                isinstance(label, str) and not label.strip())
            key = None if blank else _label_key(label)
            if key in lookup:
                local.loc[alternative, c] = lookup[key]
            else:
                found = "a blank cell" if blank else repr(label)
                problems.append(f"alternative {alternative!r}, criterion {c!r}: found {found}; "
                                f"expected one of: {allowed}")
    if problems:
        raise ValidationError("Ratings not on their criterion's scale: " + _some(problems, 20)
                              + ". Correct the rating or add the intensity to the scale.")
    if abs(total - 1.0) > 1e-9:
        warnings.warn(f"Criteria weights summed to {total:g}; renormalised to sum to 1.",
                      WorkbenchWarning, stacklevel=2)
    contribution, composite, scores, ranks, table = _synthesis(local, weights, normalise=False)
    listed = [(c, label, p) for c in names for label, p in priorities[c].items()]
    scale_table = pd.DataFrame(listed, columns=[CRITERION, INTENSITY, PRIORITY])
    goal = {_goal_key(names): criteria} if criteria is not None else {}
    consistency = _consistency_table({**goal, **matrices})
    steps = {"Criteria weights": weights.to_frame(),
             "Rating scales (priority of each intensity, best = 1)": scale_table,
             "Ratings as given": ratings.loc[:, names],
             "Priorities of the ratings": local,
             "Weighted priorities (criterion weight x priority)": contribution,
             "Total scores (sum of weighted priorities; 1 = ideal on every criterion)": table,
             "Consistency of every pairwise matrix": consistency}
    return AHPHierarchyResult(mode="ratings", method=method, scores=scores, ranks=ranks,
                              composite=composite, weights=weights, local=local,
                              consistency=consistency, steps=steps, criteria=criteria,
                              matrices=matrices)

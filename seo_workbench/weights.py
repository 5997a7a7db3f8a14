"""Criteria weights. Every function returns a Series of weights by criterion that sums to 1.

The functions form one family, grouped by what the analyst brings:

- judgements per criterion: :func:`direct`, :func:`swing`, :func:`smart`, :func:`equal`;
- an importance order, ties allowed: :func:`roc`, :func:`rank_sum`, :func:`rank_reciprocal`;
- the decision matrix itself (objective weights): :func:`entropy`, :func:`critic`;
- a criteria tree: :func:`hierarchy` turns local weights into global ones;
- pairwise comparisons: :func:`ahp`, from :mod:`seo_workbench.ahp` and re-exported here,
  returns an :class:`AHPResult` whose ``weights`` is such a Series.

The others return the Series itself: floats named ``weight``, indexed by ``criterion_id``.
:func:`from_model` computes weights for a :class:`~seo_workbench.workbook.PortfolioModel` with
any method of :data:`WEIGHTING_METHODS`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import ValidationError, WorkbenchWarning, choose

if TYPE_CHECKING:
    from .workbook import PortfolioModel

__all__ = [
    "rebalance",
    "WEIGHTING_METHODS",
    "AHPResult",
    "ahp",
    "critic",
    "direct",
    "entropy",
    "equal",
    "from_model",
    "group",
    "hierarchy",
    "rank_reciprocal",
    "rank_sum",
    "roc",
    "smart",
    "swing",
]

WEIGHT = "weight"
CRITERION_ID = "criterion_id"
_SHOWN = 5  # offending items quoted in one message


# -- shared checks --------------------------------------------------------------------------------


def _result(values: Iterable[float], index: Iterable[Hashable]) -> pd.Series:
    series = pd.Series(list(values), index=list(index), dtype=float, name=WEIGHT)
    series.index.name = CRITERION_ID
    return series


def _warn(message: str, depth: int = 1) -> None:
    """Warn at the caller of the public function *depth* frames above this one's caller."""
    warnings.warn(message, WorkbenchWarning, stacklevel=2 + depth)


def _quote(items: Iterable[Any]) -> str:
    items = list(items)
    shown = ", ".join(repr(i) for i in items[:_SHOWN])
    return shown + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def _pairs(numbers: pd.Series) -> str:
    """Up to a few 'criterion: number' pairs, as the user would type them."""
    return "{" + ", ".join(f"{k!r}: {v:g}" for k, v in numbers.head(_SHOWN).items()) + "}"


def _raw(value: Any) -> Any:
    """A NumPy scalar as the plain Python value, so messages show 'nan', not 'np.float64(nan)'."""
    return value.item() if isinstance(value, np.generic) else value


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # pd.isna of a list-like is not one truth value
        return False


def _check_ids(ids: Iterable[Hashable], what: str) -> list[Hashable]:
    """The criterion ids, in order; raise when one is blank or repeated."""
    ids = list(ids)
    blank = [i + 1 for i, c in enumerate(ids) if _is_blank(c)]
    if blank:
        raise ValidationError(
            f"{what}: expected a criterion name in every position, found a blank name at "
            f"position {_quote(blank)}. Name every criterion.")
    seen, repeated = set(), []
    for c in ids:
        if c in seen and c not in repeated:
            repeated.append(c)
        seen.add(c)
    if repeated:
        raise ValidationError(
            f"{what}: expected each criterion once, found {_quote(repeated)} more than once. "
            "Remove the duplicates.")
    return ids


def _numbers(values: Mapping[Hashable, float] | pd.Series, what: str) -> pd.Series:
    """One finite number per criterion, as a float Series; raise naming what is not."""
    if isinstance(values, pd.Series):
        series = values.copy()
    elif isinstance(values, Mapping):
        series = pd.Series(list(values.values()), index=list(values.keys()), dtype=object)
    else:
        raise ValidationError(
            f"{what}: expected a mapping from criterion to number, found "
            f"{type(values).__name__}. Pass e.g. {{'fit': 2, 'risk': 1}} or a Series.")
    if series.empty:
        raise ValidationError(f"{what}: expected at least one criterion, found none.")
    _check_ids(series.index, what)
    numbers = pd.to_numeric(series, errors="coerce").astype(float)
    bad = numbers.isna() | ~np.isfinite(numbers)
    if bad.any():
        found = {k: _raw(series[k]) for k in series.index[bad.to_numpy()][:_SHOWN]}
        raise ValidationError(
            f"{what}: expected a finite number for every criterion, found {found}. "
            "Correct them, or leave out criteria that should not count.")
    return numbers


def _reject_negative(numbers: pd.Series, what: str) -> None:
    negative = numbers[numbers < 0]
    if not negative.empty:
        raise ValidationError(
            f"{what}: expected numbers >= 0, found {_pairs(negative)}. "
            "Correct them, or give 0 to a criterion that should not count.")


def _matrix(matrix: pd.DataFrame | Any, what: str = "Decision matrix") -> pd.DataFrame:
    """The decision matrix as finite floats: rows alternatives, columns criteria."""
    frame = matrix if isinstance(matrix, pd.DataFrame) else pd.DataFrame(matrix)
    if frame.shape[1] == 0:
        raise ValidationError(f"{what}: expected one column per criterion, found no columns.")
    _check_ids(frame.columns, f"{what} columns")
    if frame.shape[0] < 2:
        raise ValidationError(
            f"{what}: expected at least two alternatives (rows), found {frame.shape[0]}. "
            "Weights from the data measure how the alternatives differ; score more of them.")
    numbers = frame.apply(pd.to_numeric, errors="coerce").astype(float)
    bad = numbers.isna().to_numpy() | ~np.isfinite(numbers.to_numpy())
    if bad.any():
        rows, cols = np.nonzero(bad)
        cells = [f"row {_raw(frame.index[r])!r}, column {frame.columns[c]!r}: "
                 f"{_raw(frame.iat[r, c])!r}" for r, c in zip(rows[:_SHOWN], cols[:_SHOWN])]
        raise ValidationError(
            f"{what}: expected a finite number in every cell, found {len(rows)} that are not "
            f"({'; '.join(cells)}). Score every alternative on every criterion.")
    return numbers


def _objectives(objectives: Mapping[Hashable, str] | pd.Series | None,
                criteria: list[Hashable], what: str) -> dict[Hashable, str]:
    """'max' or 'min' for each of *criteria*; other keys are ignored."""
    if objectives is None:
        raise ValidationError(
            f"{what}: expected an objective ('max' or 'min') for each criterion, found none. "
            "Pass e.g. {'fit': 'max', 'cost': 'min'} (model.objectives).")
    if not isinstance(objectives, Mapping | pd.Series):
        raise ValidationError(
            f"{what}: expected a mapping from criterion to 'max' or 'min', found "
            f"{type(objectives).__name__}.")
    given = dict(objectives.items())
    missing = [c for c in criteria if c not in given]
    if missing:
        raise ValidationError(
            f"{what}: expected an objective for every criterion, found none for "
            f"{_quote(missing)}. Add 'max' (more is better) or 'min' (less is better).")
    cleaned = {c: str(given[c]).strip().lower() for c in criteria}
    bad = {c: given[c] for c, o in cleaned.items() if o not in ("max", "min")}
    if bad:
        raise ValidationError(
            f"{what}: expected 'max' or 'min' as objective, found {bad}. Use 'max' when more "
            "is better and 'min' when less is better (costs, risks).")
    return cleaned


def _tie_groups(order: Iterable[Any], what: str) -> list[list[Hashable]]:
    """Criteria from most to least important, as groups of tied criteria."""
    if isinstance(order, str | bytes | Mapping) or not isinstance(order, Iterable):
        raise ValidationError(
            f"{what}: expected a sequence of criteria from most to least important, found "
            f"{type(order).__name__}. Pass e.g. ['fit', ('cost', 'risk'), 'reach'], where a "
            "tuple holds criteria tied in importance.")
    groups = []
    for position, item in enumerate(order, 1):
        if isinstance(item, list | tuple | set | frozenset):
            group = list(item)
            if not group:
                raise ValidationError(
                    f"{what}: expected criteria in the tie at position {position}, found an "
                    "empty group. Remove it.")
            nested = [g for g in group if isinstance(g, list | tuple | set | frozenset)]
            if nested:
                raise ValidationError(
                    f"{what}: expected criterion names inside the tie at position {position}, "
                    f"found a nested group {nested[0]!r}. Ties nest one level only: list the "
                    "tied criteria in one tuple.")
        else:
            group = [item]
        groups.append(group)
    if not groups:
        raise ValidationError(f"{what}: expected at least one criterion, found none.")
    _check_ids([c for g in groups for c in g], what)
    return groups


def _by_tie_groups(groups: list[list[Hashable]], kernel: Callable[[int], np.ndarray]) -> pd.Series:
    """Tied criteria share the average of the weights of the positions they occupy."""
    position_weights = kernel(sum(len(g) for g in groups))
    ids, values, start = [], [], 0
    for group in groups:
        share = position_weights[start:start + len(group)].mean()
        ids += group
        values += [share] * len(group)
        start += len(group)
    return _result(values, ids)


def _without_spread(frame: pd.DataFrame, what: str) -> list[Hashable]:
    """Criteria on which every alternative has the same value; warn, or raise if all are."""
    flat = [c for c in frame.columns if np.ptp(frame[c].to_numpy()) == 0]
    if len(flat) == frame.shape[1]:
        raise ValidationError(
            f"{what}: expected at least one criterion on which the alternatives differ, found "
            "every criterion with the same value for all alternatives. Weights from the data "
            "cannot be computed; use direct or equal weights.")
    if flat:
        subject = f"criterion {_quote(flat)} has" if len(flat) == 1 else \
            f"criteria {_quote(flat)} have"
        _warn(f"{what}: {subject} the same value for every alternative and cannot tell the "
              "alternatives apart; given weight 0.", depth=2)
    return flat


# -- kernels: trusted inputs, no checks ---------------------------------------------------------


def _roc(n: int) -> np.ndarray:
    """Rank-order centroid weights of positions 1..n."""
    reciprocals = 1.0 / np.arange(1, n + 1)
    return np.cumsum(reciprocals[::-1])[::-1] / n


def _rank_sum(n: int) -> np.ndarray:
    """Rank-sum weights of positions 1..n."""
    return 2.0 * (n + 1 - np.arange(1, n + 1)) / (n * (n + 1))


def _rank_reciprocal(n: int) -> np.ndarray:
    """Rank-reciprocal weights of positions 1..n."""
    reciprocals = 1.0 / np.arange(1, n + 1)
    return reciprocals / reciprocals.sum()


def _entropy(x: np.ndarray) -> np.ndarray:
    """Entropy weights of the columns of a non-negative matrix whose columns all differ."""
    p = x / x.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)  # 0 ln 0 = 0
    diversity = 1.0 + terms.sum(axis=0) / np.log(x.shape[0])
    return diversity / diversity.sum()


def _critic(x: np.ndarray, maximise: np.ndarray) -> np.ndarray:
    """CRITIC information C_j of the columns of a matrix whose columns all differ."""
    best = np.where(maximise, x.max(axis=0), x.min(axis=0))
    worst = np.where(maximise, x.min(axis=0), x.max(axis=0))
    normalised = (x - worst) / (best - worst)
    sigma = normalised.std(axis=0, ddof=1)
    r = np.clip(np.corrcoef(normalised, rowvar=False), -1.0, 1.0).reshape(x.shape[1], -1)
    return sigma * (1.0 - r).sum(axis=0)


# -- judgements per criterion -------------------------------------------------------------------


def direct(weights: Mapping[str, float] | pd.Series) -> pd.Series:
    """Weights given directly, normalised to sum to 1.

    >>> direct({"fit": 2, "risk": 1, "cost": 1}).tolist()
    [0.5, 0.25, 0.25]

    Parameters
    ----------
    weights
        A weight >= 0 per criterion, on any scale.

    Returns
    -------
    pandas.Series
        The weights divided by their total.

    Raises
    ------
    ValidationError
        When a weight is negative or missing, or every weight is zero.

    Warns
    -----
    WorkbenchWarning
        When the weights did not sum to 1 and were renormalised.
    """
    series = _numbers(weights, "Direct weights")
    _reject_negative(series, "Direct weights")
    total = series.sum()
    if total <= 0:
        raise ValidationError("Direct weights: expected at least one weight > 0, found all 0. "
                              "Give the criteria that matter a positive weight.")
    if abs(total - 1) > 1e-9:
        warnings.warn(f"Weights summed to {total:g}; renormalised to sum to 1.",
                      WorkbenchWarning, stacklevel=2)
    return _result(series / total, series.index)


def equal(criteria: Iterable[str]) -> pd.Series:
    """Equal weights for *criteria* (ids, or a decision matrix whose columns are criteria).

    >>> equal(["fit", "risk", "cost", "reach"]).tolist()
    [0.25, 0.25, 0.25, 0.25]

    Parameters
    ----------
    criteria
        Criterion ids; iterating a DataFrame gives its columns, so a decision matrix works too.

    Returns
    -------
    pandas.Series
        ``1/n`` for each of the *n* criteria.

    Raises
    ------
    ValidationError
        When there are no criteria, or a name is blank or repeated.
    """
    if isinstance(criteria, str | bytes) or not isinstance(criteria, Iterable):
        raise ValidationError(
            f"Equal weights: expected a list of criteria, found {type(criteria).__name__}. "
            "Pass e.g. ['fit', 'risk'].")
    ids = _check_ids(criteria, "Equal weights")
    if not ids:
        raise ValidationError("Equal weights: expected at least one criterion, found none.")
    return _result([1.0 / len(ids)] * len(ids), ids)


def swing(points: Mapping[str, float] | pd.Series) -> pd.Series:
    """Swing weights: points for swinging each criterion from worst to best, normalised.

    The analyst imagines an alternative that is worst on every criterion, picks the criterion
    whose swing to its best level matters most and gives it 100 points, then gives every other
    swing 0..100 points relative to that one (von Winterfeldt and Edwards 1986, ch. 8).

    >>> swing({"fit": 100, "cost": 60, "risk": 40}).tolist()
    [0.5, 0.3, 0.2]

    Parameters
    ----------
    points
        Points in 0..100 per criterion, the most important swing at 100.

    Returns
    -------
    pandas.Series
        The points divided by their total.

    Raises
    ------
    ValidationError
        When a point is missing, negative or above 100 (the scale is anchored at the most
        important swing, so more than 100 is read as a typing error rather than rescaled), or
        every point is 0.

    Warns
    -----
    WorkbenchWarning
        When no criterion has 100 points. Weights are ratios of points, so normalising gives
        the same result as first rescaling the largest swing to 100; the warning says so.

    References
    ----------
    .. [1] von Winterfeldt, D., and Edwards, W. (1986). *Decision Analysis and Behavioral
       Research*. Cambridge University Press.
    .. [2] Edwards, W., and Barron, F. H. (1994). SMARTS and SMARTER: improved simple methods
       for multiattribute utility measurement. *Organizational Behavior and Human Decision
       Processes*, 60(3), 306-325.
    """
    what = "Swing points"
    series = _numbers(points, what)
    _reject_negative(series, what)
    above = series[series > 100]
    if not above.empty:
        raise ValidationError(
            f"{what}: expected points from 0 to 100, the most important swing at 100; found "
            f"{_pairs(above)}. Give the most important swing 100 and the others "
            "points relative to it.")
    top = series.max()
    if top <= 0:
        raise ValidationError(
            f"{what}: expected the most important swing at 100, found every swing at 0. Give "
            "the swing that matters most 100 points.")
    if top < 100:
        _warn(f"{what}: expected the most important swing at 100, found the largest at "
              f"{top:g} ({_quote(series.index[series == top])}). Weights are ratios of "
              "points, so they were normalised as given (the same as rescaling it to 100).")
    return _result(series / series.sum(), series.index)


def smart(points: Mapping[str, float] | pd.Series) -> pd.Series:
    """SMART weights: points relative to the least important criterion's 10, normalised.

    The analyst ranks the criteria, gives the least important 10 points, and gives each
    other criterion points saying how many times as important it is (20 = twice as
    important), with no upper limit (Edwards 1977; Edwards and Barron 1994).

    >>> smart({"fit": 40, "cost": 20, "risk": 10, "reach": 10}).tolist()
    [0.5, 0.25, 0.125, 0.125]

    Parameters
    ----------
    points
        Points > 0 per criterion, the least important at 10.

    Returns
    -------
    pandas.Series
        The points divided by their total.

    Raises
    ------
    ValidationError
        When a point is missing, 0 or negative (SMART points are ratios: a criterion worth
        nothing should be left out).

    Warns
    -----
    WorkbenchWarning
        When the least important criterion does not have 10 points. Weights are ratios of
        points, so they are normalised as given; the warning says so.

    References
    ----------
    .. [1] Edwards, W. (1977). How to use multiattribute utility measurement for social
       decisionmaking. *IEEE Transactions on Systems, Man, and Cybernetics*, 7(5), 326-340.
    .. [2] Edwards, W., and Barron, F. H. (1994). SMARTS and SMARTER: improved simple methods
       for multiattribute utility measurement. *Organizational Behavior and Human Decision
       Processes*, 60(3), 306-325.
    """
    what = "SMART points"
    series = _numbers(points, what)
    not_positive = series[series <= 0]
    if not not_positive.empty:
        raise ValidationError(
            f"{what}: expected points > 0 (10 for the least important criterion), found "
            f"{_pairs(not_positive)}. Leave out criteria that should not count.")
    least = series.min()
    if least != 10:
        _warn(f"{what}: expected 10 points for the least important criterion, found the "
              f"smallest at {least:g} ({_quote(series.index[series == least])}). Weights are "
              "ratios of points, so they were normalised as given (the same as rescaling it "
              "to 10).")
    return _result(series / series.sum(), series.index)


# -- an importance order ------------------------------------------------------------------------


def roc(order: Iterable[str | Iterable[str]]) -> pd.Series:
    """Rank-order centroid weights from criteria ordered most to least important.

    The criterion in position *i* of *n* gets ``(1/n) * sum(1/k for k in i..n)``, the centroid
    of all weight vectors consistent with the order (Barron and Barrett 1996). Criteria given
    together in a tuple are tied: they share the average of the weights of the positions they
    occupy.

    >>> roc(["fit", "cost", "risk", "reach"]).round(4).tolist()
    [0.5208, 0.2708, 0.1458, 0.0625]
    >>> roc(["fit", ("cost", "risk"), "reach"]).round(4).tolist()
    [0.5208, 0.2083, 0.2083, 0.0625]

    Parameters
    ----------
    order
        Criterion ids from most to least important; a tuple (or list) holds tied criteria.

    Returns
    -------
    pandas.Series
        Weights in the order given.

    Raises
    ------
    ValidationError
        When the order is empty or not a sequence, a name is blank or repeated, or a tie is
        empty or nested.

    References
    ----------
    .. [1] Barron, F. H., and Barrett, B. E. (1996). Decision quality using ranked attribute
       weights. *Management Science*, 42(11), 1515-1523.
    """
    return _by_tie_groups(_tie_groups(order, "ROC order"), _roc)


def rank_sum(order: Iterable[str | Iterable[str]]) -> pd.Series:
    """Rank-sum weights from criteria ordered most to least important.

    The criterion in position *i* of *n* gets ``2 * (n + 1 - i) / (n * (n + 1))``
    (Stillwell, Seaver and Edwards 1981). Tied criteria, given together in a tuple, share
    the average of the weights of the positions they occupy.

    >>> rank_sum(["fit", "cost", "risk", "reach"]).round(4).tolist()
    [0.4, 0.3, 0.2, 0.1]

    Parameters
    ----------
    order
        Criterion ids from most to least important; a tuple (or list) holds tied criteria.

    Returns
    -------
    pandas.Series
        Weights in the order given.

    Raises
    ------
    ValidationError
        As :func:`roc`.

    References
    ----------
    .. [1] Stillwell, W. G., Seaver, D. A., and Edwards, W. (1981). A comparison of weight
       approximation techniques in multiattribute utility decision making. *Organizational
       Behavior and Human Performance*, 28(1), 62-77.
    """
    return _by_tie_groups(_tie_groups(order, "Rank-sum order"), _rank_sum)


def rank_reciprocal(order: Iterable[str | Iterable[str]]) -> pd.Series:
    """Rank-reciprocal weights from criteria ordered most to least important.

    The criterion in position *i* of *n* gets ``(1/i) / sum(1/k for k in 1..n)``
    (Stillwell, Seaver and Edwards 1981). Tied criteria, given together in a tuple, share
    the average of the weights of the positions they occupy.

    >>> rank_reciprocal(["fit", "cost", "risk", "reach"]).round(4).tolist()
    [0.48, 0.24, 0.16, 0.12]

    Parameters
    ----------
    order
        Criterion ids from most to least important; a tuple (or list) holds tied criteria.

    Returns
    -------
    pandas.Series
        Weights in the order given.

    Raises
    ------
    ValidationError
        As :func:`roc`.

    References
    ----------
    .. [1] Stillwell, W. G., Seaver, D. A., and Edwards, W. (1981). A comparison of weight
       approximation techniques in multiattribute utility decision making. *Organizational
       Behavior and Human Performance*, 28(1), 62-77.
    """
    return _by_tie_groups(_tie_groups(order, "Rank-reciprocal order"), _rank_reciprocal)


# -- the decision matrix ------------------------------------------------------------------------


def entropy(matrix: pd.DataFrame,
            objectives: Mapping[str, str] | pd.Series | None = None) -> pd.Series:
    """Entropy weights: criteria on which the alternatives differ most weigh most.

    With *m* alternatives, ``p_ij = x_ij / sum_i x_ij``, the entropy of criterion *j* is
    ``E_j = -(1 / ln m) * sum_i p_ij ln p_ij`` (with ``0 ln 0 = 0``), its diversity is
    ``d_j = 1 - E_j``, and ``w_j = d_j / sum_j d_j`` (Hwang and Yoon 1981; Zeleny 1982).

    >>> m = pd.DataFrame({"fit": [1, 2, 3], "cost": [5, 5, 6]}, index=["A", "B", "C"])
    >>> entropy(m).round(4).tolist()
    [0.9579, 0.0421]

    Parameters
    ----------
    matrix
        Scores >= 0: rows are alternatives, columns criteria.
    objectives
        Accepted so that every matrix method has one signature; checked when given, but not
        used. Entropy measures the spread of each column as scored, whatever its direction,
        as in Hwang and Yoon (1981).

    Returns
    -------
    pandas.Series
        Weights in the order of the columns.

    Raises
    ------
    ValidationError
        When a cell is not a finite number or is negative (shift or rescale the column to
        values >= 0 first, e.g. min-max), there are fewer than two alternatives, or no
        criterion has any spread.

    Warns
    -----
    WorkbenchWarning
        Naming each criterion with the same value for every alternative: it gets weight 0,
        exactly as the formula gives for a constant column (an all-zero column, where the
        formula divides by 0, is treated the same way).

    Notes
    -----
    Scores of 0 are allowed, with ``0 ln 0 = 0`` as in Shannon's definition (the limit of
    ``p ln p``), which is also what ``scipy.stats.entropy`` does. pymcdm 1.4's
    ``entropy_weights`` refuses a matrix holding a 0 (its sum normalisation needs values > 0),
    so the two are compared on strictly positive matrices only.

    References
    ----------
    .. [1] Shannon, C. E. (1948). A mathematical theory of communication. *Bell System
       Technical Journal*, 27(3), 379-423.
    .. [2] Hwang, C.-L., and Yoon, K. (1981). *Multiple Attribute Decision Making: Methods and
       Applications*. Springer.
    .. [3] Zeleny, M. (1982). *Multiple Criteria Decision Making*. McGraw-Hill.
    """
    what = "Decision matrix"
    frame = _matrix(matrix, what)
    if objectives is not None:
        _objectives(objectives, list(frame.columns), "Entropy objectives")
    negative = frame.columns[(frame < 0).any().to_numpy()]
    if len(negative):
        raise ValidationError(
            f"{what}: expected scores >= 0 for entropy weights, found negative scores in "
            f"{_quote(negative)}. Shift or normalise those columns to values >= 0 first "
            "(e.g. min-max), or use CRITIC weights.")
    flat = _without_spread(frame, what)
    kept = [c for c in frame.columns if c not in flat]
    weights = pd.Series(0.0, index=frame.columns)
    weights.loc[kept] = _entropy(frame[kept].to_numpy())
    return _result(weights, frame.columns)


def critic(matrix: pd.DataFrame, objectives: Mapping[str, str] | pd.Series) -> pd.Series:
    """CRITIC weights: criteria with a wide spread and little agreement with the others weigh most.

    Each column is min-max normalised so that 0 is its worst and 1 its best value (respecting
    *objectives*). With ``sigma_j`` the standard deviation of column *j* and ``r_jk`` the
    Pearson correlation of columns *j* and *k*, the information in criterion *j* is
    ``C_j = sigma_j * sum_k (1 - r_jk)`` and ``w_j = C_j / sum_j C_j``
    (Diakoulaki, Mavrotas and Papayannakis 1995).

    >>> m = pd.DataFrame({"fit": [1, 2, 3, 4], "cost": [4, 1, 3, 2], "risk": [1, 3, 2, 4]})
    >>> critic(m, {"fit": "max", "cost": "min", "risk": "min"}).round(4).tolist()
    [0.2857, 0.2857, 0.4286]

    Parameters
    ----------
    matrix
        Scores: rows are alternatives, columns criteria. Negative values are fine.
    objectives
        ``"max"`` or ``"min"`` per criterion (e.g. ``model.objectives``). The direction matters:
        reversing a criterion flips the sign of its correlations.

    Returns
    -------
    pandas.Series
        Weights in the order of the columns.

    Raises
    ------
    ValidationError
        When a cell is not a finite number, an objective is missing or not 'max'/'min', there
        are fewer than two alternatives, or no criterion has any spread.

    Warns
    -----
    WorkbenchWarning
        Naming each criterion with the same value for every alternative. Its normalised column
        is undefined and its correlations too, so it gets weight 0 and the others are weighted
        as if it were absent. Also when every criterion is perfectly correlated with every other
        (all ``C_j`` are 0): they get equal weights.

    Notes
    -----
    ``sigma_j`` is the sample standard deviation (``ddof=1``), as in pymcdm's
    ``critic_weights``. The choice does not change the weights: population and sample standard
    deviations differ by the same factor for every criterion, which cancels in ``C_j / sum C``.
    pymcdm normalises every column as 'max'; pass it the 'min' columns negated to compare.
    A single criterion (with spread) gets weight 1.

    References
    ----------
    .. [1] Diakoulaki, D., Mavrotas, G., and Papayannakis, L. (1995). Determining objective
       weights in multiple criteria problems: the CRITIC method. *Computers & Operations
       Research*, 22(7), 763-770.
    """
    what = "Decision matrix"
    frame = _matrix(matrix, what)
    goals = _objectives(objectives, list(frame.columns), "CRITIC objectives")
    flat = _without_spread(frame, what)
    kept = [c for c in frame.columns if c not in flat]
    maximise = np.array([goals[c] == "max" for c in kept])
    information = _critic(frame[kept].to_numpy(), maximise)
    if len(kept) > 1 and information.sum() < 1e-12:
        _warn(f"{what}: criteria {_quote(kept)} are perfectly correlated with one another, so "
              "CRITIC cannot tell them apart; they were given equal weights.")
    if information.sum() < 1e-12:  # also a single criterion, whose C_j is 0 / 0 in the formula
        information = np.ones(len(kept))
    weights = pd.Series(0.0, index=frame.columns)
    weights.loc[kept] = information / information.sum()
    return _result(weights, frame.columns)


# -- a criteria tree ----------------------------------------------------------------------------


def _parents(parent: Mapping[Hashable, Any] | pd.Series,
             criteria: list[Hashable]) -> dict[Hashable, Hashable | None]:
    """Each criterion's parent (None at the top); raise on unknown names and loops."""
    if not isinstance(parent, Mapping | pd.Series):
        raise ValidationError(
            f"Hierarchy: expected a mapping from criterion to its parent, found "
            f"{type(parent).__name__}. Pass e.g. {{'npv': 'value'}} or the 'parent' column.")
    known = set(criteria)
    given = dict(parent.items())
    stray = [c for c in given if c not in known]
    if stray:
        raise ValidationError(
            f"Hierarchy: expected a local weight for every criterion that has a parent, found "
            f"none for {_quote(stray)}. Give them local weights or leave them out.")
    parents = {}
    for c in criteria:
        p = given.get(c)
        parents[c] = None if _is_blank(p) else p
    unknown = {c: p for c, p in parents.items() if p is not None and p not in known}
    if unknown:
        raise ValidationError(
            f"Hierarchy: expected each parent to be one of the criteria, found unknown parents "
            f"{unknown}. Correct the parent, or add it as a criterion with a local weight.")
    for c in criteria:
        path, node = [c], parents[c]
        while node is not None:
            if node in path:
                loop = " -> ".join(repr(n) for n in path[path.index(node):] + [node])
                raise ValidationError(
                    f"Hierarchy: expected a tree of criteria, found a loop of parents: {loop}. "
                    "Clear one of these parents.")
            path.append(node)
            node = parents[node]
    return parents


def hierarchy(local_weights: Mapping[str, float] | pd.Series,
              parent: Mapping[str, str | None] | pd.Series, *,
              leaves_only: bool = True) -> pd.Series:
    """Global weights of a criteria tree: each local weight times its parent's global weight.

    Local weights are normalised within each group of siblings (criteria with the same
    parent), so they may be on any scale. The leaves (criteria that are nobody's parent) are
    the criteria alternatives are scored on, and their global weights sum to 1.

    >>> local = {"value": 3, "risk": 1, "npv": 1, "fit": 1, "delivery": 2, "safety": 6}
    >>> parent = {"npv": "value", "fit": "value", "delivery": "risk", "safety": "risk"}
    >>> hierarchy(local, parent).to_dict()
    {'npv': 0.375, 'fit': 0.375, 'delivery': 0.0625, 'safety': 0.1875}

    Parameters
    ----------
    local_weights
        A weight >= 0 per criterion, relative to its siblings.
    parent
        Each criterion's parent id; blank, None or missing means top level (the workbook's
        ``parent`` column works as it is).
    leaves_only
        Return the leaves only (default). With False, every criterion is returned with its
        global weight; the leaves then sum to 1, and so does each complete level, but the
        whole Series sums to more than 1.

    Returns
    -------
    pandas.Series
        Global weights, in the order of *local_weights*.

    Raises
    ------
    ValidationError
        When a local weight is missing or negative, a parent is not one of the criteria, the
        parents form a loop, or every sibling in a group has weight 0.

    References
    ----------
    .. [1] Keeney, R. L., and Raiffa, H. (1976). *Decisions with Multiple Objectives:
       Preferences and Value Tradeoffs*. Wiley (hierarchical weighting of value trees).
    .. [2] Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill (global
       priorities as products of local priorities down the hierarchy).
    """
    local = _numbers(local_weights, "Local weights")
    _reject_negative(local, "Local weights")
    criteria = list(local.index)
    parents = _parents(parent, criteria)
    groups: dict[Hashable | None, list[Hashable]] = {}
    for c in criteria:
        groups.setdefault(parents[c], []).append(c)
    normalised = {}
    for p, siblings in groups.items():
        total = local[siblings].sum()
        if total <= 0:
            where = "the top-level criteria" if p is None else f"the criteria under {p!r}"
            raise ValidationError(
                f"Local weights: expected at least one weight > 0 among {where}, found all 0 "
                f"({_quote(siblings)}). Give at least one of them a weight > 0.")
        for c in siblings:
            normalised[c] = local[c] / total
    global_weights: dict[Hashable, float] = {}

    def weight_of(c: Hashable) -> float:
        if c not in global_weights:
            p = parents[c]
            global_weights[c] = normalised[c] * (1.0 if p is None else weight_of(p))
        return global_weights[c]

    has_children = {p for p in parents.values() if p is not None}
    shown = [c for c in criteria if not (leaves_only and c in has_children)]
    return _result([weight_of(c) for c in shown], shown)


# -- the model front door -----------------------------------------------------------------------


def group(judgements: pd.DataFrame, aggregation: str = "aij",
          weights: Mapping[str, float] | pd.Series | pd.DataFrame | None = None) -> pd.Series:
    """Group weights from several executives' pairwise judgements (sheet 'judgements').

    The judgements are aggregated as :func:`seo_workbench.alignment.align` does (``"aij"``:
    weighted geometric mean of the judgements; ``"aip"``: of the priorities), with optional
    voting *weights* per executive.
    """
    from .alignment import align

    return align(judgements, aggregation, weights).group_weights


WEIGHTING_METHODS: dict[str, Callable[..., pd.Series]] = {
    "direct": direct,
    "group": group,
    "equal": equal,
    "roc": roc,
    "rank_sum": rank_sum,
    "rank_reciprocal": rank_reciprocal,
    "entropy": entropy,
    "critic": critic,
}
"""Weighting method name -> the function computing it; every name works in :func:`from_model`.

:func:`swing`, :func:`smart` and :func:`hierarchy` need judgements the workbook does not hold,
so they are called directly.
"""

_ORDER_METHODS = {"roc": roc, "rank_sum": rank_sum, "rank_reciprocal": rank_reciprocal}


def _weight_order(weights: pd.Series) -> list[tuple[Hashable, ...]]:
    """Criteria by descending weight, equal weights tied (all blank = one tie)."""
    if weights.isna().all():
        return [tuple(weights.index)]
    if weights.isna().any():
        raise ValidationError(
            "Sheet 'criteria', column 'weight': expected a weight for every criterion (or none), "
            f"found blanks for {_quote(weights.index[weights.isna()])}. Fill them in, or clear "
            "every weight for equal weights.")
    return [tuple(weights.index[weights == value])
            for value in sorted(weights.unique(), reverse=True)]


def from_model(model: PortfolioModel, method: str = "direct", **options: Any) -> pd.Series:
    """Criteria weights for a portfolio model, by the named method of :data:`WEIGHTING_METHODS`.

    - ``"direct"``: the ``weight`` column of sheet 'criteria' (equal weights when it is blank);
    - ``"equal"``: the same weight for every criterion;
    - ``"roc"``, ``"rank_sum"``, ``"rank_reciprocal"``: surrogate weights from the order of the
      ``weight`` column, largest first; equal weights are tied (all blank = all tied);
    - ``"entropy"``, ``"critic"``: weights from the scores (sheet 'scores') and the objectives.

    When the criteria form a hierarchy (any ``parent`` filled in), the ``weight`` column holds
    local weights: ``"direct"``, ``"equal"`` and the order methods weight each group of
    siblings and combine them with :func:`hierarchy`; ``"entropy"`` and ``"critic"`` weigh the
    leaves' scores. Either way the leaves carry the weight, and parent criteria get weight 0 so
    that their own score columns are not counted twice.

    >>> from seo_workbench.workbook import read_workbook, sample_workbook
    >>> model = read_workbook(sample_workbook())
    >>> from_model(model, "roc").round(3).to_dict()["strategic_fit"]
    0.408

    Parameters
    ----------
    model
        A validated portfolio model (:func:`~seo_workbench.workbook.read_workbook`).
    method
        A key of :data:`WEIGHTING_METHODS` (case and surrounding spaces are ignored).
    **options
        None of the methods takes options yet; any given is an error.

    Returns
    -------
    pandas.Series
        One weight per criterion of sheet 'criteria', in its order, summing to 1.

    Raises
    ------
    UnknownChoiceError
        When *method* is not a key of :data:`WEIGHTING_METHODS`.
    ValidationError
        When an option is given, the workbook has no criteria (or no scores, for ``"entropy"``
        and ``"critic"``), or the chosen method rejects the data.
    """
    choose(WEIGHTING_METHODS, method, what="weighting method")
    name = str(method).strip().lower()
    if name == "group":
        return _group_from_model(model, **options)
    if options:
        raise ValidationError(
            f"Weighting method {name!r} takes no options; found {_quote(options)}. Remove them.")
    criteria = model.criteria
    if criteria is None or criteria.empty:
        raise ValidationError(
            "The workbook has no criteria: expected sheet 'criteria' with one row per criterion. "
            "Add it (see `seo-workbench template`).")
    parent = criteria["parent"] if "parent" in criteria else pd.Series("", index=criteria.index)
    parent = parent.map(lambda p: "" if _is_blank(p) else p)
    tree = bool((parent != "").any())
    leaves = [c for c in criteria.index if c not in set(parent)]
    stated = criteria["weight"].astype(float)

    if name in ("entropy", "critic"):
        scores = model.scores
        if scores is None:
            raise ValidationError(
                f"Weighting method {name!r} needs the scores: expected sheet 'scores' with a "
                "column per criterion, found none. Add it, or choose 'direct' weights.")
        function = WEIGHTING_METHODS[name]
        weights = function(scores[leaves], model.objectives)
    elif not tree:
        if name == "direct":
            weights = _result(model.weights, criteria.index)
        elif name == "equal":
            weights = equal(criteria.index)
        else:
            weights = _ORDER_METHODS[name](_weight_order(stated))
    else:
        if name == "direct":
            local = stated.fillna(1.0) if stated.isna().all() else stated
        elif name == "equal":
            local = pd.Series(1.0, index=criteria.index)
        else:
            local = pd.concat([_ORDER_METHODS[name](_weight_order(stated[siblings.index]))
                               for _, siblings in stated.groupby(parent, sort=False)])
        weights = hierarchy(local.reindex(criteria.index), parent)
    return _result(weights.reindex(criteria.index, fill_value=0.0), criteria.index)


def _group_from_model(model: PortfolioModel, aggregation: str = "aij") -> pd.Series:
    """The executives' group weights for every criterion of the workbook."""
    if model.table("judgements") is None:
        raise ValidationError(
            "Weighting method 'group' needs the executives' judgements: expected sheet "
            "'judgements', found none. Add it, or choose 'direct' weights.")
    weights = model.alignment(aggregation).group_weights
    criteria = model.criteria.index
    # In a hierarchy the executives compare the leaves; parents carry no weight of their own.
    parents = set(model.criteria["parent"]) - {""}
    missing = [c for c in criteria if c not in weights.index and c not in parents]
    if missing:
        raise ValidationError(
            "Sheet 'judgements': expected every criterion to be compared at least once for "
            f"'group' weights, found none for {_quote(missing)}. Add judgements that compare "
            "them, or choose 'direct' weights.")
    return _result(weights.reindex(criteria, fill_value=0.0), criteria)


from .ahp import AHPResult, ahp  # noqa: E402  (AHP lives in its own module; re-exported here)


def rebalance(weights: Mapping[str, float] | pd.Series, criterion: str, value: float,
              locked: Iterable[str] = ()) -> pd.Series:
    """Set one criterion's weight and rescale the unlocked others in proportion to keep a sum of 1.

    Locked criteria keep their weight; *value* is clipped to what the locked ones leave. When
    every other unlocked weight is 0 they share the rest equally.

    >>> rebalance({"a": 0.5, "b": 0.3, "c": 0.2}, "a", 0.6, locked=["c"]).round(3).to_dict()
    {'a': 0.6, 'b': 0.2, 'c': 0.2}
    >>> rebalance({"a": 0.5, "b": 0.3, "c": 0.2}, "a", 0.8).round(3).to_dict()
    {'a': 0.8, 'b': 0.12, 'c': 0.08}
    """
    w = pd.Series(weights, dtype=float).copy()
    locked = set(locked) - {criterion}
    others = [c for c in w.index if c != criterion and c not in locked]
    room = max(0.0, 1.0 - float(w[list(locked)].sum())) if locked else 1.0
    value = min(max(float(value), 0.0), room)
    if not others:
        value = room
    rest = room - value
    current = w[others].clip(lower=0.0)
    if others:
        w[others] = (current * rest / current.sum() if current.sum() > 0
                     else rest / len(others))
    w[criterion] = value
    return w.rename("weight")

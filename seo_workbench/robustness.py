"""Robustness: whether the ranking and the funded portfolio survive weights that are a bit off.

Three questions, three answers, in the words the board uses (core, borderline, exterior):

1. **Sensitivity of the ranking** (:func:`sensitivity`, :func:`stability_intervals`,
   :func:`tornado`, :func:`weight_flips`). One criterion's weight moves and the others are
   rescaled in proportion, so the weights still sum to 1: along that path, how far can it move
   before the first place or the top-k set changes; how far does each project's score swing for
   a change of +/- x %; and what is the smallest such move that takes a project into or out of
   the top k. For the weighted sum, the weighted product (in logarithms) and PROMETHEE II the
   score is linear in the weights along the path, so the crossing points are exact; for TOPSIS
   and VIKOR they are found on a grid of 1,000 steps and refined by bisection.
2. **SMAA-2** (:func:`smaa`): the share of weight vectors (and of uncertain score matrices)
   under which each project takes each rank, the central weight vector of each project (the
   average weights that make it first: what one would need to believe for it to rank first)
   and its confidence factor (how often it is first with its central weights when the scores
   are uncertain). Weights are drawn uniformly from the simplex, from the part of it inside
   bounds, or from a rank order of the criteria.
3. **Portfolio robustness** (:func:`portfolio_robustness`): the full portfolio model is solved
   again for each sampled scenario; a project funded in every scenario is *core*, one never
   funded is *exterior*, the rest are *borderline*. This is an SMAA-style approximation of the
   core index of Robust Portfolio Modeling: RPM certifies "core" over every weight in the set by
   exact dominance reasoning, whereas here "core" means "funded in every sampled scenario".

Every draw comes from a :class:`numpy.random.Generator` seeded by ``seed``: the same seed gives
the same result, another seed another sample. With ``seed=None`` fresh entropy is drawn and
recorded in the result, so any run can be repeated.

References
----------
.. [1] Lahdelma, R., & Salminen, P. (2001). SMAA-2: Stochastic multicriteria acceptability
   analysis for group decision making. *Operations Research*, 49(3), 444-454.
.. [2] Liesiö, J., Mild, P., & Salo, A. (2007). Preference programming for robust portfolio
   modeling and project selection. *European Journal of Operational Research*, 181(3),
   1488-1505.
.. [3] Tervonen, T., van Valkenhoef, G., Basturk, N., & Postmus, D. (2013). Hit-And-Run
   enables efficient weight generation for simulation-based multiple criteria decision
   analysis. *European Journal of Operational Research*, 224(3), 552-559.
.. [4] Rubinstein, R. Y. (1982). Generating random vectors uniformly distributed inside and on
   the surface of different regions. *European Journal of Operational Research*, 10(2),
   205-209. (Uniform weights on the simplex: normalised exponential draws.)
"""

from __future__ import annotations

import concurrent.futures
import html
import math
import numbers
import os
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .errors import ValidationError, WorkbenchWarning, choose
from .pool import local_pool as _local_pool
from .pool import local_threads as _local_threads
from .pool import model_from as _model_from
from .pool import model_payload as _model_payload
from .pool import worker_count as _worker_count
from .scoring import (
    _TIE_TOLERANCE,
    NORMALIZATIONS,
    SCORING_METHODS,
    ScoreResult,
    _benefit_scale,
    _check_domain,
    _check_finite,
    _check_matrix,
    _check_objectives,
    _check_weights,
    _column_stats,
    _ColumnStats,
    _float_array,
    _one_blas_thread,
    _ratio_totals,
    _settle_options,
    score,
)

__all__ = [
    "CORE",
    "BORDERLINE",
    "EXTERIOR",
    "PortfolioRobustnessResult",
    "RobustnessParameters",
    "SMAAResult",
    "SensitivityResult",
    "check_parameters",
    "describe_robustness",
    "portfolio_robustness",
    "sample_scores",
    "sample_weights",
    "sensitivity",
    "smaa",
    "stability_intervals",
    "tornado",
    "weight_bounds_around",
    "weight_bounds_for",
    "weight_bounds_from",
    "weight_flips",
]

CORE, BORDERLINE, EXTERIOR = "core", "borderline", "exterior"
ALTERNATIVE, CRITERION, RANK = "alternative_id", "criterion", "rank"
WEIGHT, SCORE = "weight", "score"
FIRST_LOW, FIRST_HIGH, TOP_K_LOW, TOP_K_HIGH = "first_low", "first_high", "top_k_low", "top_k_high"
WEIGHT_LOW, WEIGHT_HIGH = "weight_low", "weight_high"
SCORE_LOW, SCORE_HIGH = "score_low", "score_high"
RANK_LOW, RANK_HIGH, SWING, EXACT = "rank_low", "rank_high", "swing", "exact"
IN_TOP_K, CHANGE, DIRECTION, TO_WEIGHT = "in_top_k", "change", "direction", "to_weight"
FIRST_ACCEPTABILITY, HOLISTIC, CONFIDENCE = "first_acceptability", "holistic", "confidence"
EXPECTED_RANK = "expected_rank"
SHARE, ROBUSTNESS, DECISION, BASELINE, NAME = "share", "robustness", "decision", "baseline", "name"
RAISE, LOWER = "raise", "lower"

#: Weight samples scored at a time: a block of scores of about half a million cells stays small
#: (4 MB) while the matrix products stay large enough to run at full speed.
_CHUNK_CELLS = 1 << 19
#: Uncertain score matrices are drawn this many at a time, each block from its own seed, so the
#: draws depend only on the seed and the number of samples, never on the chunking.
_SCORE_BLOCK = 100
#: Rejection sampling of bounded weights is used while at least this share of draws is kept;
#: below it, hit-and-run (Tervonen et al. 2013) samples the bounded region instead.
_MIN_ACCEPTANCE = 0.02
_PILOT_DRAWS = 20_000
#: Grid steps along each weight path for methods whose score is not linear in the weights; the
#: crossing is then refined by bisection to _BISECTION_STEPS halvings of a step.
_GRID_STEPS = 1000
_BISECTION_STEPS = 40
_BOUND_TOLERANCE = 1e-9
_LINEAR = {"weighted_sum", "weighted_product", "promethee_ii"}


# -- checks ---------------------------------------------------------------------------------------


def _names(labels) -> str:
    labels = list(labels)
    shown = ", ".join(repr(label) for label in labels[:8])
    return shown + (f" (and {len(labels) - 8} more)" if len(labels) > 8 else "")


def _count(value, name: str, example: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValidationError(f"{name}: expected a whole number >= {minimum} (e.g. {example}), "
                              f"found {value!r}.")
    return int(value)


def _share(value, name: str, example: str, low: float = 0.0, high: float = 1.0,
           open_low: bool = False) -> float:
    ok = (not isinstance(value, bool) and isinstance(value, numbers.Real)
          and math.isfinite(value) and (value > low if open_low else value >= low)
          and value <= high)
    if not ok:
        sign = ">" if open_low else ">="
        raise ValidationError(f"{name}: expected a number {sign} {low:g} and <= {high:g} "
                              f"(e.g. {example}), found {value!r}.")
    return float(value)


def _seed_sequence(seed) -> np.random.SeedSequence:
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValidationError(f"seed: expected a whole number >= 0 (e.g. 2027) or None for a "
                              f"fresh one, found {seed!r}.")
    return np.random.SeedSequence(int(seed))


@dataclass(frozen=True)
class _Problem:
    """A checked decision problem: the matrix, its objectives and the scoring method."""

    frame: pd.DataFrame
    arr: np.ndarray
    maximise: np.ndarray
    method: str
    options: Mapping[str, Any]

    @property
    def criteria(self) -> pd.Index:
        return self.frame.columns

    @property
    def alternatives(self) -> pd.Index:
        return self.frame.index


def _problem(matrix, objectives, method: str, options: Mapping[str, Any]) -> _Problem:
    spec = choose(SCORING_METHODS, method, what="scoring method")
    settled = _settle_options(spec, options)
    frame = _check_matrix(matrix)
    maximise = _check_objectives(objectives, frame.columns)
    arr = _float_array(frame)
    _check_finite(frame, arr, _column_stats(arr))
    if spec.name in ("vikor", "promethee_ii") and len(frame) < 2:
        raise ValidationError(f"{spec.name} compares alternatives with each other: expected at "
                              f"least 2 alternatives, found {len(frame)}.")
    return _Problem(frame, arr, maximise, spec.name, MappingProxyType(settled))


def _check_bounds(weight_bounds, criteria: pd.Index) -> tuple[np.ndarray, np.ndarray] | None:
    """Lower and upper bounds per criterion (0 and 1 where none is given), or None."""
    if weight_bounds is None:
        return None
    if isinstance(weight_bounds, pd.DataFrame):
        missing = [c for c in ("low", "high") if c not in weight_bounds.columns]
        if missing:
            raise ValidationError(
                f"weight_bounds: a table needs columns 'low' and 'high' (one row per "
                f"criterion), found columns {list(weight_bounds.columns)}.")
        weight_bounds = {c: (row["low"], row["high"]) for c, row in weight_bounds.iterrows()}
    if not isinstance(weight_bounds, Mapping):
        raise ValidationError(
            f"weight_bounds: expected a mapping criterion -> (low, high), such as "
            f"{{'{criteria[0]}': (0.1, 0.4)}}, found {type(weight_bounds).__name__}.")
    known = set(criteria)
    unknown = [c for c in weight_bounds if c not in known]
    if unknown:
        raise ValidationError(
            f"weight_bounds: criteria {_names(unknown)} are not columns of the score matrix. "
            f"Choose from: {', '.join(map(str, criteria))}.")
    lows, highs = np.zeros(len(criteria)), np.ones(len(criteria))
    for j, criterion in enumerate(criteria):
        if criterion not in weight_bounds:
            continue
        given = weight_bounds[criterion]
        try:
            low, high = (float(x) for x in given)
        except (TypeError, ValueError):
            raise ValidationError(
                f"weight_bounds[{criterion!r}]: expected a pair (low, high) of weights between "
                f"0 and 1, found {given!r}.") from None
        if not (0 <= low <= 1 and 0 <= high <= 1):
            raise ValidationError(
                f"weight_bounds[{criterion!r}]: expected weights between 0 and 1 (weights sum "
                f"to 1), found ({low:g}, {high:g}).")
        if low > high:
            raise ValidationError(
                f"weight_bounds[{criterion!r}]: expected low <= high, found low = {low:g} > "
                f"high = {high:g}. Swap them.")
        lows[j], highs[j] = low, high
    if lows.sum() > 1 + _BOUND_TOLERANCE:
        raise ValidationError(
            f"weight_bounds cannot be met: the lower bounds add up to {lows.sum():.4g}, but the "
            f"weights sum to 1. Lower some of them.")
    if highs.sum() < 1 - _BOUND_TOLERANCE:
        raise ValidationError(
            f"weight_bounds cannot be met: the upper bounds add up to {highs.sum():.4g}, but the "
            f"weights sum to 1. Raise some of them.")
    return lows, highs


def _check_order(weight_order, criteria: pd.Index) -> np.ndarray | None:
    """Positions of the ordered criteria, most important first, or None."""
    if weight_order is None:
        return None
    if isinstance(weight_order, str) or not isinstance(weight_order, Iterable):
        raise ValidationError(
            f"weight_order: expected a list of criteria, most important first, found "
            f"{weight_order!r}.")
    order = list(weight_order)
    known = {c: j for j, c in enumerate(criteria)}
    unknown = [c for c in order if c not in known]
    if unknown:
        raise ValidationError(
            f"weight_order: criteria {_names(unknown)} are not columns of the score matrix. "
            f"Choose from: {', '.join(map(str, criteria))}.")
    repeated = sorted({c for c in order if order.count(c) > 1}, key=order.index)
    if repeated:
        raise ValidationError(f"weight_order: expected each criterion once, found "
                              f"{_names(repeated)} more than once.")
    if len(order) < 2:
        return None  # one criterion alone orders nothing
    return np.array([known[c] for c in order])


# -- weights ------------------------------------------------------------------------------------


def _dirichlet(rng: np.random.Generator, samples: int, n: int) -> np.ndarray:
    """Uniform on the simplex: normalised standard exponentials (Dirichlet(1, ..., 1))."""
    w = rng.standard_exponential((samples, n))
    w /= w.sum(axis=1, keepdims=True)
    return w


def _apply_order(w: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Sort each sample's ordered criteria, largest first: uniform on the ordered region.

    The Dirichlet(1) law is exchangeable, so sorting the ordered coordinates of a uniform draw
    gives a uniform draw from the part of the simplex where they are in that order.
    """
    w[:, order] = -np.sort(-w[:, order], axis=1)
    return w


def _constraints(lows, highs, order, free) -> tuple[np.ndarray, np.ndarray]:
    """Rows A, b of A w <= b: the bounds of free criteria, and the rank order."""
    n = lows.size
    rows, rhs = [], []
    for j in np.flatnonzero(free):
        if lows[j] > 0:
            row = np.zeros(n)
            row[j] = -1
            rows.append(row)
            rhs.append(-lows[j])
        if highs[j] < 1:
            row = np.zeros(n)
            row[j] = 1
            rows.append(row)
            rhs.append(highs[j])
    if order is not None:
        for more, less in zip(order[:-1], order[1:]):
            row = np.zeros(n)
            row[less], row[more] = 1, -1
            rows.append(row)
            rhs.append(0.0)
    if not rows:
        return np.zeros((0, n)), np.zeros(0)
    return np.array(rows), np.array(rhs)


def _interior_point(A, b, fixed_w, free) -> tuple[np.ndarray, float]:
    """The centre of the largest ball inside the region (Chebyshev centre), and its radius."""
    from scipy.optimize import linprog

    k = int(free.sum())
    mass = 1.0 - fixed_w.sum()
    # Movement stays on the plane sum(w) = 1 among the free criteria: measure each constraint's
    # normal projected onto that plane.
    projected = A[:, free] - A[:, free].mean(axis=1, keepdims=True)
    norms = np.linalg.norm(projected, axis=1)
    c = np.zeros(k + 1)
    c[-1] = -1.0
    A_ub = np.hstack([A[:, free], norms[:, None]]) if len(A) else None
    b_ub = b - A[:, ~free] @ fixed_w[~free] if len(A) else None
    A_eq = np.hstack([np.ones((1, k)), np.zeros((1, 1))])
    bounds = [(0, None)] * k + [(0, None)]
    found = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=[mass], bounds=bounds,
                    method="highs")
    if found.status != 0:
        raise ValidationError(
            "weight_bounds and weight_order cannot be met together: no weight vector within the "
            "bounds ranks the criteria in the given order. Widen the bounds or drop the order.")
    w = fixed_w.copy()
    w[free] = found.x[:k]
    return w, float(found.x[-1])


def _hit_and_run(rng, samples, lows, highs, order, chains: int | None = None) -> np.ndarray:
    """Weights spread uniformly over the bounded (and ordered) part of the simplex.

    Many chains run side by side from the region's Chebyshev centre: each step picks a random
    direction on the plane sum(w) = 1 and a uniform point on the chord the region cuts from it.
    After a burn-in of 100 steps per free criterion every chain gives a sample each n steps.
    """
    free = highs - lows > _BOUND_TOLERANCE
    fixed_w = np.where(free, 0.0, lows)
    A, b = _constraints(lows, highs, order, free)
    start, radius = _interior_point(A, b, fixed_w, free)
    k = int(free.sum())
    if radius <= 1e-12 or k < 2:
        return np.tile(start, (samples, 1))  # a single point: nothing to spread
    chains = chains or min(samples, 1000)
    per_chain = -(-samples // chains)
    burn_in, thinning = 100 * k, k
    w = np.tile(start, (chains, 1))
    out = np.empty((chains, per_chain, lows.size))
    cols = np.flatnonzero(free)

    def step():
        d = np.zeros((chains, lows.size))
        g = rng.standard_normal((chains, k))
        g -= g.mean(axis=1, keepdims=True)
        g /= np.linalg.norm(g, axis=1, keepdims=True)
        d[:, cols] = g
        slack = b[None, :] - w @ A.T  # >= 0
        rate = d @ A.T
        with np.errstate(divide="ignore", invalid="ignore"):
            limit = slack / rate
        t_high = np.where(rate > 1e-15, limit, np.inf).min(axis=1)
        t_low = np.where(rate < -1e-15, limit, -np.inf).max(axis=1)
        # Free criteria also stay >= 0 where no lower bound gave them a row.
        with np.errstate(divide="ignore", invalid="ignore"):
            zero = -w[:, cols] / g
        t_high = np.minimum(t_high, np.where(g < -1e-15, zero, np.inf).min(axis=1))
        t_low = np.maximum(t_low, np.where(g > 1e-15, zero, -np.inf).max(axis=1))
        t = t_low + (t_high - t_low) * rng.random(chains)
        w[:] += t[:, None] * d
        np.maximum(w, 0.0, out=w)

    for _ in range(burn_in):
        step()
    for i in range(per_chain):
        for _ in range(thinning):
            step()
        out[:, i] = w
    # Interleave the chains (first sample of each chain, then the second, ...).
    drawn = out.transpose(1, 0, 2).reshape(-1, lows.size)[:samples]
    return drawn / drawn.sum(axis=1, keepdims=True)


def _draw_weights(rng, samples, n, bounds, order) -> tuple[np.ndarray, str]:
    """Sampled weights (samples x n) and how they were drawn."""
    if bounds is None:
        w = _dirichlet(rng, samples, n)
        if order is None:
            return w, "uniform on the simplex, Dirichlet(1)"
        return _apply_order(w, order), "uniform on the simplex, in the given rank order"
    lows, highs = bounds
    if lows.sum() >= 1 - _BOUND_TOLERANCE or highs.sum() <= 1 + _BOUND_TOLERANCE:
        point = lows if lows.sum() >= 1 - _BOUND_TOLERANCE else highs
        point = point / point.sum()
        if order is not None and np.any(np.diff(point[order]) > _BOUND_TOLERANCE):
            raise ValidationError(
                "weight_bounds and weight_order cannot be met together: the bounds fix every "
                "weight, and not in the given order. Widen the bounds or drop the order.")
        return np.tile(point, (samples, 1)), "fixed by the bounds: a single weight vector"

    def candidates(count):
        if order is None:
            # The lower bounds are met by construction: w = low + (1 - sum low) v, v uniform.
            v = _dirichlet(rng, count, n)
            return lows + (1 - lows.sum()) * v
        return _apply_order(_dirichlet(rng, count, n), order)

    def kept(w):
        return np.all((w >= lows - 1e-15) & (w <= highs + 1e-15), axis=1)

    pilot = candidates(_PILOT_DRAWS)
    accepted = pilot[kept(pilot)]
    rate = len(accepted) / _PILOT_DRAWS
    if rate >= _MIN_ACCEPTANCE:
        found = [accepted]
        have = len(accepted)
        while have < samples:
            batch = candidates(int(math.ceil((samples - have) / rate * 1.2)) + 100)
            batch = batch[kept(batch)]
            found.append(batch)
            have += len(batch)
        how = "uniform within the bounds, by rejection sampling"
        how += " in the given rank order" if order is not None else ""
        return np.concatenate(found)[:samples], how
    w = _hit_and_run(rng, samples, lows, highs, order)
    how = (f"uniform within the bounds, by hit-and-run: rejection would keep only "
           f"{rate:.2%} of draws")
    return w, how


def sample_weights(criteria: Sequence[str], samples: int = 10_000, seed: int | None = None,
                   weight_bounds: Mapping[str, tuple[float, float]] | pd.DataFrame | None = None,
                   weight_order: Sequence[str] | None = None) -> pd.DataFrame:
    """Weight vectors drawn as :func:`smaa` draws them: sample x criterion, each row sums to 1.

    >>> w = sample_weights(["fit", "cost", "risk"], samples=4, seed=1)
    >>> w.shape, bool(np.allclose(w.sum(axis=1), 1))
    ((4, 3), True)
    >>> w = sample_weights(["fit", "cost"], 100, seed=1, weight_bounds={"fit": (0.6, 0.8)})
    >>> bool(w["fit"].between(0.6, 0.8).all())
    True

    Parameters
    ----------
    criteria
        The criteria, in column order.
    samples, seed
        How many vectors, and the seed of the random generator (None: fresh entropy).
    weight_bounds
        Criterion -> (low, high) on the weights (which sum to 1); criteria not named are free
        (0 to 1). A table with columns ``low`` and ``high`` indexed by criterion works too.
        Drawn uniformly from the bounded part of the simplex: by rejection while at least 2 %
        of uniform draws fall inside, else by hit-and-run (Tervonen et al. 2013).
    weight_order
        Criteria from most to least important: every vector ranks them in that order.

    Returns
    -------
    pandas.DataFrame
        ``attrs["sampler"]`` says how the weights were drawn.
    """
    criteria = pd.Index(list(criteria))
    samples = _count(samples, "samples", "10_000")
    bounds = _check_bounds(weight_bounds, criteria)
    order = _check_order(weight_order, criteria)
    weight_seed, _ = _seed_sequence(seed).spawn(2)
    w, how = _draw_weights(np.random.Generator(np.random.PCG64(weight_seed)), samples,
                           len(criteria), bounds, order)
    frame = pd.DataFrame(w, columns=criteria)
    frame.index.name = "sample"
    frame.attrs["sampler"] = how
    return frame


def weight_bounds_from(alignment, widen: float = 0.0) -> dict[str, tuple[float, float]]:
    """Bounds on each criterion's weight: the lowest and highest any executive gave it.

    The executives' own weight vectors lie inside these bounds, so they can always be met.
    *widen* moves each bound out by that share of the weight (0.1: 10 % lower and higher).

    Parameters
    ----------
    alignment
        An :class:`~seo_workbench.alignment.AlignmentResult` (``model.alignment()``), or a
        DataFrame of executive x criterion weights.
    widen
        Share by which each bound moves outwards, >= 0.
    """
    table = getattr(alignment, "executive_weights", alignment)
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise ValidationError("weight_bounds_from: expected an AlignmentResult or a table of "
                              "executive x criterion weights, found "
                              f"{type(alignment).__name__}.")
    widen = _share(widen, "widen", "0.1 for 10 % wider", high=10.0)
    totals = table.sum(axis=1).replace(0, np.nan)
    shares = table.div(totals, axis=0)
    low = (shares.min() * (1 - widen)).clip(0, 1)
    high = (shares.max() * (1 + widen)).clip(0, 1)
    return {c: (float(low[c]), float(high[c])) for c in table.columns}


def weight_bounds_around(weights: Mapping[str, float] | pd.Series,
                         change: float = 0.2) -> dict[str, tuple[float, float]]:
    """Bounds of +/- *change* (a share) around each weight: "our weights may be 20 % off".

    >>> weight_bounds_around({"fit": 0.5, "cost": 0.5}, 0.2)
    {'fit': (0.4, 0.6), 'cost': (0.4, 0.6)}
    """
    change = _share(change, "change", "0.2 for +/- 20 %", high=1.0)
    series = pd.Series(dict(weights) if not isinstance(weights, pd.Series) else weights,
                       dtype=float)
    series = series / series.sum()
    return {c: (round(float(w * (1 - change)), 12), round(float(min(1.0, w * (1 + change))), 12))
            for c, w in series.items()}


WEIGHT_SPREADS = {
    "executives": "between the lowest and highest weight any executive gave each criterion",
    "around": "within +/- the stated change of the chapter's weights",
    "simplex": "anywhere: every weight vector is equally likely",
}


def weight_bounds_for(spread: str, model=None, weights=None,
                      change: float = 0.2) -> dict[str, tuple[float, float]] | None:
    """The weight bounds a chapter's ``weight_spread`` parameter names (None for 'simplex').

    ``"executives"``: :func:`weight_bounds_from` the model's alignment (falls back to
    ``"around"`` when the workbook has no judgements); ``"around"``:
    :func:`weight_bounds_around` *weights*; ``"simplex"``: no bounds.
    """
    spread = choose({k: k for k in WEIGHT_SPREADS}, spread, what="weight spread")
    if spread == "simplex":
        return None
    if spread == "executives" and model is not None and model.table("judgements") is not None:
        return weight_bounds_from(model.alignment())
    if weights is None:
        raise ValidationError(f"weight spread {spread!r} needs the weights to move around: pass "
                              "weights=.")
    return weight_bounds_around(weights, change)


# -- uncertain scores ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Uncertain:
    rows: np.ndarray
    cols: np.ndarray
    low: np.ndarray
    mode: np.ndarray  # NaN: uniform on [low, high]
    high: np.ndarray

    @property
    def cells(self) -> int:
        return self.rows.size


def _aligned(table, frame: pd.DataFrame, key: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        try:
            table = pd.DataFrame(table)
        except (TypeError, ValueError):
            raise ValidationError(f"score_bounds[{key!r}]: expected a table of alternative x "
                                  f"criterion, found {type(table).__name__}.") from None
    extra_rows = [a for a in table.index if a not in set(frame.index)]
    extra_cols = [c for c in table.columns if c not in set(frame.columns)]
    if extra_rows or extra_cols:
        what = (f"alternatives {_names(extra_rows)}" if extra_rows else
                f"criteria {_names(extra_cols)}")
        raise ValidationError(f"score_bounds[{key!r}]: {what} are not in the score matrix. "
                              f"Use its row and column labels.")
    try:
        return table.reindex(index=frame.index, columns=frame.columns).astype(float)
    except (TypeError, ValueError):
        raise ValidationError(f"score_bounds[{key!r}]: expected numbers (blank where the score "
                              f"is certain).") from None


def _check_score_bounds(score_bounds, frame: pd.DataFrame, arr: np.ndarray) -> _Uncertain | None:
    if score_bounds is None:
        return None
    if isinstance(score_bounds, pd.DataFrame):
        # Cells holding (low, high) or (low, mode, high); blank cells are certain.
        parts = {"low": np.full(frame.shape, np.nan), "mode": np.full(frame.shape, np.nan),
                 "high": np.full(frame.shape, np.nan)}
        table = score_bounds.reindex(index=frame.index, columns=frame.columns)
        for (i, a), (j, c) in ((x, y) for x in enumerate(frame.index)
                               for y in enumerate(frame.columns)):
            cell = table.iat[i, j]
            if cell is None or (isinstance(cell, float) and math.isnan(cell)):
                continue
            if not isinstance(cell, tuple | list) or len(cell) not in (2, 3):
                raise ValidationError(
                    f"score_bounds, alternative {a!r}, criterion {c!r}: expected (low, high) or "
                    f"(low, mode, high), found {cell!r}.")
            parts["low"][i, j], parts["high"][i, j] = cell[0], cell[-1]
            if len(cell) == 3:
                parts["mode"][i, j] = cell[1]
        low, mode, high = parts["low"], parts["mode"], parts["high"]
    elif isinstance(score_bounds, Mapping):
        unknown = [k for k in score_bounds if k not in ("low", "mode", "high")]
        if unknown or "low" not in score_bounds or "high" not in score_bounds:
            raise ValidationError(
                f"score_bounds: expected a mapping with tables 'low' and 'high' (uniform) and "
                f"optionally 'mode' (triangular), found keys {list(score_bounds)}.")
        low = _aligned(score_bounds["low"], frame, "low").to_numpy()
        high = _aligned(score_bounds["high"], frame, "high").to_numpy()
        mode = (_aligned(score_bounds["mode"], frame, "mode").to_numpy()
                if "mode" in score_bounds else np.full(frame.shape, np.nan))
    else:
        raise ValidationError(
            f"score_bounds: expected {{'low': table, 'high': table}} (optionally 'mode') or a "
            f"table of (low, high) cells, found {type(score_bounds).__name__}.")
    half = np.isnan(low) != np.isnan(high)
    if half.any():
        i, j = np.argwhere(half)[0]
        raise ValidationError(
            f"score_bounds, alternative {frame.index[i]!r}, criterion {frame.columns[j]!r}: "
            f"expected both a low and a high value, found only one. Give both, or neither for "
            f"a certain score.")
    given = ~np.isnan(low)
    orphan = ~given & ~np.isnan(mode)
    if orphan.any():
        i, j = np.argwhere(orphan)[0]
        raise ValidationError(
            f"score_bounds, alternative {frame.index[i]!r}, criterion {frame.columns[j]!r}: a "
            f"mode without low and high. Add them.")
    with np.errstate(invalid="ignore"):
        bad = given & ~((low <= arr + 1e-12) & (arr <= high + 1e-12))
        bad_mode = given & ~np.isnan(mode) & ~((low <= mode) & (mode <= high))
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValidationError(
            f"score_bounds, alternative {frame.index[i]!r}, criterion {frame.columns[j]!r}: "
            f"expected low <= score <= high, found low = {low[i, j]:g}, score = {arr[i, j]:g}, "
            f"high = {high[i, j]:g}. Put the workbook's score inside its interval.")
    if bad_mode.any():
        i, j = np.argwhere(bad_mode)[0]
        raise ValidationError(
            f"score_bounds, alternative {frame.index[i]!r}, criterion {frame.columns[j]!r}: "
            f"expected low <= mode <= high, found {low[i, j]:g}, {mode[i, j]:g}, "
            f"{high[i, j]:g}.")
    rows, cols = np.nonzero(given & (high > low))
    if not rows.size:
        return None
    return _Uncertain(rows, cols, low[rows, cols], mode[rows, cols], high[rows, cols])


def _draw_matrices(rng, arr: np.ndarray, uncertain: _Uncertain, count: int) -> np.ndarray:
    """*count* score matrices (count x m x n), uncertain cells drawn, the others as given."""
    u = rng.random((count, uncertain.cells))
    low, high, mode = uncertain.low, uncertain.high, uncertain.mode
    span = high - low
    draws = low + u * span
    triangular = ~np.isnan(mode)
    if triangular.any():
        # Inverse distribution function of the triangular law on [low, high] with its mode.
        a, b, c = low[triangular], high[triangular], mode[triangular]
        ut = u[:, triangular]
        cut = (c - a) / (b - a)
        left = a + np.sqrt(ut * (b - a) * (c - a))
        right = b - np.sqrt((1 - ut) * (b - a) * (b - c))
        draws[:, triangular] = np.where(ut < cut, left, right)
    matrices = np.repeat(arr[None, :, :], count, axis=0)
    matrices[:, uncertain.rows, uncertain.cols] = draws
    return matrices


def _block_seeds(score_seed: np.random.SeedSequence, samples: int) -> list:
    """One seed per block of score draws.

    Spawn once and keep them: a second spawn from the same sequence gives new children, and the
    confidence factors must see the same draws.
    """
    return score_seed.spawn(-(-samples // _SCORE_BLOCK))


def _score_blocks(seeds: list, samples: int):
    """(start, count, generator) per block of score draws; the same for the same seeds."""
    for b, child in enumerate(seeds):
        start = b * _SCORE_BLOCK
        yield start, min(_SCORE_BLOCK, samples - start), np.random.Generator(
            np.random.PCG64(child))


def sample_scores(matrix: pd.DataFrame, score_bounds, samples: int = 100,
                  seed: int | None = None) -> np.ndarray:
    """Score matrices drawn as :func:`smaa` draws them with *score_bounds*: samples x m x n.

    Meant for inspection and tests: it holds every matrix in memory, which :func:`smaa` never
    does. See :func:`smaa` for the shapes *score_bounds* accepts.
    """
    frame = _check_matrix(matrix)
    arr = _float_array(frame)
    samples = _count(samples, "samples", "100")
    uncertain = _check_score_bounds(score_bounds, frame, arr)
    if uncertain is None:
        return np.repeat(arr[None], samples, axis=0)
    _, score_seed = _seed_sequence(seed).spawn(2)
    return np.concatenate([_draw_matrices(rng, arr, uncertain, count) for _, count, rng in
                           _score_blocks(_block_seeds(score_seed, samples), samples)])


# -- kernels: scores for batches of weights ----------------------------------------------


def _linear_basis(problem: _Problem) -> np.ndarray:
    """B with score = B @ w (log score for the weighted product), exactly as score() scales."""
    frame, arr, maximise, options = (problem.frame, problem.arr, problem.maximise,
                                     problem.options)
    if problem.method == "weighted_sum":
        return _benefit_scale(frame, arr, maximise, options["normalization"]).normalised()
    if problem.method == "weighted_product":
        stats = _column_stats(arr)
        _check_domain(frame, arr, stats, "positive", "the weighted product (a ratio of values)")
        basis = np.where(maximise, np.log(arr), -np.log(arr))
        if options["normalization"] == "sum":
            basis = basis - np.log(_ratio_totals(arr, maximise))
        return basis
    # PROMETHEE II: the net flow is a weighted sum of each criterion's own net flow.
    basis = np.empty(arr.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        for j, criterion in enumerate(frame.columns):
            one_hot = dict.fromkeys(frame.columns, 0.0) | {criterion: 1.0}
            basis[:, j] = score(frame, one_hot, dict(zip(frame.columns, np.where(
                maximise, "max", "min"))), "promethee_ii", **options).scores.to_numpy()
    return basis


class _Kernel:
    """Scores of every alternative for a batch of weight vectors, on one fixed matrix.

    ``__call__(W)`` takes W (c x n, rows summing to 1) and returns c x m values that rank the
    alternatives as :func:`~seo_workbench.scoring.score` does (higher is better; for the
    weighted product the logarithm of its score).
    """

    def __init__(self, problem: _Problem):
        self.method = problem.method
        frame, arr, maximise = problem.frame, problem.arr, problem.maximise
        self.linear = problem.method in _LINEAR
        if self.linear:
            self.basis = np.ascontiguousarray(_linear_basis(problem))
            self.basis_t = np.ascontiguousarray(self.basis.T)
        elif problem.method == "topsis":
            scale = _benefit_scale(frame, arr, maximise, problem.options["normalization"])
            r = scale.normalised()
            self.to_ideal = np.ascontiguousarray(np.square(r - r.max(axis=0)).T)
            self.to_anti = np.ascontiguousarray(np.square(r - r.min(axis=0)).T)
        else:  # vikor
            stats = _column_stats(arr)
            flat = stats.high == stats.low
            best = np.where(maximise, stats.high, stats.low)
            worst = np.where(maximise, stats.low, stats.high)
            span = np.where(flat, 1.0, best - worst)
            self.regret = np.ascontiguousarray(((best - arr) / span * ~flat).T)  # n x m
            self.v = float(problem.options["v"])

    def __call__(self, W: np.ndarray) -> np.ndarray:
        if self.linear:
            return W @ self.basis_t
        if self.method == "topsis":
            W2 = np.square(W)
            d_plus = np.sqrt(W2 @ self.to_ideal)
            d_minus = np.sqrt(W2 @ self.to_anti)
            total = d_plus + d_minus
            return np.divide(d_minus, total, out=np.full_like(total, 0.5), where=total > 0)
        S = W @ self.regret
        R = W[:, :1] * self.regret[0]
        for j in range(1, W.shape[1]):
            np.maximum(R, W[:, j:j + 1] * self.regret[j], out=R)
        return 1.0 - _vikor_rows(S, R, self.v)


def _vikor_rows(S: np.ndarray, R: np.ndarray, v: float) -> np.ndarray:
    """VIKOR's Q per row (sample), as scoring._vikor_index computes it for one."""

    def share(values):
        low = values.min(axis=1, keepdims=True)
        spread = values.max(axis=1, keepdims=True) - low
        return np.divide(values - low, spread, out=np.zeros_like(values), where=spread > 0)

    return v * share(S) + (1 - v) * share(R)


def _normalise_batch(X: np.ndarray, maximise: np.ndarray, name: str) -> np.ndarray:
    """Benefit-scaled matrices (c x m x n), each with its own column statistics, as score()."""
    normalization = NORMALIZATIONS[name]
    if normalization.reciprocal_cost and not maximise.all():
        X = X.copy()
        X[:, :, ~maximise] = 1 / X[:, :, ~maximise]
    low, high = X.min(axis=1), X.max(axis=1)
    stats = _ColumnStats(low, high,
                         np.einsum("kmn,kmn->kn", X, X) if normalization.statistic == "sumsq"
                         else None,
                         X.sum(axis=1) if normalization.statistic == "total" else None)
    flat = high == low
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha, r_low = normalization.coefficients(stats, maximise)
    alpha = np.where(flat, 0.0, alpha)
    r_low = np.where(flat, 1.0, r_low)
    return r_low[:, None, :] + alpha[:, None, :] * (X - low[:, None, :])


def _batch_scores(problem: _Problem, X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Scores (c x m) of sample k's matrix X[k] under its weights W[k], as score() gives them."""
    method, maximise, options = problem.method, problem.maximise, problem.options
    if method == "weighted_sum":
        return np.einsum("kmn,kn->km", _normalise_batch(X, maximise, options["normalization"]), W)
    if method == "topsis":
        R = _normalise_batch(X, maximise, options["normalization"])
        W2 = np.square(W)
        d_plus = np.sqrt(np.einsum("kmn,kn->km", np.square(R - R.max(axis=1, keepdims=True)), W2))
        d_minus = np.sqrt(np.einsum("kmn,kn->km", np.square(R - R.min(axis=1, keepdims=True)),
                                    W2))
        total = d_plus + d_minus
        return np.divide(d_minus, total, out=np.full_like(total, 0.5), where=total > 0)
    if method == "weighted_product":
        if (X <= 0).any():
            raise ValidationError("score_bounds: the weighted product needs scores > 0, and "
                                  "some intervals reach 0 or below. Raise their low ends.")
        B = np.where(maximise, np.log(X), -np.log(X))
        if options["normalization"] == "sum":
            totals = np.where(maximise, X.sum(axis=1), (1 / X).sum(axis=1))
            B = B - np.log(totals)[:, None, :]
        return np.einsum("kmn,kn->km", B, W)
    if method == "vikor":
        low, high = X.min(axis=1), X.max(axis=1)
        flat = high == low
        best = np.where(maximise, high, low)
        worst = np.where(maximise, low, high)
        span = np.where(flat, 1.0, best - worst)
        G = (best[:, None, :] - X) / span[:, None, :] * ~flat[:, None, :]
        S = np.einsum("kmn,kn->km", G, W)
        R = (G * W[:, None, :]).max(axis=2)
        return 1.0 - _vikor_rows(S, R, float(options["v"]))
    # PROMETHEE II with uncertain scores: one call of the package's kernel per sample.
    out = np.empty(X.shape[:2])
    objectives = dict(zip(problem.criteria, np.where(maximise, "max", "min")))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        for k in range(X.shape[0]):
            frame = pd.DataFrame(X[k], index=problem.alternatives, columns=problem.criteria)
            out[k] = score(frame, dict(zip(problem.criteria, W[k])), objectives, method,
                           **options).scores.to_numpy()
    return out


# -- tallying ranks -------------------------------------------------------------------------------


class _RankTally:
    """Rank acceptabilities and first-place weight sums, accumulated chunk by chunk.

    Alternatives whose scores tie (to score()'s tolerance) share the ranks they span equally:
    two tied for first each take half of rank 1 and half of rank 2, so every row and every
    column of the acceptability matrix still sums to 1.
    """

    def __init__(self, m: int, n: int):
        self.m = m
        self.counts = np.zeros(m * m)
        self.tied = np.zeros((m, m + 1))
        self.first = np.zeros(m)
        self.first_weights = np.zeros((m, n))
        self.positions = np.arange(m)
        self.ranks_ascending = self.positions[::-1].copy()  # 0-based rank of position q
        self._gaps = self._close = self._index = None

    def add(self, S: np.ndarray, W: np.ndarray) -> None:
        m, c = self.m, len(S)
        # Ascending order throughout, so no reversed copies: position q ascending is rank
        # m - q. Work buffers are kept between chunks (fresh pages cost more than the sums).
        if self._gaps is None or len(self._gaps) < c:
            self._gaps = np.empty((c, max(m - 1, 1)))
            self._close = np.empty((c, max(m - 1, 1)), dtype=bool)
            self._index = np.empty((c, m), dtype=np.int64)
        order = np.argsort(S, axis=1)
        ordered = np.take_along_axis(S, order, axis=1)
        scale = np.maximum(np.abs(ordered[:, 0]), np.abs(ordered[:, -1]))
        gaps = np.subtract(ordered[:, 1:], ordered[:, :-1], out=self._gaps[:c, :m - 1])
        close = np.less_equal(gaps, (_TIE_TOLERANCE * scale)[:, None],
                              out=self._close[:c, :m - 1])
        tied_rows = close.any(axis=1) if m > 1 else np.zeros(c, dtype=bool)
        clean = None if not tied_rows.any() else ~tied_rows
        plain = order if clean is None else order[clean]
        if len(plain):
            index = np.multiply(plain, m, out=self._index[:len(plain)])
            index += self.ranks_ascending
            self.counts += np.bincount(index.ravel(), minlength=m * m)
            leaders = plain[:, -1]
            self.first += np.bincount(leaders, minlength=m)
            weights = W if clean is None else W[clean]
            for j in range(W.shape[1]):
                self.first_weights[:, j] += np.bincount(leaders, weights=weights[:, j],
                                                        minlength=m)
        if clean is not None:
            self._add_ties(order[tied_rows][:, ::-1], close[tied_rows][:, ::-1], W[tied_rows])

    def _add_ties(self, order, ties, W) -> None:
        m, t = self.m, len(order)
        pos = np.broadcast_to(self.positions, (t, m))
        starts = np.ones((t, m), dtype=bool)
        starts[:, 1:] = ~ties
        ends = np.ones((t, m), dtype=bool)
        ends[:, :-1] = ~ties
        start = np.maximum.accumulate(np.where(starts, pos, 0), axis=1)
        end = (m - 1) - np.maximum.accumulate(np.where(ends[:, ::-1], pos, 0), axis=1)[:, ::-1]
        share = 1.0 / (end - start + 1)
        np.add.at(self.tied, (order, start), share)
        np.add.at(self.tied, (order, end + 1), -share)
        leading = start == 0
        rows, cols = np.nonzero(leading)
        leaders = order[rows, cols]
        np.add.at(self.first, leaders, share[rows, cols])
        np.add.at(self.first_weights, leaders, W[rows] * share[rows, cols][:, None])

    def acceptability(self, samples: int) -> np.ndarray:
        counts = self.counts.reshape(self.m, self.m) + np.cumsum(self.tied[:, :-1], axis=1)
        return counts / samples


def _first_share(S: np.ndarray, who: np.ndarray) -> np.ndarray:
    """Per row k: the share of first place alternative who[k] holds (1/t when t tie)."""
    best = S.max(axis=1)
    scale = np.maximum(np.abs(best), np.abs(S.min(axis=1)))
    at_top = S >= (best - _TIE_TOLERANCE * scale)[:, None]
    mine = at_top[np.arange(len(S)), who]
    return np.where(mine, 1.0 / at_top.sum(axis=1), 0.0)


class _Progress:
    """A progress bar when the caller asked for one; the package itself never prints."""

    def __init__(self, progress, total: int, unit: str, desc: str):
        self.callback, self.bar = None, None
        if progress is None or progress is False:
            return
        if callable(progress):
            self.callback, self.total = progress, total
            self.done = 0
            return
        kind = choose({"auto": "auto", "bar": "auto", "true": "auto", "text": "text"},
                      "auto" if progress is True else progress, what="progress")
        if kind == "auto":
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm  # plain text, never a widget: for logs and rendered runs
        self.bar = tqdm(total=total, unit=unit, desc=desc, leave=False)

    def update(self, count: int) -> None:
        if self.bar is not None:
            self.bar.update(count)
        elif self.callback is not None:
            self.done += count
            self.callback(self.done, self.total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# -- SMAA-2 ---------------------------------------------------------------------------------------


def _centroid_meta_weights(m: int) -> np.ndarray:
    """SMAA-2's centroid meta-weights for ranks 1..m, scaled so that rank 1 weighs 1."""
    inverse = 1.0 / np.arange(1, m + 1)
    tail = np.cumsum(inverse[::-1])[::-1]
    return tail / tail[0]


@dataclass(frozen=True, eq=False)
class SMAAResult:
    """Rank acceptabilities, central weights and confidence factors of every alternative (SMAA-2).

    ``rank_acceptability.loc[a, r]`` is the share of sampled weights (and score matrices) under
    which alternative *a* takes rank *r*; rows and columns sum to 1. ``central_weights.loc[a]``
    is the average weight vector among those that rank *a* first (blank when none does), and
    ``confidence[a]`` the share of sampled score matrices in which *a* ranks first with its
    central weights (1 or 0 when the scores are certain).
    """

    method: str
    samples: int
    seed: int  # the entropy of the generator: pass it again to repeat the run
    rank_acceptability: pd.DataFrame  # alternative x rank 1..m
    central_weights: pd.DataFrame  # alternative x criterion
    confidence: pd.Series  # by alternative
    holistic_acceptability: pd.Series  # by alternative: centroid meta-weights over the ranks
    weights: pd.DataFrame = field(repr=False)  # the sampled weights, sample x criterion
    weight_sampler: str = ""
    uncertain_cells: int = 0
    options: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def first_acceptability(self) -> pd.Series:
        """b1: the share of samples in which each alternative ranks first."""
        return self.rank_acceptability[1].rename(FIRST_ACCEPTABILITY)

    def top(self, k: int) -> pd.Series:
        """The share of samples in which each alternative ranks k-th or better."""
        k = _count(k, "k", "3")
        return self.rank_acceptability.loc[:, 1:k].sum(axis=1).rename(f"top_{k}")

    @property
    def expected_rank(self) -> pd.Series:
        ranks = self.rank_acceptability.columns.to_numpy(dtype=float)
        return (self.rank_acceptability @ ranks).rename(EXPECTED_RANK)

    def to_frame(self) -> pd.DataFrame:
        """Per alternative: b1, holistic acceptability, expected rank, confidence, central weights.

        Sorted by holistic acceptability, best first.
        """
        table = pd.DataFrame({FIRST_ACCEPTABILITY: self.first_acceptability,
                              HOLISTIC: self.holistic_acceptability,
                              EXPECTED_RANK: self.expected_rank,
                              CONFIDENCE: self.confidence})
        table = table.join(self.central_weights.add_prefix("central_"))
        return table.sort_values([HOLISTIC, FIRST_ACCEPTABILITY], ascending=False)

    def to_sentences(self, names: Mapping[str, str] | pd.Series | None = None,
                     criteria_names: Mapping[str, str] | pd.Series | None = None,
                     top: int = 3) -> list[str]:
        """What the board needs to know, in sentences: who can rank first, and how surely."""
        names, cnames = _name_map(names), _name_map(criteria_names)
        b1 = self.first_acceptability.sort_values(ascending=False)
        leaders = b1[b1 > 0]
        sentences = []
        if len(leaders) == 1:
            a = leaders.index[0]
            sentences.append(f"{_label(a, names)} ranks first under every sampled weight "
                             f"vector.")
        else:
            shown = ", ".join(f"{_label(a, names)} ({b:.0%})" for a, b in
                              leaders.head(top).items())
            sentences.append(f"{len(leaders)} projects can rank first depending on the weights; "
                             f"most often {shown}.")
        for a in leaders.head(top).index:
            w = self.central_weights.loc[a].sort_values(ascending=False)
            belief = ", ".join(f"{cnames.get(c, c)} {v:.0%}" for c, v in w.head(3).items())
            confidence = self.confidence[a]
            sure = ("" if self.uncertain_cells == 0 or np.isnan(confidence) else
                    f"; with those weights it is first in {confidence:.0%} of the score "
                    f"scenarios")
            sentences.append(f"For {_label(a, names)} to rank first, one would need to weigh "
                             f"most {belief}{sure}.")
        return sentences

    def __repr__(self) -> str:
        best = self.first_acceptability.sort_values(ascending=False).head(3).round(3).to_dict()
        return (f"SMAAResult(method={self.method!r}, samples={self.samples}, seed={self.seed}, "
                f"first_acceptability={best})")

    def _repr_html_(self) -> str:
        table = self.to_frame().head(20)
        head = (f"<p>SMAA-2 by <b>{html.escape(self.method)}</b>: {self.samples:,} samples, "
                f"weights {html.escape(self.weight_sampler)}"
                + (f", {self.uncertain_cells} uncertain scores" if self.uncertain_cells else "")
                + f", seed {self.seed} ({self.seconds:.2f} s). The 20 best by holistic "
                  "acceptability:</p>")
        return head + table.to_html(float_format="{:.3f}".format, na_rep="")


def smaa(matrix: pd.DataFrame, objectives: Mapping[str, str], method: str = "weighted_sum",
         samples: int = 10_000, seed: int | None = None,
         weight_bounds: Mapping[str, tuple[float, float]] | pd.DataFrame | None = None,
         score_bounds: Mapping[str, pd.DataFrame] | pd.DataFrame | None = None, *,
         weight_order: Sequence[str] | None = None, progress=None, **options) -> SMAAResult:
    """Stochastic multicriteria acceptability analysis (SMAA-2) of every alternative.

    For each sampled weight vector (and score matrix, when *score_bounds* makes scores
    uncertain) the alternatives are scored by *method* exactly as
    :func:`~seo_workbench.scoring.score` scores them and ranked; the shares of samples give the
    rank acceptability indices. Vectorised: weights are scored a chunk at a time, so memory
    stays a few megabytes whatever the number of samples.

    >>> m = pd.DataFrame({"fit": [5, 3, 1], "cost": [3, 2, 1]}, index=["A", "B", "C"])
    >>> r = smaa(m, {"fit": "max", "cost": "min"}, samples=2_000, seed=7)
    >>> r.rank_acceptability.sum(axis=1).round(6).tolist()
    [1.0, 1.0, 1.0]
    >>> float(r.rank_acceptability.loc["B", 1]) == 0.0  # B is never best at either extreme
    True

    Parameters
    ----------
    matrix, objectives, method, **options
        As for :func:`~seo_workbench.scoring.score`.
    samples
        Number of Monte Carlo samples (weight vectors, each with its own score matrix when
        scores are uncertain).
    seed
        Seed of the random generator; None draws fresh entropy, recorded as ``result.seed``.
    weight_bounds
        Criterion -> (low, high) on the weights (which sum to 1), e.g. the executives' spread
        from :func:`weight_bounds_from`; criteria not named are free. Default: uniform on the
        whole simplex.
    score_bounds
        Uncertain scores, in one of two shapes: a mapping ``{"low": table, "high": table}``
        (uniform on each interval) with an optional ``"mode": table`` (triangular), each table
        alternative x criterion like *matrix* (blank or missing cells are certain); or one table
        whose cells are ``(low, high)`` or ``(low, mode, high)`` tuples (blank = certain). Each
        interval must contain the matrix's own score. Every sample draws its own matrix and
        normalises it on its own, as :func:`~seo_workbench.scoring.score` would.
    weight_order
        Criteria from most to least important: only weights in that order are drawn.
    progress
        None (default): silent. ``True`` or ``"auto"``: a tqdm bar (a widget in JupyterLab,
        text in a terminal); ``"text"``: always a text bar on stderr; a callable: called with
        (done, total) after each chunk.

    Returns
    -------
    SMAAResult

    Raises
    ------
    ValidationError
        For a bad matrix, objectives or option (as :func:`~seo_workbench.scoring.score`);
        samples < 1; a negative seed; bounds on unknown criteria, with low > high, outside
        0..1 or impossible to meet together (lower bounds adding up to more than 1, upper
        bounds to less than 1, or an order they exclude); score intervals that are malformed
        or do not contain the matrix's score.
    UnknownChoiceError
        For an unknown method or option.

    References
    ----------
    .. [1] Lahdelma, R., & Salminen, P. (2001). SMAA-2: Stochastic multicriteria
       acceptability analysis for group decision making. *Operations Research*, 49(3),
       444-454. (Rank acceptability, central weights, confidence factors, holistic
       acceptability with centroid meta-weights.)
    """
    started = time.perf_counter()
    problem = _problem(matrix, objectives, method, options)
    samples = _count(samples, "samples", "10_000")
    bounds = _check_bounds(weight_bounds, problem.criteria)
    order = _check_order(weight_order, problem.criteria)
    uncertain = _check_score_bounds(score_bounds, problem.frame, problem.arr)
    sequence = _seed_sequence(seed)
    weight_seed, score_seed = sequence.spawn(2)
    score_seeds = _block_seeds(score_seed, samples)
    W, how = _draw_weights(np.random.Generator(np.random.PCG64(weight_seed)), samples,
                           len(problem.criteria), bounds, order)
    m, n = problem.arr.shape
    tally = _RankTally(m, n)
    bar = _Progress(progress, samples, "samples", "SMAA")
    try:
        with _one_blas_thread():
            if uncertain is None:
                kernel = _Kernel(problem)
                chunk = max(1, _CHUNK_CELLS // m)
                for start in range(0, samples, chunk):
                    block = W[start:start + chunk]
                    tally.add(kernel(block), block)
                    bar.update(len(block))
            else:
                for start, count, rng in _score_blocks(score_seeds, samples):
                    X = _draw_matrices(rng, problem.arr, uncertain, count)
                    block = W[start:start + count]
                    tally.add(_batch_scores(problem, X, block), block)
                    bar.update(count)
            acceptability = tally.acceptability(samples)
            with np.errstate(invalid="ignore", divide="ignore"):
                central = tally.first_weights / tally.first[:, None]
            central[tally.first <= 0] = np.nan
            confidence = _confidence(problem, central, uncertain, score_seeds, samples)
    finally:
        bar.close()
    index = problem.alternatives
    ranks = pd.Index(np.arange(1, m + 1), name=RANK)
    rank_acceptability = pd.DataFrame(acceptability, index=index, columns=ranks)
    holistic = pd.Series(acceptability @ _centroid_meta_weights(m), index=index, name=HOLISTIC)
    weights = pd.DataFrame(W, columns=problem.criteria)
    weights.index.name = "sample"
    return SMAAResult(problem.method, samples, int(sequence.entropy), rank_acceptability,
                      pd.DataFrame(central, index=index, columns=problem.criteria),
                      pd.Series(confidence, index=index, name=CONFIDENCE), holistic, weights,
                      how, 0 if uncertain is None else uncertain.cells,
                      MappingProxyType(dict(problem.options)), time.perf_counter() - started)


def _confidence(problem, central, uncertain, score_seeds, samples) -> np.ndarray:
    """SMAA-2 confidence factors: how often each alternative is first with its central weights."""
    m = len(problem.alternatives)
    confidence = np.full(m, np.nan)
    who = np.flatnonzero(~np.isnan(central[:, 0]))
    if not who.size:
        return confidence
    if uncertain is None:
        confidence[who] = _first_share(_Kernel(problem)(central[who]), who)
        return confidence
    held = np.zeros(who.size)
    for _, count, rng in _score_blocks(score_seeds, samples):
        X = _draw_matrices(rng, problem.arr, uncertain, count)
        for i, a in enumerate(who):
            S = _batch_scores(problem, X, np.repeat(central[a][None], count, axis=0))
            held[i] += _first_share(S, np.full(count, a)).sum()
    confidence[who] = held / samples
    return confidence


# -- sensitivity of the ranking -----------------------------------------------------------------


class _Paths:
    """Weight paths: criterion j's weight is t, the others keep their proportions.

    ``w(t) = t e_j + (1 - t) rest_j`` where rest_j is w without j, rescaled to sum to 1 (equal
    shares when j holds all the weight), so w(w_j) = w.
    """

    def __init__(self, w: np.ndarray):
        n = w.size
        self.w = w
        self.rest = np.empty((n, n))
        for j in range(n):
            rest = w.copy()
            rest[j] = 0.0
            total = rest.sum()
            if total <= 1e-12:
                rest = np.ones(n)
                rest[j] = 0.0
                total = rest.sum()
            self.rest[j] = rest / total if total > 0 else rest

    def weights(self, j: int, t) -> np.ndarray:
        t = np.atleast_1d(np.asarray(t, dtype=float))
        out = (1 - t)[:, None] * self.rest[j][None, :]
        out[:, j] += t
        return out


def _base(matrix, weights, objectives, method, options) -> tuple[_Problem, np.ndarray,
                                                                 ScoreResult]:
    problem = _problem(matrix, objectives, method, options)
    w = _check_weights(weights, problem.criteria).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        ranking = score(problem.frame, dict(zip(problem.criteria, w)), objectives,
                        problem.method, **problem.options)
    return problem, w, ranking


def _top_set(ranking: ScoreResult, k: int) -> np.ndarray:
    """Positions of the k best alternatives by score()'s rank (ties by row order)."""
    order = np.lexsort((np.arange(len(ranking.ranks)), ranking.ranks.to_numpy()))
    return order[:k]


def _check_top_k(top_k, m: int) -> int:
    top_k = _count(top_k, "top_k", "3")
    if top_k >= m:
        raise ValidationError(f"top_k: expected fewer than the {m} alternatives (the top-k set "
                              f"of all of them never changes), found {top_k}.")
    return top_k


def _linear_interval(values, slopes, members, t0) -> tuple[float, float]:
    """Exact [low, high] around t0 where every member stays >= every non-member (linear scores)."""
    inside = np.zeros(values.size, dtype=bool)
    inside[members] = True
    d0 = values[inside][:, None] - values[~inside][None, :]
    slope = slopes[inside][:, None] - slopes[~inside][None, :]
    d0 = np.maximum(d0, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = t0 - d0 / slope
    low = np.max(cross[slope > 0], initial=0.0)
    high = np.min(cross[slope < 0], initial=1.0)
    return float(max(0.0, low)), float(min(1.0, high))


def _holds(S: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Per row: whether every member scores at least every non-member (to score()'s tolerance)."""
    inside = np.zeros(S.shape[1], dtype=bool)
    inside[members] = True
    scale = np.abs(S).max(axis=1)
    return S[:, inside].min(axis=1) >= S[:, ~inside].max(axis=1) - _TIE_TOLERANCE * scale


def _bisect(predicate: Callable[[np.ndarray], np.ndarray], good: np.ndarray,
            bad: np.ndarray) -> np.ndarray:
    """Boundary points between t where predicate holds (good) and where it fails (bad)."""
    good, bad = good.astype(float).copy(), bad.astype(float).copy()
    for _ in range(_BISECTION_STEPS):
        mid = (good + bad) / 2
        ok = predicate(mid)
        good = np.where(ok, mid, good)
        bad = np.where(ok, bad, mid)
    return (good + bad) / 2


def _numeric_interval(kernel, paths, j, members, t0) -> tuple[float, float]:
    grid = np.union1d(np.linspace(0.0, 1.0, _GRID_STEPS + 1), [t0])
    ok = _holds(kernel(paths.weights(j, grid)), members)
    i0 = int(np.searchsorted(grid, t0))
    ends = []
    for direction in (-1, 1):
        i = i0
        while 0 <= i + direction < grid.size and ok[i + direction]:
            i += direction
        if not 0 <= i + direction < grid.size:
            ends.append(grid[i])
            continue

        def predicate(t):
            return _holds(kernel(paths.weights(j, t)), members)

        ends.append(float(_bisect(predicate, np.array([grid[i]]),
                                  np.array([grid[i + direction]]))[0]))
    return ends[0], ends[1]


def stability_intervals(matrix: pd.DataFrame, weights: Mapping[str, float] | pd.Series,
                        objectives: Mapping[str, str], method: str = "weighted_sum",
                        top_k: int = 3, **options) -> pd.DataFrame:
    """How far each criterion's weight can move before the first place or the top k change.

    The criterion's weight moves; the other weights are rescaled in proportion so that all
    still sum to 1. Along that path the first-ranked alternative keeps first place for weights
    in [first_low, first_high], and the set of the *top_k* best stays the same (in any order)
    for weights in [top_k_low, top_k_high]. Both intervals contain today's weight.

    >>> m = pd.DataFrame({"fit": [5, 3, 1], "cost": [3, 1, 2]}, index=["A", "B", "C"])
    >>> t = stability_intervals(m, {"fit": 0.5, "cost": 0.5}, {"fit": "max", "cost": "min"},
    ...                         top_k=2)
    >>> t.loc["fit", ["first_low", "first_high"]].round(3).tolist()  # B first until A ties
    [0.0, 0.667]

    Parameters
    ----------
    matrix, weights, objectives, method, **options
        As for :func:`~seo_workbench.scoring.score`.
    top_k
        Size of the top set (1 <= top_k < number of alternatives).

    Returns
    -------
    pandas.DataFrame
        By criterion: ``weight`` and the interval ends ``first_low``, ``first_high``,
        ``top_k_low``, ``top_k_high`` (weights, 0 to 1), and ``exact``: True for the weighted
        sum, the weighted product and PROMETHEE II, whose scores are linear in the weights
        along the path (the ends are the exact crossing points); False for TOPSIS and VIKOR,
        whose ends are found on a grid of 1,000 steps and refined by bisection (a change
        and change back within one grid step, 0.001 of weight, could be missed).
    """
    problem, w, ranking = _base(matrix, weights, objectives, method, options)
    top_k = _check_top_k(top_k, len(problem.alternatives))
    return _intervals(problem, w, ranking, top_k)


def _intervals(problem, w, ranking, top_k) -> pd.DataFrame:
    kernel = _Kernel(problem)
    paths = _Paths(w)
    first, top = _top_set(ranking, 1), _top_set(ranking, top_k)
    rows = []
    with _one_blas_thread():
        for j, criterion in enumerate(problem.criteria):
            t0 = w[j]
            if kernel.linear:
                base = kernel.basis @ w
                c = kernel.basis @ paths.rest[j]
                slopes = kernel.basis[:, j] - c
                spans = [_linear_interval(base, slopes, members, t0) for members in (first, top)]
            else:
                spans = [_numeric_interval(kernel, paths, j, members, t0)
                         for members in (first, top)]
            rows.append({CRITERION: criterion, WEIGHT: t0, FIRST_LOW: spans[0][0],
                         FIRST_HIGH: spans[0][1], TOP_K_LOW: spans[1][0],
                         TOP_K_HIGH: spans[1][1], EXACT: kernel.linear})
    table = pd.DataFrame(rows).set_index(CRITERION)
    table.attrs.update(top_k=top_k, first=list(problem.alternatives[first]),
                       top=list(problem.alternatives[top]))
    return table


def tornado(matrix: pd.DataFrame, weights: Mapping[str, float] | pd.Series,
            objectives: Mapping[str, str], method: str = "weighted_sum", change: float = 0.1,
            **options) -> pd.DataFrame:
    """Each alternative's score when each criterion's weight is x % lower and x % higher.

    The weight becomes w (1 - change) and w (1 + change) (at most 1), the others rescaled in
    proportion; every score comes from :func:`~seo_workbench.scoring.score`, so it is exact
    for every method. A criterion with weight 0 stays at 0 and moves nothing.

    >>> m = pd.DataFrame({"fit": [5, 3, 1], "cost": [3, 1, 2]}, index=["A", "B", "C"])
    >>> t = tornado(m, {"fit": 0.5, "cost": 0.5}, {"fit": "max", "cost": "min"}, change=0.2)
    >>> t.query("alternative_id == 'A' and criterion == 'fit'")["swing"].round(3).tolist()
    [0.2]

    Returns
    -------
    pandas.DataFrame
        One row per alternative and criterion: ``weight``, ``weight_low``, ``weight_high``,
        ``score`` (today's), ``score_low``, ``score_high``, ``rank_low``, ``rank_high`` and
        ``swing`` = score_high - score_low (negative when more weight lowers the score).
    """
    change = _share(change, "change", "0.1 for +/- 10 %", open_low=True)
    problem, w, ranking = _base(matrix, weights, objectives, method, options)
    return _tornado(problem, w, ranking, change)


def _tornado(problem, w, ranking, change) -> pd.DataFrame:
    paths = _Paths(w)
    objectives = dict(zip(problem.criteria, np.where(problem.maximise, "max", "min")))
    frames = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        for j, criterion in enumerate(problem.criteria):
            ends = {}
            for key, t in ((WEIGHT_LOW, w[j] * (1 - change)),
                           (WEIGHT_HIGH, min(1.0, w[j] * (1 + change)))):
                moved = paths.weights(j, t)[0]
                ends[key] = (t, score(problem.frame, dict(zip(problem.criteria, moved)),
                                      objectives, problem.method, **problem.options))
            (t_low, low), (t_high, high) = ends[WEIGHT_LOW], ends[WEIGHT_HIGH]
            frames.append(pd.DataFrame({
                ALTERNATIVE: problem.alternatives, CRITERION: criterion, WEIGHT: w[j],
                WEIGHT_LOW: t_low, WEIGHT_HIGH: t_high, SCORE: ranking.scores.to_numpy(),
                SCORE_LOW: low.scores.to_numpy(), SCORE_HIGH: high.scores.to_numpy(),
                RANK: ranking.ranks.to_numpy(), RANK_LOW: low.ranks.to_numpy(),
                RANK_HIGH: high.ranks.to_numpy()}))
    table = pd.concat(frames, ignore_index=True)
    table[SWING] = table[SCORE_HIGH] - table[SCORE_LOW]
    table.attrs["change"] = change
    return table


def weight_flips(matrix: pd.DataFrame, weights: Mapping[str, float] | pd.Series,
                 objectives: Mapping[str, str], method: str = "weighted_sum", top_k: int = 3,
                 **options) -> pd.DataFrame:
    """The smallest change of one weight that takes each alternative into or out of the top k.

    One criterion's weight moves (the others rescaled in proportion); the change is the
    distance, in weight (0.05 = five points), to the nearest weight at which the alternative
    ties with the one it overtakes or that overtakes it. Exact for the weighted sum, the
    weighted product and PROMETHEE II; grid and bisection for TOPSIS and VIKOR.

    >>> m = pd.DataFrame({"fit": [5, 3, 1], "cost": [3, 1, 2]}, index=["A", "B", "C"])
    >>> f = weight_flips(m, {"fit": 0.5, "cost": 0.5}, {"fit": "max", "cost": "min"}, top_k=1)
    >>> row = f.loc["B"]  # first today; A ties with it when fit weighs 2/3
    >>> row["criterion"], row["direction"], round(float(row["to_weight"]), 3)
    ('fit', 'raise', 0.667)

    Returns
    -------
    pandas.DataFrame
        By alternative, in rank order: ``rank``, ``in_top_k`` (today), ``change`` (blank when no
        single weight can flip it), ``criterion``, ``direction`` ('raise' or 'lower'),
        ``weight`` (today's weight of that criterion) and ``to_weight`` (where it flips).
    """
    problem, w, ranking = _base(matrix, weights, objectives, method, options)
    top_k = _check_top_k(top_k, len(problem.alternatives))
    return _flips(problem, w, ranking, top_k)


def _flip_points_linear(values, slopes, t0, k) -> tuple[np.ndarray, np.ndarray]:
    """For each alternative: nearest t above and below t0 where its top-k status flips."""
    m = values.size
    up, down = np.full(m, np.nan), np.full(m, np.nan)
    scale = max(np.abs(values).max(), 1e-300)
    for a in range(m):
        d0 = values - values[a]  # > 0: b is above a today
        f = slopes - slopes[a]
        d0[a], f[a] = 0.0, 0.0
        # As score() ranks: b is above a only by more than the tie tolerance. A b tied with a
        # counts as not above, and can only come up.
        is_above = d0 > _TIE_TOLERANCE * scale
        above = int(is_above.sum())
        status = above < k
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = t0 - d0 / f
        for direction, out in ((1, up), (-1, down)):
            leaving = is_above & (direction * f < 0)  # b falls below a: one fewer above
            coming = ~is_above & (direction * f > 0)  # b rises above a: one more above
            moving = leaving | coming
            where = np.where(direction > 0, np.maximum(cross, t0), np.minimum(cross, t0))
            moving &= (where <= 1) & (where >= 0)
            idx = np.flatnonzero(moving)
            if not idx.size:
                continue
            order = idx[np.argsort(direction * where[idx], kind="stable")]
            counts = above + np.cumsum(np.where(coming[order], 1, -1))
            flipped = np.flatnonzero((counts < k) != status)
            if flipped.size:
                out[a] = where[order[flipped[0]]]
    return up, down


def _flip_points_numeric(kernel, paths, j, t0, k, m) -> tuple[np.ndarray, np.ndarray]:
    grid = np.union1d(np.linspace(0.0, 1.0, _GRID_STEPS + 1), [t0])
    S = kernel(paths.weights(j, grid))
    i0 = int(np.searchsorted(grid, t0))

    def status_of(S_rows, who):
        mine = S_rows[np.arange(len(who)), who]
        scale = np.abs(S_rows).max(axis=1)
        return (S_rows > (mine + _TIE_TOLERANCE * scale)[:, None]).sum(axis=1) < k

    everyone = np.arange(m)
    status = np.stack([status_of(np.repeat(S[g][None], m, axis=0), everyone)
                       for g in range(grid.size)])  # grid x m
    up, down = np.full(m, np.nan), np.full(m, np.nan)
    items = []  # (alternative, t where status is today's, t where it flipped, which array)
    for a in range(m):
        changed = np.flatnonzero(status[:, a] != status[i0, a])
        above = changed[changed > i0]
        below = changed[changed < i0]
        if above.size:
            items.append((a, grid[above[0] - 1], grid[above[0]], up))
        if below.size:
            items.append((a, grid[below[-1] + 1], grid[below[-1]], down))
    if items:
        who = np.array([i[0] for i in items])
        base = status[i0, who]

        def predicate(t):
            rows = np.concatenate([paths.weights(j, [x]) for x in t])
            return status_of(kernel(rows), who) == base

        ends = _bisect(predicate, np.array([i[1] for i in items]),
                       np.array([i[2] for i in items]))
        for (a, _, _, out), t in zip(items, ends):
            out[a] = t
    return up, down


def _flips(problem, w, ranking, top_k) -> pd.DataFrame:
    kernel = _Kernel(problem)
    paths = _Paths(w)
    m = len(problem.alternatives)
    best = np.full(m, np.inf)
    criterion = np.full(m, None, dtype=object)
    direction = np.full(m, None, dtype=object)
    to_weight, from_weight = np.full(m, np.nan), np.full(m, np.nan)
    with _one_blas_thread():
        for j, name in enumerate(problem.criteria):
            t0 = w[j]
            if kernel.linear:
                base = kernel.basis @ w
                slopes = kernel.basis[:, j] - kernel.basis @ paths.rest[j]
                up, down = _flip_points_linear(base, slopes, t0, top_k)
            else:
                up, down = _flip_points_numeric(kernel, paths, j, t0, top_k, m)
            for points, word in ((up, RAISE), (down, LOWER)):
                distance = np.abs(points - t0)
                better = np.nan_to_num(distance, nan=np.inf) < best
                best[better] = distance[better]
                criterion[better], direction[better] = name, word
                to_weight[better], from_weight[better] = points[better], t0
    in_top = np.zeros(m, dtype=bool)
    in_top[_top_set(ranking, top_k)] = True
    table = pd.DataFrame({RANK: ranking.ranks.to_numpy(), IN_TOP_K: in_top,
                          CHANGE: np.where(np.isinf(best), np.nan, best),
                          CRITERION: criterion, DIRECTION: direction, WEIGHT: from_weight,
                          TO_WEIGHT: to_weight}, index=problem.alternatives)
    table.index.name = ALTERNATIVE
    table.attrs["top_k"] = top_k
    return table.sort_values(RANK, kind="stable")


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """One-at-a-time weight sensitivity of a ranking: intervals, tornado and flips."""

    method: str
    weights: pd.Series  # by criterion, sums to 1
    top_k: int
    change: float  # the tornado's +/- share
    intervals: pd.DataFrame  # by criterion: see stability_intervals
    tornado: pd.DataFrame  # by alternative and criterion: see tornado
    flips: pd.DataFrame  # by alternative: see weight_flips
    ranking: ScoreResult = field(repr=False)
    exact: bool = True  # False: intervals and flips found numerically

    def to_sentences(self, names: Mapping[str, str] | pd.Series | None = None,
                     criteria_names: Mapping[str, str] | pd.Series | None = None,
                     top: int = 3) -> list[str]:
        """The first place, the top k and the nearest flips, in sentences."""
        names, cnames = _name_map(names), _name_map(criteria_names)
        table = self.intervals
        leader = table.attrs["first"][0]
        sentences = []
        widths = (table[FIRST_HIGH] - table[FIRST_LOW]).sort_values()
        j = widths.index[0]
        sentences.append(
            f"{_label(leader, names)} stays first while the weight of {cnames.get(j, j)} stays "
            f"between {table.loc[j, FIRST_LOW]:.0%} and {table.loc[j, FIRST_HIGH]:.0%} "
            f"(today {table.loc[j, WEIGHT]:.0%}), the narrowest margin of any criterion.")
        k_widths = (table[TOP_K_HIGH] - table[TOP_K_LOW]).sort_values()
        j = k_widths.index[0]
        sentences.append(
            f"The top {self.top_k} keep their places as a set while the weight of "
            f"{cnames.get(j, j)} stays between {table.loc[j, TOP_K_LOW]:.0%} and "
            f"{table.loc[j, TOP_K_HIGH]:.0%} (today {table.loc[j, WEIGHT]:.0%}).")
        nearest = self.flips.dropna(subset=[CHANGE]).sort_values(CHANGE).head(top)
        for a, row in nearest.iterrows():
            where = "leaves" if row[IN_TOP_K] else "enters"
            verb = "rises" if row[DIRECTION] == RAISE else "falls"
            c = cnames.get(row[CRITERION], row[CRITERION])
            sentences.append(
                f"{_label(a, names)} {where} the top {self.top_k} if the weight of {c} {verb} "
                f"from {row[WEIGHT]:.1%} to {row[TO_WEIGHT]:.1%}.")
        return sentences

    def _repr_html_(self) -> str:
        how = ("exact crossing points" if self.exact else
               "found on a grid of 1,000 steps and refined by bisection")
        head = (f"<p>Weight sensitivity of the <b>{html.escape(self.method)}</b> ranking "
                f"(one weight moves, the others rescaled in proportion; {how}). Intervals for "
                f"the first place and the top {self.top_k}:</p>")
        return head + self.intervals.to_html(float_format="{:.3f}".format)


def sensitivity(matrix: pd.DataFrame, weights: Mapping[str, float] | pd.Series,
                objectives: Mapping[str, str], method: str = "weighted_sum", top_k: int = 3,
                change: float = 0.1, **options) -> SensitivityResult:
    """Stability intervals, tornado and smallest flips of a ranking, in one result.

    See :func:`stability_intervals`, :func:`tornado` and :func:`weight_flips`, which this
    calls with the same arguments.
    """
    change = _share(change, "change", "0.1 for +/- 10 %", open_low=True)
    problem, w, ranking = _base(matrix, weights, objectives, method, options)
    top_k = _check_top_k(top_k, len(problem.alternatives))
    return SensitivityResult(problem.method, pd.Series(w, index=problem.criteria, name=WEIGHT),
                             top_k, change, _intervals(problem, w, ranking, top_k),
                             _tornado(problem, w, ranking, change),
                             _flips(problem, w, ranking, top_k), ranking,
                             problem.method in _LINEAR)


# -- portfolio robustness -----------------------------------------------------------------------


#: Below this many projects the scenarios are solved in this process, on one thread per CPU
#: (HiGHS lets go of the interpreter while it solves): a scenario takes a tenth of a second
#: there, and starting worker processes, which import the package, several seconds.
PROCESSES_FROM = 200


def _solve_rows(model, values: np.ndarray, solve: Mapping[str, Any]) -> list[tuple]:
    """Solve the portfolio model once per row of *values*; (funded mask, status) per row."""
    from .portfolio import select_portfolio

    ids = model.projects.index
    out = []
    for row in values:
        result = select_portfolio(model, pd.Series(row, index=ids), **solve)
        out.append((ids.isin(result.selected), result.status))
    return out


def _solve_chunk(payload, values: np.ndarray, solve: Mapping[str, Any]) -> list[tuple]:
    """:func:`_solve_rows` in a worker process, on the model rebuilt from *payload*.

    Module-level, so any executor can pickle it by reference.
    """
    from .portfolio import solve_single_threaded

    solve_single_threaded()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        return _solve_rows(_model_from(payload), values, solve)


def _solve_chunk_here(model, values: np.ndarray, solve: Mapping[str, Any]) -> list[tuple]:
    """:func:`_solve_rows` on a thread of this process (see :func:`pool.local_threads`)."""
    return _solve_rows(model, values, solve)


def _executor(executor, n_projects: int, solver: str) -> tuple:
    """Where the scenarios are solved: (executor, task, whether this call owns it)."""
    if executor is not None:
        return executor, _solve_chunk, False
    if n_projects >= PROCESSES_FROM:
        return _local_pool(), _solve_chunk, True
    # CBC runs as a subprocess that PuLP sets up under warnings.catch_warnings, which is not
    # safe across threads: one thread here.
    threads = 1 if solver.strip().lower() == "cbc" else (os.cpu_count() or 1)
    return _local_threads(threads), _solve_chunk_here, True


@dataclass(frozen=True, eq=False)
class PortfolioRobustnessResult:
    """Which projects the optimal portfolio funds across sampled weight (and score) scenarios.

    ``projects`` holds, by project: its name, the board's decision, whether today's portfolio
    funds it (``baseline``), the ``share`` of scenarios whose optimal portfolio funds it, and
    its class in ``robustness``: core (share >= core_threshold, and every 'must'), exterior
    (share <= exterior_threshold, and every 'must_not') or borderline. An SMAA-style
    approximation of RPM's core index (Liesiö, Mild and Salo 2007): RPM proves "core" for
    every weight in the set; here a project is core when every sampled scenario funds it.
    """

    projects: pd.DataFrame
    core_threshold: float
    exterior_threshold: float
    scenarios: int
    seed: int
    method: str
    weights: pd.DataFrame = field(repr=False)  # scenario x criterion
    selections: pd.DataFrame = field(repr=False)  # scenario x project: funded
    statuses: pd.Series = field(repr=False)  # by scenario: the solver's status
    baseline: tuple[str, ...] = ()
    weight_sampler: str = ""
    uncertain_cells: int = 0
    workers: int = 1
    executor: str = ""
    seconds: float = 0.0

    @property
    def shares(self) -> pd.Series:
        return self.projects[SHARE]

    @property
    def classes(self) -> pd.Series:
        return self.projects[ROBUSTNESS]

    def _members(self, kind: str) -> tuple[str, ...]:
        table = self.projects[self.projects[ROBUSTNESS] == kind]
        return tuple(table.sort_values(SHARE, ascending=False, kind="stable").index)

    @property
    def core(self) -> tuple[str, ...]:
        return self._members(CORE)

    @property
    def borderline(self) -> tuple[str, ...]:
        return self._members(BORDERLINE)

    @property
    def exterior(self) -> tuple[str, ...]:
        return self._members(EXTERIOR)

    def to_frame(self) -> pd.DataFrame:
        """Projects, most often funded first."""
        return self.projects.sort_values(SHARE, ascending=False, kind="stable")

    def to_sentences(self) -> list[str]:
        """Core, borderline and exterior in words, with the thresholds stated."""
        names = self.projects[NAME].to_dict() if NAME in self.projects else {}
        core, border, out = self.core, self.borderline, self.exterior
        time_limited = int((self.statuses != "optimal").sum())
        sentences = [
            f"The portfolio was optimised again for {self.scenarios} scenarios of the weights"
            + (f" and of {self.uncertain_cells} uncertain scores" if self.uncertain_cells
               else "")
            + f" (weights drawn {self.weight_sampler}).",
            f"Core, funded in {_threshold_words(self.core_threshold, True)} (and every project "
            f"the board made a must): {len(core)} projects"
            + (f": {_listing(core, names)}." if core else "."),
            f"Borderline, funded in some scenarios and not in others: {len(border)} projects"
            + (": " + "; ".join(f"{_label(p, names)} ({self.projects.loc[p, SHARE]:.0%})"
                                for p in border) + "." if border else "."),
            f"Exterior, funded in {_threshold_words(self.exterior_threshold, False)} (and every "
            f"project the board ruled out): {len(out)} projects.",
            "This is an SMAA-style approximation of the core index of Robust Portfolio "
            "Modeling: core means funded in every sampled scenario, not proven for every "
            "weight in the range.",
        ]
        if time_limited:
            sentences.append(f"{time_limited} scenario solves stopped at the time limit with a "
                             f"good but unproven portfolio.")
        return sentences

    def __repr__(self) -> str:
        return (f"PortfolioRobustnessResult(scenarios={self.scenarios}, core={len(self.core)}, "
                f"borderline={len(self.borderline)}, exterior={len(self.exterior)}, "
                f"seed={self.seed})")

    def _repr_html_(self) -> str:
        head = (f"<p>Portfolio robustness over <b>{self.scenarios}</b> scenarios "
                f"({html.escape(self.method)}; {len(self.core)} core, {len(self.borderline)} "
                f"borderline, {len(self.exterior)} exterior; core at a share >= "
                f"{self.core_threshold:.0%}, exterior at <= {self.exterior_threshold:.0%}; "
                f"{self.workers} workers, {self.seconds:.1f} s).</p>")
        return head + self.to_frame().to_html(float_format="{:.3f}".format, na_rep="")


def _threshold_words(threshold: float, core: bool) -> str:
    if core:
        return "every scenario" if threshold >= 1 else f"at least {threshold:.0%} of scenarios"
    return "no scenario" if threshold <= 0 else f"at most {threshold:.0%} of scenarios"


def portfolio_robustness(model, scenarios: int = 200, seed: int | None = None,
                         executor: concurrent.futures.Executor | None = None,
                         method: str = "weighted_sum", *,
                         weights: Mapping[str, float] | pd.Series | None = None,
                         weight_bounds: Mapping[str, tuple[float, float]] | pd.DataFrame
                         | None = None,
                         weight_order: Sequence[str] | None = None,
                         score_bounds: Mapping[str, pd.DataFrame] | pd.DataFrame | None = None,
                         core_threshold: float = 1.0, exterior_threshold: float = 0.0,
                         start: str | None = None, solver: str = "HiGHS",
                         gap: float | None = None, time_limit: float | None = 60.0,
                         budget_scale: float = 1.0, chunk_size: int | None = None,
                         progress=None, **options) -> PortfolioRobustnessResult:
    """The share of weight (and score) scenarios in which each project is in the best portfolio.

    For each scenario the weights are drawn as :func:`smaa` draws them (and the uncertain
    scores, if any), the projects are scored by *method* with
    :func:`~seo_workbench.scoring.score`, mapped to portfolio values by
    ``model.project_values`` and the full portfolio model is solved with
    :func:`~seo_workbench.portfolio.select_portfolio`: every budget, capacity, dependency,
    group and forced decision holds in every scenario.

    Solves run in parallel on *executor*. By default, for models of fewer than
    :data:`PROCESSES_FROM` projects, on one thread per CPU in this process (starting worker
    processes would cost more than the solves); for larger ones on a local
    :class:`concurrent.futures.ProcessPoolExecutor` with one worker per CPU, created and shut
    down here. Any :class:`concurrent.futures.Executor` works; to spread the solves over a
    Dask cluster pass ``client.get_executor()`` of a ``distributed.Client`` (its workers need
    seo-workbench installed). Scenarios go to the workers in chunks, so the model is sent once
    per chunk, not once per scenario.

    Parameters
    ----------
    model
        A :class:`~seo_workbench.workbook.PortfolioModel` whose settings 'value' is 'score'.
    scenarios, seed
        Number of scenarios, and the seed (None: fresh entropy, recorded in the result).
    executor
        Where the solves run (see above).
    method, **options
        Scoring method and its options, as for :func:`~seo_workbench.scoring.score`.
    weights
        Today's weights, for the baseline portfolio (default: the workbook's).
    weight_bounds, weight_order, score_bounds
        The scenario space, as for :func:`smaa`. Default: weights uniform on the simplex.
    core_threshold, exterior_threshold
        A project funded in at least core_threshold of the scenarios is core, in at most
        exterior_threshold exterior. Defaults 1 and 0: RPM's definitions, funded in every
        scenario or in none. 'must' projects are always core and 'must_not' always exterior.
    start, solver, gap, time_limit, budget_scale
        As for :func:`~seo_workbench.portfolio.select_portfolio`, for every scenario (gap
        default: select_portfolio's, which proves optimality).
    chunk_size
        Scenarios per task; default: enough for about four tasks per worker.
    progress
        As for :func:`smaa`: None (silent), True / "auto", "text" or a callable.

    Returns
    -------
    PortfolioRobustnessResult

    Raises
    ------
    ValidationError
        For a model whose value is 'benefit' (weights do not move it), bad thresholds,
        scenarios < 1, or any bad argument :func:`smaa` or select_portfolio rejects.
    InfeasiblePortfolioError
        When the model has no feasible portfolio at all (found by the baseline solve, before
        any scenario runs).
    """
    from .portfolio import DEFAULT_GAP, select_portfolio

    started = time.perf_counter()
    if model.settings.value != "score":
        raise ValidationError(
            "portfolio_robustness: the workbook's settings 'value' is 'benefit', so the "
            "weights do not change which portfolio is best. Set 'value' to 'score' to fund by "
            "the MCDA score.")
    if model.scores is None:
        raise ValidationError("portfolio_robustness: the workbook has no sheet 'scores' to "
                              "score the projects. Add it.")
    scenarios = _count(scenarios, "scenarios", "200")
    core_threshold = _share(core_threshold, "core_threshold", "1.0 (funded in every scenario)",
                            open_low=True)
    exterior_threshold = _share(exterior_threshold, "exterior_threshold",
                                "0.0 (funded in no scenario)")
    if exterior_threshold >= core_threshold:
        raise ValidationError(
            f"exterior_threshold ({exterior_threshold:g}) must be below core_threshold "
            f"({core_threshold:g}), or no project could be borderline.")
    matrix = model.scores
    problem = _problem(matrix, model.objectives, method, options)
    bounds = _check_bounds(weight_bounds, problem.criteria)
    order = _check_order(weight_order, problem.criteria)
    uncertain = _check_score_bounds(score_bounds, problem.frame, problem.arr)
    base_weights = model.weights if weights is None else weights
    base = _check_weights(base_weights, problem.criteria)
    solve = {"start": start, "solver": solver, "gap": DEFAULT_GAP if gap is None else gap,
             "time_limit": time_limit, "budget_scale": budget_scale}
    if chunk_size is not None:
        chunk_size = _count(chunk_size, "chunk_size", "25")

    sequence = _seed_sequence(seed)
    weight_seed, score_seed = sequence.spawn(2)
    W, how = _draw_weights(np.random.Generator(np.random.PCG64(weight_seed)), scenarios,
                           len(problem.criteria), bounds, order)
    objectives = model.objectives
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        baseline_scores = score(matrix, base, objectives, problem.method, **problem.options)
        baseline = select_portfolio(model, model.project_values(baseline_scores), **solve)
        ids = model.projects.index
        values = np.empty((scenarios, len(ids)))
        blocks = ([(0, scenarios, None)] if uncertain is None else
                  _score_blocks(_block_seeds(score_seed, scenarios), scenarios))
        for first, count, rng in blocks:
            X = (None if rng is None else _draw_matrices(rng, problem.arr, uncertain, count))
            for i in range(count):
                frame = matrix if X is None else pd.DataFrame(X[i], index=matrix.index,
                                                              columns=matrix.columns)
                result = score(frame, dict(zip(problem.criteria, W[first + i])), objectives,
                               problem.method, **problem.options)
                values[first + i] = model.project_values(result).to_numpy()

    executor, task, own = _executor(executor, len(ids), solver)
    workers = _worker_count(executor)
    size = chunk_size or max(1, -(-scenarios // (4 * workers)))
    payload = model if task is _solve_chunk_here else _model_payload(model)
    funded = np.zeros((scenarios, len(ids)), dtype=bool)
    statuses = np.empty(scenarios, dtype=object)
    bar = _Progress(progress, scenarios, "scenarios", "Portfolios")
    try:
        # The filter is set here, once: warnings.catch_warnings is not safe across threads.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", WorkbenchWarning)
            futures = {executor.submit(task, payload, values[s:s + size], solve): s
                       for s in range(0, scenarios, size)}
            for future in concurrent.futures.as_completed(futures):
                s = futures[future]
                for i, (mask, status) in enumerate(future.result()):
                    funded[s + i], statuses[s + i] = mask, status
                bar.update(len(values[s:s + size]))
    finally:
        bar.close()
        if own:
            executor.shutdown(wait=True, cancel_futures=True)

    share = funded.mean(axis=0)
    projects = model.projects
    decision = projects["decision"].to_numpy()
    robustness = np.where(share >= core_threshold - 1e-12, CORE,
                          np.where(share <= exterior_threshold + 1e-12, EXTERIOR, BORDERLINE))
    robustness = np.where(decision == "must", CORE, robustness)
    robustness = np.where(decision == "must_not", EXTERIOR, robustness)
    table = pd.DataFrame({NAME: projects["name"].to_numpy(), DECISION: decision,
                          BASELINE: ids.isin(baseline.selected), SHARE: share,
                          ROBUSTNESS: robustness}, index=ids)
    table.index.name = "project_id"
    scenario_index = pd.RangeIndex(scenarios, name="scenario")
    return PortfolioRobustnessResult(
        table, core_threshold, exterior_threshold, scenarios, int(sequence.entropy),
        problem.method, pd.DataFrame(W, index=scenario_index, columns=problem.criteria),
        pd.DataFrame(funded, index=scenario_index, columns=ids),
        pd.Series(statuses, index=scenario_index, name="status"), tuple(baseline.selected),
        how, 0 if uncertain is None else uncertain.cells, workers, type(executor).__name__,
        time.perf_counter() - started)


# -- words for the board ------------------------------------------------------------------------


def _name_map(names) -> dict:
    if names is None:
        return {}
    return dict(names.items()) if hasattr(names, "items") else dict(names)


def _label(alternative, names: Mapping) -> str:
    name = names.get(alternative)
    return f"{alternative} ({name})" if name else str(alternative)


def _listing(ids: Sequence[str], names: Mapping, limit: int = 12) -> str:
    shown = ", ".join(_label(p, names) for p in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


class RobustnessNote:
    """A paragraph for the board, generated from the results; shows itself as HTML."""

    def __init__(self, sentences: Sequence[str]):
        self.sentences = list(sentences)

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.text)}</p>"

    def __repr__(self) -> str:
        return self.text


def describe_robustness(robustness: PortfolioRobustnessResult | None = None,
                        smaa_result: SMAAResult | None = None,
                        sensitivity_result: SensitivityResult | None = None,
                        names: Mapping[str, str] | pd.Series | None = None,
                        criteria_names: Mapping[str, str] | pd.Series | None = None
                        ) -> RobustnessNote:
    """One paragraph for the board from whichever robustness results are given."""
    names = _name_map(names)
    if robustness is not None and not names and NAME in robustness.projects:
        names = robustness.projects[NAME].to_dict()
    sentences = []
    if robustness is not None:
        r = robustness
        sentences.append(
            f"Over {r.scenarios} scenarios of the weights (drawn {r.weight_sampler}), "
            f"{len(r.core)} "
            f"projects are funded every time (core), {len(r.exterior)} never (exterior) and "
            f"{len(r.borderline)} only in some (borderline).")
        border = [p for p in r.borderline]
        if border:
            ranked = sorted(border, key=lambda p: -r.projects.loc[p, SHARE])
            shown = "; ".join(f"{_label(p, names)}, funded in {r.projects.loc[p, SHARE]:.0%}"
                              for p in ranked[:6])
            sentences.append(f"The decisions that depend on the weights: {shown}"
                             + (f"; and {len(ranked) - 6} more." if len(ranked) > 6 else "."))
        moved = [p for p in r.baseline if r.projects.loc[p, ROBUSTNESS] != CORE]
        if moved:
            sentences.append(f"Of today's recommended portfolio, {len(moved)} projects are not "
                             f"core: they are funded only if today's weights are about right.")
        else:
            sentences.append("Every project in today's recommended portfolio is core.")
    if smaa_result is not None:
        sentences += smaa_result.to_sentences(names, criteria_names, top=2)
    if sensitivity_result is not None:
        sentences += sensitivity_result.to_sentences(names, criteria_names, top=2)[:3]
    if robustness is not None:
        sentences.append("Core and exterior are an SMAA-style approximation of Robust "
                         "Portfolio Modeling's core index: they hold in every sampled scenario, "
                         "which is strong evidence but not a proof for every weight in the "
                         "range.")
    return RobustnessNote(sentences)


# -- notebook parameters ------------------------------------------------------------------------


@dataclass(frozen=True)
class RobustnessParameters:
    """Checked parameters of the robustness chapter."""

    samples: int
    scenarios: int
    seed: int
    weight_spread: str
    change: float
    top_k: int
    progress: bool


def check_parameters(samples: int = 10_000, scenarios: int = 200, seed: int = 2027,
                     weight_spread: str = "executives", change: float = 0.1, top_k: int = 10,
                     progress: bool = False) -> RobustnessParameters:
    """Check the robustness chapter's parameters; raise a clear error on a bad value.

    >>> check_parameters(samples=1000).samples
    1000
    """
    samples = _count(samples, "samples", "10_000")
    scenarios = _count(scenarios, "scenarios", "200")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValidationError(f"seed: expected a whole number >= 0 (e.g. 2027), found {seed!r}.")
    spread = choose({k: k for k in WEIGHT_SPREADS}, weight_spread, what="weight spread")
    change = _share(change, "change", "0.1 for +/- 10 %", open_low=True)
    top_k = _count(top_k, "top_k", "10")
    if not isinstance(progress, bool):
        raise ValidationError(f"progress: expected True or False, found {progress!r}.")
    return RobustnessParameters(samples, scenarios, int(seed), spread, change, top_k, progress)

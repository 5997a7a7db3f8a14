"""Time scoring and full ranking of n alternatives x m criteria: ours, the floor, the limit, peers.

Usage: .venv/bin/python benchmarks/bench_scoring.py [--n 1000000] [--m 20] [--repeat 7]
           [--methods weighted_sum,topsis,weighted_product,vikor,promethee_ii] [--skip-peers]

Rows of each table (the method of /work/shared/notes/performance.md, section 1):

* limit: one read of the matrix, ``X.sum()`` and ``X @ w``; nothing can score faster.
* floor: hand-optimised numpy in this file doing the same arithmetic and the full ranking in as
  few passes over memory as it can: column statistics in cache-sized row chunks with a reshape
  trick, then per-chunk matrix-vector products; TOPSIS distances by
  ``||v - p||^2 = v.v - 2 v.p + p.p`` (about the column midpoints); ranks by one argsort.
  Run on the row-major ndarray (as in performance.md) and again on the column-major array a
  DataFrame holds.
* naive: a textbook numpy transcription.
* ours: ``seo_workbench.score`` end to end from a DataFrame (scores and ranks, its input
  validation included). The API has no separate validation step, so "front door" times a
  stand-in for one, ``df.to_numpy(float64)`` plus a separate ``np.isfinite(X).all()`` pass, and
  reports its share of ``ours``; it is an upper bound when ours checks finiteness on the way.
* pymcdm (validation on and off) and scikit-criteria (scaler + model pipeline), ndarray in,
  scores and ranks out. A peer whose call would take over ~30 s runs on fewer rows, beside a
  floor at the same size, and the table says so.

Every implementation is checked against the floor: same ranking, scores within 1e-9 of the
largest score after matching normalisation and score convention; mismatches are reported loudly
and make the exit status 1. Calls are interleaved round-robin; each row gives the median
(min-max) per call, the ratio to the floor and the tracemalloc peak of one separate call.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

import seo_workbench as seo

METHODS = ("weighted_sum", "topsis", "weighted_product", "vikor", "promethee_ii")
# The normalisation every side uses; passed to ours explicitly where the method takes one.
NORMALIZATION = {"weighted_sum": "minmax", "topsis": "vector"}
# weighted_product: ours' default is detected among these (all keep the same ranking).
WPM_NORMALIZATIONS = ("max", "sum", "vector", "none")
VIKOR_V = 0.5
TOLERANCE = 1e-9  # on scores, relative to the largest |score|
PEER_SECONDS = 30.0  # a peer slower than this per call runs on fewer rows
LANES = 128  # rows folded side by side by the reshape trick
STATS_ROWS = 8192  # rows per chunk in the statistics pass (multiple of LANES)
PASS_ROWS = 8192  # rows per chunk in the scoring pass: 1.3 MB at m = 20, about L2
MB = 1e6


# ----------------------------------------------------------------------------------- helpers


def ranks_descending(scores: np.ndarray) -> np.ndarray:
    """Rank 1 = highest score, by one argsort and one scatter."""
    order = np.argsort(scores)
    ranks = np.empty(len(scores), dtype=np.int64)
    ranks[order[::-1]] = np.arange(1, len(scores) + 1)
    return ranks


def ranks_ascending(scores: np.ndarray) -> np.ndarray:
    """Rank 1 = lowest score (VIKOR's Q)."""
    ranks = np.empty(len(scores), dtype=np.int64)
    ranks[np.argsort(scores)] = np.arange(1, len(scores) + 1)
    return ranks


class ColumnStats:
    """Column max, min, sum and sum of squares, fed one row chunk at a time.

    On a row-major chunk ``X.max(axis=0)`` runs an inner loop of m = 20 and is ~4x slower than a
    memory pass, so a chunk of a multiple of LANES rows is viewed as (rows / LANES, LANES * m)
    and reduced down its long rows; the LANES partial results per column are folded at the end.
    A column-major chunk is reduced along axis 0 as it is (its columns are contiguous).
    """

    INITIAL = {"max": -np.inf, "min": np.inf, "sum": 0.0, "sumsq": 0.0}

    def __init__(self, m: int, want: tuple[str, ...], row_major: bool):
        self.m, self.want, self.row_major = m, want, row_major
        width = LANES * m if row_major else m
        self.acc = {k: np.full(width, self.INITIAL[k]) for k in want}

    def add(self, chunk: np.ndarray) -> None:
        if self.row_major and len(chunk) % LANES == 0:
            view, acc = chunk.reshape(-1, LANES * self.m), self.acc
        else:  # column-major, or the last short row-major chunk: into the first lane
            view, acc = chunk, {k: a[:self.m] for k, a in self.acc.items()}
        for k in self.want:
            if k == "max":
                np.maximum(acc[k], view.max(axis=0), out=acc[k])
            elif k == "min":
                np.minimum(acc[k], view.min(axis=0), out=acc[k])
            elif k == "sum":
                acc[k] += view.sum(axis=0)
            else:
                acc[k] += np.einsum("ij,ij->j", view, view)

    def result(self) -> dict[str, np.ndarray]:
        if not self.row_major:
            return self.acc
        fold = {"max": np.max, "min": np.min, "sum": np.sum, "sumsq": np.sum}
        return {k: fold[k](a.reshape(LANES, self.m), axis=0) for k, a in self.acc.items()}


def column_stats(X: np.ndarray, want: tuple[str, ...]) -> dict[str, np.ndarray]:
    """One pass over X in cache-sized row chunks; see :class:`ColumnStats`."""
    stats = ColumnStats(X.shape[1], want, X.flags.c_contiguous)
    for start in range(0, len(X), STATS_ROWS):
        stats.add(X[start:start + STATS_ROWS])
    return stats.result()


def _buffer(X: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return np.empty(shape, order="C" if X.flags.c_contiguous else "F")


# -------------------------------------------------------------------------------- the floor


def floor_weighted_sum(X, w):
    """Min-max normalised weighted sum: one statistics pass, then one matrix-vector pass.

    sum_j w_j (x_ij - lo_j) / span_j = X @ (w / span) - (w / span) . lo
    """
    stats = column_stats(X, ("max", "min"))
    lo, hi = stats["min"], stats["max"]
    span = np.where(hi > lo, hi - lo, 1.0)
    a = w / span
    scores = X @ a
    scores -= a @ lo - np.where(hi > lo, 0.0, w).sum()  # a constant column scores 1 on it
    return scores, ranks_descending(scores)


def floor_topsis(X, w):
    """TOPSIS, vector normalisation: one statistics pass, one chunked distance pass.

    v_ij = a_j x_ij with a = w / ||x_j||. About the column midpoints, y = x - (max + min) / 2
    and h = (max - min) / 2, the ideal is at +h and the anti-ideal at -h, so per row
    ||v - p+-||^2 = (y*y) @ a^2 -+ 2 y @ (a^2 h) + a^2 @ h^2: two matrix-vector products on a
    chunk that stays in cache (centring keeps the digits the expansion would cancel).
    """
    n, m = X.shape
    stats = column_stats(X, ("max", "min", "sumsq"))
    a2 = w * w / stats["sumsq"]
    mid, half = (stats["max"] + stats["min"]) / 2, (stats["max"] - stats["min"]) / 2
    a2h, hh = a2 * half, a2 @ (half * half)
    scores = np.empty(n)
    buffer = _buffer(X, (PASS_ROWS, m))
    for start in range(0, n, PASS_ROWS):
        chunk = X[start:start + PASS_ROWS]
        y = np.subtract(chunk, mid, out=buffer[:len(chunk)])
        cross = y @ a2h
        cross *= 2
        np.multiply(y, y, out=y)
        square = y @ a2
        square += hh
        d_best = square - cross
        d_worst = np.add(square, cross, out=square)
        np.maximum(d_best, 0.0, out=d_best)  # rounding can take a square below zero
        np.maximum(d_worst, 0.0, out=d_worst)
        np.sqrt(d_best, out=d_best)
        np.sqrt(d_worst, out=d_worst)
        d_best += d_worst
        np.divide(d_worst, d_best, out=scores[start:start + len(chunk)])
    return scores, ranks_descending(scores)


def floor_weighted_product(X, w, normalization="max"):
    """prod_j (x_ij / d_j)^w_j = exp(log(X) @ w - w . log(d)): d needs no second pass.

    The column statistic d (max, sum or vector norm) is gathered in the same chunked pass as
    the logarithms, so the matrix is read once.
    """
    n, m = X.shape
    want = {"max": ("max",), "sum": ("sum",), "vector": ("sumsq",), "none": ()}[normalization]
    stats = ColumnStats(m, want, X.flags.c_contiguous)
    logs = np.empty(n)
    buffer = _buffer(X, (PASS_ROWS, m))
    for start in range(0, n, PASS_ROWS):
        chunk = X[start:start + PASS_ROWS]
        if want:
            stats.add(chunk)
        log = buffer[:len(chunk)]
        np.log(chunk, out=log)
        np.dot(log, w, out=logs[start:start + len(chunk)])
    if want:
        d = stats.result()[want[0]]
        logs -= w @ np.log(np.sqrt(d) if normalization == "vector" else d)
    scores = np.exp(logs, out=logs)
    return scores, ranks_descending(scores)


def floor_vikor(X, w, v=VIKOR_V):
    """VIKOR's Q (lower is better): one statistics pass, one chunked pass for S and R.

    d_ij = w_j (hi_j - x_ij) / span_j = c_j - a_j x_ij; S = sum_j d_ij, R = max_j d_ij. The
    chunk is written transposed, (m, rows), so both reductions run along contiguous rows.
    """
    n, m = X.shape
    stats = column_stats(X, ("max", "min"))
    span = stats["max"] - stats["min"]
    a = w / span
    minus_a, c = -a[:, None], (a * stats["max"])[:, None]
    S, R = np.empty(n), np.empty(n)
    buffer = np.empty((m, PASS_ROWS))
    for start in range(0, n, PASS_ROWS):
        chunk = X[start:start + PASS_ROWS]
        d = buffer[:, :len(chunk)]
        np.multiply(chunk.T, minus_a, out=d)
        d += c
        d.sum(axis=0, out=S[start:start + len(chunk)])
        d.max(axis=0, out=R[start:start + len(chunk)])
    s_lo, s_hi, r_lo, r_hi = S.min(), S.max(), R.min(), R.max()
    S -= s_lo
    S *= v / (s_hi - s_lo)
    R -= r_lo
    R *= (1 - v) / (r_hi - r_lo)
    S += R
    return S, ranks_ascending(S)


def floor_promethee_ii(X, w):
    """PROMETHEE II net flows with the usual criterion, O(m n log n) instead of O(m n^2).

    With P(d) = [d > 0], alternative i beats #{k: x_kj < x_ij} others and loses to
    #{k: x_kj > x_ij} on criterion j: two binary searches in the sorted column.
    """
    n = len(X)
    columns = np.ascontiguousarray(X.T)
    ordered = np.sort(columns, axis=1)
    flows = np.zeros(n)
    for j, (column, sorted_column) in enumerate(zip(columns, ordered)):
        below = np.searchsorted(sorted_column, column, side="left")
        above = n - np.searchsorted(sorted_column, column, side="right")
        flows += w[j] * (below - above)
    flows /= n - 1
    return flows, ranks_descending(flows)


FLOORS = {"weighted_sum": floor_weighted_sum, "topsis": floor_topsis,
          "weighted_product": floor_weighted_product, "vikor": floor_vikor,
          "promethee_ii": floor_promethee_ii}


# -------------------------------------------------------------------------- textbook numpy


def _textbook_ranks(scores):
    return (-scores).argsort().argsort() + 1


def naive_weighted_sum(X, w):
    lo, hi = X.min(axis=0), X.max(axis=0)
    scores = ((X - lo) / (hi - lo)) @ w
    return scores, _textbook_ranks(scores)


def naive_topsis(X, w):
    V = X / np.sqrt((X ** 2).sum(axis=0)) * w
    d_best = np.sqrt(((V - V.max(axis=0)) ** 2).sum(axis=1))
    d_worst = np.sqrt(((V - V.min(axis=0)) ** 2).sum(axis=1))
    scores = d_worst / (d_best + d_worst)
    return scores, _textbook_ranks(scores)


def naive_weighted_product(X, w, normalization="max"):
    d = {"max": lambda: X.max(axis=0), "sum": lambda: X.sum(axis=0),
         "vector": lambda: np.sqrt((X ** 2).sum(axis=0)), "none": lambda: 1.0}[normalization]()
    scores = np.prod((X / d) ** w, axis=1)
    return scores, _textbook_ranks(scores)


def naive_vikor(X, w, v=VIKOR_V):
    best, worst = X.max(axis=0), X.min(axis=0)
    D = w * (best - X) / (best - worst)
    S, R = D.sum(axis=1), D.max(axis=1)
    Q = v * (S - S.min()) / (S.max() - S.min()) + (1 - v) * (R - R.min()) / (R.max() - R.min())
    return Q, Q.argsort().argsort() + 1


def naive_promethee_ii(X, w):
    n = len(X)
    preference = np.zeros((n, n))
    for j in range(X.shape[1]):
        preference += w[j] * (X[:, j][:, None] - X[:, j][None, :] > 0)
    flows = (preference.sum(axis=1) - preference.sum(axis=0)) / (n - 1)
    return flows, _textbook_ranks(flows)


NAIVE = {"weighted_sum": naive_weighted_sum, "topsis": naive_topsis,
         "weighted_product": naive_weighted_product, "vikor": naive_vikor,
         "promethee_ii": naive_promethee_ii}


# -------------------------------------------------------------------------------------- peers


def pymcdm_method(method, normalization):
    from pymcdm import methods, normalizations

    def identity(x, cost=False):
        return x

    norm = {"minmax": normalizations.minmax_normalization,
            "vector": normalizations.vector_normalization,
            "max": normalizations.max_normalization, "sum": normalizations.sum_normalization,
            "none": identity}
    if method == "weighted_sum":
        return methods.WSM(normalization_function=norm[normalization])
    if method == "topsis":
        return methods.TOPSIS(normalization_function=norm[normalization])
    if method == "weighted_product":
        return methods.WPM(normalization_function=norm[normalization])
    if method == "vikor":
        return methods.VIKOR(v=VIKOR_V)  # classic VIKOR: no normalisation
    return methods.PROMETHEE_II("usual")


def pymcdm_call(method, normalization, X, w, validation):
    body = pymcdm_method(method, normalization)
    types = np.ones(X.shape[1])

    def call():
        preference = body(X, w, types, validation=validation)
        return preference, body.rank(preference)
    return call


def skcriteria_call(method, normalization, X, w):
    """scikit-criteria's pipeline on a fresh DecisionMatrix; None where it has no such method."""
    import skcriteria as skc
    from skcriteria.agg.simple import WeightedProductModel, WeightedSumModel
    from skcriteria.agg.topsis import TOPSIS
    from skcriteria.agg.vikor import VIKOR
    from skcriteria.pipelines import mkpipe
    from skcriteria.preprocessing import scalers

    scaler = {"minmax": scalers.MinMaxScaler, "vector": scalers.VectorScaler,
              "max": scalers.MaxAbsScaler, "sum": scalers.SumScaler}  # data > 0: |x| = x
    if method == "weighted_sum":
        model, score = mkpipe(scaler[normalization](target="matrix"), WeightedSumModel()), "score"
    elif method == "topsis":
        model, score = mkpipe(scaler[normalization](target="matrix"), TOPSIS()), "similarity"
    elif method == "weighted_product":
        model, score = WeightedProductModel(), "score"
        if normalization != "none":
            model = mkpipe(scaler[normalization](target="matrix"), model)
    elif method == "vikor":  # no compromise set, so that every rank is Q's rank
        model, score = VIKOR(v=VIKOR_V, use_compromise_set=False), "q_k"
    else:
        return None
    objectives = ["max"] * X.shape[1]

    def call():
        result = model.evaluate(skc.mkdm(X, objectives, weights=w))
        return np.asarray(result.e_[score]), np.asarray(result.rank_)
    return call


# ----------------------------------------------------------------------------- the harness


def identity(scores):
    return scores


@dataclass
class Impl:
    """One row of a table: a callable and what was measured of it."""

    name: str
    kind: str  # limit, floor, floor col, part, naive, ours, front door, peer
    n: int
    call: Callable[[], tuple[np.ndarray, np.ndarray] | None]
    capped: bool = True  # BLAS capped at one thread around the call
    to_floor: Callable[[np.ndarray], np.ndarray] = identity  # scores into the floor's convention
    times: list[float] = field(default_factory=list)
    peak: float | None = None
    check: str = ""
    error: str | None = None


class Bench:
    def __init__(self, controller: ThreadpoolController):
        self.controller = controller
        self.mismatches: list[str] = []

    def limited(self, impl: Impl):
        return self.controller.limit(limits=1, user_api="blas") if impl.capped else nullcontext()

    def run_once(self, impl: Impl):
        gc.collect()
        with self.limited(impl), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            started = time.perf_counter()
            out = impl.call()
            impl.times.append(time.perf_counter() - started)
        return out

    def first_call(self, impl: Impl):
        """Untimed call under tracemalloc: the peak, and the output for the check."""
        gc.collect()
        with self.limited(impl), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            tracemalloc.start()
            try:
                out = impl.call()
                impl.peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        notes = sorted({f"{w.category.__name__}: {str(w.message)[:90]}" for w in caught})
        return out, notes


def check(ref, out, to_floor) -> tuple[bool, str]:
    """Same ranking as the floor (ties aside) and scores within TOLERANCE of the largest."""
    ref_scores, ref_ranks = ref
    scores = to_floor(np.asarray(out[0], dtype=float))
    ranks = np.rint(np.asarray(out[1], dtype=float)).astype(np.int64)
    scale = np.abs(ref_scores).max() or 1.0
    if scores.shape != ref_scores.shape:
        return False, f"SHAPE MISMATCH {scores.shape} vs {ref_scores.shape}"
    deviation = np.abs(scores - ref_scores).max() / scale
    differ = np.flatnonzero(ranks != ref_ranks)
    by_rank = ref_scores[np.argsort(ref_ranks)]
    ties = (np.abs(by_rank[np.clip(ranks[differ] - 1, 0, len(by_rank) - 1)]
                   - ref_scores[differ]) <= TOLERANCE * scale)
    problems = []
    if not ties.all():
        problems.append(f"RANKING MISMATCH: {int((~ties).sum())} of {len(ranks)} ranks differ "
                        f"(first: alternative {differ[~ties][0]}, rank "
                        f"{ranks[differ[~ties][0]]} vs {ref_ranks[differ[~ties][0]]})")
    if not deviation <= TOLERANCE:
        problems.append(f"SCORE MISMATCH: max |d score| = {deviation:.1e} x max|score|")
    if problems:
        return False, "; ".join(problems)
    swaps = ""
    if len(differ):
        gap = np.abs(by_rank[ranks[differ] - 1] - ref_scores[differ]).max() / scale
        swaps = f"; ranks of {len(differ)} alternatives tied within {gap:.0e} differ"
    return True, f"ok ({deviation:.0e}{swaps})"


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def fmt_row_time(times: list[float]) -> str:
    return f"{fmt_time(statistics.median(times))} ({fmt_time(min(times))}-{fmt_time(max(times))})"


def nice_below(n: int) -> int:
    """The largest of 1, 2, 5 x 10^k not above n."""
    k = 10 ** int(np.floor(np.log10(max(n, 1))))
    return max(f * k for f in (1, 2, 5) if f * k <= n)


def make_matrix(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniform 1..10 values times a per-criterion scale 10^-2..10^3 (so normalisation matters)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(1.0, 10.0, (n, m))
    X *= 10.0 ** rng.uniform(-2, 3, m)
    w = rng.uniform(0.5, 1.5, m)
    return X, w / w.sum()


def ours_call(frame, weights, objectives, method, options):
    def call():
        result = seo.score(frame, weights, objectives, method=method, **options)
        return result.scores.to_numpy(), result.ranks.to_numpy()
    return call


def front_door(frame):
    def call():
        X = frame.to_numpy(dtype=np.float64)
        if not np.isfinite(X).all():
            raise ValueError("non-finite")
    return call


def probe_ours(method, X, w, names):
    """Run ours on a small sample: which options it takes and which convention matches ours.

    Returns (options, floor keyword arguments, to_floor, note) or raises what ours raised.
    """
    sample = X[:2000]
    frame = pd.DataFrame(sample, columns=names)
    weights, objectives = pd.Series(w, index=names), dict.fromkeys(names, "max")
    options, note = {}, ""
    if method in NORMALIZATION:
        options = {"normalization": NORMALIZATION[method]}
    try:
        out = ours_call(frame, weights, objectives, method, options)()
    except seo.UnknownChoiceError:
        raise
    except seo.ValidationError as error:
        if not options:
            raise
        note = f"ours refused normalization= ({error}); ran its default"
        options = {}
        out = ours_call(frame, weights, objectives, method, options)()
    if method == "weighted_product":
        candidates = [({"normalization": k}, identity, f"normalisation {k!r}")
                      for k in WPM_NORMALIZATIONS]
    elif method == "vikor":
        candidates = [({}, identity, "score = Q (lower is better)"),
                      ({}, lambda s: 1.0 - s, "score = 1 - Q"),
                      ({}, lambda s: -s, "score = -Q")]
    else:
        candidates = [({}, identity, "")]
    for kwargs, to_floor, label in candidates:
        ok, _ = check(FLOORS[method](sample, w, **kwargs), out, to_floor)
        if ok:
            if label:
                note = "; ".join(filter(None, [note, f"ours matches the floor with {label}"]))
            return options, kwargs, to_floor, note
    kwargs, to_floor, label = candidates[0]
    note = "; ".join(filter(None, [note, f"NO CONVENTION MATCHED ours on a 2,000-row sample; "
                                         f"comparing with {label or 'the floor as is'}"]))
    return options, kwargs, to_floor, note


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def print_machine(controller: ThreadpoolController, args) -> None:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    print(f"machine: {platform.machine()} {model}, {os.cpu_count()} CPUs "
          f"({len(os.sched_getaffinity(0))} usable), load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"pymcdm {package_version('pymcdm')}, scikit-criteria "
          f"{package_version('scikit-criteria')}, seo-workbench {seo.__version__}")
    for lib in controller.info():
        print(f"BLAS: {lib.get('internal_api')} {lib.get('version')} "
              f"({lib.get('architecture')}), {lib.get('num_threads')} threads by default "
              f"(OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')})")
    print("threads: limit, floor, naive and peers run under threadpoolctl "
          "limit(limits=1, user_api='blas'); 'ours' runs with whatever the library sets, and "
          "'ours, BLAS capped' under the same limit")
    source = Path(seo.scoring.__file__)
    digest = hashlib.sha1(source.read_bytes()).hexdigest()[:12]
    dirty = subprocess.run(["git", "status", "--porcelain", str(source)], capture_output=True,
                           text=True, cwd=source.parent).stdout.strip()
    print(f"measured: {source.name} sha1 {digest} "
          f"({'modified in the working tree' if dirty else 'as committed'}), "
          f"methods registered: {', '.join(seo.SCORING_METHODS)}")
    print(f"method: {args.repeat} interleaved rounds per table after one untimed traced call; "
          f"median (min-max) per call; memory = tracemalloc peak of that call")


# ------------------------------------------------------------------------------ one table


def bench_method(bench: Bench, method: str, X: np.ndarray, w: np.ndarray, args,
                 blas_default: int) -> dict:
    n, m = X.shape
    names = [f"c{j:02d}" for j in range(m)]
    frame = pd.DataFrame(X, columns=names)  # pandas keeps this column-major
    columnar = frame.to_numpy(dtype=np.float64)
    weights, objectives = pd.Series(w, index=names), dict.fromkeys(names, "max")
    label = {"weighted_sum": "weighted sum, min-max", "topsis": "TOPSIS, vector normalisation",
             "weighted_product": "weighted product", "vikor": f"VIKOR, v = {VIKOR_V}",
             "promethee_ii": "PROMETHEE II, usual criterion"}[method]
    notes: list[str] = []
    print(f"\n## {method} ({label}): {n:,} x {m}, input {X.nbytes / MB:.0f} MB")

    floor_kwargs, ours = {}, []
    try:
        options, floor_kwargs, to_floor, note = probe_ours(method, X, w, names)
        if note:
            notes.append(note)
        shown = ", ".join(f"{k}={v!r}" for k, v in options.items()) or "its defaults"
        notes.append(f"ours called with {shown}")
        ours = [Impl("ours", "ours", n, ours_call(frame, weights, objectives, method, options),
                     capped=False, to_floor=to_floor)]
        if blas_default > 1:
            ours.append(Impl("ours, BLAS capped at 1", "ours", n,
                             ours_call(frame, weights, objectives, method, options),
                             to_floor=to_floor))
        ours.append(Impl("ours' front door (to_numpy + isfinite)", "front door", n,
                         front_door(frame), capped=False))
    except seo.UnknownChoiceError:
        print(f"ours: {method!r} not available in seo_workbench (UnknownChoiceError)")
    except Exception as error:
        print(f"ours: {method!r} failed on a 2,000-row sample: {type(error).__name__}: {error}")
    normalization = floor_kwargs.get("normalization", NORMALIZATION.get(method, "max"))
    if method == "weighted_product":
        notes.append(f"normalisation on every side: {normalization!r}")

    impls: list[Impl] = []
    if method != "promethee_ii":  # an O(m n^2) method has no one-pass bound
        impls += [Impl("limit: X.sum()", "limit", n, lambda: (X.sum(), None)),
                  Impl("limit: X @ w", "limit", n, lambda: (X @ w, None)),
                  Impl("limit: X @ w, column-major", "limit", n, lambda: (columnar @ w, None))]
    floor = FLOORS[method]
    impls.append(Impl("floor", "floor", n, lambda: floor(X, w, **floor_kwargs)))
    if method != "promethee_ii":
        impls.append(Impl("floor, column-major (the DataFrame's array)", "floor col", n,
                          lambda: floor(columnar, w, **floor_kwargs)))
    scores = floor(X, w, **floor_kwargs)[0]
    rank = ranks_ascending if method == "vikor" else ranks_descending
    impls.append(Impl("floor: its ranking step alone", "part", n, lambda: (rank(scores), None)))
    naive = NAIVE[method]
    impls.append(Impl("naive numpy", "naive", n, lambda: naive(X, w, **floor_kwargs)))
    impls += ours

    if not args.skip_peers:
        peers = [(f"pymcdm, validation={flag}", identity,
                  lambda rows, flag=flag: pymcdm_call(method, normalization, rows, w, flag))
                 for flag in (False, True)]
        if method == "promethee_ii":
            notes.append("scikit-criteria has no PROMETHEE")
        else:  # its weighted product scores are sum_j w_j log10(r_ij)
            peers.append(("scikit-criteria pipeline",
                          (lambda s: 10.0 ** s) if method == "weighted_product" else identity,
                          lambda rows: skcriteria_call(method, normalization, rows, w)))
        exponent = 2 if method == "promethee_ii" else 1
        probe_n = min(n, 1000 if exponent == 2 else 10_000)
        for name, to_floor, make in peers:
            try:  # the first call pays imports: time the second
                with bench.controller.limit(limits=1, user_api="blas"), \
                        warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    make(X[:100])()
                    started = time.perf_counter()
                    make(X[:probe_n])()
                    estimate = (time.perf_counter() - started) * (n / probe_n) ** exponent
            except Exception as error:
                print(f"{name}: failed on {probe_n:,} rows: {type(error).__name__}: {error}")
                continue
            n_peer = n
            if estimate > PEER_SECONDS:
                n_peer = nice_below(int(n * (PEER_SECONDS / estimate) ** (1 / exponent)))
                notes.append(f"{name}: ~{estimate:.0f} s per call estimated at {n:,} rows, so "
                             f"it runs on the first {n_peer:,} rows (compare with the floor "
                             f"at that size)")
            impls.append(Impl(name, "peer", n_peer, make(X[:n_peer]), to_floor=to_floor))

    for size in sorted({i.n for i in impls} - {n}):
        impls.insert(impls.index(next(i for i in impls if i.kind == "floor")) + 1,
                     Impl(f"floor at {size:,} rows", "floor", size,
                          lambda size=size: floor(X[:size], w, **floor_kwargs)))

    references = {}
    for impl in impls:
        try:
            out, caught = bench.first_call(impl)
        except Exception as error:
            impl.error = f"{type(error).__name__}: {error}"
            bench.mismatches.append(f"{method}: {impl.name}: {impl.error}")
            continue
        if impl.kind == "floor" and impl.n not in references:
            references[impl.n] = out
        if impl.kind in ("limit", "front door", "part"):
            impl.check = "-"
        else:
            ok, impl.check = check(references[impl.n], out, impl.to_floor)
            if not ok:
                bench.mismatches.append(f"{method}: {impl.name}: {impl.check}")
        if caught:
            notes.append(f"{impl.name} warned: {' | '.join(caught)}")
    live = [i for i in impls if i.error is None]
    for _ in range(args.repeat):
        for impl in live:
            bench.run_once(impl)

    floor_at = {i.n: statistics.median(i.times) for i in live if i.kind == "floor"}
    floor_col = next((statistics.median(i.times) for i in live if i.kind == "floor col"), None)
    print("| implementation | rows | median (min-max) per call | x floor | x floor col-major "
          "| peak MB | x input | check |")
    print("|---|---|---|---|---|---|---|---|")
    for impl in impls:
        if impl.error:
            print(f"| {impl.name} | {impl.n:,} | ERROR {impl.error[:80]} | | | | | |")
            continue
        median = statistics.median(impl.times)
        ratio = f"{median / floor_at[impl.n]:.2f}" if impl.n in floor_at else ""
        ratio_col = f"{median / floor_col:.2f}" if floor_col and impl.n == n else ""
        size = impl.n * m * 8
        print(f"| {impl.name} | {impl.n:,} | {fmt_row_time(impl.times)} | {ratio} | {ratio_col} "
              f"| {impl.peak / MB:.1f} | {impl.peak / size:.2f} | {impl.check} |")
    for note in notes:
        print(f"* {note}")
    return {"method": method, "n": n, "m": m, "impls": live, "floor_at": floor_at,
            "floor_col": floor_col, "input": X.nbytes}


# --------------------------------------------------------------------------------- verdict


def verdict(results: list[dict]) -> None:
    """PASS/FAIL where performance.md / the issue set a target; the other numbers for reading."""
    print("\n## ours against the targets")
    print("(targets: weighted sum and TOPSIS within 1.5x of the floor, >= 10x faster than pymcdm "
          "and scikit-criteria, extra memory < 0.5x the input, front door < 20% of the call; "
          "PROMETHEE II at 5,000 x 20 under 5 s; '-' = no target, shown for reading)")
    for r in results:
        by_name = {i.name: i for i in r["impls"]}
        ours = by_name.get("ours")
        if ours is None:
            print(f"* {r['method']}: ours not available")
            continue
        targeted = r["method"] in ("weighted_sum", "topsis")
        t_ours = statistics.median(ours.times)
        lines = []
        ratio = t_ours / r["floor_at"][r["n"]]
        col = f", {t_ours / r['floor_col']:.2f}x the column-major floor" if r["floor_col"] else ""
        lines.append(("within 1.5x of the floor", ratio <= 1.5 if targeted else None,
                      f"{ratio:.2f}x{col}"))
        if r["method"] == "promethee_ii":
            lines.append(("under 5 s per call", t_ours <= 5.0, fmt_time(t_ours)))
        for impl in r["impls"]:
            if impl.kind != "peer":
                continue
            if impl.n == r["n"]:
                speedup = statistics.median(impl.times) / t_ours
            else:  # compare through the floor at the peer's size
                speedup = (statistics.median(impl.times) / r["floor_at"][impl.n]) / ratio
            lines.append((f">= 10x faster than {impl.name}", speedup >= 10 if targeted else None,
                          f"{speedup:.1f}x" + ("" if impl.n == r["n"] else
                                               " (via the floor ratio at its size)")))
        share = ours.peak / r["input"]
        lines.append(("extra memory < 0.5x input", share < 0.5 if targeted else None,
                      f"{ours.peak / MB:.1f} MB = {share:.2f}x"))
        door = by_name.get("ours' front door (to_numpy + isfinite)")
        if door:
            part = statistics.median(door.times) / t_ours
            lines.append(("front door (validation proxy) < 20% of ours",
                          part < 0.2 if targeted else None,
                          f"{fmt_time(statistics.median(door.times))} = {100 * part:.0f}%"))
        print(f"* {r['method']} ({r['n']:,} x {r['m']}): ours {fmt_row_time(ours.times)}")
        for what, ok, value in lines:
            mark = "-" if ok is None else ("PASS" if ok else "FAIL")
            print(f"  - {mark} {what}: {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="alternatives")
    parser.add_argument("--m", type=int, default=20, help="criteria")
    parser.add_argument("--repeat", type=int, default=7, help="interleaved rounds per table")
    parser.add_argument("--methods", default=",".join(METHODS),
                        help="comma-separated subset of " + ", ".join(METHODS))
    parser.add_argument("--promethee-n", type=int, default=5_000,
                        help="alternatives for PROMETHEE II (O(n^2) pairwise comparisons)")
    parser.add_argument("--skip-peers", action="store_true", help="no pymcdm, scikit-criteria")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    methods = [s.strip() for s in args.methods.split(",") if s.strip()]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        parser.error(f"unknown methods {unknown}; choose from {', '.join(METHODS)}")

    controller = ThreadpoolController()
    blas_default = max((lib.get("num_threads", 1) for lib in controller.info()
                        if lib.get("user_api") == "blas"), default=1)
    print_machine(controller, args)
    X, w = make_matrix(max(args.n, args.promethee_n), args.m, args.seed)
    print(f"data: {args.n:,} x {args.m} float64, uniform 1..10 times a per-criterion scale "
          f"10^-2..10^3, seed {args.seed}; all criteria 'max'; weights uniform 0.5..1.5, "
          f"normalised")
    bench, results = Bench(controller), []
    for method in methods:
        size = args.promethee_n if method == "promethee_ii" else args.n
        results.append(bench_method(bench, method, X[:size], w, args, blas_default))
    verdict(results)
    if bench.mismatches:
        print("\n!!! MISMATCHES AGAINST THE FLOOR !!!")
        for line in bench.mismatches:
            print(f"!!! {line}")
        sys.exit(1)
    print("\nall implementations agree with the floor (ranking, scores within 1e-9)")


if __name__ == "__main__":
    main()

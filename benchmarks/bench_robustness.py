"""Time SMAA-2 and portfolio robustness: ours, a numpy floor, pyrepo-mcda, a Dask cluster.

Usage: .venv/bin/python benchmarks/bench_robustness.py [--samples 10000] [--m 500] [--n 10]
           [--repeat 5] [--peer-samples 300] [--scenarios 200] [--skip-peer] [--skip-portfolio]

Rows (the method of /work/shared/notes/performance.md, section 2):

* floor: hand-written numpy in this file: weights in chunks of 1,000 samples, scores by one
  matrix product per chunk (TOPSIS: D+-^2 = W^2 @ ((R - R+-)^2)^T, two products), a full
  argsort per sample, rank counts by bincount, central weights by bincount; BLAS on one thread.
* ours: ``seo_workbench.robustness.smaa`` end to end from a DataFrame (checks, weight
  sampling, tie handling, central weights, confidence factors, the result's tables).
* peer: pyrepo-mcda's ``VIKOR_SMAA``, the only Python SMAA we know of, on the same matrix and
  the same weights. It loops in Python over samples (and over alternatives inside), so it runs
  on ``--peer-samples`` samples and its time per sample is extrapolated to ``--samples``; the
  table says so. Its rank acceptabilities are checked against ours on the same weights.

Then portfolio robustness on the bundled sample workbook: ``--scenarios`` weight scenarios
within the executives' spread, each a full portfolio solve, on the default local process pool
(one worker per CPU) and on a local Dask cluster (two worker processes, one thread each) through
``client.get_executor()``; both must classify every project the same way.

Each in-process row: median (min-max) of ``--repeat`` interleaved calls, the ratio to the floor,
and the tracemalloc peak of one separate call.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
import warnings
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

import seo_workbench as seo
from seo_workbench import robustness as rb

CHUNK = 1000


def floor_smaa(X: np.ndarray, maximise: np.ndarray, W: np.ndarray, method: str):
    """Rank acceptability and central weights, chunked numpy, no checks and no ties."""
    m = X.shape[0]
    low, high = X.min(axis=0), X.max(axis=0)
    if method == "weighted_sum":
        R = np.where(maximise, (X - low) / (high - low), (high - X) / (high - low))
        RT = np.ascontiguousarray(R.T)
    else:
        norm = np.sqrt((X * X).sum(axis=0))
        R = X / norm
        ideal = np.where(maximise, R.max(axis=0), R.min(axis=0))
        anti = np.where(maximise, R.min(axis=0), R.max(axis=0))
        P = np.ascontiguousarray(np.square(R - ideal).T)
        N = np.ascontiguousarray(np.square(R - anti).T)
    counts = np.zeros(m * m, dtype=np.int64)
    central = np.zeros((m, W.shape[1]))
    positions = np.arange(m)
    for start in range(0, len(W), CHUNK):
        w = W[start:start + CHUNK]
        if method == "weighted_sum":
            S = w @ RT
        else:
            w2 = w * w
            d_plus, d_minus = np.sqrt(w2 @ P), np.sqrt(w2 @ N)
            S = d_minus / (d_plus + d_minus)
        order = np.argsort(S, axis=1)[:, ::-1]
        index = order * m
        index += positions
        counts += np.bincount(index.ravel(), minlength=m * m)
        first = order[:, 0]
        for j in range(w.shape[1]):
            central[:, j] += np.bincount(first, weights=w[:, j], minlength=m)
    acceptability = counts.reshape(m, m) / len(W)
    wins = acceptability[:, 0] * len(W)
    with np.errstate(invalid="ignore"):
        return acceptability, central / wins[:, None]


def timed(fn, repeat: int):
    times = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def peak_mb(fn) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def interleaved(calls: dict, repeat: int) -> dict:
    times = {name: [] for name in calls}
    for _ in range(repeat):
        for name, fn in calls.items():
            times[name] += timed(fn, 1)
    return times


def describe(times) -> str:
    return (f"{statistics.median(times) * 1e3:,.0f} ms ({min(times) * 1e3:,.0f}-"
            f"{max(times) * 1e3:,.0f})")


def package(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def bench_smaa(args) -> list[str]:
    rng = np.random.default_rng(2027)
    criteria = [f"c{j}" for j in range(args.n)]
    X = rng.uniform(1, 100, (args.m, args.n))
    maximise = np.array([j % 3 != 2 for j in range(args.n)])  # every third criterion a cost
    matrix = pd.DataFrame(X, columns=criteria, index=[f"A{i:04d}" for i in range(args.m)])
    objectives = {c: ("max" if up else "min") for c, up in zip(criteria, maximise)}
    W = rb.sample_weights(criteria, args.samples, seed=1).to_numpy()
    blas = ThreadpoolController()

    def floor(method):
        with blas.limit(limits=1, user_api="blas"):
            return floor_smaa(X, maximise, W, method)

    def ours(method):
        return rb.smaa(matrix, objectives, method, samples=args.samples, seed=1)

    # Same weights: ours draws from seed 1 exactly as sample_weights does.
    for method in ("weighted_sum", "topsis"):
        mine, (want, central) = ours(method), floor(method)
        assert np.array_equal(mine.weights.to_numpy(), W)
        gap = np.abs(mine.rank_acceptability.to_numpy() - want).max()
        cgap = np.nanmax(np.abs(mine.central_weights.to_numpy() - central))
        print(f"check {method}: max |acceptability - floor| = {gap:.1e}, "
              f"central weights {cgap:.1e}")
        assert gap < 1e-12 and cgap < 1e-12, f"{method}: ours and the floor disagree"

    calls = {"floor weighted_sum": lambda: floor("weighted_sum"),
             "ours weighted_sum": lambda: ours("weighted_sum"),
             "floor topsis": lambda: floor("topsis"),
             "ours topsis": lambda: ours("topsis"),
             "ours vikor": lambda: ours("vikor")}
    ours("vikor")  # warm up
    times = interleaved(calls, args.repeat)
    peaks = {name: peak_mb(fn) for name, fn in calls.items()}
    medians = {name: statistics.median(t) for name, t in times.items()}
    rows = [f"SMAA-2, {args.samples:,} weight samples x {args.m} alternatives x {args.n} "
            f"criteria, full ranking per sample", "",
            "| implementation | time per call | x floor | tracemalloc peak |", "|---|---|---|---|"]
    for name, t in times.items():
        method = name.split()[-1]
        base = medians.get(f"floor {method}")
        ratio = f"{medians[name] / base:.2f}" if base else "-"
        rows.append(f"| {name} | {describe(t)} | {ratio} | {peaks[name]:.0f} MB |")

    if not args.skip_peer:
        try:
            from pyrepo_mcda.mcda_methods import VIKOR_SMAA
        except ImportError:
            rows.append("| pyrepo-mcda VIKOR_SMAA | not installed (pip install pyrepo-mcda) |"
                        " | |")
        else:
            k = args.peer_samples
            types = np.where(maximise, 1, -1)
            peer = VIKOR_SMAA()
            started = time.perf_counter()
            acceptability, _, _ = peer(X, W[:k], types)
            seconds = time.perf_counter() - started
            per_sample = seconds / k
            whole = per_sample * args.samples
            problem = rb._problem(matrix, objectives, "vikor", {})
            tally = rb._RankTally(args.m, args.n)
            tally.add(rb._Kernel(problem)(W[:k]), W[:k])
            gap = np.abs(tally.acceptability(k) - acceptability).max()
            vikor = medians["ours vikor"]
            rows.append(f"| pyrepo-mcda {package('pyrepo-mcda')} VIKOR_SMAA | "
                        f"{per_sample * 1e3:.2f} ms per sample, timed on {k} samples: "
                        f"{whole:,.1f} s extrapolated to {args.samples:,} | - | - |")
            rows += ["", f"pyrepo-mcda against ours on the same {k} weights: max |acceptability "
                         f"difference| = {gap:.1e}",
                     f"ours VIKOR is {whole / vikor:,.0f}x faster than pyrepo-mcda's VIKOR_SMAA "
                     f"(same method); ours weighted sum "
                     f"{whole / medians['ours weighted_sum']:,.0f}x and TOPSIS "
                     f"{whole / medians['ours topsis']:,.0f}x."]
    rows += ["", "Targets: ours within 2x of the floor, peak under 100 MB, at least 50x faster "
                 "than pyrepo-mcda."]
    for method in ("weighted_sum", "topsis"):
        ratio = medians[f"ours {method}"] / medians[f"floor {method}"]
        ok = ratio <= 2 and peaks[f"ours {method}"] < 100
        rows.append(f"- {method}: {ratio:.2f}x the floor, peak {peaks[f'ours {method}']:.0f} MB:"
                    f" {'met' if ok else 'NOT MET'}")
    return rows


def bench_portfolio(args) -> list[str]:
    warnings.simplefilter("ignore", seo.WorkbenchWarning)
    model = seo.read_workbook(seo.sample_workbook())
    bounds = rb.weight_bounds_from(model.alignment())
    rows = ["", f"Portfolio robustness, {args.scenarios} scenarios on the sample workbook "
                f"({len(model.projects)} projects), weights within the executives' spread", "",
            "| executor | workers | wall time | per scenario | core / borderline / exterior |",
            "|---|---|---|---|---|"]
    started = time.perf_counter()
    local = rb.portfolio_robustness(model, scenarios=args.scenarios, seed=1,
                                    weight_bounds=bounds)
    wall = time.perf_counter() - started
    rows.append(f"| local process pool (default) | {local.workers} | {wall:.1f} s | "
                f"{wall / args.scenarios * 1e3:.0f} ms | {len(local.core)} / "
                f"{len(local.borderline)} / {len(local.exterior)} |")
    try:
        import distributed
    except ImportError:
        rows.append("| Dask | not installed (pip install distributed) | | | |")
        return rows
    cluster_started = time.perf_counter()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        startup = time.perf_counter() - cluster_started
        started = time.perf_counter()
        on_dask = rb.portfolio_robustness(model, scenarios=args.scenarios, seed=1,
                                          weight_bounds=bounds, executor=client.get_executor())
        wall_dask = time.perf_counter() - started
    same = on_dask.projects.equals(local.projects)
    rows.append(f"| Dask LocalCluster, client.get_executor() | {on_dask.workers} | "
                f"{wall_dask:.1f} s (+{startup:.1f} s cluster start) | "
                f"{wall_dask / args.scenarios * 1e3:.0f} ms | {len(on_dask.core)} / "
                f"{len(on_dask.borderline)} / {len(on_dask.exterior)} |")
    rows += ["", f"Same classification and shares on both executors: {same}.",
             f"Target: {args.scenarios} scenarios under 60 s on two cores: "
             f"{'met' if wall < 60 else 'NOT MET'} (local pool)."]
    if not same:
        rows.append("MISMATCH between the executors")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--m", type=int, default=500)
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--peer-samples", type=int, default=300)
    parser.add_argument("--scenarios", type=int, default=200)
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--skip-portfolio", action="store_true")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, numpy {np.__version__}, seo-workbench "
          f"{package('seo-workbench')}, load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    rows = bench_smaa(args)
    if not args.skip_portfolio:
        rows += bench_portfolio(args)
    print("\n".join(rows))
    return 1 if any("NOT MET" in r or "MISMATCH" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())

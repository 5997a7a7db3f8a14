"""Where the time goes on 500-project portfolios at a 0.1 % gap: finding the portfolio or proof.

Usage: .venv/bin/python benchmarks/bench_hardness.py [--n 500] [--seeds 0,1,2,3]
       [--random-seeds 1,2,3] [--gap 0.001] [--near 0.0002] [--best-time 120]

For each instance (``tests/generate.py`` with performance.md's rule kinds, instance seed *s*):

* *best*: HiGHS run to a zero gap for ``--best-time`` seconds: the best portfolio known and the
  bound it leaves (equal when proven optimal). The LP relaxation's excess over it is the
  instance's LP gap, the usual measure of how hard a knapsack-like instance is.
* *select_portfolio*: the product's path to ``--gap`` (build included).
* *HiGHS, random seed r*: highspy on the same matrix with the options the product uses for a
  loose gap, once per ``--random-seeds``: total time, and the time its first portfolio within
  ``--near`` of the best was found (from HiGHS' improving-solution callback). When that time
  is close to the total, the run was waiting for a portfolio, not for a proof.
* *proof from best*: the same run handed the best portfolio as its start, with the product's
  heuristics and with HiGHS' sub-MIP heuristics (RINS, RENS, root reduced cost) off: the time
  the proof alone takes, i.e. what a perfect heuristic would leave.

Runs in one process, one after another. Prints Markdown.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import highspy
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_portfolio import header, highs_model, model_matrix, read_model
from conftest import write_csv_workbook
from generate import PERFORMANCE, generate_sheets

import seo_workbench as seo
from seo_workbench import portfolio

SUB_MIPS_OFF = {"mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False,
                "mip_heuristic_run_root_reduced_cost": False}


def run(data: dict, gap: float, time_limit: float, options: dict, start=None) -> dict:
    """One HiGHS run on the matrix; the improving portfolios' values with their times."""
    with portfolio._quiet():  # the banner
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(highs_model(data))
    h.setOptionValue("mip_rel_gap", gap)
    h.setOptionValue("time_limit", float(time_limit))
    for key, value in options.items():
        h.setOptionValue(key, value)
    found: list[tuple[float, float]] = []
    started = time.perf_counter()

    def improving(event):
        x = np.asarray(event.data_out.mip_solution) > 0.5
        found.append((time.perf_counter() - started, float(data["value"][x].sum())))

    h.cbMipImprovingSolution += improving
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value = start.astype(float).tolist()
        solution.value_valid = True
        h.setSolution(solution)
    h.run()
    seconds = time.perf_counter() - started
    info = h.getInfo()
    x = np.asarray(h.getSolution().col_value) > 0.5
    return {"seconds": seconds, "x": x, "value": float(data["value"][x].sum()),
            "bound": float(info.mip_dual_bound), "gap": float(info.mip_gap),
            "nodes": int(info.mip_node_count), "found": found,
            "optimal": h.getModelStatus() == highspy.HighsModelStatus.kOptimal}


def lp_value(data: dict) -> float:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp = highs_model(data)
    lp.integrality_ = [highspy.HighsVarType.kContinuous] * lp.num_col_
    h.passModel(lp)
    h.run()
    x = np.asarray(h.getSolution().col_value)
    return float(data["value"] @ x)


def when_near(found, best: float, near: float) -> float | None:
    return next((t for t, v in found if v >= best * (1 - near)), None)


def fmt(x, spec=".2f") -> str:
    return "–" if x is None else format(x, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--seeds", default="0,1,2,3")
    parser.add_argument("--random-seeds", default="1,2,3")
    parser.add_argument("--gap", type=float, default=0.001)
    parser.add_argument("--near", type=float, default=0.0002,
                        help="a portfolio this close (relative) to the best counts as found")
    parser.add_argument("--best-time", type=float, default=120.0)
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    random_seeds = [int(s) for s in args.random_seeds.split(",")]
    loose = {"mip_heuristic_effort": portfolio._HEURISTIC_EFFORT}
    print("\n".join([f"## Finding against proving: {args.n} projects to a {args.gap:.1%} gap",
                     ""] + header() + [
        f"- instances: tests/generate.py (PERFORMANCE), seeds {args.seeds}; best = HiGHS to "
        f"a zero gap for {args.best_time:g} s; near = within {args.near:.3%} of the best", ""]),
        flush=True)
    rows, summary = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            folder = Path(tmp) / f"s{seed}"
            write_csv_workbook(folder, generate_sheets(args.n, seed=seed, **PERFORMANCE))
            model = read_model(folder)
            data = model_matrix(model, args.gap)
            best = run(data, 0.0, args.best_time, {})
            top = best["value"]
            lp = lp_value(data)
            started = time.perf_counter()
            result = seo.select_portfolio(model, gap=args.gap, time_limit=args.time_limit)
            ours = time.perf_counter() - started
            tries = [run(data, args.gap, args.time_limit, {**loose, "random_seed": r})
                     for r in random_seeds]
            proof = run(data, args.gap, args.time_limit, loose, start=best["x"])
            bare = run(data, args.gap, args.time_limit, SUB_MIPS_OFF, start=best["x"])
            label = "optimum" if best["optimal"] else f"best, bound {best['bound']:,.0f}"
            rows.append(
                f"| {seed} | {top:,.0f} ({label}) | {(lp - top) / top:.3%} | {ours:.2f} "
                f"({result.value / top:.4%}) | "
                + "; ".join(f"{t['seconds']:.1f} / "
                            f"{fmt(when_near(t['found'], top, args.near), '.1f')}" for t in tries)
                + f" | {proof['seconds']:.2f} | {bare['seconds']:.2f} "
                f"({bare['nodes']:,} nodes) |")
            summary.append((ours, [t["seconds"] for t in tries],
                            [when_near(t["found"], top, args.near) for t in tries],
                            bare["seconds"]))
            print(f"<!-- seed {seed} done -->", file=sys.stderr, flush=True)
    print("\n".join([
        "| seed | best value | LP gap | select_portfolio s (value / best) | HiGHS per random "
        "seed: total s / near-best found at s | proof from best s | proof from best, sub-MIPs "
        "off s |", "|---|---|---|---|---|---|---|", *rows, ""]))
    totals = [s for _, ts, _, _ in summary for s in ts]
    lags = [t - f for _, ts, fs, _ in summary for t, f in zip(ts, fs) if f is not None]
    proofs = [b for *_, b in summary]
    print(f"- select_portfolio: {', '.join(f'{o:.1f}' for o, *_ in summary)} s; under 5 s on "
          f"{sum(o < 5 for o, *_ in summary)} of {len(summary)} instances")
    print(f"- HiGHS runs: median {np.median(totals):.1f} s (range {min(totals):.1f}-"
          f"{max(totals):.1f}); they ended a median {np.median(lags) if lags else float('nan'):.1f}"
          f" s after their first near-best portfolio")
    print(f"- proof alone from the best portfolio: {', '.join(f'{p:.2f}' for p in proofs)} s")


if __name__ == "__main__":
    main()

"""Solve OR-Library's Chu-Beasley instances with the selection model and compare with the optima.

Usage: .venv/bin/python benchmarks/solve_mknapcb1.py [--instances 5] [--solver HiGHS]

Each instance (100 projects, 5 constraints read as 5 periods' budgets) goes through the real
reader (a CSV folder workbook) and ``select_portfolio``; the table gives build+solve time, status
and the gap to the published optimum (Chu and Beasley 1998; optima in mknapcb1-optima.txt).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import REFERENCE, knapsack_sheets, read_or_library, write_csv_workbook

import seo_workbench as seo


def instances():
    lines = (REFERENCE / "mknapcb1-optima.txt").read_text().splitlines()
    optima = [float(line.split()[1]) for line in lines if line.strip() and line[0] != "#"]
    for k, (values, weights, capacities, _) in enumerate(read_or_library("mknapcb1.txt")):
        yield k, values, weights, capacities, optima[k] if k < len(optima) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=5)
    parser.add_argument("--solver", default="HiGHS")
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args()
    print(f"{'inst':>4} {'seconds':>8} {'status':>13} {'value':>9} {'optimum':>9} {'gap %':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for k, values, weights, caps, optimum in instances():
            if k >= args.instances:
                break
            folder = write_csv_workbook(Path(tmp) / f"i{k}", knapsack_sheets(values, weights,
                                                                           caps))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", seo.WorkbenchWarning)
                model = seo.read_workbook(folder)
            started = time.perf_counter()
            result = seo.select_portfolio(model, solver=args.solver, gap=1e-4,
                                          time_limit=args.time_limit)
            seconds = time.perf_counter() - started
            gap = 100 * (optimum - result.value) / optimum if optimum else float("nan")
            print(f"{k:>4} {seconds:8.2f} {result.status:>13} {result.value:9.0f} "
                  f"{optimum or 0:9.0f} {gap:7.3f}")


if __name__ == "__main__":
    main()

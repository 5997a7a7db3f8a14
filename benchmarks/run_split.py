"""Time one quarterly run on the bundled sample and split it into its stages.

Usage: .venv/bin/python benchmarks/run_split.py [--repeat 3]

Each repeat runs the real command (`seo-workbench run`) in a fresh process, then reads the
timings the run recorded in its manifest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGES = ("kernel_start_seconds", "computation_seconds", "html_seconds", "total_seconds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quarter", default="2027Q1")
    args = parser.parse_args()
    command = Path(sys.executable).with_name("seo-workbench")
    rows = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(args.repeat):
            started = time.perf_counter()
            subprocess.run([str(command), "run", "--quarter", args.quarter, "--out", out],
                           check=True, capture_output=True)
            wall = time.perf_counter() - started
            newest = max(Path(out, args.quarter).iterdir(), key=lambda p: p.stat().st_mtime)
            manifest = json.loads((newest / "manifest.json").read_text())
            rows.append({**{k: manifest["timings"][k] for k in STAGES}, "wall_seconds": wall,
                         "papermill_seconds": manifest["chapters"][0]["papermill_seconds"]})
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {args.repeat} runs, median (min-max)")
    for key in ("wall_seconds", "papermill_seconds", *STAGES):
        values = [r[key] for r in rows]
        print(f"  {key:22s} {statistics.median(values):6.2f} s  "
              f"({min(values):.2f}-{max(values):.2f})")


if __name__ == "__main__":
    main()

"""Time the full quarterly board pack on the bundled sample and split it into its stages.

Usage: .venv/bin/python benchmarks/run_split.py [--repeat 3] [--pdf]

Each repeat runs the real command (`seo-workbench run`) in a fresh process, as a scheduler
would, after a 2026Q4 run so the quarterly review has a quarter to compare with, then reads
the timings the run recorded in its manifest.json. Reported: wall time of the command, the
kernel start (first chapter; later chapters reuse the kernel), computation inside the
notebooks, rendering (chapter pages on a thread meanwhile, then the whole pack), the PDF, and
the sizes of what was written.
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

STAGES = ("kernel_start_seconds", "computation_seconds", "chapter_pages_seconds",
          "html_seconds", "pdf_seconds", "total_seconds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quarter", default="2027Q1")
    parser.add_argument("--pdf", action="store_true", help="also print the PDF")
    args = parser.parse_args()
    command = Path(sys.executable).with_name("seo-workbench")
    sample_2026q4 = Path(__file__).resolve().parents[1] / "seo_workbench/data/sample_2026q4"
    rows, sizes = [], {}
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([str(command), "run", "--quarter", "2026Q4", "--workbook",
                        str(sample_2026q4), "--out", out], check=True, capture_output=True)
        for _ in range(args.repeat):
            started = time.perf_counter()
            subprocess.run([str(command), "run", "--quarter", args.quarter, "--out", out,
                            *(["--pdf"] if args.pdf else [])], check=True, capture_output=True)
            wall = time.perf_counter() - started
            newest = max(Path(out, args.quarter).iterdir(), key=lambda p: p.stat().st_mtime)
            manifest = json.loads((newest / "manifest.json").read_text())
            chapters = manifest["chapters"]
            rows.append({**{k: manifest["timings"].get(k, float("nan")) for k in STAGES},
                         "wall_seconds": wall,
                         "first_kernel_start_seconds": chapters[0]["kernel_start_seconds"],
                         **{f"{c['notebook'][:2]}_computation_seconds": c["computation_seconds"]
                            for c in chapters}})
            sizes = {p.relative_to(newest).as_posix(): p.stat().st_size
                     for p in sorted(newest.rglob("*")) if p.is_file()
                     and (p.suffix in (".html", ".pdf"))}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {args.repeat} runs of {args.quarter}, median (min-max)")
    for key in rows[0]:
        values = [r[key] for r in rows]
        print(f"  {key:30s} {statistics.median(values):6.2f} s  "
              f"({min(values):.2f}-{max(values):.2f})")
    print("sizes:")
    for name, size in sizes.items():
        print(f"  {name:40s} {size / 1e6:6.2f} MB")


if __name__ == "__main__":
    main()

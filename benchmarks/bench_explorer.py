"""Trade-off explorer latency per event, headless (no browser).

Usage: .venv/bin/python benchmarks/bench_explorer.py [--repeat 15] [--small 60] [--large 200]
       [--gap 0.01]

Workbooks come from ``tests/generate.py`` (``generate_sheets(n, seed=0, **PERFORMANCE)``),
with the sample's six criteria and seeded random scores added (uniform 1..5, two decimals;
settings 'value' = 'score', so the weights move the portfolio), written as CSV folders. The
explorer re-optimises at a 1 % gap (``--gap``), the interactive setting: a proven optimum
(gap 1e-6) on 200 projects takes about 8 s per solve here.

Events are driven through the widgets' traitlets, as an analyst's browser would, and timed
with ``perf_counter``:

* *re-score and redraw* (--small projects): what every weight event costs before any solve:
  ``score`` on the cached matrix, the ranking table, ``value_cost_chart`` and its
  ``to_dict()`` (the Vega-Lite spec the browser receives). Target < 150 ms.
* *weight event*: a weight slider moved, including the re-optimisation (and the second solve
  without the forced decisions). Reported for both sizes.
* *re-optimise* (--large projects): a budget-scale event, which re-solves the portfolio and the
  portfolio without forced decisions (the frontier is not recomputed). Target < 1 s.
* *display-only* event (rows shown): no solve.

From ``widgets.DRAFT_FROM`` projects the explorer answers first at ``widgets.DRAFT_GAP`` and
refines to the gap in the background. For those, each event starts with nothing running and
two times are reported: to the *first answer* (the event returns, the display shows the
portfolio and its certified gap) and until it is *refined* (``Explorer.wait()``), with notes on
the first answers' certified gaps and how far their value fell short of the refined one. A
further row moves the budget again at once, interrupting each refinement, as a fast analyst
does.

Median and worst of --repeat events. Prints Markdown.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import write_csv_workbook  # noqa: E402
from generate import PERFORMANCE, generate_sheets  # noqa: E402

import seo_workbench as seo  # noqa: E402
from seo_workbench.widgets import DRAFT_FROM, DRAFT_GAP, Explorer  # noqa: E402


def _model(n: int, folder: Path) -> seo.PortfolioModel:
    sheets = generate_sheets(n, seed=0, **PERFORMANCE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        criteria = seo.read_workbook(seo.sample_workbook()).to_sheets()["criteria"]
        rng = np.random.default_rng(0)
        scores = pd.DataFrame(rng.uniform(1, 5, size=(n, len(criteria))).round(2),
                              columns=list(criteria["criterion_id"]))
        scores.insert(0, "project_id", sheets["projects"]["project_id"].to_numpy())
        settings = sheets["settings"].copy()
        settings.loc[settings["key"] == "value", "value"] = "score"
        sheets.update(settings=settings, criteria=criteria, scores=scores)
        return seo.read_workbook(write_csv_workbook(folder / f"n{n}", sheets))


def _time(event, repeat: int, explorer: Explorer | None = None) -> list[float]:
    """Seconds per event; with *explorer*, each event starts with no refinement running."""
    times = []
    for i in range(repeat):
        if explorer is not None:
            explorer.wait()
        clock = time.perf_counter()
        event(i)
        times.append(time.perf_counter() - clock)
    return times


def _drafted(event, repeat: int, explorer: Explorer) -> tuple[list, list, list, list]:
    """Per event: seconds to the first answer, seconds to the refined one, the first answer's
    certified gap and how far its value lies below the refined value (fractions)."""
    first, refined, gaps, short = [], [], [], []
    for i in range(repeat):
        explorer.wait()
        clock = time.perf_counter()
        event(i)
        first.append(time.perf_counter() - clock)
        draft = explorer.portfolio
        explorer.wait()
        refined.append(time.perf_counter() - clock)
        gaps.append(draft.gap or 0.0)
        final = explorer.portfolio.objective
        short.append(max(0.0, (final - draft.objective) / final))
    return first, refined, gaps, short


def _row(name: str, n: int, times: list[float], target: float | None, solves: str) -> str:
    med, worst = statistics.median(times) * 1e3, max(times) * 1e3
    met = "" if target is None else ("yes" if med < target * 1e3 else "**no**")
    goal = "" if target is None else f"< {target * 1e3:.0f}"
    return f"| {name} | {n} | {med:.0f} | {worst:.0f} | {goal} | {met} | {solves} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--small", type=int, default=60)
    parser.add_argument("--large", type=int, default=200)
    parser.add_argument("--gap", type=float, default=0.01)
    args = parser.parse_args()
    print(f"Machine: {platform.platform()}, Python {platform.python_version()}, "
          f"seo-workbench {seo.__version__}; solver gap {args.gap:g}, draft gap "
          f"{DRAFT_GAP:g} from {DRAFT_FROM} projects\n")
    print("| event | projects | median ms | worst ms | target ms | met | solves per event |")
    print("|---|---|---|---|---|---|---|")
    notes = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (args.small, args.large):
            explorer = Explorer(_model(n, Path(tmp)), frontier_levels=0, gap=args.gap)
            criteria = list(explorer.weights.index)
            if n == args.small:
                def redraw(i, e=explorer, c=criteria):
                    e.weights = seo.weights.rebalance(e.weights, c[i % len(c)],
                                                      0.1 + 0.02 * (i % 10))
                    e.ranking = seo.score(e._matrix, e.weights, e._objectives,
                                          method=e.method.value)
                    e._draw()
                    e.chart.to_dict()
                print(_row("re-score and redraw (chart to_dict)", n,
                           _time(redraw, args.repeat), 0.150, "0"))

            def weight(i, e=explorer, c=criteria):
                e.weight_sliders[c[i % len(c)]].value = 0.1 + 0.02 * (i % 10)

            def budget(i, e=explorer):
                e.budget_scale.value = 0.8 + 0.05 * (i % 8)

            target = 1.0 if n == args.large else None
            for name, event, goal in (("weight slider (re-score, re-optimise, redraw)", weight,
                                       None), ("budget scale (re-optimise)", budget, target)):
                before = explorer.solves
                if not explorer.drafting:
                    times = _time(event, args.repeat)
                    print(_row(name, n, times, goal,
                               f"{(explorer.solves - before) / args.repeat:.1f}"))
                    continue
                first, refined, gaps, short = _drafted(event, args.repeat, explorer)
                solves = f"{(explorer.solves - before) / args.repeat:.1f}"
                print(_row(f"{name}: first answer", n, first, goal, solves))
                print(_row(f"{name}: refined to the {args.gap:g} gap", n, refined, None, ""))
                notes.append(f"{name}, {n} projects: first answers certified within a median "
                             f"{statistics.median(gaps):.2%} (worst {max(gaps):.2%}); their "
                             f"value lay a median {statistics.median(short):.2%} (worst "
                             f"{max(short):.2%}) below the refined portfolio's.")
            if explorer.drafting:  # moves faster than the refinements: each one interrupted
                times = _time(budget, args.repeat)
                explorer.wait()
                print(_row("budget scale, moved again at once (refinements interrupted)", n,
                           times, None, ""))
            before = explorer.solves
            times = _time(lambda i, e=explorer: setattr(e.rows, "value", 5 + i % 10),
                          args.repeat, explorer)
            print(_row("rows shown (display only)", n, times, None,
                       f"{(explorer.solves - before) / args.repeat:.1f}"))
            clock = time.perf_counter()
            with_frontier = Explorer(explorer.model, frontier_levels=9, gap=args.gap)
            opened = time.perf_counter() - clock
            with_frontier.wait()
            print(f"| open with the 9-level frontier (1 % gap) | {n} | {opened * 1e3:.0f} | "
                  f"| | | {with_frontier.solves} + frontier |")
            if with_frontier.drafting:
                print(f"| ... and refined | {n} | {(time.perf_counter() - clock) * 1e3:.0f} "
                      "| | | | |")
    print()
    for note in notes:
        print(f"* {note}")


if __name__ == "__main__":
    main()

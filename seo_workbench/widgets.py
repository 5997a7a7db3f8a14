"""The trade-off explorer: ipywidgets controls wired to the package's functions.

Widgets compute nothing themselves: weights come from :func:`~seo_workbench.weights.rebalance`
and :func:`~seo_workbench.weights.from_model`, scores from :func:`~seo_workbench.score`, the
portfolio from :func:`~seo_workbench.select_portfolio`, forced decisions from
:func:`~seo_workbench.scenario.force` and charts from :mod:`~seo_workbench.charts`.

Work is incremental. The workbook is read and validated once; a weight or method change only
re-scores. The portfolio is re-optimised only when the selection can change (different values,
budget or forced decisions), and the efficient frontier only when the values or the forced
decisions change (a budget change moves the current point along it). Large portfolios answer
first at a looser, stated gap and are refined in the background (see ``Explorer``), so a
slider never freezes the screen for the seconds a proof can take.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import threading
import time
import weakref
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from . import charts
from .errors import InfeasiblePortfolioError, WorkbenchError
from .frontier import BUDGET
from .frontier import frontier as compute_frontier
from .pool import local_threads, on_threads
from .portfolio import DEFAULT_GAP, TIE_BREAK_GAP, PortfolioResult, interrupted_by, select_portfolio
from .scenario import DECISIONS, Scenario, compare_settings, force, save_scenario
from .scoring import SCORING_METHODS, score
from .weights import WEIGHTING_METHODS, from_model, rebalance
from .workbook import PortfolioModel, read_workbook, sample_workbook

__all__ = ["Explorer"]

FRONTIER_GAP = 0.01
# A re-optimisation of a large portfolio answers first at this gap and then refines to the
# explorer's gap in the background. On 200 projects (benchmarks/bench_explorer.py) HiGHS
# certifies 2 % at the root node in about 0.3 s, while the proof of 1 % took a median 1.4 s
# and up to 5.7 s: the root's cuts close the gap to about 1.1 %, and the last tenth of a
# per cent needs a portfolio within 0.05 % of the optimum, which HiGHS' sub-MIP heuristics
# take seconds to find.
DRAFT_GAP = 0.02
DRAFT_FROM = 100  # projects; smaller portfolios are proven to the gap at once
WORKING = "working\u2026"


def _show(output: widgets.Output, obj) -> None:
    """Put *obj* in *output* when a kernel is there to render it; headless, keep it only."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return
    shell = get_ipython()
    if shell is None:
        return
    # Set as the widget's outputs rather than displayed inside ``with output:``, which only
    # captures in the thread that runs the cell: the refinement redraws from its own thread.
    data, metadata = shell.display_formatter.format(obj)
    output.outputs = ({"output_type": "display_data", "data": data, "metadata": metadata},)


_EXPLORERS: weakref.WeakSet = weakref.WeakSet()  # those that may be refining


def _stop_all() -> None:
    """Interrupt running refinements when the interpreter stops.

    A refinement's second solve runs on a pool thread, which the interpreter waits for at
    exit: uninterrupted, a script that ends while the explorer refines would hang until
    that solve's time limit.
    """
    for explorer in list(_EXPLORERS):
        explorer._stop_refining()


# threading's exit hooks run before the interpreter joins its threads (atexit's run after);
# concurrent.futures registers its own the same way.
getattr(threading, "_register_atexit", atexit.register)(_stop_all)


def _solve(stop: threading.Event | None, *args, **options) -> PortfolioResult:
    """``select_portfolio``, interrupted once *stop* is set (in whichever thread it runs)."""
    with interrupted_by(stop) if stop is not None else contextlib.nullcontext():
        return select_portfolio(*args, **options)


class Explorer:
    """Weights, method, budget and forced decisions as controls; ranking and portfolio follow.

    Parameters
    ----------
    model
        A validated :class:`~seo_workbench.workbook.PortfolioModel`.
    weighting, method
        Starting weighting method (a key of ``weights.WEIGHTING_METHODS``) and scoring method.
    start, solver, time_limit, gap
        As for :func:`~seo_workbench.select_portfolio`. The default gap proves each portfolio
        optimal. A saved scenario keeps the gap, so the quarterly run finds the same
        portfolio.
    budget_scale
        Starting budget scale.
    frontier_levels
        Budget levels of the efficient frontier (0: no frontier).
    draft_gap, draft_from
        With HiGHS and at least *draft_from* projects, each re-optimisation answers first at
        *draft_gap* (None: never), shown at once with its certified gap, and then refines to
        *gap* in a background thread, which redraws when done and is interrupted by the next
        change of setting. ``wait()`` blocks until the refinement is done (headless use).

    Attributes
    ----------
    weights, ranking, portfolio, unforced, value_lost, frontier, change
        The current results: criteria weights, ``ScoreResult``, ``PortfolioResult`` (None when
        infeasible), the portfolio without forced decisions, the value the forced decisions
        cost, the ``FrontierResult`` and the :class:`~seo_workbench.scenario.SettingChange`.
    solves, frontiers, refines
        How many portfolios and frontiers were computed (each re-optimisation solves once, or
        twice when decisions are forced, for the draft and again for the refinement) and how
        many refinements were completed and shown.
    """

    def __init__(self, model: PortfolioModel, *, weighting: str = "direct",
                 method: str = "weighted_sum", start: str | None = None,
                 solver: str = "HiGHS", budget_scale: float = 1.0,
                 time_limit: float | None = 60.0, gap: float = DEFAULT_GAP,
                 frontier_levels: int = 9, draft_gap: float | None = DRAFT_GAP,
                 draft_from: int = DRAFT_FROM):
        self.model = model
        self.draft_gap, self.draft_from = draft_gap, draft_from
        self._lock = threading.RLock()  # the display, shared with the refinement thread
        self._refiner: tuple[threading.Thread, threading.Event] | None = None
        self._before: tuple = (None, None)
        self.refines = 0
        _EXPLORERS.add(self)
        self.start, self.solver, self.time_limit, self.gap = start, solver, time_limit, gap
        self.frontier_levels = frontier_levels
        # Read once: rescoring reuses these and never touches the workbook again.
        self._matrix = model.scores
        self._objectives = model.objectives
        self._projects = model.projects
        self._quiet = False
        self.solves = self.frontiers = 0
        self.ranking = self.portfolio = self.unforced = self.frontier = self.change = None
        self.value_lost = 0.0
        self._solved_key = self._frontier_key = None
        self.weights = from_model(model, weighting)

        self.status = widgets.HTML()
        self.weight_sliders = {
            c: widgets.FloatSlider(value=float(self.weights[c]), min=0.0, max=1.0, step=0.001,
                                   readout_format=".3f", description=str(c),
                                   continuous_update=False,
                                   style={"description_width": "140px"})
            for c in self.weights.index}
        self.locks = {c: widgets.Checkbox(value=False, description="lock", indent=False,
                                          layout=widgets.Layout(width="70px"))
                      for c in self.weights.index}
        self.weighting = widgets.Dropdown(options=list(WEIGHTING_METHODS), value=weighting,
                                          description="weighting")
        self.method = widgets.Dropdown(options=list(SCORING_METHODS), value=method,
                                       description="method")
        self.budget_scale = widgets.FloatSlider(value=budget_scale, min=0.5, max=1.5,
                                                step=0.05, description="budget scale",
                                                continuous_update=False,
                                                style={"description_width": "100px"})
        self.rows = widgets.IntSlider(value=15, min=5, max=len(self._projects),
                                      description="rows shown")
        decisions = self._projects["decision"]
        reasons = self._projects["decision_reason"].fillna("")
        self.decisions = {p: widgets.Dropdown(options=list(DECISIONS), value=decisions[p],
                                              description=str(p),
                                              layout=widgets.Layout(width="220px"))
                          for p in self._projects.index}
        self.reasons = {p: widgets.Text(value=str(reasons[p]), placeholder="reason when forced",
                                        layout=widgets.Layout(width="460px"))
                        for p in self._projects.index}
        self.ranking_table = widgets.HTML()
        self.value_lost_text = widgets.HTML()
        self.changes_text = widgets.HTML()
        self.chart_output = widgets.Output()
        self.frontier_output = widgets.Output()

        for c, slider in self.weight_sliders.items():
            slider.observe(lambda change, c=c: self._on_weight(c, change["new"]), "value")
        self.weighting.observe(self._on_weighting, "value")
        self.method.observe(lambda change: self.refresh(), "value")
        self.budget_scale.observe(lambda change: self.refresh(), "value")
        for control in self.decisions.values():
            control.observe(lambda change: self.refresh(), "value")
        self.rows.observe(lambda change: self._draw_table(), "value")
        self.app = self._layout()
        self.refresh()

    @classmethod
    def from_workbook(cls, path: str | Path = "", **options) -> Explorer:
        """An explorer on the workbook at *path* (empty: the bundled sample)."""
        return cls(read_workbook(path or sample_workbook()), **options)

    def _layout(self) -> widgets.Widget:
        weights = widgets.VBox([widgets.HBox([self.weight_sliders[c], self.locks[c]])
                                for c in self.weight_sliders])
        choices = widgets.VBox([self.weighting, self.method, self.budget_scale, self.rows])
        forced = widgets.VBox([widgets.HBox([self.decisions[p], self.reasons[p]])
                               for p in self.decisions])
        decisions = widgets.Accordion(children=[forced], titles=("Forced decisions",))
        outputs = widgets.Tab(children=[
            widgets.VBox([self.changes_text, self.ranking_table]), self.chart_output,
            widgets.VBox([self.value_lost_text, self.frontier_output])],
            titles=("Ranking", "Value against cost", "Frontier and forced decisions"))
        return widgets.VBox([self.status, widgets.HBox([weights, choices]), decisions,
                             self.changes_text, outputs])

    def _repr_mimebundle_(self, **kwargs):
        return self.app._repr_mimebundle_(**kwargs)

    @property
    def forced(self) -> dict[str, tuple[str, str]]:
        """Project -> (decision, reason) where the controls differ from the workbook."""
        workbook = self._projects["decision"]
        return {p: (c.value, self.reasons[p].value) for p, c in self.decisions.items()
                if c.value != workbook[p]}

    @property
    def forced_model(self) -> PortfolioModel:
        """The model with the controls' forced decisions."""
        return force(self.model, self.forced)

    def _set_weights(self, weights: pd.Series) -> None:
        self.weights = weights
        self._quiet = True
        try:
            for c, slider in self.weight_sliders.items():
                slider.value = float(weights[c])
        finally:
            self._quiet = False

    def _on_weight(self, criterion: str, value: float) -> None:
        if self._quiet:
            return
        locked = [c for c, box in self.locks.items() if box.value]
        self._set_weights(rebalance(self.weights, criterion, value, locked))
        self.refresh()

    def _on_weighting(self, change) -> None:
        try:
            weights = from_model(self.model, change["new"])
        except WorkbenchError as exc:
            self.status.value = f"<b>Weighting not available:</b> {exc}"
            return
        self._set_weights(weights.reindex(self.weights.index).fillna(0.0))
        self.refresh()

    def refresh(self) -> None:
        """Re-score; re-optimise if the selection can change; redraw."""
        self._stop_refining()
        ranks_before = None if self.ranking is None else self.ranking.ranks
        selected_before = None if self.portfolio is None else self.portfolio.selected
        self.ranking = score(self._matrix, self.weights, self._objectives,
                             method=self.method.value)
        values = self.model.project_values(self.ranking)
        forced = self.forced
        decisions = tuple(sorted((p, d) for p, (d, _) in forced.items()))
        key = (tuple(values.round(12)), float(self.budget_scale.value), decisions)
        self._before = (ranks_before, selected_before)
        if key != self._solved_key:
            self._optimise(values, key)
        with self._lock:
            self._show_change()
            self._draw()

    def _show_change(self) -> None:
        if self.portfolio is not None:
            self.change = compare_settings(*self._before, self.ranking.ranks,
                                           self.portfolio.selected)
            self.changes_text.value = f"<i>{self.change.sentence()}</i>"

    @property
    def drafting(self) -> bool:
        """Whether re-optimisations answer first at ``draft_gap`` and refine in the background."""
        return (self.draft_gap is not None and self.draft_gap > self.gap
                and len(self._projects) >= self.draft_from and on_threads(self.solver))

    @property
    def refining(self) -> bool:
        """Whether a refinement to ``gap`` is running in the background."""
        return self._refiner is not None and self._refiner[0].is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the background refinement (if any) is done; False if *timeout* passed."""
        if self._refiner is not None:
            self._refiner[0].join(timeout)
        return not self.refining

    def _stop_refining(self) -> None:
        """Interrupt a refinement the next setting makes unwanted (HiGHS stops within ms)."""
        if self._refiner is not None:
            thread, stop = self._refiner
            stop.set()
            thread.join()
            self._refiner = None

    def _solve_pair(self, model: PortfolioModel, values: pd.Series, key: tuple, gap: float,
                    reuse: tuple | None = None, stop: threading.Event | None = None
                    ) -> tuple[PortfolioResult, PortfolioResult]:
        """The portfolio with the forced decisions and the one without them.

        *reuse* holds the draft pair: a draft already within *gap* is kept. Setting *stop*
        interrupts the solves (see :func:`~seo_workbench.portfolio.interrupted_by`). The two are
        independent models and solve side by side where the solver allows (one HiGHS thread
        each; measured faster on 200 projects in benchmarks/bench_explorer.py).
        """
        decisions = model.projects["decision"]
        forced_groups = [f"{d}:{p}" for p, d in decisions.items() if d in ("must", "must_not")]
        solve = functools.partial(_solve, stop, model, values, budget_scale=key[1], gap=gap,
                                  start=self.start, solver=self.solver,
                                  time_limit=self.time_limit)

        def good(result):
            return result is not None and result.gap is not None and result.gap <= gap

        kept, kept_unforced = reuse or (None, None)
        side_by_side = bool(forced_groups) and on_threads(self.solver) and not (
            good(kept) or good(kept_unforced))
        with contextlib.ExitStack() as stack:
            threads = stack.enter_context(local_threads(1)) if side_by_side else None
            unforced = threads.submit(solve, drop=forced_groups) if threads else None
            if good(kept):
                portfolio = kept
            else:
                self.solves += 1
                portfolio = solve()
            if not forced_groups:
                return portfolio, portfolio
            if unforced is not None:
                self.solves += 1
                return portfolio, unforced.result()
            if good(kept_unforced):
                return portfolio, kept_unforced
            self.solves += 1
            return portfolio, solve(drop=forced_groups)

    def _optimise(self, values: pd.Series, key: tuple) -> None:
        self.status.value = f"<b>{WORKING}</b> re-optimising the portfolio"
        clock = time.perf_counter()
        model = self.forced_model
        draft = self.drafting
        try:
            pair = self._solve_pair(model, values, key, self.draft_gap if draft else self.gap)
        except InfeasiblePortfolioError as exc:
            self.portfolio = self.unforced = None
            self._solved_key = key
            self.status.value = f"<b>No feasible portfolio.</b> {exc}"
            return
        self._publish(pair)
        frontier_key = (key[0], key[2])
        frontier_due = bool(self.frontier_levels) and frontier_key != self._frontier_key
        if frontier_due and not draft:
            self.frontier, self._frontier_key = self._frontier_of(model, values), frontier_key
            self.frontiers += 1
        self._solved_key = key
        seconds = time.perf_counter() - clock
        unproven = any(r.gap is None or r.gap > self.gap for r in pair)
        if draft and (unproven or frontier_due):
            if frontier_due:  # the frontier of other values would mislead: drawn when done
                self.frontier = None
                self.frontier_output.outputs = ()
            target = ("a proven optimum" if self.gap <= TIE_BREAK_GAP
                      else f"a {self.gap:.2%} gap")
            work = " and ".join(([f"refining to {target}"] if unproven else [])
                                + (["computing the frontier"] if frontier_due else []))
            self.status.value = self._ready(f"solved in {seconds:.2f} s",
                                            "First answer" if unproven else "Ready",
                                            then=f"; <b>{WORKING}</b> {work}")
            stop = threading.Event()
            thread = threading.Thread(
                target=self._refine, name="seo-explorer-refine", daemon=True,
                args=(model, values, key, pair if unproven else None,
                      frontier_key if frontier_due else None, stop))
            self._refiner = (thread, stop)
            thread.start()
        else:
            self.status.value = self._ready(f"solved in {seconds:.2f} s")

    def _frontier_of(self, model: PortfolioModel, values: pd.Series):
        # One level after another in the calling thread, so a refinement can interrupt it.
        return compute_frontier(model, values, levels=self.frontier_levels, gap=FRONTIER_GAP,
                                workers=1, start=self.start, solver=self.solver,
                                time_limit=self.time_limit)

    def _publish(self, pair: tuple[PortfolioResult, PortfolioResult]) -> None:
        self.portfolio, self.unforced = pair
        self.value_lost = (0.0 if self.unforced is self.portfolio else
                           max(0.0, self.unforced.objective - self.portfolio.objective))

    def _ready(self, how: str, label: str = "Ready", then: str = "") -> str:
        p = self.portfolio
        gap = "proven optimal" if p.gap is not None and p.gap <= TIE_BREAK_GAP else (
            "gap unknown" if p.gap is None else f"within {p.gap:.2%} of the best possible")
        return (f"{label}: {len(p.selected)} projects funded, value {p.objective:.3f} ({gap}), "
                f"cost {p.cost:,.0f} {p.currency} ({how}){then}.")

    def _refine(self, model: PortfolioModel, values: pd.Series, key: tuple,
                draft: tuple | None, frontier_key: tuple | None, stop: threading.Event) -> None:
        """The background half of a drafted re-optimisation.

        Both portfolios to ``gap`` (when *draft* is given), then the efficient frontier (when
        *frontier_key* is given), each shown when done unless *stop* was set meanwhile.
        """
        clock = time.perf_counter()
        try:
            if draft is not None:
                pair = self._solve_pair(model, values, key, self.gap, reuse=draft, stop=stop)
                with self._lock:
                    if stop.is_set():  # superseded: the next setting owns the display
                        return
                    self.refines += 1
                    self._publish(pair)
                    self.status.value = self._ready(
                        f"refined in a further {time.perf_counter() - clock:.2f} s",
                        then=f"; <b>{WORKING}</b> computing the frontier" if frontier_key else "")
                    self._show_change()
                    self._draw()
            if frontier_key is not None:
                with interrupted_by(stop):
                    frontier = self._frontier_of(model, values)
                with self._lock:
                    if stop.is_set():
                        return
                    self.frontier, self._frontier_key = frontier, frontier_key
                    self.frontiers += 1
                    done = "refined and frontier computed" if draft else "frontier computed"
                    self.status.value = self._ready(
                        f"{done} in a further {time.perf_counter() - clock:.2f} s")
                    self._draw()
        except WorkbenchError as exc:
            with self._lock:
                if not stop.is_set():
                    self.status.value = f"<b>The background work stopped.</b> {exc}"

    def _draw_table(self) -> None:
        with self._lock:
            self._table()

    def _table(self) -> None:
        frame = self.ranking.to_frame()[["score", "rank"]].join(self._projects["name"])
        if self.portfolio is not None:
            frame = frame.join(self.portfolio.projects[["cost", "selected", "decision"]])
        frame = frame.sort_values("rank").head(self.rows.value)
        self.ranking_table.value = frame.to_html(float_format="{:.3f}".format)

    def _draw(self) -> None:
        self._table()
        if self.portfolio is None:
            return
        self.chart = charts.value_cost_chart(self.portfolio)
        _show(self.chart_output, self.chart)
        lost = (f"Forced decisions cost <b>{self.value_lost:.3f}</b> of value "
                f"(best without them: {self.unforced.objective:.3f}; with them: "
                f"{self.portfolio.objective:.3f})." if self.unforced is not self.portfolio
                else "No decisions are forced.")
        self.value_lost_text.value = lost
        if self.frontier is not None:
            budget = float(self.frontier.proposed[BUDGET]) * float(self.budget_scale.value)
            self.frontier_chart = charts.frontier_chart(
                self.frontier, current=(budget, self.portfolio.objective))
            _show(self.frontier_output, self.frontier_chart)

    def to_scenario(self, name: str, notes: str = "") -> Scenario:
        """The current settings as a :class:`~seo_workbench.scenario.Scenario`."""
        return Scenario(name=name, weights={str(c): float(w) for c, w in self.weights.items()},
                        weighting=self.weighting.value, method=self.method.value,
                        budget_scale=float(self.budget_scale.value), forced=self.forced,
                        solver=self.solver, gap=self.gap, notes=notes)

    def save_scenario(self, path: str | Path, name: str, notes: str = "") -> Path:
        """Write the current settings to *path* (YAML) for ``seo-workbench run --scenario``."""
        return save_scenario(self.to_scenario(name, notes), path)

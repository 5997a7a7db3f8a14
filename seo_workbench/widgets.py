"""The trade-off explorer: ipywidgets controls wired to the package's functions.

Widgets compute nothing themselves: weights come from :func:`~seo_workbench.weights.rebalance`
and :func:`~seo_workbench.weights.from_model`, scores from :func:`~seo_workbench.score`, the
portfolio from :func:`~seo_workbench.select_portfolio`, forced decisions from
:func:`~seo_workbench.scenario.force` and charts from :mod:`~seo_workbench.charts`.

Work is incremental. The workbook is read and validated once; a weight or method change only
re-scores. The portfolio is re-optimised only when the selection can change (different values,
budget or forced decisions), and the efficient frontier only when the values or the forced
decisions change (a budget change moves the current point along it).
"""

from __future__ import annotations

import contextlib
import functools
import time
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from . import charts
from .errors import InfeasiblePortfolioError, WorkbenchError
from .frontier import BUDGET
from .frontier import frontier as compute_frontier
from .pool import local_threads, on_threads
from .portfolio import DEFAULT_GAP, select_portfolio
from .scenario import DECISIONS, Scenario, compare_settings, force, save_scenario
from .scoring import SCORING_METHODS, score
from .weights import WEIGHTING_METHODS, from_model, rebalance
from .workbook import PortfolioModel, read_workbook, sample_workbook

__all__ = ["Explorer"]

FRONTIER_GAP = 0.01
WORKING = "working\u2026"


def _show(output: widgets.Output, obj) -> None:
    """Put *obj* in *output* when a kernel is there to render it; headless, keep it only."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return
    if get_ipython() is None:
        return
    from IPython.display import display

    with output:
        output.clear_output(wait=True)
        display(obj)


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
        optimal; on 200 projects and more, ``gap=0.01`` keeps a re-optimisation under a second
        (``benchmarks/bench_explorer.py``). A saved scenario keeps the gap, so the quarterly
        run finds the same portfolio.
    budget_scale
        Starting budget scale.
    frontier_levels
        Budget levels of the efficient frontier (0: no frontier).

    Attributes
    ----------
    weights, ranking, portfolio, unforced, value_lost, frontier, change
        The current results: criteria weights, ``ScoreResult``, ``PortfolioResult`` (None when
        infeasible), the portfolio without forced decisions, the value the forced decisions
        cost, the ``FrontierResult`` and the :class:`~seo_workbench.scenario.SettingChange`.
    solves, frontiers
        How many portfolios and frontiers were computed (each re-optimisation solves once, or
        twice when decisions are forced).
    """

    def __init__(self, model: PortfolioModel, *, weighting: str = "direct",
                 method: str = "weighted_sum", start: str | None = None,
                 solver: str = "HiGHS", budget_scale: float = 1.0,
                 time_limit: float | None = 60.0, gap: float = DEFAULT_GAP,
                 frontier_levels: int = 9):
        self.model = model
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
        ranks_before = None if self.ranking is None else self.ranking.ranks
        selected_before = None if self.portfolio is None else self.portfolio.selected
        self.ranking = score(self._matrix, self.weights, self._objectives,
                             method=self.method.value)
        values = self.model.project_values(self.ranking)
        forced = self.forced
        decisions = tuple(sorted((p, d) for p, (d, _) in forced.items()))
        key = (tuple(values.round(12)), float(self.budget_scale.value), decisions)
        if key != self._solved_key:
            self._optimise(values, key)
        if self.portfolio is not None:
            self.change = compare_settings(ranks_before, selected_before, self.ranking.ranks,
                                           self.portfolio.selected)
            self.changes_text.value = f"<i>{self.change.sentence()}</i>"
        self._draw()

    def _optimise(self, values: pd.Series, key: tuple) -> None:
        self.status.value = f"<b>{WORKING}</b> re-optimising the portfolio"
        clock = time.perf_counter()
        model = self.forced_model
        options = dict(start=self.start, solver=self.solver, time_limit=self.time_limit)
        decisions = model.projects["decision"]
        forced_groups = [f"{d}:{p}" for p, d in decisions.items() if d in ("must", "must_not")]
        solve = functools.partial(select_portfolio, model, values, budget_scale=key[1],
                                  gap=self.gap, **options)
        # The portfolio without its forced decisions is an independent model: the two solve
        # side by side where the solver allows, at any size (two solves, measured faster on
        # 200 projects in benchmarks/bench_explorer.py).
        side_by_side = bool(forced_groups) and on_threads(self.solver)
        with contextlib.ExitStack() as stack:
            threads = stack.enter_context(local_threads(1)) if side_by_side else None
            unforced = threads.submit(solve, drop=forced_groups) if threads else None
            try:
                self.solves += 1
                self.portfolio = solve()
            except InfeasiblePortfolioError as exc:
                self.portfolio = self.unforced = None
                self._solved_key = key
                self.status.value = f"<b>No feasible portfolio.</b> {exc}"
                return
            if forced_groups:
                self.solves += 1
                self.unforced = (unforced.result() if unforced is not None
                                 else solve(drop=forced_groups))
                self.value_lost = max(0.0, self.unforced.objective - self.portfolio.objective)
            else:
                self.unforced, self.value_lost = self.portfolio, 0.0
        frontier_key = (key[0], key[2])
        if self.frontier_levels and frontier_key != self._frontier_key:
            self.frontiers += 1
            self.frontier = compute_frontier(model, values, levels=self.frontier_levels,
                                             gap=FRONTIER_GAP, workers=1, **options)
            self._frontier_key = frontier_key
        self._solved_key = key
        p = self.portfolio
        self.status.value = (f"Ready: {len(p.selected)} projects funded, value {p.objective:.3f}, "
                             f"cost {p.cost:,.0f} {p.currency} "
                             f"(solved in {time.perf_counter() - clock:.2f} s).")

    def _draw_table(self) -> None:
        frame = self.ranking.to_frame()[["score", "rank"]].join(self._projects["name"])
        if self.portfolio is not None:
            frame = frame.join(self.portfolio.projects[["cost", "selected", "decision"]])
        frame = frame.sort_values("rank").head(self.rows.value)
        self.ranking_table.value = frame.to_html(float_format="{:.3f}".format)

    def _draw(self) -> None:
        self._draw_table()
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

"""What changed since last quarter, and why: entrants, exits and rank movers, each with its cause.

Two quarters' inputs differ in several ways at once. :func:`compare_quarters` walks from the
earlier quarter's inputs to this quarter's, swapping one group of inputs at a time in a fixed
order and solving the full portfolio model (exactly, to a tiny gap) after each swap:

1. ``horizon``: the planning horizon rolls forward (last quarter's data, this quarter's
   periods; a period only one quarter's plan covers takes that quarter's figures);
2. ``competitors``: projects proposed since, and projects withdrawn or finished;
3. ``constraints``: budgets, capacity, the total budget, the number of projects, dependencies,
   groups, theme limits, start windows and the board's must / must-not decisions;
4. ``costs``: each project's costs and resource demand (and whether it is in flight);
5. ``scores``: each project's scores on the criteria (and its benefit estimate);
6. ``weights``: the criteria weights.

The world first (what is on the table and what limits it), then the projects' own numbers,
and the board's priorities last, so that the last step shows what the change in priorities did
given everything else. The order matters when causes interact; it is stated in every result
(:attr:`QuarterChangeResult.order`) and can be changed with ``order=``. Each project that
enters or leaves the portfolio is attributed to the step that settled its final state, and a
rank mover to the step that moved it furthest in the direction it moved overall. The changes
in portfolio value over the steps add up to the whole change: a waterfall.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from .errors import InfeasiblePortfolioError, ValidationError, WorkbenchWarning
from .pool import local_threads, on_threads
from .portfolio import select_portfolio
from .scoring import score
from .weights import from_model
from .workbook import PortfolioModel

__all__ = ["CAUSES", "QuarterChangeResult", "changes_since", "compare_quarters",
           "describe_changes"]

#: The groups of inputs, in the default order of the walk, with the words the board reads.
CAUSES: Mapping[str, str] = MappingProxyType({
    "horizon": "the planning horizon moved on",
    "competitors": "new and withdrawn projects",
    "constraints": "budgets, capacity and rules",
    "costs": "costs and resource needs",
    "scores": "scores and benefit estimates",
    "weights": "criteria weights",
})

STEP, CAUSE, VALUE, CHANGE, N_FUNDED = "step", "cause", "value", "change", "n_funded"
ENTERED, LEFT, STATUS = "entered", "left", "status"
PROJECT, NAME, MOVE, PATH = "project_id", "name", "move", "path"
RANK_BEFORE, RANK_NOW, RANK_CHANGE = "rank_before", "rank_now", "rank_change"
START, END = "last quarter", "this quarter"

# Columns of 'projects' that each group owns; the rest (name, owner, ...) come from the
# latest quarter that has the project.
_CONSTRAINT_COLUMNS = ("decision", "decision_reason", "earliest_start", "latest_start",
                       "variant_of")
_COST_COLUMNS = ("status",)
_SCORE_COLUMNS = ("benefit",)


@dataclass(frozen=True)
class _State:
    label: str
    selected: frozenset
    value: float
    ranks: pd.Series
    status: str


@dataclass(frozen=True, eq=False)
class QuarterChangeResult:
    """How the portfolio and the ranking changed between two quarters, and why.

    ``steps``: one row per state of the walk (last quarter, then after each swap): cause,
    portfolio value, change from the state before, projects funded, and the projects that
    entered and left at that step. ``changes``: each project that entered or left the
    portfolio, with the cause and the full path of steps at which it flipped. ``movers``:
    projects in both quarters whose rank moved, with the main cause. ``ranks``: project x
    state rank (NaN where the project was not a candidate).
    """

    previous_quarter: str
    quarter: str
    order: tuple[str, ...]
    steps: pd.DataFrame
    changes: pd.DataFrame
    movers: pd.DataFrame
    ranks: pd.DataFrame = field(repr=False)
    funded: pd.DataFrame = field(repr=False)  # project x state: funded
    names: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def entrants(self) -> tuple[str, ...]:
        return tuple(self.changes.index[self.changes[MOVE] == "enters"])

    @property
    def exits(self) -> tuple[str, ...]:
        return tuple(self.changes.index[self.changes[MOVE] == "leaves"])

    @property
    def value_change(self) -> float:
        return float(self.steps[VALUE].iloc[-1] - self.steps[VALUE].iloc[0])

    def causes(self) -> pd.Series:
        """Change in portfolio value by cause (the waterfall's bars), in the walk's order."""
        walk = self.steps.iloc[1:]
        return pd.Series(walk[CHANGE].to_numpy(), index=walk[CAUSE].to_numpy(), name=CHANGE)

    def to_sentences(self) -> list[str]:
        """The change since last quarter in plain words, with the order of the walk stated."""
        def label(p):
            name = self.names.get(p)
            return f"{p} {name}" if name else p

        out = [f"Since {self.previous_quarter} the portfolio's value went from "
               f"{self.steps[VALUE].iloc[0]:.3f} to {self.steps[VALUE].iloc[-1]:.3f}; "
               f"{len(self.entrants)} projects entered and {len(self.exits)} left."]
        for cause, change in self.causes().items():
            rows = self.changes[self.changes[CAUSE] == cause]
            if abs(change) < 1e-9 and rows.empty:
                continue
            parts = [f"{CAUSES[cause].capitalize()}: value {change:+.3f}"]
            enters = [label(p) for p in rows.index[rows[MOVE] == "enters"]]
            leaves = [label(p) for p in rows.index[rows[MOVE] == "leaves"]]
            if enters:
                parts.append("brought in " + ", ".join(enters))
            if leaves:
                parts.append("took out " + ", ".join(leaves))
            out.append("; ".join(parts) + ".")
        unchanged = [CAUSES[c] for c, v in self.causes().items()
                     if abs(v) < 1e-9 and (self.changes[CAUSE] != c).all()]
        if unchanged:
            out.append("No effect from: " + ", ".join(unchanged) + ".")
        top = self.movers.head(3)
        if len(top):
            out.append("Largest rank moves: " + "; ".join(
                f"{label(p)} {int(r[RANK_BEFORE])} -> {int(r[RANK_NOW])} ({CAUSES[r[CAUSE]]})"
                for p, r in top.iterrows()) + ".")
        out.append("Causes are found by swapping one group of inputs at a time, in this order: "
                   + ", then ".join(CAUSES[c] for c in self.order) + "; each project is "
                   "credited to the step that settled it.")
        if (self.steps[STATUS] != "optimal").any():
            bad = self.steps[self.steps[STATUS] != "optimal"]
            out.append("Steps without a proven optimum: " + ", ".join(
                f"{r[STEP]} ({r[STATUS]})" for _, r in bad.iterrows()) + ".")
        return out

    def __repr__(self) -> str:
        return (f"QuarterChangeResult({self.previous_quarter} -> {self.quarter}, "
                f"entered={len(self.entrants)}, left={len(self.exits)}, "
                f"value {self.value_change:+.3f})")

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in self.to_sentences())
        return f"<ul>{items}</ul>" + self.steps.to_html(float_format="{:.3f}".format,
                                                          index=False, na_rep="")


# -- building the states ------------------------------------------------------------------------


def _realign(frame: pd.DataFrame, periods: Sequence[str], fill: pd.DataFrame | None):
    """*frame* (rows x period columns) on *periods*; periods it lacks from *fill*, else 0."""
    out = frame.reindex(columns=list(periods))
    if fill is not None:
        missing = [p for p in periods if p not in frame.columns]
        if missing:
            out.loc[:, missing] = fill.reindex(index=out.index, columns=missing)
    return out.fillna(0.0)


def _long(frame: pd.DataFrame | None, keep, periods: Sequence[str],
          fill: pd.DataFrame | None) -> pd.DataFrame | None:
    """A long table's rows that *keep* selects, on *periods*; unplanned periods from *fill*."""
    if frame is None:
        return None
    own = set(frame["period"])
    rows = frame[frame["period"].isin(periods) & keep(frame)]
    if fill is not None:
        extra = fill[fill["period"].isin([p for p in periods if p not in own]) & keep(fill)]
        rows = pd.concat([rows, extra], ignore_index=True)
    return rows.reset_index(drop=True)


def _hybrid(before: PortfolioModel, now: PortfolioModel, swapped: set[str]) -> PortfolioModel:
    """The model on *now*'s horizon, each group of inputs from *now* if swapped, else *before*."""
    periods = list(now.periods)
    # The models' own tables, read and never changed here (their properties return copies).
    b_tables, n_tables = before.tables, now.tables
    b_projects, n_projects = b_tables["projects"], n_tables["projects"]
    ids = list(n_projects.index) if "competitors" in swapped else list(b_projects.index)
    universe = set(ids)

    def from_before(group: str) -> list[str]:
        """The projects whose *group* of inputs comes from last quarter (in order)."""
        if group in swapped:
            return [p for p in ids if p not in n_projects.index]
        return [p for p in ids if p in b_projects.index]

    def whole(group: str) -> PortfolioModel:
        return now if group in swapped else before

    def pick(table: str, group: str) -> pd.DataFrame:
        """Rows of *table* by project: last quarter's for from_before(group), else now's."""
        old = from_before(group)
        mine = set(old)
        return pd.concat([b_tables[table].loc[old],
                          n_tables[table].loc[[p for p in ids if p not in mine]]]).reindex(ids)

    projects = pd.concat([n_projects.loc[[p for p in ids if p in n_projects.index]],
                          b_projects.loc[[p for p in ids if p not in n_projects.index]]]
                         ).reindex(ids)
    for group, columns in (("constraints", _CONSTRAINT_COLUMNS), ("costs", _COST_COLUMNS),
                           ("scores", _SCORE_COLUMNS)):
        source = pick("projects", group)
        for c in columns:
            if c in source.columns:
                projects[c] = source[c]
    # A start window or variant link that no longer fits this horizon or set is dropped.
    for c in ("earliest_start", "latest_start"):
        if c in projects:
            projects[c] = projects[c].where(projects[c].isin(periods), None)
    if "variant_of" in projects:
        projects["variant_of"] = projects["variant_of"].where(
            projects["variant_of"].isin(universe), None)

    old = from_before("costs")
    mine = set(old)
    n_costs = n_tables["costs"]
    costs = pd.concat([_realign(b_tables["costs"].loc[old], periods, n_costs),
                       _realign(n_costs.loc[[p for p in ids if p not in mine]], periods, None)]
                      ).reindex(ids)

    tables = dict(n_tables)
    tables["projects"] = projects
    tables["costs"] = costs
    tables.pop("status", None)  # reporting history, not an input to the selection
    if n_tables.get("scores") is not None:
        tables["scores"] = pick("scores", "scores")
        tables["criteria"] = whole("weights").tables["criteria"]

    b_demand, n_demand = b_tables.get("demand"), n_tables.get("demand")
    if b_demand is not None or n_demand is not None:
        parts = [_long(b_demand, lambda f: f["project_id"].isin(mine), periods, n_demand),
                 _long(n_demand, lambda f: f["project_id"].isin(universe - mine), periods,
                       None)]
        parts = [d for d in parts if d is not None and len(d)]
        frame = n_demand if n_demand is not None else b_demand
        tables["demand"] = pd.concat(parts, ignore_index=True) if parts else frame.iloc[:0]
    rules = whole("constraints")
    r_tables = rules.tables
    budget = r_tables["budget"][["amount"]].T
    budget = _realign(budget, periods, n_tables["budget"][["amount"]].T).T
    budget.index.name = n_tables["budget"].index.name
    tables["budget"] = budget
    if r_tables.get("capacity") is not None:
        tables["capacity"] = _long(r_tables["capacity"],
                                   lambda f: pd.Series(True, index=f.index), periods,
                                   n_tables.get("capacity") if rules is before else None)
    else:
        tables.pop("capacity", None)
    for name, columns in (("dependencies", ("project_id", "other_id")),
                          ("groups", ("project_id",))):
        frame = r_tables.get(name)
        if frame is None:
            tables.pop(name, None)
            continue
        keep = frame[list(columns)].isin(universe).all(axis=1)
        tables[name] = frame[keep].reset_index(drop=True)
    if r_tables.get("themes") is not None:
        tables["themes"] = r_tables["themes"]
    else:
        tables.pop("themes", None)
    settings = dataclasses.replace(
        now.settings, total_budget=rules.settings.total_budget,
        min_projects=rules.settings.min_projects, max_projects=rules.settings.max_projects,
        value=whole("scores").settings.value)
    return PortfolioModel(f"{before.source} -> {now.source}", "", settings,
                          MappingProxyType(tables), (), MappingProxyType({}))


def _values_of(model: PortfolioModel, weights: pd.Series, objectives, method: str) -> tuple:
    """The ranks of the projects and their values for the portfolio (None: the default)."""
    if model.scores is not None and len(weights):
        ranking = score(model.scores, weights, objectives, method=method)
        return ranking.ranks.astype(float), model.project_values(ranking)
    if model.settings.value == "benefit":
        values = model.project_values()
        return values.rank(ascending=False, method="min"), values
    return pd.Series(dtype=float), None


def _solve_state(label: str, model: PortfolioModel, ranks: pd.Series, values, start: str,
                 options: Mapping) -> _State:
    """One state of the walk. Warnings are the caller's to filter (this may run on a thread)."""
    try:
        result = select_portfolio(model, values, start=start, **options)
    except InfeasiblePortfolioError:
        return _State(label, frozenset(), math.nan, ranks, "infeasible")
    return _State(label, frozenset(result.selected), float(result.value), ranks,
                  result.status)


def _check(before: PortfolioModel, now: PortfolioModel, previous_quarter: str, quarter: str,
           order: Sequence[str]) -> tuple[str, ...]:
    for model, q, which in ((before, previous_quarter, "previous"), (now, quarter, "current")):
        if not isinstance(model, PortfolioModel):
            raise ValidationError(f"The {which} quarter must be a PortfolioModel "
                                  f"(read_workbook), found {type(model).__name__}.")
        if q not in model.periods:
            raise ValidationError(f"Quarter {q!r} is not a period of the {which} workbook "
                                  f"({model.source}); its periods are "
                                  f"{', '.join(model.periods)}.")
    order = tuple(str(c).strip().lower() for c in order)
    if sorted(order) != sorted(CAUSES):
        raise ValidationError(f"order must name each of {', '.join(CAUSES)} once, found "
                              f"{', '.join(order) or 'nothing'}.")
    if order[0] != "horizon":
        raise ValidationError("order must start with 'horizon': the other groups are swapped "
                              "on this quarter's planning horizon.")
    b, n = before.criteria, now.criteria
    if (b is None) != (n is None) or (b is not None and set(b.index) != set(n.index)):
        raise ValidationError(
            "The two quarters score projects on different criteria "
            f"({', '.join(b.index) if b is not None else 'none'} last quarter; "
            f"{', '.join(n.index) if n is not None else 'none'} now), so a change of scores "
            "cannot be told from a change of weights. Compare quarters with the same "
            "criteria (give a dropped criterion weight 0 instead of deleting it).")
    return order


# -- the walk -----------------------------------------------------------------------------------


def compare_quarters(before: PortfolioModel, now: PortfolioModel, previous_quarter: str,
                     quarter: str, *, weighting: str = "direct", method: str = "weighted_sum",
                     weighting_options: Mapping | None = None, solver: str = "HiGHS",
                     gap: float = 1e-6, time_limit: float | None = 60.0,
                     order: Sequence[str] = tuple(CAUSES), min_rank_move: int = 1,
                     ) -> QuarterChangeResult:
    """Compare two quarters' portfolios and attribute each change to its cause.

    Parameters
    ----------
    before, now
        Last quarter's and this quarter's validated workbooks (e.g. the previous run's input
        snapshot and this quarter's workbook).
    previous_quarter, quarter
        The review quarters the two runs started their horizons at.
    weighting, weighting_options, method
        How weights and scores are made, as in the quarterly run (each quarter's weights are
        made from its own workbook).
    solver, gap, time_limit
        For every solve of the walk; the default gap proves optimality, so a change is never
        solver noise.
    order
        The order in which groups are swapped; must start with ``"horizon"``.
    min_rank_move
        Smallest rank change listed in ``movers``.

    Returns
    -------
    QuarterChangeResult

    Raises
    ------
    ValidationError
        For a quarter outside its workbook's periods, an order that is not a permutation of
        :data:`CAUSES`, or quarters scored on different criteria.
    """
    order = _check(before, now, previous_quarter, quarter, order)
    options = {"solver": solver, "gap": gap, "time_limit": time_limit}
    extra = dict(weighting_options or {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        w_before = from_model(before, weighting, **extra) if before.criteria is not None else \
            pd.Series(dtype=float)
        w_now = from_model(now, weighting, **extra) if now.criteria is not None else \
            pd.Series(dtype=float)

    walk = [(START, before, *_values_of(before, w_before, before.objectives, method),
             previous_quarter)]
    swapped: set[str] = set()
    for cause in order:
        if cause != "horizon":
            swapped.add(cause)
        model = _hybrid(before, now, swapped)
        weights = w_now if "weights" in swapped else w_before
        objectives = (now if "weights" in swapped else before).objectives
        walk.append((cause, model, *_values_of(model, weights, objectives, method), quarter))
    # The states are independent solves: small models side by side on threads (CBC, which
    # PuLP starts under warnings.catch_warnings, one after another).
    side_by_side = on_threads(solver, max(len(m.projects) for _, m, *_ in walk))
    with warnings.catch_warnings(), contextlib.ExitStack() as stack:
        warnings.simplefilter("ignore", WorkbenchWarning)
        if side_by_side:
            threads = stack.enter_context(local_threads())
            states = list(threads.map(lambda step: _solve_state(*step, options), walk))
        else:
            states = [_solve_state(*step, options) for step in walk]

    ids = list(dict.fromkeys([*before.projects.index, *now.projects.index]))
    funded = pd.DataFrame({s.label: [p in s.selected for p in ids] for s in states}, index=ids)
    funded.index.name = PROJECT
    ranks = pd.DataFrame({s.label: s.ranks.reindex(ids) for s in states}, index=ids)
    ranks.index.name = PROJECT

    steps = []
    for i, s in enumerate(states):
        prev = states[i - 1] if i else None
        steps.append({
            STEP: i, CAUSE: "" if prev is None else s.label, VALUE: s.value,
            CHANGE: math.nan if prev is None else s.value - prev.value,
            N_FUNDED: len(s.selected), STATUS: s.status,
            ENTERED: "" if prev is None else ", ".join(sorted(s.selected - prev.selected)),
            LEFT: "" if prev is None else ", ".join(sorted(prev.selected - s.selected))})
    steps = pd.DataFrame(steps)

    names = now.projects["name"].to_dict() | {
        p: n for p, n in before.projects["name"].items() if p not in now.projects.index}
    first, last = states[0].selected, states[-1].selected
    changes = []
    for p in ids:
        if (p in first) == (p in last):
            continue
        flips = [s.label for prev, s in zip(states, states[1:])
                 if (p in prev.selected) != (p in s.selected)]
        settled = next(s.label for prev, s in reversed(list(zip(states, states[1:])))
                       if (p in prev.selected) != (p in s.selected))
        changes.append({PROJECT: p, NAME: names.get(p, ""),
                        MOVE: "enters" if p in last else "leaves", CAUSE: settled,
                        PATH: " -> ".join(flips)})
    changes = pd.DataFrame(changes, columns=[PROJECT, NAME, MOVE, CAUSE, PATH]
                           ).set_index(PROJECT)

    movers = []
    labels = [s.label for s in states]
    for p in ids:
        r0, r1 = ranks.at[p, START], ranks.at[p, labels[-1]]
        if math.isnan(r0) or math.isnan(r1) or abs(r1 - r0) < min_rank_move:
            continue
        deltas = ranks.loc[p, labels].diff().iloc[1:].fillna(0.0)
        direction = deltas * (1 if r1 > r0 else -1)
        cause = direction.idxmax()
        movers.append({PROJECT: p, NAME: names.get(p, ""), RANK_BEFORE: int(r0),
                       RANK_NOW: int(r1), RANK_CHANGE: int(r0 - r1), CAUSE: cause})
    movers = pd.DataFrame(movers, columns=[PROJECT, NAME, RANK_BEFORE, RANK_NOW, RANK_CHANGE,
                                           CAUSE]).set_index(PROJECT)
    if len(movers):
        movers = movers.reindex(movers[RANK_CHANGE].abs().sort_values(
            ascending=False, kind="stable").index)
    return QuarterChangeResult(previous_quarter, quarter, order, steps, changes, movers,
                               ranks, funded, MappingProxyType(names))


# -- against the previous run -------------------------------------------------------------------

NO_EARLIER_RUN = ("No earlier quarter's run was found in the reports folder, so there is "
                  "nothing to compare with yet. From the next quarter on, this section lists "
                  "the projects that entered and left the portfolio and why.")


def changes_since(previous_run: str | Path, now: PortfolioModel, quarter: str,
                  **options) -> QuarterChangeResult | None:
    """:func:`compare_quarters` against the inputs a previous run used; None when there is none.

    *previous_run* is a run folder (``reports/<quarter>/<run id>/``) or empty. The previous
    run's inputs are read from the snapshot it kept, so later edits to its workbook do not
    change the comparison. *options* go to :func:`compare_quarters`.
    """
    if not str(previous_run or "").strip():
        return None
    from .report import MANIFEST_JSON, read_run_model

    folder = Path(previous_run)
    try:
        manifest = json.loads((folder / MANIFEST_JSON).read_text())
        earlier = manifest["quarter"]
    except (OSError, ValueError, KeyError) as exc:
        raise ValidationError(f"Previous run {str(folder)!r} has no readable manifest.json "
                              f"({exc}). Pass a run folder written by 'seo-workbench run', or "
                              "leave previous_run empty.") from None
    return compare_quarters(read_run_model(folder), now, earlier, quarter, **options)


def describe_changes(changes: QuarterChangeResult | None) -> list[str]:
    """Sentences for the board: the change since last quarter, or why there is none yet."""
    return [NO_EARLIER_RUN] if changes is None else changes.to_sentences()

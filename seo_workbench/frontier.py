"""The efficient frontier: the best portfolio at each budget, beside what ranking alone funds.

Three questions the board asks about the budget, one function each:

* :func:`rank_and_fund`: what does the usual spreadsheet method fund? Rank the projects and
  fund down the list while the money lasts.
* :func:`frontier`: what is the best portfolio worth at each budget level, and how much does
  the ranked list leave behind?
* :func:`compare_scenarios`: what changes, project by project, between a few "what if" runs?

Every portfolio here is solved by :func:`seo_workbench.portfolio.select_portfolio`; this
module never talks to the solver itself.
"""

from __future__ import annotations

import concurrent.futures
import concurrent.futures.process
import html
import math
import os
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
import pandas as pd

from .errors import InfeasiblePortfolioError, ValidationError, WorkbenchWarning, choose
from .pool import local_pool, local_threads, model_from, model_payload, worker_count
from .portfolio import (
    SOLVERS,
    PortfolioResult,
    _horizon,
    select_portfolio,
    solve_single_threaded,
)
from .portfolio import _values as _portfolio_values
from .validate import profile_extent, start_window
from .workbook import PortfolioModel

__all__ = [
    "RANKINGS",
    "FrontierResult",
    "LeftBehind",
    "RankAndFundResult",
    "ScenarioComparison",
    "compare_scenarios",
    "frontier",
    "rank_and_fund",
]

BUDGET_SCALE, BUDGET, VALUE, COST = "budget_scale", "budget", "value", "cost"
N_SELECTED, STATUS, GAP, SECONDS, REUSED = "n_selected", "status", "gap", "seconds", "reused"
SELECTED, FUNDED, NOTE, RANK, RATIO = "selected", "funded", "note", "rank", "value_per_cost"
OPTIMUM, LEFT_BEHIND, LEFT_BEHIND_SHARE = "optimum", "left_behind", "left_behind_share"
FEASIBLE, BREAKS = "feasible", "breaks"
POINT_COLUMNS = (BUDGET_SCALE, BUDGET, VALUE, COST, N_SELECTED, STATUS, GAP, SECONDS, REUSED)

RANKINGS = {
    "value": "value, highest first",
    "ratio": "value per unit of cost over the horizon, highest first",
}

_TOL = 1e-9
_FORMATS = {BUDGET_SCALE: "{:.3g}".format, BUDGET: "{:,.0f}".format, COST: "{:,.0f}".format,
            VALUE: "{:,.4g}".format, "rank_and_fund": "{:,.4g}".format, GAP: "{:.2%}".format,
            SECONDS: "{:.2f}".format, N_SELECTED: lambda n: "" if pd.isna(n) else str(n)}


def _fits(amount, limit) -> bool:
    """True when *amount* is within *limit*, forgiving rounding in sums of currency amounts."""
    return amount <= limit + _TOL * max(1.0, abs(limit))


def _number(x: float) -> str:
    """A value as the board reads it: '0.42', '1.27', '910,000'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def _listing(ids: Sequence[str]) -> str:
    """'P21', 'P21 and P33', 'P21, P33 and P40'."""
    ids = list(ids)
    if len(ids) <= 1:
        return "".join(ids)
    return ", ".join(ids[:-1]) + " and " + ids[-1]


def _values(model: PortfolioModel, values) -> pd.Series:
    """The value of every project, as select_portfolio reads it (a ScoreResult counts too)."""
    return _portfolio_values(model, getattr(values, "scores", values))


def _budget_total(model: PortfolioModel, horizon: Sequence[str], scale: float) -> float:
    """Money available over the horizon at *scale*: the period budgets, capped by total_budget."""
    total = float(model.budget[list(horizon)].sum()) * scale
    if model.settings.total_budget is not None:
        total = min(total, float(model.settings.total_budget) * scale)
    return total


# -- rank and fund ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rules:
    """The workbook's constraints as arrays, for funding down a list. Built once per horizon."""

    ids: tuple[str, ...]
    at: Mapping[str, int]  # project id -> row
    value: np.ndarray  # by project
    periods: tuple[str, ...]  # the horizon
    cost: np.ndarray  # project x period, horizon only
    budget: np.ndarray  # by period, unscaled
    total_budget: float | None
    pools: tuple[tuple[str, str], ...]  # (pool, period) pairs with a capacity and a demand
    need: np.ndarray  # project x (pool, period)
    capacity: np.ndarray  # by (pool, period)
    requires: Mapping[str, tuple[str, ...]]
    excludes: Mapping[str, tuple[str, ...]]  # both directions
    partners: Mapping[str, tuple[str, ...]]  # 'with' links, both directions
    groups: tuple[str, ...]
    member: np.ndarray  # project x group, 0/1
    group_limit: np.ndarray  # by group
    themes: tuple[str, ...]  # themes with limits (sheet 'themes')
    theme_of: np.ndarray  # by project: position in themes, -1 when the theme has no limits
    limits: pd.DataFrame  # theme x (min_share, max_share, min_spend, max_spend)
    decision: Mapping[str, str]
    min_projects: int | None
    max_projects: int | None
    links: tuple[tuple[str, str, str], ...]  # (a, kind, b) as in sheet 'dependencies'
    # Projects with a start window: (start, cost by period, need by pool-period) per allowed
    # start, the planned start first, then the others in order.
    windows: Mapping[str, tuple[tuple[str, np.ndarray, np.ndarray], ...]]
    planned: Mapping[str, str]  # planned start of the projects in windows

    @property
    def total(self) -> np.ndarray:
        """Each project's cost over the horizon."""
        return self.cost.sum(axis=1)


def _rules(model: PortfolioModel, values, start: str | None) -> _Rules:
    horizon = _horizon(model, start)
    projects = model.projects
    ids = tuple(projects.index)
    at = {p: i for i, p in enumerate(ids)}
    capacity, demand = model.table("capacity"), model.table("demand")
    pools, need, cap = (), np.zeros((len(ids), 0)), np.zeros(0)
    if capacity is not None and demand is not None:
        amounts = capacity[capacity["period"].isin(horizon)].groupby(["pool", "period"])[
            "amount"].sum()
        table = demand[demand["period"].isin(horizon)].pivot_table(
            index="project_id", columns=["pool", "period"], values="amount", aggfunc="sum")
        pools = tuple(k for k in amounts.index if k in table.columns)
        need = table.reindex(index=list(ids), columns=list(pools)).fillna(0.0).to_numpy(float)
        cap = amounts.reindex(list(pools)).to_numpy(float)
    requires, excludes, partners = model.dependency_links()
    deps = model.table("dependencies")
    links = [] if deps is None else list(
        deps[["project_id", "kind", "other_id"]].itertuples(index=False, name=None))
    table = model.table("groups")
    families = {}
    if table is not None:
        for group, rows in table.groupby("group"):
            families[f"group:{group}"] = (list(rows["project_id"]),
                                          int(rows["max_selected"].iloc[0]))
    for base, members in _families(projects).items():
        families[f"variants:{base}"] = (members, 1)
    groups = tuple(families)
    member = np.zeros((len(ids), len(groups)))
    limit = np.zeros(len(groups))
    for g, (members, most) in enumerate(families.values()):
        member[[at[p] for p in members], g] = 1
        limit[g] = most
    limits = model.table("themes")
    if limits is None:
        limits = pd.DataFrame(columns=["min_share", "max_share", "min_spend", "max_spend"])
    themes = tuple(limits.index)
    theme_of = np.array([themes.index(t) if t in themes else -1 for t in projects["theme"]])
    s = model.settings
    return _Rules(
        ids, at, _values(model, values).to_numpy(float), tuple(horizon),
        model.costs[horizon].to_numpy(float), model.budget[horizon].to_numpy(float),
        None if s.total_budget is None else float(s.total_budget), pools, need, cap,
        {k: tuple(v) for k, v in requires.items()}, {k: tuple(v) for k, v in excludes.items()},
        {k: tuple(v) for k, v in partners.items()}, groups, member, limit, themes, theme_of,
        limits, dict(projects["decision"]), s.min_projects, s.max_projects, tuple(links),
        *_windows(model, horizon, pools))


def _blank(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or not str(x).strip()


def _families(projects: pd.DataFrame) -> dict[str, list[str]]:
    """Base project -> the base and its variants (column variant_of), when there are any."""
    if "variant_of" not in projects.columns:
        return {}
    parent = {p: str(b).strip() for p, b in projects["variant_of"].items() if not _blank(b)}

    def root(p):
        seen = set()
        while p in parent and p not in seen:
            seen.add(p)
            p = parent[p]
        return p

    families: dict[str, list[str]] = {}
    for p in sorted(set(parent) | set(parent.values())):
        families.setdefault(root(p), []).append(p)
    return families


def _windows(model: PortfolioModel, horizon: Sequence[str],
             pools: Sequence[tuple[str, str]]) -> tuple[dict, dict]:
    """Allowed starts (with the moved profiles) and planned start of each windowed project."""
    projects = model.projects
    if "earliest_start" not in projects.columns and "latest_start" not in projects.columns:
        return {}, {}
    periods = list(model.periods)
    at = {t: i for i, t in enumerate(periods)}
    keep = [at[t] for t in horizon]
    key = {k: i for i, k in enumerate(pools)}
    costs = model.costs[periods]
    demand = model.table("demand")
    if demand is None:
        demand = pd.DataFrame(columns=["project_id", "pool", "period", "amount"])
    out, planned_start = {}, {}
    for p in projects.index:
        early = projects.at[p, "earliest_start"] if "earliest_start" in projects else None
        late = projects.at[p, "latest_start"] if "latest_start" in projects else None
        if (_blank(early) and _blank(late)) or projects.at[p, "status"] == "in_flight":
            continue
        mine = demand[(demand["project_id"] == p) & demand["period"].isin(at)]
        extent = profile_extent(costs.loc[p], [at[t] for t in mine["period"]])
        if extent is None:
            continue
        planned, first, last = extent
        low, high = start_window(planned, None if _blank(early) else at[early],
                                 None if _blank(late) else at[late])
        starts = ([planned] if low <= planned <= high else []) + [
            t for t in range(low, high + 1) if t != planned]
        options = []
        for t in starts:
            shift = t - planned
            if not (0 <= first + shift and last + shift < len(periods)):
                continue  # the profile would leave the periods
            cost = np.zeros(len(periods))
            cost[first + shift:last + shift + 1] = costs.loc[p].to_numpy(float)[first:last + 1]
            need = np.zeros(len(pools))
            for pool, period, amount in mine[["pool", "period", "amount"]].itertuples(
                    index=False):
                k = key.get((pool, periods[at[period] + shift]))
                if k is not None:
                    need[k] += amount
            options.append((periods[t], cost[keep], need))
        out[p] = tuple(options)
        planned_start[p] = periods[planned]
    return out, planned_start


def _bundle(rules: _Rules, project: str) -> list[str]:
    """*project* and everything linked to it by 'with' (both or neither), in id order."""
    seen, todo = {project}, [project]
    while todo:
        for other in rules.partners.get(todo.pop(), ()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return sorted(seen)


def _closure(rules: _Rules, start: Iterable[str]) -> list[str]:
    """*start* plus every project it requires or must be funded with, transitively."""
    seen, todo = set(start), list(start)
    while todo:
        p = todo.pop()
        for other in rules.requires.get(p, ()) + rules.partners.get(p, ()):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return sorted(seen)


def _ratios(rules: _Rules) -> np.ndarray:
    """Value per unit of cost over the horizon; infinite for a project that costs nothing."""
    total = rules.total
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, rules.value / np.where(total > 0, total, 1.0), np.inf)


def _order(rules: _Rules, by: str) -> list[str]:
    """Project ids ranked by *by*; ties go to the higher value, then the lower id."""
    value, ratio = rules.value, _ratios(rules)
    first, second = (value, ratio) if by == "value" else (ratio, value)
    keys = {p: (-first[i], -second[i], p) for i, p in enumerate(rules.ids)}
    return sorted(rules.ids, key=keys.__getitem__)


class _State:
    """What the projects funded so far use, against each limit."""

    def __init__(self, rules: _Rules):
        self.funded: set[str] = set()
        self.starts: dict[str, str] = {}
        self.spend = np.zeros(len(rules.periods))
        self.use = np.zeros(len(rules.pools))
        self.groups = np.zeros(len(rules.groups))
        self.themes = np.zeros(len(rules.themes))

    def add(self, rules: _Rules, plan: list[tuple[str, str | None, np.ndarray, np.ndarray]]):
        for p, start, cost, need in plan:
            row = rules.at[p]
            self.funded.add(p)
            if start is not None:
                self.starts[p] = start
            self.spend += cost
            self.use += need
            self.groups += rules.member[row]
            if rules.theme_of[row] >= 0:
                self.themes[rules.theme_of[row]] += cost.sum()


def _fits_all(amount: np.ndarray, limit: np.ndarray) -> np.ndarray:
    return amount <= limit + _TOL * np.maximum(1.0, np.abs(limit))


def _plans(rules: _Rules, bundle: list[str], lead: str):
    """Ways to fund *bundle*, as lists of (project, start, cost, need).

    One per allowed start of *lead*, its planned start first; the others take their first.
    """

    def options(p):
        if p in rules.windows:
            return list(rules.windows[p])
        row = rules.at[p]
        return [(None, rules.cost[row], rules.need[row])]

    fixed = []
    for q in bundle:
        if q != lead:
            choices = options(q)
            if not choices:
                return
            fixed.append((q, *choices[0]))
    for choice in options(lead):
        yield [(lead, *choice), *fixed]


def _rule_blocker(rules: _Rules, bundle: list[str], state: _State) -> str | None:
    """Why *bundle* may not join the funded projects whatever it costs, or None."""
    inside, funded = set(bundle), state.funded
    for p in bundle:
        if rules.decision[p] == "must_not":
            return f"goes with {p}, which is must_not" if len(bundle) > 1 else "must_not"
        missing = [q for q in rules.requires.get(p, ()) if q not in funded and q not in inside]
        if missing:
            return f"requires {_listing(missing)} (not funded)"
        clash = [q for q in rules.excludes.get(p, ()) if q in funded or q in inside]
        if clash:
            return f"excluded by {_listing(clash)}"
    adding = rules.member[[rules.at[p] for p in bundle]].sum(axis=0)
    full = (adding > 0) & ~_fits_all(state.groups + adding, rules.group_limit)
    if full.any():
        kind, _, name = rules.groups[int(np.flatnonzero(full)[0])].partition(":")
        if kind == "variants":
            return f"another variant of {name} is funded"
        limit = int(rules.group_limit[int(np.flatnonzero(full)[0])])
        return f"group {name} at its limit of {limit}"
    if rules.max_projects is not None and len(funded) + len(bundle) > rules.max_projects:
        return f"max_projects ({rules.max_projects}) reached"
    return None


def _room_blocker(rules: _Rules, plan, state: _State, scale: float) -> str | None:
    """Why *plan* does not fit what is left of the budgets, capacity and theme spend, or None."""
    cost = sum(c for _, _, c, _ in plan)
    over = (cost > 0) & ~_fits_all(state.spend + cost, rules.budget * scale)
    if over.any():
        periods = [rules.periods[t] for t in np.flatnonzero(over)]
        return f"does not fit the budget in {_listing(periods)}"
    if rules.total_budget is not None and not _fits(state.spend.sum() + cost.sum(),
                                                    rules.total_budget * scale):
        return "does not fit the total budget"
    need = sum(n for _, _, _, n in plan)
    short = (need > 0) & ~_fits_all(state.use + need, rules.capacity)
    if short.any():
        return ("not enough capacity: "
                + _listing([" ".join(rules.pools[k]) for k in np.flatnonzero(short)]))
    for theme, limit in rules.limits["max_spend"].dropna().items():
        t = rules.themes.index(theme)
        mine = sum(c.sum() for p, _, c, _ in plan if rules.theme_of[rules.at[p]] == t)
        if mine and not _fits(state.themes[t] + mine, limit):
            return f"theme {theme} at its max_spend of {_number(limit)}"
    return None


def _broken(rules: _Rules, state: _State, scale: float) -> list[str]:
    """The constraint groups the funded projects break, named as in ``constraint_groups``."""
    chosen = state.funded
    out = [f"budget:{rules.periods[t]}"
           for t in np.flatnonzero(~_fits_all(state.spend, rules.budget * scale))]
    total = float(state.spend.sum())
    if rules.total_budget is not None and not _fits(total, rules.total_budget * scale):
        out.append("total_budget")
    out += [f"capacity:{pool}:{period}" for k, (pool, period) in enumerate(rules.pools)
            if not _fits(state.use[k], rules.capacity[k])]
    if rules.min_projects is not None and len(chosen) < rules.min_projects:
        out.append("min_projects")
    if rules.max_projects is not None and len(chosen) > rules.max_projects:
        out.append("max_projects")
    for a, kind, b in rules.links:
        ok = ((a not in chosen or b in chosen) if kind == "requires" else
              not (a in chosen and b in chosen) if kind == "excludes" else
              (a in chosen) == (b in chosen))
        if not ok:
            out.append(f"{kind}:{a}:{b}")
    out += [g for g, n, most in zip(rules.groups, state.groups, rules.group_limit) if n > most]
    for t, (theme, limits) in enumerate(rules.limits.iterrows()):
        have = float(state.themes[t])
        for column in ("min_share", "max_share", "min_spend", "max_spend"):
            limit = limits[column]
            if pd.isna(limit):
                continue
            rhs = limit * total if column.endswith("share") else limit
            if not (_fits(rhs, have) if column.startswith("min") else _fits(have, rhs)):
                out.append(f"theme_{column}:{theme}")
    return out


@dataclass(frozen=True)
class RankAndFundResult:
    """A portfolio funded down a ranked list, the way a PMO spreadsheet does it."""

    by: str  # "value" or "ratio"
    budget_scale: float
    selected: tuple[str, ...]
    value: float
    cost: float  # spend over the horizon (inflows netted)
    steps: pd.DataFrame  # by project in list order: rank, value, cost, value_per_cost, funded, note
    breaks: tuple[str, ...]  # constraint groups the funded list does not meet
    currency: str
    starts: Mapping[str, str]  # start chosen for funded projects with a start window

    @property
    def feasible(self) -> bool:
        """True when the funded list meets every constraint of the workbook."""
        return not self.breaks

    def _repr_html_(self) -> str:
        broken = ("" if self.feasible else
                  f" It does not meet: {html.escape(', '.join(self.breaks))}.")
        return (f"<p>Ranked by {html.escape(RANKINGS[self.by])} and funded down the list: "
                f"<b>{len(self.selected)}</b> projects, value {_number(self.value)}, spend "
                f"{self.cost:,.0f} {html.escape(self.currency)}.{broken}</p>"
                + self.steps.to_html())


def _rank_and_fund(rules: _Rules, order: Sequence[str], scale: float, by: str,
                   currency: str) -> RankAndFundResult:
    """Fund *order* down the list at *scale*. No checks."""
    state = _State(rules)
    notes = {}
    forced = [p for p in rules.ids if rules.decision[p] == "must"]
    for p in _closure(rules, forced):
        notes[p] = "must" if rules.decision[p] == "must" else "needed by a must project"
        plan = next(_plans(rules, [p], p), None)
        if plan is not None:  # a forced project with no start in its window stays out
            state.add(rules, plan)
    for p in order:
        if p in notes:
            continue
        bundle = [q for q in _bundle(rules, p) if q not in state.funded]
        why = _rule_blocker(rules, bundle, state)
        if why is None:
            why = "no allowed start keeps the project inside the horizon"
            for i, plan in enumerate(_plans(rules, bundle, p)):
                reason = _room_blocker(rules, plan, state, scale)
                if reason is None:
                    state.add(rules, plan)
                    why = None
                    break
                if i == 0:
                    why = reason
        for q in bundle:
            if q == p:
                notes[q] = "funded" if why is None else why
            else:
                notes[q] = (f"funded with {p}" if why is None else
                            f"not funded: goes with {p}, which: {why}")
    for p, start in state.starts.items():
        if notes[p] in ("funded", "must") or notes[p].startswith("funded"):
            if start != rules.planned.get(p):
                notes[p] += f", start shifted to {start}"
    rows = [rules.at[p] for p in order]
    steps = pd.DataFrame({
        RANK: np.arange(1, len(order) + 1), VALUE: rules.value[rows], COST: rules.total[rows],
        RATIO: _ratios(rules)[rows], FUNDED: [p in state.funded for p in order],
        NOTE: [notes[p] for p in order]}, index=pd.Index(list(order), name="project_id"))
    chosen = tuple(p for p in rules.ids if p in state.funded)
    return RankAndFundResult(by, scale, chosen,
                             float(rules.value[[rules.at[p] for p in chosen]].sum()),
                             float(state.spend.sum()), steps, tuple(_broken(rules, state, scale)),
                             currency, MappingProxyType(dict(state.starts)))


def rank_and_fund(model: PortfolioModel, values: Mapping[str, float] | pd.Series | None = None,
                  *, by: str = "value", start: str | None = None,
                  budget_scale: float = 1.0) -> RankAndFundResult:
    """Rank the projects and fund down the list while every budget allows, as a PMO would.

    This is the baseline the optimiser is measured against. The rules a careful analyst
    applies by hand:

    1. Fund the 'must' projects first, with what they require or go 'with' (forced decisions
       are not up for ranking). Never fund a 'must_not' project.
    2. Walk down the list once. Fund a project when, together with the projects already
       funded, it fits every period's budget, the total budget, every capacity pool and
       period, max_projects, its groups' limits and its theme's max_spend; when every project
       it requires is already funded; and when no funded project excludes it. Otherwise skip
       it, for good: a later project does not bring back one skipped earlier.
    3. Projects linked by 'with' (both or neither) are funded or skipped together, when the
       first of them comes up.

    4. A project with a start window that does not fit at its planned start is tried at the
       other starts of its window, earliest first; the others start as planned. A variant
       is skipped when another of its family is funded.

    Share limits of themes, min_spend and min_projects are not steered for: a list cannot
    aim at them. They are checked at the end, and any the list misses are named in
    ``breaks`` (the optimiser meets them).

    >>> from seo_workbench.workbook import read_workbook, sample_workbook
    >>> model = read_workbook(sample_workbook())
    >>> ranked = rank_and_fund(model, model.projects["benefit"])
    >>> ranked.steps.loc["P11", "note"]
    'must'

    Parameters
    ----------
    model
        A validated :class:`~seo_workbench.workbook.PortfolioModel`.
    values
        Value of each project (e.g. ``ScoreResult.scores``), as for
        :func:`~seo_workbench.portfolio.select_portfolio`.
    by
        ``"value"`` (default: highest value first, the usual spreadsheet) or ``"ratio"``
        (value per unit of cost over the horizon, highest first: the benefit-cost "order of
        priority"; projects that cost nothing or pay for themselves come first). Ties go to
        the higher value, then to the lower project id.
    start
        First period of the planning horizon; earlier costs are sunk, as in
        :func:`~seo_workbench.portfolio.select_portfolio`.
    budget_scale
        Multiplies every period's budget and the total budget.

    Returns
    -------
    RankAndFundResult
        The funded projects, their value and spend, the list with a note per project
        (``steps``), and the constraints the list does not meet (``breaks``).
    """
    choose(RANKINGS, by, what="ranking")
    by = by.strip().lower()
    if budget_scale < 0:
        raise ValidationError(f"budget_scale must be >= 0, found {budget_scale}.")
    rules = _rules(model, values, start)
    return _rank_and_fund(rules, _order(rules, by), budget_scale, by, model.settings.currency)


# -- frontier -----------------------------------------------------------------------------------


class LeftBehind(NamedTuple):
    """Value the ranked list leaves behind at today's budget: absolute and as a share."""

    value: float  # optimum minus the ranked list's value
    share: float  # of the optimum


@dataclass(frozen=True)
class FrontierResult:
    """The best portfolio value at each budget level, beside the ranked list's."""

    points: pd.DataFrame  # by level: budget_scale, budget, value, cost, n_selected, status, ...
    rank_and_fund: pd.DataFrame  # by level: the ranked list's value, cost, feasibility
    selections: Mapping[float, tuple[str, ...]]  # budget_scale -> funded project ids
    proposed: Mapping  # the point at budget_scale 1.0 (as passed to on_point)
    left_behind: LeftBehind
    solver: str
    gap: float  # relative gap requested per point
    seconds: float
    currency: str

    def to_frame(self) -> pd.DataFrame:
        """Points with the ranked list's value beside them, one row per budget level."""
        ranked = self.rank_and_fund.set_index(BUDGET_SCALE)[VALUE].rename("rank_and_fund")
        return self.points.join(ranked, on=BUDGET_SCALE)

    def summary(self) -> str:
        """One or two sentences for the board."""
        p = self.proposed
        if p[STATUS] == "infeasible" or p[VALUE] is None or math.isnan(p[VALUE]):
            return "No portfolio meets every constraint at today's budget."
        lb = self.left_behind
        solved = int((~self.points[REUSED] & self.points[VALUE].notna()).sum())
        return (f"At today's budget the best portfolio is worth {_number(p[VALUE])} "
                f"({p[N_SELECTED]} projects). Funding down the ranked list gets "
                f"{_number(p[VALUE] - lb.value)}, leaving {_number(lb.value)} ({lb.share:.1%}) "
                f"behind. {len(self.points)} budget levels, {solved} solved by {self.solver} "
                f"at a {self.gap:.2%} gap, in {self.seconds:.1f} s.")

    def _repr_html_(self) -> str:
        table = self.to_frame().drop(columns=[REUSED])
        return (f"<p>{html.escape(self.summary())}</p>"
                + table.to_html(index=False, formatters=_FORMATS, na_rep=""))


def _levels(levels: int | Sequence[float], scale: tuple[float, float]) -> list[float]:
    if isinstance(levels, int | np.integer):
        if levels < 2:
            raise ValidationError(f"levels must be >= 2 (or a list of budget scales), found "
                                  f"{levels}.")
        low, high = scale
        if not 0 <= low < high:
            raise ValidationError(f"scale must be (low, high) with 0 <= low < high, found "
                                  f"{scale!r}.")
        chosen = np.linspace(low, high, int(levels)).tolist()
    else:
        chosen = [float(s) for s in levels]
        bad = [s for s in chosen if not s >= 0]
        if bad:
            raise ValidationError(f"Budget scales must be numbers >= 0, found {bad}.")
    return sorted({round(s, 12) for s in chosen} | {1.0})


def _solve(model, values, scale, options) -> tuple[str, PortfolioResult | None, float]:
    started = time.perf_counter()
    try:
        result = select_portfolio(model, values, budget_scale=scale, **options)
    except InfeasiblePortfolioError as exc:
        # select_portfolio raises the same error when the time limit ran out before the
        # solver found any portfolio; that level is unknown, not infeasible.
        status = ("time_limited" if str(exc).startswith("The solver stopped") else
                  "infeasible")
        return status, None, time.perf_counter() - started
    return result.status, result, time.perf_counter() - started


def _solve_level(model, values: pd.Series, scale: float, options: Mapping,
                 horizon: Sequence[str]) -> tuple:
    """One budget level: (status, funded ids, spend per period, bound, seconds).

    Module-level and returning plain data, so a worker process can run it (*model* is then
    the payload of :func:`~seo_workbench.pool.model_payload`).
    """
    if not isinstance(model, PortfolioModel):
        solve_single_threaded()
        model = model_from(model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", WorkbenchWarning)
            return _solve_level(model, values, scale, options, horizon)
    status, result, seconds = _solve(model, values, scale, options)
    if result is None:
        return status, None, None, None, seconds
    # Spend as solved: a project with a start window may have moved from its plan.
    spend = result.spend["spend"].reindex(list(horizon)).fillna(0.0).to_numpy(float)
    bound = None if result.bound is None else float(result.bound)
    return status, tuple(result.selected), spend, bound, seconds


def frontier(model: PortfolioModel, values: Mapping[str, float] | pd.Series | None = None, *,
             levels: int | Sequence[float] = 25, scale: tuple[float, float] = (0.5, 1.5),
             start: str | None = None, solver: str = "HiGHS", gap: float = 0.01,
             time_limit: float | None = 60.0, by: str = "value",
             on_point: Callable[[dict], object] | None = None,
             executor: concurrent.futures.Executor | None = None,
             workers: int | None = None) -> FrontierResult:
    """Best portfolio value at each budget level: one exact integer program per level.

    Each level multiplies every period's budget and the total budget by its ``budget_scale``,
    as ``select_portfolio(..., budget_scale=...)`` does; capacity, counts, dependencies,
    groups and themes stay as they are. Level 1.0 (today's budget) is always included.

    Work is reused between levels. Budgets only grow with the scale, so a portfolio found at
    a higher level that still fits a lower level's budgets is (within the gap) the best there
    too: levels are solved from the top down and a level is solved only when no portfolio
    found above it fits. Likewise a portfolio found at a lower level fits every higher one,
    so after the sweep each level keeps the best portfolio found at or below it, and the
    values never decrease with the budget. Handing the solver the previous level's portfolio
    as a warm start was measured and did not help (HiGHS re-runs presolve and the tree; see
    ``notes/performance.md`` section 4), so it is not done.

    Levels are solved side by side, one per worker: a level is handed out only when no
    portfolio found above it fits, so the reuse holds for every level whose higher neighbour
    has finished. On 500 projects the 25 levels take about half the time on two cores.

    Parameters
    ----------
    model, values, start
        As for :func:`~seo_workbench.portfolio.select_portfolio`.
    levels
        Number of budget levels spread evenly over *scale* (default 25), or the budget
        scales themselves (e.g. ``[0.8, 0.9, 1.0, 1.1]``).
    scale
        Lowest and highest budget scale when *levels* is a number.
    solver, time_limit
        Solver and time limit in seconds, per level.
    gap
        Relative optimality gap per level. The default of 1 % is the interactive one: on
        500 projects the 1 % frontier is within 0.7 % of the 0.1 % frontier at every level
        and 40 times faster (``notes/performance.md`` section 4), well inside the
        uncertainty of project value estimates. Ask for 1e-3 for a board paper.
    by
        Ranking of the rank-and-fund baseline: ``"value"`` or ``"ratio"`` (see
        :func:`rank_and_fund`).
    on_point
        Called with each point, as a dict (the ``points`` columns plus ``selected``), as soon
        as it is known: from the highest level down, in the order the levels finish when
        they run side by side. The final ``points`` table can raise a streamed point's value
        when a portfolio found at a lower level beats it (the gap).
    executor, workers
        Where the levels are solved. By default, in this process for models of fewer than
        200 projects (starting workers would cost more than it saves), in order, with the
        next levels that need a solve started ahead on one thread per CPU (HiGHS only), and
        otherwise on a local pool of *workers* processes (default one per CPU). Any
        ``concurrent.futures.Executor`` works, e.g. a Dask client's ``get_executor()``;
        ``workers=1`` solves every level here, one after another.

    Returns
    -------
    FrontierResult
        ``points``: budget_scale, budget (the money available over the horizon: the period
        budgets, capped by the total budget), value, cost, n_selected, status ("optimal",
        "time_limited" or "infeasible"; infeasible levels are recorded, not raised), gap (the
        relative gap proven at that level), seconds (0 for a reused level) and reused.
        ``rank_and_fund``: the ranked list's value, cost, n_selected and feasibility at the
        same levels, with the optimum and what the list leaves behind. ``proposed``: the
        point at 1.0; ``left_behind``: what the ranked list leaves behind there.

    Raises
    ------
    ValidationError
        For levels or scales that are not budget scales >= 0, or an unknown start quarter.
    UnknownChoiceError
        For an unknown solver or ranking.
    """
    started = time.perf_counter()
    choose(RANKINGS, by, what="ranking")
    by = by.strip().lower()
    choose(SOLVERS, solver, what="solver")
    solver_name = next(k for k in SOLVERS if k.lower() == solver.strip().lower())
    scales = _levels(levels, scale)
    rules = _rules(model, values, start)
    value = pd.Series(rules.value, index=list(rules.ids))
    horizon = list(rules.periods)
    options = {"start": start, "solver": solver, "gap": gap, "time_limit": time_limit}

    found: list[dict] = []  # portfolios found so far: budget_scale, selected, value, spend, status
    bounds: dict[float, float] = {}  # proven upper bound on the value at a solved level
    points: dict[float, dict] = {}
    infeasible = False

    def fits(portfolio, s):
        return (_fits_all(portfolio["spend"], rules.budget * s).all()
                and (rules.total_budget is None
                     or _fits(portfolio["spend"].sum(), rules.total_budget * s)))

    def point(s, portfolio, status, seconds, reused):
        # Budgets only grow with the scale, so a bound proven at any level >= s holds at s.
        bound = min((b for level, b in bounds.items() if level >= s), default=None)
        base = {BUDGET_SCALE: s, BUDGET: _budget_total(model, horizon, s), STATUS: status,
                SECONDS: seconds, REUSED: reused}
        if portfolio is None:
            return {**base, VALUE: math.nan, COST: math.nan, N_SELECTED: None, GAP: math.nan,
                    SELECTED: ()}
        v = portfolio[VALUE]
        if bound is not None and bound > 0:
            proven = max(0.0, (bound - v) / bound)
        else:
            proven = 0.0 if status == "optimal" else math.nan
        return {**base, VALUE: v, COST: float(portfolio["spend"].sum()),
                N_SELECTED: len(portfolio[SELECTED]), GAP: proven,
                SELECTED: portfolio[SELECTED]}

    def record(s, outcome):
        nonlocal infeasible
        status, selected, spend, bound, seconds = outcome
        if selected is None:
            infeasible = infeasible or status == "infeasible"
            points[s] = point(s, None, status, seconds, False)
            return
        if bound is not None:
            bounds[s] = bound
        chosen = set(selected)
        rows = [i for i, p in enumerate(rules.ids) if p in chosen]
        portfolio = {BUDGET_SCALE: s, SELECTED: tuple(rules.ids[i] for i in rows),
                     STATUS: status, VALUE: float(rules.value[rows].sum()), "spend": spend}
        found.append(portfolio)
        points[s] = point(s, portfolio, status, seconds, False)

    def settles(s) -> bool:
        """Whether the work done so far fills level *s* (it then stays filled)."""
        return infeasible or any(f[BUDGET_SCALE] >= s and fits(f, s) for f in found)

    def settle(s) -> bool:
        """Fill level *s* from the work done so far; False when it needs a solve."""
        above = [f for f in found if f[BUDGET_SCALE] >= s and fits(f, s)]
        if above:
            best = max(above, key=lambda f: f[VALUE])
            points[s] = point(s, best, best[STATUS], 0.0, True)
        elif infeasible:
            # A higher level was infeasible; with less money this one is too.
            points[s] = point(s, None, "infeasible", 0.0, True)
        else:
            return False
        return True

    def emit(s):
        if on_point is not None:
            on_point(dict(points[s]))

    def solve_here(levels):
        for s in levels:
            if not settle(s):
                record(s, _solve_level(model, value, s, options, horizon))
            emit(s)

    def solve_ahead(threads, levels):
        """:func:`solve_here`, with the next levels that need a solve started on free threads.

        A level is still filled in order, from the solve it would get one after another, so
        the frontier is the same; a solve started ahead for a level that a portfolio found
        meanwhile fills is dropped.
        """
        levels = list(levels)
        ahead: dict[float, concurrent.futures.Future] = {}
        slots = worker_count(threads)
        for i, s in enumerate(levels):
            for t in levels[i:]:
                if len(ahead) >= slots:
                    break
                if t not in ahead and not settles(t):
                    ahead[t] = threads.submit(_solve_level, model, value, t, options, horizon)
            future = ahead.pop(s, None)
            if settle(s):
                if future is not None:
                    future.cancel()
            else:
                record(s, future.result() if future is not None else
                       _solve_level(model, value, s, options, horizon))
            emit(s)

    pool, own_pool = _executor(executor, workers, len(rules.ids))
    if pool is None and workers is None and solver_name != "CBC":
        # Small models: side by side on threads here (CBC, which PuLP starts under
        # warnings.catch_warnings, is not safe there).
        with local_threads() as threads:
            solve_ahead(threads, reversed(scales))
    elif pool is None:
        solve_here(reversed(scales))
    else:
        try:
            _solve_side_by_side(pool, model, value, options, horizon, list(reversed(scales)),
                                settle, record, emit)
        except concurrent.futures.process.BrokenProcessPool:
            # A worker could not start (e.g. a script without `if __name__ == "__main__":`
            # under spawn) or died: finish here rather than lose the frontier.
            warnings.warn("The frontier's worker processes stopped; the remaining budget "
                          "levels are solved in this process, one after another.",
                          WorkbenchWarning, stacklevel=2)
            solve_here([s for s in reversed(scales) if s not in points])
        finally:
            if own_pool:
                pool.shutdown(cancel_futures=True)

    # A portfolio found at a lower level fits every higher one: keep the best so far.
    best = None
    for s in scales:
        p = points[s]
        if best is not None and (math.isnan(p[VALUE]) or best[VALUE] > p[VALUE] + _TOL):
            points[s] = point(s, best, best[STATUS], p[SECONDS], True)
        if not math.isnan(points[s][VALUE]):
            best = next(f for f in found if f[SELECTED] == points[s][SELECTED])

    table = pd.DataFrame([{k: points[s][k] for k in POINT_COLUMNS} for s in scales])
    table[N_SELECTED] = table[N_SELECTED].astype("Int64")
    ranked = _ranked_levels(rules, scales, by, model, table)
    proposed = points[1.0]
    row = ranked.set_index(BUDGET_SCALE).loc[1.0]
    left = LeftBehind(float(row[LEFT_BEHIND]), float(row[LEFT_BEHIND_SHARE]))
    return FrontierResult(table, ranked, MappingProxyType({s: points[s][SELECTED]
                                                           for s in scales}),
                          MappingProxyType(dict(proposed)), left, solver_name, gap,
                          time.perf_counter() - started, model.settings.currency)


def _solve_side_by_side(pool, model, value, options, horizon, pending, settle, record, emit):
    """Hand out levels, top down, one per free worker; record each as it finishes."""
    payload = model_payload(model)
    running: dict[concurrent.futures.Future, float] = {}
    slots = worker_count(pool)
    while pending or running:
        while pending and len(running) < slots:
            s = pending.pop(0)
            if settle(s):
                emit(s)
            else:
                running[pool.submit(_solve_level, payload, value, s, options, horizon)] = s
        if not running:
            continue
        done, _ = concurrent.futures.wait(running,
                                          return_when=concurrent.futures.FIRST_COMPLETED)
        for future in sorted(done, key=lambda f: -running[f]):
            s = running.pop(future)
            record(s, future.result())
            emit(s)


#: Below this many projects the levels are solved in this process: a level takes
#: milliseconds there, and starting worker processes about a second.
PARALLEL_FROM = 200


def _executor(executor, workers, n_projects) -> tuple:
    """The executor to solve levels on (None = here) and whether this call owns it."""
    if executor is not None:
        return executor, False
    if workers is not None and int(workers) < 1:
        raise ValidationError(f"workers must be >= 1, found {workers}.")
    count = int(workers) if workers is not None else (
        (os.cpu_count() or 1) if n_projects >= PARALLEL_FROM else 1)
    if count <= 1:
        return None, False
    return local_pool(count), True


def _ranked_levels(rules, scales, by, model, points) -> pd.DataFrame:
    order = _order(rules, by)
    horizon = list(rules.periods)
    rows = []
    optimum = points.set_index(BUDGET_SCALE)[VALUE]
    for s in scales:
        r = _rank_and_fund(rules, order, s, by, model.settings.currency)
        best = optimum[s]
        behind = best - r.value if not math.isnan(best) else math.nan
        rows.append({BUDGET_SCALE: s, BUDGET: _budget_total(model, horizon, s), VALUE: r.value,
                     COST: r.cost, N_SELECTED: len(r.selected), FEASIBLE: r.feasible,
                     BREAKS: ", ".join(r.breaks), OPTIMUM: best, LEFT_BEHIND: behind,
                     LEFT_BEHIND_SHARE: behind / best if best else math.nan})
    return pd.DataFrame(rows)


# -- scenarios ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioComparison:
    """Several "what if" portfolios side by side, and the projects that move between them."""

    summary: pd.DataFrame  # by scenario: value, cost, n_selected, status, gap, change vs first
    funded: pd.DataFrame  # project x scenario: True when funded (all False when infeasible)
    changes: pd.DataFrame  # project x scenario: "enters" / "leaves" vs the first, else ""
    results: Mapping[str, PortfolioResult | None]  # None for an infeasible scenario
    errors: Mapping[str, str]  # scenario -> why it has no portfolio

    @property
    def baseline(self) -> str:
        """The first scenario, which the others are compared with."""
        return str(self.summary.index[0])

    def sentences(self) -> list[str]:
        """One line per scenario after the first: its value change and who enters or leaves."""
        lines = []
        first = self.summary.iloc[0]
        for name, row in self.summary.iloc[1:].iterrows():
            if name in self.errors:
                lines.append(f"{name}: no portfolio ({self.errors[name]})")
                continue
            enters = list(self.changes.index[self.changes[name] == "enters"])
            leaves = list(self.changes.index[self.changes[name] == "leaves"])
            moves = "; ".join(part for part in (
                f"{_listing(enters)} enter" if enters else "",
                f"{_listing(leaves)} leave" if leaves else "") if part) or "the same projects"
            delta = row[VALUE] - first[VALUE] if not pd.isna(first[VALUE]) else math.nan
            lines.append(f"{name}: value {_number(row[VALUE])} ({delta:+.3g} vs "
                         f"{self.baseline}); {moves}.")
        return lines

    def _repr_html_(self) -> str:
        colours = {"enters": "#d9f0d3", "leaves": "#f4cccc"}
        shown = self.funded[self.funded.any(axis=1) | (self.changes != "").any(axis=1)]
        order = sorted(shown.index, key=lambda p: (not (self.changes.loc[p] != "").any(), p))
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.funded.columns)
        rows = []
        for p in order:
            cells = []
            for c in self.funded.columns:
                change = self.changes.at[p, c]
                style = f' style="background:{colours[change]}"' if change else ""
                mark = "funded" if self.funded.at[p, c] else ""
                title = f' title="{change}"' if change else ""
                cells.append(f"<td{style}{title}>{mark}</td>")
            rows.append(f"<tr><th>{html.escape(str(p))}</th>{''.join(cells)}</tr>")
        lines = "".join(f"<li>{html.escape(s)}</li>" for s in self.sentences())
        return (self.summary.to_html(float_format=lambda x: f"{x:,.4g}", na_rep="")
                + (f"<ul>{lines}</ul>" if lines else "")
                + f"<table><tr><th>project</th>{head}</tr>{''.join(rows)}</table>")


def compare_scenarios(model: PortfolioModel, values: Mapping[str, float] | pd.Series | None,
                      scenarios: Mapping[str, Mapping], **options) -> ScenarioComparison:
    """Solve each scenario and set the portfolios side by side, against the first scenario.

    >>> from seo_workbench.workbook import read_workbook, sample_workbook
    >>> model = read_workbook(sample_workbook())
    >>> runs = compare_scenarios(model, model.projects["benefit"],
    ...                          {"today": {}, "budget +10 %": {"budget_scale": 1.1}})
    >>> list(runs.summary.index)
    ['today', 'budget +10 %']

    Parameters
    ----------
    model, values
        As for :func:`~seo_workbench.portfolio.select_portfolio`.
    scenarios
        Scenario name -> keyword options of :func:`~seo_workbench.portfolio.select_portfolio`
        (e.g. ``{"budget_scale": 1.1}`` or ``{"drop": ["must:P11"]}``), in the order to
        show; the first is the baseline the others are compared with.
    **options
        Options shared by every scenario (e.g. ``gap=1e-3``); a scenario's own options win.

    Returns
    -------
    ScenarioComparison
        ``summary`` (value, cost, n_selected, status, gap, value_change against the first),
        ``funded`` (project x scenario), ``changes`` ("enters" / "leaves" against the first)
        and the results. An infeasible scenario is recorded with status "infeasible" and its
        reason in ``errors``; it is not raised.
    """
    if not scenarios:
        raise ValidationError("Give at least one scenario, e.g. {'today': {}}.")
    values = _values(model, values)
    ids = list(model.projects.index)
    results, errors, rows = {}, {}, []
    for name, own in scenarios.items():
        kwargs = {**options, **dict(own)}
        try:
            result = select_portfolio(model, values, **kwargs)
        except InfeasiblePortfolioError as exc:
            results[name], errors[name] = None, str(exc)
            rows.append({VALUE: math.nan, COST: math.nan, N_SELECTED: 0,
                         STATUS: "infeasible", GAP: math.nan})
            continue
        results[name] = result
        rows.append({VALUE: result.value, COST: result.cost, N_SELECTED: len(result.selected),
                     STATUS: result.status, GAP: result.gap})
    summary = pd.DataFrame(rows, index=pd.Index(list(scenarios), name="scenario"))
    summary["value_change"] = summary[VALUE] - summary[VALUE].iloc[0]
    funded = pd.DataFrame({name: [r is not None and p in r.selected for p in ids]
                           for name, r in results.items()}, index=pd.Index(ids, name="project_id"))
    base = funded.iloc[:, 0]
    changes = pd.DataFrame("", index=funded.index, columns=funded.columns)
    for name in funded.columns[1:]:
        if name in errors:
            continue
        changes.loc[funded[name] & ~base, name] = "enters"
        changes.loc[~funded[name] & base, name] = "leaves"
    return ScenarioComparison(summary, funded, changes, MappingProxyType(results),
                              MappingProxyType(errors))

"""An independent check that a portfolio keeps every rule of its workbook.

Written from the workbook's data (the validated tables of a
:class:`~seo_workbench.workbook.PortfolioModel`), never from the PuLP model that chose the
portfolio, so a modelling slip in ``portfolio.py`` shows up as a named violation here.

Rules checked: budget per period, total budget, minimum and maximum number of projects,
capacity per pool and period, forced decisions ('must' / 'must_not'), dependencies
('requires', 'excludes', 'with'), exclusive groups, theme shares and spend, and, when the
projects sheet has the columns, variants (``variant_of``: at most one project of a family) and
start windows (``earliest_start`` / ``latest_start``).

Start windows, as the workbook contract defines them: the costs and demand sheets hold a
project's profile at its planned start, its first period with a cost (the generator writes it
at ``earliest_start``). A start in *starts* moves the whole profile, costs and demand, by the
same number of periods; a profile pushed past the last period is a violation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = ["check_portfolio", "portfolio_value"]

TOLERANCE = 1e-6  # relative, with an absolute floor of TOLERANCE on small limits


def portfolio_value(values: Mapping[str, float] | pd.Series, selected: Iterable[str]) -> float:
    """Total value of the selected projects.

    >>> portfolio_value({"A": 3.0, "B": 4.5, "C": 1.0}, ["A", "B"])
    7.5
    """
    values = pd.Series(values, dtype=float)
    return float(sum(values[p] for p in set(selected)))


def _over(amount: float, limit: float, tol: float) -> bool:
    return amount > limit + tol * max(1.0, abs(limit))


def _under(amount: float, limit: float, tol: float) -> bool:
    return amount < limit - tol * max(1.0, abs(limit))


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def _n(x: float) -> str:
    """A number as a message shows it.

    >>> _n(1234567.0), _n(0.25), _n(3)
    ('1,234,567', '0.25', '3')
    """
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.6g}"


def _profiles(model, chosen: list[str], starts: Mapping[str, str] | None,
              periods: list[str]) -> tuple[pd.DataFrame, pd.DataFrame | None, list[str]]:
    """Costs (project x period) and demand (long) of the chosen projects, moved to their starts."""
    costs = model.costs.reindex(columns=periods).fillna(0.0).loc[chosen]
    demand = model.table("demand")
    if demand is not None:
        demand = demand[demand["project_id"].isin(chosen)]
    problems: list[str] = []
    if not starts:
        return costs, demand, problems
    at = {p: i for i, p in enumerate(periods)}
    planned = _planned_starts(costs, demand, at)
    matrix = costs.to_numpy(copy=True)
    shift = {}
    for row, p in enumerate(chosen):
        start = starts.get(p)
        if start is None or _blank(start) or p not in planned:
            continue
        if start not in at:
            problems.append(f"Project {p!r} starts in {start!r}, which is not a period of the "
                            "horizon.")
            continue
        offset = at[start] - planned[p]
        if offset == 0:
            continue
        shift[p] = offset
        moved = np.zeros(len(periods))
        for i, amount in enumerate(matrix[row]):
            if amount and not 0 <= i + offset < len(periods):
                problems.append(f"Project {p!r} starting in {start} would spend "
                                f"{_n(amount)} beyond the horizon (its profile is "
                                f"{int(np.count_nonzero(matrix[row]))} periods long from "
                                f"{periods[planned[p]]}).")
            elif amount:
                moved[i + offset] = amount
        matrix[row] = moved
    costs = pd.DataFrame(matrix, index=costs.index, columns=costs.columns)
    if demand is not None and shift:
        demand = demand.copy()
        index = demand["period"].map(at) + demand["project_id"].map(shift).fillna(0).astype(int)
        inside = index.between(0, len(periods) - 1)
        for p in demand.loc[~inside, "project_id"].unique():
            problems.append(f"Project {p!r} starting in {starts[p]} would need capacity "
                            "beyond the horizon.")
        demand = demand[inside].assign(period=[periods[i] for i in index[inside]])
    return costs, demand, problems


def _planned_starts(costs: pd.DataFrame, demand: pd.DataFrame | None,
                    at: Mapping[str, int]) -> dict[str, int]:
    """Index of each project's planned start: its first period with a cost.

    A project without costs starts with its first demand, if it has any.
    """
    first = {}
    if demand is not None:
        for p, period in zip(demand["project_id"], demand["period"]):
            if period in at:
                first[p] = min(first.get(p, at[period]), at[period])
    for p, row in zip(costs.index, costs.to_numpy()):
        nonzero = np.flatnonzero(row)
        if len(nonzero):
            first[p] = int(nonzero[0])
    return first


def check_portfolio(model, selected: Iterable[str], starts: Mapping[str, str] | None = None,
                    *, tol: float = TOLERANCE) -> list[str]:
    """Every rule of *model* that the portfolio *selected* breaks, in words; empty if none.

    Parameters
    ----------
    model
        A validated :class:`~seo_workbench.workbook.PortfolioModel`.
    selected
        Ids of the funded projects.
    starts
        Optional start period of funded projects (project id -> period label); a project not
        named keeps its planned start.
    tol
        Relative tolerance on every limit (absolute below 1).

    Returns
    -------
    list of str
        One sentence per violation.
    """
    projects = model.projects
    periods = list(model.periods)
    chosen = list(dict.fromkeys(str(p) for p in selected))
    problems = [f"Project {p!r} is not in sheet 'projects'." for p in chosen
                if p not in projects.index]
    chosen = [p for p in chosen if p in projects.index]
    funded = set(chosen)
    starts = {} if starts is None else {str(k): v for k, v in dict(starts).items()}
    costs, demand, moved = _profiles(model, chosen, starts, periods)
    problems += moved

    spend = costs.sum(axis=0)
    budget = model.budget.reindex(periods)
    for period in periods:
        if _over(spend[period], budget[period], tol):
            problems.append(f"Budget {period}: the portfolio spends {_n(spend[period])} but the "
                            f"budget is {_n(budget[period])}.")
    settings = model.settings
    total = float(spend.sum())
    if settings.total_budget is not None and _over(total, settings.total_budget, tol):
        problems.append(f"Total budget: the portfolio spends {_n(total)} over the horizon but "
                        f"total_budget is {_n(settings.total_budget)}.")
    if settings.min_projects is not None and len(chosen) < settings.min_projects:
        problems.append(f"min_projects: {len(chosen)} projects are funded but min_projects is "
                        f"{settings.min_projects}.")
    if settings.max_projects is not None and len(chosen) > settings.max_projects:
        problems.append(f"max_projects: {len(chosen)} projects are funded but max_projects is "
                        f"{settings.max_projects}.")

    capacity = model.table("capacity")
    if capacity is not None and demand is not None:
        use = demand.groupby(["pool", "period"])["amount"].sum()
        limit = capacity.groupby(["pool", "period"])["amount"].sum()
        for (pool, period), amount in use.items():
            # A pool and period without a capacity row is not limited (as in the model).
            if (pool, period) in limit.index and _over(amount, limit[(pool, period)], tol):
                problems.append(f"Capacity {pool!r} in {period}: the portfolio needs "
                                f"{_n(amount)} but the capacity is {_n(limit[(pool, period)])}.")

    for p, decision in projects["decision"].items():
        if decision == "must" and p not in funded:
            problems.append(f"Decision: {p!r} is 'must' but not funded.")
        elif decision == "must_not" and p in funded:
            problems.append(f"Decision: {p!r} is 'must_not' but funded.")

    deps = model.table("dependencies")
    if deps is not None:
        for a, kind, b in deps[["project_id", "kind", "other_id"]].itertuples(index=False):
            if kind == "requires" and a in funded and b not in funded:
                problems.append(f"Dependency: {a!r} requires {b!r}, which is not funded.")
            elif kind == "excludes" and a in funded and b in funded:
                problems.append(f"Dependency: {a!r} excludes {b!r}, and both are funded.")
            elif kind == "with" and (a in funded) != (b in funded):
                one, other = (a, b) if a in funded else (b, a)
                problems.append(f"Dependency: {a!r} goes with {b!r} (both or neither), but "
                                f"only {one!r} is funded, not {other!r}.")

    groups = model.table("groups")
    if groups is not None:
        for group, rows in groups.groupby("group"):
            members = [p for p in rows["project_id"] if p in funded]
            limit = int(rows["max_selected"].max())
            if len(members) > limit:
                problems.append(f"Group {group!r}: {len(members)} projects are funded "
                                f"({', '.join(members)}) but at most {limit} may be.")

    themes = model.table("themes")
    if themes is not None:
        theme_spend = costs.sum(axis=1).groupby(projects.loc[chosen, "theme"]).sum()
        for theme, limits in themes.iterrows():
            amount = float(theme_spend.get(theme, 0.0))
            share = amount / total if total else 0.0
            checks = (("min_share", limits["min_share"] * total, _under, "at least"),
                      ("max_share", limits["max_share"] * total, _over, "at most"),
                      ("min_spend", limits["min_spend"], _under, "at least"),
                      ("max_spend", limits["max_spend"], _over, "at most"))
            for column, bound, broken, word in checks:
                if pd.isna(bound) or not broken(amount, bound, tol):
                    continue
                if column.endswith("share"):
                    problems.append(f"Theme {theme!r}: spend {_n(amount)} is {share:.2%} of "
                                    f"the portfolio's {_n(total)}, but {column} asks for "
                                    f"{word} {limits[column]:.2%}.")
                else:
                    problems.append(f"Theme {theme!r}: spend {_n(amount)}, but {column} asks "
                                    f"for {word} {_n(bound)}.")

    if "variant_of" in projects.columns:
        problems += _check_variants(projects["variant_of"], funded)
    if starts or {"earliest_start", "latest_start"} & set(projects.columns):
        problems += _check_windows(model, chosen, starts, periods)
    return problems


def _check_variants(variant_of: pd.Series, funded: set[str]) -> list[str]:
    """At most one project of each family (a base project and its variants) is funded."""
    parent = {p: str(b).strip() for p, b in variant_of.items() if not _blank(b)}

    def root(p):
        seen = set()
        while p in parent and p not in seen:
            seen.add(p)
            p = parent[p]
        return p

    families: dict[str, list[str]] = {}
    for p in sorted(funded):
        if p in parent or any(b == p for b in parent.values()):
            families.setdefault(root(p), []).append(p)
    return [f"Variants: {', '.join(members)} are funded, but they are one family (project "
            f"{base!r} and its variants) of which at most one may be funded."
            for base, members in families.items() if len(members) > 1]


def _check_windows(model, chosen: list[str], starts: Mapping[str, str],
                   periods: list[str]) -> list[str]:
    """Each funded project starts inside its window, read as the workbook contract says.

    A blank earliest_start is the planned start (or latest_start, if earlier); a blank
    latest_start is the planned start (or earliest_start, if later). A project with neither
    starts as planned.
    """
    projects = model.projects
    at = {p: i for i, p in enumerate(periods)}
    costs = model.costs.reindex(columns=periods).fillna(0.0).loc[chosen]
    demand = model.table("demand")
    planned = _planned_starts(costs, demand[demand["project_id"].isin(chosen)]
                              if demand is not None else None, at)

    def bound(p, column):
        value = projects.at[p, column] if column in projects.columns else None
        return None if _blank(value) or value not in at else at[value]

    problems = []
    for p in chosen:
        start = starts.get(p)
        if p not in planned or (not _blank(start) and start not in at):
            continue  # nothing to move, or reported with the profiles
        early, late, plan = bound(p, "earliest_start"), bound(p, "latest_start"), planned[p]
        low = early if early is not None else min(plan, plan if late is None else late)
        high = late if late is not None else max(plan, plan if early is None else early)
        chosen_start = plan if _blank(start) else at[start]
        if low <= chosen_start <= high:
            continue
        if early is None and late is None:
            problems.append(f"Start window: {p!r} starts in {periods[chosen_start]} but has no "
                            f"start window (planned start {periods[plan]}).")
        else:
            problems.append(f"Start window: {p!r} starts in {periods[chosen_start]}, outside "
                            f"its window {periods[low]}..{periods[high]}.")
    return problems

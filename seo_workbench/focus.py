"""Focus and silos: whether the money goes where the strategy says, and where departments meet.

:func:`measure_focus` answers four questions a Strategy Execution Office asks each quarter:

* **Theme drift.** Each theme's share of spend against its strategic weight (``target_share``
  in sheet 'themes', or the middle of its min_share..max_share band), for the funded
  portfolio and for what the in-flight projects have spent to date.
* **Active projects against capacity.** How many projects run in each quarter against the
  workbook's limit on the number of funded projects (settings ``max_projects``).
* **Cross-department dependencies.** Which department's projects need which other
  department's, as a department x department matrix of 'requires' and 'with' links.
* **Capacity demand by department and quarter.** What each department's projects ask of the
  resource pools (sheet 'demand'), quarter by quarter.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import pandas as pd

from .execution import _chronology, _quarter_key, _reports_until
from .validate import profile_extent
from .workbook import PortfolioModel

__all__ = ["FocusResult", "measure_focus"]

THEME, DEPARTMENT, OTHER_DEPARTMENT, PERIOD, POOL = ("theme", "department", "other_department",
                                                     "period", "pool")
PROJECT_ID, OTHER_ID, KIND, AMOUNT = "project_id", "other_id", "kind", "amount"
TARGET_SHARE, MIN_SHARE, MAX_SHARE = "target_share", "min_share", "max_share"
TARGET_FROM = "target_from"
FUNDED_SPEND, FUNDED_SHARE, DRIFT, BAND = "funded_spend", "funded_share", "drift", "band"
SPEND_TO_DATE, SHARE_TO_DATE, DRIFT_TO_DATE = "spend_to_date", "share_to_date", "drift_to_date"
BASIS, ACTIVE, IN_FLIGHT, LIMIT, HEADROOM = "basis", "active", "in_flight", "limit", "headroom"
CROSS, FUNDED, LINKS = "cross_department", "funded", "links"
REPORTED, PLANNED, CANDIDATES = "reported", "funded", "all candidates"
BELOW, WITHIN, ABOVE = "below minimum", "within band", "above maximum"
DEPENDS = ("requires", "with")  # 'excludes' is a conflict, not a dependency


def _share_band(share: float, low: float, high: float) -> str:
    """Where a share lies against its band.

    >>> _share_band(0.1, 0.15, 0.4), _share_band(0.2, math.nan, 0.4), _share_band(0.5, 0, 0.4)
    ('below minimum', 'within band', 'above maximum')
    """
    if math.isnan(share):
        return ""
    if not math.isnan(low) and share < low - 1e-9:
        return BELOW
    if not math.isnan(high) and share > high + 1e-9:
        return ABOVE
    return WITHIN


def _points(share: float) -> str:
    """A difference of shares in percentage points.

    >>> _points(0.0804), _points(-0.003), _points(-0.01)
    ('+8 points', 'on target', '-1 point')
    """
    points = round(100 * share)
    if points == 0:
        return "on target"
    return f"{points:+d} point{'' if abs(points) == 1 else 's'}"


def _targets(model: PortfolioModel, themes: list[str]) -> pd.DataFrame:
    """Each theme's band and target share, and where the target came from."""
    sheet = model.table("themes")
    if sheet is None:
        sheet = pd.DataFrame(index=pd.Index(themes, name=THEME),
                             columns=[MIN_SHARE, MAX_SHARE, TARGET_SHARE], dtype=float)
    table = sheet.reindex(themes)[[MIN_SHARE, MAX_SHARE, TARGET_SHARE]].astype(float)
    given = table[TARGET_SHARE].notna()
    if given.all() and len(table) and abs(table[TARGET_SHARE].sum() - 1) > 1e-9:
        # The validator warned: drift is measured against the targets as shares of a whole.
        table[TARGET_SHARE] = table[TARGET_SHARE] / table[TARGET_SHARE].sum()
    middle = (table[MIN_SHARE] + table[MAX_SHARE]) / 2
    table[TARGET_FROM] = ["target_share" if g else "middle of the band" if not math.isnan(m)
                          else "" for g, m in zip(given, middle)]
    table[TARGET_SHARE] = table[TARGET_SHARE].where(given, middle)
    return table


def _shift(model: PortfolioModel, portfolio) -> dict[str, int]:
    """Periods each funded project moved by its chosen start (0 when it starts as planned)."""
    periods = list(model.periods)
    starts = getattr(portfolio, "starts", pd.Series(dtype=object))
    costs = model.costs
    out = {}
    for pid, start in starts.items():
        extent = profile_extent(costs.loc[pid], ())
        if extent is not None and start in periods:
            out[pid] = periods.index(start) - extent[0]
    return out


def _active(model: PortfolioModel, portfolio, horizon: list[str]) -> dict[str, set[str]]:
    """The periods of *horizon* in which each project (funded, if *portfolio*) spends."""
    periods = list(model.periods)
    costs = model.costs
    ids = list(portfolio.selected) if portfolio is not None else [
        p for p, d in model.projects["decision"].items() if d != "must_not"]
    shift = _shift(model, portfolio) if portfolio is not None else {}
    out = {}
    for pid in ids:
        moved = {periods[i + shift.get(pid, 0)] for i, c in enumerate(costs.loc[pid])
                 if c != 0 and 0 <= i + shift.get(pid, 0) < len(periods)}
        out[pid] = moved & set(horizon)
    return out


def _theme_drift(model: PortfolioModel, portfolio, status: pd.DataFrame | None) -> pd.DataFrame:
    projects = model.projects
    themes = list(dict.fromkeys(projects[THEME]))
    if model.table("themes") is not None:
        themes = list(dict.fromkeys([*model.table("themes").index, *themes]))
    table = _targets(model, themes)
    if portfolio is not None:
        chosen = portfolio.projects[portfolio.projects["selected"]]
        spend = chosen.groupby(THEME)["cost"].sum().reindex(themes).fillna(0.0)
        table[FUNDED_SPEND] = spend
        table[FUNDED_SHARE] = spend / spend.sum() if spend.sum() else math.nan
    else:
        table[FUNDED_SPEND] = table[FUNDED_SHARE] = math.nan
    table[DRIFT] = table[FUNDED_SHARE] - table[TARGET_SHARE]
    if status is not None and status["actual_spend"].notna().any():
        spent = status.groupby(status[PROJECT_ID].map(projects[THEME]))["actual_spend"].sum()
        spent = spent.reindex(themes).fillna(0.0)
        table[SPEND_TO_DATE] = spent
        table[SHARE_TO_DATE] = spent / spent.sum()
    else:
        table[SPEND_TO_DATE] = table[SHARE_TO_DATE] = math.nan
    table[DRIFT_TO_DATE] = table[SHARE_TO_DATE] - table[TARGET_SHARE]
    judged = table[FUNDED_SHARE].where(table[FUNDED_SHARE].notna(), table[SHARE_TO_DATE])
    table[BAND] = [_share_band(s, lo, hi) for s, lo, hi in
                   zip(judged, table[MIN_SHARE], table[MAX_SHARE])]
    table.index.name = THEME
    return table[[TARGET_SHARE, TARGET_FROM, MIN_SHARE, MAX_SHARE, FUNDED_SPEND, FUNDED_SHARE,
                  DRIFT, BAND, SPEND_TO_DATE, SHARE_TO_DATE, DRIFT_TO_DATE]]


def _active_projects(model: PortfolioModel, portfolio, status: pd.DataFrame | None
                     ) -> pd.DataFrame:
    horizon = list(portfolio.periods) if portfolio is not None else list(model.periods)
    active = _active(model, portfolio, horizon)
    in_flight = set(model.projects.index[model.projects["status"] == "in_flight"])
    limit = model.settings.max_projects
    rows = []
    if status is not None:
        first = _quarter_key(horizon[0])
        for quarter in _chronology(status[PERIOD].tolist()):
            key = _quarter_key(quarter)
            if first is not None and key is not None and key >= first:
                continue  # a report inside the horizon: the plan counts there
            running = set(status.loc[status[PERIOD] == quarter, PROJECT_ID])
            rows.append({PERIOD: quarter, BASIS: REPORTED, ACTIVE: len(running),
                         IN_FLIGHT: len(running & in_flight)})
    basis = PLANNED if portfolio is not None else CANDIDATES
    for period in horizon:
        running = {p for p, on in active.items() if period in on}
        rows.append({PERIOD: period, BASIS: basis, ACTIVE: len(running),
                     IN_FLIGHT: len(running & in_flight)})
    table = pd.DataFrame(rows, columns=[PERIOD, BASIS, ACTIVE, IN_FLIGHT]).set_index(PERIOD)
    table[LIMIT] = math.nan if limit is None else float(limit)
    table[HEADROOM] = table[LIMIT] - table[ACTIVE]
    return table


def _dependencies(model: PortfolioModel, portfolio) -> tuple[pd.DataFrame, pd.DataFrame]:
    projects = model.projects
    departments = sorted(set(projects[DEPARTMENT]))
    links = model.table("dependencies")
    if links is None:
        links = pd.DataFrame(columns=[PROJECT_ID, KIND, OTHER_ID])
    links = links[[PROJECT_ID, KIND, OTHER_ID]].reset_index(drop=True)
    links[DEPARTMENT] = links[PROJECT_ID].map(projects[DEPARTMENT])
    links[OTHER_DEPARTMENT] = links[OTHER_ID].map(projects[DEPARTMENT])
    links[CROSS] = links[DEPARTMENT] != links[OTHER_DEPARTMENT]
    chosen = set(portfolio.selected) if portfolio is not None else None
    links[FUNDED] = ([a in chosen and b in chosen for a, b in zip(links[PROJECT_ID],
                                                                  links[OTHER_ID])]
                     if chosen is not None else pd.NA)
    depends = links[links[KIND].isin(DEPENDS)]
    matrix = (depends.groupby([DEPARTMENT, OTHER_DEPARTMENT]).size()
              .unstack(OTHER_DEPARTMENT)
              .reindex(index=departments, columns=departments).fillna(0).astype(int))
    matrix.index.name, matrix.columns.name = DEPARTMENT, OTHER_DEPARTMENT
    return links, matrix


def _demand(model: PortfolioModel, portfolio) -> tuple[pd.DataFrame, pd.DataFrame]:
    horizon = list(portfolio.periods) if portfolio is not None else list(model.periods)
    departments = sorted(set(model.projects[DEPARTMENT]))
    demand = model.table("demand")
    if demand is None:
        demand = pd.DataFrame(columns=[PROJECT_ID, POOL, PERIOD, AMOUNT])
    if portfolio is not None:
        demand = demand[demand[PROJECT_ID].isin(portfolio.selected)].copy()
        periods = list(model.periods)
        shift = _shift(model, portfolio)
        moved = [periods.index(p) + shift.get(pid, 0)
                 for pid, p in zip(demand[PROJECT_ID], demand[PERIOD])]
        demand[PERIOD] = [periods[i] if 0 <= i < len(periods) else "" for i in moved]
    demand = demand[demand[PERIOD].isin(horizon)].copy()
    demand[DEPARTMENT] = demand[PROJECT_ID].map(model.projects[DEPARTMENT])
    long = (demand.groupby([DEPARTMENT, POOL, PERIOD])[AMOUNT].sum().reset_index()
            if len(demand) else pd.DataFrame(columns=[DEPARTMENT, POOL, PERIOD, AMOUNT]))
    matrix = (demand.groupby([DEPARTMENT, PERIOD])[AMOUNT].sum().unstack(PERIOD)
              .reindex(index=departments, columns=horizon).fillna(0.0))
    matrix.index.name, matrix.columns.name = DEPARTMENT, PERIOD
    return matrix, long


@dataclass(frozen=True)
class FocusResult:
    """Theme drift, active projects, cross-department dependencies and demand by department."""

    theme_drift: pd.DataFrame  # by theme: target, band, funded share, drift, share to date, ...
    active_projects: pd.DataFrame  # by period: basis, active, in_flight, limit, headroom
    dependencies: pd.DataFrame  # one row per link: departments at both ends, cross, funded
    dependency_matrix: pd.DataFrame  # department x other_department: requires/with links
    demand: pd.DataFrame  # department x period: capacity demand, all pools together
    demand_by_pool: pd.DataFrame  # department, pool, period, amount
    funded_only: bool  # True when measured on a funded portfolio, False on all candidates
    n_projects: int  # funded projects (or candidates) over the horizon
    currency: str

    def to_sentences(self) -> list[str]:
        """What the board should know about focus and silos, one sentence per point."""
        out = []
        drift = self.theme_drift
        which, share, delta = ((FUNDED_SHARE, "funded portfolio", DRIFT) if self.funded_only
                               else (SHARE_TO_DATE, "spend to date", DRIFT_TO_DATE))
        shown = drift.dropna(subset=[which])
        if len(shown) and shown[TARGET_SHARE].notna().any():
            parts = [f"{t} {r[which]:.0%} (target {r[TARGET_SHARE]:.0%}, "
                     f"{_points(r[delta])})" if not math.isnan(r[TARGET_SHARE])
                     else f"{t} {r[which]:.0%} (no target)"
                     for t, r in shown.iterrows()]
            out.append(f"Share of the {share} by theme against the strategy: "
                       + "; ".join(parts) + ".")
            worst = shown[delta].abs().idxmax()
            out.append(f"The largest drift is {worst}: {_points(shown.at[worst, delta])} "
                       f"against its target of {shown.at[worst, TARGET_SHARE]:.0%}.")
        breaches = drift[drift[BAND].isin([BELOW, ABOVE])]
        for theme, row in breaches.iterrows():
            out.append(f"{theme} is {row[BAND]} ({row[MIN_SHARE]:.0%} to "
                       f"{row[MAX_SHARE]:.0%}).")
        if self.funded_only and drift[SHARE_TO_DATE].notna().any():
            moved = drift.dropna(subset=[DRIFT_TO_DATE])
            if len(moved):
                worst = moved[DRIFT_TO_DATE].abs().idxmax()
                out.append(f"Spend to date on the in-flight projects drifts most on {worst}: "
                           f"{moved.at[worst, SHARE_TO_DATE]:.0%} against a target of "
                           f"{moved.at[worst, TARGET_SHARE]:.0%}.")
        out.append(self._active_sentence())
        links = self.dependencies[self.dependencies[KIND].isin(DEPENDS)]
        if len(links):
            cross = links[links[CROSS]]
            text = (f"{len(cross)} of {len(links)} dependencies cross departments")
            if len(cross):
                pairs = cross.groupby([DEPARTMENT, OTHER_DEPARTMENT]).size()
                (a, b), n = pairs.idxmax(), pairs.max()
                text += (f"; the busiest interface: {a} needs {b} ({n} links)" if n > 1 else
                         "; no two departments share more than one link")
                if self.funded_only:
                    text += f"; {int(cross[FUNDED].sum())} of them join two funded projects"
            out.append(text + ".")
        if self.demand.to_numpy().sum() > 0:
            stacked = self.demand.stack()
            (dept, period), peak = stacked.idxmax(), stacked.max()
            total = self.demand.sum(axis=1).sort_values(ascending=False)
            out.append(f"Capacity demand peaks with {dept} in {period} ({peak:,.0f}, all pools "
                       f"together in their own units); over the horizon {total.index[0]} asks "
                       f"most ({total.iloc[0] / total.sum():.0%} of all demand).")
        return out

    def _active_sentence(self) -> str:
        table = self.active_projects
        planned = table[table[BASIS] != REPORTED]
        if planned.empty:
            return "No period to count active projects in."
        peak = planned[ACTIVE].idxmax()
        what = "funded" if self.funded_only else "candidate"
        text = (f"{self.n_projects} {what} projects over the horizon, at most "
                f"{planned.at[peak, ACTIVE]} running at once (in {peak})")
        reported = table[table[BASIS] == REPORTED]
        if len(reported):
            text += (f", against {reported[ACTIVE].iloc[-1]} reporting in "
                     f"{reported.index[-1]}")
        limit = planned[LIMIT].iloc[0]
        if math.isnan(limit):
            return text + "; the workbook sets no maximum (settings max_projects)."
        at = "at" if self.n_projects == limit else "over" if self.n_projects > limit else "under"
        return text + f"; {at} the limit of {limit:.0f} funded projects (settings max_projects)."

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in self.to_sentences())
        return (f"<ul>{items}</ul>" + self.theme_drift.to_html(na_rep="")
                + self.dependency_matrix.to_html())


def measure_focus(model: PortfolioModel, portfolio=None, quarter: str | None = None
                  ) -> FocusResult:
    """Theme drift, active projects, cross-department dependencies and demand by department.

    Parameters
    ----------
    model
        A validated workbook.
    portfolio
        A solved :class:`~seo_workbench.portfolio.PortfolioResult`: shares, counts and demand
        are then those of the funded projects (at their chosen starts) over its horizon.
        Without it, of every candidate but the 'must_not' ones, and theme drift is measured on
        spend to date only.
    quarter
        Review quarter for spend to date (reports of sheet 'status' up to it); default every
        report.

    Returns
    -------
    FocusResult
        ``theme_drift`` by theme: target_share (``target_share`` of sheet 'themes',
        renormalised to sum to 1 when every theme has one; else the middle of its band),
        target_from, min_share, max_share, funded_spend, funded_share, drift (funded share -
        target, as a share), band (of the funded share, or of the share to date without a
        portfolio), spend_to_date, share_to_date (actual_spend of sheet 'status'),
        drift_to_date. ``active_projects`` by period: basis ("reported" for status quarters
        before the horizon, then "funded" or "all candidates"), active, in_flight, limit
        (settings max_projects), headroom. ``dependencies`` lists every link with the
        departments at both ends; ``dependency_matrix`` counts 'requires' and 'with' links,
        rows the department whose project needs, columns the department it needs.
        ``demand`` is department x period (sheet 'demand', all pools added in their own
        units) and ``demand_by_pool`` the same by pool.
    """
    status = model.table("status")
    if status is not None and quarter is not None:
        status = _reports_until(status, quarter)[0]
    links, matrix = _dependencies(model, portfolio)
    demand, by_pool = _demand(model, portfolio)
    return FocusResult(_theme_drift(model, portfolio, status),
                       _active_projects(model, portfolio, status), links, matrix, demand,
                       by_pool, portfolio is not None,
                       len(portfolio.selected) if portfolio is not None
                       else int((model.projects["decision"] != "must_not").sum()),
                       model.settings.currency)

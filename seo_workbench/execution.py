"""Execution: how the in-flight projects are doing, who forecasts well, and what to continue.

:func:`execution_status` reads the ``status`` sheet, quarter by quarter, and the optional
``benefits`` register: per project and per owner, spend against plan, forecast to complete,
RAG and its trend, benefits forecast against realised, and each owner's forecast accuracy.
:func:`continuation` turns a solved portfolio and that status into a continue / stop / hold
recommendation for every in-flight project, each with its reason in plain words.

Where the numbers come from (see the help of sheet 'status'):

* **Plan.** A quarter's plan is its ``planned_spend`` (the approved baseline). Spend against
  plan compares ``actual_spend`` with it over the quarters that have both.
* **Forecast to complete.** The latest report's ``forecast_to_complete``; when it is blank,
  the project's remaining costs in sheet 'costs' in the planning periods after the report
  (what the optimiser counts). Estimate at completion = spend to date + forecast to complete.
* **Forecast accuracy.** Each report's ``next_quarter_benefit`` is a forecast of the benefit
  the next quarter realises, which is the rise of ``realised_benefit`` (a running total) from
  one report to the next. See :func:`forecast_accuracy`.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .decisions import explain_selection
from .errors import ValidationError
from .workbook import PortfolioModel

__all__ = [
    "ContinuationResult",
    "ExecutionResult",
    "continuation",
    "execution_status",
    "forecast_accuracy",
]

PROJECT_ID, NAME, OWNER, DEPARTMENT, THEME = "project_id", "name", "owner", "department", "theme"
PERIOD, QUARTER, NOTE, DECISION = "period", "quarter", "note", "decision"
RAG, RAG_PREVIOUS, TREND = "rag", "rag_previous", "trend"
ACTUAL_SPEND, PLANNED_SPEND, PERCENT_COMPLETE = "actual_spend", "planned_spend", "percent_complete"
SPEND_TO_DATE, PLAN_TO_DATE = "spend_to_date", "plan_to_date"
SPEND_VARIANCE, SPEND_VARIANCE_SHARE = "spend_variance", "spend_variance_share"
PLAN_COMPARED = "plan_compared"
FORECAST_TO_COMPLETE, FTC_SOURCE = "forecast_to_complete", "forecast_to_complete_from"
ESTIMATE_AT_COMPLETION = "estimate_at_completion"
FORECAST_BENEFIT, FORECAST_BENEFIT_PREVIOUS = "forecast_benefit", "forecast_benefit_previous"
BENEFIT_CHANGE, REALISED_BENEFIT, REALISED_SHARE = ("benefit_change", "realised_benefit",
                                                    "realised_share")
NEXT_QUARTER_BENEFIT = "next_quarter_benefit"
DISCOUNT_FACTOR = "discount_factor"
DISCOUNTED_NEXT_QUARTER_BENEFIT = "discounted_next_quarter_benefit"
PROJECTS, GREEN, AMBER, RED, BENEFITS_OWNED = "projects", "green", "amber", "red", "benefits_owned"
MADE_IN, FOR_QUARTER, FORECAST, REALISED = "made_in", "for_quarter", "forecast", "realised"
ERROR, ABSOLUTE_ERROR = "error", "absolute_error"
FORECASTS, WAPE, REALISATION_RATIO, ACCURACY = ("forecasts", "wape", "realisation_ratio",
                                                "accuracy")
BENEFIT_ID, KPI, UNIT, BASELINE, TARGET = "benefit_id", "kpi", "unit", "baseline", "target"
TARGET_DATE, CURRENT, VALUE, PROGRESS, STANDING = ("target_date", "current", "value", "progress",
                                                   "standing")
RECOMMENDATION, REASON, FUNDED, REMAINING_COST = ("recommendation", "reason", "funded",
                                                  "remaining_cost")
CONTINUE, STOP, HOLD = "continue", "stop", "hold"
FROM_OWNER, FROM_COSTS = "owner", "costs sheet"
NO_REPORT, FIRST_REPORT, BETTER, WORSE, SAME = ("no report", "first report", "better", "worse",
                                                "same")
MET, OVERDUE, NOT_MEASURED, IN_PROGRESS = "met", "overdue", "not measured", "in progress"

_RAG_RANK = {"green": 0, "amber": 1, "red": 2}
_QUARTER_LABEL = re.compile(r"^(\d{4})Q([1-4])$")


def _quarter_key(label: str) -> int | None:
    """A calendar quarter as a running number (year * 4 + quarter - 1), or None.

    >>> _quarter_key("2027Q1") - _quarter_key("2026Q4"), _quarter_key("FY27 P1") is None
    (1, True)
    """
    match = _QUARTER_LABEL.match(str(label).strip())
    return None if match is None else int(match[1]) * 4 + int(match[2]) - 1


def _chronology(labels: Sequence[str]) -> list[str]:
    """Reporting quarters in time order: by calendar, or as they first appear in the sheet.

    Calendar order needs every label to be a quarter such as 2026Q4.

    >>> _chronology(["2026Q4", "2026Q3", "2026Q4"]), _chronology(["May", "April"])
    (['2026Q3', '2026Q4'], ['May', 'April'])
    """
    unique = list(dict.fromkeys(labels))
    if all(_quarter_key(q) is not None for q in unique):
        return sorted(unique, key=_quarter_key)
    return unique


def _follows(later: str, earlier: str, order: Sequence[str]) -> bool:
    """True when *later* is the quarter right after *earlier*."""
    a, b = _quarter_key(earlier), _quarter_key(later)
    if a is not None and b is not None:
        return b == a + 1
    return earlier in order and later in order and order.index(later) == order.index(earlier) + 1


def _money(x: float, currency: str = "") -> str:
    """An amount as the board reads it: '1,250,000 EUR'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.0f}" + (f" {currency}" if currency else "")


def _share(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{x:.0%}"


def _listing(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'.

    >>> _listing(["P21", "P33", "P40"])
    'P21, P33 and P40'
    """
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def _label(pid: str, name) -> str:
    return f"{pid} {name}" if isinstance(name, str) and name else str(pid)


def _status_table(model: PortfolioModel) -> pd.DataFrame:
    status = model.table("status")
    if status is None:
        raise ValidationError("The workbook has no sheet 'status': add one row per in-flight "
                              "project and reporting quarter (project_id, period, "
                              "actual_spend, rag, ...) to review execution; `seo-workbench "
                              "template` writes the sheet with its columns.")
    return status


def _reports_until(status: pd.DataFrame, quarter: str | None) -> tuple[pd.DataFrame, list[str]]:
    """The status rows up to the review *quarter*, and the reporting quarters in time order."""
    order = _chronology(status[PERIOD].tolist())
    if not order:
        raise ValidationError("Sheet 'status' has no rows: add the quarterly reports of the "
                              "in-flight projects.")
    if quarter is None:
        keep = order
    elif quarter in order:
        keep = order[:order.index(quarter) + 1]
    elif _quarter_key(quarter) is not None and all(_quarter_key(q) is not None for q in order):
        keep = [q for q in order if _quarter_key(q) <= _quarter_key(quarter)]
        if not keep:
            raise ValidationError(f"No status report at or before quarter {quarter!r}: the "
                                  f"first is {order[0]}. Choose a later quarter.")
    else:
        raise ValidationError(f"Unknown quarter {quarter!r}. Choose one of: "
                              f"{', '.join(order)}.")
    return status[status[PERIOD].isin(keep)], keep


def forecast_accuracy(status: pd.DataFrame, owners: pd.Series,
                      order: Sequence[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each owner's accuracy in forecasting next quarter's benefit, over every quarter reported.

    A report made in quarter *t* forecasts ``next_quarter_benefit`` F; the report of quarter
    *t + 1* shows what came, A = its ``realised_benefit`` minus that of *t* (realised benefit
    is a running total). Every such pair of consecutive reports of a project counts; a pair
    with a blank forecast or realised benefit does not. Pooled over an owner's pairs i:

    * ``wape``: weighted absolute percentage error, sum |A_i - F_i| / sum |A_i| (0 = perfect;
      undefined when nothing was realised). Unlike the mean absolute percentage error it stays
      defined when a quarter realises nothing, which is common early in a project.
    * ``realisation_ratio``: sum A_i / sum F_i, the share of the forecast benefit that came (1 =
      unbiased, below 1 = over-forecast); undefined when nothing was forecast.
    * ``accuracy``: 1 - wape, floored at 0.

    >>> status = pd.DataFrame({"project_id": ["P1"] * 3, "period": ["2026Q2", "2026Q3",
    ...                        "2026Q4"], "realised_benefit": [0, 80, 180],
    ...                        "next_quarter_benefit": [100, 100, 100]})
    >>> by_owner, pairs = forecast_accuracy(status, pd.Series({"P1": "Ann"}))
    >>> by_owner.loc["Ann", ["forecasts", "wape", "realisation_ratio"]].tolist()
    [2.0, 0.1111111111111111, 0.9]

    Parameters
    ----------
    status
        The ``status`` sheet (project_id, period, realised_benefit, next_quarter_benefit).
    owners
        Owner of each project, by project_id.
    order
        Reporting quarters in time order; by default the calendar order of the labels.

    Returns
    -------
    (by_owner, pairs)
        ``by_owner`` by owner: forecasts (pairs), forecast, realised, absolute_error, wape,
        realisation_ratio, accuracy. ``pairs``, the working: one row per forecast with its
        project, owner, made_in, for_quarter, forecast, realised, error (A - F) and
        absolute_error.

    References
    ----------
    Hyndman, R. J. and Koehler, A. B. (2006). Another look at measures of forecast accuracy.
    *International Journal of Forecasting* 22(4), 679-688.

    Kolassa, S. and Schütz, W. (2007). Advantages of the MAD/Mean ratio over the MAPE.
    *Foresight* 6, 40-43. (The WAPE is their MAD/Mean ratio.)
    """
    order = list(order) if order is not None else _chronology(status[PERIOD].tolist())
    forecasts = (status[NEXT_QUARTER_BENEFIT] if NEXT_QUARTER_BENEFIT in status
                 else pd.Series(np.nan, index=status.index))
    rows = []
    frame = status.assign(_f=forecasts.astype(float))
    frame = frame.assign(_at=frame[PERIOD].map({q: i for i, q in enumerate(order)}))
    for pid, reports in frame.sort_values("_at").groupby(PROJECT_ID, sort=True):
        reports = reports.to_dict("records")
        for now, then in zip(reports, reports[1:]):
            if not _follows(then[PERIOD], now[PERIOD], order):
                continue
            f = now["_f"]
            a = then[REALISED_BENEFIT] - now[REALISED_BENEFIT]
            if math.isnan(f) or math.isnan(a):
                continue
            rows.append({PROJECT_ID: pid, OWNER: owners.get(pid, ""), MADE_IN: now[PERIOD],
                         FOR_QUARTER: then[PERIOD], FORECAST: f, REALISED: a, ERROR: a - f,
                         ABSOLUTE_ERROR: abs(a - f)})
    pairs = pd.DataFrame(rows, columns=[PROJECT_ID, OWNER, MADE_IN, FOR_QUARTER, FORECAST,
                                        REALISED, ERROR, ABSOLUTE_ERROR])
    sums = pairs.groupby(OWNER).agg(**{FORECASTS: (FORECAST, "size"), FORECAST: (FORECAST, "sum"),
                                       REALISED: (REALISED, "sum"),
                                       ABSOLUTE_ERROR: (ABSOLUTE_ERROR, "sum"),
                                       "_abs_realised": (REALISED, lambda r: r.abs().sum())})
    sums[WAPE] = sums[ABSOLUTE_ERROR] / sums.pop("_abs_realised").where(lambda s: s > 0)
    sums[REALISATION_RATIO] = sums[REALISED] / sums[FORECAST].where(sums[FORECAST] != 0)
    sums[ACCURACY] = (1 - sums[WAPE]).clip(lower=0)
    return sums, pairs


def _rag_trend(now: str, before: str | None) -> str:
    if before is None:
        return FIRST_REPORT
    if not now or not before:
        return ""
    step = _RAG_RANK[now] - _RAG_RANK[before]
    return WORSE if step > 0 else BETTER if step < 0 else SAME


def _remaining_costs(model: PortfolioModel, after: str) -> pd.Series:
    """Each project's costs in the planning periods after reporting quarter *after*."""
    key = _quarter_key(after)
    periods = [p for p in model.periods
               if key is None or _quarter_key(p) is None or _quarter_key(p) > key]
    return model.costs[periods].sum(axis=1)


def _project_rows(model: PortfolioModel, reports: pd.DataFrame, keep: list[str]
                  ) -> pd.DataFrame:
    projects = model.projects
    at = {q: i for i, q in enumerate(keep)}
    reports = reports.assign(_at=reports[PERIOD].map(at)).sort_values("_at")
    reported = list(dict.fromkeys(reports[PROJECT_ID]))
    in_flight = [p for p in projects.index[projects["status"] == "in_flight"]
                 if p not in reported]
    rows = []
    for pid in [*reported, *in_flight]:
        info = projects.loc[pid]
        row = {PROJECT_ID: pid, NAME: info[NAME], OWNER: info[OWNER],
               DEPARTMENT: info[DEPARTMENT], THEME: info[THEME]}
        mine = reports[reports[PROJECT_ID] == pid]
        if mine.empty:
            rows.append({**row, TREND: NO_REPORT})
            continue
        last = mine.iloc[-1]
        before = mine.iloc[-2] if len(mine) > 1 else None
        both = mine[mine[ACTUAL_SPEND].notna() & mine[PLANNED_SPEND].notna()]
        variance = (both[ACTUAL_SPEND] - both[PLANNED_SPEND]).sum() if len(both) else math.nan
        planned_both = both[PLANNED_SPEND].sum() if len(both) else math.nan
        spent = mine[ACTUAL_SPEND].sum(min_count=1)
        ftc, source = last[FORECAST_TO_COMPLETE], FROM_OWNER
        if math.isnan(ftc):
            ftc, source = float(_remaining_costs(model, last[PERIOD]).get(pid, math.nan)), \
                FROM_COSTS
        forecast = last[FORECAST_BENEFIT]
        previous = before[FORECAST_BENEFIT] if before is not None else math.nan
        row.update({
            QUARTER: last[PERIOD], RAG: last[RAG],
            RAG_PREVIOUS: before[RAG] if before is not None else "",
            TREND: _rag_trend(last[RAG], None if before is None else before[RAG]),
            PERCENT_COMPLETE: last[PERCENT_COMPLETE],
            SPEND_TO_DATE: spent, PLAN_TO_DATE: mine[PLANNED_SPEND].sum(min_count=1),
            PLAN_COMPARED: planned_both, SPEND_VARIANCE: variance,
            SPEND_VARIANCE_SHARE: variance / planned_both if planned_both else math.nan,
            FORECAST_TO_COMPLETE: ftc, FTC_SOURCE: source,
            ESTIMATE_AT_COMPLETION: (0.0 if math.isnan(spent) else spent) + ftc,
            FORECAST_BENEFIT: forecast, FORECAST_BENEFIT_PREVIOUS: previous,
            BENEFIT_CHANGE: forecast - previous,
            REALISED_BENEFIT: last[REALISED_BENEFIT],
            REALISED_SHARE: last[REALISED_BENEFIT] / forecast if forecast else math.nan,
            NEXT_QUARTER_BENEFIT: last[NEXT_QUARTER_BENEFIT], NOTE: last[NOTE]})
        rows.append(row)
    columns = [PROJECT_ID, NAME, OWNER, DEPARTMENT, THEME, QUARTER, RAG, RAG_PREVIOUS, TREND,
               PERCENT_COMPLETE, SPEND_TO_DATE, PLAN_TO_DATE, PLAN_COMPARED, SPEND_VARIANCE,
               SPEND_VARIANCE_SHARE, FORECAST_TO_COMPLETE, FTC_SOURCE, ESTIMATE_AT_COMPLETION,
               FORECAST_BENEFIT, FORECAST_BENEFIT_PREVIOUS, BENEFIT_CHANGE, REALISED_BENEFIT,
               REALISED_SHARE, NEXT_QUARTER_BENEFIT, NOTE]
    table = pd.DataFrame(rows).reindex(columns=columns).set_index(PROJECT_ID)
    table = table.loc[[p for p in projects.index if p in table.index]]  # workbook order
    table[[RAG, RAG_PREVIOUS, NOTE, QUARTER, FTC_SOURCE]] = (
        table[[RAG, RAG_PREVIOUS, NOTE, QUARTER, FTC_SOURCE]].fillna(""))
    return table


def _register(model: PortfolioModel, quarter: str) -> pd.DataFrame | None:
    """The benefits register with each benefit's progress and standing at *quarter*."""
    register = model.table("benefits")
    if register is None:
        return None
    projects = model.projects
    register[OWNER] = register[OWNER].where(register[OWNER] != "",
                                            register[PROJECT_ID].map(projects[OWNER]))
    register.insert(2, NAME, register[PROJECT_ID].map(projects[NAME]))
    register[PROGRESS] = ((register[CURRENT] - register[BASELINE])
                          / (register[TARGET] - register[BASELINE])) + 0.0  # no -0
    now = _quarter_key(quarter)

    def standing(progress, due):
        if not math.isnan(progress) and progress >= 1:
            return MET
        if now is not None and _quarter_key(due) is not None and _quarter_key(due) < now:
            return OVERDUE
        return NOT_MEASURED if math.isnan(progress) else IN_PROGRESS

    register[STANDING] = [standing(p, d) for p, d in zip(register[PROGRESS],
                                                          register[TARGET_DATE])]
    return register.set_index(BENEFIT_ID)


@dataclass(frozen=True)
class ExecutionResult:
    """Execution status at one review quarter: per project, per owner, and forecast accuracy."""

    quarter: str  # the latest reporting quarter reviewed
    previous_quarter: str | None  # the reporting quarter before it, if any
    projects: pd.DataFrame  # by project_id: RAG, trend, spend against plan, EAC, benefits, ...
    owners: pd.DataFrame  # by owner: projects, RAG counts, spend, benefits, forecast accuracy
    forecast_accuracy: pd.DataFrame  # by owner: forecasts, wape, realisation_ratio, accuracy
    forecast_pairs: pd.DataFrame  # the working: one row per next-quarter benefit forecast
    benefits: pd.DataFrame | None  # the benefits register with progress and standing, if any
    discount_by_track_record: bool
    currency: str

    def to_frame(self) -> pd.DataFrame:
        """The per-project table."""
        return self.projects.copy()

    def accuracy_by_quarter(self) -> pd.DataFrame:
        """Each owner's WAPE per forecast quarter (owner x quarter forecast), from the pairs."""
        pairs = self.forecast_pairs
        if pairs.empty:
            return pd.DataFrame()
        sums = pairs.groupby([OWNER, FOR_QUARTER])[[ABSOLUTE_ERROR, REALISED]].agg(
            {ABSOLUTE_ERROR: "sum", REALISED: lambda r: r.abs().sum()})
        wape = sums[ABSOLUTE_ERROR] / sums[REALISED].where(sums[REALISED] > 0)
        return wape.unstack(FOR_QUARTER)

    def to_sentences(self) -> list[str]:
        """What the board should know about execution, one sentence per point."""
        cur, table = self.currency, self.projects
        reported = table[table[TREND] != NO_REPORT]
        counts = reported[RAG].value_counts()
        since = f" (previous report {self.previous_quarter})" if self.previous_quarter else ""
        out = [f"Status as reported for {self.quarter}{since}: {len(reported)} projects, "
               f"{counts.get('green', 0)} green, {counts.get('amber', 0)} amber and "
               f"{counts.get('red', 0)} red."]
        silent = table.index[table[TREND] == NO_REPORT]
        if len(silent):
            out.append(f"No status report from {_listing(list(silent))}: ask their owners "
                       f"({_listing(sorted(set(table.loc[silent, OWNER])))}).")
        moves = []
        for word, trend in (("Worse", WORSE), ("Better", BETTER)):
            moved = reported[reported[TREND] == trend]
            if len(moved):
                moves.append(f"{word} since {self.previous_quarter}: " + _listing(
                    [f"{_label(p, r[NAME])} ({r[RAG_PREVIOUS]} to {r[RAG]})"
                     for p, r in moved.iterrows()]))
        if moves:
            out.append("; ".join(moves) + ".")
        with_plan = reported[reported[SPEND_VARIANCE].notna()]
        if len(with_plan):
            planned = with_plan[PLAN_COMPARED].sum()
            variance = with_plan[SPEND_VARIANCE].sum()
            worst = with_plan[SPEND_VARIANCE_SHARE].idxmax()
            text = (f"Spend against plan: {_money(planned + variance, cur)} spent against "
                    f"{_money(planned, cur)} planned ({variance / planned:+.1%})")
            if with_plan.at[worst, SPEND_VARIANCE_SHARE] > 0:
                text += (f"; the largest overrun is {_label(worst, with_plan.at[worst, NAME])} "
                         f"({with_plan.at[worst, SPEND_VARIANCE_SHARE]:+.1%})")
            out.append(text + ".")
        eac = reported[ESTIMATE_AT_COMPLETION].sum()
        ftc = reported[FORECAST_TO_COMPLETE].sum()
        from_costs = reported.index[reported[FTC_SOURCE] == FROM_COSTS]
        note = (f" ({_listing(list(from_costs))} from the remaining costs in sheet 'costs', "
                "their owners gave no forecast to complete)" if len(from_costs) else "")
        out.append(f"Estimate at completion: {_money(eac, cur)}, of which {_money(ftc, cur)} is "
                   f"still to spend{note}.")
        forecast, realised = reported[FORECAST_BENEFIT].sum(), reported[REALISED_BENEFIT].sum()
        text = f"Benefits: {_money(forecast, cur)} forecast"
        change = reported[BENEFIT_CHANGE].dropna()
        if self.previous_quarter and len(change):
            total = change.sum()
            fell = change[change < 0].sort_values()
            text += (f", {'down' if total < 0 else 'up'} {_money(abs(total), cur)} since "
                     f"{self.previous_quarter}")
            if len(fell):
                text += " (" + ", ".join(f"{p} {v:+,.0f}" for p, v in fell.items()) + ")"
        out.append(text + f"; {_money(realised, cur)} realised so far "
                   f"({_share(realised / forecast if forecast else math.nan)}).")
        out += self._accuracy_sentences()
        if self.benefits is not None and len(self.benefits):
            standing = self.benefits[STANDING].value_counts()
            parts = [f"{standing[s]} {s}" for s in (MET, IN_PROGRESS, OVERDUE, NOT_MEASURED)
                     if standing.get(s, 0)]
            out.append(f"Benefits register: {len(self.benefits)} benefits ("
                       f"{_listing(parts)}).")
        return out

    def _accuracy_sentences(self) -> list[str]:
        acc = self.forecast_accuracy.dropna(subset=[REALISATION_RATIO])
        out = []
        if acc.empty:
            out.append("No owner has a track record of next-quarter benefit forecasts yet "
                       "(sheet 'status', column next_quarter_benefit).")
        else:
            ranked = acc.sort_values([REALISATION_RATIO, WAPE], key=lambda s: (
                (s - 1).abs() if s.name == REALISATION_RATIO else s))
            parts = [f"{owner} realised {_share(r[REALISATION_RATIO])} of what they forecast "
                     f"(WAPE {_share(r[WAPE])}, {r[FORECASTS]:.0f} forecasts)"
                     for owner, r in ranked.iterrows()]
            out.append("Forecast accuracy of next-quarter benefits, most reliable first: "
                       + "; ".join(parts) + ".")
        if self.discount_by_track_record:
            table = self.projects
            raw = table[NEXT_QUARTER_BENEFIT].sum()
            cut = table[DISCOUNTED_NEXT_QUARTER_BENEFIT].sum()
            out.append(f"Discounting is on: next quarter's benefit estimates are multiplied by "
                       f"each owner's realisation ratio (at most 1; 1 without a track record), "
                       f"so {_money(raw, self.currency)} forecast counts as "
                       f"{_money(cut, self.currency)}.")
        return out

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in self.to_sentences())
        return f"<ul>{items}</ul>" + self.projects.to_html(na_rep="")


def execution_status(model: PortfolioModel, quarter: str | None = None, *,
                     discount_by_track_record: bool = False) -> ExecutionResult:
    """Execution status of the in-flight projects at a review quarter, per project and owner.

    Parameters
    ----------
    model
        A validated workbook with a sheet 'status' (and optionally 'benefits').
    quarter
        The review quarter: reports up to and including it count. A reporting quarter of
        sheet 'status', or any calendar quarter label such as a planning period (``"2027Q1"``
        reviews the reports up to 2026Q4 when that is the latest before it). Default: the
        latest report.
    discount_by_track_record
        Off by default. When on, each project's ``next_quarter_benefit`` is multiplied by its
        owner's realisation ratio (see :func:`forecast_accuracy`), capped at 1 so that an owner
        who under-forecast is not marked up, and 1 for an owner with no track record; the
        result's sentences say so.

    Returns
    -------
    ExecutionResult
        ``projects`` (by project_id): name, owner, department, theme, quarter (latest report),
        rag, rag_previous, trend (better / worse / same / first report / no report),
        percent_complete, spend_to_date, plan_to_date, plan_compared (the plan of the
        quarters that also have an actual), spend_variance (actual - plan over those quarters;
        > 0 = overspent), spend_variance_share (of plan_compared), forecast_to_complete and
        where it came from, estimate_at_completion, forecast_benefit and its previous value,
        benefit_change, realised_benefit, realised_share, next_quarter_benefit (plus
        discount_factor and discounted_next_quarter_benefit when discounting), note.
        ``owners`` (by owner) sums them and adds the RAG counts and forecast accuracy.
        In-flight projects without a report are listed with trend "no report".

    Raises
    ------
    ValidationError
        When the workbook has no sheet 'status', or *quarter* is not a reporting quarter.
    """
    status = _status_table(model)
    reports, keep = _reports_until(status, quarter)
    table = _project_rows(model, reports, keep)
    owners_of = model.projects[OWNER]
    accuracy, pairs = forecast_accuracy(reports, owners_of, keep)
    if discount_by_track_record:
        factor = accuracy[REALISATION_RATIO].clip(upper=1)
        table[DISCOUNT_FACTOR] = table[OWNER].map(factor).fillna(1.0)
        table[DISCOUNTED_NEXT_QUARTER_BENEFIT] = (table[NEXT_QUARTER_BENEFIT]
                                                  * table[DISCOUNT_FACTOR])
    reported = table[table[TREND] != NO_REPORT]
    sums = [SPEND_TO_DATE, PLAN_TO_DATE, SPEND_VARIANCE, ESTIMATE_AT_COMPLETION,
            FORECAST_BENEFIT, REALISED_BENEFIT, NEXT_QUARTER_BENEFIT]
    if discount_by_track_record:
        sums.append(DISCOUNTED_NEXT_QUARTER_BENEFIT)
    owners = table.groupby(OWNER).size().rename(PROJECTS).to_frame()
    for colour in (GREEN, AMBER, RED):
        owners[colour] = reported[reported[RAG] == colour].groupby(OWNER).size()
    owners = owners.join(table.groupby(OWNER)[sums].sum(min_count=1))
    owners = owners.join(accuracy[[FORECASTS, WAPE, REALISATION_RATIO, ACCURACY]])
    if discount_by_track_record:
        owners[DISCOUNT_FACTOR] = accuracy[REALISATION_RATIO].clip(upper=1).reindex(
            owners.index).fillna(1.0)
    register = _register(model, quarter or keep[-1])
    if register is not None:
        owners[BENEFITS_OWNED] = register.groupby(OWNER).size()
    owners[[GREEN, AMBER, RED]] = owners[[GREEN, AMBER, RED]].fillna(0).astype(int)
    if BENEFITS_OWNED in owners:
        owners[BENEFITS_OWNED] = owners[BENEFITS_OWNED].fillna(0).astype(int)
    owners[FORECASTS] = owners[FORECASTS].fillna(0).astype(int)
    return ExecutionResult(keep[-1], keep[-2] if len(keep) > 1 else None, table, owners,
                           accuracy, pairs, register, discount_by_track_record,
                           model.settings.currency)


@dataclass(frozen=True)
class ContinuationResult:
    """A continue / stop / hold recommendation for every in-flight project, with its reason."""

    table: pd.DataFrame  # by project_id: recommendation, reason, funded, decision, RAG, costs
    quarter: str | None  # the reporting quarter the status comes from (None: no status)
    currency: str

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def _ids(self, recommendation: str) -> tuple[str, ...]:
        return tuple(self.table.index[self.table[RECOMMENDATION] == recommendation])

    @property
    def continued(self) -> tuple[str, ...]:
        return self._ids(CONTINUE)

    @property
    def stopped(self) -> tuple[str, ...]:
        return self._ids(STOP)

    @property
    def held(self) -> tuple[str, ...]:
        return self._ids(HOLD)

    def to_sentences(self) -> list[str]:
        """One sentence for the count, then one per stop and hold recommendation."""
        table = self.table
        if table.empty:
            return ["There are no in-flight projects to decide on."]
        parts = [f"{word} {len(ids)}" + (f" ({_listing(list(ids))})" if ids and word != CONTINUE
                                         else "")
                 for word, ids in ((CONTINUE, self.continued), (HOLD, self.held),
                                   (STOP, self.stopped)) if ids]
        out = [f"Of {len(table)} in-flight projects: {_listing(parts)}."]
        for pid, row in table.iterrows():
            if row[RECOMMENDATION] != CONTINUE:
                out.append(f"{row[RECOMMENDATION].capitalize()} {_label(pid, row[NAME])}: "
                           f"{row[REASON]}.")
        return out

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in self.to_sentences())
        return f"<ul>{items}</ul>" + self.table.to_html(na_rep="")


def _reason(info, funded, status, cur, previous, why_out) -> tuple[str, str]:
    """The recommendation for one in-flight project and why, in plain words."""
    decision = info[DECISION]
    spent = math.nan if status is None else status.get(SPEND_TO_DATE, math.nan)
    sunk = ("" if spent is None or math.isnan(spent) else
            f"; the {_money(spent, cur)} already spent is sunk and does not count")
    if not funded:
        if decision == "must_not":
            return STOP, f"the board ruled it out ({info['decision_reason']})"
        rules = f" ({why_out})" if why_out else ""
        return STOP, (f"not in the optimal portfolio{rules}; stopping it frees its remaining "
                      f"cost of {_money(info[REMAINING_COST], cur)} for projects worth "
                      f"more{sunk}")
    rag = "" if status is None else status.get(RAG, "")
    change = math.nan if status is None else status.get(BENEFIT_CHANGE, math.nan)
    forced = decision == "must"
    if rag == "red" and not math.isnan(change) and change < 0:
        text = (f"funded, but red and its forecast benefit fell by {_money(-change, cur)} "
                f"since {previous}: hold further spend until a recovery plan is agreed")
        if status.get(NOTE):
            text += f" (owner's note: {status[NOTE].rstrip('.')})"
        if forced:
            text += "; it is 'must', so it stays in the portfolio"
        return HOLD, text
    why = (f"the board requires it ({info['decision_reason']})" if forced
           else "in the optimal portfolio")
    if rag:
        pct = status.get(PERCENT_COMPLETE, math.nan)
        done = "" if math.isnan(pct) else f", {pct:.0f} % complete"
        why += f"; {rag}{done}"
        if rag != "green":
            why += ", watch it"
    return CONTINUE, why


def continuation(model: PortfolioModel, portfolio_result,
                 execution: ExecutionResult | None = None) -> ContinuationResult:
    """Continue, stop or hold each in-flight project, with the reason in plain words.

    In-flight projects enter the optimisation with their remaining cost only, and the solver
    may stop any that is not 'must' (see :func:`~seo_workbench.portfolio.select_portfolio`).
    The rules, in order:

    * **stop**: not in the optimal portfolio (a 'must_not' project, or one whose remaining cost
      buys more value elsewhere);
    * **hold**: funded, but red at the latest report and its forecast benefit fell since the
      previous report: spend pauses until a recovery plan is agreed ('must' projects too,
      though they stay in the portfolio);
    * **continue**: otherwise, with the RAG and percent complete.

    Parameters
    ----------
    model
        The workbook the portfolio was solved on.
    portfolio_result
        A :class:`~seo_workbench.portfolio.PortfolioResult`.
    execution
        An :class:`ExecutionResult`; by default :func:`execution_status` of *model* when it has
        a sheet 'status' (without one, no project is held).

    Returns
    -------
    ContinuationResult
        ``table`` by project_id: name, owner, department, recommendation, reason, funded,
        decision, rag, trend, percent_complete, spend_to_date, remaining_cost,
        forecast_benefit, benefit_change.
    """
    if execution is None and model.table("status") is not None:
        execution = execution_status(model)
    why = explain_selection(model, None, portfolio_result)["reasons"]
    projects = model.projects
    portfolio = portfolio_result.projects
    in_flight = projects.index[projects["status"] == "in_flight"]
    status = execution.projects if execution is not None else pd.DataFrame()
    previous = execution.previous_quarter if execution is not None else None
    cur = model.settings.currency
    rows = []
    for pid in in_flight:
        info = projects.loc[pid].copy()
        info[REMAINING_COST] = portfolio.at[pid, "cost"]
        funded = pid in portfolio_result.selected
        mine = status.loc[pid].to_dict() if pid in status.index else None
        recommendation, reason = _reason(info, funded, mine, cur, previous, why.get(pid, ""))
        mine = mine or {}
        rows.append({PROJECT_ID: pid, NAME: info[NAME], OWNER: info[OWNER],
                     DEPARTMENT: info[DEPARTMENT], RECOMMENDATION: recommendation,
                     REASON: reason, FUNDED: funded, DECISION: info[DECISION],
                     RAG: mine.get(RAG, ""), TREND: mine.get(TREND, ""),
                     PERCENT_COMPLETE: mine.get(PERCENT_COMPLETE, math.nan),
                     SPEND_TO_DATE: mine.get(SPEND_TO_DATE, math.nan),
                     REMAINING_COST: info[REMAINING_COST],
                     FORECAST_BENEFIT: mine.get(FORECAST_BENEFIT, math.nan),
                     BENEFIT_CHANGE: mine.get(BENEFIT_CHANGE, math.nan)})
    columns = [PROJECT_ID, NAME, OWNER, DEPARTMENT, RECOMMENDATION, REASON, FUNDED, DECISION,
               RAG, TREND, PERCENT_COMPLETE, SPEND_TO_DATE, REMAINING_COST, FORECAST_BENEFIT,
               BENEFIT_CHANGE]
    table = pd.DataFrame(rows, columns=columns).set_index(PROJECT_ID)
    return ContinuationResult(table, execution.quarter if execution is not None else None, cur)

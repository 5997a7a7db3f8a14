"""Decisions: what each rule costs the portfolio, and why each project is in or out.

:func:`decision_prices` answers "what does this rule cost us?" for every forced decision,
dependency, group and theme limit, by solving the portfolio again without it (a few solves in
all, by group testing); budgets, capacity and counts get their indicative LP dual, or a
re-solve with the limit loosened a step. :func:`explain_selection` answers "why is this project
in, or out?" from the solved portfolio, project by project, without solving again.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType

import numpy as np
import pandas as pd

from .errors import InfeasiblePortfolioError, ValidationError
from .frontier import _families
from .pool import local_threads, on_threads
from .portfolio import DEFAULT_GAP, TIE_BREAK_GAP, PortfolioResult, select_portfolio
from .validate import profile_extent
from .workbook import PortfolioModel

__all__ = ["DROPPED_KINDS", "RELAXED_KINDS", "decision_prices", "explain_selection"]

DROPPED_KINDS = ("must", "must_not", "requires", "excludes", "with", "group",
                 "theme_min_share", "theme_max_share", "theme_min_spend", "theme_max_spend")
RELAXED_KINDS = ("budget", "total_budget", "capacity", "min_projects", "max_projects")

GROUP, KIND, RULE, VALUE_LOST, GAP = "group", "kind", "rule", "value_lost", "gap"
ENTERS, LEAVES, DUAL, RELAXATION, SENTENCE = "enters", "leaves", "dual", "relaxation", "sentence"
STATUS, BINDING = "status", "binding"
PRICE_COLUMNS = (GROUP, KIND, RULE, RELAXATION, VALUE_LOST, GAP, ENTERS, LEAVES, DUAL, BINDING,
                 STATUS, SENTENCE)

SELECTED, DECISION, VALUE, COST, RATIO = "selected", "decision", "value", "cost", "value_per_cost"
POSITION, REASONS = "position", "reasons"

_TOL = 1e-9


def _number(x: float) -> str:
    """A value as the board reads it: '0.42', '1.27', '910,000'.

    >>> _number(0.4213), _number(910000.0)
    ('0.421', '910,000')
    """
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def _listing(ids: Sequence[str]) -> str:
    """'P21', 'P21 and P33', 'P21, P33 and P40'.

    >>> _listing(["P21", "P33", "P40"])
    'P21, P33 and P40'
    """
    ids = list(ids)
    return ", ".join(ids[:-1]) + " and " + ids[-1] if len(ids) > 1 else "".join(ids)


def _short(text, limit: int = 40) -> str:
    """The start of a recorded reason, cut at a word: 'Safety regulator's 2026 inspection…'."""
    text = " ".join(str(text or "").split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def _kind(group: str) -> str:
    """The kind of a constraint group: the part of its name before the first colon.

    >>> _kind("capacity:Data engineering:2027Q3"), _kind("total_budget")
    ('capacity', 'total_budget')
    """
    return group.split(":", 1)[0]


def _groups(result: PortfolioResult) -> pd.DataFrame:
    """``result.constraint_groups`` with the group name as a column."""
    table = getattr(result, "constraint_groups", None)
    if table is None:
        raise ValidationError("This PortfolioResult has no constraint_groups: solve it with a "
                              "select_portfolio that names its constraint groups.")
    if GROUP not in table.columns:
        table = table.rename_axis(GROUP).reset_index()
    return table


def _duals(result: PortfolioResult) -> pd.Series:
    """The LP dual of each constraint group, when the result carries duals (else empty)."""
    table = getattr(result, "constraints", None)
    if table is None or not {GROUP, DUAL} <= set(table.columns):
        return pd.Series(dtype=float)
    duals = table[[GROUP, DUAL]].dropna()
    # A group of several rows (rare for these kinds) reports its largest dual in size.
    return duals.groupby(GROUP)[DUAL].agg(lambda s: s.loc[s.abs().idxmax()])


def _binding(result: PortfolioResult) -> set[str]:
    """Constraint groups with at least one binding constraint, from ``result.constraints``."""
    table = getattr(result, "constraints", None)
    if table is None or "binding" not in table.columns or GROUP not in table.columns:
        return set()
    return set(table.loc[table["binding"].astype(bool), GROUP])


def _relaxed(model: PortfolioModel, group: str, step: float) -> tuple[PortfolioModel, str]:
    """*model* with the limit of *group* loosened by one step, and the step in words."""
    kind, _, rest = group.partition(":")
    tables, settings, currency = dict(model.tables), model.settings, model.settings.currency
    if kind == "budget":
        budget = tables["budget"].copy()
        extra = float(budget.at[rest, "amount"]) * step
        budget.loc[rest, "amount"] = budget.at[rest, "amount"] + extra
        tables["budget"] = budget
        words = f"{step:.0%} more budget in {rest} (+{extra:,.0f} {currency})"
    elif kind == "total_budget":
        extra = settings.total_budget * step
        settings = replace(settings, total_budget=settings.total_budget + extra)
        words = f"{step:.0%} more total budget (+{extra:,.0f} {currency})"
    elif kind == "capacity":
        pool, period = rest.rsplit(":", 1)
        capacity = tables["capacity"].copy()
        rows = (capacity["pool"] == pool) & (capacity["period"] == period)
        extra = float(capacity.loc[rows, "amount"].sum()) * step
        capacity.loc[rows, "amount"] = capacity.loc[rows, "amount"] * (1 + step)
        tables["capacity"] = capacity
        words = f"{step:.0%} more {pool} capacity in {period} (+{extra:,.4g})"
    elif kind == "max_projects":
        settings = replace(settings, max_projects=settings.max_projects + 1)
        words = f"one more project allowed (max_projects {settings.max_projects})"
    else:
        settings = replace(settings, min_projects=max(0, settings.min_projects - 1))
        words = f"one project fewer required (min_projects {settings.min_projects})"
    return replace(model, settings=settings, tables=MappingProxyType(tables)), words


def _rule(model: PortfolioModel, group: str, description: str) -> str:
    """The rule behind *group*, in the words the sentences use."""
    kind, _, rest = group.partition(":")
    projects = model.projects
    if kind in ("must", "must_not"):
        return f"{rest} ({kind}: {_short(projects.at[rest, 'decision_reason'])})"
    if kind in ("requires", "excludes"):
        a, b = rest.split(":", 1)
        return f"{a} {kind} {b}"
    if kind == "with":
        a, b = rest.split(":", 1)
        return f"{a} with {b} (both or neither)"
    if kind == "group":
        groups = model.table("groups")
        limit = int(groups.loc[groups["group"] == rest, "max_selected"].iloc[0])
        return f"at most {limit} of group {rest}"
    if kind.startswith("theme_"):
        bound, _, measure = kind.removeprefix("theme_").partition("_")
        limit = model.table("themes").at[rest, f"{bound}_{measure}"]
        amount = f"{limit:.0%}" if measure == "share" else (
            f"{limit:,.0f} {model.settings.currency}")
        word = "minimum" if bound == "min" else "maximum"
        return f"the {word} {measure} of {rest} ({amount})"
    if kind == "budget":
        return f"the budget in {rest}"
    if kind == "total_budget":
        return "the total budget"
    if kind == "capacity":
        pool, period = rest.rsplit(":", 1)
        return f"the {pool} capacity in {period}"
    if kind in ("min_projects", "max_projects"):
        return f"{kind} ({getattr(model.settings, kind)})"
    return description or group


def _moves(enters: Sequence[str], leaves: Sequence[str]) -> str:
    parts = []
    if enters:
        parts.append(f"{_listing(enters)} would be funded")
    if leaves:
        parts.append(f"{_listing(leaves)} would not")
    return " and ".join(parts)


def _sentence(kind: str, rest: str, rule: str, lost: float, tolerance: float,
              enters: list[str], leaves: list[str], words: str | None) -> str:
    free = lost <= tolerance + _TOL
    if words is not None:  # a relaxed budget, capacity or count
        if free:
            return f"{words[0].upper()}{words[1:]} would add nothing."
        return (f"{words[0].upper()}{words[1:]} would add {_number(lost)} of value: "
                f"{_moves(enters, leaves)}.")
    if kind == "must":
        head = f"Funding {rule}"
        others = [p for p in leaves if p != rest]
        if free:
            return f"{head} costs nothing: the portfolio would fund it anyway."
        return f"{head} costs {_number(lost)} of value: without it, {_moves(enters, others)}."
    if kind == "must_not":
        head = f"Keeping {rule} out"
        if free:
            return f"{head} costs nothing: the portfolio would leave it out anyway."
        return f"{head} costs {_number(lost)} of value: allowed, {_moves(enters, leaves)}."
    head = rule[0].upper() + rule[1:]
    if free:
        return f"{head} costs nothing: the best portfolio meets it anyway."
    return f"{head} costs {_number(lost)} of value: without it, {_moves(enters, leaves)}."


def _doubt(result: PortfolioResult, gap: float) -> float:
    """How far *result*'s value may be below the optimum, from its bound (else the gap)."""
    if result.bound is not None and not math.isnan(result.bound):
        return max(0.0, float(result.bound) - result.value)
    return abs(result.value) * gap


def _test_groups(solve, items: list[str], base: float, tolerance: float,
                 executor: concurrent.futures.Executor | None = None) -> dict:
    """Price each of *items* by group testing: solve without a whole set at once.

    Dropping more constraints never lowers the optimum, so when a set gains nothing, none of
    its members does: one solve clears the lot. A set that gains is split in halves until
    the gainers stand alone. Most rules cost nothing, so this takes a few solves where one
    per rule would take dozens. The halves of a set are independent, so with an *executor*
    they are solved side by side; the solves, and so the answer, are the same. Returns
    item -> (result or the error, solved alone).
    """
    out = {}

    def visit(subset) -> list:
        """Solve without *subset*; the halves still to test."""
        try:
            other = solve(subset)
        except InfeasiblePortfolioError as exc:  # a time limit with no portfolio in hand
            if len(subset) == 1:
                out[subset[0]] = (exc, True)
                return []
            other = None
        if other is not None and (other.value - base <= tolerance or len(subset) == 1):
            for g in subset:
                out[g] = (other, len(subset) == 1)
            return []
        middle = len(subset) // 2
        return [subset[:middle], subset[middle:]]

    pending = [list(items)] if items else []
    if executor is None:
        while pending:
            pending[:0] = visit(pending.pop(0))
        return out
    running = {executor.submit(visit, subset) for subset in pending}
    while running:
        done, running = concurrent.futures.wait(
            running, return_when=concurrent.futures.FIRST_COMPLETED)
        for future in done:
            running |= {executor.submit(visit, half) for half in future.result()}
    return out


def _relaxed_many(model: PortfolioModel, groups: Sequence[str], step: float) -> PortfolioModel:
    for group in groups:
        model = _relaxed(model, group, step)[0]
    return model


def _resource_sentence(rule: str, kind: str, dual: float, rhs: float | None,
                       currency: str) -> str:
    head = rule[0].upper() + rule[1:]
    if dual is None or math.isnan(dual):
        return f"{head} is not priced: pass relax= to solve again with it relaxed."
    if abs(dual) <= _TOL:
        return (f"{head}: its LP dual is 0 (indicative: it does not hold back the relaxed "
                f"portfolio).")
    if kind == "max_projects":
        return (f"{head}: one more project allowed would be worth about {_number(dual)} of "
                f"value (LP dual, indicative).")
    if kind == "min_projects":
        return (f"{head}: one project fewer required would be worth about {_number(-dual)} "
                f"of value (LP dual, indicative).")
    step = 0.01 * abs(rhs) if rhs else 1.0
    unit = f" {currency}" if kind in ("budget", "total_budget") else ""
    return (f"{head}: 1 % more (+{step:,.4g}{unit}) would be worth about "
            f"{_number(dual * step)} of value (LP dual, indicative).")


def decision_prices(model: PortfolioModel, values: Mapping[str, float] | pd.Series | None = None,
                    result: PortfolioResult | None = None, *, relax: float | None = None,
                    **options) -> pd.DataFrame:
    """What each rule costs the portfolio: the value gained by solving again without it.

    For every forced decision ('must', 'must_not'), dependency ('requires', 'excludes',
    'with'), exclusive group and theme limit, the portfolio is solved again with that
    constraint group dropped (``select_portfolio(..., drop=[group])``); the value it gains is
    what the rule costs, and the projects that enter and leave say how.

    Dropping a constraint only widens the choice, so the current portfolio stays possible and
    the value lost is never negative: when the solver, within its gap, comes back with less,
    the current portfolio is kept. It also means that when dropping a whole set of rules
    gains nothing, no rule in the set costs anything; the rules are therefore tested in sets,
    halved only where value appears (group testing), which takes a few solves instead of one
    per rule. For models of fewer than 200 projects the halves are solved side by side on
    threads (HiGHS only); the solves are the same.

    Budgets, capacity and the project counts cannot be dropped meaningfully (without a budget
    everything is funded). They are listed with their LP dual from ``result.constraints``:
    the value of one more unit of the limit in the LP relaxation, indicative only. With
    *relax*, they are also solved again loosened by one step: *relax* (a share) more budget
    or capacity, one project more (max_projects) or fewer (min_projects).

    Parameters
    ----------
    model, values
        As for :func:`~seo_workbench.portfolio.select_portfolio`.
    result
        The solved portfolio to price; solved here with *options* when not given. It must
        come from the same *model*, *values* and *options*.
    relax
        Also price budgets, capacity and counts by solving again with each loosened by this
        share (e.g. 0.10). Default None: LP duals only.
    **options
        Keyword options of :func:`~seo_workbench.portfolio.select_portfolio` (start, solver,
        gap, time_limit, budget_scale), used for every solve.

    Returns
    -------
    pandas.DataFrame
        One row per constraint group, highest value lost first: group, kind, rule (in
        words), relaxation ("dropped", the step, or "LP dual"), value_lost (>= 0; NaN where
        not solved again), gap (in value: how far value_lost may be off, from the solves'
        proven bounds), enters and leaves (tuples of project ids), dual (LP dual of a
        budget, capacity or count; indicative), binding, status and a plain sentence.

    Raises
    ------
    InfeasiblePortfolioError
        When the portfolio itself (with every constraint) is infeasible.
    """
    if relax is not None and not relax > 0:
        raise ValidationError(f"relax must be a share > 0 (e.g. 0.10) or None, found {relax}.")
    if result is None:
        result = select_portfolio(model, values, **options)
    groups = _groups(result)
    duals = _duals(result)
    binding = _binding(result)
    rhs = _rhs(result)
    gap = float(options.get("gap", DEFAULT_GAP))
    base, base_value = set(result.selected), result.value
    base_doubt = _doubt(result, gap)
    tolerance = max(base_doubt, gap * abs(base_value), _TOL * max(1.0, abs(base_value)))
    descriptions = dict(zip(groups[GROUP], groups.get("description", [""] * len(groups))))
    names = [g for g in groups[GROUP] if _kind(g) in DROPPED_KINDS + RELAXED_KINDS]
    dropped = [g for g in names if _kind(g) in DROPPED_KINDS]
    relaxed = [g for g in names if _kind(g) in RELAXED_KINDS] if relax is not None else []

    # A set test only asks whether value appears: it needs no tie-break between portfolios of
    # equal value, which select_portfolio runs (a second solve) at gaps up to TIE_BREAK_GAP.
    set_options = {**options, "gap": max(gap, 2 * TIE_BREAK_GAP)}

    solves = []

    def solve(subset):
        solves.append(len(subset))
        drop = [g for g in subset if _kind(g) in DROPPED_KINDS]
        loose = [g for g in subset if _kind(g) in RELAXED_KINDS]
        target = _relaxed_many(model, loose, relax) if loose else model
        return select_portfolio(target, values, drop=drop,
                                **(options if len(subset) == 1 else set_options))

    # Small models are tested on threads here (see pool.local_threads); CBC, which PuLP
    # starts under warnings.catch_warnings, and large models one solve after another.
    side_by_side = on_threads(options.get("solver", "HiGHS"), len(model.projects))
    with contextlib.ExitStack() as stack:
        threads = stack.enter_context(local_threads()) if side_by_side else None
        priced = _test_groups(solve, dropped + relaxed, base_value, tolerance, threads)
    rows = []
    for group in names:
        kind, _, rest = group.partition(":")
        rule = _rule(model, group, descriptions.get(group, ""))
        resource = kind in RELAXED_KINDS
        row = {GROUP: group, KIND: kind, RULE: rule, ENTERS: (), LEAVES: (),
               VALUE_LOST: math.nan, GAP: math.nan, BINDING: group in binding,
               DUAL: duals.get(group, math.nan) if resource else math.nan}
        if group not in priced:
            rows.append({**row, RELAXATION: "LP dual", STATUS: "not solved",
                         SENTENCE: _resource_sentence(rule, kind, row[DUAL], rhs.get(group),
                                                      model.settings.currency)})
            continue
        words = _relaxed(model, group, relax)[1] if resource else None
        row[RELAXATION] = words if resource else "dropped"
        other, alone = priced[group]
        if isinstance(other, Exception):
            rows.append({**row, STATUS: "no solution", SENTENCE: f"Solving again failed: {other}"})
            continue
        if alone and other.value > base_value:
            chosen, value, doubt = set(other.selected), other.value, _doubt(other, gap)
        else:
            # Kept: the current portfolio is still allowed and the solver found no better
            # (alone), or a set containing this rule gained nothing (not alone).
            chosen, value = base, base_value
            doubt = max(0.0, _doubt(other, gap) - (base_value - other.value))
        lost = value - base_value
        enters, leaves = tuple(sorted(chosen - base)), tuple(sorted(base - chosen))
        spread = max(base_doubt, doubt)
        rows.append({**row, VALUE_LOST: lost, GAP: spread, ENTERS: enters, LEAVES: leaves,
                     STATUS: other.status,
                     SENTENCE: _sentence(kind, rest, rule, lost, max(spread, tolerance),
                                         list(enters), list(leaves), words)})
    table = pd.DataFrame(rows, columns=list(PRICE_COLUMNS))
    # Highest value lost first; then the limits priced by their duals alone, by the value of
    # one step more (1 % of a budget or capacity, one project).
    steps = [abs(d) * (1.0 if k.endswith("projects") else 0.01 * abs(rhs.get(g, 0.0)))
             for g, k, d in zip(table[GROUP], table[KIND], table[DUAL].fillna(0.0))]
    order = np.lexsort((np.arange(len(table)), -np.asarray(steps),
                        -table[VALUE_LOST].fillna(-np.inf).to_numpy()))
    table = table.iloc[order].reset_index(drop=True)
    table.attrs["solves"] = len(solves)
    return table


def _rhs(result: PortfolioResult) -> dict[str, float]:
    table = getattr(result, "constraints", None)
    if table is None or not {GROUP, "rhs"} <= set(table.columns):
        return {}
    return dict(table.groupby(GROUP)["rhs"].first())


# -- why in, why out ----------------------------------------------------------------------------


def _starts(result: PortfolioResult) -> dict[str, str]:
    """Chosen start period of each funded project, when the result records starts."""
    starts = getattr(result, "starts", None)
    if starts is None:
        return {}
    return {str(p): str(t) for p, t in starts.items() if isinstance(t, str) and t}


def _planned_starts(model: PortfolioModel) -> dict[str, str]:
    """Planned start of each project with a start window (see validate.profile_extent)."""
    projects = model.projects
    columns = [c for c in ("earliest_start", "latest_start") if c in projects.columns]
    if not columns:
        return {}
    periods = list(model.periods)
    at = {t: i for i, t in enumerate(periods)}
    demand = model.table("demand")
    out = {}
    for p in projects.index:
        if all(_blank(projects.at[p, c]) for c in columns):
            continue
        needs = ([] if demand is None else
                 [at[t] for t in demand.loc[demand["project_id"] == p, "period"] if t in at])
        extent = profile_extent(model.costs.loc[p, periods], needs)
        if extent is not None:
            out[p] = periods[extent[0]]
    return out


def _blank(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or not str(x).strip()


def explain_selection(model: PortfolioModel, values: Mapping[str, float] | pd.Series | None,
                      result: PortfolioResult) -> pd.DataFrame:
    """Why each project is in or out of *result*, in the words of the rules that decide it.

    The **cut line** is the lowest value per unit of cost among the projects funded on their
    merit: funded, 'auto', and not required by another funded project. It is the bar that
    the last project bought with free money had to clear. A project above it that is left
    out is kept out by a rule (named in its reasons) or by the way the budgets fit together
    across periods; a project below it is not good enough value on its own.

    Reasons, in this order, as they apply:

    * in: "must: <reason>", "required by X", "funded with X", "theme T needs it for its
      minimum share" (or spend: without it the minimum would fail), "start shifted to
      <period>", and "above the cut line" / "on the cut line" / "below the cut line".
    * out: "must_not: <reason>", "requires X (not funded)", "goes with X (not funded)",
      "excluded by X", "group G at its limit", "another variant of X is funded",
      "max_projects reached", "budget binds in <periods>" (the periods where the project's
      cost exceeds what is left), "total budget binds", "capacity <pool> binds in <period>",
      "theme T at its maximum share" (or spend), and "above the cut line" / "below the cut
      line".

    Binding limits come from ``result.constraints`` (its binding flags and slacks) where the
    result has it, and otherwise from the slack in ``result.spend`` and ``result.capacity``.

    Parameters
    ----------
    model, values
        As for :func:`~seo_workbench.portfolio.select_portfolio`.
    result
        The solved portfolio to explain.

    Returns
    -------
    pandas.DataFrame
        By project (in workbook order): name, decision, selected, value, cost (over the
        horizon), value_per_cost, position against the cut line ("above", "on", "below")
        and reasons (one string, "; " between reasons). ``.attrs["cut_line"]`` holds the
        cut line.
    """
    projects = result.projects
    ids = list(projects.index)
    chosen = set(result.selected)
    value = (projects[VALUE] if values is None else
             pd.Series(getattr(values, "scores", values)).reindex(ids)).astype(float)
    horizon = list(result.periods)
    costs = model.costs[horizon].astype(float)
    total = projects[COST].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = pd.Series(np.where(total > 0, value / total.where(total > 0, 1.0), np.inf),
                          index=ids)
    decision = projects[DECISION]
    reasons_sheet = projects["decision_reason"]

    requires, excludes, partners = model.dependency_links()
    required_by = {}
    for a, needs in requires.items():
        for b in needs:
            required_by.setdefault(b, []).append(a)

    merit = [p for p in ids if p in chosen and decision[p] == "auto"
             and not any(q in chosen for q in required_by.get(p, ()))]
    cut = float(ratio[merit].min()) if merit else math.nan

    binding = _binding(result)
    spend_slack = result.spend["slack"]
    total_slack = None
    if model.settings.total_budget is not None:
        table = getattr(result, "constraints", None)
        if table is not None and {GROUP, "slack"} <= set(table.columns) and (
                table[GROUP] == "total_budget").any():
            total_slack = float(table.loc[table[GROUP] == "total_budget", "slack"].min())
        else:
            total_slack = (float(model.settings.total_budget) * _scale(result, model)
                           - float(result.spend["spend"].sum()))
    capacity = result.capacity
    cap_slack = {(pool, period): float(s) for pool, period, s in
                 zip(capacity["pool"], capacity["period"], capacity["slack"])}
    demand = model.table("demand")
    need = {}
    if demand is not None:
        demand = demand[demand["period"].isin(horizon)]
        for (p, pool, period), amount in demand.groupby(
                ["project_id", "pool", "period"])["amount"].sum().items():
            need.setdefault(p, []).append((pool, period, float(amount)))
    groups = model.table("groups")
    member_of, limit, count = {}, {}, {}
    if groups is not None:
        for group, rows in groups.groupby("group"):
            limit[group] = int(rows["max_selected"].iloc[0])
            count[group] = sum(p in chosen for p in rows["project_id"])
            for p in rows["project_id"]:
                member_of.setdefault(p, []).append(group)
    family_of = {p: members for members in _families(model.projects).values()
                 for p in members}
    themes = model.table("themes")
    theme_spend = {}
    spent = float(result.spend["spend"].sum())
    if themes is not None:
        for theme in themes.index:
            members = [p for p in chosen if projects.at[p, "theme"] == theme]
            theme_spend[theme] = float(total[members].sum())
    starts = _starts(result)
    planned = _planned_starts(model)

    def theme_limits(p, funded):
        """Theme limits that hold *p* in (a minimum it is needed for) or out (a maximum)."""
        theme = projects.at[p, "theme"]
        if themes is None or theme not in themes.index:
            return []
        limits, have, c, out = themes.loc[theme], theme_spend[theme], total[p], []
        for measure in ("share", "spend"):
            if funded:
                low = limits[f"min_{measure}"]
                rhs = low * (spent - c) if measure == "share" else low
                if not pd.isna(low) and have - c < rhs - _TOL * max(1.0, abs(rhs)):
                    out.append(f"theme {theme} needs it for its minimum {measure}")
            else:
                high = limits[f"max_{measure}"]
                rhs = high * (spent + c) if measure == "share" else high
                if not pd.isna(high) and have + c > rhs + _TOL * max(1.0, abs(rhs)):
                    out.append(f"theme {theme} at its maximum {measure}")
        return out

    rows = []
    for p in ids:
        funded = p in chosen
        why = []
        if funded:
            if decision[p] == "must":
                why.append(f"must: {_short(reasons_sheet[p], 60)}")
            users = [q for q in required_by.get(p, ()) if q in chosen]
            if users:
                why.append(f"required by {_listing(users)}")
            mates = [q for q in partners.get(p, ()) if q in chosen]
            if mates:
                why.append(f"funded with {_listing(mates)}")
            why += theme_limits(p, True)
            if p in planned and p in starts and starts[p] != planned[p]:
                why.append(f"start shifted to {starts[p]}")
        elif decision[p] == "must_not":
            # A forced decision is the whole story: nothing else is weighed.
            why.append(f"must_not: {_short(reasons_sheet[p], 60)}")
        else:
            missing = [q for q in requires.get(p, ()) if q not in chosen]
            if missing:
                why.append(f"requires {_listing(missing)} (not funded)")
            missing = [q for q in partners.get(p, ()) if q not in chosen]
            if missing:
                why.append(f"goes with {_listing(missing)} (not funded)")
            clash = [q for q in excludes.get(p, ()) if q in chosen]
            if clash:
                why.append(f"excluded by {_listing(clash)}")
            for group in member_of.get(p, ()):
                if count[group] >= limit[group]:
                    why.append(f"group {group} at its limit")
            others = [q for q in family_of.get(p, ()) if q != p and q in chosen]
            if others:
                why.append(f"another variant ({_listing(others)}) is funded")
            cap = model.settings.max_projects
            if ("max_projects" in binding) if binding else (
                    cap is not None and len(chosen) >= cap):
                why.append("max_projects reached")
            tight = [t for t in horizon if costs.at[p, t] > 0
                     and costs.at[p, t] > spend_slack[t] + _TOL * max(1.0, costs.at[p, t])]
            if tight:
                why.append(f"budget binds in {_listing(tight)}")
            elif total_slack is not None and total[p] > total_slack + _TOL:
                why.append("total budget binds")
            short = {}
            for pool, period, amount in need.get(p, ()):
                room = cap_slack.get((pool, period))
                if room is not None and amount > room + _TOL * max(1.0, amount):
                    short.setdefault(pool, []).append(period)
            why += [f"capacity {pool} binds in {_listing(periods)}"
                    for pool, periods in short.items()]
            why += theme_limits(p, False)
        if math.isnan(cut):
            position = ""
        elif ratio[p] > cut * (1 + 1e-12):
            position = "above"
        elif ratio[p] >= cut * (1 - 1e-12):
            position = "on"
        else:
            position = "below"
        if position and decision[p] == "auto":
            why.append(f"{position} the cut line")
        rows.append({"name": projects.at[p, "name"], DECISION: decision[p], SELECTED: funded,
                     VALUE: value[p], COST: total[p], RATIO: ratio[p], POSITION: position,
                     REASONS: "; ".join(why)})
    table = pd.DataFrame(rows, index=pd.Index(ids, name="project_id"))
    table.attrs["cut_line"] = cut
    return table


def _scale(result: PortfolioResult, model: PortfolioModel) -> float:
    """The budget scale *result* was solved at, read back from its budgets."""
    budget = model.budget[list(result.periods)]
    solved = result.spend["budget"]
    known = budget[budget > 0]
    return float((solved[known.index] / known).median()) if len(known) else 1.0


"""Portfolio selection by integer programming (PuLP), solved with HiGHS by default or CBC.

The model maximises the total value of the funded projects subject to the workbook's
constraints. Every constraint is named after the rule it enforces, so a solved problem written
with ``result.problem.writeLP(...)`` reads like the board's rules.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import sys
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import pulp

from .errors import InfeasiblePortfolioError, ValidationError, choose
from .workbook import PortfolioModel

__all__ = ["SOLVERS", "PortfolioResult", "select_portfolio"]

SELECTED, VALUE, COST = "selected", "value", "cost"


def _highs(time_limit, gap):
    return pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=gap)


def _cbc(time_limit, gap):
    # PuLP 3.3 deprecates its bundled CBC in favour of a 190 MB extra; the bundled binary is
    # the same CBC and ships with every PuLP 3 wheel.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=gap)


SOLVERS = {"HiGHS": _highs, "CBC": _cbc}


@contextlib.contextmanager
def _quiet():
    """Silence output written at C level (HiGHS prints a banner even with msg=False)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


@dataclass(frozen=True)
class PortfolioResult:
    """The funded portfolio and how the solver got there."""

    status: str  # "optimal", "time_limited" or "infeasible"
    selected: tuple[str, ...]
    value: float  # total value of the funded projects
    objective: float
    bound: float | None
    gap: float | None
    solver: str
    solve_seconds: float
    periods: tuple[str, ...]
    projects: pd.DataFrame  # by project: value, cost, selected, decision, reason
    spend: pd.DataFrame  # by period: budget, spend, slack
    capacity: pd.DataFrame  # by pool and period: capacity, use, slack
    currency: str
    problem: pulp.LpProblem

    @property
    def cost(self) -> float:
        """Total spend of the funded projects over the horizon (inflows netted)."""
        return float(self.spend["spend"].sum())

    def selection(self) -> pd.DataFrame:
        """The funded projects, highest value first."""
        table = self.projects[self.projects[SELECTED]]
        return table.drop(columns=[SELECTED]).sort_values(VALUE, ascending=False)

    def summary(self) -> dict:
        """Status, objective, bound, gap and totals, for a manifest or a sentence."""
        return {"status": self.status, "solver": self.solver, "objective": self.objective,
                "bound": self.bound, "gap": self.gap, "value": self.value,
                "cost": self.cost, "selected": len(self.selected),
                "candidates": len(self.projects), "solve_seconds": self.solve_seconds}

    def _repr_html_(self) -> str:
        gap = "" if self.gap is None else f", gap {self.gap:.2%}"
        return (f"<p>Portfolio: <b>{len(self.selected)}</b> of {len(self.projects)} projects "
                f"funded, value {self.value:,.3f}, spend {self.cost:,.0f} "
                f"{html.escape(self.currency)} ({self.status} by {self.solver}{gap}).</p>")


def _name(*parts) -> str:
    """A constraint or variable name that LP files accept: 'capacity_Data_engineering_2027Q1'."""
    return re.sub(r"[^0-9A-Za-z_]+", "_", "_".join(str(p) for p in parts)).strip("_")


def _horizon(model: PortfolioModel, start: str | None) -> list[str]:
    periods = list(model.periods)
    if start is None:
        return periods
    if start not in periods:
        raise ValidationError(f"Unknown quarter {start!r}. Choose one of: {', '.join(periods)}.")
    return periods[periods.index(start):]


def _values(model: PortfolioModel, values) -> pd.Series:
    if values is None:
        if model.settings.value == "benefit":
            return model.projects["benefit"].astype(float)
        raise ValidationError("Pass values= (e.g. the MCDA scores) when settings 'value' is "
                              "'score'.")
    values = pd.Series(values, dtype=float)
    missing = [p for p in model.projects.index if p not in values.index]
    if missing:
        raise ValidationError(f"No value for projects {missing}.")
    return values.reindex(model.projects.index)


def _explain_infeasible(model, costs, budget, horizon, decision) -> str:
    """Name the constraints that the forced decisions already break, when we can see it."""
    must = decision[decision == "must"].index
    reasons = []
    forced = costs.loc[must].sum()
    for period in horizon:
        if forced[period] > budget[period] + 1e-9:
            reasons.append(f"in {period} the 'must' projects cost {forced[period]:,.0f} but the "
                           f"budget is {budget[period]:,.0f}")
    total = model.settings.total_budget
    if total is not None and forced.sum() > total + 1e-9:
        reasons.append(f"the 'must' projects cost {forced.sum():,.0f} in total but "
                       f"total_budget is {total:,.0f}")
    cap = model.settings.max_projects
    if cap is not None and len(must) > cap:
        reasons.append(f"{len(must)} projects are 'must' but max_projects is {cap}")
    low = model.settings.min_projects
    allowed = (decision != "must_not").sum()
    if low is not None and allowed < low:
        reasons.append(f"min_projects is {low} but only {allowed} projects may be funded")
    if reasons:
        return ("No feasible portfolio: " + "; ".join(reasons) +
                ". Raise the budget or limit, or clear a 'must' decision.")
    return ("No feasible portfolio satisfies every constraint together (budgets, capacity, "
            "dependencies, groups, themes, forced decisions). Relax a limit or clear a forced "
            "decision; `result.problem.writeLP('model.lp')` shows the model.")


def select_portfolio(model: PortfolioModel, values: Mapping[str, float] | pd.Series | None = None,
                     *, start: str | None = None, solver: str = "HiGHS",
                     time_limit: float | None = 60.0, gap: float = 1e-6,
                     budget_scale: float = 1.0) -> PortfolioResult:
    """Choose the projects to fund: maximise total value under every constraint of *model*.

    Parameters
    ----------
    model
        A validated :class:`~seo_workbench.workbook.PortfolioModel`.
    values
        Value of each project (e.g. ``ScoreResult.scores``); by default the ``benefit``
        column when settings 'value' is 'benefit'.
    start
        First period of the planning horizon (the review quarter); earlier periods' costs
        are sunk and ignored. Default: the first period.
    solver
        ``"HiGHS"`` (default) or ``"CBC"``.
    time_limit, gap
        Solver time limit in seconds and relative optimality gap.
    budget_scale
        Multiplies every period's budget and the total budget (for "what if" runs).

    Returns
    -------
    PortfolioResult

    Raises
    ------
    InfeasiblePortfolioError
        When no portfolio meets every constraint; the message names the collision when the
        forced decisions alone cause it.
    """
    make_solver = choose(SOLVERS, solver, what="solver")
    solver_name = next(k for k in SOLVERS if k.lower() == solver.strip().lower())
    horizon = _horizon(model, start)
    value = _values(model, values)
    projects = model.projects
    ids = list(projects.index)
    costs = model.costs[horizon]
    budget = model.budget[horizon] * budget_scale
    total_cost = costs.sum(axis=1)
    decision = projects["decision"]

    problem = pulp.LpProblem("portfolio", pulp.LpMaximize)
    select = {p: problem.add_variable(_name("select", p), cat=pulp.LpBinary) for p in ids}
    # Ties go to the cheaper portfolio: the cost term is worth less than any value difference
    # the solver can resolve at the requested gap.
    scale = costs.abs().to_numpy().sum() or 1.0
    tiny = 1e-3 * gap * max(value.abs().max(), 1e-9) / scale
    problem += (pulp.lpSum(value[p] * select[p] for p in ids)
                - tiny * pulp.lpSum(total_cost[p] * select[p] for p in ids))

    spend = {t: pulp.lpSum(costs.at[p, t] * select[p] for p in ids if costs.at[p, t])
             for t in horizon}
    for t in horizon:
        problem += spend[t] <= budget[t], _name("budget", t)
    if model.settings.total_budget is not None:
        problem += (pulp.lpSum(spend.values()) <= model.settings.total_budget * budget_scale,
                    "total_budget")
    if model.settings.min_projects is not None:
        problem += pulp.lpSum(select.values()) >= model.settings.min_projects, "min_projects"
    if model.settings.max_projects is not None:
        problem += pulp.lpSum(select.values()) <= model.settings.max_projects, "max_projects"
    for p in ids:
        if decision[p] == "must":
            problem += select[p] == 1, _name("must", p)
        elif decision[p] == "must_not":
            problem += select[p] == 0, _name("must_not", p)

    capacity = model.table("capacity")
    demand = model.table("demand")
    if capacity is not None and demand is not None:
        demand = demand[demand["period"].isin(horizon)]
        need = demand.groupby(["pool", "period"])
        for (pool, t), amount in capacity[capacity["period"].isin(horizon)].groupby(
                ["pool", "period"])["amount"].sum().items():
            if (pool, t) not in need.groups:
                continue
            rows = need.get_group((pool, t))
            problem += (pulp.lpSum(a * select[p] for p, a in zip(rows["project_id"],
                                                                   rows["amount"]))
                        <= amount, _name("capacity", pool, t))

    deps = model.table("dependencies")
    if deps is not None:
        for a, kind, b in deps[["project_id", "kind", "other_id"]].itertuples(index=False):
            if kind == "requires":
                problem += select[a] <= select[b], _name(a, "requires", b)
            elif kind == "excludes":
                problem += select[a] + select[b] <= 1, _name(a, "excludes", b)
            else:
                problem += select[a] == select[b], _name(a, "with", b)
    groups = model.table("groups")
    if groups is not None:
        for group, rows in groups.groupby("group"):
            problem += (pulp.lpSum(select[p] for p in rows["project_id"])
                        <= int(rows["max_selected"].iloc[0]), _name("group", group))

    themes = model.table("themes")
    if themes is not None:
        total_spend = pulp.lpSum(spend.values())
        for theme, limits in themes.iterrows():
            members = [p for p in ids if projects.at[p, "theme"] == theme]
            theme_spend = pulp.lpSum(total_cost[p] * select[p] for p in members)
            for column, sense in (("min_share", ">="), ("max_share", "<="),
                                  ("min_spend", ">="), ("max_spend", "<=")):
                limit = limits[column]
                if pd.isna(limit):
                    continue
                rhs = limit * total_spend if column.endswith("share") else limit
                rule = theme_spend >= rhs if sense == ">=" else theme_spend <= rhs
                problem += rule, _name("theme", column, theme)

    started = time.perf_counter()
    with _quiet():
        problem.solve(make_solver(time_limit, gap))
    seconds = time.perf_counter() - started

    status = pulp.LpStatus[problem.status]
    if status in ("Infeasible", "Undefined") or problem.sol_status == pulp.LpSolutionInfeasible:
        raise InfeasiblePortfolioError(_explain_infeasible(model, costs, budget, horizon,
                                                           decision))
    if problem.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        raise InfeasiblePortfolioError(
            f"The solver stopped without a portfolio (status {status}) within the time limit "
            f"of {time_limit} s. Raise time_limit or try solver='CBC'.")
    chosen = [p for p in ids if (select[p].value() or 0) > 0.5]
    objective = float(sum(value[p] for p in chosen))
    bound, achieved_gap = _bound(problem, objective, status)
    result_status = "optimal" if problem.sol_status == pulp.LpSolutionOptimal else "time_limited"

    table = pd.DataFrame({
        "name": projects["name"], "theme": projects["theme"], "owner": projects["owner"],
        "status": projects["status"], VALUE: value, COST: total_cost,
        SELECTED: [p in chosen for p in ids], "decision": decision,
        "decision_reason": projects["decision_reason"]})
    used = costs.loc[chosen].sum() if chosen else pd.Series(0.0, index=horizon)
    spend_table = pd.DataFrame({"budget": budget, "spend": used.reindex(horizon).fillna(0.0)})
    spend_table["slack"] = spend_table["budget"] - spend_table["spend"]
    spend_table.index.name = "period"
    return PortfolioResult(result_status, tuple(chosen), objective, objective, bound,
                           achieved_gap, solver_name, seconds, tuple(horizon), table,
                           spend_table, _capacity_use(capacity, demand, chosen, horizon),
                           model.settings.currency, problem)


def _bound(problem, objective, status):
    """Best bound and relative gap as the solver reports them (HiGHS), else from the status."""
    model = getattr(problem, "solverModel", None)
    if model is not None and hasattr(model, "getInfo"):
        info = model.getInfo()
        # PuLP hands HiGHS a minimisation of the negated objective when maximising.
        sign = -1.0 if problem.sense == pulp.LpMaximize else 1.0
        bound = sign * float(info.mip_dual_bound)
        return max(bound, objective) if sign < 0 else bound, max(0.0, float(info.mip_gap))
    if status == "Optimal":
        return objective, 0.0
    return None, None


def _capacity_use(capacity, demand, chosen, horizon) -> pd.DataFrame:
    if capacity is None:
        return pd.DataFrame(columns=["pool", "period", "capacity", "use", "slack"])
    cap = capacity[capacity["period"].isin(horizon)].groupby(["pool", "period"])["amount"].sum()
    if demand is not None:
        use = demand[demand["project_id"].isin(chosen)].groupby(["pool", "period"])["amount"].sum()
    else:
        use = pd.Series(dtype=float)
    frame = pd.DataFrame({"capacity": cap, "use": use.reindex(cap.index).fillna(0.0)})
    frame["slack"] = frame["capacity"] - frame["use"]
    return frame.reset_index()

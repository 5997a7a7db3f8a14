"""Portfolio selection by integer programming (PuLP), solved with HiGHS by default or CBC.

The model, for projects p with value v_p (the MCDA score or the benefit)::

    maximise    sum_p v_p x_p                       x_p = 1: fund p (continue it, if in flight)
    subject to  every rule of the workbook, one named group of constraints per rule

Each group below is optional by data, and each can be left out with ``drop=[name]``:

==============================  =================================================================
group                           constraint
==============================  =================================================================
``budget:<period>``             spend in the period <= its budget (negative costs are inflows)
``total_budget``                spend over the horizon <= settings total_budget
``capacity:<pool>:<period>``    demand on the pool in the period <= its capacity
``min_projects``                sum_p x_p >= settings min_projects
``max_projects``                sum_p x_p <= settings max_projects
``must:<p>``                    x_p = 1
``must_not:<p>``                x_p = 0
``requires:<a>:<b>``            x_a <= x_b              (a only if b)
``excludes:<a>:<b>``            x_a + x_b <= 1          (not both)
``with:<a>:<b>``                x_a = x_b               (both or neither)
``group:<g>``                   sum over g of x_p <= max_selected
``variants:<p>``                x_p + sum over p's variants <= 1
``theme_min_share:<t>``         spend on theme t >= min_share * total spend  (also max_share)
``theme_min_spend:<t>``         spend on theme t >= min_spend               (also max_spend)
==============================  =================================================================

In-flight projects are continuation decisions: their costs are what remains, and x_p = 0
stops them (unless they are 'must'). A project with a start window (``earliest_start``,
``latest_start``) gets a binary y_ps per allowed start s with sum_s y_ps = x_p; its costs and
demand are those of its profile, as written from its first period with a cost, moved to start
at s. Each constraint is named after its group (``budget_2027Q2``, ``requires_P08_P02``), so
``result.write_lp("portfolio.lp")`` reads like the board's rules.

Ties are broken towards the cheaper portfolio by a second, lexicographic solve: among the
portfolios worth the optimum, the one that spends least. It runs only when the first solve
proved optimality to a gap of at most :data:`TIE_BREAK_GAP`; with a looser gap any portfolio
within the gap may come back, and breaking exact ties would only cost time. A cost term in
the objective would do it in one solve, but it stops HiGHS from seeing that the objective is
integral, and its weight either swamps the gap or falls below the solver's tolerances.

The default relative gap, :data:`DEFAULT_GAP` = 1e-6, proves optimality for any portfolio a
board reads: values are estimates with far fewer than six significant digits, and with whole
benefits HiGHS proves the exact optimum (it rounds the bound to the next whole number). On
hard mid-size instances (hundreds of projects, values proportional to costs) proving 1e-6 can
take minutes: the result then says "time_limited" with the certified gap, or ask for
``gap=1e-3``. The gap is (bound - objective) / objective, where the bound is the solver's
proven one (CBC's from its log; the LP relaxation's value if a solver reports none), so it is
0 only when optimality is proven. With a gap of 1e-4 or looser the solve starts from a RENS
rounding of the LP relaxation and HiGHS runs more primal heuristics: then the race is to a
good portfolio, not to a proof.

References
----------
Berthold, T. (2014). RENS: the optimal rounding. *Mathematical Programming Computation* 6(1),
33-54.

Chinneck, J. W. (2008). *Feasibility and Infeasibility in Optimization*. Springer. (The
conflicts of an infeasible model: see :mod:`seo_workbench.infeasibility`.)
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import gc
import html
import os
import re
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import highspy
import numpy as np
import pandas as pd
import pulp
from scipy import sparse

from . import infeasibility
from .errors import InfeasiblePortfolioError, ValidationError, choose
from .validate import profile_extent, start_window
from .workbook import PortfolioModel

__all__ = ["DEFAULT_GAP", "SOLVERS", "TIE_BREAK_GAP", "PortfolioResult", "select_portfolio"]

SELECTED, VALUE, COST, START, CONTINUES = "selected", "value", "cost", "start", "continues"
GROUP, KIND, NAME, DESCRIPTION, DUAL = "group", "kind", "name", "description", "dual"
PERIOD, POOL, SENSE, LHS, RHS = "period", "pool", "sense", "lhs", "rhs"
SLACK, BINDING, BASIS = "slack", "binding", "basis"

DEFAULT_GAP = 1e-6
TIE_BREAK_GAP = 1e-5
# With a loose gap the race is to a good portfolio, not to a proof: more primal heuristics
# halved HiGHS' time to 0.1 % on 500-project instances, but slow it down by half when it has
# to prove optimality (OR-Library mknapcb1), so they are only switched on for loose gaps.
_LOOSE_GAP, _HEURISTIC_EFFORT = 1e-4, 0.3
# When a small model's optimum must be proven (gap up to TIE_BREAK_GAP, whose tie-break then
# picks the cheapest optimal portfolio), the branch and bound tree proves it sooner than the
# sub-MIP heuristics RINS and RENS improve on its portfolios: without them the sample's
# weight scenarios solved in 5.6 s of CPU instead of 8.8 s, to the same portfolios, values
# and bounds.
_PROOF_OPTIONS = {"mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False}
# Threads per HiGHS run; None = HiGHS' own choice. Worker processes that solve side by side
# set 1 (see :func:`solve_single_threaded`) so that two workers do not share two cores four ways.
_THREADS: int | None = None
_HIGHS_STARTED = False  # HiGHS fixes its thread pool at the first solve in a process
# Below this many columns a HiGHS run takes milliseconds and its thread pool costs more than
# it gives: on two busy cores a 48-project solve took 0.105 s on two threads and 0.063 s on
# one, with the same portfolio. From about 100 projects on, the second thread pays. To a
# 0.1 % gap on generated instances (HiGHS random seeds 1-2 or 1-3), three 100-project ones
# took 4.8 s in all on two threads against 6.0 s on one, three 300-project ones 96 s against
# 123 s, two 500-project ones 79 s against 145 s (worst 19 s against 62 s); proving the
# optimum of 50-75-project ones took the same on both. HiGHS keeps one thread pool
# per calling thread, sized at that thread's first run, so small runs go to a helper thread
# whose pool has one thread (see :func:`_run`), and the caller's own pool keeps its size for
# the others.
_ONE_THREAD_BELOW = 100
# Up to this many columns, proving an optimum goes faster without RINS and RENS (see
# _PROOF_OPTIONS).
_PROOF_OPTIONS_BELOW = 1000
_LOCAL = threading.local()  # .threads = 1 in a thread that solves side by side with others
_HELPER: tuple[int, concurrent.futures.ThreadPoolExecutor] | None = None  # (pid, helper)
_HELPER_LOCK = threading.Lock()
_QUIET_LOCK = threading.Lock()
_QUIET: list = []  # the saved descriptors while some thread is quiet, and how many are
_TOL = 1e-9
_PRICED = ("budget", "total_budget", "capacity", "min_projects", "max_projects",
           "theme_min_share", "theme_max_share", "theme_min_spend", "theme_max_spend")
_SENSES = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "==": pulp.LpConstraintEQ}


@contextlib.contextmanager
def _quiet():
    """Silence output written at C level (HiGHS prints a banner even with msg=False).

    The descriptors are process-wide, so threads that solve side by side share one
    redirection: the first to enter makes it and the last to leave restores the output.
    """
    with _QUIET_LOCK:
        if not _QUIET:
            sys.stdout.flush()
            sys.stderr.flush()
            saved = os.dup(1), os.dup(2)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            os.close(null)
            _QUIET[:] = [saved, 0]
        _QUIET[1] += 1
    try:
        yield
    finally:
        with _QUIET_LOCK:
            _QUIET[1] -= 1
            if not _QUIET[1]:
                saved = _QUIET[0]
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                os.close(saved[0])
                os.close(saved[1])
                _QUIET.clear()


@contextlib.contextmanager
def _gc_paused():
    """Hold off the cyclic garbage collector while a model is built.

    Building 10,000 projects creates some 100,000 small objects (variables, expressions); a
    full collection triggered halfway walks every object alive and tripled the build time in
    one of three runs. Nothing built here is garbage yet.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# -- solvers ------------------------------------------------------------------------------------


class _HiGHS(pulp.HiGHS):
    """PuLP's HiGHS interface, handed the model's matrix in one call.

    PuLP's own interface adds every column and row from Python and walks the whole problem
    three times to list its variables; at 10,000 projects that costs more than the solve.
    Given the :class:`_Formulation` the problem was built from, this passes the same matrix
    (kept beside the PuLP problem, row for row) straight to HiGHS. Without one it is PuLP's
    interface unchanged.
    """

    def __init__(self, formulation=None, warm_start=None, **options):
        super().__init__(msg=False, **options)
        self.formulation = formulation
        self.warm_start = warm_start

    def _mine(self, lp) -> bool:
        return self.formulation is not None and self.formulation.problem is lp

    def buildSolverModel(self, lp):
        if not self._mine(lp):
            return super().buildSolverModel(lp)
        self.formulation.pass_to(lp.solverModel)
        _watch(lp.solverModel)
        if self.warm_start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = list(map(float, self.warm_start))
            solution.value_valid = True
            lp.solverModel.setSolution(solution)

    def findSolutionValues(self, lp):
        if not self._mine(lp):
            return super().findSolutionValues(lp)
        h = lp.solverModel
        status = h.getModelStatus()
        solution = h.getSolution()
        found = h.getInfo().primal_solution_status == 2  # kSolutionStatusFeasible
        if found:
            for var, x in zip(self.formulation.columns, solution.col_value):
                var.varValue = x
        states = highspy.HighsModelStatus
        if status == states.kOptimal:
            return pulp.LpStatusOptimal, pulp.LpSolutionOptimal
        if status in (states.kInfeasible, states.kUnboundedOrInfeasible):
            return pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible
        if status == states.kUnbounded:
            return pulp.LpStatusUnbounded, pulp.LpSolutionUnbounded
        if found:  # stopped early (time limit, interrupt) with a portfolio in hand
            return pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible
        return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound

    def callSolver(self, lp):
        _run(lp.solverModel)

    def actualSolve(self, lp):
        if not self._mine(lp):
            return super().actualSolve(lp)
        with _quiet():  # the banner is printed when the solver is made; runs are silent
            self.createAndConfigureSolver(lp)
        self.buildSolverModel(lp)
        self.callSolver(lp)
        status, sol_status = self.findSolutionValues(lp)
        lp.assignStatus(status, sol_status)
        return status


def _highs(time_limit, gap, formulation=None, warm_start=None):
    _highs_started()
    options = {}
    if gap is not None and gap >= _LOOSE_GAP:
        options["mip_heuristic_effort"] = _HEURISTIC_EFFORT
    elif (gap is not None and gap <= TIE_BREAK_GAP and formulation is not None
          and formulation.A.shape[1] < _PROOF_OPTIONS_BELOW):
        options.update(_PROOF_OPTIONS)
    return _HiGHS(formulation, warm_start, timeLimit=time_limit, gapRel=gap, threads=_threads(),
                  **options)


def _cbc(time_limit, gap, formulation=None, warm_start=None, log_path=None):
    # PuLP 3.3 deprecates its bundled CBC in favour of a 190 MB extra; the bundled binary is
    # the same CBC and ships with every PuLP 3 wheel.
    options = {"logPath": str(log_path)} if log_path else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=gap,
                                 warmStart=warm_start is not None, **options)


SOLVERS = {"HiGHS": _highs, "CBC": _cbc}


# -- the result ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PortfolioResult:
    """The funded portfolio, how the solver got there, and which rules shaped it."""

    status: str  # "optimal" or "time_limited" (infeasible models raise)
    selected: tuple[str, ...]
    value: float  # total value of the funded projects
    objective: float
    bound: float | None  # proven upper bound on the value of any portfolio
    gap: float | None  # (bound - objective) / |objective|: 0 only when proven optimal
    solver: str
    solve_seconds: float
    periods: tuple[str, ...]
    projects: pd.DataFrame  # by project: value, cost, selected, decision, reason, start, ...
    spend: pd.DataFrame  # by period: budget, spend, slack
    capacity: pd.DataFrame  # by pool and period: capacity, use, slack
    currency: str
    problem: pulp.LpProblem
    starts: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    constraint_groups: pd.DataFrame = field(default_factory=pd.DataFrame)
    build_seconds: float = 0.0
    _formulation: object = field(default=None, repr=False, compare=False)

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
                "candidates": len(self.projects), "solve_seconds": self.solve_seconds,
                "build_seconds": self.build_seconds}

    @functools.cached_property
    def constraints(self) -> pd.DataFrame:
        """Every rule's constraint at the chosen portfolio: which bind, and their duals.

        Columns: name (in the LP file), kind, group, period, pool, sense, lhs, rhs, slack
        (how far the portfolio is from the limit; 0 = binding), binding, and dual (the
        indicative LP-relaxation price of :attr:`duals`).
        """
        form = self._formulation
        table = form.rows.copy()
        x = form.solution
        lhs = form.A @ x
        slack = np.where(table[SENSE] == "<=", table[RHS] - lhs,
                         np.where(table[SENSE] == ">=", lhs - table[RHS],
                                  -np.abs(lhs - table[RHS])))
        table[LHS] = lhs
        table[SLACK] = slack
        table[BINDING] = np.abs(slack) <= 1e-7 * np.maximum(1.0, np.abs(table[RHS]))
        table[DUAL] = form.lp_duals()
        table = table[table[GROUP] != ""]
        return table[[NAME, KIND, GROUP, PERIOD, POOL, SENSE, LHS, RHS, SLACK, BINDING,
                      DUAL]].reset_index(drop=True)

    @functools.cached_property
    def duals(self) -> pd.DataFrame:
        """Indicative prices of the limits: budgets, capacity, counts and theme balance.

        Each is the dual value of the constraint in the **LP relaxation** (every x_p free in
        [0, 1]): how much the relaxed portfolio's value would rise per unit more of the limit
        (right-hand side ``rhs``). So a budget or capacity price is >= 0, and a minimum
        (min_projects, a theme's minimum) has a price <= 0, the value it costs per unit.

        Why the relaxation and not the integer portfolio: fixing the selection at the
        optimum leaves an LP with nothing to choose, whose duals are all zero or arbitrary.
        The relaxation's prices are the marginal values of the fractional optimum; they are
        *indicative* (a budget price says roughly what the next euro is worth, not what a
        whole project more would bring). For the value of a rule in whole projects, solve
        again without it (``drop=``), as :mod:`seo_workbench.decisions` does.
        """
        table = self.constraints
        table = table[table[KIND].isin(_PRICED)][[GROUP, KIND, PERIOD, POOL, RHS, DUAL,
                                                   BINDING]].reset_index(drop=True)
        groups = self.constraint_groups.set_index(GROUP)[DESCRIPTION]
        table.insert(2, DESCRIPTION, table[GROUP].map(groups))
        table[BASIS] = "indicative: LP relaxation"
        table.attrs[BASIS] = ("LP relaxation of the selection model (x in [0, 1]); dual = "
                                "change in relaxed value per unit of rhs")
        return table

    def write_lp(self, path: str | Path) -> Path:
        """Write the model as an LP file (constraints named after their rules), for audit."""
        path = Path(path)
        self.problem.writeLP(str(path))
        return path

    def write_mps(self, path: str | Path) -> Path:
        """Write the model as an MPS file, with its objective sense, for audit or another solver.

        Read it back with ``pulp.LpProblem.fromMPS(path, sense=pulp.LpMaximize)``.
        """
        path = Path(path)
        self.problem.writeMPS(str(path), with_objsense=True)
        return path

    def _repr_html_(self) -> str:
        gap = "" if self.gap is None else f", gap {self.gap:.2%}"
        return (f"<p>Portfolio: <b>{len(self.selected)}</b> of {len(self.projects)} projects "
                f"funded, value {self.value:,.3f}, spend {self.cost:,.0f} "
                f"{html.escape(self.currency)} ({self.status} by {self.solver}{gap}).</p>")


# -- building the model -------------------------------------------------------------------------


def _names(labels: Sequence[str]) -> list[str]:
    """Constraint or variable names that LP files accept: 'capacity_Data_engineering_2027Q1'.

    >>> _names(["capacity_Data engineering_2027Q1", "must_P-03"])
    ['capacity_Data_engineering_2027Q1', 'must_P_03']
    """
    # One substitution over all labels at once: a regex call per name would cost more than
    # the rest of building the model at 10,000 projects.
    joined = re.sub(r"[^0-9A-Za-z_\n]+", "_", "\n".join(labels))
    return [name.strip("_") for name in joined.split("\n")]


def _unique(names: list[str]) -> list[str]:
    """*names* with a suffix on repeats ('P_1' from 'P 1' and 'P-1' become 'P_1', 'P_1_2')."""
    if len(set(names)) == len(names):
        return names
    seen, out = set(), []
    for name in names:
        candidate, k = name, 1
        while candidate in seen:
            k += 1
            candidate = f"{name}_{k}"
        seen.add(candidate)
        out.append(candidate)
    return out


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
    values = values.reindex(model.projects.index)
    unknown = list(values.index[values.isna()])
    if unknown:
        raise ValidationError(f"The value of projects {unknown} is not a number.")
    return values


def _number(x: float) -> str:
    """An amount as the board reads it: '1,000', '12', '0.35'.

    >>> _number(1000.0), _number(0.35), _number(2.5)
    ('1,000', '0.35', '2.5')
    """
    if float(x).is_integer() or abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:,.4g}"


class _Linear:
    """A linear expression over the model's columns, as numpy arrays: sum(coefs * columns).

    Just enough algebra for the rules to read like the maths (``spend[t] <= budget[t]``,
    ``x[a] + x[b] <= 1``) while staying arrays: a comparison gives the row
    ``(expression, sense, rhs)`` that :meth:`_Formulation.rule` files. NaN limits make rows
    that are never filed.
    """

    __slots__ = ("cols", "coefs")
    __hash__ = None

    def __init__(self, cols, coefs):
        self.cols = np.asarray(cols, dtype=int)
        self.coefs = np.asarray(coefs, dtype=float)

    @classmethod
    def dense(cls, vector: np.ndarray) -> _Linear:
        """The expression with *vector*'s non-zero entries as coefficients."""
        cols = np.flatnonzero(vector)
        return cls(cols, vector[cols])

    def __add__(self, other: _Linear) -> _Linear:
        return _Linear(np.concatenate([self.cols, other.cols]),
                       np.concatenate([self.coefs, other.coefs]))

    def __sub__(self, other: _Linear) -> _Linear:
        return self + (-1.0) * other

    def __mul__(self, factor: float) -> _Linear:
        return _Linear(self.cols, self.coefs * factor)

    __rmul__ = __mul__

    def _row(self, sense: str, rhs) -> tuple:
        if isinstance(rhs, _Linear):
            return self - rhs, sense, 0.0
        return self, sense, float(rhs)

    def __le__(self, rhs):
        return self._row("<=", rhs)

    def __ge__(self, rhs):
        return self._row(">=", rhs)

    def __eq__(self, rhs):
        return self._row("==", rhs)


class _Select:
    """The selection variables x_p (columns 0..n-1) as expressions."""

    def __init__(self, n: int):
        self.n = n

    def __getitem__(self, i: int) -> _Linear:
        return _Linear([i], [1.0])

    def sum(self, indices: Iterable[int]) -> _Linear:
        cols = np.fromiter(indices, dtype=int)
        return _Linear(cols, np.ones(len(cols)))


class _Formulation:
    """The selection model of one call: its data, its PuLP problem, and the same rows as a matrix.

    The data are numpy arrays. The PuLP problem is built from them, and the same rows go to
    HiGHS and to the infeasibility filters as one sparse matrix. Columns: x_p
    (``select_<p>``) for every project in workbook order, then y_ps (``start_<p>_<period>``)
    for the projects with more than one allowed start.
    """

    def __init__(self, model: PortfolioModel, value: pd.Series, horizon: list[str],
                 budget_scale: float):
        projects = model.projects
        self.model, self.horizon, self.scale = model, horizon, budget_scale
        self.currency = model.settings.currency
        self.ids = list(projects.index)
        self.at = {p: i for i, p in enumerate(self.ids)}
        self.value = value.to_numpy(float)
        self.decision = projects["decision"].to_numpy()
        self.reasons = projects["decision_reason"].to_numpy()
        self.theme = projects["theme"].to_numpy()
        periods = list(model.periods)
        self.periods = periods
        first = periods.index(horizon[0])
        full = model.costs[periods].to_numpy(float)
        demand = model.table("demand")
        capacity = model.table("capacity")
        self._windows(projects, full, demand, first)
        self._activity(full, demand, capacity, first)
        self.groups: dict[str, dict] = {}
        self._rows: list[tuple] = []

    # The columns, their costs over the horizon and their demand on the capacity rows.

    def _windows(self, projects, full, demand, first):
        """Planned starts, and the allowed starts of projects whose start may move."""
        periods = self.periods
        at = {p: i for i, p in enumerate(periods)}
        spending = full != 0
        self.planned = np.where(spending.any(axis=1), spending.argmax(axis=1), -1)
        # Demand as arrays, sorted by project, so one project's rows are a slice.
        if demand is not None and len(demand):
            pid = pd.Index(self.ids).get_indexer(demand["project_id"])
            period = pd.Index(periods).get_indexer(demand[PERIOD])
        else:
            pid = period = np.zeros(0, dtype=int)
        order = np.argsort(pid, kind="stable")
        bounds = np.searchsorted(pid[order], np.arange(len(self.ids) + 1))

        def needs(i):
            return period[order[bounds[i]:bounds[i + 1]]].tolist()

        for i in np.flatnonzero(self.planned < 0):  # no costs: the first demand, if any
            if bounds[i + 1] > bounds[i]:
                self.planned[i] = min(needs(i))
        self.options: dict[int, list[int]] = {}  # project -> allowed starts, when not planned
        columns = ["earliest_start", "latest_start"]
        if not set(columns) <= set(projects.columns):
            return
        status = projects["status"].to_numpy()
        window = projects[columns].fillna("").to_numpy()
        for i in np.flatnonzero((window != "").any(axis=1)):
            earliest, latest = window[i]
            extent = profile_extent(pd.Series(full[i]), needs(i))
            if status[i] == "in_flight" or extent is None:
                continue
            planned, active_first, active_last = extent
            low, high = start_window(planned, at.get(earliest), at.get(latest))
            # A start must lie in the horizon and keep the whole profile within the periods;
            # a window wholly before the review quarter leaves the project as planned.
            allowed = [s for s in range(max(low, first), high + 1)
                       if s + active_first - planned >= 0
                       and s + active_last - planned <= len(periods) - 1]
            if allowed and allowed != [planned]:
                self.options[int(i)] = allowed

    def _activity(self, full, demand, capacity, first):
        n, periods = len(self.ids), self.periods
        at = {p: i for i, p in enumerate(periods)}
        windowed = sorted(self.options)
        self.col_project = np.concatenate([np.arange(n, dtype=int)] + [
            np.full(len(self.options[i]) if len(self.options[i]) > 1 else 0, i)
            for i in windowed]).astype(int)
        self.col_start = np.full(len(self.col_project), -1)
        shift = np.zeros(len(self.col_project), dtype=int)
        self.start_of: dict[int, list[int]] = {}  # project -> its start columns
        col = n
        for i in windowed:
            allowed = self.options[i]
            if len(allowed) == 1:  # one start, not the planned one: move x_p's profile
                self.col_start[i] = allowed[0]
                shift[i] = allowed[0] - self.planned[i]
                continue
            self.start_of[i] = list(range(col, col + len(allowed)))
            for s in allowed:
                self.col_start[col] = s
                shift[col] = s - self.planned[i]
                col += 1
        ncols, T = len(self.col_project), len(periods)
        moved = (shift != 0) | (np.arange(ncols) >= n)
        cost_all = np.zeros((ncols, T))
        cost_all[:n] = full
        multi = list(self.start_of)
        cost_all[multi] = 0.0  # a project with start columns spends through them
        for j in np.flatnonzero(moved):
            row = full[self.col_project[j]]
            d = shift[j]
            cost_all[j] = 0.0
            if d >= 0:
                cost_all[j, d:] = row[:T - d]
            else:
                cost_all[j, :T + d] = row[-d:]
        self.cost = cost_all[:, first:]
        self.total = self.cost.sum(axis=1)
        self.sunk_first = first

        keys = []
        self.cap_amount = np.zeros(0)
        if capacity is not None:
            cap = capacity[capacity[PERIOD].isin(set(self.horizon))]
            amounts = cap.groupby([POOL, PERIOD], sort=False)["amount"].sum()
            pools = {pool: k for k, pool in enumerate(dict.fromkeys(cap[POOL]))}
            keys = sorted(amounts.index, key=lambda key: (pools[key[0]], at[key[1]]))
            self.cap_amount = amounts.reindex(keys).to_numpy(float)
        self.cap_keys = keys
        self.demand = sparse.csr_matrix((len(keys), ncols))
        if demand is None or not keys or not len(demand):
            return
        # A capacity row is (pool, period): number it pool * T + period, -1 where none.
        pools = {pool: k for k, pool in enumerate(dict.fromkeys(k[0] for k in keys))}
        row_of = np.full(len(pools) * T, -1)
        for r, (pool, period) in enumerate(keys):
            row_of[pools[pool] * T + at[period]] = r
        pid = pd.Index(self.ids).get_indexer(demand["project_id"])
        pool = pd.Index(list(pools)).get_indexer(demand[POOL])
        period = pd.Index(periods).get_indexer(demand[PERIOD])
        amount = demand["amount"].to_numpy(float)
        # Projects with start columns repeat their demand on each, moved with the start.
        col = pid.copy()
        multi = np.isin(pid, list(self.start_of))
        if multi.any():
            extra = [(k, j) for k in np.flatnonzero(multi) for j in self.start_of[pid[k]]]
            take = np.array([k for k, _ in extra], dtype=int)
            col = np.concatenate([col[~multi], [j for _, j in extra]]).astype(int)
            pool, period, amount = (np.concatenate([a[~multi], a[take]])
                                    for a in (pool, period, amount))
        moved = period + shift[col]
        ok = (pool >= 0) & (moved >= first) & (moved < T)
        rows = np.where(ok, row_of[np.where(ok, pool, 0) * T + np.clip(moved, 0, T - 1)], -1)
        ok &= rows >= 0
        self.demand = sparse.csr_matrix((amount[ok], (rows[ok], col[ok])),
                                        shape=(len(keys), ncols))
        self.demand.sum_duplicates()

    # The rules.

    def rule(self, group: str, row: tuple, *, description: str, fix: str, period: str = "",
             pool: str = ""):
        """Add the constraint *row* (``lhs <= rhs`` of :class:`_Linear`) to *group*."""
        lhs, sense, rhs = row
        cols, at = np.unique(lhs.cols, return_inverse=True)
        coefs = np.bincount(at, weights=lhs.coefs, minlength=len(cols))
        keep = coefs != 0
        kind = group.split(":", 1)[0]
        info = self.groups.setdefault(group, {KIND: kind, DESCRIPTION: description,
                                              "fix": fix, "rows": [], RHS: rhs})
        info["rows"].append(len(self._rows))
        self._rows.append((group, kind, cols[keep], coefs[keep], sense, rhs, period, pool))

    def add_rules(self, model: PortfolioModel):
        """Every rule of the workbook, in the order of the module docstring."""
        s, horizon, money = model.settings, self.horizon, self._money
        n = len(self.ids)
        select = _Select(n)  # x_p
        # Costs, demand and theme spend run over x_p, or over y_ps for projects whose start
        # is chosen: each a row of numbers per column.
        spend = [_Linear.dense(self.cost[:, t]) for t in range(len(horizon))]
        total_spend = _Linear.dense(self.total)
        budget = model.budget[horizon].to_numpy(float) * self.scale
        for t, period in enumerate(horizon):
            self.rule(f"budget:{period}", spend[t] <= budget[t],
                      description=f"the budget in {period} ({money(budget[t])})",
                      fix=f"raise the budget in {period}", period=period)
        if s.total_budget is not None:
            total = s.total_budget * self.scale
            self.rule("total_budget", total_spend <= total,
                      description=f"total_budget ({money(total)})", fix="raise total_budget")
        for r, (pool, period) in enumerate(self.cap_keys):
            need = self.demand.getrow(r)
            amount = self.cap_amount[r]
            self.rule(f"capacity:{pool}:{period}", _Linear(need.indices, need.data) <= amount,
                      description=f"the {pool} capacity in {period} ({_number(amount)})",
                      fix=f"raise the {pool} capacity in {period}", period=period, pool=pool)
        funded = select.sum(range(n))
        if s.min_projects is not None:
            self.rule("min_projects", funded >= s.min_projects,
                      description=f"min_projects (at least {s.min_projects} funded)",
                      fix="lower min_projects")
        if s.max_projects is not None:
            self.rule("max_projects", funded <= s.max_projects,
                      description=f"max_projects (at most {s.max_projects} funded)",
                      fix="raise max_projects")
        for i, pid in enumerate(self.ids):
            reason = self.reasons[i]
            if self.decision[i] == "must":
                self.rule(f"must:{pid}", select[i] == 1,
                          description=f"{pid} is 'must' ({reason})", fix=f"release {pid}")
            elif self.decision[i] == "must_not":
                self.rule(f"must_not:{pid}", select[i] == 0,
                          description=f"{pid} is 'must_not' ({reason})", fix=f"allow {pid}")
        deps = model.table("dependencies")
        if deps is not None:
            links = dict.fromkeys(deps[["project_id", "kind", "other_id"]].itertuples(
                index=False, name=None))
            for a, kind, b in links:
                xa, xb = select[self.at[a]], select[self.at[b]]
                if kind == "requires":
                    self.rule(f"requires:{a}:{b}", xa <= xb,
                              description=f"{a} requires {b}", fix=f"drop '{a} requires {b}'")
                elif kind == "excludes":
                    self.rule(f"excludes:{a}:{b}", xa + xb <= 1,
                              description=f"{a} excludes {b} (not both)",
                              fix=f"drop '{a} excludes {b}'")
                else:
                    self.rule(f"with:{a}:{b}", xa == xb,
                              description=f"{a} with {b} (both or neither)",
                              fix=f"drop '{a} with {b}'")
        groups = model.table("groups")
        if groups is not None:
            for group, rows in groups.groupby("group", sort=False):
                limit = int(rows["max_selected"].iloc[0])
                members = select.sum(self.at[p] for p in rows["project_id"])
                self.rule(f"group:{group}", members <= limit,
                          description=f"at most {limit} of group {group} "
                          f"({', '.join(rows['project_id'])})",
                          fix=f"raise max_selected of group {group}")
        for base, family in self._families(model).items():
            self.rule(f"variants:{base}", select.sum(self.at[p] for p in family) <= 1,
                      description=f"at most one of {base} and its variants "
                      f"({', '.join(family[1:])})", fix=f"allow two variants of {base}")
        themes = model.table("themes")
        if themes is not None:
            theme_of_column = self.theme[self.col_project]
            for theme, limits in themes.iterrows():
                on_theme = _Linear.dense((theme_of_column == theme) * self.total)
                bounds = {"min_share": on_theme >= limits["min_share"] * total_spend,
                          "max_share": on_theme <= limits["max_share"] * total_spend,
                          "min_spend": on_theme >= limits["min_spend"],
                          "max_spend": on_theme <= limits["max_spend"]}
                for column, row in bounds.items():
                    limit = limits[column]
                    if pd.isna(limit):
                        continue
                    word, fix = (("at least", "lower") if column.startswith("min") else
                                 ("at most", "raise"))
                    amount = f"{limit:.0%}" if column.endswith("share") else money(limit)
                    self.rule(f"theme_{column}:{theme}", row,
                              description=f"theme {theme} takes {word} {amount} of spend",
                              fix=f"{fix} the {column} of theme {theme}")

    def _families(self, model) -> dict[str, list[str]]:
        """Base project -> itself and its variants, following variant_of to the base."""
        projects = model.projects
        if "variant_of" not in projects.columns:
            return {}
        bases = projects["variant_of"].fillna("").to_numpy()
        base_of = {p: b for p, b in zip(self.ids, bases) if b and b != p}
        families: dict[str, list[str]] = {}
        if not base_of:
            return families
        for p in self.ids:
            root, seen = p, {p}
            while root in base_of and base_of[root] not in seen:
                root = base_of[root]
                seen.add(root)
            if root != p:
                families.setdefault(root, [root]).append(p)
        return families

    def _money(self, amount: float) -> str:
        return f"{_number(amount)} {self.currency}"

    # The PuLP problem and the matrix, from the same rows.

    def build(self, drop: set[str]):
        """Create the PuLP problem and the matrix, leaving out the groups in *drop*."""
        n = len(self.ids)
        # An empty row that holds anyway (a capacity nobody draws on) is left out of the
        # problem; one that cannot hold is reported before solving (_empty_conflicts).
        rows = [r for r in self._rows if r[0] not in drop and (len(r[2]) or not _holds(r))]
        self.built = {}
        for r in rows:
            self.built[r[0]] = self.built.get(r[0], 0) + 1
        structural = []
        for i, cols in self.start_of.items():
            structural.append(("", "start", np.array(cols + [i]),
                               np.array([1.0] * len(cols) + [-1.0]), "==", 0.0,
                               "", ""))
        rows = rows + structural
        names = _unique(_names([r[0].replace(":", "_") if r[0] else
                                f"start_{self.ids[r[2][-1]]}" for r in rows]))
        self.rows = pd.DataFrame({
            NAME: names, KIND: [r[1] for r in rows], GROUP: [r[0] for r in rows],
            PERIOD: [r[6] for r in rows], POOL: [r[7] for r in rows],
            SENSE: [r[4] for r in rows], RHS: [r[5] for r in rows]})
        lengths = np.array([len(r[2]) for r in rows], dtype=int)
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        indices = np.concatenate([r[2] for r in rows]) if rows else np.zeros(0, int)
        data = np.concatenate([r[3] for r in rows]) if rows else np.zeros(0)
        ncols = len(self.col_project)
        self.A = sparse.csr_matrix((data, indices, indptr), shape=(len(rows), ncols))
        sense = self.rows[SENSE].to_numpy()
        rhs = self.rows[RHS].to_numpy(float)
        self.row_lower = np.where(sense == "<=", -np.inf, rhs)
        self.row_upper = np.where(sense == ">=", np.inf, rhs)
        self.structural = (self.rows[GROUP] == "").to_numpy()

        problem = pulp.LpProblem("portfolio", pulp.LpMaximize)
        labels = [f"select_{p}" for p in self.ids] + [
            f"start_{self.ids[self.col_project[j]]}_{self.periods[self.col_start[j]]}"
            for j in range(n, ncols)]
        columns = [problem.add_variable(name, cat=pulp.LpBinary)
                   for name in _unique(_names(labels))]
        self.columns = columns
        problem += pulp.LpAffineExpression(zip(columns[:n], self.value.tolist())), "value"
        take = columns.__getitem__
        constraints = {}
        for name, (_, _, cols, coefs, sense, rhs, *_) in zip(names, rows):
            expression = pulp.LpAffineExpression(zip(map(take, cols.tolist()), coefs.tolist()))
            constraints[name] = pulp.LpConstraint(expression, _SENSES[sense], name, rhs)
        # extend() files the constraints without re-registering their variables one term at
        # a time (PuLP does that again whenever it lists the variables, for LP/MPS files).
        problem.extend(constraints)
        self.problem = problem
        self.objective = np.concatenate([self.value, np.zeros(ncols - n)])
        self.solution = np.zeros(ncols)
        self._duals = None
        self.lp_value = None

    def pass_to(self, h: highspy.Highs, rows=None, objective=None, integer: bool = True,
                maximise: bool = True, extra: sparse.csr_matrix | None = None,
                extra_cost=None) -> None:
        """Hand HiGHS the model (or some of its *rows*), columns in the PuLP problem's order.

        *extra* adds continuous columns in [0, inf) (the elastic filter's slacks).
        """
        A = self.A if rows is None else self.A[rows]
        lower = self.row_lower if rows is None else self.row_lower[rows]
        upper = self.row_upper if rows is None else self.row_upper[rows]
        ncols = A.shape[1]
        cost = self.objective if objective is None else np.asarray(objective, dtype=float)
        col_upper = np.ones(ncols)
        integrality = np.full(ncols, 1 if integer else 0, dtype=np.int32)
        if extra is not None:
            A = sparse.hstack([A, extra], format="csr")
            cost = np.concatenate([cost, extra_cost])
            col_upper = np.concatenate([col_upper, np.full(extra.shape[1], np.inf)])
            integrality = np.concatenate([integrality, np.zeros(extra.shape[1], np.int32)])
        h.passModel(A.shape[1], A.shape[0], A.nnz, 2, -1 if maximise else 1, 0.0,
                    np.ascontiguousarray(cost, dtype=float), np.zeros(A.shape[1]), col_upper,
                    lower, upper, A.indptr.astype(np.int32), A.indices.astype(np.int32),
                    A.data.astype(float), integrality)

    def lp_duals(self) -> np.ndarray:
        """Duals of the LP relaxation's rows, d(relaxed value) / d(rhs); NaN if unsolved."""
        if self._duals is None:
            h = _new_highs()
            self.pass_to(h, integer=False)
            _run(h)
            if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                # For a maximisation HiGHS reports each row dual as d(objective) / d(rhs).
                self._duals = np.asarray(h.getSolution().row_dual, dtype=float)
            else:
                self._duals = np.full(self.A.shape[0], np.nan)
        return self._duals

    # What infeasibility.explain needs (the Facts protocol).

    @property
    def n_projects(self) -> int:
        return len(self.ids)

    def kind(self, group: str) -> str:
        return self.groups[group][KIND]

    def description(self, group: str) -> str:
        return self.groups[group][DESCRIPTION]

    def fix(self, group: str) -> str:
        return self.groups[group]["fix"]

    def limit(self, group: str) -> float:
        return self.groups[group][RHS]

    def reason(self, project: str) -> str:
        return str(self.reasons[self.at[project]]) or "no reason recorded"

    def amount(self, group: str, value: float) -> str:
        kind = self.kind(group)
        return self._money(value) if kind in ("budget", "total_budget", "theme_max_spend") \
            else _number(value)

    def need(self, projects: Sequence[str], group: str) -> float | None:
        """The least that *projects*, all funded, put on the (single-row) group's limit."""
        rows = self.groups[group]["rows"]
        if len(rows) != 1:
            return None
        _, kind, cols, coefs, *_ = self._rows[rows[0]]
        if kind == "max_projects":
            return float(len(projects))
        coef = dict(zip(cols.tolist(), coefs.tolist()))
        total = 0.0
        for p in projects:
            i = self.at[p]
            options = self.start_of.get(i, [i])
            total += min(coef.get(j, 0.0) for j in options)
        return total

    def seeds(self, active: set[str]) -> list[list[str]]:
        """Quick suspects, checked by the oracle before use.

        The 'must' projects against one limit, or the ruled-out projects against
        min_projects.
        """
        musts = [p for p, d in zip(self.ids, self.decision) if d == "must"
                 and f"must:{p}" in active]
        out = []
        for group, info in self.groups.items():
            if group not in active or info[KIND] not in ("budget", "total_budget", "capacity",
                                                          "max_projects"):
                continue
            need = self.need(musts, group)
            if not musts or need is None or need <= info[RHS] + _TOL:
                continue
            _, kind, cols, coefs, *_ = self._rows[info["rows"][0]]
            touched = set(cols.tolist())
            users = [p for p in musts if kind == "max_projects" or
                     touched & set(self.start_of.get(self.at[p], [self.at[p]]))]
            out.append([group] + [f"must:{p}" for p in users])
        if "min_projects" in active:
            outs = [f"must_not:{p}" for p, d in zip(self.ids, self.decision)
                    if d == "must_not" and f"must_not:{p}" in active]
            if len(self.ids) - len(outs) < self.groups["min_projects"][RHS]:
                out.append(["min_projects"] + outs)
        return out

    # Oracles for infeasibility.find_conflicts.

    def _rows_of(self, groups: frozenset) -> np.ndarray:
        keep = self.structural | self.rows[GROUP].isin(groups).to_numpy()
        return np.flatnonzero(keep)

    def feasible(self, groups: frozenset, time_limit: float = 2.0, exact: bool = True
                 ) -> bool | None:
        """Does any portfolio satisfy *groups* (and the start structure)? None: no answer.

        The LP relaxation answers first: when even fractional projects cannot meet the
        groups, no portfolio can. When they can, a rounding of the LP's solution that meets
        every row proves a portfolio exists; only then is the integer program solved (unless
        *exact* is False). HiGHS can overrun its time limit on a hard feasibility question,
        so the integer program is the last resort.
        """
        rows = self._rows_of(groups)
        zero = np.zeros(self.A.shape[1])
        h = _new_highs(time_limit=time_limit)
        self.pass_to(h, rows, objective=zero, integer=False)
        _run(h)
        if h.getModelStatus() in _NO_SOLUTION:
            return False
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        x = np.asarray(h.getSolution().col_value)
        A, lower, upper = self.A[rows], self.row_lower[rows], self.row_upper[rows]
        for rounded in (np.round(x), np.floor(x + 1e-9), np.ceil(x - 1e-9)):
            lhs = A @ rounded
            if (lhs >= lower - 1e-9).all() and (lhs <= upper + 1e-9).all():
                return True
        if not exact:
            return None
        h = _new_highs(time_limit=time_limit)
        self.pass_to(h, rows, objective=zero)
        _run(h)
        if h.getModelStatus() in _NO_SOLUTION:
            return False
        return True if h.getInfo().primal_solution_status == 2 else None

    def violated(self, hard: frozenset, soft: frozenset, time_limit: float = 10.0
                 ) -> set[str] | None:
        """The soft groups that must stretch for the hard ones to hold (the elastic filter).

        None when the hard groups alone admit no portfolio. The LP relaxation is tried first
        (Chinneck's filter is an LP method, and it is fast); only when fractional projects
        would satisfy every group does the integer program decide.
        """
        rows = self._rows_of(hard | soft)
        group = self.rows[GROUP].to_numpy()[rows]
        lower, upper = self.row_lower[rows], self.row_upper[rows]
        soft_rows = np.flatnonzero(np.isin(group, list(soft)))
        # A slack per bound of each soft row lets it give way (both ways for '=='); scaled by
        # the size of the limit, so that a budget and a count weigh alike.
        size = np.maximum(1.0, np.abs(np.where(np.isfinite(upper), upper, lower)))
        down = soft_rows[np.isfinite(upper[soft_rows])]
        up = soft_rows[np.isfinite(lower[soft_rows])]
        owner = np.concatenate([down, up])
        signs = np.concatenate([-np.ones(len(down)), np.ones(len(up))])
        slack = sparse.csr_matrix((signs * size[owner], (owner, np.arange(len(owner)))),
                                  shape=(len(rows), len(owner)))
        for integer in (False, True):
            h = _new_highs(time_limit=time_limit, gap=1e-2)
            self.pass_to(h, rows, objective=np.zeros(self.A.shape[1]), maximise=False,
                         integer=integer, extra=slack, extra_cost=np.ones(len(owner)))
            _run(h)
            if h.getInfo().primal_solution_status != 2:
                if h.getModelStatus() in _NO_SOLUTION:
                    return None
                return set(soft)  # no answer in time: let them all stretch (still correct)
            stretch = np.asarray(h.getSolution().col_value)[self.A.shape[1]:]
            stretched = set(group[owner[stretch > 1e-7]])
            if stretched:
                return stretched
        return set()


_EXACT_COLUMNS = 3000
_NO_SOLUTION = (highspy.HighsModelStatus.kInfeasible,
                highspy.HighsModelStatus.kUnboundedOrInfeasible)


def _holds(row) -> bool:
    """Whether an empty row (0 <sense> rhs) holds."""
    sense, rhs = row[4], row[5]
    return (rhs >= -_TOL) if sense == "<=" else (rhs <= _TOL) if sense == ">=" else (
        abs(rhs) <= _TOL)


def solve_single_threaded() -> None:
    """Run every later HiGHS solve in this process on one thread.

    For worker processes that solve side by side (the frontier's levels, robustness
    scenarios): HiGHS otherwise starts a thread pool per process sized to the machine. Does
    nothing once HiGHS has solved here: its pool is fixed then, and a later solve asking for
    another size would fail.
    """
    global _THREADS
    if not _HIGHS_STARTED:
        _THREADS = 1


def _highs_started() -> None:
    global _HIGHS_STARTED
    _HIGHS_STARTED = True


def _threads() -> int | None:
    """Threads per HiGHS run in this thread (None: HiGHS' own choice)."""
    return getattr(_LOCAL, "threads", _THREADS)


def _solve_here_single_threaded() -> None:
    """Run every HiGHS solve of the calling thread on one thread.

    For threads that solve side by side in one process (see
    :func:`seo_workbench.robustness.portfolio_robustness`); call it before the thread's first
    solve.
    """
    _LOCAL.threads = 1


@contextlib.contextmanager
def interrupted_by(event: threading.Event):
    """Stop the calling thread's HiGHS solves soon after *event* is set.

    An interrupted solve ends like one out of time: with the best portfolio found so far and
    its gap, or with no portfolio. For work whose answer may become unwanted while it runs
    (the explorer's refinement, superseded by the analyst's next move). CBC runs as a
    separate program and is not interrupted.
    """
    outer = getattr(_LOCAL, "stop", None)
    _LOCAL.stop = event
    try:
        yield
    finally:
        _LOCAL.stop = outer


def _watch(h: highspy.Highs) -> None:
    """Let *h* be interrupted (see :func:`interrupted_by`) when the calling thread asks."""
    stop = getattr(_LOCAL, "stop", None)
    if stop is None:
        return

    def interrupt(event, stop=stop):
        if stop.is_set():
            event.interrupt()

    h.cbMipInterrupt += interrupt


def _helper() -> concurrent.futures.ThreadPoolExecutor:
    """The thread that runs small models on one HiGHS thread (a new one after a fork)."""
    global _HELPER
    with _HELPER_LOCK:
        if _HELPER is None or _HELPER[0] != os.getpid():
            _HELPER = (os.getpid(), concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="seo-highs",
                initializer=_solve_here_single_threaded))
        return _HELPER[1]


def _run(h: highspy.Highs) -> None:
    """``h.run()``, on one HiGHS thread when the model is small (see _ONE_THREAD_BELOW)."""
    if _threads() == 1 or h.getNumCol() >= _ONE_THREAD_BELOW:
        h.run()
        return
    h.setOptionValue("threads", 1)
    _helper().submit(h.run).result()


def _new_highs(time_limit: float | None = None, gap: float | None = None) -> highspy.Highs:
    _highs_started()
    with _quiet():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    _watch(h)
    if _threads() is not None:
        h.setOptionValue("threads", _threads())
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if gap is not None:
        h.setOptionValue("mip_rel_gap", float(gap))
    return h


# -- solving ------------------------------------------------------------------------------------


@dataclass
class _Outcome:
    status: str  # "optimal", "time_limited", "infeasible", "none"
    x: np.ndarray | None
    bound: float | None
    seconds: float


def _warm_start(form: _Formulation, gap: float, time_limit) -> np.ndarray | None:
    """A first portfolio by RENS, the "optimal rounding" of the LP relaxation (Berthold 2014).

    Solve the relaxation, fix every project it already decides (x_p = 0 or 1) and solve the
    few left open. On large portfolios HiGHS otherwise spends seconds at the root before
    its own sub-MIP finds a portfolio within a loose gap (7.4 s instead of 0.5 s on one
    10,000-project instance); here it costs one LP solve, whose duals are kept for
    :attr:`PortfolioResult.duals`.
    """
    h = _new_highs(time_limit=time_limit)
    form.pass_to(h, integer=False)
    _run(h)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    solution = h.getSolution()
    form._duals = np.asarray(solution.row_dual, dtype=float)
    form.lp_value = float(h.getInfo().objective_function_value)
    x = np.asarray(solution.col_value)
    rounded = np.round(x)
    decided = np.flatnonzero(np.abs(x - rounded) < 1e-6).astype(np.int32)
    h = _new_highs(time_limit=1.0 if time_limit is None else min(1.0, time_limit),
                   gap=gap / 4)
    form.pass_to(h)
    h.changeColsBounds(len(decided), decided, rounded[decided], rounded[decided])
    _run(h)
    if h.getInfo().primal_solution_status != 2:
        return None
    return (np.asarray(h.getSolution().col_value) > 0.5).astype(float)


def _solve(form: _Formulation, solver: str, time_limit, gap) -> _Outcome:
    """Solve the PuLP problem with *solver*; read the portfolio and the proven bound."""
    problem = form.problem
    started = time.perf_counter()
    warm = _warm_start(form, gap, time_limit) if gap >= _LOOSE_GAP else None
    left = None if time_limit is None else max(0.1, time_limit - (time.perf_counter()
                                                                   - started))
    log = None
    if solver == "CBC":
        handle, log = tempfile.mkstemp(suffix=".log", prefix="seo_cbc_")
        os.close(handle)
        if warm is not None:  # PuLP hands CBC the variables' values as its start
            for var, v in zip(form.columns, warm):
                var.varValue = float(v)
        engine = _cbc(left, gap, warm_start=warm, log_path=log)
    else:
        engine = _highs(left, gap, formulation=form, warm_start=warm)
    try:
        # HiGHS prints only when it is made (inside, see _HiGHS.actualSolve); CBC's runner
        # may write to the terminal. Keeping the quiet window short leaves the process's
        # output alone while a solve runs in the background (the explorer's refinement).
        with _quiet() if solver == "CBC" else contextlib.nullcontext():
            problem.solve(engine)
        text = Path(log).read_text(errors="replace") if log else ""
    finally:
        if log:
            Path(log).unlink(missing_ok=True)
    seconds = time.perf_counter() - started
    if problem.sol_status == pulp.LpSolutionInfeasible or problem.status in (
            pulp.LpStatusInfeasible,):
        return _Outcome("infeasible", None, None, seconds)
    if problem.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return _Outcome("none", None, None, seconds)
    x = np.array([v.varValue or 0.0 for v in form.columns])
    x = (x > 0.5).astype(float)
    status = "optimal" if problem.sol_status == pulp.LpSolutionOptimal else "time_limited"
    if solver == "CBC":
        bound = _cbc_bound(text, float(form.value @ x[:len(form.ids)]), status)
    else:
        bound = float(problem.solverModel.getInfo().mip_dual_bound)
    return _Outcome(status, x, bound, seconds)


def _cbc_bound(log: str, objective: float, status: str) -> float | None:
    """CBC's proven bound, from its log.

    Its 'Upper bound:' line (maximising), or the objective itself when CBC reports an optimum
    without a gap tolerance.
    """
    found = re.search(r"^(?:Upper|Lower) bound:\s*(\S+)", log, re.M)
    if found:
        with contextlib.suppress(ValueError):
            return float(found.group(1))
    if status == "optimal" and re.search(r"Result - Optimal solution found\s*$", log, re.M):
        return objective
    return None


def _lp_bound(form: _Formulation) -> float | None:
    """The LP relaxation's value: a weaker bound, used when the solver reports none."""
    if form.lp_value is not None:
        return form.lp_value
    h = _new_highs()
    form.pass_to(h, integer=False)
    _run(h)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return float(h.getInfo().objective_function_value)


def _tie_break(form: _Formulation, solver: str, x: np.ndarray, time_limit, gap) -> tuple:
    """Among the portfolios worth at least the optimum, the one that spends least.

    Returns the portfolio (*x* itself when nothing cheaper exists or time ran out) and the
    seconds spent.
    """
    n = len(form.ids)
    best = float(form.value @ x[:n])
    spend = float(form.total @ x)
    floor = best - _TOL * max(1.0, abs(best))
    started = time.perf_counter()
    if solver == "CBC":
        problem = form.problem.copy()
        problem.sense = pulp.LpMinimize
        problem.objective = pulp.LpAffineExpression(
            (v, c) for v, c in zip(form.columns, form.total.tolist()) if c)
        problem += (pulp.LpAffineExpression(zip(form.columns[:n], form.value.tolist()))
                    >= floor), "tie_break_value"
        with _quiet():
            problem.solve(_cbc(time_limit, gap, warm_start=x))
        ok = problem.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
        y = np.array([(v.varValue or 0.0) > 0.5 for v in form.columns], dtype=float)
    else:
        h = form.problem.solverModel
        value_row = form.objective
        cols = np.flatnonzero(value_row)
        h.addRow(floor, highspy.kHighsInf, len(cols), cols.astype(np.int32), value_row[cols])
        h.changeObjectiveSense(highspy.ObjSense.kMinimize)
        h.changeColsCost(len(form.total), np.arange(len(form.total), dtype=np.int32),
                         form.total.astype(float))
        solution = highspy.HighsSolution()
        solution.col_value = x.tolist()
        solution.value_valid = True
        h.setSolution(solution)
        if time_limit is not None:
            h.setOptionValue("time_limit", float(time_limit))
        _run(h)
        ok = h.getInfo().primal_solution_status == 2
        y = (np.asarray(h.getSolution().col_value) > 0.5).astype(float)
    seconds = time.perf_counter() - started
    if ok and form.value @ y[:n] >= floor and form.total @ y < spend - _TOL * max(1, abs(spend)):
        return y, seconds
    return x, seconds


def _conflict_error(form: _Formulation, active: set[str], time_limit) -> InfeasiblePortfolioError:
    """The InfeasiblePortfolioError for an infeasible model, with its conflicts as data."""
    budget = max(10.0, min(30.0, time_limit or 30.0))
    # On large models the integer feasibility tests can run far past their time limit
    # (HiGHS does not look at the clock in every phase), so there the filters settle for
    # what the LP relaxation and roundings of it can prove, and look for further conflicts
    # only while the relaxation itself is infeasible.
    small = form.A.shape[1] <= _EXACT_COLUMNS
    found = infeasibility.find_conflicts(
        [g for g in form.groups if g in active],
        lambda groups: form.feasible(groups, exact=small),
        lambda hard, soft: form.violated(hard, soft, time_limit=2.0),
        further=None if small else (lambda groups: form.feasible(groups, exact=False)),
        seeds=form.seeds(active), time_limit=budget)
    sentences, conflicts = [], []
    for number, conflict in enumerate(found, 1):
        groups = [c.group for c in conflict]
        sentences.append(infeasibility.explain(groups, form))
        conflicts += [infeasibility.Conflict(c.group, c.kind, form.description(c.group),
                                             number, c.minimal) for c in conflict]
    if sentences:
        if len(sentences) == 1:
            message = f"No feasible portfolio: {sentences[0]}"
        else:
            message = "No feasible portfolio. " + " ".join(
                f"({k}) {s[0].upper()}{s[1:]}" for k, s in enumerate(sentences, 1))
    else:
        message = ("No feasible portfolio satisfies every constraint together (budgets, "
                   "capacity, dependencies, groups, themes, forced decisions). Relax a limit "
                   "or clear a forced decision; `result.problem.writeLP('model.lp')` shows "
                   "the model.")
    error = InfeasiblePortfolioError(message)
    error.conflicts = conflicts
    error.sentences = sentences
    return error


def _empty_conflicts(form: _Formulation, active: set[str]) -> InfeasiblePortfolioError | None:
    """A rule that fails with no project in it (e.g. min_spend of a theme nobody serves)."""
    for group, info in form.groups.items():
        if group not in active:
            continue
        for r in info["rows"]:
            kind, cols = form._rows[r][1], form._rows[r][2]
            if len(cols) == 0 and not _holds(form._rows[r]):
                sentence = (f"{info['description'][0].upper()}{info['description'][1:]}, but no "
                            f"project can count towards it. {info['fix'][0].upper()}"
                            f"{info['fix'][1:]}.")
                error = InfeasiblePortfolioError(f"No feasible portfolio: {sentence}")
                error.conflicts = [infeasibility.Conflict(group, kind, info[DESCRIPTION])]
                error.sentences = [sentence]
                return error
    return None


def select_portfolio(model: PortfolioModel, values: Mapping[str, float] | pd.Series | None = None,
                     *, start: str | None = None, solver: str = "HiGHS",
                     time_limit: float | None = 60.0, gap: float = DEFAULT_GAP,
                     budget_scale: float = 1.0, drop: Iterable[str] = ()) -> PortfolioResult:
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
        ``"HiGHS"`` (default) or ``"CBC"``, both through PuLP.
    time_limit, gap
        Solver time limit in seconds (None: none) and relative optimality gap (default
        :data:`DEFAULT_GAP`, 1e-6: proven optimal). The result states the certified gap.
    budget_scale
        Multiplies every period's budget and the total budget (for "what if" runs).
    drop
        Names of constraint groups to leave out (see ``result.constraint_groups``), e.g.
        ``["budget:2027Q2", "must:P03"]``.

    Returns
    -------
    PortfolioResult

    Raises
    ------
    InfeasiblePortfolioError
        When no portfolio meets every constraint. The message says which rules collide and
        how to resolve it; ``error.conflicts`` lists them as
        :class:`~seo_workbench.infeasibility.Conflict` (group, kind, description, conflict
        number) and ``error.sentences`` holds one sentence per conflict. Also raised, with a
        message that starts "The solver stopped", when the time limit ran out before any
        portfolio was found.
    ValidationError
        For unknown values, periods or constraint groups.
    """
    choose(SOLVERS, solver, what="solver")
    solver_name = next(k for k in SOLVERS if k.lower() == solver.strip().lower())
    if not (gap is not None and gap >= 0):
        raise ValidationError(f"gap must be a number >= 0 (a share, e.g. 1e-3), found {gap!r}.")
    if time_limit is not None and not time_limit > 0:
        raise ValidationError(f"time_limit must be > 0 seconds or None, found {time_limit!r}.")
    built = time.perf_counter()
    horizon = _horizon(model, start)
    value = _values(model, values)
    drop = set([drop] if isinstance(drop, str) else drop)
    with _gc_paused():
        form = _Formulation(model, value, horizon, budget_scale)
        form.add_rules(model)
        unknown = sorted(drop - set(form.groups))
        if not unknown:
            form.build(drop)
    if unknown:
        valid = list(form.groups)
        shown = ", ".join(valid[:40]) + (f" ... and {len(valid) - 40} more" if len(valid) > 40
                                         else "")
        raise ValidationError(f"Unknown constraint group(s) in drop: {', '.join(unknown)}. "
                              f"Choose from: {shown}.")
    active = set(form.groups) - drop
    build_seconds = time.perf_counter() - built

    empty = _empty_conflicts(form, active)
    if empty is not None:
        raise empty
    first = _solve(form, solver_name, time_limit, gap)
    if first.status == "infeasible":
        raise _conflict_error(form, active, time_limit)
    if first.status == "none":
        error = InfeasiblePortfolioError(
            f"The solver stopped without a portfolio (status "
            f"{pulp.LpStatus[form.problem.status]}) within the time limit of {time_limit} s. "
            f"Raise time_limit or try solver='CBC'.")
        error.conflicts, error.sentences = [], []
        raise error
    n = len(form.ids)
    x, seconds = first.x, first.seconds
    left = None if time_limit is None else time_limit - seconds
    free = (form.decision[:n] == "auto") & (x[:n] == 0)
    if (first.status == "optimal" and gap <= TIE_BREAK_GAP and free.any()
            and (left is None or left > 0)):
        x, extra = _tie_break(form, solver_name, x, left, gap)
        seconds += extra
    objective = float(form.value @ x[:n])
    bound = first.bound
    if bound is None or not np.isfinite(bound):
        bound = _lp_bound(form)
    if bound is not None:
        bound = max(float(bound), objective)
        achieved = (bound - objective) / max(abs(objective), 1e-12)
        if achieved <= 1e-12:
            bound, achieved = objective, 0.0
    else:
        achieved = None
    for var, v in zip(form.columns, x):
        var.varValue = float(v)
    form.solution = x
    return _result(form, x, first.status, objective, bound, achieved, solver_name, seconds,
                   build_seconds, drop)


def _result(form: _Formulation, x, status, objective, bound, gap, solver, seconds,
            build_seconds, drop) -> PortfolioResult:
    n, model, horizon = len(form.ids), form.model, form.horizon
    projects = model.projects
    chosen_mask = x[:n] > 0.5
    chosen = [p for p, c in zip(form.ids, chosen_mask) if c]
    # Each project's start and its cost over the horizon: the chosen start for a funded
    # project, the planned one (the profile as written) otherwise.
    start_pos = form.planned.copy()
    cost = form.total[:n].copy()
    for i in range(n):
        if form.col_start[i] >= 0:
            start_pos[i] = form.col_start[i]
        if i in form.start_of:
            cols = form.start_of[i]
            picked = [j for j in cols if x[j] > 0.5]
            j = picked[0] if picked else next(
                (j for j in cols if form.col_start[j] == form.planned[i]), cols[0])
            start_pos[i] = form.col_start[j]
            cost[i] = form.total[j]
    start_label = [form.periods[s] if s >= 0 else None for s in start_pos]
    status_col = projects["status"].to_numpy()
    continues = pd.array([bool(c) if s == "in_flight" else pd.NA
                          for c, s in zip(chosen_mask, status_col)], dtype="boolean")
    table = pd.DataFrame({
        "name": projects["name"], "theme": projects["theme"], "owner": projects["owner"],
        "status": projects["status"], VALUE: form.value, COST: cost,
        SELECTED: chosen_mask, "decision": projects["decision"],
        "decision_reason": projects["decision_reason"], START: start_label,
        CONTINUES: continues}, index=projects.index)
    starts = pd.Series({p: start_label[form.at[p]] for p in chosen}, dtype=object,
                       name=START)
    starts.index.name = "project_id"

    budget = model.budget[horizon].to_numpy(float) * form.scale
    spend = form.cost.T @ x
    spend_table = pd.DataFrame({"budget": budget, "spend": spend}, index=pd.Index(
        horizon, name=PERIOD))
    spend_table[SLACK] = spend_table["budget"] - spend_table["spend"]
    use = form.demand @ x
    capacity = pd.DataFrame({POOL: [k[0] for k in form.cap_keys],
                             PERIOD: [k[1] for k in form.cap_keys],
                             "capacity": form.cap_amount, "use": use})
    capacity[SLACK] = capacity["capacity"] - capacity["use"]

    groups = pd.DataFrame([
        {GROUP: g, KIND: info[KIND], DESCRIPTION: info[DESCRIPTION],
         "constraints": form.built.get(g, 0), "dropped": g in drop}
        for g, info in form.groups.items()],
        columns=[GROUP, KIND, DESCRIPTION, "constraints", "dropped"])
    return PortfolioResult(status, tuple(chosen), objective, objective, bound, gap, solver,
                           seconds, tuple(horizon), table, spend_table, capacity,
                           model.settings.currency, form.problem, starts, groups,
                           build_seconds, form)

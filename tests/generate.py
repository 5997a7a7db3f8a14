"""Random portfolio workbooks of any size, always feasible, for tests and benchmarks.

The core follows the generator behind ``shared/notes/performance.md`` (sections 3-4), so
benchmark figures can be set beside the ones quoted there: binary selection over T quarters and
R resource pools; each project runs 1-4 consecutive quarters; its quarterly cost is lognormal
around 100 (thousands); its benefit is its total cost times lognormal(0.25, 0.45), so value goes
with cost (the hard knapsack regime); each period's budget is 35 % and each pool's capacity 40 %
of what all projects together would need; 10 % of projects require an earlier one;
max(3, N/100) exclusive groups of 2-4 projects; max(3, N/200) mandatory projects. All data are
whole numbers.

On top of that core, the full workbook has every other kind of rule (``excludes`` and ``with``
links, a few 'must_not' projects, themes with shares and spend limits, a total budget, minimum
and maximum counts, in-flight projects and, on request, variants and start windows). Each is
drawn around a *witness*: a portfolio built first (the mandatory projects, then a
value-for-money greedy) that every rule is made to admit, so no instance is infeasible.

``PERFORMANCE`` switches the extras off, leaving exactly the rule kinds of performance.md.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["DEFAULTS", "PERFORMANCE", "generate_instance", "generate_model", "generate_sheets"]

DEFAULTS: dict[str, object] = {
    "budget_share": 0.35,  # each period's budget, as a share of all projects' spend in it
    "capacity_share": 0.40,  # each pool's capacity, as a share of all projects' demand
    "requires": 0.10,  # share of projects that require an earlier project
    "groups": None,  # number of exclusive groups (None = max(3, n // 100))
    "musts": None,  # number of mandatory projects (None = max(3, n // 200))
    "extra_pool": 0.04,  # chance that a project also draws on each non-primary pool
    "excludes": 0.01,  # 'excludes' links, per project
    "together": 0.01,  # 'with' links, per project
    "must_nots": None,  # number of 'must_not' projects (None = max(1, n // 200))
    "themes": 4,  # number of strategic themes (0 = no sheet 'themes')
    "theme_slack": 0.3,  # theme shares may move this far (relative) from the witness's
    "total_budget": 0.95,  # share of the summed period budgets (None = no total budget)
    "min_projects": 0.5,  # share of the witness's count (None = no minimum)
    "max_projects": 1.25,  # multiple of the witness's count (None = no maximum)
    "in_flight": 0.05,  # share of projects already running (all of them in the witness)
    "variants": 0.0,  # share of projects that are a variant of another (column variant_of)
    "windows": 0.0,  # share of projects with a start window (earliest_start / latest_start)
}

PERFORMANCE: dict[str, object] = {
    "excludes": 0.0, "together": 0.0, "must_nots": 0, "themes": 0, "total_budget": None,
    "min_projects": None, "max_projects": None, "in_flight": 0.0,
}

_THEMES = ("Customer experience", "Operational resilience", "Digital foundations", "Net zero",
           "Growth", "Compliance", "People", "Cost efficiency")
_POOLS = ("Data engineering", "Change management", "Cyber security", "Field engineering",
          "Finance")


def _labels(periods: int) -> list[str]:
    """Quarter labels from 2027Q1 on.

    >>> _labels(5)
    ['2027Q1', '2027Q2', '2027Q3', '2027Q4', '2028Q1']
    """
    return [f"{2027 + t // 4}Q{t % 4 + 1}" for t in range(periods)]


def _count(knob, share_of: int, default: int) -> int:
    """A count knob: None = the default, a float = a share of *share_of*, an int = itself."""
    if knob is None:
        return default
    if isinstance(knob, float):
        return int(round(knob * share_of)) if knob > 0 else 0
    return int(knob)


class _Witness:
    """A portfolio grown one unit (a project and its chain of requirements) at a time."""

    def __init__(self, use, limit, group_of, prerequisite):
        self.use, self.limit = use, limit
        self.group_of, self.prerequisite = group_of, prerequisite
        self.used = np.zeros(use.shape[1])
        self.chosen = np.zeros(use.shape[0], dtype=bool)
        self.group_count = {}

    def closure(self, p: int) -> list[int]:
        chain = [p]
        while self.prerequisite[chain[-1]] >= 0:
            chain.append(self.prerequisite[chain[-1]])
        return [q for q in chain if not self.chosen[q]]

    def add(self, p: int) -> bool:
        unit = self.closure(p)
        if not unit:
            return True
        groups = [self.group_of[q] for q in unit if self.group_of[q] >= 0]
        if len(set(groups)) < len(groups) or any(self.group_count.get(g) for g in groups):
            return False
        need = self.used + self.use[unit].sum(axis=0)
        if (need > self.limit).any():
            return False
        self.used = need
        self.chosen[unit] = True
        for g in groups:
            self.group_count[g] = 1
        return True


def _pairs(rng, count, n, admit, taken) -> list[tuple[int, int]]:
    """Up to *count* new unordered pairs (a, b), a != b, that *admit* accepts."""
    pairs, tries = [], 0
    while len(pairs) < count and tries < 50 * count + 100:
        tries += 1
        a, b = (int(x) for x in rng.integers(0, n, 2))
        key = (min(a, b), max(a, b))
        if a == b or key in taken or not admit(a, b):
            continue
        taken.add(key)
        pairs.append((a, b))
    return pairs


def generate_instance(n: int, periods: int = 8, pools: int = 5, seed: int = 0,
                      **knobs) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """A random portfolio workbook and a portfolio that satisfies every one of its rules.

    See :func:`generate_sheets` for the parameters; the second item is the witness's
    project ids.

    >>> sheets, witness = generate_instance(40, seed=1)
    >>> len(sheets["projects"]), 0 < len(witness) < 40
    (40, True)
    """
    unknown = sorted(set(knobs) - set(DEFAULTS))
    if unknown:
        raise TypeError(f"Unknown knob(s) {unknown}. Choose from: {', '.join(DEFAULTS)}.")
    k = {**DEFAULTS, **knobs}
    rng = np.random.default_rng(seed)
    T, R = periods, pools
    labels = _labels(T)
    pool_names = [_POOLS[r] if r < len(_POOLS) else f"Pool {r + 1}" for r in range(R)]
    ids = np.array([f"P{j:0{len(str(n))}d}" for j in range(1, n + 1)])

    duration = rng.integers(1, min(4, T) + 1, n)
    start = (rng.random(n) * (T - duration + 1)).astype(int)
    t = np.arange(T)
    active = (t >= start[:, None]) & (t < (start + duration)[:, None])
    quarterly = np.maximum(1.0, np.rint(rng.lognormal(np.log(100.0), 0.5, (n, T))))
    cost = np.where(active, quarterly, 0.0)
    total = cost.sum(axis=1)
    benefit = np.maximum(1.0, np.rint(total * rng.lognormal(0.25, 0.45, n)))

    uses = rng.random((n, R)) < k["extra_pool"]
    uses[np.arange(n), rng.integers(0, R, n)] = True
    amount = np.maximum(1.0, np.rint(rng.lognormal(np.log(20.0), 0.5, (n, R, T))))
    demand = np.where(uses[:, :, None] & active[:, None, :], amount, 0.0)
    budget = np.floor(k["budget_share"] * cost.sum(axis=0))
    capacity = np.floor(k["capacity_share"] * demand.sum(axis=0))

    prerequisite = np.full(n, -1)
    dependents = rng.choice(np.arange(1, n), min(n - 1, _count(k["requires"], n, 0)),
                            replace=False) if n > 1 else np.array([], dtype=int)
    prerequisite[dependents] = (rng.random(len(dependents)) * dependents).astype(int)

    group_of = np.full(n, -1)
    sizes = rng.integers(2, 5, _count(k["groups"], n, max(3, n // 100)))
    members = rng.permutation(n)[:sizes.sum()]
    bounds = np.cumsum(sizes)[:-1]
    groups = [g for g in np.split(members, bounds) if len(g) >= 2]
    for g, rows in enumerate(groups):
        group_of[rows] = g

    witness = _Witness(np.concatenate([cost, demand.reshape(n, R * T)], axis=1),
                       np.concatenate([budget, capacity.ravel()]), group_of, prerequisite)
    musts = []
    want = _count(k["musts"], n, max(3, n // 200))
    for p in rng.permutation(n):
        if len(musts) == want:
            break
        if witness.add(int(p)):
            musts.append(int(p))
    for p in np.argsort(-benefit / total, kind="stable"):
        witness.add(int(p))
    chosen = witness.chosen

    taken = {(min(p, q), max(p, q)) for p, q in enumerate(prerequisite) if q >= 0}
    excludes = _pairs(rng, _count(k["excludes"], n, 0), n,
                      lambda a, b: not (chosen[a] and chosen[b]), taken)
    together = _pairs(rng, _count(k["together"], n, 0), n,
                      lambda a, b: chosen[a] == chosen[b] and (group_of[a] < 0
                                                               or group_of[a] != group_of[b]),
                      taken)
    outside = np.flatnonzero(~chosen)
    must_nots = rng.choice(outside, min(len(outside), _count(k["must_nots"], n,
                                                             max(1, n // 200))), replace=False)
    inside = np.flatnonzero(chosen)
    running = rng.choice(inside, min(len(inside), _count(k["in_flight"], n, 0)), replace=False)

    decision = np.full(n, "auto", dtype=object)
    reason = np.full(n, "", dtype=object)
    decision[musts] = "must"
    reason[musts] = "Regulatory commitment"
    decision[must_nots] = "must_not"
    reason[must_nots] = "Board veto: overlaps a running programme"
    status = np.full(n, "proposed", dtype=object)
    status[running] = "in_flight"

    n_themes = int(k["themes"] or 0)
    theme = rng.integers(0, max(n_themes, 1), n)
    theme_names = np.array(_THEMES[:n_themes] if n_themes <= len(_THEMES) else
                           [f"Theme {i + 1}" for i in range(n_themes)]) if n_themes else None
    projects = pd.DataFrame({
        "project_id": ids, "name": [f"Project {p[1:]}" for p in ids],
        "owner": [f"Owner {j % 37 + 1}" for j in range(n)],
        "department": [f"Department {j % 7 + 1}" for j in range(n)],
        "theme": theme_names[theme] if n_themes else "Core", "status": status,
        "decision": decision, "decision_reason": reason, "benefit": benefit.astype(np.int64)})

    n_variants = _count(k["variants"], n, 0)
    if n_variants:
        # Families of two (a base and one variant), never both in the witness.
        base_of = np.full(n, "", dtype=object)
        family = set()

        def admit(a, b):
            if a in family or b in family or (chosen[a] and chosen[b]):
                return False
            family.update((a, b))
            base_of[a] = ids[b]
            return True

        _pairs(rng, n_variants, n, admit, set(taken))
        projects["variant_of"] = base_of
    n_windows = _count(k["windows"], n, 0)
    if n_windows:
        # The written profile starts at earliest_start, so a project that keeps its planned
        # start (as the witness does) spends exactly what the costs sheet says.
        earliest = np.full(n, "", dtype=object)
        latest = np.full(n, "", dtype=object)
        movable = np.flatnonzero(start + duration < T)
        for p in rng.choice(movable, min(len(movable), n_windows), replace=False):
            last = min(T - duration[p], start[p] + int(rng.integers(1, 3)))
            earliest[p], latest[p] = labels[start[p]], labels[last]
        projects["earliest_start"] = earliest
        projects["latest_start"] = latest

    costs = pd.DataFrame(cost.astype(np.int64), columns=labels)
    costs.insert(0, "project_id", ids)
    j, r, q = np.nonzero(demand)
    demand_sheet = pd.DataFrame({"project_id": ids[j], "pool": np.array(pool_names)[r],
                                 "period": np.array(labels)[q],
                                 "amount": demand[j, r, q].astype(np.int64)})
    rr, tt = np.meshgrid(np.arange(R), np.arange(T), indexing="ij")
    capacity_sheet = pd.DataFrame({"pool": np.array(pool_names)[rr.ravel()],
                                   "period": np.array(labels)[tt.ravel()],
                                   "amount": capacity.ravel().astype(np.int64)})
    links = [(ids[a], "requires", ids[b]) for a, b in zip(dependents, prerequisite[dependents])]
    links += [(ids[a], "excludes", ids[b]) for a, b in excludes]
    links += [(ids[a], "with", ids[b]) for a, b in together]
    group_rows = [(f"G{g + 1:03d}", ids[p], 1) for g, rows in enumerate(groups) for p in rows]

    spend = cost[chosen].sum()
    settings = [("organisation", f"Generated portfolio (n={n}, seed={seed})"),
                ("currency", "kEUR"), ("periods", ",".join(labels)), ("value", "benefit")]
    if k["total_budget"] is not None:
        cap = max(int(np.ceil(spend)), int(np.floor(k["total_budget"] * budget.sum())))
        settings.append(("total_budget", cap))
    count = int(chosen.sum())
    if k["min_projects"] is not None:
        settings.append(("min_projects", int(np.floor(k["min_projects"] * count))))
    if k["max_projects"] is not None:
        settings.append(("max_projects", int(np.ceil(k["max_projects"] * count))))

    sheets = {
        "settings": pd.DataFrame(settings, columns=["key", "value"]),
        "projects": projects, "costs": costs,
        "budget": pd.DataFrame({"period": labels, "amount": budget.astype(np.int64)}),
        "capacity": capacity_sheet, "demand": demand_sheet,
        "dependencies": pd.DataFrame(links, columns=["project_id", "kind", "other_id"]),
        "groups": pd.DataFrame(group_rows, columns=["group", "project_id", "max_selected"]),
    }
    if n_themes:
        sheets["themes"] = _theme_limits(theme_names, theme, total, chosen, spend,
                                         float(k["theme_slack"]))
    return sheets, [str(p) for p in ids[chosen]]


def _theme_limits(names, theme, total, chosen, spend, slack) -> pd.DataFrame:
    """Shares (and two spend limits) around the witness's own spend by theme."""
    by_theme = np.bincount(theme[chosen], weights=total[chosen], minlength=len(names))
    share = by_theme / spend if spend else np.zeros(len(names))
    frame = pd.DataFrame({
        "theme": names,
        "min_share": np.floor(100 * share * (1 - slack)) / 100,
        "max_share": np.minimum(1.0, np.ceil(100 * (share * (1 + slack) + 0.02)) / 100),
        "min_spend": np.nan, "max_spend": np.nan})
    frame.loc[0, "min_spend"] = np.floor(by_theme[0] * 0.5)
    if len(names) > 1:
        frame.loc[1, "max_spend"] = np.ceil(by_theme[1] * 1.5)
    return frame


def generate_sheets(n: int, periods: int = 8, pools: int = 5, seed: int = 0,
                    **knobs) -> dict[str, pd.DataFrame]:
    """A random, feasible portfolio workbook of *n* projects, as sheet tables.

    Parameters
    ----------
    n
        Number of projects.
    periods, pools
        Number of quarters (labelled 2027Q1 on) and resource pools.
    seed
        Seed of the random generator: the same arguments give the same workbook.
    **knobs
        Overrides of :data:`DEFAULTS` (``**PERFORMANCE`` gives performance.md's rule kinds
        only).

    Returns
    -------
    dict
        Sheet name -> table: settings (value = benefit), projects, costs, budget, capacity,
        demand, dependencies, groups and (with themes) themes.

    >>> sheets = generate_sheets(100, seed=3, **PERFORMANCE)
    >>> sorted(sheets["dependencies"]["kind"].unique()), "themes" in sheets
    (['requires'], False)
    """
    return generate_instance(n, periods, pools, seed, **knobs)[0]


def generate_model(n: int, tmp_path: Path, seed: int = 0, periods: int = 8, pools: int = 5,
                   **knobs):
    """Generate a workbook, write it as a folder of CSV files, and read it back validated."""
    from conftest import write_csv_workbook

    import seo_workbench as seo

    sheets = generate_sheets(n, periods, pools, seed, **knobs)
    folder = write_csv_workbook(Path(tmp_path) / f"generated_{n}_{seed}", sheets)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", seo.WorkbenchWarning)
        return seo.read_workbook(folder)

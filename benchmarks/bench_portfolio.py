"""Portfolio selection speed: our PuLP model (HiGHS, CBC) against highspy on the same matrix.

Usage: .venv/bin/python benchmarks/bench_portfolio.py [--sizes 100,500,2000,10000]
       [--solvers HiGHS,CBC] [--gap 0.001] [--time-limit 60] [--frontier-points 25]
       [--full] [--skip-mknapcb1]

For each size, one workbook from ``tests/generate.py`` with the rule kinds of
``shared/notes/performance.md`` section 3 (``--full``: every rule kind) is written as a CSV
folder. Each path then runs in a fresh process that reads it (not timed) and solves it:

* ``select_portfolio`` with each solver. *solver* = the solver's own time: HiGHS' run clock
  (``Highs.getRunTime``) or, for CBC, the wall time of the CBC process PuLP starts (start to
  exit, so CBC's own MPS read counts as the solver's). *build* = the model's own build clock
  when ``PortfolioResult`` exposes ``build_seconds``, else total minus solver. *other* = the
  rest: handing the model to the solver, reading the answer and bound, the result tables.
* ``highspy`` direct: the same rows built as a CSC matrix with numpy straight from the
  workbook's tables and passed to HiGHS in one call: the floor for this solver. 'must' and
  'must_not' are column bounds there, rows in PuLP.

Also: the value that rank-and-fund (``seo_workbench.frontier.rank_and_fund``, by value and by
value per cost) leaves behind the best portfolio found; the 25-point frontier at a 1 % gap on
500 projects; and OR-Library's 30 mknapcb1 instances through our model against highspy on the
same matrices. Peak memory is ``ru_maxrss`` of the process (imports and the workbook read
included) and, for CBC, the peak RSS of the CBC process (VmHWM sampled every 20 ms). Prints
Markdown.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import highspy  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pulp  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from conftest import REFERENCE, knapsack_sheets, read_or_library, write_csv_workbook  # noqa: E402
from feasibility import check_portfolio  # noqa: E402
from generate import PERFORMANCE, generate_sheets  # noqa: E402

import seo_workbench as seo  # noqa: E402

FRONTIER_N = 500
# Per-quarter budgets from 10 % to 70 % of demand, as in performance.md section 4; the base
# instance's budgets are 35 %.
FRONTIER_SCALE = (0.10 / 0.35, 0.70 / 0.35)


def read_model(folder):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", seo.WorkbenchWarning)
        return seo.read_workbook(folder)


def peak_mb() -> float:
    """Peak RSS of this process in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


CHILD_WALL: list[float] = []
CHILD_PEAK_MB: list[float] = []


def _sample_peak(pid: int) -> None:
    """Follow a child's peak RSS (VmHWM, reset by exec) every 20 ms while it runs."""
    peak = 0.0
    while True:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) / 1024)
        except (FileNotFoundError, ProcessLookupError, ValueError):
            break
        time.sleep(0.02)
    CHILD_PEAK_MB.append(peak)


class _TimedPopen(subprocess.Popen):
    """Popen that records each child's wall time (start to first wait() return) and peak RSS.

    ``ru_maxrss`` of the children would report the forked Python image, not CBC.
    """

    def __init__(self, *args, **kwargs):
        self._started = time.perf_counter()
        self._timed = False
        super().__init__(*args, **kwargs)
        self._sampler = threading.Thread(target=_sample_peak, args=(self.pid,), daemon=True)
        self._sampler.start()

    def wait(self, timeout=None):
        code = super().wait(timeout)
        if not self._timed:
            self._timed = True
            CHILD_WALL.append(time.perf_counter() - self._started)
            self._sampler.join(timeout=1)
        return code


# -- the same model as a matrix, from the workbook's tables --------------------------------------


def model_matrix(model, gap: float) -> dict:
    """The selection model of ``select_portfolio`` as arrays: max c'x, lo <= Ax <= up, x binary."""
    projects = model.projects
    ids = list(projects.index)
    n = len(ids)
    at = pd.Series(np.arange(n), index=ids)
    periods = list(model.periods)
    costs = model.costs[periods].to_numpy(float)
    total_cost = costs.sum(axis=1)
    value = projects["benefit"].to_numpy(float)
    scale = np.abs(costs).sum() or 1.0
    tiny = 1e-3 * gap * max(np.abs(value).max(), 1e-9) / scale
    rows, cols, vals, lo, up = [], [], [], [], []

    def add(r, c, v, low, high):
        rows.append(np.asarray(r) + len(lo))  # local row numbers, after the rows so far
        cols.append(np.asarray(c))
        vals.append(np.asarray(v, dtype=float))
        lo.extend(np.atleast_1d(low))
        up.extend(np.atleast_1d(high))

    p, t = np.nonzero(costs)
    add(t, p, costs[p, t], [-np.inf] * len(periods), model.budget[periods].to_numpy(float))
    s = model.settings
    if s.total_budget is not None:
        nz = np.flatnonzero(total_cost)
        add(np.zeros(len(nz), int), nz, total_cost[nz], -np.inf, s.total_budget)
    if s.min_projects is not None:
        add(np.zeros(n, int), np.arange(n), np.ones(n), s.min_projects, np.inf)
    if s.max_projects is not None:
        add(np.zeros(n, int), np.arange(n), np.ones(n), -np.inf, s.max_projects)
    capacity, demand = model.table("capacity"), model.table("demand")
    if capacity is not None and demand is not None:
        limit = capacity.groupby(["pool", "period"])["amount"].sum()
        need = demand.groupby(["pool", "period", "project_id"])["amount"].sum().reset_index()
        key = pd.MultiIndex.from_frame(need[["pool", "period"]])
        need = need[key.isin(limit.index)]
        codes, pairs = pd.MultiIndex.from_frame(need[["pool", "period"]]).factorize()
        add(codes, at[need["project_id"]].to_numpy(), need["amount"],
            [-np.inf] * len(pairs), limit.reindex(pairs).to_numpy(float))
    deps = model.table("dependencies")
    if deps is not None and len(deps):
        a = at[deps["project_id"]].to_numpy()
        b = at[deps["other_id"]].to_numpy()
        kind = deps["kind"].to_numpy()
        k = np.arange(len(deps))
        sign = np.where(kind == "excludes", 1.0, -1.0)
        add(np.concatenate([k, k]), np.concatenate([a, b]),
            np.concatenate([np.ones(len(k)), sign]),
            np.where(kind == "with", 0.0, -np.inf), np.where(kind == "excludes", 1.0, 0.0))
    groups = model.table("groups")
    if groups is not None and len(groups):
        codes, names = pd.factorize(groups["group"])
        cap = groups.groupby("group")["max_selected"].first().reindex(names).to_numpy(float)
        add(codes, at[groups["project_id"]].to_numpy(), np.ones(len(groups)),
            [-np.inf] * len(names), cap)
    themes = model.table("themes")
    if themes is not None:
        nz = np.flatnonzero(total_cost)
        for theme, limits in themes.iterrows():
            mine = (projects["theme"] == theme).to_numpy()
            for column in ("min_share", "max_share", "min_spend", "max_spend"):
                bound = limits[column]
                if pd.isna(bound):
                    continue
                low = column.startswith("min")
                if column.endswith("share"):
                    coef = total_cost[nz] * (mine[nz] - bound)
                    add(np.zeros(len(nz), int), nz, coef, 0.0 if low else -np.inf,
                        np.inf if low else 0.0)
                else:
                    cols_ = np.flatnonzero(mine & (total_cost != 0))
                    add(np.zeros(len(cols_), int), cols_, total_cost[cols_],
                        bound if low else -np.inf, np.inf if low else bound)
    decision = projects["decision"].to_numpy()
    matrix = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(len(lo), n)).tocsc()
    matrix.sum_duplicates()
    return {"ids": ids, "objective": value - tiny * total_cost, "value": value,
            "total_cost": total_cost,
            "matrix": matrix, "row_lower": np.array(lo, float), "row_upper": np.array(up, float),
            "col_lower": (decision == "must").astype(float),
            "col_upper": (decision != "must_not").astype(float)}


def highs_model(data: dict) -> highspy.HighsLp:
    """The arrays of :func:`model_matrix` as one HiGHS model (maximise, binary columns)."""
    matrix = data["matrix"]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = data["objective"]
    lp.col_lower_, lp.col_upper_ = data["col_lower"], data["col_upper"]
    lp.row_lower_, lp.row_upper_ = data["row_lower"], data["row_upper"]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * matrix.shape[1]
    return lp


def solve_highspy(data: dict, gap: float, time_limit: float) -> dict:
    """Hand the arrays to HiGHS in one call and solve."""
    started = time.perf_counter()
    lp = highs_model(data)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", gap)
    h.setOptionValue("time_limit", float(time_limit))
    h.passModel(lp)
    handed = time.perf_counter()
    h.run()
    solved = time.perf_counter()
    info = h.getInfo()
    x = np.asarray(h.getSolution().col_value)
    chosen = [p for p, v in zip(data["ids"], x) if v > 0.5]
    status = h.getModelStatus()
    return {"pass_seconds": handed - started, "solve_seconds": solved - handed,
            "status": "optimal" if status == highspy.HighsModelStatus.kOptimal else
            h.modelStatusToString(status), "gap": float(info.mip_gap),
            "objective": float(data["value"][x > 0.5].sum()), "selected": chosen,
            "bound": float(info.mip_dual_bound)}


def fund_down_the_list(data: dict) -> list[str]:
    """Fallback rank-and-fund when seo_workbench.frontier is missing: value per cost order.

    Musts first; then each project, with the projects it requires, if every upper limit of the
    matrix still holds. Lower limits (min shares, min_projects) are not steered for.
    """
    matrix = data["matrix"].tocsc()
    rows = matrix.tocsr()
    # Steer for limits that only fill up (budgets, capacity, groups, counts) and for links
    # between two projects; theme share rows mix signs and are left to the end check.
    fills = (rows.minimum(0).getnnz(axis=1) == 0) | (rows.getnnz(axis=1) == 2)
    upper = np.where(fills, data["row_upper"], np.inf)
    activity = np.zeros(matrix.shape[0])
    chosen = np.zeros(matrix.shape[1], dtype=bool)
    order = np.argsort(-data["value"] / np.maximum(data["total_cost"], 1e-9), kind="stable")
    forced = set(np.flatnonzero(data["col_lower"] > 0.5).tolist())
    for j in [*sorted(forced), *order]:
        if chosen[j] or data["col_upper"][j] < 0.5:
            continue
        column = matrix[:, j].toarray().ravel()
        if j in forced or (activity + column <= upper + 1e-9).all():
            activity += column
            chosen[j] = True
    return [p for p, c in zip(data["ids"], chosen) if c]


# -- one measurement per process ----------------------------------------------------------------


def case_pulp(args) -> dict:
    model = read_model(args["workbook"])
    # PuLP runs CBC as a child process; time it from the outside (only in this process).
    subprocess.Popen = _TimedPopen
    started = time.perf_counter()
    result = seo.select_portfolio(model, solver=args["solver"], gap=args["gap"],
                                  time_limit=args["time_limit"])
    total = time.perf_counter() - started
    if args["solver"] == "CBC":
        own, how = sum(CHILD_WALL), "solver: CBC process wall time"
    else:
        own = float(result.problem.solverModel.getRunTime())
        how = "solver: HiGHS run clock"
    exposed = getattr(result, "build_seconds", None)
    if exposed:  # the model's own build clock; the rest is hand-over and result tables
        build, how = float(exposed), how + ", build: PortfolioResult.build_seconds"
    else:
        build = total - own
    gap = result.gap
    certified = (f"{gap:.4%}" if gap is not None else
                 f"<= {args['gap']:.2%}" if result.status == "optimal" else "n/a")
    self_mb = peak_mb()
    return {"path": f"select_portfolio {args['solver']}", "rows": result.problem.numConstraints(),
            "nonzeros": sum(len(c) for c in result.problem.constraints.values()),
            "build": build, "solve": own, "other": total - build - own,
            "total": total, "split": how, "status": result.status, "certified": certified,
            "objective": result.value, "violations": len(check_portfolio(model,
                                                                          result.selected)),
            "rss": self_mb, "child_rss": max(CHILD_PEAK_MB, default=None)}


def case_highspy(args) -> dict:
    model = read_model(args["workbook"])
    started = time.perf_counter()
    data = model_matrix(model, args["gap"])
    built = time.perf_counter() - started
    out = solve_highspy(data, args["gap"], args["time_limit"])
    self_mb = peak_mb()
    ranked = {}
    try:
        from seo_workbench.frontier import rank_and_fund
    except ImportError:
        chosen = fund_down_the_list(data)
        ranked["ratio (bench fallback)"] = {
            "value": float(model.projects.loc[chosen, "benefit"].sum()),
            "violations": len(check_portfolio(model, chosen)), "seconds": float("nan")}
    else:
        for by in ("ratio", "value"):
            t0 = time.perf_counter()
            r = rank_and_fund(model, by=by)
            ranked[by] = {"value": r.value, "seconds": time.perf_counter() - t0,
                          "violations": len(check_portfolio(model, r.selected))}
    return {"path": "highspy direct", "rows": data["matrix"].shape[0],
            "nonzeros": int(data["matrix"].nnz), "build": built + out["pass_seconds"],
            "solve": out["solve_seconds"], "other": 0.0,
            "total": built + out["pass_seconds"] + out["solve_seconds"],
            "split": "numpy CSC + passModel | run()", "status": out["status"],
            "certified": f"{out['gap']:.4%}", "objective": out["objective"],
            "bound": out["bound"], "violations": len(check_portfolio(model, out["selected"])),
            "rss": self_mb, "child_rss": None, "ranked": ranked}


def case_frontier(args) -> dict:
    model = read_model(args["workbook"])
    try:
        from seo_workbench.frontier import frontier
    except ImportError:
        return {"available": False}
    runs = {}
    for label, scale in (("budgets 10-70 % of demand (performance.md 4)", FRONTIER_SCALE),
                         ("frontier() default scale 0.5-1.5", None)):
        options = {} if scale is None else {"scale": scale}
        started = time.perf_counter()
        result = frontier(model, levels=args["points"], gap=0.01,
                          time_limit=args["time_limit"], **options)
        seconds = time.perf_counter() - started
        points = result.points
        runs[label] = {"seconds": seconds, "points": len(points),
                       "solved": int((~points["reused"]).sum()),
                       "slowest": float(points["seconds"].max()),
                       "statuses": points["status"].value_counts().to_dict()}
    return {"available": True, "runs": runs}


def case_mknapcb1(args) -> dict:
    lines = (REFERENCE / "mknapcb1-optima.txt").read_text().splitlines()
    optima = [float(line.split()[1]) for line in lines if line.strip() and line[0] != "#"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, (values, weights, caps, _) in enumerate(read_or_library("mknapcb1.txt")):
            model = read_model(write_csv_workbook(Path(tmp) / f"i{k}",
                                                  knapsack_sheets(values, weights, caps)))
            # Alternate which path goes first, so neither always meets a warm cache.
            order = ("ours", "direct") if k % 2 == 0 else ("direct", "ours")
            row = {"instance": k, "optimum": optima[k]}
            for path in order:
                started = time.perf_counter()
                if path == "ours":
                    r = seo.select_portfolio(model, gap=args["gap"],
                                             time_limit=args["time_limit"])
                    value, status = r.value, r.status
                else:
                    direct = solve_highspy(model_matrix(model, args["gap"]), args["gap"],
                                           args["time_limit"])
                    value, status = direct["objective"], direct["status"]
                row[path] = time.perf_counter() - started
                row[f"{path}_value"] = value
                row[f"{path}_proven"] = status == "optimal"
            rows.append(row)
    return {"rows": rows}


CASES = {"pulp": case_pulp, "highspy": case_highspy, "frontier": case_frontier,
         "mknapcb1": case_mknapcb1}


def run_case(**args) -> dict:
    """Run one measurement in a fresh interpreter (so peak memory is its own)."""
    command = [sys.executable, __file__, "--case", json.dumps(args)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}


# -- report -------------------------------------------------------------------------------------


def header() -> list[str]:
    def version(name):
        try:
            from importlib.metadata import version as v

            return v(name)
        except Exception:  # a missing distribution only blanks its version
            return "?"

    cpu = "?"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    cbc = "?"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            path = pulp.PULP_CBC_CMD().path
        text = subprocess.run([path, "-quit"], capture_output=True, text=True, timeout=20).stdout
        cbc = next((line.split(":", 1)[1].strip() for line in text.splitlines()
                    if line.strip().startswith("Version")), "?")
    except Exception:  # the version is a courtesy
        pass
    portfolio = ROOT / "seo_workbench" / "portfolio.py"
    digest = hashlib.sha256(portfolio.read_bytes()).hexdigest()[:12]
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--short", "--",
                            "seo_workbench"], capture_output=True, text=True).stdout.split("\n")
    dirty = [line.strip() for line in dirty if line.strip()]
    return [
        f"- run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average "
        f"{os.getloadavg()[0]:.2f} at start",
        f"- machine: {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), {cpu}, "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__},"
        f" scipy {version('scipy')}, PuLP {pulp.__version__}, highspy {version('highspy')}, "
        f"CBC {cbc} (PuLP's bundled binary)",
        f"- code: HEAD {head}, portfolio.py sha256 {digest}; uncommitted in seo_workbench/: "
        f"{', '.join(dirty) or 'none'}",
    ]


def fmt_s(x) -> str:
    return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,500,2000,10000")
    parser.add_argument("--solvers", default="HiGHS,CBC")
    parser.add_argument("--gap", type=float, default=0.001)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--frontier-points", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--full", action="store_true",
                        help="every rule kind, not only performance.md's")
    parser.add_argument("--mknap-gap", type=float, default=1e-5,
                        help="gap for mknapcb1; below 1/optimum it proves the integer optimum")
    parser.add_argument("--skip-mknapcb1", action="store_true")
    parser.add_argument("--skip-frontier", action="store_true")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        options = json.loads(args.case)
        print("RESULT " + json.dumps(CASES[options.pop("kind")](options), default=float))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    knobs = {} if args.full else PERFORMANCE
    lines = ["## Portfolio MIP benchmark", ""] + header()
    lines += [f"- instances: tests/generate.py, seed {args.seed}, "
              f"{'every rule kind' if args.full else 'performance.md rule kinds (PERFORMANCE)'};"
              f" gap {args.gap:g}, time limit {args.time_limit:g} s; each path in a fresh "
              "process", ""]
    print("\n".join(lines), flush=True)
    results, generated, begun = {}, {}, time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for n in sorted(set(sizes) | ({FRONTIER_N} if not args.skip_frontier else set())):
            started = time.perf_counter()
            sheets = generate_sheets(n, seed=args.seed, **knobs)
            generated[n] = time.perf_counter() - started
            write_csv_workbook(Path(tmp) / f"n{n}", sheets)
        for n in sizes:
            folder = str(Path(tmp) / f"n{n}")
            common = {"workbook": folder, "gap": args.gap, "time_limit": args.time_limit}
            runs = [run_case(kind="pulp", solver=s, **common) for s in solvers]
            runs.append(run_case(kind="highspy", **common))
            results[n] = runs
            print(f"<!-- N={n} done after {time.perf_counter() - begun:.0f} s -->",
                  file=sys.stderr, flush=True)
        frontier = None
        if not args.skip_frontier:
            frontier = run_case(kind="frontier", workbook=str(Path(tmp) / f"n{FRONTIER_N}"),
                                points=args.frontier_points, time_limit=args.time_limit)
    mknap = None if args.skip_mknapcb1 else run_case(kind="mknapcb1", gap=args.mknap_gap,
                                                     time_limit=args.time_limit)

    out = ["### Selection to the requested gap", "",
           "| N | path | rows | nonzeros | build s | solver s | other s | total s | build share "
           "| status | certified gap | objective | vs best | checker | peak RSS MB (CBC) |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    ranked_rows = []
    for n in sizes:
        runs = [r for r in results[n] if "error" not in r]
        best = max((r["objective"] for r in runs), default=float("nan"))
        for r in results[n]:
            if "error" in r:
                out.append(f"| {n:,} | error | {r['error']} |" + " |" * 12)
                continue
            child = f" ({r['child_rss']:.0f})" if r.get("child_rss") else ""
            out.append(
                f"| {n:,} | {r['path']} | {r['rows']:,} | {r['nonzeros']:,} | "
                f"{fmt_s(r['build'])} | {fmt_s(r['solve'])} | {fmt_s(r['other'])} | "
                f"{fmt_s(r['total'])} | "
                f"{r['build'] / r['total']:.0%} | {r['status']} | {r['certified']} | "
                f"{r['objective']:,.0f} | {r['objective'] / best:.4%} | "
                f"{'feasible' if r['violations'] == 0 else str(r['violations']) + ' violations'}"
                f" | {r['rss']:.0f}{child} |")
            for by, rf in r.get("ranked", {}).items():
                ranked_rows.append(
                    f"| {n:,} | {by} | {rf['value']:,.0f} | {best:,.0f} | "
                    f"{(best - rf['value']) / best:.2%} | {fmt_s(rf['seconds'])} | "
                    f"{'feasible' if rf['violations'] == 0 else 'breaks a rule'} |")
    splits = sorted({f"{r['path']}: {r['split']}" for runs in results.values() for r in runs
                     if "split" in r})
    out += ["", "Split of the total: " + "; ".join(splits) + ". solver = the solver's own time "
            "(HiGHS: Highs.getRunTime; CBC: wall time of the CBC process, including its MPS "
            "read and solution write); build = the model's build clock when PortfolioResult "
            "exposes build_seconds, else total - solver; other = the rest (hand-over to the "
            "solver, reading the answer, bound, result tables). "
            "Generation (not timed in the table): "
            + ", ".join(f"N={n:,} {s:.2f} s" for n, s in generated.items()) + ".", "",
            "### Rank and fund: value left behind the best portfolio found", "",
            "| N | ranked by | value | best found | left behind | seconds | checker |",
            "|---|---|---|---|---|---|---|", *ranked_rows]
    if frontier is not None:
        out += ["", f"### Frontier: {args.frontier_points} levels at a 1 % gap, "
                f"N = {FRONTIER_N}", ""]
        if "error" in frontier:
            out.append(f"error: {frontier['error']}")
        elif not frontier["available"]:
            out.append("seo_workbench.frontier.frontier does not exist yet.")
        else:
            out += ["| levels | points | solved | total s | slowest point s | statuses |",
                    "|---|---|---|---|---|---|"]
            for label, f in frontier["runs"].items():
                out.append(f"| {label} | {f['points']} | {f['solved']} | {f['seconds']:.2f} | "
                           f"{f['slowest']:.2f} | {f['statuses']} |")
    if mknap is not None:
        out += ["", f"### OR-Library mknapcb1 (30 x 100 items x 5 constraints), gap "
                f"{args.mknap_gap:g}", ""]
        if "error" in mknap:
            out.append(f"error: {mknap['error']}")
        else:
            rows = pd.DataFrame(mknap["rows"])
            ours_ok = int((np.abs(rows["ours_value"] - rows["optimum"]) < 0.5).sum())
            direct_ok = int((np.abs(rows["direct_value"] - rows["optimum"]) < 0.5).sum())
            ratio = rows["ours"] / rows["direct"]
            out += ["| path | total s | median s | slowest s | optima reached | proven in the "
                    "time limit |", "|---|---|---|---|---|---|",
                    f"| select_portfolio HiGHS (build + solve) | {rows['ours'].sum():.1f} | "
                    f"{rows['ours'].median():.2f} | {rows['ours'].max():.2f} | {ours_ok}/30 | "
                    f"{int(rows['ours_proven'].sum())}/30 |",
                    f"| highspy direct (numpy build + solve) | {rows['direct'].sum():.1f} | "
                    f"{rows['direct'].median():.2f} | {rows['direct'].max():.2f} | "
                    f"{direct_ok}/30 | {int(rows['direct_proven'].sum())}/30 |", "",
                    f"Ratio ours / direct: total {rows['ours'].sum() / rows['direct'].sum():.2f};"
                    f" per instance median {ratio.median():.2f}, range {ratio.min():.2f}-"
                    f"{ratio.max():.2f}."]
    out += ["", "### Targets", ""] + targets(sizes, results, frontier, mknap)
    out += ["", f"- load average at end: {os.getloadavg()[0]:.2f}"]
    print("\n".join(out))


def targets(sizes, results, frontier, mknap) -> list[str]:
    def mark(ok):
        return "met" if ok else "NOT met"

    lines = []
    pulp_runs = {n: [r for r in results[n] if r.get("path", "").startswith("select")]
                 for n in sizes}
    solvers = sorted({r["path"] for runs in pulp_runs.values() for r in runs})
    for path in solvers:
        runs = {n: next((r for r in pulp_runs[n] if r["path"] == path), None) for n in sizes}
        ok = all(r is not None and r["status"] == "optimal" and r["total"] < 5
                 for r in runs.values())
        times = ", ".join(f"{n:,}: {fmt_s(r and r['total'])} s" for n, r in runs.items())
        lines.append(f"- every size to the gap in < 5 s incl. build, {path}: {mark(ok)} "
                     f"({times})")
        if runs.get(10000):
            r = runs[10000]
            fast = r["status"] == "optimal" and r["total"] < 2
            lines.append(f"- 10,000 projects in < 2 s incl. build, {path}: {mark(fast)} "
                         f"({r['total']:.2f} s)")
        share = {n: r["build"] / r["total"] for n, r in runs.items() if r}
        small = all(s <= 0.2 for s in share.values())
        shares = ", ".join(f"{n:,}: {s:.0%}" for n, s in share.items())
        lines.append(f"- build <= 1/5 of total, {path}: {mark(small)} ({shares})")
    if mknap is not None and "rows" in mknap:
        rows = pd.DataFrame(mknap["rows"])
        ratio = rows["ours"].sum() / rows["direct"].sum()
        reached = bool((np.abs(rows["ours_value"] - rows["optimum"]) < 0.5).all())
        lines.append(f"- mknapcb1 within 1.25x of highspy direct, every optimum reached: "
                     f"{mark(ratio <= 1.25 and reached)} (ratio {ratio:.2f}, optima "
                     f"{'all' if reached else 'not all'} reached)")
    if frontier and frontier.get("available"):
        for label, f in frontier["runs"].items():
            lines.append(f"- 25-point frontier at 1 % on 500 projects < 15 s ({label}): "
                         f"{mark(f['seconds'] < 15)} ({f['seconds']:.1f} s)")
    for n in sizes:
        direct = next((r for r in results[n] if r.get("path") == "highspy direct"), None)
        if not direct:
            continue
        best = max(r["objective"] for r in results[n] if "objective" in r)
        for by, rf in direct.get("ranked", {}).items():
            behind = (best - rf["value"]) / best
            lines.append(f"- rank-and-fund ({by}) leaves 2-7 % behind at N={n:,}: "
                         f"{mark(0.02 <= behind <= 0.07)} ({behind:.2%})")
    return lines


if __name__ == "__main__":
    main()

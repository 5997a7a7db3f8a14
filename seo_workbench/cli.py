"""The ``seo-workbench`` command: validate a workbook, write the template, run the quarter.

Exit codes a scheduler can act on: 0 success, 1 the run failed (a notebook cell raised),
2 bad command-line usage or parameter, 3 the workbook is not valid, 4 the decision register
could not be read or written (after a run: the board pack was written, its decisions not
recorded).
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import os
import sys
import time
import warnings
from pathlib import Path

from . import __version__
from .errors import (
    RegisterError,
    RunError,
    ValidationError,
    WorkbenchError,
    WorkbenchWarning,
    WorkbookError,
)

OK, RUN_FAILED, USAGE, INVALID_WORKBOOK, REGISTER_FAILED = 0, 1, 2, 3, 4


def _validate(args) -> int:
    from .workbook import validate_workbook

    report = validate_workbook(args.path)
    print(report)
    if report.ok:
        print("The workbook is valid.")
    return OK if report.ok else INVALID_WORKBOOK


def _template(args) -> int:
    from .template import write_template

    path = write_template(args.out)
    print(f"Wrote the blank portfolio workbook template to {path}")
    return OK


def _sample(args) -> int:
    from .workbook import read_workbook, sample_workbook, write_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        path = write_workbook(read_workbook(sample_workbook()), args.out)
    print(f"Wrote the bundled sample workbook to {path}")
    return OK


RELATIVE_QUARTERS = ("current", "previous", "next")


def quarter_label(name: str, today: dt.date | None = None) -> str:
    """``current``, ``previous`` or ``next`` as a calendar quarter label; others unchanged.

    >>> [quarter_label(q, dt.date(2027, 1, 15)) for q in ("current", "previous", "next")]
    ['2027Q1', '2026Q4', '2027Q2']
    >>> quarter_label("FY27 P1")
    'FY27 P1'
    """
    if str(name).strip().lower() not in RELATIVE_QUARTERS:
        return name
    today = today or dt.date.today()
    index = today.year * 4 + (today.month - 1) // 3
    index += {"current": 0, "previous": -1, "next": 1}[str(name).strip().lower()]
    return f"{index // 4}Q{index % 4 + 1}"


def _workbooks(patterns: list[str] | None) -> list[Path | None]:
    """Each --workbook, with glob patterns expanded (sorted); [None] for the sample."""
    if not patterns:
        return [None]
    found: list[Path | None] = []
    for pattern in patterns:
        if glob.has_magic(pattern):
            matches = sorted(glob.glob(os.path.expanduser(pattern)))
            if not matches:
                raise ValidationError(f"--workbook {pattern!r} matches no file or folder.")
            found += [Path(m) for m in matches]
        else:
            found.append(Path(pattern))
    return list(dict.fromkeys(found))


def _run_options(args) -> dict:
    """run_quarter's keyword arguments: the parameters file, then the flags given."""
    from .report import read_parameters

    options = read_parameters(args.parameters) if args.parameters else {}
    given = {"quarter": args.quarter, "out": args.out, "solver": args.solver,
             "weighting": args.weighting, "method": args.method,
             "aggregation": args.aggregation, "cr_threshold": args.cr_threshold,
             "budget_scale": args.budget_scale, "time_limit": args.time_limit,
             "pdf": args.pdf or None, "register": args.register, "scenario": args.scenario,
             "previous_run": args.previous_run}
    options.update({k: v for k, v in given.items() if v is not None})
    if "quarter" not in options:
        raise ValidationError("Give the quarter: --quarter 2027Q1 (or current, previous, next), "
                              "or 'quarter:' in the parameters file.")
    options["quarter"] = quarter_label(str(options["quarter"]))
    options.setdefault("out", Path("reports"))
    return options


def _clock():
    """A progress printer: each line prefixed by the seconds since it was made."""
    started = time.perf_counter()

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {text}", flush=True)

    return say


def _attempt(function, *args, **kwargs):
    """``(result, OK)``, or ``(None, exit code)`` with the error printed for a person."""
    try:
        return function(*args, **kwargs), OK
    except WorkbookError as exc:
        print(exc, file=sys.stderr)
        print("Fix the workbook and run again; `seo-workbench validate PATH` checks it.",
              file=sys.stderr)
        return None, INVALID_WORKBOOK
    except ValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None, USAGE
    except RunError as exc:
        print(f"Run failed: {exc}", file=sys.stderr)
        return None, RUN_FAILED


def _run(args) -> int:
    say = _clock()
    try:
        options = _run_options(args)
        from_file = options.pop("workbook", None)
        if args.workbook:
            workbooks = _workbooks(args.workbook)
        elif isinstance(from_file, list):
            workbooks = _workbooks([str(w) for w in from_file])
        else:
            workbooks = [from_file]
    except ValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
    if len(workbooks) > 1:
        return _run_many(args, workbooks, options, say)
    return _run_one(workbooks[0], options, args.log_output, say)


def _run_one(workbook, options: dict, log_output: bool, say) -> int:
    from .report import run_quarter

    result, code = _attempt(run_quarter, workbook=workbook, log_output=log_output,
                            progress=say, **options)
    if result is None:
        return code
    solver = result.manifest.get("solver", {})
    if solver:
        print(f"Portfolio: {solver['selected']} of {solver['candidates']} projects funded, "
              f"spend {solver['cost']:,.0f}; solver {solver['solver']}: {solver['status']}.")
    print(f"Board pack: {result.board_html.resolve()}")
    if result.pdf:
        print(f"PDF: {result.pdf.resolve()}")
    recorded = result.manifest.get("register", {})
    if recorded.get("status") == "failed":
        print(f"Decisions not recorded: {recorded['error']}\nThe board pack is kept; once the "
              f"register is reachable, run: seo-workbench register record {result.run_dir}",
              file=sys.stderr)
        return REGISTER_FAILED
    return OK


def _run_many(args, workbooks: list[Path], options: dict, say) -> int:
    """Each workbook in its own process, *args.jobs* at a time; output lines prefixed."""
    import subprocess
    import threading
    from concurrent.futures import ThreadPoolExecutor

    missing = [str(w) for w in workbooks if not w.exists()]
    if missing:
        print(f"error: no such workbook: {', '.join(missing)}", file=sys.stderr)
        return USAGE
    jobs = args.jobs or min(len(workbooks), os.cpu_count() or 1)
    flags = []
    for key, flag in (("quarter", "--quarter"), ("out", "--out"), ("solver", "--solver"),
                      ("weighting", "--weighting"), ("method", "--method"),
                      ("aggregation", "--aggregation"), ("cr_threshold", "--cr-threshold"),
                      ("budget_scale", "--budget-scale"), ("time_limit", "--time-limit"),
                      ("register", "--register"), ("scenario", "--scenario")):
        if options.get(key) is not None:
            flags += [flag, str(options[key])]
    if options.get("pdf"):
        flags.append("--pdf")
    if args.log_output:
        flags.append("--log-output")
    lock = threading.Lock()
    say(f"{len(workbooks)} workbooks, {jobs} at a time")

    def one(workbook: Path) -> int:
        name = workbook.stem if workbook.is_file() else workbook.name
        command = [sys.executable, "-m", "seo_workbench", "run", "--workbook", str(workbook),
                   *flags]
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, bufsize=1) as process:
            for line in process.stdout:
                with lock:
                    print(f"[{name}] {line.rstrip()}", flush=True)
        return process.returncode

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        codes = list(pool.map(one, workbooks))
    width = max(len(str(w)) for w in workbooks)
    print("\nSummary:")
    for workbook, code in zip(workbooks, codes):
        print(f"  {str(workbook):{width}s}  {EXIT_MEANINGS.get(code, f'exit code {code}')}")
    failed = [c for c in codes if c != OK]
    return failed[0] if failed else OK


EXIT_MEANINGS = {OK: "ok", RUN_FAILED: "run failed", USAGE: "usage error",
                 INVALID_WORKBOOK: "invalid workbook",
                 REGISTER_FAILED: "pack written, decisions not recorded"}


def _rerun(args) -> int:
    from .report import rerun

    done, code = _attempt(rerun, args.run_dir, out=args.out, pdf=args.pdf, progress=_clock())
    if done is None:
        return code
    result, differences = done
    print(f"Board pack: {result.board_html.resolve()}")
    for note in result.manifest["rerun"]["version_notes"]:
        print(f"note: version differs: {note}")
    if differences:
        print("The re-created run differs from the original:\n  "
              + "\n  ".join(differences), file=sys.stderr)
        return RUN_FAILED
    print(f"Re-created exactly: same portfolio, scores and results as {args.run_dir}.")
    return OK


def _register_command(args) -> int:
    from .register import DecisionRegister

    try:
        with DecisionRegister(args.register, create=args.action != "export") as register:
            if args.action == "export":
                path = register.export(args.path, quarter=args.quarter)
                print(f"Wrote the decision register ({register.address}) to {path}")
            elif args.action == "record":
                print(register.record_run(args.run_dir).summary())
            else:
                print(register.record_override(args.quarter, args.project, args.decision,
                                               args.reason, args.by, run_id=args.run).summary())
    except ValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
    except RegisterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return REGISTER_FAILED
    return OK


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="seo-workbench",
        description="Decision analysis for a Strategy Execution Office: validate a portfolio "
                    "workbook, write the template, run the quarterly board pack.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check a workbook and list every problem")
    validate.add_argument("path", type=Path, help=".xlsx workbook or folder of .csv files")
    validate.set_defaults(func=_validate)

    template = commands.add_parser("template", help="write a blank workbook template (.xlsx)")
    template.add_argument("out", type=Path, help="where to write, e.g. portfolio.xlsx")
    template.set_defaults(func=_template)

    sample = commands.add_parser("sample", help="write the bundled sample workbook "
                                 "(.xlsx, or a folder of .csv files)")
    sample.add_argument("out", type=Path, help="e.g. sample.xlsx or sample_csv/")
    sample.set_defaults(func=_sample)

    run = commands.add_parser("run", help="run the quarterly analysis and write the board pack")
    run.add_argument("--quarter", default=None, help="review quarter, e.g. 2027Q1 (a label "
                     "from settings 'periods'), or current, previous, next (calendar "
                     "quarters, for schedules)")
    run.add_argument("--workbook", action="append", default=None, metavar="PATH",
                     help="portfolio workbook (.xlsx or folder of .csv); repeat it, or give "
                          "a quoted glob, to run several business units in parallel; "
                          "default: the sample")
    run.add_argument("--parameters", type=Path, default=None, metavar="FILE",
                     help="YAML file of run parameters (quarter, workbook, method, "
                          "budget_scale, ...); flags given on the command line win")
    run.add_argument("--jobs", type=int, default=None, metavar="N",
                     help="with several workbooks: how many run at once (default: one per "
                          "core)")
    run.add_argument("--out", type=Path, default=None,
                     help="reports folder (default: reports/)")
    run.add_argument("--solver", default=None, choices=["HiGHS", "CBC"],
                     help="MIP solver (default: HiGHS)")
    run.add_argument("--weights", "--weighting", dest="weighting", default=None,
                     help="criteria weighting: direct (the workbook's weights), group (the "
                          "executives' judgements), equal, roc, rank_sum, rank_reciprocal, "
                          "entropy, critic (default: direct)")
    run.add_argument("--aggregation", default=None,
                     help="how executives' judgements are combined: aij (geometric mean of "
                          "judgements), aip, aip_arithmetic (default: aij)")
    run.add_argument("--cr-threshold", type=float, default=None,
                     help="consistency ratio above which an executive is asked to revisit "
                          "judgements (default: 0.10)")
    run.add_argument("--method", default=None,
                     help="scoring method: weighted_sum, weighted_product, topsis, vikor, "
                          "promethee_ii (default: weighted_sum)")
    run.add_argument("--budget-scale", type=float, default=None,
                     help="multiply every budget, for what-if runs (default: 1.0)")
    run.add_argument("--time-limit", type=float, default=None,
                     help="seconds the solver may take per portfolio (default: 60)")
    run.add_argument("--pdf", action="store_true", help="also print board.pdf with Chromium")
    run.add_argument("--log-output", action="store_true",
                     help="stream notebook output to the terminal (for cron/systemd logs)")
    run.add_argument("--register", default=None, metavar="URL",
                     help="decision register to append the run's decisions to: a file path or "
                          "an SQLAlchemy URL (default: OUT/decisions.sqlite)")
    run.add_argument("--scenario", type=Path, default=None, metavar="FILE",
                     help="scenario file (YAML) saved by the trade-off explorer: its weights, "
                          "method, budget scale and forced decisions replace the flags")
    run.add_argument("--previous-run", type=Path, default=None, metavar="DIR",
                     help="earlier run folder to compare this quarter against (default: the "
                          "latest succeeded run of an earlier quarter in OUT, if any)")
    run.set_defaults(func=_run)
    again = commands.add_parser("rerun", help="re-create a run exactly from its manifest and "
                                "check the results are the same")
    again.add_argument("run_dir", type=Path, help="reports/<quarter>/<run id>/")
    again.add_argument("--out", type=Path, default=None, help="reports folder for the new run "
                       "(default: the original's)")
    again.add_argument("--pdf", action="store_true", help="also print board.pdf with Chromium")
    again.set_defaults(func=_rerun)
    _add_register_commands(commands)
    explore = commands.add_parser("explore", help="serve the trade-off explorer as a Voila app "
                                  "on 127.0.0.1 (needs the 'app' extra)")
    explore.add_argument("--workbook", default=None, help=".xlsx file or folder of .csv files "
                         "(default: the bundled sample)")
    explore.add_argument("--port", type=int, default=8866, help="port on 127.0.0.1 "
                         "(default 8866)")
    explore.add_argument("--open", action="store_true", help="open it in the browser")
    explore.set_defaults(func=_explore)
    return parser


def _explore(args) -> int:
    from .app import serve_explorer

    try:
        return serve_explorer(args.workbook, args.port, args.open)
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE


def _add_register_commands(commands) -> None:
    group = commands.add_parser("register", help="the decision register: export it, record a "
                                "board override or a run")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--register", default=str(Path("reports") / "decisions.sqlite"),
                       metavar="URL", help="the register: a file path or an SQLAlchemy URL "
                       "(default: reports/decisions.sqlite)")

    export = actions.add_parser("export", parents=[where], help="write the register to .csv "
                                "or .xlsx for people to read")
    export.add_argument("path", type=Path, help="e.g. decisions.xlsx or decisions.csv")
    export.add_argument("--quarter", default=None, help="only this quarter (default: all)")

    override = actions.add_parser("override", parents=[where], help="record a decision of the "
                                  "board's own that overrides a run's recommendation")
    override.add_argument("--quarter", required=True, help="review quarter, e.g. 2027Q1")
    override.add_argument("--project", required=True, help="project id, e.g. P07")
    override.add_argument("--decision", required=True, choices=["fund", "stop", "hold"],
                          help="what the board decided")
    override.add_argument("--reason", required=True, help="why the board decided so")
    override.add_argument("--by", required=True, help="who took or records the decision")
    override.add_argument("--run", default=None, metavar="RUN_ID", help="the run overridden "
                          "(default: the quarter's latest run in the register)")

    record = actions.add_parser("record", parents=[where], help="record a finished run's "
                                "decisions (when recording failed during the run)")
    record.add_argument("run_dir", type=Path, help="reports/<quarter>/<run id>/")
    group.set_defaults(func=_register_command)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``seo-workbench`` console script."""
    args = build_parser().parse_args(argv)
    if args.command in ("run", "rerun", "explore"):
        # jsonschema (through nbformat and altair) imports the optional rfc3987_syntax, which
        # builds a grammar for about a second, for two string formats nothing here checks.
        sys.modules.setdefault("rfc3987_syntax", None)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

"""The ``seo-workbench`` command: validate a workbook, write the template, run the quarter.

Exit codes a scheduler can act on: 0 success, 1 the run failed (a notebook cell raised),
2 bad command-line usage or parameter, 3 the workbook is not valid, 4 the decision register
could not be read or written (after a run: the board pack was written, its decisions not
recorded).
"""

from __future__ import annotations

import argparse
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


def _run(args) -> int:
    from .report import run_quarter

    started = time.perf_counter()

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {text}", flush=True)

    try:
        result = run_quarter(args.quarter, workbook=args.workbook, out=args.out,
                             solver=args.solver, pdf=args.pdf, log_output=args.log_output,
                             progress=say, weighting=args.weighting, method=args.method,
                             aggregation=args.aggregation, cr_threshold=args.cr_threshold,
                             budget_scale=args.budget_scale, time_limit=args.time_limit,
                             register=args.register, previous_run=args.previous_run,
                             scenario=args.scenario)
    except WorkbookError as exc:
        print(exc, file=sys.stderr)
        print("Fix the workbook and run again; `seo-workbench validate PATH` checks it.",
              file=sys.stderr)
        return INVALID_WORKBOOK
    except ValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
    except RunError as exc:
        print(f"Run failed: {exc}", file=sys.stderr)
        return RUN_FAILED
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
    run.add_argument("--quarter", required=True, help="review quarter, e.g. 2027Q1 (a label "
                     "from settings 'periods')")
    run.add_argument("--workbook", type=Path, default=None,
                     help="portfolio workbook (.xlsx or folder of .csv); default: the sample")
    run.add_argument("--out", type=Path, default=Path("reports"),
                     help="reports folder (default: reports/)")
    run.add_argument("--solver", default="HiGHS", choices=["HiGHS", "CBC"],
                     help="MIP solver (default: HiGHS)")
    run.add_argument("--weights", "--weighting", dest="weighting", default="direct",
                     help="criteria weighting: direct (the workbook's weights), group (the "
                          "executives' judgements), equal, roc, rank_sum, rank_reciprocal, "
                          "entropy, critic (default: direct)")
    run.add_argument("--aggregation", default="aij",
                     help="how executives' judgements are combined: aij (geometric mean of "
                          "judgements), aip, aip_arithmetic (default: aij)")
    run.add_argument("--cr-threshold", type=float, default=0.10,
                     help="consistency ratio above which an executive is asked to revisit "
                          "judgements (default: 0.10)")
    run.add_argument("--method", default="weighted_sum",
                     help="scoring method: weighted_sum, weighted_product, topsis, vikor, "
                          "promethee_ii (default: weighted_sum)")
    run.add_argument("--budget-scale", type=float, default=1.0,
                     help="multiply every budget, for what-if runs (default: 1.0)")
    run.add_argument("--time-limit", type=float, default=60.0,
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
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

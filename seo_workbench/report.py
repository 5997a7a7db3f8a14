"""The quarterly run: papermill executes the chapter notebooks, nbconvert renders the board pack.

:func:`run_quarter` writes one new run folder per run (never overwriting an earlier one) with the
executed notebooks, the board HTML, the selection as CSV and a ``manifest.json`` recording
parameters, input hashes, versions, solver status and timings. The helpers used inside the
notebooks (:func:`prepare`, :func:`board_table`, :func:`save_outputs`) live here too, so the
notebooks stay thin.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import html
import json
import os
import platform
import secrets
import shutil
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .errors import RunError, ValidationError, WorkbenchError, WorkbenchWarning, choose

if TYPE_CHECKING:
    from .workbook import PortfolioModel

__all__ = [
    "CHAPTERS",
    "RunParameters",
    "RunResult",
    "board_table",
    "find_previous_run",
    "prepare",
    "read_run_model",
    "run_quarter",
    "alignment_note",
    "bullets",
    "method_note",
    "save_alignment",
    "save_outputs",
    "working",
]

# Chapter notebooks in the order the board reads them. Later chapters join this list.
CHAPTERS: tuple[str, ...] = ("01_align_executives.ipynb", "02_select_portfolio.ipynb",
                             "03_test_robustness.ipynb", "04_review_quarter.ipynb")
BOARD_HTML = "board.html"
SELECTION_CSV = "selection.csv"
RESULTS_JSON = "results.json"
ALIGNMENT_JSON = "alignment.json"
MANIFEST_JSON = "manifest.json"
PDF = "board.pdf"
INPUTS_DIR = "inputs"  # the run's copy of its workbook
_VERSIONED = ("seo-workbench", "pandas", "numpy", "pulp", "highspy", "altair",
              "vl-convert-python", "papermill", "nbconvert", "openpyxl")


_FROM_PACK = ("InlineVegaPreprocessor", "find_chromium", "print_pdf", "render_html")


def __getattr__(name: str):
    """The pack's rendering functions, which lived here before ``seo_workbench.pack``."""
    if name in _FROM_PACK:
        from . import pack

        return getattr(pack, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _shipped(folder: str, marker: str) -> Path:
    """A folder shipped beside the package: from the source tree, else from the installed wheel.

    Top-level ``notebooks/`` and ``templates/`` are packaged as ``seo_workbench.<folder>``.
    """
    tree = Path(__file__).resolve().parents[1] / folder
    if (tree / marker).exists():
        return tree
    return Path(str(resources.files(f"seo_workbench.{folder}")))


def notebooks_dir() -> Path:
    """Folder of the chapter notebooks shipped with the package."""
    return _shipped("notebooks", CHAPTERS[0])


def templates_dir() -> Path:
    """Folder of the nbconvert templates and the Excel template shipped with the package."""
    return _shipped("templates", "board/conf.json")


# -- inside the notebooks -----------------------------------------------------------------------


@dataclass(frozen=True)
class RunParameters:
    """Checked notebook parameters."""

    workbook: Path
    quarter: str
    solver: str
    output_dir: Path | None
    weighting: str = "direct"
    method: str = "weighted_sum"
    aggregation: str = "aij"
    cr_threshold: float = 0.10
    budget_scale: float = 1.0
    time_limit: float | None = 60.0
    scenario: str = ""  # scenario file whose settings override the above
    gap: float = 1e-6  # solver's relative gap for the portfolio (a scenario may set it)

    @property
    def weighting_options(self) -> dict:
        """Options for :func:`seo_workbench.weights.from_model` under the chosen weighting."""
        return {"aggregation": self.aggregation} if self.weighting == "group" else {}


def prepare(workbook_path: str = "", quarter: str = "", solver: str = "HiGHS",
            output_dir: str = "", weighting: str = "direct",
            method: str = "weighted_sum", aggregation: str = "aij",
            cr_threshold: float = 0.10, budget_scale: float = 1.0,
            time_limit: float | None = 60.0, scenario_path: str = "") -> RunParameters:
    """Check a notebook's parameters and set up charts; raise a clear error on a bad value.

    papermill only warns about unknown parameter names, so the notebook calls this right after
    its parameters cell. A *scenario_path* (a YAML file from the trade-off explorer) overrides
    the weighting, method, budget scale and solver with the scenario's; its weights and forced
    decisions are applied by :func:`seo_workbench.scenario.apply`.
    """
    from . import charts
    from .alignment import AGGREGATIONS
    from .portfolio import DEFAULT_GAP, SOLVERS
    from .scoring import SCORING_METHODS
    from .weights import WEIGHTING_METHODS
    from .workbook import sample_workbook

    gap = DEFAULT_GAP
    if scenario_path:
        from .scenario import load_scenario

        chosen = load_scenario(scenario_path)
        solver, weighting = chosen.solver, chosen.weighting
        method, budget_scale = chosen.method, chosen.budget_scale
        gap = chosen.gap
    solver = _canonical(SOLVERS, solver, "solver")
    weighting = _canonical(WEIGHTING_METHODS, weighting, "weighting method")
    method = _canonical(SCORING_METHODS, method, "scoring method")
    aggregation = _canonical(AGGREGATIONS, aggregation, "aggregation")
    try:
        cr_threshold = float(cr_threshold)
    except (TypeError, ValueError):
        cr_threshold = float("nan")
    budget_scale = _positive(budget_scale, "budget_scale", "1.1 for 10 % more budget")
    time_limit = None if time_limit in (None, "", 0) else _positive(time_limit, "time_limit",
                                                                    "60 seconds")
    if not 0 < cr_threshold < 1:
        raise ValidationError(f"cr_threshold must be a number between 0 and 1 (Saaty's is 0.10); "
                              f"found {cr_threshold!r}.")
    workbook = Path(workbook_path).expanduser() if workbook_path else sample_workbook()
    if not workbook.exists():
        raise ValidationError(f"Workbook {str(workbook)!r} does not exist. Pass an .xlsx file or "
                              "a folder of .csv files, or leave workbook_path empty for the "
                              "bundled sample.")
    charts.enable()
    # Soft problems are shown as a table in the report, not as warnings on stderr.
    warnings.simplefilter("ignore", WorkbenchWarning)
    pd.set_option("display.max_rows", 200)
    return RunParameters(workbook, str(quarter).strip(), solver,
                         Path(output_dir) if output_dir else None, weighting, method,
                         aggregation, cr_threshold, budget_scale, time_limit,
                         str(scenario_path or ""), gap)


def _positive(value, name: str, example: str) -> float:
    """A number > 0, or a clear error naming the parameter."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not number > 0:
        raise ValidationError(f"{name} must be a number > 0 (e.g. {example}); found {value!r}.")
    return number


def _canonical(registry: Mapping, name: str, what: str) -> str:
    """The registry's own spelling of *name*, or a clear error listing the choices."""
    choose(registry, name, what=what)
    return next(k for k in registry if k.lower() == str(name).strip().lower())


WEIGHTING_NOTES = {
    "direct": "the weights the board set in the workbook, rescaled to sum to 1",
    "equal": "equal weights for every criterion",
    "roc": "rank-order centroid weights from the order of the workbook's weights "
           "(Barron and Barrett 1996)",
    "rank_sum": "rank-sum weights from the order of the workbook's weights",
    "rank_reciprocal": "rank-reciprocal weights from the order of the workbook's weights",
    "entropy": "entropy weights: criteria on which the projects differ most weigh most "
               "(Shannon entropy of the scores)",
    "critic": "CRITIC weights: criteria with high spread and little correlation with the others "
              "weigh most (Diakoulaki et al. 1995)",
}
METHOD_NOTES = {
    "weighted_sum": "the weighted sum: each criterion is rescaled so that 0 is the worst project "
                    "and 1 the best (less is better for risks and burdens), then the rescaled "
                    "scores are added with the weights",
    "weighted_product": "the weighted product: the scores are multiplied, each raised to its "
                        "weight (a negative power for criteria where less is better), so a very "
                        "weak score cannot be made up elsewhere",
    "topsis": "TOPSIS: each project's closeness to an ideal project (best on every criterion) "
              "relative to its distance from the anti-ideal (Hwang and Yoon 1981)",
    "vikor": "VIKOR: a compromise ranking balancing the total weighted shortfall from the best "
             "(group utility) against the single worst shortfall (individual regret) "
             "(Opricovic and Tzeng 2004)",
    "promethee_ii": "PROMETHEE II: every pair of projects is compared criterion by criterion; a "
                    "project's net flow is how much it is preferred to the others minus how "
                    "much they are preferred to it (Brans and Vincke 1985)",
}


def method_note(weighting: str, method: str) -> _Text:
    """Two sentences for the board: how the weights and the scores were made."""
    text = (f"Weights: {WEIGHTING_NOTES.get(weighting, weighting)}. "
            f"Score: {METHOD_NOTES.get(method, method)}.")
    return _Text(text)


class _Text:
    def __init__(self, text: str):
        self.text = text

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.text)}</p>"

    def __repr__(self) -> str:
        return self.text


def working(result, caption: str = "") -> _Steps:
    """The intermediate tables of a scoring or weighting result, captioned, for an appendix."""
    return _Steps(result, caption)


class _Steps:
    def __init__(self, result, caption):
        self.result, self.caption = result, caption

    def _repr_html_(self) -> str:
        parts = [f"<p>{html.escape(self.caption)}</p>"] if self.caption else []
        for title, table in self.result.steps.items():
            frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(table)
            parts.append(f"<h4>{html.escape(str(title))}</h4>")
            parts.append(frame.to_html(escape=True, float_format="{:.4g}".format,
                                       classes="board-table"))
        return "\n".join(parts)


class _Table:
    """A table for the board: numbers formatted, workbook text escaped."""

    def __init__(self, frame: pd.DataFrame, caption: str = ""):
        self.frame, self.caption = frame, caption

    def _repr_html_(self) -> str:
        caption = f"<p><em>{html.escape(self.caption)}</em></p>" if self.caption else ""
        if self.frame.empty:
            return caption + "<p>None.</p>"
        return caption + self.frame.to_html(escape=True, na_rep="", index=False,
                                            classes="board-table")

    def __repr__(self) -> str:
        return self.frame.to_string(index=False)


def _saaty(value) -> str:
    """A judgement as people write it: 5, or 1/4 rather than 0.25."""
    if pd.isna(value):
        return ""
    if value >= 1 or not float(round(1 / value, 6)).is_integer():
        return f"{value:.3g}"
    return f"1/{round(1 / value)}"


def board_table(frame: pd.DataFrame, money: tuple[str, ...] = (), decimals: Mapping[str, int]
                | None = None, rename: Mapping[str, str] | None = None,
                caption: str = "", judgements: tuple[str, ...] = ()) -> _Table:
    """Format *frame* for the board: thousands separators on money, fixed decimals elsewhere.

    Columns named in *judgements* are pairwise judgements, shown as 5 or 1/4.
    """
    frame = frame.reset_index() if frame.index.name else frame.copy()
    for column in frame.select_dtypes(include="bool").columns:
        frame[column] = frame[column].map({True: "yes", False: "no"})
    for column in judgements:
        frame[column] = frame[column].map(_saaty)
    for column in money:
        frame[column] = frame[column].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    for column, places in (decimals or {}).items():
        frame[column] = frame[column].map(lambda v, p=places: "" if pd.isna(v) else f"{v:.{p}f}")
    return _Table(frame.rename(columns=dict(rename or {})), caption)


def save_alignment(output_dir: Path | None, alignment) -> None:
    """Write the alignment's headline figures for the run's manifest."""
    if output_dir is None:
        return
    output_dir.mkdir(parents=True, exist_ok=True)
    summary = {"aggregation": alignment.aggregation, "consensus": alignment.consensus,
               "consensus_label": alignment.consensus_label, "kendall_w": alignment.kendall_w,
               "group_cr": alignment.group_cr,
               "group_weights": alignment.group_weights.to_dict(),
               "consistency_ratio": alignment.consistency_ratio.to_dict(),
               "clusters": alignment.clusters}
    (output_dir / ALIGNMENT_JSON).write_text(json.dumps(summary, indent=2, default=float))


def alignment_note(alignment) -> _Text:
    """Sentences for the board on how far the executive team agrees."""
    w = alignment.kendall_w
    ranking = ("rank the criteria in much the same order" if w >= 0.7 else
               "partly agree on the order of the criteria" if w >= 0.4 else
               "rank the criteria in very different orders")
    shaky = list(dict.fromkeys(alignment.inconsistencies["executive"]))
    text = (f"Consensus is {alignment.consensus:.0f} % ({alignment.consensus_label}) on Goepel's "
            f"AHP consensus indicator. Kendall's W is {w:.2f}: the executives {ranking}. ")
    if len(alignment.clusters) > 1:
        text += ("Like-minded groups: " + "; ".join(", ".join(g) for g in alignment.clusters)
                 + ". ")
    if shaky:
        text += (f"The judgements of {', '.join(shaky)} are inconsistent (consistency ratio "
                 "above the threshold); the questions below would resolve them.")
    else:
        text += "Every executive's judgements are acceptably consistent."
    return _Text(text.strip())


def bullets(items, ordered: bool = False) -> _Text:
    """A list of sentences as an HTML list (text escaped)."""
    return _List(list(items), ordered)


class _List:
    def __init__(self, items, ordered):
        self.items, self.ordered = items, ordered

    def _repr_html_(self) -> str:
        if not self.items:
            return "<p>None.</p>"
        tag = "ol" if self.ordered else "ul"
        body = "".join(f"<li>{html.escape(str(i))}</li>" for i in self.items)
        return f"<{tag}>{body}</{tag}>"

    def __repr__(self) -> str:
        return "\n".join(f"- {i}" for i in self.items)


#: A text cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets.
SPREADSHEET_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """*frame* with text cells a spreadsheet would run as formulas prefixed by an apostrophe.

    Numbers are left alone; only text is touched (OWASP's advice against CSV injection).
    :func:`spreadsheet_text` undoes it when the file is read back.

    >>> spreadsheet_safe(pd.DataFrame({"name": ["=1+1", "Portal", "-2", "@SUM(A1)"]}))[
    ...     "name"].tolist()
    ["'=1+1", 'Portal', "'-2", "'@SUM(A1)"]
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(SPREADSHEET_TRIGGERS)
                else v)
    return out


def spreadsheet_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`spreadsheet_safe` on text read back from a file it wrote.

    >>> spreadsheet_text(pd.DataFrame({"name": ["'=1+1", "Portal", "'Tis"]}))["name"].tolist()
    ['=1+1', 'Portal', "'Tis"]
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: v[1:] if isinstance(v, str) and v.startswith("'")
                and v[1:].startswith(SPREADSHEET_TRIGGERS) else v)
    return out


def save_outputs(output_dir: Path | None, model, ranking, portfolio) -> None:
    """Write the selection CSV and the solver's results for the run's manifest.

    Text that a spreadsheet would run as a formula is neutralised in the CSV
    (:func:`spreadsheet_safe`), since people open it in Excel.
    """
    if output_dir is None:
        return
    output_dir.mkdir(parents=True, exist_ok=True)
    table = portfolio.projects.assign(score=ranking.scores, rank=ranking.ranks)
    spreadsheet_safe(table.reset_index()).to_csv(output_dir / SELECTION_CSV, index=False)
    summary = portfolio.summary() | {"periods": list(portfolio.periods),
                                     "selected_ids": list(portfolio.selected)}
    (output_dir / RESULTS_JSON).write_text(json.dumps(summary, indent=2, default=float))


# -- the run ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunResult:
    """Where a quarterly run wrote its outputs, and what it recorded."""

    run_dir: Path
    board_html: Path
    manifest: dict = field(repr=False)
    pdf: Path | None = None


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _new_run_dir(out: Path, quarter: str) -> tuple[str, Path]:
    """A fresh folder; an existing one is never reused, so earlier runs stay untouched."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    run_id = f"{quarter}-{stamp}-{secrets.token_hex(3)}"
    run_dir = out / quarter / run_id
    run_dir.mkdir(parents=True, exist_ok=False)
    return run_id, run_dir


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str))
    tmp.replace(path)


def _cell_timings(nb, started: float) -> dict[str, float]:
    """Kernel start and computation time from papermill's per-cell timestamps."""
    times = [c.metadata.get("papermill", {}) for c in nb.cells]
    starts = [t["start_time"] for t in times if t.get("start_time")]
    compute = sum(t.get("duration") or 0.0 for t in times)
    first = dt.datetime.fromisoformat(starts[0]).timestamp() if starts else started
    return {"kernel_start_seconds": max(0.0, first - started), "computation_seconds": compute}


KERNEL_PATH = Path(__file__).resolve().parent / "_kernel_path"


def _kernel_env() -> dict[str, str]:
    """The environment of the run's kernel: this one, with the fast-import folder first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(KERNEL_PATH), env.get("PYTHONPATH"))
                                        if p)
    return env


@contextlib.contextmanager
def _shared_kernel(run_dir: Path):
    """One Python kernel for every chapter of a run, started in *run_dir*, shut down after.

    Each chapter starts from an empty namespace (``%reset``), but the libraries it imports
    stay loaded, so only the first chapter pays for starting a kernel and importing them.
    """
    from jupyter_client.manager import KernelManager

    kernel = KernelManager(kernel_name="python3")
    # ipykernel 7 warns about plain TCP on loopback at every start; keep errors.
    kernel.start_kernel(cwd=str(run_dir), env=_kernel_env(),
                        extra_arguments=["--IPKernelApp.log_level=ERROR"])
    try:
        yield kernel
    finally:
        kernel.shutdown_kernel(now=True)


@functools.lru_cache(maxsize=1)
def _engine() -> str:
    """The nbclient engine of papermill, closing its kernel client when a chapter is done.

    papermill leaves a client it made for a kernel it did not start open, and the garbage
    collector then warns that it cannot destroy its ZeroMQ context.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class SharedKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False,
                                     stdout_file=None, stderr_file=None, start_timeout=60,
                                     execution_timeout=None, **kwargs):
            kwargs.pop("input_path", None)
            kwargs.pop("startup_timeout", None)
            client = PapermillNotebookClient(
                nb_man, kernel_name=kernel_name, log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file,
                startup_timeout=start_timeout, timeout=execution_timeout, **kwargs)
            try:
                return client.execute()
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register("seo-workbench", SharedKernelEngine)
    return "seo-workbench"


def _reset_namespace(kernel) -> None:
    """Empty the kernel's user namespace between chapters (imported modules stay loaded)."""
    client = kernel.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        # %reset also drops __spec__, which multiprocessing's workers look up on __main__.
        client.execute_interactive("get_ipython().run_line_magic('reset', '-f')\n"
                                   "__spec__ = __loader__ = __package__ = None",
                                   store_history=False, timeout=60, output_hook=lambda m: None)
    finally:
        client.stop_channels()


def _execute_chapter(chapter: str, run_dir: Path, parameters: dict, manifest: dict, kernel,
                     log_output: bool, total: float) -> Path:
    """Run one chapter notebook with papermill in the run's kernel; its path in *run_dir*."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    target = run_dir / chapter
    started = time.time()
    clock = time.perf_counter()
    source = notebooks_dir() / chapter
    # papermill only warns about names a notebook does not declare: pass each its own.
    declared = {p["name"] for p in papermill.inspect_notebook(str(source)).values()}
    if manifest["chapters"]:
        _reset_namespace(kernel)
    try:
        nb = papermill.execute_notebook(
            str(source), str(target),
            parameters={k: v for k, v in parameters.items() if k in declared},
            progress_bar=False, log_output=log_output, kernel_name="python3", km=kernel,
            engine_name=_engine())
    except PapermillExecutionError as exc:
        manifest.update(status="failed", error={
            "notebook": chapter, "cell": exc.exec_count, "error": exc.ename,
            "message": exc.evalue, "executed_notebook": str(target)})
        manifest["timings"]["total_seconds"] = time.perf_counter() - total
        _write_json(run_dir / MANIFEST_JSON, manifest)
        raise RunError(f"{chapter}: cell [{exc.exec_count}] failed with {exc.ename}: "
                       f"{exc.evalue}\nThe executed notebook is kept for diagnosis at "
                       f"{target}") from None
    timing = _cell_timings(nb, started)
    timing["papermill_seconds"] = time.perf_counter() - clock
    manifest["chapters"].append({"notebook": chapter, **timing})
    return target


def _snapshot_inputs(workbook: Path, run_dir: Path, sha256: str) -> str:
    """Copy the workbook (the file, or the folder's CSV files) into the run's ``inputs/``.

    Returns the copy's path relative to *run_dir*. The copy must hash as the workbook read
    at the start of the run, so a later quarter compares against exactly what this run saw.
    """
    from .workbook import _hashes

    inputs = run_dir / INPUTS_DIR
    target = inputs / workbook.name
    if workbook.is_file():
        inputs.mkdir()
        shutil.copy2(workbook, target)
    else:
        target.mkdir(parents=True)
        for file in sorted(workbook.glob("*.csv")):
            shutil.copy2(file, target / file.name)
    if _hashes(target)[0] != sha256:
        raise RunError(f"The workbook {str(workbook)!r} changed while the run was starting: its "
                       f"copy in {target} differs from what was validated. Run again once "
                       "nobody is saving it.")
    return target.relative_to(run_dir).as_posix()


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_manifest(run_dir: Path) -> dict | None:
    """A run folder's manifest, or None when it is missing or unreadable."""
    try:
        manifest = json.loads((run_dir / MANIFEST_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def _before(earlier: str, later: str) -> bool | None:
    """True when quarter label *earlier* comes before *later*; None when they cannot be ordered.

    Calendar quarters are compared as dates; two other labels (``FY27 P1``) as text.

    >>> _before("2026Q4", "2027Q1"), _before("2027Q1", "2027Q1"), _before("2026Q4", "FY27 P1")
    (True, False, None)
    """
    from .execution import _quarter_key

    a, b = _quarter_key(earlier), _quarter_key(later)
    if a is not None and b is not None:
        return a < b
    if a is None and b is None:
        return str(earlier) < str(later)
    return None


def find_previous_run(out: str | Path, quarter: str,
                      organisation: str | None = None) -> Path | None:
    """The newest succeeded run under *out* of the latest quarter before *quarter*, or None.

    Runs are the folders ``out/<quarter>/<run id>/`` that :func:`run_quarter` writes. Failed,
    unfinished and unreadable runs are passed over, and so, when *organisation* is given,
    are runs for another organisation.

    Parameters
    ----------
    out
        Reports folder, as given to :func:`run_quarter`.
    quarter
        This quarter's label; only earlier quarters count (``2026Q4`` before ``2027Q1``).
    organisation
        Settings 'organisation' of this quarter's workbook; None accepts any.

    Returns
    -------
    Path or None
        The run folder, or None when no earlier succeeded run exists.
    """
    candidates = []
    for manifest_path in Path(out).glob(f"*/*/{MANIFEST_JSON}"):
        run_dir = manifest_path.parent
        manifest = _read_manifest(run_dir)
        if manifest is None or manifest.get("status") != "succeeded":
            continue
        label = manifest.get("quarter")
        if not isinstance(label, str) or not _before(label, quarter):
            continue
        if organisation is not None and _organisation(run_dir, manifest) != organisation:
            continue
        candidates.append((label, str(manifest.get("created", "")), run_dir.name, run_dir))
    if not candidates:
        return None
    from .execution import _quarter_key

    # Latest quarter first, then the newest run of it.
    latest = max(candidates, key=lambda c: (_quarter_key(c[0]) or 0, c[0], c[1], c[2]))
    return latest[3]


def _organisation(run_dir: Path, manifest: dict) -> str | None:
    """The organisation a run was for: from its manifest, else from its workbook's settings."""
    if isinstance(manifest.get("organisation"), str):
        return manifest["organisation"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", WorkbenchWarning)
            return read_run_model(run_dir).settings.organisation
    except WorkbenchError:
        return None


def read_run_model(run_dir: str | Path) -> PortfolioModel:
    """The validated workbook a run read: its copy in ``inputs/``, else the original if unchanged.

    Parameters
    ----------
    run_dir
        A run folder written by :func:`run_quarter`.

    Returns
    -------
    PortfolioModel
        With the same ``sha256`` as the manifest records.

    Raises
    ------
    RunError
        When the folder has no readable manifest, or the run predates input snapshots and its
        workbook has changed or gone since.
    """
    from .workbook import _hashes, read_workbook

    run_dir = Path(run_dir)
    manifest = _read_manifest(run_dir)
    if manifest is None or not isinstance(manifest.get("workbook"), dict):
        raise RunError(f"{run_dir} is not a run folder: expected a readable {MANIFEST_JSON} "
                       "written by `seo-workbench run`.")
    workbook = manifest["workbook"]
    snapshot = workbook.get("snapshot")
    if snapshot and (run_dir / snapshot).exists():
        return read_workbook(run_dir / snapshot)
    path = Path(str(workbook.get("path", "")))
    found = _hashes(path)[0] if workbook.get("path") and path.exists() else None
    if found is not None and found == workbook.get("sha256"):
        return read_workbook(path)
    what = "no longer exists" if found is None else "has changed since (its sha256 differs)"
    raise RunError(f"Run {run_dir.name} predates input snapshots (no {INPUTS_DIR}/ folder) and "
                   f"its workbook {str(path)!r} {what}, so what that run read is lost. Restore "
                   "the workbook as it was, or compare against a later run.")


def run_quarter(quarter: str, workbook: str | Path | None = None, out: str | Path = "reports",
                solver: str = "HiGHS", pdf: bool = False, log_output: bool = False,
                progress: Callable[[str], None] | None = None, weighting: str = "direct",
                method: str = "weighted_sum", aggregation: str = "aij",
                cr_threshold: float = 0.10, budget_scale: float = 1.0,
                time_limit: float | None = 60.0,
                register: str | Path | None = None,
                previous_run: str | Path | None = None,
                scenario: str | Path | None = None) -> RunResult:
    """Run the quarterly analysis and write a new run folder with the board pack.

    Parameters
    ----------
    quarter
        Review quarter, a label from settings 'periods'; the planning horizon starts there.
    workbook
        ``.xlsx`` file or folder of ``.csv`` files; default the bundled sample.
    out
        Reports folder; the run goes to ``out/<quarter>/<run id>/``.
    solver
        ``"HiGHS"`` or ``"CBC"``.
    weighting, method
        Criteria weighting (a key of ``weights.WEIGHTING_METHODS``) and scoring method (a key
        of ``scoring.SCORING_METHODS``) for the prioritisation; ``weighting="group"`` uses the
        executives' aggregated judgements.
    aggregation, cr_threshold
        How the executives' judgements are aggregated (``"aij"``, ``"aip"``,
        ``"aip_arithmetic"``) and the consistency ratio above which an executive is asked to
        revisit judgements.
    budget_scale, time_limit
        Multiplier on every budget (what-if runs) and the solver's time limit per portfolio.
    pdf
        Also print ``board.pdf`` with a Chromium found on PATH.
    log_output
        Stream the notebooks' output into this process's log (for cron or systemd).
    progress
        Called with one line of text per step (the CLI prints them).
    register
        Decision register the run's decisions are appended to: a file path or an SQLAlchemy
        URL; default ``out/decisions.sqlite``; ``False`` records nothing. A failure to record
        keeps the board pack: the manifest's ``register`` entry says ``"failed"`` and why.
    previous_run
        An earlier run folder to compare this quarter against; by default the one
        :func:`find_previous_run` finds in *out* for the same organisation (none: no
        comparison); ``""`` compares with nothing. Passed to the notebooks that declare a
        ``previous_run`` parameter.
    scenario
        A scenario file saved by the trade-off explorer: its weighting, method, budget scale
        and solver replace the arguments above, and the notebooks that declare
        ``scenario_path`` apply its weights and forced decisions. Checked against the
        workbook before the run starts.

    Raises
    ------
    WorkbookError
        Before anything is written, when the workbook is not valid.
    ValidationError
        For an unknown quarter or solver.
    RunError
        When a notebook cell fails: names the cell and where the executed notebook was kept.
    """
    from .pack import print_pdf
    from .workbook import read_workbook

    say = progress or (lambda text: None)
    params = prepare(str(workbook or ""), quarter, solver, weighting=weighting, method=method,
                     aggregation=aggregation, cr_threshold=cr_threshold,
                     budget_scale=budget_scale, time_limit=time_limit,
                     scenario_path=str(Path(scenario).expanduser().resolve()) if scenario
                     else "")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WorkbenchWarning)
        model = read_workbook(params.workbook)  # fail fast, before a folder or a kernel
    if params.scenario:
        from .scenario import load_scenario

        load_scenario(params.scenario, model)  # unknown criteria or projects fail here
    if params.quarter not in model.periods:
        raise ValidationError(f"Unknown quarter {quarter!r}. Choose one of: "
                              f"{', '.join(model.periods)} (settings 'periods').")
    if previous_run is None:
        previous = find_previous_run(out, params.quarter, model.settings.organisation)
    elif previous_run in ("", False):
        previous = None  # compare with nothing
    else:
        previous = Path(previous_run).expanduser()
        if _read_manifest(previous) is None:
            raise ValidationError(f"previous_run {str(previous)!r} is not a run folder: "
                                  f"expected a folder with a readable {MANIFEST_JSON}, such as "
                                  f"{Path(out) / '2026Q4' / '<run id>'}.")
    run_id, run_dir = _new_run_dir(Path(out), params.quarter)
    say(f"Run {run_id}: writing to {run_dir}")
    if previous is not None:
        say(f"comparing with the previous run {previous}")
    parameters = {"workbook_path": str(params.workbook.resolve()), "quarter": params.quarter,
                  "solver": params.solver, "output_dir": str(run_dir.resolve()),
                  "weights": params.weighting, "method": params.method,
                  "aggregation": params.aggregation, "cr_threshold": params.cr_threshold,
                  "budget_scale": params.budget_scale, "time_limit": params.time_limit,
                  "previous_run": str(previous.resolve()) if previous else "",
                  "scenario_path": params.scenario}
    manifest = {
        "run_id": run_id, "quarter": params.quarter, "status": "running",
        "organisation": model.settings.organisation,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "parameters": parameters,
        "workbook": {"path": str(params.workbook.resolve()), "sha256": model.sha256,
                     "files": dict(model.file_hashes)},
        "previous_run": str(previous.resolve()) if previous else None,
        "versions": _versions(), "chapters": [], "timings": {}, "solver": {},
        "outputs": [],
    }
    _write_json(run_dir / MANIFEST_JSON, manifest)
    try:
        manifest["workbook"]["snapshot"] = _snapshot_inputs(params.workbook, run_dir,
                                                            model.sha256)
    except (OSError, RunError) as exc:
        manifest.update(status="failed", error={"step": "snapshot", "message": str(exc)})
        _write_json(run_dir / MANIFEST_JSON, manifest)
        raise RunError(f"Could not copy the workbook into {run_dir / INPUTS_DIR}: {exc}") from exc
    if params.scenario:  # the run reads its own copy, so a rerun finds exactly this file
        copy = run_dir / INPUTS_DIR / f"scenario-{Path(params.scenario).name}"
        shutil.copy2(params.scenario, copy)
        parameters["scenario_path"] = str(copy.resolve())
        manifest["scenario"] = {"path": params.scenario, "sha256": _sha256(copy),
                                "snapshot": copy.relative_to(run_dir).as_posix()}
    _write_json(run_dir / MANIFEST_JSON, manifest)
    total = time.perf_counter()
    board = {"organisation": model.settings.organisation, "quarter": params.quarter,
             "title": "Strategic portfolio review", "run_id": run_id,
             "date": dt.date.today().isoformat()}
    try:
        html_path = _execute_and_render(run_dir, parameters, manifest, board, log_output,
                                        total, say)
    except BaseException:
        _index(Path(out), say)
        raise
    timings = manifest["timings"]
    pdf_path = None
    if pdf:
        say("printing the board pack (PDF)")
        clock = time.perf_counter()
        try:
            pdf_path = print_pdf(html_path, run_dir / PDF)
            timings["pdf_seconds"] = time.perf_counter() - clock
        except RunError as exc:
            manifest["pdf"] = str(exc)
            say(str(exc))
    timings["total_seconds"] = time.perf_counter() - total
    manifest["status"] = "succeeded"
    manifest["outputs"] = sorted(p.name for p in run_dir.iterdir()
                                 if p.name not in (MANIFEST_JSON, INPUTS_DIR))
    _write_json(run_dir / MANIFEST_JSON, manifest)
    _record_decisions(run_dir, manifest, register, Path(out), say)
    _index(Path(out), say)
    return RunResult(run_dir, html_path, manifest, pdf_path)


def _execute_and_render(run_dir: Path, parameters: dict, manifest: dict, board: dict,
                        log_output: bool, total: float, say: Callable[[str], None]) -> Path:
    """Execute the chapters in one kernel, render each alone meanwhile, then the whole pack.

    A chapter's own page is rendered on a thread while the kernel computes the next chapter,
    so on two cores it costs (almost) no wall time.
    """
    from concurrent.futures import ThreadPoolExecutor

    from . import summary
    from .pack import CHAPTERS_DIR, appendix_html, provenance_html, render_chapter, render_pack

    executed, pages = [], []
    with ThreadPoolExecutor(max_workers=1) as renderer, _shared_kernel(run_dir) as kernel:
        for number, chapter in enumerate(CHAPTERS, 1):
            say(f"[{number}/{len(CHAPTERS)}] executing {chapter}")
            done = _execute_chapter(chapter, run_dir, parameters, manifest, kernel, log_output,
                                    total)
            executed.append(done)
            page = run_dir / CHAPTERS_DIR / f"{Path(chapter).stem}.html"
            pages.append(renderer.submit(_timed, render_chapter, done, page, board))
    say("rendering the board pack (HTML)")
    clock = time.perf_counter()
    timings = manifest["timings"]
    timings["chapter_pages_seconds"] = sum(page.result() for page in pages)
    for key, name in (("solver", RESULTS_JSON), ("alignment", ALIGNMENT_JSON)):
        if (run_dir / name).exists():
            manifest[key] = json.loads((run_dir / name).read_text())
    facts = summary.read_facts(run_dir)
    findings = summary.executive_summary(facts)
    manifest["summary"] = [{"topic": f.topic, "text": f.text} for f in findings]
    html_path = render_pack(executed, run_dir / BOARD_HTML, board,
                            summary=summary.summary_html(findings),
                            appendix=appendix_html(manifest, facts),
                            provenance=provenance_html(manifest))
    timings["html_seconds"] = time.perf_counter() - clock
    timings["kernel_start_seconds"] = sum(c["kernel_start_seconds"] for c in manifest["chapters"])
    timings["computation_seconds"] = sum(c["computation_seconds"] for c in manifest["chapters"])
    return html_path


def _timed(function, *args) -> float:
    clock = time.perf_counter()
    function(*args)
    return time.perf_counter() - clock


def _index(out: Path, say: Callable[[str], None]) -> None:
    """Refresh the reports folder's index page; a failure there never fails the run."""
    from .pack import write_index

    try:
        say(f"index of every run: {write_index(out)}")
    except OSError as exc:
        say(f"Could not update {out / 'index.html'}: {exc}")


def _record_decisions(run_dir: Path, manifest: dict, register: str | Path | None, out: Path,
                      say: Callable[[str], None]) -> None:
    """Append a finished run's decisions to the register; a failure is reported, not raised.

    The board pack is already written, so it is kept either way; the manifest says whether
    the decisions were recorded, and ``seo-workbench register record`` can record them later.
    """
    from .errors import WorkbenchError
    from .register import DEFAULT_FILE, DecisionRegister, safe_url

    if register is False:
        manifest["register"] = {"status": "not recorded", "reason": "recording was turned off "
                                "for this run (a re-creation of an earlier run)"}
        _write_json(run_dir / MANIFEST_JSON, manifest)
        return
    register = out / DEFAULT_FILE if register is None else register
    try:
        with DecisionRegister(register) as decisions:
            done = decisions.record_run(run_dir)
        manifest["register"] = {"status": "recorded", "address": done.register,
                                "batch": done.batch, "entries": len(done.entries)}
        say(f"decisions recorded in {done.register} (batch {done.batch})")
    except WorkbenchError as exc:
        manifest["register"] = {"status": "failed", "address": safe_url(register),
                                "error": str(exc)}
        say(f"The board pack was written, but its decisions were not recorded: {exc}")
    _write_json(run_dir / MANIFEST_JSON, manifest)


# -- parameters files and re-creating a run -------------------------------------------------

#: Keys a parameters file may set, with the :func:`run_quarter` argument each one sets.
PARAMETER_KEYS = {"quarter": "quarter", "workbook": "workbook", "out": "out", "solver": "solver",
                  "weights": "weighting", "weighting": "weighting", "method": "method",
                  "aggregation": "aggregation", "cr_threshold": "cr_threshold",
                  "budget_scale": "budget_scale", "time_limit": "time_limit", "pdf": "pdf",
                  "register": "register", "scenario": "scenario",
                  "previous_run": "previous_run"}


def read_parameters(path: str | Path) -> dict:
    """A YAML parameters file for :func:`run_quarter`, as its keyword arguments.

    The file sets any of :data:`PARAMETER_KEYS` (``budget_scale: 1.1``, ``method: topsis``);
    relative paths in it are taken from the file's folder. Values are checked by the run, as
    the command line's are.

    Raises
    ------
    ValidationError
        When the file cannot be read, is not a YAML mapping or names an unknown key.
    """
    import yaml

    path = Path(path).expanduser()
    try:
        found = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(f"Cannot read the parameters file {str(path)!r}: "
                              f"{exc.strerror or exc}.") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where else ""
        raise ValidationError(f"The parameters file {str(path)!r} is not valid YAML{line}: "
                              f"{getattr(exc, 'problem', exc)}.") from None
    if found is None:
        return {}
    if not isinstance(found, dict):
        raise ValidationError(f"The parameters file {str(path)!r} must be a mapping of names to "
                              f"values (quarter: 2027Q1); found a {type(found).__name__}.")
    unknown = sorted(str(k) for k in found if k not in PARAMETER_KEYS)
    if unknown:
        raise ValidationError(f"The parameters file {str(path)!r} names unknown parameters: "
                              f"{', '.join(unknown)}. Known: "
                              f"{', '.join(sorted(PARAMETER_KEYS))}.")
    options = {}
    def relative(value):
        if isinstance(value, str) and value:
            return str((path.parent / Path(value).expanduser()).resolve())
        return value

    for key, value in found.items():
        if key in ("workbook", "out", "scenario", "previous_run"):
            value = [relative(v) for v in value] if isinstance(value, list) else relative(value)
        options[PARAMETER_KEYS[key]] = value
    return options


def rerun(run_dir: str | Path, out: str | Path | None = None, pdf: bool = False,
          progress: Callable[[str], None] | None = None) -> tuple[RunResult, list[str]]:
    """Re-create a run from its manifest and say whether it came out the same.

    The new run reads the earlier run's own copy of its inputs (``inputs/``: workbook and
    scenario), with the same parameters and the same previous run to compare with, into a new
    folder beside it (or under *out*). Nothing is recorded in the decision register.

    Returns
    -------
    (RunResult, list of str)
        The new run, and the differences found in its results (empty: re-created exactly).
        Package versions that differ from the manifest's are listed as notes in
        ``result.manifest["rerun"]``.

    Raises
    ------
    ValidationError
        When *run_dir* is not a run folder, has no copy of its inputs, or the run it was
        compared with is gone.
    """
    run_dir = Path(run_dir).expanduser()
    manifest = _read_manifest(run_dir)
    if manifest is None:
        raise ValidationError(f"{str(run_dir)!r} is not a run folder: expected a folder with a "
                              f"readable {MANIFEST_JSON}, such as reports/2027Q1/<run id>.")
    p = manifest.get("parameters", {})
    snapshot = manifest.get("workbook", {}).get("snapshot")
    if not snapshot or not (run_dir / snapshot).exists():
        raise ValidationError(f"{run_dir} has no copy of its inputs ({INPUTS_DIR}/), so it "
                              "cannot be re-created exactly. Runs keep one from this version "
                              "on.")
    previous = manifest.get("previous_run") or ""
    if previous and _read_manifest(Path(previous)) is None:
        raise ValidationError(f"The run was compared with {previous}, which is gone; restore "
                              "that folder to re-create the run exactly.")
    scenario = manifest.get("scenario", {}).get("snapshot")
    result = run_quarter(
        manifest["quarter"], workbook=run_dir / snapshot,
        out=Path(out) if out else run_dir.parent.parent, solver=p.get("solver", "HiGHS"),
        pdf=pdf, progress=progress, weighting=p.get("weights", "direct"),
        method=p.get("method", "weighted_sum"), aggregation=p.get("aggregation", "aij"),
        cr_threshold=p.get("cr_threshold", 0.10), budget_scale=p.get("budget_scale", 1.0),
        time_limit=p.get("time_limit", 60.0), register=False, previous_run=previous,
        scenario=run_dir / scenario if scenario else None)
    differences = _differences(run_dir, result.run_dir, manifest, result.manifest)
    notes = [f"{name}: {was} then, {now} now"
             for name, was in manifest.get("versions", {}).items()
             if (now := result.manifest["versions"].get(name)) != was]
    result.manifest["rerun"] = {"of": str(run_dir.resolve()), "differences": differences,
                                "version_notes": notes}
    _write_json(result.run_dir / MANIFEST_JSON, result.manifest)
    return result, differences


_TIMING_KEYS = ("solve_seconds", "build_seconds", "seconds")


def _differences(before: Path, after: Path, was: Mapping, now: Mapping) -> list[str]:
    """What differs between two runs' results (timings aside)."""
    found = []
    if was.get("workbook", {}).get("sha256") != now.get("workbook", {}).get("sha256"):
        found.append("the inputs differ from the manifest's hash")
    for name in (RESULTS_JSON, ALIGNMENT_JSON, "facts.json"):
        a, b = _json_or_none(before / name), _json_or_none(after / name)
        if isinstance(a, dict) and isinstance(b, dict):
            a, b = _without(a), _without(b)
        if a != b:
            keys = sorted(k for k in set(a or {}) | set(b or {})
                          if (a or {}).get(k) != (b or {}).get(k))
            found.append(f"{name} differs" + (f" in {', '.join(keys)}" if keys else ""))
    for name in (SELECTION_CSV,):
        a, b = before / name, after / name
        if a.exists() != b.exists() or (a.exists() and a.read_bytes() != b.read_bytes()):
            found.append(f"{name} differs")
    return found


def _json_or_none(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _without(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in _TIMING_KEYS}

"""The quarterly run: papermill executes the chapter notebooks, nbconvert renders the board pack.

:func:`run_quarter` writes one new run folder per run (never overwriting an earlier one) with the
executed notebooks, the board HTML, the selection as CSV and a ``manifest.json`` recording
parameters, input hashes, versions, solver status and timings. The helpers used inside the
notebooks (:func:`prepare`, :func:`board_table`, :func:`save_outputs`) live here too, so the
notebooks stay thin.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import platform
import secrets
import shutil
import subprocess
import tempfile
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
INPUTS_DIR = "inputs"  # the run's copy of its workbook
_VERSIONED = ("seo-workbench", "pandas", "numpy", "pulp", "highspy", "altair",
              "vl-convert-python", "papermill", "nbconvert", "openpyxl")


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


def save_outputs(output_dir: Path | None, model, ranking, portfolio) -> None:
    """Write the selection CSV and the solver's results for the run's manifest."""
    if output_dir is None:
        return
    output_dir.mkdir(parents=True, exist_ok=True)
    table = portfolio.projects.assign(score=ranking.scores, rank=ranking.ranks)
    table.reset_index().to_csv(output_dir / SELECTION_CSV, index=False)
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


def _vega_bundle() -> str:
    import vl_convert as vlc

    from .charts import _vega_lite_version

    return vlc.javascript_bundle(vl_version=_vega_lite_version())


try:  # the board template names this preprocessor in its conf.json
    from nbconvert.preprocessors import Preprocessor
except ImportError:  # pragma: no cover - nbconvert is a dependency
    Preprocessor = object


class InlineVegaPreprocessor(Preprocessor):
    """Put the Vega/Vega-Lite/vega-embed bundle into ``resources`` once per page."""

    def preprocess(self, nb, resources):
        resources["vega_bundle"] = _vega_bundle().replace("</script", "<\\/script")
        return nb, resources


def render_html(notebooks: Path | list[Path], html_path: Path, board: Mapping[str, str]) -> Path:
    """Render executed notebooks, in order, as one self-contained board page (no code, no CDN)."""
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    paths = [notebooks] if isinstance(notebooks, Path) else list(notebooks)
    nb = nbformat.read(paths[0], as_version=4)
    for path in paths[1:]:
        nb.cells.extend(nbformat.read(path, as_version=4).cells)
    nb.metadata["board"] = dict(board)
    nb.metadata["title"] = f"{board.get('organisation', '')}: {board.get('title', '')}, " \
                           f"{board.get('quarter', '')}"
    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = ("remove-cell", "injected-parameters",
                                                     "parameters")
    config.TagRemovePreprocessor.remove_all_outputs_tags = ("remove-output",)
    config.TagRemovePreprocessor.remove_input_tags = ("remove-input",)
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=config, template_name="board",
                            extra_template_basedirs=[str(templates_dir())], exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True,
                            embed_images=True)
    body, _ = exporter.from_notebook_node(nb)
    tmp = html_path.with_suffix(".tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(html_path)
    return html_path


def find_chromium() -> str | None:
    """A Chromium or Chrome on PATH, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Print the board HTML to an A4 PDF with headless Chromium (charts stay vectors)."""
    chromium = find_chromium()
    if chromium is None:
        raise RunError("No Chromium found on PATH to print the PDF. Install one (Debian/Ubuntu: "
                       "`apt-get install chromium`; macOS/Windows: Google Chrome) and run "
                       "again; the HTML board pack was written.")
    with tempfile.TemporaryDirectory() as profile:
        args = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                "--no-pdf-header-footer", "--virtual-time-budget=5000",
                f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()]
        done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not pdf_path.exists():
        raise RunError(f"Chromium could not print {html_path}: {done.stderr.strip()[-300:]}")
    return pdf_path


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
        URL; default ``out/decisions.sqlite``. A failure to record keeps the board pack: the
        manifest's ``register`` entry says ``"failed"`` and why.
    previous_run
        An earlier run folder to compare this quarter against; by default the one
        :func:`find_previous_run` finds in *out* for the same organisation (none: no
        comparison). Passed to the notebooks that declare a ``previous_run`` parameter.
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
    import papermill
    from papermill.exceptions import PapermillExecutionError

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
    _write_json(run_dir / MANIFEST_JSON, manifest)
    total = time.perf_counter()
    executed = []
    for number, chapter in enumerate(CHAPTERS, 1):
        target = run_dir / chapter
        say(f"[{number}/{len(CHAPTERS)}] executing {chapter}")
        started = time.time()
        clock = time.perf_counter()
        source = notebooks_dir() / chapter
        # papermill only warns about names a notebook does not declare: pass each its own.
        declared = {p["name"] for p in papermill.inspect_notebook(str(source)).values()}
        try:
            nb = papermill.execute_notebook(
                str(source), str(target),
                parameters={k: v for k, v in parameters.items() if k in declared},
                progress_bar=False, log_output=log_output, cwd=str(run_dir),
                kernel_name="python3",
                # ipykernel 7 warns about plain TCP on loopback at every start; keep errors.
                extra_arguments=["--IPKernelApp.log_level=ERROR"])
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
        executed.append(target)
    say("rendering the board pack (HTML)")
    clock = time.perf_counter()
    board = {"organisation": model.settings.organisation, "quarter": params.quarter,
             "title": "Strategic portfolio review", "run_id": run_id,
             "date": dt.date.today().isoformat()}
    html_path = render_html(executed, run_dir / BOARD_HTML, board)
    timings = manifest["timings"]
    timings["html_seconds"] = time.perf_counter() - clock
    timings["kernel_start_seconds"] = sum(c["kernel_start_seconds"] for c in manifest["chapters"])
    timings["computation_seconds"] = sum(c["computation_seconds"] for c in manifest["chapters"])
    for key, name in (("solver", RESULTS_JSON), ("alignment", ALIGNMENT_JSON)):
        if (run_dir / name).exists():
            manifest[key] = json.loads((run_dir / name).read_text())
    pdf_path = None
    if pdf:
        say("printing the board pack (PDF)")
        clock = time.perf_counter()
        try:
            pdf_path = print_pdf(html_path, run_dir / "board.pdf")
            timings["pdf_seconds"] = time.perf_counter() - clock
        except RunError as exc:
            manifest["pdf"] = str(exc)
            say(str(exc))
    timings["total_seconds"] = time.perf_counter() - total
    manifest["status"] = "succeeded"
    manifest["outputs"] = sorted(p.name for p in run_dir.iterdir() if p.name != MANIFEST_JSON)
    _write_json(run_dir / MANIFEST_JSON, manifest)
    _record_decisions(run_dir, manifest, register, Path(out), say)
    return RunResult(run_dir, html_path, manifest, pdf_path)


def _record_decisions(run_dir: Path, manifest: dict, register: str | Path | None, out: Path,
                      say: Callable[[str], None]) -> None:
    """Append a finished run's decisions to the register; a failure is reported, not raised.

    The board pack is already written, so it is kept either way; the manifest says whether
    the decisions were recorded, and ``seo-workbench register record`` can record them later.
    """
    from .errors import WorkbenchError
    from .register import DEFAULT_FILE, DecisionRegister, safe_url

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

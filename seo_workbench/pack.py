"""The board pack: executed chapter notebooks rendered as self-contained HTML, and its PDF.

One page opens with the title, the executive summary and the contents, then the chapters in
order, then the method appendix and the run's provenance. Each chapter is also written alone
(``chapters/<notebook>.html``), and the reports folder gets an ``index.html`` listing every
run. No page needs the network: the Vega bundle is inlined once per page, so charts turn
interactive (tooltips) when scripts run and stay static SVG when they do not. Text from the
workbook is escaped wherever it is written.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from nbconvert.preprocessors import Preprocessor

from .errors import RunError

__all__ = [
    "InlineVegaPreprocessor",
    "appendix_html",
    "find_chromium",
    "print_pdf",
    "provenance_html",
    "render_chapter",
    "render_html",
    "render_pack",
    "write_index",
]

INDEX_HTML = "index.html"
CHAPTERS_DIR = "chapters"


@functools.lru_cache(maxsize=1)
def _vega_bundle() -> str:
    import vl_convert as vlc

    from .charts import _vega_lite_version

    return vlc.javascript_bundle(vl_version=_vega_lite_version()).replace("</script",
                                                                         "<\\/script")


class InlineVegaPreprocessor(Preprocessor):
    """Put the Vega/Vega-Lite/vega-embed bundle into ``resources`` once per page."""

    def preprocess(self, nb, resources):
        resources["vega_bundle"] = _vega_bundle()
        return nb, resources


def _html_cell(markup: str, tag: str = "remove-input"):
    """A code cell without code whose output is *markup* (already escaped)."""
    from nbformat.v4 import new_code_cell, new_output

    cell = new_code_cell("", metadata={"tags": [tag]})
    cell.outputs = [new_output("display_data", data={"text/html": markup})]
    return cell


def _anchor(notebook: str | Path) -> str:
    return "chapter-" + Path(notebook).stem


def _headings(nb) -> list[str]:
    """The level-1 headings of a notebook's markdown cells, in order."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found += [line[2:].strip() for line in cell.source.splitlines()
                      if line.startswith("# ")]
    return found


def _export(nb, html_path: Path, board: Mapping[str, str]) -> Path:
    """Render a notebook with the board template and write it atomically."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    from .report import templates_dir

    nb.metadata["board"] = dict(board)
    nb.metadata["title"] = (f"{board.get('organisation', '')}: {board.get('title', '')}, "
                            f"{board.get('quarter', '')}")
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
    html_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = html_path.with_suffix(".tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(html_path)
    return html_path


def render_html(notebooks: Path | Sequence[Path], html_path: Path,
                board: Mapping[str, str]) -> Path:
    """Render executed notebooks, in order, as one self-contained page (no code, no CDN)."""
    import nbformat

    paths = [notebooks] if isinstance(notebooks, Path) else list(notebooks)
    nb = nbformat.read(paths[0], as_version=4)
    for path in paths[1:]:
        nb.cells.extend(nbformat.read(path, as_version=4).cells)
    return _export(nb, html_path, board)


def render_chapter(notebook: Path, html_path: Path, board: Mapping[str, str]) -> Path:
    """One executed chapter alone, as its own self-contained page."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    headings = _headings(nb)
    return _export(nb, html_path, {**board, "title": headings[0] if headings
                                   else board.get("title", "")})


def render_pack(notebooks: Sequence[Path], html_path: Path, board: Mapping[str, str],
                summary: str = "", appendix: str = "", provenance: str = "") -> Path:
    """The board pack: summary and contents, the chapters, the method appendix, provenance.

    *summary*, *appendix* and *provenance* are HTML fragments (escaped by their makers:
    :func:`seo_workbench.summary.summary_html`, :func:`appendix_html`,
    :func:`provenance_html`).
    """
    import nbformat

    chapters = [(path, nbformat.read(path, as_version=4)) for path in notebooks]
    contents = []
    for path, nb in chapters:
        for heading in _headings(nb) or [path.stem]:
            contents.append(f'<li><a href="#{_anchor(path)}">{html.escape(heading)}</a></li>')
    if appendix:
        contents.append('<li><a href="#method">Method</a></li>')
    if provenance:
        contents.append('<li><a href="#provenance">Provenance</a></li>')
    front = (f'<section id="summary" class="board-summary"><h1>Executive summary</h1>'
             f'{summary}</section><nav class="board-contents" aria-label="Contents">'
             f'<h2>Contents</h2><ol>{"".join(contents)}</ol></nav>')
    pack = nbformat.v4.new_notebook(metadata=chapters[0][1].metadata if chapters else {})
    pack.cells.append(_html_cell(front))
    for path, nb in chapters:
        pack.cells.append(_html_cell(f'<a id="{_anchor(path)}" class="board-chapter-start">'
                                     "</a>"))
        pack.cells.extend(nb.cells)
    if appendix:
        pack.cells.append(_html_cell(f'<section id="method" class="board-appendix">'
                                     f"<h1>Method</h1>{appendix}</section>"))
    if provenance:
        pack.cells.append(_html_cell(f'<section id="provenance" class="board-appendix">'
                                     f"<h1>Provenance</h1>{provenance}</section>"))
    return _export(pack, html_path, board)


# -- appendix and provenance --------------------------------------------------------------


def _definitions(rows: Sequence[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                    for k, v in rows)
    return f'<table class="board-table board-facts">{cells}</table>'


def appendix_html(manifest: Mapping, facts: Mapping | None = None) -> str:
    """How the numbers were made, in words, for the run's parameters (all text escaped)."""
    from .report import METHOD_NOTES, WEIGHTING_NOTES

    p = manifest.get("parameters", {})
    facts = facts or {}
    weighting, method = p.get("weights", "direct"), p.get("method", "weighted_sum")
    solver = manifest.get("solver") or {}
    robust = facts.get("robustness", {})
    paragraphs = [
        ("Criteria weights", f"{WEIGHTING_NOTES.get(weighting, weighting).capitalize()}."),
        ("Executive alignment",
         "Each executive's pairwise judgements give their weights by the principal "
         "eigenvector (Saaty 1980), with Saaty's consistency ratio; judgements are combined "
         f"by {'the geometric mean of judgements (AIJ)' if p.get('aggregation') == 'aij' else 'aggregating individual priorities (AIP)'}. "  # noqa: E501
         "Consensus is Goepel's AHP consensus indicator (Shannon entropy, 0-100 %) and "
         "agreement on the order of the criteria is Kendall's W."),
        ("Scoring", f"{METHOD_NOTES.get(method, method)[0].upper()}"
                    f"{METHOD_NOTES.get(method, method)[1:]}."),
        ("Portfolio selection",
         "An integer programme chooses the projects (PuLP model, solved by "
         f"{solver.get('solver', p.get('solver', 'HiGHS'))}): it maximises total value "
         "subject to the budget of every quarter, the capacity of every resource pool, the "
         "minimum and maximum number of projects, dependencies, exclusions, groups, theme "
         "balance and the board's must / must-not decisions; ties go to the cheaper "
         "portfolio. The optimum is certified to a relative gap of "
         f"{float(solver.get('gap') or 0):.4%} (bound {solver.get('bound', '')}). "
         "The price of a decision is the value lost by re-solving without it."),
        ("Robustness",
         f"{robust.get('scenarios', 'Several')} weight scenarios are drawn within the "
         "executives' spread of weights and the whole portfolio is optimised again for each: "
         "core projects are funded in every scenario, exterior ones in none, borderline ones "
         "in some (an approximation of Robust Portfolio Modelling's core index, Liesiö, Mild "
         "and Salo 2007). Rank acceptability is SMAA-2 (Lahdelma and Salminen 2001)"
         + (f" with {robust['samples']:,} weight samples." if robust.get("samples") else ".")),
        ("Quarterly review",
         "Forecast accuracy is the weighted absolute percentage error, WAPE = Σ|A−F| / Σ|A| "
         "(Kolassa and Schütz 2007). What changed is attributed by re-solving with one group "
         "of inputs switched from last quarter's to this quarter's at a time (horizon, "
         "competitors, constraints, costs, scores, weights), so the steps add up to the whole "
         "change."),
    ]
    body = "".join(f"<h3>{html.escape(title)}</h3><p>{html.escape(text)}</p>"
                   for title, text in paragraphs)
    return body


def provenance_html(manifest: Mapping) -> str:
    """Where this pack came from: run, inputs and their hashes, parameters, versions, solver."""
    workbook = manifest.get("workbook", {})
    solver = manifest.get("solver") or {}
    run = [("Run", manifest.get("run_id", "")), ("Quarter", manifest.get("quarter", "")),
           ("Organisation", manifest.get("organisation", "")),
           ("Started", manifest.get("created", "")),
           ("Workbook", workbook.get("path", "")),
           ("Workbook SHA-256", workbook.get("sha256", "")),
           ("Copy of the inputs", workbook.get("snapshot", "")),
           ("Compared with", manifest.get("previous_run") or "no earlier run"),
           ("Solver", f"{solver.get('solver', '')}: {solver.get('status', '')}, objective "
                      f"{solver.get('objective', '')}, bound {solver.get('bound', '')}, gap "
                      f"{solver.get('gap', '')}" if solver else "not run"),
           ("Re-create with", "seo-workbench rerun "
                              + str(manifest.get("parameters", {}).get("output_dir") or
                                    "<this run's folder>"))]
    files = [(name, digest) for name, digest in sorted(workbook.get("files", {}).items())]
    parameters = [(k, v) for k, v in manifest.get("parameters", {}).items()
                  if k not in ("output_dir",)]
    versions = list(manifest.get("versions", {}).items())
    parts = [_definitions(run), "<h3>Input files (SHA-256)</h3>", _definitions(files),
             "<h3>Parameters</h3>", _definitions(parameters), "<h3>Software</h3>",
             _definitions(versions)]
    return "".join(parts)


# -- run index ----------------------------------------------------------------------------


def write_index(out: Path | str) -> Path:
    """Write ``out/index.html``: every run under *out*, newest quarter first, with links.

    Written after every run, succeeded or not, so the operations team sees failures too.
    """
    from .report import MANIFEST_JSON, _read_manifest

    out = Path(out)
    rows = []
    for manifest_path in out.glob(f"*/*/{MANIFEST_JSON}"):
        run_dir = manifest_path.parent
        manifest = _read_manifest(run_dir)
        if manifest is None:
            continue
        rows.append((run_dir, manifest))
    from .execution import _quarter_key

    rows.sort(key=lambda r: (_quarter_key(str(r[1].get("quarter"))) or 0,
                             str(r[1].get("quarter")), str(r[1].get("created", ""))),
              reverse=True)
    lines = []
    for run_dir, m in rows:
        rel = run_dir.relative_to(out).as_posix()
        solver = m.get("solver") or {}
        status = str(m.get("status", ""))
        links = []
        for name, label in (("board.html", "board pack"), ("board.pdf", "PDF")):
            if (run_dir / name).exists():
                links.append(f'<a href="{html.escape(rel)}/{name}">{label}</a>')
        funded = (f"{solver.get('selected')} of {solver.get('candidates')}"
                  if solver.get("selected") is not None else "")
        error = m.get("error", {}).get("message", "") if isinstance(m.get("error"), dict) else ""
        total = m.get("timings", {}).get("total_seconds")
        lines.append(
            f'<tr class="run-{html.escape(status)}"><td>{html.escape(str(m.get("quarter", "")))}'
            f"</td><td>{html.escape(str(m.get('organisation', '')))}</td>"
            f"<td>{html.escape(str(m.get('run_id', run_dir.name)))}</td>"
            f"<td>{html.escape(str(m.get('created', '')))}</td>"
            f'<td class="status">{html.escape(status)}</td><td>{html.escape(funded)}</td>'
            f"<td>{'' if total is None else f'{total:.1f} s'}</td>"
            f"<td>{' · '.join(links)}{html.escape(error[:200])}</td></tr>")
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Board packs</title>
<style>
body {{ font-family: "Source Sans Pro", "Helvetica Neue", Helvetica, Arial, sans-serif;
  color: #1d2733; max-width: 1100px; margin: 32px auto; padding: 0 24px; }}
h1 {{ font-family: Georgia, serif; color: #1f3a5f; border-bottom: 3px solid #1f3a5f; }}
table {{ border-collapse: collapse; font-size: 14px; width: 100%; }}
th {{ background: #eef2f7; color: #1f3a5f; text-align: left; }}
td, th {{ padding: 6px 8px; border-bottom: 1px solid #e3e7ed; vertical-align: top; }}
tr.run-failed .status {{ color: #c0392b; font-weight: bold; }}
tr.run-running .status {{ color: #b7791f; }}
tr.run-succeeded .status {{ color: #2a7d4f; }}
a {{ color: #1f3a5f; }}
</style></head><body>
<h1>Board packs</h1>
<p>{len(rows)} runs in this folder, newest quarter first. Updated {stamp}.</p>
<table><thead><tr><th>Quarter</th><th>Organisation</th><th>Run</th><th>Started (UTC)</th>
<th>Status</th><th>Funded</th><th>Took</th><th>Open</th></tr></thead>
<tbody>{"".join(lines)}</tbody></table>
</body></html>
"""
    path = out / INDEX_HTML
    tmp = path.with_suffix(".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path


# -- PDF ----------------------------------------------------------------------------------


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

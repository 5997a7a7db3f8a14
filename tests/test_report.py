"""The quarterly run end to end: CLI, run folder, manifest, self-contained HTML, failures."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser

import pandas as pd
import pytest

import seo_workbench as seo
from seo_workbench import cli
from seo_workbench.register import DecisionRegister
from seo_workbench.report import find_chromium

pytestmark = pytest.mark.slow
# alignment: consensus gauge, heatmap, executive weights; portfolio: method agreement, rank
# comparison, ranking, value vs cost, spend vs budget, capacity heatmap, Gantt, frontier,
# decision prices; robustness: core/borderline/exterior, rank acceptability, tornado; review:
# RAG and benefits, theme drift, dependency matrix, department demand (no earlier run: no
# waterfall or slope chart)
CHARTS = 19


class Scripts(HTMLParser):
    """Collect the bodies and sources of every <script> element, and the visible text."""

    def __init__(self):
        super().__init__()
        self.scripts, self.sources, self.text, self._in = [], [], [], False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in = True
            self.scripts.append("")
            self.sources += [v for k, v in attrs if k == "src"]

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = False

    def handle_data(self, data):
        if self._in:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def run(capsys, *args) -> tuple[int, str, str]:
    code = cli.main(["run", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    result = seo.report.run_quarter("2027Q1", out=out)
    return out, result


def test_run_folder_contents(sample_run):
    out, result = sample_run
    assert result.run_dir.parent == out / "2027Q1"
    names = {p.name for p in result.run_dir.iterdir()}
    assert {"01_align_executives.ipynb", "02_select_portfolio.ipynb",
            "03_test_robustness.ipynb", "04_review_quarter.ipynb", "board.html",
            "selection.csv", "alignment.json", "manifest.json"} <= names
    selection = pd.read_csv(result.run_dir / "selection.csv")
    assert selection["selected"].sum() == result.manifest["solver"]["selected"]
    assert {"project_id", "score", "rank", "value", "cost"} <= set(selection.columns)


def test_manifest_records_the_run(sample_run):
    _, result = sample_run
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    assert manifest["status"] == "succeeded"
    assert manifest["parameters"]["quarter"] == "2027Q1"
    assert manifest["parameters"]["solver"] == "HiGHS"
    assert manifest["parameters"]["weights"] == "direct"
    assert manifest["parameters"]["method"] == "weighted_sum"
    sample = seo.sample_workbook()
    expected = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(sample.glob("*.csv"))}
    assert manifest["workbook"]["files"] == expected
    assert len(manifest["workbook"]["sha256"]) == 64
    snapshot = result.run_dir / manifest["workbook"]["snapshot"]
    assert sorted(p.name for p in snapshot.iterdir()) == sorted(expected)
    assert seo.report.read_run_model(result.run_dir).sha256 == manifest["workbook"]["sha256"]
    assert manifest["previous_run"] is None  # the first run in its reports folder
    assert manifest["parameters"]["previous_run"] == ""
    assert manifest["organisation"] == "Northbridge Utilities Group"
    for package in ("python", "seo-workbench", "pulp", "highspy", "pandas", "papermill"):
        assert manifest["versions"][package]
    alignment = manifest["alignment"]
    assert 0 < alignment["consensus"] < 100 and alignment["consensus_label"]
    assert sum(alignment["group_weights"].values()) == pytest.approx(1.0)
    solver = manifest["solver"]
    assert solver["status"] == "optimal" and solver["solver"] == "HiGHS"
    assert solver["gap"] <= 1e-6 and solver["bound"] >= solver["objective"] - 1e-6
    for key in ("kernel_start_seconds", "computation_seconds", "html_seconds",
                "total_seconds"):
        assert manifest["timings"][key] > 0


def test_run_is_recorded_in_the_decision_register(sample_run):
    out, result = sample_run
    recorded = result.manifest["register"]
    assert recorded["status"] == "recorded" and recorded["address"].endswith("decisions.sqlite")
    with DecisionRegister(out / "decisions.sqlite", create=False) as register:
        table = register.read("2027Q1")
    selection = pd.read_csv(result.run_dir / "selection.csv")
    assert len(table) == len(selection) == recorded["entries"]
    assert set(table["run_id"]) == {result.manifest["run_id"]}
    assert set(table["input_sha256"]) == {result.manifest["workbook"]["sha256"]}
    funded = table["decision"].isin(["funded", "must", "continue"])
    assert sorted(table.loc[funded, "project_id"]) == sorted(
        selection.loc[selection["selected"], "project_id"])
    forced = table[table["decision"].isin(["must", "must_not"])]
    assert len(forced) and (forced["reason"] != "").all()
    assert table["owner"].tolist() == selection["owner"].tolist()


def test_board_html_is_self_contained(sample_run):
    _, result = sample_run
    html = result.board_html.read_text(encoding="utf-8")
    parser = Scripts()
    parser.feed(html)
    assert parser.sources == []  # every script is inline
    assert not re.search(r"""(src|href)=["']?https?://""", html)
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    assert html.count('class="board-chart"') == CHARTS
    assert html.count("<svg") >= CHARTS
    assert "vegaEmbed" in html  # the inlined bundle upgrades the charts when scripts run
    assert "import seo_workbench" not in html  # no code
    assert "Running HiGHS" not in html  # no solver banner
    text = " ".join(parser.text)
    assert "Northbridge Utilities Group" in text and "2027Q1" in text
    for heading in ("Executive alignment", "The agenda for the strategic dialogue",
                    "Executive summary", "Contents", "Method", "Provenance",
                    "Prioritisation", "Priorities", "Portfolio selection",
                    "Funded projects", "Decisions forced by the board",
                    "Does the choice of method matter?", "Appendix: the working",
                    "What the budget buys: the efficient frontier", "What each decision costs",
                    "Why in, why out", "Capacity use",
                    "Robustness: what if our weights are a bit off?",
                    "Core, borderline and exterior projects", "The borderline projects",
                    "How firmly the ranking holds", "Rank acceptability",
                    "What moves the scores: the tornado", "How far each weight can move"):
        assert heading in text


def test_workbook_text_is_escaped(tmp_path, sample_model):
    sheets = sample_model.to_sheets()
    evil = '<script>alert("x")</script>'
    sheets["projects"].loc[0, "name"] = evil
    sheets["projects"].loc[0, "owner"] = "<b>bold</b>"
    folder = tmp_path / "evil"
    folder.mkdir()
    for name, frame in sheets.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    result = seo.report.run_quarter("2027Q1", workbook=folder, out=tmp_path / "out")
    html = result.board_html.read_text(encoding="utf-8")
    parser = Scripts()
    parser.feed(html)
    assert 'alert("x")' not in [s.strip() for s in parser.scripts]
    assert evil in " ".join(parser.text) or "&lt;script&gt;alert" in html
    assert "<b>bold</b>" not in html


def test_failing_run_keeps_notebook_and_leaves_earlier_runs(tmp_path, capsys, sample_model):
    out = tmp_path / "reports"
    code, stdout, _ = run(capsys, "--quarter", "2027Q1", "--out", str(out))
    assert code == 0 and "Board pack:" in stdout
    earlier = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    sheets = sample_model.to_sheets()
    settings = sheets["settings"].set_index("key")
    settings.loc["total_budget", "value"] = 1000  # far below what the 'must' projects cost
    sheets["settings"] = settings.reset_index()
    folder = tmp_path / "tight"
    folder.mkdir()
    for name, frame in sheets.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    code, _, err = run(capsys, "--quarter", "2027Q1", "--out", str(out), "--workbook",
                       str(folder))
    assert code == cli.RUN_FAILED
    assert "cell [" in err and "InfeasiblePortfolioError" in err
    assert "total_budget is 1,000" in err
    failed = [d for d in (out / "2027Q1").iterdir()
              if json.loads((d / "manifest.json").read_text())["status"] == "failed"]
    assert len(failed) == 1
    manifest = json.loads((failed[0] / "manifest.json").read_text())
    assert manifest["error"]["error"] == "InfeasiblePortfolioError"
    assert manifest["error"]["notebook"] == "02_select_portfolio.ipynb"
    assert (failed[0] / "02_select_portfolio.ipynb").exists()
    assert not (failed[0] / "board.html").exists()
    for path, content in earlier.items():
        if path.name != "index.html":  # the index of runs lists the failed one too
            assert path.read_bytes() == content
    index = (out / "index.html").read_text(encoding="utf-8")
    assert failed[0].name in index and 'class="run-failed"' in index


def test_invalid_workbook_stops_before_any_run_folder(tmp_path, capsys, sample_model):
    sheets = sample_model.to_sheets()
    sheets["budget"] = sheets["budget"].astype(object)
    sheets["budget"].loc[0, "amount"] = "lots"
    folder = tmp_path / "bad"
    folder.mkdir()
    for name, frame in sheets.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    out = tmp_path / "reports"
    code, _, err = run(capsys, "--quarter", "2027Q1", "--workbook", str(folder), "--out",
                       str(out))
    assert code == cli.INVALID_WORKBOOK
    assert "Sheet 'budget', row 2, column 'amount'" in err
    assert not out.exists()


def test_unknown_quarter_is_a_usage_error(tmp_path, capsys):
    code, _, err = run(capsys, "--quarter", "2031Q1", "--out", str(tmp_path))
    assert code == cli.USAGE
    assert "Unknown quarter '2031Q1'. Choose one of: 2027Q1" in err


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium on PATH")
def test_charts_draw_offline_in_a_browser(sample_run):
    _, result = sample_run
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [find_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=8000",
             "--dump-dom", result.board_html.resolve().as_uri()],
            capture_output=True, text=True, timeout=120)
    dom = done.stdout
    assert "Error loading script" not in dom
    # vega-embed replaced every static SVG with a live view: the bundle ran offline.
    assert dom.count("vega-embed") >= CHARTS
    assert dom.count("<svg") >= CHARTS


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium on PATH")
def test_pdf_is_printed_a4(tmp_path):
    result = seo.report.run_quarter("2027Q1", out=tmp_path, pdf=True)
    pdf = result.run_dir / "board.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert "(A4)" in info
        assert "Northbridge Utilities Group" in info  # the page title is the PDF's title

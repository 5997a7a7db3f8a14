"""The board pack as a board member sees it: opened from disk in headless Chromium, offline.

One 2026Q4 run and one 2027Q1 run (with the PDF) into the same reports folder, so the quarterly
review compares against a previous run, plus one run of a workbook whose project name is an
HTML injection. Every test shares these runs: each costs the notebooks' full execution.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

from seo_workbench.report import find_chromium

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.slow

CHROMIUM = find_chromium()
if CHROMIUM is None:
    if os.environ.get("CI"):
        raise RuntimeError("Chromium is needed for the browser tests: .ci/run installs "
                           "Debian's chromium package.")
    pytest.skip("no Chromium on PATH (apt-get install chromium)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT_TOOL = ROOT / "tools" / "screenshot_pack.py"

#: Sections every pack must have, by element id; add "summary", "method" and "provenance"
#: here once the report renders them.
SECTIONS: tuple[str, ...] = ()

#: What a pack may load: itself and what it carries inline; anything else (http, https,
#: ws...) would leave the board member's machine.
_LOCAL = ("file:", "data:", "blob:", "about:")

PAYLOAD = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'

# All charts upgraded by vega-embed (it adds its class to the chart's own div).
_CHARTS_READY = """() => [...document.querySelectorAll('.board-chart')]
  .every(el => el.classList.contains('vega-embed'))"""

# Per chart: its id, whether vega-embed took it over, and its SVG's size and mark count.
_CHARTS = """() => [...document.querySelectorAll('.board-chart')].map(el => {
  const svg = el.querySelector(':scope > svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  return {id: el.id, embedded: el.classList.contains('vega-embed'), svg: !!svg,
          width: box.width, height: box.height,
          marks: svg ? svg.querySelectorAll('path, rect, text, line, circle').length : 0};
})"""


class _Outline(HTMLParser):
    """The chart divs and h1 texts of a pack's HTML, whatever the attributes' order."""

    def __init__(self, html: str):
        super().__init__()
        self.charts, self.headings = 0, []
        self._in_h1 = self._in_anchor = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "div" and "board-chart" in classes:
            self.charts += 1
        elif tag == "h1":
            self._in_h1 = True
            self.headings.append("")
        elif tag == "a" and "anchor-link" in classes:
            self._in_anchor = True

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False
            self.headings[-1] = " ".join(self.headings[-1].split())
        elif tag == "a":
            self._in_anchor = False

    def handle_data(self, data):
        if self._in_h1 and not self._in_anchor:
            self.headings[-1] += data


def _chart_divs(html: Path) -> int:
    return _Outline(html.read_text(encoding="utf-8")).charts


def _headings(html: Path) -> list[str]:
    """Texts of the pack's h1 elements (title page first), without the anchor links."""
    return [h for h in _Outline(html.read_text(encoding="utf-8")).headings if h]


def _project_ids(workbook: Path) -> set[str]:
    with open(workbook / "projects.csv", newline="", encoding="utf-8") as f:
        return {row["project_id"] for row in csv.DictReader(f)}


def _poisoned_workbook(target: Path) -> Path:
    """A copy of the 2027Q1 sample whose first project is named with an HTML injection."""
    from seo_workbench.workbook import sample_workbook

    shutil.copytree(sample_workbook("2027Q1"), target)
    projects = target / "projects.csv"
    with open(projects, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows[0]["name"] = PAYLOAD
    with open(projects, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return target


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The three runs, before any browser starts (papermill and Playwright each want a loop)."""
    from seo_workbench.report import run_quarter
    from seo_workbench.workbook import sample_workbook

    out = tmp_path_factory.mktemp("reports")
    earlier = run_quarter("2026Q4", workbook=sample_workbook("2026Q4"), out=out)
    current = run_quarter("2027Q1", out=out, pdf=True)
    assert current.manifest["previous_run"] == str(earlier.run_dir.resolve())
    poisoned = _poisoned_workbook(tmp_path_factory.mktemp("poisoned") / "workbook")
    injected = run_quarter("2027Q1", workbook=poisoned, out=tmp_path_factory.mktemp("injected"),
                           previous_run=earlier.run_dir)
    return {"current": current, "injected": injected}


@pytest.fixture(scope="module")
def pack(runs) -> Path:
    return runs["current"].board_html


@pytest.fixture(scope="module")
def browser(runs):
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


class Visit:
    """A page showing a pack from disk, with every request for something not local refused."""

    def __init__(self, browser, html: Path, javascript: bool = True):
        self.outside, self.failed, self.errors = [], [], []
        self.context = browser.new_context(viewport={"width": 1280, "height": 1000},
                                           java_script_enabled=javascript)
        self.page = page = self.context.new_page()
        page.route("**/*", self._route)
        page.on("request", lambda r: None if r.url.startswith(_LOCAL)
                else self.outside.append(r.url))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url[:120]}: {r.failure}"))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.goto(html.resolve().as_uri(), wait_until="load")
        if javascript:
            page.wait_for_function(_CHARTS_READY, timeout=30_000)

    @staticmethod
    def _route(route):
        # Refused requests are recorded by the "request" listener, which also sees any that
        # escape routing.
        if route.request.url.startswith(_LOCAL):
            route.continue_()
        else:
            route.abort()

    def charts(self) -> list[dict]:
        return self.page.evaluate(_CHARTS)

    def section(self, element_id: str) -> str:
        """Text of the section with this id; fails if it is missing or hidden."""
        section = self.page.locator(f"#{element_id}")
        assert section.count() == 1, f"no element with id {element_id!r} in the pack"
        assert section.is_visible(), f"#{element_id} is hidden"
        return section.inner_text()

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser):
    opened = []

    def open_pack(html: Path, javascript: bool = True) -> Visit:
        opened.append(Visit(browser, html, javascript))
        return opened[-1]

    yield open_pack
    for page in opened:
        page.close()


def test_pack_opens_offline_without_errors(pack, visit):
    seen = visit(pack)
    assert seen.outside == [], "the pack asked the network for something"
    assert seen.failed == []
    assert seen.errors == []
    for element_id in SECTIONS:
        assert seen.section(element_id).strip()


def test_every_chart_is_drawn_interactively(pack, visit):
    charts = visit(pack).charts()
    assert len(charts) == _chart_divs(pack)
    assert len(charts) > 10
    for chart in charts:
        assert chart["embedded"], f"{chart['id']} was not turned into a Vega view"
        assert chart["svg"] and chart["width"] > 0 and chart["height"] > 0, chart
        assert chart["marks"] > 0, f"{chart['id']} has an empty SVG"


def test_charts_stay_as_static_svg_without_javascript(pack, visit):
    seen = visit(pack, javascript=False)
    charts = seen.charts()
    assert len(charts) == _chart_divs(pack) > 10
    for chart in charts:
        assert not chart["embedded"]
        assert chart["svg"] and chart["width"] > 0 and chart["height"] > 0, chart
        assert chart["marks"] > 0, chart
    assert seen.outside == []


def test_hovering_a_bar_of_the_ranking_shows_its_tooltip(pack, visit):
    from seo_workbench.workbook import sample_workbook

    page = visit(pack).page
    ranking = page.locator(".board-chart", has=page.locator(
        ".role-title-text", has_text="ranked by")).first
    bars = ranking.locator("g.mark-rect path[role=graphics-symbol]")
    assert bars.count() > 10
    widths = [bars.nth(i).bounding_box()["width"] for i in range(bars.count())]
    widest = bars.nth(widths.index(max(widths)))  # a bar at zero score has nothing to hover
    widest.scroll_into_view_if_needed()
    widest.hover()
    tooltip = page.locator("#vg-tooltip-element.vg-tooltip.visible")
    tooltip.wait_for(state="visible", timeout=5_000)
    text = tooltip.inner_text()
    assert "score" in text
    assert set(re.findall(r"\bP\d+\b", text)) & _project_ids(sample_workbook("2027Q1")), text


def test_workbook_text_is_shown_not_run(runs, visit):
    seen = visit(runs["injected"].board_html)
    page = seen.page
    # Vega's tooltip is another way in for names: hover every bar of the ranking.
    ranking = page.locator(".board-chart", has=page.locator(
        ".role-title-text", has_text="ranked by")).first
    bars = ranking.locator("g.mark-rect path[role=graphics-symbol]")
    tooltips = set()
    for i in range(bars.count()):
        bar = bars.nth(i)
        if bar.bounding_box()["width"] >= 1:
            bar.hover()
            tooltips.add(page.locator("#vg-tooltip-element").inner_text())
    assert page.evaluate("() => window.__pwned") is None
    assert "<script>" in page.locator("body").inner_text()
    assert any("<script>" in text for text in tooltips)
    assert page.locator('img[src="x"]').count() == 0
    assert seen.outside == []


def _image_sizes(resources, seen: set) -> list[tuple[int, int]]:
    """Width and height of every image XObject in a page's resources, inside forms too."""
    xobjects = resources.get("/XObject") if resources else None
    found = []
    for ref in (xobjects.get_object().values() if xobjects else ()):
        xobject = ref.get_object()
        if id(xobject) in seen:
            continue
        seen.add(id(xobject))
        if xobject.get("/Subtype") == "/Image":
            found.append((int(xobject["/Width"]), int(xobject["/Height"])))
        elif xobject.get("/Subtype") == "/Form":
            found += _image_sizes(xobject.get("/Resources"), seen)
    return found


def test_pdf_is_a4_with_every_chapter_and_vector_charts(runs, pack):
    pypdf = pytest.importorskip("pypdf")
    pdf = runs["current"].pdf
    assert pdf is not None and pdf.exists()
    assert pdf.read_bytes()[:5] == b"%PDF-"
    reader = pypdf.PdfReader(pdf)
    assert len(reader.pages) > 5
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - 595) < 2 and abs(height - 842) < 2, (width, height)
    # NFKC turns the fonts' ligatures (U+FB01 for "fi"...) back into letters.
    text = " ".join(unicodedata.normalize(
        "NFKC", " ".join(page.extract_text() for page in reader.pages)).split())
    headings = _headings(pack)
    assert len(headings) >= 5  # the title page and the four chapters
    for heading in headings:
        assert heading in text, f"chapter {heading!r} is not in the PDF"
    seen = set()
    images = [size for page in reader.pages
              for size in _image_sizes(page.get("/Resources"), seen)]
    large = [(w, h) for w, h in images if w * h > 200 * 200]
    assert len(large) <= 2, f"charts printed as pictures: {large}"


def test_screenshot_tool_saves_one_picture_per_chapter(pack, tmp_path):
    done = subprocess.run([sys.executable, str(SCREENSHOT_TOOL), str(pack), str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    shots = sorted(tmp_path.glob("pack-*.png"))
    chapters = _headings(pack)[1:]
    assert shots[0].name == "pack-00-title.png"
    assert len(shots) == 1 + len(chapters)
    for shot in shots:
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        try:
            from PIL import Image
        except ImportError:
            assert shot.stat().st_size > 10_000, f"{shot.name} looks blank"
            continue
        with Image.open(shot) as image:
            low, high = image.convert("L").getextrema()
            assert low < high, f"{shot.name} is a single colour"
            assert image.width >= 800 and 100 < image.height <= 1600

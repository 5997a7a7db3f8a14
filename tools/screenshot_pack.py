"""Screenshot a board pack, one PNG per chapter, for the README.

    python tools/screenshot_pack.py reports/2027Q1/<run id>/board.html docs/

writes ``pack-00-title.png`` (the title page) and ``pack-NN-<chapter>.png``: the region from
each chapter's heading (``<h1>``) to the next one, cut at ``--max-height`` pixels. The pack is
opened offline in headless Chromium (every request that is not a local file is refused) and
the charts are given time to turn interactive, as a board member with scripts on sees them.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from seo_workbench.report import find_chromium

WIDTH = 1280
MAX_HEIGHT = 1600
MARGIN = 16  # white space kept above each heading and around the page's column

# Page coordinates of the title page and of every chapter heading (h1 outside the title page),
# with the column's left edge and width, so each shot is cropped to the pack's text column.
_LAYOUT = """() => {
  const box = el => { const r = el.getBoundingClientRect();
    return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}; };
  const title = document.querySelector('section.board-title');
  const headings = [...document.querySelectorAll('h1')].filter(h => !h.closest('.board-title'));
  return {page: box(document.body), height: document.documentElement.scrollHeight,
          title: title ? box(title) : null,
          chapters: headings.map(h => ({text: h.innerText.replace(/\\u00b6/g, '').trim(),
                                        ...box(h)}))};
}"""

_CHARTS_READY = """() => [...document.querySelectorAll('.board-chart')]
  .every(el => el.classList.contains('vega-embed'))"""


def slug(text: str, limit: int = 40) -> str:
    """File-name part for a chapter heading.

    >>> slug("Robustness: what if our weights are a bit off?")
    'robustness-what-if-our-weights-are-a-bit'
    """
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(words) > limit:
        words = words[:limit + 1].rsplit("-", 1)[0]  # whole words only
    return words or "chapter"


def open_offline(browser, html: Path, width: int = WIDTH, javascript: bool = True):
    """A page showing *html* with every request that is not a local file refused."""
    context = browser.new_context(viewport={"width": width, "height": 1000},
                                  java_script_enabled=javascript)
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else route.abort())
    page.goto(html.resolve().as_uri(), wait_until="load")
    if javascript:
        page.wait_for_function(_CHARTS_READY, timeout=30_000)
    return page


def screenshot_pack(html: Path, out: Path, width: int = WIDTH,
                    max_height: int = MAX_HEIGHT) -> list[Path]:
    """Save the title page and one PNG per chapter of the pack *html* into *out*."""
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), args=["--no-sandbox"])
        try:
            page = open_offline(browser, html, width)
            layout = page.evaluate(_LAYOUT)
            left = max(0.0, layout["page"]["x"] - MARGIN)
            column = min(width - left, layout["page"]["width"] + 2 * MARGIN)
            shots = []
            if layout["title"]:
                title = layout["title"]
                top = max(0.0, title["y"] - MARGIN)
                shots.append(("title", top, title["y"] + title["height"] + MARGIN))
            starts = [c["y"] for c in layout["chapters"]] + [layout["height"]]
            for chapter, end in zip(layout["chapters"], starts[1:]):
                shots.append((slug(chapter["text"]), max(0.0, chapter["y"] - MARGIN), end))
            # Scrolling a viewport as tall as the tallest shot is much quicker than clipping
            # full-page screenshots, which lay the whole pack out again for each picture.
            page.set_viewport_size({"width": width, "height": max_height})
            written = []
            for number, (name, top, bottom) in enumerate(shots):
                top, bottom = math.floor(top), math.ceil(bottom)
                path = out / f"pack-{number:02d}-{name}.png"
                scrolled = page.evaluate("y => { scrollTo(0, y); return scrollY; }", top)
                clip = {"x": left, "y": top - scrolled, "width": column,
                        "height": min(bottom - top, max_height, layout["height"] - scrolled)}
                page.screenshot(path=str(path), clip=clip)
                written.append(path)
            return written
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("board_html", type=Path, help="a run's board.html")
    parser.add_argument("out_dir", type=Path, help="folder for the PNG files, e.g. docs/")
    parser.add_argument("--width", type=int, default=WIDTH, help="viewport width in pixels")
    parser.add_argument("--max-height", type=int, default=MAX_HEIGHT,
                        help="tallest shot in pixels; longer chapters are cut")
    args = parser.parse_args(argv)
    if not args.board_html.is_file():
        parser.error(f"no board pack at {args.board_html}")
    for path in screenshot_pack(args.board_html, args.out_dir, args.width, args.max_height):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

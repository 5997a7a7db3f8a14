"""The explorer as a Voilà app in headless Chromium: a weight slider moved, the ranking follows.

Every request the page makes is checked: nothing may leave 127.0.0.1.
"""

from __future__ import annotations

import os

import pytest

from seo_workbench.report import find_chromium

pytest.importorskip("voila")
sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.slow

CHROMIUM = find_chromium()
if CHROMIUM is None:
    if os.environ.get("CI"):
        raise RuntimeError("Chromium is needed for the browser tests: .ci/run installs "
                           "Debian's chromium package.")
    pytest.skip("no Chromium on PATH (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def app_url():
    from seo_workbench.app import start_explorer

    with start_explorer(timeout=90) as url:
        yield url


def _ranking(page) -> str:
    return page.locator(".widget-html-content table").first.inner_text()


def test_moving_a_weight_slider_changes_the_ranking(app_url):
    outside, errors = [], []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1200})

            def route(request_route):
                if request_route.request.url.startswith(app_url):
                    request_route.continue_()
                else:
                    outside.append(request_route.request.url)
                    request_route.abort()

            page.route("**/*", route)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(app_url, wait_until="networkidle", timeout=90_000)
            slider = page.locator(".widget-slider", has_text="strategic_fit").first
            slider.wait_for(timeout=90_000)
            page.locator(".widget-html-content table").first.wait_for(timeout=60_000)
            before = _ranking(page)
            assert "import seo_workbench" not in page.content()  # code hidden
            handle = slider.locator(".noUi-handle").first
            box = handle.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.mouse.down()
            page.mouse.move(box["x"] + 400, box["y"] + box["height"] / 2, steps=10)
            page.mouse.up()
            page.wait_for_function(
                "before => { const t = document.querySelector('.widget-html-content table');"
                " return t && t.innerText !== before; }", arg=before, timeout=60_000)
            assert _ranking(page) != before
        finally:
            browser.close()
    assert outside == []
    assert errors == []

"""The board pack's structure, its executive summary, the run index, parameters files, several
workbooks in one command, and re-creating a run from its manifest."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import seo_workbench as seo
from seo_workbench import cli, summary
from seo_workbench.errors import ValidationError
from seo_workbench.report import read_parameters, spreadsheet_safe, spreadsheet_text

pytestmark = pytest.mark.slow


class Page(HTMLParser):
    """Ids, h1 texts, links and visible text of a page."""

    def __init__(self):
        super().__init__()
        self.ids, self.h1, self.links, self.text = set(), [], [], []
        self._h1 = self._skip = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if tag == "h1":
            self._h1 = True
            self.h1.append("")
        self._skip = tag in ("script", "style")

    def handle_endtag(self, tag):
        if tag == "h1":
            self._h1 = False
        self._skip = False

    def handle_data(self, data):
        if self._h1:
            self.h1[-1] += data
        if not self._skip:
            self.text.append(data)


def read_page(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.h1 = [h.replace("¶", "").strip() for h in page.h1]
    return page


@pytest.fixture(scope="module")
def two_quarters(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    before = seo.report.run_quarter("2026Q4", workbook=seo.sample_workbook("2026Q4"), out=out)
    now = seo.report.run_quarter("2027Q1", out=out)
    return out, before, now


def test_pack_opens_with_summary_and_contents_and_ends_with_method_and_provenance(
        two_quarters):
    _, _, now = two_quarters
    page = read_page(now.board_html)
    assert page.h1.pop(0) == "Strategic portfolio review"  # the title page
    assert page.h1[0] == "Executive summary"
    assert page.h1[-2:] == ["Method", "Provenance"]
    chapters = page.h1[1:-2]
    assert chapters[:5] == ["Executive alignment", "Prioritisation", "Portfolio selection",
                            "Robustness: what if our weights are a bit off?",
                            "Quarterly review: delivery, focus and what changed"]
    assert {"summary", "method", "provenance"} <= page.ids
    # The contents link every chapter to its anchor in the page.
    anchors = [link[1:] for link in page.links if link.startswith("#chapter-")]
    assert len(anchors) == len(chapters) and set(anchors) <= page.ids
    for notebook in seo.report.CHAPTERS:
        assert f"chapter-{Path(notebook).stem}" in page.ids


def test_each_chapter_is_viewable_alone(two_quarters):
    _, _, now = two_quarters
    for notebook in seo.report.CHAPTERS:
        alone = now.run_dir / "chapters" / f"{Path(notebook).stem}.html"
        page = read_page(alone)
        html = alone.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["']?https?://""", html)
        assert "vegaEmbed" in html  # charts interactive when scripts run
        others = {"Executive alignment", "Prioritisation", "Robustness: what if our weights "
                  "are a bit off?", "Quarterly review: delivery, focus and what changed"}
        own = [h for h in page.h1[1:] if h in others]  # after the title page's
        assert len(own) == 1, (notebook, page.h1)  # its own chapter, no other
        assert "Executive summary" not in page.h1


def test_summary_states_the_recommendation_from_the_chapters_results(two_quarters):
    _, _, now = two_quarters
    facts = summary.read_facts(now.run_dir)
    assert set(facts) == {"alignment", "portfolio", "robustness", "review"}
    results = json.loads((now.run_dir / "results.json").read_text())
    portfolio = facts["portfolio"]
    assert portfolio["selected"] == results["selected_ids"]
    assert portfolio["cost"] == pytest.approx(results["cost"])
    robust = facts["robustness"]
    classes = robust["core"] + robust["borderline"] + robust["exterior"]
    assert sorted(classes) == sorted(portfolio["names"])  # every project in exactly one class
    assert facts["review"]["compared"] is True  # 2026Q4 ran first
    findings = now.manifest["summary"]
    topics = [f["topic"] for f in findings]
    for topic in ("recommendation", "value", "left out", "rules", "robustness", "alignment",
                  "delivery", "continuation", "change"):
        assert topic in topics
    first = findings[0]["text"]
    assert first.startswith(f"Fund {len(results['selected_ids'])} of {results['candidates']} "
                            "projects")
    assert "EUR 56.8m" in first  # the spend, 56,830,000
    text = " ".join(read_page(now.board_html).text)
    assert first in text.replace("\n", " ")
    # The costliest rule is the largest value lost in the decision-prices table.
    assert portfolio["costliest_rule"]["value_lost"] > 0


def test_summary_without_facts_or_with_an_infeasible_portfolio_says_so():
    assert summary.executive_summary({}) == []
    assert "nothing to summarise" in summary.summary_html([])
    findings = summary.executive_summary({"portfolio": {"status": "infeasible",
                                                        "selected": []}})
    assert "No portfolio meets every constraint" in findings[0].text
    escaped = summary.summary_html([summary.Finding("recommendation", "<script>x</script>")])
    assert "<script>" not in escaped and "&lt;script&gt;" in escaped


def test_provenance_gives_hashes_parameters_versions_and_solver(two_quarters):
    _, _, now = two_quarters
    text = " ".join(read_page(now.board_html).text)
    manifest = now.manifest
    assert manifest["workbook"]["sha256"] in text
    for digest in manifest["workbook"]["files"].values():
        assert digest in text
    assert manifest["run_id"] in text
    assert f"pandas {manifest['versions']['pandas']}" in " ".join(text.split())
    assert f"seo-workbench rerun {now.run_dir.resolve()}" in text
    assert "optimal" in text


def test_index_lists_every_run_newest_quarter_first(two_quarters):
    out, before, now = two_quarters
    index = out / "index.html"
    page = read_page(index)
    html = index.read_text(encoding="utf-8")
    assert html.index(now.run_dir.name) < html.index(before.run_dir.name)
    for run in (before, now):
        link = f"{run.run_dir.relative_to(out).as_posix()}/board.html"
        assert link in page.links and (out / link).exists()
    assert "https://" not in html


def test_selection_csv_neutralises_formula_like_text_and_the_register_reads_it_back():
    frame = pd.DataFrame({"project_id": ["P01", "P02"], "name": ["=HYPERLINK(\"x\")", "Portal"],
                          "cost": [-5.0, 3.0]})
    safe = spreadsheet_safe(frame)
    assert safe["name"].tolist() == ["'=HYPERLINK(\"x\")", "Portal"]
    assert safe["cost"].tolist() == [-5.0, 3.0]  # numbers untouched
    pd.testing.assert_frame_equal(spreadsheet_text(safe), frame)


# -- parameters files, schedules' quarters --------------------------------------------------


def test_parameters_file_sets_run_options_relative_to_itself(tmp_path):
    (tmp_path / "units").mkdir()
    path = tmp_path / "quarterly.yaml"
    path.write_text("quarter: 2027Q1\nworkbook: units/north.xlsx\nmethod: topsis\n"
                    "budget_scale: 1.1\npdf: true\n")
    options = read_parameters(path)
    assert options == {"quarter": "2027Q1", "workbook": str(tmp_path / "units/north.xlsx"),
                       "method": "topsis", "budget_scale": 1.1, "pdf": True}


@pytest.mark.parametrize(("text", "message"), [
    ("quarter: 2027Q1\nbudget: 3\n", "unknown parameters: budget"),
    ("quarter: [2027Q1\n", "not valid YAML at line"),
    ("- 2027Q1\n", "must be a mapping"),
])
def test_a_bad_parameters_file_is_a_clear_error(tmp_path, text, message):
    path = tmp_path / "params.yaml"
    path.write_text(text)
    with pytest.raises(ValidationError, match=message):
        read_parameters(path)
    assert cli.main(["run", "--parameters", str(path)]) == cli.USAGE


def test_missing_parameters_file_and_missing_quarter_are_usage_errors(tmp_path, capsys):
    assert cli.main(["run", "--parameters", str(tmp_path / "none.yaml")]) == cli.USAGE
    assert "Cannot read the parameters file" in capsys.readouterr().err
    assert cli.main(["run", "--out", str(tmp_path)]) == cli.USAGE
    assert "Give the quarter" in capsys.readouterr().err


def test_glob_that_matches_nothing_is_a_usage_error(tmp_path, capsys):
    code = cli.main(["run", "--quarter", "2027Q1", "--workbook", str(tmp_path / "*.xlsx"),
                     "--out", str(tmp_path)])
    assert code == cli.USAGE and "matches no file" in capsys.readouterr().err


# -- several workbooks, and re-creating a run -----------------------------------------------


def test_several_workbooks_run_in_parallel_and_a_bad_one_fails_alone(tmp_path, capsys):
    units = tmp_path / "units"
    units.mkdir()
    shutil.copytree(seo.sample_workbook(), units / "north")
    broken = units / "south"
    shutil.copytree(seo.sample_workbook(), broken)
    projects = pd.read_csv(broken / "projects.csv")
    projects.loc[0, "project_id"] = projects.loc[1, "project_id"]  # a duplicate id
    projects.to_csv(broken / "projects.csv", index=False)
    params = tmp_path / "quarterly.yaml"
    params.write_text(f"quarter: 2027Q1\nout: {tmp_path / 'reports'}\n")
    code = cli.main(["run", "--parameters", str(params), "--workbook", str(units / "*"),
                     "--jobs", "2"])
    stdout = capsys.readouterr().out
    assert code == cli.INVALID_WORKBOOK
    assert "[north]" in stdout and "[south]" in stdout
    assert re.search(r"north\s+ok", stdout) and re.search(r"south\s+invalid workbook", stdout)
    runs = list((tmp_path / "reports" / "2027Q1").iterdir())
    assert len(runs) == 1 and (runs[0] / "board.html").exists()


def test_rerun_recreates_a_run_exactly_and_notices_changed_inputs(two_quarters, tmp_path,
                                                                  capsys):
    out, _, now = two_quarters
    code = cli.main(["rerun", str(now.run_dir), "--out", str(tmp_path)])
    stdout = capsys.readouterr().out
    assert code == cli.OK, stdout
    assert "Re-created exactly" in stdout
    again = next((tmp_path / "2027Q1").iterdir())
    manifest = json.loads((again / "manifest.json").read_text())
    assert manifest["rerun"]["differences"] == []
    assert manifest["register"]["status"] == "not recorded"
    assert manifest["previous_run"] == now.manifest["previous_run"]
    assert (again / "selection.csv").read_bytes() == (now.run_dir / "selection.csv").read_bytes()

    # A copy of the run whose inputs were edited afterwards no longer re-creates the same.
    tampered = tmp_path / "copy" / "2027Q1" / now.run_dir.name
    shutil.copytree(now.run_dir, tampered)
    scores = next(tampered.glob("inputs/*/scores.csv"))
    frame = pd.read_csv(scores)
    frame.iloc[:, -1] = frame.iloc[::-1, -1].to_numpy()  # shuffle one criterion's scores
    frame.to_csv(scores, index=False)
    result, differences = seo.report.rerun(tampered, out=tmp_path / "again")
    assert "the inputs differ from the manifest's hash" in differences
    assert any(d.startswith("selection.csv") or d.startswith("results.json")
               for d in differences)


def test_rerun_of_something_that_is_not_a_run_is_a_usage_error(tmp_path, capsys):
    assert cli.main(["rerun", str(tmp_path)]) == cli.USAGE
    assert "is not a run folder" in capsys.readouterr().err

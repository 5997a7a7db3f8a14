"""Runs over quarters: the previous run, the inputs a run keeps, and the two sample quarters."""

from __future__ import annotations

import importlib.util
import json
import shutil
import warnings
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import seo_workbench as seo
from seo_workbench.errors import RunError, UnknownChoiceError, ValidationError
from seo_workbench.report import (
    _snapshot_inputs,
    find_previous_run,
    read_run_model,
    run_quarter,
)

ORG = "Northbridge Utilities Group"
TOOLS = Path(__file__).resolve().parents[1] / "tools"


def read(path) -> seo.PortfolioModel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", seo.WorkbenchWarning)
        return seo.read_workbook(path)


def fake_run(out: Path, quarter: str, stamp: str, status: str = "succeeded",
             organisation: str | None = ORG, **extra) -> Path:
    """A run folder holding only a minimal manifest."""
    run_dir = out / quarter / f"{quarter}-{stamp}-abc123"
    run_dir.mkdir(parents=True)
    manifest = {"run_id": run_dir.name, "quarter": quarter, "status": status,
                "created": f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[9:11]}:00:00+00:00",
                **extra}
    if organisation is not None:
        manifest["organisation"] = organisation
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    return run_dir


# -- finding the previous run -------------------------------------------------------------------


def test_find_previous_run_picks_the_newest_succeeded_run_of_the_latest_earlier_quarter(
        tmp_path):
    fake_run(tmp_path, "2026Q3", "20260920T0900Z")
    fake_run(tmp_path, "2026Q4", "20261201T0900Z")
    wanted = fake_run(tmp_path, "2026Q4", "20261210T0900Z")
    fake_run(tmp_path, "2026Q4", "20261215T0900Z", status="failed")
    fake_run(tmp_path, "2026Q4", "20261216T0900Z", status="running")  # never finished
    fake_run(tmp_path, "2026Q4", "20261217T0900Z", organisation="Southbank Water")
    fake_run(tmp_path, "2027Q1", "20270301T0900Z")  # this quarter: not earlier
    fake_run(tmp_path, "2027Q2", "20270601T0900Z")  # a later quarter
    corrupt = tmp_path / "2026Q4" / "2026Q4-20261218T0900Z-def456"
    corrupt.mkdir()
    (corrupt / "manifest.json").write_text("{not json")
    empty = tmp_path / "2026Q4" / "2026Q4-20261219T0900Z-0a0a0a"
    empty.mkdir()  # no manifest at all
    (tmp_path / "decisions.sqlite").write_text("")  # files beside the runs are ignored

    assert find_previous_run(tmp_path, "2027Q1", ORG) == wanted
    assert find_previous_run(tmp_path, "2027Q1", "Southbank Water").name.startswith(
        "2026Q4-20261217")
    assert find_previous_run(tmp_path, "2027Q2") == tmp_path / "2027Q1" / (
        "2027Q1-20270301T0900Z-abc123")
    assert find_previous_run(tmp_path, "2026Q4", ORG).name.startswith("2026Q3-")
    assert find_previous_run(tmp_path, "2026Q3", ORG) is None
    assert find_previous_run(tmp_path / "nowhere", "2027Q1") is None


def test_find_previous_run_without_organisation_accepts_any(tmp_path):
    other = fake_run(tmp_path, "2026Q4", "20261217T0900Z", organisation="Southbank Water")
    assert find_previous_run(tmp_path, "2027Q1") == other
    assert find_previous_run(tmp_path, "2027Q1", ORG) is None


def test_find_previous_run_orders_quarters_by_date_not_text(tmp_path):
    fake_run(tmp_path, "2025Q4", "20251201T0900Z")
    wanted = fake_run(tmp_path, "2026Q1", "20260301T0900Z")
    fake_run(tmp_path, "FY26 P1", "20260310T0900Z")  # cannot be ordered against 2027Q1
    assert find_previous_run(tmp_path, "2027Q1", ORG) == wanted


# -- the inputs a run keeps ---------------------------------------------------------------------


def test_read_run_model_reads_the_snapshot_even_after_the_workbook_changed(tmp_path):
    workbook = shutil.copytree(seo.sample_workbook("2026Q4"), tmp_path / "portfolio")
    original = read(workbook)
    run_dir = fake_run(tmp_path / "reports", "2026Q4", "20261201T0900Z",
                       workbook={"path": str(workbook), "sha256": original.sha256})
    snapshot = _snapshot_inputs(workbook, run_dir, original.sha256)
    assert snapshot == "inputs/portfolio"
    assert sorted(p.name for p in (run_dir / snapshot).iterdir()) == sorted(
        p.name for p in workbook.glob("*.csv"))

    (workbook / "budget.csv").write_text("period,amount\n2026Q4,1\n")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    manifest["workbook"]["snapshot"] = snapshot
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    assert read(run_dir / snapshot).sha256 == original.sha256
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", seo.WorkbenchWarning)
        assert read_run_model(run_dir).sha256 == original.sha256


def test_snapshot_of_an_xlsx_workbook_is_the_file(tmp_path, sample_model):
    workbook = seo.write_workbook(sample_model, tmp_path / "portfolio.xlsx")
    sha = read(workbook).sha256
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    assert _snapshot_inputs(workbook, run_dir, sha) == "inputs/portfolio.xlsx"
    assert (run_dir / "inputs" / "portfolio.xlsx").read_bytes() == workbook.read_bytes()
    (tmp_path / "again").mkdir()
    with pytest.raises(RunError, match="changed while the run was starting"):
        _snapshot_inputs(workbook, tmp_path / "again", "0" * 64)


def test_a_run_without_snapshot_falls_back_to_its_unchanged_workbook(tmp_path):
    workbook = shutil.copytree(seo.sample_workbook("2026Q4"), tmp_path / "portfolio")
    original = read(workbook)
    run_dir = fake_run(tmp_path / "reports", "2026Q4", "20261201T0900Z",
                       workbook={"path": str(workbook), "sha256": original.sha256})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", seo.WorkbenchWarning)
        assert read_run_model(run_dir).sha256 == original.sha256

    (workbook / "budget.csv").write_text("period,amount\n2026Q4,1\n")
    with pytest.raises(RunError, match="predates input snapshots .* has changed since"):
        read_run_model(run_dir)
    shutil.rmtree(workbook)
    with pytest.raises(RunError, match="no longer exists"):
        read_run_model(run_dir)
    with pytest.raises(RunError, match="not a run folder"):
        read_run_model(tmp_path)


def test_run_passes_the_previous_run_to_the_notebooks_that_declare_it(tmp_path, monkeypatch):
    """Plumbing only: the notebooks are copied, not executed (the end-to-end run is elsewhere)."""
    import papermill

    given = {}

    def execute(source, target, parameters, **_options):
        given[Path(source).name] = parameters
        nb = nbformat.read(source, as_version=4)
        nbformat.write(nb, target)
        return nb

    monkeypatch.setattr(papermill, "execute_notebook", execute)
    out = tmp_path / "reports"
    fake_run(out, "2026Q3", "20260920T0900Z")
    previous = fake_run(out, "2026Q4", "20261201T0900Z")
    fake_run(out, "2026Q4", "20261202T0900Z", organisation="Southbank Water")
    result = run_quarter("2027Q1", out=out, register=tmp_path / "decisions.sqlite")

    assert result.manifest["previous_run"] == str(previous.resolve())
    declares = {name for name, p in given.items() if "previous_run" in p}
    assert declares == {"04_review_quarter.ipynb"}
    assert given["04_review_quarter.ipynb"]["previous_run"] == str(previous.resolve())
    snapshot = result.manifest["workbook"]["snapshot"]
    assert snapshot == "inputs/sample"
    assert read(result.run_dir / snapshot).sha256 == result.manifest["workbook"]["sha256"]
    saved = json.loads((result.run_dir / "manifest.json").read_text())
    assert saved["workbook"]["snapshot"] == snapshot and saved["organisation"] == ORG

    given.clear()
    earlier = fake_run(out, "2026Q2", "20260601T0900Z")
    chosen = run_quarter("2027Q1", out=out, previous_run=earlier,
                         register=tmp_path / "decisions.sqlite")
    assert chosen.manifest["previous_run"] == str(earlier.resolve())
    assert given["04_review_quarter.ipynb"]["previous_run"] == str(earlier.resolve())


def test_a_previous_run_that_is_not_a_run_folder_stops_the_run_before_it_starts(tmp_path):
    out = tmp_path / "reports"
    with pytest.raises(ValidationError, match="is not a run folder"):
        run_quarter("2027Q1", out=out, previous_run=tmp_path)
    assert not out.exists()


# -- the two sample quarters --------------------------------------------------------------------


@pytest.fixture(scope="module")
def make_sample():
    spec = importlib.util.spec_from_file_location("make_sample", TOOLS / "make_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quarters():
    return read(seo.sample_workbook("2026Q4")), read(seo.sample_workbook())


def changed(make_sample, cause: str) -> set[str]:
    return {pid for c, pid, _why in make_sample.CHANGES if c == cause and pid}


def test_sample_quarters(quarters):
    before, now = quarters
    assert seo.validate_workbook(seo.sample_workbook("2026Q4")).ok
    assert seo.sample_workbook() == seo.sample_workbook("2027Q1")
    assert before.settings.organisation == now.settings.organisation
    assert before.periods == ("2026Q4", *now.periods[:-1])
    with pytest.raises(UnknownChoiceError, match="Choose one of: 2026Q4, 2027Q1"):
        seo.sample_workbook("2025Q1")


def test_previous_sample_differs_exactly_as_documented(make_sample, quarters):
    before, now = quarters
    causes = {cause for cause, _pid, _why in make_sample.CHANGES}
    assert causes == {"horizon", "competitors", "weights", "scores", "costs", "constraints"}

    then_ids, now_ids = set(before.tables["projects"].index), set(now.tables["projects"].index)
    assert (then_ids ^ now_ids) == changed(make_sample, "competitors")
    assert now_ids - then_ids and then_ids - now_ids  # proposed since, and withdrawn
    common = sorted(then_ids & now_ids)

    weights = before.tables["criteria"]["weight"].compare(now.tables["criteria"]["weight"])
    assert set(weights.index) == {"customer_impact", "risk_reduction"}

    scores = before.tables["scores"].loc[common].compare(now.tables["scores"].loc[common])
    assert set(scores.index) == changed(make_sample, "scores")

    periods = list(now.periods[:-1])  # the quarters both horizons cover
    costs = before.tables["costs"].loc[common, periods].compare(
        now.tables["costs"].loc[common, periods])
    assert set(costs.index) == changed(make_sample, "costs")
    in_flight = before.tables["projects"]["status"] == "in_flight"
    status = before.tables["status"]
    planned = status[status["period"] == "2026Q4"]
    assert planned.empty and status["period"].max() == "2026Q3"  # reports up to 2026Q3
    first = before.tables["costs"]["2026Q4"]
    assert (first[~in_flight] == 0).all() and (first[in_flight] > 0).all()
    now_status = now.tables["status"].set_index(["period", "project_id"])["planned_spend"]
    assert first[in_flight].to_dict() == now_status["2026Q4"].to_dict()

    projects = ["name", "owner", "department", "theme", "status", "decision", "benefit"]
    decisions = before.tables["projects"].loc[common, projects].compare(
        now.tables["projects"].loc[common, projects])
    assert set(decisions.index) == changed(make_sample, "constraints")
    budget = before.tables["budget"]["amount"].loc[periods].compare(
        now.tables["budget"]["amount"].loc[periods])
    assert list(budget.index) == ["2028Q2"]
    for sheet in ("dependencies", "groups", "themes", "judgements"):
        pd.testing.assert_frame_equal(before.tables[sheet], now.tables[sheet])

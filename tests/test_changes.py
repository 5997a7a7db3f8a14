"""Quarter over quarter: each change attributed to the one group of inputs that changed."""

from __future__ import annotations

import shutil
import warnings

import pandas as pd
import pytest

import seo_workbench as seo
from seo_workbench.changes import CAUSES, compare_quarters


def _read(folder):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", seo.WorkbenchWarning)
        return seo.read_workbook(folder)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("before")
    shutil.copytree(seo.sample_workbook(), folder, dirs_exist_ok=True)
    return folder, _read(folder)


@pytest.fixture(scope="module")
def baseline(sample):
    folder, model = sample
    return compare_quarters(model, model, "2027Q1", "2027Q1")


def _edit(sample, tmp_path, sheet, change):
    folder, _ = sample
    target = tmp_path / "now"
    shutil.copytree(folder, target)
    frame = pd.read_csv(target / f"{sheet}.csv", dtype=str, keep_default_na=False)
    frame = change(frame)
    frame.to_csv(target / f"{sheet}.csv", index=False)
    return _read(target)


def _only(result, cause):
    """Every effect of the walk sits at *cause*; every other step changes nothing."""
    steps = result.steps.set_index("cause").iloc[1:]
    others = steps.drop(index=cause)
    assert (others["change"].abs() < 1e-9).all(), others
    assert (others["entered"] == "").all() and (others["left"] == "").all()
    assert set(result.changes["cause"]) <= {cause}
    assert set(result.movers["cause"]) <= {cause}
    total = result.steps["value"].iloc[-1] - result.steps["value"].iloc[0]
    assert steps["change"].sum() == pytest.approx(total)  # the waterfall adds up


def test_nothing_changed_means_no_change(baseline):
    assert baseline.changes.empty and baseline.movers.empty
    assert (baseline.steps["change"].iloc[1:] == 0).all()
    assert baseline.steps["status"].eq("optimal").all()
    assert baseline.order == tuple(CAUSES)


def test_weights_alone(sample, tmp_path, baseline):
    def shift(frame):  # all the weight on delivery risk and change burden
        frame["weight"] = ["0.02", "0.02", "0.02", "0.02", "0.46", "0.46"]
        return frame

    result = compare_quarters(sample[1], _edit(sample, tmp_path, "criteria", shift),
                              "2027Q1", "2027Q1")
    _only(result, "weights")
    assert len(result.changes) > 0 and len(result.movers) > 0


def test_scores_alone(sample, tmp_path, baseline):
    left_out = sorted(set(sample[1].projects.index) - set(baseline.funded.index[
        baseline.funded[baseline.steps["cause"].iloc[-1]]]))
    cheapest = sample[1].costs.loc[left_out].sum(axis=1).idxmin()

    def best(frame):
        row = frame["project_id"] == cheapest
        for c in ("strategic_fit", "financial_return", "customer_impact", "risk_reduction"):
            frame.loc[row, c] = "5"
        frame.loc[row, ["delivery_risk", "change_burden"]] = "1"
        return frame

    result = compare_quarters(sample[1], _edit(sample, tmp_path, "scores", best),
                              "2027Q1", "2027Q1")
    _only(result, "scores")
    assert cheapest in result.entrants
    assert result.changes.loc[cheapest, "cause"] == "scores"


def test_costs_alone(sample, tmp_path, baseline):
    funded = baseline.funded.index[baseline.funded["weights"]]
    forced = sample[1].projects["decision"] != "auto"
    victim = next(p for p in funded if not forced[p])

    def overrun(frame):
        row = frame["project_id"] == victim
        for c in frame.columns[1:]:
            frame.loc[row, c] = str(float(frame.loc[row, c].iloc[0] or 0) * 6)
        return frame

    result = compare_quarters(sample[1], _edit(sample, tmp_path, "costs", overrun),
                              "2027Q1", "2027Q1")
    _only(result, "costs")
    assert victim in result.exits
    assert result.movers.empty  # costs do not move the MCDA ranking


def test_constraints_alone(sample, tmp_path):
    def cut(frame):
        frame["amount"] = [str(round(float(a) * 0.7)) for a in frame["amount"]]
        return frame

    result = compare_quarters(sample[1], _edit(sample, tmp_path, "budget", cut),
                              "2027Q1", "2027Q1")
    _only(result, "constraints")
    assert result.exits and result.value_change < 0
    assert result.causes()["constraints"] == pytest.approx(result.value_change)


def test_a_new_competitor_alone(sample, tmp_path, baseline):
    model = sample[1]
    top = baseline.ranks["weights"].idxmin()
    folder = tmp_path / "now"
    shutil.copytree(sample[0], folder)
    for sheet in ("projects", "scores", "costs"):
        frame = pd.read_csv(folder / f"{sheet}.csv", dtype=str, keep_default_na=False)
        twin = frame[frame["project_id"] == top].copy()
        twin["project_id"] = "P99"
        if sheet == "projects":
            twin["name"], twin["decision"], twin["decision_reason"] = "Twin", "auto", ""
        if sheet == "costs":  # half the cost of the best project: certain to be funded
            for c in twin.columns[1:]:
                twin[c] = str(float(twin[c].iloc[0] or 0) / 2)
        pd.concat([frame, twin]).to_csv(folder / f"{sheet}.csv", index=False)
    now = _read(folder)
    assert "P99" in now.projects.index and "P99" not in model.projects.index
    result = compare_quarters(model, now, "2027Q1", "2027Q1")
    _only(result, "competitors")
    assert "P99" in result.entrants
    assert result.changes.loc["P99", "path"] == "competitors"
    assert pd.isna(result.ranks.loc["P99", "last quarter"])


def test_the_horizon_alone(sample):
    # The same workbook reviewed a quarter later: only the rolling horizon differs.
    model = sample[1]
    result = compare_quarters(model, model, "2027Q1", "2027Q2")
    _only(result, "horizon")
    assert result.steps["value"].iloc[0] != result.steps["value"].iloc[-1] or \
        result.changes.empty


def test_sentences_state_the_order(baseline):
    text = " ".join(baseline.to_sentences())
    assert "in this order: the planning horizon moved on, then new and withdrawn projects" in text
    assert "<ul>" in baseline._repr_html_()


def test_bad_inputs(sample):
    model = sample[1]
    with pytest.raises(seo.ValidationError, match="not a period of the previous workbook"):
        compare_quarters(model, model, "2025Q1", "2027Q1")
    with pytest.raises(seo.ValidationError, match="order must name each of"):
        compare_quarters(model, model, "2027Q1", "2027Q1", order=("horizon", "weights"))
    with pytest.raises(seo.ValidationError, match="must start with 'horizon'"):
        compare_quarters(model, model, "2027Q1", "2027Q1", order=tuple(reversed(CAUSES)))


def test_charts(sample, tmp_path):
    def cut(frame):
        frame["amount"] = [str(round(float(a) * 0.8)) for a in frame["amount"]]
        return frame

    result = compare_quarters(sample[1], _edit(sample, tmp_path, "budget", cut),
                              "2027Q1", "2027Q1")
    spec = seo.charts.value_waterfall_chart(result).to_dict()
    bars = spec["datasets"][next(iter(spec["datasets"]))]
    assert [b["bar"] for b in bars][0] == "2027Q1 portfolio" and len(bars) == len(CAUSES) + 2
    assert bars[-1]["end"] == pytest.approx(result.steps["value"].iloc[-1])
    budget = next(b for b in bars if b["bar"] == CAUSES["constraints"])
    assert budget["kind"] == "down" and budget["change"] == pytest.approx(result.value_change)
    slope = seo.charts.rank_slope_chart(result).to_dict()
    rows = slope["datasets"][next(iter(slope["datasets"]))]
    leaving = {r["project"].split()[0] for r in rows if r["funding"] == "leaves the portfolio"}
    assert leaving == set(result.exits)


def test_states_side_by_side_match_one_after_another(sample, monkeypatch):
    from seo_workbench import pool

    before = _read(seo.sample_workbook("2026Q4"))
    threads = compare_quarters(before, sample[1], "2026Q4", "2027Q1")
    assert len(threads.changes) > 0
    monkeypatch.setattr(pool, "SIDE_BY_SIDE_BELOW", 0)
    serial = compare_quarters(before, sample[1], "2026Q4", "2027Q1")
    for name in ("steps", "changes", "movers", "ranks", "funded"):
        pd.testing.assert_frame_equal(getattr(threads, name), getattr(serial, name))

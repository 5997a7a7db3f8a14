"""Charts: each builds a valid Vega-Lite spec with the expected fields, and renders offline."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

import seo_workbench as seo
from seo_workbench import charts


@pytest.fixture(scope="module")
def results(sample_model):
    ranking = seo.score(sample_model.scores, sample_model.weights, sample_model.objectives)
    portfolio = seo.select_portfolio(sample_model, sample_model.project_values(ranking))
    agreement = seo.compare_methods(sample_model.scores, sample_model.weights,
                                    sample_model.objectives)
    return ranking, portfolio, agreement, sample_model.alignment()


def fields(spec: dict) -> set[str]:
    """Every field name an encoding of the spec (or its layers) uses."""
    found = set()
    for layer in [spec, *spec.get("layer", [])]:
        for channel in layer.get("encoding", {}).values():
            items = channel if isinstance(channel, list) else [channel]
            found |= {c["field"] for c in items if isinstance(c, dict) and "field" in c}
    return found


def test_portfolio_charts(results, sample_model):
    ranking, portfolio, _, _ = results
    spec = charts.ranking_chart(ranking.scores, portfolio, sample_model.projects["name"]).to_dict()
    assert {"score", "label", "decision"} <= fields(spec)
    assert len(spec["data"]["values"]) if "values" in spec.get("data", {}) else True
    assert {"cost", "value", "decision_state"} <= fields(charts.value_cost_chart(portfolio)
                                                        .to_dict())
    assert {"period", "spend", "budget"} <= fields(charts.spend_budget_chart(portfolio).to_dict())


def test_agreement_and_alignment_charts(results, sample_model):
    _, _, agreement, alignment = results
    assert {"method_a", "method_b", "tau"} <= fields(charts.method_agreement_chart(agreement)
                                                     .to_dict())
    assert {"rank", "method"} <= fields(charts.rank_comparison_chart(agreement).to_dict())
    assert {"executive", "criterion_name", "weight"} <= fields(
        charts.alignment_heatmap_chart(alignment).to_dict())
    assert {"executive", "weight"} <= fields(charts.executive_weights_chart(alignment).to_dict())
    gauge = charts.consensus_gauge_chart(alignment).to_dict()
    assert {"start", "end", "consensus"} <= fields(gauge)


def test_workbook_text_cannot_end_the_chart_script(results):
    _, portfolio, _, _ = results
    charts.enable()
    spec = charts.value_cost_chart(portfolio).to_dict()
    spec["title"] = {"text": "</script><script>alert(1)</script>"}
    bundle = charts.board_renderer(spec)
    html = bundle["text/html"]
    script = html[html.index("<script>"):]
    assert script.count("</script>") == 1  # only the renderer's own closing tag
    assert "<svg" in html and 'class="board-chart"' in html


def test_house_theme_is_registered():
    charts.enable()
    assert alt.theme.active == "seo_workbench"
    assert alt.renderers.active == "board"


def test_robustness_charts(sample_model):
    from seo_workbench import robustness

    names = sample_model.projects["name"]
    smaa = robustness.smaa(sample_model.scores, sample_model.objectives, samples=500, seed=1)
    spec = charts.rank_acceptability_chart(smaa, names, top=10, ranks=8).to_dict()
    assert {"rank", "label", "acceptability"} <= fields(spec)
    values = spec["datasets"][next(iter(spec["datasets"]))]
    assert len(values) == 10 * 9  # ten projects x (ranks 1..8 and "9+")
    assert {v["rank"] for v in values} == {*map(str, range(1, 9)), "9+"}

    tornado = robustness.tornado(sample_model.scores, sample_model.weights,
                                 sample_model.objectives, change=0.1)
    assert {"low", "high", "score", "criterion_name"} <= fields(
        charts.tornado_chart(tornado, names=names, criteria_names=sample_model.criteria["name"])
        .to_dict())
    assert {"criterion_name", "low", "high"} <= fields(
        charts.tornado_chart(tornado, "P38", names=names).to_dict())

    twin = pd.DataFrame({"name": ["A", "B", "C"], "decision": ["must", "auto", "auto"],
                         "baseline": [True, True, False], "share": [1.0, 0.4, 0.0],
                         "robustness": ["core", "borderline", "exterior"]},
                        index=pd.Index(["P1", "P2", "P3"], name="project_id"))
    result = robustness.PortfolioRobustnessResult(twin, 1.0, 0.0, 10, 1, "weighted_sum",
                                                  pd.DataFrame(), pd.DataFrame(), pd.Series())
    spec = charts.portfolio_robustness_chart(result).to_dict()
    assert {"share", "label", "robustness", "today"} <= fields(spec)
    assert spec["encoding"]["color"]["scale"]["domain"] == ["core", "borderline", "exterior"]

"""Charts for notebooks and the board pack. Each ``<what>_chart`` returns an ``alt.Chart``.

:func:`enable` registers the house theme and the board renderer: every chart is drawn as static
SVG (vl-convert, no browser, no network) plus a small script that turns it interactive when the
page carries the Vega bundle (the board template inlines it once). So a chart draws offline, with
scripts off, and in print.
"""

from __future__ import annotations

import hashlib
import json

import altair as alt
import pandas as pd

__all__ = [
    "alignment_heatmap_chart",
    "capacity_heatmap_chart",
    "decision_prices_chart",
    "frontier_chart",
    "gantt_chart",
    "consensus_gauge_chart",
    "enable",
    "executive_weights_chart",
    "method_agreement_chart",
    "portfolio_robustness_chart",
    "rank_acceptability_chart",
    "rank_comparison_chart",
    "ranking_chart",
    "spend_budget_chart",
    "tornado_chart",
    "value_cost_chart",
]

NAVY, TEAL, GREY, RED, GOLD = "#1f3a5f", "#2a9d8f", "#b8c2cc", "#c0392b", "#e9a23b"
FUNDED, NOT_FUNDED, FORCED_IN, FORCED_OUT = "funded", "not funded", "must", "must not"
_STATE_COLOURS = alt.Scale(domain=[FUNDED, FORCED_IN, NOT_FUNDED, FORCED_OUT],
                           range=[TEAL, NAVY, GREY, RED])


def _theme() -> alt.theme.ThemeConfig:
    font = "Source Sans Pro, Helvetica, Arial, sans-serif"
    return {"config": {
        "font": font,
        "view": {"stroke": None, "continuousWidth": 560, "continuousHeight": 320},
        "title": {"fontSize": 15, "anchor": "start", "color": NAVY, "subtitleColor": "#555"},
        "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#eceff3",
                 "domainColor": "#888"},
        "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
        "range": {"category": [NAVY, TEAL, GOLD, RED, "#6c5b7b", "#8d99ae"]},
    }}


def _vega_lite_version() -> str:
    from altair.utils._importers import vl_version_for_vl_convert

    return vl_version_for_vl_convert()


def board_renderer(spec: dict, **metadata) -> dict:
    """Render a chart as inline SVG plus an optional upgrade to an interactive Vega view."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(spec, vl_version=_vega_lite_version())
    spec_json = json.dumps(spec, sort_keys=True)
    div = "board-chart-" + hashlib.sha1(spec_json.encode()).hexdigest()[:12]  # stable id
    # "</" inside a script would end it early: workbook text (project names) lives in the spec.
    safe_json = spec_json.replace("</", "<\\/")
    script = ("<script>(function(){var el=document.getElementById(" + json.dumps(div) + ");"
              "if(window.vegaEmbed){vegaEmbed(el," + safe_json + ",{actions:false,"
              "renderer:'svg'}).catch(console.error);}})();</script>")
    html = f'<div id="{div}" class="board-chart">{svg}</div>\n{script}'
    return {"text/html": html, "text/plain": "<chart>"}


def enable() -> None:
    """Use the house theme and the offline board renderer for every chart from now on."""
    alt.theme.register("seo_workbench", enable=True)(_theme)
    alt.renderers.register("board", board_renderer)
    alt.renderers.enable("board")


def _state(frame: pd.DataFrame) -> pd.Series:
    state = frame["selected"].map({True: FUNDED, False: NOT_FUNDED})
    state[frame["decision"] == "must"] = FORCED_IN
    state[frame["decision"] == "must_not"] = FORCED_OUT
    return state


def ranking_chart(scores: pd.Series, portfolio=None, names: pd.Series | None = None,
                  title: str = "Projects ranked by MCDA score") -> alt.Chart:
    """Bars of each project's score, best first, coloured by the funding decision if given."""
    frame = pd.DataFrame({"project_id": scores.index, "score": scores.to_numpy()})
    if names is not None:
        frame["name"] = names.reindex(scores.index).to_numpy()
    else:
        frame["name"] = frame["project_id"]
    frame["label"] = frame["project_id"] + "  " + frame["name"]
    colour = alt.value(NAVY)
    if portfolio is not None:
        frame["decision"] = _state(portfolio.projects.reindex(scores.index)).to_numpy()
        colour = alt.Color("decision:N", scale=_STATE_COLOURS, title="Decision")
    order = frame.sort_values("score", ascending=False)["label"].tolist()
    return alt.Chart(frame, title=title).mark_bar().encode(
        x=alt.X("score:Q", title="Score (0 = worst, 1 = best on every criterion)",
                axis=alt.Axis(format=".1f", tickCount=10)),
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
        color=colour,
        tooltip=[alt.Tooltip("project_id:N", title="Project"), alt.Tooltip("name:N"),
                 alt.Tooltip("score:Q", format=".3f")]
        + ([alt.Tooltip("decision:N")] if portfolio is not None else []),
    ).properties(width=520, height=alt.Step(13))


def value_cost_chart(portfolio, title: str = "Value against cost") -> alt.Chart:
    """Each project's value against its cost over the horizon; funded ones stand out."""
    frame = portfolio.projects.reset_index()
    frame["decision_state"] = _state(portfolio.projects).to_numpy()
    return alt.Chart(frame, title=alt.Title(
        title, subtitle=f"Cost over {portfolio.periods[0]}..{portfolio.periods[-1]} "
                        f"in {portfolio.currency}")).mark_circle(size=90, opacity=0.85).encode(
        x=alt.X("cost:Q", title=f"Cost ({portfolio.currency})", axis=alt.Axis(format="~s")),
        y=alt.Y("value:Q", title="Value"),
        color=alt.Color("decision_state:N", scale=_STATE_COLOURS, title="Decision"),
        tooltip=[alt.Tooltip("project_id:N", title="Project"), alt.Tooltip("name:N"),
                 alt.Tooltip("theme:N"), alt.Tooltip("cost:Q", format=",.0f"),
                 alt.Tooltip("value:Q", format=".3f"),
                 alt.Tooltip("decision_state:N", title="Decision")],
    ).properties(width=560, height=340)


def spend_budget_chart(portfolio, title: str = "Spend against budget by period") -> alt.Chart:
    """Bars of the funded portfolio's spend per period with the budget marked on each."""
    frame = portfolio.spend.reset_index()
    frame["use"] = frame["spend"] / frame["budget"].where(frame["budget"] > 0)
    base = alt.Chart(frame, title=alt.Title(title, subtitle=f"{portfolio.currency}; the dark "
                                            "tick is the budget"))
    bars = base.mark_bar(color=TEAL, size=34).encode(
        x=alt.X("period:O", sort=list(portfolio.periods), title=None),
        y=alt.Y("spend:Q", title=f"Spend ({portfolio.currency})", axis=alt.Axis(format="~s")),
        tooltip=[alt.Tooltip("period:O"), alt.Tooltip("spend:Q", format=",.0f"),
                 alt.Tooltip("budget:Q", format=",.0f"), alt.Tooltip("use:Q", format=".0%",
                                                                     title="Budget used")])
    ticks = base.mark_tick(color=NAVY, thickness=3, size=46).encode(
        x=alt.X("period:O", sort=list(portfolio.periods)), y="budget:Q")
    return (bars + ticks).properties(width=560, height=300)


def method_agreement_chart(agreement, title: str = "Do the methods agree?") -> alt.Chart:
    """Heatmap of Kendall's tau between every pair of scoring methods (1 = same ranking)."""
    tau = agreement.kendall
    frame = tau.rename_axis(index="method_a", columns="method_b").stack().rename(
        "tau").reset_index()
    rho = agreement.spearman.stack().to_numpy()
    frame["rho"] = rho
    order = list(tau.index)
    base = alt.Chart(frame, title=alt.Title(title, subtitle="Kendall's tau between the "
                                            "methods' rankings; 1 = identical"))
    cells = base.mark_rect().encode(
        x=alt.X("method_b:N", sort=order, title=None, axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("method_a:N", sort=order, title=None),
        color=alt.Color("tau:Q", scale=alt.Scale(domain=[-1, 1], scheme="blueorange",
                                                 reverse=True), title="Kendall's tau"),
        tooltip=[alt.Tooltip("method_a:N", title="Method"), alt.Tooltip("method_b:N",
                                                                         title="against"),
                 alt.Tooltip("tau:Q", format=".2f", title="Kendall's tau"),
                 alt.Tooltip("rho:Q", format=".2f", title="Spearman's rho")])
    text = base.mark_text(fontSize=12).encode(
        x=alt.X("method_b:N", sort=order), y=alt.Y("method_a:N", sort=order),
        text=alt.Text("tau:Q", format=".2f"),
        color=alt.condition("abs(datum.tau) > 0.6", alt.value("white"), alt.value("#1d2733")))
    return (cells + text).properties(width=60 * len(order), height=40 * len(order))


def rank_comparison_chart(agreement, names: pd.Series | None = None, top: int = 15,
                          title: str = "Rank of the leading projects under each method"
                          ) -> alt.Chart:
    """Each leading project's rank under every method: long rows of dots mean disagreement."""
    ranks = agreement.ranks
    lead = ranks.mean(axis=1).sort_values().index[:top]
    frame = ranks.loc[lead].rename_axis("project_id").reset_index().melt(
        "project_id", var_name="method", value_name="rank")
    label = lead if names is None else [f"{p}  {names.get(p, '')}" for p in lead]
    frame["label"] = frame["project_id"].map(dict(zip(lead, label)))
    return alt.Chart(frame, title=alt.Title(title, subtitle=f"the {len(lead)} projects with "
                                            "the best average rank")).mark_point(
        filled=True, size=70, opacity=0.85).encode(
        x=alt.X("rank:Q", title="Rank (1 = best)", scale=alt.Scale(zero=False)),
        y=alt.Y("label:N", sort=list(label), title=None, axis=alt.Axis(labelLimit=260)),
        color=alt.Color("method:N", title="Method"),
        shape=alt.Shape("method:N", title="Method"),
        tooltip=["project_id:N", "method:N", "rank:Q"],
    ).properties(width=480, height=alt.Step(18))


def _criterion_names(alignment) -> dict:
    agenda = alignment.agenda
    names = dict(zip(agenda["criterion_a"], agenda["name_a"]))
    names.update(zip(agenda["criterion_b"], agenda["name_b"]))
    return names


def executive_weights_chart(alignment, title: str = "Each executive's weights against the "
                            "group's") -> alt.Chart:
    """Dots for each executive's weight of every criterion; the bar is the group's weight."""
    names = _criterion_names(alignment)
    people = alignment.executive_weights.rename_axis(index="executive", columns="criterion")
    frame = people.stack().rename("weight").reset_index()
    frame["criterion_name"] = frame["criterion"].map(names).fillna(frame["criterion"])
    group = alignment.group_weights.rename_axis("criterion").rename("weight").reset_index()
    group["criterion_name"] = group["criterion"].map(names).fillna(group["criterion"])
    order = group.sort_values("weight", ascending=False)["criterion_name"].tolist()
    y = alt.Y("criterion_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=200))
    bars = alt.Chart(group).mark_bar(color="#dde3ea", size=22).encode(
        x=alt.X("weight:Q", title="Weight", axis=alt.Axis(format=".0%")), y=y,
        tooltip=[alt.Tooltip("criterion_name:N", title="Criterion"),
                 alt.Tooltip("weight:Q", format=".1%", title="Group weight")])
    dots = alt.Chart(frame).mark_point(filled=True, size=90, opacity=0.9).encode(
        x="weight:Q", y=y,
        color=alt.Color("executive:N", title="Executive"),
        shape=alt.Shape("executive:N", title="Executive"),
        tooltip=[alt.Tooltip("executive:N"), alt.Tooltip("criterion_name:N", title="Criterion"),
                 alt.Tooltip("weight:Q", format=".1%")])
    return (bars + dots).properties(
        width=520, height=alt.Step(34),
        title=alt.Title(title, subtitle=f"grey bars: group weights "
                                        f"({alignment.aggregation.upper()})"))


def alignment_heatmap_chart(alignment, title: str = "Executives x criteria") -> alt.Chart:
    """Heatmap of every executive's weight of every criterion, the group's row first."""
    names = _criterion_names(alignment)
    table = alignment.executive_weights.copy()
    table.loc["Group"] = alignment.group_weights
    frame = table.rename_axis(index="executive", columns="criterion").stack().rename(
        "weight").reset_index()
    frame["criterion_name"] = frame["criterion"].map(names).fillna(frame["criterion"])
    rows = ["Group", *alignment.executive_weights.index]
    columns = [names.get(c, c) for c in alignment.group_weights.sort_values(
        ascending=False).index]
    base = alt.Chart(frame, title=alt.Title(title, subtitle="weight each executive gives each "
                                            "criterion; the group's row first"))
    cells = base.mark_rect().encode(
        x=alt.X("criterion_name:N", sort=columns, title=None, axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("executive:N", sort=rows, title=None),
        color=alt.Color("weight:Q", scale=alt.Scale(scheme="blues"), title="Weight",
                        legend=alt.Legend(format=".0%")),
        tooltip=[alt.Tooltip("executive:N"), alt.Tooltip("criterion_name:N", title="Criterion"),
                 alt.Tooltip("weight:Q", format=".1%")])
    text = base.mark_text(fontSize=11).encode(
        x=alt.X("criterion_name:N", sort=columns), y=alt.Y("executive:N", sort=rows),
        text=alt.Text("weight:Q", format=".0%"),
        color=alt.condition("datum.weight > 0.3", alt.value("white"), alt.value("#1d2733")))
    return (cells + text).properties(width=90 * len(columns), height=34 * len(rows))


_CONSENSUS_BANDS = pd.DataFrame({
    "start": [0, 50, 65, 75, 85], "end": [50, 65, 75, 85, 100],
    "word": ["very low", "low", "moderate", "high", "very high"],
    "colour": ["#c0392b", "#e9a23b", "#f1d48a", "#8fc9bf", "#2a9d8f"]})


def consensus_gauge_chart(alignment, title: str = "Consensus of the executive team"
                          ) -> alt.Chart:
    """A 0-100 % gauge of Goepel's consensus indicator, banded by its word scale."""
    bands = alt.Chart(_CONSENSUS_BANDS).mark_rect().encode(
        x=alt.X("start:Q", scale=alt.Scale(domain=[0, 100]), title="Consensus (%)"),
        x2="end:Q", y=alt.value(24), y2=alt.value(60),
        color=alt.Color("word:N", scale=alt.Scale(domain=_CONSENSUS_BANDS["word"].tolist(),
                                                  range=_CONSENSUS_BANDS["colour"].tolist()),
                        title="Goepel's scale", sort=_CONSENSUS_BANDS["word"].tolist()),
        tooltip=["word:N", "start:Q", "end:Q"])
    point = pd.DataFrame({"consensus": [alignment.consensus],
                          "label": [f"{alignment.consensus:.0f} % ({alignment.consensus_label})"]})
    marker = alt.Chart(point).mark_rule(color=NAVY, strokeWidth=4).encode(
        x="consensus:Q", y=alt.value(18), y2=alt.value(66),
        tooltip=[alt.Tooltip("consensus:Q", format=".1f")])
    label = alt.Chart(point).mark_text(fontSize=14, fontWeight="bold", color=NAVY,
                                       baseline="bottom").encode(
        x="consensus:Q", y=alt.value(14), text="label:N")
    return (bands + marker + label).properties(
        width=560, height=66, title=alt.Title(title, subtitle="AHP consensus indicator S* "
                                              "(Goepel 2013); 100 % = identical priorities"))


def capacity_heatmap_chart(portfolio, title: str = "Capacity use by pool and period"
                           ) -> alt.Chart:
    """Heatmap of the funded portfolio's use of each resource pool in each period (% of limit)."""
    frame = portfolio.capacity.copy()
    frame["use_share"] = frame["use"] / frame["capacity"].where(frame["capacity"] > 0)
    periods = list(portfolio.periods)
    base = alt.Chart(frame, title=alt.Title(title, subtitle="share of each pool's capacity the "
                                            "funded projects need; 100 % = the limit binds"))
    cells = base.mark_rect().encode(
        x=alt.X("period:O", sort=periods, title=None),
        y=alt.Y("pool:N", title=None),
        color=alt.Color("use_share:Q", title="Use", scale=alt.Scale(domain=[0, 1],
                                                                    scheme="orangered"),
                        legend=alt.Legend(format=".0%")),
        tooltip=["pool:N", "period:O", alt.Tooltip("use:Q", format=",.0f"),
                 alt.Tooltip("capacity:Q", format=",.0f"),
                 alt.Tooltip("use_share:Q", format=".0%", title="Use")])
    text = base.mark_text(fontSize=11).encode(
        x=alt.X("period:O", sort=periods), y="pool:N",
        text=alt.Text("use_share:Q", format=".0%"),
        color=alt.condition("datum.use_share > 0.7", alt.value("white"), alt.value("#1d2733")))
    return (cells + text).properties(width=64 * len(periods), height=alt.Step(34))


def gantt_chart(portfolio, costs: pd.DataFrame, title: str = "Funded projects over the horizon"
                ) -> alt.Chart:
    """Bars from each funded project's first to last period of spend, by its (chosen) start."""
    periods = list(portfolio.periods)
    starts = getattr(portfolio, "starts", None)
    rows = []
    for pid in portfolio.selected:
        profile = costs.loc[pid, periods] if pid in costs.index else pd.Series(dtype=float)
        active = [i for i, p in enumerate(periods) if profile.get(p, 0) != 0]
        if not active:
            continue
        first, last = active[0], active[-1]
        if starts is not None and pid in starts.index and starts[pid] in periods:
            shift = periods.index(starts[pid]) - first
            first, last = first + shift, min(last + shift, len(periods) - 1)
        table = portfolio.projects.loc[pid]
        rows.append({"project_id": pid, "label": f"{pid}  {table['name']}",
                     "theme": table["theme"], "start": periods[first], "end": periods[last],
                     "start_index": first, "end_index": last + 1})
    frame = pd.DataFrame(rows).sort_values(["start_index", "end_index"]) if rows else \
        pd.DataFrame(columns=["project_id", "label", "theme", "start", "end", "start_index",
                              "end_index"])
    axis = alt.Axis(values=list(range(len(periods))), labelExpr=f"{periods}[datum.value]",
                    title=None)
    return alt.Chart(frame, title=title).mark_bar(cornerRadius=2, height=10).encode(
        x=alt.X("start_index:Q", scale=alt.Scale(domain=[0, len(periods)]), axis=axis),
        x2="end_index:Q",
        y=alt.Y("label:N", sort=frame["label"].tolist(), title=None,
                axis=alt.Axis(labelLimit=260)),
        color=alt.Color("theme:N", title="Theme"),
        tooltip=["project_id:N", "label:N", "theme:N", "start:N", "end:N"],
    ).properties(width=560, height=alt.Step(14))


def frontier_chart(frontier, title: str = "Efficient frontier: the best value at each budget",
                   current: tuple[float, float] | None = None) -> alt.Chart:
    """Best portfolio value against total budget, beside funding down the ranked list.

    The proposed portfolio (today's budget) is marked; the vertical gap between the two lines
    is the value a ranking cut-off leaves behind. *current* = (total budget, value) marks one
    more point, "current setting" (the trade-off explorer's portfolio).
    """
    frame = frontier.to_frame()
    best = frame[["budget", "value", "n_selected", "budget_scale"]].assign(
        line="optimised portfolio")
    ranked = frame[["budget", "rank_and_fund", "budget_scale"]].rename(
        columns={"rank_and_fund": "value"}).assign(line="fund down the ranked list")
    long = pd.concat([best, ranked], ignore_index=True).dropna(subset=["value"])
    currency = getattr(frontier, "currency", "")
    x = alt.X("budget:Q", title=f"Total budget ({currency})", axis=alt.Axis(format="~s"),
              scale=alt.Scale(zero=False))
    lines = alt.Chart(long).mark_line(point=True).encode(
        x=x, y=alt.Y("value:Q", title="Portfolio value", scale=alt.Scale(zero=False)),
        color=alt.Color("line:N", title=None, scale=alt.Scale(
            domain=["optimised portfolio", "fund down the ranked list"], range=[TEAL, GOLD])),
        tooltip=[alt.Tooltip("line:N", title="Portfolio"), alt.Tooltip("budget:Q", format=",.0f"),
                 alt.Tooltip("budget_scale:Q", format=".0%", title="Budget scale"),
                 alt.Tooltip("value:Q", format=",.3f")])
    proposed = frame[frame["budget_scale"] == 1.0]
    mark = alt.Chart(proposed).mark_point(shape="diamond", size=220, filled=True,
                                          color=NAVY).encode(
        x="budget:Q", y="value:Q",
        tooltip=[alt.Tooltip("budget:Q", format=",.0f", title="Today's budget"),
                 alt.Tooltip("value:Q", format=",.3f"), alt.Tooltip("n_selected:Q",
                                                                     title="Projects")])
    label = alt.Chart(proposed).mark_text(dx=10, dy=-12, align="left", color=NAVY,
                                          fontWeight="bold").encode(
        x="budget:Q", y="value:Q", text=alt.value("proposed"))
    subtitle = frontier.summary() if hasattr(frontier, "summary") else ""
    layers = lines + mark + label
    if current is not None:
        point = pd.DataFrame({"budget": [current[0]], "value": [current[1]]})
        layers += alt.Chart(point).mark_point(shape="cross", size=260, filled=True,
                                              color=GOLD).encode(
            x="budget:Q", y="value:Q",
            tooltip=[alt.Tooltip("budget:Q", format=",.0f", title="Budget"),
                     alt.Tooltip("value:Q", format=",.3f", title="Current setting")])
    return layers.properties(
        width=560, height=320, title=alt.Title(title, subtitle=_wrap(subtitle)))


def _wrap(text: str, width: int = 95) -> list[str]:
    """Split a subtitle into lines of at most *width* characters."""
    import textwrap

    return textwrap.wrap(text, width) if text else []


def decision_prices_chart(prices: pd.DataFrame, top: int = 15,
                          title: str = "What each decision costs the portfolio") -> alt.Chart:
    """Bars of the value each forced decision, dependency, group or theme limit costs."""
    frame = prices[prices["value_lost"].fillna(0) > 0].head(top).copy()
    if frame.empty:
        frame = prices.head(0).copy()
    frame["label"] = frame["rule"].astype(str).str.slice(0, 70)
    return alt.Chart(frame, title=alt.Title(title, subtitle="value gained by solving again "
                                            "without the rule; rules that cost nothing are "
                                            "not shown")).mark_bar(color=RED).encode(
        x=alt.X("value_lost:Q", title="Value lost"),
        y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=360)),
        tooltip=[alt.Tooltip("rule:N", title="Rule"), alt.Tooltip("kind:N"),
                 alt.Tooltip("value_lost:Q", format=",.3f", title="Value lost"),
                 alt.Tooltip("sentence:N", title="In words")],
    ).properties(width=420, height=alt.Step(20))


ROBUSTNESS_COLOURS = alt.Scale(domain=["core", "borderline", "exterior"], range=[TEAL, GOLD, GREY])


def _labels(ids, names) -> list[str]:
    if names is None:
        return [str(i) for i in ids]
    return [f"{i}  {names.get(i, '')}".rstrip() for i in ids]


def rank_acceptability_chart(smaa, names: pd.Series | None = None, top: int = 15,
                             ranks: int = 15, title: str = "How often each project takes each "
                             "rank") -> alt.Chart:
    """Heatmap of SMAA-2 rank acceptabilities: project x rank, darker = more often.

    The *top* projects by holistic acceptability are shown, ranks 1 to *ranks* and a last
    column for every later rank together.
    """
    table = smaa.rank_acceptability
    lead = smaa.holistic_acceptability.sort_values(ascending=False).index[:top]
    shown = table.loc[lead]
    ranks = min(int(ranks), table.shape[1])
    columns = [str(r) for r in table.columns[:ranks]]
    wide = shown.iloc[:, :ranks].set_axis(columns, axis=1)
    if table.shape[1] > ranks:
        later = f"{ranks + 1}+"
        wide[later] = shown.iloc[:, ranks:].sum(axis=1)
        columns.append(later)
    wide.index = _labels(lead, names)
    frame = wide.rename_axis(index="label", columns="rank").stack().rename(
        "acceptability").reset_index()
    base = alt.Chart(frame, title=alt.Title(title, subtitle=f"SMAA-2 rank acceptability over "
                                            f"{smaa.samples:,} weight samples; each row sums "
                                            f"to 100 %"))
    cells = base.mark_rect().encode(
        x=alt.X("rank:O", sort=columns, title="Rank (1 = best)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("label:N", sort=list(wide.index), title=None, axis=alt.Axis(labelLimit=260)),
        color=alt.Color("acceptability:Q", title="Share of samples",
                        scale=alt.Scale(domain=[0, 1], scheme="blues"),
                        legend=alt.Legend(format=".0%")),
        tooltip=[alt.Tooltip("label:N", title="Project"), alt.Tooltip("rank:O"),
                 alt.Tooltip("acceptability:Q", format=".1%", title="Share of samples")])
    text = base.transform_filter("datum.acceptability >= 0.05").mark_text(fontSize=9).encode(
        x=alt.X("rank:O", sort=columns), y=alt.Y("label:N", sort=list(wide.index)),
        text=alt.Text("acceptability:Q", format=".0%"),
        color=alt.condition("datum.acceptability > 0.5", alt.value("white"),
                            alt.value("#1d2733")))
    return (cells + text).properties(width=30 * len(columns), height=alt.Step(18))


def tornado_chart(tornado: pd.DataFrame, alternative: str | None = None,
                  names: pd.Series | None = None, criteria_names: pd.Series | None = None,
                  top: int = 10, title: str | None = None) -> alt.Chart:
    """Tornado of score swings when each criterion's weight moves by +/- x %.

    With *alternative*: one bar per criterion for that project, widest swing on top, the tick
    at today's score. Without: the *top* projects by today's score, one thin bar per
    criterion each, so the projects whose scores move most stand out.
    """
    change = tornado.attrs.get("change", None)
    by = f"+/- {change:.0%}" if change is not None else "+/- x %"
    frame = tornado.copy()
    frame["low"] = frame[["score_low", "score_high"]].min(axis=1)
    frame["high"] = frame[["score_low", "score_high"]].max(axis=1)
    frame["criterion_name"] = (frame["criterion"].map(dict(criteria_names.items()))
                               .fillna(frame["criterion"]) if criteria_names is not None
                               else frame["criterion"])
    tooltip = [alt.Tooltip("alternative_id:N", title="Project"),
               alt.Tooltip("criterion_name:N", title="Criterion"),
               alt.Tooltip("weight:Q", format=".1%", title="Weight today"),
               alt.Tooltip("score:Q", format=".3f", title="Score today"),
               alt.Tooltip("score_low:Q", format=".3f", title="Score, weight lower"),
               alt.Tooltip("score_high:Q", format=".3f", title="Score, weight higher"),
               alt.Tooltip("swing:Q", format="+.3f")]
    x = alt.X("low:Q", title="Score", scale=alt.Scale(zero=False))
    if alternative is not None:
        frame = frame[frame["alternative_id"] == alternative].assign(
            size=lambda f: (f["high"] - f["low"]))
        order = frame.sort_values("size", ascending=False)["criterion_name"].tolist()
        label = _labels([alternative], names)[0]
        base = alt.Chart(frame, title=alt.Title(
            title or f"What moves the score of {label}",
            subtitle=f"each criterion's weight {by}, the others rescaled in proportion"))
        y = alt.Y("criterion_name:N", sort=order, title=None)
        bars = base.mark_bar(color=TEAL, size=18).encode(x=x, x2="high:Q", y=y,
                                                          tooltip=tooltip)
        today = base.mark_tick(color=NAVY, thickness=2, size=26).encode(x="score:Q", y=y)
        return (bars + today).properties(width=480, height=alt.Step(30))
    lead = (frame.drop_duplicates("alternative_id").sort_values("score", ascending=False)
            ["alternative_id"].head(top).tolist())
    frame = frame[frame["alternative_id"].isin(lead)]
    labels = dict(zip(lead, _labels(lead, names)))
    frame["label"] = frame["alternative_id"].map(labels)
    base = alt.Chart(frame, title=alt.Title(
        title or "How far each project's score swings with the weights",
        subtitle=f"each criterion's weight {by}, the others rescaled in proportion; the dark "
                 "tick is today's score"))
    y = alt.Y("label:N", sort=[labels[p] for p in lead], title=None,
              axis=alt.Axis(labelLimit=260))
    bars = base.mark_bar(size=4).encode(
        x=x, x2="high:Q", y=y, yOffset=alt.YOffset("criterion_name:N"),
        color=alt.Color("criterion_name:N", title="Criterion"), tooltip=tooltip)
    today = base.mark_tick(color=NAVY, thickness=2, size=26).encode(x="score:Q", y=y)
    # A fixed height: with yOffset, a step would size each criterion's sub-band, not the row.
    return (bars + today).properties(width=480, height=34 * len(lead))


def portfolio_robustness_chart(robustness, title: str = "Core, borderline and exterior "
                               "projects") -> alt.Chart:
    """Bars of the share of scenarios whose optimal portfolio funds each project, by class."""
    frame = robustness.to_frame().reset_index()
    frame["label"] = frame["project_id"] + "  " + frame["name"].astype(str)
    frame["today"] = frame["baseline"].map({True: "funded today", False: "not funded today"})
    order = frame["label"].tolist()
    subtitle = (f"share of {robustness.scenarios} weight scenarios in which the optimal "
                f"portfolio funds the project; core: every scenario, exterior: none "
                f"(an SMAA-style estimate of RPM's core index)")
    if robustness.core_threshold < 1 or robustness.exterior_threshold > 0:
        subtitle = (f"share of {robustness.scenarios} scenarios funding each project; core at "
                    f">= {robustness.core_threshold:.0%}, exterior at <= "
                    f"{robustness.exterior_threshold:.0%}")
    return alt.Chart(frame, title=alt.Title(title, subtitle=_wrap(subtitle))).mark_bar().encode(
        x=alt.X("share:Q", title="Share of scenarios funded",
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%")),
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
        color=alt.Color("robustness:N", scale=ROBUSTNESS_COLOURS, title="Robustness"),
        opacity=alt.Opacity("today:N", title=None, scale=alt.Scale(
            domain=["funded today", "not funded today"], range=[1.0, 0.55])),
        tooltip=[alt.Tooltip("project_id:N", title="Project"), alt.Tooltip("name:N"),
                 alt.Tooltip("share:Q", format=".1%", title="Funded in"),
                 alt.Tooltip("robustness:N"), alt.Tooltip("decision:N"),
                 alt.Tooltip("today:N", title="Today")],
    ).properties(width=480, height=alt.Step(13))


__all__ += ["department_demand_chart", "dependency_matrix_chart", "rag_benefits_chart",
            "theme_drift_chart"]

RAG_COLOURS = alt.Scale(domain=["green", "amber", "red", "no report"],
                        range=["#3c8d5a", GOLD, RED, GREY])


def rag_benefits_chart(execution, title: str = "Delivery status and benefits of the in-flight "
                       "projects") -> alt.Chart:
    """Forecast against realised benefit per in-flight project, with its RAG at the left.

    *execution* is an :class:`~seo_workbench.execution.ExecutionResult`.
    """
    frame = execution.projects.reset_index()
    frame["label"] = frame["project_id"] + "  " + frame["name"].astype(str)
    frame["rag"] = frame["rag"].where(frame["rag"] != "", "no report")
    frame["trend"] = frame["trend"].fillna("")
    order = frame["label"].tolist()
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260,
                                                                labelPadding=24))
    tooltip = [alt.Tooltip("label:N", title="Project"), alt.Tooltip("owner:N"),
               alt.Tooltip("rag:N", title="RAG"), alt.Tooltip("trend:N", title="Since last"),
               alt.Tooltip("forecast_benefit:Q", format=",.0f", title="Forecast benefit"),
               alt.Tooltip("realised_benefit:Q", format=",.0f", title="Realised so far"),
               alt.Tooltip("percent_complete:Q", format=".0f", title="% complete")]
    base = alt.Chart(frame)
    x = alt.X("forecast_benefit:Q", title=f"Benefit ({execution.currency})",
              axis=alt.Axis(format="~s"))
    forecast = base.mark_bar(color=GREY, size=12).encode(x=x, y=y, tooltip=tooltip)
    realised = base.mark_bar(color=TEAL, size=12).encode(x="realised_benefit:Q", y=y,
                                                         tooltip=tooltip)
    rag = base.mark_circle(size=140, opacity=1).encode(
        x=alt.value(-12), y=y, color=alt.Color("rag:N", scale=RAG_COLOURS, title="RAG"),
        tooltip=tooltip)
    subtitle = (f"as reported for {execution.quarter}; grey = benefit now forecast, teal = "
                "realised so far; the dot is the RAG status")
    return (forecast + realised + rag).properties(
        width=480, height=alt.Step(20), title=alt.Title(title, subtitle=subtitle))


def theme_drift_chart(focus, title: str = "Spend by theme against the strategy") -> alt.Chart:
    """Each theme's share of spend, its target share and its allowed band.

    *focus* is a :class:`~seo_workbench.focus.FocusResult`: the funded portfolio's shares when
    it was measured on one, else the spend to date.
    """
    frame = focus.theme_drift.reset_index()
    column = "funded_share" if focus.funded_only else "share_to_date"
    frame["share"] = frame[column]
    frame["drift"] = frame["share"] - frame["target_share"]
    frame["low"] = frame["min_share"].fillna(0.0)
    frame["high"] = frame["max_share"].fillna(1.0)
    what = "funded portfolio" if focus.funded_only else "spend to date"
    y = alt.Y("theme:N", title=None, sort=frame["theme"].tolist())
    x = alt.X("low:Q", title=f"Share of the {what}", axis=alt.Axis(format=".0%"),
              scale=alt.Scale(domain=[0, max(0.5, float(frame["high"].clip(upper=1).max()))]))
    tooltip = [alt.Tooltip("theme:N"), alt.Tooltip("share:Q", format=".1%", title="Share"),
               alt.Tooltip("target_share:Q", format=".1%", title="Target"),
               alt.Tooltip("drift:Q", format="+.1%", title="Drift"),
               alt.Tooltip("min_share:Q", format=".0%", title="Minimum"),
               alt.Tooltip("max_share:Q", format=".0%", title="Maximum")]
    base = alt.Chart(frame)
    band = base.mark_bar(color="#e3e8ee", size=18).encode(x=x, x2="high:Q", y=y,
                                                           tooltip=tooltip)
    target = base.mark_tick(color=NAVY, thickness=3, size=24).encode(x="target_share:Q", y=y,
                                                                     tooltip=tooltip)
    share = base.mark_point(filled=True, size=120, color=TEAL).encode(x="share:Q", y=y,
                                                                      tooltip=tooltip)
    return (band + target + share).properties(width=480, height=alt.Step(34), title=alt.Title(
        title, subtitle=f"dot = share of the {what}; dark tick = target share; grey band = "
                        "allowed minimum to maximum"))


def dependency_matrix_chart(focus, title: str = "Which departments depend on which"
                            ) -> alt.Chart:
    """Heatmap of 'requires' and 'with' links: the department that needs x the one it needs."""
    matrix = focus.dependency_matrix
    frame = matrix.stack().rename("links").reset_index()
    order = list(matrix.index)
    base = alt.Chart(frame, title=alt.Title(title, subtitle="number of links from projects of "
                                            "the row's department to projects of the column's; "
                                            "off the diagonal = across departments"))
    cells = base.mark_rect(stroke="white").encode(
        x=alt.X("other_department:N", sort=order, title="needs projects of",
                axis=alt.Axis(labelAngle=-30, labelLimit=160)),
        y=alt.Y("department:N", sort=order, title="Projects of",
                axis=alt.Axis(labelLimit=180)),
        color=alt.condition("datum.links > 0", alt.Color(
            "links:Q", title="Links", scale=alt.Scale(scheme="blues", domainMin=0),
            legend=alt.Legend(format="d", tickMinStep=1)), alt.value("#f5f7fa")),
        tooltip=[alt.Tooltip("department:N", title="Projects of"),
                 alt.Tooltip("other_department:N", title="need projects of"),
                 alt.Tooltip("links:Q", title="Links")])
    text = base.transform_filter("datum.links > 0").mark_text(fontSize=12).encode(
        x=alt.X("other_department:N", sort=order), y=alt.Y("department:N", sort=order),
        text="links:Q", color=alt.value("#1d2733"))
    return (cells + text).properties(width=alt.Step(70), height=alt.Step(34))


def department_demand_chart(focus, title: str = "Capacity demand by department and quarter"
                            ) -> alt.Chart:
    """Heatmap of what each department's projects ask of the resource pools, by period."""
    matrix = focus.demand
    frame = matrix.stack().rename("demand").reset_index()
    by_pool = focus.demand_by_pool
    pools = ", ".join(sorted(by_pool["pool"].unique())) if len(by_pool) else "none"
    periods = list(matrix.columns)
    what = "funded projects" if focus.funded_only else "all candidates"
    base = alt.Chart(frame, title=alt.Title(title, subtitle=_wrap(
        f"demand of the {what} on every pool together, in the pools' units ({pools})")))
    cells = base.mark_rect().encode(
        x=alt.X("period:O", sort=periods, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("department:N", title=None, axis=alt.Axis(labelLimit=180)),
        color=alt.Color("demand:Q", title="Demand", scale=alt.Scale(scheme="orangered",
                                                                     domainMin=0)),
        tooltip=["department:N", "period:O", alt.Tooltip("demand:Q", format=",.0f")])
    text = base.mark_text(fontSize=10).encode(
        x=alt.X("period:O", sort=periods), y="department:N",
        text=alt.Text("demand:Q", format=",.0f"),
        color=alt.condition(f"datum.demand > {0.6 * float(frame['demand'].max() or 1)}",
                            alt.value("white"), alt.value("#1d2733")))
    return (cells + text).properties(width=64 * len(periods), height=alt.Step(30))


__all__ += ["rank_slope_chart", "value_waterfall_chart"]


def rank_slope_chart(changes, top: int = 15, title: str = "How the ranking moved since last "
                     "quarter") -> alt.Chart:
    """Slope chart of each project's rank last quarter and now (1 at the top).

    The *top* projects by rank now, plus every project that entered or left the portfolio
    and the largest movers; new projects start at "new", withdrawn ones end at "gone".
    """
    ranks = changes.ranks
    first, last = ranks.columns[0], ranks.columns[-1]
    shown = set(ranks[last].nsmallest(top).index) | set(changes.changes.index) | set(
        changes.movers.head(5).index)
    moves = changes.changes["move"].to_dict()
    rows = []
    for p in ranks.index:
        if p not in shown:
            continue
        label = f"{p}  {changes.names.get(p, '')}".rstrip()
        note = {"enters": "enters the portfolio", "leaves": "leaves the portfolio"}.get(
            moves.get(p), "no change in funding")
        for when, column in (("last quarter", first), ("this quarter", last)):
            rank = ranks.at[p, column]
            if pd.notna(rank):
                rows.append({"project": label, "when": when, "rank": float(rank),
                             "funding": note})
    frame = pd.DataFrame(rows, columns=["project", "when", "rank", "funding"])
    colours = alt.Scale(domain=["enters the portfolio", "leaves the portfolio",
                                "no change in funding"], range=[TEAL, RED, GREY])
    base = alt.Chart(frame, title=alt.Title(title, subtitle=f"{changes.previous_quarter} to "
                                            f"{changes.quarter}; rank 1 is the best score"))
    encode = {"x": alt.X("when:N", sort=["last quarter", "this quarter"], title=None,
                         axis=alt.Axis(labelAngle=0, orient="top")),
              "y": alt.Y("rank:Q", scale=alt.Scale(reverse=True, zero=False), title="Rank"),
              "color": alt.Color("funding:N", scale=colours, title=None),
              "detail": "project:N",
              "tooltip": [alt.Tooltip("project:N"), alt.Tooltip("when:N"),
                          alt.Tooltip("rank:Q", format=".0f"), alt.Tooltip("funding:N")]}
    lines = base.mark_line(point=True, strokeWidth=2).encode(**encode)
    labels = base.transform_filter(
        (alt.datum.when == "this quarter") & (alt.datum.funding != "no change in funding")
    ).mark_text(
        align="left", dx=8, fontSize=10).encode(
        x=encode["x"], y=encode["y"], text="project:N", color=encode["color"])
    return (lines + labels).properties(width=260, height=max(240, 16 * len(shown)))


def value_waterfall_chart(changes, title: str = "Portfolio value: last quarter to this, by "
                          "cause") -> alt.Chart:
    """Waterfall of the portfolio's value from last quarter to this, one bar per cause."""
    from .changes import CAUSES

    steps = changes.steps
    rows = [{"bar": f"{changes.previous_quarter} portfolio", "start": 0.0,
             "end": float(steps["value"].iloc[0]), "kind": "total", "order": 0}]
    level = float(steps["value"].iloc[0])
    for i, (_, r) in enumerate(steps.iloc[1:].iterrows(), 1):
        change = 0.0 if pd.isna(r["change"]) else float(r["change"])
        rows.append({"bar": CAUSES.get(r["cause"], r["cause"]), "start": level,
                     "end": level + change, "order": i,
                     "kind": "up" if change > 1e-12 else "down" if change < -1e-12 else "none"})
        level += change
    rows.append({"bar": f"{changes.quarter} portfolio", "start": 0.0, "end": level,
                 "kind": "total", "order": len(rows)})
    frame = pd.DataFrame(rows)
    frame["change"] = frame["end"] - frame["start"]
    # The steps are small beside the totals: start the axis near the lowest level so that
    # each step's bar can be seen, and say so in the subtitle.
    levels = pd.concat([frame["end"], frame.loc[frame["kind"] != "total", "start"]])
    low, high = float(levels.min()), float(levels.max())
    pad = max((high - low) * 0.25, abs(high) * 1e-3, 1e-9)
    floor = low - pad
    frame.loc[frame["kind"] == "total", "start"] = floor
    colours = alt.Scale(domain=["total", "up", "down", "none"], range=[NAVY, TEAL, RED, GREY])
    return alt.Chart(frame, title=alt.Title(title, subtitle=[
        "each bar swaps one group of inputs from last quarter's to this quarter's, in this "
        "order", "the value axis does not start at 0"])).mark_bar(size=28).encode(
        x=alt.X("bar:N", sort=alt.EncodingSortField("order"), title=None,
                axis=alt.Axis(labelAngle=-30, labelLimit=200)),
        y=alt.Y("start:Q", title="Portfolio value",
                scale=alt.Scale(zero=False, domain=[floor, high + pad], nice=False)),
        y2="end:Q",
        color=alt.Color("kind:N", scale=colours, legend=None),
        tooltip=[alt.Tooltip("bar:N", title="Step"),
                 alt.Tooltip("change:Q", format="+,.3f", title="Change"),
                 alt.Tooltip("end:Q", format=",.3f", title="Value after")],
    ).properties(width=460, height=300)

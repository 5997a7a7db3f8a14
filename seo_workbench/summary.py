"""The executive summary: the recommendation in sentences, from the facts each chapter saved.

Each chapter notebook saves its headline facts into the run folder's ``facts.json`` (one key
per chapter, plain JSON) with :func:`save_facts`; after the last chapter the run turns them
into the summary that opens the board pack (:func:`executive_summary`). The summary is built
from what the chapters computed, never recomputed, so it cannot disagree with them.

>>> facts = {"portfolio": {"status": "optimal", "selected": ["P01", "P02"], "candidates": 5,
...          "cost": 3.2e6, "budget": 4e6, "currency": "EUR", "value": 1.5, "gap": 0.0,
...          "names": {"P01": "CRM", "P02": "Billing"}, "left_out": [], "forced": []}}
>>> executive_summary(facts)[0].text
'Fund 2 of 5 projects (CRM and Billing) for EUR 3.2m, 80% of the EUR 4.0m budget over the horizon.'
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = [
    "FACTS_JSON",
    "Finding",
    "alignment_facts",
    "executive_summary",
    "portfolio_facts",
    "read_facts",
    "review_facts",
    "robustness_facts",
    "save_facts",
    "summary_html",
]

FACTS_JSON = "facts.json"
_LISTED = 4  # names spelled out in a sentence before "and N more"


@dataclass(frozen=True)
class Finding:
    """One paragraph of the summary: what it is about, and the sentence."""

    topic: str  # recommendation, value, left out, rules, robustness, alignment, delivery, ...
    text: str


# -- facts saved by the chapters ------------------------------------------------------------


def save_facts(output_dir: Path | str | None, part: str, facts: Mapping) -> None:
    """Merge one chapter's *facts* under *part* into the run folder's ``facts.json``.

    Nothing is written when *output_dir* is empty (a notebook run by hand).
    """
    if not output_dir:
        return
    path = Path(output_dir) / FACTS_JSON
    found = read_facts(path.parent)
    found[part] = json.loads(json.dumps(facts, default=_plain))
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(found, indent=2), encoding="utf-8")
    tmp.replace(path)


def read_facts(run_dir: Path | str) -> dict:
    """The facts a run's chapters saved (empty when none were)."""
    try:
        found = json.loads((Path(run_dir) / FACTS_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _plain(value):
    """JSON for numpy scalars and other simple objects."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def alignment_facts(alignment) -> dict:
    """Headline facts of the executive alignment chapter."""
    shaky = list(dict.fromkeys(alignment.inconsistencies["executive"]))
    return {"consensus": float(alignment.consensus), "label": alignment.consensus_label,
            "kendall_w": float(alignment.kendall_w),
            "executives": len(alignment.consistency_ratio),
            "clusters": [list(group) for group in alignment.clusters],
            "inconsistent": shaky, "agenda": alignment.agenda_sentences(3)}


def portfolio_facts(model, ranking, portfolio, prices: pd.DataFrame | None = None,
                    frontier=None, explained: pd.DataFrame | None = None) -> dict:
    """Headline facts of the portfolio chapter: what is funded, at what cost, what is left out.

    *explained* is :func:`seo_workbench.decisions.explain_selection`'s table; the best-ranked
    projects left out are taken from it with their reasons.
    """
    summary = portfolio.summary()
    names = model.projects["name"].astype(str).to_dict()
    facts = {"status": summary["status"], "solver": summary["solver"],
             "gap": _number(summary.get("gap")), "value": _number(summary.get("value")),
             "cost": _number(summary.get("cost")), "candidates": int(summary["candidates"]),
             "selected": list(portfolio.selected), "names": names,
             "currency": model.settings.currency or "",
             "budget": _number(model.settings.total_budget)
             if model.settings.total_budget else _number(portfolio.spend["budget"].sum()),
             "left_out": [], "forced": [], "costliest_rule": None, "left_behind": None}
    if explained is not None and not explained.empty:
        ranks = ranking.ranks.reindex(explained.index)
        out = explained.assign(rank=ranks)[~explained["selected"].astype(bool)]
        out = out[out["decision"] != "must_not"].sort_values("rank").head(3)
        facts["left_out"] = [{"id": i, "rank": int(r["rank"]), "reasons": str(r["reasons"])}
                             for i, r in out.iterrows()]
    forced = portfolio.projects[portfolio.projects["decision"].isin(["must", "must_not"])]
    reasons = forced["decision_reason"].fillna("").astype(str)
    facts["forced"] = [{"id": i, "decision": r["decision"], "reason": reasons[i]}
                       for i, r in forced.iterrows()]
    if prices is not None and not prices.empty and (prices["value_lost"] > 0).any():
        worst = prices.sort_values("value_lost", ascending=False).iloc[0]
        share = worst["value_lost"] / summary["value"] if summary.get("value") else float("nan")
        facts["costliest_rule"] = {"rule": str(worst["rule"]),
                                   "value_lost": _number(worst["value_lost"]),
                                   "share": _number(share), "sentence": str(worst["sentence"])}
    if frontier is not None and frontier.left_behind is not None:
        facts["left_behind"] = {"value": _number(frontier.left_behind.value),
                                "share": _number(frontier.left_behind.share)}
    return facts


def robustness_facts(robustness, smaa=None) -> dict:
    """Headline facts of the robustness chapter."""
    facts = {"scenarios": int(robustness.scenarios), "core": list(robustness.core),
             "borderline": list(robustness.borderline), "exterior": list(robustness.exterior),
             "baseline": list(robustness.baseline)}
    if smaa is not None:
        top = smaa.rank_acceptability.iloc[:, 0].sort_values(ascending=False)
        facts["first_place"] = {"id": str(top.index[0]), "share": _number(top.iloc[0])}
        facts["samples"] = int(smaa.samples)
    return facts


def review_facts(execution=None, decisions=None, focus=None, changes=None) -> dict:
    """Headline facts of the quarterly review: delivery, continue/stop, focus, what changed."""
    from .changes import describe_changes

    facts: dict = {}
    if execution is not None:
        facts["delivery"] = execution.to_sentences()[:1]
        rag = execution.projects["rag"].value_counts()
        facts["rag"] = {str(k): int(v) for k, v in rag.items()}
    if decisions is not None:
        facts["continuation"] = decisions.to_sentences()[:1]
    if focus is not None:
        facts["focus"] = focus.to_sentences()[1:2]
    facts["changes"] = describe_changes(changes)[:2] if changes else []
    facts["compared"] = bool(changes)
    return facts


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


# -- the summary ---------------------------------------------------------------------------


def _money(amount: float | None, currency: str) -> str:
    """2.4m, 850k: money as a board reads it.

    >>> _money(56_830_000, "EUR"), _money(850_000, ""), _money(None, "EUR")
    ('EUR 56.8m', '850k', 'an unknown amount')
    """
    if amount is None:
        return "an unknown amount"
    size = abs(amount)
    text = (f"{amount / 1e9:.1f}bn" if size >= 1e9 else f"{amount / 1e6:.1f}m" if size >= 1e6
            else f"{amount / 1e3:.0f}k" if size >= 1e3 else f"{amount:,.0f}")
    return f"{currency} {text}".strip()


def _listing(items: Sequence[str], limit: int = _LISTED) -> str:
    """A, B and C; or A, B, C, D and 5 more.

    >>> _listing(["A"]), _listing(["A", "B", "C"]), _listing(list("ABCDEFG"))
    ('A', 'A, B and C', 'A, B, C, D and 3 more')
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    if len(items) > limit:
        return f"{', '.join(items[:limit])} and {len(items) - limit} more"
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _named(ids: Sequence[str], names: Mapping[str, str]) -> list[str]:
    return [f"{names[i]} ({i})" if names.get(i) and names[i] != i else i for i in ids]


def executive_summary(facts: Mapping) -> list[Finding]:
    """The recommendation in sentences, from the chapters' facts (missing chapters are skipped).

    In the order a board asks: what to fund and what it costs, what it leaves out and what
    the board's own decisions cost, how robust it is, where the executives disagree, how
    delivery is going and what changed since last quarter.
    """
    found: list[Finding] = []
    portfolio = facts.get("portfolio")
    if portfolio:
        found.extend(_portfolio_findings(portfolio))
    robustness = facts.get("robustness")
    if robustness:
        found.append(_robustness_finding(robustness, (portfolio or {}).get("names", {})))
    alignment = facts.get("alignment")
    if alignment:
        found.append(_alignment_finding(alignment))
    review = facts.get("review")
    if review:
        found.extend(_review_findings(review))
    return found


def _portfolio_findings(p: Mapping) -> list[Finding]:
    names = p.get("names", {})
    currency = p.get("currency", "")
    if p.get("status") == "infeasible" or not p.get("selected"):
        return [Finding("recommendation", "No portfolio meets every constraint: see the "
                        "portfolio chapter for the conflicting rules and how to resolve them.")]
    chosen = [names.get(i, i) for i in p["selected"]]
    share = (f", {p['cost'] / p['budget']:.0%} of the {_money(p['budget'], currency)} budget "
             "over the horizon" if p.get("budget") and p.get("cost") is not None else "")
    text = (f"Fund {len(chosen)} of {p['candidates']} projects ({_listing(chosen)}) for "
            f"{_money(p.get('cost'), currency)}{share}.")
    found = [Finding("recommendation", text)]
    status = p.get("status", "")
    if status != "optimal":
        gap = p.get("gap")
        found.append(Finding("recommendation",
                             f"The solver stopped at its time limit: the portfolio is within "
                             f"{gap:.2%} of the best possible." if gap is not None
                             else f"The solver's status is {status}."))
    if p.get("left_behind") and p["left_behind"].get("share"):
        lb = p["left_behind"]
        found.append(Finding("value", f"Funding down the ranked list instead would leave "
                                     f"{lb['share']:.1%} of this value behind."))
    if p.get("left_out"):
        parts = [f"{_named([o['id']], names)[0]}, ranked {o['rank']}, is out: "
                 f"{o['reasons'].split(';')[0].strip()}" for o in p["left_out"]]
        found.append(Finding("left out", "Left out despite a high rank: " + "; ".join(parts)
                             + "."))
    if p.get("costliest_rule"):
        rule = p["costliest_rule"]
        share = f" ({rule['share']:.1%} of the portfolio's value)" if rule.get("share") else ""
        found.append(Finding("rules", f"The rule that costs most is '{rule['rule']}': without it "
                                      f"the portfolio would be worth {rule['value_lost']:.3g} "
                                      f"more{share}."))
    return found


def _robustness_finding(r: Mapping, names: Mapping[str, str]) -> Finding:
    core, borderline = r.get("core", []), r.get("borderline", [])
    text = (f"Across {r['scenarios']} weight scenarios, {len(core)} projects are funded every "
            f"time (core)")
    if borderline:
        text += (f" and {len(borderline)} are borderline, funded in some scenarios only: "
                 f"{_listing(_named(borderline, names))}. Decide these with most care")
    else:
        text += "; no project is borderline, so the recommendation holds for every weighting "
        text += "the scenarios tried"
    return Finding("robustness", text + ".")


def _alignment_finding(a: Mapping) -> Finding:
    text = (f"The {a.get('executives', '')} executives' consensus is {a['consensus']:.0f} % "
            f"({a['label']}).").replace("The  executives", "The executives")
    if a.get("agenda"):
        text += f" They disagree most here: {a['agenda'][0]}"
        if not text.endswith("."):
            text += "."
    if a.get("inconsistent"):
        text += (f" The judgements of {_listing(a['inconsistent'])} are inconsistent and should "
                 "be revisited.")
    return Finding("alignment", text)


def _review_findings(r: Mapping) -> list[Finding]:
    found = [Finding("delivery", s) for s in r.get("delivery", [])]
    found += [Finding("continuation", s) for s in r.get("continuation", [])]
    if r.get("changes"):
        found.extend(Finding("change", s) for s in r["changes"][:1])
    elif not r.get("compared"):
        found.append(Finding("change", "There is no earlier quarter's run to compare with."))
    return found


def summary_html(findings: Sequence[Finding]) -> str:
    """The summary as HTML for the pack: one list, the topic in bold (all text escaped)."""
    if not findings:
        return "<p>No chapter saved its results, so there is nothing to summarise.</p>"
    items = "".join(f'<li><strong>{html.escape(f.topic.capitalize())}.</strong> '
                    f"{html.escape(f.text)}</li>" for f in findings)
    return f'<ul class="board-summary-list">{items}</ul>'

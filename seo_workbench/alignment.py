"""Executive alignment: how far the executives agree on what matters, and where they do not.

:func:`align` takes the executives' pairwise judgements of the criteria (sheet ``judgements``)
and returns an :class:`AlignmentResult`: each executive's AHP weights and consistency ratio, the
group's weights (by aggregating their judgements or their priorities), how much they agree
(Goepel's AHP consensus indicator S*, Kendall's W, pairwise similarity and groups of like-minded
executives), the criterion pairs on which they disagree most, worded for the board, and, for an
executive whose judgements contradict each other, questions to put back to them.
"""

from __future__ import annotations

import datetime
import html
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

from .ahp import AHP_METHODS, RECIPROCAL_TOLERANCE, AHPResult, ahp
from .errors import ValidationError, WorkbenchWarning, choose

__all__ = [
    "AGGREGATIONS",
    "CLUSTER_SIMILARITY",
    "CONSENSUS_WORDS",
    "QUESTIONS_PER_EXECUTIVE",
    "SAATY_SCALE_MAX",
    "AlignmentResult",
    "align",
]

EXECUTIVE, CRITERION_A, CRITERION_B, VALUE, COMMENT = (
    "executive", "criterion_a", "criterion_b", "value", "comment")
ROW = "_row"  # Excel row number, as the workbook reader records it while validating
REQUIRED_COLUMNS = (EXECUTIVE, CRITERION_A, CRITERION_B, VALUE)
WEIGHT, CRITERION, NAME, CR = "weight", "criterion", "name", "cr"
NAME_A, NAME_B = "name_a", "name_b"
SPREAD, LOG_SD, JUDGED_BY, OPPOSED, SENTENCE = (
    "spread", "log_sd", "judged_by", "opposed", "sentence")
HIGH_EXECUTIVE, HIGH_VALUE, HIGH_COMMENT = "high_executive", "high_value", "high_comment"
LOW_EXECUTIVE, LOW_VALUE, LOW_COMMENT = "low_executive", "low_value", "low_comment"
JUDGED, CONSISTENT, SUGGESTED, ERROR, QUESTION = (
    "judged", "consistent", "suggested", "error", "question")
CRITERIA_STEP = "Criteria (id and name)"

#: M, the largest judgement on Saaty's scale; Goepel's S* uses it for the least diverse priorities.
SAATY_SCALE_MAX = 9.0
_SCALE_SLACK = 1e-6  # relative: 0.1111111 typed for 1/9 is on the scale
#: Goepel's words for S* in percent, as AHP-OS prints them: each word covers values up to and
#: including its bound (very low <= 50 < low <= 65 < moderate <= 75 < high <= 85 < very high).
CONSENSUS_WORDS: tuple[tuple[float, str], ...] = (
    (50.0, "very low"), (65.0, "low"), (75.0, "moderate"), (85.0, "high"), (100.0, "very high"))
#: Executives whose pairwise S* averages at least this (percent) between groups are merged into
#: one like-minded group: the lower bound of Goepel's "very high" band, and the threshold that
#: AHP-OS's group consensus cluster analysis chose in Goepel's worked example (BPMSG, 2022).
CLUSTER_SIMILARITY = 85.0
#: At most this many questions are put to each inconsistent executive, worst judgement first.
QUESTIONS_PER_EXECUTIVE = 3
_RANK_DECIMALS = 9  # executive weights equal to this many decimals share a rank in Kendall's W
_SHOWN = 20  # problems quoted in one message


@dataclass(frozen=True, eq=False)
class AlignmentResult:
    """How far the executives agree on the criteria weights, and where they disagree."""

    group_weights: pd.Series  # by criterion, sums to 1, name "weight"
    executive_weights: pd.DataFrame  # executive x criterion, each row sums to 1
    consistency_ratio: pd.Series  # by executive
    consensus: float  # Goepel's AHP consensus S*, 0..100 (percent)
    consensus_label: str  # Goepel's word for it: very low, low, moderate, high, very high
    kendall_w: float  # Kendall's W on the executives' rankings of the criteria, 0..1
    agenda: pd.DataFrame  # one row per judged criterion pair, widest disagreement first
    group_cr: float  # consistency ratio of the aggregated (weighted geometric mean) matrix
    similarity: pd.DataFrame  # executive x executive, pairwise S* in percent
    clusters: list[list[str]]  # like-minded groups of executives, largest first
    inconsistencies: pd.DataFrame  # judgements to revisit, for executives with CR > threshold
    aggregation: str  # "aij", "aip" or "aip_arithmetic"
    steps: Mapping[str, pd.DataFrame] = field(default_factory=dict)  # caption -> table, in order

    def agenda_sentences(self, k: int = 3) -> list[str]:
        """The *k* criterion pairs the executives disagree on most, as sentences for the board.

        Pairs on which every executive who judged them agrees are left out, so fewer than *k*
        sentences come back when the team disagrees on fewer pairs.
        """
        shown = self.agenda[self.agenda[SPREAD] > 0].head(max(int(k), 0))
        return list(shown[SENTENCE])

    def questions(self) -> list[str]:
        """Questions to put back to the inconsistent executives, worst judgement first."""
        return list(self.inconsistencies[QUESTION])

    def _repr_html_(self) -> str:
        names = _names_from_steps(self.steps)
        weights = self.executive_weights.copy()
        group = f"Group ({self.aggregation.upper()})"
        weights.loc[group, :] = self.group_weights
        weights[CR] = self.consistency_ratio.reindex(weights.index)
        weights.loc[group, CR] = self.group_cr
        weights = weights.rename(columns=names)
        shaky = [str(e) for e in dict.fromkeys(self.inconsistencies[EXECUTIVE])]
        text = (f"Alignment of {len(self.executive_weights)} executives on "
                f"{len(self.group_weights)} criteria ({html.escape(self.aggregation.upper())}): "
                f"consensus <b>{self.consensus:.1f}%</b> ({html.escape(self.consensus_label)}, "
                f"Goepel's S*), Kendall's W = {self.kendall_w:.2f}, group CR = "
                f"{self.group_cr:.3f}. Like-minded groups: "
                + "; ".join(html.escape(", ".join(g)) for g in self.clusters) + ".")
        if shaky:
            text += " Inconsistent judgements: " + html.escape(", ".join(shaky)) + "."
        parts = [f"<p>{text}</p>", weights.to_html(float_format="{:.3f}".format)]
        sentences = self.agenda_sentences()
        if sentences:
            parts.append("<p><b>Disagreement agenda</b></p><ol>"
                         + "".join(f"<li>{html.escape(s)}</li>" for s in sentences) + "</ol>")
        questions = self.questions()
        if questions:
            parts.append("<p><b>Questions for inconsistent executives</b></p><ul>"
                         + "".join(f"<li>{html.escape(q)}</li>" for q in questions) + "</ul>")
        return "".join(parts)


def _names_from_steps(steps: Mapping[str, pd.DataFrame]) -> dict:
    table = steps.get(CRITERIA_STEP)
    return {} if table is None else dict(table[NAME])


# Kernels: they trust their inputs (priority vectors > 0 that sum to 1, weights >= 0 not all 0).


def _entropy(p: np.ndarray) -> float:
    """Shannon entropy (natural log) of a probability vector."""
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def _alpha_min_diversity(n: int, scale_max: float = SAATY_SCALE_MAX) -> float:
    """Goepel's D_alpha,min: the Hill number of (M, 1, ..., 1) / (n + M - 1).

    These are the priorities of a consistent judge who rates one criterion M times as important
    as every other and the others equal, the least diverse priorities the 1..M scale allows.

    >>> round(_alpha_min_diversity(2), 6)  # exp(H(0.9, 0.1))
    1.384145
    """
    w = np.r_[scale_max, np.ones(n - 1)] / (n + scale_max - 1)
    return math.exp(_entropy(w))


def _shannon_partition(priorities: np.ndarray, shares: np.ndarray) -> dict[str, float]:
    """Goepel's AHP consensus S* of K priority vectors (rows) weighted by *shares*.

    H_alpha = sum_k v_k H(w_k) and H_gamma = H(sum_k v_k w_k) (Jost's weighted Shannon
    partition; equal v_k gives AHP-OS's formula), D_beta = exp(H_gamma - H_alpha), the relative
    homogeneity S = (1/D_beta - 1/n) / (1 - 1/n) and the AHP consensus
    S* = (1/D_beta - D_alpha,min/n) / (1 - D_alpha,min/n).

    >>> p = np.array([[0.5, 0.3, 0.2], [0.5, 0.3, 0.2]])
    >>> _shannon_partition(p, np.array([1.0, 1.0]))["s_star"]
    1.0
    """
    v = shares / shares.sum()
    h_alpha = float(sum(vk * _entropy(row) for vk, row in zip(v, priorities)))
    h_gamma = _entropy(v @ priorities)
    h_beta = max(h_gamma - h_alpha, 0.0)  # >= 0 by concavity; clears rounding noise
    n = priorities.shape[1]
    d_beta = math.exp(h_beta)
    floor = _alpha_min_diversity(n) / n
    return {"h_alpha": h_alpha, "h_gamma": h_gamma, "h_beta": h_beta,
            "d_alpha": math.exp(h_alpha), "d_gamma": math.exp(h_gamma), "d_beta": d_beta,
            "d_alpha_min": _alpha_min_diversity(n), "d_gamma_max": float(n),
            "homogeneity": (1 / d_beta - 1 / n) / (1 - 1 / n),
            "s_star": (1 / d_beta - floor) / (1 - floor)}


def _kendall_w(scores: np.ndarray) -> dict[str, float]:
    """Kendall's W, with the correction for ties, of m judges (rows) scoring n objects.

    Each judge's scores are ranked (ties get their mean rank); with R_i the rank total of
    object i, S = sum (R_i - mean R)^2 and T = sum over judges and tie groups of t^3 - t,
    W = 12 S / (m^2 (n^3 - n) - m T), and m (n - 1) W is chi-square with n - 1 degrees of freedom.

    >>> _kendall_w(np.array([[3, 2, 1], [3, 2, 1]]))["w"]
    1.0
    """
    ranks = np.vstack([stats.rankdata(row) for row in scores])
    m, n = ranks.shape
    totals = ranks.sum(axis=0)
    s = float(((totals - totals.mean()) ** 2).sum())
    ties = 0.0
    for row in ranks:
        _, counts = np.unique(row, return_counts=True)
        ties += float((counts ** 3 - counts).sum())
    denominator = m * m * (n ** 3 - n) - m * ties
    # every judge tied every object: they agree completely, though the formula reads 0/0
    w = 12 * s / denominator if denominator > 0 else 1.0
    chi_square = m * (n - 1) * w
    return {"w": w, "chi_square": chi_square, "df": float(n - 1),
            "p_value": float(stats.chi2.sf(chi_square, n - 1)), "judges": float(m),
            "objects": float(n), "tie_correction": ties}


def _aip_geometric(group: AHPResult, individual: pd.DataFrame, shares: pd.Series) -> pd.Series:
    """Weighted geometric mean of the individual priority vectors, normalised."""
    logs = np.log(individual.to_numpy(float))
    w = np.exp(shares.to_numpy() @ logs / shares.sum())
    return pd.Series(w / w.sum(), index=individual.columns, name=WEIGHT)


def _aip_arithmetic(group: AHPResult, individual: pd.DataFrame, shares: pd.Series) -> pd.Series:
    """Weighted arithmetic mean of the individual priority vectors."""
    w = shares.to_numpy() @ individual.to_numpy(float) / shares.sum()
    return pd.Series(w / w.sum(), index=individual.columns, name=WEIGHT)


def _aij(group: AHPResult, individual: pd.DataFrame, shares: pd.Series) -> pd.Series:
    """Weights of the matrix of weighted geometric means of the judgements."""
    return group.weights.rename(WEIGHT)


#: How the executives' views become the group's weights: name -> kernel(aggregated-judgement
#: result, individual weights (executive x criterion), voting weights) -> weights by criterion.
AGGREGATIONS: dict[str, Callable] = {"aij": _aij, "aip": _aip_geometric,
                                     "aip_arithmetic": _aip_arithmetic}


# Reading the judgements table.


def _show(x: float) -> str:
    """A judgement as people write it: 3, 1/3, 2.5."""
    if x > 0 and x < 1 and abs(1 / x - round(1 / x)) < 1e-6:
        return f"1/{round(1 / x)}"
    return f"{x:g}"


def _times(x: float) -> str:
    """A ratio >= 1 for a sentence: whole numbers as such, others to one decimal."""
    return str(round(x)) if abs(x - round(x)) < 0.05 else f"{x:.1f}"


def _some(items: list[str]) -> str:
    shown = "; ".join(items[:_SHOWN])
    return shown + (f"; and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def _number(value) -> float | None:
    """A judgement as a float (NaN when blank), or None when it is not a number."""
    if value is None or (not isinstance(value, str | datetime.date) and pd.isna(value)):
        return math.nan
    if isinstance(value, bool | datetime.date):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    text = str(value).strip().replace(" ", "")
    if not text:
        return math.nan
    try:
        return float(Fraction(text)) if "/" in text else float(text)
    except (ValueError, ZeroDivisionError):
        return None


def _text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def _row_labels(frame: pd.DataFrame) -> list[str]:
    """How each row is named in messages: its Excel row, else its index label."""
    if ROW in frame.columns:
        return [f"row {int(r)}" if isinstance(r, int | np.integer) or (
            isinstance(r, float | np.floating) and float(r).is_integer()) else f"row {_text(r)}"
                for r in frame[ROW]]
    if pd.api.types.is_integer_dtype(frame.index):
        return [f"row {int(i) + 2}" for i in frame.index]
    return [f"index {i!r}" for i in frame.index]


def _read_judgements(judgements) -> pd.DataFrame:
    """One clean row per executive and pair: executive, a, b, value, comment, row label."""
    if not isinstance(judgements, pd.DataFrame):
        raise ValidationError("judgements must be a DataFrame with columns executive, "
                              "criterion_a, criterion_b, value (and optionally comment); found "
                              f"{type(judgements).__name__}. Pass model.table('judgements').")
    absent = [c for c in REQUIRED_COLUMNS if c not in judgements.columns]
    if absent:
        raise ValidationError(f"Judgements: expected columns {list(REQUIRED_COLUMNS)}; missing "
                              f"{absent}, found {list(judgements.columns)}. Add the columns of "
                              "sheet 'judgements'.")
    if judgements.empty:
        raise ValidationError("Judgements: the table has no rows; each executive needs to "
                              "compare the criteria pairwise.")
    labels = _row_labels(judgements)
    comments = (judgements[COMMENT] if COMMENT in judgements.columns
                else pd.Series("", index=judgements.index))
    rows, problems = [], []
    for label, who, a, b, raw, note in zip(labels, judgements[EXECUTIVE],
                                           judgements[CRITERION_A], judgements[CRITERION_B],
                                           judgements[VALUE], comments):
        who, a, b = _text(who), _text(a), _text(b)
        blank = [name for name, x in ((EXECUTIVE, who), (CRITERION_A, a), (CRITERION_B, b))
                 if not x]
        if blank:
            problems.append(f"{label}, columns {blank}: expected a name, found a blank cell. "
                            "Fill it in or delete the row")
            continue
        if a == b:
            problems.append(f"{label}, column 'criterion_b': expected a criterion other than "
                            f"criterion_a, found {a!r} compared with itself. Delete the row")
            continue
        x = _number(raw)
        if x is None or math.isnan(x):
            found = "a blank cell" if x is not None else f"{raw!r}"
            problems.append(f"{label}, column 'value': expected a judgement between 1/9 and 9 "
                            f"(how many times {a!r} is as important as {b!r}), found {found}. "
                            "Type a number or a fraction such as 1/3")
            continue
        if not (1 - _SCALE_SLACK <= x * SAATY_SCALE_MAX
                and x <= SAATY_SCALE_MAX * (1 + _SCALE_SLACK)):
            problems.append(f"{label}, column 'value': expected a judgement between 1/9 and 9 "
                            f"(Saaty's scale), found {x:g}. Write 1/x when {b!r} is the more "
                            "important, never 0 or a number above 9")
            continue
        rows.append({EXECUTIVE: who, CRITERION_A: a, CRITERION_B: b, VALUE: x,
                     COMMENT: _text(note), ROW: label})
    kept, seen = [], {}
    for row in rows:
        key = (row[EXECUTIVE], frozenset((row[CRITERION_A], row[CRITERION_B])))
        if key not in seen:
            seen[key] = row
            kept.append(row)
            continue
        first = seen[key]
        same_way = first[CRITERION_A] == row[CRITERION_A]
        as_first = row[VALUE] if same_way else 1 / row[VALUE]
        if abs(as_first / first[VALUE] - 1) > RECIPROCAL_TOLERANCE + 1e-12:
            problems.append(
                f"{row[ROW]}: {row[EXECUTIVE]!r} judges {row[CRITERION_A]!r} over "
                f"{row[CRITERION_B]!r} as {_show(row[VALUE])}, but {first[ROW]} judged "
                f"{first[CRITERION_A]!r} over {first[CRITERION_B]!r} as {_show(first[VALUE])}"
                f" (which means {_show(first[VALUE] if same_way else 1 / first[VALUE])} this "
                "way round). Keep one of the two rows")
        else:
            warnings.warn(f"Judgements, {row[ROW]}: {row[EXECUTIVE]!r} compares "
                          f"{row[CRITERION_A]!r} and {row[CRITERION_B]!r} again, with the same "
                          f"judgement as {first[ROW]}; the repeat was ignored.",
                          WorkbenchWarning, stacklevel=3)
    if problems:
        raise ValidationError(f"Judgements: {len(problems)} problem(s): {_some(problems)}.")
    return pd.DataFrame(kept, columns=[EXECUTIVE, CRITERION_A, CRITERION_B, VALUE, COMMENT, ROW])


def _criteria_names(criteria_names) -> dict:
    if criteria_names is None:
        return {}
    if isinstance(criteria_names, pd.DataFrame):
        if NAME not in criteria_names.columns:
            raise ValidationError("criteria_names: a DataFrame needs a 'name' column indexed by "
                                  f"criterion_id (the criteria table); found columns "
                                  f"{list(criteria_names.columns)}.")
        criteria_names = criteria_names[NAME]
    if not isinstance(criteria_names, Mapping | pd.Series):
        raise ValidationError("criteria_names must map criterion ids to names (a dict, a Series "
                              f"or the criteria table); found {type(criteria_names).__name__}.")
    names = {}
    for key, name in criteria_names.items():
        text = _text(name)
        names[_text(key)] = text or _text(key)
    return names


def _components(criteria: list[str], pairs: list[tuple[str, str]]) -> list[list[str]]:
    """Groups of criteria linked, directly or through others, by the judged pairs."""
    parent = {c: c for c in criteria}

    def root(c):
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for a, b in pairs:
        parent[root(a)] = root(b)
    groups: dict[str, list[str]] = {}
    for c in criteria:
        groups.setdefault(root(c), []).append(c)
    return list(groups.values())


def _check_linked(table: pd.DataFrame, criteria: list[str], names: dict) -> None:
    problems = []
    for who, own in table.groupby(EXECUTIVE, sort=False):
        groups = _components(criteria, list(zip(own[CRITERION_A], own[CRITERION_B])))
        if len(groups) <= 1:
            continue
        shown = " and ".join("{" + ", ".join(names.get(c, c) for c in g) + "}" for g in groups)
        links = "; ".join(f"{names.get(groups[0][0], groups[0][0])} vs {names.get(g[0], g[0])}"
                          for g in groups[1:])
        problems.append(f"{who!r} never compares {shown} with each other, so their relative "
                        f"weights are undetermined; add a judgement linking them, e.g. {links}")
    if problems:
        raise ValidationError("Judgements do not link every criterion: " + _some(problems)
                              + ".")


def _voting_weights(weights, executives: list[str]) -> pd.Series:
    """Voting weight by executive, as given (not normalised)."""
    if weights is None:
        return pd.Series(1.0, index=executives, name=WEIGHT)
    if isinstance(weights, pd.DataFrame):
        if EXECUTIVE not in weights.columns or WEIGHT not in weights.columns:
            raise ValidationError("weights: a DataFrame needs columns 'executive' and 'weight' "
                                  f"(sheet 'executives'); found {list(weights.columns)}.")
        weights = dict(zip(weights[EXECUTIVE], weights[WEIGHT]))
    if not isinstance(weights, Mapping | pd.Series):
        raise ValidationError("weights must map each executive to a voting weight >= 0 (a dict "
                              f"or a Series); found {type(weights).__name__}.")
    given, bad = {}, []
    for who, raw in weights.items():
        x = _number(raw)
        who = _text(who)
        if x is None or (not math.isnan(x) and (x < 0 or math.isinf(x))):
            bad.append(f"{who!r}: {raw!r}")
        else:
            given[who] = 1.0 if math.isnan(x) else x  # blank = the sheet's default of 1
    if bad:
        raise ValidationError(f"Executive weights: expected numbers >= 0, found {_some(bad)}. "
                              "Correct them.")
    unknown = [w for w in given if w not in set(executives)]
    if unknown:
        raise ValidationError(f"Executive weights given for {unknown}, who made no judgements "
                              f"(executives in the judgements: {executives}). Correct the names "
                              "or remove them.")
    missing = [e for e in executives if e not in given]
    if missing:
        warnings.warn(f"No voting weight for {missing}; they get the default weight 1.",
                      WorkbenchWarning, stacklevel=3)
    shares = pd.Series({e: given.get(e, 1.0) for e in executives}, name=WEIGHT)
    if shares.sum() <= 0:
        raise ValidationError("Executive weights: at least one executive needs a weight > 0; "
                              "all are 0.")
    return shares


def _matrix(rows: pd.DataFrame, criteria: list[str]) -> pd.DataFrame:
    """A pairwise matrix with blanks (NaN) for the pairs not judged."""
    frame = pd.DataFrame(np.nan, index=criteria, columns=criteria)
    for c in criteria:
        frame.loc[c, c] = 1.0
    for a, b, x in zip(rows[CRITERION_A], rows[CRITERION_B], rows[VALUE]):
        frame.loc[a, b], frame.loc[b, a] = x, 1 / x
    return frame


def _ahp_quietly(matrix: pd.DataFrame, method: str) -> AHPResult:
    """:func:`ahp`, without its CR warning: alignment reports consistency in its own tables."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Pairwise matrix: CR = ",
                                category=WorkbenchWarning)
        return ahp(matrix, method)


# Disagreement and inconsistency, in words.


def _ratio(a: str, b: str, x: float, verb: str = "") -> str:
    """'A 3 times as important as B', turned round when B is the more important."""
    if abs(math.log(x)) < 1e-9:
        return f"{a} and {b} as equally important" if not verb else (
            f"{a} and {b} {verb.strip()} about equally important")
    if x > 1:
        return f"{a}{verb} {_times(x)} times as important as {b}"
    return f"{b}{verb} {_times(1 / x)} times as important as {a}"


def _on_scale(x: float) -> float:
    """The nearest judgement on Saaty's scale (1..9 or 1/2..1/9), by distance in the ratio."""
    step = min(max(round(x if x >= 1 else 1 / x), 1), int(SAATY_SCALE_MAX))
    return float(step) if x >= 1 else 1.0 / step


def _question(who: str, a: str, b: str, judged: float, suggested: float) -> str:
    asked = f"{who}: you judged {_ratio(a, b, judged)}"
    if suggested == 1:
        return (f"{asked}; the rest of your judgements imply they are about equally important. "
                "Would equal importance reflect your view?")
    if (judged > 1 and suggested > 1) or (judged < 1 and suggested < 1):
        size = _times(max(suggested, 1 / suggested))
        return (f"{asked}; the rest of your judgements imply about {size}. Would {size} reflect "
                "your view?")
    return (f"{asked}; the rest of your judgements imply {_ratio(a, b, suggested, ' is about')}"
            ". Would that reflect your view?")


def _quoted(comment: str) -> str:
    return f" (\u201c{comment}\u201d)" if comment else ""


def _agenda(table: pd.DataFrame, criteria: list[str], names: dict) -> pd.DataFrame:
    """Every judged pair, widest spread of log judgements first, with who holds the extremes."""
    order = {c: i for i, c in enumerate(criteria)}
    views: dict[tuple[str, str], list[tuple[str, float, str]]] = {}
    for who, a, b, x, note in zip(table[EXECUTIVE], table[CRITERION_A], table[CRITERION_B],
                                  table[VALUE], table[COMMENT]):
        if order[a] > order[b]:  # one orientation per pair: criteria order
            a, b, x = b, a, 1 / x
        views.setdefault((a, b), []).append((who, math.log(x), note))
    rows = []
    for (a, b), held in views.items():
        logs = np.array([log for _, log, _ in held])
        high, low = held[int(np.argmax(logs))], held[int(np.argmin(logs))]
        spread = float(logs.max() - logs.min())
        name_a, name_b = names.get(a, a), names.get(b, b)
        high_value, low_value = math.exp(high[1]), math.exp(low[1])
        if spread > 0:
            sentence = (f"{name_a} vs {name_b}: {high[0]} rates "
                        f"{_ratio(name_a, name_b, high_value)}{_quoted(high[2])}; {low[0]} rates "
                        f"{_ratio(name_a, name_b, low_value)}{_quoted(low[2])}.")
        else:
            sentence = (f"{name_a} vs {name_b}: everyone who judged it rates "
                        f"{_ratio(name_a, name_b, high_value)}.")
        rows.append({CRITERION_A: a, CRITERION_B: b, NAME_A: name_a, NAME_B: name_b,
                     SPREAD: spread, LOG_SD: float(logs.std()), JUDGED_BY: len(held),
                     HIGH_EXECUTIVE: high[0], HIGH_VALUE: high_value, HIGH_COMMENT: high[2],
                     LOW_EXECUTIVE: low[0], LOW_VALUE: low_value, LOW_COMMENT: low[2],
                     OPPOSED: bool(high_value > 1 + 1e-9 and low_value < 1 - 1e-9),
                     SENTENCE: sentence, "_order": (order[a], order[b])})
    agenda = pd.DataFrame(rows)
    # rounded keys, so that ln 5 - ln(1/3) and ln 3 - ln(1/5) tie and the deviation decides
    keys = agenda.assign(_spread=agenda[SPREAD].round(9), _sd=agenda[LOG_SD].round(9))
    keys = keys.sort_values(["_spread", "_sd", "_order"], ascending=[False, False, True],
                            kind="stable")
    agenda = agenda.loc[keys.index].drop(columns="_order").reset_index(drop=True)
    agenda.index = pd.RangeIndex(1, len(agenda) + 1, name="rank")
    return agenda


def _implied(own: pd.DataFrame, criteria: list[str], a: str, b: str, method: str,
             weights: pd.Series) -> float:
    """w_a / w_b as the executive's other judgements imply it (the pair left out)."""
    rest = own[~(((own[CRITERION_A] == a) & (own[CRITERION_B] == b))
                 | ((own[CRITERION_A] == b) & (own[CRITERION_B] == a)))]
    if len(_components(criteria, list(zip(rest[CRITERION_A], rest[CRITERION_B])))) > 1:
        return float(weights[a] / weights[b])  # the pair is their only link: Saaty's w_a / w_b
    w = _ahp_quietly(_matrix(rest, criteria), method).weights
    return float(w[a] / w[b])


def _inconsistencies(table: pd.DataFrame, criteria: list[str], names: dict,
                     results: Mapping[str, AHPResult], threshold: float,
                     method: str) -> pd.DataFrame:
    """Saaty's (2003) revision, one judgement at a time, for each executive over *threshold*."""
    rows = []
    for who, result in results.items():
        if not result.cr > threshold:
            continue
        own = table[table[EXECUTIVE] == who].reset_index(drop=True)
        current, cr, w, asked = own.copy(), result.cr, result.weights, []
        while cr > threshold and len(asked) < QUESTIONS_PER_EXECUTIVE:
            pick = _worst(own, current, criteria, method, w, {i for i, *_ in asked})
            if pick is None:
                break
            asked.append(pick)
            current.loc[pick[0], VALUE] = pick[2]  # as if the executive had agreed
            revised = _ahp_quietly(_matrix(current, criteria), method)
            cr, w = revised.cr, revised.weights
        for i, error, implied, suggested in asked:
            a, b, x = own.loc[i, CRITERION_A], own.loc[i, CRITERION_B], own.loc[i, VALUE]
            rows.append({EXECUTIVE: who, CRITERION_A: a, CRITERION_B: b, JUDGED: x,
                         CONSISTENT: implied, SUGGESTED: suggested, ERROR: error,
                         CR: result.cr,
                         QUESTION: _question(who, names.get(a, a), names.get(b, b), x,
                                             suggested)})
    columns = [EXECUTIVE, CRITERION_A, CRITERION_B, JUDGED, CONSISTENT, SUGGESTED, ERROR, CR,
               QUESTION]
    return pd.DataFrame(rows, columns=columns)


def _worst(own: pd.DataFrame, current: pd.DataFrame, criteria: list[str], method: str,
           w: pd.Series, asked: set) -> tuple[int, float, float, float] | None:
    """The judgement with the largest |ln e_ij| whose implied value is another scale step.

    Returns its row, e_ij, the value the other judgements imply and that value on the scale.
    """
    ranked = sorted(((abs(math.log(x * w[b] / w[a])), i, a, b, x) for i, (a, b, x) in
                     enumerate(zip(current[CRITERION_A], current[CRITERION_B],
                                   current[VALUE])) if i not in asked), key=lambda t: -t[0])
    for _, i, a, b, x in ranked:
        implied = _implied(current, criteria, a, b, method, w)
        suggested = _on_scale(implied)
        if abs(math.log(suggested / _on_scale(own.loc[i, VALUE]))) > 1e-9:
            return i, x * w[b] / w[a], implied, suggested
    return None


def _word(consensus: float) -> str:
    return next(word for bound, word in CONSENSUS_WORDS if consensus <= bound + 1e-9)


def _clusters(similarity: pd.DataFrame) -> list[list[str]]:
    executives = list(similarity.index)
    if len(executives) == 1:
        return [executives]
    distance = np.clip(1 - similarity.to_numpy(float) / 100, 0, None)
    np.fill_diagonal(distance, 0)
    tree = hierarchy.linkage(squareform(distance, checks=False), method="average")
    labels = hierarchy.fcluster(tree, t=1 - CLUSTER_SIMILARITY / 100, criterion="distance")
    groups: dict[int, list[str]] = {}
    for who, label in zip(executives, labels):
        groups.setdefault(int(label), []).append(who)
    return sorted(groups.values(), key=lambda g: (-len(g), executives.index(g[0])))


# The front door.


def align(judgements: pd.DataFrame, aggregation: str = "aij",
          weights: Mapping[str, float] | pd.Series | pd.DataFrame | None = None,
          method: str = "eigenvector", cr_threshold: float = 0.10,
          criteria_names: Mapping[str, str] | pd.Series | pd.DataFrame | None = None,
          ) -> AlignmentResult:
    """Measure how far the executives agree on the criteria, and find where they do not.

    Each executive's pairwise judgements give their AHP weights and consistency ratio (CR).
    The group's weights aggregate the judgements (AIJ) or the executives' weights (AIP).
    Agreement is measured by Goepel's AHP consensus S*, Kendall's W and pairwise S* between
    executives, from which like-minded groups are formed. The agenda ranks the criterion pairs by
    how far apart the judgements are, and the judgements that make an executive inconsistent are
    worded as questions to put back to them.

    >>> judgements = pd.DataFrame({
    ...     "executive": ["CFO", "CFO", "CFO", "COO", "COO", "COO"],
    ...     "criterion_a": ["fit", "fit", "risk"] * 2,
    ...     "criterion_b": ["risk", "cost", "cost"] * 2,
    ...     "value": [2, 4, 2, 1 / 2, 1, 2]})
    >>> result = align(judgements, criteria_names={"fit": "Fit", "risk": "Risk", "cost": "Cost"})
    >>> result.executive_weights.round(3).loc["CFO"].to_dict()
    {'fit': 0.571, 'risk': 0.286, 'cost': 0.143}
    >>> result.consensus_label, round(result.kendall_w, 2)
    ('very high', 0.5)
    >>> for part in result.agenda_sentences(1)[0].split("; "):
    ...     print(part)
    Fit vs Risk: CFO rates Fit 2 times as important as Risk
    COO rates Risk 2 times as important as Fit.

    Parameters
    ----------
    judgements
        The ``judgements`` table: one row per executive and criterion pair, with columns
        ``executive``, ``criterion_a``, ``criterion_b``, ``value`` (how many times a is as
        important as b, on Saaty's 1/9..9 scale; numbers or fractions typed as text) and
        optionally ``comment`` (quoted on the agenda). An executive may skip pairs: their matrix
        is completed as :func:`~seo_workbench.ahp.ahp` does (Harker's method for the eigenvector,
        logarithmic least squares for the geometric mean), provided their judgements link every
        criterion that anyone judged. Rows are named in messages by the ``_row`` column when the
        table has one, else by index + 2 (the Excel row of a sheet with its header in row 1).
    aggregation
        A key of :data:`AGGREGATIONS`. ``"aij"`` (default): for each pair, the weighted geometric
        mean of the judgements of the executives who judged it, then the AHP weights of that
        matrix; the group acts as one new individual. ``"aip"``: the weighted geometric mean of
        the executives' weight vectors, normalised; the group is a collection of individuals.
        ``"aip_arithmetic"``: their weighted arithmetic mean, which Forman & Peniwati (1998)
        also accept for AIP (it keeps the Pareto principle but not the reciprocal property).
    weights
        Voting weight of each executive (>= 0): a mapping, a Series or the ``executives`` table;
        default equal. Executives without a weight get 1 (the sheet's default) with a warning;
        zero-weight executives are reported individually but count for nothing in the group
        weights and in S*.
    method
        How a matrix becomes weights: a key of :data:`~seo_workbench.ahp.AHP_METHODS`.
    cr_threshold
        Executives whose CR exceeds this are asked about their most inconsistent judgements.
    criteria_names
        Criterion id -> name (a mapping, a Series, or the criteria table with its ``name``
        column), used in the sentences and questions; ids are used when absent. Its order, when
        given, is the order of the criteria in the results.

    Returns
    -------
    AlignmentResult
        ``group_weights``; ``executive_weights`` and ``consistency_ratio`` by executive;
        ``group_cr``, the CR of the weighted-geometric-mean matrix of the judgements (the AIJ
        matrix; reported for AIP too, which has no matrix of its own); ``consensus``, Goepel's
        S* in percent (clipped to 0..100), with ``consensus_label``; ``kendall_w`` on the
        executives' rankings of the criteria (ties corrected; chi-square and p-value in
        ``steps``); ``similarity``, pairwise S* in percent; ``clusters``, groups of executives
        whose average pairwise S* is at least :data:`CLUSTER_SIMILARITY` (average linkage),
        largest first, singletons included; ``agenda``, one row per judged criterion pair,
        ranked by the spread max - min of ln(judgement) over the executives who judged it (ties
        by its standard deviation), with the two executives at the extremes, their judgements
        (as criterion_a over criterion_b) and comments and a board sentence; ``inconsistencies``,
        up to :data:`QUESTIONS_PER_EXECUTIVE` judgements per executive with CR > *cr_threshold*,
        each with its error e_ij, the value the executive's other judgements imply
        (``consistent``), that value on the scale (``suggested``) and a question; and the
        working in ``steps``.

    Raises
    ------
    ValidationError
        When a column is missing, a value is blank, not a number or outside 1/9..9, a criterion
        is compared with itself, an executive gives a pair twice with different values (in
        either orientation), an executive's judgements do not link every criterion (naming the
        executive, the unlinked groups and the links to add), fewer than two criteria are
        judged, the weights name an executive who made no judgements or are negative or all 0,
        or *cr_threshold* is not a number >= 0. Every problem of the table is listed at once.
    UnknownChoiceError
        When *aggregation* or *method* is not registered.

    Warns
    -----
    WorkbenchWarning
        When a judgement is repeated with the same value (the repeat is ignored), an executive
        has no voting weight (given 1), or only one executive carries weight (S* is then 100).

    Notes
    -----
    Goepel's S*, with voting weights v_k summing to 1 and priority vectors w_k:
    H_alpha = sum_k v_k H(w_k), H_gamma = H(sum_k v_k w_k), D_beta = exp(H_gamma - H_alpha) and
    S* = (1/D_beta - D_alpha,min/n) / (1 - D_alpha,min/n), where D_alpha,min = exp(H(w_min))
    with w_min = (9, 1, ..., 1) / (n + 8), the least diverse priorities of a consistent judge
    on the 1..9 scale. With equal weights this is the indicator of AHP-OS; the weighted alpha
    and gamma entropies are Jost's (2007) partition for unequal sample weights. The
    uncorrected relative homogeneity S = (1/D_beta - 1/n) / (1 - 1/n) is kept in ``steps``.
    The words follow AHP-OS: very low (<= 50 %), low (<= 65 %), moderate (<= 75 %),
    high (<= 85 %), very high (> 85 %).

    The judgements to revisit follow Saaty's (2003) procedure: the judgement with the largest
    error e_ij = a_ij w_j / w_i (taken as |ln e_ij|, so 1/3 and 3 are equally far off) is
    revisited first; it is then replaced by the value offered, the weights are recomputed, and
    the next is sought while CR still exceeds *cr_threshold*, up to
    :data:`QUESTIONS_PER_EXECUTIVE`. The value offered is what the executive's other judgements
    imply: w_i / w_j after leaving the pair out and completing it by Harker's (1987) method (or
    logarithmic least squares), or Saaty's w_i / w_j when the pair is the executive's only link.
    Later questions take the earlier suggestions as agreed. The value is rounded to the scale for
    the question; a judgement already on that value is passed over for the next largest error.

    Kendall's W and the agenda count every executive alike; voting weights do not enter them.

    References
    ----------
    .. [1] Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill (eigenvector, CR).
    .. [2] Aczél, J., & Saaty, T. L. (1983). Procedures for synthesizing ratio judgements.
       *Journal of Mathematical Psychology* 27(1), 93-102 (the geometric mean of judgements).
    .. [3] Forman, E., & Peniwati, K. (1998). Aggregating individual judgments and priorities
       with the analytic hierarchy process. *European Journal of Operational Research* 108(1),
       165-169 (AIJ and AIP, weighted geometric and arithmetic means).
    .. [4] Barzilai, J., & Golany, B. (1994). AHP rank reversal, normalization and aggregation
       rules. *INFOR* 32(2), 57-64 (AIJ and AIP agree under the geometric mean).
    .. [5] Goepel, K. D. (2013). Implementing the analytic hierarchy process as a standard
       method for multi-criteria decision making in corporate enterprises - a new AHP Excel
       template with multiple inputs. *Proceedings of the International Symposium on the
       Analytic Hierarchy Process*, Kuala Lumpur (the consensus indicator).
    .. [6] Goepel, K. D. (2018). Implementation of an online software tool for the analytic
       hierarchy process (AHP-OS). *International Journal of the Analytic Hierarchy Process*
       10(3), 469-487 (S* with D_alpha,min, pairwise S* for clustering; the AHP-OS source,
       ``AhpGroup.php``, for the word scale).
    .. [7] Jost, L. (2007). Partitioning diversity into independent alpha and beta components.
       *Ecology* 88(10), 2427-2439 (weighted Shannon alpha and gamma entropies).
    .. [8] Kendall, M. G., & Babington Smith, B. (1939). The problem of m rankings. *Annals of
       Mathematical Statistics* 10(3), 275-287 (W and its chi-square test); Kendall, M. G.
       (1948). *Rank Correlation Methods*. Griffin (the correction for ties).
    .. [9] Saaty, T. L. (2003). Decision-making with the AHP: Why is the principal eigenvector
       necessary. *European Journal of Operational Research* 145(1), 85-91 (errors e_ij).
    .. [10] Harker, P. T. (1987). Incomplete pairwise comparisons in the analytic hierarchy
       process. *Mathematical Modelling* 9(11), 837-848.
    """
    aggregate = choose(AGGREGATIONS, aggregation, what="aggregation")
    aggregation = str(aggregation).strip().lower()
    choose(AHP_METHODS, method, what="AHP method")
    method = str(method).strip().lower()
    threshold = _number(cr_threshold) if not isinstance(cr_threshold, str) else None
    if threshold is None or math.isnan(threshold) or threshold < 0:
        raise ValidationError(f"cr_threshold must be a number >= 0 (Saaty's is 0.10); found "
                              f"{cr_threshold!r}.")
    names = _criteria_names(criteria_names)
    table = _read_judgements(judgements)
    judged = list(dict.fromkeys([*table[CRITERION_A], *table[CRITERION_B]]))
    criteria = [c for c in names if c in set(judged)] + [c for c in judged if c not in names]
    if len(criteria) < 2:
        raise ValidationError(f"Judgements compare fewer than two criteria ({criteria}); "
                              "compare at least two.")
    names = {c: names.get(c, c) for c in criteria}
    _check_linked(table, criteria, names)
    executives = list(dict.fromkeys(table[EXECUTIVE]))
    votes = _voting_weights(weights, executives)
    shares = votes / votes.sum()

    results = {who: _ahp_quietly(_matrix(table[table[EXECUTIVE] == who], criteria), method)
               for who in executives}
    individual = pd.DataFrame({c: [results[e].weights[c] for e in executives]
                               for c in criteria}, index=pd.Index(executives, name=EXECUTIVE))
    individual.columns.name = CRITERION
    crs = pd.Series({e: results[e].cr for e in executives}, name=CR)
    crs.index.name = EXECUTIVE

    voting = shares[shares > 0]
    group_judgements, group_matrix = _group_judgements(table, criteria, voting)
    group = _ahp_quietly(group_matrix, method)
    group_weights = aggregate(group, individual.loc[voting.index], voting)
    group_weights.index.name = CRITERION

    partition = _shannon_partition(individual.loc[voting.index].to_numpy(float),
                                   voting.to_numpy(float))
    consensus = float(np.clip(100 * partition["s_star"], 0, 100))
    if len(voting) < 2:
        warnings.warn("Only one executive carries weight, so the consensus is trivially 100%.",
                      WorkbenchWarning, stacklevel=2)
    concordance = _kendall_w(np.round(individual.to_numpy(float), _RANK_DECIMALS))
    similarity = pd.DataFrame(100.0, index=individual.index, columns=individual.index)
    for one, other in combinations(executives, 2):
        pair = individual.loc[[one, other]].to_numpy(float)
        s = float(np.clip(100 * _shannon_partition(pair, np.ones(2))["s_star"], 0, 100))
        similarity.loc[one, other] = similarity.loc[other, one] = s
    clusters = _clusters(similarity)
    agenda = _agenda(table, criteria, names)
    inconsistencies = _inconsistencies(table, criteria, names, results, threshold, method)

    ranks = individual.rank(axis=1, ascending=False, method="average").astype(float)
    how = {"aij": "weights of the aggregated matrix (AIJ)",
           "aip": "weighted geometric mean of the executives' weights (AIP)",
           "aip_arithmetic": "weighted arithmetic mean of the executives' weights (AIP)"}
    steps = {
        CRITERIA_STEP: pd.DataFrame({NAME: [names[c] for c in criteria]},
                                    index=pd.Index(criteria, name=CRITERION)),
        "Judgements as read (one row per executive and pair)": table,
        "Voting weights (normalised)": pd.DataFrame({WEIGHT: votes, "share": shares}),
        f"Weights of each executive ({method}) and consistency ratio":
            individual.assign(**{CR: crs}),
        "Aggregated judgements: weighted geometric mean per pair over the executives who "
        "judged it": group_judgements,
        "Aggregated matrix (pairs nobody judged completed from the others)": group.matrix,
        f"Group weights: {how[aggregation]}": pd.DataFrame(
            {WEIGHT: group_weights, "aij": group.weights, "aip_geometric":
             _aip_geometric(group, individual.loc[voting.index], voting),
             "aip_arithmetic": _aip_arithmetic(group, individual.loc[voting.index], voting)}),
        "Consensus: Shannon entropies and Hill numbers (Goepel's S*, relative homogeneity S)":
            pd.DataFrame({"value": partition}),
        "Ranks of the criteria by executive (1 = most important; ties share the mean rank)":
            ranks,
        "Kendall's W (ties corrected) and its chi-square test": pd.DataFrame(
            {"value": concordance}),
        "Pairwise similarity S* (percent)": similarity,
        "Like-minded groups (average linkage, merged while mean S* >= "
        f"{CLUSTER_SIMILARITY:g}%)": pd.DataFrame(
            {"group": [i for i, g in enumerate(clusters, 1) for _ in g]},
            index=pd.Index([e for g in clusters for e in g], name=EXECUTIVE)),
        "Disagreement agenda (spread = max - min of ln judgement)": agenda,
        f"Judgements to revisit (executives with CR > {threshold:g})": inconsistencies,
    }
    return AlignmentResult(
        group_weights=group_weights.rename(WEIGHT), executive_weights=individual,
        consistency_ratio=crs, consensus=consensus, consensus_label=_word(consensus),
        kendall_w=float(concordance["w"]), agenda=agenda, group_cr=float(group.cr),
        similarity=similarity, clusters=clusters, inconsistencies=inconsistencies,
        aggregation=aggregation, steps=steps)


def _group_judgements(table: pd.DataFrame, criteria: list[str],
                      voting: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weighted geometric mean of each pair's judgements, and the matrix they make."""
    order = {c: i for i, c in enumerate(criteria)}
    logs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for who, a, b, x in zip(table[EXECUTIVE], table[CRITERION_A], table[CRITERION_B],
                            table[VALUE]):
        if who not in voting.index:
            continue
        if order[a] > order[b]:
            a, b, x = b, a, 1 / x
        logs.setdefault((a, b), []).append((math.log(x), float(voting[who])))
    rows, matrix = [], pd.DataFrame(np.nan, index=criteria, columns=criteria)
    for c in criteria:
        matrix.loc[c, c] = 1.0
    for (a, b), held in sorted(logs.items(), key=lambda item: (order[item[0][0]],
                                                               order[item[0][1]])):
        values = np.array([log for log, _ in held])
        shares = np.array([share for _, share in held])
        mean = math.exp(float(values @ shares / shares.sum()))
        matrix.loc[a, b], matrix.loc[b, a] = mean, 1 / mean
        rows.append({CRITERION_A: a, CRITERION_B: b, JUDGED_BY: len(held), VALUE: mean,
                     "lowest": math.exp(values.min()), "highest": math.exp(values.max())})
    columns = [CRITERION_A, CRITERION_B, JUDGED_BY, VALUE, "lowest", "highest"]
    return pd.DataFrame(rows, columns=columns), matrix

"""Why no portfolio fits: the smallest sets of rules that cannot all hold, in plain words.

When the selection model is infeasible, :func:`find_conflicts` isolates *irreducible infeasible
subsets* (IIS) of its constraint groups: sets of rules that cannot all hold together, while
any one of them may be relaxed to resolve that conflict. It is Chinneck's elastic filter
followed by his deletion filter, run over whole constraint groups (a budget, a 'must'
decision, a dependency) rather than single rows, with a mixed-integer feasibility test as the
oracle (Chinneck 2008, ch. 6 and 7):

1. **Elastic filter.** Every group's rows get elastic (slack) variables and the total
   violation is minimised. The groups that have to stretch are made hard, and the elastic
   problem is solved again, until the hard groups alone admit no portfolio. Only those hard
   groups can be in the conflict, usually a handful out of thousands.
2. **Deletion filter.** Each remaining group is dropped in turn; when the rest still admits
   no portfolio it stays dropped, otherwise it is needed. What survives is irreducible.

Further conflicts are found the same way after setting the first ones aside, so a workbook
with two separate problems gets two sentences. :func:`explain` turns each conflict into a
sentence a board member can act on, with the amounts involved.

This module holds the search and the wording; the solver calls (the *oracles*) come from
:mod:`seo_workbench.portfolio`, the only module that talks to a solver.

References
----------
Chinneck, J. W. (2008). *Feasibility and Infeasibility in Optimization: Algorithms and
Computational Methods*. Springer, International Series in Operations Research and Management
Science 118. Chapters 6 (the elastic and deletion filters) and 7 (mixed-integer programs).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Conflict", "explain", "find_conflicts"]


@dataclass(frozen=True)
class Conflict:
    """One rule of a set of rules that cannot all hold together (one constraint group).

    ``conflict`` numbers the set the rule belongs to (1, 2, ...); ``minimal`` is False when
    the search ran out of time before it could show that every rule of the set is needed.
    """

    group: str  # e.g. "budget:2027Q2", "must:P03"
    kind: str  # e.g. "budget", "must"
    description: str  # the rule in words, with its amounts
    conflict: int = 1
    minimal: bool = True


class Facts(Protocol):
    """What :func:`explain` needs to know about the constraint groups of one model."""

    def kind(self, group: str) -> str: ...
    def description(self, group: str) -> str: ...
    def fix(self, group: str) -> str: ...
    def limit(self, group: str) -> float: ...
    def need(self, projects: Sequence[str], group: str) -> float | None: ...
    def reason(self, project: str) -> str: ...
    def amount(self, group: str, value: float) -> str: ...
    @property
    def n_projects(self) -> int: ...


Oracle = Callable[[frozenset], "bool | None"]
Elastic = Callable[[frozenset, frozenset], "set | None"]


def _deletion_filter(candidates: list[str], feasible: Oracle, deadline: float
                     ) -> tuple[list[str], bool]:
    """Drop every group without which *candidates* still admit no portfolio.

    The oracle answers True (feasible), False (infeasible) or None (could not tell in time);
    a group is only dropped on a proven False, so the result always stays infeasible.
    """
    keep = list(candidates)
    minimal = True
    for group in list(candidates):
        if time.monotonic() > deadline:
            return keep, False
        rest = frozenset(keep) - {group}
        answer = feasible(rest)
        if answer is False:
            keep.remove(group)
        elif answer is None:
            minimal = False
    return keep, minimal


def _elastic_filter(groups: Iterable[str], violated: Elastic, deadline: float
                    ) -> list[str] | None:
    """Groups that had to stretch, made hard one round at a time, until they alone conflict.

    Returns None when the time ran out first.
    """
    soft, hard = set(groups), []
    while soft:
        if time.monotonic() > deadline:
            return None
        stretched = violated(frozenset(hard), frozenset(soft))
        if stretched is None:  # the hard groups admit no portfolio on their own
            return hard
        if not stretched:  # nothing had to give: the groups are feasible together
            return []
        for group in sorted(stretched):
            soft.discard(group)
            hard.append(group)
    return hard if violated(frozenset(hard), frozenset()) is None else []


def find_conflicts(groups: Sequence[str], feasible: Oracle, violated: Elastic | None = None,
                   *, further: Oracle | None = None, seeds: Iterable[Sequence[str]] = (),
                   time_limit: float = 30.0, limit: int = 3) -> list[list[Conflict]]:
    """Irreducible sets of constraint groups that admit no portfolio together.

    Parameters
    ----------
    groups
        Names of every constraint group of the infeasible model.
    feasible
        Oracle: does a portfolio exist under these groups (plus the model's structural
        constraints)? True, False, or None when it could not tell within its time limit.
    violated
        Elastic oracle ``violated(hard, soft)``: the soft groups that must stretch for the
        hard ones to hold, or None when the hard groups alone admit no portfolio.
    further
        Oracle deciding whether the groups left after the conflicts found so far still
        admit no portfolio, and so hide another conflict (default: *feasible*). A cheaper
        test that may answer None (don't know) stops the search early.
    seeds
        Small sets of groups suspected to conflict (e.g. the forced projects against one
        budget); each is checked before the filters run on it, which saves the elastic
        filter on large models.
    time_limit
        Seconds for the whole search; a set found when time runs out is reported with
        ``minimal=False``.
    limit
        At most this many separate conflicts.

    Returns
    -------
    list of lists of Conflict
        One list per conflict; the ``description`` fields are left empty for
        :func:`explain` and the caller to fill.

    Examples
    --------
    Three rules about one number *v*: "v >= 3", "v <= 2" and "v <= 10". Only the first two
    clash.

    >>> rules = {"low": lambda v: v >= 3, "high": lambda v: v <= 2, "cap": lambda v: v <= 10}
    >>> def feasible(active):
    ...     return any(all(rules[g](v) for g in active) for v in range(12))
    >>> [[c.group for c in conflict] for conflict in find_conflicts(list(rules), feasible)]
    [['high', 'low']]
    """
    deadline = time.monotonic() + time_limit
    remaining = list(groups)
    found: list[list[Conflict]] = []
    seeds = [list(s) for s in seeds]
    while len(found) < limit and remaining:
        if found:
            answer = (further or feasible)(frozenset(remaining))
            if answer is not False:
                break
        candidates = None
        for seed in seeds:
            if set(seed) <= set(remaining) and feasible(frozenset(seed)) is False:
                candidates = seed
                break
        if candidates is None and violated is not None:
            candidates = _elastic_filter(remaining, violated, deadline)
        if candidates is None:
            candidates = remaining  # out of time (or no elastic oracle): filter them all
        if not candidates:
            break
        order = sorted(candidates, key=_deletion_order)
        conflict, minimal = _deletion_filter(order, feasible, deadline)
        number = len(found) + 1
        found.append([Conflict(g, _kind(g), "", number, minimal) for g in
                      sorted(conflict, key=lambda g: (_KIND_ORDER.get(_kind(g), 99), g))])
        remaining = [g for g in remaining if g not in set(conflict)]
        if time.monotonic() > deadline:
            break
    return found


_KIND_ORDER = {k: i for i, k in enumerate(
    ("must", "must_not", "requires", "with", "excludes", "group", "variants", "budget",
     "total_budget", "capacity", "min_projects", "max_projects", "theme_min_share",
     "theme_max_share", "theme_min_spend", "theme_max_spend"))}


def _kind(group: str) -> str:
    return group.split(":", 1)[0]


def _deletion_order(group: str) -> tuple[int, str]:
    # Try links and groups first and the forced decisions and limits last, so that when
    # several conflicts overlap the one reported is about decisions and money, the things
    # a board can change.
    order = {"requires": 0, "with": 0, "excludes": 0, "group": 1, "variants": 1}
    return order.get(_kind(group), 2), group


# -- the words ----------------------------------------------------------------------------------


def _listing(items: Sequence[str]) -> str:
    """'P21', 'P21 and P33', 'P21, P33 and P40'.

    >>> _listing(["P21", "P33", "P40"])
    'P21, P33 and P40'
    """
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def _either(items: Sequence[str]) -> str:
    items = list(items)
    return ", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else "".join(items)


def _rest(group: str) -> list[str]:
    return group.split(":")[1:]


_LIMITS = {"budget", "total_budget", "capacity", "max_projects", "theme_max_spend"}


def _forced(musts: Sequence[str], links: Sequence[str]) -> list[str]:
    """The 'must' projects and every project their requires/with links pull in."""
    pulled = list(musts)
    changed = True
    while changed:
        changed = False
        for link in links:
            kind, a, b = link.split(":", 2)
            pairs = [(a, b)] if kind == "requires" else [(a, b), (b, a)]
            for x, y in pairs:
                if x in pulled and y not in pulled:
                    pulled.append(y)
                    changed = True
    return pulled


def _chain(must: str, links: Sequence[str], end: str) -> list[str] | None:
    """The projects on the path of requires/with links from *must* to *end*.

    None unless the links form exactly that one path.
    """
    step = {}
    for link in links:
        kind, a, b = link.split(":", 2)
        step.setdefault(a, []).append(b)
        if kind == "with":
            step.setdefault(b, []).append(a)
    path, node, seen = [must], must, {must}
    while node != end:
        nxt = [p for p in step.get(node, ()) if p not in seen]
        if len(nxt) != 1:
            return None
        node = nxt[0]
        seen.add(node)
        path.append(node)
    return path if len(path) == len(links) + 1 else None


def explain(conflict: Sequence[str], facts: Facts) -> str:
    """One conflict (a set of constraint group names) as a sentence with a way out.

    The common shapes get a sentence with their sums: forced projects that overrun a
    budget, a capacity or a count; a minimum number of projects that the ruled-out ones
    make impossible; a 'must' project that needs, through its links, a ruled-out one. Any
    other conflict lists its rules and the fix for each.
    """
    groups = list(conflict)
    by_kind: dict[str, list[str]] = {}
    for g in groups:
        by_kind.setdefault(facts.kind(g), []).append(g)
    musts = [_rest(g)[0] for g in by_kind.get("must", [])]
    must_nots = [_rest(g)[0] for g in by_kind.get("must_not", [])]
    links = by_kind.get("requires", []) + by_kind.get("with", [])
    limits = [g for g in groups if facts.kind(g) in _LIMITS]
    others = [g for g in groups if facts.kind(g) not in _LIMITS | {"must", "requires", "with"}]

    if musts and len(limits) == 1 and not others:
        sentence = _forced_over_limit(limits[0], musts, links, facts)
        if sentence:
            return sentence
    if ("min_projects" in groups and must_nots and len(groups) == len(must_nots) + 1):
        allowed = facts.n_projects - len(must_nots)
        ids = _listing(must_nots)
        return (f"min_projects asks for at least {facts.limit('min_projects'):,.0f} funded "
                f"projects, but with {ids} ruled out ('must_not') only {allowed:,} can be "
                f"funded. Lower min_projects or allow "
                f"{'one of them' if len(must_nots) > 1 else must_nots[0]}.")
    if (len(musts) == 1 and len(must_nots) == 1 and links
            and len(groups) == len(links) + 2):
        path = _chain(musts[0], links, must_nots[0])
        if path:
            steps = ", which requires ".join(path[1:])
            return (f"{musts[0]} is 'must' ({facts.reason(musts[0])}) and requires {steps}; "
                    f"but {must_nots[0]} is 'must_not' ({facts.reason(must_nots[0])}). "
                    f"Release {musts[0]}, allow {must_nots[0]}, or remove one of the links.")
    rules = [facts.description(g) for g in groups]
    fixes = list(dict.fromkeys(facts.fix(g) for g in groups))
    return (f"These rules cannot all hold together: {'; '.join(rules)}. Relax any one of them: "
            f"{_either(fixes)}.")


def _plain(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() or abs(x) >= 1000 else f"{x:,.4g}"


def _forced_over_limit(limit: str, musts: list[str], links: list[str], facts: Facts
                       ) -> str | None:
    """'In 2027Q2 the 'must' projects cost 4,100,000 but the budget is 3,500,000 ...'."""
    forced = _forced(musts, links)
    need = facts.need(forced, limit)
    cap = facts.limit(limit)
    if need is None or not need > cap:
        return None
    kind = facts.kind(limit)
    pulled = [p for p in forced if p not in musts]
    many = len(musts) > 1
    who = (f" ({_listing(musts)}" + (f", with {_listing(pulled)} that "
                                     f"{'they' if many else 'it'} require{'' if many else 's'}"
                                     if pulled else "") + ")")
    subject = "the 'must' projects" if many or pulled else f"the 'must' project {musts[0]}"
    if not (many or pulled):
        who = ""
    verb = "cost" if many or pulled else "costs"
    release = "release one of them" if many else f"release {musts[0]}"
    if pulled:
        release += " or drop a link"
    # The unit goes on the limit only, so the sentence reads "cost 12 but the budget is 10 EUR".
    need_text, cap_text = _plain(need), facts.amount(limit, cap)
    if kind == "budget":
        period = _rest(limit)[0]
        return (f"in {period} {subject} {verb} {need_text} but the budget is {cap_text}{who}. "
                f"Raise that budget or {release}.")
    if kind == "total_budget":
        return (f"{subject} {verb} {need_text} in total but total_budget is {cap_text}{who}. "
                f"Raise total_budget or {release}.")
    if kind == "capacity":
        pool, period = _rest(limit)[0], _rest(limit)[1]
        return (f"in {period} {subject} need{'s' if verb == 'costs' else ''} {need_text} of "
                f"{pool} but its capacity is {cap_text}{who}. Raise that capacity or "
                f"{release}.")
    if kind == "max_projects":
        return (f"{len(forced)} projects are forced in ({_listing(forced)}) but max_projects "
                f"is {cap:,.0f}. Raise max_projects or {release}.")
    theme = _rest(limit)[0]
    return (f"{subject} {verb} {need_text} in theme {theme} but its max_spend is "
            f"{cap_text}{who}. Raise that limit or {release}.")

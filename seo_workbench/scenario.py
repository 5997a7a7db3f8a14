"""Scenarios: an analyst's settings from the trade-off explorer, saved as YAML and replayed.

A scenario holds what the explorer lets an analyst change: criteria weights, the weighting and
scoring methods, the budget scale, decisions forced in or out (with reasons) and the solver.
The quarterly run takes one (``seo-workbench run --scenario FILE``) and reproduces the numbers
the explorer showed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from .errors import ValidationError
from .portfolio import DEFAULT_GAP
from .workbook import PortfolioModel

__all__ = ["DECISIONS", "Scenario", "SettingChange", "apply", "compare_settings", "force",
           "load_scenario", "save_scenario"]

DECISIONS = ("auto", "must", "must_not")
DEFAULT_REASON = "Forced in the trade-off explorer"
_KEYS = ("name", "weighting", "method", "budget_scale", "solver", "gap", "weights", "forced",
         "notes")


@dataclass(frozen=True)
class Scenario:
    """Named settings for one prioritisation and portfolio selection.

    ``weights`` maps criterion id -> weight (empty: the weighting method's weights);
    ``forced`` maps project id -> (decision, reason) for the decisions that differ from the
    workbook's, decision one of :data:`DECISIONS`. ``gap`` is the solver's relative optimality
    gap the explorer used (the run uses the same, so it finds the same portfolio).
    """

    name: str
    weights: Mapping[str, float] = field(default_factory=dict)
    weighting: str = "direct"
    method: str = "weighted_sum"
    budget_scale: float = 1.0
    forced: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    solver: str = "HiGHS"
    gap: float = DEFAULT_GAP
    notes: str = ""

    def to_dict(self) -> dict:
        """Plain data in the YAML file's layout."""
        return {"name": self.name, "weighting": self.weighting, "method": self.method,
                "budget_scale": float(self.budget_scale), "solver": self.solver,
                "gap": float(self.gap),
                "weights": {str(k): float(v) for k, v in self.weights.items()},
                "forced": {str(p): {"decision": d, "reason": r}
                           for p, (d, r) in self.forced.items()},
                "notes": self.notes}


def save_scenario(scenario: Scenario, path: str | Path) -> Path:
    """Write *scenario* to *path* as YAML and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(scenario.to_dict(), sort_keys=False, allow_unicode=True),
                    encoding="utf-8")
    return path


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _registered(registry: Mapping, name, key: str, problems: list[str]) -> str:
    for k in registry:
        if isinstance(name, str) and k.lower() == name.strip().lower():
            return k
    problems.append(f"key '{key}': unknown value {name!r}. Choose one of: "
                    f"{', '.join(registry)}.")
    return str(name)


def load_scenario(path: str | Path, model: PortfolioModel | None = None) -> Scenario:
    """Read a scenario file; with *model*, also check its criteria and projects exist there.

    Every problem is collected and reported at once.

    Raises
    ------
    ValidationError
        Naming the file, the key, what was found and how to fix it.
    """
    from .portfolio import SOLVERS
    from .scoring import SCORING_METHODS
    from .weights import WEIGHTING_METHODS

    path = Path(path).expanduser()
    where = f"Scenario file {str(path)!r}"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(f"{where} cannot be read ({exc.strerror or exc}). Check the path; "
                              "the explorer writes one with Explorer.save_scenario.") from None
    except yaml.YAMLError as exc:
        raise ValidationError(f"{where} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ValidationError(f"{where}: expected a mapping of keys ({', '.join(_KEYS)}), "
                              f"found {type(data).__name__}.")
    problems: list[str] = []
    unknown = sorted(set(map(str, data)) - set(_KEYS))
    if unknown:
        problems.append(f"unknown key(s) {', '.join(unknown)}. Use only: {', '.join(_KEYS)}.")
    weighting = _registered(WEIGHTING_METHODS, data.get("weighting", "direct"), "weighting",
                            problems)
    method = _registered(SCORING_METHODS, data.get("method", "weighted_sum"), "method",
                         problems)
    solver = _registered(SOLVERS, data.get("solver", "HiGHS"), "solver", problems)
    budget_scale = _number(data.get("budget_scale", 1.0))
    if budget_scale is None or budget_scale <= 0:
        problems.append(f"key 'budget_scale': expected a number > 0 (1.1 for 10 % more "
                        f"budget), found {data.get('budget_scale')!r}.")
    gap = _number(data.get("gap", DEFAULT_GAP))
    if gap is None or gap < 0:
        problems.append(f"key 'gap': expected a number >= 0 (0.01 for 1 %), found "
                        f"{data.get('gap')!r}.")
    criteria = None if model is None or model.criteria is None else list(model.criteria.index)
    projects = None if model is None else list(model.projects.index)
    weights: dict[str, float] = {}
    raw_weights = data.get("weights") or {}
    if not isinstance(raw_weights, dict):
        problems.append(f"key 'weights': expected a mapping criterion -> weight, found "
                        f"{raw_weights!r}.")
        raw_weights = {}
    for criterion, value in raw_weights.items():
        number = _number(value)
        if number is None or number < 0:
            problems.append(f"key 'weights.{criterion}': expected a number >= 0, found "
                            f"{value!r}.")
        if criteria is not None and str(criterion) not in criteria:
            problems.append(f"key 'weights.{criterion}': unknown criterion. The workbook's "
                            f"criteria are: {', '.join(criteria)}.")
        weights[str(criterion)] = number if number is not None else float("nan")
    if criteria is not None and weights:
        missing = [c for c in criteria if c not in weights]
        if missing:
            problems.append(f"key 'weights': no weight for {', '.join(missing)}. Give every "
                            f"criterion a weight (0 leaves one out).")
    if weights and not sum(w for w in weights.values() if w == w) > 0:
        problems.append("key 'weights': the weights sum to 0. Give at least one criterion a "
                        "weight > 0.")
    forced: dict[str, tuple[str, str]] = {}
    raw_forced = data.get("forced") or {}
    if not isinstance(raw_forced, dict):
        problems.append(f"key 'forced': expected a mapping project -> {{decision, reason}}, "
                        f"found {raw_forced!r}.")
        raw_forced = {}
    for project, entry in raw_forced.items():
        entry = entry if isinstance(entry, dict) else {"decision": entry}
        decision = str(entry.get("decision", "")).strip()
        if decision not in DECISIONS:
            problems.append(f"key 'forced.{project}.decision': expected one of "
                            f"{', '.join(DECISIONS)}, found {entry.get('decision')!r}.")
        if projects is not None and str(project) not in projects:
            problems.append(f"key 'forced.{project}': unknown project. Use a project_id from "
                            f"sheet 'projects' (e.g. {', '.join(projects[:3])}).")
        forced[str(project)] = (decision, str(entry.get("reason") or ""))
    if problems:
        raise ValidationError(f"{where}: " + " ".join(f"({i}) {p}" for i, p in
                                                        enumerate(problems, 1))
                              if len(problems) > 1 else f"{where}, {problems[0]}")
    return Scenario(name=str(data.get("name") or path.stem), weights=weights,
                    weighting=weighting, method=method, budget_scale=budget_scale,
                    forced=forced, solver=solver, gap=gap, notes=str(data.get("notes") or ""))


def force(model: PortfolioModel, decisions: Mapping[str, tuple[str, str]]) -> PortfolioModel:
    """A copy of *model* with the projects' ``decision`` and ``decision_reason`` replaced.

    *decisions* maps project id -> (decision, reason); an empty reason with 'must' or
    'must_not' becomes "Forced in the trade-off explorer".
    """
    if not decisions:
        return model
    projects = model.tables["projects"].copy()
    unknown = sorted(set(decisions) - set(projects.index))
    if unknown:
        raise ValidationError(f"Unknown project(s) {', '.join(unknown)}: use project ids from "
                              "sheet 'projects'.")
    for project, (decision, reason) in decisions.items():
        if decision not in DECISIONS:
            raise ValidationError(f"Project {project}: decision must be one of "
                                  f"{', '.join(DECISIONS)}, found {decision!r}.")
        projects.loc[project, "decision"] = decision
        projects.loc[project, "decision_reason"] = (
            "" if decision == "auto" else (reason.strip() or DEFAULT_REASON))
    return dataclasses.replace(model, tables={**model.tables, "projects": projects})


def apply(model: PortfolioModel, weights: pd.Series,
          scenario: Scenario | str | Path | None) -> tuple[PortfolioModel, pd.Series]:
    """The model and criteria weights with *scenario*'s forced decisions and weights applied.

    *scenario* is a :class:`Scenario`, a path to its YAML file, or empty (nothing changes).
    Weights are normalised to sum to 1.
    """
    if scenario is None or (isinstance(scenario, str | Path) and not str(scenario)):
        return model, weights
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, model)
    if scenario.weights:
        given = pd.Series(scenario.weights, dtype=float).reindex(weights.index).fillna(0.0)
        weights = (given / given.sum()).rename(weights.name)
    return force(model, scenario.forced), weights


@dataclass(frozen=True)
class SettingChange:
    """What moved between two settings: projects entering or leaving the portfolio, ranks."""

    entered: tuple[str, ...]
    left: tuple[str, ...]
    moves: pd.DataFrame  # project_id -> rank_before, rank_after, move (positive = up)

    def sentence(self) -> str:
        """One line for the analyst."""
        if not (self.entered or self.left or len(self.moves)):
            return "Nothing changed since the last setting."
        parts = []
        if self.entered:
            parts.append(f"entered the portfolio: {', '.join(self.entered)}")
        if self.left:
            parts.append(f"left the portfolio: {', '.join(self.left)}")
        if len(self.moves):
            top = self.moves.head(5)
            parts.append("rank moves: " + ", ".join(
                f"{p} {r.rank_before}\u2192{r.rank_after}" for p, r in top.iterrows()))
        text = "; ".join(parts)
        return text[0].upper() + text[1:] + "."


def compare_settings(ranks_before: pd.Series | None, selected_before, ranks_after: pd.Series,
                     selected_after) -> SettingChange:
    """Projects that entered or left the funded set and the rank moves, largest first.

    >>> before = pd.Series({"A": 1, "B": 2}); after = pd.Series({"A": 2, "B": 1})
    >>> compare_settings(before, ["A"], after, ["B"]).sentence()
    'Entered the portfolio: B; left the portfolio: A; rank moves: A 1→2, B 2→1.'
    """
    before, after = set(selected_before or ()), set(selected_after)
    if ranks_before is None:
        moves = pd.DataFrame(columns=["rank_before", "rank_after", "move"])
        return SettingChange((), (), moves)
    frame = pd.DataFrame({"rank_before": ranks_before, "rank_after": ranks_after}).dropna()
    frame = frame.astype(int)
    frame["move"] = frame["rank_before"] - frame["rank_after"]
    frame = frame[frame["move"] != 0]
    frame = frame.reindex(frame["move"].abs().sort_values(ascending=False, kind="stable").index)
    frame.index.name = "project_id"
    return SettingChange(tuple(sorted(after - before)), tuple(sorted(before - after)), frame)

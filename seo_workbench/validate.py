"""Validation of a portfolio workbook: every problem collected, each one people can act on.

The checks run on sheets already read from disk (see :mod:`seo_workbench.workbook`), turn text
into typed tables, and report each problem with its file, sheet, Excel row and column, what was
expected, what was found and how to fix it. Nothing is raised here: the caller decides.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction

import pandas as pd

from . import schema
from .schema import CHOICE, CRITERION_REF, INTEGER, NUMBER, PERIOD, PROJECT_REF, QUARTER

__all__ = ["Problem", "RawSheet", "ValidationReport", "check_sheets", "quarter_label",
           "start_window"]

ERROR, WARNING = "error", "warning"
ROW = "_row"  # Excel row number of each data row, kept beside the data while validating


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or corrected) in a workbook, located as an analyst would look for it."""

    severity: str
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    expected: str
    found: str
    fix: str = ""

    @property
    def location(self) -> str:
        """Where the problem is, e.g. ``sheet 'budget', row 4, column 'amount'``."""
        parts = []
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts) or "workbook"

    @property
    def message(self) -> str:
        """One sentence per problem: where, expected, found and the fix."""
        where = self.location
        text = f"{where[0].upper()}{where[1:]}: expected {self.expected}, found {self.found}."
        return f"{text} {self.fix}" if self.fix else text

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ValidationReport:
    """Every problem found in one workbook; ``ok`` when there are no errors."""

    source: str
    problems: tuple[Problem, ...] = ()

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == WARNING)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        """The problems as a table, one row each, for notebooks and exports."""
        columns = ["severity", "file", "sheet", "row", "column", "expected", "found", "fix"]
        rows = [[getattr(p, c) for c in columns] for p in self.problems]
        return pd.DataFrame(rows, columns=columns)

    def __str__(self) -> str:
        head = (f"Workbook {self.source}: {len(self.errors)} error(s), "
                f"{len(self.warnings)} warning(s).")
        lines = [head]
        for label, items in (("Errors", self.errors), ("Warnings", self.warnings)):
            if items:
                lines.append(f"{label}:")
                lines.extend(f"  {i}. {p.message}" for i, p in enumerate(items, 1))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False, na_rep="")


@dataclass
class RawSheet:
    """A sheet as read from disk: text or numbers as typed by the user, with Excel row numbers."""

    name: str
    file: str
    data: pd.DataFrame  # object columns, "" for blank cells, plus ROW


@dataclass
class _Checker:
    source: str
    sheets: dict[str, RawSheet]
    problems: list[Problem] = field(default_factory=list)

    def add(self, sheet, row, column, expected, found, fix="", severity=ERROR):
        file = self.sheets[sheet].file if sheet in self.sheets else self.source
        self.problems.append(Problem(severity, file, sheet, row, column, expected, found, fix))

    def warn(self, sheet, row, column, expected, found, fix=""):
        self.add(sheet, row, column, expected, found, fix, severity=WARNING)


def _show(value) -> str:
    """How a found value reads in a message."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "a blank cell"
    if isinstance(value, float) and math.isnan(value):
        return "a blank cell"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value)}"
    return repr(value) if isinstance(value, str) else f"{value}"


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and not value.strip()


def _number(value) -> float | None:
    """The number in a cell, or None when the cell does not hold one ('1/3' counts)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip().replace("_", "")
    try:
        result = float(Fraction(text.replace(" ", ""))) if "/" in text else float(text)
    except (ValueError, ZeroDivisionError):
        return None
    return result if math.isfinite(result) else None


def _not_a_number(value) -> tuple[str, str]:
    """What was found in a cell that should hold a number, and how to fix it."""
    if isinstance(value, datetime.date):
        # Excel turns a Saaty fraction typed as 1/3 into a date (3 January or 1 March).
        return (f"a date ({value:%Y-%m-%d})", "Excel turned the entry into a date: format the "
                "cell as Text and type it again (e.g. 1/3), or type a decimal.")
    return f"text {_show(value)}", "Type a plain number without units or thousands separators."


_QUARTER = re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*Q([1-4])\s*$", re.I)
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")


def quarter_label(value) -> str | None:
    """The calendar quarter of a cell, as '2028Q2': from a quarter label or a date; else None.

    >>> quarter_label("2028 q2"), quarter_label("2028-08-31")
    ('2028Q2', '2028Q3')
    >>> quarter_label(datetime.date(2027, 1, 5))
    '2027Q1'

    >>> quarter_label("next spring") is None
    True
    """
    if isinstance(value, datetime.date):
        return f"{value.year}Q{(value.month - 1) // 3 + 1}"
    text = str(value)
    match = _QUARTER.match(text)
    if match:
        return f"{match[1]}Q{match[2]}"
    match = _ISO_DATE.match(text)
    if match:
        try:
            day = datetime.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    return None


def _text(value) -> str:
    if _blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _convert_cell(check: _Checker, sheet: str, row: int, col: schema.Column, value):
    """Convert one cell to its column's type, reporting it when it cannot be converted."""
    if _blank(value):
        if not col.blank_ok:
            fix = f"Fill in {col.name}." if col.kind != NUMBER else "Enter a number (0 if none)."
            check.add(sheet, row, col.name, col.expected, "a blank cell", fix)
        if col.default is not None:
            return col.default
        return math.nan if col.kind in (NUMBER, INTEGER) else ""
    if col.kind in (NUMBER, INTEGER):
        number = _number(value)
        if number is None:
            check.add(sheet, row, col.name, col.expected, *_not_a_number(value))
            return math.nan
        if col.kind == INTEGER and not float(number).is_integer():
            check.add(sheet, row, col.name, col.expected, _show(number), "Use a whole number.")
            return math.nan
        low_ok = col.minimum is None or number >= col.minimum - 1e-12
        high_ok = col.maximum is None or number <= col.maximum + 1e-12
        if not (low_ok and high_ok):
            check.add(sheet, row, col.name, col.expected, _show(number),
                      "Correct the value; negative amounts are not allowed here."
                      if col.minimum == 0 and number < 0 else "Correct the value.")
        return number
    if col.kind == QUARTER:
        label = quarter_label(value)
        if label is None:
            check.add(sheet, row, col.name, col.expected, _show(value),
                      "Write the quarter as 2028Q2, or a date as 2028-06-30.")
            return ""
        return label
    text = _text(value)
    if col.kind == CHOICE:
        lowered = text.lower().replace("-", "_").replace(" ", "_")
        if lowered not in col.choices:
            check.add(sheet, row, col.name, col.expected, _show(value),
                      "Pick a value from the drop-down list in the template.")
            return col.default if col.default is not None else lowered
        return lowered
    return text


def _typed_table(check: _Checker, name: str) -> pd.DataFrame | None:
    """Check the fixed columns of sheet *name* and return them typed (plus ROW and wide columns)."""
    raw = check.sheets.get(name)
    if raw is None:
        return None
    spec = schema.sheet(name)
    data = raw.data
    missing = [c.name for c in spec.columns if c.required and c.name not in data.columns]
    for column in missing:
        check.add(name, 1, column, f"a column headed '{column}'", "no such column",
                  f"Add the column '{column}' to the header row (row 1); the template has it.")
    if missing:
        return None
    out = {ROW: data[ROW].tolist()}
    for col in spec.columns:
        if col.name in data.columns:
            out[col.name] = [_convert_cell(check, name, r, col, v)
                             for r, v in zip(data[ROW], data[col.name])]
        else:
            out[col.name] = [col.default if col.default is not None else
                             (math.nan if col.kind in (NUMBER, INTEGER) else "")] * len(data)
    table = pd.DataFrame(out)
    extra = [c for c in data.columns if c not in out]
    for c in extra:
        table[c] = data[c].values
    return table


def _check_unique(check: _Checker, name: str, table: pd.DataFrame, keys: list[str], what: str):
    if table is None or table.empty:
        return
    key = table[keys].astype(str).agg(" / ".join, axis=1)
    first = {}
    for row, k, blank in zip(table[ROW], key, table[keys[0]].map(_blank)):
        if blank:
            continue  # already reported as blank
        if k in first:
            check.add(name, row, keys[-1] if len(keys) == 1 else ", ".join(keys),
                      f"a unique {what}", f"{k!r} again (first on row {first[k]})",
                      "Remove the duplicate row or give it a different id.")
        else:
            first[k] = row


def _check_refs(check: _Checker, name: str, table: pd.DataFrame | None, known: dict[str, set]):
    """Report every cell that names a project, criterion or period that does not exist."""
    if table is None:
        return
    spec = schema.sheet(name)
    for col in spec.columns:
        if col.kind not in (PROJECT_REF, CRITERION_REF, PERIOD) or col.name not in table:
            continue
        ids = known.get(col.kind)
        if ids is None:
            continue
        target = {PROJECT_REF: "projects", CRITERION_REF: "criteria", PERIOD: "settings"}[col.kind]
        for row, value in zip(table[ROW], table[col.name]):
            if value == "" or value in ids:
                continue
            if col.kind == PERIOD:
                fix = "Use one of: " + ", ".join(ids_ordered(known)) + "."
                check.add(name, row, col.name, col.expected, f"unknown period {value!r}", fix)
            else:
                check.add(name, row, col.name, col.expected, f"unknown id {value!r}",
                          f"Add {value!r} to sheet '{target}' or correct the id.")


def ids_ordered(known: dict[str, set]) -> list[str]:
    return list(known.get("period_order", []))


def _settings(check: _Checker) -> dict:
    """Parse the settings sheet into typed values."""
    table = _typed_table(check, "settings")
    if table is None:
        return {}
    specs = {s.key: s for s in schema.SETTINGS}
    values, rows = {}, {}
    for row, key, value in zip(table[ROW], table["key"], table["value"]):
        key = key.strip().lower()
        if key in rows:
            check.add("settings", row, "key", "each key once", f"{key!r} again (first on row "
                      f"{rows[key]})", "Delete one of the two rows.")
            continue
        rows[key] = row
        if key not in specs:
            check.warn("settings", row, "key", "one of " + ", ".join(specs), f"{key!r}",
                       "The row was ignored.")
            continue
        spec = specs[key]
        if _blank(value):
            if spec.required:
                check.add("settings", row, "value", f"a value for {key!r}", "a blank cell",
                          spec.help)
            continue
        if spec.kind in (NUMBER, INTEGER):
            number = _number(value)
            if number is None or number < (spec.minimum or 0) or (
                    spec.kind == INTEGER and not number.is_integer()):
                word = "a whole number" if spec.kind == INTEGER else "a number"
                found = _show(value) if number is None else _show(number)  # 2.5, not '2.5'
                check.add("settings", row, "value", f"{word} >= 0 for {key!r}", found, spec.help)
                continue
            values[key] = int(number) if spec.kind == INTEGER else number
        elif spec.kind == CHOICE:
            text = _text(value).lower()
            if text not in spec.choices:
                check.add("settings", row, "value", f"one of {', '.join(spec.choices)} for "
                          f"{key!r}", _show(value), spec.help)
                continue
            values[key] = text
        else:
            values[key] = _text(value)
    for spec in schema.SETTINGS:
        if spec.required and spec.key not in rows:
            check.add("settings", None, "key", f"a row with key {spec.key!r}", "no such row",
                      f"Add a row: {spec.key} = {spec.example}. {spec.help}")
    if "periods" in values:
        periods = [p.strip() for p in values["periods"].split(",")]
        if any(not p for p in periods):
            check.add("settings", rows["periods"], "value", "comma-separated period labels "
                      "with none blank", _show(values["periods"]), "Remove the empty label.")
        seen = set()
        for p in periods:
            if p in seen:
                check.add("settings", rows["periods"], "value", "each period label once",
                          f"{p!r} twice", "Remove the repeated label.")
            seen.add(p)
        values["periods"] = tuple(p for p in dict.fromkeys(periods) if p)
    low, high = values.get("min_projects"), values.get("max_projects")
    if low is not None and high is not None and low > high:
        check.add("settings", rows["min_projects"], "value",
                  f"min_projects <= max_projects ({high})", f"{low}",
                  "Lower min_projects or raise max_projects.")
    values["_rows"] = rows
    return values


def _wide_numbers(check: _Checker, name: str, table: pd.DataFrame, wanted: list[str],
                  what: str, blank_is_zero: bool, fixed: tuple[str, ...]):
    """Check the one-column-per-criterion/period part of 'scores' or 'costs'."""
    present = [c for c in table.columns if c not in fixed and c != ROW]
    for c in present:
        if c not in wanted:
            where = ("a criterion_id from sheet 'criteria'" if what == "criterion"
                     else "a period label from settings 'periods'")
            fix = ("Rename the column to one of: " + ", ".join(wanted) + ", or delete it.")
            check.add(name, 1, c, f"a column named after {where}", f"unknown {what} {c!r}", fix)
    for c in wanted:
        if c not in present:
            if blank_is_zero:
                continue
            check.add(name, 1, c, f"a column for {what} {c!r}", "no such column",
                      f"Add a column headed {c!r} with every project's score.")
    values = pd.DataFrame(index=table.index)
    for c in wanted:
        if c not in present:
            values[c] = 0.0 if blank_is_zero else math.nan
            continue
        cells = []
        for row, v in zip(table[ROW], table[c]):
            if _blank(v):
                if not blank_is_zero:
                    pid = table.loc[table[ROW] == row, "project_id"].iloc[0]
                    check.add(name, row, c, "a score", "a blank cell",
                              f"Score project {pid!r} on {c!r}.")
                cells.append(0.0 if blank_is_zero else math.nan)
                continue
            number = _number(v)
            if number is None:
                check.add(name, row, c, "a number", *_not_a_number(v))
                number = math.nan
            cells.append(number)
        values[c] = cells
    return values


def _requires_cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """Every elementary 'requires' cycle found by depth-first search (each reported once)."""
    cycles, colour, stack = [], {}, []

    def visit(node):
        colour[node] = 1
        stack.append(node)
        for nxt in edges.get(node, ()):
            if colour.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif colour.get(nxt) is None:
                visit(nxt)
        stack.pop()
        colour[node] = 2

    for node in sorted(edges):
        if colour.get(node) is None:
            visit(node)
    return cycles


def check_sheets(source: str, sheets: dict[str, RawSheet]) -> tuple[ValidationReport, dict]:
    """Validate sheets read from one workbook; return the report and the typed tables.

    The tables are only meaningful when the report has no errors.
    """
    check = _Checker(source, sheets)
    for name in sheets:
        if name not in {s.name for s in schema.SHEETS}:
            known = ", ".join(s.name for s in schema.SHEETS)
            check.warn(name, None, None, "a sheet named " + known, f"sheet {name!r}",
                       "It was ignored.")
    settings = _settings(check) if "settings" in sheets else {}
    value = settings.get("value", "score")
    required = ["settings", "projects", "costs", "budget"]
    if value == "score":
        required += ["criteria", "scores"]
    for name in required:
        if name not in sheets:
            why = " (settings 'value' is 'score')" if name in ("criteria", "scores") else ""
            check.add(name, None, None, f"a sheet named '{name}'{why}", "no such sheet",
                      f"Add the sheet '{name}' (or {name}.csv in a folder workbook); "
                      "`seo-workbench template` writes one with every sheet.")
    tables = {name: _typed_table(check, name) for name in sheets
              if name != "settings" and name in {s.name for s in schema.SHEETS}}
    periods = list(settings.get("periods", ()))
    known = {PERIOD: set(periods), "period_order": periods} if periods else {}

    projects = tables.get("projects")
    if projects is not None:
        _check_unique(check, "projects", projects, ["project_id"], "project_id")
        known[PROJECT_REF] = set(projects["project_id"]) - {""}
        for row, pid, decision, reason in zip(projects[ROW], projects["project_id"],
                                              projects["decision"], projects["decision_reason"]):
            if decision in ("must", "must_not") and not reason:
                check.add("projects", row, "decision_reason",
                          f"a reason for decision {decision!r}", "a blank cell",
                          f"Say why {pid!r} is forced {'in' if decision == 'must' else 'out'}; "
                          "the board pack shows it.")
        if value == "benefit":
            for row, pid, benefit in zip(projects[ROW], projects["project_id"],
                                         projects["benefit"]):
                if math.isnan(benefit):
                    check.add("projects", row, "benefit", "a number (settings 'value' is "
                              "'benefit')", "a blank cell",
                              f"Estimate the benefit of {pid!r}, or set settings 'value' to "
                              "'score'.")
    criteria = tables.get("criteria")
    if criteria is not None:
        _check_unique(check, "criteria", criteria, ["criterion_id"], "criterion_id")
        known[CRITERION_REF] = set(criteria["criterion_id"]) - {""}
        _check_weights(check, criteria)
        _check_hierarchy(check, criteria)
    for name, table in tables.items():
        _check_refs(check, name, table, known)

    scores = _wide(check, tables, "scores", criteria, "criterion_id", "criterion", False)
    if scores is not None and criteria is not None:
        _check_scales(check, tables["scores"], scores, criteria)
    costs = _wide(check, tables, "costs", None, None, "period", True, periods)
    if costs is not None:
        raw = tables["costs"]
        for c in costs.columns:
            for row, pid, amount in zip(raw[ROW], raw["project_id"], costs[c]):
                if amount < 0:
                    check.warn("costs", row, c, "a cost >= 0", f"{_show(amount)}",
                               f"Treated as a cash inflow of {-amount:,.0f} for {pid!r} that "
                               f"frees budget in {c}.")
    _check_coverage(check, tables, projects, periods)
    _check_start_windows(check, tables, costs, periods)
    _check_variants(check, tables)
    for name, keys in (("budget", ["period"]), ("capacity", ["pool", "period"]),
                       ("demand", ["project_id", "pool", "period"]),
                       ("groups", ["group", "project_id"]), ("themes", ["theme"]),
                       ("judgements", ["executive", "criterion_a", "criterion_b"]),
                       ("executives", ["executive"]), ("status", ["project_id", "period"]),
                       ("benefits", ["benefit_id"])):
        if tables.get(name) is not None:
            _check_unique(check, name, tables[name], keys, " / ".join(keys))
    _check_demand_pools(check, tables)
    _check_dependencies(check, tables, projects)
    _check_groups(check, tables)
    _check_themes(check, tables, projects)
    _check_judgements(check, tables)
    _check_benefits(check, tables)

    typed = {k: v for k, v in tables.items() if v is not None}
    typed["settings"] = {k: v for k, v in settings.items() if not k.startswith("_")}
    if scores is not None:
        typed["score_matrix"] = scores
    if costs is not None:
        typed["cost_matrix"] = costs
    return ValidationReport(source, tuple(check.problems)), typed


def _wide(check, tables, name, criteria, key, what, blank_is_zero, periods=None):
    table = tables.get(name)
    if table is None:
        return None
    if what == "criterion":
        if criteria is None:
            return None
        wanted = [c for c in criteria[key] if c]
    else:
        if not periods:
            return None
        wanted = periods
    _check_unique(check, name, table, ["project_id"], "project_id")
    values = _wide_numbers(check, name, table, wanted, what, blank_is_zero,
                           schema.sheet(name).names)
    values.index = table["project_id"].values
    values.index.name = "project_id"
    return values[~values.index.duplicated()]


def _check_weights(check, criteria):
    weights = criteria["weight"]
    given = weights.notna()
    # Judge blankness on the cells as typed: a weight that is not a number is NaN here too,
    # but it has been reported already and is not blank.
    raw = check.sheets["criteria"].data
    blank = raw["weight"].map(_blank).tolist() if "weight" in raw else [True] * len(raw)
    if all(blank):
        check.warn("criteria", None, "weight", "a weight per criterion", "no weights",
                   "Equal weights were used.")
        return
    for row, cid, is_blank in zip(criteria[ROW], criteria["criterion_id"], blank):
        if is_blank:
            check.add("criteria", row, "weight", "a number >= 0 (weights are given for "
                      "other criteria)", "a blank cell",
                      f"Give {cid!r} a weight, or clear every weight for equal weights.")
    total = float(weights[given & (weights >= 0)].sum())
    if given.all() and (weights >= 0).all():
        if total == 0:
            check.add("criteria", None, "weight", "at least one weight > 0", "all weights 0",
                      "Give the criteria positive weights.")
        elif abs(total - 1) > 1e-6:
            check.warn("criteria", None, "weight", "weights that sum to 1",
                       f"weights summing to {total:g}",
                       "They were renormalised to sum to 1 (each divided by the total).")


def _check_hierarchy(check, criteria):
    parent = dict(zip(criteria["criterion_id"], criteria["parent"]))
    for row, cid, par in zip(criteria[ROW], criteria["criterion_id"], criteria["parent"]):
        if par and par == cid:
            check.add("criteria", row, "parent", "a different criterion as parent",
                      f"{cid!r} itself", "Clear the parent or pick another criterion.")
            continue
        seen, node = {cid}, par
        while node and node in parent:
            if node in seen:
                check.add("criteria", row, "parent", "a hierarchy without loops",
                          f"a loop through {cid!r}", "Break the loop of parents.")
                break
            seen.add(node)
            node = parent[node]


def _check_scales(check, raw, scores, criteria):
    for row, cid, low, high in zip(criteria[ROW], criteria["criterion_id"],
                                   criteria["scale_min"], criteria["scale_max"]):
        if not math.isnan(low) and not math.isnan(high) and low >= high:
            check.add("criteria", row, "scale_max", f"a value > scale_min ({low:g})",
                      _show(high), "Swap or correct the scale.")
            continue
        if cid not in scores:
            continue
        for srow, pid, v in zip(raw[ROW], raw["project_id"], scores[cid].values):
            if math.isnan(v):
                continue
            if (not math.isnan(low) and v < low) or (not math.isnan(high) and v > high):
                scale = (f"{'' if math.isnan(low) else f'{low:g}'}.."
                         f"{'' if math.isnan(high) else f'{high:g}'}")
                check.add("scores", srow, cid, f"a score on the declared scale {scale}",
                          _show(v), f"Correct the score of {pid!r}, or widen the scale in "
                          f"sheet 'criteria' (row {row}).")


def _check_coverage(check, tables, projects, periods):
    if projects is None:
        return
    for name, what in (("scores", "scores"), ("costs", "costs")):
        table = tables.get(name)
        if table is None:
            continue
        have = set(table["project_id"])
        for pid, row in zip(projects["project_id"], projects[ROW]):
            if pid and pid not in have:
                check.add(name, None, "project_id", f"a row for project {pid!r} (projects row "
                          f"{row})", "no such row",
                          f"Add a row with the {what} of {pid!r}.")
    budget = tables.get("budget")
    if budget is not None and periods:
        have = set(budget["period"])
        for p in periods:
            if p not in have:
                check.add("budget", None, "period", f"a row for period {p!r}", "no such row",
                          f"Add the budget for {p} (0 if nothing may be spent).")


def start_window(planned: int, earliest: int | None, latest: int | None) -> tuple[int, int]:
    """First and last allowed start (period positions) of a project planned to start at *planned*.

    A blank end of the window takes the planned start, or the other end where that lies
    beyond it, so a window with one end given is never empty.

    >>> start_window(2, None, 4), start_window(2, 0, None), start_window(2, None, 1)
    ((2, 4), (0, 2), (1, 1))
    """
    low = earliest if earliest is not None else min(planned, latest if latest is not None
                                                     else planned)
    high = latest if latest is not None else max(planned, low)
    return low, high


def profile_extent(costs: pd.Series, demand_periods) -> tuple[int, int, int] | None:
    """Planned start and the first and last active period of a project, as positions.

    The planned start is the first period with a non-zero cost (the first with demand when
    there are no costs); None when the project neither spends nor needs anything.

    >>> profile_extent(pd.Series([0, 5, 0, 7]), [3])
    (1, 1, 3)
    """
    values = costs.to_numpy()
    spending = [i for i, v in enumerate(values) if v != 0]
    active = sorted(set(spending) | set(demand_periods))
    if not active:
        return None
    planned = spending[0] if spending else active[0]
    return planned, active[0], active[-1]


def _check_start_windows(check, tables, costs, periods):
    """Start windows name known periods, are not reversed and keep the profile in the horizon."""
    projects = tables.get("projects")
    if projects is None or costs is None or not periods:
        return
    raw = check.sheets["projects"].data
    if "earliest_start" not in raw and "latest_start" not in raw:
        return
    at = {p: i for i, p in enumerate(periods)}
    demand = tables.get("demand")
    needs = {}
    if demand is not None:
        for pid, period in zip(demand["project_id"], demand["period"]):
            if period in at:
                needs.setdefault(pid, []).append(at[period])
    for row, pid, status, first, last in zip(projects[ROW], projects["project_id"],
                                             projects["status"], projects["earliest_start"],
                                             projects["latest_start"]):
        if not (first or last) or pid not in costs.index:
            continue
        if status == "in_flight":
            check.warn("projects", row, "earliest_start" if first else "latest_start",
                       "no start window for an in-flight project", "a start window",
                       f"It was ignored: {pid!r} has started. Clear earliest_start and "
                       "latest_start.")
            continue
        earliest, latest = at.get(first), at.get(last)
        if (first and earliest is None) or (last and latest is None):
            continue  # an unknown period, reported already
        if earliest is not None and latest is not None and earliest > latest:
            check.add("projects", row, "latest_start",
                      f"a period no earlier than earliest_start ({first})", f"{last!r}",
                      "Swap or correct the start window.")
            continue
        extent = profile_extent(costs.loc[pid], needs.get(pid, ()))
        if extent is None:
            continue
        planned, active_first, active_last = extent
        low, high = start_window(planned, earliest, latest)
        length = active_last - active_first + 1
        if high + active_last - planned > len(periods) - 1:
            column = "latest_start" if last else "earliest_start"
            limit = len(periods) - 1 - (active_last - planned)
            fits = (f"at most {periods[limit]}" if limit >= 0 else "no start fits")
            check.add("projects", row, column,
                      f"a start that keeps the {length}-period profile of {pid!r} within the "
                      f"periods ({fits})", f"{periods[high]!r}",
                      "Start it earlier, or add periods to settings 'periods'.")
        elif low + active_first - planned < 0:
            column = "earliest_start" if first else "latest_start"
            limit = planned - active_first
            check.add("projects", row, column,
                      f"a start that keeps the {length}-period profile of {pid!r} within the "
                      f"periods (at least {periods[limit]})", f"{periods[low]!r}",
                      "Start it later: the project needs capacity before its first cost.")


def _check_variants(check, tables):
    """variant_of names another project, and variant links end at a base project."""
    projects = tables.get("projects")
    if projects is None or "variant_of" not in check.sheets["projects"].data:
        return
    base_of = {p: b for p, b in zip(projects["project_id"], projects["variant_of"]) if b}
    for row, pid, base in zip(projects[ROW], projects["project_id"], projects["variant_of"]):
        if not base:
            continue
        if base == pid:
            check.add("projects", row, "variant_of", "the id of another project",
                      f"{pid!r} itself", "Clear variant_of or name the project this one is a "
                      "variant of.")
            continue
        seen, node = {pid}, base
        while node in base_of and node not in seen:
            seen.add(node)
            node = base_of[node]
        if node in seen and node != pid:
            continue  # a loop further along the chain, reported on its own rows
        if node == pid:
            check.add("projects", row, "variant_of", "variant_of links that end at a base "
                      "project", f"a loop through {pid!r}",
                      "Point the variants at the one base project.")


def _check_demand_pools(check, tables):
    capacity, demand = tables.get("capacity"), tables.get("demand")
    if demand is None:
        return
    pools = set(capacity["pool"]) if capacity is not None else set()
    for row, pool in zip(demand[ROW], demand["pool"]):
        if pool and pool not in pools:
            check.add("demand", row, "pool", "a pool from sheet 'capacity'",
                      f"unknown pool {pool!r}", f"Add the capacity of {pool!r} to sheet "
                      "'capacity' or correct the pool name.")


def _check_dependencies(check, tables, projects):
    deps = tables.get("dependencies")
    if deps is None or projects is None:
        return
    decision = dict(zip(projects["project_id"], projects["decision"]))
    requires, forced = {}, {}
    for row, a, kind, b in zip(deps[ROW], deps["project_id"], deps["kind"], deps["other_id"]):
        if a and a == b:
            check.add("dependencies", row, "other_id", "a different project from project_id",
                      f"{a!r} depends on itself", "Correct other_id or delete the row.")
            continue
        da, db = decision.get(a), decision.get(b)
        if kind == "excludes" and da == "must" and db == "must":
            check.add("dependencies", row, "kind", "no exclusion between two 'must' projects",
                      f"{a!r} excludes {b!r}, and both are 'must'",
                      "Clear one 'must' in sheet 'projects' or delete this exclusion.")
        if kind in ("requires", "with") and da == "must" and db == "must_not":
            check.add("dependencies", row, "kind", "a 'must' project not tied to a 'must_not' "
                      "project", f"{a!r} is 'must' and {kind} {b!r}, which is 'must_not'",
                      "Change one of the two decisions or this dependency.")
        if kind == "with" and da == "must_not" and db == "must":
            check.add("dependencies", row, "kind", "a 'must' project not tied to a 'must_not' "
                      "project", f"{a!r} is 'must_not' and funded with {b!r}, which is 'must'",
                      "Change one of the two decisions or this dependency.")
        if kind == "requires" and a and b:
            requires.setdefault(a, []).append(b)
        if kind in ("requires", "with") and a and b:
            forced.setdefault(a, []).append((b, kind, row))
        if kind == "with" and a and b:
            forced.setdefault(b, []).append((a, kind, row))
    _check_forced_chains(check, forced, decision)
    rows = {(a, b): r for r, a, k, b in zip(deps[ROW], deps["project_id"], deps["kind"],
                                              deps["other_id"]) if k == "requires"}
    for cycle in _requires_cycles(requires):
        path = " requires ".join(repr(p) for p in cycle)
        check.add("dependencies", rows.get((cycle[0], cycle[1])), "other_id",
                  "'requires' links without a cycle", f"the cycle {path}",
                  "A cycle means 'both or neither': replace it by one 'with' row, or delete a "
                  "link.")


def _check_forced_chains(check, links, decision):
    """A 'must' project that needs a 'must_not' one through a chain of requires/with links.

    Direct links are reported row by row above; this finds the longer chains.
    """
    for start in sorted(p for p, d in decision.items() if d == "must"):
        seen, queue = {start: None}, [start]
        while queue:
            node = queue.pop(0)
            for nxt, _kind, row in links.get(node, ()):
                if nxt in seen:
                    continue
                seen[nxt] = (node, row)
                if decision.get(nxt) == "must_not" and seen[node] is not None:
                    chain, at = [nxt], nxt
                    while seen[at] is not None:
                        at = seen[at][0]
                        chain.append(at)
                    path = " needs ".join(repr(p) for p in reversed(chain))
                    check.add("dependencies", row, "other_id", "no chain of requires/with "
                              "links from a 'must' project to a 'must_not' project",
                              f"the chain {path}, where {start!r} is 'must' and {nxt!r} is "
                              "'must_not'", "Change one of the two decisions or a link in the "
                              "chain.")
                queue.append(nxt)


def _check_groups(check, tables):
    groups = tables.get("groups")
    if groups is None:
        return
    # A blank max_selected takes the group's value (1 when none is given), so only the cells
    # typed in are compared; the typed table already holds the default 1 for the blank ones.
    raw = check.sheets["groups"].data
    blank = raw["max_selected"].map(_blank).tolist() if "max_selected" in raw else [True] * len(raw)
    first = {}
    for row, group, limit, is_blank in zip(groups[ROW], groups["group"], groups["max_selected"],
                                           blank):
        if is_blank or math.isnan(limit):
            continue
        if group in first and first[group][1] != limit:
            check.add("groups", row, "max_selected", f"the same max_selected for every row of "
                      f"group {group!r} ({first[group][1]:g}, row {first[group][0]})",
                      _show(limit), "Use one value per group.")
        first.setdefault(group, (row, limit))
    projects = tables.get("projects")
    if projects is None:
        return
    decision = dict(zip(projects["project_id"], projects["decision"]))
    for group, rows in groups.groupby("group", sort=False):
        limit = first.get(group, (None, 1))[1]
        musts = [p for p in rows["project_id"] if decision.get(p) == "must"]
        if len(musts) > limit:
            check.add("groups", int(rows[ROW].iloc[0]), "project_id",
                      f"at most {limit:g} 'must' project(s) in group {group!r} "
                      f"(its max_selected)", f"{len(musts)}: {', '.join(map(repr, musts))}",
                      "Raise max_selected or clear a 'must' in sheet 'projects'.")


def _check_themes(check, tables, projects):
    themes = tables.get("themes")
    if themes is None:
        return
    for row, theme, lo, hi, slo, shi in zip(themes[ROW], themes["theme"], themes["min_share"],
                                            themes["max_share"], themes["min_spend"],
                                            themes["max_spend"]):
        if lo > hi:
            check.add("themes", row, "max_share", f"a value >= min_share ({lo:g})", _show(hi),
                      f"Correct the shares of theme {theme!r}.")
        if slo > shi:
            check.add("themes", row, "max_spend", f"a value >= min_spend ({slo:g})", _show(shi),
                      f"Correct the spend limits of theme {theme!r}.")
    for row, theme, lo, hi, target in zip(themes[ROW], themes["theme"], themes["min_share"],
                                          themes["max_share"], themes["target_share"]):
        if (not math.isnan(lo) and target < lo) or (not math.isnan(hi) and target > hi):
            band = f"{'0' if math.isnan(lo) else f'{lo:g}'}..{'1' if math.isnan(hi) else f'{hi:g}'}"
            check.add("themes", row, "target_share", f"a share within min_share..max_share "
                      f"({band})", _show(target), f"Correct the target or the band of theme "
                      f"{theme!r}.")
    targets = themes["target_share"]
    if targets.notna().all() and len(targets) and abs(targets.sum() - 1) > 1e-6:
        check.warn("themes", None, "target_share", "target shares that sum to 1",
                   f"target shares summing to {targets.sum():g}",
                   "Drift is measured against them renormalised to sum to 1.")
    total = themes["min_share"].fillna(0).sum()
    if total > 1 + 1e-9:
        check.add("themes", None, "min_share", "minimum shares that sum to at most 1",
                  f"a sum of {total:g}", "Lower some minimum shares.")
    if projects is not None:
        known = set(themes["theme"])
        for row, pid, theme in zip(projects[ROW], projects["project_id"], projects["theme"]):
            if theme and theme not in known:
                check.add("projects", row, "theme", "a theme from sheet 'themes'",
                          f"unknown theme {theme!r}", f"Add {theme!r} to sheet 'themes' or "
                          "correct the theme of " + repr(pid) + ".")


def _check_judgements(check, tables):
    judgements = tables.get("judgements")
    if judgements is None:
        return
    seen = {}
    for row, who, a, b in zip(judgements[ROW], judgements["executive"],
                              judgements["criterion_a"], judgements["criterion_b"]):
        if a and a == b:
            check.add("judgements", row, "criterion_b", "a criterion other than criterion_a",
                      f"{a!r} compared with itself", "Delete the row.")
            continue
        pair = (who, frozenset((a, b)))
        if pair in seen:
            check.add("judgements", row, "criterion_b", "one judgement per executive and pair",
                      f"{who!r} compares {a!r} and {b!r} again (row {seen[pair]})",
                      "Keep one of the two rows.")
        seen.setdefault(pair, row)
    executives = tables.get("executives")
    if executives is not None:
        known = set(judgements["executive"])
        for row, who in zip(executives[ROW], executives["executive"]):
            if who and who not in known:
                check.warn("executives", row, "executive", "an executive from 'judgements'",
                           f"{who!r}", "The weight is unused.")


def _check_benefits(check, tables):
    """A benefit's target differs from its baseline, so progress towards it is defined."""
    benefits = tables.get("benefits")
    if benefits is None:
        return
    for row, bid, base, target in zip(benefits[ROW], benefits["benefit_id"],
                                      benefits["baseline"], benefits["target"]):
        if not math.isnan(base) and base == target:
            check.add("benefits", row, "target", f"a target different from the baseline "
                      f"({base:g})", _show(target), f"Give {bid!r} the KPI value it promises "
                      "to reach.")

"""The portfolio workbook's public contract: every sheet, column and setting, in one place.

The validator, the Excel template and the README's column tables are all generated from these
definitions, so they cannot drift apart. Sheet and column names are public: extend, never rename.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "SETTINGS",
    "SHEETS",
    "Column",
    "Setting",
    "Sheet",
    "sheet",
]

# Column kinds. "id" is a non-blank text key; "ref:projects" and "ref:criteria" name ids that
# must exist in that sheet; "period" names a label from settings.periods; "quarter" is a
# calendar quarter (2028Q2) or a date, stored as its quarter label, and may lie outside them.
TEXT, NUMBER, INTEGER, CHOICE, ID = "text", "number", "integer", "choice", "id"
PROJECT_REF, CRITERION_REF, PERIOD, QUARTER = "ref:projects", "ref:criteria", "period", "quarter"


def _fmt(number: float) -> str:
    """A limit as people write it: 1/9 rather than 0.111111.

    >>> _fmt(1 / 9), _fmt(0.5), _fmt(100)
    ('1/9', '0.5', '100')
    """
    if 0 < number < 1 and round(1 / number, 9).is_integer() and 1 / number > 2:
        return f"1/{round(1 / number)}"
    return f"{number:g}"


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its name, what a cell may hold, and the help shown to users."""

    name: str
    kind: str
    help: str
    required: bool = True  # the column must be present
    blank_ok: bool = False  # cells may be left empty
    choices: tuple[str, ...] = ()
    default: str | float | None = None  # value used for a blank cell
    minimum: float | None = None
    maximum: float | None = None
    example: str = ""

    @property
    def expected(self) -> str:
        """What a cell of this column should hold, in words."""
        if self.kind == CHOICE:
            return "one of " + ", ".join(self.choices)
        if self.kind in (NUMBER, INTEGER):
            word = "a whole number" if self.kind == INTEGER else "a number"
            if self.minimum is not None and self.maximum is not None:
                return f"{word} between {_fmt(self.minimum)} and {_fmt(self.maximum)}"
            if self.minimum is not None:
                return f"{word} >= {self.minimum:g}"
            return word
        if self.kind == PROJECT_REF:
            return "a project_id from sheet 'projects'"
        if self.kind == CRITERION_REF:
            return "a criterion_id from sheet 'criteria'"
        if self.kind == PERIOD:
            return "a period label from settings 'periods'"
        if self.kind == QUARTER:
            return "a quarter such as 2028Q2, or a date (YYYY-MM-DD)"
        return "text" if self.kind == TEXT else "a non-blank id"


@dataclass(frozen=True)
class Sheet:
    """One sheet of the workbook (or one CSV file in a folder workbook)."""

    name: str
    help: str
    columns: tuple[Column, ...]
    required: bool = False
    # "criteria" or "periods": besides its named columns, the sheet has one numeric column per
    # criterion_id or per period label.
    wide: str | None = None

    def column(self, name: str) -> Column:
        """Return the column called *name*."""
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the sheet's fixed columns, in order."""
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class Setting:
    """One key of the ``settings`` sheet."""

    key: str
    kind: str
    help: str
    required: bool = True
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    example: str = ""


SETTINGS: tuple[Setting, ...] = (
    Setting("organisation", TEXT, "Name of the organisation, shown on the board pack.",
            example="Northbridge Utilities Group"),
    Setting("currency", TEXT, "Currency of every cost, budget and benefit (e.g. EUR, GBP, USD).",
            example="EUR"),
    Setting("periods", TEXT,
            "Ordered, comma-separated period labels of the planning horizon. Column names of "
            "'costs' and the 'period' values of 'budget', 'capacity' and 'demand' use these "
            "labels.",
            example="2027Q1,2027Q2,2027Q3,2027Q4,2028Q1,2028Q2,2028Q3,2028Q4"),
    Setting("value", CHOICE,
            "What the optimiser maximises: 'score' = the MCDA score from 'criteria' and 'scores'; "
            "'benefit' = the projects' 'benefit' column.",
            choices=("score", "benefit"), example="score"),
    Setting("total_budget", NUMBER, "Optional cap on spend over the whole horizon.",
            required=False, minimum=0, example="48000000"),
    Setting("min_projects", INTEGER, "Optional minimum number of funded projects.",
            required=False, minimum=0, example="10"),
    Setting("max_projects", INTEGER,
            "Optional maximum number of funded projects (focus: too many projects at once is "
            "the classic failure).", required=False, minimum=0, example="30"),
)


def _c(name, kind, help, **kw) -> Column:
    return Column(name, kind, help, **kw)


SHEETS: tuple[Sheet, ...] = (
    Sheet("settings", "Key and value pairs that describe the portfolio and the analysis.", (
        _c("key", ID, "Setting name: " + ", ".join(s.key for s in SETTINGS) + "."),
        _c("value", TEXT, "The setting's value.", blank_ok=True),
    ), required=True),
    Sheet("projects", "One row per project (alternative): who owns it and how it may be decided.", (
        _c("project_id", ID, "Unique short id used in every other sheet.", example="P01"),
        _c("name", TEXT, "Project name as the board knows it.", example="Smart meter rollout"),
        _c("owner", TEXT, "Accountable owner.", example="A. Okafor"),
        _c("department", TEXT, "Department that delivers the project.", example="Operations"),
        _c("theme", TEXT, "Strategic theme the project serves (see sheet 'themes').",
           example="Net zero"),
        _c("status", CHOICE, "'proposed' (new) or 'in_flight' (already running; costs are the "
           "remaining costs).", choices=("proposed", "in_flight"), example="proposed"),
        _c("decision", CHOICE, "'auto' = the optimiser decides; 'must' = fund it; 'must_not' = "
           "do not fund it. Blank means auto.", required=False, blank_ok=True,
           choices=("auto", "must", "must_not"), default="auto", example="auto"),
        _c("decision_reason", TEXT, "Why the project is forced in or out (required with must "
           "and must_not); shown in the board pack.", required=False, blank_ok=True),
        _c("benefit", NUMBER, "Estimated benefit over the horizon, in the workbook currency. "
           "Required when settings 'value' is 'benefit'.", required=False, blank_ok=True,
           example="2500000"),
        _c("earliest_start", PERIOD, "Earliest period the project may start. With "
           "latest_start it opens a start window: the optimiser picks the start, and the "
           "project's costs and demand (as written, from its first period with a cost) move "
           "with it. Blank = the planned start (or latest_start, if earlier).",
           required=False, blank_ok=True, example="2027Q2"),
        _c("latest_start", PERIOD, "Latest period the project may start; the whole cost "
           "profile must still fit in the periods. Blank = the planned start (or "
           "earliest_start, if later).", required=False, blank_ok=True, example="2027Q4"),
        _c("variant_of", PROJECT_REF, "The project this one is a funding variant of (e.g. a "
           "smaller scope of it): at most one of a project and its variants is funded.",
           required=False, blank_ok=True, example="P03"),
    ), required=True),
    Sheet("criteria", "One row per decision criterion of the MCDA score.", (
        _c("criterion_id", ID, "Unique short id; also a column name in sheet 'scores'.",
           example="strategic_fit"),
        _c("name", TEXT, "Criterion name as the board reads it.", example="Strategic fit"),
        _c("objective", CHOICE, "'max' if more is better, 'min' if less is better (costs, "
           "risks).", choices=("max", "min"), example="max"),
        _c("weight", NUMBER, "Importance weight >= 0. Blank in every row = equal weights; "
           "weights are renormalised to sum to 1.", required=False, blank_ok=True, minimum=0,
           example="0.25"),
        _c("scale_min", NUMBER, "Lowest allowed score (optional, for validation).",
           required=False, blank_ok=True, example="1"),
        _c("scale_max", NUMBER, "Highest allowed score (optional, for validation).",
           required=False, blank_ok=True, example="5"),
        _c("parent", CRITERION_REF, "Parent criterion in a hierarchy (optional).",
           required=False, blank_ok=True),
    )),
    Sheet("scores", "Each project's score on each criterion: one column per criterion_id.", (
        _c("project_id", PROJECT_REF, "Project being scored.", example="P01"),
    ), wide="criteria"),
    Sheet("costs", "Spend per project and period: one column per period label. A negative "
          "amount is a cash inflow that frees budget in that period.", (
        _c("project_id", PROJECT_REF, "Project whose costs these are.", example="P01"),
    ), wide="periods"),
    Sheet("budget", "Budget available in each period.", (
        _c("period", PERIOD, "Period label from settings 'periods'.", example="2027Q1"),
        _c("amount", NUMBER, "Budget in the workbook currency, >= 0.", minimum=0,
           example="6000000"),
    )),
    Sheet("capacity", "Capacity of each resource pool per period (e.g. person-days).", (
        _c("pool", ID, "Resource pool name.", example="Data engineering"),
        _c("period", PERIOD, "Period label from settings 'periods'.", example="2027Q1"),
        _c("amount", NUMBER, "Capacity available, >= 0.", minimum=0, example="400"),
    )),
    Sheet("demand", "What each project needs of each resource pool per period.", (
        _c("project_id", PROJECT_REF, "Project that needs the capacity.", example="P01"),
        _c("pool", ID, "Resource pool name from sheet 'capacity'.", example="Data engineering"),
        _c("period", PERIOD, "Period label from settings 'periods'.", example="2027Q1"),
        _c("amount", NUMBER, "Capacity needed, >= 0.", minimum=0, example="60"),
    )),
    Sheet("dependencies", "Logical links between projects.", (
        _c("project_id", PROJECT_REF, "The project the rule is about.", example="P02"),
        _c("kind", CHOICE, "'requires' = fund project_id only if other_id is funded; "
           "'excludes' = not both; 'with' = both or neither.",
           choices=("requires", "excludes", "with"), example="requires"),
        _c("other_id", PROJECT_REF, "The other project.", example="P01"),
    )),
    Sheet("groups", "Groups of alternatives of which at most 'max_selected' are funded.", (
        _c("group", ID, "Group name.", example="CRM platform"),
        _c("project_id", PROJECT_REF, "A member of the group.", example="P10"),
        _c("max_selected", INTEGER, "At most this many of the group are funded (default 1; one "
           "value per group).", required=False, blank_ok=True, minimum=1, default=1,
           example="1"),
    )),
    Sheet("themes", "Strategic themes and the balance of spend the board wants across them.", (
        _c("theme", ID, "Theme name, as used in 'projects'.", example="Net zero"),
        _c("min_share", NUMBER, "Minimum share of total spend, 0..1.", required=False,
           blank_ok=True, minimum=0, maximum=1, example="0.15"),
        _c("max_share", NUMBER, "Maximum share of total spend, 0..1.", required=False,
           blank_ok=True, minimum=0, maximum=1, example="0.40"),
        _c("min_spend", NUMBER, "Minimum absolute spend over the horizon.", required=False,
           blank_ok=True, minimum=0),
        _c("max_spend", NUMBER, "Maximum absolute spend over the horizon.", required=False,
           blank_ok=True, minimum=0),
        _c("target_share", NUMBER, "The share of spend the strategy intends for the theme (its "
           "strategic weight), 0..1, within min_share..max_share. Drift is measured against it; "
           "blank = the middle of min_share and max_share. The optimiser does not use it.",
           required=False, blank_ok=True, minimum=0, maximum=1, example="0.25"),
    )),
    Sheet("judgements", "Executives' pairwise comparisons of criteria (AHP, Saaty scale).", (
        _c("executive", ID, "Who made the judgement.", example="Chief Financial Officer"),
        _c("criterion_a", CRITERION_REF, "First criterion.", example="strategic_fit"),
        _c("criterion_b", CRITERION_REF, "Second criterion.", example="delivery_risk"),
        _c("value", NUMBER, "How much more important a is than b, 1/9..9 (3 = moderately, "
           "1/3 = b moderately more important).", minimum=1 / 9, maximum=9, example="3"),
        _c("comment", TEXT, "Why (optional; shown on the disagreement agenda).",
           required=False, blank_ok=True),
    )),
    Sheet("executives", "Optional voting weight of each executive in the group judgement.", (
        _c("executive", ID, "Executive, as named in 'judgements'.",
           example="Chief Financial Officer"),
        _c("weight", NUMBER, "Voting weight >= 0 (default 1).", required=False, blank_ok=True,
           minimum=0, default=1, example="1"),
    )),
    Sheet("status", "Quarterly execution status of in-flight projects: one row per project "
          "and reporting quarter. The plan for a quarter's spend is its planned_spend (the "
          "approved baseline); what remains to be spent is forecast_to_complete, or else the "
          "project's remaining costs in sheet 'costs' from the first planning period after "
          "the report.", (
        _c("project_id", PROJECT_REF, "Project reported on.", example="P40"),
        _c("period", ID, "Reporting quarter (may precede the planning periods). Write quarters "
           "as 2026Q4 so that they sort in time.", example="2026Q4"),
        _c("actual_spend", NUMBER, "Spend in the quarter.", required=False, blank_ok=True,
           example="350000"),
        _c("percent_complete", NUMBER, "Percent complete, 0..100.", required=False,
           blank_ok=True, minimum=0, maximum=100, example="40"),
        _c("rag", CHOICE, "Delivery status: green, amber or red.", required=False,
           blank_ok=True, choices=("green", "amber", "red"), example="amber"),
        _c("forecast_benefit", NUMBER, "Benefit now forecast over the horizon.",
           required=False, blank_ok=True),
        _c("realised_benefit", NUMBER, "Benefit realised to date.", required=False,
           blank_ok=True),
        _c("note", TEXT, "Owner's note.", required=False, blank_ok=True),
        _c("planned_spend", NUMBER, "Spend the approved plan (baseline) puts in the quarter; "
           "spend against plan compares actual_spend with it. Blank = no plan for the quarter.",
           required=False, blank_ok=True, minimum=0, example="320000"),
        _c("forecast_to_complete", NUMBER, "Spend still needed to finish the project, as the "
           "owner forecasts it at the end of the quarter. Blank = the project's remaining "
           "costs in sheet 'costs'. Estimate at completion = spend to date + this.",
           required=False, blank_ok=True, minimum=0, example="1200000"),
        _c("next_quarter_benefit", NUMBER, "Benefit the owner expects to realise in the next "
           "quarter. The next report's realised_benefit shows what came, which measures the "
           "owner's forecast accuracy.", required=False, blank_ok=True, example="60000"),
    )),
    Sheet("benefits", "Benefits register: each benefit a project promises, the KPI that "
          "measures it, and who answers for it.", (
        _c("benefit_id", ID, "Unique short id of the benefit.", example="B01"),
        _c("project_id", PROJECT_REF, "Project that delivers the benefit.", example="P02"),
        _c("kpi", TEXT, "Key performance indicator that measures the benefit.",
           example="Smart meters installed"),
        _c("unit", TEXT, "Unit of the KPI.", required=False, blank_ok=True, example="meters"),
        _c("baseline", NUMBER, "KPI value before the project.", example="0"),
        _c("target", NUMBER, "KPI value the project promises (above or below the baseline).",
           example="120000"),
        _c("target_date", QUARTER, "When the target is due: a quarter (2028Q2) or a date, "
           "which counts as the quarter it falls in. It may lie beyond the planning periods.",
           example="2028Q2"),
        _c("owner", TEXT, "Who answers for the benefit. Blank = the project's owner.",
           required=False, blank_ok=True, example="M. Lindqvist"),
        _c("current", NUMBER, "Latest measured KPI value. Blank = not yet measured.",
           required=False, blank_ok=True, example="41000"),
        _c("value", NUMBER, "Money value of the benefit when the target is met, in the "
           "workbook currency.", required=False, blank_ok=True, example="450000"),
    )),
)

_BY_NAME = {s.name: s for s in SHEETS}


def sheet(name: str) -> Sheet:
    """Return the definition of the sheet called *name*.

    >>> sheet("budget").names
    ('period', 'amount')
    """
    return _BY_NAME[name]


def to_markdown() -> str:
    """The workbook contract as Markdown tables, one per sheet (the README embeds it)."""
    lines = []
    for spec in SHEETS:
        need = "required" if spec.required else "optional"
        if spec.name in ("criteria", "scores"):
            need = "required when settings `value` is `score`"
        elif spec.name in ("costs", "budget"):
            need = "required"
        lines += [f"#### `{spec.name}` ({need})", "", spec.help, "",
                  "| column | required | holds |", "|---|---|---|"]
        for c in spec.columns:
            blank = "; may be blank" if c.blank_ok and c.required else ""
            lines.append(f"| `{c.name}` | {'yes' if c.required else 'no'} | {c.help} "
                         f"({c.expected}{blank}) |")
        if spec.wide:
            one = "period label" if spec.wide == "periods" else "criterion_id"
            lines.append(f"| *one per {one}* | yes | "
                         + ("Each project's score on that criterion (a number). |"
                            if spec.wide == "criteria" else
                            "Spend in that period; blank means 0, negative is a cash inflow. |"))
        if spec.name == "settings":
            lines += ["", "| key | required | holds |", "|---|---|---|"]
            lines += [f"| `{s.key}` | {'yes' if s.required else 'no'} | {s.help} "
                      f"(e.g. `{s.example}`) |" for s in SETTINGS]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"

"""Reading and writing the portfolio workbook: one ``.xlsx`` file, or a folder of ``.csv`` files.

:func:`read_workbook` is the front door: it reads every sheet, validates the whole workbook
(:mod:`seo_workbench.validate`), and returns one immutable :class:`PortfolioModel`, or raises a
single :class:`~seo_workbench.errors.WorkbookError` listing every problem.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from . import schema
from .errors import ValidationError, WorkbenchWarning, WorkbookError, choose
from .validate import ERROR, ROW, Problem, RawSheet, ValidationReport, check_sheets

__all__ = [
    "SAMPLE_QUARTERS",
    "PortfolioModel",
    "Settings",
    "read_workbook",
    "sample_workbook",
    "validate_workbook",
    "write_workbook",
]

_IGNORED_SHEETS = {"readme", "lists"}  # the template's own help and drop-down sheets
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


#: Review quarter -> folder of the bundled sample workbook as the board saw it that quarter.
SAMPLE_QUARTERS: Mapping[str, str] = MappingProxyType({"2027Q1": "sample",
                                                       "2026Q4": "sample_2026q4"})


def sample_workbook(quarter: str = "2027Q1") -> Path:
    """Path of the bundled sample workbook (a folder of CSV files) for a review *quarter*.

    The default is the current quarter, 2027Q1; ``"2026Q4"`` gives the quarter before it, for
    quarter-over-quarter comparisons (see ``tools/make_sample.py`` for what differs).

    >>> sample_workbook().joinpath("projects.csv").exists()
    True
    >>> sample_workbook("2026Q4").name
    'sample_2026q4'
    """
    folder = choose(SAMPLE_QUARTERS, quarter, what="sample quarter")
    return Path(str(resources.files("seo_workbench") / "data" / folder))


@dataclass(frozen=True)
class Settings:
    """The ``settings`` sheet, typed."""

    organisation: str
    currency: str
    periods: tuple[str, ...]
    value: str = "score"
    total_budget: float | None = None
    min_projects: int | None = None
    max_projects: int | None = None


@dataclass(frozen=True, eq=False)
class PortfolioModel:
    """A validated portfolio workbook. Tables are returned as copies, so the model never changes.

    Build it with :func:`read_workbook`.
    """

    source: str
    sha256: str
    settings: Settings
    tables: Mapping[str, pd.DataFrame]
    problems: tuple[Problem, ...] = ()
    file_hashes: Mapping[str, str] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame | None:
        """A copy of the typed table *name*, or None when the sheet was not in the workbook."""
        frame = self.tables.get(name)
        return None if frame is None else frame.copy()

    @property
    def projects(self) -> pd.DataFrame:
        """Projects indexed by ``project_id``."""
        return self.table("projects")

    @property
    def criteria(self) -> pd.DataFrame | None:
        """Criteria indexed by ``criterion_id``."""
        return self.table("criteria")

    @property
    def scores(self) -> pd.DataFrame | None:
        """Score matrix: project_id x criterion_id."""
        return self.table("scores")

    @property
    def costs(self) -> pd.DataFrame:
        """Cost matrix: project_id x period (0 where a project spends nothing)."""
        return self.table("costs")

    @property
    def budget(self) -> pd.Series:
        """Budget by period, in period order."""
        return self.tables["budget"]["amount"].copy()

    @property
    def periods(self) -> tuple[str, ...]:
        return self.settings.periods

    @property
    def objectives(self) -> dict[str, str]:
        """Criterion id -> 'max' or 'min'."""
        criteria = self.tables.get("criteria")
        return {} if criteria is None else dict(criteria["objective"])

    @property
    def weights(self) -> pd.Series:
        """Criteria weights from the workbook, normalised to sum to 1 (equal when none given)."""
        criteria = self.tables.get("criteria")
        if criteria is None:
            return pd.Series(dtype=float, name="weight")
        weights = criteria["weight"].astype(float)
        if weights.isna().all():
            weights = pd.Series(1.0, index=criteria.index)
        return (weights / weights.sum()).rename("weight")

    def project_values(self, scores=None) -> pd.Series:
        """What the optimiser maximises per project, as settings 'value' says.

        With 'value' = 'score', *scores* is a ``ScoreResult`` (or a Series of scores). A
        portfolio adds its projects' values, so a value of 0 must mean "adds nothing": every
        method's scores are already on such a scale (0..1 for weighted sum, TOPSIS and VIKOR's
        1 - Q; positive ratios for the weighted product) except PROMETHEE II's net flow, which
        runs from -1 to 1 and is mapped to (phi + 1) / 2. With 'value' = 'benefit' the
        ``benefit`` column is used and *scores* is ignored.
        """
        if self.settings.value == "benefit":
            return self.tables["projects"]["benefit"].astype(float).rename("value")
        if scores is None:
            raise ValueError("settings 'value' is 'score': pass the MCDA scores.")
        values = getattr(scores, "scores", scores)
        if getattr(scores, "method", None) == "promethee_ii":
            values = (values + 1.0) / 2.0
        return values.reindex(self.tables["projects"].index).astype(float).rename("value")

    def dependency_links(self) -> tuple[dict, dict, dict]:
        """The 'dependencies' sheet as adjacency lists: (requires, excludes, with).

        ``requires[a]`` lists what *a* needs; ``excludes`` and ``with`` list both directions.
        """
        requires, excludes, partners = {}, {}, {}
        deps = self.tables.get("dependencies")
        if deps is not None:
            for a, kind, b in deps[["project_id", "kind", "other_id"]].itertuples(index=False):
                if kind == "requires":
                    requires.setdefault(a, []).append(b)
                else:
                    pairs = excludes if kind == "excludes" else partners
                    pairs.setdefault(a, []).append(b)
                    pairs.setdefault(b, []).append(a)
        return requires, excludes, partners

    def forced_decisions(self) -> pd.DataFrame:
        """Projects forced in ('must') or out ('must_not'), with the recorded reasons."""
        projects = self.tables["projects"]
        forced = projects[projects["decision"] != "auto"]
        return forced[["name", "owner", "decision", "decision_reason"]]

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Soft problems found while reading, each saying what was done."""
        return tuple(p for p in self.problems if p.severity != ERROR)

    def alignment(self, aggregation: str = "aij", method: str = "eigenvector",
                  cr_threshold: float = 0.10):
        """The executives' alignment from sheets 'judgements' (and 'executives' if present).

        See :func:`seo_workbench.alignment.align`.
        """
        from .alignment import align

        judgements = self.table("judgements")
        if judgements is None:
            raise ValidationError("The workbook has no sheet 'judgements': add the executives' "
                             "pairwise judgements to analyse their alignment.")
        return align(judgements, aggregation, weights=self.table("executives"),
                     method=method, cr_threshold=cr_threshold, criteria_names=self.criteria)

    @property
    def report(self) -> ValidationReport:
        """The validation report of the workbook this model was read from (warnings only)."""
        return ValidationReport(self.source, self.problems)

    def to_sheets(self) -> dict[str, pd.DataFrame]:
        """The model as workbook sheets (the public column layout), ready to write."""
        s = self.settings
        rows = [("organisation", s.organisation), ("currency", s.currency),
                ("periods", ",".join(s.periods)), ("value", s.value)]
        for key in ("total_budget", "min_projects", "max_projects"):
            if getattr(s, key) is not None:
                rows.append((key, getattr(s, key)))
        sheets = {"settings": pd.DataFrame(rows, columns=["key", "value"])}
        for spec in schema.SHEETS[1:]:
            frame = self.tables.get(spec.name)
            if frame is None:
                continue
            frame = frame.reset_index()
            if spec.wide:
                sheets[spec.name] = frame
            else:
                sheets[spec.name] = frame[[c for c in spec.names if c in frame.columns]]
        return sheets

    def summary(self) -> pd.DataFrame:
        """What the workbook holds, one line per sheet, for the top of a report."""
        status = self.tables["projects"]["status"].value_counts()
        lines = [("projects", len(self.tables["projects"]),
                  f"{status.get('proposed', 0)} proposed, {status.get('in_flight', 0)} in flight")]
        for name in ("criteria", "budget", "capacity", "demand", "dependencies", "groups",
                     "themes", "judgements", "status", "benefits"):
            frame = self.tables.get(name)
            if frame is not None:
                lines.append((name, len(frame), _SUMMARY_NOTES.get(name, lambda f: "")(frame)))
        return pd.DataFrame(lines, columns=["sheet", "rows", "note"]).set_index("sheet")

    def _repr_html_(self) -> str:
        s = self.settings
        head = (f"<p><b>{html.escape(s.organisation)}</b>: portfolio of "
                f"{len(self.tables['projects'])} projects over {len(s.periods)} periods "
                f"({html.escape(s.periods[0])} to {html.escape(s.periods[-1])}), in "
                f"{html.escape(s.currency)}; value = {html.escape(s.value)}.</p>")
        return head + self.summary().reset_index().to_html(index=False)

    def __repr__(self) -> str:
        return (f"PortfolioModel({self.settings.organisation!r}, "
                f"{len(self.tables['projects'])} projects, periods {self.periods[0]}.."
                f"{self.periods[-1]})")


_SUMMARY_NOTES = {
    "criteria": lambda f: ", ".join(f["name"]),
    "budget": lambda f: f"{f['amount'].sum():,.0f} in total",
    "capacity": lambda f: f"{f['pool'].nunique()} pools",
    "dependencies": lambda f: ", ".join(f"{n} {k}" for k, n in f["kind"].value_counts().items()),
    "groups": lambda f: f"{f['group'].nunique()} groups",
    "judgements": lambda f: f"{f['executive'].nunique()} executives",
    "status": lambda f: ", ".join(sorted(f["period"].unique())),
    "benefits": lambda f: f"{f['project_id'].nunique()} projects",
}


# -- reading ------------------------------------------------------------------------------------


def _problem(source, expected, found, fix, sheet=None) -> ValidationReport:
    return ValidationReport(source, (Problem(ERROR, source, sheet, None, None, expected, found,
                                             fix),))


def _frame(rows: list[tuple[int, list]], name: str, file: str,
           problems: list[Problem]) -> RawSheet:
    """Turn (row number, cells) pairs into a RawSheet: the first row is the header."""
    if not rows:
        return RawSheet(name, file, pd.DataFrame({ROW: pd.Series(dtype=int)}))
    header_row, header = rows[0]
    names, keep = [], []
    fixed = {c.name for s in schema.SHEETS if s.name == name for c in s.columns}
    for i, cell in enumerate(header):
        label = "" if cell is None else str(cell).strip()
        if not label:
            continue
        if label.lower() in fixed:
            label = label.lower()
        if label in names:
            problems.append(Problem(ERROR, file, name, header_row, label, "each column once",
                                    f"a second column headed {label!r}",
                                    "Delete or rename one of the two columns."))
            continue
        names.append(label)
        keep.append(i)
    records = []
    numbers = []
    for number, cells in rows[1:]:
        values = [cells[i] if i < len(cells) else None for i in keep]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        records.append(["" if v is None else v for v in values])
        numbers.append(number)
    data = pd.DataFrame(records, columns=names, dtype=object)
    data[ROW] = numbers
    return RawSheet(name, file, data)


def _sheet_key(title: str) -> str:
    return title.strip().lower()


def _read_xlsx(path: Path, problems: list[Problem]) -> dict[str, RawSheet] | ValidationReport:
    import openpyxl

    source = str(path)
    head = path.read_bytes()[:8] if path.stat().st_size else b""
    if not head:
        return _problem(source, "an Excel workbook (.xlsx)", "an empty file (0 bytes)",
                        "Save the workbook again from Excel, or use `seo-workbench template`.")
    if head.startswith(_OLE_MAGIC):
        if _ENCRYPTED in path.read_bytes():
            return _problem(source, "a workbook without a password",
                            "a password-protected (encrypted) workbook",
                            "In Excel: File > Info > Protect Workbook > Encrypt with Password, "
                            "clear the password and save.")
        return _problem(source, "an .xlsx workbook", "an old-style .xls workbook",
                        "Open it in Excel and save it as 'Excel Workbook (.xlsx)'.")
    if not zipfile.is_zipfile(path):
        return _problem(source, "an Excel workbook (.xlsx)", "a file that is not a workbook",
                        "Give the path of an .xlsx file or of a folder of .csv files.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        return _problem(source, "an Excel workbook (.xlsx)",
                        f"a file openpyxl cannot open ({type(exc).__name__})",
                        "Open and re-save it in Excel, or export the sheets as CSV files.")
    sheets = {}
    try:
        for ws in book.worksheets:
            key = _sheet_key(ws.title)
            if key in _IGNORED_SHEETS:
                continue
            try:
                rows = [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), 1)]
            except Exception as exc:  # read-only mode parses a sheet only when it is read
                return _problem(source, "a sheet openpyxl can read",
                                f"a damaged sheet ({type(exc).__name__})",
                                "Open and re-save it in Excel, or export the sheets as CSV "
                                "files.", sheet=key)
            sheets[key] = _frame(rows, key, source, problems)
    finally:
        book.close()
    if not any(len(s.data.columns) > 1 for s in sheets.values()):
        return _problem(source, "sheets with a header row and data", "an empty workbook",
                        "Fill in the template (`seo-workbench template OUT.xlsx`).")
    return sheets


def _read_csv_folder(path: Path, problems: list[Problem]) -> dict[str, RawSheet] | ValidationReport:
    files = sorted(path.glob("*.csv"))
    if not files:
        return _problem(str(path), "a folder with one .csv file per sheet (projects.csv, ...)",
                        "no .csv files", "Export each sheet as CSV into this folder, or give "
                        "the path of an .xlsx workbook.")
    sheets = {}
    for file in files:
        key = _sheet_key(file.stem)
        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            problems.append(Problem(ERROR, str(file), key, None, None, "UTF-8 text",
                                    f"a byte that is not UTF-8 at position {exc.start}",
                                    "Save the file as 'CSV UTF-8' from Excel."))
            continue
        # Only the delimiter is sniffed (Excel writes ';' in some locales); quoting is
        # Excel's own. A header line has no quotes to learn from, and the sniffer then turns
        # off doubled quotes, which splits a cell such as "He said ""go"", twice" in two.
        try:
            delimiter = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
        reader = csv.reader(io.StringIO(text), csv.excel, delimiter=delimiter)
        rows = [(i, r) for i, r in enumerate(reader, 1)]
        sheets[key] = _frame(rows, key, str(file), problems)
    return sheets


def _hashes(path: Path) -> tuple[str, dict[str, str]]:
    """SHA-256 of the workbook: of the file, or of a folder's sorted (name, file hash) pairs."""
    if path.is_file():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return digest, {path.name: digest}
    files = {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(path.glob("*.csv"))}
    combined = hashlib.sha256("".join(f"{n}\0{h}\n" for n, h in files.items()).encode())
    return combined.hexdigest(), files


def _check(path: str | Path) -> tuple[ValidationReport, dict]:
    path = Path(path).expanduser()
    source = str(path)
    if not path.exists():
        return _problem(source, "an existing .xlsx file or folder of .csv files", "no such path",
                        "Check the path (it is relative to the folder you run from)."), {}
    problems: list[Problem] = []
    if path.is_dir():
        sheets = _read_csv_folder(path, problems)
    elif path.suffix.lower() == ".csv":
        return _problem(source, "an .xlsx file or a folder of .csv files", "a single .csv file",
                        f"Give the folder that holds it ({path.parent}) instead."), {}
    else:
        sheets = _read_xlsx(path, problems)
    if isinstance(sheets, ValidationReport):
        return sheets, {}
    report, tables = check_sheets(source, sheets)
    # A sheet the reader reported and could not read is not also "missing".
    unread = {p.sheet for p in problems} - set(sheets)
    later = tuple(p for p in report.problems
                  if not (p.sheet in unread and p.found == "no such sheet"))
    return ValidationReport(source, tuple(problems) + later), tables


def validate_workbook(path: str | Path) -> ValidationReport:
    """Read and validate the workbook at *path*; return every problem found, raising nothing.

    >>> validate_workbook(sample_workbook()).ok
    True
    """
    return _check(path)[0]


def read_workbook(path: str | Path) -> PortfolioModel:
    """Read, validate and return the portfolio workbook at *path* as one immutable model.

    Parameters
    ----------
    path
        An ``.xlsx`` workbook, or a folder holding one ``.csv`` file per sheet.

    Returns
    -------
    PortfolioModel

    Raises
    ------
    WorkbookError
        Listing every problem (file, sheet, row, column, expected, found, fix). Soft problems
        are issued as :class:`~seo_workbench.errors.WorkbenchWarning` instead.

    >>> read_workbook(sample_workbook()).settings.currency
    'EUR'
    """
    report, tables = _check(path)
    if not report.ok:
        raise WorkbookError(str(report), report)
    for problem in report.warnings:
        warnings.warn(problem.message, WorkbenchWarning, stacklevel=2)
    sha, files = _hashes(Path(path).expanduser())
    return _build(report, tables, sha, files)


def _build(report: ValidationReport, tables: dict, sha: str, files: dict) -> PortfolioModel:
    raw = tables.pop("settings")
    settings = Settings(**{k: v for k, v in raw.items() if k in Settings.__dataclass_fields__})
    periods = list(settings.periods)
    out = {}
    for name, frame in tables.items():
        if name in ("score_matrix", "cost_matrix"):
            continue
        frame = frame.drop(columns=[ROW])
        spec = schema.sheet(name)
        if spec.wide:
            continue
        if name == "projects":
            frame = frame.set_index("project_id")
        elif name == "criteria":
            frame = frame.set_index("criterion_id")
        elif name == "themes":
            frame = frame.set_index("theme")
        elif name == "budget":
            frame = frame.set_index("period").reindex(periods)
        out[name] = frame
    if "score_matrix" in tables:
        scores = tables["score_matrix"].astype(float)
        out["scores"] = scores.reindex(out["projects"].index)
    costs = tables["cost_matrix"].astype(float).reindex(out["projects"].index)
    costs.columns.name = "period"
    out["costs"] = costs
    if "groups" in out:
        limit = out["groups"].groupby("group")["max_selected"].transform("max")
        out["groups"]["max_selected"] = limit.fillna(1).astype(int)
    return PortfolioModel(report.source, sha, settings, MappingProxyType(out), report.problems,
                          MappingProxyType(files))


# -- writing ------------------------------------------------------------------------------------


def write_workbook(model: PortfolioModel, path: str | Path) -> Path:
    """Write *model* as an ``.xlsx`` workbook (styled like the template) or a folder of CSVs.

    The format follows the suffix: ``.xlsx`` writes one file, anything else a folder.
    """
    path = Path(path)
    sheets = model.to_sheets()
    if path.suffix.lower() == ".xlsx":
        from .template import write_template

        return write_template(path, sheets)
    path.mkdir(parents=True, exist_ok=True)
    for name, frame in sheets.items():
        _whole_numbers(frame).to_csv(path / f"{name}.csv", index=False)
    return path


def _whole_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Write 1200000 rather than 1200000.0 where a float column holds only whole numbers."""
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if values.dtype.kind == "f" and (values.dropna() % 1 == 0).all():
            frame[column] = values.astype("Int64")
    return frame

"""The decision register: every quarter's decisions, appended and never rewritten.

Each quarterly run appends one *batch*: the run id, the quarter, the SHA-256 of the input
workbook, when and by whom it was recorded, and one entry per project (funded, not funded,
forced in or out with the reason, continued or stopped). The board's own overrides are batches
of their own, each with a reason and the run it overrides. A batch is written in one database
transaction, so an interrupted write leaves nothing behind and earlier batches are untouched.

The register is a real database: by default an SQLite file beside the runs
(``reports/decisions.sqlite``); any SQLAlchemy URL (``postgresql+psycopg://...``) for a team that
shares one server. Nothing is ever updated or deleted: this module only inserts, and the
database itself refuses UPDATE and DELETE on the register's tables (triggers on SQLite and
PostgreSQL). :meth:`DecisionRegister.export` writes a CSV or Excel copy for people.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import html
import importlib.util
import json
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url

from .errors import RegisterError, ValidationError, choose
from .report import MANIFEST_JSON, SELECTION_CSV, spreadsheet_safe, spreadsheet_text

__all__ = [
    "DECISIONS",
    "DEFAULT_FILE",
    "ENTRY_COLUMNS",
    "OVERRIDES",
    "REGISTER_COLUMNS",
    "SCHEMA_VERSION",
    "DecisionRegister",
    "RecordResult",
    "read_run_decisions",
    "safe_url",
]

DEFAULT_FILE = "decisions.sqlite"  # in the reports folder, beside the quarters' runs
SCHEMA_VERSION = 1

DECISIONS: Mapping[str, str] = {
    "funded": "funded by the optimiser",
    "not_funded": "not funded by the optimiser",
    "must": "funded because the workbook forces it in",
    "must_not": "not funded because the workbook forces it out",
    "continue": "in-flight project continued",
    "stop": "in-flight project stopped",
    "hold": "in-flight project paused",
    "override_fund": "the board funds it against the recommendation",
    "override_stop": "the board stops or declines it against the recommendation",
    "override_hold": "the board pauses it against the recommendation",
}
OVERRIDES = ("override_fund", "override_stop", "override_hold")
_NEEDS_REASON = ("must", "must_not", *OVERRIDES)
RUN, OVERRIDE = "run", "override"

# Columns of an entry, and of the register as read back (batch first, then entry).
BATCH, KIND, RUN_ID, QUARTER, INPUT_SHA256 = "batch", "kind", "run_id", "quarter", "input_sha256"
RECORDED_AT, RECORDED_BY = "recorded_at", "recorded_by"
PROJECT_ID, NAME, OWNER, DECISION, REASON = "project_id", "name", "owner", "decision", "reason"
VALUE, COST, SCORE, RANK = "value", "cost", "score", "rank"
ENTRY_COLUMNS = (PROJECT_ID, NAME, OWNER, DECISION, REASON, VALUE, COST, SCORE, RANK)
BATCH_COLUMNS = (BATCH, KIND, RUN_ID, QUARTER, INPUT_SHA256, RECORDED_AT, RECORDED_BY)
REGISTER_COLUMNS = (*BATCH_COLUMNS, *ENTRY_COLUMNS)

# The run folder's files and the selection's columns (see report.save_outputs).
_SELECTED, _STATUS, _IN_FLIGHT, _FORCED, _FORCED_REASON, _RECOMMENDATION = (
    "selected", "status", "in_flight", "decision", "decision_reason", "recommendation")

# Rows per INSERT statement: bounds memory and statement size on very large portfolios.
_CHUNK = 500
# Seconds a writer waits for another writer's transaction (SQLite) or a server to answer.
_WAIT_SECONDS = 60
_APPEND_ONLY = "the decision register is append-only"

_METADATA = sa.MetaData()
_SCHEMA = sa.Table(
    "register_schema", _METADATA,
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
_BATCHES = sa.Table(
    "register_batches", _METADATA,
    sa.Column(BATCH, sa.Integer, primary_key=True, autoincrement=True),
    # The run id for a run's batch, so a run can be recorded only once; unique per override.
    sa.Column("batch_key", sa.String(255), nullable=False, unique=True),
    sa.Column(KIND, sa.String(16), nullable=False),
    sa.Column(RUN_ID, sa.String(255), nullable=False, index=True),
    sa.Column(QUARTER, sa.String(32), nullable=False, index=True),
    sa.Column(INPUT_SHA256, sa.String(64), nullable=False),
    sa.Column(RECORDED_AT, sa.DateTime(timezone=True), nullable=False),
    sa.Column(RECORDED_BY, sa.String(255), nullable=False),
    # How many entries the batch has, so a reader can check that none is missing.
    sa.Column("entries", sa.Integer, nullable=False),
)
_ENTRIES = sa.Table(
    "register_entries", _METADATA,
    sa.Column("entry", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(BATCH, sa.Integer, sa.ForeignKey("register_batches.batch"), nullable=False,
              index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column(PROJECT_ID, sa.String(255), nullable=False),
    sa.Column(NAME, sa.Text, nullable=False),
    sa.Column(OWNER, sa.Text, nullable=False),
    sa.Column(DECISION, sa.String(32), nullable=False),
    sa.Column(REASON, sa.Text, nullable=False),
    sa.Column(VALUE, sa.Float),
    sa.Column(COST, sa.Float),
    sa.Column(SCORE, sa.Float),
    sa.Column(RANK, sa.Integer),
    sa.UniqueConstraint(BATCH, "position"),
)
_GUARDED = (_BATCHES.name, _ENTRIES.name, _SCHEMA.name)

_SQLITE_GUARDS = [
    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}: {verb} refused on {table}'); END"
    for table in _GUARDED for verb in ("UPDATE", "DELETE")
]
_POSTGRES_GUARDS = [
    "CREATE OR REPLACE FUNCTION register_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{_APPEND_ONLY}: % refused on %', TG_OP, TG_TABLE_NAME; END $$",
    *(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
      "FOR EACH ROW EXECUTE FUNCTION register_append_only()" for table in _GUARDED),
    *(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
      "FOR EACH STATEMENT EXECUTE FUNCTION register_append_only()" for table in _GUARDED),
]


@dataclass(frozen=True)
class RecordResult:
    """One batch appended to the register: which run, which quarter, and its entries."""

    batch: int
    kind: str  # "run" or "override"
    run_id: str
    quarter: str
    input_sha256: str
    recorded_at: dt.datetime  # UTC
    recorded_by: str
    entries: pd.DataFrame = field(repr=False)  # columns ENTRY_COLUMNS
    register: str = ""  # where it was written, password hidden

    def summary(self) -> str:
        """One sentence for a log line or the board."""
        counts = self.entries[DECISION].value_counts()
        tally = ", ".join(f"{n} {d}" for d, n in counts.items())
        when = f"{self.recorded_at:%Y-%m-%d %H:%M}"
        return (f"Batch {self.batch} ({self.kind}) of run {self.run_id}, {self.quarter}: "
                f"{len(self.entries)} {'entry' if len(self.entries) == 1 else 'entries'} "
                f"({tally}), recorded {when} UTC by "
                f"{self.recorded_by} in {self.register}.")

    def to_frame(self) -> pd.DataFrame:
        """The entries with the batch's columns in front, as :meth:`DecisionRegister.read`."""
        head = {BATCH: self.batch, KIND: self.kind, RUN_ID: self.run_id, QUARTER: self.quarter,
                INPUT_SHA256: self.input_sha256, RECORDED_AT: pd.Timestamp(self.recorded_at),
                RECORDED_BY: self.recorded_by}
        return self.entries.assign(**head)[list(REGISTER_COLUMNS)]

    def _repr_html_(self) -> str:
        return (f"<p>{html.escape(self.summary())}</p>"
                + self.entries.to_html(index=False, escape=True, na_rep=""))


def safe_url(address: str | Path) -> str:
    """The register's address as it may be shown or logged: the password hidden.

    >>> safe_url("postgresql+psycopg://seo:secret@db.example:5432/portfolio")
    'postgresql+psycopg://seo:***@db.example:5432/portfolio'
    >>> safe_url(Path("reports") / "decisions.sqlite")
    'sqlite:///reports/decisions.sqlite'
    """
    try:
        return _url(address).render_as_string(hide_password=True)
    except RegisterError:
        return "<unreadable register address>"


def _url(address: str | Path) -> URL:
    """An SQLAlchemy URL from a file path or a URL string; a clear error for anything else."""
    if isinstance(address, Path) or "://" not in str(address):
        text = str(address).strip()
        if not text:
            raise RegisterError("The register address is empty. Give a file path such as "
                                "reports/decisions.sqlite, or a database URL such as "
                                "postgresql+psycopg://user:password@host:5432/portfolio.")
        return URL.create("sqlite", database=str(Path(text).expanduser()))
    try:
        url = make_url(str(address).strip())
    except (sa.exc.ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise RegisterError(
            f"Cannot read the register address {str(address)!r}. Expected a file path "
            "(reports/decisions.sqlite) or an SQLAlchemy URL such as "
            "sqlite:///reports/decisions.sqlite or "
            "postgresql+psycopg://user:password@host:5432/portfolio.") from None
    if url.drivername == "postgresql" and not _installed("psycopg2") and _installed("psycopg"):
        url = url.set(drivername="postgresql+psycopg")  # plain postgresql:// means psycopg2
    return url


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _first_line(exc: BaseException) -> str:
    """The database's own message, without SQLAlchemy's statement dump and links."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__


class DecisionRegister:
    """An append-only register of quarterly decisions, in SQLite or any SQLAlchemy database.

    Parameters
    ----------
    address
        A file path (an SQLite file, created with its folder if missing) or an SQLAlchemy URL:
        ``sqlite:///reports/decisions.sqlite``,
        ``postgresql+psycopg://user:password@host:5432/portfolio``.
    create
        Create the register's tables when the database has none (the default). With
        ``create=False`` a missing register is an error, for commands that only read.

    Raises
    ------
    RegisterError
        The address cannot be read, the driver is not installed, the server cannot be reached,
        or the database holds a register written by a newer version.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> with DecisionRegister(Path(folder.name) / "decisions.sqlite") as register:
    ...     done = register.append("2027Q1-demo", "2027Q1", "0" * 64, [
    ...         {"project_id": "P01", "name": "Portal", "owner": "K. Mehta",
    ...          "decision": "funded"}], recorded_by="analyst")
    ...     register.read()[["run_id", "project_id", "decision"]]
            run_id project_id decision
    0  2027Q1-demo        P01   funded
    >>> folder.cleanup()
    """

    def __init__(self, address: str | Path, create: bool = True):
        self.url = _url(address)
        self.address = self.url.render_as_string(hide_password=True)
        self._sqlite = self.url.get_backend_name() == "sqlite"
        self._postgres = self.url.get_backend_name() == "postgresql"
        if self._sqlite:
            self._prepare_sqlite_file(create)
        self.engine = self._engine()
        try:
            self._open(create)
        except BaseException:
            self.engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"DecisionRegister({self.address!r})"

    def __enter__(self) -> DecisionRegister:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the register's connections."""
        self.engine.dispose()

    # -- opening ---------------------------------------------------------------------------

    def _prepare_sqlite_file(self, create: bool) -> None:
        database = self.url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise RegisterError(f"The register {self.address} is not a file. Give a file path, "
                                "e.g. reports/decisions.sqlite: an in-memory register would "
                                "be lost when the run ends.")
        path = Path(database)
        if not create and not path.exists():
            raise RegisterError(f"No decision register at {path}. Run `seo-workbench run` "
                                "first (it records each run there), or pass --register with "
                                "the register's path or URL.")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RegisterError(f"Cannot create the folder for the register {path}: "
                                f"{exc.strerror}. Choose a folder you can write to.") from None

    def _engine(self) -> sa.Engine:
        options: dict = {}
        if self._sqlite:
            # The busy timeout makes a writer wait for another's transaction, not fail.
            options["connect_args"] = {"timeout": _WAIT_SECONDS}
        elif self._postgres and "connect_timeout" not in self.url.query:
            options["connect_args"] = {"connect_timeout": 10}
        try:
            engine = sa.create_engine(self.url, **options)
        except ModuleNotFoundError as exc:
            raise RegisterError(
                f"The register {self.address} needs the Python driver {exc.name!r}, which is "
                "not installed. For PostgreSQL: pip install 'seo-workbench[postgres]' and use "
                "a postgresql+psycopg:// URL; otherwise install the driver the URL names."
            ) from None
        except sa.exc.NoSuchModuleError:
            raise RegisterError(
                f"Unknown database kind {self.url.drivername!r} in the register address "
                f"{self.address}. Use a file path, sqlite:///path, or a URL of a database "
                "SQLAlchemy supports, e.g. postgresql+psycopg://user:password@host/db."
            ) from None
        except sa.exc.ArgumentError as exc:
            raise RegisterError(f"Cannot use the register address {self.address}: "
                                f"{_first_line(exc)}.") from None
        if self._sqlite:
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
        return engine

    def _open(self, create: bool) -> None:
        with self._writing("opening the register") as conn:
            if self._postgres:
                # Two runs opening a new register at once: one creates, the other waits.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(7215030921)"))
            if sa.inspect(conn).has_table(_SCHEMA.name):
                version = conn.execute(sa.select(sa.func.max(_SCHEMA.c.version))).scalar()
                if version is not None and version > SCHEMA_VERSION:
                    raise RegisterError(
                        f"The register {self.address} has schema version {version}, written "
                        f"by a newer seo-workbench (this one reads up to {SCHEMA_VERSION}). "
                        "Upgrade seo-workbench to write to it.")
                return
            if not create:
                raise RegisterError(f"{self.address} holds no decision register. Check the "
                                    "address, or record a run there first.")
            _METADATA.create_all(conn)
            for statement in (_SQLITE_GUARDS if self._sqlite else
                              _POSTGRES_GUARDS if self._postgres else ()):
                conn.execute(sa.text(statement))
            conn.execute(_SCHEMA.insert().values(version=SCHEMA_VERSION,
                                                 created_at=dt.datetime.now(dt.UTC)))

    @contextlib.contextmanager
    def _writing(self, action: str) -> Iterator[sa.Connection]:
        """One write transaction: committed whole at the end, or rolled back whole."""
        with self._errors(action), self.engine.connect() as conn:
            conn = conn.execution_options(register_write=True)
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn the database's errors into a :class:`RegisterError` that says what to do."""
        try:
            yield
        except sa.exc.SQLAlchemyError as exc:
            message = _first_line(exc)
            if _APPEND_ONLY in message:
                raise RegisterError(f"{message}. Record a correction as a new entry (for the "
                                    "board: an override) instead.") from None
            if isinstance(exc, sa.exc.IntegrityError):
                raise RegisterError(f"The register {self.address} refused a row while "
                                    f"{action}: {message}.") from None
            if not isinstance(exc, sa.exc.OperationalError):
                raise RegisterError(f"The register {self.address} failed while {action}: "
                                    f"{message}.") from None
            if self._sqlite:
                hint = ("Check that the file is on a local disk you can write to (SQLite's "
                        "locking does not work on network shares; use a database server URL "
                        "there).")
            else:
                hint = ("Check that the server is running and that the URL's host, port, "
                        "database, user and password are right; or leave the register out to "
                        "use the SQLite file beside the runs.")
            raise RegisterError(f"Cannot use the register {self.address} while {action}: "
                                f"{message}. {hint}") from None

    # -- writing ---------------------------------------------------------------------------

    def append(self, run_id: str, quarter: str, input_sha256: str,
               entries: pd.DataFrame | Iterable[Mapping], recorded_by: str | None = None,
               kind: str = RUN) -> RecordResult:
        """Append one batch of entries in one transaction: all of it is recorded, or none.

        Parameters
        ----------
        run_id, quarter, input_sha256
            The run the decisions come from, its review quarter and the SHA-256 of its input
            workbook (64 hex digits).
        entries
            One row per project with the columns of :data:`ENTRY_COLUMNS`: ``project_id`` and
            ``decision`` (a key of :data:`DECISIONS`) are required; ``reason`` is required for
            forced decisions and overrides.
        recorded_by
            Who records the batch; default the user running the process.
        kind
            ``"run"`` (one per run id) or ``"override"``.

        Returns
        -------
        RecordResult
            The batch as written.

        Raises
        ------
        ValidationError
            Listing every entry that is not valid, before anything is written.
        RegisterError
            When the run id is already recorded, or the database fails (nothing is written).
        """
        kind = choose({RUN: RUN, OVERRIDE: OVERRIDE}, kind, what="batch kind")
        run_id, quarter = str(run_id).strip(), str(quarter).strip()
        input_sha256 = str(input_sha256).strip().lower()
        recorded_by = str(recorded_by).strip() if recorded_by else _user()
        table = _entries_table(entries)
        problems = _check_batch(run_id, quarter, input_sha256, recorded_by) + _check_entries(table)
        if problems:
            raise ValidationError("Not recorded in the decision register:\n  - "
                                  + "\n  - ".join(problems))
        key = run_id if kind == RUN else f"{run_id}/override/{_stamp()}"
        recorded_at = dt.datetime.now(dt.UTC)
        with self._writing(f"recording run {run_id}") as conn:
            if kind == RUN:
                earlier = conn.execute(sa.select(_BATCHES.c[BATCH], _BATCHES.c[RECORDED_AT]).where(
                    _BATCHES.c.batch_key == key)).first()
                if earlier is not None:
                    raise _duplicate(run_id, earlier[0], earlier[1])
            try:
                batch = conn.execute(_BATCHES.insert().values(
                    batch_key=key, kind=kind, run_id=run_id, quarter=quarter,
                    input_sha256=input_sha256, recorded_at=recorded_at,
                    recorded_by=recorded_by, entries=len(table))).inserted_primary_key[0]
            except sa.exc.IntegrityError:
                # Another writer recorded the same run between our check and our insert.
                raise _duplicate(run_id, None, None) from None
            rows = [{BATCH: batch, "position": i, **row}
                    for i, row in enumerate(_plain_rows(table))]
            for start in range(0, len(rows), _CHUNK):
                conn.execute(_ENTRIES.insert(), rows[start:start + _CHUNK])
        return RecordResult(batch, kind, run_id, quarter, input_sha256, recorded_at,
                            recorded_by, table, self.address)

    def record_run(self, run_dir: str | Path, recorded_by: str | None = None) -> RecordResult:
        """Append the decisions of a finished run folder (``manifest.json``, ``selection.csv``).

        Raises
        ------
        RegisterError
            The folder is not a finished run, or the run is already recorded.
        """
        manifest = _read_manifest(Path(run_dir))
        return self.append(manifest[RUN_ID], manifest[QUARTER], manifest["workbook"]["sha256"],
                           read_run_decisions(run_dir), recorded_by=recorded_by)

    def record_override(self, quarter: str, project_id: str, decision: str, reason: str,
                        by: str, run_id: str | None = None) -> RecordResult:
        """Append one decision of the board's own that overrides a run's recommendation.

        Parameters
        ----------
        quarter
            The review quarter.
        project_id
            The project, as in the run's entries.
        decision
            ``"fund"``, ``"stop"`` or ``"hold"`` (or ``"override_fund"`` and so on).
        reason
            Why the board decided so; required.
        by
            Who took or records the decision (the board, its chair); required.
        run_id
            The run whose recommendation is overridden; default the latest run of *quarter*
            in the register. The override carries that run's id and input hash.

        Raises
        ------
        ValidationError
            No reason, no author, or an unknown decision.
        RegisterError
            No run of that quarter (or that run id) in the register, or the project is not in
            that run.
        """
        decision = str(decision).strip().lower()
        short = {d.removeprefix("override_"): d for d in OVERRIDES}
        decision = choose({**short, **{d: d for d in OVERRIDES}}, decision,
                          what="override decision")
        problems = []
        if not str(reason or "").strip():
            problems.append("an override needs a reason: say why the board decided otherwise.")
        if not str(by or "").strip():
            problems.append("an override needs 'by': who took or records the decision.")
        if problems:
            raise ValidationError("Override not recorded:\n  - " + "\n  - ".join(problems))
        quarter, project_id = str(quarter).strip(), str(project_id).strip()
        run = self._run_batch(quarter, run_id)
        with self._errors("reading the overridden run"), self.engine.connect() as conn:
            entry = conn.execute(sa.select(_ENTRIES).where(
                (_ENTRIES.c[BATCH] == run[BATCH]) & (_ENTRIES.c[PROJECT_ID] == project_id))
            ).mappings().first()
        if entry is None:
            raise RegisterError(f"Project {project_id!r} is not among the decisions of run "
                                f"{run[RUN_ID]}. Check the project id (column 'project_id').")
        row = {c: entry[c] for c in ENTRY_COLUMNS} | {DECISION: decision,
                                                     REASON: str(reason).strip()}
        return self.append(run[RUN_ID], quarter, run[INPUT_SHA256], [row],
                           recorded_by=str(by).strip(), kind=OVERRIDE)

    def _run_batch(self, quarter: str, run_id: str | None) -> Mapping:
        """The run batch an override refers to: the named run, else the quarter's latest."""
        query = sa.select(_BATCHES).where(_BATCHES.c[KIND] == RUN)
        query = (query.where(_BATCHES.c[RUN_ID] == str(run_id).strip()) if run_id else
                 query.where(_BATCHES.c[QUARTER] == quarter))
        with self._errors("finding the overridden run"), self.engine.connect() as conn:
            run = conn.execute(query.order_by(_BATCHES.c[BATCH].desc())).mappings().first()
        if run is None:
            what = f"run {run_id!r}" if run_id else f"run of {quarter}"
            raise RegisterError(f"No {what} in the register {self.address}: an override needs "
                                "the run it overrides. Record the run first (seo-workbench "
                                "register record RUN_DIR) or pass its run id.")
        if run[QUARTER] != quarter:
            raise RegisterError(f"Run {run[RUN_ID]} is of {run[QUARTER]}, not {quarter}. "
                                "Pass the run's own quarter.")
        return run

    # -- reading ---------------------------------------------------------------------------

    def read(self, quarter: str | None = None) -> pd.DataFrame:
        """Every entry, oldest batch first, with its batch's columns (:data:`REGISTER_COLUMNS`).

        Only complete batches exist: a batch is committed with its entries or not at all.
        """
        batches, entries = _BATCHES.c, _ENTRIES.c
        query = (sa.select(*(batches[c] for c in BATCH_COLUMNS),
                           *(entries[c] for c in ENTRY_COLUMNS))
                 .join_from(_ENTRIES, _BATCHES, entries[BATCH] == batches[BATCH])
                 .order_by(batches[BATCH], entries.position))
        if quarter is not None:
            query = query.where(batches[QUARTER] == str(quarter).strip())
        with self._errors("reading"), self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        frame = pd.DataFrame([dict(r) for r in rows], columns=list(REGISTER_COLUMNS))
        frame[RECORDED_AT] = pd.to_datetime(frame[RECORDED_AT], utc=True)
        for column in (VALUE, COST, SCORE):
            frame[column] = frame[column].astype(float)
        frame[RANK] = frame[RANK].astype("Int64")
        frame[BATCH] = frame[BATCH].astype(int)
        return frame

    def export(self, path: str | Path, quarter: str | None = None) -> Path:
        """Write the register (or one quarter) to ``.csv`` or ``.xlsx`` for people to read.

        Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-`` or
        ``@``) is written with a leading apostrophe, so opening the file runs nothing.

        Raises
        ------
        ValidationError
            The file name ends in neither ``.csv`` nor ``.xlsx``.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise ValidationError(f"Cannot export the register to {path.name!r}: expected a "
                                  "file name ending in .csv or .xlsx.")
        frame = self.read(quarter)
        frame[RECORDED_AT] = frame[RECORDED_AT].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        frame = _neutralised(frame)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        if suffix == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
                frame.to_excel(writer, sheet_name="decisions", index=False)
                writer.sheets["decisions"].freeze_panes = "A2"
        tmp.replace(path)
        return path


def _duplicate(run_id: str, batch, when) -> RegisterError:
    at = f" as batch {batch} on {when:%Y-%m-%d %H:%M} UTC" if batch is not None else ""
    return RegisterError(f"Run {run_id} is already in the decision register{at}; a run is "
                         "recorded once and never rewritten. To change a decision, record a "
                         "board override; to record new decisions, run the quarter again "
                         "(a new run id).")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


def _stamp() -> str:
    return f"{time.time_ns():x}"


def _sqlite_connect(dbapi_connection, _record) -> None:
    # SQLAlchemy emits BEGIN itself (see _sqlite_begin), so sqlite3 must not.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = FULL")
    # WAL lets readers read while one run writes; it is a property of the file, set once.
    for attempt in range(20):
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            break
        except sqlite3.OperationalError:  # another process is switching it now
            if attempt == 19:
                raise
            time.sleep(0.05 * (attempt + 1))
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue up (busy timeout) instead
    # of both reading first and one failing when it tries to write.
    immediate = conn.get_execution_options().get("register_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _entries_table(entries: pd.DataFrame | Iterable[Mapping]) -> pd.DataFrame:
    if isinstance(entries, pd.DataFrame):
        # A table keyed by project id, as PortfolioResult.projects is, keeps its ids.
        keyed = entries.index.name == PROJECT_ID and PROJECT_ID not in entries
        table = entries.reset_index() if keyed else entries.copy()
    else:
        table = pd.DataFrame(list(entries))
    for column in ENTRY_COLUMNS:
        if column not in table:
            table[column] = pd.NA
    table = table[list(ENTRY_COLUMNS)].reset_index(drop=True)
    for column in (PROJECT_ID, NAME, OWNER, DECISION, REASON):
        table[column] = table[column].map(lambda v: "" if _blank(v) else str(v).strip())
    for column in (VALUE, COST, SCORE):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    table[RANK] = pd.to_numeric(table[RANK], errors="coerce").round().astype("Int64")
    return table


def _blank(value) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _check_batch(run_id: str, quarter: str, sha: str, by: str) -> list[str]:
    problems = []
    if not run_id:
        problems.append("run_id is empty: every entry carries the id of the run it comes from.")
    if not quarter:
        problems.append("quarter is empty: give the review quarter, e.g. 2027Q1.")
    if not re.fullmatch(r"[0-9a-f]{64}", sha):
        problems.append(f"input_sha256 must be the workbook's SHA-256 (64 hex digits); found "
                        f"{sha!r}.")
    if not by:
        problems.append("recorded_by is empty: say who records the batch.")
    return problems


def _check_entries(table: pd.DataFrame) -> list[str]:
    if table.empty:
        return ["the batch has no entries: a quarter's decisions have one row per project."]
    problems = []
    for i, row in table.iterrows():
        where = f"entry {i + 1}" + (f" ({row[PROJECT_ID]})" if row[PROJECT_ID] else "")
        if not row[PROJECT_ID]:
            problems.append(f"{where}: project_id is empty.")
        if row[DECISION] not in DECISIONS:
            problems.append(f"{where}: unknown decision {row[DECISION]!r}. Choose one of: "
                            f"{', '.join(DECISIONS)}.")
        elif row[DECISION] in _NEEDS_REASON and not row[REASON]:
            problems.append(f"{where}: decision {row[DECISION]!r} needs a reason.")
    duplicated = table[PROJECT_ID][table[PROJECT_ID].duplicated() & (table[PROJECT_ID] != "")]
    if len(duplicated):
        problems.append(f"project ids appear twice in one batch: "
                        f"{', '.join(sorted(set(duplicated)))}.")
    return problems


def _plain_rows(table: pd.DataFrame) -> list[dict]:
    """Rows as plain Python values (None for missing) for the database driver."""
    rows = []
    for record in table.to_dict("records"):
        rows.append({k: (None if _blank(v) else v.item() if hasattr(v, "item") else v)
                     for k, v in record.items()})
    return rows


def _neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula, with a leading apostrophe."""
    return spreadsheet_safe(frame)


def _read_manifest(run_dir: Path) -> dict:
    path = run_dir / MANIFEST_JSON
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise RegisterError(f"{run_dir} is not a run folder: it has no {MANIFEST_JSON}. Give a "
                            "folder reports/<quarter>/<run id>/ written by seo-workbench run."
                            ) from None
    except json.JSONDecodeError as exc:
        raise RegisterError(f"{path} is not valid JSON ({exc.msg}, line {exc.lineno}).") from None
    if manifest.get("status") != "succeeded":
        raise RegisterError(f"Run {manifest.get(RUN_ID, run_dir.name)} did not finish (status "
                            f"{manifest.get('status')!r}): only a finished run's decisions are "
                            "recorded.")
    return manifest


def read_run_decisions(run_dir: str | Path) -> pd.DataFrame:
    """One entry per project of a finished run folder: what was decided, and why.

    ``must`` and ``must_not`` are the workbook's forced decisions with their reasons; an
    in-flight project is ``continue`` or ``stop`` (or, where the selection has the columns
    ``recommendation`` and ``reason`` of a continuation review, ``continue``, ``stop`` or
    ``hold`` with that reason); any other project is ``funded`` or ``not_funded``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ENTRY_COLUMNS`, in the order of ``selection.csv``.

    Raises
    ------
    RegisterError
        The folder has no ``selection.csv`` or it lacks a column.
    """
    path = Path(run_dir) / SELECTION_CSV
    try:
        selection = pd.read_csv(path, dtype={PROJECT_ID: str}, keep_default_na=False,
                                na_values=[""])
    except FileNotFoundError:
        raise RegisterError(f"{run_dir} has no {SELECTION_CSV}: the run did not get as far as "
                            "selecting the portfolio.") from None
    missing = [c for c in (PROJECT_ID, _SELECTED) if c not in selection]
    if missing:
        raise RegisterError(f"{path}: expected the columns {', '.join(missing)}; found "
                            f"{', '.join(selection.columns)}.")
    selection = spreadsheet_text(selection)  # the run neutralised formula-like text
    selected = selection[_SELECTED].astype(str).str.lower().isin(("true", "1", "yes"))
    forced = selection.get(_FORCED, pd.Series("auto", index=selection.index)).fillna("auto")
    in_flight = selection.get(_STATUS, pd.Series("", index=selection.index)) == _IN_FLIGHT
    decision = pd.Series("not_funded", index=selection.index)
    decision[selected] = "funded"
    decision[in_flight] = "stop"
    decision[in_flight & selected] = "continue"
    blank = pd.Series("", index=selection.index)
    reason = blank.copy()
    # A continuation recommendation (continue / stop / hold), when the run wrote one, is the
    # decision on an in-flight project, with its own reason.
    recommended = selection.get(_RECOMMENDATION, blank).fillna("").astype(str).str.strip()
    advised = in_flight & recommended.isin(("continue", "stop", "hold"))
    decision[advised] = recommended[advised]
    reason[advised] = selection.get(REASON, blank).fillna("")[advised]
    for kind in ("must", "must_not"):
        decision[forced == kind] = kind
        reason[forced == kind] = selection.get(_FORCED_REASON, blank).fillna("")[forced == kind]
    return _entries_table(selection.assign(**{DECISION: decision, REASON: reason}))

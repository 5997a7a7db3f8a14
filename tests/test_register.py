"""The decision register, on SQLite and on a real PostgreSQL (started by .ci/postgres).

Interrupted writes (an error inside the transaction, a writer killed with SIGKILL) leave no
partial batch and earlier entries intact; two processes appending at once both land.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import secrets
import signal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from pandas.testing import assert_frame_equal
from register_workers import SHA, append_and_hang, append_many, entries
from sqlalchemy import event
from sqlalchemy.engine import make_url

import seo_workbench.register as register_module
from seo_workbench import cli, report
from seo_workbench.errors import RegisterError, UnknownChoiceError, ValidationError
from seo_workbench.register import (
    ENTRY_COLUMNS,
    REGISTER_COLUMNS,
    DecisionRegister,
    read_run_decisions,
    safe_url,
)

ROOT = Path(__file__).resolve().parents[1]
URL_FILE = ROOT / ".postgres" / "url"
SPAWN = multiprocessing.get_context("spawn")  # a fresh interpreter: no engine shared by fork


def postgres_url() -> str | None:
    """The test server's URL: SEO_TEST_POSTGRES_URL, else the file .ci/postgres writes."""
    url = os.environ.get("SEO_TEST_POSTGRES_URL", "").strip()
    if not url and URL_FILE.exists():
        url = URL_FILE.read_text().strip()
    return url or None


def fresh_postgres():
    """A new, empty database on the test server; dropped afterwards."""
    url = postgres_url()
    if url is None:
        if os.environ.get("CI"):
            pytest.fail("No PostgreSQL for the register tests in CI: .ci/run must start one "
                        "with .ci/postgres (SEO_TEST_POSTGRES_URL or .postgres/url).")
        pytest.skip("no PostgreSQL: run `.ci/postgres start` (Debian's postgresql, on "
                    "127.0.0.1) or set SEO_TEST_POSTGRES_URL")
    server = make_url(url)
    name = f"register_{secrets.token_hex(6)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def address(request, tmp_path):
    """A new, empty register: an SQLite file path, or a fresh database on the test server."""
    if request.param == "sqlite":
        yield str(tmp_path / "reports" / "decisions.sqlite")
    else:
        yield from fresh_postgres()


@pytest.fixture
def postgres():
    yield from fresh_postgres()


@pytest.fixture
def register(address):
    with DecisionRegister(address) as opened:
        yield opened


def counts(register: DecisionRegister) -> tuple[int, int]:
    """Rows in the batch and entry tables, read raw (not through read()'s join)."""
    with register.engine.connect() as conn:
        return (conn.execute(sa.text("SELECT count(*) FROM register_batches")).scalar(),
                conn.execute(sa.text("SELECT count(*) FROM register_entries")).scalar())


def test_append_and_read_back(register):
    first = register.append("2027Q1-a", "2027Q1", SHA.upper(), entries(5), recorded_by="analyst")
    register.append("2027Q2-a", "2027Q2", SHA, pd.DataFrame(entries(3)).set_index("project_id"))
    assert first.batch == 1 and first.kind == "run" and first.input_sha256 == SHA
    assert first.recorded_at.tzinfo is not None and first.recorded_by == "analyst"
    table = register.read()
    assert list(table.columns) == list(REGISTER_COLUMNS)
    assert len(table) == 8 and table["batch"].tolist() == [1] * 5 + [2] * 3
    assert (table["input_sha256"] == SHA).all()
    assert str(table["recorded_at"].dt.tz) == "UTC"
    mine = table[table["run_id"] == "2027Q1-a"].reset_index(drop=True)
    written = pd.DataFrame(entries(5))
    assert mine["project_id"].tolist() == written["project_id"].tolist()
    assert mine["decision"].tolist() == written["decision"].tolist()
    assert mine["reason"].tolist() == written["reason"].tolist()
    assert mine["cost"].tolist() == written["cost"].tolist()
    assert mine["rank"].tolist() == written["rank"].tolist()
    assert_frame_equal(register.read("2027Q2").reset_index(drop=True),
                       table[table["quarter"] == "2027Q2"].reset_index(drop=True))
    assert_frame_equal(first.to_frame().drop(columns="recorded_at"),
                       mine.drop(columns="recorded_at"), check_dtype=False)
    assert "5 entries (2 funded, 2 not_funded, 1 must)" in first.summary()


def test_an_error_inside_the_transaction_leaves_no_partial_batch(register, monkeypatch):
    register.append("2027Q1-first", "2027Q1", SHA, entries(6))
    before = register.read()
    monkeypatch.setattr(register_module, "_CHUNK", 4)
    sent = []

    def power_cut(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO REGISTER_ENTRIES"):
            sent.append(statement)
            raise RuntimeError("power cut after half the rows")

    event.listen(register.engine, "after_cursor_execute", power_cut)
    with pytest.raises(RuntimeError, match="power cut"):
        register.append("2027Q1-second", "2027Q1", SHA, entries(8))
    event.remove(register.engine, "after_cursor_execute", power_cut)
    assert len(sent) == 1  # the batch row and 4 of 8 entries had reached the database
    assert_frame_equal(register.read(), before)
    assert counts(register) == (1, 6)
    register.append("2027Q1-second", "2027Q1", SHA, entries(8))  # its run id is still free
    assert counts(register) == (2, 14)


def test_a_killed_writer_leaves_earlier_entries_intact(address):
    with DecisionRegister(address) as register:
        register.append("2027Q1-first", "2027Q1", SHA, entries(6))
        before = register.read()
    inside = SPAWN.Event()
    writer = SPAWN.Process(target=append_and_hang, args=(address, "2027Q1-killed", 40, inside))
    writer.start()
    try:
        assert inside.wait(timeout=120), "the writer never reached its INSERT"
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.join(timeout=60)
    assert writer.exitcode == -signal.SIGKILL
    with DecisionRegister(address) as register:  # opened afresh, as the next run would
        assert_frame_equal(register.read(), before)
        assert counts(register) == (1, 6)
        register.append("2027Q1-killed", "2027Q1", SHA, entries(40))  # not locked, id free
        assert counts(register) == (2, 46)


def test_two_processes_appending_at_once_both_land(address):
    start = SPAWN.Barrier(2)
    writers = [SPAWN.Process(target=append_many, args=(address, name, 20, 30, start))
               for name in ("north", "south")]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=180)
    assert [w.exitcode for w in writers] == [0, 0]
    with DecisionRegister(address) as register:
        table = register.read()
    per_run = table.groupby("run_id")["project_id"].count()
    assert sorted(per_run.index) == sorted(f"{n}-{i}" for n in ("north", "south")
                                           for i in range(20))
    assert (per_run == 30).all()
    assert table.groupby("batch")["run_id"].nunique().eq(1).all()  # batches never interleave
    for run_id, rows in table.groupby("run_id"):
        assert rows["name"].str.endswith(run_id.split("-")[0]).all()


def test_a_run_is_recorded_once(register):
    register.append("2027Q1-a", "2027Q1", SHA, entries(3))
    with pytest.raises(RegisterError, match=r"Run 2027Q1-a is already in the decision "
                                            r"register as batch 1 .* record a board override"):
        register.append("2027Q1-a", "2027Q1", SHA, entries(4))
    assert counts(register) == (1, 3)


@pytest.mark.parametrize("statement", [
    "UPDATE register_entries SET decision = 'funded'",
    "UPDATE register_batches SET input_sha256 = 'x'",
    "DELETE FROM register_entries",
    "DELETE FROM register_batches",
    "DELETE FROM register_schema",
])
def test_the_database_refuses_update_and_delete(register, statement):
    register.append("2027Q1-a", "2027Q1", SHA, entries(3))
    before = register.read()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with register.engine.begin() as conn:
            conn.execute(sa.text(statement))
    with pytest.raises(RegisterError, match="append-only.*override"):
        with register._errors("correcting"), register.engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert_frame_equal(register.read(), before)
    assert not any(hasattr(DecisionRegister, verb) for verb in ("update", "delete", "remove"))


def test_postgres_refuses_truncate(postgres):
    with DecisionRegister(postgres) as register:
        register.append("2027Q1-a", "2027Q1", SHA, entries(2))
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with register.engine.begin() as conn:
                conn.execute(sa.text("TRUNCATE register_entries"))
        assert counts(register) == (1, 2)


def test_entries_are_checked_before_anything_is_written(register):
    bad = [{"project_id": "P1", "decision": "approved"}, {"project_id": "", "decision": "funded"},
           {"project_id": "P3", "decision": "must"}, {"project_id": "P1", "decision": "funded"}]
    with pytest.raises(ValidationError) as caught:
        register.append("2027Q1-a", "2027Q1", "not a hash", bad)
    message = str(caught.value)
    for expected in ("unknown decision 'approved'. Choose one of: funded", "entry 2: project_id "
                     "is empty", "entry 3 (P3): decision 'must' needs a reason", "appear twice "
                     "in one batch: P1", "input_sha256 must be the workbook's SHA-256"):
        assert expected in message
    with pytest.raises(ValidationError, match="no entries"):
        register.append("2027Q1-a", "2027Q1", SHA, [])
    assert counts(register) == (0, 0)


def test_overrides_need_a_reason_and_carry_the_run(register):
    with pytest.raises(RegisterError, match="No run of 2027Q1 in the register"):
        register.record_override("2027Q1", "P001", "fund", "Contract signed", by="Chair")
    register.append("2027Q1-old", "2027Q1", "cd" * 32, entries(4))
    register.append("2027Q1-new", "2027Q1", SHA, entries(4))
    for reason in ("", "   ", None):
        with pytest.raises(ValidationError, match="needs a reason"):
            register.record_override("2027Q1", "P001", "fund", reason, by="Chair")
    with pytest.raises(ValidationError, match="needs 'by'"):
        register.record_override("2027Q1", "P001", "fund", "Contract signed", by=" ")
    with pytest.raises(UnknownChoiceError, match="Choose one of: .*fund.*hold.*stop"):
        register.record_override("2027Q1", "P001", "approve", "Contract signed", by="Chair")
    with pytest.raises(RegisterError, match="'P999' is not among the decisions of run "
                                            "2027Q1-new"):
        register.record_override("2027Q1", "P999", "fund", "Contract signed", by="Chair")
    with pytest.raises(RegisterError, match="is of 2027Q1, not 2027Q2"):
        register.record_override("2027Q2", "P001", "fund", "x", by="Chair", run_id="2027Q1-new")
    done = register.record_override("2027Q1", "P001", "fund", "Contract signed", by="Chair")
    assert (done.kind, done.run_id, done.input_sha256) == ("override", "2027Q1-new", SHA)
    older = register.record_override("2027Q1", "P002", "override_stop", "Supplier failed",
                                     by="Chair", run_id="2027Q1-old")
    assert older.input_sha256 == "cd" * 32
    overrides = register.read().query("kind == 'override'")
    assert overrides["decision"].tolist() == ["override_fund", "override_stop"]
    assert overrides["reason"].tolist() == ["Contract signed", "Supplier failed"]
    assert overrides["recorded_by"].tolist() == ["Chair", "Chair"]
    assert overrides["name"].tolist() == ["Project 1", "Project 2"]  # copied from the run


def test_export_neutralises_formulas(tmp_path):
    register = DecisionRegister(tmp_path / "decisions.sqlite")
    rows = entries(4)
    rows[0]["name"] = '=HYPERLINK("http://attacker.example","click")'
    rows[1]["owner"] = "+44 20 7946 0000"
    rows[2]["reason"] = "-2+3"
    rows[3]["name"] = "@SUM(A1:A9)"
    register.append("2027Q1-a", "2027Q1", SHA, rows)
    register.append("2027Q2-a", "2027Q2", SHA, entries(2))
    csv = pd.read_csv(register.export(tmp_path / "out" / "decisions.csv"), keep_default_na=False)
    assert len(csv) == 6
    assert csv.loc[0, "name"] == "'" + rows[0]["name"]
    assert csv.loc[1, "owner"] == "'+44 20 7946 0000"
    assert csv.loc[2, "reason"] == "'-2+3"
    assert csv.loc[3, "name"] == "'@SUM(A1:A9)"
    assert csv.loc[0, "recorded_at"].endswith("Z")
    path = register.export(tmp_path / "decisions.xlsx", quarter="2027Q1")
    sheet = openpyxl.load_workbook(path)["decisions"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula anywhere
    values = {c.value for c in cells}
    assert "'" + rows[0]["name"] in values and "'@SUM(A1:A9)" in values
    assert sheet.max_row == 5  # header and 2027Q1's four entries
    with pytest.raises(ValidationError, match=r"ending in \.csv or \.xlsx"):
        register.export(tmp_path / "decisions.ods")
    register.close()


def test_errors_say_what_to_do(tmp_path):
    with pytest.raises(RegisterError, match="Cannot read the register address"):
        DecisionRegister("postgresql+psycopg://user@host:notaport/db")
    with pytest.raises(RegisterError, match="Unknown database kind 'nosuchdb'"):
        DecisionRegister("nosuchdb://host/db")
    with pytest.raises(RegisterError, match="needs the Python driver 'MySQLdb'.*pip install"):
        DecisionRegister("mysql://user:pw@127.0.0.1/db")
    with pytest.raises(RegisterError) as caught:
        DecisionRegister("postgresql+psycopg://seo:hunter2@127.0.0.1:1/portfolio")
    assert "Check that the server is running" in str(caught.value)
    assert "hunter2" not in str(caught.value) and "seo:***@127.0.0.1:1" in str(caught.value)
    with pytest.raises(RegisterError, match="No decision register at"):
        DecisionRegister(tmp_path / "none.sqlite", create=False)
    assert not (tmp_path / "none.sqlite").exists()
    with pytest.raises(RegisterError, match="in-memory register would be lost"):
        DecisionRegister("sqlite://")
    with pytest.raises(RegisterError, match="empty"):
        DecisionRegister(" ")
    assert safe_url("postgresql://a:b@h/d") == "postgresql+psycopg://a:***@h/d"


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "decisions.sqlite"
    DecisionRegister(path).close()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO register_schema VALUES (99, '2030-01-01')"))
    engine.dispose()
    with pytest.raises(RegisterError, match="schema version 99.*Upgrade seo-workbench"):
        DecisionRegister(path)


# -- a run folder -----------------------------------------------------------------------------


def make_run_folder(folder: Path, run_id: str = "2027Q1-20270105T090000Z-abc123",
                    status: str = "succeeded") -> Path:
    """A run folder as run_quarter writes it: manifest.json and selection.csv."""
    folder.mkdir(parents=True)
    manifest = {"run_id": run_id, "quarter": "2027Q1", "status": status,
                "workbook": {"sha256": SHA}, "parameters": {"method": "weighted_sum"}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    pd.DataFrame({
        "project_id": ["P01", "P02", "P03", "P04", "P05", "P06"],
        "name": ["Portal", "Meters", "Telephony", "CRM", "Spillway", "=cmd|' /C calc'!A0"],
        "theme": "T", "owner": ["K. Mehta", "M. Lindqvist", "H. Duarte", "L. Fischer",
                                "A. Okafor", "E. Novak"],
        "status": ["proposed", "in_flight", "in_flight", "proposed", "proposed", "proposed"],
        "value": [0.5, 0.4, 0.3, 0.2, 0.6, 0.1], "cost": [10.0, 20, 30, 40, 50, 60],
        "selected": [True, True, False, False, True, False],
        "decision": ["auto", "auto", "auto", "auto", "must", "must_not"],
        "decision_reason": ["", "", "", "", "Regulator's order", "Board veto"],
        "start": "2027Q1", "continues": ["", True, False, "", "", ""],
        "score": [0.5, 0.4, 0.3, 0.2, 0.6, 0.1], "rank": [2, 3, 4, 5, 1, 6],
    }).to_csv(folder / "selection.csv", index=False)
    return folder


def test_read_run_decisions(tmp_path):
    table = read_run_decisions(make_run_folder(tmp_path / "run"))
    assert list(table.columns) == list(ENTRY_COLUMNS)
    assert table["decision"].tolist() == ["funded", "continue", "stop", "not_funded", "must",
                                          "must_not"]
    assert table["reason"].tolist() == ["", "", "", "", "Regulator's order", "Board veto"]
    assert table["owner"].tolist()[:2] == ["K. Mehta", "M. Lindqvist"]


def test_a_continuation_review_decides_in_flight_projects(tmp_path):
    run = make_run_folder(tmp_path / "run")
    selection = pd.read_csv(run / "selection.csv")
    selection["recommendation"] = ["", "hold", "stop", "", "", ""]
    selection["reason"] = ["", "Red since 2026Q4", "Benefit gone", "", "", ""]
    selection.to_csv(run / "selection.csv", index=False)
    table = read_run_decisions(run)
    assert table["decision"].tolist()[:3] == ["funded", "hold", "stop"]
    assert table["reason"].tolist()[:3] == ["", "Red since 2026Q4", "Benefit gone"]


def test_record_run_folder(tmp_path):
    run = make_run_folder(tmp_path / "run")
    with DecisionRegister(tmp_path / "decisions.sqlite") as register:
        done = register.record_run(run)
        assert (done.run_id, done.quarter, done.input_sha256) == (
            "2027Q1-20270105T090000Z-abc123", "2027Q1", SHA)
        assert len(register.read()) == 6
        with pytest.raises(RegisterError, match="did not finish .*'failed'"):
            register.record_run(make_run_folder(tmp_path / "failed", "f", status="failed"))
        with pytest.raises(RegisterError, match="is not a run folder"):
            register.record_run(tmp_path)


def test_the_run_hook_keeps_the_board_pack_when_recording_fails(tmp_path):
    run = make_run_folder(tmp_path / "reports" / "2027Q1" / "run")
    (run / "board.html").write_text("<html>board</html>")
    manifest = json.loads((run / "manifest.json").read_text())
    said = []
    report._record_decisions(run, manifest, "postgresql+psycopg://seo:hunter2@127.0.0.1:1/x",
                             tmp_path / "reports", said.append)
    written = json.loads((run / "manifest.json").read_text())
    assert written["register"]["status"] == "failed"
    assert "Check that the server is running" in written["register"]["error"]
    assert "hunter2" not in json.dumps(written) and "hunter2" not in " ".join(said)
    assert "board pack was written" in said[0]
    assert (run / "board.html").read_text() == "<html>board</html>"
    report._record_decisions(run, manifest, None, tmp_path / "reports", said.append)
    written = json.loads((run / "manifest.json").read_text())
    assert written["register"]["status"] == "recorded" and written["register"]["entries"] == 6
    assert (tmp_path / "reports" / "decisions.sqlite").exists()


def test_register_commands(tmp_path, capsys):
    path = str(tmp_path / "decisions.sqlite")
    run = make_run_folder(tmp_path / "run")
    assert cli.main(["register", "export", str(tmp_path / "x.csv"), "--register", path]) \
        == cli.REGISTER_FAILED
    assert "No decision register at" in capsys.readouterr().err
    assert cli.main(["register", "record", str(run), "--register", path]) == cli.OK
    assert "6 entries" in capsys.readouterr().out
    assert cli.main(["register", "record", str(run), "--register", path]) == cli.REGISTER_FAILED
    assert "already in the decision register" in capsys.readouterr().err
    override = ["register", "override", "--register", path, "--quarter", "2027Q1", "--project",
                "P03", "--decision", "fund", "--by", "Board chair"]
    assert cli.main([*override, "--reason", " "]) == cli.USAGE
    assert "needs a reason" in capsys.readouterr().err
    assert cli.main([*override, "--reason", "Contract already signed"]) == cli.OK
    assert "override_fund" in capsys.readouterr().out
    out = tmp_path / "decisions.xlsx"
    assert cli.main(["register", "export", str(out), "--register", path]) == cli.OK
    frame = pd.read_excel(out)
    assert len(frame) == 7 and frame["decision"].iloc[-1] == "override_fund"
    assert frame["name"].iloc[5] == "'=cmd|' /C calc'!A0"

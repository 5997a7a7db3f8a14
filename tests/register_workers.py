"""What the decision-register tests run in other processes (importable by name, for spawn)."""

from __future__ import annotations

import time

from sqlalchemy import event

import seo_workbench.register as register_module
from seo_workbench.register import DecisionRegister

SHA = "ab" * 32


def entries(n: int, tag: str = "") -> list[dict]:
    """*n* plain entries, every third funded, with a reason where one is needed."""
    rows = []
    for i in range(n):
        decision = ("funded", "not_funded", "must")[i % 3]
        rows.append({"project_id": f"P{i:03d}", "name": f"Project {i}{tag}",
                     "owner": f"Owner {i % 4}", "decision": decision,
                     "reason": "Regulator's order" if decision == "must" else "",
                     "value": 0.5 + i / 100, "cost": 1000.0 * (i + 1), "score": 0.5 + i / 100,
                     "rank": i + 1})
    return rows


def append_many(address: str, writer: str, batches: int, rows: int, start) -> None:
    """Append *batches* runs of *rows* entries each, after every writer is ready."""
    register = DecisionRegister(address)
    start.wait(timeout=60)
    for i in range(batches):
        register.append(f"{writer}-{i}", "2027Q1", SHA, entries(rows, tag=f" {writer}"),
                        recorded_by=writer)
    register.close()


def append_and_hang(address: str, run_id: str, rows: int, inside) -> None:
    """Start appending, then stop dead once half the entries are sent, none committed."""
    register_module._CHUNK = max(1, rows // 2)
    register = DecisionRegister(address)

    @event.listens_for(register.engine, "after_cursor_execute")
    def hang(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO REGISTER_ENTRIES"):
            inside.set()
            time.sleep(120)  # the test kills this process here

    register.append(run_id, "2027Q1", SHA, entries(rows), recorded_by="killed")

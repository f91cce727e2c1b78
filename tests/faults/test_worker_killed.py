"""A Celery worker killed (SIGKILL) in the middle of a job: after a restart the job completes exactly once.

The job is caught half-way deterministically: the test holds a lock on a table the job
writes, waits until the worker's transaction waits for it (``pg_stat_activity``), kills
the worker's whole process group, releases the lock and starts a new worker. The killed
worker's transaction never commits; the broker hands the unacknowledged task to the new
worker after the visibility timeout.
"""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from ..waiting import wait_for

pytestmark = [pytest.mark.fault, pytest.mark.worker]


def waiting_on_lock(conn: psycopg.Connection, table: str) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE %s",
        [f"%{table}%"]).fetchone()
    return row[0] > 0


def test_a_billing_run_killed_half_way_completes_once_after_a_restart(stack):
    month = f"{dt.date.today():%Y-%m}"  # the towns subscribe today
    towns = stack.call("billing_setup", month=month, prefix="09997", towns=3)
    worker = stack.worker("billing-1")
    with psycopg.connect(stack.database_url.replace("postgres://", "postgresql://"), autocommit=True) as watcher, \
            psycopg.connect(stack.database_url.replace("postgres://", "postgresql://")) as blocker:
        # Statements are written last in the run's transaction: hold them until the worker is killed.
        blocker.execute("LOCK TABLE billing_statement IN ACCESS EXCLUSIVE MODE")
        stack.call("billing_request", month=month)
        assert wait_for(lambda: waiting_on_lock(watcher, "billing_statement"), 120), worker.tail()
        worker.kill()
        blocker.rollback()
        # The killed run left nothing behind.
        assert wait_for(lambda: not waiting_on_lock(watcher, "billing_statement"), 30)
    state = stack.call("billing_state", month=month, towns=towns)
    assert state["statements"] == 0 and state["runs"] == 0 and state["last_run_at"] is None

    replacement = stack.worker("billing-2")
    assert wait_for(lambda: stack.call("billing_state", month=month, towns=towns)["last_run_at"], 120, interval=2), \
        replacement.tail()
    # The worker would take a second delivery now; there is none, and a repeat would change nothing.
    state = stack.call("billing_state", month=month, towns=towns)
    assert state == {**state, "statements": len(towns), "towns": len(towns), "runs": 1, "last_error": ""}


def test_a_town_export_killed_half_way_completes_once_after_a_restart(stack):
    town = stack.call("town", ags="09997101", name="Exportstadt")
    worker = stack.worker("export-1")
    with psycopg.connect(stack.database_url.replace("postgres://", "postgresql://"), autocommit=True) as watcher, \
            psycopg.connect(stack.database_url.replace("postgres://", "postgresql://")) as blocker:
        # The export reads the town's usage while its zip is half-written: hold it there.
        blocker.execute("LOCK TABLE billing_usageevent IN ACCESS EXCLUSIVE MODE")
        request_id = stack.call("export_request", pk=town["pk"])
        assert wait_for(lambda: waiting_on_lock(watcher, "billing_usageevent"), 120), worker.tail()
        worker.kill()
        blocker.rollback()
    state = stack.call("export_state", pk=town["pk"], request_id=request_id)
    # Only a temporary file beside the target: no zip under the export's name, no record.
    assert state["records"] == 0 and not state["file"] and len(state["leftovers"]) == 1

    replacement = stack.worker("export-2")
    assert wait_for(lambda: stack.call("export_state", pk=town["pk"], request_id=request_id)["records"], 120,
                    interval=2), replacement.tail()
    state = stack.call("export_state", pk=town["pk"], request_id=request_id)
    assert state["records"] == 1 and state["file"] and state["leftovers"] == [] and state["verified_files"] > 5


def test_a_chatbot_import_killed_half_way_completes_once_after_a_restart(stack):
    town = stack.call("chatbot_town", ags="09997201", name="Importdorf")
    before = stack.call("chatbot_import_state", pk=town["pk"], import_id="-")["entries"]
    worker = stack.worker("import-1")
    with psycopg.connect(stack.database_url.replace("postgres://", "postgresql://"), autocommit=True) as watcher, \
            psycopg.connect(stack.database_url.replace("postgres://", "postgresql://")) as blocker:
        # The import's audit entry is its last write, in the import's transaction: entries and embeddings are
        # written (not committed) when it waits here. SHARE mode lets the import's first check read the table.
        blocker.execute("LOCK TABLE audit_auditentry IN SHARE MODE")
        import_id = stack.call("chatbot_import_request", pk=town["pk"], count=250)
        assert wait_for(lambda: waiting_on_lock(watcher, "audit_auditentry"), 180), worker.tail()
        worker.kill()
        blocker.rollback()
    state = stack.call("chatbot_import_state", pk=town["pk"], import_id=import_id)
    assert state == {"entries": before, "without_embedding": 0, "imports": 0}

    replacement = stack.worker("import-2")
    assert wait_for(lambda: stack.call("chatbot_import_state", pk=town["pk"], import_id=import_id)["imports"], 180,
                    interval=2), replacement.tail()
    state = stack.call("chatbot_import_state", pk=town["pk"], import_id=import_id)
    assert state == {"entries": 250, "without_embedding": 0, "imports": 1}

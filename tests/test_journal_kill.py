"""A kiosk process killed mid-session: what it journalled survives, and recovery owes exactly once."""
import json
import signal
import subprocess
import sys

KIOSK_THAT_DIES = """
import sys
from kiosk.clock import SystemClock
from kiosk.journal import EventType, MoneyJournal

journal = MoneyJournal(sys.argv[1], SystemClock())
session_id = journal.open_session("kiosk-01", resident_ref="R-0001")
journal.record(session_id, EventType.CASH_CREDITED, 1000)
journal.record(session_id, EventType.FEE_CHARGED, 300)
journal.record(session_id, EventType.CHANGE_DISPENSED, 700)
journal.record(session_id, EventType.PRINT_SUBMITTED, 300, "folder-000001 juminhyo")
print("READY", session_id, flush=True)
sys.stdin.read()  # wait for the kill, holding the journal open
"""

RECOVERY_AT_START_UP = """
import json, sys
from kiosk.clock import SystemClock
from kiosk.journal import MoneyJournal, recover_unfinished

with MoneyJournal(sys.argv[1], SystemClock()) as journal:
    print(json.dumps([[r.session_id, r.refund_owed] for r in recover_unfinished(journal)]))
"""


def run_recovery(db_path) -> list:
    done = subprocess.run(
        [sys.executable, "-c", RECOVERY_AT_START_UP, str(db_path)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_recovery_after_sigkill_owes_the_unprinted_fee_exactly_once(tmp_path):
    db_path = tmp_path / "journal.db"
    kiosk = subprocess.Popen(
        [sys.executable, "-c", KIOSK_THAT_DIES, str(db_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        ready = kiosk.stdout.readline().split()
        assert ready[:1] == ["READY"], kiosk.stderr.read() if kiosk.poll() is not None else ready
        session_id = ready[1]
    finally:
        kiosk.send_signal(signal.SIGKILL)
        kiosk.wait(timeout=30)
        kiosk.stdin.close()
        kiosk.stdout.close()
        kiosk.stderr.close()
    assert kiosk.returncode == -signal.SIGKILL

    assert run_recovery(db_path) == [[session_id, 300]]
    assert run_recovery(db_path) == []

    from kiosk.clock import SystemClock
    from kiosk.journal import MoneyJournal

    with MoneyJournal(db_path, SystemClock()) as journal:
        refunds = journal.refunds_owed()
        assert journal.unfinished_sessions() == []
    assert [(r.session_id, r.amount, r.reason, r.resident_ref) for r in refunds] == [
        (session_id, 300, "interrupted_session", "R-0001")
    ]

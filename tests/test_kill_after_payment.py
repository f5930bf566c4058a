"""A kiosk killed with SIGKILL after the payment is journaled and before printing owes exactly
that fee after a restart — once, also after a second restart."""
import os
import signal
import subprocess
import sys
import textwrap

KIOSK_UNTIL_PAID = textwrap.dedent(
    """
    import sys, time
    from kiosk import events as ev
    from app.bootstrap import build_kiosk
    from kiosk.clock import ManualClock
    from kiosk.config import load_config
    from kiosk.pin import Pin
    from kiosk.kinds import CertificateKind
    from kiosk.runtime import InlineExecutor
    from app.provision import DEMO_REFERENCE_TIME

    class PrinterNeverAnswers(InlineExecutor):
        # Printing runs on its own worker in the real kiosk: here that worker is still busy.
        def submit(self, effect, run, done):
            if effect.family != "printer":
                super().submit(effect, run, done)

    kiosk = build_kiosk(load_config(), clock=ManualClock(DEMO_REFERENCE_TIME), executor=PrinterNeverAnswers())
    kiosk.start()
    post = kiosk.runtime.post
    kiosk.card.insert("sato-ichiro")
    post(ev.PinEntered(Pin("4721")))
    kiosk.card.remove()
    post(ev.KindChosen(CertificateKind.JUMINHYO))
    post(ev.OrderConfirmed())
    kiosk.cash.insert(1000)
    print("PAID", kiosk.flow.screen.value, flush=True)
    time.sleep(600)
    """
)


def _env(config):
    return {**os.environ, "KIOSK_DATA_DIR": str(config.data_dir)}


def _restart(config) -> None:
    code = "from app.bootstrap import build_kiosk; from kiosk.config import load_config; build_kiosk(load_config()).close()"
    subprocess.run([sys.executable, "-c", code], env=_env(config), check=True, timeout=60)


def _owed(config) -> str:
    out = subprocess.run([sys.executable, "-m", "app", "journal", "--owed"], env=_env(config),
                         capture_output=True, text=True, check=True, timeout=60)
    return out.stdout


def test_sigkill_after_payment_leaves_exactly_one_refund_owed(kiosk_config):
    proc = subprocess.Popen([sys.executable, "-c", KIOSK_UNTIL_PAID], env=_env(kiosk_config),
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "PAID printing"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    _restart(kiosk_config)
    first = _owed(kiosk_config)
    _restart(kiosk_config)
    second = _owed(kiosk_config)

    for listing in (first, second):
        lines = [l for l in listing.splitlines() if "refund_owed" in l or "yen" in l]
        assert sum(" 300 yen" in l for l in lines if not l.startswith("total")) == 1, listing
        assert "total owed: 300 yen" in listing, listing

"""The port owner (hardware/cash/serial_link.py): one thread per port, one exchange at a time,
every call bounded by its deadline, and a port that fails or hangs reopened for the next call.
Against an in-memory port; waits are on conditions, with generous upper bounds."""
from __future__ import annotations

import termios
import threading
import time

import pytest
import serial
from scripted_port import PortFactory, ScriptedPort

from hardware.cash.serial_link import DeviceSilent, LinkDown, PortOwner, SerialPortLike

SLACK = 1.0  # s: generous bound on top of a deadline, for a loaded CI machine


@pytest.fixture
def factory() -> PortFactory:
    return PortFactory(ScriptedPort(echo=True))


@pytest.fixture
def owner(factory: PortFactory):
    with PortOwner("/dev/ttyTEST0", parity="N", open_port=factory, reopen_interval=0.0) as owner:
        yield owner


def echo_exchange(port: SerialPortLike) -> bytes:
    port.write(b"ping")
    return port.read(4)


def test_the_port_is_opened_exclusively_with_the_given_settings(owner: PortOwner, factory: PortFactory) -> None:
    assert owner.run(echo_exchange, 1.0) == b"ping"
    [settings] = factory.settings
    assert settings["port"] == "/dev/ttyTEST0" and settings["exclusive"] is True
    assert (settings["baudrate"], settings["bytesize"], settings["parity"], settings["stopbits"]) == (9600, 8, "N", 1)


def test_exchanges_run_on_one_thread_named_after_the_port(owner: PortOwner) -> None:
    names = {owner.run(lambda port: threading.current_thread().name, 1.0) for _ in range(3)}
    assert names == {"serial /dev/ttyTEST0"}


def test_an_exception_from_the_exchange_reaches_the_caller_and_the_owner_lives_on(owner: PortOwner) -> None:
    def fails(port: SerialPortLike) -> None:
        raise ValueError("the caller's own bug")

    with pytest.raises(ValueError, match="own bug"):
        owner.run(fails, 1.0)
    assert owner.run(echo_exchange, 1.0) == b"ping"


def test_two_threads_never_interleave_on_the_port(owner: PortOwner) -> None:
    first_inside, release, second_ran = threading.Event(), threading.Event(), threading.Event()

    order: list[str] = []

    def first(port: SerialPortLike) -> str:
        first_inside.set()
        release.wait(5)
        order.append("first")
        return "first"

    def second(port: SerialPortLike) -> str:
        second_ran.set()
        order.append("second")
        return "second"

    results: list[str] = []
    a = threading.Thread(target=lambda: results.append(owner.run(first, 5)))
    a.start()
    assert first_inside.wait(5)
    b = threading.Thread(target=lambda: results.append(owner.run(second, 5)))
    b.start()
    assert not second_ran.wait(0.2)  # queued behind the first exchange, not beside it
    release.set()
    a.join(5)
    b.join(5)
    assert order == ["first", "second"] and sorted(results) == ["first", "second"]


def test_many_callers_each_get_their_own_reply(owner: PortOwner) -> None:
    active, worst, lock = [0], [0], threading.Lock()
    errors: list[str] = []

    def caller(tag: int) -> None:
        for i in range(20):
            message = f"{tag:02d}{i:02d}".encode()

            def exchange(port: SerialPortLike, message: bytes = message) -> bytes:
                with lock:
                    active[0] += 1
                    worst[0] = max(worst[0], active[0])
                port.write(message)
                reply = port.read(4)
                with lock:
                    active[0] -= 1
                return reply

            if (reply := owner.run(exchange, 5)) != message:
                errors.append(f"{message!r} got {reply!r}")

    threads = [threading.Thread(target=caller, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == [] and worst[0] == 1


def test_an_abandoned_exchange_stops_at_its_next_read(owner: PortOwner) -> None:
    reads = [0]

    def keeps_reading(port: SerialPortLike) -> None:
        for _ in range(1000):  # 50 s of empty reads, were it let go on
            port.read(1)
            reads[0] += 1

    with pytest.raises(DeviceSilent):
        owner.run(keeps_reading, 0.1)
    assert owner.run(lambda port: "next", 2.0) == "next"
    assert reads[0] < 10


def test_a_hung_read_costs_the_caller_its_deadline_only_and_the_port_is_reopened() -> None:
    hung, fresh = ScriptedPort(hang_reads=True), ScriptedPort(echo=True)
    factory = PortFactory(hung, fresh)
    with PortOwner("/dev/ttyTEST1", open_port=factory) as owner:
        start = time.monotonic()
        with pytest.raises(DeviceSilent) as silent:
            owner.run(lambda port: port.read(1), 0.2)
        assert 0.19 <= time.monotonic() - start < 0.2 + SLACK
        assert silent.value.started
        assert owner.run(echo_exchange, 2.0) == b"ping"  # cancel_read freed the thread
        assert factory.opened == [hung, fresh] and hung.closed


def test_a_stuck_exchange_holds_the_queue_but_no_caller_waits_past_its_deadline(
    owner: PortOwner, factory: PortFactory
) -> None:
    release, late_ran = threading.Event(), threading.Event()

    def stuck(port: SerialPortLike) -> None:
        release.wait(10)  # not a read: nothing can cancel it
        port.write(b"late")  # its caller gave up: this must not reach the device

    def late(port: SerialPortLike) -> None:
        late_ran.set()

    with pytest.raises(DeviceSilent) as first:
        owner.run(stuck, 0.1)
    assert first.value.started
    start = time.monotonic()
    with pytest.raises(DeviceSilent) as queued:
        owner.run(late, 0.1)
    assert time.monotonic() - start < 0.1 + SLACK
    assert not queued.value.started  # never sent: a command in it certainly did not happen
    release.set()
    assert owner.run(echo_exchange, 2.0) == b"ping"
    assert not late_ran.is_set()  # its caller gave up: it is never run late
    assert b"late" not in factory.ports[0].writes


def test_a_port_that_cannot_open_is_link_down_until_it_can() -> None:
    factory = PortFactory(ScriptedPort(echo=True), failures=2)
    with PortOwner("/dev/ttyUSB9", open_port=factory, reopen_interval=0.0) as owner:
        for _ in range(2):
            with pytest.raises(LinkDown, match="cannot open"):
                owner.run(echo_exchange, 1.0)
        assert owner.run(echo_exchange, 1.0) == b"ping"


def test_settings_the_port_refuses_are_link_down() -> None:
    def refuses(**settings: object) -> ScriptedPort:
        raise termios.error(22, "Invalid argument")  # what a pty says to parity EVEN

    with PortOwner("/dev/pts/9", parity="E", open_port=refuses) as owner, pytest.raises(LinkDown, match="Invalid"):
        owner.run(echo_exchange, 1.0)


def test_reopening_is_not_attempted_more_often_than_the_interval() -> None:
    factory = PortFactory(failures=100)
    with PortOwner("/dev/ttyUSB9", open_port=factory, reopen_interval=60) as owner:
        for _ in range(3):
            with pytest.raises(LinkDown):
                owner.run(echo_exchange, 1.0)
        assert len(factory.settings) == 1


def test_a_port_failing_mid_exchange_is_link_down_and_reopened(factory: PortFactory) -> None:
    second = ScriptedPort(echo=True)
    factory.ports.append(second)
    with PortOwner("/dev/ttyUSB0", open_port=factory, reopen_interval=0.0) as owner:
        def unplugged(port: SerialPortLike) -> None:
            raise serial.SerialException("device reports readiness to read but returned no data")

        with pytest.raises(LinkDown) as down:
            owner.run(unplugged, 1.0)
        assert isinstance(down.value.__cause__, serial.SerialException)
        assert owner.run(echo_exchange, 1.0) == b"ping"
        assert factory.opened[-1] is second and factory.opened[0].closed


def test_a_device_silent_from_the_exchange_keeps_the_port(owner: PortOwner, factory: PortFactory) -> None:
    def silent(port: SerialPortLike) -> None:
        raise DeviceSilent("no reply")

    with pytest.raises(DeviceSilent):
        owner.run(silent, 1.0)
    owner.run(echo_exchange, 1.0)
    assert len(factory.opened) == 1


def test_close_stops_the_thread_promptly_even_mid_read() -> None:
    port = ScriptedPort(hang_reads=True)
    owner = PortOwner("/dev/ttyTEST2", open_port=PortFactory(port))
    outcome: list[object] = []
    caller = threading.Thread(target=lambda: outcome.append(owner.run(lambda p: p.read(1), 5)))
    caller.start()
    assert port.read_hanging.wait(5)
    start = time.monotonic()
    owner.close()
    assert time.monotonic() - start < SLACK
    assert not any(t.name == "serial /dev/ttyTEST2" for t in threading.enumerate())
    assert port.closed
    caller.join(SLACK)
    assert outcome == [b""]  # the cancelled read ended the exchange: its caller is not left waiting
    with pytest.raises(LinkDown, match="closed"):
        owner.run(echo_exchange, 1.0)

"""Requests to a JCM ID-003 bill validator: one frame out, one reply frame back, on the port's
owner thread. What the replies mean over time (escrow, stacking, credit) is the CashUnit's."""
from __future__ import annotations

from dataclasses import dataclass

from hardware.cash.id003_protocol import (
    FAILURES,
    REJECT_REASONS,
    Command,
    Frame,
    FrameDecoder,
    Status,
    encode,
    parse_currency_table,
)
from hardware.cash.serial_link import (
    DeviceSilent,
    PortOwner,
    ProtocolError,
    SerialPortLike,
    read_frames,
)

REPLY_TIMEOUT = 0.3  # s (TerminalClient's ID-003 reply wait)


class CommunicationError(ProtocolError):
    """The validator answered 4A: our frame reached it damaged."""


class InvalidCommand(ProtocolError):
    """The validator answered 4B: it refuses the command in its present state."""


class UnexpectedReply(ProtocolError):
    """A well-formed reply that does not answer the request (another ACK, echo or status)."""

    def __init__(self, message: str, reply: Frame) -> None:
        super().__init__(message)
        self.reply = reply


@dataclass(frozen=True)
class Id003Status:
    code: int
    data: bytes = b""

    @property
    def name(self) -> str:
        try:
            return Status(self.code).name
        except ValueError:
            return f"UNKNOWN_{self.code:02X}"

    def _first(self, status: Status) -> int | None:
        return self.data[0] if self.code == status and self.data else None

    @property
    def escrow_code(self) -> int | None:
        return self._first(Status.ESCROW)

    @property
    def reject_code(self) -> int | None:
        return self._first(Status.REJECTING)

    @property
    def failure_code(self) -> int | None:
        return self._first(Status.FAILURE)

    def describe(self) -> str:
        """For the log and the operator page."""
        if (code := self.reject_code) is not None:
            return f"{self.name} ({REJECT_REASONS.get(code, f'{code:#04x}')})"
        if (code := self.failure_code) is not None:
            return f"{self.name} ({FAILURES.get(code, f'{code:#04x}')})"
        return self.name


_STATUS_CODES = frozenset(int(s) for s in Status) - {Status.COMMUNICATION_ERROR, Status.INVALID_COMMAND}


class Id003Link:
    """One request at a time to the validator on ``owner``'s port.

    Each request clears stale input, writes one frame and takes the first valid frame that comes
    back within ``reply_timeout``; silence (or only garbage) is ``DeviceSilent``."""

    def __init__(self, owner: PortOwner, *, reply_timeout: float = REPLY_TIMEOUT) -> None:
        self._owner = owner
        self._reply_timeout = reply_timeout
        # the caller may wait behind one other exchange on the port, then its own
        self._deadline = 2 * reply_timeout + 0.1

    def status(self) -> Id003Status:
        reply = self._request(Command.STATUS_REQUEST)
        if reply.command not in _STATUS_CODES:
            raise UnexpectedReply(f"status request answered {reply.command:#04x}", reply)
        return Id003Status(reply.command, reply.data)

    def reset(self) -> None:
        self._expect_ack(Command.RESET)

    def stack(self, n: int = 1) -> None:
        """STACK-1 (VEND VALID when the bill passes the stacker lever) or STACK-2 (when stored)."""
        if n not in (1, 2):
            raise ValueError(f"stack-{n} does not exist")
        self._expect_ack(Command.STACK_1 if n == 1 else Command.STACK_2)

    def return_bill(self) -> None:
        self._expect_ack(Command.RETURN)

    def hold(self) -> None:
        self._expect_ack(Command.HOLD)

    def ack(self) -> None:
        """The host's ACK of VEND VALID: the validator does not answer it."""
        request = encode(Command.ACK)

        def send(port: SerialPortLike) -> None:
            port.reset_input_buffer()
            port.write(request)

        self._owner.run(send, self._deadline)

    def set_inhibit(self, inhibited: bool) -> None:
        """INHIBIT (C3) the whole acceptor, or let it accept."""
        self.setting(Command.SET_INHIBIT, b"\x01" if inhibited else b"\x00")

    def set_denomination_inhibits(self, mask: bytes) -> None:
        """ENABLE/INHIBIT DENOMINATION (C0); ``id003_protocol.denomination_inhibit_mask`` makes it."""
        if len(mask) != 2:
            raise ValueError("the denomination mask is 2 bytes")
        self.setting(Command.SET_DENOMINATION_INHIBIT, mask)

    def setting(self, command: int, data: bytes) -> None:
        """A setting command (C0–C7): the validator answers by echoing command and data."""
        reply = self._request(command, data)
        if reply != Frame(command, data):
            raise UnexpectedReply(f"setting {command:#04x} answered {reply.command:#04x}", reply)

    def currency_assign(self) -> dict[int, int]:
        """CURRENCY ASSIGN (8A): {escrow code: yen} as the validator itself declares it."""
        reply = self._request(Command.CURRENCY_ASSIGN)
        if reply.command != Command.CURRENCY_ASSIGN:
            raise UnexpectedReply(f"currency assign answered {reply.command:#04x}", reply)
        try:
            return parse_currency_table(reply.data)
        except ValueError as exc:
            raise UnexpectedReply(str(exc), reply) from exc

    def version(self) -> str:
        reply = self._request(Command.VERSION_REQUEST)
        if reply.command != Command.VERSION_REQUEST:
            raise UnexpectedReply(f"version request answered {reply.command:#04x}", reply)
        return reply.data.decode("ascii", errors="replace").strip(" \x00")

    # --- one exchange -------------------------------------------------------------------------
    def _expect_ack(self, command: Command) -> None:
        reply = self._request(command)
        if reply.command != Command.ACK or reply.data:
            raise UnexpectedReply(f"{command.name} answered {reply.command:#04x}, not ACK", reply)

    def _request(self, command: int, data: bytes = b"") -> Frame:
        request = encode(command, data)

        def exchange(port: SerialPortLike) -> Frame:
            port.reset_input_buffer()  # bytes left by garbage or an earlier late reply
            port.write(request)
            for frame in read_frames(port, FrameDecoder(), self._reply_timeout):
                return frame
            raise DeviceSilent(f"no reply to {command:#04x} within {self._reply_timeout:.2f} s")

        reply = self._owner.run(exchange, self._deadline)
        if reply.command == Status.INVALID_COMMAND:
            raise InvalidCommand(f"{command:#04x} refused: invalid command")
        if reply.command == Status.COMMUNICATION_ERROR:
            raise CommunicationError(f"{command:#04x} arrived damaged")
        return reply

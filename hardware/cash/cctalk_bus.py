"""Requests on a ccTalk bus: one frame out, its echo and the addressed device's reply back, on
the port's owner thread. The coin acceptor and every hopper share the one bus and its thread."""
from __future__ import annotations

import time

from hardware.cash.cctalk_protocol import (
    HOST,
    SAFE_TO_REPEAT,
    Frame,
    FrameDecoder,
    Header,
    encode,
)
from hardware.cash.serial_link import (
    DeviceSilent,
    PortOwner,
    ProtocolError,
    SerialPortLike,
    read_frames,
)

REPLY_TIMEOUT = 0.5  # s (TerminalClient's ccTalk timeout)
RETRIES = 2  # 3 tries in all, as TerminalClient and Kosta-Git/ccTalk do
RETRY_DELAY = 0.05  # s


class CcTalkNak(ProtocolError):
    """The device answered NAK (header 5): it refuses the request."""


class CcTalkBusy(ProtocolError):
    """The device answered BUSY (header 6): ask again later."""


class CcTalkBus:
    """One request at a time to the devices on ``owner``'s port.

    With ``echo`` (a single-wire bus, qt-cctalk's "local loopback"), the host's own frame comes
    back first: frames before it are stale and ignored, and a missing echo is a broken line. Then
    the reply is the first frame addressed to the host from the device asked."""

    def __init__(
        self,
        owner: PortOwner,
        *,
        echo: bool = True,
        reply_timeout: float = REPLY_TIMEOUT,
        retries: int = RETRIES,
        retry_delay: float = RETRY_DELAY,
    ) -> None:
        self._owner = owner
        self._echo = echo
        self._reply_timeout = reply_timeout
        self._retries = retries
        self._retry_delay = retry_delay
        # the caller may wait behind one other exchange on the bus, then its own
        self._deadline = 2 * reply_timeout + 0.1

    def request(self, address: int, header: int, data: bytes = b"", *, retry: bool | None = None) -> bytes:
        """The reply's data. Silence and BUSY are tried again only when ``retry`` says so; by
        default only for requests safe to repeat (``SAFE_TO_REPEAT``): never a reset or a
        dispense, whose caller must first find out whether the first one happened."""
        if not HOST < address <= 0xFF:
            raise ValueError(f"ccTalk address {address} is not a device")
        if retry is None:
            retry = header in SAFE_TO_REPEAT
        tries = 1 + (self._retries if retry else 0)
        for attempt in range(tries):
            try:
                return self._request_once(address, header, data)
            except (DeviceSilent, CcTalkBusy):
                if attempt + 1 == tries:
                    raise
            time.sleep(self._retry_delay)
        raise AssertionError("unreachable")

    def _request_once(self, address: int, header: int, data: bytes) -> bytes:
        request = encode(address, header, data)
        sent = Frame(address, HOST, header, data)

        def exchange(port: SerialPortLike) -> Frame:
            port.reset_input_buffer()  # bytes left by garbage or an earlier late reply
            port.write(request)
            echoed = not self._echo
            for frame in read_frames(port, FrameDecoder(), self._reply_timeout):
                if frame == sent:
                    echoed = True
                elif echoed and frame.dest == HOST and frame.src == address:
                    return frame
            if not echoed:
                raise DeviceSilent(f"no echo of header {header} to {address}: is the bus line broken?")
            raise DeviceSilent(f"no reply from address {address} to header {header}")

        reply = self._owner.run(exchange, self._deadline)
        if reply.header == Header.NAK:
            raise CcTalkNak(f"address {address} NAKed header {header}")
        if reply.header == Header.BUSY:
            raise CcTalkBusy(f"address {address} busy for header {header}")
        if reply.header != Header.REPLY:
            raise ProtocolError(f"address {address} answered header {header} with header {reply.header}")
        return reply.data

"""A ccTalk coin acceptor (address 2 by default): the requests the CashUnit needs, typed.
Which events are new is ``cctalk_protocol.new_events``'s to say; crediting them is the CashUnit's."""
from __future__ import annotations

from hardware.cash.cctalk_bus import CcTalkBus
from hardware.cash.cctalk_protocol import (
    COIN_ACCEPTOR,
    BufferedCredit,
    Header,
    coin_inhibit_mask,
    coin_value_yen,
    parse_buffered_credit,
)
from hardware.cash.serial_link import ProtocolError

COIN_POSITIONS = range(1, 17)


class CoinAcceptor:
    def __init__(self, bus: CcTalkBus, address: int = COIN_ACCEPTOR) -> None:
        self._bus = bus
        self.address = address

    def simple_poll(self) -> None:
        self._bus.request(self.address, Header.SIMPLE_POLL)

    def reset(self) -> None:
        """RESET DEVICE (1): inhibits return to their defaults and the event counter to 0.
        Not repeated on silence: the caller reads the counter to learn whether it happened."""
        self._bus.request(self.address, Header.RESET_DEVICE, retry=False)

    def coin_table(self) -> dict[int, int]:
        """{coin position: yen} from REQUEST COIN ID (184); positions holding no yen coin are left out."""
        table: dict[int, int] = {}
        for position in COIN_POSITIONS:
            yen = coin_value_yen(self._bus.request(self.address, Header.REQUEST_COIN_ID, bytes((position,))))
            if yen is not None:
                table[position] = yen
        return table

    def set_coin_inhibits(self, enabled_positions: set[int]) -> None:
        """MODIFY INHIBIT STATUS (231): only ``enabled_positions`` may be accepted."""
        self._bus.request(self.address, Header.MODIFY_INHIBIT_STATUS, coin_inhibit_mask(enabled_positions))

    def set_master(self, accepting: bool) -> None:
        """MODIFY MASTER INHIBIT (228): bit 0 = 1 accepts, 0 inhibits every coin."""
        self._bus.request(self.address, Header.MODIFY_MASTER_INHIBIT, b"\x01" if accepting else b"\x00")

    def master(self) -> bool:
        """REQUEST MASTER INHIBIT (227): True when accepting."""
        data = self._bus.request(self.address, Header.REQUEST_MASTER_INHIBIT)
        if len(data) != 1:
            raise ProtocolError(f"master inhibit status is 1 byte, not {len(data)}")
        return bool(data[0] & 1)

    def read_buffered(self) -> BufferedCredit:
        """READ BUFFERED CREDIT OR ERROR CODES (229)."""
        data = self._bus.request(self.address, Header.READ_BUFFERED_CREDIT)
        try:
            return parse_buffered_credit(data)
        except ValueError as exc:
            raise ProtocolError(str(exc)) from exc

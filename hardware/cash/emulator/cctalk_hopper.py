"""A ccTalk single-coin hopper (addresses 3 …), modelled on the Suzo-Happ Flow and Alberici hoppers.

Commands from the Flow manual v0.6 (p.10–21) and the Alberici hopper manual: 254 simple poll,
1 reset, 245/244/246/241/242 identification, 171 request hopper coin (8 ASCII), 164 enable hopper
(A5 enables, any other value disables; disabled after power-up or reset), 163 test hopper (status
byte: b0 max current, b1 payout timeout, b2 motor reversed/jam, b3 opto blocked idle, b4 opto
short idle, b5 opto blocked during payout, b6 power-up, b7 payout disabled — Kosta-Git/ccTalk
``PayoutStatusFlag.kt``), 166 request hopper status ``[event counter][coins remaining][last payout
paid][last payout unpaid]``, 167 dispense hopper coins, 172 emergency stop.

Our decisions (UNVERIFIED against a real unit where no source says):
- 167 only in unencrypted mode: data = 8 zero bytes + N. The hopper NAKs it when the code bytes are
  not zero (no cipher here), when it is not enabled, while it is already paying out, or when N = 0.
- The event counter rises on every 167 the hopper receives, even one it NAKs (Flow p.19: it proves
  a 167 arrived); 0 only after power-up/reset, then 1 … 255, wrapping to 1. An accepted 167 is
  answered ACK with the counter byte (as the Flow; the Alberici answers a bare ACK).
- Payout is paced: one coin every ``interval`` seconds (``--payout-ms``), so a power cut or a
  reset can fall in the middle. During a payout 166 shows coins remaining; paid counts up and
  unpaid is 0. When the payout ends short (ran empty, jam, emergency stop, reset, power cut) unpaid
  = the coins not paid. Last paid/unpaid are kept in non-volatile memory and survive power cuts
  and resets (Flow p.17/19/24: saved at power loss; Alberici: kept in EEPROM); the event counter,
  enable and the status flags do not.
- Running empty stops the payout with the rest unpaid and sets b1 (payout timeout: the motor ran
  and no coin came); b1 is cleared by the next accepted 167 or a power-up. A jammed hopper
  (control channel) reports b2 for as long as it is jammed and pays nothing: a 167 is ACKed, then
  the payout stops at its first coin with every coin unpaid. b6 (power-up) is set at power-up/reset and
  cleared by the next accepted 167. b7 is set whenever the hopper is not enabled.
- 172 stops a running payout at once (the coin under way counts as paid; our coins are whole
  events) and answers the coins unpaid (0 when idle); it also disables the hopper, so a host
  must enable it again before paying (as the Flow; UNVERIFIED for others).
- 164 during a payout is answered BUSY: enabling or disabling is not done mid-payout (172 stops it).
- Deaf for 250 ms × pace after power-up and 130 ms × pace after a reset command (Flow p.12, 16).
"""
from __future__ import annotations

from hardware.cash.emulator.cctalk_acceptor import (
    COMMS_SIMPLE_POLL, EQUIPMENT_CATEGORY, MANUFACTURER, POWER_UP_DEAF, PRODUCT_CODE, RESET, RESET_DEAF,
    SERIAL_NUMBER, SOFTWARE_REVISION, Reply, next_counter,
)
from hardware.cash.emulator.cctalk_frame import HEADER_ACK, HEADER_BUSY, HEADER_NAK, Frame

# headers
REQUEST_HOPPER_COIN, ENABLE_HOPPER, TEST_HOPPER = 171, 164, 163
REQUEST_HOPPER_STATUS, DISPENSE_HOPPER_COINS, EMERGENCY_STOP = 166, 167, 172
ENABLE_CODE = 0xA5

# 163 status byte
MAX_CURRENT, PAYOUT_TIMEOUT, MOTOR_REVERSED = 0x01, 0x02, 0x04
POWER_UP, PAYOUT_DISABLED = 0x40, 0x80


def hopper_coin(yen: int) -> bytes:
    return f"JP{yen:03d}A".ljust(8).encode()


class Hopper:
    def __init__(self, yen: int, address: int, count: int, interval: float = 0.08, pace: float = 1.0,
                 now: float = 0.0) -> None:
        self.yen = yen
        self.address = address
        self.count = count
        self.interval = interval
        self._pace = pace
        self.paid_total = 0
        self.last_paid = 0  # non-volatile
        self.last_unpaid = 0  # non-volatile
        self.jammed = False
        self.remaining = 0  # coins still to pay in the payout under way (0: idle)
        self.power_up(now, deaf=0.0)  # on before the emulator says ready: answering at once

    def power_up(self, now: float, deaf: float = POWER_UP_DEAF) -> None:
        """Power-up or reset: a payout under way stops where it is; RAM state is gone."""
        if self.remaining:
            self._stop()
        self.counter = 0
        self.enabled = False
        self.ran_empty = False
        self.powered_up = True
        self.remaining = 0
        self.next_coin_at = 0.0
        self._deaf_until = now + deaf * self._pace

    @property
    def dispensing(self) -> bool:
        return self.remaining > 0

    def status_byte(self) -> int:
        flags = PAYOUT_TIMEOUT if self.ran_empty else 0
        flags |= MOTOR_REVERSED if self.jammed else 0
        flags |= POWER_UP if self.powered_up else 0
        flags |= 0 if self.enabled else PAYOUT_DISABLED
        return flags

    # --- the line ------------------------------------------------------------------------------
    def handle(self, frame: Frame, now: float) -> Reply:
        if now < self._deaf_until:
            return None
        header, data = frame.header, frame.data
        if header == DISPENSE_HOPPER_COINS:
            return self._dispense(data, now)
        if header == REQUEST_HOPPER_STATUS and not data:
            return HEADER_ACK, bytes((self.counter, min(self.remaining, 255), self.last_paid, self.last_unpaid))
        if header == TEST_HOPPER and not data:
            return HEADER_ACK, bytes((self.status_byte(),))
        if header == ENABLE_HOPPER and len(data) == 1:
            if self.dispensing:
                return HEADER_BUSY, b""
            self.enabled = data[0] == ENABLE_CODE
            return HEADER_ACK, b""
        if header == EMERGENCY_STOP and not data:
            unpaid = self.remaining
            if self.dispensing:
                self._stop()
            self.enabled = False
            return HEADER_ACK, bytes((unpaid,))
        if header == COMMS_SIMPLE_POLL and not data:
            return HEADER_ACK, b""
        if header == RESET and not data:
            self.power_up(now, RESET_DEAF)
            return HEADER_ACK, b""
        identity = {EQUIPMENT_CATEGORY: b"Payout", PRODUCT_CODE: b"KIOSK-HOPPER-EMU", MANUFACTURER: b"EMU",
                    SOFTWARE_REVISION: b"1.00", SERIAL_NUMBER: (0x0B1000 + self.address).to_bytes(3, "little"),
                    REQUEST_HOPPER_COIN: hopper_coin(self.yen)}
        if header in identity and not data:
            return HEADER_ACK, identity[header]
        return HEADER_NAK, b""

    def _dispense(self, data: bytes, now: float) -> Reply:
        self.counter = next_counter(self.counter)  # every 167, even one refused
        if len(data) != 9 or any(data[:8]) or data[8] == 0 or not self.enabled or self.dispensing:
            return HEADER_NAK, b""
        self.remaining = data[8]
        self.last_paid = self.last_unpaid = 0
        self.ran_empty = self.powered_up = False
        self.next_coin_at = now + self.interval
        return HEADER_ACK, bytes((self.counter,))

    # --- the motor -----------------------------------------------------------------------------
    def coin_due(self, now: float) -> bool:
        return self.dispensing and now >= self.next_coin_at

    def pay_coin(self) -> None:
        """The next coin of the payout, if it can come out; the payout ends short if not."""
        if self.jammed:
            self._stop()
        elif self.count == 0:
            self.ran_empty = True
            self._stop()
        else:
            self.count -= 1
            self.paid_total += 1
            self.last_paid += 1
            self.remaining -= 1
            self.next_coin_at += self.interval

    def _stop(self) -> None:
        self.last_unpaid = self.remaining
        self.remaining = 0

    def state(self) -> dict[str, object]:
        return {
            "address": self.address, "count": self.count, "paid_total": self.paid_total, "enabled": self.enabled,
            "dispensing": self.dispensing, "remaining": self.remaining, "event_counter": self.counter,
            "last_paid": self.last_paid, "last_unpaid": self.last_unpaid, "status": self.status_byte(),
            "jammed": self.jammed,
        }

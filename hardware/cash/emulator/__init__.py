"""Protocol emulators of the cash devices: a JCM ID-003 bill validator and a ccTalk bus (coin
acceptor + hoppers), each speaking its protocol byte for byte on a pseudo-terminal, run as its own
process by ``kiosk cash-emulator`` and driven by tests and the demo panel over a control socket.

Written from the public protocol descriptions only (sources named in each module), never from
the kiosk's own drivers in hardware/cash/: framing, CRC and checksum are implemented again here, so
that where the two readings of the protocol disagree a test through the serial stack fails.

Modules, one idea each:
- pty_port: the virtual serial line (pseudo-terminal, symlink, byte pacing, reply latency);
- id003_frame / id003: ID-003 frames (CRC-16/KERMIT) and the bill validator's state machine;
- cctalk_frame / cctalk_acceptor / cctalk_hopper / cctalk: ccTalk frames (8-bit checksum), the
  coin acceptor, the hoppers, and the bus that echoes and routes;
- control: the JSON-lines control socket; loop: one thread that serves line and control;
- cli: ``kiosk cash-emulator id003|cctalk`` arguments and process life (ready line, signals).
"""

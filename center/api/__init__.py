"""The issuance center over the network: gRPC with mutual TLS.

center.proto (the service; center_pb2*.py(i) generated from it and committed: ``python -m
center.api.regenerate``), codec.py (the rich payloads as msgspec JSON), server.py (``serve``: the
IssuanceCenter port behind gRPC, the kiosk named by its client certificate), client.py
(``GrpcCenter``: the kiosk's adapter, deadlines and retries). The fleet's certificates are
center/fleet.py; the command line is center/cli.py (``kiosk-center``).
"""

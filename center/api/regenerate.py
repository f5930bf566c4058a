"""Regenerate the committed gRPC code from center.proto: ``python -m center.api.regenerate``.

Run from the repository root. Needs grpcio-tools (protoc and the gRPC plugin) and mypy-protobuf
(typed stubs for the service, so the strict type check reads real types); both are in the
``test`` extra and neither is needed at run time. Writes center_pb2.py, center_pb2.pyi,
center_pb2_grpc.py and center_pb2_grpc.pyi beside the .proto; commit them.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROTO = "center/api/center.proto"


def main() -> int:
    from grpc_tools import protoc  # type: ignore[import-untyped]

    def plugin(name: str) -> str:
        return shutil.which(name) or str(Path(sys.executable).parent / name)

    # protoc's own --pyi_out leaves generics bare (strict mypy refuses them): mypy-protobuf's stubs instead
    args = [
        "protoc", f"-I{ROOT}", f"--python_out={ROOT}", f"--grpc_python_out={ROOT}",
        f"--plugin=protoc-gen-mypy={plugin('protoc-gen-mypy')}", f"--mypy_out={ROOT}",
        f"--plugin=protoc-gen-mypy_grpc={plugin('protoc-gen-mypy_grpc')}", f"--mypy_grpc_out={ROOT}",
        str(ROOT / PROTO),
    ]
    code: int = protoc.main(args)
    if code:
        print(f"protoc failed ({code})", file=sys.stderr)
    return code


if __name__ == "__main__":
    raise SystemExit(main())

"""Read a PNG's chunks from its bytes, to check what a written file says about its colours."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def png_chunks(path: Path) -> dict[str, bytes]:
    """The PNG's chunks by type, in file order, parsed from the bytes (CRCs checked), no IDAT."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name}: not a PNG"
    chunks: dict[str, bytes] = {}
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"{path.name}: bad CRC in {kind!r}"
        if kind != b"IDAT":
            assert kind.decode() not in chunks, f"{path.name}: two {kind!r} chunks"
            chunks[kind.decode()] = body
        at += 12 + length
    return chunks

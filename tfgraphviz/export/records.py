"""TFRecord framing for event files, with a CRC-32C fast enough for a 10 MB GraphDef."""

from __future__ import annotations

import functools
import struct
from typing import Any

_POLY = 0x82F63B78  # CRC-32C (Castagnoli), reflected
_MASK_DELTA = 0xA282EAD8
CHUNK = 1024  # bytes per lane of the vectorized CRC
_SMALL = 4 * CHUNK  # shorter data: one byte at a time


@functools.cache
def _table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ (_POLY if crc & 1 else 0)
        table.append(crc)
    return tuple(table)


def _update(crc: int, data: bytes) -> int:
    """The CRC register after `data`, one byte at a time (no pre- or post-inversion)."""
    table = _table()
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


@functools.cache
def _shift_tables() -> Any:
    """Four 256-entry tables whose lookups, xored, move a register past CHUNK zero bytes
    (the register is linear in its start, byte by byte)."""
    import numpy as np

    table = np.array(_table(), dtype=np.uint32)
    starts = (np.arange(256, dtype=np.uint32)[None, :]
              << (8 * np.arange(4, dtype=np.uint32))[:, None]).ravel()
    for _ in range(CHUNK):
        starts = table[starts & 0xFF] ^ (starts >> 8)
    return starts.reshape(4, 256).tolist()


def crc32c(data: bytes) -> int:
    """CRC-32C of `data`: lanes of CHUNK bytes run side by side in numpy, then are chained
    (crc(A + B) = shift(crc(A), len(B)) xor crc0(B))."""
    crc = 0xFFFFFFFF
    lanes = len(data) // CHUNK if len(data) >= _SMALL else 0
    if lanes:
        import numpy as np

        table = np.array(_table(), dtype=np.uint32)
        block = np.frombuffer(data, dtype=np.uint8, count=lanes * CHUNK)
        columns = np.ascontiguousarray(block.reshape(lanes, CHUNK).T).astype(np.uint32)
        registers = np.zeros(lanes, dtype=np.uint32)
        for column in columns:
            registers = table[(registers ^ column) & 0xFF] ^ (registers >> 8)
        s0, s1, s2, s3 = _shift_tables()
        for lane in registers.tolist():
            crc = (s0[crc & 0xFF] ^ s1[(crc >> 8) & 0xFF] ^ s2[(crc >> 16) & 0xFF]
                   ^ s3[crc >> 24] ^ lane)
    return _update(crc, data[lanes * CHUNK:]) ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """The masked CRC TFRecord files carry."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def record(data: bytes) -> bytes:
    """One TFRecord: length, its masked CRC, the data, its masked CRC."""
    length = struct.pack("<Q", len(data))
    return b"".join((length, struct.pack("<I", masked_crc32c(length)), data,
                     struct.pack("<I", masked_crc32c(data))))

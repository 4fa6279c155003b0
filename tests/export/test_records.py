"""Our TFRecord framing: the CRC-32C of any length (byte by byte below 4 KiB, in numpy lanes
above) equals TensorBoard's reference one, and TensorBoard's own reader accepts the records."""

from __future__ import annotations

import random

import pytest
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c as reference

from tfgraphviz.export import records

LENGTHS = [0, 1, 7, 4095, 4096, 4097, records.CHUNK * 5 + 3, 70_001]


@pytest.mark.parametrize("length", LENGTHS)
def test_masked_crc_equals_tensorboards(length):
    data = random.Random(length).randbytes(length)
    for _ in range(2):
        assert records.masked_crc32c(data) == reference(data)


def test_the_standard_check_value():
    assert records.crc32c(b"123456789") == 0xE3069283  # CRC-32C's published check value
    assert records.crc32c(b"123456789" * 1000) != records.crc32c(b"123456789" * 1001)


def test_tensorboards_reader_reads_our_records(tmp_path):
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import PyRecordReader_New

    payloads = [b"", b"x", random.Random(1).randbytes(50_000)]
    path = tmp_path / "records"
    path.write_bytes(b"".join(records.record(p) for p in payloads))
    reader = PyRecordReader_New(str(path))
    read = []
    for _ in payloads:
        reader.GetNext()
        read.append(reader.record())
    assert read == payloads


def test_a_corrupted_record_is_refused(tmp_path):
    from tensorboard.compat.tensorflow_stub import errors
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import PyRecordReader_New

    data = bytearray(records.record(random.Random(2).randbytes(10_000)))
    data[5000] ^= 1
    path = tmp_path / "records"
    path.write_bytes(bytes(data))
    with pytest.raises(errors.DataLossError):
        PyRecordReader_New(str(path)).GetNext()

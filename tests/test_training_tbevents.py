"""TensorBoard event files (sd-scripts' --logging_dir) read without TensorFlow or protobuf.

Event files are written by tensorboard's own ``EventFileWriter`` (a test-only
dependency) into the folder layout sd-scripts uses; one fixed byte string,
captured from that writer, keeps the decoder checked where tensorboard is absent.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from lorapan.core.training.lr import current_lr, lr_text
from lorapan.core.training.tbevents import (
    EventReader,
    crc32c,
    logging_dir_of,
    masked_crc,
    parse_event,
    read_records,
)

# events.out.tfevents.* from tensorboard 2.21 EventFileWriter: the file_version event,
# then Event(wall_time=1.5, step=3, summary={lr/unet: 4.2e-4}).
CAPTURED = bytes.fromhex(
    "4800000000000000fe92489d0916e080b133c2da411a0d627261696e2e4576656e743a32522e0a2c74656e"
    "736f72626f6172642e73756d6d6172792e7772697465722e6576656e745f66696c655f777269746572a952"
    "bf4e1d00000000000000602fdf2309000000000000f83f10032a100a0e0a076c722f756e6574157233dc39"
    "11b4ece7"
)


def test_crc32c_check_value_and_tfrecord_masking():
    # CRC-32C catalogue check value for "123456789" (also RFC 3720 appendix B.4 vectors)
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(bytes(32)) == 0x8A9136AA
    assert crc32c(bytes([0xFF] * 32)) == 0x62A8AB43
    # the masked crc of the captured file's first length field, as the writer stored it
    assert masked_crc(CAPTURED[:8]) == struct.unpack_from("<I", CAPTURED, 8)[0]


def test_captured_writer_bytes_decode():
    records, used, bad = read_records(CAPTURED)
    assert (len(records), used, bad) == (2, len(CAPTURED), 0)
    assert parse_event(records[0]) == []  # file_version only
    (scalar,) = parse_event(records[1])
    assert (scalar.tag, scalar.step, scalar.wall_time) == ("lr/unet", 3, 1.5)
    assert scalar.value == pytest.approx(4.2e-4)


def test_tensor_style_scalar_and_negative_step():
    """A TF2-style scalar (TensorProto float_val) as tensorboard's protobuf serialises it."""
    data = bytes.fromhex(
        "09000000000000004010ffffffffffffffffff012a1a0a180a0c6c6f73732f63757272656e74420808012a"
        "040000003e"
    )
    (scalar,) = parse_event(data)
    assert (scalar.tag, scalar.step, scalar.value) == ("loss/current", -1, 0.125)


def test_cut_short_record_waits_and_bad_checksum_is_skipped():
    records, used, _ = read_records(CAPTURED[:-3])
    assert len(records) == 1 and used < len(CAPTURED)
    more, _, _ = read_records(CAPTURED, used)
    assert len(more) == 1
    damaged = bytearray(CAPTURED)
    damaged[-6] ^= 0xFF  # a byte of the second record's data
    records, used, bad = read_records(bytes(damaged))
    assert (len(records), used, bad) == (1, len(CAPTURED), 1)


# -- real files from tensorboard's writer ---------------------------------------------


def _writer(logdir: Path):
    writer_mod = pytest.importorskip("tensorboard.summary.writer.event_file_writer")
    from tensorboard.compat.proto import event_pb2, summary_pb2

    writer = writer_mod.EventFileWriter(str(logdir))

    def add(step: int, **values: float) -> None:
        summary = summary_pb2.Summary(
            value=[
                summary_pb2.Summary.Value(
                    tag=k.replace("__", "/").replace("_x_", "*"), simple_value=v
                )
                for k, v in values.items()
            ]
        )
        writer.add_event(event_pb2.Event(wall_time=100.0 + step, step=step, summary=summary))
        writer.flush()

    return writer, add


def test_reader_follows_a_file_as_the_trainer_appends(tmp_path):
    logs = tmp_path / "logs"
    writer, add = _writer(logs / "gob20261127003000" / "network_train")  # sd-scripts layout
    reader = EventReader(logs)
    assert reader.poll() == [] and reader.lr() is None
    add(1, lr__unet=5e-4, lr__textencoder=1e-4, loss__current=0.11)
    add(2, lr__unet=4.9e-4, lr__textencoder=1e-4, loss__current=0.10)
    first = reader.poll()
    assert [(s.tag, s.step) for s in first][:3] == [
        ("lr/unet", 1),
        ("lr/textencoder", 1),
        ("loss/current", 1),
    ]
    assert reader.lr().tag == "lr/unet" and reader.lr().value == pytest.approx(4.9e-4)
    assert reader.poll() == []  # nothing new: nothing re-read
    add(3, lr__unet=4.2e-4)
    assert [(s.tag, s.step) for s in reader.poll()] == [("lr/unet", 3)]
    assert reader.latest["loss/current"].step == 2
    writer.close()


def test_prodigy_effective_lr_is_preferred(tmp_path):
    writer, add = _writer(tmp_path / "logs" / "20261127003000" / "network_train")
    add(5, lr__unet=1.0, lr__d_x_lr__unet=3.3e-5, lr__textencoder=1.0)
    reader = EventReader(tmp_path / "logs")
    reader.poll()
    assert reader.lr().tag == "lr/d*lr/unet" and reader.lr().value == pytest.approx(3.3e-5)
    writer.close()


def test_logged_lr_beats_the_formula_and_the_text_says_which(tmp_path):
    writer, add = _writer(tmp_path / "logs" / "20261127003000" / "network_train")
    params = {"unetLR": 5e-4, "lrScheduler": "constant"}
    reader = EventReader(tmp_path / "logs")
    reader.poll()
    assert lr_text(current_lr(params, 7, 10, reader.lr()), 7) == "lr 5.00e-04 (scheduler)"
    add(7, lr__unet=4.2e-4)
    reader.poll()
    assert lr_text(current_lr(params, 7, 10, reader.lr()), 7) == "lr 4.20e-04 (logged)"
    # the writer flushes late: the console is ahead of the last logged step
    assert lr_text(current_lr(params, 9, 10, reader.lr()), 9) == "lr 4.20e-04 (logged at step 7)"
    writer.close()


def test_logging_dir_from_argv():
    assert logging_dir_of(["x", "--logging_dir", "/r/tb", "--y"]) == Path("/r/tb")
    assert logging_dir_of(["--logging_dir=/r/tb"]) == Path("/r/tb")
    assert logging_dir_of(["--output_dir", "/o"]) is None


def test_garbage_file_is_ignored_not_fatal(tmp_path):
    d = tmp_path / "logs" / "run" / "network_train"
    d.mkdir(parents=True)
    (d / "events.out.tfevents.1.host.1.0").write_bytes(b"\x10" * 64)
    reader = EventReader(tmp_path / "logs")
    assert reader.poll() == [] and reader.lr() is None


def test_long_backlog_decodes_only_the_newest_records(tmp_path):
    """Re-attaching to a long run: older values are superseded, so only the tail is decoded."""
    writer, add = _writer(tmp_path / "logs" / "20261127003000" / "network_train")
    for step in range(1, 601):
        add(step, lr__unet=1e-4 * step, loss__current=1.0 / step)
    reader = EventReader(tmp_path / "logs", backlog=100)
    new = reader.poll()
    assert len(new) == 200 and {s.step for s in new} == set(range(501, 601))
    assert reader.skipped == 501 and reader.bad_records == 0  # 500 steps + the file_version record
    assert reader.lr().step == 600 and reader.lr().value == pytest.approx(0.06)
    add(601, lr__unet=0.5)
    assert [s.step for s in reader.poll()] == [601]
    writer.close()

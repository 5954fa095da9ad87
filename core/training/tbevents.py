"""Read TensorBoard event files as sd-scripts writes them (``--logging_dir``).

sd-scripts logs no learning rate to the console; with ``--logging_dir D`` it logs
``lr/unet``, ``lr/textencoder``, ``loss/current``, ``loss/average`` (and
``lr/d*lr/…`` for DAdapt/Prodigy) per step to
``D/<log_prefix>YYYYmmddHHMMSS/network_train/events.out.tfevents.*``.

A file is a sequence of TFRecords: ``uint64 length``, ``uint32 masked_crc32c(length)``,
``data``, ``uint32 masked_crc32c(data)`` (all little-endian), where ``data`` is a
serialized ``Event`` protobuf: ``wall_time = 1`` (double), ``step = 2`` (int64),
``summary = 5`` (``Summary``: repeated ``Value value = 1`` with ``tag = 1`` and
``simple_value = 2`` (float), or ``tensor = 8`` for tensor-style scalars).
This module decodes just that with a small varint reader: no protobuf or
TensorFlow dependency. :class:`EventReader` reads files incrementally while
the trainer appends to them; a record still being written is left for later.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

FILE_MARK = "tfevents"
_MASK_DELTA = 0xA282EAD8
_HEADER = struct.Struct("<QI")
_CRC = struct.Struct("<I")


def _crc_table() -> list[int]:
    poly = 0x82F63B78  # CRC-32C (Castagnoli), reflected
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc(data: bytes) -> int:
    """TFRecord's masked CRC: rotate right by 15 bits and add a constant."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


class DataLoss(ValueError):
    """The file is damaged at a record header; nothing after it can be trusted."""


def _frames(buf: bytes, offset: int = 0) -> tuple[list[tuple[int, int]], int]:
    """Spans ``(start, end)`` of complete records' data from ``offset``, and where they end.

    Only the 8-byte length headers are checksummed here (cheap); a record cut
    short (the writer is still writing) ends the scan without error.
    """
    spans: list[tuple[int, int]] = []
    n = len(buf)
    while offset + _HEADER.size <= n:
        length, length_crc = _HEADER.unpack_from(buf, offset)
        if masked_crc(buf[offset : offset + 8]) != length_crc:
            raise DataLoss(f"bad record header at byte {offset}")
        end = offset + _HEADER.size + length + _CRC.size
        if end > n:
            break
        spans.append((offset + _HEADER.size, end - _CRC.size))
        offset = end
    return spans, offset


def _checked(buf: bytes, span: tuple[int, int]) -> bytes | None:
    """The record's data when its checksum matches."""
    data = buf[span[0] : span[1]]
    return data if masked_crc(data) == _CRC.unpack_from(buf, span[1])[0] else None


def read_records(buf: bytes, offset: int = 0) -> tuple[list[bytes], int, int]:
    """Complete records from ``buf[offset:]``: (records, offset after the last, bad records).

    A record cut short ends the read without error; a record whose data fails its
    checksum is skipped and counted.
    """
    spans, end = _frames(buf, offset)
    records = [d for d in (_checked(buf, s) for s in spans) if d is not None]
    return records, end, len(spans) - len(records)


# -- protobuf wire format ------------------------------------------------------------


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """``(field_number, wire_type, value)``: ints for varint/fixed, bytes for length-delimited."""
    pos, n = 0, len(buf)
    while pos < n:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = int.from_bytes(buf[pos : pos + 8], "little"), pos + 8
        elif wire == 5:
            value, pos = int.from_bytes(buf[pos : pos + 4], "little"), pos + 4
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos : pos + size], pos + size
        else:
            raise ValueError(f"unsupported wire type {wire}")
        if pos > n:
            raise ValueError("truncated field")
        yield number, wire, value


def _f32(bits: int) -> float:
    return struct.unpack("<f", bits.to_bytes(4, "little"))[0]


def _f64(bits: int) -> float:
    return struct.unpack("<d", bits.to_bytes(8, "little"))[0]


_DT_FLOAT, _DT_DOUBLE = 1, 2


def _tensor_scalar(buf: bytes) -> float | None:
    """The first value of a float/double ``TensorProto`` (tensor-style scalar summaries)."""
    dtype, content = _DT_FLOAT, b""
    for number, wire, value in fields(buf):
        if number == 1 and wire == 0:
            dtype = int(value)
        elif number == 4 and wire == 2:
            content = bytes(value)
        elif number == 5:  # float_val: packed (wire 2) or not (wire 5)
            return _f32(int(value)) if wire == 5 else struct.unpack_from("<f", value)[0]
        elif number == 6:  # double_val
            return _f64(int(value)) if wire == 1 else struct.unpack_from("<d", value)[0]
    if dtype == _DT_FLOAT and len(content) >= 4:
        return struct.unpack_from("<f", content)[0]
    if dtype == _DT_DOUBLE and len(content) >= 8:
        return struct.unpack_from("<d", content)[0]
    return None


@dataclass(frozen=True)
class Scalar:
    tag: str
    step: int
    value: float
    wall_time: float = 0.0


def _summary_values(buf: bytes) -> Iterator[tuple[str, float]]:
    for number, wire, value in fields(buf):
        if number != 1 or wire != 2:
            continue
        tag, scalar = "", None
        for vnum, vwire, v in fields(bytes(value)):
            if vnum == 1 and vwire == 2:
                tag = bytes(v).decode("utf-8", "replace")
            elif vnum == 2 and vwire == 5:
                scalar = _f32(int(v))
            elif vnum == 8 and vwire == 2 and scalar is None:
                scalar = _tensor_scalar(bytes(v))
        if tag and scalar is not None:
            yield tag, scalar


def parse_event(data: bytes) -> list[Scalar]:
    """The scalars in one serialized ``Event`` (none for file-version or graph events)."""
    wall, step, summary = 0.0, 0, None
    for number, wire, value in fields(data):
        if number == 1 and wire == 1:
            wall = _f64(int(value))
        elif number == 2 and wire == 0:
            step = int(value) - (1 << 64) if int(value) >= 1 << 63 else int(value)
        elif number == 5 and wire == 2:
            summary = bytes(value)
    if summary is None:
        return []
    return [Scalar(tag, step, v, wall) for tag, v in _summary_values(summary)]


# -- following a logging dir -----------------------------------------------------------


def lr_tag_rank(tag: str) -> int | None:
    """Which logged lr to show: the effective d·lr of DAdapt/Prodigy, then the unet's."""
    if not tag.startswith("lr/"):
        return None
    if tag == "lr/d*lr/unet":
        return 0
    if tag == "lr/unet":
        return 1
    if tag.startswith("lr/d*lr/") and "textencoder" not in tag:
        return 2
    if tag.startswith("lr/group") or tag == "lr/unet plus":
        return 3
    return 4  # lr/textencoder and anything else


@dataclass
class _FileState:
    offset: int = 0
    size: int = -1
    damaged: bool = False


class EventReader:
    """Follow every event file under a logging dir; :meth:`poll` returns new scalars."""

    def __init__(
        self, logging_dir: Path | str, rescan_every: int = 10, backlog: int | None = 256
    ) -> None:
        """``backlog``: of a long stretch of new records (re-attaching to a long run),
        only the newest this many are decoded; older values are superseded anyway."""
        self.root = Path(logging_dir)
        self.backlog = backlog
        self.skipped = 0
        self.latest: dict[str, Scalar] = {}
        self.bad_records = 0
        self._files: dict[Path, _FileState] = {}
        self._polls = 0
        self._rescan_every = max(1, rescan_every)

    def _scan(self) -> None:
        if not self.root.is_dir():
            return
        for dirpath, _dirs, names in os.walk(self.root):
            for name in names:
                if FILE_MARK in name:
                    self._files.setdefault(Path(dirpath) / name, _FileState())

    def poll(self) -> list[Scalar]:
        """Scalars written since the last call, in file order (a cheap stat when none)."""
        if self._polls % self._rescan_every == 0 or not self._files:
            self._scan()
        self._polls += 1
        new: list[Scalar] = []
        for path in sorted(self._files):
            new.extend(self._read(path, self._files[path]))
        for s in new:
            cur = self.latest.get(s.tag)
            if cur is None or s.step >= cur.step:
                self.latest[s.tag] = s
        return new

    def _read(self, path: Path, st: _FileState) -> list[Scalar]:
        if st.damaged:
            return []
        try:
            size = path.stat().st_size
            if size == st.size or size <= st.offset:
                return []
            with open(path, "rb") as fh:
                fh.seek(st.offset)
                buf = fh.read(size - st.offset)
        except OSError:
            return []
        st.size = size
        try:
            spans, used = _frames(buf)
        except DataLoss:
            st.damaged = True
            return []
        st.offset += used
        if self.backlog is not None and len(spans) > self.backlog:
            self.skipped += len(spans) - self.backlog
            spans = spans[-self.backlog :]
        out: list[Scalar] = []
        for span in spans:
            data = _checked(buf, span)
            try:
                if data is None:
                    raise ValueError("checksum mismatch")
                out.extend(parse_event(data))
            except (ValueError, struct.error, IndexError):
                self.bad_records += 1
        return out

    def lr(self) -> Scalar | None:
        """The newest logged learning rate worth showing (see :func:`lr_tag_rank`)."""
        ranked = [(r, s) for s in self.latest.values() if (r := lr_tag_rank(s.tag)) is not None]
        return min(ranked, key=lambda rs: (rs[0], rs[1].tag))[1] if ranked else None


def logging_dir_of(argv: list[str]) -> Path | None:
    """The ``--logging_dir`` a run was started with (``--logging_dir=D`` too)."""
    for i, arg in enumerate(argv):
        if arg == "--logging_dir" and i + 1 < len(argv):
            return Path(argv[i + 1])
        if arg.startswith("--logging_dir="):
            return Path(arg.split("=", 1)[1])
    return None

"""The shape an SPSS ``.sav`` or Stata ``.dta`` file declares, read from its first bytes.

Design: a statistics package's file states its columns before its data: SPSS in one 32-byte
record per variable after a 176-byte header (plus the case count in the header), Stata in the
header's ``K`` (variables) and ``N`` (observations) fields. :func:`declared_shape` reads those
with ``struct`` alone, stopping as soon as the column cap is passed, so a file that declares
100,000 columns is refused in microseconds, before pyreadstat (which parses every variable
record, holding the interpreter lock) is called. A header that cannot be read is left to
pyreadstat, which refuses it.

Conventions: counts are what the file declares; ``rows`` is ``None`` when the file does not
say (SPSS writes -1 when it streamed the cases).

References: the SPSS system file format (GNU PSPP manual, "System File Format": file header
record, variable record); Stata ``dta`` formats 113-115 (``help dta_113``) and 117-119
(``help dta``).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class DeclaredShape:
    """Columns and rows a file declares.

    Attributes
    ----------
    columns : int
        Variables counted (counting stops one past ``limit``, so "at least" then).
    rows : int or None
        Cases/observations, or None when the file does not state them.
    """

    columns: int
    rows: int | None


def declared_shape(data: bytes, kind: str, limit: int) -> DeclaredShape | None:
    """The shape a ``.sav`` (``kind="sav"``) or ``.dta`` (``"dta"``) file declares.

    Parameters
    ----------
    data : bytes
        The file (only its header and dictionary are looked at).
    kind : {"sav", "dta"}
    limit : int
        Counting variables stops at ``limit + 1``.

    Returns
    -------
    DeclaredShape or None
        None when the header cannot be read (damaged, or a variant this reader does not know).
    """
    try:
        return _sav_shape(data, limit) if kind == "sav" else _dta_shape(data)
    except struct.error:
        return None


def _sav_shape(data: bytes, limit: int) -> DeclaredShape | None:
    if data[:4] not in (b"$FL2", b"$FL3") or len(data) < 176:
        return None
    order = "<" if struct.unpack_from("<i", data, 64)[0] in (2, 3) else ">"
    if struct.unpack_from(order + "i", data, 64)[0] not in (2, 3):
        return None
    cases = struct.unpack_from(order + "i", data, 80)[0]
    position, columns = 176, 0
    record = struct.Struct(order + "iiii")
    while columns <= limit and position + 32 <= len(data):
        kind, width, has_label, missing = record.unpack_from(data, position)
        if kind != 2:
            break
        position += 32
        if has_label:
            length = struct.unpack_from(order + "i", data, position)[0]
            position += 4 + (length + 3) // 4 * 4
        position += abs(missing) * 8
        if width != -1:  # -1: the continuation of a long string, not a column
            columns += 1
    return DeclaredShape(columns, cases if cases >= 0 else None)


_DTA_RELEASE = re.compile(rb"^<stata_dta><header><release>(\d{3})</release><byteorder>"
                          rb"(MSF|LSF)</byteorder><K>")


def _dta_shape(data: bytes) -> DeclaredShape | None:
    match = _DTA_RELEASE.match(data[:128])
    if match:
        release = int(match.group(1))
        order = ">" if match.group(2) == b"MSF" else "<"
        position = match.end()
        k_format, n_format = ("H", "I") if release == 117 else \
            ("H", "Q") if release == 118 else ("I", "Q")
        columns = struct.unpack_from(order + k_format, data, position)[0]
        position += struct.calcsize(k_format) + len(b"</K><N>")
        rows = struct.unpack_from(order + n_format, data, position)[0]
        return DeclaredShape(int(columns), int(rows))
    if len(data) >= 10 and data[0] in range(104, 116) and data[1] in (1, 2):
        order = ">" if data[1] == 1 else "<"
        columns, rows = struct.unpack_from(order + "hi", data, 4)
        return DeclaredShape(int(columns), int(rows))
    return None

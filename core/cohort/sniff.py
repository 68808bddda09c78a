"""What a file is, judged by its bytes: table format, text encoding and separator.

Design: the file name's extension is only a hint; the first bytes decide. A file that is not a
table (an image, a PDF, a zip archive, an empty file) gets one plain sentence. Text is decoded
strictly, trying in order: a byte-order mark (UTF-8, UTF-16), BOM-less UTF-16 (zero bytes in
every other position), UTF-8, GB18030 (the superset of GBK that Chinese hospital systems
export) and Windows-1252. A decoding is accepted only when it is clean: strict (no replacement
characters) and plausible (GB18030 only when every non-ASCII run has an even number of bytes
and decodes to Chinese characters or punctuation; Windows-1252 only when its non-ASCII
characters are isolated letters and symbols, not the long runs that Chinese bytes read as Latin
produce). Anything else is refused rather than guessed, so ``分子学复发`` never becomes
``·Ö×ÓÑ§¸´·¢``.

Conventions: every refusal is a :class:`~core.errors.CohortError` with one sentence naming the
file, what it looks like and the fix.

References: the WHATWG Encoding Standard (BOM sniffing); Unicode 15 blocks for CJK ranges.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

from core.errors import CohortError

TABLE_FORMATS = ("csv", "xlsx", "parquet", "sav", "dta")
"""Formats :func:`detect_format` may return."""

SEPARATORS = (",", ";", "\t", "|")
"""Field separators a text table may use."""

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
                  r"\u2000-\u206f\u00b7\u00d7\u2460-\u24ff\u0391-\u03c9]")
_NON_ASCII_RUN = re.compile(rb"[\x80-\xff]+")


def _fix() -> str:
    return ("Fix: export the cohort as CSV (UTF-8), XLSX, Parquet, SPSS .sav or Stata .dta, "
            "one row per patient under a header row.")


def detect_format(name: str, data: bytes) -> str:
    """Return the table format of ``data`` (one of :data:`TABLE_FORMATS`), judged by content.

    Parameters
    ----------
    name : str
        The file name (used in messages; its extension only breaks ties).
    data : bytes
        The whole file.

    Raises
    ------
    core.errors.CohortError
        When the file is empty or is not a table (image, PDF, archive, old binary Excel).
    """
    shown = Path(name).name or "(upload)"
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise CohortError([f"The file {shown} is empty. Fix: export the cohort again with a "
                           "header row and one row per patient."])
    head = data[:16]
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            raise CohortError([f"The file {shown} is {what}, not a table. {_fix()}"])
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(shown, data)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise CohortError([f"The file {shown} is in the old Excel 97-2003 format (.xls) or is a "
                           "password-protected workbook. Fix: open it in a spreadsheet and save "
                           "it as .xlsx or .csv (without a password)."])
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith((b"$FL2", b"$FL3")):
        return "sav"
    if head.startswith(b"<stata_dta>") or (len(head) > 2 and head[0] in (113, 114, 115)
                                           and head[1] in (1, 2) and head[2] == 1):
        return "dta"
    return "csv"


def _zip_kind(shown: str, data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise CohortError([f"The file {shown} starts like a zip archive or workbook but is "
                           f"damaged (cut off during the upload or export?). {_fix()}"]) from None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "content.xml" in names and "mimetype" in names:
        raise CohortError([f"The file {shown} is an OpenDocument spreadsheet (.ods). Fix: save "
                           "it as .xlsx or .csv."])
    raise CohortError([f"The file {shown} is a zip archive, not a table. Fix: unpack it and "
                       "upload the table inside (CSV, XLSX, Parquet, .sav or .dta)."])


def decode_text(name: str, data: bytes) -> tuple[str, str]:
    """Decode a text table strictly and return ``(text, encoding)``.

    Raises
    ------
    core.errors.CohortError
        When no encoding decodes the file cleanly, or the file holds binary content.
    """
    shown = Path(name).name or "(upload)"
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(shown, data[3:], "utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(shown, data, "utf-16"), "utf-16"
    bomless = _bomless_utf16(data)
    if bomless:
        return _strict(shown, data, bomless), bomless
    zeros = data.count(b"\x00")
    if zeros > max(16, 0.01 * len(data)):
        raise CohortError([f"The file {shown} holds binary content (zero bytes), not text. "
                           f"{_fix()}"])
    if zeros:
        lines = [i + 1 for i, line in enumerate(data.split(b"\n")) if b"\x00" in line]
        listed = ", ".join(map(str, lines[:8])) + (f" and {len(lines) - 8} more"
                                                   if len(lines) > 8 else "")
        raise CohortError([f"The file {shown} has NUL bytes (\\x00), a control character no "
                           f"spreadsheet writes, on line{'s' if len(lines) > 1 else ''} {listed}. "
                           "Fix: remove them (export the file again as CSV UTF-8 or XLSX)."])
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    runs = _NON_ASCII_RUN.findall(data)
    if runs and all(len(run) % 2 == 0 for run in runs):
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            text = None
        if text is not None and _mostly_cjk(text):
            return text, "gb18030"
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is not None and _plausible_latin(text):
        return text, "cp1252"
    raise CohortError([f"The text encoding of {shown} could not be recognised (not UTF-8, "
                       "UTF-16, GB18030/GBK or Windows-1252), so its text would be garbled. "
                       "Fix: save it as 'CSV UTF-8' (Excel: File > Save as > CSV UTF-8) or as "
                       "XLSX."])


def _strict(shown: str, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise CohortError([f"The file {shown} announces {encoding.upper()} text but holds "
                           "bytes that are not valid in it (damaged or mixed encodings). Fix: "
                           "save it again as 'CSV UTF-8' or as XLSX."]) from None


def _bomless_utf16(data: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when zero bytes fill one of the two byte positions."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    sample = sample[: len(sample) // 2 * 2]
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _mostly_cjk(text: str) -> bool:
    wide = [c for c in text if ord(c) > 127]
    return bool(wide) and sum(bool(_CJK.match(c)) for c in wide) >= 0.95 * len(wide)


def _plausible_latin(text: str) -> bool:
    """Windows-1252 text whose accented letters sit in words, not in long runs of symbols."""
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text):
        return False
    wide = sum(1 for c in text if ord(c) > 127)
    in_runs = sum(len(m) for m in re.findall(r"[^\x00-\x7f]{3,}", text))
    return wide == 0 or in_runs <= 0.5 * wide


def detect_separator(text: str) -> str:
    """The separator (one of :data:`SEPARATORS`) that splits the first lines most consistently.

    A separator qualifies when every sampled line splits into the same number (> 1) of fields
    (quotes respected); among those, the one giving the most fields wins; with none
    qualifying, the one splitting the header line into most fields; a one-column file gives
    ``","``.
    """
    lines = [line for line in text.splitlines()[:30] if line.strip()][:20]
    best, best_fields = ",", 1
    fallback, fallback_fields = ",", 1
    for sep in SEPARATORS:
        counts = [len(row) for row in csv.reader(lines, delimiter=sep)]
        if not counts:
            continue
        if counts[0] > fallback_fields:
            fallback, fallback_fields = sep, counts[0]
        if counts[0] > 1 and len(set(counts)) == 1 and counts[0] > best_fields:
            best, best_fields = sep, counts[0]
    return best if best_fields > 1 else fallback

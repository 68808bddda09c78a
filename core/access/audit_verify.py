"""Reading the audit trail: verify its hash chain, and list its events as a table to filter.

:func:`verify_chain` walks the rotated files oldest first, then the current file, and checks
on every line that it is JSON, that its ``hash`` is the SHA-256 of the rest of the line
(:func:`core.access.audit.line_hash`), that its ``prev`` is the hash of the line before it
(across files too) and that ``seq`` counts up by one. It stops at the first line that fails
and names it (file, line number, reason). The oldest kept file may start after a deleted one
(retention): its first ``prev`` is then taken as given, and the result says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from core.access.audit import GENESIS, line_hash, rotated_files

TABLE_COLUMNS = ("recorded", "category", "code", "action", "outcome", "who", "name", "role",
                 "network", "session", "what", "query", "detail", "seq", "file")
"""Columns of :func:`audit_table`: one row per event."""


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify_chain` found.

    Attributes
    ----------
    ok : bool
        Every line checked out.
    lines : int
        Lines checked (up to and including the broken one).
    files : tuple of str
        The files checked, oldest first.
    broken_file, broken_line : str or None, int or None
        Where the first broken line is (1-based line number within its file).
    reason : str
        Why that line is broken; empty when ``ok``.
    anchored : bool
        The oldest kept file starts after files deleted by the retention (its first ``prev``
        is not the genesis value).
    """

    ok: bool
    lines: int
    files: tuple[str, ...]
    broken_file: str | None = None
    broken_line: int | None = None
    reason: str = ""
    anchored: bool = False

    def message(self) -> str:
        """One sentence for a terminal or a page."""
        where = f"{len(self.files)} file{'s' if len(self.files) != 1 else ''}"
        if self.ok:
            start = (" (the oldest kept file continues a chain whose earlier files the retention "
                     "deleted)" if self.anchored else "")
            return f"Chain intact: {self.lines} lines in {where}{start}."
        return (f"Chain broken at {self.broken_file} line {self.broken_line}: {self.reason} "
                f"({self.lines - 1} lines before it are intact).")


def log_files(path: Path) -> list[Path]:
    """The rotated files of the log, oldest first, then the current file (if it exists)."""
    path = Path(path)
    return [*rotated_files(path), *([path] if path.exists() else [])]


def verify_chain(path: Path) -> ChainReport:
    """Verify the hash chain of the audit log ``path`` and its rotated files.

    Returns
    -------
    ChainReport
        ``ok`` or the first broken line with the reason.
    """
    files = log_files(path)
    names = tuple(f.name for f in files)
    previous, seq, count, anchored = None, None, 0, False
    for file in files:
        with file.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                count += 1
                problem, record = _check(raw, previous, seq)
                if problem is None and previous is None and record["prev"] != GENESIS:
                    anchored = True
                if problem:
                    return ChainReport(False, count, names, file.name, number, problem, anchored)
                previous, seq = record["hash"], record["seq"]
    return ChainReport(True, count, names, anchored=anchored)


def _check(raw: bytes, previous: str | None, seq: int | None) -> tuple[str | None, dict]:
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "the line is not JSON (cut or edited)", {}
    if not isinstance(record, dict) or not {"hash", "prev", "seq"} <= set(record):
        return "the line has no hash, prev or seq", {}
    if line_hash(record) != record["hash"]:
        return "its content does not match its hash (the line was changed)", record
    if previous is not None and record["prev"] != previous:
        return ("its prev is not the hash of the line before (a line was removed, inserted or "
                "reordered)"), record
    if seq is not None and record["seq"] != seq + 1:
        return f"its seq is {record['seq']}, expected {seq + 1} (a line is missing)", record
    return None, record


def read_events(path: Path) -> list[dict]:
    """Every event of the log and its rotated files, oldest first, each with its ``file``;
    lines that are not JSON are skipped (:func:`verify_chain` reports them)."""
    events = []
    for file in log_files(path):
        with file.open("rb") as handle:
            for raw in handle:
                try:
                    events.append({**json.loads(raw), "file": file.name})
                except (json.JSONDecodeError, UnicodeDecodeError):
                    continue
    return events


def audit_table(events: list[dict]) -> pd.DataFrame:
    """The events as a table with :data:`TABLE_COLUMNS` (agent and entity flattened; ``detail``
    as compact JSON text), newest first."""
    rows = [{
        "recorded": e.get("recorded"), "category": e.get("category"), "code": e.get("code"),
        "action": e.get("action"), "outcome": e.get("outcome"),
        **{k: (e.get("agent") or {}).get(k) for k in ("who", "name", "role", "network",
                                                      "session")},
        "what": (e.get("entity") or {}).get("what"),
        "query": (e.get("entity") or {}).get("query"),
        "detail": json.dumps((e.get("entity") or {}).get("detail") or {}, sort_keys=True),
        "seq": e.get("seq"), "file": e.get("file"),
    } for e in events]
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    return table.iloc[::-1].reset_index(drop=True)


def filter_events(table: pd.DataFrame, *, who: str = "", categories: tuple[str, ...] = (),
                  since: datetime | None = None, until: datetime | None = None,
                  text: str = "") -> pd.DataFrame:
    """The rows of :func:`audit_table` matching every given criterion.

    Parameters
    ----------
    who : str
        Part of the user's identifier or name (case-insensitive).
    categories : tuple of str
        Keep these categories (all when empty).
    since, until : datetime, optional
        Inclusive bounds on ``recorded`` (UTC).
    text : str
        Part of ``code``, ``what`` or ``detail`` (case-insensitive).
    """
    keep = pd.Series(True, index=table.index)
    if who:
        keep &= (table["who"].fillna("").str.contains(who, case=False, regex=False)
                 | table["name"].fillna("").str.contains(who, case=False, regex=False))
    if categories:
        keep &= table["category"].isin(categories)
    recorded = pd.to_datetime(table["recorded"], utc=True, errors="coerce")
    if since is not None:
        keep &= recorded >= _utc(since)
    if until is not None:
        keep &= recorded <= _utc(until)
    if text:
        keep &= (table["code"].fillna("") + " " + table["what"].fillna("") + " "
                 + table["detail"].fillna("")).str.contains(text, case=False, regex=False)
    return table[keep].reset_index(drop=True)


def _utc(moment: datetime) -> pd.Timestamp:
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")

"""The audit trail: who did what, when, from where, as an append-only, hash-chained log.

Design: one JSON object per line (JSON Lines), named after FHIR's ``AuditEvent`` where a field
fits (``recorded``, ``category``, ``code``, ``action``, ``outcome``, ``agent.who``,
``agent.role``, ``agent.network``, ``source.observer``, ``entity.what``, ``entity.query``,
``entity.detail``). Each line carries ``prev``, the ``hash`` of the line before it, and its own
``hash``: the SHA-256 of the line's canonical JSON without ``hash`` (keys sorted, no spaces).
Changing, removing or inserting a line breaks the chain at that point, which
:func:`core.access.audit_verify.verify_chain` finds (``python -m core.access verify``).

Rotation by size: when the file reaches ``max_bytes`` it is renamed with its rotation time
(``audit.20261206T101500Z.jsonl``) and the new file starts with a ``rotation`` line whose
``prev`` is the last hash of the old file, so the chain runs across files. Rotated files older
than the retention are deleted. Writers of several processes (replicas) take an exclusive
``flock`` on ``<log>.lock`` around read-last-hash + append, so lines never interleave and the
chain stays linear.

Nothing in an event is a patient value: the callers pass names (pages, downloads, columns of a
filter), counts, kinds and digests; :func:`query_digest` turns a filter into a SHA-256 an
auditor can recompute from a link, without the link's values being in the log.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

GENESIS = "0" * 64
"""``prev`` of the very first line of a log."""
ACTIONS = {"C": "create", "R": "read", "U": "update", "D": "delete", "E": "execute"}
"""FHIR AuditEvent action codes."""
CATEGORIES = ("login", "logout", "session-expired", "cohort", "view", "export", "upload",
              "mapping", "removal", "denied", "audit", "rotation")
"""Every ``category`` an event may have."""
TAIL_BYTES = 65536
"""How much of the file's end is read to find the last line (a line is far shorter)."""


@dataclass(frozen=True)
class Agent:
    """Who acted: FHIR ``AuditEvent.agent``.

    Attributes
    ----------
    who : str
        The user's identifier (e-mail or subject from the identity provider; ``"anonymous"``
        when sign-in is off).
    name : str
        The user's display name.
    role : str or None
        The app role (``viewer``, ``analyst``, ``data_manager``), None without one.
    network : str or None
        The browser's network address.
    session : str
        The app's id of the browser session.
    """

    who: str
    name: str
    role: str | None
    network: str | None
    session: str


def canonical(record: dict) -> bytes:
    """The bytes a line's hash is computed over: sorted keys, no spaces, UTF-8."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def line_hash(record: dict) -> str:
    """SHA-256 (hex) of ``record`` without its ``hash`` field."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


def query_digest(params: dict[str, str | list[str]]) -> str:
    """SHA-256 (hex) of a view's link parameters, keys sorted, values sorted: an auditor
    holding a link can recompute it; the log never holds the link's values."""
    items = sorted((str(k), ",".join(sorted(map(str, v))) if isinstance(v, (list, tuple))
                    else str(v)) for k, v in params.items())
    return hashlib.sha256(json.dumps(items).encode("utf-8")).hexdigest()


def content_digest(chunks) -> str:
    """SHA-256 (hex) over byte chunks (a cohort's row hashes): the same data, the same digest."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


class AuditLog:
    """An append-only, hash-chained JSON Lines audit log with size rotation.

    Parameters
    ----------
    path : pathlib.Path
        The current log file (created with its folder, mode 0600, when missing).
    max_bytes : int
        Rotate when the file has reached this size.
    retention_days : float
        Delete rotated files whose last write is older than this.
    observer : str, optional
        ``source.observer``: which server wrote the line (default ``relapse-risk-explorer@``
        the host name).
    """

    def __init__(self, path: Path, max_bytes: int = 10_000_000,
                 retention_days: float = 3650, observer: str | None = None) -> None:
        self.path = Path(path)
        self.max_bytes = int(max_bytes)
        self.retention_days = float(retention_days)
        self.observer = observer or f"relapse-risk-explorer@{socket.gethostname()}"

    # ---- writing ---------------------------------------------------------------------------

    def record(self, category: str, code: str, agent: Agent, *, action: str = "E",
               outcome: str = "success", what: str | None = None, query: str | None = None,
               detail: dict | None = None, now: datetime | None = None) -> dict:
        """Append one event and return it as written (with ``prev`` and ``hash``).

        Parameters
        ----------
        category : str
            One of :data:`CATEGORIES`.
        code : str
            What exactly (``"cohort.patients"``, ``"page:Survival"``).
        agent : Agent
        action : {"C", "R", "U", "D", "E"}
            FHIR action code.
        outcome : {"success", "denied", "failure"}
        what : str, optional
            ``entity.what``: the object acted on (a cohort's kind, a download's name).
        query : str, optional
            ``entity.query``: :func:`query_digest` of the view's link.
        detail : dict, optional
            ``entity.detail``: counts, kinds, column names; never a patient value.
        now : datetime, optional
            The event time (UTC); default now.
        """
        if category not in CATEGORIES:
            raise ValueError(f"Unknown audit category {category!r}: use one of "
                             f"{', '.join(CATEGORIES)}.")
        if action not in ACTIONS:
            raise ValueError(f"Unknown audit action {action!r}: use one of {', '.join(ACTIONS)}.")
        event = {
            "resourceType": "AuditEvent", "id": str(uuid.uuid4()),
            "recorded": _timestamp(now), "category": category, "code": code,
            "action": action, "outcome": outcome,
            "agent": {"who": agent.who, "name": agent.name, "role": agent.role,
                      "network": agent.network, "session": agent.session},
            "source": {"observer": self.observer},
            "entity": {"what": what, "query": query, "detail": detail or {}},
        }
        with self._locked():
            if self.path.exists() and self.path.stat().st_size >= self.max_bytes:
                self._rotate(now)
            return self._append(event)

    def _append(self, event: dict, last: dict | None = None) -> dict:
        """Write ``event`` after ``last`` (default: the file's last line)."""
        last = last if last is not None else last_record(self.path)
        event = {**event, "seq": (last["seq"] + 1) if last else 1,
                 "prev": last["hash"] if last else GENESIS}
        event["hash"] = line_hash(event)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, canonical(event) + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        return event

    def _rotate(self, now: datetime | None) -> None:
        """Rename the full file, start the next one with a line that carries the chain on,
        and delete rotated files past the retention."""
        last = last_record(self.path)
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
        rotated = self.path.with_name(f"{self.path.stem}.{stamp}{self.path.suffix}")
        self.path.rename(rotated)
        self._append({
            "resourceType": "AuditEvent", "id": str(uuid.uuid4()), "recorded": _timestamp(now),
            "category": "rotation", "code": "rotation", "action": "C", "outcome": "success",
            "agent": {"who": "system", "name": "audit log", "role": None, "network": None,
                      "session": "-"},
            "source": {"observer": self.observer},
            "entity": {"what": rotated.name, "query": None,
                       "detail": {"previous_file": rotated.name}},
        }, last=last)  # the chain goes on from the rotated file's last line
        self._drop_expired(now)

    def _drop_expired(self, now: datetime | None) -> None:
        limit = (now or datetime.now(UTC)).timestamp() - self.retention_days * 86400
        for old in rotated_files(self.path):
            if old.stat().st_mtime < limit:
                old.unlink()

    @contextmanager
    def _locked(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = os.open(self.path.with_name(self.path.name + ".lock"),
                       os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            os.close(lock)


def _timestamp(now: datetime | None) -> str:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def last_record(path: Path) -> dict | None:
    """The last line of ``path`` as a dict (None for a missing or empty file)."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - TAIL_BYTES))
        lines = [line for line in handle.read().split(b"\n") if line.strip()]
    if not lines:
        return None
    return json.loads(lines[-1])


def rotated_files(path: Path) -> list[Path]:
    """The rotated files of the log ``path``, oldest first (their names sort by time)."""
    return sorted(p for p in path.parent.glob(f"{path.stem}.*{path.suffix}")
                  if p != path and not p.name.endswith(".lock"))

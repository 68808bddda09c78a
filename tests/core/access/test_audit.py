"""The audit log: hash chain, tamper detection (first broken line), rotation, retention, reading."""

import hashlib
import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.access.__main__ import main as cli
from core.access.audit import (
    GENESIS,
    Agent,
    AuditLog,
    canonical,
    query_digest,
    rotated_files,
)
from core.access.audit_verify import audit_table, filter_events, read_events, verify_chain

ROOT = Path(__file__).resolve().parents[3]
ALICE = Agent(who="alice@h.example", name="Alice", role="analyst", network="10.0.0.8",
              session="s-1")
BOB = Agent(who="bob@h.example", name="Bob", role="viewer", network=None, session="s-2")
T0 = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


def _write(path: Path, n: int, **kwargs) -> AuditLog:
    log = AuditLog(path, observer="test", **kwargs)
    for i in range(n):
        log.record("view", f"page:{i}", ALICE if i % 2 else BOB, action="R",
                   query=query_digest({"k": str(i)}), detail={"n_rows": i},
                   now=T0 + timedelta(minutes=i))
    return log


def test_lines_chain_by_hash(tmp_path):
    _write(tmp_path / "audit.jsonl", 3)
    lines = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [x["seq"] for x in lines] == [1, 2, 3]
    assert lines[0]["prev"] == GENESIS
    assert lines[1]["prev"] == lines[0]["hash"] and lines[2]["prev"] == lines[1]["hash"]
    body = {k: v for k, v in lines[2].items() if k != "hash"}
    assert lines[2]["hash"] == hashlib.sha256(canonical(body)).hexdigest()
    first = lines[0]
    assert first["resourceType"] == "AuditEvent" and first["recorded"] == \
        "2026-12-06T10:00:00.000000Z"
    assert first["agent"] == {"who": "bob@h.example", "name": "Bob", "role": "viewer",
                              "network": None, "session": "s-2"}
    assert first["entity"]["detail"] == {"n_rows": 0}
    assert oct((tmp_path / "audit.jsonl").stat().st_mode & 0o777) == "0o600"
    assert verify_chain(tmp_path / "audit.jsonl").ok


@pytest.mark.parametrize("tamper, line, reason", [
    (lambda ls: ls.__setitem__(2, ls[2].replace('"page:2"', '"page:X"')), 3,
     "does not match its hash"),
    (lambda ls: ls.pop(1), 2, "its prev is not the hash of the line before"),
    (lambda ls: ls.insert(1, ls[3]), 2, "its prev is not the hash"),
    (lambda ls: ls.__setitem__(3, ls[3][:40]), 4, "not JSON"),
])
def test_verify_reports_the_first_broken_line(tmp_path, tamper, line, reason):
    path = tmp_path / "audit.jsonl"
    _write(path, 6)
    lines = path.read_text().splitlines()
    tamper(lines)
    path.write_text("\n".join(lines) + "\n")
    report = verify_chain(path)
    assert not report.ok and report.broken_line == line and reason in report.reason
    assert report.message().startswith(f"Chain broken at audit.jsonl line {line}:")


def test_rehashing_a_changed_line_still_breaks_the_next(tmp_path):
    """Recomputing the hash of an edited line does not help: the next line's prev differs."""
    from core.access.audit import line_hash

    path = tmp_path / "audit.jsonl"
    _write(path, 4)
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    lines[1]["agent"]["who"] = "mallory"
    lines[1]["hash"] = line_hash(lines[1])
    path.write_text("".join(canonical(x).decode() + "\n" for x in lines))
    report = verify_chain(path)
    assert (report.broken_line, report.ok) == (3, False)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_changed_byte_is_found(tmp_path, data):
    path = tmp_path / "audit.jsonl"
    path.unlink(missing_ok=True)
    _write(path, 5)
    raw = bytearray(path.read_bytes())
    at = data.draw(st.integers(0, len(raw) - 2))  # not the final newline
    new = data.draw(st.integers(32, 126).filter(lambda b: b != raw[at]))
    raw[at] = new
    path.write_bytes(bytes(raw))
    assert not verify_chain(path).ok


def test_rotation_carries_the_chain_and_retention_drops_old_files(tmp_path):
    path = tmp_path / "audit.jsonl"
    log = _write(path, 5, max_bytes=1500, retention_days=1)
    rotated = rotated_files(path)
    assert rotated, "1500 bytes hold fewer than five lines: the log must have rotated"
    first = json.loads(path.read_text().splitlines()[0])
    assert first["category"] == "rotation" and first["entity"]["what"] == rotated[-1].name
    last_of_old = json.loads(rotated[-1].read_text().splitlines()[-1])
    assert first["prev"] == last_of_old["hash"] and first["seq"] == last_of_old["seq"] + 1
    report = verify_chain(path)
    assert report.ok and report.files == (*(r.name for r in rotated), "audit.jsonl")
    # a rotated file older than the retention goes at the next rotation
    old = rotated[0]
    os.utime(old, (0, 0))
    for i in range(4):
        log.record("view", f"later:{i}", ALICE, now=datetime.now(UTC))
    assert not old.exists()
    report = verify_chain(path)
    assert report.ok and report.anchored
    assert "retention deleted" in report.message()


def test_concurrent_writers_keep_one_chain(tmp_path):
    path = tmp_path / "audit.jsonl"

    def writer(n):
        log = AuditLog(path, observer=f"w{n}")
        for i in range(25):
            log.record("view", f"w{n}:{i}", ALICE)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = verify_chain(path)
    assert report.ok and report.lines == 100


def test_unknown_category_and_action_are_refused(tmp_path):
    log = AuditLog(tmp_path / "a.jsonl")
    with pytest.raises(ValueError, match="Unknown audit category 'peek'"):
        log.record("peek", "x", ALICE)
    with pytest.raises(ValueError, match="Unknown audit action 'Z'"):
        log.record("view", "x", ALICE, action="Z")


def test_query_digest_ignores_order_and_hides_values():
    a = query_digest({"eln2022_risk": ["adverse", "favorable"], "sex": "F"})
    assert a == query_digest({"sex": "F", "eln2022_risk": ["favorable", "adverse"]})
    assert "adverse" not in a and len(a) == 64


def test_table_and_filters(tmp_path):
    path = tmp_path / "audit.jsonl"
    _write(path, 6)
    table = audit_table(read_events(path))
    assert table["seq"].tolist() == [6, 5, 4, 3, 2, 1]  # newest first
    assert filter_events(table, who="ALICE")["who"].unique().tolist() == ["alice@h.example"]
    assert len(filter_events(table, categories=("export",))) == 0
    since = filter_events(table, since=datetime(2026, 12, 6, 10, 3))
    assert since["seq"].tolist() == [6, 5, 4]
    assert filter_events(table, text="page:2")["seq"].tolist() == [3]


def test_cli_exit_codes(tmp_path, capsys):
    path = tmp_path / "audit.jsonl"
    assert cli(["verify", str(path)]) == 2
    _write(path, 3)
    assert cli(["verify", str(path)]) == 0
    assert "Chain intact: 3 lines in 1 file." in capsys.readouterr().out
    path.write_text(path.read_text().replace("page:1", "page:9"))
    assert cli(["verify", str(path)]) == 1
    assert "Chain broken at audit.jsonl line 2" in capsys.readouterr().out


def test_cli_runs_as_a_module(tmp_path):
    path = tmp_path / "audit.jsonl"
    _write(path, 2)
    done = subprocess.run([sys.executable, "-m", "core.access", "verify", str(path)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "Chain intact: 2 lines" in done.stdout

"""``python -m core.access verify [LOG]``: verify the audit log's hash chain.

Prints one sentence (intact, or the first broken line with its file, line number and reason)
and exits 0 when the chain is intact, 1 when it is broken, 2 when there is no log. LOG defaults
to ``[access] audit_log`` of ``.streamlit/secrets.toml`` (or ``logs/audit.jsonl``).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

from core.access.audit_verify import log_files, verify_chain
from core.access.config import DEFAULT_AUDIT_LOG

ROOT = Path(__file__).resolve().parents[2]


def _configured_log() -> Path:
    secrets = ROOT / ".streamlit" / "secrets.toml"
    configured = DEFAULT_AUDIT_LOG
    if secrets.exists():
        with secrets.open("rb") as handle:
            configured = tomllib.load(handle).get("access", {}).get("audit_log", configured)
    path = Path(configured).expanduser()
    return path if path.is_absolute() else ROOT / path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.access",
                                     description="Tools for the audit log.")
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="verify the hash chain of the audit log")
    verify.add_argument("log", nargs="?", type=Path, help="the current log file")
    args = parser.parse_args(argv)
    log = args.log or _configured_log()
    if not log_files(log):
        print(f"No audit log at {log} (nor rotated files beside it).")
        return 2
    report = verify_chain(log)
    print(report.message())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

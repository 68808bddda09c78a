"""Cached readers of the audit log for the Audit log page (only pages import this)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core.access.audit_verify import (
    ChainReport,
    audit_table,
    log_files,
    read_events,
    verify_chain,
)


def _stamp(path: Path) -> tuple:
    """What changes when the log grows or rotates: the files' names, sizes and times."""
    return tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in log_files(path))


def chain(path: Path) -> ChainReport:
    """:func:`core.access.audit_verify.verify_chain`, recomputed when the log changed."""
    return _chain(str(path), _stamp(path))


def events(path: Path) -> pd.DataFrame:
    """The log's events as :func:`core.access.audit_verify.audit_table` (newest first)."""
    return _events(str(path), _stamp(path))


@st.cache_data(show_spinner="Checking the hash chain…", max_entries=4)
def _chain(path: str, stamp: tuple) -> ChainReport:
    return verify_chain(Path(path))


@st.cache_data(show_spinner="Reading the audit log…", max_entries=4)
def _events(path: str, stamp: tuple) -> pd.DataFrame:
    return audit_table(read_events(Path(path)))

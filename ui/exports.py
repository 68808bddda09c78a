"""Every download of the app passes here: the role's rule, de-identification, the audit event.

A page draws a download with :func:`download_button` (a named download of
:data:`core.access.roles.DOWNLOADS`) instead of ``st.download_button``. The button is drawn only
for a role that may have the file, and the file itself is built by :func:`guarded`, which checks
the role again when the bytes are made (:func:`core.access.roles.require`), so the rule holds
however the build is reached. The builder receives an :class:`Export`: the table as the
session's :class:`~core.access.deidentify.Privacy` lets it leave (rows de-identified, small
counts suppressed) and the privacy itself, for files that apply it inside (report, slides,
reproduce zip). Each build writes one ``export`` event to the audit log: what, the view's link
digest, the number of rows, and whether it was de-identified. The small-cell option
(:func:`small_cells_toggle`, one per session, on by default in registry mode) shows counts of 1
to 4 as "<5" in every aggregate table that leaves, whatever the role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core.access.audit import query_digest
from core.access.deidentify import IDENTIFIED, Privacy, suppress_small_counts
from core.access.roles import (
    ROW_LEVEL_DOWNLOADS,
    AccessDenied,
    Permission,
    can,
    download_permission,
    require,
)
from ui.access import DEIDENTIFY, Session, audit, current, pseudonym_key
from ui.state import keep_in_url, parse_flag, saved_value, url_value

SMALL_CELLS = "small_cells"
"""Widget (and link) key of the small-cell option, one for the whole session."""
SMALL_CELLS_HELP = ("Counts of 1 to 4 patients or events are shown as \"<5\" in at-risk and "
                    "count tables and in the CSV, XLSX and Word files of aggregate tables, so "
                    "no small group can be singled out (registries' disclosure rule). On by "
                    "default in registry mode.")


@dataclass(frozen=True)
class Export:
    """What a builder gets.

    Attributes
    ----------
    table : pandas.DataFrame or None
        The table passed to :func:`guarded`, de-identified (rows) or with small counts
        suppressed (aggregates) as the privacy asks.
    privacy : core.access.deidentify.Privacy
    """

    table: pd.DataFrame | None
    privacy: Privacy

    @property
    def note(self) -> tuple[str, ...]:
        """The privacy note as a one-element tuple (empty when identified), for file notes."""
        return (self.privacy.note,) if self.privacy.note else ()


def privacy(session: Session | None = None, state=None) -> Privacy:
    """What the session's files may carry: aggregate only for a role without row exports
    (viewer); de-identified when the header's switch is on; else identified.

    ``state`` is the session's state to read the switch from (default ``st.session_state``;
    a download's builder passes the one :func:`session_state_now` captured)."""
    session = session or current()
    key = pseudonym_key(session)
    if not can(session.role, Permission.EXPORT_IDENTIFIED):
        return Privacy("aggregate", key)
    state = st.session_state if state is None else state
    if DEIDENTIFY in state and state[DEIDENTIFY]:
        return Privacy("deidentified", key)
    return IDENTIFIED


def session_state_now():
    """This session's state as an object a download's builder can read when the button is
    pressed: Streamlit runs the builder on a server thread, outside any run of the page,
    where ``st.session_state`` is not this session's. Falls back to ``st.session_state``
    outside a Streamlit run."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx(suppress_warning=True)
    return context.session_state if context is not None else st.session_state


def _registry_mode() -> bool:
    from ui.registry import registry_path  # registry mode: the server's registry file is set

    return registry_path() is not None


def small_cells_toggle(where=None) -> bool:
    """Draw the small-cell option ("Counts 1–4 as "<5"") and return it: one value for the
    session and the link, so every page that offers it shows the same; on by default in
    registry mode."""
    url_value(SMALL_CELLS, parse_flag, _registry_mode())
    (where or st).toggle("Counts 1–4 as \"<5\"", key=SMALL_CELLS, help=SMALL_CELLS_HELP)
    keep_in_url(SMALL_CELLS)
    return bool(st.session_state[SMALL_CELLS])


def small_cells_on() -> bool:
    """The small-cell option without drawing it (the page's toggle, the value saved when the
    user left a page that drew it, the link's, else on in registry mode)."""
    value = saved_value(SMALL_CELLS, None)
    if isinstance(value, str):
        try:
            return parse_flag(value)
        except ValueError:
            return _registry_mode()
    return _registry_mode() if value is None else bool(value)


def may_download(name: str) -> bool:
    """Whether this session's role may have the download ``name``."""
    return can(current().role, download_permission(name))


def guarded(name: str, build: Callable[[Export], bytes], table: pd.DataFrame | None = None,
            *, rows: bool | None = None, view: dict | None = None) -> Callable[[], bytes]:
    """A zero-argument builder for the download ``name`` that checks the role, prepares the
    table, builds the bytes and records the export.

    The role and the link are captured now, because Streamlit runs a download's builder
    outside the page's run, when the button is pressed; the privacy is read then, from the
    session's state (:func:`session_state_now`), so a file asked for right after the
    "De-identify exports" switch was flipped follows the switch, not the button's drawing.

    Parameters
    ----------
    name : str
        A key of :data:`core.access.roles.DOWNLOADS`.
    build : callable
        ``Export -> bytes``.
    table : pandas.DataFrame, optional
        The table the file is made of.
    rows : bool, optional
        Whether ``table`` holds patient rows (default: the download is row-level,
        :data:`core.access.roles.ROW_LEVEL_DOWNLOADS`); otherwise it is an aggregate table,
        whose counts of 1 to 4 become "<5" when the small-cell option is on
        (:func:`small_cells_on`).
    view : dict, optional
        The view's link parameters, recorded as a digest.
    """
    session = current()
    need = download_permission(name)
    state = session_state_now()
    row_level = name in ROW_LEVEL_DOWNLOADS if rows is None else rows
    small = small_cells_on()  # counts 1-4 as "<5" in an aggregate table
    digest = query_digest(view if view is not None else st.query_params.to_dict())

    def data() -> bytes:
        try:
            require(session.role, need, name)
        except AccessDenied:
            audit(session, "denied", name, outcome="denied", query=digest)
            raise
        level = privacy(session, state)
        prepared = None
        if table is not None:
            prepared = level.rows(table) if row_level else level.aggregate(table)
            if small and not row_level:
                prepared = suppress_small_counts(prepared)
        out = build(Export(prepared, level))
        audit(session, "export", name, what=name, query=digest,
              detail={"n_rows": None if table is None else len(table),
                      "deidentified": level.deidentified, "privacy": level.level,
                      "bytes": len(out)})
        return out

    return data


def download_button(name: str, label: str, build: Callable[[Export], bytes], file_name: str,
                    mime: str, *, table: pd.DataFrame | None = None, rows: bool | None = None,
                    where=None, **kwargs) -> bool:
    """``st.download_button`` for the download ``name``, guarded (see :func:`guarded`).

    Draws nothing for a role that may not have the file; returns whether it was drawn. The
    file is built only when the button is pressed.
    """
    if not may_download(name):
        return False
    (where or st).download_button(label, guarded(name, build, table, rows=rows), file_name,
                                  mime=mime, on_click="ignore", **kwargs)
    return True

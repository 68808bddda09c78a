"""Your data page: define, name and remove your own endpoints (from dates or times).

An endpoint defined here (:func:`core.survival.endpoint.user_endpoint`) is kept for the
session (:mod:`ui.endpoints`) and offered in every page's endpoint choice; one whose every
patient would be censored is refused with the reason, as the built-ins are.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.cohort.schema import DATE_FIELDS
from core.errors import AnalysisError
from core.survival.endpoint import (
    EndpointRecipe,
    unavailable_reason,
    user_endpoint,
)
from ui.endpoints import add_user_endpoint, remove_user_endpoint, user_endpoints
from ui.shell import plain

NONE = "(none)"
UNITS = {"date": "dates", "months": "times in months on one clock"}


def _candidates(cohort: pd.DataFrame, unit: str) -> list[str]:
    """Columns that can hold the endpoint's dates (date fields, date-typed columns) or times
    (numeric columns)."""
    if unit == "date":
        return [c for c in cohort.columns if c in DATE_FIELDS
                or pd.api.types.is_datetime64_any_dtype(cohort[c])
                or str(c).lower().startswith("date")]
    return [c for c in cohort.columns if pd.api.types.is_numeric_dtype(cohort[c])
            and not pd.api.types.is_bool_dtype(cohort[c])]


def endpoint_form(cohort: pd.DataFrame) -> None:
    """The "Your own endpoints" section: the list, a remove button each, and the form."""
    st.subheader("Your own endpoints")
    st.caption("Define an endpoint the built-ins do not cover (GRFS, OS from transplant, "
               "relapse from CR1, ...): its time origin, the events that end it (the earliest "
               "counts), the last-contact column that censors it, optionally a delayed entry "
               "and competing events. It is offered on every page, by the name you give it.")
    for endpoint in user_endpoints():
        left, right = st.columns([5, 1])
        left.markdown(plain(endpoint.definition()))
        if right.button("Remove", key=f"endpoint.remove.{endpoint.key}",
                        icon=":material/delete:"):
            remove_user_endpoint(endpoint.key)
            st.rerun()
    unit = st.radio("The endpoint's columns hold", list(UNITS), key="endpoint.unit",
                    horizontal=True, format_func=UNITS.get)
    columns = _candidates(cohort, unit)
    if not columns:
        st.info(f"This cohort has no column of {UNITS[unit]}.", icon=":material/info:")
        return
    with st.form("endpoint.form", clear_on_submit=False):
        a, b = st.columns(2)
        name = a.text_input("Name", key="endpoint.name",
                            placeholder="GVHD-free relapse-free survival")
        abbreviation = b.text_input("Abbreviation", key="endpoint.abbreviation",
                                    placeholder="GRFS")
        origin = a.selectbox("Time origin", [NONE, *columns], key="endpoint.origin",
                             help="(none): the clock of the times themselves (months = 0)")
        censor = b.selectbox("Last contact (censors)", columns, key="endpoint.censor")
        events = st.multiselect("Events that end it (the earliest counts; empty = did not "
                                "happen)", columns, key="endpoint.events")
        c, d = st.columns(2)
        entry = c.selectbox("Delayed entry (optional)", [NONE, *columns], key="endpoint.entry",
                            help="Patients count as at risk only from this date or time.")
        competing = d.multiselect("Competing events (optional: a cumulative incidence)",
                                  columns, key="endpoint.competing")
        submitted = st.form_submit_button("Add this endpoint", icon=":material/add:",
                                          key="endpoint.add")
    if not submitted:
        return
    try:
        endpoint = user_endpoint(name, abbreviation, EndpointRecipe(
            origin=None if origin == NONE else origin, events=tuple(events), censor=censor,
            entry=None if entry == NONE else entry, competing=tuple(competing), unit=unit))
        reason = unavailable_reason(cohort, endpoint)
    except AnalysisError as error:
        st.error(plain(str(error)), icon=":material/error:")
        return
    if reason:
        st.error(plain(reason), icon=":material/error:")
        return
    add_user_endpoint(endpoint)
    st.success(f"{plain(endpoint.label)} is offered on every page now.",
               icon=":material/check_circle:")

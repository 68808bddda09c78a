"""The endpoint choice every page shares, and the user's own endpoints of this session.

Design: :func:`endpoint_choice` draws one widget (kept in the link under the page's key) with
the endpoints the *unfiltered* cohort supports (:func:`core.survival.endpoint.offered_endpoints`)
and says under it which endpoints are not offered and why. User-defined endpoints live in
``st.session_state`` (:data:`STATE_USER`, plain dicts of
:func:`core.survival.endpoint.endpoint_to_dict`) next to the uploaded cohort, and are forgotten
with it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.style.numbers import p_phrase
from core.survival.competing.endpoint_incidence import EndpointIncidence, endpoint_incidence
from core.survival.endpoint import (
    INCIDENCE,
    SURVIVAL,
    Endpoint,
    endpoint_from_dict,
    endpoint_to_dict,
    offered_endpoints,
)
from core.survival.km.guarantee import (
    GuaranteeTimeComparison,
    guarantee_time_comparison,
    needs_delayed_entry,
)
from ui import cached
from ui.registry import columns_view
from ui.session_cache import session_cached
from ui.shell import plain
from ui.state import keep_in_url, url_choice
from ui.upload import STATE_ENDPOINT_NOTES

STATE_USER = "endpoints.user"
STATE_COHORT = "cohort.data"
STORED = ("os", "rfs")
"""Endpoints stored as columns: the only ones in registry mode."""


def user_endpoints() -> tuple[Endpoint, ...]:
    """The endpoints the user defined in this session, in definition order."""
    return tuple(endpoint_from_dict(d) for d in st.session_state.get(STATE_USER, []))


def add_user_endpoint(endpoint: Endpoint) -> None:
    """Keep ``endpoint`` for this session (replacing one with the same key)."""
    kept = [d for d in st.session_state.get(STATE_USER, [])
            if endpoint_from_dict(d).key != endpoint.key]
    st.session_state[STATE_USER] = [*kept, endpoint_to_dict(endpoint)]


def remove_user_endpoint(key: str) -> None:
    st.session_state[STATE_USER] = [d for d in st.session_state.get(STATE_USER, [])
                                    if endpoint_from_dict(d).key != key]


@session_cached(show_spinner=False, max_entries=32)
def _offered(cohort: pd.DataFrame, kinds: tuple[str, ...], users: tuple[Endpoint, ...],
             entry: bool) -> tuple[list[Endpoint], list[str]]:
    return offered_endpoints(cohort, kinds, users, entry)


def own_endpoints(kinds: tuple[str, ...] = (SURVIVAL, INCIDENCE)
                  ) -> tuple[dict[str, Endpoint], list[str]]:
    """The user's own endpoints of ``kinds`` the whole cohort supports (key -> endpoint), and
    a sentence for each it does not (pages that list them next to fixed views)."""
    users = tuple(e for e in user_endpoints() if e.kind in kinds)
    if not users:
        return {}, []
    offered, reasons = _offered(whole_cohort(), kinds, users, True)
    keys = {e.key for e in users}
    return ({e.key: e for e in offered if e.key in keys},
            [r for r in reasons if any(r.startswith(e.label) for e in users)])


def whole_cohort() -> pd.DataFrame:
    """The session's cohort before filters (the upload, else the embedded study)."""
    if STATE_COHORT in st.session_state:
        return st.session_state[STATE_COHORT]
    return cached.seed_cohort()


def endpoint_choice(view, key: str, kinds: tuple[str, ...] = (SURVIVAL,), entry: bool = True,
                    container=None, default: str | None = None,
                    label: str = "Endpoint") -> Endpoint:
    """Draw the endpoint choice ``key`` (a selectbox kept in the link) and return the
    endpoint chosen; the endpoints not offered are listed under it with the reason.

    Parameters
    ----------
    view : ui.shell.View
    key : str
        Widget and link key (``"survival.endpoint"``).
    kinds : tuple of {"survival", "incidence"}
    entry : bool
        Offer endpoints with delayed entry (False where the page's methods do not take it).
    container : streamlit container, optional
    default : str, optional
        Default endpoint key when offered (else the first offered).
    """
    container = container or st
    users = user_endpoints()
    if getattr(view, "registry", None) is not None:
        offered = [e for e in offered_endpoints(columns_view(view), kinds, (), entry)[0]
                   if e.key in STORED]
        reasons = ["Registry mode: only the endpoints stored as columns (OS, RFS) are "
                   "offered."]
    else:
        offered, reasons = _offered(whole_cohort(), kinds, users, entry)
        # an upload's own reasons first (e.g. OS is not derived: no death date or flag mapped)
        dated = (st.session_state.get(STATE_ENDPOINT_NOTES) or {}).values()
        reasons = [*dict.fromkeys(r for r in dated if r), *reasons]
    if not offered:
        st.info("No endpoint of this kind can be computed on this cohort. "
                + " ".join(plain(r) for r in reasons), icon=":material/info:")
        st.stop()
    by_key = {e.key: e for e in offered}
    keys = list(by_key)
    url_choice(key, keys, default if default in by_key else keys[0])
    chosen = container.selectbox(label, keys, key=key,
                                 format_func=lambda k: by_key[k].label)
    keep_in_url(key)
    if reasons:
        container.caption(plain(" ".join(reasons)))
    return by_key[chosen]


@session_cached(show_spinner=False, max_entries=32)
def _comparison(cohort: pd.DataFrame, by: str, landmark_months: tuple[float, ...],
                horizon: float) -> GuaranteeTimeComparison:
    return guarantee_time_comparison(cohort, by, landmark_months, horizon)


def guarantee_time_section(view, endpoint: Endpoint, by: str | None,
                           landmark_months: tuple[float, ...], horizon: float) -> None:
    """Under an OS comparison of groups fixed at maintenance start: the same comparison with
    delayed entry at maintenance start, side by side with the naive one, and why."""
    if getattr(view, "registry", None) is not None or not needs_delayed_entry(
            view.cohort, endpoint.key, by):
        return
    comparison = _comparison(view.cohort, by, landmark_months, horizon)
    st.subheader("OS from diagnosis, naive and with delayed entry at maintenance start")
    st.markdown(plain(comparison.sentence))
    st.dataframe(comparison.table, hide_index=True, key="survival.guarantee")
    if comparison.tests:
        st.markdown(plain(comparison.tests))
    for note in comparison.notes:
        st.caption(plain(note))


@session_cached(show_spinner=False, max_entries=32)
def _incidence(cohort: pd.DataFrame, endpoint: Endpoint, by: str | None,
               landmark_months: tuple[float, ...]) -> EndpointIncidence:
    return endpoint_incidence(cohort, endpoint, by, landmark_months)


def own_incidence_section(view, by: str | None, landmark_months: tuple[float, ...],
                          show_ci: bool) -> None:
    """Competing risks page: the cumulative incidence of the user's own incidence endpoints
    (with delayed entry where defined), when there are any."""
    from core.survival.figures.competing import cif_figure  # only where drawn

    users = tuple(e for e in user_endpoints() if e.kind == INCIDENCE)
    if not users or getattr(view, "registry", None) is not None:
        return
    st.subheader("Your own endpoints")
    endpoint = endpoint_choice(view, "competing.endpoint", kinds=(INCIDENCE,),
                               default=users[0].key, label="Cumulative incidence of")
    try:
        result = _incidence(view.cohort, endpoint, by, landmark_months)
    except ValueError as error:  # AnalysisError
        st.error(plain(str(error)), icon=":material/error:")
        return
    st.plotly_chart(cif_figure(result.fit.table, result.at_risk, groups=list(result.fit.groups),
                               show_ci=show_ci, y_title=f"Cumulative incidence, {endpoint.label}",
                               x_title=f"Months from {endpoint.origin}", by=by),
                    key="competing.own.figure", config={"displaylogo": False})
    st.caption(plain(result.caption))
    st.dataframe(result.landmarks, hide_index=True, key="competing.own.landmarks")
    if result.gray is not None:
        st.markdown(plain(f"Gray's test: chi-square {result.gray.statistic:.2f}, "
                          f"{result.gray.dof} df, {p_phrase(result.gray.p_value)}."))
    for note in result.notes:
        st.warning(plain(note), icon=":material/info:")

"""Widget state in one place: the session keys, and how a page's choices survive.

A page's choice (endpoint, covariates, a number of months, ...) comes from, in order: the
widget itself, the value saved when the user last left the page (``"saved.<key>"``), the URL
(read once per session, so a copied link reopens the view), the default. Every page seeds its
widgets through the helpers here before drawing them and calls :func:`keep_in_url` after, so
the rule is written once:

- :func:`url_choice` for a choice among options; :func:`seed_choice` also falls back to the
  default when the filters removed the chosen option;
- :func:`url_value` for a typed value parsed from the link, :func:`url_number` for a number
  within bounds;
- :func:`seed_list` for a multiselect whose wanted values outlive the filters;
- :func:`saved_value` to read another page's choice without drawing its widget.

A link value a page does not offer is ignored with a notice that stays under the header until
dismissed (:func:`link_notice`). The filter widgets' keys and :func:`reset_filters` (a new cohort
was loaded) live here too, so ``ui.shell`` and ``ui.upload`` both use them without importing
each other. Only ``ui`` modules and pages import this module.
"""

from __future__ import annotations

import math
import re

import streamlit as st

from core.cohort.filters import CATEGORY_FIELDS, CohortFilter
from core.cohort.text import markdown_safe

STATE_COHORT = "cohort.data"
"""An uploaded cohort of this session (absent: the embedded study cohort)."""
STATE_SOURCE = "cohort.source"
"""Where that cohort comes from, in words."""
STATE_FILTER = "filters.current"
"""The :class:`~core.cohort.filters.CohortFilter` of this browser session."""
STATE_NOTICES = "filters.notices"
"""Link notices kept under the header until dismissed."""
STATE_AGE_LINK = "filters.age_link"
WIDGET = {name: f"filter.{name}" for name in (*CATEGORY_FIELDS, "age", "co_mutations",
                                              "co_mutation_mode")}
"""Widget key of each sidebar filter field."""
EXTRA_WIDGET = "filter.x."
"""Prefix of the widget keys of the extra-column level filters: ``filter.x.<column>``."""
RANGE_WIDGET = "filter.xr."
"""Prefix of the extra-column range inputs, ``filter.xr.<column>.min`` / ``.max`` (a prefix of
its own, so a text column called ``ldh.min`` beside a numeric ``ldh`` cannot share a key)."""
GROUP_WIDGET = "filter.custom_group"
"""Widget key of the custom-group filter."""
GROUP_URL = "group_filter"
"""URL key of the custom-group filter."""


def reset_filters() -> None:
    """Forget every filter of this session (a new cohort was loaded)."""
    st.session_state[STATE_FILTER] = CohortFilter()
    st.session_state[STATE_NOTICES] = []
    st.session_state[STATE_AGE_LINK] = ()
    for key in [*WIDGET.values(), *extra_widget_keys()]:
        st.session_state.pop(key, None)
    clear_group_filter()


def extra_widget_keys() -> list[str]:
    """The session's widget keys of extra-column filters (levels and ranges)."""
    return [k for k in st.session_state if str(k).startswith((EXTRA_WIDGET, RANGE_WIDGET))]


def clear_group_filter() -> None:
    """Forget the custom group filter (the sidebar's "Clear all filters")."""
    st.session_state.pop(GROUP_WIDGET, None)
    st.session_state.pop(f"saved.{GROUP_WIDGET}", None)
    if GROUP_URL in st.query_params:
        del st.query_params[GROUP_URL]


def url_choice(key: str, options: list, default: object) -> object:
    """Seed the widget ``key`` for this run and return its value.

    Use for a page's own choices (endpoint, stratifier, ...). The value comes from, in order:
    the widget itself, the value saved when the user last left the page, the URL (once per
    session, so a copied link reopens the choice), the default. A URL value the page does not
    offer is ignored with a notice. Call before drawing the widget and :func:`keep_in_url`
    after it.
    """
    saved = f"saved.{key}"
    if key not in st.session_state:
        if saved in st.session_state and st.session_state[saved] in options:
            st.session_state[key] = st.session_state[saved]
        else:
            wanted = st.query_params.get(key)
            if wanted is not None and wanted not in options:
                link_notice(f"The link's value {_safe_value(wanted)} for `{key}` is not "
                            "offered on this page and was ignored.")
                wanted = None
            st.session_state[key] = wanted if wanted is not None else default
    return st.session_state[key]


def seed_choice(key: str, options: list, default: object) -> object:
    """:func:`url_choice`, and back to ``default`` when the filters removed the chosen value."""
    url_choice(key, options, default)
    if st.session_state[key] not in options:
        st.session_state[key] = default
    return st.session_state[key]


def url_value(key: str, parse, default: object) -> object:
    """Like :func:`url_choice` for a typed value (a number, a list of months, a toggle).

    ``parse`` turns the link's text into the widget's value or raises ``ValueError`` (the
    project's errors are ValueErrors) with a message; the link's value is then ignored with
    that message as a notice. What :func:`keep_in_url` writes (``str(value)``) must parse
    back to the same value.
    """
    saved = f"saved.{key}"
    if key not in st.session_state:
        if saved in st.session_state:
            st.session_state[key] = st.session_state[saved]
        else:
            value = default
            wanted = st.query_params.get(key)
            if wanted is not None:
                try:
                    value = parse(wanted)
                except ValueError as error:
                    link_notice(f"The link's value {_safe_value(wanted)} for `{key}` was "
                                f"ignored: {error}")
            st.session_state[key] = value
    return st.session_state[key]


def url_number(key: str, default: float, minimum: float = 0.0,
               maximum: float = math.inf) -> float:
    """:func:`url_value` for a number input: a link value that is not a number within
    [``minimum``, ``maximum``] is ignored with a notice. Returns a float."""
    def parse(text: str) -> float:
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not (math.isfinite(number) and minimum <= number <= maximum):
            bounds = (f">= {minimum:g}" if maximum == math.inf
                      else f"from {minimum:g} to {maximum:g}")
            raise ValueError(f"it is not a number {bounds}.")
        return number

    st.session_state[key] = float(url_value(key, parse, default))
    return st.session_state[key]


def seed_list(key: str, options: list[str], default: list[str]) -> list[str]:
    """:func:`url_choice` for a multiselect: widget, saved value, URL (comma-separated), or
    default. The values the user wants are remembered under ``"<key>.wanted"``
    (:func:`wanted`): one the filters make unavailable is hidden, not forgotten, and comes back
    when it is offered again (e.g. after **Clear all filters**). Returns the values shown."""
    wanted_key, shown_key, offered_key = f"{key}.wanted", f"{key}.shown", f"{key}.offered"
    if key not in st.session_state:
        saved = st.session_state.get(f"saved.{key}")
        from_link = st.query_params.get(key)
        if st.session_state.get(wanted_key) is not None:
            value = list(st.session_state[wanted_key])
        elif saved is not None:
            value = list(saved)
        elif from_link is not None:
            value = [v for v in from_link.split(",") if v]
        else:
            value = list(default)
        st.session_state[wanted_key] = value
    elif list(st.session_state[key]) != st.session_state.get(shown_key):  # the user's edit
        current = list(st.session_state[key])
        offered = st.session_state.get(offered_key, [])
        hidden = [v for v in st.session_state.get(wanted_key, []) if v not in offered]
        st.session_state[wanted_key] = current + [v for v in hidden if v not in current]
    shown = [v for v in st.session_state[wanted_key] if v in options]
    st.session_state[key] = shown
    st.session_state[shown_key] = shown
    st.session_state[offered_key] = list(options)
    return shown


def wanted(key: str, default: list[str]) -> list[str]:
    """The values the user wants in the multiselect ``key`` (:func:`seed_list`), shown or not."""
    return list(st.session_state.get(f"{key}.wanted", default))


def saved_value(key: str, default):
    """Another page's choice without drawing its widget: the widget's value, the value saved
    when the user left that page, or the link's (split at commas when ``default`` is a list)."""
    if key in st.session_state:
        return st.session_state[key]
    if f"saved.{key}" in st.session_state:
        return st.session_state[f"saved.{key}"]
    if key in st.query_params:
        text = st.query_params[key]
        return [v for v in text.split(",") if v] if isinstance(default, list) else text
    return default


def keep_in_url(*keys: str) -> None:
    """Save the page widgets ``keys`` for the next visit and write them into the URL."""
    for key in keys:
        value = st.session_state.get(key)
        st.session_state[f"saved.{key}"] = value
        text = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
        if st.query_params.get(key) != text:
            st.query_params[key] = text


def parse_flag(text: str) -> bool:
    """``"True"``/``"False"`` (as :func:`keep_in_url` writes a toggle), also 1/0, yes/no."""
    lowered = str(text).strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ValueError("a switch is True or False.")


def link_notice(message: str) -> None:
    """Show a page's link notice now, and keep it with the filter notices (drawn under the
    header on every later run until dismissed), so it does not vanish on the next click."""
    st.warning(markdown_safe(message), icon=":material/link_off:")
    notices = st.session_state.setdefault(STATE_NOTICES, [])
    if message not in notices:
        notices.append(message)


def _safe_value(value: str) -> str:
    return "'" + re.sub(r"[^0-9A-Za-z _.,\-+/%()]", "", value)[:40] + "'"

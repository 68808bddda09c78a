"""Caches that belong to one browser session while it holds an upload.

Design: ``st.cache_data`` keeps results in one store shared by the whole server, so a result
computed from an uploaded cohort (its CSV bytes, its report, its Kaplan-Meier table) would
outlive "Remove my data" and the session itself. :func:`session_cached` is a drop-in for
``st.cache_data`` around a pure ``core`` call: while the session holds an upload (a file being
mapped or a cohort in use, see :func:`holds_upload`) the result is kept in this session's own
state, under :data:`STATE_CACHE`, pickled like ``st.cache_data`` keeps it (each hit returns a
fresh copy); otherwise (the embedded study, a registry file on the server) the shared
``st.cache_data`` store serves every session as before. "Remove my data" drops the session's
store (:func:`clear`) and a closed session takes it along. A call on a server thread outside
any run (a download built when its button is pressed) keeps nothing: it simply runs.

Keys are the function and a BLAKE2 digest of its arguments (DataFrames by
``pandas.util.hash_pandas_object`` of every row, index and column names; other values by
their pickle), so two cohorts that differ in one cell never share an entry.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
from collections import OrderedDict

import pandas as pd
import streamlit as st

STATE_CACHE = "cache.session"
"""Session-state key of this session's store: an OrderedDict of key -> pickled result."""
UPLOAD_KEYS = ("cohort.data", "upload.raw", "upload.data")
"""Session-state keys whose presence means the session holds uploaded data."""
MAX_ENTRIES = 64
"""Results kept per session (the least recently used go first)."""


def holds_upload() -> bool:
    """Whether this session holds uploaded data (a cohort in use or a file being mapped)."""
    return any(key in st.session_state for key in UPLOAD_KEYS)


def session_cached(show_spinner: bool | str = False, max_entries: int | None = None):
    """Decorator: ``st.cache_data(show_spinner=..., max_entries=...)`` for the embedded or
    registry cohort, this session's own store while it holds an upload."""

    def wrap(function):
        shared = st.cache_data(show_spinner=show_spinner, max_entries=max_entries)(function)
        name = f"{function.__module__}.{function.__qualname__}"

        @functools.wraps(function)
        def call(*args, **kwargs):
            if _download_thread():  # no session state here to keep an upload's result in
                return function(*args, **kwargs)
            if not holds_upload():
                return shared(*args, **kwargs)
            store = st.session_state.setdefault(STATE_CACHE, OrderedDict())
            key = (name, digest(args, kwargs))
            if key in store:
                store.move_to_end(key)
                return pickle.loads(store[key])
            if show_spinner:
                with st.spinner(show_spinner if isinstance(show_spinner, str) else None):
                    value = function(*args, **kwargs)
            else:
                value = function(*args, **kwargs)
            store[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            while len(store) > MAX_ENTRIES:
                store.popitem(last=False)
            return value

        call.clear = shared.clear
        return call

    return wrap


def _download_thread() -> bool:
    """Whether this call runs on a server thread outside any run of a page (Streamlit builds a
    deferred download there): ``st.session_state`` is then a stand-in shared by every session,
    so nothing may be kept, neither there nor in the shared store."""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return runtime.exists() and get_script_run_ctx(suppress_warning=True) is None


def clear() -> None:
    """Drop this session's store (its results from uploaded data)."""
    st.session_state.pop(STATE_CACHE, None)


def digest(args: tuple, kwargs: dict) -> str:
    """A BLAKE2 digest of call arguments (see the module docstring)."""
    hasher = hashlib.blake2b(digest_size=20)
    _feed(hasher, (args, sorted(kwargs.items())))
    return hasher.hexdigest()


def _feed(hasher, value: object) -> None:
    if isinstance(value, (pd.DataFrame, pd.Series)):
        hasher.update(type(value).__name__.encode())
        frame = value if isinstance(value, pd.DataFrame) else value.to_frame()
        hasher.update(repr((frame.shape, list(map(str, frame.columns)),
                            list(map(str, frame.dtypes)))).encode())
        try:
            rows = pd.util.hash_pandas_object(value, index=True)
            hasher.update(rows.to_numpy().tobytes())
        except TypeError:  # unhashable cells (lists): their pickle
            hasher.update(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    elif isinstance(value, (tuple, list)):
        hasher.update(f"{type(value).__name__}{len(value)}(".encode())
        for item in value:
            _feed(hasher, item)
        hasher.update(b")")
    elif isinstance(value, dict):
        _feed(hasher, sorted(value.items(), key=lambda kv: repr(kv[0])))
    else:
        hasher.update(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

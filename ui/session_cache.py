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

Digest once. Hashing a 10^6-row cohort takes about a second, and a page passes the same
filtered cohort to several wrappers on every run. So the frames a page works on carry a
*known key*: :func:`frame_key` digests the session's cohort once per object (the object stays
in session state across runs), and :func:`remember` gives a frame made from it a key derived
from its parent's key and what made it (the filter, the custom groups), with no hashing. A
known key is kept for the exact object only: an identity map (``id`` and a weak reference,
checked to be the same living object with the same shape, columns and dtypes), never
``DataFrame.attrs`` (pandas copies attrs onto derived frames), so a subset or a frame with a
column added is hashed as what it is. :func:`kept` keeps such a frame in this session
between runs, so a rerun neither refilters nor rehashes it. The shared ``st.cache_data``
store hashes frames the same way (``hash_funcs``): Streamlit's own hasher looks at 10,000
sampled rows of a frame of 50,000 rows or more, so two large frames differing in an
unsampled row would share an entry.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import pickle
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable

import pandas as pd
import streamlit as st

STATE_CACHE = "cache.session"
"""Session-state key of this session's store: an OrderedDict of key -> pickled result."""
UPLOAD_KEYS = ("cohort.data", "upload.raw", "upload.data")
"""Session-state keys whose presence means the session holds uploaded data."""
MAX_ENTRIES = 64
"""Results kept per session (the least recently used go first)."""
STATE_FACTS = "cache.facts"
"""Session-state key of the facts kept per frame (:func:`per_frame`): key -> value."""
STATE_FRAMES = "cache.frames"
"""Session-state key of the frames kept between runs (:func:`kept`): slot -> (key, value)."""

_KNOWN: dict[int, tuple[weakref.ref, tuple, str]] = {}
"""id of a frame -> (weak reference to it, its shape/columns/dtypes, its known key)."""
_KNOWN_LOCK = threading.RLock()


def holds_upload() -> bool:
    """Whether this session holds uploaded data (a cohort in use or a file being mapped)."""
    return any(key in st.session_state for key in UPLOAD_KEYS)


def session_cached(show_spinner: bool | str = False, max_entries: int | None = None):
    """Decorator: ``st.cache_data(show_spinner=..., max_entries=...)`` for the embedded or
    registry cohort, this session's own store while it holds an upload."""

    def wrap(function):
        shared = st.cache_data(show_spinner=show_spinner, max_entries=max_entries,
                               hash_funcs={pd.DataFrame: frame_key_unkept})(function)
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
    """Drop this session's store (its results from uploaded data) and its kept frames."""
    st.session_state.pop(STATE_CACHE, None)
    st.session_state.pop(STATE_FRAMES, None)
    st.session_state.pop(STATE_FACTS, None)


def digest(args: tuple, kwargs: dict) -> str:
    """A BLAKE2 digest of call arguments (see the module docstring)."""
    hasher = hashlib.blake2b(digest_size=20)
    _feed(hasher, (args, sorted(kwargs.items())))
    return hasher.hexdigest()


def frame_key(frame: pd.DataFrame) -> str:
    """The content key of ``frame``: its known key, else its full digest, then remembered
    for this object. Only for frames nobody changes in place (the session's cohort, the
    frames :func:`ui.shell.page_setup` derives from it)."""
    key = known_key(frame)
    if key is None:
        key = digest((frame,), {})
        remember(frame, key)
    return key


def frame_key_unkept(frame: pd.DataFrame) -> str:
    """The content key of ``frame`` without remembering it (``hash_funcs`` of the shared
    store: a table a page builds may be changed after a call)."""
    key = known_key(frame)
    return key if key is not None else digest((frame,), {})


def known_key(frame: pd.DataFrame) -> str | None:
    """The key remembered for this very object, or None (another object, even an equal one
    or one derived from it, has none)."""
    with _KNOWN_LOCK:
        entry = _KNOWN.get(id(frame))
    if entry is None or entry[0]() is not frame or entry[1] != _signature(frame):
        return None
    return entry[2]


def remember(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Record ``key`` as the content key of this object (a key derived from its parent's by
    :func:`derived_key`, so no hashing); returns ``frame``."""
    ident = id(frame)

    def forget(ref, ident=ident):
        # The collector runs this wherever a remembered frame dies: inside any allocation,
        # of any thread, also one holding _KNOWN_LOCK (so the lock is re-entrant, and nothing
        # that allocates runs under it).
        with _KNOWN_LOCK:
            if ident in _KNOWN and _KNOWN[ident][0] is ref:
                del _KNOWN[ident]

    entry = (weakref.ref(frame, forget), _signature(frame), key)  # allocates: outside the lock
    with _KNOWN_LOCK:
        _KNOWN[ident] = entry
    return frame


def derive(frame: pd.DataFrame, parent: pd.DataFrame, *how: object) -> pd.DataFrame:
    """Remember ``frame``, made from ``parent`` by a deterministic step described by ``how``
    (the step's name and every argument it took), under a key derived from the parent's known
    key; nothing when the parent has none. Returns ``frame``."""
    parent_key = known_key(parent)
    if parent_key is not None and frame is not parent:
        remember(frame, derived_key(*how, parent_key))
    return frame


def derived_key(*parts: object) -> str:
    """A key for a frame made from known keys and plain values (a filter, a definition):
    the digest of ``parts``."""
    return digest(parts, {})


def kept(slot: str, key: str, build: Callable[[], object]) -> object:
    """The value kept in this session's ``slot`` when it was built for ``key``, else
    ``build()`` (then kept there, replacing the slot's previous value): one value per slot,
    so a filter change frees the previous filtered cohort."""
    store = st.session_state.setdefault(STATE_FRAMES, {})
    found = store.get(slot)
    if found is not None and found[0] == key:
        return found[1]
    store.pop(slot, None)  # free the old value before building the new one
    value = build()
    store[slot] = (key, value)
    return value


def per_frame(name: str, frame: pd.DataFrame, compute: Callable[[pd.DataFrame], object]):
    """``compute(frame)`` (a small fact of a frame: its filter levels, its stratifiers),
    kept in this session for a frame with a known key, so a rerun does not recompute it; a
    copy each call. Any other frame: computed each time."""
    parent = known_key(frame)
    if parent is None or _download_thread():
        return compute(frame)
    store = st.session_state.setdefault(STATE_FACTS, OrderedDict())
    key = derived_key(name, parent)
    if key not in store:
        store[key] = compute(frame)
        while len(store) > MAX_ENTRIES:
            store.popitem(last=False)
    store.move_to_end(key)
    return copy.deepcopy(store[key])


def _signature(frame: pd.DataFrame) -> tuple:
    return frame.shape, tuple(map(str, frame.columns)), tuple(map(str, frame.dtypes))


def _feed(hasher, value: object) -> None:
    if isinstance(value, pd.DataFrame) and (key := known_key(value)) is not None:
        hasher.update(b"known frame " + key.encode())
    elif isinstance(value, (pd.DataFrame, pd.Series)):
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

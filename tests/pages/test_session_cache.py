"""Digest once (ui.session_cache, ui.frames): an uploaded cohort is hashed once, the frames a
page derives from it are known by derived keys, and a key never outlives its content.

A frame's key belongs to the exact object (identity map, not ``DataFrame.attrs``): a subset,
a copy or a frame with a column added is hashed as what it is; one changed cell, anywhere,
gives another key, also in the shared ``st.cache_data`` store, where Streamlit's own hasher
looks at 10,000 sampled rows only.
"""

import gc

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from core.cohort.filters import filter_levels
from tests.pages.helpers import ROOT
from tests.pages.test_custom_group_everywhere import ADVERSE_MRD
from tests.pages.test_uploaded_cohort import large_cohort
from ui import session_cache, shell
from ui.session_cache import derived_key, frame_key, frame_key_unkept, known_key, remember


def _frame(n=1_000):
    rng = np.random.default_rng(3)
    return pd.DataFrame({"patient_id": [f"P{i:05d}" for i in range(n)],
                         "arm": rng.choice(["A", "B"], n), "months": rng.uniform(0, 60, n)})


def test_one_changed_cell_gives_another_key():
    one, other = _frame(), _frame()
    other.loc[617, "arm"] = "A" if one.loc[617, "arm"] == "B" else "B"
    assert frame_key(one) != frame_key(other)
    assert frame_key(_frame()) == frame_key(_frame())  # equal content, equal key
    assert derived_key("filtered", frame_key(one), ("sex", "F")) != \
        derived_key("filtered", frame_key(other), ("sex", "F"))


def test_a_derived_frame_never_inherits_its_parents_key():
    parent = remember(_frame(), "parent key")
    assert frame_key(parent) == "parent key"
    assert known_key(parent[parent["months"] > 30]) is None  # a subset
    assert known_key(parent.assign(extra=1)) is None  # a column added
    assert known_key(parent.copy()) is None  # an equal copy: hashed as what it is
    assert frame_key(parent.copy()) == frame_key_unkept(_frame()) != "parent key"
    parent["added in place"] = 1.0  # shape and columns are checked on every lookup
    assert known_key(parent) is None
    ident = id(parent)
    del parent
    gc.collect()
    assert ident not in session_cache._KNOWN  # a dead frame's entry goes with it


def test_the_shared_store_hashes_every_row():
    """Two 60,000-row frames that differ in one row Streamlit's hasher does not sample get
    two entries in the shared store (the embedded study's and the registry's path)."""

    def script():
        import numpy as np
        import pandas as pd
        import streamlit as st

        from ui.session_cache import session_cached

        @session_cached()
        def total(frame):
            return float(frame["v"].sum())

        frame = pd.DataFrame({"v": np.zeros(60_000)})
        sampled = frame.sample(n=10_000, random_state=0).index  # Streamlit's sample
        changed = frame.copy()
        changed.loc[int(np.setdiff1d(frame.index, sampled)[0]), "v"] = 1.0
        st.markdown(f"{total(frame)} {total(changed)}")

    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception
    assert at.markdown[0].value == "0.0 1.0"


def test_a_page_run_hashes_the_cohort_once_and_the_frames_made_from_it_never(monkeypatch):
    cohort = large_cohort().copy()  # an object of this test's own
    hashed = []
    original = pd.util.hash_pandas_object

    def counting(value, *args, **kwargs):
        hashed.append(value)
        return original(value, *args, **kwargs)

    monkeypatch.setattr(pd.util, "hash_pandas_object", counting)
    levels = []  # the sidebar's filter levels: computed once per cohort, not per run
    monkeypatch.setattr(shell, "filter_levels", lambda c: levels.append(c) or filter_levels(c))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["cohort.data"] = cohort
    at.session_state["cohort.source"] = "Uploaded file my_cohort.csv"
    at.query_params["sex"] = "F"
    at.query_params["groups"] = ADVERSE_MRD.to_json()
    at.query_params["group_filter"] = '["Everyone else"]'
    at.switch_page("pages/2_Cox.py")
    at.run()
    at.run()  # a rerun: nothing refiltered, nothing rehashed
    assert not at.exception
    assert sum(value is cohort for value in hashed) == 1
    assert [c is cohort for c in levels] == [True]
    kept = at.session_state[session_cache.STATE_FRAMES]
    filtered, (grouped, _), chosen = (kept[slot][1] for slot in
                                      ("filtered", "groups", "groups.chosen"))
    made = [filtered.cohort, grouped, chosen]
    assert 0 < len(chosen) < len(grouped) == len(filtered.cohort) < len(cohort)
    assert not [value for value in hashed if any(value is frame for frame in made)]


def test_a_frame_collected_while_another_is_remembered_does_not_deadlock(monkeypatch):
    """A remembered frame's weak-reference callback takes the registry's lock, and the
    collector runs it inside whatever allocation triggers it: in CI (2026-12-07) it ran while
    :func:`remember` held the lock and computed the new frame's signature, and the page's
    script thread waited on itself forever (test_subgroups_page hung). Here the collection
    is forced at that point. The registry and its lock are this test's own, so a regression
    hangs only the helper thread, and the test fails instead of hanging the worker."""
    import threading

    monkeypatch.setattr(session_cache, "_KNOWN", {})
    same_kind = (threading.RLock if isinstance(session_cache._KNOWN_LOCK,
                                               type(threading.RLock())) else threading.Lock)
    monkeypatch.setattr(session_cache, "_KNOWN_LOCK", same_kind())
    doomed = remember(_frame(10), "doomed")
    cycle = [doomed]
    cycle.append(cycle)  # only the cycle collector frees it
    del doomed, cycle
    signature = session_cache._signature

    def collecting(frame):
        gc.collect()  # the doomed frame dies here, its callback runs
        return signature(frame)

    monkeypatch.setattr(session_cache, "_signature", collecting)
    fresh = _frame(20)
    worker = threading.Thread(target=remember, args=(fresh, "fresh"), daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "remember() deadlocked on its own lock"
    assert [entry[2] for entry in session_cache._KNOWN.values()] == ["fresh"]

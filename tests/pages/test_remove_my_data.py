"""Issue 25: "Remove my data" leaves nothing of the upload in the server's memory.

A session uploads a file whose every patient id and category value carries a marker, uses it
on every analysis page (so every cached wrapper computes from it), then presses *Remove my
data*. The test then walks every object the Python process holds (the session state, the
caches shared by the server, anything else the garbage collector can reach: strings, bytes,
and the cells of every DataFrame, Series and array) and fails on the marker. Before the fix
the CSV bytes sat in ``ui.cached.csv_bytes``'s shared cache, with the Kaplan-Meier tables and
the report of every upload ever made.

AppTest runs the pages in this process, so the walk sees exactly what a server would keep.
"""

from __future__ import annotations

import gc
import io

import numpy as np
import pandas as pd
from streamlit.runtime.state.common import TESTING_KEY
from streamlit.testing.v1 import AppTest

from core.cohort.proposal import propose_mapping
from core.cohort.read import read_table
from tests.pages.helpers import ROOT

PAGES = ("app.py", "pages/1_Survival.py", "pages/4_Competing_risks.py", "pages/2_Cox.py",
         "pages/3_Patients.py", "pages/7_Subgroups.py", "pages/6_During_follow_up.py",
         "pages/11_Relapse_risk.py")
_PARTS = ("qz", "upload", "marker", "5821")


def marker() -> str:
    """Built at run time: the test's own code holds no copy of it."""
    return "-".join(_PARTS)


def upload_bytes() -> bytes:
    mark = marker()
    rows = ["patient_id,os_months,os_event,rfs_months,rfs_event,eln2022_risk,site"]
    for i in range(30):
        rows.append(f"{mark}{i},{5 + i},{i % 2},{3 + i},{(i + 1) % 2},"
                    f"{('adverse', 'favorable')[i % 2]},{mark}-site{i % 3}")
    return ("\n".join(rows) + "\n").encode()


def holders(needle: str) -> list[str]:
    """Descriptions of every reachable object that holds ``needle`` (its text or bytes)."""
    gc.collect()
    raw = needle.encode()
    found = []
    seen: set[int] = set()

    def check(obj) -> None:
        if id(obj) in seen or obj is needle or obj is raw:
            return
        seen.add(id(obj))
        if isinstance(obj, str):
            if needle in obj:
                found.append(f"str {obj[:60]!r}")
        elif isinstance(obj, (bytes, bytearray, memoryview)):
            if raw in bytes(obj):
                found.append(f"{type(obj).__name__} of {len(obj)}")
        elif isinstance(obj, (pd.DataFrame, pd.Series, pd.Index)):
            frame = obj.to_frame() if isinstance(obj, (pd.Series, pd.Index)) else obj
            text = frame.astype(str).to_numpy().ravel().tolist() + list(map(str, frame.columns))
            if any(needle in str(t) for t in text):
                found.append(f"{type(obj).__name__} {frame.shape}")
        elif isinstance(obj, np.ndarray) and obj.dtype == object:
            if any(needle in str(v) for v in obj.ravel().tolist()):
                found.append(f"ndarray {obj.shape}")

    for obj in gc.get_objects():
        check(obj)
        for ref in gc.get_referents(obj):
            if isinstance(ref, (str, bytes, bytearray, np.ndarray)):
                check(ref)
    return found


def session_with_upload() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.switch_page("pages/0_Your_data.py").run()
    handle = io.BytesIO(upload_bytes())
    handle.name = "marked.csv"
    raw = read_table(handle)
    at.session_state["upload.name"] = "marked.csv"
    at.session_state["upload.data"] = handle.getvalue()
    at.session_state["upload.file_id"] = "marked"
    at.session_state["upload.sheets"] = []
    at.session_state["upload.raw"] = raw
    at.session_state["upload.proposal"] = propose_mapping(raw)
    del handle, raw
    at.run()
    next(b for b in at.button if b.key == "upload.check").click()
    at.run()
    assert not at.exception
    return at


def test_remove_my_data_leaves_no_trace_of_the_upload():
    at = session_with_upload()
    for page in PAGES:
        if page == "pages/11_Relapse_risk.py":  # a model of the upload's own columns
            at.session_state["risk.covariates"] = ["eln2022_risk", "site"]
        at.switch_page(page).run()
        assert not at.exception, page
    assert any(s.value == "How far to trust the model" for s in at.subheader), \
        "the Relapse risk page fitted a model of the upload"
    at.switch_page("app.py").run()
    csv_button = next((b for b in at.button if "CSV" in str(b.label)), None)
    if csv_button is not None:  # the download is built only when asked
        csv_button.click()
        at.run()
    assert holders(marker()), "the scan must see the upload while it is in use"

    at.switch_page("pages/0_Your_data.py").run()
    next(b for b in at.button if b.key == "upload.remove").click()
    at.run()
    assert not at.exception
    forget_app_testing_records(at)
    assert holders(marker()) == []


def forget_app_testing_records(at: AppTest) -> None:
    """Empty what AppTest alone keeps: under ``global.appTest`` Streamlit saves every widget's
    format function for the test to call (``save_for_app_testing``), and a page's format
    function holds that page's variables. A server does not run with that option."""
    at.session_state[TESTING_KEY].clear()


def test_remove_my_data_stops_a_running_bootstrap(monkeypatch):
    """The Relapse risk page's bootstrap runs on a thread holding the upload; Remove my data
    sets its cancel event, and the thread ends without finishing its replicates."""
    import time

    from ui import risk

    real = risk.validate_model

    def slowed(*args, progress, **options):  # the real bootstrap, 50 ms a replicate longer
        def report(done: int, total: int) -> None:
            progress(done, total)
            time.sleep(0.05)
        return real(*args, progress=report, **options)

    monkeypatch.setattr(risk, "validate_model", slowed)
    at = session_with_upload()
    at.session_state["risk.covariates"] = ["eln2022_risk"]
    at.switch_page("pages/11_Relapse_risk.py").run()
    at.number_input(key="risk.boot_b").set_value(2000)
    at.button(key="risk.boot_run").click().run()
    job = at.session_state["risk.job"]
    assert job.running and not job.cancel.is_set()

    at.switch_page("pages/0_Your_data.py").run()
    next(b for b in at.button if b.key == "upload.remove").click()
    at.run()
    assert not at.exception
    assert job.cancel.is_set()
    job.thread.join(timeout=60)
    assert not job.running
    assert job.done < job.total == 2000
    assert job.result is None or job.result.cancelled
    assert "risk.job" not in at.session_state

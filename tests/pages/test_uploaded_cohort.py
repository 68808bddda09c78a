"""Every page with a user's own cohort: minimal columns (id + endpoints, or OS only), 30 extra
columns, 300 and 10^5 patients.

The upload widget itself is exercised in a real browser (tests/e2e/test_robustness.py); here
the loaded cohort is placed in the session as the sidebar's uploader does after
``core.cohort.read.load_cohort`` accepted the file.
"""

import functools
import io

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.cohort.read import load_cohort, load_seed_cohort
from tests.pages.helpers import ROOT, header_text
from ui.shell import PAGES

MINIMAL = ["patient_id", "os_months", "os_event", "rfs_months", "rfs_event"]
# Each cohort below is loaded once per test process and shared by the tests of every page (a
# page never changes the session's cohort in place).


@functools.cache
def minimal_cohort(columns=tuple(MINIMAL)):
    """The study's patients with only an id and endpoint columns, through the real loader."""
    data = load_seed_cohort()[list(columns)].to_csv(index=False).encode()
    return load_cohort(io.BytesIO(data))


@functools.cache
def extra_columns_cohort(n_extra=30, seed=5):
    """The study's patients with 30 extra columns: 15 categorical, 15 numeric."""
    rng = np.random.default_rng(seed)
    rows = load_seed_cohort()
    for i in range(n_extra // 2):
        rows[f"Marker {i}"] = rng.choice(["low", "high", "<b>x</b>"], len(rows))
        rows[f"Lab value {i} (U/L)"] = rng.uniform(0, 500, len(rows)).round(1)
    return load_cohort(io.BytesIO(rows.to_csv(index=False).encode()))


@functools.cache
def registry_cohort(n=100_000, seed=11):
    """10^5 patients with only the minimal columns (ids as text), through the real loader."""
    rng = np.random.default_rng(seed)
    os_months = rng.exponential(30, n).round(2)
    rows = pd.DataFrame({"patient_id": [f"P{i:06d}" for i in range(n)],
                         "os_months": os_months, "os_event": rng.integers(0, 2, n),
                         "rfs_months": (os_months * rng.uniform(0.2, 1, n)).round(2),
                         "rfs_event": rng.integers(0, 2, n),
                         "arm": rng.choice(["A", "B"], n)})
    return load_cohort(io.BytesIO(rows.to_csv(index=False).encode()))


@functools.cache
def large_cohort(n=300, seed=7):
    rng = np.random.default_rng(seed)
    base = load_seed_cohort()
    rows = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True)
    rows["patient_id"] = np.arange(1, n + 1)
    rows["os_months"] = rows["os_months"] + rng.integers(0, 6, n)
    data = rows.to_csv(index=False).encode()
    return load_cohort(io.BytesIO(data))


def run_with(cohort, page, query=None):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["cohort.data"] = cohort
    at.session_state["cohort.source"] = "Uploaded file my_cohort.csv"
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page != "app.py":  # the session opens on the page, as a link to it does
        at.switch_page(page)
    return at.run()


@pytest.mark.parametrize("page", [path for path, _, _ in PAGES])
def test_every_page_with_only_the_required_columns(page):
    at = run_with(minimal_cohort(), page)
    assert not at.exception, page
    assert header_text(at).startswith("**19 of 19 patients**")
    assert any("Uploaded file my\\_cohort.csv" in c.value for c in at.caption)


OS_ONLY_KNOWN_BUG: dict[str, str] = {}


@pytest.mark.parametrize("page", [
    pytest.param(path, marks=pytest.mark.xfail(strict=True, reason=OS_ONLY_KNOWN_BUG[path]))
    if path in OS_ONLY_KNOWN_BUG else path for path, _, _ in PAGES])
def test_every_page_with_os_only(page):
    """No RFS columns: every page still works on OS (the RFS choice is absent or explained)."""
    at = run_with(minimal_cohort(("patient_id", "os_months", "os_event")), page,
                  {"survival.endpoint": "rfs"})
    assert not at.exception, page
    assert header_text(at).startswith("**19 of 19 patients**")


EXTRA_KNOWN_BUG: dict[str, str] = {}


@pytest.mark.parametrize("page", [
    pytest.param(path, marks=pytest.mark.xfail(strict=True, reason=EXTRA_KNOWN_BUG[path]))
    if path in EXTRA_KNOWN_BUG else path for path, _, _ in PAGES])
def test_every_page_with_30_extra_columns(page):
    at = run_with(extra_columns_cohort(), page, {"survival.by": "Marker 0"})
    assert not at.exception, page
    assert header_text(at).startswith("**19 of 19 patients**")
    if page == "pages/1_Survival.py":  # a file's own column is a stratifier under its name
        assert at.selectbox(key="survival.by").value == "Marker 0"


REGISTRY_KNOWN_BUG: dict[str, str] = {}


@pytest.mark.parametrize("page", [
    pytest.param(path, marks=pytest.mark.xfail(strict=True, reason=REGISTRY_KNOWN_BUG[path]))
    if path in REGISTRY_KNOWN_BUG else path for path, _, _ in PAGES])
@pytest.mark.heavy
def test_every_page_with_10_5_patients(page, registry):
    at = run_with(registry, page)
    assert not at.exception, page
    assert header_text(at).startswith("**100,000 of 100,000 patients**")  # thousands as read


@pytest.fixture(scope="module")
def registry():
    return registry_cohort()


@pytest.mark.parametrize("page", [path for path, _, _ in PAGES])
def test_every_page_with_300_patients(page):
    at = run_with(large_cohort(), page, {"survival.by": "eln2022_risk"})
    assert not at.exception, page
    assert header_text(at).startswith("**300 of 300 patients**")


def test_registry_size_table_shows_a_window_and_says_so():
    at = run_with(large_cohort(6000), "app.py")
    assert not at.exception
    assert header_text(at).startswith("**6,000 of 6,000 patients**")
    assert len(at.dataframe[1].value) == 5000  # the patient table follows the baseline table
    assert at.info[0].value.startswith("Showing the first 5,000 of 6,000 patients.")
    assert at.dataframe[0].value.iloc[0].tolist() == ["Patients", "", "6000"]


def test_survival_page_offers_only_the_recorded_endpoint():
    at = run_with(minimal_cohort(("patient_id", "os_months", "os_event")), "pages/1_Survival.py",
                  {"survival.endpoint": "rfs"})
    assert not at.exception
    assert at.selectbox(key="survival.endpoint").options == ["Overall survival (OS)"]
    assert any("Relapse-free survival (RFS; study: relapse only) is not offered: the cohort "
               "has no values in `rfs_months`, `rfs_event`." in c.value for c in at.caption)
    assert any("not offered on this page and was ignored" in w.value for w in at.warning)


def test_cox_page_offers_only_the_recorded_endpoint():
    at = run_with(minimal_cohort(("patient_id", "os_months", "os_event")), "pages/2_Cox.py")
    assert not at.exception
    assert at.selectbox(key="cox.endpoint").options == ["Overall survival (OS)"]
    assert any("Relapse-free survival (RFS; study: relapse only) is not offered: the cohort "
               "has no values in `rfs_months`, `rfs_event`." in c.value for c in at.caption)


def arm_ldh_cohort():
    """The study's patients (minimal columns) plus a text ``arm`` (A for odd ids, B for even,
    patient 3 missing) and a numeric ``ldh`` (10 x id U/L, patient 4 missing)."""
    rows = load_seed_cohort()[MINIMAL].copy()
    rows["arm"] = ["A" if i % 2 else "B" for i in rows["patient_id"]]
    rows.loc[rows["patient_id"] == 3, "arm"] = None
    rows["ldh"] = rows["patient_id"] * 10.0
    rows.loc[rows["patient_id"] == 4, "ldh"] = None
    return load_cohort(io.BytesIO(rows.to_csv(index=False).encode()))


def test_extra_columns_are_sidebar_filters_and_travel_in_the_link():
    at = run_with(arm_ldh_cohort(), "app.py")
    assert not at.exception
    at.multiselect(key="filter.x.arm").set_value(["A"]).run()
    assert header_text(at).startswith("**9 of 19 patients**")
    assert "arm: A" in header_text(at)
    assert any("1 patient with no recorded arm" in i.value for i in at.info)
    at.number_input(key="filter.xr.ldh.max").set_value(100.0).run()
    assert header_text(at).startswith("**4 of 19 patients**")  # 1, 5, 7, 9; 3 has no arm
    assert (at.query_params["x.arm"], at.query_params["x.ldh.max"]) == ("A", "100.0")
    reopened = run_with(arm_ldh_cohort(), "app.py",
                        query={"x.arm": "A", "x.ldh.max": "100.0", "x.nope": "1"})
    assert not reopened.exception
    assert header_text(reopened).startswith("**4 of 19 patients**")
    assert any("column 'nope'" in w.value for w in reopened.warning)
    reopened.button(key="filter.clear").click().run()
    assert header_text(reopened).startswith("**19 of 19 patients**")
    assert reopened.multiselect(key="filter.x.arm").value == []
    assert reopened.number_input(key="filter.xr.ldh.max").value is None
    assert "x.arm" not in reopened.query_params


def test_the_seed_cohort_has_no_extra_column_filters():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["x.arm"] = "A"
    at.run()
    assert not at.exception
    assert not [w for w in (*at.multiselect, *at.number_input)
                if (w.key or "").startswith(("filter.x.", "filter.xr."))]
    assert header_text(at).startswith("**19 of 19 patients**")
    assert any("column 'arm'" in w.value for w in at.warning)


def test_extra_range_filter_refuses_an_empty_range_and_names_cannot_collide():
    cohort = arm_ldh_cohort()
    cohort["ldh.min"] = ["x" if i % 3 else "y" for i in cohort["patient_id"]]  # beside ldh
    at = run_with(cohort, "app.py")
    assert not at.exception
    at.number_input(key="filter.xr.ldh.min").set_value(50.0)
    at.number_input(key="filter.xr.ldh.max").set_value(20.0).run()
    assert [e.value for e in at.error] == [
        "The range on ldh is empty (from 50 is above to 20); swap the bounds. That filter is "
        "not applied."]
    assert header_text(at).startswith("**19 of 19 patients**")
    at.multiselect(key="filter.x.ldh.min").set_value(["y"]).run()
    assert header_text(at).startswith("**6 of 19 patients**")

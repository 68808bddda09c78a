"""Registry mode (ui.registry): every page with RRE_REGISTRY_PATH naming a 10^4-row Parquet."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.cohort.read import load_seed_cohort
from tests.pages.helpers import header_text, run_page


def write_registry(path: Path, n_rows: int, seed: int = 15) -> Path:
    """A seeded synthetic registry: seed-cohort rows drawn with replacement (each keeps its own
    consistent times, events and outcome), with new text patient ids, written as Parquet."""
    base = load_seed_cohort()
    rng = np.random.default_rng(seed)
    rows = base.iloc[rng.integers(0, len(base), n_rows)].reset_index(drop=True)
    rows["patient_id"] = [f"R{i:08d}" for i in range(n_rows)]
    rows.to_parquet(path, index=False)
    return path


@pytest.fixture(scope="module")
def registry_file(tmp_path_factory):
    return write_registry(tmp_path_factory.mktemp("registry") / "registry.parquet", 10_000)


@pytest.fixture
def registry(registry_file, monkeypatch):
    monkeypatch.setenv("RRE_REGISTRY_PATH", str(registry_file))
    return registry_file


def test_cohort_page_counts_and_baseline_come_from_the_engine(registry):
    at = run_page("app.py", timeout=90)
    assert not at.exception
    assert "10,000 of 10,000 patients" in header_text(at)
    frames = [f.value for f in at.dataframe]
    baseline = next(f for f in frames if "Characteristic" in f.columns)
    assert baseline.iloc[0]["n (%) or median (range)"] == "10000"
    assert any("first 5,000 of 10,000 filtered rows" in i.value for i in at.info)


def test_survival_page_numbers_equal_the_in_memory_path_on_the_same_rows(registry):
    """Log-rank, medians and curve of the engine's count table equal survival_report on the
    same 10^4 rows loaded in pandas."""
    from core.cohort.filters import CohortFilter
    from core.cohort.validate import validate_cohort
    from core.style.numbers import format_p
    from core.survival.km.summary import per_group_table, survival_report

    at = run_page("app.py", timeout=90)
    at.switch_page("pages/1_Survival.py").run()
    at.selectbox(key="survival.by").set_value("eln2022_risk").run()
    assert not at.exception
    memory = validate_cohort(pd.read_parquet(registry))
    memory = CohortFilter().apply(memory).cohort
    report = survival_report(memory, at.selectbox(key="survival.endpoint").value,
                             "eln2022_risk", (12, 24), 24)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Log-rank chi-square"] == f"{report.logrank.statistic:.2f}"
    assert metrics["Log-rank p"] == format_p(report.logrank.p_value)
    assert "10,000 filtered rows" in " ".join(c.value for c in at.caption)
    shown = next(f.value for f in at.dataframe if len(f.value) == len(report.medians))
    pd.testing.assert_frame_equal(shown.reset_index(drop=True),
                                  per_group_table(report).reset_index(drop=True))


def test_cox_page_fits_categorical_covariates_on_every_row_and_names_the_sample(registry):
    from core.cohort.validate import validate_cohort
    from core.cox.counts import cox_from_counts

    at = run_page("app.py", timeout=90)
    at.switch_page("pages/2_Cox.py").run()
    assert not at.exception
    frame = next(f.value for f in at.dataframe if "Hazard ratio" in f.value.columns
                 and "95% CI upper" in f.value.columns)
    memory = validate_cohort(pd.read_parquet(registry))
    expected = cox_from_counts(memory, "rfs_months", "rfs_event",
                               ["mrd_pre_status", "eln2022_risk"]).table
    assert list(frame["Term"]) == list(expected.index)
    np.testing.assert_allclose(frame["Hazard ratio"], expected["hr"], rtol=1e-12)
    assert any("all 10,000 filtered rows" in i.value for i in at.info)


def test_cox_page_stratifies_the_counts_based_model_too(registry):
    """The page's stratum reaches the model on every row (R coxph + strata, exact from
    counts per pattern, stratum and time; tests/core/cox/test_cox_counts.py pins it to R)."""
    from core.cohort.validate import validate_cohort
    from core.cox.counts import cox_from_counts

    at = run_page("app.py", timeout=90)
    at.switch_page("pages/2_Cox.py").run()
    at.selectbox(key="cox.strata").set_value("sorafenib_timing").run()
    assert not at.exception
    frame = next(f.value for f in at.dataframe if "Hazard ratio" in f.value.columns
                 and "95% CI upper" in f.value.columns)
    memory = validate_cohort(pd.read_parquet(registry))
    expected = cox_from_counts(memory, "rfs_months", "rfs_event",
                               ["mrd_pre_status", "eln2022_risk"],
                               strata="sorafenib_timing").table
    np.testing.assert_allclose(frame["Hazard ratio"], expected["hr"], rtol=1e-12)
    assert any("stratified by `sorafenib_timing`" in c.value for c in at.caption)
    assert not any("not stratified" in c.value for c in at.caption)


PAGES = ["pages/0_Your_data.py", "pages/3_Patients.py", "pages/4_Competing_risks.py",
         "pages/5_Paper_check.py", "pages/6_During_follow_up.py", "pages/7_Subgroups.py",
         "pages/8_Present.py", "pages/9_About.py"]


@pytest.mark.parametrize("page", PAGES)
def test_every_other_page_runs_and_says_which_rows_it_uses(registry, page):
    at = run_page(page, timeout=120)
    assert not at.exception
    assert "10,000 of 10,000 patients" in header_text(at)
    assert any("views that need patient rows use all 10,000 filtered rows" in c.value
               for c in at.caption)


def test_your_data_page_says_uploads_are_off(registry):
    at = run_page("pages/0_Your_data.py")
    assert any("uploading or mapping another cohort is off" in i.value for i in at.info)


def test_a_filter_runs_in_the_engine_and_counts_match_pandas(registry):
    from core.cohort.filters import CohortFilter
    from core.cohort.validate import validate_cohort

    at = run_page("app.py", query={"eln2022_risk": "adverse", "age_min": "40"}, timeout=90)
    assert not at.exception
    memory = validate_cohort(pd.read_parquet(registry))
    kept = CohortFilter(eln2022_risk=("adverse",), age_min=40.0).apply(memory).cohort
    assert f"{len(kept):,} of 10,000 patients" in header_text(at)


@pytest.mark.parametrize("page", ["app.py", "pages/1_Survival.py", "pages/2_Cox.py",
                                  "pages/3_Patients.py"])
def test_a_filter_that_selects_nobody_shows_the_empty_message(registry, page):
    at = run_page(page, query={"eln2022_risk": "favorable", "age_max": "1"}, timeout=90)
    assert not at.exception
    assert "0 of 10,000 patients" in header_text(at)
    assert any("No patient matches the current filters" in i.value for i in at.info)


def test_a_registry_larger_than_the_sample_cap_names_the_sample(tmp_path, monkeypatch):
    import ui.registry

    monkeypatch.setattr(ui.registry, "SAMPLE_ROWS", 1_500)
    path = write_registry(tmp_path / "capped.parquet", 4_000, seed=3)
    monkeypatch.setenv("RRE_REGISTRY_PATH", str(path))
    at = run_page("pages/3_Patients.py", timeout=90)
    assert not at.exception
    assert "4,000 of 4,000 patients" in header_text(at)
    assert any("a random sample of 1,500 of the 4,000 filtered rows (seeded hash of the "
               "patient id, seed 2026)" in c.value for c in at.caption)


def test_an_exported_figure_drawn_from_the_sample_says_so_in_its_caption(tmp_path,
                                                                         monkeypatch):
    """The Competing risks figure of a registry is drawn from the seeded sample: its exported
    caption names the sample (n = 1,500 read alone would pass for the whole registry); the
    Survival figure, counted in the engine over every row, does not."""
    import ui.deliverables
    import ui.registry

    captions = {}

    def rendered(figure, kind, preset, caption="", table=None):
        captions[page] = caption
        return b"image"

    monkeypatch.setattr(ui.registry, "SAMPLE_ROWS", 1_500)
    monkeypatch.setattr(ui.deliverables, "render_figure", rendered)
    monkeypatch.setenv("RRE_REGISTRY_PATH", str(write_registry(tmp_path / "r.parquet", 4_000)))
    for page in ("pages/4_Competing_risks.py", "pages/1_Survival.py"):
        at = run_page(page, timeout=90)
        next(b for b in at.button if str(b.label).startswith("Prepare figure")).click().run()
        assert not at.exception
    sample = "a random sample of 1,500 of the 4,000 filtered rows"
    assert captions["pages/4_Competing_risks.py"].startswith("Registry mode: this view works "
                                                             "on " + sample)
    assert sample not in captions["pages/1_Survival.py"]
    assert captions["pages/1_Survival.py"]


def test_the_landing_page_runs_on_a_registry_without_an_optional_column(tmp_path, monkeypatch):
    """Seen at scale: KeyError 'sorafenib_timing' (engine_baseline -> filter_levels) when the
    registry file lacks an optional column; the baseline says "not recorded" instead."""
    path = write_registry(tmp_path / "lean.parquet", 2_000, seed=4)
    pd.read_parquet(path).drop(columns=["sorafenib_timing", "cytogenetics"]).to_parquet(path)
    monkeypatch.setenv("RRE_REGISTRY_PATH", str(path))
    at = run_page("app.py", timeout=90)
    assert not at.exception
    baseline = next(f.value for f in at.dataframe if "Characteristic" in f.value.columns)
    timing = baseline[baseline["Characteristic"] == "Sorafenib timing"]
    assert timing.iloc[-1, 1:].tolist() == ["not recorded", "2000"]


@pytest.fixture
def sample_calls(tmp_path, monkeypatch):
    """A 1,000-row registry whose sample is capped at 300 rows; the list of sample fetches
    (calls of ui.registry.sample, cached or not) the pages make."""
    import ui.frames
    import ui.registry

    path = write_registry(tmp_path / "counted.parquet", 1_000, seed=5)
    monkeypatch.setenv("RRE_REGISTRY_PATH", str(path))
    monkeypatch.setattr(ui.registry, "SAMPLE_ROWS", 300)
    calls, fetch = [], ui.registry.sample

    def counted(*args):
        calls.append(args)
        return fetch(*args)

    monkeypatch.setattr(ui.frames, "sample", counted)  # ui.frames.registry_sample calls it
    return calls


@pytest.mark.parametrize("page", ["app.py", "pages/9_About.py"])
def test_pages_that_need_only_counts_never_fetch_the_sample(sample_calls, page):
    """Issue 24: at 10^7 rows the 10^5-row sample cost 14 s per new filter on every page."""
    at = run_page(page, timeout=90)
    assert not at.exception
    assert "1,000 of 1,000 patients" in header_text(at)
    assert sample_calls == []
    assert not any("random sample" in i.value for i in at.info)


def test_survival_fetches_the_sample_only_for_the_group_comparisons_and_says_so(sample_calls):
    at = run_page("pages/1_Survival.py", timeout=90)
    assert not at.exception and sample_calls == []  # curves and log-rank: engine counts
    at.selectbox(key="survival.by").set_value("eln2022_risk").run()
    assert not at.exception
    assert len(sample_calls) == 1  # hazard ratios, further tests, milestone/RMST contrasts
    assert any("a random sample of 300 of the 1,000 filtered rows" in i.value for i in at.info)
    assert any("slides, the HTML report and \"Reproduce this\" need every patient row"
               in c.value for c in at.caption)  # no deck built from the sample


def test_the_patients_page_reads_the_sample_once_and_says_so_under_the_header(sample_calls):
    at = run_page("pages/3_Patients.py", timeout=90)
    assert not at.exception
    assert len(sample_calls) == 1
    assert at.info[0].value.startswith("Registry mode: this view works on a random sample "
                                       "of 300 of the 1,000 filtered rows")

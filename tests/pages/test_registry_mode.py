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
    from core.survival.report import format_p, per_group_table, survival_report

    at = run_page("app.py", timeout=90)
    at.switch_page("pages/1_Survival.py").run()
    at.selectbox(key="survival.by").set_value("eln2022_risk").run()
    assert not at.exception
    memory = validate_cohort(pd.read_parquet(registry))
    memory = CohortFilter().apply(memory).cohort
    report = survival_report(memory, at.radio(key="survival.endpoint").value,
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

"""Registry mode in a real browser: `streamlit run` on a 250,000-row Parquet named by
RRE_REGISTRY_PATH; the Survival page draws the Kaplan-Meier figure and the log-rank test from
the engine's count table.

250,000 rows is 2.5 times the patient sample (ui.registry.SAMPLE_ROWS, 10^5): a page that
counted or drew the sample instead of the whole registry would say 100,000, not 250,000. The
rows repeat the seed cohort's few distinct times, so the figure and the count table are the
same size at 10^6 rows; a million rows added file writing and a GROUP BY four times longer,
not coverage (the 10^7-row timings are bench/bench_registry_pages.py's)."""

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import start_server
from tests.e2e.helpers import expect_no_error, link, wait_idle
from tests.pages.test_registry_mode import write_registry
from ui.registry import SAMPLE_ROWS

pytestmark = pytest.mark.e2e

ROWS = 250_000
REGISTRY_TIMEOUT = 60_000
"""Milliseconds for the first page on a cold server (distinct values, 10^5-row sample)."""


@pytest.fixture
def registry_server(chromium_path, tmp_path):
    path = write_registry(tmp_path / "registry.parquet", ROWS, seed=2026)
    running = start_server({"RRE_REGISTRY_PATH": str(path)})
    yield running
    running.stop()


def test_survival_page_on_a_registry_larger_than_its_sample(registry_server, page):
    assert ROWS > SAMPLE_ROWS  # the whole registry's count differs from the sample's
    started = time.monotonic()
    page.goto(link(registry_server.url, "Survival", {"survival.endpoint": "rfs",
                                                      "survival.by": "eln2022_risk"}))
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text(f"{ROWS:,} of {ROWS:,} patients")).to_be_visible(
        timeout=REGISTRY_TIMEOUT)
    plot = main.locator(".js-plotly-plot").first
    expect(plot.locator(".main-svg").first).to_be_visible(timeout=REGISTRY_TIMEOUT)
    expect(main.get_by_text("Log-rank p", exact=True)).to_be_visible()
    expect(main.get_by_text("Mantel-Cox", exact=False).first).to_be_visible()
    expect(main.get_by_text(f"one GROUP BY over all {ROWS:,} filtered rows",
                            exact=False)).to_be_visible()
    wait_idle(page)
    expect_no_error(page)
    names = plot.evaluate("el => el.data.map(t => t.name)")
    assert any(str(name).startswith("adverse") for name in names), names
    print(f"registry e2e: Survival page drawn in {time.monotonic() - started:.1f} s")

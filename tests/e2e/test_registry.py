"""Registry mode in a real browser: `streamlit run` on a 10^6-row Parquet named by
RRE_REGISTRY_PATH; the Survival page draws the Kaplan-Meier figure and the log-rank test from
the engine's count table."""

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import start_server
from tests.e2e.helpers import expect_no_error, link, wait_idle
from tests.pages.test_registry_mode import write_registry

pytestmark = pytest.mark.e2e

ROWS = 1_000_000
REGISTRY_TIMEOUT = 60_000
"""Milliseconds for the first page on a cold server (distinct values, 10^5-row sample)."""


@pytest.fixture
def registry_server(chromium_path, tmp_path):
    path = write_registry(tmp_path / "registry.parquet", ROWS, seed=2026)
    running = start_server({"RRE_REGISTRY_PATH": str(path)})
    yield running
    running.stop()


def test_survival_page_on_a_million_row_registry(registry_server, page):
    started = time.monotonic()
    page.goto(link(registry_server.url, "Survival", {"survival.endpoint": "rfs",
                                                      "survival.by": "eln2022_risk"}))
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text("1,000,000 of 1,000,000 patients")).to_be_visible(
        timeout=REGISTRY_TIMEOUT)
    plot = main.locator(".js-plotly-plot").first
    expect(plot.locator(".main-svg").first).to_be_visible(timeout=REGISTRY_TIMEOUT)
    expect(main.get_by_text("Log-rank p", exact=True)).to_be_visible()
    expect(main.get_by_text("Mantel-Cox", exact=False).first).to_be_visible()
    expect(main.get_by_text("one GROUP BY over all 1,000,000 filtered rows",
                            exact=False)).to_be_visible()
    wait_idle(page)
    expect_no_error(page)
    names = plot.evaluate("el => el.data.map(t => t.name)")
    assert any(str(name).startswith("adverse") for name in names), names
    print(f"registry e2e: Survival page drawn in {time.monotonic() - started:.1f} s")

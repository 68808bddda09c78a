"""The Relapse risk page in a real browser: the verdict at the top, the labelled prediction,
and the bootstrap with its progress bar and Cancel while the page stays usable."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import expect_no_error, header, link, wait_idle

pytestmark = pytest.mark.e2e


def test_relapse_risk_verdict_label_and_cancellable_bootstrap(server, page):
    page.goto(link(server.url, "Relapse_risk"))
    expect(header(page)).to_have_text("19 of 19 patients", timeout=120_000)
    main = page.locator('[data-testid="stMain"]')
    verdict = main.locator('[data-testid="stAlert"]').first
    expect(verdict).to_contain_text("Too few events to predict: this model was fitted on 6 "
                                    "events and 19 patients", timeout=60_000)
    expect(main.locator('[data-testid="stMetricLabel"]').first).to_contain_text(
        "not validated: 6 events, 48 needed")
    samples = page.get_by_label("Bootstrap samples (B)")
    samples.fill("2000")
    samples.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name=re.compile("Run internal validation")).click()
    progress = main.get_by_text(re.compile(r"Refitting: \d+ of 2000 samples"))
    expect(progress).to_be_visible(timeout=30_000)
    # the page stays usable while the worker runs: another widget answers
    page.get_by_text("Model coefficients").click()
    page.get_by_role("button", name=re.compile("Cancel")).click()
    expect(main.get_by_text(re.compile(r"cancelled after \d+"))).to_be_visible(timeout=30_000)
    expect_no_error(page)

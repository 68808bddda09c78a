"""Twenty sessions at once, each on its own filtered link: no cross-talk, server stays healthy.

The sessions open the About page: what is tested is that twenty sessions at once keep their
own filters (the header line every page draws) and that the server keeps answering, not how
long twenty Cohort pages take to compute on two cores (bench/bench_first_draw.py measures
each page's draw time).

A Streamlit session belongs to one websocket, so each browser tab is its own session (its own
``st.session_state``). The tabs share one browser context only so that the app's JavaScript is
fetched and compiled once; 20 cold contexts take minutes on a 2-core machine.
"""

import itertools
import time

import pytest
from playwright.sync_api import expect

from core.cohort.filters import filter_levels
from core.cohort.read import load_seed_cohort
from tests.e2e.helpers import expected_view, header_line, link, wait_idle

pytestmark = pytest.mark.e2e

SESSIONS = 20
LOAD_TIMEOUT = 90_000
"""Milliseconds for all sessions to draw on a 2-core machine."""


def _links(count: int) -> list[dict[str, str]]:
    """``count`` different filter links over four fields, spread over the combinations."""
    levels = filter_levels(load_seed_cohort())
    fields = ("eln2022_risk", "mrd_pre_status", "sorafenib_timing", "sex")
    combos = []
    for values in itertools.product(*[[None, *levels[name]] for name in fields]):
        query = {name: value for name, value in zip(fields, values, strict=True) if value}
        combos.append(query)
    step = len(combos) / count
    return [combos[int(i * step)] for i in range(count)]


def test_twenty_simultaneous_sessions(server, new_context):
    queries = _links(SESSIONS)
    expected = [expected_view(query) for query in queries]
    assert len({line for _, line in expected}) == SESSIONS
    assert len({n for n, _ in expected}) >= 4, "the links should show different counts"

    context = new_context()
    pages = [context.new_page() for _ in queries]
    for page, query in zip(pages, queries, strict=True):  # open all before waiting on any
        page.goto(link(server.url, "About", query), wait_until="commit")
    for page, (_, line) in zip(pages, expected, strict=True):
        expect(header_line(page)).to_have_text(line, timeout=LOAD_TIMEOUT)
    for page, (_, line), query in zip(pages, expected, queries, strict=True):
        wait_idle(page)
        expect(header_line(page)).to_have_text(line)  # still its own view once all are done
        for key, value in query.items():
            assert f"{key}={value}" in page.url
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)

    started = time.monotonic()
    assert server.health(timeout=5) == "ok"
    assert time.monotonic() - started < 10.0, "the server stopped answering /_stcore/health"

"""Benchmark: the first reader of a freshly started server, in a browser, side by side with a
bare Streamlit "hello" server started the same way in the same round.

Run: ``python3 bench/bench_cold_start.py [repeats]`` (default 3). Each round starts, on free
ports of 127.0.0.1:

- the app (``streamlit run app.py``, the production settings of ``.streamlit/config.toml``),
  with its background warm-up (``ui.warmup``) on, as served;
- the same app with ``RRE_WARMUP=0``, to say what the warm-up buys;
- a bare Streamlit page (a title and an "n of N patients" line), the floor: Streamlit's own
  start, session and first draw.

and times in Debian's Chromium, each in a fresh browser (a cold cache, as for the first reader
after a deployment): *up*, from the process start to ``/_stcore/health`` answering; *first*,
from then to the landing page drawn and idle (every chart and table); *Cox*, from then to the
Cox page opened from the sidebar link and drawn (the slowest page to import: scikit-survival,
the Cox engine).

Ratios, not seconds, are the result (the machine is shared): the app's first draw over the bare
page's. Not part of the test run.

Measured 2026-12-06, 20:23-20:27 UTC, on the shared 2-core machine (load average 3.4 rising to
9.6: four engineers' tests), 3 rounds, medians::

    server                           up s  first s  Cox s  first / hello
    app, warm-up on (as served)      1.33     8.63   9.47           3.57
    app, RRE_WARMUP=0                2.30     9.43  10.80           3.90
    hello (bare Streamlit)           2.82     2.41    nan           1.00

Idle machine, 2026-12-06 22:13 UTC (load average 3), 2 rounds: warm-up on: up 0.73 s, first
3.75 s, Cox 4.17 s (3.39x hello's first draw); RRE_WARMUP=0: 0.74 / 3.89 / 3.41 (3.51x);
hello 0.81 / 1.11. (When issue 24 was filed: first page 12.9 s, first Cox figure 5.8 s.) On
the idle machine the warm-up thread makes no measurable difference.

Where the first reader's time goes (a profile of the first script run, cold, same machine): 9.2
of 13.1 s are imports, 6.3 s of them ``scipy.stats`` (its import parses the docstrings of
every distribution), which nearly every statistic in ``core`` uses at module level (``norm``
for intervals, ``chi2`` for tests); 1.4 s reading the embedded cohort; the rest drawing. The
warm-up thread starts with the first session, so it cannot shorten that session's own imports
(Python's import lock makes both wait for the one import); it shortens the first visit to the
Cox page by 1.3 s (12 %). Left: importing ``scipy.special`` instead (``ndtri``, ``chdtrc``:
the functions ``scipy.stats`` calls) would take about 1.5 s off a cold start.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM_ARGS, start_server  # noqa: E402
from tests.e2e.helpers import url_path  # noqa: E402

HELLO = 'import streamlit as st\nst.title("Hello")\nst.markdown("**19 of 19 patients**")\n'
TIMEOUT_MS = 180_000
IDLE = ("() => document.querySelector('[data-testid=\"stApp\"]')"
        "?.getAttribute('data-test-script-state') === 'notRunning'")


def _drawn(page) -> None:
    """Wait for the header line and an idle script."""
    page.locator('[data-testid="stMain"] strong').filter(
        has_text=" patients").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(IDLE, timeout=TIMEOUT_MS)


def _round(playwright, script: str, env: dict[str, str], cox: bool) -> tuple[float, ...]:
    """(up, first, Cox) seconds for one freshly started server and a fresh browser."""
    started = time.perf_counter()
    server = start_server(env=env, script=script)
    up = time.perf_counter() - started
    browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                         headless=True, args=CHROMIUM_ARGS)
    try:
        page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
        started = time.perf_counter()
        page.goto(server.url)
        _drawn(page)
        first = time.perf_counter() - started
        if not cox:
            return up, first, float("nan")
        started = time.perf_counter()
        page.goto(f"{server.url}/{url_path('pages/2_Cox.py')}")
        _drawn(page)
        page.locator('[data-testid="stMain"] .js-plotly-plot').first.wait_for(
            timeout=TIMEOUT_MS)
        return up, first, time.perf_counter() - started
    finally:
        browser.close()
        server.stop()


def main(repeats: int) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as hello_file:
        hello_file.write(HELLO)
    cases = {"app, warm-up on (as served)": ("app.py", {}, True),
             "app, RRE_WARMUP=0": ("app.py", {"RRE_WARMUP": "0"}, True),
             "hello (bare Streamlit)": (hello_file.name, {}, False)}
    times: dict[str, list[tuple[float, ...]]] = {name: [] for name in cases}
    with sync_playwright() as playwright:
        for _ in range(repeats):
            for name, (script, env, cox) in cases.items():
                times[name].append(_round(playwright, script, env, cox))
    floor = statistics.median(first for _, first, _ in times["hello (bare Streamlit)"])
    print(f"{'server':<30} {'up s':>6} {'first s':>8} {'Cox s':>6} {'first / hello':>14}")
    for name, runs in times.items():
        up, first, cox = (statistics.median(column) for column in zip(*runs, strict=True))
        print(f"{name:<30} {up:6.2f} {first:8.2f} {cox:6.2f} {first / floor:14.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)

"""Benchmark: the first visit to the Cox page after a server start, with and without the
background warm-up of ``ui.warmup``.

Run: ``python3 bench/bench_startup.py [repeats]`` (default 2). Each measurement is a fresh
Python process (cold imports, as after a server start) that opens the Cohort page the way a
browser session does (AppTest of ``app.py``), waits ``READ_SECONDS`` as a user reading it
would, and then times the switch to the Cox page. ``RRE_WARMUP=0`` turns the warm-up off for
the comparison. A third line times importing the Cox page's heavy modules alone, cold.

Measured 2026-11-25 on the shared 2-core development machine: see the printed table.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READ_SECONDS = 5.0
"""How long the simulated user reads the Cohort page before opening the Cox page."""

FIRST_VISIT = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=300)
at.run()
time.sleep({READ_SECONDS})
start = time.perf_counter()
at.switch_page("pages/2_Cox.py").run()
assert not at.exception, at.exception
print(time.perf_counter() - start)
"""

IMPORTS = """
import time
start = time.perf_counter()
import scipy.stats, scipy.optimize, plotly.graph_objects, plotly.subplots, firthmodels
import core.cox.fit, core.cox.firth, core.cox.ph, core.cox.predict, core.cox.display
import core.cox.figures, core.cox.guardrails
print(time.perf_counter() - start)
"""


def run(code: str, warmup: bool) -> float:
    env = {**os.environ, "RRE_WARMUP": "1" if warmup else "0", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, cwd=ROOT, check=True).stdout
    return float(out.strip().splitlines()[-1])


def main(repeats: int) -> None:
    rows = [
        ("Cox page, first visit, warm-up off", [run(FIRST_VISIT, False) for _ in range(repeats)]),
        ("Cox page, first visit, warm-up on", [run(FIRST_VISIT, True) for _ in range(repeats)]),
        ("Cox page's heavy imports alone, cold", [run(IMPORTS, False) for _ in range(repeats)]),
    ]
    for label, seconds in rows:
        print(f"{label:<40} median {statistics.median(seconds):6.2f} s   "
              f"({', '.join(f'{s:.2f}' for s in seconds)})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)

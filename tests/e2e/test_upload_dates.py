"""The issue-21 export in a real browser: a Chinese follow-up table that records death only as
是/否 beside the last-contact date, with an optional sorafenib column (维持前/维持中) that fits
no field. Uploaded on Your data with no hand-made mapping, it must give the Survival page a
Kaplan-Meier curve with every death (not "OS 100 %, 0 deaths") and the Competing risks page a
non-relapse mortality above 0 (deaths without relapse are the competing event).

The expected curve is computed here from the export's dates by hand-rolled arithmetic (days /
30.4375; a flagged death at the last contact) and the product-limit formula, independently of
the app's date reading.
"""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import RENDER_TIMEOUT
from tests.e2e.helpers import expect_count, expect_no_error, header, sidebar_link
from tests.e2e.test_upload_mapping import upload_export

pytestmark = pytest.mark.e2e

N = 40
PLOT_DATA = """el => el.data.map(t => ({name: t.name || null, y: Array.from(t.y || [])}))"""


def export() -> tuple[bytes, pd.DataFrame]:
    """The workbook, and per patient: OS months, death, relapse, death without relapse."""
    rng = np.random.default_rng(21)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["急性髓系白血病维持治疗随访表"])
    sheet.append(["病历号", "性别", "索拉非尼", "诊断日期", "维持治疗开始日期", "复发日期",
                  "末次随访日期", "死亡"])
    rows = []
    for i in range(N):
        dx = pd.Timestamp("2016-01-01") + pd.Timedelta(days=int(rng.integers(0, 1800)))
        start = dx + pd.Timedelta(days=int(rng.integers(90, 240)))
        last = start + pd.Timedelta(days=int(rng.integers(60, 2000)))
        relapse = start + pd.Timedelta(days=int(rng.integers(30, 900)))
        relapse = relapse if rng.random() < 0.45 and relapse <= last else None
        dead = bool(rng.random() < (0.8 if relapse is not None else 0.3))
        sheet.append([f"{i + 1:06d}", "男" if i % 2 else "女", "维持前" if i % 3 else "维持中",
                      dx.to_pydatetime(), start.to_pydatetime(),
                      None if relapse is None else relapse.to_pydatetime(),
                      last.to_pydatetime(), "是" if dead else "否"])
        rows.append({"os": (last - dx).days / 30.4375, "dead": int(dead),
                     "relapsed": relapse is not None,
                     "nrm": dead and relapse is None})
    data = io.BytesIO()
    book.save(data)
    return data.getvalue(), pd.DataFrame(rows)


def product_limit(times: np.ndarray, events: np.ndarray) -> list[float]:
    """Kaplan-Meier survival after each distinct event time (textbook formula)."""
    out, s = [], 1.0
    for t in np.unique(times[events == 1]):
        at_risk, died = (times >= t).sum(), ((times == t) & (events == 1)).sum()
        s *= 1 - died / at_risk
        out.append(s)
    return out


def test_chinese_death_flag_export_to_km_and_competing_risks(server, page):
    data, expected = export()
    deaths = int(expected["dead"].sum())
    assert 0 < deaths < N and expected["nrm"].any()
    page.goto(f"{server.url}/Your_data")
    expect(header(page)).to_have_text("19 of 19 patients", timeout=4 * RENDER_TIMEOUT)  # cold
    expect_count(page, 19)
    main = page.locator('[data-testid="stMain"]')
    upload_export(page, data)
    expect(main.get_by_text("Column '索拉非尼' was not used as Sorafenib timing",
                            exact=False)).to_be_visible()
    expect(main.get_by_text("Death taken at the last contact:", exact=False)).to_be_visible()
    main.get_by_role("button", name="Check and use this cohort").click()
    expect_count(page, N, total=N)
    expect(main.get_by_text(f"{deaths} of {deaths} deaths are recorded only by a flag",
                            exact=False)).to_be_visible()
    expect_no_error(page)

    sidebar_link(page, "Survival").click()
    expect_count(page, N, total=N)
    expect(main.get_by_text(f"All: {N} patients, {deaths} deaths", exact=False)
           ).to_be_visible(timeout=RENDER_TIMEOUT)
    plot = main.locator(".js-plotly-plot").first
    expect(plot.locator(".main-svg").first).to_be_visible(timeout=RENDER_TIMEOUT)
    traces = plot.evaluate(PLOT_DATA)
    curve = next(t for t in traces if t["name"] == f"All (n={N})")
    want = product_limit(expected["os"].to_numpy(), expected["dead"].to_numpy())
    drawn = sorted({round(y, 9) for y in curve["y"]} - {1.0}, reverse=True)
    assert drawn == pytest.approx(want, abs=1e-9)
    expect_no_error(page)

    sidebar_link(page, "Competing risks").click()
    expect_count(page, N, total=N)
    expect(main.get_by_text("Counted as death without relapse", exact=False)).to_be_visible(
        timeout=RENDER_TIMEOUT)
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 2 && "
                           "Array.from(document.querySelectorAll('.js-plotly-plot')).every("
                           "p => p.data && p.data.length > 0)", timeout=RENDER_TIMEOUT)
    nrm = main.locator(".js-plotly-plot").nth(1).evaluate(PLOT_DATA)
    curves = [v for t in nrm if t["name"] for v in t["y"] if isinstance(v, (int, float))]
    assert max(curves, default=0) > 0  # (the number-at-risk trace holds group names as y)
    expect_no_error(page)

"""Follow-up exports at the scale of issue 21: 80 patients, 51 of whom died, generated here.

:func:`chinese_flag_export` is the issue's Chinese table: death recorded only as 是/否 beside
the last-contact date, an optional sorafenib column holding 维持前/维持中 (no field's values),
a relapse-type column filled only for the patients who relapsed. :func:`english_iso_export` is
the same patients in English with ISO dates and a death date left blank for the living.

Each generator also returns the truth, computed here from the calendar with ``datetime.date``
subtraction (independently of the app's date reading): per patient the OS and RFS days, death,
relapse and death without relapse. Months = days / 30.4375.
"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import openpyxl
import pandas as pd

N, DEATHS = 80, 51


def patients(seed: int = 21) -> pd.DataFrame:
    """``N`` patients, ``DEATHS`` of them dead; dates as ``datetime.date``, ``None`` blank."""
    rng = np.random.default_rng(seed)
    dead = np.zeros(N, bool)
    dead[rng.choice(N, DEATHS, replace=False)] = True
    rows = []
    for i in range(N):
        dx = dt.date(2015, 1, 1) + dt.timedelta(days=int(rng.integers(0, 2000)))
        start = dx + dt.timedelta(days=int(rng.integers(60, 240)))
        last = start + dt.timedelta(days=int(rng.integers(90, 2200)))
        relapse = start + dt.timedelta(days=int(rng.integers(20, 1200)))
        relapse = relapse if rng.random() < 0.55 and relapse < last else None
        rows.append({"id": f"{i + 1:06d}", "dx": dx, "start": start, "relapse": relapse,
                     "last": last, "dead": bool(dead[i]),
                     "sorafenib": "维持前" if rng.random() < 0.5 else "维持中",
                     "relapse_type": None if relapse is None else
                     ("分子学复发" if rng.random() < 0.4 else "形态学复发")})
    p = pd.DataFrame(rows)
    p["os_days"] = [(r.last - r.dx).days for r in p.itertuples()]
    p["rfs_days"] = [((r.relapse or r.last) - r.start).days for r in p.itertuples()]
    p["relapsed"] = p["relapse"].notna()
    p["rfs_status"] = np.where(p["relapsed"], 1, np.where(p["dead"], 2, 0))
    return p


def _workbook(header: list[str], rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["急性髓系白血病维持治疗随访表（导出）"])  # a title line above the header
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def chinese_flag_export(p: pd.DataFrame | None = None, no_relapse: str | None = None
                        ) -> tuple[bytes, pd.DataFrame]:
    """The issue's XLSX: 病历号, 索拉非尼, 诊断日期, 维持治疗开始日期, 复发日期, 复发类型,
    末次随访日期, 死亡 (是/否); real spreadsheet dates. A death is dated at the last contact.
    The relapse date of a patient without relapse is blank, or ``no_relapse`` (``无``)."""
    p = patients() if p is None else p
    header = ["病历号", "索拉非尼", "诊断日期", "维持治疗开始日期", "复发日期", "复发类型",
              "末次随访日期", "死亡"]
    rows = [[r.id, r.sorafenib, r.dx, r.start, no_relapse if r.relapse is None else r.relapse,
             r.relapse_type, r.last,
             "是" if r.dead else "否"] for r in p.itertuples()]
    return _workbook(header, rows), p


def english_iso_export(p: pd.DataFrame | None = None, no_relapse: str | None = None,
                       alive: str | None = None) -> tuple[bytes, pd.DataFrame]:
    """The same patients as a CSV with ISO dates; the death date is the last contact of the
    dead and blank for the living (no flag column), or ``alive`` (a word such as ``none``);
    a relapse date is blank when there was none, or ``no_relapse``."""
    p = patients() if p is None else p
    frame = pd.DataFrame({
        "Patient ID": p["id"], "Date of diagnosis": p["dx"].map(dt.date.isoformat),
        "Maintenance start": p["start"].map(dt.date.isoformat),
        "Relapse date": [no_relapse if d is None else d.isoformat() for d in p["relapse"]],
        "Date of death": [r.last.isoformat() if r.dead else alive for r in p.itertuples()],
        "Last contact": p["last"].map(dt.date.isoformat)})
    return frame.to_csv(index=False).encode(), p


def upload(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle

"""A corpus of date-based hospital exports, generated here (issue 21).

Eight patients (:data:`PATIENTS`) exported the way hospital systems write them: each layout
(:data:`LAYOUTS`) has its own language, headers, date format, death record (a death date, a
flag or status word, or both) and file format (CSV, XLSX with real dates or serial numbers,
SPSS ``.sav`` with variable labels). Every layout must load without a mapping into the same
endpoints, pinned in ``test_date_exports.py`` by day counts checked in R.

Patient ``000123`` keeps its leading zeros; patient 8 died after the last contact (a registry
learned of the death later: OS ends at the death date); patients 5 and 6 are known dead only
by a flag in every layout that has one (dated at the last contact).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import openpyxl
import pandas as pd

PATIENTS = pd.DataFrame({
    "id": ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "000123"],
    "diagnosis": ["2019-01-15", "2019-03-02", "2019-05-20", "2020-02-29", "2020-10-05",
                  "2021-01-12", "2018-12-31", "2020-06-13"],
    "maintenance": ["2019-06-01", "2019-08-15", "2019-11-01", "2020-07-13", "2021-03-22",
                    "2021-06-28", "2019-05-05", "2020-11-30"],
    "relapse": ["2020-02-10", None, None, "2021-03-31", None, "2021-12-24", None, "2022-04-01"],
    "death": ["2020-08-20", None, "2021-01-05", None, None, None, None, "2023-02-17"],
    "last": ["2020-08-20", "2024-05-31", "2021-01-05", "2023-12-01", "2022-06-30",
             "2022-09-13", "2025-03-14", "2022-12-01"],
    "dead": [1, 0, 1, 0, 1, 1, 0, 1],
})
"""The patients' dates (ISO) and whether they died; P5 and P6 have no death date."""


@dataclass(frozen=True)
class Layout:
    """One export layout.

    Attributes
    ----------
    headers : tuple of 7 str or None
        Headers of id, diagnosis, maintenance start, relapse, death date, last contact, death
        flag (``None``: the export has no such column).
    dates : str
        ``"iso"``, ``"ymd_slash"``, ``"dmy_dot"``, ``"dmy_slash"``, ``"mdy_slash"``, ``"serial"``
        (text serial numbers) or ``"real"`` (spreadsheet or SPSS dates; ``"serial"`` in XLSX
        means numeric cells).
    words : (str, str)
        The flag's words for dead and alive.
    fmt : str
        ``"csv"``, ``"csv;"`` (semicolon, GB18030 for Chinese), ``"xlsx"`` or ``"sav"``.
    """

    headers: tuple[str | None, ...]
    dates: str
    words: tuple[str, str]
    fmt: str


LAYOUTS: dict[str, Layout] = {
    "zh_flag_xlsx": Layout(("病历号", "诊断日期", "维持治疗开始日期", "复发日期", None,
                            "末次随访日期", "死亡"), "real", ("是", "否"), "xlsx"),
    "zh_flag_csv_gb18030": Layout(("住院号", "确诊日期", "维持开始日期", "复发时间", None,
                                   "末次随访", "是否死亡"), "ymd_slash", ("死亡", "存活"),
                                  "csv;"),
    "de_status_dotted": Layout(("Patienten-ID", "Diagnosedatum", "Beginn Erhaltungstherapie",
                                "Rezidivdatum", None, "Letzter Kontakt", "Status"), "dmy_dot",
                               ("verstorben", "lebend"), "csv;"),
    "de_sav_labels": Layout(("Patienten-ID", "Diagnosedatum", "Beginn der Erhaltungstherapie",
                             "Datum des Rezidivs", "Sterbedatum", "Datum letzter Kontakt",
                             "Status verstorben"), "real", ("ja", "nein"), "sav"),
    "fr_death_date": Layout(("N° patient", "Date de diagnostic", "Date de début de la "
                             "maintenance", "Date de rechute", "Date de décès",
                             "Date des dernières nouvelles", None), "dmy_slash", ("", ""),
                            "csv"),
    "es_serial_xlsx": Layout(("Número de paciente", "Fecha de diagnóstico",
                              "Fecha de inicio del mantenimiento", "Fecha de recaída",
                              "Fecha de fallecimiento", "Fecha de último contacto", "Estado"),
                             "serial", ("fallecido", "vivo"), "xlsx"),
    "en_iso_blank_deaths": Layout(("Patient ID", "Date of diagnosis", "Maintenance start",
                                   "Relapse date", "Date of death", "Last contact", None),
                                  "iso", ("", ""), "csv"),
    "en_us_flag_and_date": Layout(("MRN", "Dx date", "Maintenance start date", "Relapse date",
                                   "Death date", "Last follow-up", "Vital status"), "mdy_slash",
                                  ("dead", "alive"), "csv"),
    "en_serial_text": Layout(("Subject", "Diagnosis date", "Maintenance start", "Relapse date",
                              "Death date", "Date last known alive", "Deceased"), "serial",
                             ("yes", "no"), "csv"),
}


def rows(layout: Layout) -> pd.DataFrame:
    """The patients as the layout records them (ISO dates; flags as words)."""
    p = PATIENTS.copy()
    if layout.headers[4] is None:  # no death date: a death is only known by the flag
        p["death"] = None
        p["last"] = [last if pd.isna(d) else d for d, last in zip(PATIENTS["death"], p["last"],
                                                                  strict=True)]
    elif layout.headers[6] is None:  # no flag: every death needs its date
        p["death"] = [(last if dead else None) if pd.isna(d) else d for d, last, dead
                      in zip(p["death"], p["last"], p["dead"], strict=True)]
    if layout.headers[4] is None and layout.headers[6] is None:
        raise ValueError("a layout needs a death date or a death flag")
    return p


def _date_text(iso: str | None, kind: str):
    if iso is None or pd.isna(iso):
        return None
    day = pd.Timestamp(iso)
    return {"iso": iso, "ymd_slash": f"{day:%Y/%m/%d}", "dmy_dot": f"{day:%d.%m.%Y}",
            "dmy_slash": f"{day:%d/%m/%Y}", "mdy_slash": f"{day:%m/%d/%Y}",
            "serial": str((day - pd.Timestamp("1899-12-30")).days),
            "real": day.to_pydatetime()}[kind]


def table(layout: Layout) -> pd.DataFrame:
    """The export's table, cells as the exporting system writes them."""
    p = rows(layout)
    keys = ("id", "diagnosis", "maintenance", "relapse", "death", "last", "dead")
    out = {}
    for key, header in zip(keys, layout.headers, strict=True):
        if header is None:
            continue
        if key == "id":
            out[header] = p["id"]
        elif key == "dead":
            out[header] = [layout.words[0] if d else layout.words[1] for d in p["dead"]]
        else:
            out[header] = [_date_text(v, layout.dates) for v in p[key]]
    return pd.DataFrame(out)


def export(name: str) -> bytes:
    """The file of layout ``name`` as bytes."""
    layout = LAYOUTS[name]
    frame = table(layout)
    if layout.fmt.startswith("csv"):
        sep = ";" if layout.fmt == "csv;" else ","
        encoding = "gb18030" if layout.headers[0] in ("住院号",) else "utf-8"
        return frame.to_csv(index=False, sep=sep).encode(encoding)
    if layout.fmt == "xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append([f"Export {name}"])  # a title line above the header
        sheet.append(list(frame.columns))
        for values in frame.itertuples(index=False):
            sheet.append([int(v) if layout.dates == "serial" and isinstance(v, str)
                          and v.isdigit() and not str(v).startswith("0") and len(v) == 5
                          else v for v in values])
        data = io.BytesIO()
        book.save(data)
        return data.getvalue()
    return sav_bytes(frame)


def sav_bytes(frame: pd.DataFrame) -> bytes:
    """An SPSS file whose variables are v1, v2, ... labelled with the frame's headers (the
    death flag coded 1/0 with value labels)."""
    import tempfile
    from pathlib import Path

    import pyreadstat

    names = {c: f"v{i + 1}" for i, c in enumerate(frame.columns)}
    data = frame.rename(columns=names)
    flag = names[frame.columns[-1]]
    words = sorted(set(frame[frame.columns[-1]]))
    codes = {w: float(w in ("ja", "yes", "verstorben", "dead")) for w in words}
    data[flag] = data[flag].map(codes)
    for column in data.columns[1:-1]:
        data[column] = pd.to_datetime(data[column]).dt.date
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.sav"
        pyreadstat.write_sav(data, str(path), column_labels=list(frame.columns),
                             variable_value_labels={flag: {v: k for k, v in codes.items()}})
        return path.read_bytes()


def upload(data: bytes, name: str = "export") -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle

"""Paper check: every summary figure the study prints next to the value recomputed from its rows.

Design: :data:`PRINTED` transcribes each figure of the study's abstract and Results (baseline
counts and medians, MRD status and conversions, relapses by type, deaths, transplants, 12- and
24-month OS and RFS, medians, median follow-up with its range). :func:`paper_check` recomputes
each from the patient rows of Tables 1-2 by a named method (count, crude proportion, median and
range, Kaplan-Meier, reverse Kaplan-Meier for follow-up) and marks it ``agrees``, ``differs``
(with the likely reason written out) or ``not checkable`` (the rows do not hold the data).
Nothing is tuned to agree: each value is computed the standard way and compared with the print
at the print's precision. The 12- and 24-month rates reuse
:func:`core.survival.paper.headline.headline_comparison`.

References
----------
Schemper M, Smith TL. A note on quantifying follow-up in studies of failure time. Control Clin
Trials 1996;17:343-346 (reverse Kaplan-Meier).
"""

from __future__ import annotations

import math

import pandas as pd

from core.errors import AnalysisError
from core.survival.km.estimate import kaplan_meier, medians
from core.survival.paper.headline import headline_comparison

COLUMNS = ["topic", "figure", "printed", "recomputed", "method", "mark", "reason"]
AGREES, DIFFERS, NOT_CHECKABLE = "agrees", "differs", "not checkable"
ASSUMED = "agrees under an assumption"
"""A figure the rows reproduce only if a term of the text is read one way (the reason names
the assumption): not a plain agreement."""
EARLY_STOP_MONTHS = 4
"""RFS censored at or before this many months: the study's 3 transplanted patients left
maintenance after a median of 1 cycle (range 1-4), and their RFS probably stops there."""


def _count(cohort: pd.DataFrame, column: str, value) -> int:
    return int((cohort[column].astype(str) == str(value)).sum())


def _pct(count: int, n: int) -> str:
    return f"{count} ({100 * count / n:.1f}%)"


def _counts(cohort, topic, column, printed: dict[str, int], label: str | None = None):
    """One row per printed level: 'k (p%)' printed vs recomputed (crude proportion)."""
    n = len(cohort)
    rows = []
    for level, k in printed.items():
        got = _count(cohort, column, level)
        rows.append((topic, f"{label or column} = {level}", _pct(k, n), _pct(got, n),
                     "count and crude proportion of the rows", AGREES if got == k else DIFFERS,
                     "" if got == k else "The rows of Tables 1-2 give a different count."))
    return rows


def _median_range(values: pd.Series) -> tuple[float, float, float]:
    v = pd.to_numeric(values, errors="coerce").dropna()
    return float(v.median()), float(v.min()), float(v.max())


def _fmt(x: float) -> str:
    return "not reached" if math.isnan(x) else f"{x:g}"


def paper_check(cohort: pd.DataFrame) -> pd.DataFrame:
    """The study's printed summary figures against the values recomputed from ``cohort``.

    Parameters
    ----------
    cohort : pandas.DataFrame
        The embedded 19-patient cohort, unfiltered (:func:`core.cohort.load_seed_cohort`).

    Returns
    -------
    pandas.DataFrame
        Columns ``topic, figure, printed, recomputed, method, mark, reason``: ``mark`` is
        ``"agrees"``, ``"agrees under an assumption"`` (the reason names it), ``"differs"``
        or ``"not checkable"``; ``reason`` explains a difference, the assumption or why a
        figure cannot be checked (empty when it agrees). Times in months.

    Raises
    ------
    AnalysisError
        When ``cohort`` lacks the study's columns.
    """
    needed = ["patient_id", "sex", "age", "wbc", "fab_class", "eln2022_risk",
              "sorafenib_timing", "mrd_pre_status", "relapse_type", "rfs_months", "rfs_event",
              "os_months", "os_event"]
    missing = [c for c in needed if c not in cohort.columns]
    if missing:
        raise AnalysisError(f"The paper check needs the study's columns; missing: "
                            f"{', '.join(missing)}. Fix: check the embedded cohort.")
    n = len(cohort)
    rows = [("Patients", "patients included", "19", str(n), "row count",
             AGREES if n == 19 else DIFFERS, "" if n == 19 else "Not the study's 19 rows.")]
    rows += _counts(cohort, "Patients", "sex", {"M": 9, "F": 10}, "sex")
    for name, column, printed in (("Age (years)", "age", (59, 21, 76)),
                                  ("WBC (x10^9/L)", "wbc", (32.25, 0.7, 254))):
        got = _median_range(cohort[column])
        same = all(abs(a - b) < 1e-9 for a, b in zip(got, printed, strict=True))
        rows.append(("Baseline", f"median {name} (range)",
                     f"{printed[0]:g} ({printed[1]:g}–{printed[2]:g})",
                     f"{got[0]:g} ({got[1]:g}–{got[2]:g})", "median and range of the rows",
                     AGREES if same else DIFFERS, "" if same else "The rows differ."))
    rows += _counts(cohort, "Baseline", "fab_class",
                    {"M1": 3, "M2": 7, "M4": 3, "M5": 5, "M7": 1}, "FAB class")
    rows += _counts(cohort, "Baseline", "eln2022_risk",
                    {"favorable": 3, "intermediate": 9, "adverse": 7}, "ELN 2022 risk")
    rows += _counts(cohort, "Treatment", "sorafenib_timing",
                    {"induction": 14, "consolidation": 5}, "sorafenib timing")
    positive = _count(cohort, "mrd_pre_status", "positive")
    qpcr = (pd.to_numeric(cohort.get("mrd_pre_aml1eto_abl_pct"), errors="coerce")
            if "mrd_pre_aml1eto_abl_pct" in cohort else pd.Series(dtype=float))
    above = cohort.loc[qpcr.reindex(cohort.index) >= 0.01, "patient_id"].astype(str).tolist()
    rows.append(("MRD", "MRD-positive before maintenance", "4", str(positive),
                 "count of the rows (flow cytometry >= 0.01%)",
                 AGREES if positive == 4 else DIFFERS,
                 "" if not above else
                 f"Counted by flow cytometry, as the study does; the AML1-ETO/ABL qPCR ratio of "
                 f"patient{'s' if len(above) > 1 else ''} {', '.join(above)} is above 0.01% "
                 "but the study classes it MRD-negative (a transcript ratio is a different "
                 "measure)."))
    sustained = _count(cohort, "relapse_type", "none")
    unnamed = cohort.loc[(cohort["mrd_pre_status"].astype(str) == "positive")
                         & (cohort["relapse_type"].astype(str) == "none"),
                         "patient_id"].astype(str).tolist()
    rows.append(("MRD", "sustained MRD negativity during maintenance", _pct(13, n),
                 _pct(sustained, n), "patients without relapse (relapse_type none)",
                 ASSUMED if sustained == 13 else DIFFERS,
                 "Assumption: 'sustained MRD negativity' means no relapse. The rows record "
                 "relapse, not MRD during maintenance; 'sustained MRD "
                 "negativity' is read as 'no molecular or morphological relapse', which "
                 "includes every patient who was MRD-positive before maintenance and did not "
                 f"relapse (patients {', '.join(unnamed)}); the text names only patient 13 as "
                 "converted, so for the others no source shows MRD negativity."))
    for pid, text in ((13, "converted to MRD negativity after one cycle, negative to date"),
                      (9, "MRD fell progressively, negative for over five months")):
        row = cohort[cohort["patient_id"].astype(str) == str(pid)]
        reason = "MRD levels during maintenance are not in Tables 1-2."
        if pid == 9 and len(row) and int(row["rfs_event"].iloc[0]) == 1:
            reason += (f" Table 2 records a {row['relapse_type'].iloc[0]} relapse at "
                       f"{row['rfs_months'].iloc[0]:g} months for this patient, so the "
                       "negative spell must have ended in relapse.")
        rows.append(("MRD", f"patient {pid} {text}", "as stated", "–",
                     "not in the rows", NOT_CHECKABLE, reason))
    for kind, printed in (("morphological", 3), ("molecular", 3)):
        got = _count(cohort, "relapse_type", kind)
        rows.append(("Relapse", f"{kind} relapses", _pct(printed, n), _pct(got, n),
                     "count and crude proportion", AGREES if got == printed else DIFFERS,
                     "" if got == printed else "The rows give a different count."))
    relapses = int(cohort["rfs_event"].sum())
    rows.append(("Relapse", "relapses (any)", _pct(6, n), _pct(relapses, n),
                 "count and crude proportion", AGREES if relapses == 6 else DIFFERS, ""))
    deaths = int(cohort["os_event"].sum())
    rows.append(("Deaths", "deaths", _pct(3, n), _pct(deaths, n), "count and crude proportion",
                 AGREES if deaths == 3 else DIFFERS, ""))
    early = cohort[(cohort["rfs_event"] == 0) & (cohort["rfs_months"] <= EARLY_STOP_MONTHS)]
    early_ids = ", ".join(early["patient_id"].astype(str))
    rows.append(("Transplant", "allogeneic HSCT after a median of 1 cycle (range 1–4)",
                 _pct(3, n), "–", "not in the rows", NOT_CHECKABLE,
                 "Supplementary Table 1 (who was transplanted) is not part of the text. "
                 f"Relapse-free follow-up stops without relapse at 1–{EARLY_STOP_MONTHS} months "
                 f"for patients {early_ids}: three of them are probably the transplanted ones."))
    rows += _survival_rows(cohort, early)
    return pd.DataFrame(rows, columns=COLUMNS)


def _survival_rows(cohort: pd.DataFrame, early: pd.DataFrame) -> list[tuple]:
    rows = []
    for endpoint, time, event in (("OS", "os_months", "os_event"),
                                  ("RFS", "rfs_months", "rfs_event")):
        median = medians(kaplan_meier(cohort, time, event)).iloc[0]["median"]
        rows.append(("Survival", f"median {endpoint}", "not reached", _fmt(median),
                     "Kaplan-Meier median", AGREES if math.isnan(median) else DIFFERS,
                     "" if math.isnan(median) else "The Kaplan-Meier curve crosses 50%."))
    for r in headline_comparison(cohort).itertuples():
        printed = f"{100 * r.printed:.1f}% ({r.printed_fraction})"
        km = f"{100 * r.km_survival:.1f}%"
        same = abs(r.km_survival - r.printed) < 0.0005
        rows.append(("Survival", f"{r.months:g}-month {r.endpoint}", printed, km,
                     "Kaplan-Meier (rows of Tables 1-2)", AGREES if same else DIFFERS,
                     "" if same else _rate_reason(r, early)))
    fu = _median_range(cohort["os_months"])
    same = fu == (50.0, 13.0, 133.0)
    rows.append(("Follow-up", "median follow-up (range)", "50 (13–133)",
                 f"{fu[0]:g} ({fu[1]:g}–{fu[2]:g})",
                 "median and range of OS times of all patients (as printed)",
                 AGREES if same else DIFFERS, ""))
    reverse = cohort.assign(_follow=1 - pd.to_numeric(cohort["os_event"]))
    rkm = medians(kaplan_meier(reverse, "os_months", "_follow")).iloc[0]
    rows.append(("Follow-up", "median follow-up, reverse Kaplan-Meier", "50",
                 f"{_fmt(rkm['median'])} ({_fmt(rkm['median_lower'])}–"
                 f"{_fmt(rkm['median_upper'])})",
                 "reverse Kaplan-Meier (deaths censored), median with 95% CI",
                 AGREES if rkm["median"] == 50 else DIFFERS,
                 "The printed median is the crude median of all OS times, deaths included; "
                 "the reverse Kaplan-Meier median counts only the follow-up of patients not "
                 "yet dead (Schemper & Smith 1996) and is the usual measure of how long "
                 "patients were followed."))
    return rows


def _rate_reason(r, early: pd.DataFrame) -> str:
    """Why a printed rate differs from Kaplan-Meier: the crude share, or a hypothesis."""
    num, den = (int(v) for v in r.printed_fraction.split("/"))
    if num == den - r.events_by:
        return (f"The paper prints the crude share of all {den} patients without an event by "
                f"{r.months:g} months ({num}/{den}), counting patients lost to follow-up "
                f"earlier (patients {r.censored_patients}) as event-free; Kaplan-Meier removes "
                "them from the risk set.")
    extra = den - num - r.events_by
    if r.endpoint == "RFS" and 0 < extra <= len(early):
        return (f"Not the crude share either ({den - r.events_by}/{den} without relapse). The "
                f"print is reproduced if {extra} of the patients whose relapse-free follow-up "
                f"stops without relapse at 1–{EARLY_STOP_MONTHS} months (patients "
                f"{', '.join(early['patient_id'].astype(str))}, probably the transplanted "
                f"ones) are counted as failures: {r.events_by} relapses + {extra} = "
                f"{den - num} of {den}. The RFS clock of the print likely stops at HSCT as an "
                "event.")
    return (f"The printed {num}/{den} is not reproduced by the rows: by {r.months:g} months "
            f"they show {r.events_by} events.")


def summary_counts(check: pd.DataFrame) -> dict[str, int]:
    """How many figures agree, differ, or cannot be checked."""
    counts = check["mark"].value_counts()
    return {m: int(counts.get(m, 0)) for m in (AGREES, ASSUMED, DIFFERS, NOT_CHECKABLE)}


def check_answer(check: pd.DataFrame) -> str:
    """The page's result in one line: how many checkable figures the rows reproduce, and
    which differ (named in the study's order).

    Examples
    --------
    "25 of 29 checkable figures agree with the paper (1 under an assumption); 4 differ
    (24-month OS; ...). 3 more cannot be checked from the rows."
    """
    counts = summary_counts(check)
    checkable = counts[AGREES] + counts[ASSUMED] + counts[DIFFERS]
    text = (f"{counts[AGREES] + counts[ASSUMED]} of {checkable} checkable figures agree with "
            "the paper")
    if counts[ASSUMED]:
        text += f" ({counts[ASSUMED]} under an assumption)"
    differ = [str(f) for f in check.loc[check["mark"] == DIFFERS, "figure"]]
    text += f"; {len(differ)} differ ({'; '.join(differ)})" if differ else "; none differs"
    if counts[NOT_CHECKABLE]:
        text += f". {counts[NOT_CHECKABLE]} more cannot be checked from the rows"
    return text + "."



def differences_first(check: pd.DataFrame) -> pd.DataFrame:
    """The check in reading order: the figures that differ first, then those that agree only
    under an assumption, those the rows cannot check, and those that agree; the study's order
    kept within each mark."""
    rank = check["mark"].map({DIFFERS: 0, ASSUMED: 1, NOT_CHECKABLE: 2, AGREES: 3})
    return check.assign(_rank=rank).sort_values("_rank", kind="stable").drop(columns="_rank")

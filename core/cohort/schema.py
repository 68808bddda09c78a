"""The cohort schema: every column's meaning, unit, allowed values and source.

This module is the single source of truth for column names, readable labels (used by the
pages and the exports) and the data dictionary (``data/DATA_DICTIONARY.md`` is generated from
it by ``python -m core.cohort.schema`` and a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["id", "category", "number", "event", "text", "list"]


@dataclass(frozen=True)
class Column:
    """One column of a cohort table.

    Parameters
    ----------
    name : str
        Column name in files and DataFrames (snake_case, unit in the name where it has one).
    label : str
        Readable label with the unit, for tables and figures.
    kind : {"id", "category", "number", "event", "text", "list"}
        How the gatekeeper parses the column. ``list`` is a ``"; "``-separated list of
        symbols, ``"none"`` meaning an empty list.
    meaning : str
        What the value records, in a clinician's words.
    source : str
        Where the seed cohort's value comes from (table of the study, or a derivation rule).
    required : bool
        Whether an uploaded cohort must have the column.
    unit : str, optional
        Unit of a numeric column.
    allowed : tuple of str, optional
        The only values a ``category`` column may take (after lower-casing), in display order.
        ``None`` means any text (an open vocabulary such as FAB subtype).
    minimum, maximum : float, optional
        Inclusive bounds of a ``number`` column.
    """

    name: str
    label: str
    kind: Kind
    meaning: str
    source: str
    required: bool = False
    unit: str | None = None
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None


MAX_MONTHS = 1200.0
"""Longest plausible survival time (100 years): a longer time is a unit or entry error."""

ELN_LEVELS = ("favorable", "intermediate", "adverse")
"""ELN 2022 risk groups, ordered from best to worst prognosis (the trend-test order)."""

COLUMNS: tuple[Column, ...] = (
    Column("patient_id", "Patient", "id", "Patient number as printed in the study's tables "
           "(uploaded cohorts: any unique identifier).", "Tables 1 and 2, column No.", True),
    Column("sex", "Sex", "category", "Sex: M = male, F = female.", "Table 1, Sex",
           allowed=("M", "F")),
    Column("age", "Age (years)", "number", "Age at diagnosis.", "Table 1, Age",
           unit="years", minimum=0, maximum=120),
    Column("wbc", "WBC (×10⁹/L)", "number", "White blood cell count at diagnosis.",
           "Table 1, WBC", unit="×10⁹/L", minimum=0, maximum=2000),
    Column("blasts_pct", "Blasts (%)", "number", "Bone-marrow blast percentage at diagnosis.",
           "Table 1, Blast cell (%)", unit="%", minimum=0, maximum=100),
    Column("fab", "FAB subtype", "category", "FAB subtype exactly as printed (e.g. M2a, M5).",
           "Table 1, FAB classification"),
    Column("fab_class", "FAB class", "category", "FAB class without the subtype letter "
           "(M2a -> M2); the level at which the study counts FAB groups.",
           "Derived from `fab` by dropping the trailing subtype letter"),
    Column("cytogenetics", "Cytogenetics", "category", "Karyotype at diagnosis.",
           "Table 1, Cytogenetics (printed 't (8,21)(q22;q22)' normalised to "
           "'t(8;21)(q22;q22)', 'Complex Karyotype' to 'Complex karyotype')"),
    Column("co_mutations", "Co-mutations", "list", "Gene mutations other than FLT3-ITD, as a "
           "'; '-separated list; 'none' when the study prints '–'.",
           "Table 1, Gene mutation (exclude FLT3-ITD)"),
    Column("fusion_gene", "Fusion gene", "category", "Fusion gene detected at diagnosis, "
           "'negative' when none.", "Table 1, Fusion gene"),
    Column("eln2022_risk", "ELN 2022 risk", "category", "European LeukemiaNet 2022 genetic "
           "risk group.", "Table 1, Risk stratification (lower-cased)",
           allowed=ELN_LEVELS),
    Column("sorafenib_timing", "Sorafenib timing", "category", "When sorafenib was started: "
           "'induction' = during induction and consolidation; 'consolidation' = during "
           "consolidation only.", "Table 2, Timing of sorafenib administration",
           allowed=("induction", "consolidation")),
    Column("pretreatment_regimens", "Regimens before maintenance", "text",
           "Chemotherapy regimens given before maintenance, as printed (*n = number of "
           "cycles).", "Table 2, Pretreatment regimens (patient 3's 'IA.ID-Ara-C' read as "
           "'IA, ID-Ara-C')"),
    Column("mrd_pre_status", "MRD before maintenance", "category", "Minimal residual disease "
           "immediately before sorafenib + ITI maintenance: positive when >= 0.01% by flow "
           "cytometry.", "Table 2, MRD (a printed percentage >= 0.01% -> positive; "
           "'negative' -> negative)", allowed=("negative", "positive")),
    Column("mrd_pre_flow_pct", "MRD by flow (%)", "number", "Flow-cytometry MRD level before "
           "maintenance where the study prints it (only for MRD-positive patients).",
           "Table 2, MRD", unit="%", minimum=0, maximum=100),
    Column("mrd_pre_aml1eto_abl_pct", "AML1-ETO/ABL (%)", "number", "AML1-ETO/ABL transcript "
           "ratio by qPCR before maintenance (patients with the fusion gene). Kept as "
           "measured; MRD status follows the flow-cytometry reading the study reports.",
           "Table 2, MRD ('negative; AML-ETO/ABL x%')", unit="%", minimum=0, maximum=1000),
    Column("relapse_type", "Relapse type", "category", "Relapse during maintenance: "
           "'molecular' (MRD >= 0.01% in remission), 'morphological' (bone-marrow blasts > 5%) "
           "or 'none'.", "Table 2, Status (CR -> none)",
           allowed=("none", "molecular", "morphological")),
    Column("rfs_months", "RFS (months)", "number", "Relapse-free survival: months from the "
           "start of sorafenib + ITI maintenance to relapse or last contact.",
           "Table 2, Relapse-free survival (m)", unit="months", minimum=0,
           maximum=MAX_MONTHS),
    Column("rfs_event", "Relapse", "event", "1 = relapse (molecular or morphological) at "
           "`rfs_months`; 0 = censored (relapse-free at last contact).",
           "Derived: 1 when relapse_type is molecular or morphological"),
    Column("os_months", "OS (months)", "number", "Overall survival: months from diagnosis to "
           "death or last follow-up.", "Table 2, Overall survival (m)", unit="months",
           minimum=0, maximum=MAX_MONTHS),
    Column("os_event", "Death", "event", "1 = died at `os_months`; 0 = censored (alive at "
           "last follow-up, or lost to follow-up).", "Derived: 1 when outcome is dead"),
    Column("outcome", "Outcome", "category", "Status at last follow-up (31 May 2025).",
           "Table 2, Outcomes (Survival -> alive, Death -> dead)",
           allowed=("alive", "dead", "lost to follow-up")),
    Column("hsct_months", "HSCT (months)", "number", "Months from maintenance start (the RFS "
           "clock) to allogeneic HSCT; empty when not transplanted. An event during "
           "follow-up: analyse it on the During follow-up page, never as a baseline group.",
           "Not reported per patient: the study says 3 patients were transplanted but not "
           "which, so the seed cohort leaves it empty", unit="months", minimum=0),
    Column("rfs_status", "RFS end (cause)", "number", "What ended relapse-free follow-up at "
           "`rfs_months`, for competing risks: 0 = censored, 1 = relapse, 2 = death without "
           "relapse. Optional; when empty the Competing risks page derives it from `rfs_event` "
           "and `os_event` by the rule it states.", "Not in the study's tables (its only death "
           "without relapse is recorded on the OS clock), so empty in the seed cohort; derived "
           "for uploads whose times come from dates (see the columns derived from dates)",
           minimum=0, maximum=2),
)

INTERVENTION_COLUMNS: tuple[str, ...] = ("hsct_months",)
"""Columns holding the time of an intervention during follow-up (on an endpoint's clock).
They are not known at baseline: using one as a baseline covariate or group is the
immortal-time error (see ``docs/methods-timedep.md``)."""

BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
REQUIRED: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
LABELS: dict[str, str] = {c.name: c.label for c in COLUMNS}

ENDPOINTS: dict[str, tuple[str, str, str]] = {
    "os": ("os_months", "os_event", "Overall survival (OS): months from diagnosis to death; "
           "patients alive or lost to follow-up are censored at last contact."),
    "rfs": ("rfs_months", "rfs_event", "Relapse-free survival (RFS): months from the start of "
            "sorafenib + ITI maintenance to relapse (bone-marrow blasts > 5% or MRD >= 0.01%); "
            "patients without relapse are censored at last contact."),
}
"""Endpoint key -> (time column, event column, definition shown to users). An uploaded cohort
needs `patient_id` and, for at least one endpoint, both its time and its event column."""

DATE_FIELDS: dict[str, str] = {
    "date_diagnosis": "Diagnosis",
    "date_maintenance_start": "Maintenance start",
    "date_relapse": "Relapse",
    "date_death": "Death",
    "date_last_contact": "Last contact",
}
"""Dates a mapping may turn into times (kept as extra columns of the cohort, name -> label)."""

DERIVED_FROM_DATES: dict[str, tuple[str, str]] = {
    "maintenance_os_months": (
        "Maintenance start (months from diagnosis)",
        "The start of maintenance on the OS clock: (maintenance start - diagnosis) / 30.4375. "
        "The entry time for OS with delayed entry at maintenance start (R "
        "`Surv(maintenance_os_months, os_months, os_event)`); OS from maintenance start is "
        "`os_months - maintenance_os_months`. Empty when either date is missing."),
    "relapse_os_months": (
        "Relapse (months from diagnosis)",
        "Relapse on the OS clock: (relapse - diagnosis) / 30.4375; empty for a patient "
        "without relapse. With `os_months`/`os_event` it gives event-free survival from "
        "diagnosis (the earlier of relapse and death)."),
    "death_at_last_contact": (
        "Death dated at last contact",
        "1 = the export records this death only as a flag or status word, without a death "
        "date, so the death is dated at the last-contact date; 0 = the death date is "
        "recorded, or the patient is alive at last contact; empty when OS is not derived "
        "from dates. Methods text and previews count it."),
}
"""Columns a cohort gets when its OS/RFS are derived from dates (name -> (label, meaning)).

Present only for date-based uploads (:mod:`core.cohort.dates`); times in months
(days / 30.4375). Derived from the same dates, schema columns get these rules: `os_months` runs
from diagnosis to death (a death date when recorded, else the last-contact date of a patient
flagged dead) or last contact (censored); `rfs_months` from maintenance start to relapse
(`rfs_event` 1), to death without relapse (censored, `rfs_status` 2: the competing event of
the Competing risks page) or to last contact (censored, `rfs_status` 0)."""
DERIVED_LABELS: dict[str, str] = {name: label for name, (label, _) in DERIVED_FROM_DATES.items()}


def with_labels(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose schema columns carry their readable labels (units included).

    Columns not in the schema keep their names.
    """
    return df.rename(columns={c: LABELS[c] for c in df.columns if c in LABELS})


def data_dictionary_markdown() -> str:
    """Render the data dictionary as Markdown (the content of ``data/DATA_DICTIONARY.md``)."""
    lines = [
        "# Data dictionary: `data/seed_cohort.csv`",
        "",
        "Generated from `core/cohort/schema.py` by",
        "`python -m core.cohort.schema > data/DATA_DICTIONARY.md`;",
        "a test fails when the two disagree. One row per patient. An uploaded cohort needs",
        "`patient_id` and, for at least one endpoint (OS or RFS), its time and event columns;",
        "every other column is optional (absent ones are empty) and extra columns are kept.",
        "",
        "| column | label | meaning | unit | allowed values | required | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in COLUMNS:
        if c.allowed:
            allowed = ", ".join(f"`{v}`" for v in c.allowed)
        elif c.kind == "event":
            allowed = "`0`, `1`"
        elif c.kind == "number":
            low = "" if c.minimum is None else f"{c.minimum:g}"
            high = "" if c.maximum is None else f"{c.maximum:g}"
            allowed = f"{low} to {high}".strip() if high else f">= {low}"
        else:
            allowed = "text"
        lines.append(
            f"| `{c.name}` | {c.label} | {c.meaning} | {c.unit or ''} | {allowed} | "
            f"{_required_text(c)} | {c.source} |"
        )
    lines += [
        "",
        "## Columns derived from dates (uploads)",
        "",
        "An upload whose OS and RFS are computed from dates (diagnosis, maintenance start,",
        "relapse, death or a death flag, last contact) keeps its dates as `date_diagnosis`,",
        "`date_maintenance_start`, `date_relapse`, `date_death`, `date_last_contact` and gets",
        "these columns; `rfs_status` is filled (0 censored, 1 relapse, 2 death without relapse).",
        "",
        "| column | label | meaning |",
        "|---|---|---|",
        *(f"| `{name}` | {label} | {meaning} |"
          for name, (label, meaning) in DERIVED_FROM_DATES.items()),
    ]
    return "\n".join(lines) + "\n"


def _required_text(column: Column) -> str:
    if column.required:
        return "yes"
    if any(column.name in pair[:2] for pair in ENDPOINTS.values()):
        return "with its pair, for one endpoint at least"
    return "no"


if __name__ == "__main__":
    print(data_dictionary_markdown(), end="")

ALIVE_OR_LOST = "alive or lost (not recorded)"
"""``outcome`` of a patient not known dead in a file built from dates
(:func:`core.cohort.derive.outcome_from_death`): the dates cannot tell alive at last contact
from lost to follow-up, so the value says so instead of choosing."""

"""Where the study's text and its Table 2 disagree about a patient, and what the app uses.

Design: the embedded cohort is transcribed from Tables 1 and 2 (data/PROVENANCE.md). The
Results text also describes some patients; where a sentence of the text cannot be squared with
the patient's row, the conflict is kept here as data (one :class:`RecordConflict` per patient
and topic) and shown on that patient's card, with which source the app follows and why. The
app never edits a row to agree with the text: the tables are the only patient-level source,
and their totals are the ones the text's own counts (6 relapses, 3 deaths) add up to.

Conventions: patient ids are those of the seed cohort (text, ``"9"``); the quotes are verbatim
from the study's Results (the paragraph after Table 2); "table" is Table 2 as transcribed in
``data/seed_cohort.csv``. These conflicts belong to the embedded study cohort only: an
uploaded cohort's patient 9 is someone else, so pages ask for them only for that cohort.

References: the study text, ``../shared/seed/`` of the project workspace; data/PROVENANCE.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordConflict:
    """One disagreement between the study's text and a patient's row.

    Attributes
    ----------
    patient_id : str
    topic : str
        What the disagreement is about (e.g. "MRD after maintenance began").
    text_says : str
        The text's statement, quoted.
    table_says : str
        What the patient's row of Table 2 records.
    app_uses : str
        Which of the two the app's analyses use.
    why : str
        The reason for that choice, in one or two sentences.
    """

    patient_id: str
    topic: str
    text_says: str
    table_says: str
    app_uses: str
    why: str

    def sentence(self) -> str:
        """The conflict in plain words, for a card or a report."""
        return (f"{self.topic}: the study's text says {self.text_says}; its Table 2 records "
                f"{self.table_says}. The app uses {self.app_uses}: {self.why}")


SEED_CONFLICTS: tuple[RecordConflict, ...] = (
    RecordConflict(
        patient_id="9",
        topic="MRD and relapse during maintenance",
        text_says=('"Patient 9 exhibited a progressive decrease in MRD levels during '
                   'maintenance therapy and eventually achieved sustained negativity for over '
                   'five months"'),
        table_says=("a morphological relapse 16 months after maintenance began and death 20 "
                    "months after diagnosis"),
        app_uses="Table 2 (relapse at 16 months, counted as an RFS event; death at 20 months)",
        why=("the table is the study's patient-level record, and the text's own totals (6 "
             "relapses, 3 deaths, 13 patients with sustained MRD negativity) count patient 9 "
             "among the relapses. The two can only both be true if the MRD negativity ended "
             "before the relapse, which the text does not say."),
    ),
    RecordConflict(
        patient_id="17",
        topic="Sustained MRD negativity",
        text_says=('"13 of 19 patients (68.4%) maintained sustained MRD negativity", a count '
                   "that includes every patient without a recorded relapse, patient 17 among "
                   "them"),
        table_says=("MRD positive (2.53% by flow cytometry) immediately before maintenance, no "
                    "relapse, relapse-free follow-up of only 1 month, and death 44 months after "
                    "diagnosis; no MRD result after maintenance began is printed"),
        app_uses="Table 2 (MRD positive before maintenance; RFS censored at 1 month)",
        why=("the text names the two other MRD-positive patients who became negative (13 and "
             "9) but not patient 17, so no source shows that patient 17 became MRD-negative; "
             "the 1-month RFS suggests follow-up on maintenance stopped early (possibly one of "
             "the three patients who went on to allogeneic HSCT, whom the study does not "
             "name)."),
    ),
    RecordConflict(
        patient_id="10",
        topic="MRD before maintenance",
        text_says=('"positivity defined as ≥ 0.01%" and "the four patients who were '
                   'MRD-positive prior to maintenance" (patients 7, 9, 13 and 17)'),
        table_says=("an AML1-ETO/ABL ratio of 0.056% by qPCR before maintenance, above that "
                    "threshold, with MRD classed negative"),
        app_uses=("the study's classification (MRD negative), with the qPCR ratio kept as "
                  "measured in its own column"),
        why=("the study's 0.01% threshold is the flow-cytometry one (blast cells), and a "
             "transcript ratio is a different measure; the ratio stays available so a "
             "molecular definition can be applied by filtering or grouping on it."),
    ),
)
"""Every text-versus-table conflict of the embedded cohort found in the study's Results."""


def seed_conflicts(patient_id: object) -> tuple[RecordConflict, ...]:
    """The text-versus-table conflicts of one patient of the embedded study cohort.

    Parameters
    ----------
    patient_id : object
        Compared as text (``9`` and ``"9"`` are the same patient).

    Returns
    -------
    tuple of RecordConflict
        Empty when the text and the table agree (or the text does not mention the patient).
    """
    return tuple(c for c in SEED_CONFLICTS if c.patient_id == str(patient_id))

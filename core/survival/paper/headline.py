"""The study's printed headline survival rates next to the Kaplan-Meier estimates of its rows.

The paper prints 12- and 24-month OS of 100% (19/19) and 94.7% (18/19), and RFS of 73.7%
(14/19) and 57.9% (11/19). Those are shares of all 19 patients; the Kaplan-Meier estimate
from the patient rows of Tables 1-2 counts only patients still under observation, so a
patient censored before the landmark (patient 11, lost to follow-up at 13 months, for OS)
leaves the denominator instead of counting as a survivor. Both numbers are shown with the
reason; the method is not tuned to match the print. Where the printed numerator cannot be
reproduced from the rows (RFS: 14/19 and 11/19, while the rows give 2 and 5 relapses by 12
and 24 months), the note says so rather than guessing how the paper counted.
"""

from __future__ import annotations

import pandas as pd

from core.cohort.schema import ENDPOINTS
from core.survival.km.estimate import kaplan_meier, landmarks

PRINTED: tuple[tuple[str, float, int, int], ...] = (
    ("os", 12, 19, 19),
    ("os", 24, 18, 19),
    ("rfs", 12, 14, 19),
    ("rfs", 24, 11, 19),
)
"""(endpoint, months, numerator, denominator) as printed in the study's Results and abstract."""


def headline_comparison(cohort: pd.DataFrame) -> pd.DataFrame:
    """Printed headline rates of the study against Kaplan-Meier estimates from ``cohort``.

    Parameters
    ----------
    cohort : pandas.DataFrame
        The patient rows (normally the embedded 19-patient cohort, unfiltered).

    Returns
    -------
    pandas.DataFrame
        Columns ``endpoint, months, printed, printed_fraction, km_survival, ci_lower,
        ci_upper, n_risk, events_by, censored_before, censored_patients, note``; rates as
        fractions (0-1), times in months.
    """
    rows = []
    for endpoint, months, num, den in PRINTED:
        time, event, _ = ENDPOINTS[endpoint]
        fit = kaplan_meier(cohort, time, event)
        at = landmarks(fit, [months]).iloc[0]
        t, e = cohort[time], cohort[event]
        events_by = int(((t <= months) & (e == 1)).sum())
        censored = cohort.loc[(t < months) & (e == 0), "patient_id"].astype(str).tolist()
        printed = num / den
        same = abs(at["survival"] - printed) < 0.0005
        who = (f"patient{'s' if len(censored) != 1 else ''} {', '.join(censored)}"
               if censored else "none")
        if same:
            note = "Same as printed."
        elif num == den - events_by:
            note = (f"The paper counts every patient without an event by {months:g} months as "
                    f"event-free ({num}/{den}), including those censored earlier ({who}); "
                    "Kaplan-Meier removes censored patients from the risk set instead.")
        else:
            note = (f"The printed {num}/{den} is not reproduced by the rows of Tables 1-2: by "
                    f"{months:g} months they show {events_by} event"
                    f"{'s' if events_by != 1 else ''} ({den - events_by}/{den} event-free, "
                    f"counting all patients) and {len(censored)} patient"
                    f"{'s' if len(censored) != 1 else ''} censored earlier ({who}). "
                    "Kaplan-Meier uses each patient for as long as they were followed.")
        rows.append((endpoint.upper(), months, printed, f"{num}/{den}", float(at["survival"]),
                     float(at["ci_lower"]), float(at["ci_upper"]), int(at["n_risk"]), events_by,
                     len(censored), ", ".join(censored), note))
    return pd.DataFrame(rows, columns=["endpoint", "months", "printed", "printed_fraction",
                                       "km_survival", "ci_lower", "ci_upper", "n_risk",
                                       "events_by", "censored_before", "censored_patients",
                                       "note"])

"""The synthetic user-endpoint cohort several core tests share: the study's 19 patients with
their relapse, death without relapse and last contact as month columns on the maintenance
clock (relapse_m, death_m, last_m) and an entry column (start_m), so that a user's own
endpoint can be defined from them and compared with the built-in one it equals.

A user cumulative incidence of relapse with death competing (:data:`CIR`) built from these
columns is the built-in CIR with the "end_of_rfs" death rule.
"""

from __future__ import annotations

import pandas as pd

from core.cohort.read import load_seed_cohort
from core.survival.endpoint import EndpointRecipe, user_endpoint

SEED = load_seed_cohort()
RELAPSED = SEED["rfs_event"] == 1
"""The patients who relapsed."""

CIR = user_endpoint("Relapse, death competing", "RDC", EndpointRecipe(
    None, ("relapse_m",), "last_m", competing=("death_m",), unit="months"))
"""Relapse with death without relapse competing: the built-in CIR (death rule end_of_rfs)."""


def user_endpoint_cohort(entry_months: float = 0.0) -> pd.DataFrame:
    """The seed cohort with ``relapse_m``, ``death_m``, ``last_m`` (months from maintenance
    start; empty where the event did not happen) and ``start_m`` = ``entry_months`` for
    every patient (an entry time for delayed-entry endpoints)."""
    return SEED.assign(relapse_m=SEED["rfs_months"].where(RELAPSED),
                       death_m=SEED["rfs_months"].where(~RELAPSED & (SEED["os_event"] == 1)),
                       last_m=SEED["rfs_months"], start_m=entry_months)

"""Temporary stub: replaced by the validated loader in the next commit."""
from pathlib import Path

import pandas as pd

SEED_PATH = Path(__file__).resolve().parents[1] / "data" / "seed_cohort.csv"


def load_seed_cohort() -> pd.DataFrame:
    return pd.read_csv(SEED_PATH)

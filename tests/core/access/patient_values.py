"""Which values of the embedded cohort an audit log holds (it must hold none).

Shared by the AppTest of every page and role (tests/pages/test_access.py) and the browser's
signed-in session (tests/e2e/test_sign_in.py).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from core.cohort.read import load_seed_cohort

ROOT = Path(__file__).resolve().parents[3]
OPAQUE = {"recorded", "hash", "prev", "id", "session", "query", "content_sha256", "seq",
          "n_rows", "n_columns", "bytes", "n_set_aside", "problems"}
"""Fields that are timestamps, digests, ids or counts (never copied from a patient's row)."""


@cache
def cohort_values() -> frozenset[str]:
    """Every value of the embedded cohort as text (numbers also as written in the CSV)."""
    seed = load_seed_cohort()
    values = set()
    for column in seed.columns:
        for value in seed[column].dropna().unique():
            values.add(str(value))
            if isinstance(value, float) and value.is_integer():
                values.add(str(int(value)))
    for text in (ROOT / "data" / "seed_cohort.csv").read_text().splitlines()[1:]:
        values.update(cell.strip('"') for cell in text.split(","))
    return frozenset(v for v in values if v)


def leaves(node, key=None):
    """(field name, value) of every leaf of an event outside :data:`OPAQUE`."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaves(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from leaves(v, key)
    elif key not in OPAQUE and node is not None:
        yield key, node


def patient_values_in(events: list[dict]) -> set[tuple[str, str, str]]:
    """(field, text, cohort value) for every string of ``events``, or word of it, that is a
    value of the embedded cohort; empty when the log holds none."""
    values = cohort_values()
    found = set()
    for event in events:
        for key, leaf in leaves(event):
            text = str(leaf)
            words = set(re.split(r"[^0-9A-Za-z.+\-]+", text)) | {text}
            found |= {(key, text, w) for w in words & values}
    return found

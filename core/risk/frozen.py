"""A fitted risk model frozen as a small JSON file, and read back for external validation.

The file holds everything a prediction needs and nothing about the patients: the kind, the
endpoint and horizon, how each covariate is coded (numeric, or its levels with the reference
first), and per component the coefficients, the centre of the covariates and the baseline
hazard jumps up to the last event time. Numbers are written with Python's shortest exact
representation, so a model read back predicts bit for bit what it predicted when frozen. A
``development`` block records the cohort it was fitted on (patients, events, the apparent
and optimism-corrected figures when known) for the reader's information only.

Format (``"format": "relapse-risk-explorer/risk-model"``, ``"version": 1``)::

    {"format": ..., "version": 1, "kind": "cox" | "fine_gray" | "cause_specific",
     "endpoint": "cir" | "rfs" | "os" | ..., "time": column, "status": column,
     "cause": 1, "horizon": months,
     "covariates": [{"column": "age", "levels": []},
                    {"column": "eln2022_risk", "levels": ["favorable", "adverse"]}],
     "hazards": [{"name": ..., "coef": [...], "center": [...], "times": [...],
                  "jumps": [...]}],
     "development": {...}}
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from core.cohort.columns import MAX_LEVELS, too_many_levels
from core.errors import AnalysisError
from core.risk.hazards import Hazard
from core.risk.model import KIND_LABELS, CovariateCoding, ModelSpec, RiskModel

FORMAT = "relapse-risk-explorer/risk-model"
VERSION = 1
MAX_BYTES = 5_000_000


def freeze(model: RiskModel, endpoint: str, development: dict | None = None) -> str:
    """The model as JSON text.

    Parameters
    ----------
    model : RiskModel
    endpoint : str
        Endpoint key (``core.risk.endpoints``), so the reader prepares the same endpoint.
    development : dict, optional
        Plain numbers and text about the development cohort (shown, never used).
    """
    spec = model.spec
    document = {
        "format": FORMAT, "version": VERSION, "kind": spec.kind, "endpoint": endpoint,
        "time": spec.time, "status": spec.status, "cause": spec.cause,
        "horizon": spec.horizon,
        "covariates": [{"column": c.column, "levels": list(c.levels)} for c in model.codings],
        "hazards": [{"name": h.name, "coef": h.coef.tolist(), "center": h.center.tolist(),
                     "times": h.times.tolist(), "jumps": h.jumps.tolist()}
                    for h in model.hazards],
        "development": {"n": model.n, "events": model.events, "competing": model.competing,
                        **(development or {})},
    }
    return json.dumps(document, indent=1, allow_nan=False, default=_plain)


def thaw(text: str | bytes) -> tuple[RiskModel, str, dict]:
    """Read a frozen model.

    Returns
    -------
    (RiskModel, str, dict)
        The model (its ``table`` holds the coefficients and hazard ratios only), the endpoint
        key and the development block.

    Raises
    ------
    core.errors.AnalysisError
        Not a frozen model of this app, another version, or a field missing or malformed
        (named).
    """
    if len(text) > MAX_BYTES:
        raise AnalysisError(f"The model file is {len(text):,} bytes; a frozen model is far "
                            f"smaller (at most {MAX_BYTES:,}). Fix: choose the JSON file "
                            "written by 'Freeze this model'.")
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise AnalysisError(f"The model file is not valid JSON ({error}). Fix: choose the "
                            "file written by 'Freeze this model'.") from error
    except RecursionError:
        raise AnalysisError("The model file is not valid JSON (nested too deeply). Fix: choose "
                            "the file written by 'Freeze this model'.") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise AnalysisError(f"This JSON file is not a frozen risk model (its \"format\" is not "
                            f"{FORMAT!r}). Fix: choose the file written by 'Freeze this model'.")
    if doc.get("version") != VERSION:
        raise AnalysisError(f"The model file has version {doc.get('version')!r}; this app reads "
                            f"version {VERSION}.")
    kind = _field(doc, "kind", str)
    if kind not in KIND_LABELS:
        raise AnalysisError(f"The model file's \"kind\" is {kind!r}; expected one of "
                            f"{sorted(KIND_LABELS)}.")
    codings = tuple(CovariateCoding(_field(c, "column", str),
                           tuple(str(v) for v in _field(c, "levels", list)))
                    for c in _field(doc, "covariates", list))
    for coding in codings:  # the one group cap, before any level becomes a design column
        if len(coding.levels) > MAX_LEVELS:
            raise too_many_levels(coding.column, len(coding.levels))
    p = sum(len(c.terms) for c in codings)
    hazards = tuple(_hazard(h, p) for h in _field(doc, "hazards", list))
    if not hazards or (kind != "cause_specific" and len(hazards) != 1):
        raise AnalysisError(f"The model file has {len(hazards)} hazard(s); a {kind} model has "
                            f"{'one per cause' if kind == 'cause_specific' else 'one'}.")
    horizon = _number(doc, "horizon")
    cause = _field(doc, "cause", int)
    spec = ModelSpec(kind, _field(doc, "time", str), _field(doc, "status", str),
                     tuple(c.column for c in codings), horizon, cause)
    terms = [t for c in codings for t in c.terms]
    coef = hazards[0].coef
    table = pd.DataFrame({"component": hazards[0].name, "term": terms, "coef": coef,
                          "se": math.nan, "hr": np.exp(coef), "hr_lower": math.nan,
                          "hr_upper": math.nan, "p_value": math.nan})
    development = doc.get("development") if isinstance(doc.get("development"), dict) else {}
    model = RiskModel(spec=spec, codings=codings, hazards=hazards, table=table,
                      n=int(development.get("n", 0)), events=int(development.get("events", 0)),
                      competing=int(development.get("competing", 0)), exclusions=(),
                      warnings=())
    return model, _field(doc, "endpoint", str), development


def _hazard(entry: Any, p: int) -> Hazard:
    if not isinstance(entry, dict):
        raise AnalysisError("Each entry of \"hazards\" must be an object.")
    arrays = {}
    for key in ("coef", "center", "times", "jumps"):
        values = _field(entry, key, list)
        array = np.asarray(values, dtype=float) if all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values) else None
        if array is None or not np.isfinite(array).all():
            raise AnalysisError(f"The hazard's \"{key}\" must be a list of numbers.")
        arrays[key] = array
    if arrays["coef"].size != p or arrays["center"].size != p:
        raise AnalysisError(f"The hazard has {arrays['coef'].size} coefficients for {p} "
                            "covariate terms.")
    if arrays["times"].size != arrays["jumps"].size or (np.diff(arrays["times"]) <= 0).any() \
            or (arrays["jumps"] < 0).any():
        raise AnalysisError("The hazard's \"times\" must increase and match \"jumps\" (>= 0) "
                            "one to one.")
    return Hazard(str(entry.get("name", "hazard")), arrays["coef"], arrays["center"],
                  arrays["times"], arrays["jumps"])


def _field(doc: dict, key: str, kind: type) -> Any:
    value = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise AnalysisError(f"The model file's \"{key}\" is missing or not a "
                            f"{kind.__name__}.")
    return value


def _number(doc: dict, key: str) -> float:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value) or value <= 0:
        raise AnalysisError(f"The model file's \"{key}\" must be a number > 0.")
    return float(value)


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers (json cannot write them)."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"Not JSON-serialisable: {type(value).__name__}")

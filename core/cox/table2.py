""""Table 2": univariable and multivariable Cox hazard ratios side by side, with the patients
and events per level, Wald p per level and the likelihood-ratio p per covariate.

Design: as gtsummary's ``tbl_uvregression`` + ``tbl_regression`` + ``tbl_merge`` with
``add_nevent(location = "level")``. Every model is :func:`core.cox.fit.fit_cox` (the one Cox
engine; ties, reference levels, scales and strata as the Cox page chose them):

- univariable: one model per covariate, on the rows complete in that covariate (R fits each
  ``coxph`` on its own complete cases); its likelihood-ratio test is the model's.
- multivariable: one model of every covariate on the rows complete in all of them; the
  likelihood-ratio test of a covariate is ``2 * (loglik(full) - loglik(without it))`` with as
  many degrees of freedom as the covariate has terms, both models on the multivariable rows:
  R ``drop1(fit, test = "Chisq")`` (a covariate's terms are tested together, so a 3-level
  factor gets one p).
- N and events per level: the model's patients with that level and their events (a numeric
  covariate: all of them).

A hazard ratio that the data cannot give is never printed as a number: a level without an
event, a reference level without an event (every other level of that covariate), a term R
reports as NA, and a coefficient running off in a fit that did not converge are "not
estimable" (NaN in :attr:`Table2.table`). Their covariate's likelihood-ratio p stays: the
likelihood converges even where a coefficient does not.

Compute here (:func:`fit_table2`), format in :meth:`Table2.display` (the page, CSV, XLSX, Word
and the deck read that one table).

References
----------
Sjoberg DD et al. Reproducible summary tables with the gtsummary package. The R Journal
2021;13:570-580. Therneau TM. survival: ``coxph``, ``drop1.coxph`` (via ``drop1.default``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from core.cox.display import term_labels
from core.cox.fit import DIVERGENT_COEF, CoxResult, fit_cox
from core.cox.rows import complete_rows
from core.errors import AnalysisError
from core.style.numbers import NOT_ESTIMABLE, format_p, ratio_cells
from core.style.numbers import REFERENCE_CELL as REFERENCE

__all__ = ["NOT_ESTIMABLE", "REFERENCE", "Table2", "fit_table2"]
SIDES = ("uni", "multi")
TABLE_COLUMNS = ["covariate", "level", "term", "n", "events",
                 *(f"{side}_{c}" for side in SIDES
                   for c in ("hr", "hr_lower", "hr_upper", "p_value", "lr_statistic", "lr_df",
                             "lr_p_value", "n", "events"))]


@dataclass(frozen=True, eq=False)
class Table2:
    """Univariable and multivariable hazard ratios of the same covariates.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per level of a categorical covariate (reference first, ``term`` None) and
        one per numeric covariate; columns :data:`TABLE_COLUMNS`: ``n``, ``events`` (the
        univariable model's patients and events with the level), then per side (``uni_``,
        ``multi_``) ``hr, hr_lower, hr_upper, p_value`` (Wald; NaN where not estimable, 1 and
        NaN for a reference level), ``lr_statistic, lr_df, lr_p_value`` (the covariate's
        likelihood-ratio test, the same on each of its rows) and ``n, events``.
    univariable : tuple of CoxResult
        One fit per covariate.
    multivariable : CoxResult
    labels : dict of str to str
        Readable name of each covariate column.
    notes : tuple of str
        Why a hazard ratio is not estimable; who the multivariable model leaves out.
    method : str
        The models and tests, for captions.
    """

    table: pd.DataFrame
    univariable: tuple[CoxResult, ...]
    multivariable: CoxResult
    labels: dict
    notes: tuple[str, ...]
    method: str

    def display(self, small_cells: bool = False) -> pd.DataFrame:
        """The table as printed: a row per covariate (its label and likelihood-ratio p's)
        followed by its levels (indented), columns ``Characteristic, N, Events`` and per
        model ``HR (95% CI)``, ``p`` and ``LR p``, prefixed "Univariable " / "Multivariable ".
        ``small_cells``: counts of 1 to 4 as "<5"."""
        rows = []
        for covariate, part in self.table.groupby("covariate", sort=False):
            first = part.iloc[0]
            lr = {f"{name} LR p": format_p(first[f"{side}_lr_p_value"])
                  for side, name in zip(SIDES, ("Univariable", "Multivariable"), strict=True)}
            if not pd.isna(first["term"]) and len(part) == 1:  # numeric: one row, "per 10 years"
                label = f"{self.labels.get(covariate, covariate)}, {first['level']}"
                rows.append(_row(label, first, small_cells) | lr)
                continue
            rows.append({"Characteristic": self.labels.get(covariate, covariate), "N": "",
                         "Events": ""} | {c: "" for c in _HR_COLUMNS} | lr)
            for _, level in part.iterrows():
                rows.append(_row(f"    {level['level']}", level, small_cells)
                            | {f"{name} LR p": "" for name in ("Univariable", "Multivariable")})
        return pd.DataFrame(rows)[DISPLAY_COLUMNS]


_HR_COLUMNS = [f"{name} {c}" for name in ("Univariable", "Multivariable")
               for c in ("HR (95% CI)", "p")]
DISPLAY_COLUMNS = ["Characteristic", "N", "Events",
                   *(f"{name} {c}" for name in ("Univariable", "Multivariable")
                     for c in ("HR (95% CI)", "p", "LR p"))]


def _count(value: int, small_cells: bool) -> str:
    return "<5" if small_cells and 0 < value < 5 else f"{value:,}"


def _row(label: str, level: pd.Series, small_cells: bool) -> dict:
    out = {"Characteristic": label, "N": _count(int(level["n"]), small_cells),
           "Events": _count(int(level["events"]), small_cells)}
    for side, name in zip(SIDES, ("Univariable", "Multivariable"), strict=True):
        hr, p = ratio_cells(level[f"{side}_hr"], level[f"{side}_hr_lower"],
                            level[f"{side}_hr_upper"], level[f"{side}_p_value"],
                            reference=pd.isna(level["term"]))
        out |= {f"{name} HR (95% CI)": hr, f"{name} p": p}
    return out


def fit_table2(df: pd.DataFrame, time: str, event: str, covariates: Sequence[str], *,
               ties: str = "efron", conf_level: float = 0.95,
               reference: Mapping[str, str] | None = None,
               scale: Mapping[str, float] | None = None,
               strata: str | None = None, labels: Mapping[str, str] | None = None,
               entry: str | None = None,
               fit_model: Callable[[pd.DataFrame, tuple[str, ...]], CoxResult] | None = None
               ) -> Table2:
    """Univariable and multivariable Cox models of ``covariates``, side by side.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    time, event : str
        Follow-up time (months) and event indicator (1 = event).
    covariates : sequence of str
        At least one column; categorical columns are dummy-coded against ``reference``,
        numeric ones enter per ``scale`` units (as :func:`core.cox.fit.fit_cox`).
    ties, conf_level, reference, scale, strata
        As :func:`core.cox.fit.fit_cox`, for every model (``strata``: one baseline hazard
        per level, R ``+ strata(s)``).
    labels : mapping of str to str, optional
        Readable names of the covariates and the strata column (default: the column names).
    entry : str, optional
        Entry-time column (delayed entry, R ``Surv(entry, time, event)``), for every model.
    fit_model : callable, optional
        ``fit_model(df, columns)`` returns the ordinary model of ``columns`` on ``df`` with
        the options above (a page passes its cached fits, so the multivariable model it
        already shows is not fitted again); default :func:`core.cox.fit.fit_cox`.

    Returns
    -------
    Table2
        Each distinct model is fitted once: a model "without" a covariate that is another's
        univariable model (two covariates) on the same rows (none left out for a missing
        value) is that model.

    Raises
    ------
    AnalysisError
        When a model cannot be fitted (:func:`core.cox.fit.fit_cox`'s reasons), naming the
        model.
    """
    covariates = list(dict.fromkeys([covariates] if isinstance(covariates, str)
                                    else covariates))
    if not covariates:
        raise AnalysisError("Table 2 needs at least one covariate. Fix: choose covariates.")
    reference, scale = dict(reference or {}), dict(scale or {})

    def fit_cox_of(frame, columns):
        return fit_cox(frame, time, event, list(columns), ties=ties, conf_level=conf_level,
                       reference={c: v for c, v in reference.items() if c in columns},
                       scale={c: v for c, v in scale.items() if c in columns}, strata=strata,
                       entry=entry)

    fitted: dict[tuple[str, ...], CoxResult] = {}  # models of df, by their columns

    def fit(frame, columns):
        if frame is not df:
            return fit_cox_of(frame, tuple(columns))
        if tuple(columns) not in fitted:
            fitted[tuple(columns)] = (fit_model or fit_cox_of)(df, tuple(columns))
        return fitted[tuple(columns)]

    names = {c: (labels or {}).get(c, c) for c in covariates}
    univariable = tuple(_fit_named(fit, df, [c], f"univariable model of {names[c]}")
                        for c in covariates)
    multivariable = _fit_named(fit, df, covariates, "multivariable model")
    rows, _, _ = complete_rows(df, time, event, covariates, strata=strata,
                               entry=entry)  # its own rows
    rows = df if len(rows) == len(df) else rows  # none left out: the models of df are its
    dropped = {}
    for c in covariates:
        if len(covariates) == 1:
            dropped[c] = (multivariable.lr_statistic, multivariable.lr_df)
            continue
        reduced = _fit_named(fit, rows, [x for x in covariates if x != c],
                             f"multivariable model without {names[c]}")
        df_c = len(next(e for e in multivariable.encodings if e.column == c).terms)
        dropped[c] = (2 * (multivariable.loglik - reduced.loglik), df_c)
    notes: list[str] = []
    table = pd.concat([_covariate_rows(c, uni, multivariable, dropped[c], notes, names[c])
                       for c, uni in zip(covariates, univariable, strict=True)],
                      ignore_index=True)
    left_out = max(u.n for u in univariable) - multivariable.n
    if left_out > 0:
        notes.append(f"The multivariable model uses the {multivariable.n:,} patients with every "
                     f"covariate recorded ({left_out:,} fewer than the largest univariable "
                     "model); each univariable model uses the patients with its own covariate "
                     "recorded.")
    stratum = (f", stratified by {(labels or {}).get(strata, strata)} (one baseline hazard "
               "per level)") if strata else ""
    if entry:
        stratum += ", delayed entry: each patient at risk only after entry"
    method = (f"Cox proportional-hazards models ({univariable[0].ties.capitalize()} ties"
              f"{stratum}), one per covariate (univariable) and one of all covariates "
              f"(multivariable, {multivariable.n:,} patients, {multivariable.events:,} events). "
              f"HR with {conf_level:.0%} Wald interval and Wald p per level; LR p: "
              "likelihood-ratio test of the covariate (all its levels together): the model "
              "against the null (univariable), or against the multivariable model without it "
              "(R drop1). N and events: patients with the level in the univariable model.")
    return Table2(table[TABLE_COLUMNS], univariable, multivariable,
                  {c: names[c] for c in covariates}, tuple(dict.fromkeys(notes)), method)


def _fit_named(fit, frame, columns, name: str) -> CoxResult:
    try:
        return fit(frame, columns)
    except AnalysisError as error:
        raise AnalysisError(f"Table 2, {name}: {error}") from error


def _covariate_rows(column: str, uni: CoxResult, multi: CoxResult, dropped: tuple,
                    notes: list[str], name: str) -> pd.DataFrame:
    """The rows of one covariate: its levels (or its one numeric row) with both models."""
    enc = next(e for e in uni.encodings if e.column == column)
    multi_enc = next(e for e in multi.encodings if e.column == column)
    lr = {"uni": (uni.lr_statistic, uni.lr_df), "multi": dropped}
    if enc.kind == "numeric":
        levels, terms = [term_labels(uni)[enc.terms[0]].split(", ", 1)[-1]], [enc.terms[0]]
    else:
        levels, terms = list(enc.levels), [None, *enc.terms]
    out = pd.DataFrame({"covariate": column, "level": levels, "term": terms})
    for side, fit, encoding in (("uni", uni, enc), ("multi", multi, multi_enc)):
        counts = _level_counts(fit, encoding)
        estimates = _estimates(fit, encoding, notes, name)
        out[f"{side}_n"] = [counts[t][0] for t in terms]
        out[f"{side}_events"] = [counts[t][1] for t in terms]
        for k, key in enumerate(("hr", "hr_lower", "hr_upper", "p_value")):
            out[f"{side}_{key}"] = [estimates[t][k] for t in terms]
        statistic, dof = lr[side]
        out[f"{side}_lr_statistic"] = float(statistic)
        out[f"{side}_lr_df"] = int(dof)
        out[f"{side}_lr_p_value"] = float(stats.chi2.sf(statistic, dof)) \
            if math.isfinite(statistic) else math.nan
    out["n"], out["events"] = out["uni_n"], out["uni_events"]
    return out


def _level_counts(fit: CoxResult, enc) -> dict:
    """Patients and events per term of ``enc`` in ``fit`` (None: the reference level)."""
    counts = {t: (int(fit.table.at[t, "n"]), int(fit.table.at[t, "events"])) for t in enc.terms}
    if enc.kind == "categorical":
        counts[None] = (fit.n - sum(n for n, _ in counts.values()),
                        fit.events - sum(e for _, e in counts.values()))
    return counts


def _estimates(fit: CoxResult, enc, notes: list[str], name: str) -> dict:
    """(hr, lower, upper, p) per term; NaN where the data cannot give it (notes say why)."""
    model = "univariable" if len(fit.covariates) == 1 else "multivariable"
    counts = _level_counts(fit, enc)
    out = {None: (1.0, math.nan, math.nan, math.nan)}
    for term, level in zip(enc.terms, enc.levels[1:] or enc.terms, strict=True):
        row = fit.table.loc[term]
        reason = ""
        if enc.kind == "categorical" and counts[None][1] == 0:
            reason = (f"{name}: the reference level {enc.reference} has no event, so no "
                      f"hazard ratio against it can be estimated ({model} model). Fix: choose "
                      "a reference level with events.")
        elif enc.kind == "categorical" and counts[term][1] == 0:
            reason = (f"{name}: {level} has no event, so its hazard ratio runs off to 0 and is "
                      f"not estimable ({model} model); the likelihood-ratio p still tests the "
                      "covariate.")
        elif np.isnan(row["hr"]):
            reason = (f"{name}: {level} carries no information of its own ({model} model, R "
                      "reports NA).")
        elif not fit.converged and abs(row["coef"]) > DIVERGENT_COEF:
            reason = (f"{name}: the {model} fit did not converge and the estimate of {level} "
                      "runs off (separation).")
        if reason:
            notes.append(reason)
            out[term] = (math.nan,) * 4
        else:
            out[term] = (float(row["hr"]), float(row["hr_lower"]), float(row["hr_upper"]),
                         float(row["p_value"]))
    return out

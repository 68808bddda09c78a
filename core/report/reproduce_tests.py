"""What the "Reproduce this" scripts recompute beyond the curves and the Cox model: the
Survival page's weighted, stratified and pairwise log-rank tests, Table 1's p-values by group
and the Competing risks page's Fine-Gray hazard ratios, as spec and as the app's numbers.

Design: :func:`tests_spec` writes down what the pages ran for
:class:`~core.report.sections.ReportChoices` (the same choices the deck shows:
``rho``, ``logrank_strata``, ``pairwise_adjust``, ``baseline_by``, ``competing_by`` with its
death rule and reference); :func:`tests_numbers` takes the unrounded numbers from the same
core calls (:func:`core.survival.logrank`, :func:`core.survival.pairwise_logrank`,
:func:`core.cohort.baseline.compare_groups`,
:func:`core.survival.competing.annotation.competing_effects`). The scripts' code is in
:mod:`core.report.reproduce_tests_scripts`. A block is None when the page shows nothing for it.

Conventions: R ``survdiff(rho =)``, ``survdiff(... + strata(s))``, ``survdiff`` on each pair's
rows with ``p.adjust`` (survminer ``pairwise_survdiff``); with delayed entry the stratified and
pairwise tests are Breslow Cox score tests (``summary(coxph(Surv(entry, time, event) ~ ...,
ties = "breslow"))$sctest``) and there is no weighted test; ``fisher.test``, ``wilcox.test``,
``kruskal.test`` defaults, ``cmprsk::crr`` (robust standard errors, Wald intervals). A Fisher
p the app estimated by Monte Carlo (a very large table) is left out (no exact value to match).
"""

from __future__ import annotations

import pandas as pd

from core.errors import AnalysisError
from core.report.sections import ReportChoices

CR_STATUS = "cr_status"
"""Column of the zip's rows with the competing-risk cause code (0 censored, 1 relapse, 2 death
without relapse) under the Competing risks page's death rule."""


def tests_spec(cohort: pd.DataFrame, choices: ReportChoices, groups: list[str]) -> dict:
    """``reference, weighted, stratified, pairwise, table1, fine_gray`` for the scripts.

    ``weighted`` is ``{rho}``, ``stratified`` ``{strata}``, ``pairwise`` ``{adjust}`` (three
    groups or more), ``table1`` ``{by, columns: [{column, numeric}]}``, ``fine_gray``
    ``{time, status, by, order}`` (reference first); each None when not shown.
    """
    from core.cohort.baseline import is_numeric_column
    from core.cohort.baseline_groups import TESTED
    from core.survival.competing.input import TIME

    reference = choices.reference if choices.reference in groups else (
        groups[0] if groups else None)
    tested = choices.by and len(groups) >= 2
    entry = bool(choices.find(choices.endpoint).entry)  # no weighted test with entry
    strata = choices.logrank_strata if choices.logrank_strata not in (None, choices.by) \
        and choices.logrank_strata in cohort.columns else None
    table1 = None
    if choices.baseline_by in cohort.columns:  # the characteristics with an exact p
        columns = [c for c in TESTED if c in cohort.columns and c != choices.baseline_by]
        kept = _table1_numbers(cohort, choices.baseline_by, columns)
        table1 = {"by": choices.baseline_by, "columns": [
            {"column": r["column"], "numeric": bool(is_numeric_column(cohort[r["column"]]))}
            for r in kept]} if kept else None
    effects = _fine_gray(cohort, choices)
    return {"reference": reference,
            "weighted": {"rho": choices.rho} if tested and choices.rho is not None
            and not entry else None,
            "stratified": {"strata": strata} if tested and strata else None,
            "pairwise": {"adjust": choices.pairwise_adjust} if tested and len(groups) > 2
            else None,
            "table1": table1,
            "fine_gray": None if effects is None else {
                "time": TIME, "status": CR_STATUS, "by": choices.competing_by,
                "order": [effects.reference, *(g for g in effects.table["group"]
                                               if g != effects.reference)]}}


def competing_rows(cohort: pd.DataFrame, choices: ReportChoices) -> pd.DataFrame:
    """``cohort`` with :data:`CR_STATUS` when the competing section has groups (the rows the
    zip carries), else unchanged."""
    from core.survival.competing.input import STATUS, prepared

    if choices.competing_by is None:
        return cohort
    try:
        frame, _ = prepared(cohort, choices.competing_rule)
    except AnalysisError:
        return cohort
    return cohort.assign(**{CR_STATUS: frame[STATUS].to_numpy()})


def tests_numbers(cohort: pd.DataFrame, choices: ReportChoices, spec: dict) -> dict:
    """The app's unrounded numbers for the blocks of ``spec`` (:func:`tests_spec`):
    ``weighted`` and ``stratified`` (statistic, dof, p_value), ``pairwise`` (group1, group2,
    statistic, p_value, p_adjusted rows), ``table1`` (column, test, p_value rows; Monte Carlo
    Fisher rows left out), ``fine_gray`` (``estimable`` and group, hr, hr_lower, hr_upper,
    p_value rows of the groups against the reference)."""
    from core.survival import logrank, pairwise_logrank

    out = dict.fromkeys(("weighted", "stratified", "pairwise", "table1", "fine_gray"))
    if spec["weighted"] or spec["stratified"] or spec["pairwise"]:
        r = choices.resolve(cohort, choices.endpoint)
        args = (r.frame, r.time, r.event, choices.by)
        for block, kwargs in (("weighted", {"rho": (spec["weighted"] or {}).get("rho")}),
                              ("stratified", {"strata": (spec["stratified"] or {}).get(
                                  "strata"), "entry": r.entry})):
            if spec[block]:
                out[block] = _test_numbers(lambda kw=kwargs: logrank(*args, **kw))
        if spec["pairwise"]:
            pairs = pairwise_logrank(*args, p_adjust=spec["pairwise"]["adjust"],
                                     entry=r.entry)
            out["pairwise"] = [{k: (v if isinstance(v, str) else float(v)) for k, v in row.items()}
                               for row in pairs.table.to_dict(orient="records")]
    if spec["table1"]:
        out["table1"] = _table1_numbers(cohort, spec["table1"]["by"],
                                        [c["column"] for c in spec["table1"]["columns"]])
    if spec["fine_gray"]:
        effects = _fine_gray(cohort, choices)
        rows = effects.table[effects.table["group"] != effects.reference]
        out["fine_gray"] = {
            "estimable": bool(rows[["hr", "hr_lower", "hr_upper", "p_value"]].notna()
                              .all(axis=None)),
            "terms": [{"group": r.group, "hr": float(r.hr), "hr_lower": float(r.hr_lower),
                       "hr_upper": float(r.hr_upper), "p_value": float(r.p_value)}
                      for r in rows.itertuples()]}
    return out


def _test_numbers(run) -> dict | None:
    try:
        result = run()
    except AnalysisError:
        return None
    return {"statistic": float(result.statistic), "dof": int(result.dof),
            "p_value": float(result.p_value)}


def _table1_numbers(cohort: pd.DataFrame, by: str, columns: list[str]) -> list[dict]:
    """Table 1's tests of ``columns`` by ``by`` with an exact p (the page's
    :func:`compare_groups`; no p or a Monte Carlo p: left out)."""
    from core.cohort.baseline import compare_groups

    try:
        tests = compare_groups(cohort, by, columns)
    except AnalysisError:
        return []
    kept = tests[(tests["note"] == "") & ~tests["test"].str.contains("Monte Carlo")]
    return [{"column": c, "test": row["test"], "p_value": float(row["p_value"])}
            for c, row in kept.iterrows()]


def _fine_gray(cohort: pd.DataFrame, choices: ReportChoices):
    """The competing section's Fine-Gray effects of relapse (its reference, else the first
    group), or None when the page shows none."""
    from core.survival.competing.annotation import competing_effects

    if choices.competing_by is None or choices.competing_by not in cohort.columns:
        return None
    try:
        effects = competing_effects(cohort, choices.competing_by, 1, choices.competing_rule)
        if choices.competing_reference in list(effects.table["group"]):
            effects = competing_effects(cohort, choices.competing_by, 1,
                                        choices.competing_rule, choices.competing_reference)
    except AnalysisError:
        return None
    return effects

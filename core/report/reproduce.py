""""Reproduce this": a zip with the filtered rows, standalone R and Python scripts that
recompute the page's numbers, and the numbers the app showed.

Design: :func:`analysis_spec` writes down the analysis the pages ran for the user's
:class:`~core.report.sections.ReportChoices` (endpoint columns, grouping with its levels in the
app's order, landmark months, confidence level, the Cox model's terms with their encoding);
:func:`app_numbers` takes the unrounded numbers behind what the pages show from the same core
calls the pages use (:func:`core.survival.km.summary.survival_report`,
:func:`core.cox.fit.fit_cox`); :func:`reproduce_zip` packs the rows (CSV), the two scripts
(templates in :mod:`core.report.reproduce_python` and :mod:`core.report.reproduce_r` with the
spec filled in), ``app_numbers.json`` and a README. Each script recomputes the numbers
independently of this app and compares them with ``app_numbers.json`` (1e-6).

Conventions: numbers are those of R survival (``survfit`` log-log intervals, ``summary(fit,
times)``, ``print.survfit`` medians, restricted means as ``print(fit, rmean = horizon)``,
``survdiff`` and the trend test from its observed - expected and variance, ``coxph(ties =
"efron"`` or ``"breslow"``), Wald intervals); with the endpoint's delayed entry,
``Surv(entry, time, event)`` in every fit and the log-rank test as the Breslow Cox score
test (``sctest``); intervals R reports as NA, medians not reached and infinite bounds are
JSON null. The Cox block is the ordinary Cox fit with the Cox page's ties, reference
levels and age unit; when the page shows Firth's penalized fit instead, its numbers are kept
under ``cox_shown`` (Firth needs R's coxphf or the firthmodels package, not part of the
scripts) and the README and the deck's methods slide say that the zip does not recompute them.

References
----------
Therneau TM. survival (R package): survfit, summary.survfit, print.survfit, survdiff, coxph.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from core.access.deidentify import IDENTIFIED, Privacy
from core.cohort.exports import table_to_csv
from core.errors import AnalysisError
from core.report.reproduce_python import SCRIPT as PYTHON_SCRIPT
from core.report.reproduce_r import SCRIPT as R_SCRIPT
from core.report.reproduce_tests import competing_rows
from core.report.sections import ReportChoices, cox_columns
from core.survival.endpoint import ResolvedEndpoint
from core.survival.endpoint.definition import ENTRY, EVENT, STATUS, TIME

CONF_LEVEL = 0.95

FIRTH_NOT_REPRODUCED = (
    "The \"Reproduce this\" zip does not recompute the Firth-penalized Cox estimates (their "
    "hazard ratios, profile-likelihood intervals and penalized likelihood-ratio p-values); "
    "it recomputes the ordinary Cox model, with the same ties and reference levels, where "
    "that model is estimable.")
"""What the zip leaves out when the Cox section shows Firth's fit (methods slide, README)."""


def endpoint_rows(cohort: pd.DataFrame, choices: ReportChoices
                  ) -> tuple[pd.DataFrame, dict[str, ResolvedEndpoint]]:
    """The rows with the columns of the survival and Cox endpoints (the one resolver's,
    entry included), and each endpoint resolved on them by key.

    A derived column (:data:`core.survival.endpoint.definition.TIME`, ...) is renamed for its
    endpoint (``efs_months``, ``u_grfs_event``, ``os_entry_entry_months``), so that two derived
    endpoints can sit side by side in ``cohort_filtered.csv``.
    """
    frame, resolved = cohort, {}
    for key in dict.fromkeys((choices.endpoint, choices.cox_endpoint)):
        r = choices.resolve(frame, key)
        stem = key.replace(".", "_")
        names = {TIME: f"{stem}_months", EVENT: f"{stem}_event", STATUS: f"{stem}_status",
                 ENTRY: f"{stem}_entry_months"}
        frame = r.frame.rename(columns=names)
        resolved[key] = replace(r, frame=frame, **{
            field: names.get(getattr(r, field), getattr(r, field))
            for field in ("time", "event", "status", "entry")})
    return frame, {k: replace(r, frame=frame) for k, r in resolved.items()}


def _cox_fits(cohort: pd.DataFrame, choices: ReportChoices):
    """(ordinary fit, fit shown on the page) of the chosen Cox model, or (None, None)
    (:func:`reproduce_zip` fits them once for the spec and the numbers)."""
    from core.cox.display import needs_firth
    from core.cox.fit import fit_cox

    covariates, strata = cox_columns(cohort, choices)  # the Cox page's model and stratum
    if not covariates:
        return None, None
    frame, resolved = endpoint_rows(cohort, choices)
    r = resolved[choices.cox_endpoint]
    options = _cox_options(choices, covariates)
    try:
        ordinary = fit_cox(frame, r.time, r.event, covariates, ties=choices.cox_ties,
                           strata=strata, entry=r.entry, **options)
    except AnalysisError:
        return None, None
    shown = ordinary
    if choices.cox_firth == "firth" or (choices.cox_firth == "auto" and needs_firth(ordinary)):
        try:
            shown = fit_cox(frame, r.time, r.event, covariates, firth=True, strata=strata,
                            entry=r.entry, **options)
        except AnalysisError:
            shown = ordinary
    return ordinary, shown


def _cox_options(choices: ReportChoices, covariates: list[str]) -> dict:
    """The Cox page's reference levels and age unit for :func:`core.cox.fit.fit_cox`."""
    from core.cox.view import AGE_PER

    per = AGE_PER[choices.cox_age_scale]
    return {"reference": {c: v for c, v in choices.cox_reference if c in covariates},
            "scale": {"age": per} if "age" in covariates and per != 1.0 else None}


def _survival_report(cohort: pd.DataFrame, choices: ReportChoices):
    """The Survival page's report for ``choices`` (its exact permutation test is the
    costliest step of a zip, so :func:`reproduce_zip` computes it once for both uses)."""
    from core.survival.km.summary import survival_report

    return survival_report(cohort, choices.endpoint, choices.by, choices.landmark_months,
                           choices.horizon, user_endpoints=choices.users)


def analysis_spec(cohort: pd.DataFrame, choices: ReportChoices, report=None,
                  fits=None) -> dict:
    """What the scripts recompute: plain JSON data.

    ``report`` is the Survival page's report for ``choices``
    (:func:`core.survival.km.summary.survival_report`) and ``fits`` the Cox page's
    (ordinary, shown) fits (:func:`_cox_fits`), each computed here when not given.

    Returns
    -------
    dict
        ``time, event, entry, endpoint, by, groups, landmark_months, horizon, conf_level,
        trend, cox`` where ``entry`` is the delayed-entry column or None, ``endpoint`` the
        endpoint's label,
        ``horizon`` is the RMST horizon (months), ``trend`` is None or ``{order, scores}`` (the
        log-rank trend test the Survival page shows across ELN groups) and ``cox`` is None or
        ``{time, event, entry, ties, encodings: [{column, kind, terms, scale, levels}],
        strata}``, ties the Cox page's (``"efron"`` or ``"breslow"``), levels with the Cox
        page's reference first, ``strata`` the stratum column (R ``+ strata(s)``) or None.
    """
    resolved = endpoint_rows(cohort, choices)[1][choices.endpoint]
    report = _survival_report(cohort, choices) if report is None else report
    from core.report.reproduce_tests import tests_spec

    ordinary, _ = _cox_fits(cohort, choices) if fits is None else fits
    cox = None
    if ordinary is not None:
        cox = {"time": ordinary.time, "event": ordinary.event, "entry": ordinary.entry,
               "ties": choices.cox_ties,
               "encodings": [
                   {"column": e.column, "kind": e.kind, "terms": list(e.terms),
                    "scale": float(e.scale), "levels": list(e.levels)}
                   for e in ordinary.encodings], "strata": ordinary.strata}
    return {"time": resolved.time, "event": resolved.event, "entry": resolved.entry,
            "endpoint": resolved.endpoint.label, "by": choices.by,
            "groups": list(report.fit.groups),
            "landmark_months": [float(m) for m in choices.landmark_months],
            "horizon": float(choices.horizon), "conf_level": CONF_LEVEL,
            "trend": None if report.trend is None else {
                "order": list(report.trend.groups),
                "scores": [float(w) for w in report.trend.scores]},
            "cox": cox, **tests_spec(cohort, choices, list(report.fit.groups))}


def app_numbers(cohort: pd.DataFrame, choices: ReportChoices, report=None,
                fits=None) -> dict:
    """The unrounded numbers behind the Survival and Cox pages for ``choices`` (``report``,
    ``fits``: as in :func:`analysis_spec`).

    Returns
    -------
    dict
        ``n`` (patients analysed), ``landmarks`` (group, time, survival, ci_lower, ci_upper,
        n_risk), ``medians`` (group, n, events, median, median_lower, median_upper),
        ``logrank`` (statistic, dof, p_value, or None), ``rmst`` (group, rmst, se, ci_lower,
        ci_upper; months, to the horizon), ``trend`` (statistic, p_value of the log-rank test
        for trend, or None), ``cox`` (n, events, converged, terms:
        term, coef, se, hr, hr_lower, hr_upper, p_value; or None) and ``cox_shown`` (the same
        for the fit the page shows, with its method) and ``table2`` (per covariate the
        likelihood-ratio statistic and df, univariable and multivariable as R drop1; or None)
        and ``contrasts`` (``milestone`` and ``rmst`` rows of each group against the page's
        reference, as :mod:`core.survival.km.contrasts`; or None without groups) and the
        blocks of :func:`core.report.reproduce_tests.tests_numbers`.
    """
    from core.report.reproduce_tests import tests_numbers, tests_spec

    report = _survival_report(cohort, choices) if report is None else report
    spec = tests_spec(cohort, choices, list(report.fit.groups))
    landmarks = report.landmarks[["group", "time", "survival", "ci_lower", "ci_upper",
                                  "n_risk"]]
    medians = report.medians[["group", "n", "events", "median", "median_lower",
                              "median_upper"]]
    lr = report.logrank
    ordinary, shown = _cox_fits(cohort, choices) if fits is None else fits
    numbers = {
        "n": int(sum(report.fit.n.values())),
        "landmarks": _records(landmarks), "medians": _records(medians),
        "logrank": None if lr is None else {"statistic": float(lr.statistic),
                                            "dof": int(lr.dof), "p_value": float(lr.p_value)},
        "rmst": _records(report.rmst.table[["group", "rmst", "se", "ci_lower", "ci_upper"]]),
        "trend": None if report.trend is None else {
            "statistic": float(report.trend.statistic),
            "p_value": float(report.trend.p_value)},
        "cox": _cox_numbers(ordinary), "cox_shown": _cox_numbers(shown),
        "table2": None if ordinary is None else _table2_numbers(cohort, choices),
        "contrasts": _contrast_numbers(cohort, choices, list(report.fit.groups),
                                       spec["reference"]),
        **tests_numbers(cohort, choices, spec),
    }
    return _clean(numbers)


def _contrast_numbers(cohort: pd.DataFrame, choices: ReportChoices, groups: list[str],
                      reference: str | None) -> dict | None:
    """Each group against the page's reference: the milestone difference at the first
    landmark and the RMST contrasts up to the horizon (:mod:`core.survival.km.contrasts`, as
    the Survival page computes them); None without groups."""
    from core.survival.km.contrasts import milestone_difference, rmst_comparison

    if not choices.by or len(groups) < 2:
        return None
    resolved = choices.resolve(cohort, choices.endpoint)
    frame, time, event = resolved.frame, resolved.time, resolved.event
    try:
        milestone = (milestone_difference(frame, time, event, choices.by,
                                          min(choices.landmark_months), reference=reference,
                                          entry=resolved.entry)
                     if choices.landmark_months else None)
        rmst = rmst_comparison(frame, time, event, choices.by, choices.horizon,
                               reference=reference, entry=resolved.entry)
    except AnalysisError:
        return None
    return {"milestone": None if milestone is None else _records(milestone.table),
            "rmst": _records(rmst.table)}


def _table2_numbers(cohort: pd.DataFrame, choices: ReportChoices) -> dict | None:
    """Table 2's likelihood-ratio tests per covariate (:func:`core.cox.table2.fit_table2`,
    the Cox page's model): univariable against the null, multivariable as R drop1."""
    from core.cox.table2 import fit_table2

    covariates, strata = cox_columns(cohort, choices)
    r = choices.resolve(cohort, choices.cox_endpoint)
    try:
        result = fit_table2(r.frame, r.time, r.event, covariates, ties=choices.cox_ties,
                            strata=strata, entry=r.entry, **_cox_options(choices, covariates))
    except AnalysisError:
        return None
    first = result.table.groupby("covariate", sort=False).first()
    return {"covariates": [
        {"covariate": c, "uni_lr_statistic": float(first.at[c, "uni_lr_statistic"]),
         "uni_lr_df": int(first.at[c, "uni_lr_df"]),
         "multi_lr_statistic": float(first.at[c, "multi_lr_statistic"]),
         "multi_lr_df": int(first.at[c, "multi_lr_df"])} for c in covariates]}


def _cox_numbers(fit) -> dict | None:
    if fit is None:
        return None
    table = fit.table.reset_index().rename(columns={"index": "term"})
    table = table.rename(columns={table.columns[0]: "term"})
    return {"n": int(fit.n), "events": int(fit.events), "converged": bool(fit.converged),
            "method": fit.method, "terms": _records(table[["term", "coef", "se", "hr",
                                                             "hr_lower", "hr_upper",
                                                             "p_value"]])}


def _cox_words(cox: dict) -> str:
    """The zip's Cox model in words (README): covariates, ties, reference levels, strata."""
    references = [f"{e['column']} = {e['levels'][0]}" for e in cox["encodings"]
                  if e["kind"] != "numeric"]
    return (", ".join(e["column"] for e in cox["encodings"])
            + f" (ordinary Cox, {cox['ties'].capitalize()} ties, Wald intervals"
            + (f"; reference levels {', '.join(references)}" if references else "")
            + (f"; stratified by {cox['strata']}, one baseline hazard per level"
               if cox["strata"] else "") + ")")


def _records(table: pd.DataFrame) -> list[dict]:
    return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
            for row in table.to_dict(orient="records")]


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NA, not reached, or a diverging hazard ratio (JSON has no infinity)
    return value


def python_script(spec: dict) -> str:
    """The standalone Python script for ``spec`` (see :func:`analysis_spec`)."""
    return PYTHON_SCRIPT.replace("__SPEC__", json.dumps(spec, indent=1))


def r_script(spec: dict) -> str:
    """The standalone R script for ``spec``: its JSON in an R raw string whose delimiter
    (``r"---(...)---"``, with as many dashes as needed) does not occur in the JSON, so a value
    such as ``arm)---`` cannot close it early."""
    text = json.dumps(spec, indent=1)
    dashes = "---"
    while f'){dashes}"' in text:
        dashes += "-"
    return R_SCRIPT.replace('r"---(__SPEC__)---"', f'r"{dashes}(__SPEC__){dashes}"').replace(
        "__SPEC__", text, 1)


def reproduce_zip(cohort: pd.DataFrame, choices: ReportChoices, *, source: str,
                  filters: tuple[str, ...] = (), today: date | None = None,
                  privacy: Privacy = IDENTIFIED) -> bytes:
    """The "Reproduce this" zip.

    Parameters
    ----------
    cohort : pandas.DataFrame
        The filtered patients (at least one).
    choices : ReportChoices
    source : str
        Where the cohort comes from (README).
    filters : tuple of str
        The filters in words (README).
    today : datetime.date, optional
    privacy : core.access.deidentify.Privacy
        ``deidentified``: the rows carry pseudonyms, no dates and no free text (the numbers
        are the same), and the README's first line says so. The zip holds rows, so the
        ``aggregate`` level is refused.

    Returns
    -------
    bytes
        A zip with ``cohort_filtered.csv``, ``reproduce.py``, ``reproduce.R``,
        ``app_numbers.json``, ``README.txt``.
    """
    if cohort.empty:
        raise AnalysisError("Nothing to reproduce: no patient matches the filters. Fix: widen "
                            "the filters.")
    if not privacy.rows_allowed:
        raise AnalysisError("The reproduce zip holds patient rows, which an aggregate "
                            "(viewer) export may not contain. Fix: ask for the analyst role.")
    cohort = privacy.rows(cohort)
    report, fits = _survival_report(cohort, choices), _cox_fits(cohort, choices)
    spec = analysis_spec(cohort, choices, report, fits)
    numbers = app_numbers(cohort, choices, report, fits)
    firth = numbers["cox_shown"] is not None and numbers["cox_shown"] != numbers["cox"]
    readme = "\n".join([
        *([privacy.note, ""] if privacy.note else []),
        "Reproduce this - Relapse Risk Explorer",
        f"Made {(today or date.today()).isoformat()} from: {source}",
        f"Filters: {'; '.join(filters) or 'none'}; {len(cohort)} patients.",
        "",
        "cohort_filtered.csv  the filtered rows (a text cell a spreadsheet would run as a",
        "                     formula starts with ')",
        "app_numbers.json     the numbers the app showed, unrounded (null = not reached / NA)",
        "reproduce.py         recomputes them with pandas, numpy and scipy only:",
        "                     python3 reproduce.py",
        "reproduce.R          recomputes them with R's survival package (and jsonlite):",
        "                     Rscript reproduce.R",
        "",
        "Each script writes its own numbers (python_numbers.json, r_numbers.json), prints the",
        "largest absolute difference per block and REPRODUCED when every number agrees within",
        "1e-6.",
        "",
        "Analysis: " + json.dumps({k: v for k, v in spec.items() if k != "cox"}),
        "Cox model: " + ("none" if spec["cox"] is None else _cox_words(spec["cox"])),
        *([] if not spec["by"] else [
            "Contrasts (block contrasts): each group against the reference group "
            f"({spec['reference']}), the milestone survival difference at the first landmark "
            "and the RMST difference, RMST ratio and RMTL ratio up to the horizon (survRM2 "
            "rmst2)."]),
        *([] if not any(spec[b] for b in ("weighted", "stratified", "pairwise", "table1",
                                          "fine_gray")) else [
            "Further tests, as the slides show them: weighted log-rank (survdiff rho), "
            "stratified log-rank (survdiff + strata), pairwise log-rank with adjusted p "
            "(survdiff per pair, p.adjust), Table 1's p per characteristic (fisher.test, "
            "wilcox.test, kruskal.test) and the Fine-Gray hazard ratios (cmprsk::crr), "
            "blocks weighted, stratified, pairwise, table1, fine_gray where shown. "
            "reproduce.py recomputes all but the Fine-Gray model and Fisher's test on "
            "tables larger than 2 x 2, and says so."]),
        *([] if spec["cox"] is None else [
            "Table 2: the likelihood-ratio test of each covariate, alone against the null "
            "model and in the full model against the model without it (R drop1), block "
            "table2."]),
        *([f"The deck shows Firth's penalized Cox model for these covariates (terms "
           f"{', '.join(t['term'] for t in numbers['cox_shown']['terms'])}); its numbers are "
           "under cox_shown in app_numbers.json. " + FIRTH_NOT_REPRODUCED + " Where the "
           "ordinary fit does not converge (separation), the scripts say so and do not "
           "compare it."] if firth else []),
        "",
        "The file holds patient-level data" + (" (de-identified, see the first line)"
                                                if privacy.deidentified else "")
        + ": share it only as patient data may be shared.",
    ])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # the endpoints' derived columns (EFS, entry times, your own) go with the rows
        rows = competing_rows(endpoint_rows(cohort, choices)[0], choices)
        archive.writestr("cohort_filtered.csv", table_to_csv(rows))
        archive.writestr("app_numbers.json", json.dumps(numbers, indent=1))
        archive.writestr("reproduce.py", python_script(spec))
        archive.writestr("reproduce.R", r_script(spec))
        archive.writestr("README.txt", readme + "\n")
    return buffer.getvalue()

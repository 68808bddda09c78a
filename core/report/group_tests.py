"""The deck's and report's answers to "were the groups comparable at baseline, which pairs
differ, does the difference survive a weighted test or stratification": the Cohort page's
Table 1 by group and the Survival page's further log-rank tests, as sections.

Design: numbers from :func:`core.cohort.baseline_groups.baseline_by_group` (Fisher's exact,
Wilcoxon rank-sum and Kruskal-Wallis tests, as R ``fisher.test``, ``wilcox.test``,
``kruskal.test``), :func:`core.survival.logrank` (R ``survdiff(rho =)`` and ``survdiff(... +
strata(s))``) and :func:`core.survival.pairwise_logrank` (survminer ``pairwise_survdiff``);
the sentences from :mod:`core.survival.km.robustness`, so the pages, the slides, the HTML
report and projector mode say the same thing. Each section appears only for what the pages
chose (:class:`core.report.sections.ReportChoices`: ``baseline_by``, ``rho``,
``logrank_strata``, ``pairwise_adjust``).
"""

from __future__ import annotations

import re

import pandas as pd

from core.access.deidentify import IDENTIFIED, MEDIAN_RANGE, SMALL, Privacy
from core.cohort.baseline_groups import baseline_by_group
from core.cohort.schema import LABELS
from core.errors import AnalysisError
from core.report.sections import ReportChoices, Section
from core.style.numbers import format_p
from core.survival.km.logrank import LogRankResult, logrank
from core.survival.km.pairwise import ADJUSTMENTS, PairwiseLogRank, pairwise_logrank
from core.survival.km.robustness import (
    ENTRY_TESTS_WHY,
    PAIRWISE_WHY,
    STRATIFIED_WHY,
    WEIGHTED_WHY,
    pairwise_sentence,
    stratified_sentence,
    weighted_sentence,
)

TABLE1_METHOD = ("Counts (% of patients with a recorded value) per group and overall; numbers "
                 "as median (range). p per characteristic, its test marked: Fisher's exact test "
                 "for categories (any number of levels), Wilcoxon rank-sum for a number by two "
                 "groups, Kruskal-Wallis by more (R fisher.test, wilcox.test, kruskal.test "
                 "defaults; gtsummary add_p). Missing values per group are the \"not "
                 "recorded\" rows.")
MARKS = "¹²³⁴⁵⁶⁷⁸⁹"
"""Footnote marks naming each row's test (gtsummary's style), so the table stays narrow
enough for a slide at 18 pt."""
LEGEND_KEYS = frozenset({"baseline.by"})
"""Sections whose sentences name the marks in their table (the :data:`MARKS` legend): the
slides and projector screens repeat them on every page of the table, so a continuation page
reads on its own."""


def baseline_by_group_section(cohort: pd.DataFrame, by: str | None,
                              privacy: Privacy = IDENTIFIED) -> Section | None:
    """Table 1 split by ``by`` with an Overall column and a p column, each p marked with its
    test (¹ ² ..., named in the section's first paragraph; key ``"baseline.by"``); None
    without a split. The imbalance note and the patients without a group are its caveats.
    De-identified (``privacy``): group sizes of 1-4 read "<5" and numbers lose their range
    (the "n (%)" cells are hidden by :meth:`Privacy.aggregate` with every table)."""
    if by is None:
        return None
    title = f"Baseline characteristics by {LABELS.get(by, by)}"
    try:
        split = baseline_by_group(cohort, by)
    except AnalysisError as error:
        return Section(title, key="baseline.by", warnings=(str(error),))
    table = split.table.drop(columns=["p", "Test"])
    tests = list(dict.fromkeys(t for p, t in zip(split.table["p"], split.table["Test"],
                                                 strict=True) if p not in ("", "–")))
    marks = dict(zip(tests, MARKS, strict=False))  # 9 tests at most: three kinds, two variants
    table["p"] = [f"{p}{marks[t]}" if t in marks else p
                  for p, t in zip(split.table["p"], split.table["Test"], strict=True)]
    untested = [f"{c}: {t}" for c, p, t in split.table[["Characteristic", "p", "Test"]]
                .itertuples(index=False) if p == "–"]
    legend = "; ".join([*(f"{m} {t}" for t, m in marks.items()),
                        *(f"– {u}" for u in untested)])
    table = table.rename(columns={"Level": ""})
    # no key numbers: the first projector screen needs the room for rows and the imbalance
    # note at 1366 x 768 (tests/e2e/test_projector_fit.py)
    return Section(title, (f"p per characteristic, its test marked: {legend}.",) if legend
                   else (),
                   _hidden_small_groups(table) if privacy.deidentified else table,
                   warnings=split.notes, key="baseline.by", notes=(TABLE1_METHOD,))


def _hidden_small_groups(table: pd.DataFrame) -> pd.DataFrame:
    """Table 1 by group as a de-identified file may carry it: "(n = 3)" headers and patient
    counts of 1-4 as "<5", "median (range)" as "median" (the extremes are single patients)."""
    out = table.copy()
    values = [c for c in out.columns if c not in ("Characteristic", "", "p")]
    ranged = out[""] == "median (range)"
    out.loc[ranged, values] = out.loc[ranged, values].map(
        lambda cell: MEDIAN_RANGE.match(cell).group(1)
        if isinstance(cell, str) and MEDIAN_RANGE.match(cell) else cell)
    out.loc[ranged, ""] = "median"
    counts = out["Characteristic"] == "Patients"
    out.loc[counts, values] = out.loc[counts, values].map(
        lambda cell: SMALL if str(cell) in ("1", "2", "3", "4") else cell)
    return out.rename(columns=lambda c: re.sub(r"\(n = [1-4]\)$", f"(n = {SMALL})", c))


def pairwise_display(pairs: PairwiseLogRank) -> pd.DataFrame:
    """The pairwise table as slides print it: Group, vs, chi-square, p, and the adjusted p
    headed with its adjustment ("p, Holm")."""
    table = pairs.table
    return pd.DataFrame({
        "Group": table["group1"], "vs": table["group2"],
        "Chi-square (1 df)": table["statistic"].map(lambda x: f"{x:.2f}"),
        "p": table["p_value"].map(format_p),
        f"p, {ADJUSTMENTS[pairs.p_adjust]}": table["p_adjusted"].map(format_p)})


def logrank_tests_section(cohort: pd.DataFrame, endpoint: str, choices: ReportChoices,
                          plain: LogRankResult | None, groups: list[str]) -> Section | None:
    """The weighted, stratified and pairwise log-rank tests of ``endpoint`` by ``choices.by``
    that the Survival page shows (key ``"tests.<endpoint>"``); None when the page would show
    none (no grouping, one group, nothing chosen). With delayed entry: the stratified and
    pairwise Cox score tests, and no weighted test (the page says why)."""
    by = choices.by
    if by is None or plain is None or len(groups) < 2:
        return None
    strata = choices.logrank_strata if choices.logrank_strata not in (None, by) \
        and choices.logrank_strata in cohort.columns else None
    if choices.rho is None and strata is None and len(groups) < 3:
        return None
    resolved = choices.resolve(cohort, endpoint)
    args = (resolved.frame, resolved.time, resolved.event, by)
    paragraphs, warnings, notes, metrics, table = [], [], [], [], None

    def attempt(sentence, why: str) -> None:
        try:
            paragraphs.append(sentence())
        except AnalysisError as error:
            warnings.append(str(error))
        notes.append(why)

    if resolved.entry:
        notes.append(ENTRY_TESTS_WHY)
    elif choices.rho is not None:
        attempt(lambda: weighted_sentence(
            plain, _metric(metrics, logrank(*args, rho=choices.rho))), WEIGHTED_WHY)
    if strata is not None:
        attempt(lambda: stratified_sentence(
            plain, _metric(metrics, logrank(*args, strata=strata, entry=resolved.entry))),
            STRATIFIED_WHY)
    if len(groups) > 2:
        try:
            pairs = pairwise_logrank(*args, p_adjust=choices.pairwise_adjust,
                                     entry=resolved.entry)
        except AnalysisError as error:
            warnings.append(str(error))
        else:
            table = pairwise_display(pairs)
            paragraphs.append(pairwise_sentence(pairs))
            notes.append(PAIRWISE_WHY)
    name = choices.find(endpoint).abbreviation or endpoint.upper()
    return Section(f"Does the difference hold? {name}", tuple(paragraphs), table,
                   warnings=tuple(warnings), key=f"tests.{endpoint}", notes=tuple(notes),
                   metrics=tuple(metrics))


def _metric(metrics: list, result: LogRankResult) -> LogRankResult:
    """Note ``result``'s p among the key numbers (projector mode) and pass it on."""
    label = (f"Stratified log-rank p ({LABELS.get(result.strata, result.strata)})"
             if result.strata else f"Weighted log-rank p (rho = {result.rho:g})")
    metrics.append((label, format_p(result.p_value)))
    return result

"""The deliverables' competing-risk sections: the Competing risks page's cumulative incidence
of relapse and of non-relapse mortality, and the cumulative incidence of the user's own
incidence endpoint the page draws under them ("Your own endpoints").

Design: numbers from :func:`core.survival.competing.summary.competing_report` (relapse as the
event, death without relapse as the competing one, the page's grouping and death rule; Gray's
test per cause) and :func:`core.survival.competing.endpoint_incidence.endpoint_incidence`
(Aalen-Johansen of the endpoint's event, with delayed entry and the infinitesimal-jackknife
standard error where the endpoint has an entry; Gray's test only without one), the same calls
the page makes, so the slides, the HTML report and projector mode say what the page says.

References
----------
See :mod:`core.survival.competing.estimate` (Aalen-Johansen, R ``survfit`` multi-state and
``cmprsk::cuminc``) and :mod:`core.survival.competing.gray`.
"""

from __future__ import annotations

import pandas as pd

from core.errors import AnalysisError
from core.report.sections import ReportChoices, Section
from core.style.numbers import format_p, format_percent_ci, p_phrase


def competing_section(cohort: pd.DataFrame, choices: ReportChoices):
    """The Competing risks page's view: cumulative incidence of relapse and of non-relapse
    mortality (NRM) by the page's grouping, death rule and landmarks, Gray's test per cause with its
    permutation p for small samples, CIR and NRM at the landmarks."""
    import core.survival.competing.summary as module
    from core.survival.figures.competing import cif_figure

    title = "Relapse with death as a competing risk"
    by = choices.competing_by
    try:
        report = module.competing_report(cohort, by, choices.competing_landmarks,
                                         choices.competing_rule)
    except AnalysisError as error:
        return Section(title, key="competing", warnings=(str(error),))
    paragraphs, metrics = [], list(_incidence_numbers(report, choices.competing_landmarks))
    for cause, test in report.tests.items():
        perm = report.permutation.get(cause)
        noun = module.CAUSES[cause]
        paragraphs.append(f"{noun}: Gray's test chi-square {test.statistic:.2f}, {test.dof} df, "
                          f"{p_phrase(test.p_value)}"
                          + (f"; permutation p {format_p(perm.p_value)} ({perm.describe()})."
                             if perm else "."))
        metrics.append((f"Gray's test p, {noun}", format_p(test.p_value)))
        if perm:
            metrics.append((f"Permutation p, {noun}", format_p(perm.p_value)))
    paragraphs += [f"Relapse is the event; death without relapse competes with it (it is not "
                   f"censored), so the curves do not overstate relapse. "
                   f"{report.rule.describe()}", report.caption, *choices.rules_for(by)]
    figure = cif_figure(report.incidence[1].table, report.at_risk,
                        groups=list(report.incidence[1].groups),
                        y_title="Cumulative incidence of relapse", by=by)
    table = module.landmark_table(report) if choices.competing_landmarks else None
    groups = list(report.incidence[1].groups)
    effects = _relapse_effects(cohort, choices, groups) if len(groups) > 1 else None
    if effects is not None:
        paragraphs.append(effects.method)
    return Section(title, tuple(paragraphs), table, figure,
                   tuple(report.notes) + (effects.notes if effects else ()),
                   key="competing", notes=(" ".join((report.caption,
                                                     *choices.rules_for(by))),),
                   metrics=tuple(metrics),
                   figure_table=effects.display() if effects else None,
                   figure_table_notes=tuple(effects.notes) if effects else (),
                   answer=module.answer_sentence(report))


def _relapse_effects(cohort: pd.DataFrame, choices: ReportChoices, groups: list[str]):
    """The Fine-Gray hazard ratios of relapse by the competing section's grouping, against
    the page's reference (else the first of ``groups``, as the page falls back;
    :func:`core.survival.competing.annotation.competing_effects`); None when the data cannot
    give them (the section's notes say why)."""
    from core.survival.competing.annotation import competing_effects

    reference = choices.competing_reference if choices.competing_reference in groups else None
    try:
        return competing_effects(cohort, choices.competing_by, 1, choices.competing_rule,
                                 reference)
    except AnalysisError:
        return None


def _incidence_numbers(report, landmark_months) -> list[tuple[str, str]]:
    """Per group, the cumulative incidence of relapse at the first landmark ("beyond
    follow-up" when the group's follow-up ended before it)."""
    if not landmark_months:
        return []
    first = min(landmark_months)
    marks = report.landmarks[(report.landmarks["cause"] == 1)
                             & (report.landmarks["time"] == first)].set_index("group")
    out = []
    for group, n in report.incidence[1].n.items():
        value = marks["cif"].get(group, float("nan"))
        out.append((f"{group} (n={n:,}): relapse by {first:g} months",
                    "beyond follow-up" if value != value else f"{100 * value:.1f}%"))
    return out


def own_incidence_sections(cohort: pd.DataFrame, choices: ReportChoices) -> list[Section]:
    """The Competing risks page's "Your own endpoints" view as a section (key
    ``"incidence.<endpoint key>"``): the cumulative incidence of ``choices.competing_endpoint``
    by the page's grouping, its numbers at the landmarks, Gray's test when there is no
    delayed entry, and the page's caveats (no Gray's test with delayed entry, exclusions).
    An empty list when the page chose no own incidence endpoint."""
    from core.survival.competing.endpoint_incidence import endpoint_incidence
    from core.survival.figures.competing import cif_figure

    if choices.competing_endpoint is None:
        return []
    endpoint = choices.find(choices.competing_endpoint)
    by, key = choices.competing_by, f"incidence.{endpoint.key}"
    title = f"Cumulative incidence: {endpoint.label}"
    try:
        result = endpoint_incidence(cohort, endpoint, by, choices.competing_landmarks)
    except AnalysisError as error:
        return [Section(title, key=key, warnings=(str(error),))]
    paragraphs, metrics = [result.caption, *choices.rules_for(by)], []
    if result.gray is not None:
        paragraphs.append(f"Gray's test chi-square {result.gray.statistic:.2f}, "
                          f"{result.gray.dof} df, {p_phrase(result.gray.p_value)}.")
        metrics.append(("Gray's test p", format_p(result.gray.p_value)))
    figure = cif_figure(result.fit.table, result.at_risk, groups=list(result.fit.groups),
                        y_title=f"Cumulative incidence, {endpoint.label}",
                        x_title=f"Months from {endpoint.origin}", by=by)
    table = incidence_table(result.landmarks, endpoint.abbreviation or endpoint.name) \
        if choices.competing_landmarks else None
    return [Section(title, tuple(paragraphs), table, figure, result.notes, key=key,
                    notes=(" ".join((result.caption, *choices.rules_for(by))),),
                    metrics=tuple(metrics))]


def incidence_table(landmarks: pd.DataFrame, name: str) -> pd.DataFrame:
    """:func:`core.survival.competing.estimate.incidence_at` for reading: ``Group, Months, At
    risk, <name> (95% CI)`` ("beyond follow-up" past a group's last time)."""
    return pd.DataFrame({
        "Group": landmarks["group"].astype(str).to_numpy(),
        "Months": landmarks["time"].map(lambda t: f"{t:g}").to_numpy(),
        "At risk": landmarks["n_risk"].astype(int).to_numpy(),
        f"{name} (95% CI)": [
            "beyond follow-up" if c != c else format_percent_ci(c, lo, hi)
            for c, lo, hi in landmarks[["cif", "ci_lower", "ci_upper"]].itertuples(index=False)]})

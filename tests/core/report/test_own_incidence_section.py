"""The Competing risks page's "Your own endpoints" view in the deck, the HTML report and
projector mode (core.report.competing.own_incidence_sections): the user's own incidence
endpoint (relapse from diagnosis, death without relapse competing, delayed entry at
maintenance start), by the page's grouping, with the page's numbers and caveats.

The numbers are :func:`core.survival.competing.endpoint_incidence.endpoint_incidence`'s (the
call the page makes); the test pins that the deliverables carry them unchanged, and what
they say when the endpoint has or has no delayed entry. R 4.2.2 / survival 3.5.3 on the
resolved rows (entry, time, status 0/1/2, MRD group) of the synthetic timeline below:
``summary(survfit(Surv(entry, time, factor(status, 0:2)) ~ mrd, data, id = id),
times = c(24, 60))``: cause-1 pstate MRD-negative 0 (24 months, 9 at risk), 0.40 (60, 4 at
risk, se 0.197484176581); MRD-positive 0.75 at 24 (2 at risk) and 60 (1 at risk), se
0.306186217848.
"""

from __future__ import annotations

import io
import json

import pytest
from pptx import Presentation

from core.cohort.read import load_seed_cohort
from core.errors import AnalysisError
from core.report.deck import DeckContext, slide_deck
from core.report.html import report_sections, tumor_board_html
from core.report.sections import ReportChoices
from core.style.numbers import format_percent_ci
from core.survival.competing.endpoint_incidence import endpoint_incidence
from core.survival.endpoint import EndpointRecipe, endpoint_to_dict, user_endpoint

SEED = load_seed_cohort()
COHORT = SEED.assign(  # a synthetic timeline on the diagnosis clock, months
    maint_m=SEED["os_months"] - SEED["rfs_months"],
    relapse_m=SEED["os_months"].where(SEED["rfs_event"] == 1),
    death_m=SEED["os_months"].where((SEED["os_event"] == 1) & (SEED["rfs_event"] == 0)),
    last_m=SEED["os_months"])


def _endpoint(entry: str | None):
    return user_endpoint("Relapse from diagnosis", "CIR-Dx", EndpointRecipe(
        None, ("relapse_m",), "last_m", entry=entry, competing=("death_m",), unit="months"))


def _choices(entry: str | None = "maint_m", **extra) -> ReportChoices:
    users = (json.dumps(endpoint_to_dict(_endpoint(entry)), sort_keys=True),)
    return ReportChoices(competing_by="mrd_pre_status", competing_endpoint="u.cir-dx",
                         user_endpoints=users, cox_covariates=(),
                         competing_landmarks=(24.0, 60.0), **extra)


def test_the_section_follows_the_competing_section_with_the_pages_numbers():
    sections = {s.key: s for s in report_sections(COHORT, choices=_choices())}
    keys = list(sections)
    assert keys.index("incidence.u.cir-dx") == keys.index("competing") + 1
    section = sections["incidence.u.cir-dx"]
    assert section.title == "Cumulative incidence: Relapse from diagnosis (CIR-Dx)"
    page = endpoint_incidence(COHORT, _endpoint("maint_m"), "mrd_pre_status", (24.0, 60.0))
    assert "infinitesimal jackknife" in section.paragraphs[0]
    assert section.figure is not None
    table = section.table.set_index(["Group", "Months"])
    assert table["At risk"].tolist() == [9, 4, 2, 1]  # R n.risk
    assert table["CIR-Dx (95% CI)"].str.extract(r"^([\d.]+)%")[0].astype(float).tolist() == \
        [0.0, 40.0, 75.0, 75.0]  # R pstate[, 2]
    for row in page.landmarks.itertuples(index=False):
        cell = table.at[(row.group, f"{row.time:g}"), "CIR-Dx (95% CI)"]
        assert cell == ("beyond follow-up" if row.cif != row.cif else
                        format_percent_ci(row.cif, row.ci_lower, row.ci_upper))
        assert table.at[(row.group, f"{row.time:g}"), "At risk"] == row.n_risk
    assert any(w.startswith("No Gray's test: it has no delayed entry") for w in section.warnings)
    assert section.metrics == ()


def test_without_delayed_entry_gray_s_test_is_stated():
    section = {s.key: s for s in report_sections(COHORT, choices=_choices(None))}[
        "incidence.u.cir-dx"]
    page = endpoint_incidence(COHORT, _endpoint(None), "mrd_pre_status")
    assert page.gray is not None
    assert section.paragraphs[-1].startswith(f"Gray's test chi-square {page.gray.statistic:.2f}, "
                                             f"{page.gray.dof} df, p")
    assert dict(section.metrics)["Gray's test p"]


def test_no_own_incidence_endpoint_chosen_no_section():
    keys = [s.key for s in report_sections(COHORT, choices=ReportChoices(cox_covariates=()))]
    assert not any(k.startswith("incidence.") for k in keys)


def test_an_endpoint_that_is_not_the_users_incidence_endpoint_is_refused():
    with pytest.raises(AnalysisError, match=r"^The deliverables' competing_endpoint is 'rfs'; "
                                            r"it is one of None\. Fix: choose it on its page\."):
        ReportChoices(competing_endpoint="rfs")


def test_the_deck_and_the_report_carry_it():
    choices = _choices()
    data = slide_deck(COHORT, DeckContext("Seed", 19), choices, sections=[
        s for s in report_sections(COHORT, choices=choices) if s.key == "incidence.u.cir-dx"])
    titles = [next(s.text_frame.text for s in slide.shapes if s.name == "Title")
              for slide in Presentation(io.BytesIO(data)).slides]
    assert "Cumulative incidence: Relapse from diagnosis (CIR-Dx)" in titles
    assert "Cumulative incidence: Relapse from diagnosis (CIR-Dx): numbers" in titles
    page = tumor_board_html(COHORT, source="Seed", n_total=19, filters=[],
                            choices=choices).decode()
    assert "Cumulative incidence: Relapse from diagnosis (CIR-Dx)" in page

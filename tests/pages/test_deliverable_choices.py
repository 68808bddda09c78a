"""The deliverables read the pages' reference groups, Table 1 split and further tests
(ui.deliverables.report_choices): what the user set on the Cohort, Survival and Competing
risks pages is what the deck, report and projector show; a value a page would not offer is
dropped, never passed on."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _choices_script():
    import streamlit as st

    from core.cohort.read import load_seed_cohort
    from ui.deliverables import report_choices

    choices = report_choices(load_seed_cohort())
    st.text(repr((choices.reference, choices.competing_reference, choices.baseline_by,
                  choices.rho, choices.logrank_strata, choices.pairwise_adjust)))


def _run(state: dict) -> tuple:
    at = AppTest.from_function(_choices_script, default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception
    return eval(at.text[0].value)  # noqa: S307 (our own repr of plain values)


def test_the_pages_choices_reach_the_deliverables():
    state = {"survival.by": "eln2022_risk", "survival.reference": "adverse",
             "competing.reference": "intermediate", "cohort.baseline_by": "sex",
             "survival.rho": 0.5, "survival.strata": "mrd_pre_status", "survival.adjust": "BH"}
    assert _run(state) == ("adverse", "intermediate", "sex", 0.5, "mrd_pre_status", "BH")


def test_unvisited_pages_give_no_tests_and_the_survival_grouping_splits_table1():
    assert _run({"survival.by": "eln2022_risk"}) == (None, None, "eln2022_risk", None, None,
                                                     "holm")
    assert _run({"survival.by": "eln2022_risk", "cohort.baseline_by": "survival"})[2] == \
        "eln2022_risk"  # the Cohort page's default: as the Survival page
    assert _run({"cohort.baseline_by": "survival"})[2] is None  # no grouping anywhere


def test_no_split_on_the_cohort_page_keeps_table1_whole_in_the_deck():
    """"No split" is a choice (cohort.baseline_by=none in the link), not "unvisited": the
    deck's Table 1 stays whole even when the Survival page compares groups."""
    assert _run({"survival.by": "eln2022_risk", "cohort.baseline_by": "none"})[2] is None
    assert _run({"survival.by": "eln2022_risk", "saved.cohort.baseline_by": "none"})[2] is None


def test_choices_saved_when_leaving_a_page_reach_the_deliverables():
    """A page's widgets are forgotten once another page runs; the saved values are not."""
    state = {"survival.by": "eln2022_risk", "saved.survival.reference": "adverse",
             "saved.survival.rho": 0.5, "saved.survival.strata": "sex",
             "saved.cohort.baseline_by": "sex"}
    assert _run(state) == ("adverse", None, "sex", 0.5, "sex", "holm")


def test_values_the_pages_would_not_offer_are_dropped():
    state = {"survival.by": "eln2022_risk", "survival.rho": 3.0,
             "survival.strata": "eln2022_risk",  # the grouping itself
             "survival.adjust": "bonferroni", "cohort.baseline_by": "patient_id"}
    assert _run(state) == (None, None, "eln2022_risk", None, None, "holm")


def _own_incidence_script():
    import streamlit as st

    from core.cohort.read import load_seed_cohort
    from ui.deliverables import report_choices

    st.text(repr(report_choices(load_seed_cohort()).competing_endpoint))


def test_the_competing_pages_own_incidence_endpoint_reaches_the_deliverables(monkeypatch):
    """The Competing risks page's "Your own endpoints" choice (unvisited: the first, as the
    page shows it); none without an own incidence endpoint, nor in registry mode (the page
    does not draw it there)."""
    from core.cohort.read import load_seed_cohort
    from core.survival.endpoint import EndpointRecipe, endpoint_to_dict, user_endpoint

    seed = load_seed_cohort()
    cohort = seed.assign(relapse_m=seed["rfs_months"].where(seed["rfs_event"] == 1),
                         death_m=seed["os_months"].where(seed["os_event"] == 1))
    own = [endpoint_to_dict(user_endpoint(name, name, EndpointRecipe(
        None, ("relapse_m",), "os_months", competing=("death_m",), unit="months")))
        for name in ("CIR1", "CIR2")]

    def run(state: dict):
        at = AppTest.from_function(_own_incidence_script, default_timeout=60)
        for key, value in {"cohort.data": cohort, "endpoints.user": own, **state}.items():
            at.session_state[key] = value
        at.run()
        assert not at.exception
        return eval(at.text[0].value)  # noqa: S307 (our own repr of plain values)

    assert run({}) == "u.cir1"
    assert run({"competing.endpoint": "u.cir2"}) == "u.cir2"
    assert run({"competing.endpoint": "u.gone"}) == "u.cir1"
    assert run({"endpoints.user": []}) is None
    monkeypatch.setenv("RRE_REGISTRY_PATH", "/nonexistent/registry.parquet")
    assert run({}) is None

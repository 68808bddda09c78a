"""Swimmer lanes, patient cards, timelines and the patient on the KM curve
(core.patients.timelines).

Hand-worked cases use the seed cohort (data/seed_cohort.csv, from Tables 1 and 2 of the study).
"""

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort.read import load_seed_cohort, validate_cohort
from core.errors import AnalysisError
from core.patients.card import find_patient, patient_card, patient_timeline
from core.patients.figures import (
    END_SYMBOLS,
    MAX_TICK_LABELS,
    patient_km_figure,
    patient_timeline_figure,
    swimmer_figure,
)
from core.patients.place import patient_on_km
from core.patients.regimens import REGIMEN_ABBREVIATIONS, regimen_steps
from core.patients.timelines import (
    COLOR_CHOICES,
    END_MARKERS,
    NOT_DERIVABLE,
    maintenance_start,
    swimmer_lanes,
)

SEED = load_seed_cohort()


def lane(swimmer, patient_id):
    rows = swimmer.lanes[swimmer.lanes["patient_id"] == str(patient_id)]
    assert len(rows) == 1
    return rows.iloc[0]


def synthetic_cohort(n: int, seed: int = 7) -> pd.DataFrame:
    """A valid cohort of ``n`` patients (seeded), built from the seed rows with new times."""
    rng = np.random.default_rng(seed)
    rows = SEED.sample(n, replace=True, random_state=seed).reset_index(drop=True)
    rows["patient_id"] = [f"S{i + 1}" for i in range(n)]
    os_months = rng.uniform(5, 120, n).round(1)
    rfs_months = (os_months * rng.uniform(0.1, 0.95, n)).round(1)
    relapse = rng.random(n) < 0.3
    rows["os_months"], rows["rfs_months"] = os_months, rfs_months
    rows["rfs_event"] = relapse.astype(int)
    rows["relapse_type"] = np.where(relapse, np.where(rng.random(n) < 0.5, "molecular",
                                                      "morphological"), "none")
    return validate_cohort(rows.astype(object))


# ---- hand-worked patients -----------------------------------------------------------------

def test_patient_5_molecular_relapse_then_lost_to_follow_up():
    """Table 2, No. 5: RFS 6 m, molecular relapse; OS 54 m, lost to follow-up."""
    rfs, os_ = swimmer_lanes(SEED, "rfs"), swimmer_lanes(SEED, "os")
    assert (lane(rfs, 5)["end"], lane(rfs, 5)["end_marker"]) == (6.0, "molecular relapse")
    assert (lane(os_, 5)["end"], lane(os_, 5)["end_marker"]) == (54.0, "lost to follow-up")
    # relapse at 6 months, before the last contact at 54: no maintenance start
    assert math.isnan(lane(os_, 5)["maintenance_start_months"])
    assert lane(os_, 5)["maintenance_start_note"] == NOT_DERIVABLE
    assert NOT_DERIVABLE.startswith("not derivable from the data")
    card = dict(patient_card(SEED, 5))
    assert card["MRD before maintenance"] == "negative (AML1-ETO/ABL 0.0011% by qPCR)"
    assert card["Fusion gene"] == "AML1-ETO"
    assert card["Maintenance start"] == NOT_DERIVABLE


def test_patient_7_morphological_relapse_after_one_month():
    """Table 2, No. 7: MRD 0.06% before maintenance, morphological relapse at 1 m, OS 21 m
    (lost to follow-up)."""
    rfs, os_ = swimmer_lanes(SEED, "rfs"), swimmer_lanes(SEED, "os")
    assert (lane(rfs, 7)["end"], lane(rfs, 7)["end_marker"]) == (1.0, "morphological relapse")
    assert (lane(os_, 7)["end"], lane(os_, 7)["end_marker"]) == (21.0, "lost to follow-up")
    assert math.isnan(lane(rfs, 7)["maintenance_start_months"])
    card = dict(patient_card(SEED, 7))
    assert card["MRD before maintenance"] == "positive (0.06% by flow cytometry)"
    assert card["Relapse-free survival (RFS)"] == (
        "1 month from maintenance start, ended by morphological relapse")
    assert card["WBC at diagnosis"] == "254 ×10⁹/L"


def test_patient_11_censored_so_maintenance_start_is_os_minus_rfs():
    """Table 2, No. 11: CR, RFS 1 m, OS 13 m, lost to follow-up: start = 13 - 1 = 12 months."""
    rfs, os_ = swimmer_lanes(SEED, "rfs"), swimmer_lanes(SEED, "os")
    assert (lane(rfs, 11)["end"], lane(rfs, 11)["end_marker"]) == (1.0, "censored")
    assert (lane(os_, 11)["end"], lane(os_, 11)["end_marker"]) == (13.0, "lost to follow-up")
    assert lane(os_, 11)["maintenance_start_months"] == 12.0
    assert dict(patient_card(SEED, 11))["Maintenance start"].startswith(
        "at most 12 months after diagnosis, derived as OS − RFS, an upper bound")


def test_patient_17_died_without_relapse():
    """Table 2, No. 17: CR, RFS 1 m, OS 44 m, death: start = 44 - 1 = 43 months by the rule
    (an 'at most' value, see the module docstring on allogeneic HSCT)."""
    rfs, os_ = swimmer_lanes(SEED, "rfs"), swimmer_lanes(SEED, "os")
    assert (lane(rfs, 17)["end"], lane(rfs, 17)["end_marker"]) == (1.0, "censored")
    assert (lane(os_, 17)["end"], lane(os_, 17)["end_marker"]) == (44.0, "death")
    assert lane(os_, 17)["maintenance_start_months"] == 43.0
    assert "exact only if RFS follow-up ended on the same date" in \
        lane(os_, 17)["maintenance_start_note"]


def test_maintenance_start_is_never_negative_for_patients_without_relapse():
    """The seed check of the module docstring: OS - RFS for the 13 patients without relapse."""
    starts = {int(r.patient_id): maintenance_start(r)[0]
              for _, r in SEED[SEED.rfs_event == 0].iterrows()}
    assert starts == {1: 10, 3: 7, 4: 9, 8: 13, 11: 12, 12: 13, 13: 6, 14: 45, 15: 4, 16: 15,
                      17: 43, 18: 55, 19: 5}
    assert all(v >= 0 for v in starts.values())
    relapsed = SEED[SEED.rfs_event == 1]
    assert all(math.isnan(maintenance_start(r)[0]) for _, r in relapsed.iterrows())


def test_end_markers_match_the_study_counts():
    """3 molecular and 3 morphological relapses; 3 deaths, 4 lost to follow-up, 12 alive."""
    rfs = swimmer_lanes(SEED, "rfs").lanes["end_marker"].value_counts().to_dict()
    os_ = swimmer_lanes(SEED, "os").lanes["end_marker"].value_counts().to_dict()
    assert rfs == {"censored": 13, "molecular relapse": 3, "morphological relapse": 3}
    assert os_ == {"alive at last follow-up": 12, "lost to follow-up": 4, "death": 3}


# ---- lanes: one per patient, sorting, colouring, exclusions --------------------------------

@pytest.mark.parametrize("mode", ["rfs", "os"])
@pytest.mark.parametrize("color_by", [None, *COLOR_CHOICES])
def test_one_lane_per_patient(mode, color_by):
    swimmer = swimmer_lanes(SEED, mode, color_by)
    assert len(swimmer.lanes) == 19 and swimmer.n_excluded == 0
    assert sorted(swimmer.lanes["patient_id"], key=int) == [str(i) for i in range(1, 20)]
    assert swimmer.lanes["lane"].tolist() == list(range(19))
    assert set(swimmer.lanes["end_marker"]) <= set(END_MARKERS)
    assert set(swimmer.lanes["group"]) == set(swimmer.groups)


def test_sort_by_patient_uses_natural_order():
    ids = swimmer_lanes(SEED, "rfs", sort_by="patient").lanes["patient_id"].tolist()
    assert ids == [str(i) for i in range(1, 20)]


def test_sort_by_duration_longest_first_ties_by_patient():
    lanes = swimmer_lanes(SEED, "rfs", sort_by="duration").lanes
    assert lanes["end"].is_monotonic_decreasing
    assert lanes["patient_id"].tolist()[:3] == ["3", "4", "1"]  # 126, 78, 72 months
    assert lanes["patient_id"].tolist()[-4:] == ["7", "11", "14", "17"]  # the 1-month lanes


def test_sort_by_group_keeps_groups_together_in_legend_order():
    swimmer = swimmer_lanes(SEED, "os", color_by="eln2022_risk", sort_by="group")
    assert swimmer.groups == ("favorable", "intermediate", "adverse")
    groups = swimmer.lanes["group"].tolist()
    assert groups == ["favorable"] * 3 + ["intermediate"] * 9 + ["adverse"] * 7
    first = swimmer.lanes[swimmer.lanes["group"] == "favorable"]
    assert first["patient_id"].tolist() == ["5", "10", "8"]  # OS 54, 47, 24


def test_missing_group_value_is_its_own_group_last():
    cohort = SEED.copy()
    cohort.loc[cohort.patient_id == 2, "cytogenetics"] = None
    swimmer = swimmer_lanes(cohort, color_by="cytogenetics")
    assert swimmer.groups[-1] == "not recorded"
    assert lane(swimmer, 2)["group"] == "not recorded"


def test_patients_without_a_time_are_counted_not_drawn():
    cohort = SEED.copy()
    cohort["rfs_months"] = cohort["rfs_months"].astype("float64")
    cohort["rfs_event"] = cohort["rfs_event"].astype("Int64")
    cohort.loc[cohort.patient_id.isin([4, 12]), ["rfs_months", "rfs_event"]] = [math.nan, pd.NA]
    swimmer = swimmer_lanes(cohort, "rfs")
    assert len(swimmer.lanes) == 17 and swimmer.n_excluded == 2
    assert swimmer.excluded_note == ("2 patients without a recorded RFS time are not drawn "
                                     "(patients 4, 12).")
    assert swimmer_lanes(cohort, "os").n_excluded == 0
    assert swimmer_lanes(SEED, "rfs").excluded_note is None


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(19))), st.sampled_from(["duration", "group", "patient"]))
def test_row_order_does_not_matter(order, sort_by):
    shuffled = SEED.iloc[order].reset_index(drop=True)
    a = swimmer_lanes(SEED, "os", "sex", sort_by).lanes
    b = swimmer_lanes(shuffled, "os", "sex", sort_by).lanes
    pd.testing.assert_frame_equal(a, b)


# ---- errors ---------------------------------------------------------------------------------

def test_unknown_colour_column_names_the_value_and_the_fix():
    with pytest.raises(AnalysisError, match=r"Cannot colour lanes by 'blood_type'.*Fix: colour "
                       r"by one of 'eln2022_risk', 'sorafenib_timing'"):
        swimmer_lanes(SEED, color_by="blood_type")
    with pytest.raises(AnalysisError, match=r"Cannot colour lanes by 'age': it is not a "
                       r"categorical column"):
        swimmer_lanes(SEED, color_by="age")


def test_unknown_mode_and_sort():
    with pytest.raises(AnalysisError, match=r"Unknown swimmer mode 'pfs'\. Fix: use 'rfs'"):
        swimmer_lanes(SEED, mode="pfs")
    with pytest.raises(AnalysisError, match=r"Unknown lane order 'age'\. Fix: use one of "
                       r"'duration', 'group', 'patient'"):
        swimmer_lanes(SEED, sort_by="age")


def test_unknown_patient_names_the_id_and_the_fix():
    with pytest.raises(AnalysisError, match=r"No patient '42' in the \(filtered\) cohort of 19 "
                       r"patients \(1, 2, .*19\)\. Fix: choose one of these ids, or widen"):
        patient_card(SEED, 42)
    with pytest.raises(AnalysisError, match=r"No patient '9' in the \(filtered\) cohort of 2"):
        patient_on_km(SEED[SEED.patient_id.isin([1, 2])], 9)


def test_km_for_a_patient_without_a_time():
    cohort = SEED.copy()
    cohort["os_event"] = cohort["os_event"].astype("Int64")
    cohort.loc[cohort.patient_id == 3, ["os_months", "os_event"]] = [math.nan, pd.NA]
    with pytest.raises(AnalysisError, match=r"Patient 3 has no recorded OS time.*Fix: choose "
                       "another patient or endpoint"):
        patient_on_km(cohort, 3, "os")
    with pytest.raises(AnalysisError, match=r"Unknown endpoint 'dfs'"):
        patient_on_km(SEED, 3, "dfs")


# ---- card, regimens, timeline, KM ------------------------------------------------------------

def test_card_of_patient_9_reads_every_field():
    card = patient_card(SEED, "9")
    labels = [label for label, _ in card]
    assert labels == [
        "Patient", "Sex", "Age at diagnosis", "WBC at diagnosis",
        "Bone-marrow blasts at diagnosis", "FAB subtype", "Cytogenetics",
        "Co-mutations (besides FLT3-ITD)", "Fusion gene", "ELN 2022 risk", "Sorafenib started",
        "Regimens before maintenance", "MRD before maintenance", "Relapse during maintenance",
        "Relapse-free survival (RFS)", "Overall survival (OS)", "Outcome at last follow-up",
        "Maintenance start"]
    values = dict(card)
    assert values["Sex"] == "female" and values["Age at diagnosis"] == "43 years"
    assert values["FAB subtype"] == "M7"
    assert values["Co-mutations (besides FLT3-ITD)"] == "NPM1, ASXL1"
    assert values["Regimens before maintenance"] == (
        "CHAG ×2 (low-dose cytarabine, homoharringtonine, aclarubicin and G-CSF)")
    assert values["MRD before maintenance"] == "positive (8.85% by flow cytometry)"
    assert values["Overall survival (OS)"] == "20 months from diagnosis to death"
    assert values["Fusion gene"] == "none detected"


def test_card_shows_extra_and_missing_fields():
    cohort = SEED.copy()
    cohort["transplant"] = ["no"] * 19
    cohort.loc[cohort.patient_id == 1, "cytogenetics"] = None
    values = dict(patient_card(cohort, 1))
    assert values["Cytogenetics"] == "not recorded" and values["transplant"] == "no"


def test_every_seed_regimen_is_spelled_out():
    for text in SEED["pretreatment_regimens"]:
        for step in regimen_steps(text):
            assert step.source in ("study", "standard usage", "ambiguous"), step
    steps = regimen_steps("IA, HD-Ara-C, TKI+CAG, CHAG*2, IDA+ID-Ara-C*2, XYZ")
    assert [(s.name, s.cycles) for s in steps] == [
        ("IA", None), ("HD-Ara-C", None), ("TKI+CAG", None), ("CHAG", 2),
        ("IDA+ID-Ara-C", 2), ("XYZ", None)]
    assert steps[2].meaning == ("tyrosine kinase inhibitor + low-dose cytarabine, aclarubicin "
                                "and G-CSF")
    assert steps[4].meaning == "idarubicin + intermediate-dose cytarabine"
    assert steps[4].source == "study"
    assert (steps[5].meaning, steps[5].source) == ("abbreviation not in the app's glossary",
                                                   "unknown")
    assert regimen_steps(None) == []


def test_footnote_definitions_are_marked_as_from_the_study():
    """Table 2 footnote: DA, HA, MA (letters), ID/MD/HD-Ara-C, IDA, DCAG, EA, VA."""
    for name in ("DA", "HA", "MA", "Ara-C", "ID-Ara-C", "MD-Ara-C", "HD-Ara-C", "IDA", "DCAG",
                 "EA", "VA"):
        assert REGIMEN_ABBREVIATIONS[name].source == "study", name
    assert REGIMEN_ABBREVIATIONS["DHA"].source == "ambiguous"
    assert REGIMEN_ABBREVIATIONS["VA"].meaning == "venetoclax + azacitidine"


def test_timeline_events():
    events = patient_timeline(find_patient(SEED, 11))
    assert [(e.clock, e.months, e.marker) for e in events] == [
        ("diagnosis", 0.0, "diagnosis"), ("diagnosis", 12.0, "maintenance start"),
        ("diagnosis", 13.0, "lost to follow-up"), ("maintenance", 0.0, "maintenance start"),
        ("maintenance", 1.0, "censored")]
    events = patient_timeline(find_patient(SEED, 5))
    assert [(e.clock, e.months, e.marker) for e in events] == [
        ("diagnosis", 0.0, "diagnosis"), ("diagnosis", 54.0, "lost to follow-up"),
        ("maintenance", 0.0, "maintenance start"), ("maintenance", 6.0, "molecular relapse")]


def test_patient_9_on_the_rfs_curve():
    """Worked by hand: RFS events at 1 (19 at risk), 6 (14), 13 (12), 16 (11, two events):
    S(16) = 18/19 · 13/14 · 11/12 · 9/11 = 0.65977."""
    place = patient_on_km(SEED, 9, "rfs")
    expected = 18 / 19 * 13 / 14 * 11 / 12 * 9 / 11
    assert place.patient_time == 16.0 and place.patient_event
    assert abs(place.patient_survival - expected) < 1e-12
    assert place.n_patients == 19 and place.n_longer == 9
    assert place.km["time"].iloc[0] == 0.0 and place.km["survival"].iloc[0] == 1.0
    assert place.km["survival"].is_monotonic_decreasing
    assert place.summary() == ("Patient 9: relapse at 16 months, where the cohort's estimated "
                               "relapse-free survival is 66.0%; 9 of 19 patients have a longer "
                               "time.")

def test_patient_3_on_the_os_curve():
    """Worked by hand: OS deaths at 20 (18 at risk), 41 (14) and 44 (13); patient 3 is censored
    at 133 months, the longest time: S(133) = 17/18 · 13/14 · 12/13 = 0.80952."""
    place = patient_on_km(SEED, 3, "os")
    assert not place.patient_event and place.n_longer == 0
    assert abs(place.patient_survival - 17 / 18 * 13 / 14 * 12 / 13) < 1e-12


# ---- figures --------------------------------------------------------------------------------

def figure_data(fig):
    return json.loads(fig.to_json())


def test_swimmer_figure_has_one_lane_per_patient_and_a_symbol_per_end():
    swimmer = swimmer_lanes(SEED, "os", "mrd_pre_status")
    data = figure_data(swimmer_figure(swimmer))["data"]
    bars = [t for t in data if t["type"] == "bar"]
    assert sum(len(t["y"]) for t in bars) == 19
    assert sorted((c[0] for t in bars for c in t["customdata"]), key=int) == \
        [str(i) for i in range(1, 20)]
    ends = {t["name"]: t for t in data if t.get("legendgroup") == "ends"}
    assert ends["death"]["marker"]["symbol"] == "x"
    assert sorted(c[0] for c in ends["death"]["customdata"]) == ["17", "6", "9"]
    name = "maintenance start, at most OS − RFS (patients without relapse)"
    assert name in ends and len(ends[name]["x"]) == 13
    assert len(set(END_SYMBOLS.values())) == len(END_SYMBOLS)


def test_swimmer_figure_300_lanes_scales_and_thins_labels():
    cohort = synthetic_cohort(300)
    swimmer = swimmer_lanes(cohort, "rfs", "fab_class", "group")
    assert len(swimmer.lanes) == 300
    fig = figure_data(swimmer_figure(swimmer))
    assert sum(len(t["y"]) for t in fig["data"] if t["type"] == "bar") == 300
    assert len(fig["layout"]["yaxis"]["ticktext"]) <= MAX_TICK_LABELS
    assert fig["layout"]["height"] == 140 + 8 * 300
    small = figure_data(swimmer_figure(swimmer_lanes(SEED)))
    assert small["layout"]["yaxis"]["ticktext"] == swimmer_lanes(SEED).lanes[
        "patient_id"].tolist()


def test_patients_figures_built_unvalidated_are_what_validation_leaves_unchanged():
    """The swimmer, timeline and patient-on-KM figures skip plotly's validation
    (core.style.plot.trusted_figure): a validated copy of each has the same JSON (both
    clocks, colours, the 300-lane swimmer, a lane without a derivable maintenance start), and
    validation is on again for what is added later."""
    import plotly.graph_objects as go

    figures = [swimmer_figure(swimmer_lanes(SEED, mode, color))
               for mode in ("os", "rfs") for color in (None, "eln2022_risk")]
    figures += [swimmer_figure(swimmer_lanes(synthetic_cohort(300), "rfs", "fab_class")),
                patient_km_figure(patient_on_km(SEED, 9)),
                patient_km_figure(patient_on_km(SEED, 9, "os"))]
    figures += [patient_timeline_figure(patient_timeline(find_patient(SEED, p)), str(p))
                for p in (5, 11, 17)]
    for fig in figures:
        assert figure_data(go.Figure(fig.to_plotly_json())) == figure_data(fig)
        with pytest.raises(ValueError):
            fig.update_layout(height="tall")


def test_timeline_and_km_figures():
    timeline = figure_data(patient_timeline_figure(patient_timeline(find_patient(SEED, 11)),
                                                   "11"))
    assert "maintenance start at most OS − RFS" in timeline["layout"]["xaxis"]["title"]["text"]
    censored = [t for t in timeline["data"] if t["name"].startswith("Censored")]
    assert censored[0]["x"] == [13.0]  # RFS lane shifted by the 12-month maintenance start
    relapsed = figure_data(patient_timeline_figure(patient_timeline(find_patient(SEED, 5)),
                                                   "5"))
    assert "not derivable" in relapsed["layout"]["xaxis"]["title"]["text"]
    km = figure_data(patient_km_figure(patient_on_km(SEED, 9)))
    star = [t for t in km["data"] if t["name"] == "Patient 9"][0]
    assert star["x"] == [16.0] and abs(star["y"][0] - 0.659774) < 1e-6


@pytest.mark.parametrize("sort_by", ["duration", "group", "patient"])
def test_lanes_beyond_the_cap_are_counted_and_the_first_ones_kept(monkeypatch, sort_by):
    """With the cap at 50 of 300 lanes, the drawn lanes are exactly the first 50 of the
    uncapped order, and the other 250 are counted with a note."""
    cohort = synthetic_cohort(300)
    full = swimmer_lanes(cohort, "rfs", "eln2022_risk", sort_by)
    monkeypatch.setattr("core.patients.timelines.MAX_LANES", 50)
    capped = swimmer_lanes(cohort, "rfs", "eln2022_risk", sort_by)
    assert capped.n_hidden == 250 and full.n_hidden == 0
    assert capped.lanes["patient_id"].tolist() == full.lanes["patient_id"].tolist()[:50]
    assert capped.hidden_note.startswith("Showing the first 50 of 300 patients in the chosen "
                                         "order")


@pytest.mark.parametrize("sort_by", ["duration", "group"])
@pytest.mark.parametrize("color_by", ["eln2022_risk", "sorafenib_timing"])
def test_capped_lanes_with_tied_durations_equal_the_uncapped_order(monkeypatch, sort_by,
                                                                   color_by):
    """Whole-month times tie across many patients (a registry's): the cap keeps exactly the
    first lanes of the uncapped order, whichever tied patient numbers they hold (the
    numeric pre-selection keeps every row tied with the last lane kept)."""
    cohort = synthetic_cohort(400, seed=3)
    cohort["rfs_months"] = (cohort["rfs_months"] // 12) * 12  # ~10 distinct durations
    cohort = cohort.sample(frac=1, random_state=5).reset_index(drop=True)  # ids out of order
    full = swimmer_lanes(cohort, "rfs", color_by, sort_by)
    monkeypatch.setattr("core.patients.timelines.MAX_LANES", 37)
    capped = swimmer_lanes(cohort, "rfs", color_by, sort_by)
    assert capped.n_hidden == 363
    assert capped.lanes["patient_id"].tolist() == full.lanes["patient_id"].tolist()[:37]


def test_patient_17_maintenance_start_is_drawn_as_an_upper_bound():
    """Issue 17: patient 17's timeline drew maintenance starting at 43 months as fact; OS − RFS
    is only an upper bound (RFS follow-up may have ended before OS follow-up, e.g. at HSCT)."""
    events = patient_timeline(find_patient(SEED, 17))
    start = [e for e in events if e.clock == "diagnosis" and e.marker == "maintenance start"]
    assert len(start) == 1 and start[0].months == 43 and start[0].upper_bound
    assert start[0].label == "Maintenance start: at most 43 months (OS − RFS)"
    fig = figure_data(patient_timeline_figure(events, "17"))
    lanes = {t["name"]: t for t in fig["data"] if t["mode"] == "lines"}
    assert lanes["RFS: from maintenance start"]["line"]["dash"] == "dash"
    assert lanes["OS: from diagnosis"]["line"]["dash"] == "solid"
    assert lanes["possible earlier maintenance start"]["x"] == [0.0, 43.0]
    assert lanes["possible earlier maintenance start"]["line"]["dash"] == "dot"
    assert "at most" in fig["layout"]["xaxis"]["title"]["text"]
    assert dict(patient_card(SEED, 17))["Maintenance start"].startswith(
        "at most 43 months after diagnosis")


def test_swimmer_adverse_lanes_use_the_one_risk_palette():
    """Issue 17: the swimmer plot drew adverse risk green."""
    from core.style.plot import RISK_COLORS
    fig = figure_data(swimmer_figure(swimmer_lanes(SEED, color_by="eln2022_risk")))
    bars = {t["name"].split(" (")[0]: t["marker"]["color"] for t in fig["data"]
            if t["type"] == "bar"}
    assert bars == RISK_COLORS
    assert fig["layout"]["xaxis"]["tickfont"]["size"] >= 14

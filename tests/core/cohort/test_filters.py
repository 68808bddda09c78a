"""The cohort filter: what it keeps, what it reports, and how it travels in a link.

Expected patient lists are read off Tables 1-2 of the seed study by hand.
"""

import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort.filter_links import filter_from_query_params, is_filter_key
from core.cohort.filters import (
    CATEGORY_FIELDS,
    CohortFilter,
    extra_filter_levels,
    filter_levels,
)
from core.cohort.read import load_seed_cohort
from core.errors import CohortError

SEED = load_seed_cohort()


def ids(cohort_filter: CohortFilter, cohort: pd.DataFrame = SEED) -> list[int]:
    return cohort_filter.apply(cohort).cohort["patient_id"].tolist()


def test_no_filter_keeps_everyone():
    result = CohortFilter().apply(SEED)
    assert (result.n, result.n_total, result.missing) == (19, 19, ())
    assert not CohortFilter().is_active()


@pytest.mark.parametrize(("cohort_filter", "expected"), [
    (CohortFilter(eln2022_risk=("favorable",)), [5, 8, 10]),
    (CohortFilter(mrd_pre_status=("positive",)), [7, 9, 13, 17]),
    (CohortFilter(sorafenib_timing=("consolidation",)), [2, 10, 11, 13, 18]),
    (CohortFilter(relapse_type=("molecular", "morphological")), [2, 5, 6, 7, 9, 10]),
    (CohortFilter(outcome=("dead",)), [6, 9, 17]),
    (CohortFilter(fab_class=("M4",)), [14, 16, 18]),
    (CohortFilter(fusion_gene=("AML1-ETO",)), [5, 8, 10]),
    (CohortFilter(sex=("M",), eln2022_risk=("adverse",)), [6, 7, 17]),
    (CohortFilter(age_min=60, age_max=70), [2, 4, 5, 6, 7, 14, 16]),
    (CohortFilter(age_max=40), [10, 18]),
    (CohortFilter(co_mutations=("TP53", "CSF3R")), [4, 11]),
    (CohortFilter(co_mutations=("NPM1", "TET2"), co_mutation_mode="all"), [4, 6, 15, 18]),
])
def test_filters_keep_the_right_patients(cohort_filter, expected):
    assert ids(cohort_filter) == expected


def test_missing_values_are_counted_not_silently_dropped():
    cohort = SEED.copy()
    cohort.loc[cohort["patient_id"].isin([1, 2]), "eln2022_risk"] = None
    cohort.loc[cohort["patient_id"] == 3, "age"] = float("nan")
    result = CohortFilter(eln2022_risk=("intermediate", "adverse"), age_min=18).apply(cohort)
    assert result.missing == (("eln2022_risk", 2), ("age", 1))
    assert result.notes() == [
        "2 patients with no recorded ELN 2022 risk are left out by that filter.",
        "1 patient with no recorded Age (years) is left out by that filter."]
    left_out = {1, 2, 3}  # the patients whose filtered value is missing
    assert left_out.isdisjoint(result.cohort["patient_id"])


def test_serialisation_round_trips():
    cohort_filter = CohortFilter(eln2022_risk=("adverse",), age_min=40, co_mutations=("NPM1",),
                                 co_mutation_mode="all")
    assert CohortFilter.from_dict(json.loads(json.dumps(cohort_filter.to_dict()))) == \
        cohort_filter
    params = cohort_filter.to_query_params()
    assert params == {"eln2022_risk": "adverse", "co_mutations": "NPM1", "age_min": "40",
                      "co_mutation_mode": "all"}
    assert filter_from_query_params(params, SEED) == (cohort_filter, [])


def test_filter_is_frozen_and_checked():
    cohort_filter = CohortFilter()
    with pytest.raises(AttributeError):
        cohort_filter.sex = ("M",)
    with pytest.raises(TypeError, match="must be a tuple of strings"):
        CohortFilter(sex="M")
    with pytest.raises(ValueError, match=r"age_min \(70\) is above age_max \(60\)"):
        CohortFilter(age_min=70, age_max=60)
    with pytest.raises(ValueError, match="co_mutation_mode must be 'any' or 'all'"):
        CohortFilter(co_mutation_mode="some")


def test_describe():
    assert CohortFilter(mrd_pre_status=("positive",), age_min=50).describe() == [
        "MRD before maintenance: positive", "Age (years): >= 50"]


def test_query_params_bad_values_give_notices_not_errors():
    params = {"eln2022_risk": "Adverse,<script>alert(1)</script>", "age_min": "old",
              "co_mutation_mode": "most", "sex": "F" * 500, "page_only_key": "x"}
    cohort_filter, notices = filter_from_query_params(params, SEED)
    assert cohort_filter == CohortFilter(eln2022_risk=("adverse",))
    assert notices == [
        "The link asks for ELN 2022 risk 'scriptalert(1)/script', which this cohort does not "
        "have; that part of the link was ignored. Known values: favorable, intermediate, "
        "adverse.",
        "The link's value for `sex` is 500 characters long and was ignored.",
        "The link's `age_min` value 'old' is not a whole number of years between 0 and 150 "
        "and was ignored (the age filter works in whole years).",
        "The link's `co_mutation_mode` value 'most' is not 'any' or 'all' and was ignored."]


def test_query_params_empty_age_range():
    cohort_filter, notices = filter_from_query_params({"age_min": "70", "age_max": "30"}, SEED)
    assert cohort_filter == CohortFilter()
    assert notices == ["The link's age range is empty (minimum above maximum) and was ignored."]


def test_levels():
    levels = filter_levels(SEED)
    assert levels["eln2022_risk"] == ["favorable", "intermediate", "adverse"]
    assert levels["fab_class"] == ["M1", "M2", "M4", "M5", "M7"]
    assert "TP53" in levels["co_mutations"] and "none" not in levels["co_mutations"]


@settings(max_examples=80, deadline=None)
@given(st.fixed_dictionaries({name: st.lists(st.sampled_from(filter_levels(SEED)[name]),
                                             unique=True).map(tuple)
                              for name in CATEGORY_FIELDS}))
def test_property_subset_and_link_round_trip(choices):
    """Any filter keeps a subset, each kept patient satisfies it, and the link reproduces it."""
    cohort_filter = CohortFilter(**choices)
    kept = cohort_filter.apply(SEED).cohort
    assert set(kept["patient_id"]) <= set(SEED["patient_id"])
    for name, wanted in choices.items():
        if wanted:
            assert kept[name].isin(wanted).all()
    rebuilt, notices = filter_from_query_params(cohort_filter.to_query_params(), SEED)
    assert notices == [] and rebuilt.apply(SEED).cohort.equals(kept)


def test_link_age_bound_outside_the_cohort_means_what_it_says():
    """Issue 18: ``age_max=5`` showed "1 of 19" and rewrote itself to 21; core keeps 5."""
    cohort_filter, notices = filter_from_query_params({"age_max": "5"}, SEED)
    assert cohort_filter == CohortFilter(age_max=5.0) and notices == []
    assert cohort_filter.apply(SEED).n == 0
    assert cohort_filter.to_query_params() == {"age_max": "5"}


def test_link_age_bound_that_is_not_whole_years_is_refused():
    cohort_filter, notices = filter_from_query_params({"age_min": "30.5"}, SEED)
    assert cohort_filter == CohortFilter()
    assert notices == ["The link's `age_min` value '30.5' is not a whole number of years "
                       "between 0 and 150 and was ignored (the age filter works in whole "
                       "years)."]


def test_repeated_link_keys_get_a_notice():
    params = {"eln2022_risk": ["adverse", "favorable"], "age_min": ["40", "60"],
              "age_max": ["70", "70"]}
    cohort_filter, notices = filter_from_query_params(params, SEED)
    assert cohort_filter == CohortFilter(eln2022_risk=("adverse", "favorable"), age_max=70.0)
    assert notices == [
        "The link names `eln2022_risk` 2 times; all its values were combined (a patient "
        "matching any of them is kept).",
        "The link names `age_min` 2 times with different values ('40', '60'); it cannot mean "
        "both, so that part of the link was ignored.",
        "The link names `age_max` 2 times with the same value; it was used once."]


def test_single_value_lists_are_not_repeats():
    assert filter_from_query_params({"sex": ["F"], "age_min": ["50"]}, SEED) == (
        CohortFilter(sex=("F",), age_min=50.0), [])


# ---- an uploaded cohort's extra columns --------------------------------------------------------

def extra_cohort() -> pd.DataFrame:
    """The study's patients with only ids and endpoints plus a text column ``arm`` (A/B, patient
    3 missing) and a numeric ``ldh`` (10 x id U/L, patient 4 missing), through the real loader."""
    import io

    from core.cohort.read import load_cohort

    rows = SEED[["patient_id", "os_months", "os_event", "rfs_months", "rfs_event"]].copy()
    rows["arm"] = ["A" if i % 2 else "B" for i in rows["patient_id"]]
    rows.loc[rows["patient_id"] == 3, "arm"] = None
    rows["ldh"] = rows["patient_id"] * 10.0
    rows.loc[rows["patient_id"] == 4, "ldh"] = None
    return load_cohort(io.BytesIO(rows.to_csv(index=False).encode()))


EXTRA = extra_cohort()


def test_extra_levels_keep_the_chosen_level_and_count_the_missing():
    result = CohortFilter(extra_levels=(("arm", ("A",)),)).apply(EXTRA)
    assert result.cohort["patient_id"].tolist() == [1, 5, 7, 9, 11, 13, 15, 17, 19]
    assert result.missing == (("arm", 1),)
    assert result.notes() == ["1 patient with no recorded arm is left out by that filter."]


def test_extra_range_is_inclusive_and_counts_the_missing():
    result = CohortFilter(extra_ranges=(("ldh", 30.0, 60.0),)).apply(EXTRA)
    assert result.cohort["patient_id"].tolist() == [3, 5, 6]
    assert result.missing == (("ldh", 1),)
    assert ids(CohortFilter(extra_ranges=(("ldh", None, 20),)), EXTRA) == [1, 2]
    assert ids(CohortFilter(extra_ranges=(("ldh", 185, None),)), EXTRA) == [19]


def test_extra_filters_combine_with_each_other():
    both = CohortFilter(extra_levels=(("arm", ("B",)),), extra_ranges=(("ldh", 30, 80),))
    assert ids(both, EXTRA) == [6, 8]
    assert both.describe() == ["arm: B", "ldh: 30–80"]
    assert both.is_active()


def test_extra_filters_round_trip_through_dict_json_and_link():
    cohort_filter = CohortFilter(extra_levels=(("arm", ("A", "B")),),
                                 extra_ranges=(("ldh", 12.5, None),))
    assert CohortFilter.from_dict(json.loads(json.dumps(cohort_filter.to_dict()))) == \
        cohort_filter
    params = cohort_filter.to_query_params()
    assert params == {"x.arm": "A,B", "x.ldh.min": "12.5"}
    assert filter_from_query_params(params, EXTRA) == (cohort_filter, [])


def test_extra_filter_link_notices():
    params = {"x.arm": "A,C", "x.nope": "1", "x.ldh.min": "abc", "x.ldh.max": "40",
              "x.<script>alert(1)</script>": "<b>x</b>"}
    cohort_filter, notices = filter_from_query_params(params, EXTRA)
    assert cohort_filter == CohortFilter(extra_levels=(("arm", ("A",)),),
                                         extra_ranges=(("ldh", None, 40.0),))
    assert any("arm' 'C', which this cohort does not have" in n for n in notices)
    assert any("column 'nope' that this cohort does not have" in n for n in notices)
    assert any("'abc' is not a finite number" in n for n in notices)
    hostile = [n for n in notices if "scriptalert" in n]
    assert len(hostile) == 1 and "<" not in hostile[0]
    _, notices = filter_from_query_params({"x.ldh.min": "50", "x.ldh.max": "10"}, EXTRA)
    assert notices == ["The link's range on 'ldh' is empty (minimum above maximum) and was "
                       "ignored."]
    # the seed cohort has no extra columns: every x. key is a notice, nothing is filtered
    cohort_filter, notices = filter_from_query_params({"x.arm": "A"}, SEED)
    assert cohort_filter == CohortFilter() and len(notices) == 1


def test_extra_filter_errors():
    with pytest.raises(ValueError, match=r"range on 'ldh' is empty: minimum 5 is above maximum 1"):
        CohortFilter(extra_ranges=(("ldh", 5, 1),))
    with pytest.raises(ValueError, match=r"names an extra column twice"):
        CohortFilter(extra_levels=(("ldh", ("1",)),), extra_ranges=(("ldh", 5, None),))
    with pytest.raises(TypeError, match=r"extra_levels must hold \(column, tuple of strings\)"):
        CohortFilter(extra_levels=(("arm", "A"),))
    with pytest.raises(TypeError, match=r"extra_ranges names a column 3, not a string"):
        CohortFilter(extra_ranges=((3, 1, 2),))
    with pytest.raises(CohortError, match=r"column\(s\) 'arm' that this cohort does not have"):
        CohortFilter(extra_levels=(("arm", ("A",)),)).apply(SEED)
    with pytest.raises(CohortError, match=r"range filter needs a numeric column, but 'arm'"):
        CohortFilter(extra_ranges=(("arm", 1, 2),)).apply(EXTRA)


def test_extra_filter_levels_lists_categorical_extra_columns():
    assert extra_filter_levels(EXTRA) == {"arm": ["A", "B"]}
    assert extra_filter_levels(SEED) == {}
    assert is_filter_key("x.arm") and is_filter_key("age_min") and not is_filter_key("tab")

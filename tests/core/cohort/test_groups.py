"""Custom groups: rules, first match wins, missing values counted, JSON/URL round trips."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort.groups import (
    CUSTOM_GROUP_COLUMN,
    Condition,
    GroupDefinition,
    GroupRule,
    apply_groups,
    assign_groups,
    rule_operators,
    with_custom_group,
)
from core.cohort.read import load_seed_cohort
from core.errors import CohortError

ADVERSE_MRD = GroupRule("Adverse & MRD+", (Condition("eln2022_risk", "==", "adverse"),
                                           Condition("mrd_pre_status", "==", "positive")))
OLD = GroupRule("60 or older", (Condition("age", ">=", 60),))


@pytest.fixture(scope="module")
def seed() -> pd.DataFrame:
    return load_seed_cohort()


def test_adverse_and_mrd_positive_vs_everyone_else(seed):
    labels = apply_groups(seed, GroupDefinition((ADVERSE_MRD,)))
    expected = (seed["eln2022_risk"] == "adverse") & (seed["mrd_pre_status"] == "positive")
    assert (labels[expected] == "Adverse & MRD+").all()
    assert (labels[~expected] == "Everyone else").all()
    assert expected.sum() >= 1


def test_first_match_wins_and_overlaps_are_counted(seed):
    result = assign_groups(seed, GroupDefinition((ADVERSE_MRD, OLD)))
    both = ((seed["eln2022_risk"] == "adverse") & (seed["mrd_pre_status"] == "positive")
            & (seed["age"] >= 60))
    assert (result.labels[both] == "Adverse & MRD+").all()
    assert result.overlaps == {"Adverse & MRD+": 0, "60 or older": int(both.sum())}
    assert sum(result.counts.values()) == len(seed)
    assert list(result.counts) == ["Adverse & MRD+", "60 or older", "Everyone else"]


def test_without_everyone_else_the_rest_is_unlabelled(seed):
    labels = apply_groups(seed, GroupDefinition((OLD,), other=None))
    assert labels[seed["age"] >= 60].eq("60 or older").all()
    assert labels[seed["age"] < 60].isna().all()


def test_numeric_operators(seed):
    for op, compare in [(">", np.greater), (">=", np.greater_equal), ("<", np.less),
                        ("<=", np.less_equal), ("==", np.equal), ("!=", np.not_equal)]:
        rule = GroupRule("g", (Condition("wbc", op, 47.4),))
        labels = apply_groups(seed, GroupDefinition((rule,), other=None))
        assert (labels == "g").to_numpy().tolist() == compare(seed["wbc"], 47.4).tolist(), op


def test_in_and_not_equal_on_categories(seed):
    rule = GroupRule("not favorable", (Condition("eln2022_risk", "in",
                                                 ("intermediate", "adverse")),))
    labels = apply_groups(seed, GroupDefinition((rule,), other=None))
    assert (labels.notna() == seed["eln2022_risk"].isin(["intermediate", "adverse"])).all()
    rule = GroupRule("men", (Condition("sex", "!=", "F"),))
    assert (apply_groups(seed, GroupDefinition((rule,), other=None)).notna()
            == (seed["sex"] == "M")).all()


def test_missing_values_are_counted_never_guessed(seed):
    cohort = seed.copy()
    cohort.loc[[0, 1], "mrd_pre_status"] = np.nan   # patient 1 intermediate, 2 adverse
    result = assign_groups(cohort, GroupDefinition((ADVERSE_MRD, OLD)))
    # patient 1 is not adverse: the AND is false whatever MRD is, so the rule is decided
    assert result.labels[0] == ("60 or older" if cohort.loc[0, "age"] >= 60 else "Everyone else")
    # patient 2 is adverse with unknown MRD: unplaced, even though 62 >= 60
    assert pd.isna(result.labels[1])
    assert result.missing == (("Adverse & MRD+", "MRD before maintenance", 1, ("2",)),)
    assert "1 patient could not be placed: no recorded MRD before maintenance" in \
        result.notes()[0]


def test_definition_round_trips_dict_json_and_hostile_text():
    hostile = GroupDefinition((
        GroupRule('<script>alert("x")</script> & "q"', (
            Condition("fab", "in", ("M2a", "it's; DROP", "=HYPERLINK()")),
            Condition("age", "<", 40.5))),
        GroupRule("Ünïcødé ✓", (Condition("sex", "==", "F"),))), other="Rest, etc.")
    assert GroupDefinition.from_dict(hostile.to_dict()) == hostile
    text = hostile.to_json()
    assert text.isascii() and "<script>" in text  # data, escaped where shown, never run
    assert GroupDefinition.from_json(text) == hostile
    assert json.loads(text)["groups"][1]["name"] == "Ünïcødé ✓"


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.text(min_size=1, max_size=40).filter(str.strip), min_size=1, max_size=4,
                unique=True),
       st.lists(st.text(max_size=30), min_size=1, max_size=3),
       st.floats(allow_nan=False, allow_infinity=False, width=32))
def test_any_text_round_trips(names, values, number):
    groups = tuple(GroupRule(n, (Condition("fab", "in", tuple(values)),
                                 Condition("age", ">=", number))) for n in names)
    definition = GroupDefinition(groups, other=None)
    assert GroupDefinition.from_json(definition.to_json()) == definition


def test_describe_shows_the_rules():
    lines = GroupDefinition((ADVERSE_MRD, OLD)).describe()
    assert lines == ["Adverse & MRD+: ELN 2022 risk == adverse AND MRD before maintenance == "
                     "positive", "60 or older: Age (years) >= 60", "Everyone else: every "
                     "other patient"]


def test_with_custom_group_adds_the_column(seed):
    out = with_custom_group(seed, GroupDefinition((OLD,)))
    assert CUSTOM_GROUP_COLUMN in out.columns and CUSTOM_GROUP_COLUMN not in seed.columns
    assert with_custom_group(seed, None) is seed
    assert rule_operators(seed, "age") == ("==", "!=", ">", ">=", "<", "<=")
    assert rule_operators(seed, "sex") == ("==", "!=", "in")


def test_errors_name_the_rule_and_the_fix(seed):
    with pytest.raises(CohortError, match="Operator '=~' is not one of"):
        Condition("age", "=~", 3)
    with pytest.raises(CohortError, match="must be a finite number"):
        Condition("age", ">=", float("nan"))
    with pytest.raises(CohortError, match="compares with text; >= needs a number"):
        Condition("age", ">=", "sixty")
    with pytest.raises(CohortError, match="needs at least one group"):
        GroupDefinition(())
    with pytest.raises(CohortError, match="must be 1 to 40 characters"):
        GroupDefinition((GroupRule("  ", (Condition("age", ">", 1),)),))
    with pytest.raises(CohortError, match="'a' is used twice"):
        GroupDefinition((GroupRule("a", (Condition("age", ">", 1),)),), other="a")
    with pytest.raises(CohortError, match="needs 1 to 6 conditions"):
        GroupDefinition((GroupRule("a", ()),))
    with pytest.raises(CohortError, match="at most 8"):
        GroupDefinition(tuple(GroupRule(str(i), (Condition("age", ">", i),)) for i in range(9)))
    with pytest.raises(CohortError, match="Column `nope` of the rule"):
        apply_groups(seed, GroupDefinition((GroupRule("a", (Condition("nope", "==", "x"),)),)))
    with pytest.raises(CohortError, match="compares a number with the text column `sex`"):
        apply_groups(seed, GroupDefinition((GroupRule("a", (Condition("sex", "==", 1),)),)))
    with pytest.raises(CohortError, match="is 1501 characters long"):
        GroupDefinition.from_json("x" * 1501)
    with pytest.raises(CohortError, match="not valid JSON"):
        GroupDefinition.from_json("{oops")
    with pytest.raises(CohortError, match="not an object"):
        GroupDefinition.from_json("[1, 2]")
    with pytest.raises(CohortError, match=r"malformed \(KeyError"):
        GroupDefinition.from_json('{"other": null}')
    with pytest.raises(CohortError, match=r"malformed \(ValueError"):
        GroupDefinition.from_json('{"groups": [{"name": "a", "conditions": [["age", ">"]]}]}')


def test_custom_groups_line_counts_every_group_and_the_unplaced():
    """Five patients, one without a WBC: the rule "WBC > 50" places 2, everyone else 2, and
    the one without a value is in no group."""
    cohort = pd.DataFrame({"patient_id": list("abcde"), "wbc": [10.0, 60.0, None, 80.0, 5.0]})
    assignment = assign_groups(cohort, GroupDefinition(
        (GroupRule("High WBC", (Condition("wbc", ">", 50),)),), other="Rest"))
    assert assignment.answer() == ("Custom groups of the 5 filtered patients: High WBC 2, "
                                   "Rest 2 (1 in no group); compare them on every "
                                   "page, as the column “Custom group”.")

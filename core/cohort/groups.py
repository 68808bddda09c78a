"""Custom patient groups built from rules, e.g. "ELN adverse AND MRD positive" vs everyone else.

Design: a :class:`GroupDefinition` is plain, frozen data: named groups, each the AND of
conditions on one column (``eln2022_risk == adverse``, ``age >= 60``, ``wbc > 50``), and an
optional label for everyone else. It round-trips through a dict, compact JSON and a URL query
value, so a copied link rebuilds the same groups; text from a link is checked like a user's
input (known operators only, bounded length, no code is ever evaluated). Applying it gives one
label per patient (:func:`apply_groups`), used as a filter and a stratifier on every page.

Conventions:

- **First match wins**: a patient matching several groups belongs to the first in the
  definition's order; :attr:`GroupAssignment.overlaps` counts how many were claimed by an
  earlier group, so the order is never a hidden choice.
- **Missing values are never guessed**: a condition on a missing value is *unknown*; a group's
  AND is false as soon as one condition is false, true when all are true, else unknown
  (Kleene's three-valued logic). A patient whose first not-false group is unknown gets no label
  (NaN) and is counted in :attr:`GroupAssignment.missing` with the column and the group, rather
  than falling through to a later group or to "everyone else".
- Category values compare as text (``==``, ``!=``, ``in``); numeric columns compare as numbers
  (``==, !=, >, >=, <, <=``) in the column's unit (age in years, WBC x10^9/L).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cohort.schema import LABELS
from core.errors import CohortError

CUSTOM_GROUP_COLUMN = "Custom group"
"""Name of the derived column (also its label in captions, legends and menus)."""
OPERATORS: tuple[str, ...] = ("==", "!=", "in", ">", ">=", "<", "<=")
NUMERIC_OPERATORS = ("==", "!=", ">", ">=", "<", "<=")
TEXT_OPERATORS = ("==", "!=", "in")
MAX_GROUPS = 8
MAX_CONDITIONS = 6
MAX_NAME = 40
MAX_QUERY_LENGTH = 1500
"""Longest ``groups`` query value accepted from a link."""
DEFAULT_OTHER = "Everyone else"


@dataclass(frozen=True)
class Condition:
    """One comparison: ``column op value``.

    Parameters
    ----------
    column : str
        A cohort column.
    op : {"==", "!=", "in", ">", ">=", "<", "<="}
    value : str, float or tuple of str
        Text for ``==``/``!=`` on a category, a tuple of texts for ``in``, a number (in the
        column's unit) for a numeric column.
    """

    column: str
    op: str
    value: str | float | tuple[str, ...]

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise CohortError([f"Operator {self.op!r} is not one of {', '.join(OPERATORS)}. "
                               "Fix: choose one of these."])
        if self.op == "in":
            values = (self.value,) if isinstance(self.value, str) else tuple(self.value)
            object.__setattr__(self, "value", tuple(str(v) for v in values))
        elif isinstance(self.value, (int, float, np.integer, np.floating)) and not isinstance(
                self.value, bool):
            if not math.isfinite(float(self.value)):
                raise CohortError([f"The value of `{self.column} {self.op}` must be a finite "
                                   f"number, not {self.value!r}. Fix: enter a number."])
            object.__setattr__(self, "value", float(self.value))
        elif self.op in (">", ">=", "<", "<="):
            raise CohortError([f"`{self.column} {self.op} {self.value!r}` compares with text; "
                               f"{self.op} needs a number. Fix: enter a number."])
        else:
            object.__setattr__(self, "value", str(self.value))

    def describe(self) -> str:
        """e.g. ``"ELN 2022 risk == adverse"``, ``"Age (years) >= 60"``."""
        label = LABELS.get(self.column, self.column)
        if self.op == "in":
            return f"{label} in {{{', '.join(self.value)}}}"
        value = f"{self.value:g}" if isinstance(self.value, float) else self.value
        return f"{label} {self.op} {value}"

    def evaluate(self, cohort: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        """(True where the condition holds, True where it is unknown: the value is missing)."""
        if self.column not in cohort.columns:
            raise CohortError([f"Column `{self.column}` of the rule `{self.describe()}` is not "
                               "in the cohort. Fix: rebuild the group with the cohort's "
                               "columns."])
        column = cohort[self.column]
        unknown = column.isna()
        if isinstance(self.value, float):
            values = pd.to_numeric(column, errors="coerce")
            if (column.notna() & values.isna()).any():
                raise CohortError([f"`{self.describe()}` compares a number with the text "
                                   f"column `{self.column}`. Fix: compare with one of its "
                                   "values (==, != or in)."])
            compare = {"==": values.eq, "!=": values.ne, ">": values.gt, ">=": values.ge,
                       "<": values.lt, "<=": values.le}[self.op]
            holds = compare(self.value)
        else:
            text = column.astype(str).where(~unknown)
            if self.op == "in":
                holds = text.isin(self.value)
            elif self.op == "==":
                holds = text.eq(self.value)
            else:
                holds = text.ne(self.value)
        return holds.fillna(False).astype(bool) & ~unknown, unknown


@dataclass(frozen=True)
class GroupRule:
    """A named group: the patients for whom every condition holds (AND)."""

    name: str
    conditions: tuple[Condition, ...]

    def describe(self) -> str:
        return " AND ".join(c.describe() for c in self.conditions)


@dataclass(frozen=True)
class GroupDefinition:
    """Named groups in priority order, and the label of everyone else.

    Parameters
    ----------
    groups : tuple of GroupRule
        Evaluated in order; the first group a patient matches is theirs.
    other : str or None
        Label of the patients matching no group; None leaves them unlabelled (NaN), so a
        stratified analysis compares only the named groups and counts the rest as left out.
    """

    groups: tuple[GroupRule, ...]
    other: str | None = DEFAULT_OTHER

    def __post_init__(self) -> None:
        problems = []
        names = [g.name for g in self.groups]
        if not self.groups:
            problems.append("A group definition needs at least one group. Fix: add a group.")
        if len(self.groups) > MAX_GROUPS:
            problems.append(f"{len(self.groups)} groups defined; at most {MAX_GROUPS}. Fix: "
                            "merge groups.")
        for name in [*names, *([self.other] if self.other is not None else [])]:
            if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
                problems.append(f"Group name {str(name)[:60]!r} must be 1 to {MAX_NAME} "
                                "characters. Fix: give the group a short name.")
        labels = [*names, *([self.other] if self.other is not None else [])]
        duplicated = sorted({n for n in labels if labels.count(n) > 1})
        if duplicated:
            problems.append(f"Group names must differ; {', '.join(map(repr, duplicated))} "
                            "is used twice. Fix: rename one.")
        for group in self.groups:
            if not group.conditions or len(group.conditions) > MAX_CONDITIONS:
                problems.append(f"Group {group.name!r} needs 1 to {MAX_CONDITIONS} conditions "
                                f"(has {len(group.conditions)}). Fix: add or remove a rule.")
        if problems:
            raise CohortError(problems)

    # ---- serialisation ---------------------------------------------------------------------
    def to_dict(self) -> dict:
        """A JSON-serialisable dict: ``{"groups": [{"name", "conditions": [[column, op,
        value], ...]}], "other": label or None}``."""
        return {"groups": [{"name": g.name,
                            "conditions": [[c.column, c.op,
                                            list(c.value) if isinstance(c.value, tuple)
                                            else c.value] for c in g.conditions]}
                           for g in self.groups],
                "other": self.other}

    @classmethod
    def from_dict(cls, data: Mapping) -> GroupDefinition:
        """Inverse of :meth:`to_dict`; anything malformed raises :class:`CohortError`."""
        try:
            groups = tuple(
                GroupRule(name=str(g["name"]), conditions=tuple(
                    Condition(str(column), str(op), tuple(value) if isinstance(value, list)
                              else value)
                    for column, op, value in g["conditions"]))
                for g in data["groups"])
            other = data.get("other", DEFAULT_OTHER)
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, CohortError):
                raise
            raise CohortError([f"The group definition is malformed ({type(error).__name__}: "
                               f"{str(error)[:80]}). Fix: rebuild the groups on the Subgroups "
                               "page."]) from None
        return cls(groups=groups, other=None if other is None else str(other))

    def to_json(self) -> str:
        """Compact JSON (non-ASCII kept as ``\\u`` escapes, so it is safe in any URL)."""
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=True)

    @classmethod
    def from_json(cls, text: str) -> GroupDefinition:
        """Inverse of :meth:`to_json`; text from a link is bounded and parsed as data only."""
        if len(text) > MAX_QUERY_LENGTH:
            raise CohortError([f"The group definition in the link is {len(text)} characters "
                               f"long (at most {MAX_QUERY_LENGTH}); it was ignored. Fix: "
                               "rebuild the groups."])
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise CohortError(["The group definition in the link is not valid JSON; it was "
                               "ignored. Fix: rebuild the groups on the Subgroups page."]
                              ) from None
        if not isinstance(data, dict):
            raise CohortError(["The group definition in the link is not an object; it was "
                               "ignored. Fix: rebuild the groups on the Subgroups page."])
        return cls.from_dict(data)

    def chosen_from_link(self, text: str) -> list[str]:
        """The group labels a link's group filter (a JSON list) names, in its order; anything
        else in it (other values, nesting, too long a text) is ignored."""
        if len(text) > MAX_QUERY_LENGTH:
            return []
        try:
            values = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            return []
        labels = self.labels
        return [v for v in values if isinstance(v, str) and v in labels] \
            if isinstance(values, list) else []

    def describe(self) -> list[str]:
        """One line per group, e.g. ``"High risk: ELN 2022 risk == adverse AND ..."``,
        then the rule of everyone else."""
        lines = [f"{g.name}: {g.describe()}" for g in self.groups]
        if self.other is not None:
            lines.append(f"{self.other}: every other patient")
        return lines

    def caption(self) -> str:
        """The rules in one sentence for captions, exports and slides, e.g. ``"Custom group:
        High risk = ELN 2022 risk == adverse AND MRD ... == positive; Everyone else = every
        other patient (first matching rule wins)."``"""
        rules = [f"{g.name} = {g.describe()}" for g in self.groups]
        if self.other is not None:
            rules.append(f"{self.other} = every other patient")
        return (f"{CUSTOM_GROUP_COLUMN}: " + "; ".join(rules)
                + " (first matching rule wins).")

    def rules(self) -> dict[str, str]:
        """Each label's rule, e.g. ``{"High risk": "ELN 2022 risk == adverse AND ...",
        "Everyone else": "every other patient"}`` (for a table's rule column)."""
        rules = {g.name: g.describe() for g in self.groups}
        if self.other is not None:
            rules[self.other] = "every other patient"
        return rules

    @property
    def labels(self) -> tuple[str, ...]:
        """Group labels in order (everyone else last)."""
        return (*[g.name for g in self.groups], *([self.other] if self.other else []))


@dataclass(frozen=True)
class GroupAssignment:
    """The outcome of :func:`assign_groups`.

    Attributes
    ----------
    labels : pandas.Series
        Group label per patient (index of the cohort), NaN for patients in no group.
    counts : dict of str to int
        Patients per group, in the definition's order.
    missing : tuple of (str, str, int, tuple of str)
        (group, column(s), patients, their ids): patients left unlabelled because a value the
        group's rule needs is missing.
    overlaps : dict of str to int
        Per group, patients who also match it but were claimed by an earlier group.
    """

    labels: pd.Series
    counts: dict[str, int]
    missing: tuple[tuple[str, str, int, tuple[str, ...]], ...]
    overlaps: dict[str, int]

    def notes(self) -> list[str]:
        """Readable sentences for the screen."""
        lines = []
        for group, columns, count, ids in self.missing:
            who = ", ".join(ids[:10]) + (" …" if len(ids) > 10 else "")
            lines.append(f"{count} patient{'s' if count != 1 else ''} could not be placed: "
                         f"no recorded {columns} for the rule of {group!r} ({who}).")
        for group, count in self.overlaps.items():
            if count:
                lines.append(f"{count} patient{'s' if count != 1 else ''} also matching "
                             f"{group!r} belong to an earlier group (first match wins).")
        return lines

    def answer(self) -> str:
        """The groups in one line, shown first on the Subgroups page's Custom groups tab.

        Examples
        --------
        "Custom groups of the 19 filtered patients: Adverse & MRD+ 3, Everyone else 16;
        compare them on every page, as the column “Custom group”."
        """
        placed = ", ".join(f"{name} {count:,}" for name, count in self.counts.items())
        unplaced = int(self.labels.isna().sum())
        return (f"Custom groups of the {len(self.labels):,} filtered patients: {placed}"
                + (f" ({unplaced:,} in no group)" if unplaced else "")
                + f"; compare them on every page, as the column “{CUSTOM_GROUP_COLUMN}”.")


def assign_groups(cohort: pd.DataFrame, definition: GroupDefinition) -> GroupAssignment:
    """Label every patient with the first group whose rule they match.

    Parameters
    ----------
    cohort : pandas.DataFrame
        One row per patient.
    definition : GroupDefinition

    Returns
    -------
    GroupAssignment

    Raises
    ------
    CohortError
        A rule names a column the cohort does not have, or compares a text column with a
        number.
    """
    ids = (cohort["patient_id"].astype(str) if "patient_id" in cohort.columns
           else pd.Series([f"row {i + 2}" for i in range(len(cohort))], index=cohort.index))
    labels = pd.Series(np.nan, index=cohort.index, dtype=object)
    open_ = pd.Series(True, index=cohort.index)  # not yet placed, not blocked by unknown
    missing, overlaps, counts = [], {}, {}
    for group in definition.groups:
        holds = pd.Series(True, index=cohort.index)
        unknown = pd.Series(False, index=cohort.index)
        false = pd.Series(False, index=cohort.index)
        unknown_columns: dict[str, pd.Series] = {}
        for condition in group.conditions:
            true_, unk = condition.evaluate(cohort)
            false |= ~true_ & ~unk
            unknown |= unk
            unknown_columns[condition.column] = unk
            holds &= true_
        is_unknown = unknown & ~false
        overlaps[group.name] = int((holds & ~open_ & labels.notna()).sum())
        placed = holds & open_
        labels[placed] = group.name
        counts[group.name] = int(placed.sum())
        blocked = is_unknown & open_
        if blocked.any():
            columns = ", ".join(LABELS.get(c, c) for c, unk in unknown_columns.items()
                                if (unk & blocked).any())
            missing.append((group.name, columns, int(blocked.sum()), tuple(ids[blocked])))
        open_ &= ~placed & ~blocked
    if definition.other is not None:
        labels[open_] = definition.other
        counts[definition.other] = int(open_.sum())
    return GroupAssignment(labels=labels, counts=counts, missing=tuple(missing),
                           overlaps=overlaps)


def apply_groups(cohort: pd.DataFrame, definition: GroupDefinition) -> pd.Series:
    """The group label per patient (NaN for none); see :func:`assign_groups` for the counts
    of patients left unlabelled."""
    return assign_groups(cohort, definition).labels


def with_custom_group(cohort: pd.DataFrame, definition: GroupDefinition | None
                      ) -> pd.DataFrame:
    """A copy of ``cohort`` with the column :data:`CUSTOM_GROUP_COLUMN` (unchanged when
    ``definition`` is None)."""
    if definition is None:
        return cohort
    return cohort.assign(**{CUSTOM_GROUP_COLUMN: apply_groups(cohort, definition)})


def rule_operators(cohort: pd.DataFrame, column: str) -> tuple[str, ...]:
    """Operators offered for ``column``: comparisons for a numeric column, equality and
    membership for a categorical one."""
    if pd.api.types.is_numeric_dtype(cohort[column]) and not pd.api.types.is_bool_dtype(
            cohort[column]):
        return NUMERIC_OPERATORS
    return TEXT_OPERATORS

"""The project's two error types.

Both subclass :class:`ValueError`, so callers that only know the standard library can still
catch them. Pages catch exactly these two and show them with ``st.error``; any other exception
is a bug.
"""

from __future__ import annotations


class CohortError(ValueError):
    """A cohort could not be loaded or failed validation.

    Parameters
    ----------
    problems : list of str
        Every problem found (not just the first), each naming the row(s), the column, the
        offending value(s) and the fix.

    Attributes
    ----------
    problems : list of str
        The problems, in the order they were found.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = f"The cohort has {count} problem{'s' if count != 1 else ''}:"
        super().__init__("\n".join([head, *(f"- {p}" for p in self.problems)]))


class AnalysisError(ValueError):
    """An analysis cannot be computed on the data it was given.

    The message states the rule that failed, the offending values and what the user can do
    (for example: "no events in the filtered cohort; widen the filters").
    """

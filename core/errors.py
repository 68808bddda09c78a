"""The project's two error types, and the one vocabulary of caveats on a result.

Both errors subclass :class:`ValueError`, so callers that only know the standard library can
still catch them. Pages catch exactly these two and show them with ``st.error``; any other
exception is a bug.

Three grades of "something the reader must know", the same for every model result (Cox,
counts-based Cox, Firth, Fine-Gray, cause-specific, time-dependent):

- an error (:class:`AnalysisError`): no answer at all, the page says why;
- ``.warnings``: an answer was computed, but (part of) it must not be read: no convergence, a
  diverging coefficient, a level without events, separation. Pages show them with
  ``st.warning`` and hide or mark the numbers concerned;
- ``.notes``: the answer stands, read it with care: few events per coefficient, a sample of a
  registry, low power of a test. Pages show them as captions or ``st.info``.

A result carries both as tuples of plain sentences (``warnings: tuple[str, ...]`` and
``notes: tuple[str, ...]``); :class:`Caveats` holds them for code that gathers several results.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


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


@dataclass(frozen=True)
class Caveats:
    """The warnings and notes of one or more results (see the module docstring for the grades).

    Attributes
    ----------
    warnings : tuple of str
        What must not be read, in plain sentences, each once, in the order first seen.
    notes : tuple of str
        What to read with care, likewise.

    Examples
    --------
    >>> a = Caveats(warnings=("The fit did not converge.",))
    >>> (a + Caveats(notes=("Only 4 events.",)) + a).notes
    ('Only 4 events.',)
    >>> bool(Caveats())
    False
    """

    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "warnings", tuple(dict.fromkeys(self.warnings)))
        object.__setattr__(self, "notes", tuple(dict.fromkeys(self.notes)))

    def __bool__(self) -> bool:
        return bool(self.warnings or self.notes)

    def __add__(self, other: Caveats) -> Caveats:
        return Caveats(self.warnings + other.warnings, self.notes + other.notes)

    def prefixed(self, prefix: str) -> Caveats:
        """The same caveats, each starting with ``prefix`` (e.g. ``"Cause-specific Cox: "``)."""
        return Caveats(tuple(prefix + w for w in self.warnings),
                       tuple(prefix + n for n in self.notes))

    @classmethod
    def of(cls, results: Iterable[object]) -> Caveats:
        """The caveats of several results, read from their ``.warnings`` and ``.notes``
        (a result without ``.notes`` has none)."""
        out = cls()
        for result in results:
            out += cls(tuple(getattr(result, "warnings", ())), tuple(getattr(result, "notes", ())))
        return out

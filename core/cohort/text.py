"""Words and numbers for people: plurals, numbers as written, and user text made inert.

Design: every sentence the app writes about counts goes through :func:`plural`, every number
shown in a table or an export through :func:`format_number`, and every piece of user-supplied
text (a category value from an uploaded file, a column name, a link's value) through
:func:`plotly_safe` before it reaches a plotly label, legend or hover text, or through
:func:`markdown_safe` before it reaches Streamlit Markdown. One helper per rule, here in the
ground floor of ``core`` so that cohort, survival, patients and report use the same ones.

Conventions
-----------
- ``plural(1, "patient")`` is ``"1 patient"``; ``plural(2, "patient")`` ``"2 patients"``;
  a non-integer count (``1.5 months``) is plural, as in English.
- Numbers: a whole number prints without decimals (``59``, not ``59.0``); any other float
  prints with the shortest text that reads back to the same value (Python's ``repr``).
- plotly renders a small HTML subset in every text property (``<b>``, ``<a href>``, ``<br>``)
  and has no switch to turn it off; :func:`plotly_safe` replaces ``&``, ``<`` and ``>`` with
  HTML entities, which plotly draws as the characters themselves. Markdown additionally turns
  a bare URL or e-mail address into a link (GitHub-flavoured autolinks). Streamlit does so
  even when the ``:``, ``.`` or ``@`` is a backslash escape or a character reference (seen in
  Chromium with Streamlit 1.67), so :func:`markdown_safe` puts an invisible WORD JOINER
  (U+2060) inside every such pattern: after the ``:`` of a scheme, after ``www`` and before
  ``@``. The text reads and copies the same, and no pattern is left to link.

References: plotly.js ``lib/svg_text_utils.js`` (the tags it renders); CommonMark 0.31 §2.4
(backslash escapes), GFM autolinks extension.
"""

from __future__ import annotations

import math
import re
from numbers import Number

from core.errors import AnalysisError

MAX_EXACT_INTEGER = 2 ** 53
"""Beyond this, a float is not guaranteed to be an integer written exactly; it keeps its
float notation."""


def plural(count: float, noun: str, plural_form: str | None = None) -> str:
    """``"<count> <noun>"`` with the noun in the right number.

    Parameters
    ----------
    count : int or float
        The count; printed by :func:`format_number` (``1``, ``2``, ``1.5``), whole counts
        with thousands separators (``10,000,000 patients``, as the page headers print them).
    noun : str
        Singular form (``"patient"``, ``"month"``, ``"group"``).
    plural_form : str, optional
        Irregular plural (default: ``noun + "s"``).

    Examples
    --------
    >>> plural(1, "patient"), plural(3, "relapse"), plural(1.5, "month")
    ('1 patient', '3 relapses', '1.5 months')
    >>> plural(10_000_000, "patient")
    '10,000,000 patients'
    """
    word = noun if count == 1 else (plural_form or noun + "s")
    shown = format_number(count)
    if shown.lstrip("-").isdigit():  # a whole count: 10,000,000 as in the headers
        shown = f"{int(shown):,}"
    return f"{shown} {word}"


def format_number(value: object) -> str:
    """A number as a reader expects it: ``59`` for 59.0, ``0.5`` for 0.5, ``""`` for missing.

    Parameters
    ----------
    value : int, float, numpy number, or None
        Anything else is returned as ``str(value)``.

    Returns
    -------
    str
        Whole floats (up to 2**53 in magnitude) without a decimal point; other floats with
        the shortest decimal text that reads back to the same float; NaN and None as ``""``.
        Infinite values as ``"inf"`` / ``"-inf"``.
    """
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, Number):
        return str(value)
    number = float(value)
    if math.isnan(number):
        return ""
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    if number.is_integer() and abs(number) <= MAX_EXACT_INTEGER:
        return str(int(number))
    return repr(number)


_PLOTLY_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def plotly_safe(text: object) -> str:
    """User text that plotly draws as typed: no tag in it is rendered.

    ``<a href="https://example.org">x</a>`` shows as those characters, not as a link;
    ``<b>`` is not bold. Use for every value from the data that goes into a trace name,
    legend, axis label, annotation or hover text; the app's own markup (``<br>``, ``<b>``)
    is added around the escaped value.

    Examples
    --------
    >>> plotly_safe('<b>x</b> & y')
    '&lt;b&gt;x&lt;/b&gt; &amp; y'
    """
    return str(text).translate(_PLOTLY_ESCAPES)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$@&])")
_CODE_SPAN = re.compile(r"(`[^`\n]*`)")


def markdown_safe(text: object) -> str:
    """User text that Streamlit's Markdown shows as typed.

    Outside code spans every character that makes emphasis, links, HTML, tables, headings,
    maths or e-mail links is backslash-escaped (CommonMark renders ``\\_`` as ``_``), and a
    bare URL or address (``https://...``, ``www.``, ``name@host``, ``mailto:``) cannot become
    a link: a ``:`` followed by a non-space (as in ``://``, Streamlit's ``:red[...]`` and
    ``:emoji:``) is written as a character reference followed by :data:`WORD_JOINER`, which
    also follows ``www`` and precedes ``@``. A colon followed by a space (prose, "Age: 50") is
    left alone, so the app's own sentences read unchanged. A code
    span (text between single backticks, as error messages quote column names) is left
    exactly as written, because Markdown shows a code span literally: escaping inside it
    would show the backslash (``blasts\\_pct``).

    Examples
    --------
    >>> markdown_safe("blasts_pct in `blasts_pct`")
    'blasts\\_pct in `blasts_pct`'
    """
    parts = _CODE_SPAN.split(str(text))
    return "".join(part if index % 2 else _escape_markdown(part)
                   for index, part in enumerate(parts))


WORD_JOINER = "\u2060"
"""Invisible, unbreakable: inside ``://``, ``www.`` and ``x@y`` it stops every autolink."""


def _escape_markdown(text: str) -> str:
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    escaped = escaped.replace("\\@", WORD_JOINER + "\\@")  # name@host, mailto:
    escaped = re.sub(r":(?=\S)", "&#58;" + WORD_JOINER, escaped)  # https://, :red[...]
    return re.sub(r"(?i)(www)\.", r"\1" + WORD_JOINER + ".", escaped)


MAX_MONTHS = 1200.0
"""Longest time a user may type (100 years, in months)."""
MAX_LANDMARKS = 12


def parse_months(text: str, what: str = "Landmarks") -> tuple[float, ...]:
    """Months typed by a user (``"12, 24, 30"``), sorted and without repeats.

    Parameters
    ----------
    text : str
        Numbers separated by commas, semicolons or spaces; an empty text means none.
    what : str
        The field's name, for the error message.

    Returns
    -------
    tuple of float
        At most :data:`MAX_LANDMARKS` distinct times in months, ascending.

    Raises
    ------
    core.errors.AnalysisError
        A part that is not a number, a time below 0 or above :data:`MAX_MONTHS`, or more than
        :data:`MAX_LANDMARKS` times; the message names every offending part.
    """
    parts = [p for p in re.split(r"[,;\s]+", str(text).strip()) if p]
    bad, out = [], set()
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not 0 <= value <= MAX_MONTHS:
            bad.append(part[:20])
        else:
            out.add(value)
    if bad:
        raise AnalysisError(
            f"{what}: {', '.join(repr(b) for b in bad)} "
            f"{'is not a time' if len(bad) == 1 else 'are not times'} in months between 0 and "
            f"{MAX_MONTHS:g}. Fix: type numbers separated by commas, e.g. 12, 24, 36.")
    if len(out) > MAX_LANDMARKS:
        raise AnalysisError(f"{what}: {len(out)} times given, at most {MAX_LANDMARKS} are "
                            "shown. Fix: keep the times you need.")
    return tuple(sorted(out))


def format_months(months: tuple[float, ...]) -> str:
    """``(12.0, 24.0, 30.5)`` as ``"12, 24, 30.5"`` (what :func:`parse_months` reads)."""
    return ", ".join(format_number(m) for m in months)


def parse_horizon(text: str, what: str = "RMST horizon") -> float:
    """An RMST horizon (or another horizon, named ``what`` in the message) typed or linked by
    a user, in months (1 to :data:`MAX_MONTHS`).

    Raises
    ------
    core.errors.AnalysisError
        For text that is not such a number.
    """
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or not 1 <= value <= MAX_MONTHS:
        raise AnalysisError(f"{what}: {str(text)[:20]!r} is not a number of months "
                            f"between 1 and {MAX_MONTHS:g}. Fix: type e.g. 24.")
    return value


_WIDEN = re.compile(r"\b([Ww])iden (?:the filters|them)\b")


def filter_advice(message: str, filtered: bool) -> str:
    """A message's advice fitted to the view: "widen the filters" where a filter leaves
    patients out, "use a cohort with more patients" where none does (widening nothing helps).

    Examples
    --------
    >>> filter_advice("Only 1 event. Fix: widen the filters or choose another stratifier.",
    ...               filtered=False)
    'Only 1 event. Fix: use a cohort with more patients or choose another stratifier.'
    >>> filter_advice("Widen the filters.", filtered=True)
    'Widen the filters.'
    """
    if filtered:
        return message
    return _WIDEN.sub(lambda m: ("U" if m.group(1) == "W" else "u")
                      + "se a cohort with more patients", str(message))


def parse_share_range(text: str) -> tuple[float, float]:
    """Two shares ``low, high`` with ``0 <= low < high <= 1`` (the cut-point finder's search
    range, as its slider writes it into a link: ``"0.1,0.9"`` or ``"(0.1, 0.9)"``).

    Raises
    ------
    core.errors.AnalysisError
        For anything else (one or three numbers, a share outside 0-1, ``low >= high``).
    """
    parts = [p for p in re.split(r"[,;\s]+", str(text).strip().strip("()[]")) if p]
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        low = high = math.nan
    if not (0 <= low < high <= 1):
        raise AnalysisError(f"Search range: {str(text)[:20]!r} is not two shares from 0 to 1, "
                            "the first below the second. Fix: e.g. 0.1, 0.9.")
    return low, high

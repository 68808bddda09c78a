"""Words, numbers and escaping of user text (core.cohort.text)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.cohort.text import (
    format_months,
    format_number,
    markdown_safe,
    parse_horizon,
    parse_months,
    parse_share_range,
    plotly_safe,
    plural,
)
from core.errors import AnalysisError
from core.style.numbers import p_phrase


@pytest.mark.parametrize(("count", "noun", "expected"), [
    (1, "patient", "1 patient"), (0, "patient", "0 patients"), (2, "group", "2 groups"),
    (1.0, "month", "1 month"), (1.5, "month", "1.5 months"), (12, "month", "12 months"),
    (np.int64(1), "relapse", "1 relapse"), (3, "analysis", "3 analyses"),
    (10_000_000, "patient", "10,000,000 patients"), (1200.0, "month", "1,200 months"),
])
def test_plural(count, noun, expected):
    irregular = {"analysis": "analyses"}
    assert plural(count, noun, irregular.get(noun)) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (59.0, "59"), (72, "72"), (np.float64(0.5), "0.5"), (111.58, "111.58"),
    (float("nan"), ""), (None, ""), (-3.0, "-3"), (1e20, "1e+20"), (math.inf, "inf"),
    (0.1 + 0.2, "0.30000000000000004"), ("text", "text"), (True, "True"),
])
def test_format_number(value, expected):
    assert format_number(value) == expected


@settings(max_examples=200, derandomize=True)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_format_number_reads_back_to_the_same_float(value):
    assert float(format_number(value)) == value


@pytest.mark.parametrize(("p", "expected"), [
    (0.2691, "p = 0.269"), (0.0004, "p < 0.001"), (float("nan"), "p not computable")])
def test_p_phrase_never_writes_equals_less_than(p, expected):
    assert p_phrase(p) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("12, 24, 30", (12.0, 24.0, 30.0)), ("30;12 12", (12.0, 30.0)), ("", ()),
    (" 6.5 ,", (6.5,)), ("0", (0.0,))])
def test_parse_months_any_month_the_user_types(text, expected):
    assert parse_months(text) == expected
    assert parse_months(format_months(expected)) == expected


def test_parse_months_errors_name_every_bad_part():
    with pytest.raises(AnalysisError, match=r"^Landmarks: 'a', '-3', 'inf' are not times in "
                       r"months between 0 and 1200\. Fix: type numbers separated by commas, "
                       r"e\.g\. 12, 24, 36\.$"):
        parse_months("12, a, -3, inf")
    with pytest.raises(AnalysisError, match=r"^Landmarks: '2000' is not a time in months"):
        parse_months("2000")
    with pytest.raises(AnalysisError, match=r"^Landmarks: 13 times given, at most 12 are "
                       r"shown\. Fix: keep the times you need\.$"):
        parse_months(",".join(str(m) for m in range(13)))


def test_parse_horizon():
    assert parse_horizon("24.0") == 24.0
    with pytest.raises(AnalysisError, match=r"^RMST horizon: '0' is not a number of months "
                       r"between 1 and 1200\. Fix: type e\.g\. 24\.$"):
        parse_horizon("0")
    with pytest.raises(AnalysisError, match=r"RMST horizon: 'nan' is not a number"):
        parse_horizon("nan")
    for text in ("1e308", "5000", "inf"):  # issue 25: the link's bound is the page's bound
        with pytest.raises(AnalysisError, match=r"^RMST horizon: '"):
            parse_horizon(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("0.1,0.9", (0.1, 0.9)), (" 0 , 1 ", (0.0, 1.0)), ("(0.2, 0.75)", (0.2, 0.75))])
def test_parse_share_range(text, expected):
    assert parse_share_range(text) == expected
    assert parse_share_range(",".join(map(str, expected))) == expected


@pytest.mark.parametrize("text", ["-5,5", "0.1,0.5,0.9", "0.9,0.1", "0.5,0.5", "a,b", "",
                                  "0.1", "nan,0.9"])
def test_parse_share_range_refuses_what_the_slider_cannot_show(text):
    """Issue 25: ``cut.range=-5,5`` or three values showed the generic error page."""
    with pytest.raises(AnalysisError, match=r"^Search range: '.*' is not two shares from 0 to "
                       r"1, the first below the second\. Fix: e\.g\. 0\.1, 0\.9\.$"):
        parse_share_range(text)


WJ = "\u2060"
LINK = '<a href="https://example.org">x</a>'


def test_plotly_safe_leaves_no_tag_for_plotly_to_render():
    assert plotly_safe(LINK) == '&lt;a href="https://example.org"&gt;x&lt;/a&gt;'
    assert plotly_safe("<b>bold</b> & co") == "&lt;b&gt;bold&lt;/b&gt; &amp; co"
    assert plotly_safe(12) == "12"


@pytest.mark.parametrize(("text", "expected"), [
    ("blasts_pct", "blasts\\_pct"),
    ("column `blasts_pct` is missing", "column `blasts_pct` is missing"),
    ("see https://evil.example", f"see https&#58;{WJ}//evil.example"),
    ("www.evil.example", f"www{WJ}.evil.example"),
    ("WWW.EVIL.EXAMPLE/x", f"WWW{WJ}.EVIL.EXAMPLE/x"),
    (LINK, f'\\<a href="https&#58;{WJ}//example.org"\\>x\\</a\\>'),
    ("**bold** [x](y) :red[z] $x$",
     f"\\*\\*bold\\*\\* \\[x\\](y) &#58;{WJ}red\\[z\\] \\$x\\$"),
    ("Age (years): 50-60, a@b.org", f"Age (years): 50-60, a{WJ}\\@b.org"),
    ("mailto:x@evil.example", f"mailto&#58;{WJ}x{WJ}\\@evil.example"),
])
def test_markdown_safe(text, expected):
    """Streamlit's Markdown links a bare URL even when its ``:``, ``.`` or ``@`` is a
    backslash escape or a character reference (seen in Chromium, Streamlit 1.67): only an
    invisible word joiner (U+2060) inside the pattern stops it."""
    assert markdown_safe(text) == expected


@pytest.mark.parametrize("message, filtered, expected", [
    ("Only 1 event. Fix: widen the filters.", False,
     "Only 1 event. Fix: use a cohort with more patients."),
    ("Widen the filters or choose another covariate.", False,
     "Use a cohort with more patients or choose another covariate."),
    ("No patient matches. Widen them.", False, "No patient matches. Use a cohort with more "
                                               "patients."),
    ("Only 1 event. Fix: widen the filters.", True, "Only 1 event. Fix: widen the filters."),
])
def test_filter_advice_only_says_widen_the_filters_when_a_filter_is_on(message, filtered,
                                                                       expected):
    """Seen: 'widen the filters' on a page with no filter in force."""
    from core.cohort.text import filter_advice

    assert filter_advice(message, filtered) == expected

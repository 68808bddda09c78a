"""Shared check for issue 18: user text in a plotly figure is drawn as typed.

:func:`drawn_strings` walks a figure's JSON and collects every string plotly may render
(trace names, legend groups, hover text and templates, tick text, axis and figure titles,
annotations, text); ``customdata`` is skipped because plotly never draws it (it carries raw
values back to a page). :func:`assert_drawn_as_typed` fails when a user's tag survives raw.
"""

from __future__ import annotations

from collections.abc import Iterator

import plotly.graph_objects as go

LINK = '<a href="https://example.org">x</a>'
BOLD = "<b>bold</b>"
ESCAPED_LINK = "&lt;a href=\"https://example.org\"&gt;x&lt;/a&gt;"
ESCAPED_BOLD = "&lt;b&gt;bold&lt;/b&gt;"
NOT_DRAWN = {"customdata", "template"}
"""Keys whose strings plotly does not draw as text (``template`` holds the theme only)."""


def drawn_strings(node: object) -> Iterator[str]:
    """Every string under ``node`` (a figure, or a part of its JSON), skipping
    :data:`NOT_DRAWN` keys."""
    if isinstance(node, go.Figure):
        node = node.to_plotly_json()
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key not in NOT_DRAWN:
                yield from drawn_strings(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from drawn_strings(value)
    elif hasattr(node, "tolist"):  # numpy arrays of labels
        yield from drawn_strings(node.tolist())


def assert_drawn_as_typed(figure: go.Figure, *typed: str) -> None:
    """No raw ``<a`` and no raw user ``<b>`` anywhere plotly draws text, and each value in
    ``typed`` (the user's text) appears escaped at least once (so the check is not vacuous).

    The app's own markup (``<b>`` around a heading, ``<br>``) stays allowed: a raw ``<b>``
    is only an error when it is the user's ``<b>bold</b>``.
    """
    texts = list(drawn_strings(figure))
    raw = [t for t in texts if "<a" in t or BOLD in t]
    assert not raw, f"user markup drawn raw: {raw[:3]}"
    joined = "\n".join(texts).replace("<br>", " ")  # a long label wraps at its spaces
    for value in typed:
        escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert escaped in joined, f"{value!r} is not drawn at all (escaped: {escaped!r})"

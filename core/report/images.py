"""Figures for slides and papers: PNG at 300 dpi, SVG and PDF, rendered on the server.

Design: a plotly figure (the same object a page draws) is restyled by :func:`publication_style`
for a physical size chosen from :data:`PRESETS` (a slide, half a slide, a journal's single or
double column), its caption is written into the image under the plot (the at-risk table is
already part of the Kaplan-Meier figure), and :func:`render_figure` turns it into bytes with
kaleido driving Debian's Chromium. One renderer is started per process
(``kaleido.start_sync_server``, MathJax off so the page loads nothing from another host) and
reused by every call; a lock serialises calls from Streamlit's session threads. No browser is
ever downloaded: without ``chromium`` on PATH, :func:`render_figure` raises
:class:`~core.errors.AnalysisError` naming the fix.

Conventions: sizes are physical (millimetres); layouts are drawn in CSS pixels at 96 per inch,
so fonts keep their point size (1 pt = 4/3 px). PNG is rasterised at ``scale = 300 / 96`` and
carries a ``pHYs`` chunk saying 300 dpi; SVG is the CSS-pixel size; a PDF page is the physical
size (72 pt per inch). The publication style follows survminer's ``theme_survminer``: white
background, black axis lines with outside ticks, no grid, larger fonts; groups keep the
Okabe-Ito colours and differ by dash pattern, so curves survive greyscale printing.

References
----------
Kassambara A et al. survminer: Drawing Survival Curves using ggplot2 (``ggsurvplot``,
``theme_survminer``). Okabe M, Ito K. Color Universal Design, 2008. PNG specification
(ISO/IEC 15948), chunks IHDR and pHYs.
"""

from __future__ import annotations

import copy
import re
import shutil
import struct
import textwrap
import threading
import zlib
from dataclasses import dataclass

import plotly.graph_objects as go

from core.cohort.text import plotly_safe
from core.errors import AnalysisError
from core.report.sandbox import chromium_options

CSS_PX_PER_INCH = 96.0
MM_PER_INCH = 25.4
DPI = 300
FORMATS = ("png", "svg", "pdf")
MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}


@dataclass(frozen=True)
class ImagePreset:
    """A physical figure size.

    Attributes
    ----------
    name : str
        Key in :data:`PRESETS`.
    label : str
        What a user reads in the preset menu.
    width_mm, height_mm : float
        Physical size (millimetres).
    font_px : float
        Base font size in CSS pixels at that size (axis labels; titles are larger).
    """

    name: str
    label: str
    width_mm: float
    height_mm: float
    font_px: float

    @property
    def css_size(self) -> tuple[float, float]:
        """Width and height of the layout in CSS pixels (96 per inch)."""
        return (self.width_mm / MM_PER_INCH * CSS_PX_PER_INCH,
                self.height_mm / MM_PER_INCH * CSS_PX_PER_INCH)

    def pixel_size(self, dpi: int = DPI) -> tuple[int, int]:
        """Width and height of the PNG in pixels at ``dpi``."""
        return (round(self.width_mm / MM_PER_INCH * dpi),
                round(self.height_mm / MM_PER_INCH * dpi))


PRESETS: dict[str, ImagePreset] = {p.name: p for p in (
    ImagePreset("slide_full", "Slide, full width (16:9, 338.7 x 190.5 mm)", 338.667, 190.5, 20),
    ImagePreset("slide_half", "Slide, half width (169.3 x 152.4 mm)", 169.333, 152.4, 16),
    ImagePreset("slide_body", "Slide body under a title (313.9 x 127 mm)", 313.944, 127,
                16),
    ImagePreset("journal_single", "Journal, single column (85 x 100 mm)", 85, 100, 10),
    ImagePreset("journal_double", "Journal, double column (174 x 130 mm)", 174, 130, 12),
)}
"""The sizes offered for download; ``slide_body`` is what the deck places under a slide title."""

_LOCK = threading.Lock()
_STARTED = False


def chromium_path() -> str | None:
    """Path of the Chromium kaleido will drive (``chromium`` on PATH), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _renderer() -> None:
    """Start the one warm kaleido renderer of this process (idempotent; call under _LOCK)."""
    global _STARTED
    if _STARTED:
        return
    if chromium_path() is None:
        raise AnalysisError("Figures are rendered on the server by Chromium, which is not "
                            "installed. Fix: apt-get install -y chromium (Debian's package; no "
                            "browser is downloaded), or use the camera button on the figure.")
    options = chromium_options()  # the sandbox, or no Chromium as root (core.report.sandbox)
    import kaleido  # heavy import, only when a figure is rendered

    kaleido.start_sync_server(mathjax=False, silence_warnings=True, **options)
    _STARTED = True


def publication_style(figure: go.Figure, preset: str | ImagePreset = "slide_full",
                      caption: str = "", style: str = "publication", table=None) -> go.Figure:
    """A copy of ``figure`` laid out for ``preset``, with ``caption`` written under the plot.

    Parameters
    ----------
    figure : plotly.graph_objects.Figure
        Not modified.
    preset : str or ImagePreset
        Key of :data:`PRESETS`, or a size of the caller's own (projector mode lays a figure
        out for the smallest screen it must fit).
    caption : str
        Plain text; wrapped to the figure's width. Empty for none.
    style : {"publication", "screen"}
        "publication": white background, black axis lines, outside ticks, no grid, fonts of the
        preset (survminer's look). "screen": the figure's own style, only resized.
    table : pandas.DataFrame, optional
        Text cells drawn under the plot, above the caption: the hazard ratios and medians of
        a Kaplan-Meier figure (:meth:`core.cox.annotation.GroupEffects.display`), so they
        travel with it (:func:`figure_table_layout` shrinks its font to fit the width).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    size = preset if isinstance(preset, ImagePreset) else _preset(preset)
    if style not in ("publication", "screen"):
        raise AnalysisError(f"Unknown figure style {style!r}. Fix: use 'publication' or "
                            "'screen'.")
    fig = go.Figure(copy.deepcopy(figure.to_dict()))
    width, height = size.css_size
    font = size.font_px
    if style == "publication":
        fig.update_layout(template="simple_white", paper_bgcolor="white", plot_bgcolor="white",
                          font={"size": font, "color": "black",
                                "family": "Liberation Sans, Arial, Helvetica, sans-serif"},
                          legend={"font": {"size": font}})
        fig.update_xaxes(showline=True, linecolor="black", linewidth=1.2, ticks="outside",
                         showgrid=False, zeroline=False, tickfont={"size": font},
                         title_font={"size": font * 1.1})
        fig.update_yaxes(showline=True, linecolor="black", linewidth=1.2, ticks="outside",
                         showgrid=False, zeroline=False, tickfont={"size": font},
                         title_font={"size": font * 1.1})
        fig.update_traces(textfont={"size": font * 0.95}, selector={"mode": "text"})
        if fig.layout.title and fig.layout.title.text:
            fig.update_layout(title_font={"size": font * 1.2})
    margin = fig.layout.margin
    bottom = (margin.b if margin and margin.b is not None else 50)
    top = (margin.t if margin and margin.t is not None else 40)
    left = (margin.l if margin and margin.l is not None else 70)
    right = (margin.r if margin and margin.r is not None else 20)
    scale = font / 14
    left, right, top = left * max(scale, 0.7), right * max(scale, 0.7), top * max(scale, 0.8)
    bottom = bottom * max(scale, 0.8)
    if style == "publication":
        _scale_marks(fig, max(scale, 0.6))
    caption_px = 0.0
    if table is not None and len(table):
        table_px = _add_figure_table(fig, table, width, left, bottom, font)
        bottom += table_px
    if caption:
        chars = max(int((width - 16) / (font * 0.9 * 0.6)), 30)
        lines = textwrap.wrap(caption, chars)
        caption_px = len(lines) * font * 0.9 * 1.3 + 12
        fig.add_annotation(text="<br>".join(plotly_safe(line) for line in lines), showarrow=False,
                           xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
                           xshift=-left + 8, yshift=-(bottom + 4), align="left",
                           font={"size": font * 0.9, "color": "#333333"})
    _make_room_for_risk_table(fig, height - top - bottom - caption_px, font, left)
    if style == "publication":
        _fit_axes(fig, width - left - right, height - top - bottom - caption_px, font)
    bottom += caption_px
    fig.update_layout(width=width, height=height,
                      margin={"l": left, "r": right, "t": top, "b": bottom}, autosize=False)
    return fig


def render_figure(figure: go.Figure, fmt: str = "png", preset: str = "slide_full",
                  caption: str = "", style: str = "publication", dpi: int = DPI,
                  table=None) -> bytes:
    """Render ``figure`` to PNG (300 dpi), SVG or PDF bytes at a preset's physical size.

    Parameters
    ----------
    figure : plotly.graph_objects.Figure
    fmt : {"png", "svg", "pdf"}
    preset : str
        Key of :data:`PRESETS`. PNG: :meth:`ImagePreset.pixel_size` pixels with a 300-dpi
        ``pHYs`` chunk; SVG: the CSS-pixel size; PDF: a page of the physical size.
    caption, style, table
        See :func:`publication_style`.
    dpi : int
        PNG resolution (default 300; the deck uses less to stay fast).

    Returns
    -------
    bytes

    Raises
    ------
    AnalysisError
        Unknown format or preset, or no Chromium on this machine.
    """
    if fmt not in FORMATS:
        raise AnalysisError(f"Unknown image format {fmt!r}. Fix: use one of "
                            f"{', '.join(FORMATS)}.")
    size = _preset(preset)
    fig = publication_style(figure, preset, caption, style, table)
    css_w, css_h = size.css_size
    if fmt == "png":
        px_w, px_h = size.pixel_size(dpi)
        scale = dpi / CSS_PX_PER_INCH
        # Chromium floors the device-pixel size: aim a quarter pixel above the target.
        opts = {"format": "png", "width": (px_w + 0.25) / scale,
                "height": (px_h + 0.25) / scale, "scale": scale}
    else:
        opts = {"format": fmt, "width": css_w, "height": css_h, "scale": 1}
    with _LOCK:
        _renderer()
        import kaleido

        data = kaleido.calc_fig_sync(fig, opts=opts)
    return with_png_dpi(data, dpi) if fmt == "png" else data


def _scale_marks(fig: go.Figure, factor: float) -> None:
    """Scale line widths and marker sizes with the fonts (thin lines in a journal column)."""
    for trace in fig.data:
        line = getattr(trace, "line", None)
        if line is not None and line.width:
            line.width = line.width * factor
        marker = getattr(trace, "marker", None)
        if marker is not None and getattr(marker, "size", None) is not None \
                and not isinstance(marker.size, tuple):
            marker.size = marker.size * factor


RISK_TABLE_SHARE = 0.45
"""Largest share of the plot height the number-at-risk table may take."""
MIN_TABLE_FONT = 6.0
"""Smallest font (CSS px) a table under a figure is drawn in (about 4.5 pt: the legible floor
of a printed journal figure)."""


def risk_table_font(rows: int, plot_px: float, font: float) -> float:
    """Font (CSS px) of a number-at-risk table of ``rows`` rows (KMunicate: 3 per group) so that
    every row keeps its own line within :data:`RISK_TABLE_SHARE` of the plot height (rows at
    1.6 line heights): ``font`` when it fits, smaller (not below :data:`MIN_TABLE_FONT`)."""
    room = RISK_TABLE_SHARE * plot_px
    fitting = room / (rows * 1.6 + 0.5)
    return max(MIN_TABLE_FONT, min(font, fitting))


def _make_room_for_risk_table(fig: go.Figure, plot_px: float, font: float,
                              left: float) -> None:
    """Give the number-at-risk table of :func:`core.survival.figures.km.km_figure` enough height
    for its rows at this font (a smaller one when the rows would not fit), and move its title
    above it (survminer's layout)."""
    table = [name for name in fig.layout if name.startswith("yaxis")
             and fig.layout[name].title and fig.layout[name].title.text == "Number at risk"]
    if not table or plot_px <= 0:
        return
    rows = len(fig.layout[table[0]].categoryarray or ()) or 1
    row_font = risk_table_font(rows, plot_px, font * 0.95)
    if row_font < font * 0.95:
        fig.update_traces(textfont={"size": row_font}, selector={"mode": "text"})
        fig.layout[table[0]].tickfont = {"size": row_font}
    table_f = min((rows * row_font * 1.6 + row_font * 0.5) / plot_px, RISK_TABLE_SHARE)
    gap_f = min(font * 3.4 / plot_px, 0.2)
    fig.layout[table[0]].domain = [0, table_f]
    fig.layout[table[0]].title.text = ""
    fig.layout["yaxis"].domain = [table_f + gap_f, 1]
    fig.add_annotation(text="<b>Number at risk</b>", showarrow=False, xref="paper",
                       yref="paper", x=0, y=table_f, xanchor="left", yanchor="bottom",
                       xshift=-left + 8, yshift=2, font={"size": font * 0.9})


@dataclass(frozen=True)
class TableLayout:
    """Where the columns of a table drawn under a figure go.

    Attributes
    ----------
    font : float
        Font size (CSS px), at most the figure's, smaller when the table would not fit.
    x : tuple of float
        Left edge of each column (CSS px from the figure's left edge).
    width : float
        Total width (CSS px).
    height : float
        Header plus rows (CSS px).
    fits : bool
        Whether the table fits the width at a font of at least :data:`MIN_TABLE_FONT`.
    """

    font: float
    x: tuple[float, ...]
    width: float
    height: float
    fits: bool


CHAR_EM = 0.58
"""Width of an average character of Liberation Sans / Arial in ems (digits are 0.556)."""


def figure_table_layout(table, width: float, font: float) -> TableLayout:
    """Column positions and font of ``table`` (a DataFrame of text) drawn under a figure of
    ``width`` CSS px: columns as wide as their longest entry (header included) plus one em;
    the font shrinks (to :data:`MIN_TABLE_FONT` at least) until the table fits."""
    texts = [[str(c), *map(str, table[c].tolist())] for c in table.columns]
    chars = [max(len(t) for t in column) for column in texts]
    room = width - 16

    def widths(size: float) -> list[float]:
        return [n * size * CHAR_EM + size for n in chars]

    size = font
    if sum(widths(size)) > room:
        size = max(MIN_TABLE_FONT, room / sum(n * CHAR_EM + 1 for n in chars))
    w = widths(size)
    x = [8.0]
    for step in w[:-1]:
        x.append(x[-1] + step)
    return TableLayout(font=size, x=tuple(x), width=sum(w),
                       height=(len(table) + 1) * size * 1.45, fits=sum(w) <= room + 1e-9)


def _add_figure_table(fig: go.Figure, table, width: float, left: float, bottom: float,
                      font: float) -> float:
    """Draw ``table`` (text cells) in the bottom margin, under the plot and its x-axis title;
    return the height it takes (CSS px)."""
    layout = figure_table_layout(table, width, font * 0.9)
    lines = [list(map(str, table.columns)), *[list(map(str, r)) for r in table.to_numpy()]]
    for row, cells in enumerate(lines):
        for x, text in zip(layout.x, cells, strict=True):
            fig.add_annotation(text=f"<b>{plotly_safe(text)}</b>" if row == 0 else
                               plotly_safe(text), showarrow=False, xref="paper", yref="paper",
                               x=0, y=0, xanchor="left", yanchor="top", xshift=-left + x,
                               yshift=-(bottom + 4 + row * layout.font * 1.45),
                               font={"size": layout.font, "color": "black"})
    return layout.height + 8


def _fit_axes(fig: go.Figure, plot_w: float, plot_h: float, font: float) -> None:
    """Narrow figures: keep every k-th x tick label so labels never overlap, wrap a y title
    longer than its axis, and give a legend short entries."""
    for name in fig.layout:
        axis = fig.layout[name]
        if name.startswith("xaxis") and axis.tickvals and len(axis.tickvals) > 1:
            values = list(axis.tickvals)
            widest = max(len(f"{v:g}") for v in values) * font * 0.6 + font
            step = max(1, int(-(-len(values) * widest // max(plot_w, 1))))
            axis.tickvals = values[::step]
        if name.startswith("yaxis") and axis.title and axis.title.text:
            text = axis.title.text
            domain = list(axis.domain) if axis.domain else [0, 1]
            room = (domain[1] - domain[0]) * plot_h
            if len(text) * font * 1.1 * 0.55 > room and " " in text and "<br>" not in text:
                words = text.split(" ")
                half = len(words) // 2
                axis.title.text = " ".join(words[:half]) + "<br>" + " ".join(words[half:])
    if plot_w < 500:
        fig.update_layout(legend={"font": {"size": font * 0.9}, "itemwidth": 30,
                                  "entrywidthmode": "pixels", "entrywidth": 0})


def image_filename(stem: str, fmt: str, preset: str) -> str:
    """``<stem>_<preset>.<fmt>`` with the stem reduced to safe characters."""
    safe = re.sub(r"[^0-9A-Za-z_.-]+", "_", stem).strip("_") or "figure"
    return f"{safe}_{preset}.{fmt}"


# ---- PNG inspection and the pHYs chunk ----------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height (pixels) from a PNG's IHDR chunk."""
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise AnalysisError("Not a PNG image (no PNG signature followed by IHDR). Fix: render "
                            "with fmt='png'.")
    return struct.unpack(">II", data[16:24])


def png_dpi(data: bytes) -> float | None:
    """Resolution in dots per inch from a PNG's pHYs chunk (None when absent or unitless)."""
    for kind, body in _chunks(data):
        if kind == b"pHYs":
            x_ppu, _, unit = struct.unpack(">IIB", body)
            return x_ppu * 0.0254 if unit == 1 else None
    return None


def with_png_dpi(data: bytes, dpi: int) -> bytes:
    """``data`` with a pHYs chunk saying ``dpi`` (replacing any), placed after IHDR."""
    png_size(data)
    ppm = round(dpi / 0.0254)
    body = struct.pack(">IIB", ppm, ppm, 1)
    chunk = struct.pack(">I", len(body)) + b"pHYs" + body + struct.pack(
        ">I", zlib.crc32(b"pHYs" + body) & 0xFFFFFFFF)
    kept = [data[start:end] for kind, start, end in _chunk_spans(data)
            if kind not in (b"IHDR", b"pHYs")]
    return data[:33] + chunk + b"".join(kept)  # signature (8) + IHDR chunk (25) first


def _chunk_spans(data: bytes):
    """(type, start, end) of every chunk after the signature."""
    position = 8
    while position + 8 <= len(data):
        length = struct.unpack(">I", data[position:position + 4])[0]
        yield data[position + 4:position + 8], position, position + 12 + length
        position += 12 + length


def _chunks(data: bytes):
    for kind, start, end in _chunk_spans(data):
        yield kind, data[start + 8:end - 4]


def _preset(name: str) -> ImagePreset:
    if name not in PRESETS:
        raise AnalysisError(f"Unknown figure size preset {name!r}. Fix: use one of "
                            f"{', '.join(PRESETS)}.")
    return PRESETS[name]

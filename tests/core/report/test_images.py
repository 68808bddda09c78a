"""Figure export (core.report.images): PNG/SVG/PDF bytes of the requested physical size.

Rendering needs Debian's Chromium (kaleido drives it; nothing is downloaded). Without it the
rendering tests skip with the reason, except under CI=true, where they fail: CI installs it.
"""

from __future__ import annotations

import re
import struct
import zlib

import pytest

from core.cohort.read import load_seed_cohort
from core.errors import AnalysisError
from core.report import images
from core.survival.figures.km import km_figure
from core.survival.km.summary import survival_report


@pytest.fixture(scope="module")
def km():
    report = survival_report(load_seed_cohort(), "rfs", "mrd_pre_status")
    return (km_figure(report.fit.table, report.at_risk, groups=list(report.fit.groups),
                      y_title="Relapse-free survival probability"), report.caption)


@pytest.mark.parametrize("preset", ["slide_full", "journal_single"])
def test_png_has_the_preset_pixel_size_and_300_dpi(chromium, km, preset):
    figure, caption = km
    data = images.render_figure(figure, "png", preset, caption=caption)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert images.png_size(data) == images.PRESETS[preset].pixel_size()
    assert round(images.png_dpi(data)) == 300
    expected = {"slide_full": (4000, 2250), "journal_single": (1004, 1181)}[preset]
    assert images.png_size(data) == expected


def test_svg_and_pdf_have_the_physical_size(chromium, km):
    figure, caption = km
    preset = images.PRESETS["journal_double"]
    svg = images.render_figure(figure, "svg", "journal_double", caption=caption)
    assert svg.lstrip().startswith(b"<svg")
    width = float(re.search(rb'<svg[^>]* width="([0-9.]+)"', svg).group(1))
    height = float(re.search(rb'<svg[^>]* height="([0-9.]+)"', svg).group(1))
    assert width == pytest.approx(preset.css_size[0], abs=0.01)
    assert height == pytest.approx(preset.css_size[1], abs=0.01)
    assert b"Number at risk" in svg  # the at-risk table is inside the image
    assert b"Kaplan-Meier estimates" in svg  # and so is the caption
    pdf = images.render_figure(figure, "pdf", "journal_double")
    assert pdf.startswith(b"%PDF-")
    box = [float(v) for v in re.search(rb"MediaBox\s*\[([^\]]*)\]", pdf).group(1).split()]
    # Chromium sizes PDF pages to about 1/100 inch: within 1 pt (0.35 mm)
    assert box[2] - box[0] == pytest.approx(174 / 25.4 * 72, abs=1.0)  # points
    assert box[3] - box[1] == pytest.approx(130 / 25.4 * 72, abs=1.0)


def test_publication_style_is_white_with_dashes_per_group(km):
    figure, caption = km
    styled = images.publication_style(figure, "slide_full", caption)
    assert styled.layout.paper_bgcolor == "white" and styled.layout.plot_bgcolor == "white"
    assert styled.layout.xaxis.showgrid is False and styled.layout.xaxis.showline is True
    curves = [t for t in styled.data if t.mode == "lines" and t.line.width]
    assert len({t.line.dash for t in curves}) == len(curves) == 2  # greyscale-safe
    assert any("Kaplan-Meier" in (a.text or "") for a in styled.layout.annotations)
    assert figure.layout.paper_bgcolor != "white" or figure.layout.template  # input untouched


def test_with_png_dpi_writes_a_valid_phys_chunk():
    ihdr = struct.pack(">IIBBBBB", 3, 2, 8, 2, 0, 0, 0)
    raw = zlib.compress(b"".join(b"\x00" + b"\x00" * 9 for _ in range(2)))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    png = images.PNG_SIGNATURE + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    out = images.with_png_dpi(images.with_png_dpi(png, 150), 300)
    assert images.png_size(out) == (3, 2)
    assert round(images.png_dpi(out)) == 300
    assert out.count(b"pHYs") == 1
    for kind, body in images._chunks(out):  # every CRC still right
        start = out.index(kind + body) - 4
        crc = struct.unpack(">I", out[start + 8 + len(body):start + 12 + len(body)])[0]
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
    assert images.png_dpi(png) is None


def test_image_filename_is_safe():
    assert images.image_filename("km rfs/by mrd", "png", "slide_full") == \
        "km_rfs_by_mrd_slide_full.png"


def test_unknown_format_preset_style_and_non_png_are_explained(km):
    figure, _ = km
    with pytest.raises(AnalysisError, match="Unknown image format 'gif'.*png, svg, pdf"):
        images.render_figure(figure, "gif")
    with pytest.raises(AnalysisError, match="Unknown figure size preset 'poster'.*slide_full"):
        images.render_figure(figure, "png", "poster")
    with pytest.raises(AnalysisError, match="Unknown figure style 'dark'"):
        images.publication_style(figure, "slide_full", style="dark")
    with pytest.raises(AnalysisError, match="Not a PNG image"):
        images.png_size(b"%PDF-1.4")


def test_missing_chromium_is_explained(monkeypatch, km):
    figure, _ = km
    monkeypatch.setattr(images, "_STARTED", False)
    monkeypatch.setattr(images.shutil, "which", lambda name: None)
    with pytest.raises(AnalysisError, match="Chromium, which is not installed.*apt-get install"):
        images.render_figure(figure, "png", "journal_single")

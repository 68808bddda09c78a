"""What the browser tests look for on a page, in one place."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from core.cohort.filter_links import filter_from_query_params
from core.cohort.read import load_seed_cohort

ROOT = Path(__file__).resolve().parents[2]
HEADER = re.compile(r"^\d+ of \d+ patients$")


def header(page: Page) -> Locator:
    """The bold "n of N patients" part of the line under the title."""
    return page.locator('[data-testid="stMain"] [data-testid="stMarkdownContainer"] strong') \
        .filter(has_text=HEADER)


def expect_count(page: Page, n: int, total: int = 19) -> None:
    """Wait until the header says ``n of total patients`` and the script run has finished."""
    expect(header(page)).to_have_text(f"{n} of {total} patients")
    wait_idle(page)


def wait_idle(page: Page) -> None:
    """Wait until no script run is in progress in this session."""
    expect(page.locator('[data-testid="stApp"]')).to_have_attribute(
        "data-test-script-state", "notRunning")


def expect_no_error(page: Page) -> None:
    """No Streamlit exception box and no traceback text anywhere on the page."""
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.get_by_text("Traceback")).to_have_count(0)


def sidebar_link(page: Page, label: str) -> Locator:
    """The sidebar navigation link whose label is exactly ``label`` (the icon is a ligature)."""
    return page.locator('[data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]').filter(
        has=page.get_by_text(label, exact=True))


def page_title(script: str) -> str:
    """The title a page script passes to ``page_setup(...)`` (read from its source)."""
    tree = ast.parse((ROOT / script).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "page_setup"
                and node.args and isinstance(node.args[0], ast.Constant)):
            return node.args[0].value
    raise AssertionError(f"{script} does not call page_setup('<title>', ...)")


def link(base: str, path: str = "", query: dict[str, str] | None = None) -> str:
    return f"{base}/{path}" + (f"?{urlencode(query)}" if query else "")


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the sidebar multiselect labelled ``label``, then close the list. A
    rerun can redraw the open list before the click lands (the option detaches): the open and
    the click are retried together."""
    for attempt in range(5):
        wait_idle(page)
        page.get_by_label(label, exact=True).click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            break
        except PlaywrightTimeout:
            if attempt == 4:
                raise
            page.keyboard.press("Escape")
    page.keyboard.press("Escape")


def expected_view(query: dict[str, str]) -> tuple[int, str]:
    """The count and the whole header line a link with these query parameters should show."""
    seed = load_seed_cohort()
    cohort_filter, _ = filter_from_query_params(query, seed)
    n = cohort_filter.apply(seed).n
    described = "; ".join(cohort_filter.describe()) or "no filters"
    return n, f"{n} of {len(seed)} patients · {described}"


def header_line(page: Page) -> Locator:
    """The whole line under the title: "n of N patients · <filters>"."""
    return page.locator('[data-testid="stMain"] [data-testid="stMarkdownContainer"] p').filter(
        has=page.locator("strong").filter(has_text=HEADER))


def title(page: Page) -> Locator:
    return page.locator('[data-testid="stMain"] h1').first


def url_path(script: str) -> str:
    """The URL path Streamlit gives a script of ``pages/`` ("pages/9_About.py" -> "About")."""
    if "/" not in script:
        return ""
    stem = Path(script).stem
    return re.sub(r"^[0-9]*[_ -]*", "", stem)


def click_sidebar_link(page: Page, label: str, come_back: Callable[[], None]) -> None:
    """Click the sidebar link ``label``; on a page without a sidebar (projector mode hides it)
    first return to a page that has one with ``come_back``."""
    target = sidebar_link(page, label)
    try:
        target.click(timeout=5_000)
    except PlaywrightTimeout:
        come_back()
        target.click()

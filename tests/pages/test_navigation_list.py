"""Every page file is in the sidebar's navigation list, and every listed page exists.

The sidebar navigation is drawn from :data:`ui.shell.PAGES` (``client.showSidebarNavigation =
false``), so a page file missing from that list would be reachable only by typing its URL.
"""

from pathlib import Path

from ui.shell import PAGES

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_file_is_in_the_navigation():
    listed = [script for script, _label, _icon in PAGES]
    on_disk = ["app.py", *(f"pages/{p.name}" for p in sorted((ROOT / "pages").glob("*.py")))]
    assert sorted(set(on_disk) - set(listed)) == [], "add these pages to ui.shell.PAGES"
    assert sorted(set(listed) - set(on_disk)) == [], "ui.shell.PAGES lists missing files"
    assert len(listed) == len(set(listed)), "a page is listed twice"


def test_navigation_labels_are_unique():
    labels = [label for _script, label, _icon in PAGES]
    assert len(labels) == len(set(labels))

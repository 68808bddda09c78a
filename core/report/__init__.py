"""What leaves the app for a tumor board: the report's sections (format-independent) and the
one-file HTML report.

Built on every other package; nothing in ``core`` imports from here.
"""

from core.report.html import Section, report_sections, tumor_board_html  # noqa: F401

"""The caps on what an upload may hold, and the sentences that refuse a file beyond them.

Design: every reader checks these caps before (or while) it parses, from what the file declares
(a zip directory, a Parquet footer, an SPSS/Stata header) or as the rows stream in, so no file
can make the server do more work than the caps allow. They are stated on the Your data page.
"""

from __future__ import annotations

from core.errors import CohortError

MAX_COLUMNS = 500
"""At most this many columns are read from an upload (a cohort export rarely has 100)."""
MAX_ROWS = 1_000_000
"""At most this many patient rows are read from an upload."""
MAX_UPLOAD_MB = 200
"""Largest upload in megabytes (``server.maxUploadSize`` in ``.streamlit/config.toml``)."""
MAX_DECODED_MB = 512
"""A typed file (Parquet) may hold at most this many MiB of values once decoded."""
HEADER_SEARCH_ROWS = 30
"""The header row is looked for in the first this-many rows of a sheet or text table."""


def too_many_columns(shown: str, count: str) -> CohortError:
    """The refusal of a file with more than :data:`MAX_COLUMNS` columns (``count`` says how
    many, e.g. ``"4,003 columns"``)."""
    return CohortError([f"The file {shown} has {count}; at most {MAX_COLUMNS:,} columns are read. "
                        "Fix: delete the columns the analysis does not need (or unused "
                        "formatted columns far to the right) and save again."])


def too_many_rows(shown: str) -> CohortError:
    """The refusal of a file with more than :data:`MAX_ROWS` rows."""
    return CohortError([f"The file {shown} has more than {MAX_ROWS:,} rows; at most "
                        f"{MAX_ROWS:,} patients are read. Fix: split the cohort or filter it "
                        "before export."])


def too_large_decoded(shown: str, megabytes: float) -> CohortError:
    """The refusal of a file whose values take more than :data:`MAX_DECODED_MB` once decoded."""
    return CohortError([f"The file {shown} holds {megabytes:,.0f} MB of values once unpacked; at "
                        f"most {MAX_DECODED_MB:,} MB are read (long text repeated in every row?). "
                        "Fix: export only the columns the analysis needs."])

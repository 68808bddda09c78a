"""Who is in the cohort: the column schema, reading and validating files (one gatekeeper),
filters, the Table-1 baseline summary and safe table exports.

The ground floor of ``core``: nothing here imports from the other packages.
"""

from core.cohort.engine import CohortSource, open_cohort, spark_source  # noqa: F401
from core.cohort.mapping import Mapping, apply_mapping  # noqa: F401
from core.cohort.proposal import propose_mapping  # noqa: F401
from core.cohort.read import (  # noqa: F401  (re-exported: outside checks call these names)
    load_cohort,
    load_seed_cohort,
    read_table,
    split_list,
    validate_cohort,
)
from core.cohort.validate import CohortSplit, set_aside_invalid_rows  # noqa: F401

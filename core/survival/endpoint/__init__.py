"""Endpoints as clinicians define them: a time origin, the events that end follow-up, what
censors it, an optional delayed entry and, for cumulative incidence, the competing events.

Design (:mod:`.definition`, :mod:`.resolve`, :mod:`.user`): an :class:`Endpoint` is a frozen
description (what it means, how it is labelled);
:func:`resolve_endpoint` is the one function that turns it, on a cohort, into the columns every
estimator takes (``time``, ``event`` or ``status``, ``entry``), with the notes that say how a
derived time was obtained and how certain it is. Pages call it instead of looking up fixed
os/rfs column pairs, so an endpoint defined once (built in, or by the user on the Your data
page from dates or times) means the same on every page, in the link, the deck, the report,
the exports and the reproduce scripts. :func:`offered_endpoints` lists the endpoints a cohort
can support and, for each one it cannot, the reason: an endpoint whose every patient would be
censored because a field was not mapped is not offered at all.

Built in (:data:`BUILT_IN`):

* **OS**: diagnosis to death; censored at last contact.
* **RFS (study)**: maintenance start to relapse; a death without relapse censors (the study's
  definition, relapse only). Not the ELN 2022 RFS.
* **EFS (ELN 2022 RFS)**: maintenance start to relapse or death from any cause.
* **CIR**: cumulative incidence of relapse from maintenance start, death without relapse
  competing; **NRM**: the incidence of that death, relapse competing.
* **OS, entry at maintenance start**: OS on the diagnosis clock with delayed entry at the start
  of maintenance (R ``Surv(entry, os_months, os_event)``), for groups fixed at maintenance
  start (no guarantee-time bias); **OS from maintenance start**: the same deaths on the
  maintenance clock.

Where a cohort records a death without relapse on the relapse-free clock (``rfs_status`` = 2,
filled for uploads built from dates) it is used as it is. Otherwise (the embedded study) the
death is placed at the end of relapse-free follow-up, the rule of
:data:`core.survival.competing.input.DEATH_RULE_TEXT` ``"end_of_rfs"``, and the same rule gives
the maintenance start on the OS clock (``os_months - rfs_months`` for a patient without
relapse; for a relapsed patient that difference is only an upper bound). The notes name the
patients each rule touches.

References
----------
Döhner H, et al. Diagnosis and management of AML in adults: 2022 ELN recommendations. Blood
2022;140:1345-1377 (response and outcome definitions: RFS counts relapse or death from any
cause). Anderson JR, Cain KC, Gelber RD. Analysis of survival by tumor response. J Clin Oncol
1983;1:710-719 (guarantee-time bias). Therneau TM. survival (R package), ``Surv(start, stop,
event)``.
"""

from core.survival.endpoint.definition import (  # noqa: F401  (the package's public names)
    BUILT_IN,
    BY_KEY,
    CIR,
    EFS,
    INCIDENCE,
    NRM,
    OS,
    OS_ENTRY,
    OS_MAINT,
    RFS,
    SURVIVAL,
    Endpoint,
    EndpointRecipe,
    find_endpoint,
)
from core.survival.endpoint.resolve import (  # noqa: F401
    ResolvedEndpoint,
    maintenance_entry,
    offered_endpoints,
    resolve_endpoint,
    unavailable_reason,
)
from core.survival.endpoint.user import (  # noqa: F401
    endpoint_from_dict,
    endpoint_to_dict,
    user_endpoint,
)

"""What an endpoint is (:class:`Endpoint`), how a user-defined one is computed
(:class:`EndpointRecipe`), and the built-in endpoints (:data:`BUILT_IN`).

See :mod:`core.survival.endpoint` for the design and the rules of each built-in.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import AnalysisError

TIME = "endpoint_months"
EVENT = "endpoint_event"
STATUS = "endpoint_status"
ENTRY = "endpoint_entry_months"
"""Columns :func:`resolve_endpoint` adds to a copy of the cohort for a derived endpoint."""
DAYS_PER_MONTH = 30.4375
USER_PREFIX = "u."
"""Key prefix of user-defined endpoints (``u.grfs``), so they never shadow a built-in."""
SURVIVAL, INCIDENCE = "survival", "incidence"


@dataclass(frozen=True)
class Endpoint:
    """What an endpoint measures (the rules for a cohort are in :func:`resolve_endpoint`).

    Attributes
    ----------
    key : str
        Stable key for links, widget values and file names (``"os"``, ``"u.grfs"``).
    name : str
        Readable name ("Overall survival").
    abbreviation : str
        Short label ("OS").
    origin : str
        Where the clock starts ("diagnosis").
    events : tuple of str
        What ends follow-up with an event ("death"; "relapse", "death").
    censoring : str
        What ends it without one ("last contact").
    noun : str
        The events counted, plural ("deaths", "relapses or deaths").
    entry : str or None
        Delayed entry: when patients join the risk sets, on the endpoint's clock.
    competing : tuple of str
        For a cumulative incidence: events that preclude the event of interest.
    caution : str
        A sentence that keeps the endpoint from being confused with a like-named one.
    qualifier : str
        A few words in the label that do the same ("study: relapse only").
    recipe : EndpointRecipe or None
        For a user-defined endpoint: the columns it is computed from.
    """

    key: str
    name: str
    abbreviation: str
    origin: str
    events: tuple[str, ...]
    censoring: str = "last contact"
    noun: str = "events"
    entry: str | None = None
    competing: tuple[str, ...] = ()
    caution: str = ""
    qualifier: str = ""
    recipe: EndpointRecipe | None = None

    @property
    def kind(self) -> str:
        """``"incidence"`` (cumulative incidence with competing events) or ``"survival"``."""
        return INCIDENCE if self.competing else SURVIVAL

    @property
    def label(self) -> str:
        """"Overall survival (OS)", "Relapse-free survival (RFS; study: relapse only)"."""
        return f"{self.name} ({self.abbreviation}" + (
            f"; {self.qualifier})" if self.qualifier else ")")

    @property
    def singular(self) -> str:
        """The event counted, singular ("death", "relapse or death")."""
        return " or ".join(w[:-1] if w.endswith("s") else w for w in self.noun.split(" or "))

    @property
    def user_defined(self) -> bool:
        return self.recipe is not None

    def title(self, abbreviation: bool = True) -> str:
        """For headings: "relapse-free survival (RFS)"; other built-ins with their qualifier
        ("overall survival (OS; delayed entry at maintenance start)"); a user's name as typed."""
        name = self.name if self.user_defined else self.name.lower()
        extra = self.qualifier if self.key not in ("os", "rfs") else ""
        inside = "; ".join(filter(None, (self.abbreviation if abbreviation else "", extra)))
        return f"{name} ({inside})" if inside else name

    def definition(self, caution: bool = True) -> str:
        """The endpoint in one or two sentences, for methods text and the page; figure
        captions leave the caution out (``caution=False``): the label carries it."""
        ends = " or ".join(self.events)
        without = ("this event" if len(self.events) == 1 and not self.competing
                   else "any of these")
        text = (f"{self.label}: months from {self.origin} to {ends}"
                + (f", with {' or '.join(self.competing)} as competing event"
                   if self.competing else "")
                + f"; patients without {without} are censored at {self.censoring}.")
        if self.entry:
            text += (f" Delayed entry: a patient is counted at risk only from {self.entry} "
                     "(left truncation, R Surv(entry, time, event)).")
        return text + (f" {self.caution}" if self.caution and caution else "")


@dataclass(frozen=True)
class EndpointRecipe:
    """How a user-defined endpoint is computed from a cohort's columns.

    All columns are dates (``unit="date"``: months = days / 30.4375) or times in months on
    one clock (``unit="months"``). The time runs from ``origin`` (None: the clock's 0) to the
    earliest recorded event column, else to ``censor``; an empty event cell means the event
    did not happen.

    Attributes
    ----------
    origin : str or None
    events : tuple of str
        Columns holding the dates (times) of the events that end the endpoint.
    censor : str
        Column of the last-contact date (time).
    entry : str or None
        Column of the delayed-entry date (time), e.g. maintenance start for OS.
    competing : tuple of str
        Columns of competing events (a cumulative incidence endpoint).
    unit : {"date", "months"}
    """

    origin: str | None
    events: tuple[str, ...]
    censor: str
    entry: str | None = None
    competing: tuple[str, ...] = ()
    unit: str = "date"

    def columns(self) -> tuple[str, ...]:
        return tuple(c for c in (self.origin, *self.events, self.censor, self.entry,
                                 *self.competing) if c)


CAUTION_STUDY_RFS = ("This is the study's RFS (relapse only; a death without relapse is "
                     "censored): do not compare it with an ELN 2022 RFS, which also counts "
                     "death (that is EFS here).")
OS = Endpoint("os", "Overall survival", "OS", "diagnosis", ("death",), noun="deaths")
RFS = Endpoint("rfs", "Relapse-free survival", "RFS", "maintenance start", ("relapse",),
               noun="relapses", caution=CAUTION_STUDY_RFS, qualifier="study: relapse only")
EFS = Endpoint("efs", "Event-free survival", "EFS", "maintenance start",
               ("relapse", "death from any cause"), noun="relapses or deaths",
               qualifier="ELN 2022 RFS: relapse or death",
               caution="ELN 2022 calls this RFS; it is labelled EFS here so that it is not "
                       "mistaken for the study's relapse-only RFS.")
CIR = Endpoint("cir", "Cumulative incidence of relapse", "CIR", "maintenance start",
               ("relapse",), noun="relapses", competing=("death without relapse",))
NRM = Endpoint("nrm", "Non-relapse mortality", "NRM", "maintenance start",
               ("death without relapse",), noun="deaths without relapse",
               competing=("relapse",))
OS_ENTRY = Endpoint("os_entry", "Overall survival", "OS", "diagnosis", ("death",),
                    noun="deaths", entry="maintenance start",
                    qualifier="delayed entry at maintenance start",
                    caution="Use it to compare groups fixed at maintenance start: the months "
                            "between diagnosis and maintenance, which every patient survived "
                            "by design, do not count as time at risk.")
OS_MAINT = Endpoint("os_maint", "Overall survival", "OS", "maintenance start", ("death",),
                    noun="deaths", qualifier="from maintenance start")
BUILT_IN: tuple[Endpoint, ...] = (OS, RFS, EFS, CIR, NRM, OS_ENTRY, OS_MAINT)
BY_KEY: dict[str, Endpoint] = {e.key: e for e in BUILT_IN}


def find_endpoint(endpoint: Endpoint | str, user_endpoints: tuple[Endpoint, ...] = ()
                  ) -> Endpoint:
    """The endpoint itself, or the built-in or user-defined one with that key."""
    if isinstance(endpoint, Endpoint):
        return endpoint
    known = {**BY_KEY, **{e.key: e for e in user_endpoints}}
    if endpoint not in known:
        raise AnalysisError(f"Unknown endpoint {endpoint!r}. Fix: choose one of "
                            f"{', '.join(known)}.")
    return known[endpoint]



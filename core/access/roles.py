"""Who may do what: three roles, the permissions each holds, and the rule of every page and
every download.

Design: one table (:data:`GRANTS`) says which permission each role holds; one table per kind
of thing a user can reach says which permission it needs (:data:`PAGES` by page script,
:data:`DOWNLOADS` by download name). Pages and downloads call :func:`require` with the
session's role before they show or build anything, so the rule holds even when a button is
reached some other way than by clicking it. Roles come from the identity provider's groups
(:func:`role_from_groups`, with the mapping of :class:`core.access.config.AccessConfig`).

- *viewer*: aggregate views (curves, tables of counts, hazard ratios) and aggregate exports
  (slides, the report without its patient list, figures, count tables), de-identified;
  no patient rows, no patient card, no row-level export.
- *analyst*: everything on the loaded cohorts, exports of patient rows (de-identified by
  default).
- *data manager*: also uploads, mappings and their removal, the registry's server path and
  the audit log.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A user's role in the app, from the least to the most trusted."""

    VIEWER = "viewer"
    ANALYST = "analyst"
    DATA_MANAGER = "data_manager"

    @property
    def label(self) -> str:
        """How the header names the role ("data manager")."""
        return self.value.replace("_", " ")

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class Permission(StrEnum):
    """What a page element or a download needs."""

    VIEW_AGGREGATES = "view aggregate results (curves, counts, hazard ratios)"
    VIEW_ROWS = "see patient rows (patient table, patient cards, swimmer plot)"
    EXPORT_AGGREGATES = "download aggregate results (slides, report, figures, count tables)"
    EXPORT_ROWS = "download patient rows"
    EXPORT_IDENTIFIED = "download without de-identification"
    UPLOAD = "load, map and remove cohorts"
    READ_AUDIT = "read the audit log"
    SEE_SERVER_PATHS = "see the server's file paths (registry mode)"


_AGGREGATE = frozenset({Permission.VIEW_AGGREGATES, Permission.EXPORT_AGGREGATES})
_ROWS = _AGGREGATE | {Permission.VIEW_ROWS, Permission.EXPORT_ROWS,
                      Permission.EXPORT_IDENTIFIED}
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: _AGGREGATE,
    Role.ANALYST: _ROWS,
    Role.DATA_MANAGER: _ROWS | {Permission.UPLOAD, Permission.READ_AUDIT,
                                Permission.SEE_SERVER_PATHS},
}
"""The permissions of each role."""

PAGES: dict[str, Permission] = {
    "app.py": Permission.VIEW_AGGREGATES,
    "0_Your_data.py": Permission.UPLOAD,
    "1_Survival.py": Permission.VIEW_AGGREGATES,
    "2_Cox.py": Permission.VIEW_AGGREGATES,
    "3_Patients.py": Permission.VIEW_ROWS,
    "4_Competing_risks.py": Permission.VIEW_AGGREGATES,
    "5_Paper_check.py": Permission.VIEW_AGGREGATES,
    "6_During_follow_up.py": Permission.VIEW_AGGREGATES,
    "7_Subgroups.py": Permission.VIEW_AGGREGATES,
    "8_Present.py": Permission.VIEW_AGGREGATES,
    "9_About.py": Permission.VIEW_AGGREGATES,
    "10_Audit_log.py": Permission.READ_AUDIT,
    "11_Relapse_risk.py": Permission.VIEW_AGGREGATES,
}
"""The permission each page script needs to open at all (a test keeps every page listed)."""

UNLISTED_PAGE = Permission.VIEW_ROWS
"""What a page missing from :data:`PAGES` needs: the cautious choice, never the viewer's."""

DOWNLOADS: dict[str, Permission] = {
    "cohort.baseline": Permission.EXPORT_AGGREGATES,
    "cohort.patients": Permission.EXPORT_ROWS,
    "cohort.report": Permission.EXPORT_AGGREGATES,
    "cohort.flow": Permission.EXPORT_AGGREGATES,
    "survival.curve_table": Permission.EXPORT_AGGREGATES,
    "cox.table2": Permission.EXPORT_AGGREGATES,
    "deliver.deck": Permission.EXPORT_AGGREGATES,
    "deliver.report": Permission.EXPORT_AGGREGATES,
    "deliver.figure": Permission.EXPORT_AGGREGATES,
    "deliver.zip": Permission.EXPORT_ROWS,
    "your_data.mapping": Permission.UPLOAD,
    "your_data.template": Permission.UPLOAD,
    "audit.log": Permission.READ_AUDIT,
    "risk.model": Permission.EXPORT_AGGREGATES,
}
"""The permission each download needs (names as the pages pass them to the guard)."""

ROW_LEVEL_DOWNLOADS = frozenset(name for name, need in DOWNLOADS.items()
                                if need == Permission.EXPORT_ROWS)
"""Downloads that hold patient rows (de-identified on request)."""


class AccessDenied(PermissionError):
    """The session's role does not allow what was asked.

    The message names the role, what was asked and who may do it, e.g. "Your role (viewer)
    may not download patient rows: ask a data manager for the analyst role."
    """


def can(role: Role | None, permission: Permission) -> bool:
    """Whether ``role`` holds ``permission`` (no role holds nothing)."""
    return role is not None and permission in GRANTS[role]


def holders(permission: Permission) -> list[Role]:
    """The roles that hold ``permission``, least trusted first."""
    return [role for role in Role if permission in GRANTS[role]]


def require(role: Role | None, permission: Permission, what: str) -> None:
    """Raise :class:`AccessDenied` unless ``role`` holds ``permission``.

    Parameters
    ----------
    role : Role or None
        The session's role (None: signed in without a role, or not signed in).
    permission : Permission
    what : str
        What was asked, for the message ("the Patients page", "cohort.patients").
    """
    if can(role, permission):
        return
    who = " or ".join(r.label for r in holders(permission))
    mine = f"Your role ({role.label})" if role is not None else "Without a role you"
    raise AccessDenied(f"{mine} may not {permission.value} ({what}). This needs the {who} "
                       "role: ask the app's data manager, who maps roles to your groups at "
                       "the hospital's sign-in.")


def page_permission(script: str) -> Permission:
    """The permission the page script ``script`` (a file name such as ``"3_Patients.py"``)
    needs; :data:`UNLISTED_PAGE` for a page missing from :data:`PAGES`."""
    return PAGES.get(script, UNLISTED_PAGE)


def download_permission(name: str) -> Permission:
    """The permission of the download ``name``; an unknown name is a programming error."""
    if name not in DOWNLOADS:
        raise KeyError(f"The download {name!r} has no rule in core.access.roles.DOWNLOADS: "
                       "add it there with the permission it needs.")
    return DOWNLOADS[name]


def role_from_groups(groups: list[str] | tuple[str, ...] | str | None,
                     mapping: dict[Role, tuple[str, ...]]) -> Role | None:
    """The most trusted role any of ``groups`` maps to, or None.

    Parameters
    ----------
    groups : list of str, or str
        The user's groups or roles as the identity provider sends them (a claim such as
        ``groups``; a comma-separated string from a proxy header is split).
    mapping : dict
        Role -> the provider's group names that give it (case-sensitive, as providers send
        them); ``"*"`` gives the role to every signed-in user.
    """
    if isinstance(groups, str):
        groups = [g.strip() for g in groups.split(",")]
    mine = {str(g) for g in (groups or ()) if str(g)}
    best = None
    for role in Role:
        names = set(mapping.get(role, ()))
        if names & mine or "*" in names:
            best = role
    return best

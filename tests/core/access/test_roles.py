"""Roles and permissions: the table of grants, page and download rules, groups -> role."""

from pathlib import Path

import pytest

from core.access.roles import (
    DOWNLOADS,
    PAGES,
    ROW_LEVEL_DOWNLOADS,
    AccessDenied,
    Permission,
    Role,
    can,
    download_permission,
    page_permission,
    require,
    role_from_groups,
)

ROOT = Path(__file__).resolve().parents[3]
MAPPING = {Role.VIEWER: ("hem-staff",), Role.ANALYST: ("hem-physicians",),
           Role.DATA_MANAGER: ("hem-data",)}


def test_every_page_script_has_a_rule():
    """A page added without a rule would fall back to VIEW_ROWS: list it in PAGES instead."""
    scripts = {"app.py", *(p.name for p in (ROOT / "pages").glob("*.py"))}
    assert scripts == set(PAGES)


def test_viewer_holds_only_aggregates():
    assert {p for p in Permission if can(Role.VIEWER, p)} == {
        Permission.VIEW_AGGREGATES, Permission.EXPORT_AGGREGATES}


def test_roles_are_nested():
    for lower, higher in zip(list(Role), list(Role)[1:], strict=False):
        assert {p for p in Permission if can(lower, p)} < {p for p in Permission
                                                            if can(higher, p)}


def test_no_role_can_nothing():
    assert not any(can(None, p) for p in Permission)


@pytest.mark.parametrize("page, viewer, analyst", [
    ("app.py", True, True), ("3_Patients.py", False, True), ("0_Your_data.py", False, False),
    ("10_Audit_log.py", False, False), ("1_Survival.py", True, True)])
def test_page_rules(page, viewer, analyst):
    need = page_permission(page)
    assert can(Role.VIEWER, need) is viewer
    assert can(Role.ANALYST, need) is analyst
    assert can(Role.DATA_MANAGER, need)


def test_unlisted_page_is_not_for_viewers():
    assert not can(Role.VIEWER, page_permission("99_New_page.py"))
    assert can(Role.ANALYST, page_permission("99_New_page.py"))


def test_row_level_downloads_are_refused_to_viewers():
    assert ROW_LEVEL_DOWNLOADS == {"cohort.patients", "deliver.zip"}
    for name in DOWNLOADS:
        assert can(Role.VIEWER, download_permission(name)) is (
            name not in ROW_LEVEL_DOWNLOADS and DOWNLOADS[name] in (
                Permission.EXPORT_AGGREGATES, Permission.VIEW_AGGREGATES))


def test_unknown_download_is_a_programming_error():
    with pytest.raises(KeyError, match="has no rule in core.access.roles.DOWNLOADS"):
        download_permission("cohort.everything")


def test_require_names_role_and_who_may():
    require(Role.ANALYST, Permission.EXPORT_ROWS, "cohort.patients")
    with pytest.raises(AccessDenied, match=r"Your role \(viewer\) may not download patient "
                       r"rows \(cohort.patients\)\. This needs the analyst or data manager role"):
        require(Role.VIEWER, Permission.EXPORT_ROWS, "cohort.patients")
    with pytest.raises(AccessDenied, match=r"Without a role you may not read the audit log"):
        require(None, Permission.READ_AUDIT, "the Audit log page")


@pytest.mark.parametrize("groups, role", [
    (["hem-staff"], Role.VIEWER), (["hem-staff", "hem-data"], Role.DATA_MANAGER),
    ("hem-physicians, other", Role.ANALYST), (["other"], None), ([], None), (None, None),
    (["HEM-STAFF"], None)])
def test_role_from_groups_takes_the_most_trusted(groups, role):
    assert role_from_groups(groups, MAPPING) is role


def test_star_gives_a_role_to_everyone_signed_in():
    assert role_from_groups([], {Role.VIEWER: ("*",)}) is Role.VIEWER
    assert role_from_groups(["x"], {Role.VIEWER: ("*",), Role.ANALYST: ("x",)}) is Role.ANALYST

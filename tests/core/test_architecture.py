"""House rules that can be read off the tree: core is pure and layered, pages hold UI only."""

import ast
from pathlib import Path

import pytest

from core.cohort.schema import data_dictionary_markdown

ROOT = Path(__file__).resolve().parents[2]

# Each package of core may import only from packages on its own floor or below.
# cohort is the ground floor; survival stands on it; cox and patients on those; risk (patient-level
# prediction and its validation) on cox; report on everything.
# style (how numbers and figures look) sits on cohort and serves every floor above it;
# likelihood (the one Cox partial likelihood engine) depends on nothing of the app;
# access (roles, audit log, de-identification) stands on cohort and serves report.
FLOORS = {"errors": 0, "likelihood": 0, "cohort": 0, "style": 0, "access": 1, "survival": 1,
          "cox": 2, "patients": 2, "risk": 3, "report": 4}
ALLOWED = {
    "errors": set(),
    "likelihood": {"errors", "likelihood"},
    "cohort": {"errors", "cohort"},
    "style": {"errors", "cohort", "style"},
    "access": {"errors", "cohort", "access"},
    "survival": {"errors", "likelihood", "cohort", "style", "survival"},
    "cox": {"errors", "likelihood", "cohort", "style", "survival", "cox"},
    "patients": {"errors", "cohort", "style", "survival", "patients"},
    "risk": {"errors", "likelihood", "cohort", "style", "survival", "cox", "risk"},
    "report": {"errors", "cohort", "style", "survival", "cox", "patients", "risk", "access",
               "report"},
}


def _imported_modules(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def _package_of(path: Path) -> str:
    rel = path.relative_to(ROOT / "core")
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def test_core_never_imports_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "core").rglob("*.py")
                 if any(n.split(".")[0] == "streamlit" for n in _imported_modules(p))]
    assert offenders == []


def test_core_is_one_package_per_question():
    """Only errors.py and __init__.py live at the top of core/; everything else in a package."""
    top = sorted(p.name for p in (ROOT / "core").glob("*.py"))
    assert top == ["__init__.py", "errors.py"]
    packages = sorted(p.name for p in (ROOT / "core").iterdir()
                      if p.is_dir() and (p / "__init__.py").exists())
    assert set(packages) <= set(FLOORS)
    assert {"cohort", "survival", "cox", "patients", "report"} <= set(packages)


@pytest.mark.parametrize("path", sorted((ROOT / "core").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_runs_upward(path):
    package = _package_of(path)
    if package == "__init__":
        return
    upward = []
    for name in _imported_modules(path):
        parts = name.split(".")
        if parts[0] == "core" and len(parts) > 1 and parts[1] not in ALLOWED[package]:
            upward.append(name)
    assert upward == [], f"{path.relative_to(ROOT)} ({package}) imports upward: {upward}"


STATISTICS = ("kaplan_meier_estimator", "compare_survival", "CoxPH", "PHReg", "FirthCoxPH",
              "groupby", "import scipy", "from scipy", "statsmodels", "sksurv", "lifelines")


@pytest.mark.parametrize("path", sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py")]),
                         ids=lambda p: p.name)
def test_pages_hold_no_statistics(path):
    """Pages read widgets, call core and render: no estimator, no groupby, no scipy."""
    text = path.read_text()
    found = [word for word in STATISTICS if word in text]
    assert found == [], f"{path.name} computes statistics itself: {found}"


def test_data_dictionary_is_current():
    """data/DATA_DICTIONARY.md is generated from core/cohort/schema.py; regenerate with
    `python -m core.cohort.schema > data/DATA_DICTIONARY.md`."""
    assert (ROOT / "data" / "DATA_DICTIONARY.md").read_text() == data_dictionary_markdown()


def test_seed_csv_columns_match_schema():
    from core.cohort.schema import COLUMNS

    header = (ROOT / "data" / "seed_cohort.csv").read_text().splitlines()[0].split(",")
    assert header == [c.name for c in COLUMNS]


MAX_MODULE_LINES = 450
"""The house limit (docs/DEVELOPING.md): a longer module holds more than one question."""


def test_no_module_passes_the_house_limit():
    sources = [*ROOT.glob("core/**/*.py"), *ROOT.glob("ui/**/*.py"), *ROOT.glob("pages/*.py"),
               ROOT / "app.py", ROOT / "serve.py"]
    lengths = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in sources}
    assert len(lengths) > 100
    assert {p: n for p, n in lengths.items() if n > MAX_MODULE_LINES} == {}

"""House rules that can be read off the tree."""

import ast
from pathlib import Path

from core.schema import data_dictionary_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_core_never_imports_streamlit():
    offenders = []
    for path in (ROOT / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] == "streamlit" for n in names):
                offenders.append(path.name)
    assert offenders == []


def test_data_dictionary_is_current():
    """data/DATA_DICTIONARY.md is generated from core/schema.py; regenerate with
    `python -m core.schema > data/DATA_DICTIONARY.md`."""
    assert (ROOT / "data" / "DATA_DICTIONARY.md").read_text() == data_dictionary_markdown()


def test_seed_csv_columns_match_schema():
    from core.schema import COLUMNS

    header = (ROOT / "data" / "seed_cohort.csv").read_text().splitlines()[0].split(",")
    assert header == [c.name for c in COLUMNS]

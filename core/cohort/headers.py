"""How well a file's header names a field: exact synonyms, topic words, SPSS variable labels.

Design: :func:`header_score` compares one header (and its SPSS/Stata variable label, which
counts as a header: ``v7`` labelled "Diagnosedatum" is the diagnosis date) with the words of
:mod:`core.cohort.mapping_words`: 3 = an exact synonym, 2 = a topic match (a date field's topic
word together with a date word, or a flag's topic word without one), 1 = a partial Chinese
match, or a date field's topic word without a date word (``Diagnose``), which the proposal
takes only when the column's cells are dates. Headers are folded first
(:func:`header_key`): lower case, accents dropped (``décès`` -> ``deces``), text in brackets
dropped (units, formats such as ``(TT.MM.JJJJ)``), separators removed, so ``Date de décès``,
``date_de_deces`` and ``DATE DE DÉCÈS (jj/mm/aaaa)`` are one spelling.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from core.cohort.mapping_words import DATE_WORDS, FLAG_TOPICS, SYNONYMS, TOPICS
from core.cohort.schema import COLUMNS

_SHORT = {"dt", "day", "tag", "jour", "dia", "dx", "tod", "mort", "last"}
"""Short words that count only as whole words of a header."""


def fold(text: object) -> str:
    """Lower case without accents (``Décédé`` -> ``decede``); other scripts unchanged."""
    decomposed = unicodedata.normalize("NFKD", str(text).strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: object) -> list[str]:
    """The folded words of a header (brackets dropped)."""
    plain = re.sub(r"[（(\[].*?[)）\]]", " ", fold(text)) or fold(text)
    return [w for w in re.split(r"[\W_]+", plain) if w]


@functools.lru_cache(maxsize=4096, typed=True)
def header_key(text: object) -> str:
    """A header folded to one spelling: words joined without separators."""
    return "".join(words(text)) or "".join(re.split(r"[\W_]+", fold(text)))


_SYNONYM_KEYS: dict[str, set[str]] = {f: {header_key(s) for s in spellings}
                                      for f, spellings in SYNONYMS.items()}
for _column in COLUMNS:
    _SYNONYM_KEYS.setdefault(_column.name, set()).update({header_key(_column.name),
                                                          header_key(_column.label)})


def _has(header_words: list[str], key: str, word: str) -> bool:
    word = header_key(word) if word.isascii() else word
    if word in _SHORT:
        return word in header_words
    return word in key


def _is_date_header(header_words: list[str], key: str) -> bool:
    return any(_has(header_words, key, w) for w in DATE_WORDS)


def header_score(header: str, field: str, label: str | None = None) -> int:
    """How well ``header`` (or its variable ``label``) names ``field``: 3, 2, 1 or 0."""
    return max(_score(header, field), _score(label, field) if label else 0)


@functools.lru_cache(maxsize=16384, typed=True)  # pure; a load asks it ~700 times
def _score(header: str, field: str) -> int:
    header_words, key = words(header), header_key(header)
    keys = _SYNONYM_KEYS.get(field, set())
    if key in keys:
        return 3
    topic_field = FLAG_TOPICS.get(field, field)
    if topic_field in TOPICS and any(_has(header_words, key, w) for w in TOPICS[topic_field]):
        if _is_date_header(header_words, key) == (field in TOPICS):
            return 2
        if field in TOPICS:  # "Diagnose", "Tod": a date only if its cells are dates
            return 1
    if any(len(k) >= 2 and not k.isascii() and k in key for k in keys):
        return 1
    return 0

"""The pre-treatment regimens of Table 2, spelled out: a glossary of abbreviations.

Each abbreviation carries where its meaning comes from: the footnote of the study's Table 2
("study"), usual AML practice where the paper does not define it ("standard usage"), or
"ambiguous" where the paper's letters allow two readings (DHA: D is daunorubicin in DA but
decitabine in DCAG). An abbreviation the glossary does not know is marked so, never guessed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Abbreviation:
    """What a pre-treatment regimen abbreviation stands for, and where that comes from.

    Attributes
    ----------
    meaning : str
        The drugs, spelled out.
    source : {"study", "standard usage", "ambiguous"}
        ``"study"``: the footnote of Table 2 of the study defines it (directly, or letter by
        letter). ``"standard usage"``: not defined in the paper; the usual meaning in AML
        practice (Chinese regimens such as CAG/HAG/CHAG). ``"ambiguous"``: the paper's letters
        allow two readings; ``note`` gives both.
    note : str
        Why, where the source is not simply the footnote.
    """

    meaning: str
    source: Literal["study", "standard usage", "ambiguous"]
    note: str = ""


_STUDY = "study"
_STANDARD = "standard usage"

REGIMEN_ABBREVIATIONS: dict[str, Abbreviation] = {
    "Ara-C": Abbreviation("cytarabine", _STUDY),
    "ID-Ara-C": Abbreviation("intermediate-dose cytarabine", _STUDY),
    "MD-Ara-C": Abbreviation("medium-dose cytarabine", _STUDY),
    "HD-Ara-C": Abbreviation("high-dose cytarabine", _STUDY),
    "IDA": Abbreviation("idarubicin", _STUDY),
    "DA": Abbreviation("daunorubicin + cytarabine", _STUDY, "letters D and A of the footnote"),
    "HA": Abbreviation("homoharringtonine + cytarabine", _STUDY,
                       "letters H and A of the footnote"),
    "MA": Abbreviation("mitoxantrone + cytarabine", _STUDY, "letters M and A of the footnote"),
    "EA": Abbreviation("etoposide + cytarabine", _STUDY),
    "VA": Abbreviation("venetoclax + azacitidine", _STUDY, "printed 'Azacytidine'"),
    "DCAG": Abbreviation("decitabine, cytarabine, aclarubicin and granulocyte "
                         "colony-stimulating factor (G-CSF)", _STUDY),
    "IA": Abbreviation("idarubicin + cytarabine", _STANDARD,
                       "the footnote defines IDA (idarubicin) and A (cytarabine), not IA"),
    "AA": Abbreviation("aclarubicin + cytarabine", _STANDARD,
                       "the footnote's A is cytarabine; the first A is aclarubicin as in DCAG"),
    "CAG": Abbreviation("low-dose cytarabine, aclarubicin and G-CSF", _STANDARD,
                        "the study's DCAG without decitabine"),
    "HAG": Abbreviation("homoharringtonine, low-dose cytarabine and G-CSF", _STANDARD),
    "CHAG": Abbreviation("low-dose cytarabine, homoharringtonine, aclarubicin and G-CSF",
                         _STANDARD),
    "DCHAG": Abbreviation("decitabine + CHAG (low-dose cytarabine, homoharringtonine, "
                          "aclarubicin and G-CSF)", _STANDARD,
                          "D = decitabine as in the study's DCAG"),
    "D-CHAG": Abbreviation("decitabine + CHAG (low-dose cytarabine, homoharringtonine, "
                           "aclarubicin and G-CSF)", _STANDARD,
                           "D = decitabine as in the study's DCAG"),
    "VAH": Abbreviation("venetoclax + azacitidine + homoharringtonine", _STANDARD,
                        "the study's VA plus its H (homoharringtonine)"),
    "DHA": Abbreviation("decitabine + homoharringtonine + cytarabine", "ambiguous",
                        "the paper uses D for daunorubicin (DA) and for decitabine (DCAG); "
                        "read as decitabine + HA by analogy with D-CHAG given to the same "
                        "patient, it could also be daunorubicin + homoharringtonine + "
                        "cytarabine"),
    "TKI": Abbreviation("tyrosine kinase inhibitor", _STANDARD,
                        "the paper calls sorafenib one but does not define TKI"),
}
"""Pre-treatment regimen abbreviations of Table 2 of the study, spelled out.

Source of the ``"study"`` entries: the footnote of Table 2 ("D, Daunorubicin; A, Cytarabine
(Ara-C); H, Homoharringtonine; M, Mitoxantrone; ID/MD/HD-Ara-C, Intermediate/Medium/High-Dose
Cytarabine; IDA, Idarubicin; DCAG, Decitabine, Cytarabine, Aclarubicin, and Granulocyte
Colony-Stimulating Factor (G-CSF); EA, Etoposide + Cytarabine; VA, Venetoclax + Azacytidine").
Combinations written with ``+`` (``IDA+ID-Ara-C``, ``TKI+CAG``) are spelled out part by part.
"""


@dataclass(frozen=True)
class RegimenStep:
    """One entry of a patient's pre-treatment list.

    Attributes
    ----------
    printed : str
        As printed, e.g. ``"DA*2"``.
    name : str
        The regimen without the cycle count, e.g. ``"DA"``.
    cycles : int or None
        The ``*n`` count; ``None`` where none is printed.
    meaning : str
        The drugs spelled out, or ``"abbreviation not in the app's glossary"``.
    source : str
        ``"study"``, ``"standard usage"``, ``"ambiguous"`` or ``"unknown"`` (for a
        combination: the weakest source of its parts).
    """

    printed: str
    name: str
    cycles: int | None
    meaning: str
    source: str

    def readable(self) -> str:
        count = f" ×{self.cycles}" if self.cycles is not None else ""
        return f"{self.name}{count} ({self.meaning})"


_SOURCE_RANK = {"study": 0, "standard usage": 1, "ambiguous": 2, "unknown": 3}


def regimen_steps(text: str | None) -> list[RegimenStep]:
    """Split a ``pretreatment_regimens`` cell into spelled-out steps, in the printed order.

    Parameters
    ----------
    text : str or None
        Comma-separated regimens, ``*n`` = number of cycles (``"DA*2, HA, IDA+ID-Ara-C*2"``).

    Returns
    -------
    list of RegimenStep
        Empty for a missing cell.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        return []
    steps = []
    for printed in (part.strip() for part in re.split(r"[,;\n]+", str(text))):
        if not printed:
            continue
        match = re.fullmatch(r"(.*?)\s*\*\s*(\d+)", printed)
        name, cycles = (match.group(1), int(match.group(2))) if match else (printed, None)
        parts = [name] if name in REGIMEN_ABBREVIATIONS else [p.strip() for p in name.split("+")]
        known = [REGIMEN_ABBREVIATIONS.get(p) for p in parts]
        if all(k is not None for k in known):
            meaning = " + ".join(k.meaning for k in known)
            source = max((k.source for k in known), key=_SOURCE_RANK.__getitem__)
        else:
            meaning, source = "abbreviation not in the app's glossary", "unknown"
        steps.append(RegimenStep(printed, name, cycles, meaning, source))
    return steps



"""The Cox page's guardrails in one box: what each statistical caveat means for reading the
hazard ratios, in plain words, with the technical caveats kept for a details view.

Design: :func:`core.cox.fit.fit_cox` explains each caveat technically in
``CoxResult.warnings`` (monotone likelihood, events per coefficient, non-convergence, Firth's
numerical problems). A clinician reading a forest plot needs one answer: can I read these
hazard ratios, and how? :func:`guardrail_box` sorts the caveats of every model on the page into
a few plain sentences (``points``), adds the sentence on Firth and the ordinary fit disagreeing
about an interval including 1 (:func:`firth_disagreements`), and keeps the technical wording
(``details``) for an expander. Jargon ("monotone likelihood", "profile penalized likelihood")
appears only in the details. Formatting only: nothing is computed here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.cohort.schema import LABELS
from core.cox.display import format_hr, term_labels
from core.cox.fit import CoxResult
from core.cox.ph import PHTestResult
from core.style.numbers import p_phrase

SEPARATION = "Monotone likelihood (separation) for `"
NOT_CONVERGED = "The likelihood maximisation did not converge"
NEGATIVE_VARIANCE = "The fitted covariance matrix has a negative variance"
FEW_EVENTS = re.compile(r"^Only (\d+) events for (\d+) coefficient")
FIRTH_PROBLEM = ("The Firth-penalized fit reported a numerical problem",
                 "The Firth-penalized fit did not converge")
AUTO_FIRTH_NOTE = ("Because of this, the estimates shown are from Firth's penalized Cox model, "
                   "which stays finite under separation (Heinze & Schemper 2001); switch "
                   "Estimation to Ordinary Cox to see the unpenalized fit.")


@dataclass(frozen=True)
class GuardrailBox:
    """Everything the page says about the trustworthiness of its hazard ratios.

    Attributes
    ----------
    points : tuple of str
        Plain sentences, one per kind of problem (per model when several are shown): what
        it means for reading the hazard ratio. Empty when there is nothing to say.
    details : tuple of str
        The technical caveats behind the points (Markdown with `term` spans), for a details
        view.
    """

    points: tuple[str, ...]
    details: tuple[str, ...]


def separated_terms(ordinary: CoxResult) -> tuple[str, ...]:
    """Terms whose ordinary fit shows separation (monotone likelihood): a level with none or
    all of the events, whose hazard ratio runs off to 0 or infinity. A headline must not show
    a number for them (Firth's finite estimate is a direction, not a size)."""
    return tuple(w[len(SEPARATION):].split("`")[0] for w in ordinary.warnings
                 if w.startswith(SEPARATION))


def firth_disagreements(ordinary: CoxResult, firth: CoxResult,
                        labels: Mapping[str, str] | None = None) -> list[str]:
    """One sentence per term whose Firth interval and ordinary Cox interval disagree on
    whether they include HR = 1.

    Parameters
    ----------
    ordinary, firth : CoxResult
        The ordinary and the Firth-penalized fit of the same model.
    labels : mapping, optional
        Readable term names (default :func:`core.cox.display.term_labels`).
    """
    labels = labels or term_labels(firth)
    out = []
    for term in firth.table.index:
        if term not in ordinary.table.index:
            continue
        spans = []
        for fit in (firth, ordinary):
            low, high = fit.table.loc[term, ["hr_lower", "hr_upper"]]
            if math.isnan(low) or math.isnan(high):
                break
            spans.append((low, high, low <= 1 <= high))
        if len(spans) < 2 or spans[0][2] == spans[1][2]:
            continue
        (f_low, f_high, f_has), (o_low, o_high, _) = spans
        out.append(
            f"For {labels.get(term, term)}, the Firth interval ({format_hr(f_low)}–"
            f"{format_hr(f_high)}) {'includes' if f_has else 'excludes'} 1 while the ordinary "
            f"Cox interval ({format_hr(o_low)}–{format_hr(o_high)}) "
            f"{'excludes' if f_has else 'includes'} it, so whether the data show an "
            "association depends on the method: treat it as unsettled.")
    return out


def guardrail_box(models: Sequence[tuple[str, CoxResult, CoxResult]], event_noun: str, *,
                  auto_firth: bool = False, ph_results: Sequence[PHTestResult | None] = (),
                  ph_alpha: float = 0.05,
                  separated_predictions: Sequence[str] = ()) -> GuardrailBox:
    """Merge the caveats of the page's models into one box.

    Parameters
    ----------
    models : sequence of (name, ordinary, shown)
        One entry per model on the page: its name ("" when the page shows one model), the
        ordinary fit, and the fit whose numbers are shown (the ordinary fit again, or the
        Firth fit).
    event_noun : str
        "relapses" or "deaths".
    auto_firth : bool
        Whether Firth's model was chosen automatically because of separation.
    ph_results : sequence of PHTestResult or None
        The proportional-hazards test of each model's ordinary fit (None when not run).
    ph_alpha : float
        p below which proportional hazards are in doubt.
    separated_predictions : sequence of str
        Names of the predicted curves ("relapse-free survival", ...) whose ordinary model
        shows separation.
    """
    points: list[str] = []
    details: list[str] = []
    for i, (name, ordinary, shown) in enumerate(models):
        prefix = f"{name}: " if name else ""
        labels = {**term_labels(ordinary), **term_labels(shown)}
        caveats = list(dict.fromkeys((*ordinary.warnings, *ordinary.notes, *shown.warnings,
                                      *shown.notes)))
        separated = separated_terms(ordinary)
        if separated:
            names = " and ".join(labels.get(t, t) for t in separated)
            text = (f"{prefix}{names}: a group with none of the {event_noun} (or with all of "
                    "them), so the ordinary hazard ratio runs off to 0 or infinity and cannot "
                    "be read.")
            if shown.firth:
                text += (" The hazard ratios shown come from Firth's penalized model, which "
                         "keeps them finite: read them as a direction with a very wide range, "
                         "not as a precise size.")
            else:
                text += " Choose Firth-penalized Cox under Estimation for a finite estimate."
            points.append(text)
        elif not ordinary.converged and not shown.firth:
            points.append(f"{prefix}the model did not settle on an answer, so its hazard "
                          "ratios are unreliable; simplify the model.")
        few = next((FEW_EVENTS.match(w) for w in caveats if FEW_EVENTS.match(w)), None)
        if few:
            events, coefficients = int(few.group(1)), int(few.group(2))
            points.append(
                f"{prefix}only {events} {event_noun} for {coefficients} hazard "
                f"ratio{'s' if coefficients != 1 else ''}: too few for a firm answer. The "
                "hazard ratios may be exaggerated and their intervals too narrow; read the "
                "model as exploratory.")
        if shown.firth and any(w.startswith(FIRTH_PROBLEM) for w in shown.warnings):
            points.append(f"{prefix}the penalized fit reported a numerical problem; read its "
                          "intervals with care.")
        if shown.firth:
            points += [prefix + s for s in firth_disagreements(ordinary, shown, labels)]
        ph = ph_results[i] if i < len(ph_results) else None
        if ph is not None:
            for covariate, row in ph.table.iterrows():
                if covariate != "GLOBAL" and row["p_value"] < ph_alpha:
                    label = LABELS.get(covariate, covariate)
                    points.append(
                        f"{prefix}the hazard ratio of {label} seems to change over follow-up "
                        f"(proportional-hazards check, {p_phrase(row['p_value'])}): the single "
                        "hazard ratio is an average over time.")
        if shown.firth and auto_firth and separated:
            caveats.append(AUTO_FIRTH_NOTE)
        details += [prefix + c for c in caveats if prefix + c not in details]
    if separated_predictions:
        points.append(
            f"The predicted {' and '.join(separated_predictions)} curves below come from the "
            "ordinary model, which has this problem: for a profile on the wrong side of it the "
            "curve stays near 100% with a meaningless band. Do not read such a curve as a "
            "prediction; drop or combine the covariate.")
    points = [p[:1].upper() + p[1:] for p in points]
    return GuardrailBox(points=tuple(dict.fromkeys(points)), details=tuple(details))

"""Findings: each claim of the study tied to a sweep, measured on our runs, with a bootstrap CI over seeds.

What: `findings(sweep, figure)` runs the claims tied to a figure (`CLAIMS`, findings_claims.py) and
`claims_table(sweeps)` gives one row per claim of the study (analysis/claims_catalog.py) over all loaded sweeps
(`MEASURES`, claims_measures.py) — measured, not testable at micro scale, a description, or "no sweep loaded" — so
the report lists every claim. The effects, their statistics and verdict rules are `analysis.effects`'.
No verdict is drawn from one seed: every verdict on a sweep run with one seed is "cannot tell" (a CI over its
checkpoints or its arms is not one over seeds).

Why: the report states what our runs say about each claim and how sure that is, instead of leaving readers to
eyeball curves. Arms are picked by their config values (e.g. `actor.use_kl_loss`), falling back to their names.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping, Optional, Sequence

# the claim modules register into effects' CLAIMS and MEASURES on import
from analysis import claims_measures, findings_claims  # noqa: F401
from analysis.claims_catalog import CATALOG, MEASURED, NOT_TESTABLE, Claim
from analysis.effects import CLAIMS, MEASURES, PARTS, Finding
from analysis.runs import Sweep

__all__ = ["ClaimRow", "claims_table", "combined_verdict", "findings", "n_seeds"]

NOT_TESTABLE_VERDICT = "not testable at micro scale"
DESCRIPTION_VERDICT = "description: no effect to measure"
NO_SWEEP_VERDICT = "no sweep loaded"
ONE_SEED_NOTE = "one seed: no verdict is drawn from one seed (the effects show direction only)"


def n_seeds(sweep: Sweep) -> int:
    return int(sweep.table["seed"].nunique()) if len(sweep.table) else 0


def _guard_one_seed(found: list[Finding], sweep: Sweep, note: bool = True) -> list[Finding]:
    """Turn every verdict of a one-seed sweep into "cannot tell" (a CI over checkpoints or arms is not over seeds);
    `note`: say so in each finding turned."""
    if n_seeds(sweep) >= 2:
        return found
    for f in found:
        if f.verdict in ("supports", "contradicts"):
            f.note = "; ".join(n for n in (ONE_SEED_NOTE if note else "", f.note) if n)
            f.verdict = "cannot tell"
    return found


def findings(sweep: Sweep, figure: str) -> list[Finding]:
    """Every claim tied to `figure`, measured on `sweep` ([] for figures without claims)."""
    return _guard_one_seed(CLAIMS.get(figure)(sweep), sweep) if figure in CLAIMS else []


@dataclasses.dataclass
class ClaimRow:
    """One claim of the study in the report: its verdict over its parts, or why it has none."""

    claim: Claim
    verdict: str
    sweep: str = ""
    parts: list[Finding] = dataclasses.field(default_factory=list)
    note: str = ""


def combined_verdict(parts: Sequence[Finding]) -> tuple[str, str]:
    """A claim's verdict from its parts, read as a conjunction: it contradicts when a part contradicts, supports
    when every part supports, else cannot tell."""
    if not parts:
        return "cannot tell", "nothing was measured"
    which = {v: [PARTS[i] for i, f in enumerate(parts) if f.verdict == v] for v in ("supports", "contradicts")}
    if len(parts) == 1:
        return parts[0].verdict, ""
    if which["contradicts"]:
        return "contradicts", "part " + ", ".join(f"({x})" for x in which["contradicts"]) + " contradicts"
    if len(which["supports"]) == len(parts):
        return "supports", "every part supports"
    n = len(which["supports"])
    return "cannot tell", f"{n} of {len(parts)} parts support, the others cannot tell"


def _figure_of(sweep: Sweep) -> Optional[str]:
    """The study figure a sweep draws: sweep.json's `figure`, else its folder name (as `figures_for` decides)."""
    from analysis.figures import FIGURES, figure_name

    if sweep.figure:
        try:
            return figure_name(sweep.figure)
        except KeyError:
            return None
    return next((n for n in FIGURES if sweep.name == n or sweep.name.startswith((n + "-", n + "_"))), None)


def _sweep_for(spec: str, sweeps: Sequence[Sweep]) -> tuple[Optional[Sweep], list[str]]:
    """The loaded sweep that tests a spec's claims (its name, else the figure it draws), and the other candidates."""
    cands = [s for s in sweeps if s.name == spec or _figure_of(s) == spec]
    if not cands:
        return None, []
    best = max(cands, key=lambda s: (s.name == spec, n_seeds(s), len(s.table)))
    return best, [s.name for s in cands if s is not best]


def claims_table(sweeps) -> list[ClaimRow]:
    """One row per claim of the study's catalog (in its order), measured on the loaded `sweeps` (a list of `Sweep`s
    or a name → `Sweep` mapping): see the module docstring."""
    loaded = list(sweeps.values()) if isinstance(sweeps, Mapping) else list(sweeps)
    rows = []
    for claim in CATALOG:
        if claim.kind != MEASURED:
            verdict = NOT_TESTABLE_VERDICT if claim.kind == NOT_TESTABLE else DESCRIPTION_VERDICT
            rows.append(ClaimRow(claim, verdict, note=claim.not_testable))
            continue
        sweep, others = _sweep_for(claim.spec, loaded)
        if sweep is None:
            rows.append(ClaimRow(claim, NO_SWEEP_VERDICT, note=f"no loaded sweep runs the `{claim.spec}` spec (study "
                                                               f"figure {claim.study_figure}); run it to measure this"))
            continue
        also = f"also loaded for this spec: {', '.join(others)}" if others else ""
        try:
            parts = _guard_one_seed(MEASURES.get(claim.id)(sweep), sweep, note=False)  # the row says it
        except Exception as e:  # noqa: BLE001 - one failed measurement never hides the other claims
            rows.append(ClaimRow(claim, "cannot tell", sweep.name,
                                 note=f"the measurement failed ({type(e).__name__}: {e})"))
            continue
        verdict, note = combined_verdict(parts)
        seed_note = ONE_SEED_NOTE if n_seeds(sweep) < 2 else ""
        rows.append(ClaimRow(claim, verdict, sweep.name, parts, "; ".join(n for n in (seed_note, note, also) if n)))
    return rows

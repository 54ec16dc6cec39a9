"""The claims ledger: each paper's claims, the rule that decides each verdict, and the verdict.

A notebook declares its paper's claims *before* it looks at results (id, the claim in one sentence,
where in the paper, and the rule in words), then decides each one from numbers of the run::

    run.claim("R2", "The AE+NN is the strongest of the three neural models", "Figs. 11-12",
              rule="mean AUPR over networks and seeds: AE+NN > LSTM > CNN; each gap > 1 SD of seeds")
    ...
    run.decide("R2", claims.ordering(means, ["ae_nn", "lstm", "cnn"]), evidence=means,
               seeds=3, budgets=[epochs], figure="fig11_aupr.png", convergence=conv)

``results.json["claims"]`` then holds one record per claim with the fields below. A verdict rests on
trained models: when one of the models it compares "did not learn" or was "budget-limited" (see
:func:`genenets.train.History.status`), the claim is never a plain loss: ``robust`` is false and
``why`` says which model and why. The robustness grid (``make robustness``) writes
``figures/robustness/<claim id>.csv`` with one verdict per seed and budget; the report marks a verdict
robust only when every row of that grid agrees.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable, Mapping, Sequence

from .errors import ConfigError

REPRODUCED, NOT_REPRODUCED, MIXED, NOT_TESTABLE = "reproduced", "not reproduced", "mixed", "not testable here"
VERDICTS = (REPRODUCED, NOT_REPRODUCED, MIXED, NOT_TESTABLE)
#: convergence statuses that keep a model out of a plain win/loss
UNRELIABLE = ("did not learn", "budget-limited")


@dataclass
class Claim:
    """One claim of a paper and, once decided, its verdict.

    Attributes
    ----------
    id, claim, paper_ref, rule : str
        Declared before any result is seen.
    verdict : str or None
        One of :data:`VERDICTS`.
    evidence : dict of str -> float
        The numbers the rule read.
    robust : bool or None
        Same verdict across seeds and budgets (and no unreliable model under it).
    why : str
        Why not robust, or why not testable.
    seeds : int
    budgets : list
        Training budgets (epochs, trees, ...) the verdict was decided at.
    budgets_varied : bool
        Whether the verdict was re-decided at more than one budget of the same models (inside the notebook);
        otherwise only the robustness grid can make it robust. Claims resting on no trained model
        (``budgets`` empty) need no budget variation.
    figure : str or None
        File name of the figure that shows the evidence.
    paper_value, ours : str
        The paper's number (if any) and ours, as short text for the ledger.
    """

    id: str
    claim: str
    paper_ref: str
    rule: str
    verdict: str | None = None
    evidence: dict = field(default_factory=dict)
    robust: bool | None = None
    why: str = ""
    seeds: int = 1
    budgets: list = field(default_factory=list)
    figure: str | None = None
    paper_value: str = ""
    ours: str = ""
    budgets_varied: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def check_verdict(verdict: str) -> str:
    if verdict not in VERDICTS:
        raise ConfigError(f"verdict {verdict!r} is not one of {VERDICTS}")
    return verdict


def unreliable_models(convergence, models: Iterable[str] | None = None) -> dict[str, str]:
    """``{model: status}`` of the models in ``convergence`` (a table with columns ``model`` and
    ``status``, see :func:`genenets.train.convergence_table`) that did not learn or hit the cap."""
    if convergence is None:
        return {}
    rows = convergence.to_dict("records") if hasattr(convergence, "to_dict") else list(convergence)
    wanted = set(models) if models is not None else None
    return {str(r["model"]): r["status"] for r in rows
            if r.get("status") in UNRELIABLE and (wanted is None or str(r["model"]) in wanted)}


def decide(claim: Claim, verdict: str, *, evidence: Mapping | None = None, robust: bool | None = None,
           why: str = "", seeds: int = 1, budgets: Sequence = (), figure: str | None = None,
           convergence=None, models: Iterable[str] | None = None, ours: str = "", paper_value: str = "",
           budgets_varied: bool = False) -> Claim:
    """Record a verdict on ``claim``. ``robust`` defaults to "one seed is not enough" (False for 1 seed).

    ``convergence`` (and optionally the ``models`` the verdict compares): any of them that did not
    learn or was budget-limited makes the claim not robust, with the reason in ``why``.
    """
    claim.verdict = check_verdict(verdict)
    claim.evidence = {str(k): (float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
                      for k, v in (evidence or {}).items()}
    claim.seeds, claim.budgets, claim.figure = int(seeds), list(budgets), figure
    claim.ours, claim.paper_value = ours or claim.ours, paper_value or claim.paper_value
    reasons = [why] if why else []
    bad = unreliable_models(convergence, models)
    if bad:
        reasons.append("resting on models that " + "; ".join(f"{m}: {s}" for m, s in sorted(bad.items())))
    if robust is None:
        robust = seeds > 1
        if seeds <= 1:
            reasons.append("one seed")
    claim.budgets_varied = bool(budgets_varied)
    if robust and claim.budgets and not budgets_varied:
        robust = False  # seeds agree, but budgets were not varied: the robustness grid decides
        reasons.append("one training budget per model (the robustness grid varies it)")
    claim.robust = bool(robust) and not bad and verdict != NOT_TESTABLE
    claim.why = "; ".join(r for r in reasons if r)
    return claim


# ------------------------------------------------------------------------------------------------
# verdict rules used by several papers; each takes numbers and returns one of VERDICTS


def from_votes(votes: Sequence[bool | None]) -> str:
    """All True -> reproduced, all False -> not reproduced, some of each -> mixed; Nones are ignored
    (all None -> not testable here)."""
    votes = [v for v in votes if v is not None]
    if not votes:
        return NOT_TESTABLE
    if all(votes):
        return REPRODUCED
    if not any(votes):
        return NOT_REPRODUCED
    return MIXED


def greater(a: float, b: float, *, margin: float = 0.0) -> str:
    """``a`` beats ``b`` by more than ``margin``: reproduced; ``b`` beats ``a`` by more than ``margin``:
    not reproduced; within the margin: mixed."""
    if a > b + margin:
        return REPRODUCED
    if a < b - margin:
        return NOT_REPRODUCED
    return MIXED


def ordering(values: Mapping[str, float], expected: Sequence[str]) -> str:
    """Does the order of ``values`` (higher first) follow ``expected``? All adjacent pairs in order:
    reproduced; none: not reproduced; some: mixed."""
    votes = [values[a] > values[b] for a, b in zip(expected, expected[1:])]
    return from_votes(votes)


def robust_across(verdicts: Iterable[str]) -> bool:
    """True when every verdict of a robustness grid is the same (and there is at least one)."""
    verdicts = list(verdicts)
    return bool(verdicts) and len(set(verdicts)) == 1 and verdicts[0] != NOT_TESTABLE


def summary_counts(claims: Iterable[Mapping]) -> dict[str, int]:
    """``{verdict: count}`` over claim records, in the order of :data:`VERDICTS`."""
    counts = {v: 0 for v in VERDICTS}
    for c in claims:
        if c.get("verdict") in counts:
            counts[c["verdict"]] += 1
    return counts

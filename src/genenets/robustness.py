"""The robustness grid: every claim re-decided across seeds and training budgets.

``make robustness`` runs ``genenets run --grid notebooks/robustness.yaml --output figures/robustness/runs``
(each notebook at several ``seed`` and ``budget_scale`` values: ``budget_scale`` multiplies every training
cap, epochs and trees alike), then :func:`collect` reads each run's ``results.json`` and writes

- ``figures/robustness/<notebook>__<claim id>.csv``: one row per run (claim, notebook, seed, budget_scale, verdict,
  robust-in-run, evidence columns), which the report's ledger reads: a verdict is robust only when every
  row agrees;
- ``figures/robustness/SUMMARY.md``: per claim, the verdicts counted over the grid.

    python -m genenets.robustness [--runs DIR] [--out DIR]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from .report import grid_support
from .params import repo_root


def claim_rows(figures_dir, notebook: str, claim_id: str) -> pd.DataFrame | None:
    """The grid's rows of one claim (``<figures_dir>/robustness/<notebook>__<claim_id>.csv``, written by
    :func:`collect`: one row per run with ``seed``, ``budget_scale``, ``verdict`` and ``evidence.*``), or None
    when the grid has not run it."""
    path = Path(figures_dir) / "robustness" / f"{notebook}__{claim_id}.csv"
    try:
        rows = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None
    return rows if {"seed", "budget_scale", "verdict"} <= set(rows.columns) and len(rows) else None


def collect(runs: Path, out: Path) -> pd.DataFrame:
    """Gather the claims of every run under ``runs`` into per-claim CSVs in ``out``; return all rows."""
    rows = []
    for res_path in sorted(Path(runs).glob("*/results.json")):
        res = json.loads(res_path.read_text())
        params = res.get("params", {})
        for c in res.get("claims", []):
            row = {"claim": c["id"], "notebook": res.get("notebook"), "run": res_path.parent.name,
                   "seed": params.get("seed", res.get("seed")), "budget_scale": params.get("budget_scale", 1.0),
                   "verdict": c.get("verdict"), "robust_in_run": c.get("robust"), "why": c.get("why", "")}
            row.update({f"evidence.{k}": v for k, v in (c.get("evidence") or {}).items()
                        if isinstance(v, (int, float, str, bool)) or v is None})
            rows.append(row)
    table = pd.DataFrame(rows)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if table.empty:
        return table
    lines = ["# Robustness grid: each claim's verdict across seeds and training budgets", "",
             "Robust: the same verdict in every run, over at least 2 seeds and 2 training budgets, and no run resting "
             "on a model that did not learn or was budget-limited.", "",
             "| claim | notebook | runs | seeds | budget scales | verdicts | robust |", "|---|---|---|---|---|---|---|"]
    for (nb, cid), part in table.groupby(["notebook", "claim"], sort=True):
        part.dropna(axis=1, how="all").to_csv(out / f"{nb}__{cid}.csv", index=False)
        counts = ", ".join(f"{v} x{n}" for v, n in part["verdict"].value_counts().items())
        lines.append(f"| {cid} | {part['notebook'].iloc[0]} | {len(part)} | "
                     f"{', '.join(map(str, sorted(part['seed'].dropna().unique())))} | "
                     f"{', '.join(map(str, sorted(part['budget_scale'].dropna().unique())))} | {counts} | "
                     f"{_robust_cell(part)} |")
    (out / "SUMMARY.md").write_text("\n".join(lines) + "\n")
    return table


def _robust_cell(rows: pd.DataFrame) -> str:
    robust, why_not = grid_support(rows)
    return "yes" if robust else f"no: {why_not}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m genenets.robustness", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default=str(repo_root() / "figures" / "robustness" / "runs"))
    parser.add_argument("--out", default=str(repo_root() / "figures" / "robustness"))
    args = parser.parse_args(argv)
    table = collect(Path(args.runs), Path(args.out))
    print(f"{table['claim'].nunique() if not table.empty else 0} claims over "
          f"{table['run'].nunique() if not table.empty else 0} runs -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Wall time of every notebook in its latest run under figures/ (from the runner), appended per commit."""
import json
from pathlib import Path

import pandas as pd

from genenets.report import git_commit

APPEND = True
FIGURES = Path(__file__).resolve().parents[1] / "figures"


def run() -> pd.DataFrame:
    rows = []
    for run_json in sorted(FIGURES.glob("*/run.json")):
        prov = json.loads(run_json.read_text())
        timings = prov.get("timings_s", {})
        rows.append({"notebook": run_json.parent.name, "profile": prov.get("profile"),
                     "runner_wall_s": timings.get("runner_wall"), "notebook_s": timings.get("notebook_total"),
                     "commit": (prov.get("git_commit") or "")[:12]})
    table = pd.DataFrame(rows)
    if not table.empty:
        total = table["runner_wall_s"].sum()
        table["share_of_total"] = (table["runner_wall_s"] / total).round(3)
    table["measured_at_commit"] = (git_commit() or "")[:12]
    return table

"""Every notebook executes end to end in the smoke profile through the runner, and writes what it promises."""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from genenets import runner

NOTEBOOKS = runner.discover()


def _param(nb):
    # a notebook that needs another (its metadata) reuses its cached results: same worker, in order
    group = nb.needs[0] if nb.needs else nb.name
    return pytest.param(nb, id=nb.name, marks=[pytest.mark.notebook, pytest.mark.xdist_group(group)])


@pytest.mark.parametrize("nb", [_param(nb) for nb in NOTEBOOKS])
def test_notebook_runs_in_smoke_profile(nb, tmp_path):
    outcome = runner.execute(nb, profile="smoke", output_root=tmp_path)
    assert outcome.status == "ok", outcome.error
    out = tmp_path / nb.name
    res = json.loads((out / "results.json").read_text())
    assert res["notebook"] == nb.name and res["profile"] == "smoke"
    assert res["metrics"], "no metrics recorded"
    for fig in res["figures"]:
        assert (out / fig).stat().st_size > 1000 and (out / fig.replace(".png", ".pdf")).exists()
    if res["figures"]:  # a reader of the executed notebook sees the figures inline, not only as files
        executed = json.loads((out / f"{nb.name}.ipynb").read_text())
        images = [o for c in executed["cells"] for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
        assert images, "figures were saved but none is shown in the executed notebook"
    for table in res["tables"]:
        df = pd.read_csv(out / table)
        # an empty table is a result only when it lists failures or exclusions (none is the good outcome)
        assert len(df.columns) and (not df.empty or any(w in table for w in ("failure", "exclu"))), table
    prov = json.loads((out / "run.json").read_text())
    assert prov["profile"] == "smoke" and prov["device"]


def _tables(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.glob("*.csv"))}


DETERMINISM = next((nb for nb in NOTEBOOKS if nb.name.startswith("08")), NOTEBOOKS[0])


@pytest.mark.notebook
@pytest.mark.xdist_group(DETERMINISM.name)
def test_plain_papermill_with_the_profile_file_equals_the_runner(tmp_path):
    """`papermill NB out.ipynb -f notebooks/params/<group>.smoke.yaml` gives the same results.json and the same
    tables as `genenets run NB --profile smoke` (and so the same parameters give the same tables on CPU)."""
    first = runner.execute(DETERMINISM, "smoke", {"device": "cpu"}, tmp_path / "a")
    assert first.status == "ok", first.error
    out = tmp_path / "b" / DETERMINISM.name
    out.mkdir(parents=True)
    params_file = DETERMINISM.path.parent / "params" / f"{DETERMINISM.group}.smoke.yaml"
    cmd = [sys.executable, "-m", "papermill", str(DETERMINISM.path), str(out / "executed.ipynb"),
           "-f", str(params_file), "-p", "output_dir", str(out), "-p", "device", "cpu",
           "--cwd", str(DETERMINISM.path.parent), "--no-progress-bar"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    a, b = _tables(tmp_path / "a" / DETERMINISM.name), _tables(out)
    assert a and a == b
    ra = json.loads((tmp_path / "a" / DETERMINISM.name / "results.json").read_text())
    rb = json.loads((out / "results.json").read_text())
    assert ra["metrics"] == rb["metrics"] and ra["claims"] == rb["claims"]
    ra["params"].pop("output_dir"), rb["params"].pop("output_dir")
    assert ra["profile"] == rb["profile"] == "smoke" and ra["params"] == rb["params"]

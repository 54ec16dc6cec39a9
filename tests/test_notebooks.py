"""Every notebook executes end to end in the smoke profile through the runner, and writes what it promises."""
import json
from pathlib import Path

import pandas as pd
import pytest

from genenets import runner

NOTEBOOKS = runner.discover()
# notebooks of one paper share cached models: run them in order on one worker
GROUPS = {"01": "genedae", "02": "genedae", "03": "deepae", "04": "deepae", "05": "deepae", "06": "deepae"}


def _param(nb):
    group = GROUPS.get(nb.name[:2], nb.name)
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
        assert not pd.read_csv(out / table).empty, table
    prov = json.loads((out / "run.json").read_text())
    assert prov["profile"] == "smoke" and prov["device"]


def _tables(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.glob("*.csv"))}


DETERMINISM = next((nb for nb in NOTEBOOKS if nb.name.startswith("08")), NOTEBOOKS[0])


@pytest.mark.notebook
@pytest.mark.xdist_group(DETERMINISM.name)
def test_same_parameters_same_tables(tmp_path):
    """The same parameters and seed give identical tables on CPU."""
    first = runner.execute(DETERMINISM, "smoke", {"device": "cpu"}, tmp_path / "a")
    second = runner.execute(DETERMINISM, "smoke", {"device": "cpu"}, tmp_path / "b")
    assert first.status == second.status == "ok", first.error + second.error
    a, b = _tables(tmp_path / "a" / DETERMINISM.name), _tables(tmp_path / "b" / DETERMINISM.name)
    assert a and a == b

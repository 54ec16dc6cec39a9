"""The compendium's frame: README commands, CI, lock file and environment.yml agree; notebooks follow
the conventions (names, parameters cell, no outputs, source in sync)."""
import json
import re
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "dev"))
import sync_environment  # noqa: E402

NOTEBOOK_NAMES = {"00_data_overview", "01_genedae_embeddings", "02_genedae_gene_disease", "03_deepae_reconstruction",
                  "04_deepae_clustering", "05_deepae_lightup_ppi", "06_deepae_disease_genes", "07_gener_interactions",
                  "08_grn_dream4", "09_multiomics_ranking"}


def test_top_level_layout():
    for item in ["notebooks", "src/genenets", "data", "figures", "environment.yml", "tests", "README.md",
                 "pyproject.toml", "requirements.lock", "Makefile", ".ci/run"]:
        assert (ROOT / item).exists(), item


def test_readme_opens_with_the_two_commands_and_ci_calls_make_test():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", readme, flags=re.S)
    assert blocks, "README has no command block"
    commands = [line.split("#")[0].strip() for line in blocks[0].strip().splitlines()]
    assert commands[:2] == ["make reproduce", "make test"] and "make lab" in commands
    ci = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()
          if line.strip() and not line.strip().startswith("#")]
    assert "make test" in ci
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^reproduce:", makefile, flags=re.M) and re.search(r"^test:", makefile, flags=re.M)


def test_torch_is_pinned_everywhere():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert "torch==2.13.0" in deps
    assert "torch==2.13.0" in (ROOT / "requirements.lock").read_text().splitlines()
    assert "pip install --quiet torch==2.13.0" in (ROOT / "Makefile").read_text()


def test_environment_yml_agrees_with_lock():
    lock = sync_environment.locked()
    text = (ROOT / "environment.yml").read_text()
    assert "python=3.11" in text
    pins = dict(re.findall(r"^\s+- ([A-Za-z0-9_.-]+)==(\S+)$", text, flags=re.M))
    assert pins, "environment.yml pins nothing"
    for name in sync_environment.direct_dependencies():
        assert name in pins, f"{name} missing from environment.yml"
        assert pins[name] == lock[name], f"{name}: environment.yml {pins[name]} vs lock {lock[name]}"
    for name, version in pins.items():
        assert lock.get(sync_environment.canonical(name)) == version, name


def test_lock_pins_exact_versions():
    lines = [line for line in (ROOT / "requirements.lock").read_text().splitlines() if line and line[0] != "#"]
    assert lines and all(re.match(r"^[A-Za-z0-9_.-]+==\S+$", line) for line in lines), "unpinned lock line"


NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_conventions(path):
    assert path.stem in NOTEBOOK_NAMES
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for key in ["profile", "seed", "device", "output_dir"]:
        assert re.search(rf"^{key}\s*=", tagged[0].source, flags=re.M), f"parameters cell lacks {key}"
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "committed with outputs"
    meta = nb.metadata.get("genenets", {})
    assert meta.get("paper") and meta.get("result") and meta.get("params")
    assert (ROOT / "notebooks" / "params" / f"{meta['params']}.smoke.yaml").exists()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "run.finish()" in code[-1].source, "the last code cell ends the run"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_profiles_name_real_parameters(path):
    from genenets import runner

    assert runner.describe(path).problems == []

"""The parameter system: profile files, type checks before any kernel starts, labels derived from values."""
import json
import subprocess
import sys

import nbformat
import pytest

from genenets import params, runner
from genenets.errors import ConfigError

ROOT = params.repo_root()


def test_every_profile_file_is_valid_and_names_only_known_parameters():
    for nb in runner.discover():
        assert not nb.problems, nb.problems
        for profile in ("smoke", "paper"):
            path = params.profile_file(nb.group, profile)
            assert path.exists(), f"{nb.name}: no {path.name}"
            values = params.read_yaml(path)
            assert values["profile"] == profile
    groups = {}
    for nb in runner.discover():
        groups.setdefault(nb.group, set()).update(nb.parameters)
    for group, names in groups.items():
        for profile in ("smoke", "paper"):
            stray = set(params.profile_values(group, profile)) - names
            assert not stray, f"notebooks/params/{group}.{profile}.yaml: {stray} are no notebook's parameters"


def test_shared_quick_defaults_agree_within_a_group():
    """Notebooks that share a parameters file (01-02, 03-06) share the quick values of the settings that file
    sets (their training settings, written once there for smoke and paper)."""
    by_group = {}
    for nb in runner.discover():
        by_group.setdefault(nb.group, []).append(nb)
    for group, nbs in by_group.items():
        for a in nbs:
            for b in nbs:
                in_files = set(params.profile_values(group, "smoke")) | set(params.profile_values(group, "paper"))
                common = (set(a.parameters) & set(b.parameters) & in_files) - {"output_dir", "profile"}
                for k in common:
                    assert a.parameters[k]["value"] == b.parameters[k]["value"], (
                        f"{a.name} and {b.name} disagree on the quick value of {k} (group {group})")


@pytest.mark.parametrize("value, default, ok", [
    (3, 1, True), (3.5, 1, False), ("abc", 1, False), (True, 1, False), (2, 0.5, True), ("x", "y", True),
    ([1], [2], True), (1, [2], False), ("anything", None, True), (None, 5, True), (True, False, True)])
def test_type_check(value, default, ok):
    if ok:
        params.check_type("epochs", value, default)
    else:
        with pytest.raises(ConfigError, match="parameter epochs"):
            params.check_type("epochs", value, default)


def test_bad_override_fails_before_any_kernel_starts(tmp_path):
    nbdir = _tiny(tmp_path / "nb")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ConfigError, match="parameter epochs of 01_tiny: got 'abc'"):
        runner.run(["01"], overrides={"epochs": "abc"}, output_root=out, report=False, directory=nbdir)
    with pytest.raises(ConfigError, match="parameter neural.width of 01_tiny: got 'wide'"):
        runner.run(["01"], overrides=runner.parse_overrides(["neural.width=wide"]), output_root=out,
                   report=False, directory=nbdir)
    with pytest.raises(ConfigError, match=r"parameter neural of 01_tiny: unknown keys \['widht'\]"):
        runner.run(["01"], overrides=runner.parse_overrides(["neural.widht=8"]), output_root=out,
                   report=False, directory=nbdir)
    assert not any(out.iterdir())  # nothing was written
    with pytest.raises(ConfigError, match="not valid YAML"):
        runner.parse_overrides(["epochs=[1"])


def test_cli_reports_a_bad_parameter_and_exits_2(capsys):
    from genenets import cli

    assert cli.main(["run", "08", "-p", "no_such_parameter=abc"]) == 2
    assert "unknown parameters ['no_such_parameter']" in capsys.readouterr().err


def test_group_dicts_in_the_parameters_cell():
    """``neural = dict(epochs=6, width=8)`` is a group: read as a literal, set key by key, completed."""
    defaults = params.cell_defaults("seed = 0\nneural = dict(epochs=6, width=8, widths=[4, 8])\nw = {'a': 1}")
    assert defaults == {"seed": 0, "neural": {"epochs": 6, "width": 8, "widths": [4, 8]}, "w": {"a": 1}}
    assert runner.parse_overrides(["neural.epochs=3", "neural.width=16", "seed=2"]) == {
        "neural": {"epochs": 3, "width": 16}, "seed": 2}
    assert params.complete({"neural": {"epochs": 3}}, defaults) == {"neural": {"epochs": 3, "width": 8,
                                                                                "widths": [4, 8]}}
    with pytest.raises(ConfigError, match="unknown keys"):
        params.complete({"neural": {"epoch": 3}}, defaults)
    with pytest.raises(ConfigError, match="parameter neural.epochs"):
        params.check_type("neural", {"epochs": 2.5}, defaults["neural"])
    assert params.merge({"a": 1, "g": {"x": 1, "y": 2}}, {"g": {"y": 3}}) == {"a": 1, "g": {"x": 1, "y": 3}}
    assert params.flatten({"g": {"x": 1}, "s": 0}) == {"g.x": 1, "s": 0}
    tag, diffs = params.label({"seed": 0, "neural": {"epochs": 3}}, defaults, "none", "quick")
    assert tag == "quick+neural.epochs=3" and diffs == {"neural.epochs": 3}


def test_grid_runs_only_the_named_notebooks_entries(tmp_path):
    nbdir = _tiny(tmp_path)
    grid = {"01_tiny": {"seed": [0, 1], "neural.epochs": [2, 4]}}
    tasks = runner.plan(["01"], grid=grid, directory=nbdir)
    assert [t.overrides for t in tasks][:2] == [{"seed": 0, "neural": {"epochs": 2}},
                                                {"seed": 0, "neural": {"epochs": 4}}]
    assert tasks[0].label == "01_tiny__seed=0_neural.epochs=2" and len(tasks) == 4
    (nbdir / "02_tiny.ipynb").write_bytes((nbdir / "01_tiny.ipynb").read_bytes())
    with pytest.raises(ConfigError, match="no entry for 02"):
        runner.plan(["02"], grid={"01_tiny": {"seed": [0]}}, directory=nbdir)


def test_label_is_derived_from_the_values():
    defaults = {"profile": "quick", "epochs": 6, "seed": 0}
    assert params.label({"profile": "quick", "epochs": 6, "seed": 0}, defaults, "none", "quick") == ("quick", {})
    tag, diffs = params.label({"profile": "quick", "epochs": 3, "seed": 0}, defaults, "none", "quick")
    assert tag == "quick+epochs=3" and diffs == {"epochs": 3}


def _tiny(tmp_path):
    """A notebook in the compendium's layout (notebooks/ + params/) under tmp_path."""
    nbdir = tmp_path / "notebooks"
    (nbdir / "params").mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("profile = 'quick'\noutput_dir = 'out'\nepochs = 6\nseed = 0\n"
                                     "neural = dict(width=8, lr=0.01)")
    cell.metadata["tags"] = ["parameters"]
    body = ("from genenets import report\nrun = report.start_run('01_tiny', globals())\n"
            "run.metrics['epochs'] = epochs\nrun.metrics['width'] = neural['width']\n"
            "run.metrics['lr'] = neural['lr']\nrun.finish()")
    nb.cells = [cell, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["genenets"] = {"params": "tiny"}
    nbformat.write(nb, nbdir / "01_tiny.ipynb")
    (nbdir / "params" / "tiny.smoke.yaml").write_text("profile: smoke\nepochs: 1\nneural: {width: 2}\n")
    return nbdir


def _papermill(nbdir, out, *args):
    out.mkdir(parents=True)
    cmd = [sys.executable, "-m", "papermill", str(nbdir / "01_tiny.ipynb"), str(out / "x.ipynb"),
           "-p", "output_dir", str(out), "--cwd", str(nbdir), "--no-progress-bar", *args]
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((out / "results.json").read_text())


def test_profile_label_without_its_file_applies_the_profile_or_says_what_was_used(tmp_path):
    nbdir = _tiny(tmp_path)
    with_file = _papermill(nbdir, tmp_path / "a", "-f", str(nbdir / "params" / "tiny.smoke.yaml"))
    assert with_file["profile"] == "smoke" and with_file["metrics"]["epochs"] == 1
    # the file's partial group {width: 2} keeps the cell's lr: plain papermill -f works with groups
    assert with_file["metrics"]["width"] == 2 and with_file["metrics"]["lr"] == 0.01
    label_only = _papermill(nbdir, tmp_path / "b", "-p", "profile", "smoke")
    assert label_only["profile"] == "smoke" and label_only["metrics"]["epochs"] == 1  # applied in the notebook
    assert label_only["metrics"]["width"] == 2
    custom = _papermill(nbdir, tmp_path / "c", "-p", "profile", "smoke", "-p", "epochs", "3")
    assert custom["metrics"]["epochs"] == 3 and custom["profile"] == "smoke+epochs=3"


@pytest.mark.parametrize("profile", ["smoke", "quick", "paper"])
def test_genedae_gene_models_train_with_the_full_models_settings(profile):
    """G4 compares a gene trained alone with the full model: in every profile the models trained alone get the
    full model's batch size and an epoch cap no lower than its, so that only the graph differs (with batch 256
    under a 30-epoch cap every one of them was still improving when its cap stopped it)."""
    for name in ("01_genedae_embeddings", "02_genedae_gene_disease"):
        defaults, _ = params.notebook_defaults(params.repo_root() / "notebooks" / f"{name}.ipynb")
        values = defaults if profile == "quick" else params.merge(
            defaults, params.expand_dotted(params.profile_values("genedae", profile)))
        training, subgraphs = values["training"], values["subgraphs"]
        assert subgraphs["batch_size"] == training["batch_size"], (name, profile)
        assert subgraphs["epochs"] >= training["epochs"], (name, profile)

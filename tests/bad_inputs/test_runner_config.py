"""Bad parameters, grids, parameters files and output folders given to ``genenets run``: each stops
before any kernel starts, names the parameter, file or folder, and writes nothing."""
from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from genenets import cli, runner
from genenets.errors import ConfigError

from .conftest import make_notebook

MODULE = "genenets.runner / genenets.cli"


def _nothing_written(root: Path):
    assert not root.exists() or not any(root.iterdir()), sorted(p.name for p in root.iterdir())


def test_p_value_of_wrong_type(nbdir, tmp_path):
    """`-p x=abc` for an int parameter -> ConfigError naming x, before any kernel starts; no output folder."""
    with pytest.raises(ConfigError, match=r"parameter x.*'abc'.*int"):
        runner.run(["01"], overrides=runner.parse_overrides(["x=abc"]), output_root=tmp_path / "out")
    _nothing_written(tmp_path / "out")


def test_p_float_for_int(nbdir, tmp_path):
    """`-p x=1.5` for an int parameter -> ConfigError naming x and its type; nothing written."""
    with pytest.raises(ConfigError, match=r"parameter x.*1\.5.*int"):
        runner.run(["01"], overrides={"x": 1.5}, output_root=tmp_path / "out")
    _nothing_written(tmp_path / "out")


def test_p_bool_for_int(nbdir, tmp_path):
    """`-p x=true` for an int parameter -> ConfigError naming x (a bool is not a number here)."""
    with pytest.raises(ConfigError, match=r"parameter x.*True.*bool"):
        runner.run(["01"], overrides={"x": True}, output_root=tmp_path / "out")
    _nothing_written(tmp_path / "out")


def test_p_unclosed_bracket():
    """`-p 'x=[1'` -> ConfigError naming x and saying the value is not valid YAML (no raw traceback)."""
    with pytest.raises(ConfigError, match=r"parameter x: value '\[1' is not valid YAML"):
        runner.parse_overrides(["x=[1"])


def test_p_without_equals():
    """`-p x` (no value) -> ConfigError naming `x` and the key=value form."""
    with pytest.raises(ConfigError, match=r"'x' is not of the form key=value"):
        runner.parse_overrides(["x"])


def test_p_unknown_parameter(nbdir, tmp_path):
    """`-p nope=1` -> ConfigError naming nope and listing the notebook's parameters; nothing written."""
    with pytest.raises(ConfigError, match=r"unknown parameters \['nope'\].*'x'"):
        runner.run(["01"], overrides={"nope": 1}, output_root=tmp_path / "out")
    _nothing_written(tmp_path / "out")


def test_cli_p_wrong_type_exits_2(nbdir, tmp_path, capsys):
    """CLI `genenets run 01 -p x=abc` -> exit 2, stderr names parameter x; no output folder."""
    assert cli.main(["run", "01", "-p", "x=abc", "--output", str(tmp_path / "out")]) == 2
    assert "parameter x" in capsys.readouterr().err
    _nothing_written(tmp_path / "out")


def test_jobs_zero_cli(nbdir, tmp_path, capsys):
    """CLI `--jobs 0` -> exit 2, stderr names --jobs; nothing runs, nothing written."""
    assert cli.main(["run", "01", "--jobs", "0", "--output", str(tmp_path / "out")]) == 2
    assert "--jobs must be at least 1, got 0" in capsys.readouterr().err
    _nothing_written(tmp_path / "out")


def test_jobs_zero_library(nbdir, tmp_path):
    """`runner.run(jobs=0)` (or -1) -> ConfigError naming --jobs; nothing written."""
    for jobs in (0, -1):
        with pytest.raises(ConfigError, match=r"--jobs must be a whole number of at least 1"):
            runner.run(["01"], jobs=jobs, output_root=tmp_path / "out")
    _nothing_written(tmp_path / "out")


def test_unknown_profile(nbdir, tmp_path):
    """`profile='huge'` -> ConfigError naming the profile and listing smoke, quick, paper; nothing written."""
    with pytest.raises(ConfigError, match=r"unknown profile 'huge'; choose one of smoke, quick, paper"):
        runner.run(["01"], profile="huge", output_root=tmp_path / "out")
    _nothing_written(tmp_path / "out")


def test_unknown_notebook(nbdir, tmp_path, capsys):
    """`genenets run 99_nothing` -> exit 2, message names 99_nothing and lists the notebooks."""
    assert cli.main(["run", "99_nothing", "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "no notebook named '99_nothing'" in err and "01_fast" in err
    _nothing_written(tmp_path / "out")


def test_unknown_executor(nbdir, tmp_path):
    """`executor='slurm'` -> ConfigError naming it and the choices local, dask."""
    with pytest.raises(ConfigError, match=r"unknown executor 'slurm'; choose local or dask"):
        runner.run(["01"], executor="slurm", output_root=tmp_path / "out")


def test_grid_missing_file(tmp_path):
    """`--grid missing.yaml` -> ConfigError naming the grid file (no raw FileNotFoundError)."""
    with pytest.raises(ConfigError, match=r"grid file .*missing\.yaml cannot be read"):
        runner.load_grid(tmp_path / "missing.yaml")


def test_cli_grid_missing_file(nbdir, tmp_path, capsys):
    """CLI `genenets run --grid missing.yaml` -> exit 2, stderr names the file; nothing written."""
    assert cli.main(["run", "--grid", str(tmp_path / "missing.yaml"), "--output", str(tmp_path / "out")]) == 2
    assert "missing.yaml" in capsys.readouterr().err
    _nothing_written(tmp_path / "out")


def test_grid_malformed_yaml(tmp_path):
    """A grid file with a YAML syntax error -> ConfigError naming the file and the line."""
    grid = tmp_path / "grid.yaml"
    grid.write_text("01_fast:\n  x: [1, 2\n  sleep: 0\n")
    with pytest.raises(ConfigError, match=r"grid file .*grid\.yaml is not valid YAML at line \d+"):
        runner.load_grid(grid)


def test_grid_empty_list(tmp_path):
    """Grid `seed: []` -> ConfigError naming the notebook key and parameter (no crash writing REPORT)."""
    grid = tmp_path / "grid.yaml"
    grid.write_text("01_fast: {x: [1], seed: []}\n")
    with pytest.raises(ConfigError, match=r"grid\.yaml: 01_fast: parameter seed has an empty list of values"):
        runner.load_grid(grid)


def test_grid_key_read_as_int(nbdir, tmp_path):
    """Grid key `01:` (YAML would read an int) -> kept as the prefix "01", selecting 01_fast (no TypeError)."""
    grid = tmp_path / "grid.yaml"
    grid.write_text("01: {x: [1, 2]}\n")
    loaded = runner.load_grid(grid)
    assert list(loaded) == ["01"]
    assert [t.label for t in runner.plan(None, None, loaded)] == ["01_fast__x=1", "01_fast__x=2"]


def test_grid_octal_looking_key(tmp_path):
    """Grid key `07:` (YAML 1.1 octal) -> kept as "07", not 7."""
    grid = tmp_path / "grid.yaml"
    grid.write_text("07: {seed: [0, 1]}\n010: {seed: [0]}\n")
    assert list(runner.load_grid(grid)) == ["07", "010"]


def test_grid_not_a_mapping(tmp_path):
    """A grid file holding a list -> ConfigError naming the file and showing the expected shape."""
    grid = tmp_path / "grid.yaml"
    grid.write_text("- 01_fast\n- 02_slow\n")
    with pytest.raises(ConfigError, match=r"grid file .*grid\.yaml: a grid maps notebook names"):
        runner.load_grid(grid)


def test_grid_axes_not_a_mapping(tmp_path):
    """Grid `01_fast: [1, 2]` (values without a parameter) -> ConfigError naming the file."""
    grid = tmp_path / "grid.yaml"
    grid.write_text("01_fast: [1, 2]\n")
    with pytest.raises(ConfigError, match=r"grid\.yaml: a grid maps notebook names"):
        runner.load_grid(grid)


def test_grid_unknown_parameter(nbdir, tmp_path):
    """Grid `01_fast: {nope: [1]}` -> ConfigError naming nope before any kernel starts; nothing written."""
    with pytest.raises(ConfigError, match=r"01_fast: unknown parameters \['nope'\]"):
        runner.run(grid={"01_fast": {"nope": [1]}}, output_root=tmp_path / "out")
    _nothing_written(tmp_path / "out")


def test_grid_wrong_type(nbdir, tmp_path):
    """Grid `01_fast: {x: [a]}` for an int parameter -> ConfigError naming x; nothing written."""
    with pytest.raises(ConfigError, match=r"parameter x.*'a'.*int"):
        runner.run(grid={"01_fast": {"x": ["a"]}}, output_root=tmp_path / "out")
    _nothing_written(tmp_path / "out")


def test_grid_unknown_notebook(nbdir, tmp_path):
    """Grid key `99:` matching no notebook -> ConfigError naming '99'; nothing written."""
    with pytest.raises(ConfigError, match=r"no notebook named '99'"):
        runner.run(grid={"99": {"x": [1]}}, output_root=tmp_path / "out")
    _nothing_written(tmp_path / "out")


def test_params_file_malformed(tmp_path):
    """A malformed `params/<nb>.smoke.yaml` -> the notebook lists a problem naming the file and line; other
    notebooks are unaffected."""
    make_notebook(tmp_path, "01_a")
    make_notebook(tmp_path, "02_b")
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "01_a.smoke.yaml").write_text("profile: smoke\nx: [1\n")
    infos = {nb.name: nb for nb in runner.discover(tmp_path)}
    assert any("01_a.smoke.yaml is not valid YAML at line" in p for p in infos["01_a"].problems)
    assert infos["02_b"].problems == []
    with pytest.raises(ConfigError, match=r"01_a\.smoke\.yaml"):
        runner.resolve_parameters(infos["01_a"], "smoke", {}, tmp_path / "out")


def test_params_file_unknown_parameter(tmp_path):
    """`params/<nb>.smoke.yaml` setting `nope: 1` -> a problem naming nope and the file; running it fails
    that notebook only, with the same message."""
    make_notebook(tmp_path, "01_a", smoke={"nope": 1})
    info = runner.describe(tmp_path / "01_a.ipynb")
    assert info.problems and "params/01_a.smoke.yaml sets unknown parameters ['nope']" in info.problems[0]
    with pytest.raises(ConfigError, match=r"nope"):
        runner.resolve_parameters(info, "smoke", {}, tmp_path / "out")


def test_params_file_wrong_type(tmp_path):
    """`params/<nb>.smoke.yaml` with `x: many` for an int -> a problem naming x and the file."""
    make_notebook(tmp_path, "01_a", smoke={"x": "many"})
    info = runner.describe(tmp_path / "01_a.ipynb")
    assert any("parameter x in params/01_a.smoke.yaml" in p and "'many'" in p for p in info.problems)


def test_params_file_not_a_mapping(tmp_path):
    """`params/<nb>.smoke.yaml` holding a list -> a problem naming the file."""
    make_notebook(tmp_path, "01_a")
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "01_a.smoke.yaml").write_text("- 1\n- 2\n")
    info = runner.describe(tmp_path / "01_a.ipynb")
    assert any("01_a.smoke.yaml must map parameter names to values" in p for p in info.problems)


def test_output_is_a_file(nbdir, tmp_path):
    """`--output` naming an existing file -> ConfigError naming the folder; the file is untouched."""
    f = tmp_path / "afile"
    f.write_text("keep me")
    with pytest.raises(ConfigError, match=r"output folder .*afile cannot be written \(it exists and is not a folder"):
        runner.run(["01"], output_root=f)
    assert f.read_text() == "keep me"


def test_output_under_a_file(nbdir, tmp_path):
    """`--output afile/out` (a file in the path) -> ConfigError naming the folder."""
    f = tmp_path / "afile"
    f.write_text("keep me")
    with pytest.raises(ConfigError, match=r"output folder .*afile/out cannot be written"):
        runner.run(["01"], output_root=f / "out")


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs a Linux /sys")
def test_output_on_read_only_file_system(nbdir, capsys):
    """CLI `--output` on a file system that refuses writes (/sys) -> exit 2, message names the folder."""
    target = "/sys/genenets-bad-input-test"
    assert cli.main(["run", "01", "--output", target]) == 2
    err = capsys.readouterr().err
    assert f"output folder {target} cannot be written" in err and "--output" in err
    assert not Path(target).exists()


@pytest.mark.parametrize("code, words", [(errno.EROFS, "the file system is read-only"), (errno.ENOSPC, "the disk is full")])
def test_output_erofs_or_full(nbdir, tmp_path, monkeypatch, code, words):
    """`--output` on a read-only (EROFS) or full (ENOSPC) disk -> ConfigError naming the folder and the cause."""
    real_mkdir = Path.mkdir

    def refuse(self, *args, **kwargs):
        if str(self).startswith(str(tmp_path / "ro")):
            raise OSError(code, os.strerror(code), str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(ConfigError, match=rf"output folder .*ro/figures cannot be written \({words}"):
        runner.run(["01"], output_root=tmp_path / "ro" / "figures")


def test_report_of_missing_folder(tmp_path, capsys):
    """`genenets report --output missing/` -> exit 2, message names the folder; nothing created."""
    assert cli.main(["report", "--output", str(tmp_path / "missing")]) == 2
    assert "missing is not a folder of results" in capsys.readouterr().err
    assert not (tmp_path / "missing").exists()

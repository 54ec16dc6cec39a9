"""The papermill runner and the CLI: parameters, profiles, failures that do not stop the others,
the summary, results.json/run.json and REPORT.md."""
import json
import os

import nbformat
import pytest

from genenets import cli, runner
from genenets.report import flatten, write_report


def _notebook(path, body, params="profile = 'quick'\noutput_dir = 'out'\nx = 1", meta=None, smoke=None):
    """A notebook at ``path`` with a parameters cell and, beside it, ``params/<name>.smoke.yaml``."""
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# test"), p] + [nbformat.v4.new_code_cell(b) for b in body]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["genenets"] = meta or {"paper": "P", "result": "R"}
    nbformat.write(nb, path)
    (path.parent / "params").mkdir(exist_ok=True)
    smoke = {"x": 2} if smoke is None else smoke
    (path.parent / "params" / f"{path.stem}.smoke.yaml").write_text(
        "profile: smoke\n" + "".join(f"{k}: {v}\n" for k, v in smoke.items()))
    return runner.describe(path)


WRITE = ("from genenets import report\n"
         "run = report.start_run('nb', output_dir, profile=profile, params={'x': x})\n"
         "run.metrics['x'] = x\nrun.paper['x'] = 1\nrun.finish()")


def test_parse_overrides_reads_yaml_values():
    assert runner.parse_overrides(["a=3", "b=0.5", "c=dream4", "d=[1, 2]", "e=true"]) == {
        "a": 3, "b": 0.5, "c": "dream4", "d": [1, 2], "e": True}
    with pytest.raises(ValueError, match="key=value"):
        runner.parse_overrides(["nokey"])


def test_profiles_and_overrides_resolve(tmp_path):
    info = _notebook(tmp_path / "01_a.ipynb", [WRITE])
    assert info.parameters["x"]["default"] == "1" and info.profiles == {"smoke": {"x": 2}}
    params = runner.resolve_parameters(info, "smoke", {}, tmp_path / "o")
    assert params == {"x": 2, "profile": "smoke", "output_dir": "o"}  # relative to the notebook's folder
    assert runner.resolve_parameters(info, "smoke", {"x": 5}, tmp_path)["x"] == 5
    with pytest.raises(ValueError, match="unknown parameters"):
        runner.resolve_parameters(info, "quick", {"y": 1}, tmp_path)
    with pytest.raises(ValueError, match="unknown profile"):
        runner.resolve_parameters(info, "huge", {}, tmp_path)


def test_profile_with_unknown_parameter_fails_that_notebook_only(tmp_path):
    bad = _notebook(tmp_path / "01_a.ipynb", [WRITE], smoke={"nope": 1})
    _notebook(tmp_path / "02_b.ipynb", [WRITE])
    assert bad.problems and "nope" in bad.problems[0]
    assert [nb.name for nb in runner.discover(tmp_path)] == ["01_a", "02_b"]  # discovery is unaffected
    with pytest.raises(ValueError, match="unknown parameters"):
        runner.resolve_parameters(bad, "smoke", {}, tmp_path)
    outcome = runner.execute(bad, "smoke", {}, tmp_path / "out")
    assert outcome.status == "failed" and "nope" in outcome.error


def test_an_unreadable_notebook_fails_alone(tmp_path):
    _notebook(tmp_path / "02_b.ipynb", [WRITE])
    (tmp_path / "01_broken.ipynb").write_text('{"cells": [')  # a half-written file
    found = {nb.name: nb for nb in runner.discover(tmp_path)}
    assert list(found) == ["01_broken", "02_b"] and not found["02_b"].problems
    assert "01_broken.ipynb cannot be read" in found["01_broken"].problems[0]
    outcomes = runner.run(profile="smoke", output_root=tmp_path / "out", report=False, directory=tmp_path,
                          quiet=True)
    assert {o.name: o.status for o in outcomes} == {"01_broken": "failed", "02_b": "ok"}


def test_execute_writes_outputs_and_failure_names_the_cell(tmp_path):
    good = _notebook(tmp_path / "01_good.ipynb", [WRITE])
    bad = _notebook(tmp_path / "02_bad.ipynb", ["y = 1", "raise RuntimeError('boom in cell')", WRITE])
    out = tmp_path / "figures"
    ok = runner.execute(good, "smoke", {}, out)
    failed = runner.execute(bad, "smoke", {}, out)
    assert ok.status == "ok", ok.error
    res = json.loads((out / "01_good" / "results.json").read_text())
    assert res["metrics"] == {"x": 2} and res["params"] == {"x": 2}
    assert set(res) >= {"notebook", "profile", "dataset", "params", "seed", "metrics", "paper", "runtime_s"}
    prov = json.loads((out / "01_good" / "run.json").read_text())
    assert set(prov) >= {"git_commit", "packages", "data_files", "params", "seed", "device", "timings_s"}
    assert prov["packages"]["torch"].startswith("2.13.0") and "runner_wall" in prov["timings_s"]
    assert (out / "01_good" / "01_good.ipynb").exists()
    assert failed.status == "failed"
    assert "cell 4 of the executed notebook" in failed.error and "raise RuntimeError" in failed.error and "RuntimeError" in failed.error and "boom in cell" in failed.error
    table = runner.summary_table([ok, failed])
    assert "FAILED 02_bad" in table and "notebooks ok: 1 of 2" in table


def test_notebook_without_results_is_a_failure(tmp_path):
    info = _notebook(tmp_path / "01_quiet.ipynb", ["z = 3"])
    outcome = runner.execute(info, "quick", {}, tmp_path / "f")
    assert outcome.status == "failed" and "results.json" in outcome.error


def test_report_puts_paper_next_to_run(tmp_path):
    d = tmp_path / "07_x"
    d.mkdir()
    (d / "results.json").write_text(json.dumps({
        "notebook": "07_x", "profile": "quick", "dataset": "sim", "seed": 0, "runtime_s": 3,
        "metrics": {"auroc": {"gener": 0.71, "|Pearson|": 0.52}, "n": 5}, "paper": {"auroc": {"gener": 0.834}},
        "notes": ["data differ"], "figures": ["roc.png"], "tables": ["t.csv"]}))
    report = write_report(tmp_path, [{"name": "07_x", "paper": "GENER", "result": "Table 4"},
                                     {"name": "08_y", "paper": "GRN", "result": "Fig. 11"}]).read_text()
    assert "| auroc.gener | 0.834 | 0.71 |" in report and "| n |  | 5 |" in report
    assert "| auroc.\\|Pearson\\| |  | 0.52 |" in report  # pipes in names do not break the table
    assert "[roc.png](07_x/roc.png)" in report and "data differ" in report
    assert "## 08_y" in report and "No results yet" in report
    assert "| 07_x | quick | sim | ok | 3 |" in report and "| 08_y |  |  | not run |" in report
    flagged = write_report(tmp_path, None, [{"name": "07_x", "status": "failed", "error": "cell 3: boom"}]).read_text()
    assert "failed in the latest run" in flagged and "07_x failed: cell 3: boom" in flagged
    assert flatten({"a": {"b": {"c": 1}}}) == {"a.b.c": 1}


def test_cli_list_shows_every_notebook(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for nb in runner.discover():
        assert nb.name in out and nb.result in out


def test_cli_run_unknown_notebook_exits_2(capsys):
    assert cli.main(["run", "99_nothing"]) == 2
    assert "no notebook named" in capsys.readouterr().err


def test_cli_data_verify_reports_unknown(capsys):
    assert cli.main(["data", "verify", "x/y"]) == 2


def test_grid_plan_labels_every_combination(tmp_path):
    _notebook(tmp_path / "01_a.ipynb", [WRITE])
    _notebook(tmp_path / "02_b.ipynb", [WRITE])
    tasks = runner.plan(None, {"profile": "smoke"}, {"01": {"x": [1, 2], "profile": "quick"}}, tmp_path)
    assert [t.label for t in tasks] == ["01_a__x=1_profile=quick", "01_a__x=2_profile=quick"]
    assert tasks[1].overrides == {"profile": "quick", "x": 2}
    assert [t.label for t in runner.plan(["0"], None, None, tmp_path)] == ["01_a", "02_b"]
    grid_file = tmp_path / "grid.yaml"
    grid_file.write_text("01_a: [1, 2]\n")
    with pytest.raises(ValueError, match="grid maps"):
        runner.load_grid(grid_file)


@pytest.mark.slow
def test_dask_local_cluster_runs_a_grid_like_the_local_runner(tmp_path):
    nbdir = tmp_path / "nb"
    nbdir.mkdir()
    _notebook(nbdir / "01_a.ipynb", [WRITE])
    _notebook(nbdir / "02_bad.ipynb", ["raise ValueError('bad')", WRITE])
    grid = {"01_a": {"x": [3, 4]}, "02": {"x": [1]}}
    local = runner.run(profile="smoke", grid=grid, output_root=tmp_path / "local", directory=nbdir)
    dask = runner.run(profile="smoke", grid=grid, jobs=2, executor="dask", output_root=tmp_path / "dask",
                      directory=nbdir)
    assert [(o.name, o.status) for o in dask] == [(o.name, o.status) for o in local] == [
        ("01_a__x=3", "ok"), ("01_a__x=4", "ok"), ("02_bad__x=1", "failed")]
    for root in ("local", "dask"):
        res = json.loads((tmp_path / root / "01_a__x=4" / "results.json").read_text())
        assert res["metrics"] == {"x": 4}
        assert "01_a__x=3" in (tmp_path / root / "REPORT.md").read_text()


def test_notebooks_that_need_others_run_after_them_in_one_chain(tmp_path):
    for name, needs in [("01_a", []), ("02_b", ["01_a"]), ("03_c", []), ("04_d", [])]:
        _notebook(tmp_path / f"{name}.ipynb", [WRITE], meta={"paper": "P", "result": "r", "needs": needs})
    grouped = runner.chains(runner.plan(None, None, None, tmp_path))
    assert [[t.label for t in c] for c in grouped] == [["01_a", "02_b"], ["03_c"], ["04_d"]]
    grid = runner.chains(runner.plan(None, None, {"0": {"x": [1, 2]}}, tmp_path))
    assert [t.label for t in grid[0]] == ["01_a__x=1", "02_b__x=1"]  # a dependency, same overrides
    # 02's grid entry fixes a key 01's does not have: it still follows 01's run with the same shared keys
    extra = runner.chains(runner.plan(None, None, {"01_a": {"x": [1, 2]}, "02_b": {"x": [1, 2], "y": [0]}},
                                      tmp_path))
    assert [[t.label for t in c] for c in extra] == [["01_a__x=1", "02_b__x=1_y=0"], ["01_a__x=2", "02_b__x=2_y=0"]]
    # keys of one parameter group compare one by one (03's and 04's grid entries fix different keys of a group)
    grouped = runner.chains(runner.plan(None, None, {"01_a": {"x": [1], "g.a": [0]}, "02_b": {"x": [1], "g.a": [0],
                                                                                            "g.b": [5]}}, tmp_path))
    assert [[t.label for t in c] for c in grouped][0] == ["01_a__x=1_g.a=0", "02_b__x=1_g.a=0_g.b=5"]


def test_chains_start_longest_first_by_their_last_recorded_wall_time(tmp_path):
    for name in ["01_a", "02_b", "03_c", "04_d"]:
        _notebook(tmp_path / f"{name}.ipynb", [WRITE])
    out = tmp_path / "out"
    for name, wall in [("01_a", 5.0), ("02_b", 50.0), ("03_c", 20.0)]:  # 04_d never ran: unknown, first
        (out / name).mkdir(parents=True)
        (out / name / "run.json").write_text(json.dumps({"timings_s": {"runner_wall": wall}}))
    ordered = runner.longest_first(runner.chains(runner.plan(None, None, None, tmp_path)), out, empty_cache={})
    assert [c[0].label for c in ordered] == ["04_d", "02_b", "03_c", "01_a"]


def test_longest_first_takes_the_empty_cache_cost_when_the_last_run_was_served_by_the_cache(tmp_path):
    """01's committed quick run took 30 s from the cache and 359 CPU s from an empty one: a fresh clone must
    start it first, so the expected cost is the larger of the last run and make verify's empty-cache CPU."""
    from genenets import verify

    for name in ["01_a", "02_b", "03_c", "04_d"]:
        _notebook(tmp_path / f"{name}.ipynb", [WRITE])
    out = tmp_path / "out"
    for name, wall in [("01_a", 5.0), ("02_b", 50.0), ("03_c", 20.0)]:
        (out / name).mkdir(parents=True)
        (out / name / "run.json").write_text(json.dumps({"timings_s": {"runner_wall": wall}}))
    row = {"status": "identical", "detail": "", "wall_s": 120, "commit": "x", "date": "d"}
    verify.write_summary([{**row, "name": "01_a", "cpu_s": 100.0, "cache": "empty"},
                          {**row, "name": "03_c", "cpu_s": 900.0, "cache": "shared"}], out / "VERIFY.md")
    assert runner.empty_cache_costs(out / "VERIFY.md") == {"01_a": 100.0}  # a shared-cache check is no estimate
    ordered = runner.longest_first(runner.chains(runner.plan(None, None, None, tmp_path)), out)
    assert [c[0].label for c in ordered] == ["04_d", "01_a", "02_b", "03_c"]
    assert runner.empty_cache_costs(tmp_path / "none.md") == {}


def test_notebooks_folder_from_environment(tmp_path, monkeypatch):
    _notebook(tmp_path / "05_env.ipynb", [WRITE])
    monkeypatch.setenv("GENENETS_NOTEBOOKS_DIR", str(tmp_path))
    assert runner.notebooks_dir() == tmp_path.resolve()
    assert [nb.name for nb in runner.discover()] == ["05_env"]


def test_summary_of_an_interrupted_run(tmp_path):
    outcomes = [runner.Outcome("01_a", "ok", 1.0, tmp_path / "01_a"),
                runner.Outcome("02_b", "interrupted", 2.0, tmp_path / "02_b", "stopped by Ctrl-C/SIGTERM"),
                runner.Outcome("03_c", "not run", 0.0, tmp_path / "03_c", "not started")]
    table = runner.summary_table(outcomes)
    assert "INTERRUPTED 02_b: its previous folder, if any, is unchanged" in table
    assert "notebooks ok: 1 of 3" in table and "interrupted: 2 notebook(s) stopped or not started" in table


@pytest.mark.skipif(os.name != "posix", reason="Unix sockets: POSIX only")
def test_kernels_listen_on_their_own_unix_sockets_and_remove_them():
    # TCP ports picked free by two kernels started at once could collide ("Address already in use")
    import asyncio
    import glob

    kms = [runner.TrackedKernelManager(kernel_name="python3") for _ in range(2)]
    assert all(km.transport == "ipc" for km in kms) and kms[0].ip != kms[1].ip

    async def start_both_then_stop():
        await asyncio.gather(*(km.start_kernel(extra_arguments=runner.KERNEL_ARGUMENTS) for km in kms))
        try:
            for km in kms:
                client = km.client()
                client.start_channels()
                await client.wait_for_ready(timeout=60)
                client.stop_channels()
            return [sorted(glob.glob(km.ip + "-*")) for km in kms]
        finally:
            await asyncio.gather(*(km.shutdown_kernel(now=True) for km in kms))

    sockets = asyncio.run(start_both_then_stop())
    assert all(len(s) == 5 for s in sockets), sockets  # shell, iopub, stdin, control, heartbeat
    assert not any(glob.glob(km.ip + "-*") for km in kms)


@pytest.mark.skipif(os.name != "posix", reason="Unix sockets: POSIX only")
def test_stale_kernel_sockets_are_removed_and_live_ones_kept(tmp_path):
    # a kernel killed with its runner (SIGKILL) leaves its socket files behind; nothing listens on them
    import socket

    stale, live, young = (str(tmp_path / f"{runner.KERNEL_SOCKET_PREFIX}{name}-1") for name in ("aa", "bb", "cc"))
    for path in (stale, young):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
            dead.bind(path)  # bound, closed, never unlinked: what a killed kernel leaves
    other = tmp_path / "someone-else-1"
    other.write_text("not a socket")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listening:
        listening.bind(live)
        listening.listen()
        old = os.stat(stale).st_mtime - 3600
        for path in (stale, live):
            os.utime(path, (old, old))
        # the young one may be a kernel starting elsewhere, bound but not yet listening: kept
        assert runner.remove_stale_kernel_sockets(str(tmp_path)) == [stale]
        assert os.path.exists(live) and os.path.exists(young) and other.exists() and not os.path.exists(stale)

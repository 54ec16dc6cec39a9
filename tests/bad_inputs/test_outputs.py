"""Faults around a notebook's output folder: failed runs, killed runs, temporary folders, locks and a
report that must never show stale numbers as current."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from genenets import report, runner

from .conftest import fake_previous_run, leftovers, make_notebook, snapshot

MODULE = "genenets.runner / genenets.report"


def _info(folder, name, cells=None):
    return runner.describe(make_notebook(folder, name, cells))


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_failing_rerun_keeps_previous_folder(tmp_path):
    """A rerun whose cell raises, into a folder holding an earlier run -> earlier folder byte-identical,
    <name>.failed.json names the cell, REPORT lists it as failed without the old numbers; no temp folder."""
    info = _info(tmp_path / "nb", "01_a", ["x = 1", "raise RuntimeError('boom in cell')"])
    out = tmp_path / "figures"
    before = fake_previous_run(out, "01_a")
    outcome = runner.execute(info, "quick", {}, out)
    assert outcome.status == "failed" and outcome.cell == 4 and "RuntimeError: boom in cell" in outcome.error
    assert snapshot(out / "01_a") == before
    rec = json.loads((out / "01_a.failed.json").read_text())
    assert rec["status"] == "failed" and rec["cell"] == 4 and "boom in cell" in rec["error"] and rec["kept"]
    text = report.write_report(out, [{"name": "01_a", "paper": "P", "result": "R"}]).read_text()
    assert "OLD-7" not in text and "x value" not in text  # neither the ledger nor the headline of the old run
    assert "| 01_a | quick |  | failed in the latest run |" in text and "01_a failed (cell 4)" in text
    assert leftovers(out) == []


def test_rerun_without_results_keeps_previous_folder(tmp_path):
    """A rerun that finishes without writing results.json -> failed; earlier folder byte-identical; no temp folder."""
    info = _info(tmp_path / "nb", "01_a", ["y = 2"])
    out = tmp_path / "figures"
    before = fake_previous_run(out, "01_a")
    outcome = runner.execute(info, "quick", {}, out)
    assert outcome.status == "failed" and "without writing results.json" in outcome.error
    assert snapshot(out / "01_a") == before and (out / "01_a.failed.json").exists()
    assert leftovers(out) == []


def test_successful_rerun_replaces_whole_folder(tmp_path):
    """A successful rerun into a folder of an earlier run -> the folder is the new run only (no old figure
    mixed in), the failure record of an earlier failed attempt is removed."""
    make_notebook(tmp_path / "nb", "01_a")
    info = runner.describe(tmp_path / "nb" / "01_a.ipynb")
    out = tmp_path / "figures"
    fake_previous_run(out, "01_a")
    (out / "01_a.failed.json").write_text(json.dumps({"status": "failed", "error": "an earlier attempt"}))
    outcome = runner.execute(info, "quick", {"x": 3}, out)
    assert outcome.status == "ok", outcome.error
    assert not (out / "01_a" / "old_only.png").exists()
    assert json.loads((out / "01_a" / "results.json").read_text())["metrics"] == {"x": 3}
    assert not (out / "01_a.failed.json").exists() and leftovers(out) == []


def test_executed_notebook_names_no_temporary_folder(tmp_path):
    """A run executes in a temporary folder -> the executed notebook and results name the final folder only."""
    make_notebook(tmp_path / "nb", "01_a", [
        "NAME = '01_a'", "print('writing to', output_dir)",
        "import json, pathlib; pathlib.Path(output_dir, 'results.json').write_text(json.dumps({'out': output_dir}))"])
    info = runner.describe(tmp_path / "nb" / "01_a.ipynb")
    out = tmp_path / "figures"
    assert runner.execute(info, "quick", {}, out).status == "ok"
    text = (out / "01_a" / "01_a.ipynb").read_text() + (out / "01_a" / "results.json").read_text()
    assert ".partial-" not in text and "../figures/01_a" in text


def test_stale_temporary_folder_is_cleaned(tmp_path):
    """A temporary folder left by a killed run (dead pid) -> removed by the next clean-up; a live run's kept."""
    out = tmp_path / "figures"
    dead = out / f".01_a.partial-{_dead_pid()}-abcd1234"
    live = out / f".02_b.partial-{os.getpid()}-abcd1234"
    for d in (dead, live):
        d.mkdir(parents=True)
        (d / "results.json").write_text("{}")
    assert runner.clean_stale(out) == [dead]
    assert not dead.exists() and live.exists()


def test_temporary_folders_never_reported(tmp_path):
    """A temporary folder holding a results.json -> REPORT does not list it."""
    out = tmp_path / "figures"
    d = out / f".01_a.partial-{os.getpid()}-abcd1234"
    d.mkdir(parents=True)
    (d / "results.json").write_text(json.dumps({"notebook": "01_a", "metrics": {"x": 99}}))
    text = report.write_report(out).read_text()
    assert "partial" not in text and "01_a" not in text


def test_parked_folder_restored(tmp_path):
    """A run killed between its two renames (previous folder parked, new one not in place) -> the previous
    folder is put back by the next clean-up."""
    out = tmp_path / "figures"
    before = fake_previous_run(out, "01_a")
    parked = out / f".01_a.old-{_dead_pid()}-abcd1234"
    os.rename(out / "01_a", parked)
    runner.clean_stale(out, "01_a")
    assert snapshot(out / "01_a") == before and not parked.exists()


def test_replace_folder_swaps_whole_folder(tmp_path):
    """Replacing a folder that holds other files -> only the new files remain; nothing parked is left."""
    new, target = tmp_path / ".t.partial-1-x", tmp_path / "t"
    new.mkdir()
    target.mkdir()
    (new / "a").write_text("new")
    (target / "a").write_text("old")
    (target / "b").write_text("old only")
    runner.replace_folder(new, target)
    assert snapshot(target).keys() == {"a"} and (target / "a").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t"]


def test_killed_run_record_reported(tmp_path):
    """A failure record still 'running' whose process is dead (kill -9) -> REPORT says killed, keeps the old
    claims out of the ledger."""
    out = tmp_path / "figures"
    fake_previous_run(out, "01_a")
    report.write_json_atomic(out / "01_a.failed.json", {"status": "running", "pid": _dead_pid(),
                                                        "started": "2026-01-01T00:00:00+00:00", "profile": "quick"})
    assert report.failure_records(out)["01_a"]["status"] == "killed"
    text = report.write_report(out).read_text()
    assert "killed in the latest run" in text and "OLD-7" not in text and "0 reproduced" in text


def test_running_record_reported_as_running(tmp_path):
    """A failure record 'running' of a live process -> REPORT says 'running now' with its pid, not old numbers."""
    out = tmp_path / "figures"
    fake_previous_run(out, "01_a")
    report.write_json_atomic(out / "01_a.failed.json", {"status": "running", "pid": os.getpid(),
                                                        "started": "2026-01-01T00:00:00+00:00"})
    text = report.write_report(out).read_text()
    assert f"running now (pid {os.getpid()}" in text and "OLD-7" not in text


def test_garbage_failure_record(tmp_path):
    """A failure record that is not JSON -> REPORT lists the notebook as failed naming the record; no traceback."""
    out = tmp_path / "figures"
    fake_previous_run(out, "01_a")
    (out / "01_a.failed.json").write_text("{not json")
    text = report.write_report(out).read_text()
    assert "unreadable failure record 01_a.failed.json" in text and "OLD-7" not in text


def test_truncated_results_json(tmp_path):
    """A truncated results.json in a notebook's folder -> REPORT names the file as unreadable; no traceback."""
    out = tmp_path / "figures"
    fake_previous_run(out, "01_a")
    fake_previous_run(out, "02_b")
    path = out / "01_a" / "results.json"
    path.write_text(path.read_text()[:40])
    text = report.write_report(out).read_text()
    assert f"{path} cannot be read" in text and "OLD-7" in text  # 02_b still reported
    assert "1 reproduced" in text


def test_report_written_atomically(tmp_path, monkeypatch):
    """A crash while REPORT.md is written -> the previous REPORT.md stays whole; no temporary file remains."""
    out = tmp_path / "figures"
    fake_previous_run(out, "01_a")
    first = report.write_report(out).read_text()

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report.os, "replace", crash)
    with pytest.raises(OSError):
        report.write_report(out, [{"name": "02_new", "paper": "P", "result": "R"}])
    assert (out / "REPORT.md").read_text() == first and leftovers(out) == []


def test_lock_held_in_this_process(tmp_path):
    """A second lock of the same output folder while the first is held -> RunLocked naming pid and start time."""
    root = tmp_path / "figures"
    root.mkdir()
    handle = runner.acquire_lock(root, "01_a")
    try:
        with pytest.raises(runner.RunLocked, match=rf"{root}/01_a is locked by another genenets run \(pid {os.getpid()} "
                                                   r"on .*, started \d{4}-\d\d-\d\dT"):
            runner.acquire_lock(root, "01_a")
        runner.release_lock(runner.acquire_lock(root, "02_b"))  # other notebooks' folders are free
    finally:
        runner.release_lock(handle)
    assert not (root / ".01_a.lock").exists()


def test_stale_lock_taken_over(tmp_path, capsys):
    """A lock file left by a dead process -> taken over (with a message naming the old pid); released after."""
    root = tmp_path / "figures"
    root.mkdir()
    pid = _dead_pid()
    (root / ".01_a.lock").write_text(json.dumps({"pid": pid, "started": "2026-01-01T00:00:00+00:00"}))
    runner.release_lock(runner.acquire_lock(root, "01_a"))
    assert f"left by pid {pid}" in capsys.readouterr().err and not (root / ".01_a.lock").exists()


def test_garbage_lock_file_taken_over(tmp_path):
    """A lock file with garbage content and no holder -> taken over silently."""
    root = tmp_path / "figures"
    root.mkdir()
    (root / ".01_a.lock").write_bytes(b"\x00\xffgarbage")
    runner.release_lock(runner.acquire_lock(root, "01_a"))


def test_run_refuses_locked_folder_before_any_kernel(nbdir, tmp_path):
    """`genenets run 01 02` while 02's folder is locked -> RunLocked naming 02's folder; 01 did not run, its
    lock was released, no failure record written."""
    out = tmp_path / "figures"
    out.mkdir()
    handle = runner.acquire_lock(out, "02_slow")
    try:
        with pytest.raises(runner.RunLocked, match=r"02_slow is locked"):
            runner.run(["01", "02"], output_root=out)
    finally:
        runner.release_lock(handle)
    assert sorted(p.name for p in out.iterdir()) == []

"""Signals, kill -9 and concurrent runs, against the real ``genenets run`` command in a subprocess (its
own process group, as a terminal runs it) on tiny notebooks."""
from __future__ import annotations

import json
import signal
import time

import pytest

from .conftest import CLI, alive, fake_previous_run, kernel_pid_in_staging, leftovers, snapshot, wait_for

MODULE = "genenets.runner / genenets.cli"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")]


def _started(out, label, proc):
    def ready():
        assert proc.poll() is None, CLI.output(proc)
        return kernel_pid_in_staging(out, label)
    return wait_for(ready, timeout=180)


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_stops_batch(cli, tmp_path, sig, code):
    """Ctrl-C (SIGINT to the process group; or SIGTERM) mid-batch -> kernels stop within seconds, summary printed,
    exit 130 (143), completed folder intact, queued notebook not run, nothing half-written."""
    out = tmp_path / "figures"
    before = fake_previous_run(out, "02_slow")
    proc = cli.start("run", "--output", out)
    kernel = _started(out, "02_slow", proc)
    assert (out / "01_fast" / "results.json").exists()
    done_first = snapshot(out / "01_fast")
    t0 = time.time()
    CLI.kill_group(proc, sig)
    proc.wait(timeout=60)
    stopped_in = time.time() - t0
    stdout, stderr = CLI.output(proc)
    assert proc.returncode == code, stderr
    assert stopped_in < 20, stopped_in
    wait_for(lambda: not alive(kernel), timeout=10)
    assert "01_fast    ok" in stdout and "02_slow    interrupted" in stdout and "03_queued  not run" in stdout
    assert "notebooks ok: 1 of 3" in stdout
    assert snapshot(out / "01_fast") == done_first and snapshot(out / "02_slow") == before
    assert not (out / "03_queued").exists() and leftovers(out) == []
    assert json.loads((out / "02_slow.failed.json").read_text())["status"] == "interrupted"
    assert "Traceback" not in stderr


def test_kill_9_mid_run(cli, tmp_path):
    """kill -9 of the runner mid-run -> previous folder byte-identical; `genenets report` lists the notebook as
    killed, not its old numbers; the next run removes the temporary folder and its kernel is gone."""
    out = tmp_path / "figures"
    before = fake_previous_run(out, "02_slow")
    proc = cli.start("run", "02", "--output", out)
    kernel = _started(out, "02_slow", proc)
    CLI.kill_group(proc, signal.SIGKILL)
    proc.wait(timeout=30)
    assert snapshot(out / "02_slow") == before
    assert leftovers(out)  # the killed run's staging folder, until the next run
    rep = cli.run("report", "--output", out)
    assert rep.returncode == 0, rep.stderr
    text = (out / "REPORT.md").read_text()
    assert "killed in the latest run" in text and "OLD-7" not in text
    wait_for(lambda: not alive(kernel), timeout=15)  # the kernel notices its parent is gone
    again = cli.run("run", "01", "--output", out)
    assert again.returncode == 0, again.stderr
    assert leftovers(out) == [] and snapshot(out / "02_slow") == before


def test_second_run_into_locked_folder(cli, tmp_path):
    """A second `genenets run 02` into the same folder while the first runs -> exit 3 naming the first run's pid
    and start time, nothing of the first touched; the first run still stops cleanly and frees the lock."""
    out = tmp_path / "figures"
    first = cli.start("run", "02", "--output", out)
    _started(out, "02_slow", first)
    staging = leftovers(out)
    second = cli.run("run", "02", "--output", out)
    assert second.returncode == 3, second.stderr
    assert f"02_slow is locked by another genenets run (pid {first.pid} on" in second.stderr
    assert "started 20" in second.stderr
    assert first.poll() is None and leftovers(out) == staging  # the first run goes on untouched
    CLI.kill_group(first, signal.SIGINT)
    first.wait(timeout=60)
    assert first.returncode == 130, CLI.output(first)
    assert leftovers(out) == [] and not (out / ".02_slow.lock").exists()


def test_progress_lines_without_kernel_warnings(cli, tmp_path):
    """`genenets run` of two notebooks -> one progress line per notebook and the summary; no kernel start-up
    warnings (TCP without encryption) and no per-cell progress bars."""
    out = tmp_path / "figures"
    done = cli.run("run", "01", "03", "--output", out)
    assert done.returncode == 0, done.stderr
    assert "Kernel is running over TCP" not in done.stderr and "Executing" not in done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert [ln.split(":")[0] for ln in lines[1:]] == ["[1/2] 01_fast", "[2/2] 03_queued"], done.stderr
    assert "notebooks ok: 2 of 2" in done.stdout

"""Shared fixtures of the bad-input catalogue: tiny notebook folders, a CLI in a subprocess, checks that
nothing half-written remains.

Tiny notebooks write ``results.json`` themselves (no genenets import in the kernel), so a run takes a
kernel start and little else.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
GENENETS = [sys.executable, "-m", "genenets"]

WRITE_RESULTS = (
    "import json, os, pathlib, time\n"
    "out = pathlib.Path(output_dir); out.mkdir(parents=True, exist_ok=True)\n"
    "(out / 'kernel.pid').write_text(str(os.getpid()))\n"
    "time.sleep(sleep)\n"
    "(out / 'fig.png').write_bytes(b'new figure of run ' + str(x).encode())\n"
    "(out / 'results.json').write_text(json.dumps({'notebook': NAME, 'profile': profile, 'dataset': 'sim',\n"
    "    'seed': 0, 'runtime_s': 1, 'metrics': {'x': x}, 'headline': {'x value': x}, 'claims': [\n"
    "    {'id': NAME + '-R1', 'claim': 'x is positive', 'paper_ref': 'Fig. 1', 'rule': 'x > 0',\n"
    "     'verdict': 'reproduced', 'ours': str(x)}]}))"
)


def make_notebook(folder: Path, name: str, cells: list[str] | None = None, params: str | None = None,
                  smoke: dict | None = None) -> Path:
    """A notebook ``folder/<name>.ipynb`` whose parameters cell is ``profile, output_dir, x, sleep`` and whose
    default body writes results.json (and a figure) into ``output_dir``."""
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(params or "profile = 'quick'\noutput_dir = 'out'\nx = 1\nsleep = 0.0")
    p.metadata["tags"] = ["parameters"]
    body = cells if cells is not None else [f"NAME = {name!r}", WRITE_RESULTS]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}"), p] + [nbformat.v4.new_code_cell(c) for c in body]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["genenets"] = {"paper": "Test paper", "result": "Fig. 1"}
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    if smoke is not None:
        (folder / "params").mkdir(exist_ok=True)
        (folder / "params" / f"{name}.smoke.yaml").write_text(
            "profile: smoke\n" + "".join(f"{k}: {v}\n" for k, v in smoke.items()))
    return path


@pytest.fixture
def nbdir(tmp_path, monkeypatch):
    """A notebooks folder with ``01_fast``, ``02_slow`` (sleeps ``sleep`` s) and ``03_queued``; the CLI and
    ``runner.discover()`` see it through ``GENENETS_NOTEBOOKS_DIR``."""
    folder = tmp_path / "notebooks"
    make_notebook(folder, "01_fast")
    make_notebook(folder, "02_slow", params="profile = 'quick'\noutput_dir = 'out'\nx = 1\nsleep = 120.0")
    make_notebook(folder, "03_queued")
    monkeypatch.setenv("GENENETS_NOTEBOOKS_DIR", str(folder))
    return folder


def snapshot(folder: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every file under ``folder``."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def leftovers(root: Path) -> list[str]:
    """Temporary folders or files a run left in an output root (staging, parked, .tmp)."""
    return sorted(p.name for p in Path(root).iterdir()
                  if ".partial-" in p.name or ".old-" in p.name or p.name.endswith(".tmp"))


def fake_previous_run(root: Path, name: str, x: int = 7) -> dict[str, str]:
    """An earlier complete run of ``name`` in ``root/name`` (results.json with x, a figure, run.json)."""
    out = Path(root) / name
    out.mkdir(parents=True)
    (out / "results.json").write_text(json.dumps({
        "notebook": name, "profile": "quick", "dataset": "sim", "seed": 0, "runtime_s": 1,
        "metrics": {"x": x}, "headline": {"x value": x},
        "claims": [{"id": f"{name}-R1", "claim": "x is positive", "paper_ref": "Fig. 1", "rule": "x > 0",
                    "verdict": "reproduced", "ours": f"OLD-{x}"}]}))
    (out / "run.json").write_text(json.dumps({"timings_s": {"runner_wall": 1.0}}))
    (out / "old_only.png").write_bytes(b"a figure only the earlier run made")
    return snapshot(out)


class CLI:
    """``genenets`` in its own process group (as a terminal runs it), with the tiny notebooks folder."""

    def __init__(self, nbdir: Path, tmp: Path):
        self.env = {**os.environ, "GENENETS_NOTEBOOKS_DIR": str(nbdir), "PYTHONUNBUFFERED": "1"}
        self.tmp = tmp
        self.n = 0

    def start(self, *args) -> subprocess.Popen:
        self.n += 1
        out = open(self.tmp / f"cli{self.n}.out", "w+")
        err = open(self.tmp / f"cli{self.n}.err", "w+")
        proc = subprocess.Popen(GENENETS + list(map(str, args)), env=self.env, cwd=self.tmp, stdout=out,
                                stderr=err, start_new_session=True)
        proc.out_path, proc.err_path = out.name, err.name
        return proc

    def run(self, *args, timeout: float = 240) -> subprocess.CompletedProcess:
        return subprocess.run(GENENETS + list(map(str, args)), env=self.env, cwd=self.tmp, capture_output=True,
                              text=True, timeout=timeout)

    @staticmethod
    def output(proc) -> tuple[str, str]:
        return Path(proc.out_path).read_text(), Path(proc.err_path).read_text()

    @staticmethod
    def kill_group(proc, sig=signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass


@pytest.fixture
def cli(nbdir, tmp_path):
    c = CLI(nbdir, tmp_path)
    started = []
    orig = c.start

    def start(*args):
        proc = orig(*args)
        started.append(proc)
        return proc

    c.start = start
    yield c
    for proc in started:  # never leave a runner or its kernels behind
        if proc.poll() is None:
            CLI.kill_group(proc, signal.SIGKILL)
            proc.wait(timeout=30)


def wait_for(predicate, timeout: float = 120.0, step: float = 0.2):
    """Poll ``predicate`` until true; fail after ``timeout`` seconds."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout} s")


def kernel_pid_in_staging(root: Path, label: str):
    """The pid a running tiny notebook wrote into its staging folder, once it is there."""
    for d in Path(root).glob(f".{label}.partial-*"):
        f = d / "kernel.pid"
        if f.exists() and f.read_text().strip():
            return int(f.read_text())
    return None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purposes
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True

"""``make lab``: JupyterLab on the notebooks folder with the project's kernel.

The test runs the Makefile's own recipe (``make lab`` with ``LAB_ARGS`` for a free localhost port and a
token; the venv is taken as set up), checks over HTTP that the notebooks folder is the server's root,
that the default kernel spec is the project's venv Python and that the widget extension (tqdm bars) is
served, then stops the server's process group.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
VENV_PYTHON = REPO / ".venv" / "bin" / "python"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 (localhost only)
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.fixture
def lab_server(tmp_path):
    if not (REPO / ".venv" / "bin" / "jupyter").exists():
        pytest.fail("no .venv/bin/jupyter: run `make setup` first")
    port, token = _free_port(), secrets.token_hex(16)
    args = (f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --ServerApp.port_retries=0 "
            f"--IdentityProvider.token={token} --ServerApp.open_browser=False")
    if os.geteuid() == 0:  # CI and the project's machines run as root
        args += " --allow-root"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "MAKEFLAGS": ""}
    log = open(tmp_path / "lab.log", "w")
    # -o: take the venv as installed (do not re-run pip from a test)
    proc = subprocess.Popen([shutil.which("make") or "make", "-s", "-o", ".venv/bin/.installed", "lab",
                             f"LAB_ARGS={args}"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"make lab exited with {proc.returncode}:\n{(tmp_path / 'lab.log').read_text()[-3000:]}")
            try:
                if _get(base + "api/status", token)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer in 120 s:\n{(tmp_path / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield base, token
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the process group started above: make, sh, jupyter
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()


@pytest.mark.slow
def test_make_lab_serves_notebooks_and_project_kernel(lab_server):
    base, token = lab_server
    # the notebooks folder is the root of the file browser
    status, body = _get(base + "api/contents/", token)
    assert status == 200
    names = {item["name"] for item in json.loads(body)["content"]}
    expected = {p.name for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert expected and expected <= names, f"missing from the file browser: {sorted(expected - names)}"
    status, body = _get(base + "api/contents/08_grn_dream4.ipynb?content=0", token)
    assert status == 200 and json.loads(body)["type"] == "notebook"
    # the project's kernel is the default one and runs the venv's python
    status, body = _get(base + "api/kernelspecs", token)
    assert status == 200
    specs = json.loads(body)
    assert specs["default"] == "python3"
    argv0 = specs["kernelspecs"]["python3"]["spec"]["argv"][0]
    if argv0 not in ("python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}"):
        assert Path(argv0).parent.resolve() == VENV_PYTHON.parent.resolve(), \
            f"kernel python3 runs {argv0}, not the project's venv"
    # the notebooks ask for that kernel
    nb = json.loads((REPO / "notebooks" / "08_grn_dream4.ipynb").read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    # JupyterLab itself, with the widgets extension that draws tqdm's progress bars
    status, body = _get(base + "lab", token)
    assert status == 200
    assert b"@jupyter-widgets/jupyterlab-manager" in body, "ipywidgets' lab extension is not served"


def test_binder_environment_matches_the_lock():
    """Binder: .binder/environment.yml is the root environment.yml (conda-forge python + pip, the pins of
    requirements.lock) less '-e .', which repo2docker cannot install before the repository is copied;
    .binder/postBuild installs the package."""
    import yaml

    root = yaml.safe_load((REPO / "environment.yml").read_text())
    binder = yaml.safe_load((REPO / ".binder" / "environment.yml").read_text())
    assert root["channels"] == binder["channels"] == ["conda-forge"]
    conda_root = [d for d in root["dependencies"] if isinstance(d, str)]
    assert conda_root == [d for d in binder["dependencies"] if isinstance(d, str)]
    # the only conda packages are python and pip (both conda-forge names); everything else is pip's
    assert {d.split("=")[0] for d in conda_root} == {"python", "pip"}
    pip_root = next(d["pip"] for d in root["dependencies"] if isinstance(d, dict))
    pip_binder = next(d["pip"] for d in binder["dependencies"] if isinstance(d, dict))
    assert [p for p in pip_root if p != "-e ."] == pip_binder, \
        "update .binder/environment.yml from environment.yml (the command is in its header)"
    post = (REPO / ".binder" / "postBuild").read_text()
    assert "pip install --no-deps -e ." in post and os.access(REPO / ".binder" / "postBuild", os.X_OK)

"""Execute the compendium's notebooks with papermill.

Each notebook in ``notebooks/`` describes itself in its metadata under ``genenets``::

    {"paper": "...", "result": "Fig. 11-12: AUPR/AUROC per network",
     "params": "08_grn_dream4",           # its parameters files: notebooks/params/<params>.<profile>.yaml
     "needs": ["03_deepae_reconstruction"]}  # notebooks whose cached results it reuses (run first)

Its cell tagged ``parameters`` holds the ``quick`` profile (the default); the ``smoke`` and
``paper`` profiles are papermill parameters files (see :mod:`genenets.params`). Parameters given with
``-p`` override both and are type-checked against the parameters cell before any kernel starts.
Every run writes ``figures/<name>/``: the executed notebook, figures, tables, ``results.json``
and ``run.json``; then ``figures/REPORT.md`` is rewritten.

Runs never leave stale or mixed results:

- a notebook executes into a temporary folder beside its target (``.<name>.partial-<pid>-<token>``)
  that replaces ``<name>/`` in one rename only when the run finished; a failed, interrupted or
  killed run leaves the previous complete folder untouched;
- ``<name>.failed.json`` beside the folder is written when a run starts and removed when it
  completes: a failed run leaves it with the failing cell, a killed one with its dead pid, and
  REPORT.md then lists the notebook as failed instead of showing the old numbers as current;
- a lock per output folder (``.<name>.lock``, an OS file lock released when the process dies):
  a second run into the same folder says which run holds it and stops before any kernel starts;
- Ctrl-C (SIGINT, also to the whole process group) or SIGTERM stops the kernels within seconds,
  skips the queued notebooks, prints the summary and exits 130 (:class:`RunInterrupted`);
- stale temporary folders of killed runs are removed by the next run and never reported.

``GENENETS_NOTEBOOKS_DIR`` points the runner (and ``genenets list/run/report``) at another notebooks
folder, e.g. a few tiny notebooks in a test.
"""
from __future__ import annotations

import errno
import itertools
import json
import logging
import math
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import papermill as pm
import yaml
from jupyter_client.manager import AsyncKernelManager

from .errors import ConfigError, GenenetsError
from .params import PROFILES, check_type, expand_dotted, flatten, merge, profile_values, repo_root
from .report import failure_path, pid_alive, write_json_atomic, write_report

#: Arguments of every kernel: its own log at CRITICAL level, so the kernel app's notices do not flood the
#: runner's output: start-up ones ("Kernel is running over TCP without encryption"), and the ERROR line
#: "KeyboardInterrupt caught in kernel." when the SIGINT that jupyter_client always sends before a shutdown
#: lands while the kernel handles a message. What a cell prints or warns still goes into the executed
#: notebook, and a kernel that dies fails its notebook with the reason.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]


class RunLocked(GenenetsError):
    """Another live ``genenets run`` holds the output folder of a notebook (the message names it)."""


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a run; ``outcomes`` holds what finished, was stopped or not started."""

    def __init__(self, outcomes, signum=signal.SIGINT):
        super().__init__(f"run interrupted by signal {signum}")
        self.outcomes = outcomes
        self.signum = signum


def notebooks_dir() -> Path:
    """``$GENENETS_NOTEBOOKS_DIR`` (tests, another compendium) or ``notebooks/`` of the checkout."""
    env = os.environ.get("GENENETS_NOTEBOOKS_DIR")
    return Path(env).expanduser().resolve() if env else repo_root() / "notebooks"


def figures_dir() -> Path:
    return repo_root() / "figures"


@dataclass
class NotebookInfo:
    name: str
    path: Path
    paper: str
    result: str
    parameters: dict  # name -> {"default": str, "type": str, "help": str, "value": python default}
    profiles: dict  # profile -> {param: value}
    problems: list  # metadata errors; running the notebook reports them, other notebooks are unaffected
    group: str = ""  # its parameters files: notebooks/params/<group>.<profile>.yaml
    needs: tuple = ()  # notebooks whose cached results it reuses; they run first, in one chain

    def as_dict(self) -> dict:
        return {"name": self.name, "paper": self.paper, "result": self.result}


def describe(path: Path) -> NotebookInfo:
    """Read a notebook's metadata, its parameters cell (papermill's inspection) and its profile files."""
    from .params import cell_defaults

    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("genenets", {})
    params = pm.inspect_notebook(str(path))
    cell = next((c for c in nb.cells if "parameters" in c.metadata.get("tags", [])), None)
    values = cell_defaults(cell.source) if cell is not None else {}
    parameters = {k: {"default": v["default"], "type": v.get("inferred_type_name"), "help": v.get("help", ""),
                      "value": values.get(k)} for k, v in params.items()}
    # papermill's inspector skips a line with two '=' (a group written `neural = dict(epochs=15)`)
    for k, v in values.items():
        if k not in parameters:
            parameters[k] = {"default": repr(v), "type": type(v).__name__, "help": "", "value": v}
    group = meta.get("params", path.stem)
    problems, profiles = [], {}
    for profile in PROFILES:
        try:
            vals = profile_values(group, profile, path.parent / "params")
        except ConfigError as err:
            problems.append(str(err))
            continue
        own = {k: v for k, v in vals.items() if k in parameters and k not in ("profile", "output_dir")}
        if group == path.stem and set(vals) - set(parameters):  # a notebook's own file: no stray keys
            problems.append(f"params/{group}.{profile}.yaml sets unknown parameters "
                            f"{sorted(set(vals) - set(parameters))} of {path.name}")
        for k, v in own.items():
            try:
                check_type(k, v, parameters[k]["value"], f" in params/{group}.{profile}.yaml")
            except ConfigError as err:
                problems.append(str(err))
        if own:
            profiles[profile] = own
    return NotebookInfo(name=path.stem, path=path, paper=meta.get("paper", ""), result=meta.get("result", ""),
                        parameters=parameters, profiles=profiles, problems=problems, group=group,
                        needs=tuple(meta.get("needs", ())))


def discover(directory: Path | None = None) -> list[NotebookInfo]:
    """Every notebook of the compendium, in name order.

    A notebook that cannot be read (broken JSON, metadata, parameters cell) is listed with its problem:
    running it reports the problem, and the other notebooks run as usual.
    """
    directory = directory or notebooks_dir()
    out = []
    for path in sorted(directory.glob("[0-9][0-9]_*.ipynb")):
        try:
            out.append(describe(path))
        except Exception as err:  # one unreadable notebook must not stop every run
            out.append(NotebookInfo(name=path.stem, path=path, paper="", result="", parameters={}, profiles={},
                                    problems=[f"{path.name} cannot be read ({type(err).__name__}: {err}); "
                                              f"regenerate it with `python dev/sync_notebooks.py {path.stem[:2]}`"]))
    return out


class _GroupLineFilter(logging.Filter):
    """papermill's parameter inspector reads one '=' per line, so it misreads a group written
    ``neural = dict(epochs=15)`` and warns; the runner knows the groups (and checks them), so those two
    warnings are noise here."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not (text.startswith("Unable to parse line") or text.startswith("Passed unknown parameter"))


for _name in ("papermill", "papermill.translators", "papermill.parameterize", "papermill.execute"):
    logging.getLogger(_name).addFilter(_GroupLineFilter())


def parse_overrides(pairs: list[str] | None) -> dict:
    """``["n_epochs=5", "neural.width=32"]`` -> ``{"n_epochs": 5, "neural": {"width": 32}}`` (values parsed
    as YAML; a dotted key sets one key of a group dict)."""
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise ConfigError(f"parameter {pair!r} is not of the form key=value")
        key, value = pair.split("=", 1)
        try:
            out[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError as err:
            raise ConfigError(f"parameter {key.strip()}: value {value!r} is not valid YAML "
                              f"({getattr(err, 'problem', err)}); quote strings, close brackets") from err
    return expand_dotted(out)


def check_overrides(info: NotebookInfo, overrides: dict) -> None:
    """Raise :class:`ConfigError` for an unknown parameter, an unknown key of a group, or a wrong type."""
    overrides = expand_dotted(overrides)
    unknown = set(overrides) - set(info.parameters)
    if unknown:
        raise ConfigError(f"{info.name}: unknown parameters {sorted(unknown)}; it has {sorted(info.parameters)}")
    for k, v in overrides.items():
        check_type(k, v, info.parameters[k].get("value"), f" of {info.name}")


def output_dir_parameter(out_dir: Path, info: NotebookInfo) -> str:
    """The ``output_dir`` handed to the notebook: relative to the notebook's folder (its working
    directory) when inside the checkout, so executed notebooks never carry a machine's absolute path."""
    try:
        return os.path.relpath(out_dir, info.path.parent)
    except ValueError:  # another drive (Windows)
        return str(out_dir)


def resolve_parameters(info: NotebookInfo, profile: str, overrides: dict, output_dir: Path) -> dict:
    if profile not in PROFILES:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {PROFILES}")
    if info.problems:
        raise ConfigError("; ".join(info.problems))
    overrides = expand_dotted(overrides)
    check_overrides(info, overrides)
    # a group dict from the profile file and -p keys of the same group merge; the notebook's start_run
    # fills the group's other keys from its parameters cell
    params = merge(dict(info.profiles.get(profile, {})), overrides)
    if "profile" in info.parameters:
        params["profile"] = profile
    if "output_dir" in info.parameters:
        params["output_dir"] = output_dir_parameter(output_dir, info)
    return params


@dataclass
class Outcome:
    name: str
    status: str  # "ok", "failed", "interrupted" (stopped by Ctrl-C/SIGTERM) or "not run" (queued when stopped)
    wall_s: float
    output_dir: Path
    error: str = ""
    cell: int | None = None  # index of the failing cell in the executed notebook

    def as_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "wall_s": self.wall_s,
                "output_dir": str(self.output_dir), "error": self.error, "cell": self.cell}


def _describe_failure(err: Exception) -> str:
    if isinstance(err, pm.PapermillExecutionError):
        first = (err.source or "").strip().splitlines()
        snippet = first[0][:80] if first else ""
        return (f"cell {err.cell_index} of the executed notebook (execution {err.exec_count}: `{snippet}`): "
                f"{err.ename}: {err.evalue}")
    return f"{type(err).__name__}: {err}"


# ----------------------------------------------------------------------------------------------
# Output folders: writable root, staging folders replaced in one rename, stale ones cleaned, locks

PARTIAL, PARKED = ".partial-", ".old-"
_REASONS = {errno.EROFS: "the file system is read-only", errno.ENOSPC: "the disk is full",
            errno.EDQUOT: "the disk quota is exceeded", errno.EACCES: "permission denied",
            errno.EPERM: "operation not permitted", errno.ENOTDIR: "a part of the path is a file, not a folder",
            errno.EEXIST: "it exists and is not a folder", errno.ENOENT: "the path cannot be created"}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def prepare_output_root(output_root) -> Path:
    """Create ``output_root`` if needed and check that it is writable.

    Raises
    ------
    ConfigError
        Naming the folder and why (read-only file system, full disk, a file in the way...).
    """
    root = Path(output_root).expanduser().resolve()
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".genenets-write-test-{os.getpid()}-{secrets.token_hex(4)}"
        probe.mkdir()
        probe.rmdir()
    except OSError as err:
        reason = _REASONS.get(err.errno, err.strerror or type(err).__name__)
        raise ConfigError(f"output folder {root} cannot be written ({reason}); choose another folder with "
                          "--output, or free or remount the disk") from err
    return root


def temporary_folders(root: Path) -> list[tuple[Path, str, int]]:
    """``[(path, label, pid)]``: the staging (``.<label>.partial-<pid>-<token>``) and parked
    (``.<label>.old-<pid>-<token>``) folders in ``root``."""
    out = []
    for path in Path(root).glob(".*"):
        for kind in (PARTIAL, PARKED):
            label, sep, rest = path.name[1:].rpartition(kind)
            pid = rest.split("-", 1)[0]
            if sep and label and pid.isdigit():
                out.append((path, label, int(pid)))
                break
    return out


def clean_stale(root: Path, label: str | None = None) -> list[Path]:
    """Remove temporary folders of killed runs in ``root``: every one of ``label`` (whose lock the caller
    holds) and any whose process is gone. A previous folder parked by a replacement that was killed
    between its two renames is put back when the notebook's folder is missing. Returns what was removed."""
    removed = []
    for path, lab, pid in temporary_folders(root):
        if lab != label and (pid == os.getpid() or pid_alive(pid)):
            continue  # a live run's staging folder (of a notebook this run does not write)
        target = Path(root) / lab
        if PARKED in path.name and not target.exists():
            os.rename(path, target)
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one system call (Linux ``renameat2(RENAME_EXCHANGE)``); False where unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange) == 0


def replace_folder(staging: Path, target: Path) -> None:
    """Put the finished ``staging`` folder in place of ``target`` in one rename (an exchange where the
    file system has it), then delete the previous run's folder."""
    if not target.exists():
        os.rename(staging, target)
    elif _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # it holds the previous run now
    else:  # two renames; a run killed in between is repaired by clean_stale
        parked = target.with_name(f".{target.name}{PARKED}{os.getpid()}-{secrets.token_hex(4)}")
        os.rename(target, parked)
        os.rename(staging, target)
        shutil.rmtree(parked, ignore_errors=True)


def lock_path(root: Path, label: str) -> Path:
    return Path(root) / f".{label}.lock"


def _read_lock(path: Path) -> dict:
    try:
        return json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}


def _try_lock(fd: int, path: Path) -> bool:
    try:
        import fcntl
    except ImportError:  # no OS file locks: a lock file whose process is alive holds
        holder = _read_lock(path)
        return not (holder.get("pid") and holder["pid"] != os.getpid() and pid_alive(holder["pid"]))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def acquire_lock(root: Path, label: str) -> tuple[Path, int]:
    """Lock the output folder ``root/<label>`` for this process.

    The lock is an OS file lock on ``root/.<label>.lock`` (released by the OS when the process dies, so a
    lock left by a killed run is taken over); the file names the holder (pid, host, start time, command).

    Raises
    ------
    RunLocked
        Another live run holds it; the message says which.
    """
    path = lock_path(root, label)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_lock(fd, path):
            holder = _read_lock(path)
            os.close(fd)
            who = (f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}, started {holder.get('started', '?')}"
                   f": {holder.get('command', '')}") if holder else "details not written yet"
            raise RunLocked(f"output folder {Path(root) / label} is locked by another genenets run ({who}); "
                            f"wait for it to finish or stop it, or write elsewhere with --output (lock file {path})")
        try:  # the previous holder may have removed the file between our open and our lock
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    previous = _read_lock(path)
    if previous.get("pid") and previous.get("pid") != os.getpid():
        print(f"genenets run: taking over the lock of {Path(root) / label} left by pid {previous['pid']} "
              f"(started {previous.get('started', '?')}; no longer running)", file=sys.stderr, flush=True)
    info = {"pid": os.getpid(), "host": socket.gethostname(), "started": _now(),
            "command": " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))[:300]}
    os.ftruncate(fd, 0)
    os.write(fd, json.dumps(info).encode())
    return path, fd


def release_lock(handle: tuple[Path, int]) -> None:
    path, fd = handle
    try:
        path.unlink()  # while still holding it: a waiter that opened this file sees it is gone and retries
    except OSError:
        pass
    os.close(fd)


@contextmanager
def locked(root: Path, labels):
    """Hold the locks of the output folders ``root/<label>`` of every label (all or none)."""
    held = []
    try:
        for label in labels:
            held.append(acquire_lock(root, label))
        yield
    finally:
        for handle in reversed(held):
            release_lock(handle)


# ----------------------------------------------------------------------------------------------
# Kernels that Ctrl-C can stop

_STOP = threading.Event()
_KERNELS: set = set()
_KERNELS_LOCK = threading.Lock()


#: Name prefix of the Unix sockets of the runner's kernels, in the temporary folder.
KERNEL_SOCKET_PREFIX = "genenets-kernel-"


def remove_stale_kernel_sockets(folder: str | None = None, min_age_s: float = 60.0) -> list[str]:
    """Remove the kernel sockets in ``folder`` (the temporary folder) that nothing listens on any more: a kernel
    removes its own at shutdown, but not one killed with its runner (SIGKILL). A socket is stale when it is older
    than ``min_age_s`` (a kernel starting in another process binds before it listens) and a connection to it is
    refused; a live kernel's is left alone. Returns the paths removed."""
    import glob
    import stat

    removed = []
    for path in glob.glob(os.path.join(folder or tempfile.gettempdir(), KERNEL_SOCKET_PREFIX + "*-*")):
        try:
            info = os.lstat(path)
            if not stat.S_ISSOCK(info.st_mode) or time.time() - info.st_mtime < min_age_s:
                continue
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(0.5)
                probe.connect(path)
        except ConnectionRefusedError:
            try:
                os.unlink(path)
                removed.append(path)
            except OSError:
                pass
        except OSError:  # gone meanwhile, not ours, or busy: leave it
            pass
    return removed


class TrackedKernelManager(AsyncKernelManager):
    """papermill's kernel manager, registering each kernel so that :func:`stop_kernels` can stop it.

    On POSIX its kernel listens on Unix sockets under a fresh name in the temporary folder, not on TCP ports:
    jupyter_client picks free TCP ports and the kernel binds them a moment later, so two kernels started at
    once (``--jobs 2``, ``pytest -n 2``) could pick the same port and one died before replying ("Address
    already in use").
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if os.name == "posix" and "transport" not in kwargs:
            remove_stale_kernel_sockets()
            self.transport = "ipc"
            self.ip = os.path.join(tempfile.gettempdir(), f"{KERNEL_SOCKET_PREFIX}{secrets.token_hex(8)}")

    async def start_kernel(self, **kwargs):
        if _STOP.is_set():
            raise GenenetsError("the run was interrupted before this kernel started")
        await super().start_kernel(**kwargs)
        with _KERNELS_LOCK:
            _KERNELS.add(self)
        if _STOP.is_set():  # Ctrl-C came while this kernel was starting: stop_kernels did not see it
            stop_kernels(grace_s=1.0)

    async def shutdown_kernel(self, *args, **kwargs):
        with _KERNELS_LOCK:
            _KERNELS.discard(self)
        return await super().shutdown_kernel(*args, **kwargs)

    async def cleanup_resources(self, *args, **kwargs):
        with _KERNELS_LOCK:
            _KERNELS.discard(self)
        return await super().cleanup_resources(*args, **kwargs)


def _kernel_pids() -> list[int]:
    with _KERNELS_LOCK:
        kms = list(_KERNELS)
    procs = [getattr(getattr(km, "provisioner", None), "process", None) for km in kms]
    return [p.pid for p in procs if p is not None and p.poll() is None]


def stop_kernels(grace_s: float = 2.0) -> list[int]:
    """Send SIGTERM to every running kernel of this process (its whole process group: a kernel is a
    session leader), SIGKILL to those still alive after ``grace_s``; return the pids signalled."""
    pids = _kernel_pids()

    def signal_groups(sig, targets):
        for pid in targets:
            try:
                os.killpg(pid, sig)
            except (ProcessLookupError, PermissionError, OSError):
                pass

    signal_groups(signal.SIGTERM, pids)

    def finish():
        time.sleep(grace_s)
        signal_groups(signal.SIGKILL, [p for p in _kernel_pids() if p in pids])

    threading.Thread(target=finish, daemon=True).start()
    return pids


@contextmanager
def interruptible(raise_on_signal: bool = False):
    """While a run executes, SIGINT and SIGTERM stop it: set the stop flag (queued notebooks are not
    started) and stop the kernels; a second Ctrl-C raises KeyboardInterrupt at once. Yields the list of
    signals received. Only in the main thread (elsewhere signals cannot be handled)."""
    received: list[int] = []
    _STOP.clear()
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def handler(signum, frame):
        first = not received
        received.append(signum)
        _STOP.set()
        if not first:
            raise KeyboardInterrupt
        print(f"\ngenenets run: {signal.Signals(signum).name} received: stopping the kernels; completed "
              "notebooks are kept", file=sys.stderr, flush=True)
        stop_kernels()
        if raise_on_signal:
            raise KeyboardInterrupt

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for s, h in old.items():
            signal.signal(s, h)


# ----------------------------------------------------------------------------------------------
# Executing one notebook


def _finalize(staging: Path, target: Path, info: NotebookInfo, wall: float) -> None:
    """Make the staging folder look as if the notebook had run in ``target`` (its name in the executed
    notebook, results.json and run.json), add the runner's wall time to run.json."""
    for path in [staging / f"{info.name}.ipynb", staging / "results.json", staging / "run.json"]:
        if path.exists():
            text = path.read_text()
            if staging.name in text:
                path.write_text(text.replace(staging.name, target.name))
    if (staging / f"{info.name}.ipynb").exists():
        strip_machine_paths(staging / f"{info.name}.ipynb")
    run_json = staging / "run.json"
    if run_json.exists():  # add the runner's view of the run to the notebook's provenance
        prov = json.loads(run_json.read_text())
        prov.setdefault("timings_s", {})["runner_wall"] = round(wall, 2)
        run_json.write_text(json.dumps(prov, indent=2) + "\n")


def execute(info: NotebookInfo, profile: str = "quick", overrides: dict | None = None,
            output_root: Path | None = None, progress: bool = False, kernel: str = "python3",
            label: str | None = None) -> Outcome:
    """Execute one notebook into ``output_root/<label>/`` (label: the notebook's name) and return its
    outcome. Never raises on a failing cell: the failure is reported in the outcome (and in
    ``<label>.failed.json``; the previous folder stays as it was).

    Raises
    ------
    ConfigError
        The output root cannot be written.
    RunLocked
        Another run is writing the same folder.
    """
    output_root = prepare_output_root(output_root or figures_dir())
    label = label or info.name
    with locked(output_root, [label]):
        return _execute_locked(info, profile, overrides or {}, output_root, progress, kernel, label)


def _execute_locked(info: NotebookInfo, profile: str, overrides: dict, output_root: Path, progress: bool,
                    kernel: str, label: str) -> Outcome:
    """:func:`execute` once the folder's lock is held."""
    target = output_root / label
    if _STOP.is_set():
        return Outcome(label, "not run", 0.0, target, "not started: the run was interrupted")
    clean_stale(output_root, label)
    record = {"name": label, "notebook": info.name, "status": "running", "pid": os.getpid(),
              "host": socket.gethostname(), "started": _now(), "profile": profile, "overrides": overrides}
    write_json_atomic(failure_path(output_root, label), record)
    staging = output_root / f".{label}{PARTIAL}{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir()
    t0 = time.perf_counter()
    cell = None
    try:
        params = resolve_parameters(info, profile, overrides, staging)
        pm.execute_notebook(str(info.path), str(staging / f"{info.name}.ipynb"), parameters=params,
                            kernel_name=kernel, cwd=str(info.path.parent), progress_bar=progress,
                            log_output=False, report_mode=False, kernel_manager_class=TrackedKernelManager,
                            extra_arguments=KERNEL_ARGUMENTS)
        status, error = "ok", ""
        if not (staging / "results.json").exists():
            status, error = "failed", "the notebook finished without writing results.json (run.finish() missing)"
    except Exception as err:  # a failing notebook must not stop the others
        status, error = "failed", _describe_failure(err)
        cell = getattr(err, "cell_index", None)
        if not isinstance(err, pm.PapermillExecutionError):
            error += "\n" + traceback.format_exc(limit=3)
    wall = round(time.perf_counter() - t0, 2)
    if status != "ok" and _STOP.is_set():
        status, error = "interrupted", "stopped by Ctrl-C/SIGTERM: " + error.splitlines()[0]
    if status == "ok":
        try:
            _finalize(staging, target, info, wall)
            replace_folder(staging, target)
        except OSError as err:
            status, error = "failed", f"could not move the finished run into {target}: {err}"
    if status == "ok":
        failure_path(output_root, label).unlink(missing_ok=True)
    else:
        shutil.rmtree(staging, ignore_errors=True)
        record.update(status=status, error=error.strip(), cell=cell, finished=_now(), wall_s=wall,
                      kept=target.exists())
        write_json_atomic(failure_path(output_root, label), record)
    return Outcome(label, status, wall, target, error, cell)


def strip_machine_paths(path: Path, root: Path | None = None) -> None:
    """Rewrite an executed notebook so it carries paths relative to the checkout, never this machine's
    absolute ones (papermill's input/output paths, and any output text naming files of the checkout)."""
    root = str((root or repo_root()).resolve())
    nb = nbformat.read(str(path), as_version=4)

    def rel(text):
        return text.replace(root + "/", "").replace(root, ".") if isinstance(text, str) else text

    pm_meta = nb.metadata.get("papermill", {})
    for key in ("input_path", "output_path"):
        if key in pm_meta:
            pm_meta[key] = rel(pm_meta[key])
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "text" in out:
                out["text"] = rel(out["text"])
            for mime, value in out.get("data", {}).items():
                if mime.startswith("text/"):
                    out["data"][mime] = rel(value)
            if "traceback" in out:
                out["traceback"] = [rel(t) for t in out["traceback"]]
    nbformat.write(nb, str(path))


@dataclass
class Task:
    """One notebook with one set of parameter overrides, executed into ``output_root/<label>``."""

    info: NotebookInfo
    overrides: dict
    label: str


def load_grid(path) -> dict:
    """Read a parameter grid: ``{notebook name or prefix: {parameter: [values, ...]}}`` (YAML).

    Notebook keys are read as written (``07:`` is the prefix "07", not the integer 7).

    Raises
    ------
    ConfigError
        A missing or malformed file, a grid that is not ``{name: {parameter: values}}``, or a parameter
        with an empty list of values; the message names the file (and the notebook and parameter).
    """
    from .params import read_yaml

    grid = read_yaml(path, "grid file") or {}
    if not isinstance(grid, dict) or not all(isinstance(v, dict) for v in grid.values()):
        raise ConfigError(f"grid file {path}: a grid maps notebook names to {{parameter: [values]}}, e.g. "
                          "'08_grn_dream4: {seed: [0, 1, 2]}'")
    raw_keys = _raw_top_level_keys(path)
    out = {}
    for i, (name, axes) in enumerate(grid.items()):
        key = raw_keys[i] if len(raw_keys) == len(grid) else str(name)
        for k, v in axes.items():
            if isinstance(v, list) and not v:
                raise ConfigError(f"grid file {path}: {key}: parameter {k} has an empty list of values; "
                                  "give at least one value or remove the parameter")
        out[key] = axes
    return out


def _raw_top_level_keys(path) -> list[str]:
    """The top-level keys of a YAML mapping as written in the file (``07`` stays "07")."""
    try:
        node = yaml.compose(Path(path).read_text())
    except (OSError, yaml.YAMLError):
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    return [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]


def plan(names: list[str] | None, overrides: dict | None = None, grid: dict | None = None,
         directory: Path | None = None) -> list[Task]:
    """The tasks of a run: each selected notebook once, or once per combination of its grid values
    (labelled ``<name>__key=value_...``)."""
    available = {nb.name: nb for nb in discover(directory)}

    def select(name):
        name = str(name)
        matches = [n for n in available if n == name or n.startswith(name)]
        if not matches:
            raise ConfigError(f"no notebook named {name!r}; have {', '.join(available)}")
        return matches

    tasks: list[Task] = []
    if grid:
        wanted = [m for name in names for m in select(name)] if names else None
        for key, axes in grid.items():
            combos = [dict(zip(axes, values)) for values in itertools.product(
                *[v if isinstance(v, list) else [v] for v in axes.values()])]
            for name in select(key):
                if wanted is not None and name not in wanted:  # `genenets run 07 --grid ...`: 07's entries only
                    continue
                for combo in combos:
                    label = name + "__" + "_".join(f"{k}={v}" for k, v in combo.items())
                    tasks.append(Task(available[name], merge(expand_dotted(overrides or {}),
                                                             expand_dotted(combo)), label))
        if names and not tasks:
            raise ConfigError(f"the grid has no entry for {', '.join(map(str, names))}; "
                              f"its notebooks: {', '.join(map(str, grid))}")
        return tasks
    seen = []
    for name in names or list(available):
        seen += [m for m in select(name) if m not in seen]
    return [Task(available[n], dict(overrides or {}), n) for n in seen]


def _execute_task(task: Task, profile: str, output_root: Path, progress: bool) -> Outcome:
    """One task of a run whose locks are held (by this process, or the Dask client's)."""
    return _execute_locked(task.info, profile, task.overrides, output_root, progress, "python3", task.label)


def _execute_chain(chain: list[Task], profile: str, output_root: Path, progress: bool) -> list[Outcome]:
    return [_execute_task(t, profile, output_root, progress) for t in chain]


def chains(tasks: list[Task]) -> list[list[Task]]:
    """Group tasks into chains that run one after another: a notebook that ``needs`` another (its
    metadata; e.g. 04 reuses 03's cached models) runs after it in the same worker when both are in
    this run and their overrides agree on every key they share (a grid entry of 02 that also fixes
    keys 01 does not have still follows 01's run of the same seed and budget); different chains run
    in parallel."""

    def agree(a: Task, b: Task) -> bool:  # group keys compare one by one ({"g": {"a": 1}} -> "g.a")
        da, db = flatten(a.overrides), flatten(b.overrides)
        return all(json.dumps(da[k], sort_keys=True, default=str) == json.dumps(db[k], sort_keys=True, default=str)
                   for k in da.keys() & db.keys())

    parent = list(range(len(tasks)))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i, t in enumerate(tasks):
        for need in t.info.needs:
            for j, u in enumerate(tasks):
                if u.info.name == need and agree(t, u):
                    parent[find(i)] = find(j)
    comps: dict[int, list[Task]] = {}
    for i, t in enumerate(tasks):  # tasks come in name order, and a notebook needs only earlier-numbered ones
        comps.setdefault(find(i), []).append(t)
    return list(comps.values())


def empty_cache_costs(path: Path) -> dict[str, float]:
    """Kernel CPU seconds of each notebook re-executed from an empty cache, ``{name: seconds}``, from a
    ``make verify`` summary (``figures/VERIFY.md``); empty when there is none."""
    from .verify import read_summary  # verify does not import the runner: no circle

    costs = {}
    for name, row in read_summary(path).items():
        try:
            if row.get("cache") == "empty":
                costs[name] = float(row["cpu_s"])
        except (TypeError, ValueError):
            continue
    return costs


def longest_first(chain_list: list[list[Task]], output_root: Path,
                  empty_cache: dict[str, float] | None = None) -> list[list[Task]]:
    """Order chains by their expected cost, longest first (unknown ones first of all), so that with ``jobs``
    > 1 workers the long chains start at once and the short ones fill in at the end (the
    longest-processing-time rule; the quick run's 01-02 and 03-06 chains and 08 take most of its time).
    With one worker the runner keeps name order.

    A notebook's expected cost is the larger of its last recorded wall time (``run.json`` under
    ``output_root``) and its kernel CPU seconds from an empty cache (``empty_cache``, by label, else notebook name; by
    default :func:`empty_cache_costs` of ``output_root``'s ``VERIFY.md``, else the checkout's
    ``figures/VERIFY.md``). The last run alone misleads when the cache served it: 01's committed run took
    30 s from the cache and 359 CPU s from an empty one, so a fresh clone started the 01-02 chain last."""
    if empty_cache is None:
        local = output_root / "VERIFY.md"
        empty_cache = empty_cache_costs(local if local.exists() else repo_root() / "figures" / "VERIFY.md")

    def last_wall(t: Task) -> float:
        try:
            prov = json.loads((output_root / t.label / "run.json").read_text())
            return float(prov["timings_s"]["runner_wall"])
        except (OSError, ValueError, KeyError, TypeError):
            return math.nan

    def cost(t: Task) -> float:
        verified = empty_cache.get(t.label, empty_cache.get(t.info.name, math.nan))
        known = [v for v in (last_wall(t), verified) if not math.isnan(v)]
        return max(known) if known else math.inf

    return sorted(chain_list, key=lambda c: -sum(cost(t) for t in c))


def run(names: list[str] | None = None, profile: str = "quick", overrides: dict | None = None,
        jobs: int = 1, output_root: Path | None = None, report: bool = True, grid: dict | None = None,
        executor: str = "local", scheduler: str | None = None, directory: Path | None = None,
        quiet: bool = False) -> list[Outcome]:
    """Execute notebooks (all when ``names`` is empty), then write REPORT.md.

    ``executor="local"`` runs ``jobs`` notebooks at a time in this machine's kernels;
    ``executor="dask"`` fans the tasks out over a Dask cluster (``scheduler`` address, or a
    LocalCluster of ``jobs`` workers), each worker executing notebooks with papermill.
    Prints one line per finished notebook on stderr (unless ``quiet``).

    Before any kernel starts: parameters are type-checked, the output root is checked writable, and
    the output folder of every task is locked (:class:`RunLocked` if another run holds one).

    Raises
    ------
    ConfigError
        Bad parameters, grid, notebook name, ``jobs`` < 1, or an unwritable output root.
    RunLocked
        Another run writes one of the same folders.
    RunInterrupted
        Ctrl-C or SIGTERM stopped the run (after the kernels stopped and REPORT.md was written);
        ``.outcomes`` holds what finished.
    """
    if executor not in ("local", "dask"):
        raise ConfigError(f"unknown executor {executor!r}; choose local or dask")
    if not isinstance(jobs, int) or jobs < 1:
        raise ConfigError(f"--jobs must be a whole number of at least 1, got {jobs!r}")
    if profile not in PROFILES:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    tasks = plan(names, overrides, grid, directory)
    for t in tasks:  # unknown or ill-typed parameters stop the run before any kernel starts
        check_overrides(t.info, t.overrides)
    output_root = prepare_output_root(output_root or figures_dir())
    outcomes: list[Outcome] = []

    def say(text: str):
        if not quiet:
            print(text, file=sys.stderr, flush=True)

    def collect(chain_outcomes: list[Outcome]):
        for outcome in chain_outcomes:
            outcomes.append(outcome)
            first = outcome.error.strip().splitlines()[0] if outcome.error.strip() else ""
            say(f"[{len(outcomes)}/{len(tasks)}] {outcome.name}: {outcome.status} ({outcome.wall_s:.0f} s)"
                + (f": {first}" if outcome.status != "ok" and first else ""))

    with locked(output_root, [t.label for t in tasks]):
        clean_stale(output_root)
        say(f"genenets run: {len(tasks)} notebook(s), profile {profile}, {jobs} at a time ({executor}), "
            f"into {output_root}")
        with interruptible(raise_on_signal=executor == "dask") as received:
            if executor == "dask":
                _run_dask(tasks, profile, output_root, jobs, scheduler, collect)
            else:
                with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
                    # one worker: name order (the order changes no total time); several: longest first
                    ordered = longest_first(chains(tasks), output_root) if jobs > 1 else chains(tasks)
                    futures = [pool.submit(_execute_chain, c, profile, output_root, False) for c in ordered]
                    for fut in as_completed(futures):
                        collect(fut.result())
        done = {o.name for o in outcomes}
        for t in tasks:  # stopped before their results came back (Dask)
            if t.label not in done:
                outcomes.append(Outcome(t.label, "interrupted" if received else "failed", 0.0, output_root / t.label,
                                        "stopped by Ctrl-C/SIGTERM" if received else "no result came back"))
        order = {t.label: i for i, t in enumerate(tasks)}
        outcomes.sort(key=lambda o: order[o.name])
        if report:
            write_report(output_root, [nb.as_dict() for nb in discover(directory)],
                         [o.as_dict() for o in outcomes])
    if received:
        raise RunInterrupted(outcomes, received[0])
    return outcomes


def _run_dask(tasks, profile, output_root, jobs, scheduler, collect) -> None:
    from dask.distributed import Client, LocalCluster, as_completed as dask_completed

    cluster = None if scheduler else LocalCluster(n_workers=max(1, jobs), threads_per_worker=1,
                                                  processes=True, dashboard_address=None)
    try:
        with Client(scheduler or cluster) as client:
            futures = [client.submit(_execute_chain, c, profile, output_root, False, pure=False)
                       for c in (longest_first(chains(tasks), output_root) if jobs > 1 or scheduler
                                 else chains(tasks))]
            try:
                for fut in dask_completed(futures):
                    collect(fut.result())
            except KeyboardInterrupt:  # the workers' kernels exit with their workers (parent poller)
                client.cancel(futures)
    finally:
        if cluster is not None:
            cluster.close()


def summary_table(outcomes: list[Outcome]) -> str:
    """Plain-text summary: name, status, wall time, output dir, and the failing cell of failures."""
    rows = [("notebook", "status", "wall (s)", "output")]
    rows += [(o.name, o.status, f"{o.wall_s:.1f}", str(o.output_dir)) for o in outcomes]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for o in outcomes:
        if o.status == "failed":
            lines.append(f"FAILED {o.name}: {o.error}")
        elif o.status == "interrupted":
            lines.append(f"INTERRUPTED {o.name}: its previous folder, if any, is unchanged")
    n_ok = sum(o.status == "ok" for o in outcomes)
    lines.append(f"notebooks ok: {n_ok} of {len(outcomes)}")
    n_stopped = sum(o.status in ("interrupted", "not run") for o in outcomes)
    if n_stopped:
        lines.append(f"interrupted: {n_stopped} notebook(s) stopped or not started; completed folders are intact")
    return "\n".join(lines)

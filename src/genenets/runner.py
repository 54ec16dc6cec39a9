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
"""
from __future__ import annotations

import itertools
import json
import os
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill as pm
import yaml
from tqdm.auto import tqdm

from .errors import ConfigError
from .params import PROFILES, check_type, profile_values, repo_root
from .report import write_report


def notebooks_dir() -> Path:
    return repo_root() / "notebooks"


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
    """Every notebook of the compendium, in name order."""
    directory = directory or notebooks_dir()
    return [describe(p) for p in sorted(directory.glob("[0-9][0-9]_*.ipynb"))]


def parse_overrides(pairs: list[str] | None) -> dict:
    """``["n_epochs=5", "dataset=dream4"]`` -> ``{"n_epochs": 5, "dataset": "dream4"}`` (values parsed as YAML)."""
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
    return out


def check_overrides(info: NotebookInfo, overrides: dict) -> None:
    """Raise :class:`ConfigError` for an unknown parameter or a value of the wrong type."""
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
    check_overrides(info, overrides)
    params = dict(info.profiles.get(profile, {}))
    params.update(overrides)
    if "profile" in info.parameters:
        params["profile"] = profile
    if "output_dir" in info.parameters:
        params["output_dir"] = output_dir_parameter(output_dir, info)
    return params


@dataclass
class Outcome:
    name: str
    status: str  # "ok" or "failed"
    wall_s: float
    output_dir: Path
    error: str = ""

    def as_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "wall_s": self.wall_s,
                "output_dir": str(self.output_dir), "error": self.error}


def _describe_failure(err: Exception) -> str:
    if isinstance(err, pm.PapermillExecutionError):
        first = (err.source or "").strip().splitlines()
        snippet = first[0][:80] if first else ""
        return (f"cell {err.cell_index} of the executed notebook (execution {err.exec_count}: `{snippet}`): "
                f"{err.ename}: {err.evalue}")
    return f"{type(err).__name__}: {err}"


def execute(info: NotebookInfo, profile: str = "quick", overrides: dict | None = None,
            output_root: Path | None = None, progress: bool = False, kernel: str = "python3",
            label: str | None = None) -> Outcome:
    """Execute one notebook into ``output_root/<label>/`` (label: the notebook's name) and return its
    outcome. Never raises on a failing cell: the failure is reported in the outcome."""
    output_root = Path(output_root or figures_dir()).resolve()
    label = label or info.name
    out_dir = output_root / label
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        params = resolve_parameters(info, profile, overrides or {}, out_dir)
        pm.execute_notebook(str(info.path), str(out_dir / f"{info.name}.ipynb"), parameters=params,
                            kernel_name=kernel, cwd=str(info.path.parent), progress_bar=progress,
                            log_output=False, report_mode=False)
        status, error = "ok", ""
        strip_machine_paths(out_dir / f"{info.name}.ipynb")
        if not (out_dir / "results.json").exists():
            status, error = "failed", "the notebook finished without writing results.json (run.finish() missing)"
    except Exception as err:  # a failing notebook must not stop the others
        status, error = "failed", _describe_failure(err)
        if not isinstance(err, pm.PapermillExecutionError):
            error += "\n" + traceback.format_exc(limit=3)
    wall = time.perf_counter() - t0
    run_json = out_dir / "run.json"
    if run_json.exists():  # add the runner's view of the run to the notebook's provenance
        prov = json.loads(run_json.read_text())
        prov.setdefault("timings_s", {})["runner_wall"] = round(wall, 2)
        run_json.write_text(json.dumps(prov, indent=2) + "\n")
    return Outcome(label, status, round(wall, 2), out_dir, error)


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
    """Read a parameter grid: ``{notebook name or prefix: {parameter: [values, ...]}}`` (YAML)."""
    from .params import read_yaml

    grid = read_yaml(path, "grid file") or {}
    if not isinstance(grid, dict) or not all(isinstance(v, dict) for v in grid.values()):
        raise ConfigError(f"grid file {path}: a grid maps notebook names to {{parameter: [values]}}")
    out = {}
    for name, axes in grid.items():
        for k, v in axes.items():
            if isinstance(v, list) and not v:
                raise ConfigError(f"grid file {path}: {name}: parameter {k} has an empty list of values")
        out[str(name)] = axes  # a key like 07 is read by YAML as an int
    return out


def plan(names: list[str] | None, overrides: dict | None = None, grid: dict | None = None,
         directory: Path | None = None) -> list[Task]:
    """The tasks of a run: each selected notebook once, or once per combination of its grid values
    (labelled ``<name>__key=value_...``)."""
    available = {nb.name: nb for nb in discover(directory)}

    def select(name):
        matches = [n for n in available if n == name or n.startswith(name)]
        if not matches:
            raise ConfigError(f"no notebook named {name!r}; have {', '.join(available)}")
        return matches

    tasks: list[Task] = []
    if grid:
        for key, axes in grid.items():
            combos = [dict(zip(axes, values)) for values in itertools.product(
                *[v if isinstance(v, list) else [v] for v in axes.values()])]
            for name in select(key):
                for combo in combos:
                    label = name + "__" + "_".join(f"{k}={v}" for k, v in combo.items())
                    tasks.append(Task(available[name], {**(overrides or {}), **combo}, label))
        return tasks
    seen = []
    for name in names or list(available):
        seen += [m for m in select(name) if m not in seen]
    return [Task(available[n], dict(overrides or {}), n) for n in seen]


def _execute_task(task: Task, profile: str, output_root: Path, progress: bool) -> Outcome:
    return execute(task.info, profile, task.overrides, output_root, progress, label=task.label)


def _execute_chain(chain: list[Task], profile: str, output_root: Path, progress: bool) -> list[Outcome]:
    return [_execute_task(t, profile, output_root, progress) for t in chain]


def chains(tasks: list[Task]) -> list[list[Task]]:
    """Group tasks into chains that run one after another: a notebook that ``needs`` another (its
    metadata; e.g. 04 reuses 03's cached models) runs after it in the same worker when both are in
    this run with the same overrides; different chains run in parallel."""
    groups: dict[tuple, list[Task]] = {}
    for t in tasks:
        groups.setdefault((json.dumps(t.overrides, sort_keys=True, default=str),), []).append(t)
    out = []
    for same in groups.values():
        by_name = {t.info.name: t for t in same}
        parent = {n: n for n in by_name}

        def find(n):
            while parent[n] != n:
                n = parent[n]
            return n

        for t in same:
            for need in t.info.needs:
                if need in by_name:
                    parent[find(t.info.name)] = find(need)
        comps: dict[str, list[Task]] = {}
        for t in same:  # tasks come in name order, and a notebook needs only earlier-numbered ones
            comps.setdefault(find(t.info.name), []).append(t)
        out += list(comps.values())
    return out


def run(names: list[str] | None = None, profile: str = "quick", overrides: dict | None = None,
        jobs: int = 1, output_root: Path | None = None, report: bool = True, grid: dict | None = None,
        executor: str = "local", scheduler: str | None = None, directory: Path | None = None) -> list[Outcome]:
    """Execute notebooks (all when ``names`` is empty), then write REPORT.md.

    ``executor="local"`` runs ``jobs`` notebooks at a time in this machine's kernels;
    ``executor="dask"`` fans the tasks out over a Dask cluster (``scheduler`` address, or a
    LocalCluster of ``jobs`` workers), each worker executing notebooks with papermill.
    """
    if executor not in ("local", "dask"):
        raise ConfigError(f"unknown executor {executor!r}; choose local or dask")
    tasks = plan(names, overrides, grid, directory)
    for t in tasks:  # unknown or ill-typed parameters stop the run before any kernel starts
        check_overrides(t.info, t.overrides)
    output_root = Path(output_root or figures_dir()).resolve()
    single = jobs == 1 and len(tasks) == 1 and executor == "local"
    outcomes: list[Outcome] = []
    bar = tqdm(total=len(tasks), desc=f"notebooks ({profile}, {executor})", unit="nb")

    def collect(chain_outcomes: list[Outcome]):
        for outcome in chain_outcomes:
            outcomes.append(outcome)
            bar.set_postfix_str(f"{outcome.name}: {outcome.status}")
            bar.update(1)

    if executor == "dask":
        from dask.distributed import Client, LocalCluster, as_completed as dask_completed

        cluster = None if scheduler else LocalCluster(n_workers=max(1, jobs), threads_per_worker=1,
                                                      processes=True, dashboard_address=None)
        with Client(scheduler or cluster) as client:
            futures = [client.submit(_execute_chain, c, profile, output_root, False, pure=False)
                       for c in chains(tasks)]
            for fut in dask_completed(futures):
                collect(fut.result())
        if cluster is not None:
            cluster.close()
    else:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(_execute_chain, c, profile, output_root, single) for c in chains(tasks)]
            for fut in as_completed(futures):
                collect(fut.result())
    bar.close()
    order = {t.label: i for i, t in enumerate(tasks)}
    outcomes.sort(key=lambda o: order[o.name])
    if report:
        write_report(output_root, [nb.as_dict() for nb in discover(directory)], [o.as_dict() for o in outcomes])
    return outcomes


def summary_table(outcomes: list[Outcome]) -> str:
    """Plain-text summary: name, status, wall time, output dir, and the failing cell of failures."""
    rows = [("notebook", "status", "wall (s)", "output")]
    rows += [(o.name, o.status, f"{o.wall_s:.1f}", str(o.output_dir)) for o in outcomes]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for o in outcomes:
        if o.status != "ok":
            lines.append(f"FAILED {o.name}: {o.error}")
    n_ok = sum(o.status == "ok" for o in outcomes)
    lines.append(f"notebooks ok: {n_ok} of {len(outcomes)}")
    return "\n".join(lines)

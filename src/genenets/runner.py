"""Execute the compendium's notebooks with papermill.

Each notebook in ``notebooks/`` describes itself in its metadata under ``genenets``::

    {"paper": "...", "result": "Fig. 11-12: AUPR/AUROC per network",
     "profiles": {"smoke": {"n_epochs": 2, ...}, "paper": {...}}}

Its cell tagged ``parameters`` holds the ``quick`` profile (the default); the ``smoke`` and
``paper`` profiles override some of those values. Parameters given with ``-p`` override both.
Every run writes ``figures/<name>/``: the executed notebook, figures, tables, ``results.json``
and ``run.json``; then ``figures/REPORT.md`` is rewritten.
"""
from __future__ import annotations

import json
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill as pm
import yaml
from tqdm.auto import tqdm

from .report import write_report  # noqa: F401  (re-exported for the CLI)

PROFILES = ("smoke", "quick", "paper")


def repo_root() -> Path:
    here = Path(__file__).resolve().parents[2]
    if (here / "notebooks").is_dir():
        return here
    return Path.cwd()


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
    parameters: dict  # name -> {"default": str, "type": str, "help": str}
    profiles: dict  # profile -> {param: value}

    def as_dict(self) -> dict:
        return {"name": self.name, "paper": self.paper, "result": self.result}


def describe(path: Path) -> NotebookInfo:
    """Read a notebook's metadata and its parameters cell (papermill's inspection)."""
    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("genenets", {})
    params = pm.inspect_notebook(str(path))
    parameters = {k: {"default": v["default"], "type": v.get("inferred_type_name"), "help": v.get("help", "")}
                  for k, v in params.items()}
    profiles = meta.get("profiles", {})
    for profile, overrides in profiles.items():
        unknown = set(overrides) - set(parameters)
        if unknown:
            raise ValueError(f"{path.name}: profile {profile!r} sets unknown parameters {sorted(unknown)}")
    return NotebookInfo(name=path.stem, path=path, paper=meta.get("paper", ""), result=meta.get("result", ""),
                        parameters=parameters, profiles=profiles)


def discover(directory: Path | None = None) -> list[NotebookInfo]:
    """Every notebook of the compendium, in name order."""
    directory = directory or notebooks_dir()
    return [describe(p) for p in sorted(directory.glob("[0-9][0-9]_*.ipynb"))]


def parse_overrides(pairs: list[str] | None) -> dict:
    """``["n_epochs=5", "dataset=dream4"]`` -> ``{"n_epochs": 5, "dataset": "dream4"}`` (values parsed as YAML)."""
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise ValueError(f"parameter {pair!r} is not of the form key=value")
        key, value = pair.split("=", 1)
        out[key.strip()] = yaml.safe_load(value)
    return out


def resolve_parameters(info: NotebookInfo, profile: str, overrides: dict, output_dir: Path) -> dict:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {PROFILES}")
    params = dict(info.profiles.get(profile, {}))
    params.update(overrides)
    unknown = set(params) - set(info.parameters)
    if unknown:
        raise ValueError(f"{info.name}: unknown parameters {sorted(unknown)}; "
                         f"it has {sorted(info.parameters)}")
    if "profile" in info.parameters:
        params["profile"] = profile
    if "output_dir" in info.parameters:
        params["output_dir"] = str(output_dir)
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
            output_root: Path | None = None, progress: bool = False, kernel: str = "python3") -> Outcome:
    """Execute one notebook into ``output_root/<name>/`` and return its outcome (never raises on a
    failing cell: the failure is reported in the outcome)."""
    output_root = Path(output_root or figures_dir()).resolve()
    out_dir = output_root / info.name
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        params = resolve_parameters(info, profile, overrides or {}, out_dir)
        pm.execute_notebook(str(info.path), str(out_dir / f"{info.name}.ipynb"), parameters=params,
                            kernel_name=kernel, cwd=str(info.path.parent), progress_bar=progress,
                            log_output=False, report_mode=False)
        status, error = "ok", ""
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
    return Outcome(info.name, status, round(wall, 2), out_dir, error)


def run(names: list[str] | None = None, profile: str = "quick", overrides: dict | None = None,
        jobs: int = 1, output_root: Path | None = None, report: bool = True) -> list[Outcome]:
    """Execute notebooks (all when ``names`` is empty), ``jobs`` at a time, then write REPORT.md."""
    available = {nb.name: nb for nb in discover()}
    selected = []
    for name in names or list(available):
        matches = [n for n in available if n == name or n.startswith(name)]
        if not matches:
            raise ValueError(f"no notebook named {name!r}; have {', '.join(available)}")
        selected += [available[m] for m in matches if available[m] not in selected]
    output_root = Path(output_root or figures_dir()).resolve()
    outcomes: list[Outcome] = []
    bar = tqdm(total=len(selected), desc=f"notebooks ({profile})", unit="nb")
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(execute, nb, profile, overrides, output_root, jobs == 1 and len(selected) == 1): nb
                   for nb in selected}
        for fut in as_completed(futures):
            outcome = fut.result()
            outcomes.append(outcome)
            bar.set_postfix_str(f"{outcome.name}: {outcome.status}")
            bar.update(1)
    bar.close()
    order = {nb.name: i for i, nb in enumerate(selected)}
    outcomes.sort(key=lambda o: order[o.name])
    if report:
        write_report(output_root, [nb.as_dict() for nb in discover()], [o.as_dict() for o in outcomes])
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

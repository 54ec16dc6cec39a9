"""What a notebook writes, and the compendium report built from it.

Inside a notebook::

    run = genenets.report.start_run("08_grn_dream4", output_dir, profile=profile, dataset=dataset,
                                    seed=seed, device=device, params=dict(...))
    run.savefig(fig, "fig11_aupr")        # PNG at 300 dpi + PDF
    run.table(df, "aupr_per_network")     # CSV
    run.metrics["aupr"] = {...}           # headline numbers of this run
    run.paper["aupr"] = {...}             # the paper's reported numbers, same keys where comparable
    run.finish()                          # results.json + run.json (provenance)

After a run, :func:`write_report` collects every ``figures/*/results.json`` into
``figures/REPORT.md``: one section per notebook with a table "paper vs this run".
"""
from __future__ import annotations

import json
import math
import platform
import subprocess
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from . import get_device, seed_everything
from .data.registry import ACCESS_LOG

#: Packages whose versions go into every run.json.
PROVENANCE_PACKAGES = ["genenets", "torch", "numpy", "pandas", "scipy", "scikit-learn", "statsmodels",
                       "matplotlib", "seaborn", "papermill", "torch-geometric", "networkx", "msprime",
                       "bed-reader", "pooch"]


def _jsonable(obj):
    """Convert NumPy/pandas scalars and containers to plain JSON types (NaN -> None)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, Path):
        return str(obj)
    return obj


def git_commit(path: Path | None = None) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=path or Path(__file__).parent,
                             capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=path or Path(__file__).parent, capture_output=True, text=True).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def package_versions(names=PROVENANCE_PACKAGES) -> dict[str, str | None]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


@dataclass
class Run:
    """One execution of one notebook: where its outputs go and what it measured."""

    notebook: str
    output_dir: Path
    profile: str
    dataset: str
    seed: int
    params: dict
    device: object
    rng: np.random.Generator
    metrics: dict = field(default_factory=dict)
    paper: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    started: float = field(default_factory=time.time)
    timings: dict = field(default_factory=dict)

    def path(self, name: str) -> Path:
        """Path of an output file ``name`` in this run's folder."""
        return self.output_dir / name

    def savefig(self, fig, name: str, dpi: int = 300):
        """Save a matplotlib figure as ``<name>.png`` (``dpi``) and ``<name>.pdf``; return the PNG path."""
        png = self.output_dir / f"{name}.png"
        fig.savefig(png, dpi=dpi, bbox_inches="tight")
        fig.savefig(self.output_dir / f"{name}.pdf", bbox_inches="tight")
        if name not in self.figures:
            self.figures.append(name)
        return png

    def table(self, df: pd.DataFrame, name: str, index: bool = False) -> Path:
        """Write ``df`` as ``<name>.csv``; return the path."""
        path = self.output_dir / f"{name}.csv"
        df.to_csv(path, index=index)
        if name not in self.tables:
            self.tables.append(name)
        return path

    def note(self, text: str):
        """A sentence for the report (e.g. how our data differ from the paper's)."""
        self.notes.append(text)

    def timed(self, label: str):
        """Context manager that records the wall time of a block under ``timings[label]``."""
        run = self

        class _Timer:
            def __enter__(self):
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                run.timings[label] = round(time.perf_counter() - self.t0, 3)

        return _Timer()

    def finish(self) -> dict:
        """Write ``results.json`` and ``run.json``; return the results dict."""
        runtime = time.time() - self.started
        results = {
            "notebook": self.notebook,
            "profile": self.profile,
            "dataset": self.dataset,
            "params": self.params,
            "seed": self.seed,
            "metrics": self.metrics,
            "paper": self.paper,
            "notes": self.notes,
            "figures": [f"{f}.png" for f in self.figures],
            "tables": [f"{t}.csv" for t in self.tables],
            "runtime_s": round(runtime, 2),
        }
        results = _jsonable(results)
        (self.output_dir / "results.json").write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
        provenance = _jsonable({
            "notebook": self.notebook,
            "git_commit": git_commit(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "packages": package_versions(),
            "data_files": {name: {"sha256": sha} for name, sha in sorted(ACCESS_LOG.items())},
            "params": self.params,
            "profile": self.profile,
            "seed": self.seed,
            "device": str(self.device),
            "timings_s": {**self.timings, "notebook_total": round(runtime, 2)},
        })
        (self.output_dir / "run.json").write_text(json.dumps(provenance, indent=2) + "\n")
        return results


def _inline_figures():
    """In a Jupyter kernel (interactive or papermill) show figures inline, whatever MPLBACKEND the kernel
    inherited (e.g. Agg from a test runner or a headless shell), so executed notebooks contain them."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and getattr(shell, "kernel", None) is not None:
        shell.run_line_magic("matplotlib", "inline")


def start_run(notebook: str, output_dir, *, profile: str = "quick", dataset: str = "simulated", seed: int = 0,
              device: str = "auto", params: dict | None = None) -> Run:
    """Open a run: seed everything, choose the device, create ``output_dir``, apply the plot style."""
    from . import plots

    output_dir = Path(output_dir).resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    rng = seed_everything(seed)
    _inline_figures()
    plots.set_style()
    ACCESS_LOG.clear()
    return Run(notebook=notebook, output_dir=output_dir, profile=profile, dataset=dataset, seed=seed,
               params=dict(params or {}), device=get_device(device), rng=rng)


# ----------------------------------------------------------------------------------------------
# figures/REPORT.md


def flatten(d: dict, prefix: str = "") -> dict[str, object]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``."""
    out = {}
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            out.update(flatten(v, key))
        else:
            out[key] = v
    return out


def _fmt(v) -> str:
    """A value as a Markdown table cell (pipes escaped, floats to 4 significant digits)."""
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return ", ".join(_fmt(x) for x in v)
    return str(v).replace("|", "\\|")


def write_report(figures_dir, notebooks: list[dict] | None = None, summary: list[dict] | None = None) -> Path:
    """Write ``figures_dir/REPORT.md`` from every ``*/results.json`` found there.

    Parameters
    ----------
    figures_dir : path
    notebooks : list of dict, optional
        Notebook descriptions (``name``, ``title``, ``paper``, ``result``) from the runner, to
        give each section its heading and to list notebooks with no results yet.
    summary : list of dict, optional
        The runner's summary rows of the latest run (name, status, wall_s, error): its failures are flagged.
    """
    figures_dir = Path(figures_dir)
    described = {nb["name"]: nb for nb in (notebooks or [])}
    names = sorted(set(described) | {p.parent.name for p in figures_dir.glob("*/results.json")})
    lines = ["# genenets report: the papers' numbers next to ours", "",
             "Generated by `genenets run` from each notebook's `results.json`; every number below comes from "
             "the executed notebook in the same folder. Rows with a paper value and a value of this run are "
             "comparable; the notes under each table say where our data differ from the paper's.", ""]
    failed = {r["name"]: r for r in (summary or []) if r["status"] != "ok"}
    lines += ["## Runs", "", "| notebook | profile | dataset | status | wall time (s) |", "|---|---|---|---|---|"]
    for name in names:
        res_path, prov_path = figures_dir / name / "results.json", figures_dir / name / "run.json"
        res = json.loads(res_path.read_text()) if res_path.exists() else {}
        prov = json.loads(prov_path.read_text()) if prov_path.exists() else {}
        wall = prov.get("timings_s", {}).get("runner_wall", res.get("runtime_s"))
        status = "failed in the latest run" if name in failed else ("ok" if res else "not run")
        lines.append(f"| {name} | {res.get('profile', '')} | {res.get('dataset', '')} | {status} | {_fmt(wall)} |")
    lines.append("")
    for name, r in failed.items():
        lines.append(f"- {name} failed: {r.get('error', '').splitlines()[0] if r.get('error') else ''}")
    if failed:
        lines.append("")
    for name in names:
        nb = described.get(name, {})
        lines.append(f"## {name}: {nb.get('result', '')}".rstrip(": "))
        if nb.get("paper"):
            lines.append(f"*Paper:* {nb['paper']}")
            lines.append("")
        res_path = figures_dir / name / "results.json"
        if not res_path.exists():
            lines += ["No results yet: run `genenets run %s`." % name, ""]
            continue
        res = json.loads(res_path.read_text())
        lines.append(f"Profile `{res.get('profile')}`, dataset `{res.get('dataset')}`, seed {res.get('seed')}, "
                     f"runtime {res.get('runtime_s', 0):.0f} s. Executed notebook: [{name}.ipynb]({name}/{name}.ipynb).")
        lines.append("")
        ours, theirs = flatten(res.get("metrics", {})), flatten(res.get("paper", {}))
        keys = list(theirs) + [k for k in ours if k not in theirs]
        if keys:
            lines += ["| quantity | paper | this run |", "|---|---|---|"]
            lines += [f"| {_fmt(k)} | {_fmt(theirs.get(k))} | {_fmt(ours.get(k))} |" for k in keys]
            lines.append("")
        for note in res.get("notes", []):
            lines.append(f"- {note}")
        if res.get("notes"):
            lines.append("")
        figs = res.get("figures", [])
        if figs:
            lines.append("Figures: " + ", ".join(f"[{f}]({name}/{f})" for f in figs))
            lines.append("")
        if res.get("tables"):
            lines.append("Tables: " + ", ".join(f"[{t}]({name}/{t})" for t in res["tables"]))
            lines.append("")
    bench = sorted((figures_dir.parent / "benchmarks" / "results").glob("*.csv"))
    if bench:
        lines += ["## Benchmarks", ""] + [f"- [{b.name}](../benchmarks/results/{b.name})" for b in bench] + [""]
    out = figures_dir / "REPORT.md"
    out.write_text("\n".join(lines))
    return out

"""What a notebook writes, and the compendium report built from it.

Inside a notebook::

    run = genenets.report.start_run("08_grn_dream4", output_dir, profile=profile, dataset=dataset,
                                    seed=seed, device=device, params=dict(...))
    run.savefig(fig, "fig11_aupr")        # PNG at 300 dpi + PDF
    run.table(df, "aupr_per_network")     # CSV
    run.metrics["aupr"] = {...}           # headline numbers of this run
    run.paper["aupr"] = {...}             # the paper's reported numbers, same keys where comparable
    run.claim("R2", "...", "Fig. 11", rule="...")   # declared before results are seen
    run.decide("R2", verdict, evidence={...}, seeds=3, budgets=[...], figure="fig11_aupr.png")
    run.convergence_table(table)          # how every trained model's training ended (CSV + claims)
    run.headline["mean AUPR, AE+NN"] = 0.12   # at most 15 rows in REPORT.md
    run.finish()                          # results.json + run.json (provenance)

``start_run(name, globals())`` reads the notebook's parameters from its namespace (the names of its
parameters cell), so they are never typed twice; see :mod:`genenets.params` for profiles.

After a run, :func:`write_report` collects every ``figures/*/results.json`` into
``figures/REPORT.md``: the claims ledger first, then one short headline table per notebook.
"""
from __future__ import annotations

import json
import math
import os
import platform
import re
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from . import claims as claims_mod
from . import get_device, seed_everything
from .data.registry import ACCESS_LOG
from .errors import ConfigError

#: Rows of a notebook's headline table in REPORT.md at most.
HEADLINE_ROWS = 15

#: Packages whose versions go into every run.json.
PROVENANCE_PACKAGES = ["genenets", "torch", "numpy", "pandas", "scipy", "scikit-learn", "statsmodels",
                       "matplotlib", "seaborn", "papermill", "torch-geometric", "networkx", "msprime",
                       "bed-reader", "pooch"]


#: Figure metadata: no creation date (PDF) and no software version (PNG, PDF) in saved figures.
PDF_METADATA = {"CreationDate": None, "Creator": None, "Producer": None}
PNG_METADATA = {"Software": None}


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
    cpu_started: float = field(default_factory=lambda: cpu_seconds())
    timings: dict = field(default_factory=dict)
    claims: dict = field(default_factory=dict)  # id -> claims.Claim, in declaration order
    headline: dict = field(default_factory=dict)  # label -> number: the notebook's rows in REPORT.md
    convergence: list = field(default_factory=list)  # rows of train.convergence_table
    fallback: str = ""  # a sentence when dataset="auto" fell back to a simulator
    profile_requested: str = ""
    overrides: dict = field(default_factory=dict)  # parameters that differ from the requested profile
    data_files: dict = field(default_factory=dict)  # user-supplied files read: path -> sha256

    def claim(self, id: str, claim: str, paper_ref: str, *, rule: str, paper_value: str = "") -> claims_mod.Claim:
        """Declare a claim of the paper and the rule that will decide it (before looking at results)."""
        if id in self.claims:
            raise ConfigError(f"claim {id} declared twice in {self.notebook}")
        self.claims[id] = claims_mod.Claim(id=id, claim=claim, paper_ref=paper_ref, rule=rule,
                                           paper_value=paper_value)
        return self.claims[id]

    def decide(self, id: str, verdict: str, **kwargs) -> claims_mod.Claim:
        """Record the verdict of a declared claim; keywords as :func:`genenets.claims.decide`."""
        if id not in self.claims:
            raise ConfigError(f"claim {id} was not declared in {self.notebook}; declare it with run.claim first")
        if kwargs.get("convergence") is None and self.convergence:
            kwargs["convergence"] = self.convergence
        return claims_mod.decide(self.claims[id], verdict, **kwargs)

    def convergence_table(self, table: pd.DataFrame, name: str = "convergence") -> pd.DataFrame:
        """Record how trained models' training ended (:func:`genenets.train.convergence_table`):
        written as ``<name>.csv``, read by :meth:`decide` to flag claims resting on models that did
        not learn or were budget-limited."""
        self.convergence += table.to_dict("records")
        self.table(table, name)
        return table

    def read_file(self, path) -> Path:
        """Record a user-supplied data file (PLINK, CSV...) with its sha256 in run.json; return it."""
        from .cache import file_digest

        path = Path(path)
        self.data_files[str(path)] = file_digest(path)
        return path

    def path(self, name: str) -> Path:
        """Path of an output file ``name`` in this run's folder."""
        return self.output_dir / name

    def savefig(self, fig, name: str, dpi: int = 300):
        """Save a matplotlib figure as ``<name>.png`` (``dpi``) and ``<name>.pdf``; return the PNG path.

        Both files carry no date or version-dependent metadata, so a rerun that changes no number
        changes no byte (and shows no change in ``git status``)."""
        png = self.output_dir / f"{name}.png"
        fig.savefig(png, dpi=dpi, bbox_inches="tight", metadata=PNG_METADATA)
        fig.savefig(self.output_dir / f"{name}.pdf", bbox_inches="tight", metadata=PDF_METADATA)
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
        """Write ``results.json`` and ``run.json``; return the results dict.

        Every declared claim must have a verdict by now (a claim left undecided is an error, not a
        silent gap in the ledger).
        """
        undecided = [c.id for c in self.claims.values() if c.verdict is None]
        if undecided:
            raise ConfigError(f"{self.notebook}: claims {undecided} were declared but never decided")
        runtime = time.time() - self.started
        if self.fallback and self.fallback not in self.notes:
            self.notes.insert(0, self.fallback)
        results = {
            "notebook": self.notebook,
            "profile": self.profile,
            "profile_requested": self.profile_requested or self.profile,
            "overrides": self.overrides,
            "dataset": self.dataset,
            "fallback": self.fallback,
            "params": self.params,
            "seed": self.seed,
            "claims": [c.as_dict() for c in self.claims.values()],
            "headline": self.headline,
            "convergence": self.convergence,
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
            "user_files": {name: {"sha256": sha} for name, sha in sorted(self.data_files.items())},
            "params": self.params,
            "profile": self.profile,
            "seed": self.seed,
            "device": str(self.device),
            # CPU seconds (all threads, and child processes such as joblib workers): on a shared machine
            # the wall time says little, CPU / cores estimates a quiet machine's wall time
            "timings_s": {**self.timings, "notebook_total": round(runtime, 2),
                          "notebook_cpu": round(cpu_seconds() - self.cpu_started, 2)},
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


def _namespace_parameters(notebook: str, namespace: dict) -> tuple[dict, str, dict]:
    """The parameters in force in a notebook's ``namespace``: ``(values, label, overrides)``.

    Reads the names and quick defaults of the notebook's parameters cell; a requested profile whose
    file values were not passed (``papermill -p profile smoke`` without ``-f``) is applied here, in
    the namespace, for every parameter still at its quick default; the label is derived from the
    values (:func:`genenets.params.label`).
    """
    from .params import complete, label, notebook_defaults, profile_values, repo_root

    # the kernel's working folder is the notebook's (papermill --cwd, JupyterLab); else the checkout's
    candidates = [Path.cwd() / f"{notebook}.ipynb", repo_root() / "notebooks" / f"{notebook}.ipynb"]
    path = next((c for c in candidates if c.exists()), candidates[-1])
    if not path.exists():  # a notebook outside the compendium: take the namespace's simple values
        return {k: v for k, v in namespace.items() if not k.startswith("_") and isinstance(
            v, (int, float, str, bool, list, dict, type(None)))}, namespace.get("profile", "quick"), {}
    defaults, meta = notebook_defaults(path)
    group = meta.get("params", notebook)
    requested = namespace.get("profile", "quick")
    directory = path.parent / "params"
    # group dicts given in part (a profile file, -p neural.epochs=3) get the cell's other keys
    namespace.update(complete({k: namespace[k] for k in defaults if k in namespace}, defaults,
                              f" of {notebook}"))
    for k, v in profile_values(group, requested, directory).items():
        if k not in defaults or k not in namespace:
            continue
        if isinstance(defaults[k], dict) and isinstance(v, dict):  # key by key: a group's unchanged keys
            namespace[k] = {**namespace[k], **{g: x for g, x in v.items()
                                               if g in defaults[k] and namespace[k].get(g) == defaults[k][g]}}
        elif namespace[k] == defaults[k] and v != defaults[k]:
            namespace[k] = v
    values = {k: namespace[k] for k in defaults if k in namespace}
    tag, diffs = label(values, defaults, group, requested, directory)
    return values, tag, diffs


def cpu_seconds() -> float:
    """User + system CPU seconds of this process (all threads) and its finished child processes."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def start_run(notebook: str, output_dir=None, *, profile: str = "quick", dataset: str | None = None,
              seed: int | None = None, device: str | None = None, params: dict | None = None) -> Run:
    """Open a run: seed everything, choose the device, create the output folder, apply the plot style.

    ``start_run(name, globals())`` (the usual call in a notebook) takes every parameter of the
    notebook's parameters cell from its namespace: ``output_dir``, ``profile``, ``dataset``, ``seed``
    and ``device`` among them; the resolved values go to results.json and run.json. The keyword form
    (``start_run(name, output_dir, profile=..., params=...)``) is for code outside the notebooks.
    """
    from . import plots

    requested, overrides = profile, {}
    if isinstance(output_dir, dict):
        namespace = output_dir
        params, profile, overrides = _namespace_parameters(notebook, namespace)
        requested = namespace.get("profile", "quick")
        output_dir = namespace.get("output_dir", f"../figures/{notebook}")
        dataset = namespace.get("dataset", dataset or "")
        seed = namespace.get("seed", 0) if seed is None else seed
        device = namespace.get("device", "auto") if device is None else device
    if output_dir is None:
        raise ConfigError(f"{notebook}: start_run needs an output folder or the notebook's globals()")
    output_dir = Path(output_dir).resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    seed = 0 if seed is None else seed
    rng = seed_everything(seed)
    _inline_figures()
    plots.set_style()
    ACCESS_LOG.clear()
    return Run(notebook=notebook, output_dir=output_dir, profile=profile, dataset=dataset or "", seed=seed,
               params=dict(params or {}), device=get_device(device or "auto"), rng=rng,
               profile_requested=requested, overrides=overrides)


# ----------------------------------------------------------------------------------------------
# Failure records: ``<label>.failed.json`` beside a notebook's folder (written by the runner)


def write_text_atomic(path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and one rename (readers never see half a file)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; outputs are readable like any other file
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_json_atomic(path, obj) -> Path:
    return write_text_atomic(path, json.dumps(_jsonable(obj), indent=2) + "\n")


def failure_path(figures_dir, label: str) -> Path:
    """``<figures_dir>/<label>.failed.json``: present from the start of a run of ``label`` until it completes."""
    return Path(figures_dir) / f"{label}.failed.json"


def pid_alive(pid) -> bool:
    """Whether process ``pid`` exists on this machine."""
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    except (OSError, ValueError, TypeError):
        return False
    return True


def failure_records(figures_dir) -> dict[str, dict]:
    """``{label: record}`` of the runs in ``figures_dir`` that did not complete.

    ``record["status"]`` is ``failed`` (with ``error`` and ``cell``), ``interrupted`` (Ctrl-C), ``running``
    (its process is alive), or ``killed`` (a ``running`` record whose process is gone: kill -9, power loss).
    """
    out = {}
    for path in sorted(Path(figures_dir).glob("*.failed.json")):
        try:
            rec = json.loads(path.read_text())
        except (OSError, ValueError):
            rec = {"status": "failed", "error": f"unreadable failure record {path.name}"}
        if not isinstance(rec, dict):
            continue
        if rec.get("status") == "running":
            here = rec.get("host") in (None, socket.gethostname())
            if here and not pid_alive(rec.get("pid")):
                rec["status"] = "killed"
                rec["error"] = (f"its process (pid {rec.get('pid')}) was killed before it finished (kill -9, a "
                                "crash or a power loss)")
        out[path.name[: -len(".failed.json")]] = rec
    return out


def _failure_text(rec: dict) -> str:
    status = rec.get("status", "failed")
    first = (rec.get("error") or "").strip().splitlines()
    first = first[0] if first else ""
    if status == "running":
        return f"running now (pid {rec.get('pid')}, started {rec.get('started', '?')})"
    if status == "unreadable":
        return first
    return f"{status} in the latest run ({rec.get('started', '?')})" + (f": {first}" if first else "")


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


def _spans_grid(rows: pd.DataFrame) -> bool:
    """A grid supports robustness only when it covers at least two seeds and two training budgets."""
    seeds = rows["seed"].nunique() if "seed" in rows else 0
    budgets = rows["budget_scale"].nunique() if "budget_scale" in rows else 0
    return seeds >= 2 and budgets >= 2


def structural_reasons(why: str) -> list[str]:
    """The parts of a claim's ``why`` that more seeds or budgets cannot fix (a stand-in comparator, a data set
    that cannot test half the claim): everything except seed, budget and unreliable-model reasons."""
    parts = [p.strip() for p in str(why or "").split(";")]
    return [p for p in parts if p and not re.search(r"seed|budget|resting on models|did not learn|: budget-limited", p)]


def grid_support(rows: pd.DataFrame) -> tuple[bool, str]:
    """Whether a claim's robustness-grid runs make it robust, and why not.

    Robust needs the same verdict in every run, a grid of at least two seeds and two budgets, and no run
    whose verdict rests on a model that did not learn or was budget-limited (such a verdict is never a
    plain result, however often it repeats).
    """
    if not claims_mod.robust_across(rows["verdict"]):
        return False, "verdicts differ across the grid"
    if not _spans_grid(rows):
        return False, "the grid has fewer than 2 seeds or 2 budgets"
    why = rows["why"].fillna("").astype(str) if "why" in rows else pd.Series("", index=rows.index)
    flagged = int(why.str.contains("resting on models").sum())
    if flagged:
        return False, f"{flagged} of {len(rows)} runs rest on models that did not learn or were budget-limited"
    if (rows["verdict"] == claims_mod.NOT_TESTABLE).any():
        return False, "not testable here"
    structural = sorted({r for w in why for r in structural_reasons(w)})
    if structural:
        return False, "not robust by its nature: " + "; ".join(structural)
    return True, ""


def robustness_verdicts(figures_dir) -> dict[tuple[str, str], dict]:
    """``{(notebook, claim id): {"robust": bool, "n": rows, "verdicts": {verdict: count}, "file": path}}`` from
    the robustness grid's ``figures/robustness/<notebook>__<claim id>.csv`` (columns ``claim``, ``notebook``,
    ``seed``, ``budget_scale``, ``verdict`` and evidence columns). Keyed by notebook too: one claim id can be
    decided in two notebooks (G3 and G4 in 01 and 02)."""
    out = {}
    for path in sorted((Path(figures_dir) / "robustness").glob("*.csv")):
        try:
            df = pd.read_csv(path)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError, UnicodeDecodeError):
            continue
        if "verdict" not in df or "claim" not in df or df.empty:
            continue
        notebook = df["notebook"] if "notebook" in df else pd.Series(path.stem.split("__")[0], index=df.index)
        for (nb, cid), rows in df.groupby([notebook, df["claim"]]):
            robust, why_not = grid_support(rows)
            out[(str(nb), str(cid))] = {"robust": robust, "why_not": why_not, "n": len(rows),
                                        "verdicts": rows["verdict"].value_counts().to_dict(),
                                        "file": f"robustness/{path.name}"}
    return out


def ledger_rows(figures_dir, names: list[str]) -> list[dict]:
    """One row per claim over the notebooks' results.json, with the robustness grid's say where it has one.
    A results.json that cannot be read contributes no rows (the report names it elsewhere)."""
    figures_dir = Path(figures_dir)
    grid = robustness_verdicts(figures_dir)
    rows = []
    for name in names:
        path = figures_dir / name / "results.json"
        try:
            res = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(res, dict):
            continue
        for c in res.get("claims", []):
            row = {**c, "notebook": name}
            if row.get("robust") and row.get("budgets") and not row.get("budgets_varied"):
                # robust means seeds AND budgets agree; one budget per model leaves that to the grid
                row["robust"] = False
                row["why"] = "; ".join(x for x in [row.get("why", ""), "one training budget per model: the "
                                                   "robustness grid (budgets 1x/4x/16x) has not decided it"] if x)
            g = grid.get((name, c.get("id")))
            if g is not None:
                agrees = g["verdicts"].get(c.get("verdict"), 0) == g["n"]
                # the grid covers seeds and budgets; a model that did not learn still vetoes
                row["robust"] = bool(g["robust"] and agrees and "resting on models" not in c.get("why", "")
                                     and not structural_reasons(c.get("why", ""))
                                     and c.get("verdict") != claims_mod.NOT_TESTABLE)
                row["grid"] = g
                if agrees and g["why_not"]:
                    row["why"] = "; ".join(x for x in [c.get("why", ""), "robustness grid: " + g["why_not"]] if x)
                if not agrees:
                    row["why"] = "; ".join(x for x in [c.get("why", ""), "the robustness grid's verdicts: " + ", ".join(
                        f"{v} x{n}" for v, n in g["verdicts"].items())] if x)
            rows.append(row)
    return rows


def paper_label(described: dict, name: str) -> str:
    """The ledger's short name of the paper a run belongs to: the paper's short title (before its colon), or
    "First author et al. (year)" for a reference that starts with its author list, or the title up to its
    parenthesis, cut at a word and never mid-word. A grid or dataset variant (``name__key=value``) is its
    notebook's paper with the variant in parentheses; an undescribed notebook is its own name."""
    base, _, variant = name.partition("__")
    paper = str(described.get(name, described.get(base, {})).get("paper", "") or "")
    if not paper:
        return name
    authors = re.match(r"^\s*([^\s,(]+)[^()]*?,[^()]*\((\d{4})\)", paper)
    if authors:
        label = f"{authors.group(1)} et al. ({authors.group(2)})"
    else:
        label = paper.split(":")[0] if ":" in paper else paper.split(" (")[0]
        label = " ".join(label.split())
        if len(label) > 70:
            label = label[:70].rsplit(" ", 1)[0] + " ..."
    if variant and name not in described:
        label += f" ({variant.replace('__', ', ')})"
    return label


def merge_repeated_claims(rows: list[dict], paper_of) -> list[dict]:
    """One ledger row per claim: a claim that two notebooks of the same paper both decide (GeneDAE's G3 and G4 in
    01 and in 02, from the same fits) is shown and counted once when both give the same verdict, result and
    robustness, with both notebooks linked; when they disagree, both rows stay so the reader sees it."""
    out: list[dict] = []
    seen: dict[tuple, dict] = {}
    for r in rows:
        key = (paper_of(r["notebook"]), r.get("id"))
        first = seen.get(key)
        if first is not None and all(first.get(k) == r.get(k) for k in ("verdict", "ours", "robust")):
            first.setdefault("also_in", []).append(r["notebook"])
            continue
        seen.setdefault(key, r)
        out.append(r)
    return out


def write_report(figures_dir, notebooks: list[dict] | None = None, summary: list[dict] | None = None) -> Path:
    """Write ``figures_dir/REPORT.md`` from every ``*/results.json`` found there.

    The first screen is the claims ledger (one row per claim: paper, claim, paper's number, ours,
    verdict, robust, figure and notebook), with the verdicts counted; then the runs, then per
    notebook a headline table of at most :data:`HEADLINE_ROWS` rows; full metrics stay in each
    folder's ``results.json`` and CSVs, linked.

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
    records = failure_records(figures_dir)
    # hidden folders are a running or killed run's temporary folders: never reported
    names = sorted(set(described) | set(records) | {p.parent.name for p in figures_dir.glob("*/results.json")
                                                    if not p.parent.name.startswith(".")})
    failed = {r["name"]: r for r in (summary or []) if r["status"] not in ("ok", "not run")}
    for name, r in failed.items():  # the runner's latest outcomes, where the record is older or missing
        records.setdefault(name, {"status": r["status"], "error": r.get("error", "")})
    for name in names:  # a results.json that cannot be read (truncated, edited) is reported, never shown
        res_path = figures_dir / name / "results.json"
        if res_path.exists() and name not in records:
            try:
                json.loads(res_path.read_text())
            except (OSError, ValueError) as err:
                records[name] = {"status": "unreadable", "error": f"{res_path} cannot be read ({err}); rerun it"}
    stale = {n for n in names if n in records}  # their folder holds an earlier run: not current
    ledger = merge_repeated_claims(ledger_rows(figures_dir, [n for n in names if n not in stale]),
                                   lambda nb: described.get(nb, {}).get("paper", nb))
    counts = claims_mod.summary_counts(ledger)
    n_robust = sum(bool(r.get("robust")) for r in ledger)
    lines = ["# genenets report: the papers' claims and our verdicts", "",
             f"**{counts['reproduced']} reproduced, {counts['not reproduced']} not reproduced, {counts['mixed']} mixed, "
             f"{counts['not testable here']} not testable here** ({len(ledger)} claims; {n_robust} robust across "
             "seeds and budgets). Every verdict is decided in its notebook by a rule written before the results "
             "are read; 'robust' means the same verdict at every seed and training budget tried and no model "
             "under it that did not learn or hit its budget.", ""]
    if ledger:
        lines += ["| paper | id | claim | paper's number | ours | verdict | robust | evidence |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in ledger:
            nb = r["notebook"]
            fig = f" [figure]({nb}/{r['figure']})" if r.get("figure") else ""
            robust = "yes" if r.get("robust") else ("no: " + r["why"] if r.get("why") else "no")
            also = "".join(f" [{o}]({o}/{o}.ipynb)" for o in r.get("also_in", []))
            lines.append(f"| {_fmt(paper_label(described, nb))} | {_fmt(r['id'])} | "
                         f"{_fmt(r['claim'])} | {_fmt(r.get('paper_value', ''))} | {_fmt(r.get('ours', ''))} | "
                         f"**{_fmt(r.get('verdict'))}** | {_fmt(robust)} | [{nb}]({nb}/{nb}.ipynb){fig}{also} |")
        lines.append("")
    else:
        lines += ["No notebook has recorded claims yet.", ""]
    if stale:
        lines += ["**Not in the ledger** (the latest run did not complete; numbers of an earlier run are not shown "
                  "as current): " + "; ".join(f"{n}: {_fmt(_failure_text(records[n]))}" for n in sorted(stale)), ""]
    lines += ["## Runs", "", "Wall time depends on what else the machine ran at the time; CPU time (all threads and "
              "worker processes of the kernel) divided by the cores estimates a quiet machine's wall time.", "",
              "| notebook | profile | dataset | status | wall time (s) | CPU time (s) |", "|---|---|---|---|---|---|"]
    for name in names:
        res_path, prov_path = figures_dir / name / "results.json", figures_dir / name / "run.json"
        res = json.loads(res_path.read_text()) if res_path.exists() and name not in stale else {}
        try:
            prov = json.loads(prov_path.read_text()) if prov_path.exists() else {}
        except (OSError, ValueError):
            prov = {}
        wall = prov.get("timings_s", {}).get("runner_wall", res.get("runtime_s"))
        cpu = prov.get("timings_s", {}).get("notebook_cpu", "")
        if name in stale:
            rec = records[name]
            status = "running now" if rec.get("status") == "running" else f"{rec.get('status', 'failed')} in the latest run"
            res, wall, cpu = {"profile": rec.get("profile", ""), "dataset": ""}, rec.get("wall_s"), ""
        else:
            status = "ok" if res else "not run"
        lines.append(f"| {name} | {_fmt(res.get('profile', ''))} | {_fmt(res.get('dataset', ''))} | {status} | "
                     f"{_fmt(wall)} | {_fmt(cpu)} |")
    lines.append("")
    for name in sorted(stale):
        rec = records[name]
        cell = f" (cell {rec['cell']})" if rec.get("cell") is not None else ""
        first = (rec.get("error") or "").strip().splitlines()
        lines.append(f"- {name} {rec.get('status', 'failed')}{cell}: {first[0] if first else ''}")
    if stale:
        lines.append("")
    for name in names:
        nb = described.get(name, {})
        lines.append(f"## {name}: {nb.get('result', '')}".rstrip(": "))
        if nb.get("paper"):
            lines.append(f"*Paper:* {nb['paper']}")
            lines.append("")
        res_path = figures_dir / name / "results.json"
        if name in stale:
            rec = records[name]
            kept = (f" The folder [{name}/]({name}/) still holds an earlier complete run; its numbers are not "
                    "shown here as current.") if res_path.exists() else ""
            lines += [f"**The latest run did not complete:** {_fmt(_failure_text(rec))}.{kept} "
                      f"Rerun `genenets run {name}`.", ""]
            continue
        if not res_path.exists():
            lines += ["No results yet: run `genenets run %s`." % name, ""]
            continue
        res = json.loads(res_path.read_text())
        lines.append(f"Profile `{res.get('profile')}`, dataset `{res.get('dataset')}`, seed {res.get('seed')}, "
                     f"runtime {res.get('runtime_s', 0):.0f} s. Executed notebook: [{name}.ipynb]({name}/{name}.ipynb); "
                     f"all metrics: [results.json]({name}/results.json).")
        lines.append("")
        if res.get("fallback"):
            lines += [f"**Fallback:** {res['fallback']}", ""]
        head = res.get("headline") or {}
        if head:
            rows = list(head.items())[:HEADLINE_ROWS]
            lines += ["| headline | this run |", "|---|---|"] + [f"| {_fmt(k)} | {_fmt(v)} |" for k, v in rows]
        else:  # no headline chosen: the paper's comparable numbers first, then ours, cut to HEADLINE_ROWS
            ours, theirs = flatten(res.get("metrics", {})), flatten(res.get("paper", {}))
            keys = (list(theirs) + [k for k in ours if k not in theirs])
            shown = keys[:HEADLINE_ROWS]
            if shown:
                lines += ["| quantity | paper | this run |", "|---|---|---|"]
                lines += [f"| {_fmt(k)} | {_fmt(theirs.get(k))} | {_fmt(ours.get(k))} |" for k in shown]
            if len(keys) > len(shown):
                lines.append(f"| ... {len(keys) - len(shown)} more in [results.json]({name}/results.json) | | |")
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
    rob = sorted((figures_dir / "robustness").glob("*.csv"))
    if rob:
        lines += ["## Robustness grid", ""] + [f"- [{b.name}](robustness/{b.name})" for b in rob] + [""]
    bench = sorted((figures_dir.parent / "benchmarks" / "results").glob("*.csv"))
    if bench:
        lines += ["## Benchmarks", ""] + [f"- [{b.name}](../benchmarks/results/{b.name})" for b in bench] + [""]
    return write_text_atomic(figures_dir / "REPORT.md", "\n".join(lines))

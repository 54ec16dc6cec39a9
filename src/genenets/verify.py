"""``make verify``: re-execute the committed executed notebooks and compare them with what is committed.

For each ``figures/<name>/<name>.ipynb`` (or the names given) the executed notebook is re-run cell by cell
with nbval (``pytest --nbval``, volatile output sanitized by ``tests/nbval_sanitize.cfg``: progress bars,
wall times, memory addresses, machine paths), with the parameters it recorded (papermill's injected cell)
except ``output_dir``, which points to a temporary folder so the committed outputs are never touched. Its
``results.json`` metrics and CSV tables are compared with the committed ones as well.

Per notebook the verdict is "identical", "differs in cell N[, M]" / "differs in <table or metric>", or
"failed"; the summary goes to ``figures/VERIFY.md`` (one row per notebook, updated in place when only some
notebooks are verified, with the commit and date of each check), and nbval's own report of a notebook that
differs or failed to ``figures/verify/<name>.txt``. By default the notebooks re-execute
with an empty content-keyed cache (one temporary ``GENENETS_CACHE_DIR`` for the whole invocation, shared
in name order so that 04 may reuse what 03 trained in the same check): every model is retrained, nothing
is read from an earlier run. What it proves to a reader: the committed numbers, tables and printed
outputs are what the committed code produces from the committed parameters on this kind of machine
(figures are compared through the tables they draw, not pixel by pixel).

    python -m genenets.verify [NAME ...] [--figures DIR] [--summary FILE] [--cache fresh|shared]
"""
from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat

from .params import repo_root


def flatten_all(d, prefix=""):
    """Nested dicts and lists -> ``{"a.b[0]": value}`` (every leaf of a results.json)."""
    out = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(flatten_all(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            out.update(flatten_all(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = d
    return out


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def table_difference(committed: Path, rerun: Path) -> str:
    """How two CSV tables differ, or "" when they agree (numbers to the metrics' tolerance, 1e-9 relative:
    the last bits of a float may move with the order of a threaded sum)."""
    import numpy as np
    import pandas as pd

    try:
        a, b = pd.read_csv(committed), pd.read_csv(rerun)
    except (ValueError, OSError) as err:
        return f"unreadable ({err})"
    if list(a.columns) != list(b.columns) or a.shape != b.shape:
        return f"shape {a.shape} vs {b.shape}" if a.shape != b.shape else "columns differ"
    cols = []
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            xv, yv = x.to_numpy(float), y.to_numpy(float)
            same = np.isclose(xv, yv, rtol=1e-9, atol=1e-12) | (np.isnan(xv) & np.isnan(yv))
            if not same.all():
                worst = np.nanmax(np.abs(xv - yv) / np.maximum(np.abs(xv), 1e-12))
                cols.append(f"{col} in {int((~same).sum())} rows (max relative difference {worst:.2g})")
        elif not x.astype(str).equals(y.astype(str)):
            cols.append(f"{col} in {int((x.astype(str) != y.astype(str)).sum())} rows")
    return "; ".join(cols[:4])


def prepare_copy(executed: Path, notebooks_dir: Path, out_dir: Path) -> Path:
    """A copy of ``executed`` in the notebooks folder (its working folder), writing into ``out_dir``."""
    nb = nbformat.read(str(executed), as_version=4)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []) or "parameters" in cell.metadata.get("tags", []):
            cell.source = re.sub(r"^output_dir = .*$", f"output_dir = {str(out_dir)!r}", cell.source, flags=re.M)
    copy = notebooks_dir / f".verify_{executed.stem}.ipynb"
    nbformat.write(nb, str(copy))
    return copy


def verify_one(name: str, figures: Path, timeout: int = 3600, cache_dir: Path | None = None) -> dict:
    """Re-execute ``figures/<name>/<name>.ipynb`` with nbval; return ``{name, status, detail, wall_s}``.

    ``cache_dir`` becomes the kernel's ``GENENETS_CACHE_DIR`` (an empty folder: nothing is reused);
    ``None`` keeps the environment's cache.
    """
    import os

    root = repo_root()
    env = dict(os.environ)
    if cache_dir is not None:
        env["GENENETS_CACHE_DIR"] = str(cache_dir)
    executed = figures / name / f"{name.split('__')[0]}.ipynb"
    if not executed.exists():
        return {"name": name, "status": "failed", "detail": f"{executed} not found", "wall_s": 0.0}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"verify_{name}_") as tmp:
        tmp = Path(tmp)
        copy = prepare_copy(executed, root / "notebooks", tmp / "out")
        (tmp / "out").mkdir()
        junit = tmp / "junit.xml"
        try:
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "-p", "genenets.nbval_as_jupyter", "--nbval", str(copy),
                 "--nbval-sanitize-with",
                 str(root / "tests" / "nbval_sanitize.cfg"), "--nbval-cell-timeout", str(timeout),
                 "-p", "no:cacheprovider", "-p", "no:xdist", "-q", f"--junitxml={junit}", "-o", "addopts="],
                capture_output=True, text=True, cwd=root, env=env)
        finally:
            copy.unlink(missing_ok=True)
        cells, errors, cpu_s = [], [], "-"
        if junit.exists():
            for case in ET.parse(junit).getroot().iter("testcase"):
                bad = case.find("failure") if case.find("failure") is not None else case.find("error")
                if bad is not None:
                    m = re.search(r"Cell (\d+)", case.get("name", ""))
                    (cells if bad.tag == "failure" else errors).append(m.group(1) if m else case.get("name"))
        detail = []
        if done.returncode not in (0, 1) or errors:
            status = "failed"
            detail.append(("errors in cells " + ", ".join(errors)) if errors else done.stdout[-500:])
        else:
            status = "identical" if not cells else "differs"
            if cells:
                detail.append("differs in cell " + ", ".join(cells))
            new = tmp / "out" / "results.json"
            old = figures / name / "results.json"
            if new.exists() and old.exists():
                a = flatten_all(json.loads(old.read_text()).get("metrics", {}))
                b = flatten_all(json.loads(new.read_text()).get("metrics", {}))
                diff = [k for k in sorted(set(a) | set(b)) if not _same(a.get(k), b.get(k))]
                if diff:
                    status = "differs"
                    detail.append("metrics differ: " + ", ".join(diff[:5]))
            prov = tmp / "out" / "run.json"
            if prov.exists():  # the re-execution's own CPU seconds: from an empty cache, the honest cost
                cpu_s = json.loads(prov.read_text()).get("timings_s", {}).get("notebook_cpu", "-")
            for csv in sorted((figures / name).glob("*.csv")):
                other = tmp / "out" / csv.name
                if other.exists() and other.read_text() != csv.read_text():
                    why = table_difference(csv, other)
                    if why:
                        status = "differs"
                        detail.append(f"table {csv.name} differs: {why}")
    report = "" if status == "identical" else (done.stdout[-20000:] + done.stderr[-2000:])  # nbval's diffs
    return {"name": name, "status": status, "detail": "; ".join(detail), "report": report,
            "wall_s": round(time.perf_counter() - t0, 1),
            "cpu_s": cpu_s, "cache": "empty" if cache_dir is not None else "shared", "commit": _commit(root),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def _commit(root: Path) -> str:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=root)
        return done.stdout.strip() or "-"
    except OSError:
        return "-"


COLUMNS = ("name", "status", "detail", "wall_s", "cpu_s", "cache", "commit", "date")
HEADER = ("| notebook | result | detail | wall time (s) | kernel CPU (s) | cache | code at commit | checked |",
          "|---|---|---|---|---|---|---|---|")


def read_summary(path: Path) -> dict[str, dict]:
    """The rows of an existing summary, ``{name: row}`` (empty when there is none or it is of another form)."""
    rows = {}
    if not Path(path).exists():
        return rows
    for line in Path(path).read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == len(COLUMNS) and cells[0] not in ("notebook", "---"):
            rows[cells[0]] = dict(zip(COLUMNS, cells))
    return rows


def write_summary(rows: list[dict], path: Path) -> None:
    """Write the summary table, keeping the rows of notebooks not checked this time."""
    merged = read_summary(path)
    merged.update({r["name"]: r for r in rows})
    lines = ["# make verify: the committed executed notebooks re-executed and compared", "",
             "Each notebook under `figures/` was re-run cell by cell with nbval from its recorded parameters "
             "(outputs written to a temporary folder), its printed outputs compared after sanitizing volatile "
             "text (`tests/nbval_sanitize.cfg`), and its metrics and CSV tables compared with the committed ones. "
             "\"cache: empty\" means the check started from an empty content-keyed cache, so every model was "
             "retrained (notebooks checked together share that cache in name order, as in `make reproduce`).",
             "", *HEADER]
    for name in sorted(merged):
        r = merged[name]
        lines.append("| " + " | ".join(str(r.get(c, "-")).replace("|", "/") for c in COLUMNS) + " |")
    counts = {}
    for r in merged.values():
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    lines += ["", "Counted: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) + "."]
    Path(path).write_text("\n".join(lines) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m genenets.verify", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="folders under figures/ (default: every executed notebook)")
    parser.add_argument("--figures", default=str(repo_root() / "figures"))
    parser.add_argument("--summary", help="update the summary table here (default: <figures>/VERIFY.md)")
    parser.add_argument("--cache", choices=("fresh", "shared"), default="fresh",
                        help="fresh (default): an empty cache for this check, every model retrained; "
                             "shared: the usual cache (faster, proves less)")
    args = parser.parse_args(argv)
    figures = Path(args.figures)
    names = sorted(args.names or (p.parent.name for p in figures.glob("*/*.ipynb")
                                  if p.parent.name != "robustness"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="verify_cache_") as cache_tmp:
        cache_dir = Path(cache_tmp) if args.cache == "fresh" else None
        for name in names:
            row = verify_one(name, figures, cache_dir=cache_dir)
            print(f"{row['name']}: {row['status']}{' (' + row['detail'] + ')' if row['detail'] else ''}",
                  flush=True)
            rows.append(row)
    summary = Path(args.summary) if args.summary else figures / "VERIFY.md"
    reports = summary.parent / "verify"
    for row in rows:  # what nbval printed for a notebook that differs, beside the summary; none when identical
        path = reports / f"{row['name']}.txt"
        if row.get("report"):
            reports.mkdir(exist_ok=True)
            path.write_text(row["report"])
            row["detail"] += f" (nbval's report: verify/{path.name})"
        else:
            path.unlink(missing_ok=True)
    write_summary(rows, summary)
    print(f"-> {summary}")
    return 0 if all(r["status"] == "identical" for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())

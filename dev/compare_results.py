"""Compare the metrics of two runs of the compendium, notebook by notebook.

    python dev/compare_results.py BEFORE_DIR AFTER_DIR [--tol 1e-9]

Each DIR holds ``<notebook>/results.json`` (a ``genenets run --output DIR``). Prints, per notebook,
"identical" or the metrics that differ; exits 1 if any differs. Used to show that a refactoring
changed no number.
"""
import json
import math
import sys
from pathlib import Path

from genenets.verify import flatten_all as flatten


def same(a, b, tol):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return a == b or math.isclose(a, b, rel_tol=tol, abs_tol=tol)
    return a == b


def main(argv):
    before, after = Path(argv[0]), Path(argv[1])
    tol = float(argv[argv.index("--tol") + 1]) if "--tol" in argv else 1e-9
    bad = 0
    for res in sorted(before.glob("*/results.json")):
        other = after / res.parent.name / "results.json"
        if not other.exists():
            print(f"{res.parent.name}: missing in {after}")
            bad += 1
            continue
        a = flatten(json.loads(res.read_text())["metrics"])
        b = flatten(json.loads(other.read_text())["metrics"])
        diffs = [k for k in sorted(set(a) | set(b)) if not same(a.get(k), b.get(k), tol)]
        print(f"{res.parent.name}: " + ("identical metrics" if not diffs else
                                        f"{len(diffs)} of {len(a)} differ: " + ", ".join(diffs[:8])))
        bad += bool(diffs)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

import importlib
import pkgutil
import sys

import pandas as pd

from benchmarks import RESULTS, machine


def main(names):
    modules = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(RESULTS.parent)])
                     if m.name.startswith("bench_"))
    heavy = [m for m in modules if getattr(importlib.import_module(f"benchmarks.bench_{m}"), "HEAVY", False)]
    selected = names or [m for m in modules if m not in heavy]
    if not names and heavy:
        print(f"skipping heavy benchmarks {heavy}: name them to run them (python -m benchmarks {' '.join(heavy)})")
    unknown = set(selected) - set(modules)
    if unknown:
        print(f"unknown benchmarks {sorted(unknown)}; have {modules}", file=sys.stderr)
        return 2
    info = machine()
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    RESULTS.mkdir(exist_ok=True)
    for name in selected:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"\n== {name}: {module.__doc__.strip().splitlines()[0]}")
        table = module.run()
        for key, value in info.items():
            table[key] = value
        out = RESULTS / f"{name}.csv"
        if getattr(module, "APPEND", False) and out.exists():  # history kept so growth is visible
            table = pd.concat([pd.read_csv(out), table], ignore_index=True)
        table.to_csv(out, index=False)
        with pd.option_context("display.width", 200, "display.max_columns", 30):
            print(table.drop(columns=list(info), errors="ignore").tail(40).to_string(index=False))
        print(f"-> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

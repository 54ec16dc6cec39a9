"""The ``genenets`` command (also ``python -m genenets``).

    genenets list                               notebooks, the result each regenerates, parameters
    genenets run [NAME ...] [--profile P] [-p key=value ...] [--jobs N] [--output DIR]
                 [--grid params.yaml] [--executor local|dask] [--scheduler ADDRESS]
    genenets report                             rewrite figures/REPORT.md from the results present
    genenets data list|fetch|verify [NAME ...]  the data registry

``genenets run`` exits 0 when every notebook ran, 1 when one failed, 2 on a bad parameter, grid,
notebook name or output folder (nothing is written), 3 when another run holds an output folder
(the message names it), and 130 after Ctrl-C (143 after SIGTERM: kernels stopped, completed folders kept,
summary printed).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import runner
from .data import registry
from .errors import GenenetsError
from .report import write_report


def _cmd_list(args) -> int:
    notebooks = runner.discover()
    for nb in notebooks:
        print(f"{nb.name}")
        print(f"    paper:  {nb.paper}")
        print(f"    result: {nb.result}")
        for problem in nb.problems:
            print(f"    PROBLEM: {problem}")
        others = [p for p in ("smoke", "paper") if p in nb.profiles]
        print("    parameters (quick default" + "".join(f" | {p}" for p in others) + "; - = as quick):")
        for key, spec in nb.parameters.items():
            if key in ("profile", "output_dir"):
                print(f"      {key}: set by the runner (--profile, --output)")
                continue
            profile_values = "".join(f" | {nb.profiles[p].get(key, '-')}" for p in others)
            help_text = f"  # {spec['help']}" if spec["help"] else ""
            print(f"      {key} = {spec['default']}{profile_values}{help_text}")
    print(f"{len(notebooks)} notebooks in {runner.notebooks_dir()}")
    return 0


def _cmd_run(args) -> int:
    if args.jobs < 1:
        print(f"genenets run: --jobs must be at least 1, got {args.jobs}", file=sys.stderr)
        return 2
    try:
        overrides = runner.parse_overrides(args.param)
        grid = runner.load_grid(args.grid) if args.grid else None
        outcomes = runner.run(args.names, profile=args.profile, overrides=overrides, jobs=args.jobs,
                              output_root=Path(args.output) if args.output else None, grid=grid,
                              executor=args.executor, scheduler=args.scheduler)
    except runner.RunInterrupted as stop:
        print(runner.summary_table(stop.outcomes), flush=True)
        return 128 + int(stop.signum)  # 130 after Ctrl-C, 143 after SIGTERM
    except KeyboardInterrupt:  # a second Ctrl-C, or one before the run started
        print("genenets run: interrupted", file=sys.stderr)
        return 130
    except runner.RunLocked as err:
        print(f"genenets run: {err}", file=sys.stderr)
        return 3
    except (ValueError, GenenetsError) as err:
        print(f"genenets run: {err}", file=sys.stderr)
        return 2
    print(runner.summary_table(outcomes), flush=True)
    return 0 if all(o.status == "ok" for o in outcomes) else 1


def _cmd_report(args) -> int:
    out_root = Path(args.output) if args.output else runner.figures_dir()
    if not out_root.is_dir():
        print(f"genenets report: {out_root} is not a folder of results", file=sys.stderr)
        return 2
    try:
        path = write_report(out_root, [nb.as_dict() for nb in runner.discover()])
    except OSError as err:
        print(f"genenets report: cannot write {out_root / 'REPORT.md'} ({err.strerror})", file=sys.stderr)
        return 2
    print(path)
    return 0


def _cmd_data(args) -> int:
    table = registry.entries()
    names = args.names or sorted(table)
    unknown = [n for n in names if n not in table]
    if unknown:
        print(f"genenets data: unknown files {unknown}", file=sys.stderr)
        return 2
    if args.action == "list":
        for name in names:
            e = table[name]
            ok, status = registry.verify(name)
            print(f"{name}\t{e.bytes:>10,d} B\t{status}\t{e.license}\t{e.description}")
        print(f"cache: {registry.cache_dir()}; mirror: {registry.mirror_dir() or '(none: downloads)'}")
        return 0
    failed = 0
    for name in names:
        if args.action == "fetch":
            try:
                path = registry.fetch(name, progress=True)
                print(f"ok\t{name}\t{path}")
            except registry.DataError as err:
                failed += 1
                print(f"FAILED\t{err}", file=sys.stderr)
        else:
            ok, status = registry.verify(name)
            failed += not ok
            print(f"{'ok' if ok else 'FAILED'}\t{name}\t{status}")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="genenets", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="every notebook, the paper result it regenerates, its parameters").set_defaults(
        func=_cmd_list)
    p_run = sub.add_parser("run", help="execute notebooks with papermill into figures/<name>/")
    p_run.add_argument("names", nargs="*", help="notebook names or prefixes (default: all)")
    p_run.add_argument("--profile", default="quick", choices=runner.PROFILES)
    p_run.add_argument("-p", "--param", action="append", metavar="KEY=VALUE", help="override a parameter")
    p_run.add_argument("--jobs", type=int, default=1, help="notebooks executed at once")
    p_run.add_argument("--output", help="output root (default: figures/)")
    p_run.add_argument("--grid", metavar="PARAMS.yaml",
                       help="parameter grid {notebook: {param: [values]}}: one run per combination")
    p_run.add_argument("--executor", default="local", choices=["local", "dask"],
                       help="local kernels, or a Dask cluster (LocalCluster of --jobs workers without --scheduler)")
    p_run.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://host:8786")
    p_run.set_defaults(func=_cmd_run)
    p_rep = sub.add_parser("report", help="rewrite REPORT.md from the results present")
    p_rep.add_argument("--output", help="figures folder (default: figures/)")
    p_rep.set_defaults(func=_cmd_report)
    # these hand their arguments to their module's own parser (see main)
    sub.add_parser("book", help="build the static HTML book of figures/ and the claims ledger (--out, --figures)")
    sub.add_parser("verify", help="re-execute figures/ notebooks with nbval and compare: figures/VERIFY.md")
    sub.add_parser("robustness", help="gather the robustness grid's verdicts into figures/robustness/")
    p_data = sub.add_parser("data", help="the data registry: list, fetch or verify files")
    p_data.add_argument("action", choices=["list", "fetch", "verify"])
    p_data.add_argument("names", nargs="*")
    p_data.set_defaults(func=_cmd_data)
    return parser


DELEGATED = {"book": "genenets.book", "verify": "genenets.verify", "robustness": "genenets.robustness"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in DELEGATED:  # a command with its own parser: book, verify, robustness
        import importlib

        return importlib.import_module(DELEGATED[argv[0]]).main(argv[1:])
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())

"""The house rules of the package and the notebooks (issue: one house for every paper)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "genenets"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MAX_CELL_LINES = 15
MAX_PARAMETER_LINE = 120  # one group of settings per line, readable without scrolling


def _imports(path: Path) -> set[str]:
    """Modules imported by a package file, as absolute ``genenets.x.y`` names where relative."""
    tree = ast.parse(path.read_text())
    rel = path.relative_to(PKG.parent).with_suffix("")
    package = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
                out.add(mod)
                if not node.module:
                    out |= {f"{mod}.{a.name}" for a in node.names}
                else:
                    out |= {f"{mod}.{a.name}" for a in node.names}
            else:
                out.add(node.module or "")
    return out


@pytest.mark.parametrize("layer", ["tools", "data", "simulate", "models"])
def test_no_matplotlib_in_compute_layers(layer):
    offenders = [str(p.relative_to(ROOT)) for p in (PKG / layer).rglob("*.py")
                 if any(m.split(".")[0] in ("matplotlib", "seaborn") for m in _imports(p))]
    assert not offenders, f"figures belong in genenets/plotting/: {offenders}"


def test_models_hold_only_torch_modules():
    for p in (PKG / "models").glob("*.py"):
        mods = _imports(p)
        assert not any(m.startswith("genenets.train") or m.startswith("genenets.tools") for m in mods), p


def _module_graph() -> dict[str, set[str]]:
    modules = {}
    for p in PKG.rglob("*.py"):
        name = ".".join(p.relative_to(PKG.parent).with_suffix("").parts)
        name = name.removesuffix(".__init__")
        modules[name] = p
    graph = {}
    for name, p in modules.items():
        deps = set()
        for m in _imports(p):
            while m and m not in modules:
                m = m.rpartition(".")[0]
            if m and m != name and m != "genenets":
                deps.add(m)
        graph[name] = deps
    return graph


def test_no_import_cycle_between_package_modules():
    graph = _module_graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(n, stack):
        state[n] = 1
        for d in graph.get(n, ()):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d):] + [d] if d in stack else [n, d])
            elif d not in state:
                visit(d, stack + [d])
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [n])
    assert not cycles, f"import cycles: {cycles}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_jupytext_pair_in_sync(nb):
    src = ROOT / "notebooks" / "src" / f"{nb.stem}.py"
    assert src.exists(), f"{nb.name} has no jupytext pair {src}"
    paired = jupytext.read(src)
    committed = nbformat.read(nb, as_version=4)
    assert [c.cell_type for c in committed.cells] == [c.cell_type for c in paired.cells], \
        f"{nb.name} and {src.name} differ in their cells: run `python dev/sync_notebooks.py {nb.stem[:2]}`"
    for a, b in zip(committed.cells, paired.cells):
        assert a.source == b.source, (f"{nb.name} differs from {src.name} in a cell starting "
                                      f"{a.source[:60]!r}: run `python dev/sync_notebooks.py {nb.stem[:2]}`")
    assert committed.metadata.get("genenets") == paired.metadata.get("genenets")
    assert all(not c.get("outputs") for c in committed.cells if c.cell_type == "code"), \
        f"{nb.name} is committed with outputs"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_code_cells_are_short(nb):
    cells = nbformat.read(nb, as_version=4).cells
    long = [(i, len(c.source.splitlines())) for i, c in enumerate(cells)
            if c.cell_type == "code" and len(c.source.strip().splitlines()) > MAX_CELL_LINES]
    assert not long, (f"{nb.name}: code cells over {MAX_CELL_LINES} lines (index, lines): {long}; move code to "
                      "the package (the parameters cell too: group settings in one dict per line)")
    params = next(c for c in cells if "parameters" in c.metadata.get("tags", []))
    wide = [ln for ln in params.source.splitlines() if len(ln) > MAX_PARAMETER_LINE]
    assert not wide, (f"{nb.name}: parameters cell lines over {MAX_PARAMETER_LINE} characters: {wide}; "
                      "split a group by meaning instead of cramming it")


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_reads_parameters_once(nb):
    """start_run takes the parameters from the namespace; none is retyped in a params=dict(...)."""
    text = "\n".join(c.source for c in nbformat.read(nb, as_version=4).cells if c.cell_type == "code")
    assert re.search(r'start_run\("%s", globals\(\)\)' % nb.stem, text), f"{nb.name}: use start_run(name, globals())"


def test_no_block_of_six_lines_repeated_between_notebooks():
    seen: dict[tuple, str] = {}
    repeated = []
    for nb in NOTEBOOKS:
        for c in nbformat.read(nb, as_version=4).cells:
            if c.cell_type != "code" or "parameters" in c.metadata.get("tags", []):
                continue
            lines = [ln.strip() for ln in c.source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
            for i in range(len(lines) - 5):
                block = tuple(lines[i:i + 6])
                if block in seen and seen[block] != nb.stem:
                    repeated.append((seen[block], nb.stem, block[0]))
                seen.setdefault(block, nb.stem)
    assert not repeated, f"blocks of 6+ lines repeated between notebooks: {repeated[:5]}"

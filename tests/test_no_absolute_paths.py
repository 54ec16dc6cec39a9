"""No committed executed notebook under figures/ carries a machine's absolute path.

The runner writes paths relative to the checkout (``runner.output_dir_parameter`` and
``runner.strip_machine_paths``); an executed notebook from before that, or one whose output prints a
path the runner could not rewrite, fails here with every file, line and offending text listed, so that
it can be re-run (``genenets run NAME``).
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: what a machine's absolute path starts with (a home, the work tree, temporary files, root's home)
ABSOLUTE = re.compile(r"(?<![\w.~-])/(?:work|home|tmp|root|Users)/[^\s\"'\\]*")


def committed_executed_notebooks() -> list[Path]:
    """Executed notebooks under figures/ that git tracks (all present ones outside a git checkout)."""
    try:
        out = subprocess.run(["git", "ls-files", "figures"], cwd=REPO, capture_output=True, text=True, check=True)
        files = [REPO / f for f in out.stdout.splitlines() if f.endswith(".ipynb")]
    except (OSError, subprocess.CalledProcessError):
        files = []
    return sorted(p for p in files if p.exists()) or sorted((REPO / "figures").glob("**/*.ipynb"))


def absolute_paths(path: Path) -> list[tuple[int, str]]:
    """``[(line number, path found), ...]`` in the notebook's JSON text."""
    hits = []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        hits += [(number, m.group(0)) for m in ABSOLUTE.finditer(line)]
    return hits


def absolute_paths_of(text: str) -> list[tuple[int, str]]:
    return [(1, m.group(0)) for m in ABSOLUTE.finditer(text)]


def test_pattern_finds_machine_paths_and_ignores_others():
    assert [p for _, p in absolute_paths_of('"output_dir = \\"/work/main/figures/08\\"\\n"')] == ["/work/main/figures/08"]
    assert absolute_paths_of('"/home/ann/x.py:21: Warning"')[0][1] == "/home/ann/x.py:21:"
    assert absolute_paths_of('"/tmp/gn/out.ipynb"') and absolute_paths_of('"/root/.cache/x"')
    assert not absolute_paths_of('"../figures/08_grn_dream4"')
    assert not absolute_paths_of('"see https://example.org/work/tmp/ and data/raw/tmp/x"')
    assert not absolute_paths_of('"image/png": "iVBOR/work/tmpAAA"')  # inside base64: no boundary before it


def test_no_absolute_paths_in_committed_executed_notebooks():
    notebooks = committed_executed_notebooks()
    assert notebooks, "no executed notebook under figures/"
    report = []
    for path in notebooks:
        hits = absolute_paths(path)
        if hits:
            report.append(f"{path.relative_to(REPO)}: {len(hits)} absolute path(s)")
            report += [f"    line {n}: {p}" for n, p in hits[:20]]
            if len(hits) > 20:
                report.append(f"    ... and {len(hits) - 20} more")
    assert not report, ("executed notebooks carry a machine's absolute path; re-run them with "
                        "`genenets run NAME` (the runner writes relative paths):\n" + "\n".join(report))

"""Regenerate notebooks/NN_name.ipynb from its jupytext pair notebooks/src/NN_name.py (percent format).

    python dev/sync_notebooks.py            # every notebook
    python dev/sync_notebooks.py 08         # notebooks whose names start with 08

Equivalent to ``jupytext --to ipynb`` with the pairing in each file's header
(``formats: ipynb,src//py:percent``); the .ipynb is committed without outputs. Editing the .ipynb in
JupyterLab with jupytext installed keeps the .py in step; ``tests/test_notebook_sources.py`` fails when a
pair differs.
"""
import sys
from pathlib import Path

import jupytext

root = Path(__file__).resolve().parents[1] / "notebooks"
prefixes = sys.argv[1:] or [""]
for src in sorted((root / "src").glob("[0-9][0-9]_*.py")):
    if any(src.stem.startswith(p) for p in prefixes):
        nb = jupytext.read(src)
        jupytext.write(nb, root / f"{src.stem}.ipynb")
        print(f"{src.relative_to(root.parent)} -> notebooks/{src.stem}.ipynb")

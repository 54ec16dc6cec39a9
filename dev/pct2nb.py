"""Build a notebook from a percent-format script (authoring aid; the .ipynb is what is committed).

    python dev/pct2nb.py source.py notebooks/NN_name.ipynb

The script starts with a YAML block of notebook metadata between ``# ---`` lines:

    # ---
    # paper: "..."
    # result: "..."
    # profiles:
    #   smoke: {n_epochs: 2}
    #   paper: {n_epochs: 75}
    # ---

then cells separated by ``# %%`` (code), ``# %% [markdown]`` (markdown, lines prefixed ``# ``)
and ``# %% parameters`` (the papermill parameters cell).
"""
import sys

import nbformat
import yaml


def convert(text: str) -> nbformat.NotebookNode:
    lines = text.splitlines()
    meta = {}
    if lines and lines[0].strip() == "# ---":
        end = lines.index("# ---", 1)
        meta = yaml.safe_load("\n".join(line[2:] for line in lines[1:end])) or {}
        lines = lines[end + 1:]
    cells, kind, buf = [], None, []

    def flush():
        if kind is None:
            return
        body = "\n".join(buf).strip("\n")
        if kind == "markdown":
            body = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in body.splitlines())
            cells.append(nbformat.v4.new_markdown_cell(body))
        else:
            cell = nbformat.v4.new_code_cell(body)
            if kind == "parameters":
                cell.metadata["tags"] = ["parameters"]
            cells.append(cell)

    for line in lines:
        if line.startswith("# %%"):
            flush()
            rest = line[4:].strip()
            kind = "markdown" if rest.startswith("[markdown]") else "parameters" if rest == "parameters" else "code"
            buf = []
        else:
            buf.append(line)
    flush()
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["genenets"] = meta
    return nb


if __name__ == "__main__":
    src, dst = sys.argv[1], sys.argv[2]
    nbformat.write(convert(open(src).read()), dst)
    print(f"wrote {dst}")

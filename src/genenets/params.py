"""One parameter system for every notebook.

- A notebook's cell tagged ``parameters`` holds the ``quick`` profile (the default).
- Every other profile is a papermill parameters file, ``notebooks/params/<group>.<profile>.yaml``,
  where ``<group>`` is the notebook's ``genenets.params`` metadata: one file per paper where notebooks
  share training settings (``genedae`` for 01-02, ``deepae`` for 03-06), written once. Each file
  sets ``profile`` too, so ``papermill NB out.ipynb -f notebooks/params/<group>.smoke.yaml`` runs and
  labels the smoke profile exactly as ``genenets run NB --profile smoke`` does.
- ``genenets run -p key=value`` is type-checked against the parameters cell before a kernel starts.
- Inside the notebook, :func:`genenets.report.start_run` resolves the parameters actually in force:
  ``-p profile=smoke`` without the file applies the smoke file's values from inside the notebook; the
  run's label is derived from the values (``smoke``, or ``smoke+epochs=3`` when some differ), never
  taken on trust.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

PROFILES = ("smoke", "quick", "paper")
#: Parameters that never change a run's numbers (where outputs go, what the run is called).
NOT_COMPARED = ("profile", "output_dir", "device")


def repo_root() -> Path:
    here = Path(__file__).resolve().parents[2]
    if (here / "notebooks").is_dir():
        return here
    return Path.cwd()


def params_dir() -> Path:
    return repo_root() / "notebooks" / "params"


def profile_file(group: str, profile: str, directory: Path | None = None) -> Path:
    """``<directory or notebooks/params>/<group>.<profile>.yaml``."""
    return Path(directory or params_dir()) / f"{group}.{profile}.yaml"


def read_yaml(path, what: str = "parameters file") -> Any:
    """YAML from ``path``; a missing or malformed file is a :class:`ConfigError` naming it."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise ConfigError(f"{what} {path} cannot be read ({err.strerror}); check the path") from err
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{what} {path} is not valid YAML{where}: {getattr(err, 'problem', err)}") from err


def profile_values(group: str, profile: str, directory: Path | None = None) -> dict:
    """The values of ``profile`` for notebooks of ``group`` ({} for quick: the parameters cell);
    ``directory`` holds the parameters files (default ``notebooks/params``)."""
    if profile not in PROFILES:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if profile == "quick":
        return {}
    path = profile_file(group, profile, directory)
    if not path.exists():
        return {"profile": profile}
    values = read_yaml(path) or {}
    if not isinstance(values, dict):
        raise ConfigError(f"parameters file {path} must map parameter names to values")
    return values


def _type_name(value) -> str:
    return type(value).__name__


def check_type(name: str, value, default, where: str = "") -> None:
    """Raise :class:`ConfigError` when ``value`` cannot stand in for the parameter's ``default``.

    ``int`` takes int; ``float`` takes int or float; ``str`` takes str; ``bool`` takes bool;
    ``list`` takes list; a ``None`` default takes anything.
    """
    if default is None or value is None:
        return
    ok = {
        bool: lambda v: isinstance(v, bool),
        int: lambda v: isinstance(v, int) and not isinstance(v, bool),
        float: lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        str: lambda v: isinstance(v, str),
        list: lambda v: isinstance(v, list),
        dict: lambda v: isinstance(v, dict),
    }.get(type(default), lambda v: True)
    if not ok(value):
        raise ConfigError(f"parameter {name}{where}: got {value!r} ({_type_name(value)}), but it takes a "
                          f"{_type_name(default)} like its default {default!r}")


def cell_defaults(source: str) -> dict:
    """``{name: default}`` of a parameters cell's simple assignments (literals only)."""
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return out


def notebook_defaults(path) -> tuple[dict, dict]:
    """``(defaults of the parameters cell, genenets metadata)`` of the notebook at ``path``."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    cell = next((c for c in nb.cells if "parameters" in c.metadata.get("tags", [])), None)
    if cell is None:
        raise ConfigError(f"{path}: no cell tagged 'parameters'")
    return cell_defaults(cell.source), dict(nb.metadata.get("genenets", {}))


def label(values: dict, defaults: dict, group: str, profile: str,
          directory: Path | None = None) -> tuple[str, dict]:
    """The profile label these ``values`` earn, and the parameters that differ from the profile.

    ``profile`` is what was asked for; the label is ``profile`` when every compared value equals the
    profile's (its file over the quick defaults), else ``profile+key=value,...``.
    """
    expected = {**defaults, **{k: v for k, v in profile_values(group, profile, directory).items() if k in defaults}}
    diffs = {k: values[k] for k in values
             if k not in NOT_COMPARED and k in expected and values[k] != expected[k]}
    if not diffs:
        return profile, {}
    return profile + "+" + ",".join(f"{k}={v}" for k, v in diffs.items()), diffs

"""One parameter system for every notebook.

- A notebook's cell tagged ``parameters`` holds the ``quick`` profile (the default).
- Every other profile is a papermill parameters file, ``notebooks/params/<group>.<profile>.yaml``,
  where ``<group>`` is the notebook's ``genenets.params`` metadata: one file per paper where notebooks
  share training settings (``genedae`` for 01-02, ``deepae`` for 03-06), written once. Each file
  sets ``profile`` too, so ``papermill NB out.ipynb -f notebooks/params/<group>.smoke.yaml`` runs and
  labels the smoke profile exactly as ``genenets run NB --profile smoke`` does.
- ``genenets run -p key=value`` is type-checked against the parameters cell before a kernel starts.
- Settings that belong together are one dict per line in the parameters cell
  (``neural = dict(epochs=15, patience=3)``), so that the cell stays short; profile files and
  ``-p neural.epochs=30`` set single keys of a group, and :func:`complete` fills the rest from the cell.
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
    ``list`` takes list; a ``None`` default takes anything. A ``dict`` default (a group of settings)
    takes a dict whose keys are among the default's, each checked against its own default (a partial
    dict is fine: the missing keys keep their defaults, see :func:`complete`).
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
    if isinstance(default, dict) and default:
        unknown = sorted(set(value) - set(default))
        if unknown:
            raise ConfigError(f"parameter {name}{where}: unknown keys {unknown}; {name} has the keys "
                              f"{sorted(default)} (set one with -p {name}.<key>=<value>)")
        for k, v in value.items():
            check_type(f"{name}.{k}", v, default[k], where)


def expand_dotted(values: dict) -> dict:
    """``{"neural.epochs": 3, "seed": 1}`` -> ``{"neural": {"epochs": 3}, "seed": 1}`` (one override per group key)."""
    out: dict = {}
    for key, value in values.items():
        parts = str(key).split(".")
        node = out
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        last = parts[-1]
        if isinstance(value, dict) and isinstance(node.get(last), dict):
            node[last] = merge(node[last], value)
        else:
            node[last] = value
    return out


def merge(base, over):
    """``over`` laid on ``base``: dicts merge key by key (recursively), anything else is replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base.get(k), v) if k in base else v
        return out
    return over


def complete(values: dict, defaults: dict, where: str = "") -> dict:
    """``values`` with every group dict filled from the parameters cell's ``defaults``.

    A profile file or ``-p`` may set a few keys of a group (``neural: {epochs: 2}``); the others keep
    the cell's values. Unknown keys are a :class:`ConfigError` naming the group and its keys.
    """
    out = dict(values)
    for k, default in defaults.items():
        if isinstance(default, dict) and isinstance(out.get(k), dict):
            check_type(k, out[k], default, where)
            out[k] = merge(default, out[k])
    return out


def flatten(values: dict, prefix: str = "") -> dict:
    """``{"neural": {"epochs": 3}}`` -> ``{"neural.epochs": 3}`` (group dicts to dotted keys)."""
    out = {}
    for k, v in values.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v and all(isinstance(x, str) for x in v):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _literal(node):
    """The value of a literal expression, also ``dict(key=literal, ...)`` (a group of settings)."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict"
            and not node.args and all(kw.arg for kw in node.keywords)):
        return {kw.arg: _literal(kw.value) for kw in node.keywords}
    return ast.literal_eval(node)


def cell_defaults(source: str) -> dict:
    """``{name: default}`` of a parameters cell's simple assignments (literals and ``dict(...)`` groups)."""
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = _literal(node.value)
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
    profile's (its file over the quick defaults), else ``profile+key=value,...`` (group keys dotted:
    ``smoke+neural.epochs=3``).
    """
    from_file = {k: v for k, v in profile_values(group, profile, directory).items() if k in defaults}
    expected = flatten(complete(merge(defaults, from_file), defaults))
    got = flatten(complete(values, defaults))
    diffs = {k: got[k] for k in got
             if k.split(".")[0] not in NOT_COMPARED and k in expected and got[k] != expected[k]}
    if not diffs:
        return profile, {}
    return profile + "+" + ",".join(f"{k}={v}" for k, v in diffs.items()), diffs

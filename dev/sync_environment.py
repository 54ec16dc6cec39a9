"""Write environment.yml (conda: python 3.11 + a pip section) from requirements.lock, so the two agree.

The pip section pins the project's direct dependencies (pyproject.toml, test extras included) to the
exact versions of the lock file; tests/test_environment.py checks that they agree.
"""
import re
import tomllib
from pathlib import Path

root = Path(__file__).resolve().parents[1]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def direct_dependencies() -> list[str]:
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + [r for extra in project.get("optional-dependencies", {}).values() for r in extra]
    return [canonical(re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0]) for r in reqs]


def locked() -> dict[str, str]:
    pins = {}
    for line in (root / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[canonical(name)] = version.strip()
    return pins


def main():
    pins = locked()
    lines = ["# conda environment for genenets; generated from requirements.lock by dev/sync_environment.py",
             "name: genenets", "channels:", "  - conda-forge", "dependencies:", "  - python=3.11", "  - pip",
             "  - pip:"]
    lines += [f"      - {name}=={pins[name]}" for name in direct_dependencies()]
    lines += ["      - -e ."]
    (root / "environment.yml").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

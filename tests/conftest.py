import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"

# Tests read real files through the registry's offline mirror when it is beside the checkout.
if "GENENETS_DATA_MIRROR" not in os.environ and SHARED.is_dir():
    os.environ["GENENETS_DATA_MIRROR"] = str(SHARED)

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def root() -> Path:
    return ROOT


def have_mirror_or_cache(name: str) -> bool:
    from genenets.data import registry

    mirror = registry.mirror_dir()
    return (registry.cache_dir() / name).exists() or (mirror is not None and (mirror / name).exists())

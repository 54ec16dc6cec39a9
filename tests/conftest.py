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


def pytest_runtest_setup(item):
    """Under ``--dist loadgroup`` (``make test``), a test whose ``xdist_group`` did not reach its worker fails
    with the reason. Grouping keeps a notebook's run and the tests reusing its cache on one worker, in order;
    pytest 9.2 silently dropped it (pytest-xdist#1386), and two tests then fetched the same data at once."""
    if getattr(item.config.option, "loadgroup", False) and item.get_closest_marker("xdist_group") \
            and "@" not in item.nodeid:
        pytest.fail(f"--dist loadgroup did not group {item.nodeid}: this pytest / pytest-xdist pair drops "
                    f"xdist_group (pytest-xdist#1386). Install the versions of requirements.lock.", pytrace=False)

"""genenets.datasets: one registry of names, provenance of every load, the auto fallback policy."""
import pytest

from genenets import datasets
from genenets.data import registry
from genenets.errors import ConfigError, DataUnavailable

FILE = "dream4/DREAM4_InSilicoNetworks_GoldStandard.zip"


@pytest.fixture(autouse=True)
def _restore_registry(monkeypatch):
    monkeypatch.setattr(datasets, "_REGISTRY", dict(datasets._REGISTRY))  # test entries vanish afterwards


def _reads_a_file():
    registry.fetch(FILE)
    return {"x": 1}, None


def test_every_paper_dataset_is_registered():
    names = set(datasets.names())
    assert {"dream4", "dream4-simulated", "yeast", "gener-simulated", "pbmc68k", "leukemia", "compendium-simulated",
            "mhc-cohort-simulated", "hapmap", "plink", "nutrimouse", "multiomics-simulated",
            "multiomics-csv"} <= names
    kinds = {d["name"]: d["kind"] for d in datasets.describe()}
    assert kinds["dream4"] == "real" and kinds["dream4-simulated"] == "simulated" and kinds["plink"] == "user"


def test_provenance_lists_files_read_even_when_fetched_before():
    datasets.register("_test_reads", _reads_a_file, kind="real", description="test")
    first = datasets.load("_test_reads")
    second = datasets.load("_test_reads")  # the file is already in the access log
    assert FILE in first.provenance["files"] and FILE in second.provenance["files"]
    assert first.provenance["kind"] == "real" and first.truth is None and not first.fallback


def test_unknown_name_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown dataset 'nope'"):
        datasets.load("nope")


def test_auto_falls_back_only_when_the_real_data_cannot_be_had():
    def unavailable():
        raise DataUnavailable("x.zip: not found in the mirror")

    datasets.register("_test_sim", lambda seed=0: ({"sim": seed}, {"truth": True}), kind="simulated",
                      description="test simulator")
    datasets.register("_test_real", unavailable, kind="real", description="test", fallback="_test_sim")
    with pytest.raises(DataUnavailable):
        datasets.load("_test_real")  # not auto: the error stands
    ds = datasets.load("_test_real", auto=True, fallback_params={"seed": 3})
    assert ds.name == "_test_sim" and ds.data == {"sim": 3} and ds.is_simulated
    assert "could not be had" in ds.fallback and ds.provenance["fallback_from"] == "_test_real"

"""Bad inputs of the multi-omics notebook (09): user CSVs with one-class labels, +inf, no values or one
sample, and malformed weights YAML each raise the package's error naming the file or parameter, before any
training, and leave nothing half-written (no file next to the inputs, no cache entry)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genenets import datasets
from genenets.errors import ConfigError, DataError
from genenets.tools import multiomics as mo

from .conftest import snapshot

SAMPLES = [f"s{i}" for i in range(8)]


@pytest.fixture
def csvs(tmp_path, monkeypatch):
    monkeypatch.setenv("GENENETS_CACHE_DIR", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    genes = pd.DataFrame(rng.uniform(0, 50, (20, 8)), index=[f"g{i}" for i in range(20)], columns=SAMPLES)
    metab = pd.DataFrame(rng.uniform(1, 9, (6, 8)), index=[f"m{i}" for i in range(6)], columns=SAMPLES)
    labels = pd.DataFrame({"tissue": ["leaf", "root"] * 4}, index=pd.Index(SAMPLES, name="sample"))
    paths = {k: tmp_path / f"{k}.csv" for k in ("genes", "metab", "labels")}
    genes.to_csv(paths["genes"]), metab.to_csv(paths["metab"]), labels.to_csv(paths["labels"])
    return tmp_path, paths, genes, metab, labels


def _load(paths, **kw):
    return datasets.load("multiomics-csv", gene_csv=paths["genes"], metabolite_csv=paths["metab"],
                         labels_csv=paths.get("labels"), **kw).data


def test_good_files_load(csvs):
    """Well-formed tiny gene, metabolite and label CSVs -> load: 8 samples, 20 genes, 6 metabolites, one label."""
    _, paths, *_ = csvs
    assert _load(paths).shape == {"samples": 8, "genes": 20, "metabolites": 6, "tasks": 1}


def test_one_class_labels_rejected_before_training(csvs):
    """A label column with one class -> DataError naming the labels file, before any training; nothing written."""
    folder, paths, _, _, labels = csvs
    labels.assign(tissue="leaf").to_csv(paths["labels"])
    before = snapshot(folder)
    with pytest.raises(DataError, match=r"labels\.csv: label column 'tissue' has 1 class"):
        _load(paths)
    assert snapshot(folder) == before
    # the same check guards the classifiers when labels come from elsewhere
    with pytest.raises(DataError, match="my labels: label column 'tissue' has one class"):
        mo.encode_labels(labels.assign(tissue="leaf"), source="my labels")


def test_infinite_expression_rejected(csvs):
    """+inf in the gene expression CSV -> DataError naming the file and the gene; nothing written."""
    folder, paths, genes, *_ = csvs
    genes.iloc[3, 2] = np.inf
    genes.to_csv(paths["genes"])
    before = snapshot(folder)
    with pytest.raises(DataError, match=r"genes\.csv: 1 infinite values .*'g3'"):
        _load(paths)
    assert snapshot(folder) == before


def test_empty_matrix_rejected(csvs):
    """An empty gene CSV, or a header without rows -> DataError naming the file; nothing written."""
    folder, paths, *_ = csvs
    paths["genes"].write_text("")
    with pytest.raises(DataError, match=r"genes\.csv: the gene expression file is empty"):
        _load(paths)
    paths["genes"].write_text("gene," + ",".join(SAMPLES) + "\n")  # a header, no row
    before = snapshot(folder)
    with pytest.raises(DataError, match=r"genes\.csv: the gene expression table is empty \(0 features"):
        _load(paths)
    assert snapshot(folder) == before


def test_one_sample_rejected(csvs):
    """Gene and metabolite CSVs sharing one sample -> DataError naming both files; an autoencoder on one sample refuses too."""
    folder, paths, genes, metab, _ = csvs
    genes[["s0"]].to_csv(paths["genes"])
    before = snapshot(folder)
    with pytest.raises(DataError, match=r"genes\.csv / .*metab\.csv: 1 sample\(s\) in common"):
        _load(paths)
    assert snapshot(folder) == before
    with pytest.raises(DataError, match="genes table: needs at least 2 samples"):
        mo.OmicsAE(name="genes").fit(np.ones((1, 5)))


def test_malformed_weights_yaml_names_the_file(csvs, tmp_path):
    """Malformed, unnormalised, mapping-less, unknown-evidence or absent weights YAML -> ConfigError naming the file or parameter."""
    bad = tmp_path / "w" / "weights.yaml"
    bad.parent.mkdir()
    bad.write_text("weights: {correlation: 0.5, autoencoder: [0.5\n")
    with pytest.raises(ConfigError, match=r"weights file .*weights\.yaml is not valid YAML at line"):
        mo.read_weights(weights_file=bad)
    bad.write_text("weights: {correlation: 0.5, autoencoder: 0.3}\n")
    with pytest.raises(ConfigError, match=r"weights file .*weights\.yaml: weights sum to 0\.8"):
        mo.read_weights(weights_file=bad)
    bad.write_text("correlation: 1.0\n")
    with pytest.raises(ConfigError, match=r"weights file .*weights\.yaml: no 'weights' mapping"):
        mo.read_weights(weights_file=bad)
    with pytest.raises(ConfigError, match=r"parameter `weights`: unknown evidence \['blast'\]"):
        mo.read_weights({"blast": 1.0})
    with pytest.raises(ConfigError, match=r"weights file .*missing\.yaml cannot be read"):
        mo.read_weights(weights_file=tmp_path / "missing.yaml")
    assert list(snapshot(bad.parent)) == ["weights.yaml"]


def test_non_finite_values_reach_no_model(csvs):
    """A non-finite value handed straight to the autoencoder -> DataError naming the table."""
    with pytest.raises(DataError, match=r"metabolites table: 1 non-finite values"):
        mo.OmicsAE(name="metabolites").fit(np.array([[1.0, np.inf], [0.0, 1.0], [2.0, 1.0]]))

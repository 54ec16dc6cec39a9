"""Bad inputs of the GENER (07) yeast loaders: wrong pair arrays, id tables, gold standards and expression
files each raise DataError naming the file; nothing is written next to them."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genenets import datasets
from genenets.data import yeast
from genenets.errors import ConfigError, DataError, DataUnavailable

from .conftest import snapshot

MODULE = "genenets.data.yeast"


@pytest.fixture
def files(tmp_path, monkeypatch):
    """Registry names served from tmp_path: a 4-gene id table, good pair files and gold standard."""
    ids = pd.DataFrame({"#ID": ["G1", "G2", "G3", "G4"], "Name": ["YA", "YB", "YC", "YD"]})
    ids.to_csv(tmp_path / "ids.tsv", sep="\t", index=False)
    np.save(tmp_path / "testing.npy", np.array([[0, 1, 1], [2, 3, 0]], float))
    np.save(tmp_path / "validation.npy", np.array([[0, 2, 1], [1, 3, 0]], float))
    (tmp_path / "gold.tsv").write_text("G1\tG2\t1\nG3\tG4\t0\n")
    paths = {yeast.GENE_IDS: "ids.tsv", yeast.GENER_PAIRS["testing"]: "testing.npy",
             yeast.GENER_PAIRS["validation"]: "validation.npy", yeast.GOLD_STANDARD: "gold.tsv",
             yeast.EXPRESSION: "expr.RData"}
    monkeypatch.setattr(yeast, "fetch", lambda name, **kw: tmp_path / paths[name])
    return tmp_path


def _unchanged(folder, before):
    assert snapshot(folder) == before


def test_good_files_load(files):
    """Well-formed tiny pair files and gold standard -> mapped to ORF names."""
    pairs = yeast.load_gener_pairs()
    assert pairs[["gene_a", "gene_b", "label"]].values.tolist()[0] == ["YA", "YB", 1]
    assert yeast.load_gold_standard()["gene_a"].tolist() == ["YA", "YC"]


def test_pair_file_with_two_columns(files):
    """GENER pair .npy of shape (n, 2) (labels missing) -> DataError naming the file and the shape."""
    np.save(files / "testing.npy", np.zeros((3, 2)))
    before = snapshot(files)
    with pytest.raises(DataError, match=r"gener_testing_pairs.npy: expected an array of shape \(n_pairs, 3\)"):
        yeast.load_gener_pairs()
    _unchanged(files, before)


def test_pair_file_index_out_of_range(files):
    """GENER pair index beyond the 4 genes of the id table -> DataError naming the file and the first bad row."""
    np.save(files / "validation.npy", np.array([[0, 4, 1]], float))
    before = snapshot(files)
    with pytest.raises(DataError, match=r"gener_validation_pairs.npy: 1 rows have gene indices outside 0..3"):
        yeast.load_gener_pairs()
    _unchanged(files, before)


def test_pair_file_with_label_2(files):
    """GENER pair label 2 -> DataError naming the file: labels must be 0 or 1."""
    np.save(files / "testing.npy", np.array([[0, 1, 2]], float))
    with pytest.raises(DataError, match="gener_testing_pairs.npy: labels must be 0 or 1"):
        yeast.load_gener_pairs()


def test_pair_file_of_text(files):
    """GENER pair file that holds text (an object array needing pickle) -> DataError naming the file."""
    np.save(files / "testing.npy", np.array([["a", "b", "c"]], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="gener_testing_pairs.npy: not a numeric .npy array"):
        yeast.load_gener_pairs()


def test_id_table_with_wrong_columns(files):
    """Network-4 id table without '#ID'/'Name' columns -> DataError naming the file and the columns found."""
    pd.DataFrame({"id": ["G1"], "orf": ["YA"]}).to_csv(files / "ids.tsv", sep="\t", index=False)
    with pytest.raises(DataError, match=r"net4_gene_ids.tsv: expected columns '#ID', 'Name'"):
        yeast.load_net4_gene_ids()


def test_id_table_out_of_order(files):
    """Network-4 ids not G1..Gn in order -> DataError: pair indices cannot be mapped."""
    pd.DataFrame({"#ID": ["G2", "G1"], "Name": ["YB", "YA"]}).to_csv(files / "ids.tsv", sep="\t", index=False)
    with pytest.raises(DataError, match="net4_gene_ids.tsv: ids are not G1..G2 in order"):
        yeast.load_net4_gene_ids()


def test_gold_standard_with_unknown_gene(files):
    """Gold standard row naming a gene absent from the id table -> DataError naming both files."""
    (files / "gold.tsv").write_text("G1\tG9\t1\n")
    with pytest.raises(DataError, match=r"GoldStandard_Network4.tsv: 1 rows name genes not in yeast/net4_gene_ids"):
        yeast.load_gold_standard()


def test_expression_file_that_is_not_rdata(files):
    """Expression file that is not an R data file -> a DataError or the reader's error, never a half-loaded matrix."""
    (files / "expr.RData").write_bytes(b"not an R file")
    with pytest.raises(Exception) as err:
        yeast.load_cell_cycle_expression()
    assert not isinstance(err.value, (KeyError, AttributeError))


def test_unknown_label_set():
    """label_sets=['biogrid'] for the yeast dataset -> ConfigError naming label_sets and the choices."""
    with pytest.raises(ConfigError, match=r"label_sets: unknown .*'biogrid'.*choose from \['gener', 'dream5'\]"):
        datasets.load("yeast", label_sets=["biogrid"])


def test_auto_falls_back_only_when_files_cannot_be_had(monkeypatch):
    """yeast files unavailable with auto=True -> simulator with a fallback sentence; a corrupt file -> DataError."""
    def unavailable(name, **kw):
        raise DataUnavailable(f"{name}: not in the mirror")

    monkeypatch.setattr(yeast, "fetch", unavailable)
    ds = datasets.load("yeast", auto=True, fallback_params=dict(n_genes=400, n_arrays=8, n_positive=300, seed=0))
    assert ds.name == "gener-simulated" and "could not be had" in ds.fallback
    with pytest.raises(DataUnavailable):
        datasets.load("yeast")  # without auto: no silent fallback

    def corrupt(name, **kw):
        raise DataError(f"{name}: sha256 check failed")

    monkeypatch.setattr(yeast, "fetch", corrupt)
    with pytest.raises(DataError, match="sha256"):
        datasets.load("yeast", auto=True, fallback_params=dict(n_genes=400, n_arrays=8, n_positive=300, seed=0))

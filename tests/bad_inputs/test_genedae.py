"""Bad inputs of the GeneDAE notebooks (01-02): a user's phenotype table and PLINK prefix, and the gene model.

Each case asserts the error class, that the message names the file (or parameter), and that nothing
half-written remains in the user's folder or the cache.
"""
from __future__ import annotations

import pandas as pd
import pytest

from genenets import datasets
from genenets.data import annotation as ann
from genenets.errors import DataError
from genenets.tools import genedae as gd

SAMPLES = ["s1", "s2", "s3", "s4"]


def _write(path, text):
    path.write_text(text)
    return path


def _folder_unchanged(folder, before):
    assert sorted(p.name for p in folder.iterdir()) == before, "a file was left behind"


@pytest.mark.parametrize("name, text, match", [
    ("no_id.csv", "person,T1D\ns1,1\ns2,0\ns3,0\ns4,1\n", "no sample id column"),
    ("dups.csv", "iid,T1D\ns1,1\ns1,0\ns2,0\ns3,0\ns4,1\n", "1 duplicated sample ids"),
    ("missing.csv", "iid,T1D\ns1,1\ns2,0\n", "2 of 4 genotyped samples have no phenotype"),
    ("values.csv", "iid,T1D\ns1,1\ns2,0\ns3,maybe\ns4,1\n", "must be 0/1"),
    ("blank.csv", "iid,T1D\ns1,1\ns2,0\ns3,\ns4,1\n", "must be 0/1"),
    ("one_class.csv", "iid,T1D\ns1,0\ns2,0\ns3,0\ns4,0\n", "only one class"),
    ("empty.csv", "", "cannot parse"),
])
def test_phenotype_file_errors_name_the_file(tmp_path, name, text, match):
    """Phenotype file without id column, duplicated ids, missing people, non-0/1 or blank values, one class, empty -> DataError naming the file; nothing written."""
    path = _write(tmp_path / name, text)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(DataError, match=match) as err:
        gd.load_phenotypes(path, SAMPLES)
    assert str(path) in str(err.value)
    _folder_unchanged(tmp_path, before)


def test_absent_disease_column_and_absent_file(tmp_path):
    """Phenotype file without the asked disease column, or absent -> DataError naming the file."""
    path = _write(tmp_path / "ok.tsv", "IID\tT1D\ns1\t1\ns2\t0\ns3\t0\ns4\t1\n")
    with pytest.raises(DataError, match="no column 'MS'") as err:
        gd.load_phenotypes(path, SAMPLES, diseases=["MS"])
    assert str(path) in str(err.value)
    with pytest.raises(DataError, match="phenotype file not found") as err:
        gd.load_phenotypes(tmp_path / "nope.csv", SAMPLES)
    assert "nope.csv" in str(err.value)
    assert gd.load_phenotypes(path, SAMPLES)["T1D"].tolist() == [1, 0, 0, 1]


def test_missing_plink_or_phenotype_files_are_named_before_reading(tmp_path):
    """A PLINK prefix missing its .bim, or an absent phenotype file -> DataError naming the file and plink_prefix, before reading."""
    prefix = tmp_path / "cohort"
    (tmp_path / "cohort.bed").write_bytes(b"")
    with pytest.raises(DataError, match="cohort.bim: file not found") as err:
        gd.user_files(str(prefix), "")
    assert "plink_prefix" in str(err.value)
    with pytest.raises(DataError, match="pheno.csv: file not found"):
        gd.user_files("", str(tmp_path / "pheno.csv"))
    with pytest.raises(DataError):
        datasets.load("plink", prefix=str(tmp_path / "absent"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort.bed"]


def test_duplicated_gene_names_are_counted_and_reported():
    """Duplicated gene names in the gene model -> counted and reported per gene (none in the real MHC model)."""
    gm = ann.load_ensembl_mhc()
    genes = pd.concat([gm.genes, gm.genes.loc[["HLA-B", "HLA-B", "TNF"]]])
    dup = gd.duplicated_genes(ann.GeneModel(genes, gm.features, gm.source))
    assert dup == {"HLA-B": 3, "TNF": 2}
    assert gd.duplicated_genes(gm) == {}


def test_unknown_or_ill_typed_key_of_a_genedae_group_stops_the_run_before_any_kernel():
    """-p training.epoch=3 (no such key) or -p training.epochs=many (not an int), or dataset 'ukbb' -> ConfigError
    naming the group, the key and the keys it has; no kernel starts."""
    from genenets import runner
    from genenets.errors import ConfigError
    from genenets.params import repo_root

    for name in ("01_genedae_embeddings", "02_genedae_gene_disease"):
        info = runner.describe(repo_root() / "notebooks" / f"{name}.ipynb")
        with pytest.raises(ConfigError, match=r"training of .*unknown keys \['epoch'\].*batch_size.*epochs"):
            runner.check_overrides(info, runner.parse_overrides(["training.epoch=3"]))
        with pytest.raises(ConfigError, match="training.epochs.*'many'"):
            runner.check_overrides(info, runner.parse_overrides(["training.epochs=many"]))
        runner.check_overrides(info, runner.parse_overrides(["training.epochs=3", "subgraphs.genes=[HLA-B]"]))
    with pytest.raises(ConfigError, match="'ukbb'.*mhc-cohort-simulated"):
        gd.load_dataset("ukbb")

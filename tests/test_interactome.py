import gzip

import pandas as pd
import pytest

from genenets.data import DataError, interactome


def test_edges_symbols_deduplicated_no_self_loops():
    edges = interactome.load_edges()
    assert edges.attrs["n_raw_edges"] == 141296
    assert edges.attrs["n_edges"] == len(edges) > 130000
    assert (edges["gene_a"] != edges["gene_b"]).all()
    assert not edges.duplicated(["gene_a", "gene_b"]).any()
    assert (edges["gene_a"] < edges["gene_b"]).all()
    graph = interactome.to_graph(edges)
    assert graph.has_edge("TP53", "MDM2")


def test_entrez_to_symbol_known_ids():
    mapping = interactome.entrez_to_symbol()
    assert mapping[7157] == "TP53" and mapping[79501] == "OR4F5"


def test_disease_genes_sets_and_counts():
    table = interactome.load_disease_genes()
    assert len(table) == 299
    ms = table.loc["multiple sclerosis"]
    assert {"IL7R", "PTPRC"} <= ms["omim"]
    assert ms["n_gwas"] == len(ms["gwas"]) > 50
    assert table.attrs["n_unmapped_genes"] > 0  # ids outside RefSeq protein-coding genes are counted


def test_disease_gene_set_errors():
    table = interactome.load_disease_genes()
    with pytest.raises(ValueError, match="empty gwas gene set"):
        interactome.disease_gene_set(table, "leukemia, myeloid, acute", "gwas")
    with pytest.raises(ValueError, match="unknown disease"):
        interactome.disease_gene_set(table, "no such disease")
    assert interactome.disease_gene_set(table, "leukemia, myeloid, acute", "all")


def test_bad_edge_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "edges.tsv"
    bad.write_text("# header\n1\tTP53\tliterature\n")
    with pytest.raises(DataError, match="integer Entrez ids"):
        interactome.load_edges(bad, symbols=False)


def test_bad_gtf_is_a_clear_error(tmp_path):
    bad = tmp_path / "x.gtf.gz"
    with gzip.open(bad, "wt") as fh:
        fh.write("chr1\tsrc\texon\t1\t2\t.\t+\t.\tgene_id \"A\";\n")
    with pytest.raises(DataError, match="no gene row"):
        interactome.entrez_to_symbol(bad)


def test_bad_disease_file(tmp_path):
    bad = tmp_path / "d.tsv"
    bad.write_text("asthma\t2\t1\t1\t7157\tTP53\n")
    with pytest.raises(DataError, match="integer Entrez ids"):
        interactome.load_disease_genes(bad)
    bad.write_text("asthma\t2\t1\t1\t7157\t1\t2\t3\n")
    with pytest.raises(DataError, match="tab-separated columns"):
        interactome.load_disease_genes(bad)

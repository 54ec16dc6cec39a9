"""ANNOVAR-style categories on a hand-made GTF, the adjacency A / A', and bad annotation input."""
import gzip

import numpy as np
import pytest

from genenets.data import DataError
from genenets.data import annotation as ann

# gene G1 (+ strand, coding): exons 1000-1100 and 1200-1300 and 1400-1500; CDS 1050-1100, 1200-1300, 1400-1450
# gene NC1 (lincRNA, - strand): one transcript with exons 5000-5100 and 5300-5400
GTF = """\
6\tx\tgene\t1000\t1500\t.\t+\t.\tgene_id "E1"; gene_name "G1"; gene_biotype "protein_coding";
6\tx\texon\t1000\t1100\t.\t+\t.\tgene_id "E1"; transcript_id "T1"; gene_name "G1"; gene_biotype "protein_coding";
6\tx\texon\t1200\t1300\t.\t+\t.\tgene_id "E1"; transcript_id "T1"; gene_name "G1"; gene_biotype "protein_coding";
6\tx\texon\t1400\t1500\t.\t+\t.\tgene_id "E1"; transcript_id "T1"; gene_name "G1"; gene_biotype "protein_coding";
6\tx\tCDS\t1050\t1100\t.\t+\t0\tgene_id "E1"; transcript_id "T1"; gene_name "G1"; gene_biotype "protein_coding";
6\tx\tCDS\t1200\t1300\t.\t+\t0\tgene_id "E1"; transcript_id "T1"; gene_name "G1"; gene_biotype "protein_coding";
6\tx\tCDS\t1400\t1450\t.\t+\t0\tgene_id "E1"; transcript_id "T1"; gene_name "G1"; gene_biotype "protein_coding";
6\tx\tgene\t5000\t5400\t.\t-\t.\tgene_id "E2"; gene_name "NC1"; gene_biotype "lincRNA";
6\tx\texon\t5000\t5100\t.\t-\t.\tgene_id "E2"; transcript_id "T2"; gene_name "NC1"; gene_biotype "lincRNA";
6\tx\texon\t5300\t5400\t.\t-\t.\tgene_id "E2"; transcript_id "T2"; gene_name "NC1"; gene_biotype "lincRNA";
6\tx\tgene\t90000\t91000\t.\t+\t.\tgene_id "E3"; gene_name "FAR"; gene_biotype "protein_coding";
6\tx\texon\t90000\t91000\t.\t+\t.\tgene_id "E3"; transcript_id "T3"; gene_name "FAR"; gene_biotype "protein_coding";
7\tx\tgene\t1000\t2000\t.\t+\t.\tgene_id "E4"; gene_name "OTHER"; gene_biotype "protein_coding";
"""


@pytest.fixture
def gtf(tmp_path):
    path = tmp_path / "toy.gtf.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(GTF)
    return path


def test_read_gtf_window_and_biotypes(gtf):
    gm = ann.read_gtf(gtf, "chr6", 1, 10_000)
    assert list(gm.genes.index) == ["G1", "NC1"]
    assert set(gm.features["gene"]) == {"G1", "NC1"}


def test_categories_follow_annovar(gtf):
    gm = ann.read_gtf(gtf, "6", 1, 100_000)
    positions = {1060: "exonic", 1020: "UTR5", 1470: "UTR3", 1150: "intronic", 1102: "splicing",
                 1198: "splicing", 1103: "intronic", 500: "upstream", 1900: "downstream",
                 5050: "ncRNA", 5200: "ncRNA", 5800: "upstream", 20_000: "intergenic"}
    res = ann.annotate_variants(list(positions), gm, flank=1000, splice=2, intergenic_distance=20_000)
    assert res["category"].tolist() == list(positions.values())
    assert res["genes"].iloc[-1] == ["NC1"]  # FAR is 70 kb away, beyond intergenic_distance
    res = ann.annotate_variants([20_000], gm, intergenic_distance=100_000)
    assert res["genes"].iloc[0] == ["NC1", "FAR"]


def test_adjacency_and_duplicated_rows(gtf):
    gm = ann.read_gtf(gtf, "6", 1, 100_000)
    res = ann.annotate_variants([1060, 1150, 5050, 300_000], gm, intergenic_distance=1000)
    graph = ann.variant_gene_adjacency(res, gm.genes.index)
    assert graph.genes == ["G1", "NC1"]
    assert graph.exclusions == {"genes_without_variants": 1, "variants_without_gene": 1}
    np.testing.assert_array_equal(graph.A.toarray(), [[1, 0], [1, 0], [0, 1]])
    Ap = graph.A_prime().toarray()
    assert Ap.shape == (6, 2)
    np.testing.assert_array_equal(Ap[0::2], graph.A.toarray())
    np.testing.assert_array_equal(Ap[1::2], graph.A.toarray())
    sub = graph.restrict("NC1")
    assert sub.A.shape == (1, 1) and sub.variant_index.tolist() == [2]
    table = ann.category_table(res)
    assert table["n_variants"].sum() == 4


def test_gtf_without_genes_in_window(gtf):
    with pytest.raises(DataError, match="no gene"):
        ann.read_gtf(gtf, "6", 200_000, 300_000)
    with pytest.raises(DataError, match="no gene"):
        ann.read_gtf(gtf, "X", 1, 10_000)


def test_gene_rows_only_annotate_as_genic(tmp_path):
    path = tmp_path / "genes.gtf"
    path.write_text(GTF.splitlines()[0] + "\n")
    gm = ann.read_gtf(path, "6")
    res = ann.annotate_variants([1200, 800], gm)
    assert res["category"].tolist() == ["genic", "upstream"]


def test_refseq_chromosome_names():
    assert ann._chrom_name("NC_000006.11") == "6" and ann._chrom_name("chrX") == "X"
    assert ann._chrom_name("NC_000023.10") == "X"


def test_ensembl_mhc_graph_from_registry():
    gm = ann.load_ensembl_mhc()
    assert {"HLA-DQA2", "LY6G5B", "HLA-B"} <= set(gm.genes.index)
    assert 150 < len(gm.genes) < 300

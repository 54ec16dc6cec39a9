"""Genome-wide graph on a small synthetic GTF, and streamed GeneDAE training: checkpoint resume equal to
an uninterrupted run, one weight per graph edge, embeddings of the right shape."""
import gzip
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from genenets.data import annotation as ann
from genenets.data.registry import DataError
from genenets.simulate.genomewide import simulate_genomewide
from genenets.tools import scale

GTF_GENES = [  # seqname, start, end, strand, name
    ("NC_000001.10", 1_000, 5_000, "+", "AAA1"),
    ("NC_000001.10", 4_000, 9_000, "-", "BBB2"),
    ("NC_000001.10", 300_000, 310_000, "+", "FAR1"),
    ("NC_000002.11", 2_000, 6_000, "+", "CCC3"),
    ("NC_000023.10", 10_000, 20_000, "+", "PAR1"),
    ("NC_000024.9", 10_000, 20_000, "+", "PAR1"),
    ("NT_113891.2", 1_000, 5_000, "+", "ALT1"),
]


def _gtf(path):
    with gzip.open(path, "wt") as fh:
        fh.write("#gtf-version 2.2\n")
        for seq, s, e, strand, name in GTF_GENES:
            fh.write(f'{seq}\tBestRefSeq\tgene\t{s}\t{e}\t.\t{strand}\t.\tgene_id "{name}"; transcript_id ""; '
                     f'gene_name "{name}"; gene_biotype "protein_coding";\n')
    return path


@pytest.fixture(scope="module")
def gtf(tmp_path_factory):
    return _gtf(tmp_path_factory.mktemp("gtf") / "genes.gtf.gz")


def test_gene_models_per_chromosome_skip_alt_contigs(gtf):
    models = scale.genome_gene_models(gtf)
    assert list(models) == ["1", "2", "X", "Y"]
    assert list(models["1"].genes.index) == ["AAA1", "BBB2", "FAR1"]
    table = scale.genome_gene_table(gtf)
    assert len(table) == 6 and "ALT1" not in set(table["gene"])
    with pytest.raises(DataError, match="no gene on chromosomes"):
        scale.genome_gene_models(gtf, chromosomes=("MT",))


def test_genomewide_graph_equals_per_chromosome_annotation(gtf):
    variants = pd.DataFrame({"chrom": ["1", "1", "1", "2", "3", "1", "X", "Y", "2"],
                             "pos": [1_500, 4_500, 150_000, 2_500, 100, 8_000, 15_000, 15_000, 500_000]})
    graph = scale.genomewide_graph(variants, scale.genome_gene_models(gtf))
    # chromosome 1 by itself, with the annotation module's own functions
    models = scale.genome_gene_models(gtf)
    chr1 = np.flatnonzero(variants["chrom"] == "1")
    ref = ann.variant_gene_adjacency(ann.annotate_variants(variants["pos"][chr1], models["1"]),
                                     models["1"].genes.index)
    rows = np.isin(graph.variant_index, chr1)
    cols = [graph.genes.index(g) for g in ref.genes]
    np.testing.assert_array_equal(graph.A[rows][:, cols].toarray(), ref.A.toarray())
    np.testing.assert_array_equal(graph.variant_index[rows], chr1[ref.variant_index])
    assert np.all(np.diff(graph.variant_index) > 0)
    # the X/Y gene of the same name becomes two columns; chromosome 3 has no genes; 150 kb is too far
    assert {"PAR1@X", "PAR1@Y"} <= set(graph.genes) and "PAR1" not in graph.genes
    assert graph.exclusions["variants_on_chromosomes_without_genes"] == 1
    assert graph.exclusions["variants_without_gene"] == 2  # chr1:150,000 and chr2:500,000
    assert 4 not in graph.variant_index and 2 not in graph.variant_index
    assert graph.A.shape == (6, 5) and graph.exclusions["genes_without_variants"] == 1  # FAR1
    with pytest.raises(DataError, match="no variant is annotated"):
        scale.genomewide_graph(pd.DataFrame({"chrom": ["3"], "pos": [1]}), models)
    with pytest.raises(ValueError, match="'chrom' and 'pos'"):
        scale.genomewide_graph(pd.DataFrame({"pos": [1]}), models)


@pytest.fixture(scope="module")
def cache_root(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    d = tmp_path_factory.mktemp("cache")
    mp.setenv("GENENETS_CACHE_DIR", str(d))
    yield d
    mp.undo()


@pytest.fixture(scope="module")
def small_genome(tmp_path_factory, gtf, cache_root):
    d = tmp_path_factory.mktemp("genome")
    genes = scale.genome_gene_table(gtf)
    genome = simulate_genomewide(n_samples=40, n_variants=60, genes=genes, ld_block_size=6, chunk_variants=24,
                                 seed=2, prefix=d / "g")
    graph = scale.graph_for_plink(genome.prefix, gtf=gtf)
    return genome, graph


def test_graph_for_plink_is_cached_by_content_and_indexes_the_bim(small_genome, gtf, cache_root, tmp_path):
    genome, graph = small_genome
    assert len(list((cache_root / "genomewide_graph").glob("*.joblib"))) == 1
    again = scale.graph_for_plink(genome.prefix, gtf=gtf)
    assert (again.A != graph.A).nnz == 0 and again.genes == graph.genes
    # the same .bim in another folder is a cache hit; a .bim with other positions is not
    import shutil

    for ext in (".bed", ".bim", ".fam"):
        shutil.copy(f"{genome.prefix}{ext}", tmp_path / f"{genome.prefix.name}{ext}")
    copy = tmp_path / genome.prefix.name
    scale.graph_for_plink(copy, gtf=gtf)
    assert len(list((cache_root / "genomewide_graph").glob("*.joblib"))) == 1
    bim = pd.read_csv(f"{copy}.bim", sep="\t", header=None)
    bim[3] = bim[3] + 250_000  # every variant moved far from its gene
    bim.to_csv(f"{copy}.bim", sep="\t", header=False, index=False)
    moved = scale.graph_for_plink(copy, gtf=gtf)
    assert len(list((cache_root / "genomewide_graph").glob("*.joblib"))) == 2
    assert moved.A.shape != graph.A.shape or (moved.A != graph.A).nnz > 0
    np.testing.assert_array_equal(again.variant_index, graph.variant_index)
    assert graph.A.shape[1] == 6  # every gene got a variant in its body
    assert graph.variant_index.max() < genome.n_variants


def _fit(genome, graph, tmp_path, epochs, checkpoint=None):
    return scale.StreamingGeneDAE(epochs=epochs, batch_size=8, block_size=16, lr=1e-2, seed=3,
                                  checkpoint=checkpoint, n_threads=1).fit(genome.prefix, graph)


def test_interrupted_streamed_run_resumes_to_the_same_result(small_genome, tmp_path):
    genome, graph = small_genome
    full = _fit(genome, graph, tmp_path, epochs=4)
    ckpt = tmp_path / "ckpt.pt"
    _fit(genome, graph, tmp_path, epochs=2, checkpoint=ckpt)  # "interrupted" after epoch 2
    resumed = _fit(genome, graph, tmp_path, epochs=4, checkpoint=ckpt)
    assert len(resumed.history_.train_loss) == 4
    np.testing.assert_allclose(resumed.history_.train_loss, full.history_.train_loss, rtol=1e-6)
    for name, p in full.model_.state_dict().items():
        torch.testing.assert_close(resumed.model_.state_dict()[name], p, rtol=1e-6, atol=1e-7)
    assert full.history_.train_loss[-1] < full.history_.train_loss[0]


def test_streamed_model_has_one_weight_per_edge_and_embeds_every_sample(small_genome, tmp_path):
    genome, graph = small_genome
    model = _fit(genome, graph, tmp_path, epochs=1)
    assert model.model_.encoder.n_edges == 2 * graph.A.nnz  # two bits per variant, one weight per (bit, gene)
    emb = model.transform(genome.prefix)
    assert emb.shape == (genome.n_samples, len(graph.genes)) and np.all(emb >= 0)
    sub = model.transform(genome.prefix, sample_index=[5, 1])
    np.testing.assert_allclose(sub, emb[[5, 1]], rtol=1e-5, atol=1e-6)
    score = model.score(genome.prefix)
    assert 0 < score < np.log(2) * 1.5


def test_csr_layer_matches_sparse_masked_layer_in_outputs_and_gradients():
    from genenets.models.genedae import GeneDAE
    from genenets.models.masked import SparseMaskedLinear

    rng = np.random.default_rng(0)
    mask = (rng.random((30, 7)) < 0.2).astype(np.float32)
    mask[0, :] = 1  # an input with every output, and outputs without inputs below
    mask[:, 5] = 0
    torch.manual_seed(1)
    ref = SparseMaskedLinear(mask)
    fast = scale.CSRMaskedLinear.from_layer(ref)
    x = torch.randn(4, 30, dtype=torch.float32)
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    y1, y2 = ref(x1), fast(x2)
    torch.testing.assert_close(y2, y1, rtol=1e-5, atol=1e-6)
    g = torch.randn_like(y1)
    (y1 * g).sum().backward()
    (y2 * g).sum().backward()
    torch.testing.assert_close(x2.grad, x1.grad, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(fast.weight.grad, ref.weight.grad, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(fast.bias.grad, ref.bias.grad)
    assert set(fast.state_dict()) == set(ref.state_dict())  # CSR structure is derived, not saved
    with pytest.raises(ValueError, match="expected 30 input features"):
        fast(torch.zeros(2, 29))
    # the genome-wide model from a seed has GeneDAE's weights
    A = ann.duplicate_rows((rng.random((12, 4)) < 0.4).astype(np.float32))
    torch.manual_seed(2)
    plain = GeneDAE(A)
    torch.manual_seed(2)
    wide = scale.GenomewideGeneDAE(A)
    for name, p in plain.state_dict().items():
        torch.testing.assert_close(wide.state_dict()[name], p)
    plain.eval(), wide.eval()
    xb = torch.bernoulli(torch.full((3, 24), 0.4))
    torch.testing.assert_close(wide(xb), plain(xb), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_two_gloo_processes_follow_the_one_process_loss_curve(small_genome, gtf, tmp_path):
    """torchrun, 2 CPU processes with batch 8 each = 1 process with batch 16 (no input noise, whose draws
    differ per process); rank 0 builds the graph, the other rank reads it from the cache (GENENETS_CACHE_DIR)."""
    genome, _ = small_genome
    common = ["train", "--prefix", str(genome.prefix), "--gtf", str(gtf), "--epochs", "3", "--lr", "0.01",
              "--block-size", "16", "--noise-std", "0", "--threads", "1", "--seed", "4"]
    one = subprocess.run([sys.executable, "-m", "genenets.tools.scale", *common, "--batch-size", "16",
                          "--out", str(tmp_path / "one.pt")], check=True, capture_output=True, text=True, timeout=120)
    two = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                          "-m", "genenets.tools.scale", *common, "--batch-size", "8", "--out", str(tmp_path / "two.pt")],
                         check=True, capture_output=True, text=True, timeout=300)
    a = json.loads(one.stdout.strip().splitlines()[-1])
    b = json.loads(two.stdout.strip().splitlines()[-1])
    assert a["world_size"] == 1 and b["world_size"] == 2
    assert a["train_loss"][-1] < a["train_loss"][0]
    np.testing.assert_allclose(b["train_loss"], a["train_loss"], rtol=1e-4)
    w1 = torch.load(tmp_path / "one.pt", weights_only=False)["state_dict"]
    w2 = torch.load(tmp_path / "two.pt", weights_only=False)["state_dict"]
    for name in w1:
        torch.testing.assert_close(w2[name], w1[name], rtol=1e-4, atol=1e-5)


def test_overview_figure_counts_variants_and_genes_per_chromosome(small_genome):
    genome, graph = small_genome
    fig = scale.overview_figure(graph, genome.prefix)
    bars, _, hist = fig.axes[0], fig.axes[1], fig.axes[2]
    labels = [t.get_text() for t in bars.get_xticklabels()]
    assert labels == ["1", "2", "X", "Y"]
    heights = [p.get_height() for p in bars.patches]
    assert sum(heights) == graph.A.shape[0]  # variant bars add up to the graph's variants
    assert f"{graph.A.shape[1]:,} genes" in fig._suptitle.get_text()
    assert sum(p.get_height() for p in hist.patches) == graph.A.shape[1]


def test_genomewide_epoch_reports_sizes_and_memory(small_genome, gtf):
    genome, graph = small_genome
    out = scale.genomewide_epoch(genome.prefix, batch_size=8, block_size=16, n_threads=1, graph_cache=False, gtf=gtf)
    assert (out["n_samples"], out["n_variants_file"]) == (40, 60)
    assert (out["n_variants_graph"], out["n_genes"]) == graph.A.shape
    assert out["n_edges_per_layer"] == 2 * graph.A.nnz and out["inputs_2m"] == 2 * graph.A.shape[0]
    assert out["peak_rss_mb"] >= out["peak_rss_after_graph_mb"] > 0
    assert np.isfinite(out["final_train_loss"])

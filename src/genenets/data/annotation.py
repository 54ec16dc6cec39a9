"""Gene annotation (GTF) and the variant-to-gene graph of GeneDAE.

:func:`read_gtf` reads an Ensembl or RefSeq GTF (gzipped or not) restricted to a window;
:func:`annotate_variants` assigns each variant one functional category the way ANNOVAR's
gene-based annotation does (default precedence ``exonic = splicing > ncRNA > UTR5 = UTR3 >
intronic > upstream = downstream > intergenic``; a variant keeps every gene that reaches its best
category, and an intergenic variant is mapped to its nearest flanking genes within
``intergenic_distance``); :func:`variant_gene_adjacency` builds the sparse ``m x n`` matrix ``A``
and :func:`duplicate_rows` the ``2m x n`` matrix ``A'`` that matches the two-bit genotype encoding.
"""
from __future__ import annotations

import gzip
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .. import cache
from .registry import DataError, fetch

ENSEMBL_CHR6 = "annotation/Homo_sapiens.GRCh37.75.chr6.gtf.gz"
REFSEQ_GENOME = "annotation/GRCh37_latest_genomic.protein_coding.gtf.gz"

#: Gene biotypes kept by default: protein-coding and long non-coding genes (no pseudogenes, no
#: small RNAs). In the Ensembl 75 MHC window this gives about as many genes as the paper's 239.
DEFAULT_BIOTYPES = ("protein_coding", "lincRNA", "antisense", "processed_transcript", "sense_intronic",
                    "sense_overlapping", "3prime_overlapping_ncrna")

#: ANNOVAR's precedence of categories (lower wins). ``genic`` is used for genes whose GTF has no
#: exon rows (the registry's RefSeq file holds gene rows only): inside the gene body, structure unknown.
PRECEDENCE = {"exonic": 0, "splicing": 0, "ncRNA": 1, "UTR5": 2, "UTR3": 2, "intronic": 3,
              "genic": 3, "upstream": 4, "downstream": 4, "intergenic": 5}
CATEGORIES = list(PRECEDENCE)

_GTF_COLUMNS = ["seqname", "source", "feature", "start", "end", "score", "strand", "frame", "attributes"]


def _chrom_name(seqname: str) -> str:
    """``chr6`` / ``6`` / RefSeq ``NC_000006.11`` -> ``6`` (23 -> X, 24 -> Y)."""
    m = re.fullmatch(r"NC_0000(\d\d)\.\d+", seqname)
    if m:
        return {23: "X", 24: "Y"}.get(int(m.group(1)), str(int(m.group(1))))
    return re.sub("^chr", "", seqname, flags=re.I)


def _attr(attrs: pd.Series, key: str) -> pd.Series:
    return attrs.str.extract(rf'{key} "([^"]*)"', expand=False)


@dataclass
class GeneModel:
    """Genes of a window and their transcript features (1-based inclusive coordinates).

    Attributes
    ----------
    genes : DataFrame indexed by gene name: ``chrom, start, end, strand, biotype, gene_id``
    features : DataFrame of ``exon``/``CDS`` rows: ``gene, transcript, feature, start, end``
    source : str
    """

    genes: pd.DataFrame
    features: pd.DataFrame
    source: str = ""
    exclusions: dict = field(default_factory=dict)


def read_gtf(path, chrom: str = "6", start: int | None = None, end: int | None = None,
             biotypes=DEFAULT_BIOTYPES) -> GeneModel:
    """Genes overlapping ``chrom:start-end`` and their exons/CDS.

    Genes with the same name (e.g. two TAP2 records) are merged. ``biotypes=None`` keeps all.

    Raises
    ------
    DataError
        Unreadable file, or no gene of the wanted biotypes in the window.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    chrom = _chrom_name(str(chrom))
    try:
        with opener(path, "rt") as fh:
            df = pd.read_csv(fh, sep="\t", comment="#", header=None, names=_GTF_COLUMNS,
                             dtype={"seqname": str, "start": np.int64, "end": np.int64},
                             usecols=range(9))
    except (OSError, ValueError, pd.errors.ParserError, EOFError) as err:
        raise DataError(f"{path}: cannot be read as a GTF ({err})") from err
    df = df[df["feature"].isin(["gene", "exon", "CDS"])]
    df = df[df["seqname"].map(_chrom_name) == chrom]
    if start is not None:
        df = df[(df["end"] >= start) & (df["start"] <= end)]
    genes = df[df["feature"] == "gene"].copy()
    genes["gene"] = _attr(genes["attributes"], "gene_name").fillna(_attr(genes["attributes"], "gene_id"))
    genes["gene_id"] = _attr(genes["attributes"], "gene_id")
    genes["biotype"] = _attr(genes["attributes"], "gene_biotype")
    n_all = genes["gene"].nunique()
    if biotypes is not None:
        genes = genes[genes["biotype"].isin(biotypes)]
    where = f"chr{chrom}" + (f":{start:,}-{end:,}" if start is not None else "")
    if genes.empty:
        raise DataError(f"{path}: no gene{'' if biotypes is None else ' of biotypes ' + ', '.join(biotypes)} "
                        f"in {where} ({n_all} genes of any biotype there); check the chromosome names and the build")
    genes = (genes.groupby("gene", sort=False)
             .agg(chrom=("seqname", lambda s: chrom), start=("start", "min"), end=("end", "max"),
                  strand=("strand", "first"), biotype=("biotype", "first"), gene_id=("gene_id", "first"))
             .sort_values("start"))
    feats = df[df["feature"].isin(["exon", "CDS"])].copy()
    feats["gene"] = _attr(feats["attributes"], "gene_name").fillna(_attr(feats["attributes"], "gene_id"))
    feats["transcript"] = _attr(feats["attributes"], "transcript_id")
    feats = feats[feats["gene"].isin(genes.index)][["gene", "transcript", "feature", "start", "end"]]
    return GeneModel(genes, feats.reset_index(drop=True), str(path),
                     {"genes_other_biotypes": int(n_all - len(genes))})


def load_ensembl_mhc(start: int = 28_477_797, end: int = 33_448_355, biotypes=DEFAULT_BIOTYPES) -> GeneModel:
    """Ensembl 75 (GRCh37) genes of the MHC window from the registry."""
    return read_gtf(fetch(ENSEMBL_CHR6), "6", start, end, biotypes)


def _transcript_categories(pos: np.ndarray, feature: np.ndarray, fstart: np.ndarray, fend: np.ndarray,
                           span_only: bool, strand: str, coding_gene: bool, flank: int, splice: int) -> np.ndarray:
    """Category of each position for one transcript (``""`` = not hit).

    ``feature, fstart, fend``: the transcript's ``exon``/``CDS`` rows as arrays. ``span_only``: the
    "transcript" is a gene body without exon structure.
    """
    cat = np.full(len(pos), "", dtype=object)
    if span_only:
        s, e = fstart.min(), fend.max()
        before, after = (pos >= s - flank) & (pos < s), (pos > e) & (pos <= e + flank)
        cat[after if strand == "-" else before] = "upstream"
        cat[before if strand == "-" else after] = "downstream"
        cat[(pos >= s) & (pos <= e)] = "genic"
        return cat
    is_exon = feature == "exon"
    if not is_exon.any():
        is_exon = feature == "CDS"
    if not is_exon.any():
        return cat
    order = np.argsort(fstart[is_exon], kind="stable")
    starts, ends = fstart[is_exon][order], fend[is_exon][order]
    t0, t1 = starts.min(), ends.max()
    in_exon = ((pos[:, None] >= starts) & (pos[:, None] <= ends)).any(axis=1)
    # intronic side of internal junctions (acceptor before an exon start, donor after an exon end)
    near_junction = (((pos[:, None] >= starts[1:] - splice) & (pos[:, None] < starts[1:])).any(axis=1)
                     | ((pos[:, None] > ends[:-1]) & (pos[:, None] <= ends[:-1] + splice)).any(axis=1))
    in_tx = (pos >= t0) & (pos <= t1)
    up = ((pos >= t0 - flank) & (pos < t0)) if strand == "+" else ((pos > t1) & (pos <= t1 + flank))
    down = ((pos > t1) & (pos <= t1 + flank)) if strand == "+" else ((pos >= t0 - flank) & (pos < t0))
    cat[down] = "downstream"
    cat[up] = "upstream"
    cat[in_tx & ~in_exon] = "intronic"
    is_cds = feature == "CDS"
    if is_cds.any() and coding_gene:
        cs, ce = fstart[is_cds], fend[is_cds]
        in_cds = ((pos[:, None] >= cs) & (pos[:, None] <= ce)).any(axis=1)
        utr = in_exon & ~in_cds
        five = (pos < cs.min()) if strand == "+" else (pos > ce.max())
        cat[utr & five] = "UTR5"
        cat[utr & ~five] = "UTR3"
        cat[in_cds] = "exonic"
        cat[in_tx & ~in_exon & near_junction] = "splicing"
    else:  # non-coding transcript: ANNOVAR's ncRNA_exonic / ncRNA_intronic / ncRNA_splicing
        cat[in_tx] = "ncRNA"
    return cat


def annotate_variants(positions, gene_model: GeneModel, flank: int = 1000, splice: int = 2,
                      intergenic_distance: int = 100_000) -> pd.DataFrame:
    """ANNOVAR-style gene-based annotation of variants.

    Parameters
    ----------
    positions : int array of shape (m,)
        1-based positions on the gene model's chromosome (same build).
    gene_model : GeneModel
    flank : int
        Upstream/downstream distance (ANNOVAR: 1 kb).
    splice : int
        Intronic positions within this many bp of an exon/intron junction are ``splicing``.
    intergenic_distance : int
        An intergenic variant maps to the nearest gene on each side if it is at most this far.

    Returns
    -------
    DataFrame with m rows: ``pos``, ``category``, ``genes`` (list of gene names; empty for an
    intergenic variant with no gene within ``intergenic_distance``).
    """
    pos = np.asarray(positions, dtype=np.int64)
    order = np.argsort(pos, kind="stable")
    sorted_pos = pos[order]
    best = np.full(len(pos), 99)
    hits: dict[int, list[str]] = {}
    by_gene = dict(tuple(gene_model.features.groupby("gene")))
    for gene, g in gene_model.genes.iterrows():
        lo = np.searchsorted(sorted_pos, g["start"] - flank)
        hi = np.searchsorted(sorted_pos, g["end"] + flank, side="right")
        if hi <= lo:
            continue
        idx = order[lo:hi]
        p = pos[idx]
        gene_best = np.full(len(idx), 99)
        gene_cat = np.full(len(idx), "", dtype=object)
        transcripts = by_gene.get(gene)
        if transcripts is None:  # gene rows only: the whole span as one exon-less "transcript"
            tx_arrays = [(np.array(["exon"]), np.array([g["start"]]), np.array([g["end"]]), True)]
        else:
            tx_arrays = [(tx["feature"].to_numpy(), tx["start"].to_numpy(), tx["end"].to_numpy(), False)
                         for _, tx in transcripts.groupby("transcript")]
        for feature, fstart, fend, span_only in tx_arrays:
            cat = _transcript_categories(p, feature, fstart, fend, span_only, g["strand"],
                                         g["biotype"] == "protein_coding", flank, splice)
            rank = np.array([PRECEDENCE.get(c, 99) for c in cat])
            better = rank < gene_best
            gene_best[better], gene_cat[better] = rank[better], cat[better]
        for i, r, c in zip(idx, gene_best, gene_cat):
            if r > 90:
                continue
            if r < best[i]:
                best[i], hits[i] = r, [(gene, c)]
            elif r == best[i]:
                hits[i].append((gene, c))
    categories, gene_lists = [], []
    gstart, gend = gene_model.genes["start"].to_numpy(), gene_model.genes["end"].to_numpy()
    names = gene_model.genes.index.to_numpy()
    for i, p in enumerate(pos):
        if i in hits:
            cats = [c for _, c in hits[i]]
            # at equal precedence ANNOVAR prints e.g. "exonic;splicing" / "upstream;downstream": keep the first
            categories.append(min(cats, key=CATEGORIES.index))
            gene_lists.append(sorted({g for g, _ in hits[i]}))
            continue
        near = []
        left = np.flatnonzero(gend < p)
        if len(left):
            j = left[np.argmax(gend[left])]
            if p - gend[j] <= intergenic_distance:
                near.append(names[j])
        right = np.flatnonzero(gstart > p)
        if len(right):
            j = right[np.argmin(gstart[right])]
            if gstart[j] - p <= intergenic_distance:
                near.append(names[j])
        categories.append("intergenic")
        gene_lists.append(near)
    return pd.DataFrame({"pos": pos, "category": categories, "genes": gene_lists})


def category_table(annotation: pd.DataFrame) -> pd.DataFrame:
    """Number and fraction of variants per category, in ANNOVAR's order."""
    counts = annotation["category"].value_counts().reindex(CATEGORIES, fill_value=0)
    return pd.DataFrame({"category": counts.index, "n_variants": counts.to_numpy(),
                         "fraction": counts.to_numpy() / max(len(annotation), 1)})


@dataclass
class VariantGeneGraph:
    """The bipartite variant-gene graph.

    Attributes
    ----------
    A : scipy.sparse.csr_matrix of shape (m, n), 0/1
        ``A[j, k] = 1`` when variant ``j`` is annotated to gene ``k``.
    genes : list of n gene names (genes with at least one variant)
    variant_index : int array of shape (m,)
        Rows of the original variant table kept (variants mapped to at least one gene).
    exclusions : dict
        ``genes_without_variants`` and ``variants_without_gene`` (dropped, counted).
    """

    A: sp.csr_matrix
    genes: list
    variant_index: np.ndarray
    exclusions: dict

    @property
    def snps_per_gene(self) -> pd.Series:
        return pd.Series(np.asarray(self.A.sum(axis=0)).ravel(), index=self.genes, name="n_variants")

    def A_prime(self) -> sp.csr_matrix:
        """The ``2m x n`` adjacency matching the two-bit encoding (see :func:`duplicate_rows`)."""
        return duplicate_rows(self.A)

    def restrict(self, genes) -> "VariantGeneGraph":
        """Subgraph of a gene (or gene set): its columns and the variants mapped to it.

        ``variant_index`` of the result indexes the same original variant table.
        """
        genes = [genes] if isinstance(genes, str) else list(genes)
        missing = [g for g in genes if g not in self.genes]
        if missing:
            raise ValueError(f"genes not in the graph: {missing}")
        cols = [self.genes.index(g) for g in genes]
        sub = self.A[:, cols]
        rows = np.flatnonzero(np.asarray(sub.sum(axis=1)).ravel() > 0)
        return VariantGeneGraph(sub[rows].tocsr(), genes, self.variant_index[rows], {})


def variant_gene_adjacency(annotation: pd.DataFrame, genes=None) -> VariantGeneGraph:
    """Build ``A`` from :func:`annotate_variants` output.

    Genes with no variant are dropped and counted; variants mapped to no gene (intergenic and far
    from any gene) are dropped and counted.
    """
    all_genes = list(genes) if genes is not None else sorted({g for gl in annotation["genes"] for g in gl})
    col = {g: k for k, g in enumerate(all_genes)}
    rows, cols = [], []
    for j, gl in enumerate(annotation["genes"]):
        for g in gl:
            if g in col:
                rows.append(j)
                cols.append(col[g])
    A = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(annotation), len(all_genes)))
    gene_ok = np.asarray(A.sum(axis=0)).ravel() > 0
    var_ok = np.asarray(A.sum(axis=1)).ravel() > 0
    if not gene_ok.any():
        raise DataError("no variant is annotated to any gene: are the variants and the GTF on the same "
                        "chromosome and build?")
    A = A[var_ok][:, gene_ok].tocsr()
    kept = [g for g, ok in zip(all_genes, gene_ok) if ok]
    return VariantGeneGraph(A, kept, np.flatnonzero(var_ok),
                            {"genes_without_variants": int((~gene_ok).sum()),
                             "variants_without_gene": int((~var_ok).sum())})


def duplicate_rows(A) -> sp.csr_matrix:
    """``A'`` of shape (2m, n): rows ``2j`` and ``2j+1`` are row ``j`` of ``A`` (one per encoded bit)."""
    return sp.kron(sp.csr_matrix(A), np.ones((2, 1), dtype=np.float32), format="csr")


# ----------------------------------------------------------------------------------------------
# genome-wide gene table and graph (used by genenets.simulate.genomewide and genenets.tools.scale)

#: Chromosomes of the genome-wide graph (RefSeq ``NC_`` accessions; alt loci / patches are left out).
GENOME_CHROMOSOMES = tuple([str(c) for c in range(1, 23)] + ["X", "Y"])


def genome_gene_models(path=None, chromosomes=GENOME_CHROMOSOMES, biotypes=DEFAULT_BIOTYPES) -> dict:
    """Gene models of every chromosome of a genome-wide GTF, read with ``annotation.read_gtf``.

    The (gzipped) GTF is split by chromosome in one pass, then each part goes through ``read_gtf``
    so that gene merging, biotype filters and chromosome naming are exactly those of the MHC analyses.

    Parameters
    ----------
    path : GTF path, optional
        Default: the registry's ``annotation/GRCh37_latest_genomic.protein_coding.gtf.gz``.
    chromosomes : chromosome names to keep (``NC_000006.11``, ``chr6`` and ``6`` all mean ``6``)
    biotypes : passed to ``read_gtf``

    Returns
    -------
    dict chromosome -> GeneModel, in ``chromosomes`` order, chromosomes without genes left out.

    Raises
    ------
    DataError
        Unreadable file, or no gene on any of ``chromosomes``.

    Notes
    -----
    Content-keyed in :mod:`genenets.cache` (the GTF by its sha256): replacing the file gives new models.
    """
    path = Path(path) if path is not None else fetch(REFSEQ_GENOME)
    if not path.is_file():
        raise DataError(f"{path}: GTF not found")
    chromosomes = tuple(str(c) for c in chromosomes)
    biotypes = tuple(biotypes) if biotypes is not None else None
    memo = cache.key(path, chromosomes, biotypes)  # by content; the sha256 is computed once per process
    if memo not in _GENE_MODELS_MEMO:
        _GENE_MODELS_MEMO[memo] = _genome_gene_models(path, chromosomes, biotypes)
    return _GENE_MODELS_MEMO[memo]


_GENE_MODELS_MEMO: dict = {}  # in-process copies of cache entries (notebook 00 asks several times)


@cache.cached(version=1)
def _genome_gene_models(path: Path, chromosomes: tuple, biotypes) -> dict:
    """:func:`genome_gene_models` computed (content-keyed in ``genenets.cache``: the GTF by its sha256)."""
    wanted = {str(c) for c in chromosomes}
    opener = gzip.open if path.suffix == ".gz" else open
    parts: dict[str, list[str]] = {}
    try:
        with opener(path, "rt") as fh:
            for line in fh:
                if line.startswith("#") or not line.strip():
                    continue
                chrom = _chrom_name(line.split("\t", 1)[0])
                if chrom in wanted:
                    parts.setdefault(chrom, []).append(line)
    except (OSError, EOFError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: cannot be read as a GTF ({err})") from err
    models = {}
    with tempfile.TemporaryDirectory() as tmp:
        for chrom in chromosomes:
            lines = parts.get(str(chrom))
            if not lines:
                continue
            part = Path(tmp) / f"chr{chrom}.gtf"
            part.write_text("".join(lines))
            try:
                model = read_gtf(part, chrom, biotypes=biotypes)
            except DataError:  # no gene of the wanted biotypes on this chromosome
                continue
            model.source = f"{path} (chr{chrom})"
            models[str(chrom)] = model
    if not models:
        raise DataError(f"{path}: no gene on chromosomes {', '.join(map(str, chromosomes))}; "
                        f"check the chromosome names (NC_ accessions, chrN or N)")
    return models


def genome_gene_table(path=None, chromosomes=GENOME_CHROMOSOMES) -> pd.DataFrame:
    """One row per gene genome-wide: ``gene, chrom, start, end, strand`` (chromosome order, then start)."""
    models = genome_gene_models(path, chromosomes)
    frames = [m.genes.reset_index()[["gene", "chrom", "start", "end", "strand"]] for m in models.values()]
    return pd.concat(frames, ignore_index=True)


def genomewide_graph(variants: pd.DataFrame, gene_models: dict | None = None, flank: int = 1000, splice: int = 2,
                     intergenic_distance: int = 100_000, progress: bool = False) -> VariantGeneGraph:
    """The variant-to-gene graph of all chromosomes, one chromosome at a time.

    Parameters
    ----------
    variants : DataFrame with ``chrom`` (str, no ``chr`` prefix) and ``pos`` (1-based, GRCh37), m rows
    gene_models : dict chromosome -> GeneModel, optional (default :func:`genome_gene_models`)
    flank, splice, intergenic_distance : annotation rules, as in ``annotation.annotate_variants``

    Returns
    -------
    VariantGeneGraph
        ``A`` of shape (m_kept, n_genes), rows in increasing ``variant_index`` (rows of ``variants``);
        ``genes`` are gene names, suffixed ``@chrom`` when a name occurs on several chromosomes (the
        X/Y pseudo-autosomal genes). ``exclusions`` counts ``variants_on_chromosomes_without_genes``,
        ``variants_without_gene`` and ``genes_without_variants``.
    """
    if not {"chrom", "pos"} <= set(variants.columns):
        raise ValueError(f"variants need columns 'chrom' and 'pos', got {list(variants.columns)}")
    gene_models = gene_models if gene_models is not None else genome_gene_models()
    chrom = variants["chrom"].astype(str).str.replace("^chr", "", regex=True, case=False).to_numpy()
    pos = variants["pos"].to_numpy(np.int64)
    name_count = pd.Series([g for m in gene_models.values() for g in m.genes.index]).value_counts()
    blocks, genes, rows = [], [], []
    exclusions = {"variants_on_chromosomes_without_genes": 0, "variants_without_gene": 0, "genes_without_variants": 0}
    groups = pd.Series(np.arange(len(chrom))).groupby(chrom, sort=False).indices
    from tqdm.auto import tqdm

    for c, idx in tqdm(groups.items(), desc="annotating chromosomes", disable=not progress):
        model = gene_models.get(str(c))
        if model is None:
            exclusions["variants_on_chromosomes_without_genes"] += len(idx)
            continue
        annotation = annotate_variants(pos[idx], model, flank=flank, splice=splice,
                                           intergenic_distance=intergenic_distance)
        try:
            graph = variant_gene_adjacency(annotation, model.genes.index)
        except DataError:  # no variant of this chromosome reaches a gene
            exclusions["variants_without_gene"] += len(idx)
            exclusions["genes_without_variants"] += len(model.genes)
            continue
        exclusions["variants_without_gene"] += graph.exclusions["variants_without_gene"]
        exclusions["genes_without_variants"] += graph.exclusions["genes_without_variants"]
        blocks.append(graph.A)
        genes += [g if name_count[g] == 1 else f"{g}@{c}" for g in graph.genes]
        rows.append(idx[graph.variant_index])
    for c, model in gene_models.items():  # chromosomes without any variant
        if c not in groups:
            exclusions["genes_without_variants"] += len(model.genes)
    if not blocks:
        raise DataError("no variant is annotated to any gene: are the variants and the GTF on the same chromosome "
                        "names and build (GRCh37)?")
    A = sp.block_diag(blocks, format="csr", dtype=np.float32)
    variant_index = np.concatenate(rows)
    order = np.argsort(variant_index, kind="stable")  # rows follow the .bed columns for sequential reads
    return VariantGeneGraph(A[order].tocsr(), genes, variant_index[order], exclusions)

"""A genome-wide-size simulated PLINK fileset, generated and written chunk by chunk.

Stands in for a biobank genotyping array when testing that GeneDAE scales (issue 8): by default
500,000 variants over the RefSeq GRCh37 protein-coding genes of the registry (every one of the ~19,300
genes on chromosomes 1-22, X, Y receives at least one variant inside its body) and 3,000 people.

Model (simple on purpose; not a population-genetic simulation like :mod:`genenets.simulate.cohort`):

* positions: ``genic_fraction`` of the variants fall inside gene bodies (at least one per gene, the rest
  in proportion to gene length), the others uniformly along each chromosome (span = last gene end
  + 1 Mb);
* LD blocks: consecutive runs of ``ld_block_size`` variants of a chromosome share ``n_haplotypes``
  template haplotypes whose alleles are drawn with per-variant frequencies ``p ~ U(maf_min, 0.5)``;
  each chromosome copy of each person picks one template per block (Dirichlet(1) template
  frequencies), then every allele flips with probability ``mutation_rate``;
* dosage = number of "1" alleles over the two copies, written as PLINK allele 1.

Memory stays bounded: only ``chunk_variants`` variants x ``n_samples`` people are held at a time; the
``.bed`` (SNP-major) and ``.bim`` are appended chunk by chunk, with the 2-bit packing done in NumPy.
Files are cached under ``genomewide/`` of the one cache root (:func:`genenets.cache.root`), keyed by the
*content* of every input: all parameters and the gene table's bytes. The truth file is written last
(atomically), so a fileset without it, e.g. from a killed run, is never reused.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import genotypes as gt

#: PLINK 1 2-bit codes of allele-1 dosages 0, 1, 2 (``count_A1``): hom A2 = 11, het = 10, hom A1 = 00.
_CODE_OF_DOSAGE = np.array([0b11, 0b10, 0b00], dtype=np.uint8)
_MISSING_CODE = 0b01


@dataclass
class GenomewideTruth:
    """What the simulator put in.

    Attributes
    ----------
    params : dict of the generating parameters (seed included)
    allele_frequency : float32 array of shape (n_variants,)
        Expected frequency of allele 1 of each variant (template frequencies and mutation).
    block : int32 array of shape (n_variants,)
        Genome-wide LD block id of each variant.
    genic : bool array of shape (n_variants,)
        Whether the variant was placed inside a gene body (it may also fall in one by chance).
    n_genes_seeded : int
        Genes that received at least one variant in their body.
    """

    params: dict
    allele_frequency: np.ndarray
    block: np.ndarray
    genic: np.ndarray
    n_genes_seeded: int


@dataclass
class SimulatedGenome:
    """A simulated PLINK fileset on disk and its truth; ``prefix`` is read like any PLINK prefix."""

    prefix: Path
    n_samples: int
    n_variants: int
    truth: GenomewideTruth


def pack_dosage(dosage: np.ndarray, missing: np.ndarray | None = None) -> bytes:
    """SNP-major PLINK bytes of a chunk of variants.

    Parameters
    ----------
    dosage : int array of shape (n_samples, n_variants_chunk), values 0, 1, 2 (allele-1 copies)
    missing : bool array of the same shape, optional (written as PLINK's missing code ``01``)

    Returns
    -------
    bytes of length ``n_variants_chunk * ceil(n_samples / 4)``: variant after variant, four samples per
    byte, first sample in the lowest two bits.
    """
    dosage = np.asarray(dosage)
    if dosage.ndim != 2:
        raise ValueError(f"dosage must be 2-D (samples x variants), got shape {dosage.shape}")
    if dosage.size and (dosage.min() < 0 or dosage.max() > 2):
        raise ValueError("dosage must hold 0, 1 or 2 only")
    codes = _CODE_OF_DOSAGE[dosage.T]  # (variants, samples)
    if missing is not None:
        codes[np.asarray(missing).T] = _MISSING_CODE
    n_var, n = codes.shape
    padded = np.zeros((n_var, 4 * ((n + 3) // 4)), dtype=np.uint8)
    padded[:, :n] = codes
    quads = padded.reshape(n_var, -1, 4)
    packed = quads[..., 0] | (quads[..., 1] << 2) | (quads[..., 2] << 4) | (quads[..., 3] << 6)
    return packed.astype(np.uint8).tobytes()


def place_variants(genes: pd.DataFrame, n_variants: int, genic_fraction: float = 0.7, seed: int = 0) -> pd.DataFrame:
    """Positions of ``n_variants`` variants: at least one inside every gene body, the rest genic or uniform.

    Parameters
    ----------
    genes : DataFrame with columns ``chrom, start, end`` (1-based, one row per gene)
    n_variants : int
        Must be at least the number of genes.
    genic_fraction : float
        Share of the variants placed inside gene bodies.

    Returns
    -------
    DataFrame with ``n_variants`` rows, ``chrom, pos, genic``, sorted by chromosome (genes' order) and
    strictly increasing positions within a chromosome.
    """
    if not 0 <= genic_fraction <= 1:
        raise ValueError(f"genic_fraction must be in [0, 1], got {genic_fraction}")
    n_genes = len(genes)
    if n_variants < n_genes:
        raise ValueError(f"n_variants ({n_variants}) must be at least the number of genes ({n_genes}) so that every "
                         f"gene gets a variant")
    rng = np.random.default_rng([seed, 1])
    starts, ends = genes["start"].to_numpy(np.int64), genes["end"].to_numpy(np.int64)
    lengths = (ends - starts + 1).astype(float)
    n_genic = max(n_genes, int(round(genic_fraction * n_variants)))
    per_gene = 1 + rng.multinomial(n_genic - n_genes, lengths / lengths.sum())
    gene_of = np.repeat(np.arange(n_genes), per_gene)
    genic_pos = starts[gene_of] + (rng.random(len(gene_of)) * lengths[gene_of]).astype(np.int64)
    genic_chrom = genes["chrom"].to_numpy()[gene_of]
    chroms = list(dict.fromkeys(genes["chrom"]))
    span = genes.groupby("chrom", sort=False)["end"].max().reindex(chroms).to_numpy(np.int64) + 1_000_000
    n_other = n_variants - len(gene_of)
    other_chrom_idx = rng.choice(len(chroms), size=n_other, p=span / span.sum())
    other_pos = 1 + (rng.random(n_other) * span[other_chrom_idx]).astype(np.int64)
    table = pd.DataFrame({"chrom": np.concatenate([genic_chrom, np.asarray(chroms, dtype=object)[other_chrom_idx]]),
                          "pos": np.concatenate([genic_pos, other_pos]),
                          "genic": np.concatenate([np.ones(len(gene_of), bool), np.zeros(n_other, bool)])})
    table["chrom_rank"] = table["chrom"].map({c: i for i, c in enumerate(chroms)})
    table = table.sort_values(["chrom_rank", "pos"], kind="stable").reset_index(drop=True)
    # collisions: shift to the next free position so that every variant keeps its own site
    out = []
    for _, g in table.groupby("chrom_rank", sort=True):
        p = g["pos"].to_numpy()
        k = np.arange(len(p))
        out.append(np.maximum.accumulate(p - k) + k)
    table["pos"] = np.concatenate(out)
    return table.drop(columns="chrom_rank")


def _chunk_genotypes(n_samples: int, n_var: int, block_size: int, n_haplotypes: int, maf_min: float,
                     mutation_rate: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Dosages (n_samples, n_var) int8 and expected allele-1 frequencies (n_var,) of whole LD blocks."""
    n_blocks = -(-n_var // block_size)
    width = n_blocks * block_size
    p = rng.uniform(maf_min, 0.5, size=(n_blocks, 1, block_size))
    templates = rng.random((n_blocks, n_haplotypes, block_size)) < p  # (B, H, L)
    freq = rng.dirichlet(np.ones(n_haplotypes), size=n_blocks)  # (B, H)
    cdf = np.cumsum(freq, axis=1)
    u = rng.random((2 * n_samples, n_blocks))
    choice = np.minimum((u[:, :, None] > cdf[None]).sum(axis=2), n_haplotypes - 1)  # (2n, B)
    haplotypes = templates[np.arange(n_blocks)[None, :], choice].reshape(2 * n_samples, width)[:, :n_var]
    if mutation_rate > 0:  # 16-bit integers: cheaper than float draws for a Bernoulli of small p
        flips = rng.integers(0, 1 << 16, size=haplotypes.shape, dtype=np.uint16) < int(mutation_rate * (1 << 16))
        haplotypes ^= flips
    dosage = haplotypes[:n_samples].astype(np.int8) + haplotypes[n_samples:].astype(np.int8)
    expected = np.einsum("bh,bhl->bl", freq, templates).reshape(width)[:n_var]
    expected = expected * (1 - mutation_rate) + (1 - expected) * mutation_rate
    return dosage, expected.astype(np.float32)


def genomewide_cache_dir() -> Path:
    """``genomewide/`` under the one cache root (:func:`genenets.cache.root`)."""
    from .. import cache

    d = cache.root() / "genomewide"
    d.mkdir(parents=True, exist_ok=True)
    return d


def simulate_genomewide(n_samples: int = 3000, n_variants: int = 500_000, genes: pd.DataFrame | None = None,
                        genic_fraction: float = 0.7, ld_block_size: int = 50, n_haplotypes: int = 8,
                        maf_min: float = 0.02, mutation_rate: float = 0.01, missing_rate: float = 0.0,
                        chunk_variants: int = 10_000, seed: int = 0, prefix=None, cache: bool = True,
                        progress: bool = False) -> SimulatedGenome:
    """Write a genome-wide-size SNP-major PLINK fileset chunk by chunk (or reuse the cached one).

    Parameters
    ----------
    n_samples, n_variants : int
    genes : DataFrame ``chrom, start, end``, optional
        Default: every gene of the registry's RefSeq GRCh37 protein-coding file on chromosomes 1-22, X, Y
        (:func:`genenets.data.annotation.genome_gene_table`).
    genic_fraction, ld_block_size, n_haplotypes, maf_min, mutation_rate : see the module docstring
    missing_rate : float
        Fraction of calls written as missing (to exercise loaders' missing-call handling).
    chunk_variants : int
        Variants generated and written at a time; memory ~ ``6 x n_samples x chunk_variants`` bytes.
        Rounded down to whole LD blocks.
    seed : int
    prefix : path, optional
        Where to write (default ``data/cache/genomewide/gw_<hash of the parameters>``).
    cache : bool
        Reuse an existing fileset written with the same parameters.

    Returns
    -------
    SimulatedGenome
    """
    if n_samples < 1 or n_variants < 1:
        raise ValueError(f"n_samples and n_variants must be positive, got {n_samples}, {n_variants}")
    if not 0 <= missing_rate < 1 or not 0 <= mutation_rate < 0.5:
        raise ValueError("missing_rate must be in [0, 1) and mutation_rate in [0, 0.5)")
    if genes is None:
        from ..data.annotation import genome_gene_table

        genes = genome_gene_table()
    params = dict(n_samples=n_samples, n_variants=n_variants, genic_fraction=genic_fraction,
                  ld_block_size=ld_block_size, n_haplotypes=n_haplotypes, maf_min=maf_min,
                  mutation_rate=mutation_rate, missing_rate=missing_rate, seed=seed,
                  genes=hashlib.sha256(pd.util.hash_pandas_object(genes[["chrom", "start", "end"]],
                                                                  index=False).values.tobytes()).hexdigest()[:12])
    key = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]
    if prefix is None:
        prefix = genomewide_cache_dir() / f"gw_{key}"
    prefix = Path(prefix)
    bed, bim, fam = gt.plink_paths(prefix)
    truth_path = prefix.with_name(prefix.name + ".truth.npz")
    if cache and truth_path.exists() and bed.exists():
        try:
            with np.load(truth_path, allow_pickle=False) as z:
                if json.loads(str(z["params"])) == params:
                    truth = GenomewideTruth(params, z["allele_frequency"], z["block"], z["genic"],
                                            int(z["n_genes_seeded"]))
                    return SimulatedGenome(prefix, n_samples, n_variants, truth)
        except (OSError, ValueError, KeyError) as err:  # truncated truth file: simulate again
            import warnings

            from ..cache import CacheWarning

            warnings.warn(f"{truth_path}: unreadable ({err}); the fileset is simulated again", CacheWarning)

    variants = place_variants(genes, n_variants, genic_fraction, seed)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, 2])
    pd.DataFrame({"fid": [f"gw{i}" for i in range(n_samples)], "iid": [f"gw{i}" for i in range(n_samples)],
                  "father": 0, "mother": 0, "sex": 0, "phenotype": -9}).to_csv(fam, sep="\t", header=False, index=False)
    freq_all = np.empty(n_variants, np.float32)
    block_all = np.empty(n_variants, np.int32)
    chunk = max(ld_block_size, chunk_variants // ld_block_size * ld_block_size)
    bases = np.array(list("ACGT"))
    tmp_bed, tmp_bim = bed.with_suffix(".bed.part"), bim.with_suffix(".bim.part")
    next_block = 0
    chrom_groups = list(variants.groupby("chrom", sort=False).indices.values())
    with open(tmp_bed, "wb") as out_bed, open(tmp_bim, "w") as out_bim:
        out_bed.write(gt.BED_MAGIC + bytes([gt.SNP_MAJOR]))
        from tqdm.auto import tqdm

        bar = tqdm(total=n_variants, desc="simulating genotypes", disable=not progress, unit="variant")
        for rows in chrom_groups:  # LD blocks restart at every chromosome
            for c0 in range(0, len(rows), chunk):
                idx = rows[c0:c0 + chunk]
                dosage, freq = _chunk_genotypes(n_samples, len(idx), ld_block_size, n_haplotypes, maf_min,
                                                mutation_rate, rng)
                missing = rng.random(dosage.shape) < missing_rate if missing_rate > 0 else None
                out_bed.write(pack_dosage(dosage, missing))
                freq_all[idx] = freq
                local_blocks = np.arange(len(idx)) // ld_block_size
                block_all[idx] = next_block + local_blocks
                next_block += int(local_blocks[-1]) + 1
                v = variants.iloc[idx]
                alleles = rng.choice(4, size=(len(idx), 2))
                alleles[:, 1] = (alleles[:, 0] + 1 + rng.integers(0, 3, len(idx))) % 4  # a different base
                pd.DataFrame({"chrom": v["chrom"].to_numpy(), "snp": [f"gw_{c}_{p}" for c, p in zip(v["chrom"], v["pos"])],
                              "cm": 0, "pos": v["pos"].to_numpy(), "a1": bases[alleles[:, 0]],
                              "a2": bases[alleles[:, 1]]}).to_csv(out_bim, sep="\t", header=False, index=False)
                bar.update(len(idx))
        bar.close()
    tmp_bed.replace(bed)
    tmp_bim.replace(bim)
    truth = GenomewideTruth(params, freq_all, block_all, variants["genic"].to_numpy(), int(len(genes)))
    tmp_truth = truth_path.with_name(truth_path.name + ".part.npz")
    np.savez(tmp_truth, params=json.dumps(params, sort_keys=True), allele_frequency=freq_all, block=block_all,
             genic=truth.genic, n_genes_seeded=truth.n_genes_seeded)
    tmp_truth.replace(truth_path)  # written last: its presence marks a complete fileset
    return SimulatedGenome(prefix, n_samples, n_variants, truth)


def truth_summary(genome: SimulatedGenome) -> dict:
    """Sizes and parameters of a simulated fileset (for benchmark tables and reports)."""
    return {"n_samples": genome.n_samples, "n_variants": genome.n_variants,
            "n_genes_seeded": genome.truth.n_genes_seeded, "n_ld_blocks": int(genome.truth.block.max()) + 1,
            "bed_mb": round(gt.plink_paths(genome.prefix)[0].stat().st_size / 2**20, 1), **genome.truth.params}

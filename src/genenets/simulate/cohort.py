"""A simulated MHC cohort standing in for UK Biobank: msprime genotypes and four liability-threshold diseases.

Genotypes: msprime coalescent with recombination over chr6:28,477,797-33,448,355 (GRCh37) using the
real chr6 genetic map of the registry (``msprime.RateMap.read_hapmap``), a two-epoch human-like
demography (ancestral Ne = 10,000, growth to Ne = 20,000 in the last 400 generations), binary mutations
at 1.25e-8 per bp per generation; biallelic sites with MAF >= ``maf_min`` are thinned at random to
array density (``n_variants``, ~8,800 like the paper's 8,817). Positions are GRCh37, so the same gene
annotation applies as to real data.

Diseases (named after the paper's: T1D, PSO, MS, AS): liability = sum of causal variants' standardised
dosages times effect + Gaussian noise, scaled so that the causal variants explain ``h2`` of the
liability; cases are the top ``prevalence`` fraction. Causal variants sit in planted genes, some shared
across diseases (HLA-DQA2 and LY6G5B, as in the paper's top genes). The truth comes back with the data.

The cohort is written as PLINK with bed-reader and read back with :func:`genenets.data.genotypes.read_plink`,
so simulated and real data go through the same loader; it is cached by content (:mod:`genenets.cache`).
"""
from __future__ import annotations

import hashlib
import inspect
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import cache
from ..data import annotation as ann
from ..data import genotypes as gt
from ..data.registry import fetch

GENETIC_MAP = "annotation/genetic_map_GRCh37_chr6.txt.gz"

#: Diseases named after the paper's, with UK Biobank-like prevalences (approximate: the paper's own
#: case counts are not reproduced here), liability variance explained by the planted variants, and
#: planted genes (HLA-DQA2 and LY6G5B shared, as the paper's top genes are).
DEFAULT_DISEASES = {
    "T1D": {"prevalence": 0.005, "h2": 0.35, "genes": ["HLA-DQA2", "HLA-DQB1", "HLA-DRB1", "LY6G5B"]},
    "PSO": {"prevalence": 0.02, "h2": 0.15, "genes": ["HLA-C", "LY6G5B", "HLA-DQA2"]},
    "MS": {"prevalence": 0.005, "h2": 0.2, "genes": ["HLA-DRB1", "HLA-DQA2", "TNF"]},
    "AS": {"prevalence": 0.003, "h2": 0.3, "genes": ["HLA-B", "LY6G5B", "MICA"]},
}


@dataclass
class CohortTruth:
    """What the simulation planted.

    Attributes
    ----------
    planted_genes : dict disease -> list of gene names
    causal : DataFrame (disease, variant, snp, pos, gene, beta) with ``variant`` the column of the
        cohort's dosage matrix
    diseases : dict disease -> {prevalence, h2, genes}
    demography : str
    """

    planted_genes: dict
    causal: pd.DataFrame
    diseases: dict
    demography: str = ""
    params: dict = field(default_factory=dict)


@dataclass
class Cohort:
    genotypes: gt.Genotypes
    phenotypes: pd.DataFrame  # iid + one 0/1 column per disease
    truth: CohortTruth
    plink_prefix: Path | None = None


def rate_map(region=gt.MHC_GRCH37):
    """The registry's chr6 GRCh37 recombination map restricted to ``region`` (msprime ``RateMap``)."""
    import msprime

    full = msprime.RateMap.read_hapmap(fetch(GENETIC_MAP))
    _, start, end = region
    return full.slice(left=start, right=end, trim=True)


def simulate_genotypes(n_individuals: int, region=gt.MHC_GRCH37, n_variants: int = 8800, maf_min: float = 0.01,
                       seed: int = 0) -> gt.Genotypes:
    """msprime genotypes of ``n_individuals`` diploids over ``region`` (see module docstring).

    Returns
    -------
    Genotypes with int8 dosages of shape (n_individuals, <= n_variants) and GRCh37 positions.
    """
    import msprime

    if n_individuals < 2:
        raise ValueError(f"n_individuals must be >= 2, got {n_individuals}")
    chrom, start, _ = region
    demography = msprime.Demography()
    demography.add_population(name="pop", initial_size=20_000)
    demography.add_population_parameters_change(time=400, initial_size=10_000, population="pop")
    ts = msprime.sim_ancestry(samples=n_individuals, demography=demography, recombination_rate=rate_map(region),
                              random_seed=seed + 1)
    ts = msprime.sim_mutations(ts, rate=1.25e-8, model=msprime.BinaryMutationModel(), random_seed=seed + 2)
    # pass 1: allele frequencies of biallelic sites
    freq = np.full(ts.num_sites, np.nan)
    for var in ts.variants(copy=False):
        if len(var.site.mutations) == 1:
            freq[var.site.id] = var.genotypes.mean()
    maf = np.minimum(freq, 1 - freq)
    eligible = np.flatnonzero(maf >= maf_min)
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(eligible, size=min(n_variants, len(eligible)), replace=False))
    drop = np.setdiff1d(np.arange(ts.num_sites), chosen)
    ts = ts.delete_sites(drop)
    # pass 2: diploid dosages of the chosen sites (sample nodes 2i, 2i+1 belong to individual i)
    dosage = np.empty((n_individuals, ts.num_sites), dtype=np.int8)
    positions = np.empty(ts.num_sites, dtype=np.int64)
    for j, var in enumerate(ts.variants(copy=False)):
        dosage[:, j] = var.genotypes[0::2] + var.genotypes[1::2]
        positions[j] = int(var.site.position) + start
    variants = pd.DataFrame({"chrom": str(chrom), "snp": [f"sim{p}" for p in positions], "cm": 0.0,
                             "pos": positions, "a1": "T", "a2": "C"})
    samples = pd.DataFrame({"fid": [f"S{i:06d}" for i in range(n_individuals)],
                            "iid": [f"S{i:06d}" for i in range(n_individuals)],
                            "father": "0", "mother": "0", "sex": "0", "phenotype": "-9"})
    return gt.Genotypes(dosage, variants, samples, {"sites_simulated": int(len(freq)),
                                                    "sites_maf_ok": int(len(eligible))}, "msprime")


def plant_diseases(genotypes: gt.Genotypes, graph: ann.VariantGeneGraph, diseases: dict | None = None,
                   causal_per_gene: int = 2, seed: int = 0) -> tuple[pd.DataFrame, CohortTruth]:
    """Liability-threshold phenotypes with causal variants in planted genes.

    Parameters
    ----------
    genotypes : Genotypes (n, m)
    graph : VariantGeneGraph whose ``variant_index`` indexes ``genotypes`` columns
    diseases : dict name -> {prevalence, h2, genes}; default :data:`DEFAULT_DISEASES`
    causal_per_gene : int
        Causal variants drawn among each planted gene's variants (MAF >= 0.05 preferred).

    Returns
    -------
    (phenotypes, truth): phenotypes has ``iid`` and one 0/1 column per disease.
    """
    diseases = diseases or DEFAULT_DISEASES
    rng = np.random.default_rng(seed + 100)
    X = genotypes.dosage.astype(np.float64)
    maf = genotypes.minor_allele_frequency()
    pheno = pd.DataFrame({"iid": genotypes.samples["iid"].to_numpy()})
    rows, planted = [], {}
    for name, spec in diseases.items():
        genes = [g for g in spec["genes"] if g in graph.genes]
        if not genes:
            raise ValueError(f"{name}: none of the planted genes {spec['genes']} has variants in the graph")
        planted[name] = genes
        causal_idx, causal_gene = [], []
        for g in genes:
            k = graph.genes.index(g)
            cand = graph.variant_index[graph.A[:, k].nonzero()[0]]
            common = cand[maf[cand] >= 0.05]
            pool = common if len(common) >= causal_per_gene else cand
            pick = rng.choice(pool, size=min(causal_per_gene, len(pool)), replace=False)
            causal_idx += list(pick)
            causal_gene += [g] * len(pick)
        causal_idx = np.asarray(causal_idx)
        Z = X[:, causal_idx]
        Z = (Z - Z.mean(0)) / np.where(Z.std(0) > 0, Z.std(0), 1)
        beta = rng.normal(0, 1, len(causal_idx)) * rng.choice([-1, 1], len(causal_idx))
        genetic = Z @ beta
        scale = np.sqrt(spec["h2"] / genetic.var()) if genetic.var() > 0 else 0.0
        liability = genetic * scale + rng.normal(0, np.sqrt(1 - spec["h2"]), len(genetic))
        threshold = np.quantile(liability, 1 - spec["prevalence"])
        pheno[name] = (liability > threshold).astype(int)
        for j, g, b in zip(causal_idx, causal_gene, beta * scale):
            rows.append({"disease": name, "variant": int(j), "snp": genotypes.variants["snp"].iloc[j],
                         "pos": int(genotypes.variants["pos"].iloc[j]), "gene": g, "beta": float(b)})
    truth = CohortTruth(planted, pd.DataFrame(rows), {k: dict(v) for k, v in diseases.items()},
                        "two-epoch: Ne 10,000 before 400 generations ago, 20,000 since")
    return pheno, truth


def _simulate(n_individuals, n_variants, maf_min, diseases, seed, region, gene_model, intergenic_distance,
              genetic_map) -> Cohort:
    import tempfile

    raw = simulate_genotypes(n_individuals, region, n_variants, maf_min, seed)
    with tempfile.TemporaryDirectory(prefix="cohort_") as tmp:  # the same PLINK path as real data
        prefix = gt.write_plink(Path(tmp) / "cohort", raw)
        genotypes = gt.read_plink(prefix, region=region)
    genotypes.source = "msprime"
    genotypes.exclusions.update(raw.exclusions)
    annotation = ann.annotate_variants(genotypes.variants["pos"], gene_model, intergenic_distance=intergenic_distance)
    graph = ann.variant_gene_adjacency(annotation, gene_model.genes.index)
    pheno, truth = plant_diseases(genotypes, graph, diseases, seed=seed)
    return Cohort(genotypes, pheno, truth, None)


def simulate_cohort(n_individuals: int = 3000, n_variants: int = 8800, maf_min: float = 0.01,
                    diseases: dict | None = None, seed: int = 0, region=gt.MHC_GRCH37,
                    gene_model: ann.GeneModel | None = None, intergenic_distance: int = 100_000,
                    use_cache: bool = True) -> Cohort:
    """Simulate (or reload from the content-keyed :mod:`genenets.cache`) a cohort: genotypes, phenotypes
    and truth.

    The key holds every parameter, the genetic map file's sha256 and the gene model's table, plus the
    simulator's source. The genotypes are written as PLINK (bed-reader ``to_bed``) and read back through
    :func:`genenets.data.genotypes.read_plink`, so simulated and real data take the same loader.
    """
    diseases = diseases or DEFAULT_DISEASES
    gene_model = gene_model or ann.load_ensembl_mhc(region[1], region[2])
    genetic_map = Path(fetch(GENETIC_MAP))
    params = dict(n_individuals=n_individuals, n_variants=n_variants, maf_min=maf_min, diseases=diseases,
                  seed=seed, region=list(region), intergenic_distance=intergenic_distance)
    inputs = {**params, "genes": gene_model.genes, "genetic_map": genetic_map, "code": _SOURCE}
    cohort, _ = cache.get_or_compute(
        "simulate.cohort", inputs, lambda: _simulate(n_individuals, n_variants, maf_min, diseases, seed, region,
                                                     gene_model, intergenic_distance, genetic_map),
        version=CACHE_VERSION, use_cache=use_cache)
    cohort.truth.params = params
    return cohort


def load(n_individuals: int = 3000, n_variants: int = 8800, seed: int = 0, intergenic_distance: int = 100_000,
         maf_min: float = 0.01, use_cache: bool = True):
    """Loader of the registered dataset ``mhc-cohort-simulated``: ``(Cohort, CohortTruth)``."""
    cohort = simulate_cohort(n_individuals, n_variants=n_variants, maf_min=maf_min, seed=seed,
                             intergenic_distance=intergenic_distance, use_cache=use_cache)
    return cohort, cohort.truth


CACHE_VERSION = 2
_SOURCE = hashlib.sha1(inspect.getsource(simulate_genotypes).encode()
                       + inspect.getsource(plant_diseases).encode()).hexdigest()

__all__ = ["load", "Cohort", "CohortTruth", "DEFAULT_DISEASES", "simulate_cohort", "simulate_genotypes", "plant_diseases",
           "rate_map", "asdict"]

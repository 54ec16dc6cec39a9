"""A simulated MHC cohort standing in for UK Biobank: msprime genotypes and four liability-threshold diseases.

Genotypes: msprime coalescent with recombination over chr6:28,477,797-33,448,355 (GRCh37) using the
real chr6 genetic map of the registry (``msprime.RateMap.read_hapmap``), a two-epoch human-like
demography (ancestral Ne = 10,000, growth to Ne = 20,000 in the last 400 generations), binary mutations
at 1.25e-8 per bp per generation; biallelic sites with MAF >= ``maf_min`` are thinned at random to
array density (``n_variants``, ~8,800 like the paper's 8,817). Positions are GRCh37, so the same gene
annotation applies as to real data. One panmictic population: the cohort has no structure.

Diseases (named after the paper's: T1D, PSO, MS, AS): liability = sum of causal variants' standardised
dosages times effect + Gaussian noise, scaled so that the causal variants explain ``h2`` of the
liability (the MHC's share, set from published estimates: see :data:`DEFAULT_DISEASES`); cases are the
top ``prevalence`` fraction (a case-enriched cohort: at least 300 cases per disease in 12,500 people).
The simulator draws the ``n_causal`` causal variants of each disease itself, spread over the annotation
categories (exonic, intronic, UTR, ncRNA, up/downstream, intergenic ... as many as present), and
``n_shared`` of them are shared with another disease (the paper's Fig. 4 point: top genes shared
across diseases). The planted genes are the genes the annotation links each causal variant to (its
edges in the variant-gene graph): nobody hand-picks them. The truth comes back with the data.

The cohort is written as PLINK with bed-reader and read back with :func:`genenets.data.genotypes.read_plink`,
so simulated and real data go through the same loader; it is cached by content (:mod:`genenets.cache`).
"""
from __future__ import annotations

import hashlib
import inspect
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import cache
from ..data import annotation as ann
from ..data import genotypes as gt
from ..data.registry import fetch

GENETIC_MAP = "annotation/genetic_map_GRCh37_chr6.txt.gz"

#: Per disease: the cohort's case fraction (``prevalence``; enriched over the population's 0.2-3% so
#: that 12,500 people give >= 300 cases), the liability variance explained by MHC causal variants
#: (``h2``) and their number (``n_causal``), rounded from published estimates (cited in notebook 01):
#: T1D: HLA explains about half of the genetic risk of a disease with twin heritability ~0.8, and about 8
#: independent HLA effects (Hu et al. 2015); PSO: HLA-C*06:02 plus about 4 more MHC signals (Okada et al.
#: 2014), a minority of the heritability; MS: many independent MHC effects (Patsopoulos et al. 2019 report
#: 32; fewer survive array-density thinning), MHC about a tenth of the liability; AS: HLA-B27 and a few
#: further class I/II signals (Cortes et al. 2015), about 20% of the liability.
DEFAULT_DISEASES = {
    "T1D": {"prevalence": 0.025, "h2": 0.30, "n_causal": 8},
    "PSO": {"prevalence": 0.03, "h2": 0.10, "n_causal": 5},
    "MS": {"prevalence": 0.025, "h2": 0.10, "n_causal": 10},
    "AS": {"prevalence": 0.025, "h2": 0.20, "n_causal": 4},
}


@dataclass
class CohortTruth:
    """What the simulation planted.

    Attributes
    ----------
    planted_genes : dict disease -> list of gene names
    causal : DataFrame (disease, variant, snp, pos, category, genes, maf, beta, variance_explained,
        shared) with ``variant`` the column of the cohort's dosage matrix
    diseases : dict disease -> {prevalence, h2, n_causal}
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


def draw_causal(annotation: pd.DataFrame, maf: np.ndarray, n: int, rng, exclude=(), maf_min: float = 0.05) -> list:
    """``n`` causal variant indices spread over annotation categories: each draw picks a category at
    random among those with an eligible variant (MAF >= ``maf_min``, mapped to a gene, not in
    ``exclude``), then a variant in it."""
    eligible = (maf >= maf_min) & annotation["genes"].map(len).gt(0).to_numpy()
    chosen = []
    for _ in range(n):
        ok = eligible.copy()
        ok[list(exclude) + chosen] = False
        if not ok.any():
            break
        cats = annotation["category"].to_numpy()[ok]
        cat = rng.choice(sorted(set(cats)))
        pool = np.flatnonzero(ok & (annotation["category"].to_numpy() == cat))
        chosen.append(int(rng.choice(pool)))
    return chosen


def plant_diseases(genotypes: gt.Genotypes, annotation: pd.DataFrame, diseases: dict | None = None,
                   n_shared: int = 3, maf_min_causal: float = 0.05, seed: int = 0) -> tuple[pd.DataFrame, "CohortTruth"]:
    """Liability-threshold phenotypes with causal variants drawn from the annotation.

    Parameters
    ----------
    genotypes : Genotypes (n, m)
    annotation : :func:`genenets.data.annotation.annotate_variants` of the m variants (``category``,
        ``genes``)
    diseases : dict name -> {prevalence, h2, n_causal}; default :data:`DEFAULT_DISEASES`
    n_shared : causal variants each shared by two diseases (drawn first, each given to a random pair)
    maf_min_causal : causal variants are drawn among variants with at least this MAF

    Returns
    -------
    (phenotypes, truth): phenotypes has ``iid`` and one 0/1 column per disease; ``truth.causal`` has
    one row per (disease, causal variant) with its category, genes and effect; ``truth.planted_genes``
    maps each disease to the genes its causal variants are annotated to.
    """
    diseases = diseases or DEFAULT_DISEASES
    names = list(diseases)
    rng = np.random.default_rng(seed + 100)
    X = genotypes.dosage
    maf = genotypes.minor_allele_frequency()
    causal = {d: [] for d in names}
    shared = draw_causal(annotation, maf, n_shared if len(names) > 1 else 0, rng, maf_min=maf_min_causal)
    for j in shared:
        for d in rng.choice(names, size=2, replace=False):
            causal[str(d)].append(j)
    used = list(shared)
    for d in names:
        extra = draw_causal(annotation, maf, max(diseases[d]["n_causal"] - len(causal[d]), 0), rng, exclude=used,
                            maf_min=maf_min_causal)
        causal[d] += extra
        used += extra
    pheno = pd.DataFrame({"iid": genotypes.samples["iid"].to_numpy()})
    rows, planted = [], {}
    for d in names:
        spec, idx = diseases[d], np.asarray(causal[d], dtype=int)
        if len(idx) == 0:
            raise ValueError(f"{d}: no variant with MAF >= {maf_min_causal} mapped to a gene; cannot plant")
        Z = X[:, idx].astype(np.float64)
        Z = (Z - Z.mean(0)) / np.where(Z.std(0) > 0, Z.std(0), 1)
        beta = rng.normal(0, 1, len(idx))
        genetic = Z @ beta
        scale = np.sqrt(spec["h2"] / genetic.var()) if genetic.var() > 0 else 0.0
        liability = genetic * scale + rng.normal(0, np.sqrt(1 - spec["h2"]), len(genetic))
        threshold = np.quantile(liability, 1 - spec["prevalence"])
        pheno[d] = (liability > threshold).astype(int)
        genes = []
        for j, b in zip(idx, beta * scale):
            g = list(annotation["genes"].iloc[j])
            genes += [x for x in g if x not in genes]
            rows.append({"disease": d, "variant": int(j), "snp": genotypes.variants["snp"].iloc[j],
                         "pos": int(genotypes.variants["pos"].iloc[j]), "category": annotation["category"].iloc[j],
                         "genes": ",".join(g), "maf": float(maf[j]), "beta": float(b),
                         "variance_explained": float(b ** 2), "shared": bool(j in shared)})
        planted[d] = genes
    truth = CohortTruth(planted, pd.DataFrame(rows), {k: dict(v) for k, v in diseases.items()},
                        "two-epoch: Ne 10,000 before 400 generations ago, 20,000 since; one population")
    return pheno, truth


def _simulate(n_individuals, n_variants, maf_min, diseases, seed, region, gene_model, intergenic_distance,
              n_shared) -> Cohort:
    import tempfile

    raw = simulate_genotypes(n_individuals, region, n_variants, maf_min, seed)
    with tempfile.TemporaryDirectory(prefix="cohort_") as tmp:  # the same PLINK path as real data
        prefix = gt.write_plink(Path(tmp) / "cohort", raw)
        genotypes = gt.read_plink(prefix, region=region)
    genotypes.source = "msprime"
    genotypes.exclusions.update(raw.exclusions)
    annotation = ann.annotate_variants(genotypes.variants["pos"], gene_model, intergenic_distance=intergenic_distance)
    pheno, truth = plant_diseases(genotypes, annotation, diseases, n_shared=n_shared, seed=seed)
    return Cohort(genotypes, pheno, truth, None)


def simulate_cohort(n_individuals: int = 12_500, n_variants: int = 8800, maf_min: float = 0.01,
                    diseases: dict | None = None, seed: int = 0, region=gt.MHC_GRCH37,
                    gene_model: ann.GeneModel | None = None, intergenic_distance: int = 100_000,
                    n_shared: int = 3, use_cache: bool = True) -> Cohort:
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
                  seed=seed, region=list(region), intergenic_distance=intergenic_distance, n_shared=n_shared)
    inputs = {**params, "genes": gene_model.genes, "genetic_map": genetic_map, "code": _SOURCE}
    cohort, _ = cache.get_or_compute(
        "simulate.cohort", inputs, lambda: _simulate(n_individuals, n_variants, maf_min, diseases, seed, region,
                                                     gene_model, intergenic_distance, n_shared),
        version=CACHE_VERSION, use_cache=use_cache)
    cohort.truth.params = params
    return cohort


def load(n_individuals: int = 12_500, n_variants: int = 8800, seed: int = 0, intergenic_distance: int = 100_000,
         maf_min: float = 0.01, n_shared: int = 3, use_cache: bool = True):
    """Loader of the registered dataset ``mhc-cohort-simulated``: ``(Cohort, CohortTruth)``."""
    cohort = simulate_cohort(n_individuals, n_variants=n_variants, maf_min=maf_min, seed=seed,
                             intergenic_distance=intergenic_distance, n_shared=n_shared, use_cache=use_cache)
    return cohort, cohort.truth


CACHE_VERSION = 3
# the key covers the code that makes a cached cohort: the simulator and the PLINK round trip (a cohort cached before
# read_plink counted duplicated variant ids was served without that count, so a fresh run printed other exclusions)
_SOURCE = hashlib.sha1(inspect.getsource(simulate_genotypes).encode()
                       + inspect.getsource(plant_diseases).encode()
                       + inspect.getsource(draw_causal).encode()
                       + inspect.getsource(_simulate).encode()
                       + inspect.getsource(gt.write_plink).encode()
                       + inspect.getsource(gt.read_plink).encode()).hexdigest()

__all__ = ["load", "Cohort", "CohortTruth", "DEFAULT_DISEASES", "simulate_cohort", "simulate_genotypes", "plant_diseases",
           "rate_map", "draw_causal"]

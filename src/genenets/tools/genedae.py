"""GeneDAE analyses (compute only): the variant-gene graph, the GeneDAE estimator and its cached
embeddings, gene-disease tests, gene-level baselines a geneticist would run, and disease prediction.

Used by notebooks ``01_genedae_embeddings`` and ``02_genedae_gene_disease``. Datasets come from
:func:`genenets.datasets.load` (``mhc-cohort-simulated``, ``hapmap``, ``plink``); figures are in
:mod:`genenets.plotting.genedae`; tables, verdict rules and sentences in :mod:`genenets.summaries.genedae`.
"""
from __future__ import annotations

import hashlib
import inspect
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from .. import cache, stats, train
from ..data import annotation as ann
from ..data import genotypes as gt
from ..errors import DataError
from ..models.genedae import GeneDAE, bce_loss
from ..models.genomewide import FusedGeneDAE, packed_bce_loss

DISEASES = ("T1D", "PSO", "MS", "AS")

# ----------------------------------------------------------------------------------------------
# data preparation


def split_indices(n: int, fractions=(0.7, 0.2, 0.1), seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random train / validation / test indices of ``n`` samples (paper: 70/20/10)."""
    if not np.isclose(sum(fractions), 1.0) or len(fractions) != 3:
        raise ValueError(f"fractions must be three numbers summing to 1, got {fractions}")
    perm = np.random.default_rng(seed).permutation(n)
    n_train, n_val = int(round(fractions[0] * n)), int(round(fractions[1] * n))
    return np.sort(perm[:n_train]), np.sort(perm[n_train:n_train + n_val]), np.sort(perm[n_train + n_val:])


def pack_bits(X) -> np.ndarray:
    """Two-bit genotypes (n, 2m) of 0/1 -> bit-packed uint8 (n, ceil(2m / 8)), the fused engine's input
    (bit ``i`` of a sample is bit ``i % 8`` of byte ``i // 8``)."""
    return np.packbits(np.asarray(X) > 0.5, axis=1, bitorder="little")


def bit_columns(variant_index) -> np.ndarray:
    """Columns of the two-bit encoding that belong to variants ``variant_index``: ``2j, 2j+1`` each."""
    v = np.asarray(variant_index)
    return np.stack([2 * v, 2 * v + 1], axis=1).ravel()


def build_graph(genotypes: gt.Genotypes, gene_model: ann.GeneModel, intergenic_distance: int = 100_000,
                flank: int = 1000, splice: int = 2):
    """Annotate ``genotypes``' variants and build the variant-gene graph.

    Returns ``(annotation, graph, genotypes_kept)``: variants mapped to no gene are dropped (counted in
    ``graph.exclusions``) so that ``graph.A`` rows match ``genotypes_kept`` columns.
    """
    annotation = ann.annotate_variants(genotypes.variants["pos"], gene_model, flank=flank, splice=splice,
                                       intergenic_distance=intergenic_distance)
    graph = ann.variant_gene_adjacency(annotation, gene_model.genes.index)
    kept = genotypes.subset(variants=graph.variant_index)
    kept.variants["source_index"] = graph.variant_index  # column in the input genotypes
    graph = ann.VariantGeneGraph(graph.A, graph.genes, np.arange(graph.A.shape[0]), graph.exclusions)
    return annotation, graph, kept


def load_phenotypes(path, sample_ids, diseases=None) -> pd.DataFrame:
    """A user's phenotype table aligned to the genotype samples.

    Parameters
    ----------
    path : CSV/TSV with a sample id column (``iid``, ``IID``, ``sample``, ``sample_id`` or ``eid``) and one
        0/1 column per disease (TRUE/FALSE and case/control accepted)
    sample_ids : ids of the genotyped samples, in genotype order
    diseases : columns to use (default: all but the id)

    Returns
    -------
    DataFrame with ``iid`` and one int 0/1 column per disease, rows in genotype order.

    Raises
    ------
    DataError
        Always naming the file: unreadable, no id column, duplicated ids, genotyped samples missing
        from the table, a disease column with values other than 0/1, or a disease with one class.
    """
    path = Path(path)
    sep = "\t" if path.suffix in (".tsv", ".txt") else ","
    try:
        df = pd.read_csv(path, sep=sep, dtype=str)
    except FileNotFoundError as err:
        raise DataError(f"{path}: phenotype file not found; give phenotype_file= the path of a CSV/TSV with an "
                        "iid column and one 0/1 column per disease") from err
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: cannot parse the phenotype file ({err}); it must be a CSV (.csv) or a "
                        "tab-separated (.tsv/.txt) table") from err
    id_col = next((c for c in ("iid", "IID", "sample", "sample_id", "eid") if c in df.columns), None)
    if id_col is None:
        raise DataError(f"{path}: no sample id column (iid, IID, sample, sample_id or eid); columns are {list(df.columns)}")
    dup = df[id_col][df[id_col].duplicated()]
    if len(dup):
        raise DataError(f"{path}: {len(dup)} duplicated sample ids in column {id_col!r} (e.g. {list(dup[:3])}); "
                        "keep one row per sample")
    df = df.set_index(id_col)
    sample_ids = [str(s) for s in sample_ids]
    missing = [s for s in sample_ids if s not in df.index]
    if missing:
        raise DataError(f"{path}: {len(missing)} of {len(sample_ids)} genotyped samples have no phenotype "
                        f"(e.g. {missing[:3]}); subset the genotypes or complete the table")
    diseases = list(diseases) if diseases is not None else list(df.columns)
    out = pd.DataFrame({"iid": sample_ids})
    mapping = {"1": 1, "0": 0, "true": 1, "false": 0, "case": 1, "control": 0}
    for d in diseases:
        if d not in df.columns:
            raise DataError(f"{path}: no column {d!r}; columns are {list(df.columns)}")
        raw = df.loc[sample_ids, d].fillna("")
        values = raw.str.strip().str.lower().map(mapping)
        if values.isna().any():
            bad = raw[values.isna()].iloc[0]
            raise DataError(f"{path}: column {d!r} must be 0/1 (case/control); found {bad!r}")
        if values.nunique() < 2:
            raise DataError(f"{path}: column {d!r} has only one class ({int(values.iloc[0])}) among the "
                            f"genotyped samples; a t-test and an AUC need cases and controls")
        out[d] = values.to_numpy().astype(int)
    return out


def duplicated_genes(gene_model: ann.GeneModel) -> dict:
    """Gene names that occur more than once in a gene model, with their counts (reported, not merged)."""
    names = pd.Series(gene_model.genes.index)
    counts = names.value_counts()
    return {str(k): int(v) for k, v in counts[counts > 1].items()}


def user_files(plink_prefix: str = "", phenotype_file: str = "") -> list[Path]:
    """The user-supplied files behind ``dataset="plink"`` (``.bed/.bim/.fam`` and the phenotype table),
    for ``run.read_file``; a missing one is a :class:`DataError` naming it."""
    paths = list(gt.plink_paths(plink_prefix)) if plink_prefix else []
    paths += [Path(phenotype_file)] if phenotype_file else []
    for p in paths:
        if not p.exists():
            raise DataError(f"{p}: file not found (plink_prefix={plink_prefix!r}, phenotype_file={phenotype_file!r})")
    return paths


def load_dataset(dataset: str, *, seed: int = 0, n_individuals: int = 12_500, n_variants: int = 8800,
                 plink_prefix: str = "", missing: str = "mode", **_):
    """:func:`genenets.datasets.load` of notebooks 01/02's ``dataset`` with the parameters that apply to it:
    the simulated cohort's size and seed, a user's PLINK prefix, the missing-call rule (other keys, such
    as ``intergenic_distance``, are for :func:`prepare`)."""
    from .. import datasets

    loaders = {"mhc-cohort-simulated": dict(n_individuals=n_individuals, n_variants=n_variants, seed=seed),
               "plink": dict(prefix=plink_prefix, missing=missing), "hapmap": dict(missing=missing)}
    if dataset not in loaders:
        from ..errors import ConfigError

        raise ConfigError(f"dataset {dataset!r}: notebooks 01/02 take one of {sorted(loaders)}")
    return datasets.load(dataset, **loaders[dataset])


@dataclass
class Prepared:
    """Everything notebooks 01/02 need about one dataset: genotypes restricted to variants mapped to a
    gene, their annotation, the variant-gene graph, phenotypes (or None) and the simulator's truth."""

    genotypes: gt.Genotypes
    annotation: pd.DataFrame
    graph: ann.VariantGeneGraph
    phenotypes: pd.DataFrame | None = None
    truth: object = None
    duplicated_genes: dict | None = None

    @cached_property
    def X(self) -> np.ndarray:
        """Two-bit encoding of the genotypes, shape (n_samples, 2m), float32."""
        return gt.encode_two_bit(self.genotypes.dosage)

    @property
    def dosage(self) -> np.ndarray:
        return self.genotypes.dosage


def prepare(ds, phenotype_file: str = "", intergenic_distance: int = 100_000, region=gt.MHC_GRCH37) -> Prepared:
    """Annotate a loaded dataset's variants and build its graph.

    Parameters
    ----------
    ds : :class:`genenets.datasets.Dataset` whose ``data`` is a cohort (``genotypes`` and ``phenotypes``
        attributes, from ``mhc-cohort-simulated``) or :class:`~genenets.data.genotypes.Genotypes`
        (``hapmap``, ``plink``)
    phenotype_file : optional user table (:func:`load_phenotypes`) aligned to the genotypes
    """
    gene_model = ann.load_ensembl_mhc(region[1], region[2])
    data = ds.data
    genotypes = getattr(data, "genotypes", data)
    phenotypes = getattr(data, "phenotypes", None)
    truth = ds.truth
    if phenotype_file:
        phenotypes = load_phenotypes(phenotype_file, genotypes.samples["iid"])
    annotation, graph, kept = build_graph(genotypes, gene_model, intergenic_distance=intergenic_distance)
    if truth is not None and hasattr(truth, "causal"):  # causal columns refer to the cohort before dropping
        truth.causal["variant"] = pd.Index(kept.variants["source_index"]).get_indexer(truth.causal["variant"])
    return Prepared(kept, annotation, graph, phenotypes, truth, duplicated_genes(gene_model))


# ----------------------------------------------------------------------------------------------
# the estimator


def resolve_engine(engine: str, device) -> str:
    """``"fused"`` or ``"torch"``: what :class:`GeneDAEEmbedder` runs for ``engine`` on ``device``
    (``"auto"``: fused numba kernels on a CPU, torch elsewhere). Resolved before a cache key is made, so
    a model trained by one engine is never served for the other."""
    if engine not in ("auto", "fused", "torch"):
        raise ValueError(f"engine must be 'auto', 'fused' or 'torch', not {engine!r}")
    cpu = torch.device(device).type == "cpu"
    if engine == "fused" and not cpu:
        raise ValueError(f"engine='fused' runs on the CPU only (device {device!r}); use engine='auto'")
    return "fused" if engine == "fused" or (engine == "auto" and cpu) else "torch"


class GeneDAEEmbedder(BaseEstimator):
    """Fit GeneDAE on two-bit genotypes and transform samples into gene embeddings.

    Parameters
    ----------
    noise_std : float
        Input noise ``gamma`` (paper 0.3).
    nodes_per_gene : int
        Hidden units per gene (paper 1).
    lr, epochs, batch_size : float, int, int
        Adam learning rate (paper 1e-4), epoch cap (paper 60), batch size.
    patience : int, optional
        Early stopping on the validation BCE; the best epoch's weights are kept.
    min_delta : float
        Early-stopping tolerance (absolute BCE): an epoch improves only when its validation BCE is more
        than ``min_delta`` below the best so far (:func:`genenets.train.fit`; 0 = any decrease).
    seed : int
        Seeds the weights, the input noise and the batch order.
    device : str
    progress : bool
    n_threads : int, optional
        torch (and numba) CPU threads while fitting (1 is fastest for this gather/scatter-bound model on
        a busy machine); restored afterwards.
    engine : {"auto", "fused", "torch"}
        ``"fused"``: :class:`~genenets.models.genomewide.FusedGeneDAE` (numba kernels on bit-packed
        genotypes, the input noise drawn inside the kernel; issue 19), CPU only; ``"torch"``:
        :class:`~genenets.models.genedae.GeneDAE` (``SparseMaskedLinear``); ``"auto"``: fused on a CPU,
        torch on an accelerator. The same model, initialisation and loss; only the arithmetic and the
        noise draws differ.

    The decoder bias starts at the logit of each bit's training frequency, so an untrained model is
    the bit-frequency predictor (the no-learning reference of :meth:`fit`'s history).
    """

    def __init__(self, noise_std: float = 0.3, nodes_per_gene: int = 1, lr: float = 1e-4, epochs: int = 60,
                 batch_size: int = 64, patience: int | None = None, seed: int = 0, device: str = "cpu",
                 progress: bool = True, n_threads: int | None = 1, engine: str = "auto", min_delta: float = 0.0):
        self.noise_std = noise_std
        self.nodes_per_gene = nodes_per_gene
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.patience = patience
        self.seed = seed
        self.device = device
        self.progress = progress
        self.n_threads = n_threads
        self.engine = engine
        self.min_delta = min_delta

    def _fused(self) -> bool:
        return resolve_engine(self.engine, self.device) == "fused"

    def fit(self, X, y=None, *, adjacency, X_val=None, genes=None, desc: str = "GeneDAE"):
        """Train on ``X``.

        Parameters
        ----------
        X : array of shape (n_samples, 2m)
            Two-bit encoded genotypes (:func:`genenets.data.genotypes.encode_two_bit`).
        y : ignored
        adjacency : sparse matrix of shape (2m, n_genes)
            ``A'`` (:func:`genenets.data.annotation.duplicate_rows`).
        X_val : array of shape (n_val, 2m), optional
            Validation BCE per epoch (and early stopping).
        genes : list of n_genes names, optional
        """
        X = np.asarray(X, dtype=np.float32)
        if X.shape[1] != adjacency.shape[0]:
            raise ValueError(f"X has {X.shape[1]} columns but the adjacency has {adjacency.shape[0]} rows (2m)")
        import numba

        fused = self._fused()
        threads, numba_threads = torch.get_num_threads(), numba.get_num_threads()
        if self.n_threads:
            torch.set_num_threads(self.n_threads)
            numba.set_num_threads(min(self.n_threads, numba.config.NUMBA_NUM_THREADS))
        try:
            torch.manual_seed(self.seed)
            if fused:
                self.model_ = FusedGeneDAE(adjacency, noise_std=self.noise_std, nodes_per_gene=self.nodes_per_gene)
            else:
                self.model_ = GeneDAE(adjacency, noise_std=self.noise_std, nodes_per_gene=self.nodes_per_gene)
            freq = np.clip(X.mean(axis=0), 1e-4, 1 - 1e-4)
            with torch.no_grad():
                self.model_.decoder.bias.copy_(torch.as_tensor(np.log(freq / (1 - freq)), dtype=torch.float32))
            self.genes_ = list(genes) if genes is not None else [f"gene{k}" for k in range(adjacency.shape[1])]
            self.adjacency_ = sp.csr_matrix(adjacency)
            inputs = pack_bits if fused else (lambda a: np.asarray(a, np.float32))
            loader = train.make_loader(inputs(X), batch_size=self.batch_size, shuffle=True, seed=self.seed)
            val = train.make_loader(inputs(X_val), batch_size=1024) if X_val is not None else None
            reference = frequency_baseline_bce(X, X_val if X_val is not None else X)
            self.history_ = train.fit(self.model_, loader, packed_bce_loss if fused else bce_loss, val_loader=val,
                                      epochs=self.epochs, lr=self.lr, patience=self.patience, device=self.device,
                                      progress=self.progress, desc=desc, no_learning_loss=reference,
                                      min_delta=self.min_delta)
        finally:
            torch.set_num_threads(threads)
            numba.set_num_threads(numba_threads)
        self.model_.to("cpu")
        return self

    def embedding_names(self) -> list[str]:
        k = self.nodes_per_gene
        return self.genes_ if k == 1 else [f"{g}#{i}" for g in self.genes_ for i in range(k)]

    def transform(self, X) -> np.ndarray:
        """Gene embeddings (no input noise), shape (n_samples, n_genes * nodes_per_gene)."""
        loader = train.make_loader(np.asarray(X, np.float32), batch_size=1024)
        return train.predict(self.model_, loader, forward=lambda m, b: m.encode(b[0]))

    def reconstruct(self, X) -> np.ndarray:
        """Reconstruction probabilities ``x_hat``, shape (n_samples, 2m)."""
        loader = train.make_loader(np.asarray(X, np.float32), batch_size=1024)
        return train.predict(self.model_, loader, forward=lambda m, b: torch.sigmoid(m(b[0])))

    def _bit_scores(self, X, chunk: int = 1024) -> tuple[np.ndarray, np.ndarray]:
        """Per input bit, summed over samples: BCE of the reconstruction (probabilities clipped to
        [1e-7, 1 - 1e-7]) and correct calls at threshold 0.5; two arrays of shape (2m,). Computed in
        chunks of samples (never the whole (n_samples, 2m) reconstruction)."""
        X = np.asarray(X, np.float32)
        bce, correct = np.zeros(X.shape[1]), np.zeros(X.shape[1])
        for start in range(0, len(X), chunk):
            x = X[start:start + chunk]
            p = np.clip(self.reconstruct(x), 1e-7, 1 - 1e-7)
            bce -= np.where(x > 0.5, np.log(p), np.log1p(-p)).sum(axis=0)
            correct += ((p > 0.5) == (x > 0.5)).sum(axis=0)
        return bce, correct

    def bce(self, X) -> float:
        """Mean binary cross entropy of the reconstruction of ``X`` (lower is better)."""
        X = np.asarray(X, np.float32)
        return float(self._bit_scores(X)[0].sum() / X.size)

    def score(self, X, y=None) -> float:
        """Negative reconstruction BCE (scikit-learn's convention: higher is better)."""
        return -self.bce(X)

    def per_gene_reconstruction(self, X) -> pd.DataFrame:
        """Per gene: BCE and accuracy (threshold 0.5) of the reconstruction of its variants' bits."""
        X = np.asarray(X, np.float32)
        bce, correct = (v / len(X) for v in self._bit_scores(X))  # per bit
        A = self.adjacency_
        n_bits = np.asarray(A.sum(axis=0)).ravel()
        return pd.DataFrame({"gene": self.genes_, "n_variants": (n_bits / 2).astype(int),
                             "bce": (A.T @ bce) / n_bits, "accuracy": (A.T @ correct) / n_bits})


def frequency_baseline_bce(X_train, X_test) -> float:
    """BCE of predicting every bit by its training-set frequency: what a reconstruction must beat."""
    p = np.clip(np.asarray(X_train, float).mean(axis=0), 1e-7, 1 - 1e-7)
    X = np.asarray(X_test, float)
    return float(-(X * np.log(p) + (1 - X) * np.log(1 - p)).mean())


@cache.cached(version=4, ignore=("progress", "device"))
def train_embeddings(dosage, adjacency, genes, *, noise_std: float = 0.3, nodes_per_gene: int = 1, lr: float = 1e-4,
                     epochs: int = 60, batch_size: int = 64, patience: int | None = None, seed: int = 0,
                     device: str = "cpu", progress: bool = True, engine: str = "auto", min_delta: float = 0.0) -> dict:
    """GeneDAE trained on the 70% training split (70/20/10 by ``seed``), cached by content.

    The key is the genotype bytes, the adjacency, the gene names and every training parameter (not
    the file paths), so notebook 02 reuses what notebook 01 trained, and replacing the PLINK files gives
    new embeddings.

    Parameters
    ----------
    dosage : int8 array (n_samples, m)
    adjacency : sparse (m, n_genes) ``A``
    genes : list of n_genes names

    Returns
    -------
    dict with ``embeddings`` (n_samples, n_genes * k), ``names``, ``history`` (frame),
    ``convergence`` (one :func:`genenets.train.convergence_table` row), ``split``, ``test_bce``,
    ``frequency_bce`` (held-out 10%), ``per_gene`` (reconstruction of every sample per gene) and
    ``state_dict`` (the model's weights).
    """
    X = gt.encode_two_bit(dosage)
    split = split_indices(len(X), seed=seed)
    tr, va, te = split
    est = GeneDAEEmbedder(noise_std=noise_std, nodes_per_gene=nodes_per_gene, lr=lr, epochs=epochs,
                          batch_size=batch_size, patience=patience, seed=seed, device=device, progress=progress,
                          engine=engine, min_delta=min_delta)
    est.fit(X[tr], adjacency=ann.duplicate_rows(adjacency), X_val=X[va], genes=genes)
    return {"embeddings": est.transform(X), "names": est.embedding_names(), "history": est.history_.to_frame(),
            "convergence": est.history_.convergence("GeneDAE"), "split": split, "test_bce": est.bce(X[te]),
            "frequency_bce": frequency_baseline_bce(X[tr], X[te]), "per_gene": est.per_gene_reconstruction(X),
            "state_dict": {k: v.numpy() for k, v in est.model_.state_dict().items()}}


class _NotStored(Exception):
    """Raised inside :func:`genenets.cache.get_or_compute` to look an entry up without computing it."""


def _early_stopped_key(prep: Prepared, params: dict) -> dict:
    """What an early-stopped fit depends on: everything :func:`train_embeddings` is keyed by but its cap."""
    return {"dosage": prep.dosage, "adjacency": prep.graph.A, "genes": list(prep.graph.genes),
            **{k: v for k, v in params.items() if k not in ("epochs", "progress", "device", "use_cache")}}


def embeddings(prep: Prepared, **params) -> dict:
    """:func:`train_embeddings` of a prepared dataset (its genotypes, graph and gene names); ``params``
    as :func:`train_embeddings` (plus ``use_cache``). ``result["cached"]`` says whether it was reused.

    A fit that early stopping ended at epoch ``e`` (patience, not the cap) is the same fit under any
    cap ``>= e`` (the same seed gives the same batches, noise and weights up to epoch ``e``, where
    patience stops it again): such a fit is reused for a larger cap, with the cap of its convergence
    row set to the one asked for. This is what keeps the robustness grid's 4x and 16x budgets cheap
    when the model converges.
    """
    params["engine"] = resolve_engine(params.get("engine", "auto"), params.get("device", "cpu"))
    cap, use = int(params.get("epochs", 60)), params.get("use_cache", True)
    ns, version = "tools.genedae.early_stopped_fit", (1, _TRAIN_SOURCE)
    if use:
        try:
            res, _ = cache.get_or_compute(ns, _early_stopped_key(prep, params), _raise_not_stored, version=version)
        except _NotStored:
            res = None
        if res is not None and res["convergence"]["epochs_run"] <= cap:
            convergence = {**res["convergence"], "epochs_cap": cap}
            return {**res, "convergence": convergence, "cached": True}
    res = train_embeddings(prep.dosage, prep.graph.A, list(prep.graph.genes), **params)
    hit = train_embeddings.last_hit
    if use and res["convergence"]["stop_reason"] == "patience":
        cache.get_or_compute(ns, _early_stopped_key(prep, params), lambda: res, version=version)
    return {**res, "cached": hit}


def _raise_not_stored():
    raise _NotStored


_TRAIN_SOURCE = hashlib.sha1(inspect.getsource(train_embeddings.__wrapped__).encode()).hexdigest()


@cache.cached(version=2, ignore=("progress", "device"))
def choose_lr(dosage, adjacency, genes, lrs=(3e-3, 1e-2, 3e-2), *, n_people: int = 2000, epochs: int = 8,
              noise_std: float = 0.3, batch_size: int = 64, seed: int = 0, device: str = "cpu",
              progress: bool = False, engine: str = "auto") -> pd.DataFrame:
    """Learning rate chosen on validation data: GeneDAE trained ``epochs`` on ``n_people`` of the training
    split for each of ``lrs``; best validation BCE on (up to ``n_people // 2``) validation people.

    Returns a table lr, best_val_bce, best_epoch, chosen (one True row).
    """
    X = gt.encode_two_bit(dosage)
    tr, va, _ = split_indices(len(X), seed=seed)
    rng = np.random.default_rng(seed)
    tr = rng.choice(tr, size=min(n_people, len(tr)), replace=False)
    va = rng.choice(va, size=min(max(n_people // 2, 1), len(va)), replace=False)
    rows = []
    for lr in lrs:
        est = GeneDAEEmbedder(noise_std=noise_std, lr=lr, epochs=epochs, batch_size=batch_size, seed=seed,
                              device=device, progress=progress, patience=epochs, engine=engine)
        est.fit(X[tr], adjacency=ann.duplicate_rows(adjacency), X_val=X[va], genes=genes)
        rows.append({"lr": lr, "best_val_bce": est.history_.best_loss, "best_epoch": est.history_.best_epoch})
    out = pd.DataFrame(rows)
    out["chosen"] = out["best_val_bce"] == out["best_val_bce"].min()
    return out


def train_subgraphs(prep: Prepared, gene_sets: list, split, *, full_embeddings: np.ndarray | None = None,
                    full_names=None, seeds=(0,), stops: list | None = None,
                    **kwargs) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Fig. 3 and claim G4: GeneDAE trained alone on the subgraph of each gene / gene set (the same code
    path with a restricted ``A``).

    Parameters
    ----------
    gene_sets : list of gene names or comma-separated gene sets (``"HLA-B,HLA-C"``); a set with a gene
        absent from the graph is skipped and reported
    split : (train, validation, test) indices
    full_embeddings, full_names : the full model's embeddings (n_samples, n_genes) and unit names; when
        given, each unit trained alone is correlated across people with the full model's unit of the
        same gene
    seeds : the first seed's model is the one compared with the full model; with two or more seeds the
        |r| between the first two seeds' units is the seed-to-seed reference
    stops : list, optional
        When given, one ``{"genes", "seed", "stop_reason", "epochs_run"}`` per model trained (every seed) is
        appended to it
    kwargs : :class:`GeneDAEEmbedder` parameters

    Returns
    -------
    (histories, summary, agreement): loss histories of the first seed by label; per set: n_variants,
    status, test_bce, frequency_baseline_bce, convergence status; per unit (gene in a set):
    abs_r_vs_full, abs_r_seed_to_seed.
    """
    tr, va, te = split
    histories, rows, agree = {}, [], []
    for entry in gene_sets:
        genes = [g.strip() for g in entry.split(",")] if isinstance(entry, str) else list(entry)
        name = ",".join(genes)
        absent = [g for g in genes if g not in prep.graph.genes]
        if absent:
            rows.append({"genes": name, "n_variants": 0, "status": f"skipped: {absent} not in graph"})
            continue
        sub = prep.graph.restrict(genes)
        X = gt.encode_two_bit(prep.dosage[:, sub.variant_index])  # this subgraph's bits only
        fits = [GeneDAEEmbedder(**{**kwargs, "seed": s}, progress=False).fit(
            X[tr], adjacency=sub.A_prime(), X_val=X[va], genes=sub.genes, desc=name) for s in seeds]
        if stops is not None:
            stops.extend({"genes": name, "seed": s, "stop_reason": f.history_.stop_reason,
                          "epochs_run": len(f.history_.train_loss)} for s, f in zip(seeds, fits))
        est = fits[0]
        histories[f"{name} ({len(sub.variant_index)} variants)"] = est.history_.to_frame()
        rows.append({"genes": name, "n_variants": len(sub.variant_index), "status": "trained",
                     "test_bce": est.bce(X[te]), "frequency_baseline_bce": frequency_baseline_bce(X[tr], X[te]),
                     "convergence": est.history_.status(), "epochs_run": len(est.history_.train_loss)})
        embs = [f.transform(X) for f in fits]
        for k, g in enumerate(genes):
            row = {"unit": g if len(genes) == 1 else f"{g} (in {name})", "gene": g, "set": name}
            if full_embeddings is not None and g in list(full_names):
                full = full_embeddings[:, list(full_names).index(g)]
                row["abs_r_vs_full"] = abs_corr(embs[0][:, k], full)
                for s_, e in zip(seeds, embs):
                    row[f"abs_r_vs_full_seed{s_}"] = abs_corr(e[:, k], full)
            if len(embs) > 1:
                row["abs_r_seed_to_seed"] = abs_corr(embs[0][:, k], embs[1][:, k])
            agree.append(row)
    return histories, pd.DataFrame(rows), pd.DataFrame(agree)


@cache.cached(version=2, ignore=("device",))
def subgraph_models(dosage, adjacency, genes, gene_sets, split, full_embeddings, full_names, seeds=(0, 1),
                    device: str = "cpu", **kwargs) -> dict:
    """:func:`train_subgraphs` on raw arrays, cached by content (notebook 02 reuses notebook 01's): a dict with
    ``histories``, ``summary``, ``agreement`` and ``stops`` (how each model's training ended, every seed)."""
    graph = ann.VariantGeneGraph(sp.csr_matrix(adjacency), list(genes), np.arange(adjacency.shape[0]), {})
    prep = Prepared(gt.Genotypes(np.asarray(dosage), pd.DataFrame(), pd.DataFrame()), pd.DataFrame(), graph)
    stops = []
    hist, summary, agreement = train_subgraphs(prep, gene_sets, split, full_embeddings=full_embeddings,
                                               full_names=full_names, seeds=seeds, device=device, stops=stops,
                                               **kwargs)
    return {"histories": hist, "summary": summary, "agreement": agreement, "stops": stops}


#: the any-cap reuse of G4's models is keyed by the code that trains them too
_SUBGRAPH_SOURCE = hashlib.sha1((inspect.getsource(train_subgraphs) + inspect.getsource(
    subgraph_models.__wrapped__)).encode()).hexdigest()


def budget_cap(epochs: int, budget_scale: float = 1.0) -> int:
    """The epoch cap of a training run: ``epochs x budget_scale``, rounded, at least 1."""
    return max(1, round(epochs * budget_scale))


def fit_embeddings(prep: Prepared, *, lr: float = 0.0, lr_grid=(3e-3, 1e-2, 3e-2), epochs: int = 60,
                   budget_scale: float = 1.0, seed: int = 0, device: str = "cpu", engine: str = "auto",
                   **params) -> dict:
    """The full GeneDAE of a prepared dataset, with its learning rate chosen on validation data when
    ``lr`` is 0 (:func:`choose_lr`), else ``lr`` as given (the paper's 1e-4), for at most
    ``epochs x budget_scale`` epochs (:func:`budget_cap`). ``params``: the other :func:`train_embeddings`
    parameters (``noise_std``, ``nodes_per_gene``, ``patience``, ``min_delta``, ``batch_size``). Adds ``lr``
    and ``lr_table`` (None when given) to its result. The learning-rate probe (:func:`choose_lr`) runs a
    fixed number of epochs with no early stopping, so ``patience`` and ``min_delta`` do not enter it."""
    engine = resolve_engine(engine, device)
    table = None
    if not lr:
        table = choose_lr(prep.dosage, prep.graph.A, list(prep.graph.genes), tuple(lr_grid), seed=seed,
                          noise_std=params.get("noise_std", 0.3), batch_size=params.get("batch_size", 64),
                          device=device, engine=engine)
        lr = float(table.loc[table["chosen"], "lr"].iloc[0])
    res = embeddings(prep, lr=lr, epochs=budget_cap(epochs, budget_scale), seed=seed, device=device, engine=engine,
                     **params)
    return {**res, "lr": lr, "lr_table": table}


def agreement_with_full(prep: Prepared, fit: dict, genes, seeds=(0, 1), epochs: int = 30, budget_scale: float = 1.0,
                        device: str = "cpu", engine: str = "auto", use_cache: bool = True, **kwargs) -> dict:
    """Claim G4: :func:`subgraph_models` of the gene sets ``genes`` against the full model's embeddings
    ``fit`` (same learning rate), each for at most ``epochs x budget_scale`` epochs; ``kwargs``: the other
    :class:`GeneDAEEmbedder` parameters (``noise_std``, ``nodes_per_gene``, ``patience``, ``min_delta``,
    ``batch_size``).

    With early stopping (``patience``), the first models trained with these data and settings at any cap are
    reused when early stopping ended every one of them (every gene set, every seed) within this cap: the same
    seed gives the same batches, noise and weights up to the stop, so they are the same models (as
    :func:`embeddings` reuses the full model). A set of models that a cap ended, or that stopped after more
    epochs than this cap allows, is trained again at this cap. The robustness grid's 4x and 16x budgets then
    cost nothing when the models converged at 1x.

    Returns ``{"histories", "summary", "agreement", "epochs_cap"}`` (:func:`train_subgraphs`)."""
    cap = budget_cap(epochs, budget_scale)
    engine = resolve_engine(engine, device)
    args = (prep.dosage, prep.graph.A, list(prep.graph.genes), list(genes), fit["split"], fit["embeddings"],
            list(fit["names"]), tuple(seeds))

    def train_at_cap():
        return {**subgraph_models(*args, lr=fit["lr"], epochs=cap, device=device, engine=engine, use_cache=use_cache,
                                  **kwargs), "epochs_cap": cap}

    if not use_cache or kwargs.get("patience") is None:
        out = train_at_cap()
    else:
        keyed = {k: v for k, v in kwargs.items() if k != "progress"}
        out, hit = cache.get_or_compute("tools.genedae.subgraph_models_any_cap",
                                        (*args, fit["lr"], engine, keyed), train_at_cap, version=(1, _SUBGRAPH_SOURCE))
        if hit and out["epochs_cap"] != cap and not all(
                s["stop_reason"] == "patience" and s["epochs_run"] <= cap for s in out["stops"]):
            out = train_at_cap()  # a cap ended some model there, or this cap is too small for where they stopped
    return {"histories": out["histories"], "summary": out["summary"], "agreement": out["agreement"],
            "epochs_cap": cap}


def abs_corr(a, b) -> float:
    """|Pearson r| of two vectors; NaN when either is constant (a dead ReLU unit)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(abs(np.corrcoef(a, b)[0, 1]))


# ----------------------------------------------------------------------------------------------
# gene-disease analyses


def informative_features(features, min_fraction: float = 0.01) -> np.ndarray:
    """Features that differ from their median in at least ``min_fraction`` of samples, shape (n_features,).

    A ReLU unit that is zero for all but a handful of samples gives t-tests with a near-zero variance
    in one group and absurdly small p-values; such near-constant features are not tested.
    """
    F = np.asarray(features, dtype=float)
    return (np.abs(F - np.median(F, axis=0)) > 1e-8).mean(axis=0) >= min_fraction


def _ranked(res: pd.DataFrame, disease: str) -> pd.DataFrame:
    res = res.sort_values("p", na_position="last", kind="stable").reset_index(drop=True)
    res.insert(0, "disease", disease)
    res["rank"] = np.arange(1, len(res) + 1)
    return res


def gene_disease_tests(features, phenotypes: pd.DataFrame, names, diseases=None, alpha: float = 0.01,
                       method: str = "bonferroni", min_fraction: float = 0.01, equal_var: bool = True) -> pd.DataFrame:
    """t-test of every feature between cases and controls, per disease, corrected per disease.

    ``equal_var=True`` (default) is Student's pooled-variance t-test (scipy's default ``ttest_ind``).
    Welch's test (``equal_var=False``) is unusable on ReLU embeddings with few cases: when all cases of
    a disease sit at zero their variance is 0 and Welch's t explodes.
    Features failing :func:`informative_features` get NaN statistics and are not counted as tests.

    Returns a long table: ``disease, gene, t, p, p_adj, significant, rank`` (rank 1 = smallest p;
    untested features take the last ranks).
    """
    diseases = diseases or [c for c in phenotypes.columns if c != "iid"]
    F = np.asarray(features, dtype=float)
    tested = informative_features(F, min_fraction)
    names = list(names)
    out = []
    for d in diseases:
        case = phenotypes[d].to_numpy().astype(bool)
        if case.all() or not case.any():
            raise ValueError(f"{d}: t-test needs both cases and controls; one group is empty")
        res = stats.ttest_columns(F[:, tested], case, columns=np.asarray(names)[tested], method=method, alpha=alpha,
                                  equal_var=equal_var)
        res = res.reindex(names).rename_axis("gene").reset_index()  # untested features: NaN, not counted
        res["significant"] = res["significant"].eq(True)
        out.append(_ranked(res, d))
    return pd.concat(out, ignore_index=True)


def _long(p: np.ndarray, genes, disease: str, alpha: float, n_tests: int | None = None,
          significant=None) -> pd.DataFrame:
    """One disease's gene table ranked by p: gene, p, p_adj (Bonferroni over ``n_tests``), significant, rank."""
    p = np.asarray(p, dtype=float)
    n = n_tests or int(np.isfinite(p).sum())
    p_adj = np.minimum(p * n, 1.0)
    sig = (p_adj < alpha) if significant is None else np.asarray(significant, bool)
    res = pd.DataFrame({"gene": list(genes), "p": p, "p_adj": p_adj, "significant": sig & np.isfinite(p)})
    return _ranked(res, disease)


def covariates_from_pcs(dosage, n_pcs: int, seed: int = 0):
    """The first ``n_pcs`` principal components of the dosages as association covariates (None for 0)."""
    return pca_features(dosage, n_pcs, seed) if n_pcs else None


def variant_gene_members(graph: ann.VariantGeneGraph) -> list[np.ndarray]:
    """For each gene (column of ``graph.A``), the indices of its variants (rows)."""
    A = sp.csc_matrix(graph.A)
    return [A.indices[A.indptr[k]:A.indptr[k + 1]] for k in range(A.shape[1])]


def gwas(dosage, phenotypes: pd.DataFrame, diseases, covariates=None) -> pd.DataFrame:
    """Single-variant association of every variant with every disease: the Cochran-Armitage trend test
    (logistic score test), adjusted for ``covariates`` (principal components) when given.

    Returns a long table disease, variant, z, chi2, p.
    """
    from threadpoolctl import threadpool_limits

    out = []
    for d in diseases:
        with threadpool_limits(1):
            res = stats.trend_test(dosage, phenotypes[d].to_numpy(), covariates)
        out.append(res.assign(disease=d, variant=np.arange(len(res))))
    return pd.concat(out, ignore_index=True)[["disease", "variant", "z", "chi2", "p"]]


def gene_level_tests(dosage, phenotypes: pd.DataFrame, graph: ann.VariantGeneGraph, diseases, alpha: float = 0.01,
                     covariates=None, variant_tests: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Gene-level results of the baselines a geneticist would run, per disease, ranked by p.

    * ``"GWAS min p"``: the single-variant trend test (:func:`gwas`); a gene's p is the minimum over its
      variants (the annotation's variant-gene edges, as GeneDAE uses); a gene is significant when one
      of its variants passes Bonferroni over *all* variants at ``alpha``.
    * ``"LD-aware gene test"``: the sum of its variants' trend chi-squares against its null, a weighted
      sum of chi-square(1) with weights the eigenvalues of the gene's LD matrix
      (:func:`genenets.stats.sum_chi2_pvalue`); Bonferroni over genes.
    * ``"minor-allele burden"``: trend test of the gene's summed minor-allele counts
      (:func:`genenets.stats.burden_test`); Bonferroni over genes.

    Returns ``{method: long table disease, gene, p, p_adj, significant, rank}``.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # many small products: one BLAS thread is far faster on a shared machine
        return _gene_level_tests(np.asarray(dosage), phenotypes, graph, diseases, alpha, covariates, variant_tests)


def _gene_level_tests(D, phenotypes, graph, diseases, alpha, covariates, variant_tests):
    members = variant_gene_members(graph)
    genes = list(graph.genes)
    vt = variant_tests if variant_tests is not None else gwas(D, phenotypes, diseases, covariates)
    moments = []  # trace(R) and trace(R^2) of each gene's LD matrix: the null of its sum of chi-squares
    for idx in members:
        R = stats.ld_matrix(D[:, idx])
        moments.append((float(np.trace(R)), float((R ** 2).sum())))
    s1, s2 = np.array(moments).T
    burden = allele_burden(D, graph, minor=True)
    out = {"GWAS min p": [], "LD-aware gene test": [], "minor-allele burden": []}
    for d in diseases:
        v = vt[vt["disease"] == d].sort_values("variant")
        p_var, z = v["p"].to_numpy(), v["z"].to_numpy()
        m = int(np.isfinite(p_var).sum())
        min_p = np.array([np.nanmin(p_var[idx]) if np.isfinite(p_var[idx]).any() else np.nan for idx in members])
        out["GWAS min p"].append(_long(min_p, genes, d, alpha, n_tests=m))
        q = np.array([np.nansum(z[idx] ** 2) for idx in members])
        ld = stats.satterthwaite_sf(q, s1, s2)
        out["LD-aware gene test"].append(_long(ld, genes, d, alpha))
        bt = stats.trend_test(burden, phenotypes[d].to_numpy(), covariates)["p"].to_numpy()
        out["minor-allele burden"].append(_long(bt, genes, d, alpha))
    return {k: pd.concat(v, ignore_index=True) for k, v in out.items()}


def prediction_auc(features, y, trials: int = 10, test_size: float = 0.3, seed: int = 0,
                   max_iter: int = 500) -> dict:
    """Paper's Table 2 protocol: min-max scaling + logistic regression (lbfgs, no penalty, balanced class
    weights) on stratified 70/30 splits, ``trials`` times; test ROC AUC mean and standard error.

    Parameters
    ----------
    features : array of shape (n_samples, n_features)
    y : 0/1 array of shape (n_samples,)

    Returns
    -------
    ``{"mean", "se", "aucs", "converged"}``; ``converged`` counts the fits that lbfgs finished before
    ``max_iter`` (the others are reported, not hidden).
    """
    y = np.asarray(y).astype(int)
    if y.min() == y.max():
        raise ValueError("prediction_auc: y has one class only")
    if y.sum() < 2 or (1 - y).sum() < 2:
        raise ValueError(f"prediction_auc: need at least 2 cases and 2 controls, have {y.sum()} cases")
    aucs, converged = [], 0
    for trial in range(trials):
        tr, te = train_test_split(np.arange(len(y)), test_size=test_size, stratify=y, random_state=seed + trial)
        model = make_pipeline(MinMaxScaler(), LogisticRegression(C=np.inf, solver="lbfgs", class_weight="balanced",
                                                                 max_iter=max_iter))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(features[tr], y[tr])
        converged += not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        aucs.append(stats.auroc(y[te], model.decision_function(features[te])))
    mean, se = stats.mean_se(aucs)
    return {"mean": mean, "se": se, "aucs": aucs, "converged": converged}


@cache.cached(version=1)
def cached_prediction_auc(features, y, trials: int = 10, test_size: float = 0.3, seed: int = 0,
                          max_iter: int = 500) -> dict:
    """:func:`prediction_auc` cached by the content of the features and labels (the robustness grid's
    runs at other budgets of a converged model repeat the same regressions)."""
    return prediction_auc(features, y, trials=trials, test_size=test_size, seed=seed, max_iter=max_iter)


def allele_burden(dosage, graph: ann.VariantGeneGraph, minor: bool = False) -> np.ndarray:
    """Per-gene allele burden, shape (n, n_genes): the sum over each gene's variants of allele counts
    (``minor=True``: counts of each variant's *minor* allele, the orientation burden tests use)."""
    D = np.asarray(dosage)
    A = sp.csr_matrix(graph.A, dtype=np.float32)
    if not minor:
        return np.asarray(A.T @ D.T.astype(np.float32)).T
    flip = D.mean(axis=0, dtype=np.float64) / 2 > 0.5  # allele 1 is the major allele: count 2 - dosage
    sign = np.where(flip, -1.0, 1.0).astype(np.float32)
    offset = 2 * np.asarray(A[flip].sum(axis=0)).ravel()
    return np.asarray(sp.csr_matrix(A.multiply(sign[:, None])).T @ D.T.astype(np.float32)).T + offset


@cache.cached(version=1, ignore=("n_threads",))
def pca_features(dosage, n_components: int, seed: int = 0, n_threads: int | None = 1) -> np.ndarray:
    """PCA of the allele dosages (n_samples, m) with ``n_components`` components (as many as genes,
    capped by the sample count), randomized solver; ``n_threads`` BLAS threads (threadpoolctl)."""
    from threadpoolctl import threadpool_limits

    X = np.asarray(dosage, dtype=np.float32)
    n_components = min(n_components, X.shape[0] - 1, X.shape[1])
    with threadpool_limits(n_threads):
        return PCA(n_components=n_components, random_state=seed, svd_solver="randomized").fit_transform(X)


def table2(feature_sets: dict, phenotypes: pd.DataFrame, diseases=None, trials: int = 10, seed: int = 0,
           max_iter: int = 500, n_threads: int | None = 1) -> pd.DataFrame:
    """Table 2 for several feature sets: disease, features, cases, controls, prevalence, AUC mean and SE,
    and how many of the ``trials`` fits converged.

    Every feature set gets the same splits (same seeds). ``feature_sets`` maps a name to an array, or
    to ``(array, trials)`` to run fewer trials for an expensive set. ``n_threads`` limits BLAS threads.
    """
    from threadpoolctl import threadpool_limits

    diseases = diseases or [c for c in phenotypes.columns if c != "iid"]
    rows = []
    for d in diseases:
        y = phenotypes[d].to_numpy().astype(int)
        for name, F in feature_sets.items():
            F, n_trials = F if isinstance(F, tuple) else (F, trials)
            with threadpool_limits(n_threads):
                r = cached_prediction_auc(F, y, trials=n_trials, seed=seed, max_iter=max_iter)
            rows.append({"disease": d, "features": name, "cases": int(y.sum()), "controls": int((1 - y).sum()),
                         "prevalence": y.mean(), "auc_mean": r["mean"], "auc_se": r["se"], "trials": n_trials,
                         "converged_fits": r["converged"]})
    return pd.DataFrame(rows)


def table2_with_raw(feature_sets: dict, prep: Prepared, diseases, *, trials: int = 10, max_iter: int = 1000,
                    raw_trials: int = 1, raw_max_iter: int = 50, seed: int = 0) -> pd.DataFrame:
    """:func:`table2` of ``feature_sets`` (``trials`` splits, ``max_iter`` lbfgs iterations), then of the
    raw variant dosages with ``raw_trials`` and ``raw_max_iter`` (none when ``raw_trials`` is 0): a
    regression on thousands of variants costs far more than one on a few hundred gene features."""
    t2 = table2(feature_sets, prep.phenotypes, diseases, trials=trials, seed=seed, max_iter=max_iter)
    if not raw_trials:
        return t2
    raw = table2({"raw variants (dosages)": prep.dosage.astype("float32")}, prep.phenotypes, diseases,
                 trials=raw_trials, seed=seed, max_iter=raw_max_iter)
    return pd.concat([t2, raw], ignore_index=True)


def diseases_with_cases(phenotypes: pd.DataFrame, min_cases: int = 5) -> tuple[list, dict]:
    """Diseases with at least ``min_cases`` cases and as many controls; the others are returned with
    their case counts (a counted exclusion: too few cases for a t-test or a 70/30 AUC)."""
    kept, excluded = [], {}
    for d in [c for c in phenotypes.columns if c != "iid"]:
        n_cases = int(phenotypes[d].sum())
        if min(n_cases, len(phenotypes) - n_cases) >= min_cases:
            kept.append(d)
        else:
            excluded[d] = n_cases
    if not kept:
        raise ValueError(f"no disease has {min_cases} cases and {min_cases} controls: {excluded}")
    return kept, excluded


# ----------------------------------------------------------------------------------------------
# for the data-overview notebook (00)


def overview(n_individuals: int = 200, seed: int = 0):
    """The HapMap MHC genotypes and a small simulated cohort, each with its shape, and one figure
    (variants per gene of the HapMap graph; drawn by :mod:`genenets.plotting.genedae`)."""
    from .. import datasets
    from ..plotting import genedae as plot  # noqa: the one figure of 00's GeneDAE section

    hap = prepare(datasets.load("hapmap"))
    cohort = datasets.load("mhc-cohort-simulated", n_individuals=n_individuals, seed=seed).data
    shapes = {"HapMap MHC (samples x variants)": hap.genotypes.shape,
              "simulated cohort (samples x variants)": cohort.genotypes.shape,
              "HapMap variant-gene graph A (variants x genes)": hap.graph.A.shape,
              "simulated cases per disease": cohort.phenotypes.drop(columns="iid").sum().to_dict()}
    return shapes, plot.snps_per_gene(hap.graph.snps_per_gene, title="HapMap CEU MHC: variants per gene")


"""GeneDAE analyses: training gene embeddings, gene-disease t-tests, disease prediction and baselines.

Used by notebooks ``01_genedae_embeddings`` (graph, training, loss curves, per-gene training, real
HapMap genotypes) and ``02_genedae_gene_disease`` (Table 1, Fig. 4, Table 2, baselines, recovery of
the planted genes on simulated data).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from .. import plots, stats, train
from ..data import annotation as ann
from ..data import genotypes as gt
from ..data.registry import DataError
from ..models.genedae import GeneDAE, bce_loss

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
    path : CSV/TSV with a sample id column (``iid``, ``IID``, ``sample`` or ``eid``) and one 0/1 column
        per disease (TRUE/FALSE and case/control accepted)
    sample_ids : ids of the genotyped samples, in genotype order
    diseases : columns to use (default: all but the id)

    Raises
    ------
    DataError
        No id column, genotyped samples missing from the table, a disease column with values other
        than 0/1, or a disease with only one class.
    """
    path = Path(path)
    sep = "\t" if path.suffix in (".tsv", ".txt") else ","
    df = pd.read_csv(path, sep=sep, dtype=str)
    id_col = next((c for c in ("iid", "IID", "sample", "sample_id", "eid") if c in df.columns), None)
    if id_col is None:
        raise DataError(f"{path}: no sample id column (iid, IID, sample, sample_id or eid); columns are {list(df.columns)}")
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
        values = df.loc[sample_ids, d].str.strip().str.lower().map(mapping)
        if values.isna().any():
            bad = df.loc[sample_ids, d][values.isna()].iloc[0]
            raise DataError(f"{path}: column {d!r} must be 0/1 (case/control); found {bad!r}")
        if values.nunique() < 2:
            raise DataError(f"{path}: column {d!r} has only one class ({int(values.iloc[0])}) among the "
                            f"genotyped samples; a t-test and an AUC need cases and controls")
        out[d] = values.to_numpy().astype(int)
    return out


# ----------------------------------------------------------------------------------------------
# the estimator


class GeneDAEEmbedder:
    """Fit GeneDAE on two-bit genotypes and transform samples into gene embeddings.

    Parameters
    ----------
    noise_std : float
        Input noise ``gamma`` (paper 0.3).
    nodes_per_gene : int
        Hidden units per gene (paper 1).
    lr, epochs, batch_size : float, int, int
        Adam learning rate (paper 1e-4), epochs (paper 60), batch size.
    patience : int, optional
        Early stopping on the validation loss (paper: none).
    checkpoint : path, optional
        Per-epoch checkpoint (``train.fit``); an interrupted fit resumes from it.
    seed : int
        Seeds the weights, the input noise and the batch order.
    device : str
    progress : bool
        The decoder bias starts at the logit of each bit's training frequency.
    n_threads : int, optional
        torch CPU threads while fitting (1 is fastest for this gather/scatter-bound model on a busy
        machine); restored afterwards.
    """

    def __init__(self, noise_std: float = 0.3, nodes_per_gene: int = 1, lr: float = 1e-4, epochs: int = 60,
                 batch_size: int = 64, patience: int | None = None, checkpoint=None, seed: int = 0,
                 device: str = "cpu", progress: bool = True, n_threads: int | None = 1):
        self.n_threads = n_threads
        self.noise_std = noise_std
        self.nodes_per_gene = nodes_per_gene
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.patience = patience
        self.checkpoint = checkpoint
        self.seed = seed
        self.device = device
        self.progress = progress

    def fit(self, X, adjacency, X_val=None, genes=None, desc: str = "GeneDAE"):
        """Train on ``X``.

        Parameters
        ----------
        X : array of shape (n_samples, 2m)
            Two-bit encoded genotypes (:func:`genenets.data.genotypes.encode_two_bit`).
        adjacency : sparse matrix of shape (2m, n_genes)
            ``A'`` (:func:`genenets.data.annotation.duplicate_rows`).
        X_val : array of shape (n_val, 2m), optional
            Validation loss per epoch (and early stopping).
        genes : list of n_genes names, optional
        """
        X = np.asarray(X, dtype=np.float32)
        if X.shape[1] != adjacency.shape[0]:
            raise ValueError(f"X has {X.shape[1]} columns but the adjacency has {adjacency.shape[0]} rows (2m)")
        torch.manual_seed(self.seed)
        self.model_ = GeneDAE(adjacency, noise_std=self.noise_std, nodes_per_gene=self.nodes_per_gene)
        # start the decoder at the bit frequencies (logit of the training mean): the network then only has
        # to learn what the genes add to them, instead of spending epochs learning the biases
        freq = np.clip(X.mean(axis=0), 1e-4, 1 - 1e-4)
        with torch.no_grad():
            self.model_.decoder.bias.copy_(torch.as_tensor(np.log(freq / (1 - freq)), dtype=torch.float32))
        self.genes_ = list(genes) if genes is not None else [f"gene{k}" for k in range(adjacency.shape[1])]
        self.adjacency_ = sp.csr_matrix(adjacency)
        loader = train.make_loader(X, batch_size=self.batch_size, shuffle=True, seed=self.seed)
        val = train.make_loader(np.asarray(X_val, np.float32), batch_size=512) if X_val is not None else None
        threads = torch.get_num_threads()
        if self.n_threads:
            torch.set_num_threads(self.n_threads)
        try:
            self.history_ = train.fit(self.model_, loader, bce_loss, val_loader=val, epochs=self.epochs, lr=self.lr,
                                      patience=self.patience, checkpoint=self.checkpoint, device=self.device,
                                      progress=self.progress, desc=desc)
        finally:
            torch.set_num_threads(threads)
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

    def score(self, X) -> float:
        """Mean binary cross entropy of the reconstruction of ``X`` (lower is better)."""
        X = np.asarray(X, np.float32)
        p = np.clip(self.reconstruct(X), 1e-7, 1 - 1e-7)
        return float(-(X * np.log(p) + (1 - X) * np.log(1 - p)).mean())

    def per_gene_reconstruction(self, X) -> pd.DataFrame:
        """Per gene: BCE and accuracy (threshold 0.5) of the reconstruction of its variants' bits."""
        X = np.asarray(X, np.float32)
        p = np.clip(self.reconstruct(X), 1e-7, 1 - 1e-7)
        bce = -(X * np.log(p) + (1 - X) * np.log(1 - p)).mean(axis=0)  # per bit
        acc = ((p > 0.5) == (X > 0.5)).mean(axis=0)
        A = self.adjacency_
        n_bits = np.asarray(A.sum(axis=0)).ravel()
        return pd.DataFrame({"gene": self.genes_, "n_variants": (n_bits / 2).astype(int),
                             "bce": (A.T @ bce) / n_bits, "accuracy": (A.T @ acc) / n_bits})


def cache_key(params: dict) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:16]


def embeddings_cache_path(params: dict) -> Path:
    d = gt.genotype_cache_dir().parent / "genedae"
    d.mkdir(parents=True, exist_ok=True)
    return d / f"embeddings_{cache_key(params)}.npz"


def save_embeddings(path, embeddings: np.ndarray, names, history: pd.DataFrame):
    np.savez_compressed(path, embeddings=embeddings, names=np.asarray(names, dtype=str),
                        history=history.to_numpy(), history_columns=np.asarray(history.columns, dtype=str))


def load_embeddings(path) -> tuple[np.ndarray, list[str], pd.DataFrame]:
    with np.load(path) as z:
        hist = pd.DataFrame(z["history"], columns=list(z["history_columns"]))
        return z["embeddings"], list(z["names"]), hist


# ----------------------------------------------------------------------------------------------
# gene-disease analyses


def informative_features(features, min_fraction: float = 0.01) -> np.ndarray:
    """Features that differ from their median in at least ``min_fraction`` of samples, shape (n_features,).

    A ReLU unit that is zero for all but a handful of samples gives Welch t-tests with a near-zero
    variance in one group and absurdly small p-values; such near-constant features are not tested.
    """
    F = np.asarray(features, dtype=float)
    return (np.abs(F - np.median(F, axis=0)) > 1e-8).mean(axis=0) >= min_fraction


def gene_disease_tests(features, phenotypes: pd.DataFrame, names, diseases=None, alpha: float = 0.01,
                       method: str = "bonferroni", min_fraction: float = 0.01, equal_var: bool = True) -> pd.DataFrame:
    """t-test of every feature between cases and controls, per disease, corrected per disease.

    ``equal_var=True`` (default) is Student's pooled-variance t-test (scipy's default ``ttest_ind``).
    Welch's test (``equal_var=False``) is unusable on ReLU embeddings with few cases: when all cases of
    a disease sit at zero their variance is 0 and Welch's t explodes (p-values of 1e-200 from 15 cases).
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
        res["significant"] = res["significant"].fillna(False).astype(bool)
        res = res.sort_values("p", na_position="last", kind="stable").reset_index(drop=True)
        res.insert(0, "disease", d)
        res["rank"] = np.arange(1, len(res) + 1)
        out.append(res)
    return pd.concat(out, ignore_index=True)


def table1(tests: pd.DataFrame, phenotypes: pd.DataFrame) -> pd.DataFrame:
    """Paper's Table 1: per disease, cases, number of significant genes and the top two with p-values."""
    rows = []
    for d, t in tests.groupby("disease", sort=False):
        t = t.sort_values("p")
        rows.append({"disease": d, "cases": int(phenotypes[d].sum()), "n_significant": int(t["significant"].sum()),
                     "top1": t["gene"].iloc[0], "p_top1": t["p"].iloc[0],
                     "top2": t["gene"].iloc[1], "p_top2": t["p"].iloc[1]})
    return pd.DataFrame(rows)


def overlap_table(tests: pd.DataFrame) -> pd.DataFrame:
    """Number of significant genes shared by each pair of diseases (diagonal: own count)."""
    sig = {d: set(t.loc[t["significant"], "gene"]) for d, t in tests.groupby("disease", sort=False)}
    names = list(sig)
    return pd.DataFrame([[len(sig[a] & sig[b]) for b in names] for a in names], index=names, columns=names)


def pvalue_heatmap(tests: pd.DataFrame, top: int = 5, ax=None, title: str = "", planted: dict | None = None):
    """Fig. 4: -log10 p of the union of each disease's ``top`` genes across diseases.

    ``planted`` (simulated data: disease -> genes) labels each planted gene with the diseases it was
    planted in, so the reader sees which associations are true and which are LD neighbours.
    """
    genes = list(dict.fromkeys(g for _, t in tests.groupby("disease", sort=False)
                               for g in t.sort_values("p")["gene"].head(top)))
    wide = tests.pivot(index="gene", columns="disease", values="p").loc[genes, list(dict.fromkeys(tests["disease"]))]
    logp = -np.log10(wide.astype(float).clip(lower=1e-300))
    if ax is None:
        _, ax = plt.subplots(figsize=(1.2 * logp.shape[1] + 3, 0.35 * len(genes) + 1.5))
    if planted:
        where = {g: [d for d, gs in planted.items() if g in gs] for g in logp.index}
        logp.index = [f"{g} [planted: {','.join(where[g])}]" if where[g] else g for g in logp.index]
    plots.heatmap(logp, ax=ax, title=title or "Gene-disease associations", cbar_label="-log10 p", fmt=".1f")
    ax.set(xlabel="", ylabel="")
    return ax.figure


def planted_recovery(tests: pd.DataFrame, planted: dict) -> pd.DataFrame:
    """Per disease: precision and recall of the significant genes against the planted ones, and the
    rank (by p) of every planted gene."""
    rows = []
    for d, t in tests.groupby("disease", sort=False):
        truth = set(planted.get(d, []))
        t = t.assign(gene=t["gene"].astype(str).str.split("#").str[0])  # k nodes per gene: "GENE#i" -> GENE
        sig = set(t.loc[t["significant"], "gene"])
        ranks = t.groupby("gene")["rank"].min()
        rows.append({"disease": d, "n_planted": len(truth), "n_significant": len(sig),
                     "true_positives": len(sig & truth),
                     "precision": len(sig & truth) / len(sig) if sig else np.nan,
                     "recall": len(sig & truth) / len(truth) if truth else np.nan,
                     "planted_ranks": "; ".join(f"{g}:{int(ranks[g])}" if g in ranks else f"{g}:absent"
                                                for g in sorted(truth))})
    return pd.DataFrame(rows)


def prediction_auc(features, y, trials: int = 10, test_size: float = 0.3, seed: int = 0,
                   max_iter: int = 500) -> dict:
    """Paper's Table 2 protocol: min-max scaling + logistic regression (lbfgs, no penalty = ``C=inf``, balanced class
    weights) on stratified 70/30 splits, ``trials`` times; test ROC AUC mean and standard error.

    Parameters
    ----------
    features : array of shape (n_samples, n_features)
    y : 0/1 array of shape (n_samples,)

    Returns
    -------
    ``{"mean", "se", "aucs"}``
    """
    y = np.asarray(y).astype(int)
    if y.min() == y.max():
        raise ValueError("prediction_auc: y has one class only")
    if y.sum() < 2 or (1 - y).sum() < 2:
        raise ValueError(f"prediction_auc: need at least 2 cases and 2 controls, have {y.sum()} cases")
    aucs = []
    for trial in range(trials):
        tr, te = train_test_split(np.arange(len(y)), test_size=test_size, stratify=y, random_state=seed + trial)
        model = make_pipeline(MinMaxScaler(), LogisticRegression(C=np.inf, solver="lbfgs", class_weight="balanced",
                                                                 max_iter=max_iter))
        import warnings

        with warnings.catch_warnings():  # unpenalised LR on separable data does not converge; AUC is still defined
            warnings.simplefilter("ignore")
            model.fit(features[tr], y[tr])
        aucs.append(stats.auroc(y[te], model.decision_function(features[te])))
    mean, se = stats.mean_se(aucs)
    return {"mean": mean, "se": se, "aucs": aucs}


def allele_burden(dosage, graph: ann.VariantGeneGraph) -> np.ndarray:
    """Per-gene allele burden: the sum of allele counts over each gene's variants, shape (n, n_genes)."""
    return np.asarray(sp.csr_matrix(graph.A).T @ np.asarray(dosage, np.float32).T).T


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
    """Table 2 for several feature sets: disease, features, cases, controls, prevalence, AUC mean and SE.

    Every feature set gets the same splits (same seeds). ``n_threads`` limits BLAS threads
    (threadpoolctl): on a small shared machine one thread is much faster than oversubscription.
    """
    from threadpoolctl import threadpool_limits

    diseases = diseases or [c for c in phenotypes.columns if c != "iid"]
    rows = []
    for d in diseases:
        y = phenotypes[d].to_numpy().astype(int)
        for name, F in feature_sets.items():
            with threadpool_limits(n_threads):
                r = prediction_auc(F, y, trials=trials, seed=seed, max_iter=max_iter)
            rows.append({"disease": d, "features": name, "cases": int(y.sum()), "controls": int((1 - y).sum()),
                         "prevalence": y.mean(), "auc_mean": r["mean"], "auc_se": r["se"]})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------
# figures


def snps_per_gene_figure(graph: ann.VariantGeneGraph, title: str = ""):
    """Fig. 2: histogram of variants per gene."""
    return ann.overview_figure(graph, title=title)


def category_figure(categories: pd.DataFrame, ax=None, title: str = "Variant categories (ANNOVAR-style)"):
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.8))
    c = categories[categories["n_variants"] > 0]
    ax.barh(c["category"], c["n_variants"], color="tab:blue")
    ax.invert_yaxis()
    for y, v in enumerate(c["n_variants"]):
        ax.text(v, y, f" {v}", va="center", fontsize=8)
    ax.set(xlabel="variants", title=title)
    ax.set_xlim(0, c["n_variants"].max() * 1.15)
    return ax.figure


def loss_figure(histories: dict, title: str = "GeneDAE reconstruction loss", ax=None):
    """Fig. 1: train (solid) and validation (dashed) BCE per epoch, log scale."""
    ax = plots.loss_curves(histories, ax=ax, log=True, title=title)
    ax.set_ylabel("binary cross entropy (log scale)")
    return ax.figure


def subgraph_loss_figure(histories: dict, ncols: int = 3):
    """Fig. 3: one panel per gene / gene set trained on its own subgraph (train and validation BCE)."""
    n = len(histories)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.2 * nrows), squeeze=False)
    for ax, (name, h) in zip(axes.ravel(), histories.items()):
        ax.plot(h["epoch"], h["train_loss"], label="train")
        if "val_loss" in h:
            ax.plot(h["epoch"], h["val_loss"], ls="--", label="validation")
        ax.set_yscale("log")
        ax.set(title=name, xlabel="epoch", ylabel="BCE (log)")
        ax.legend(frameon=False, fontsize=8)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def embedding_figure(embeddings: np.ndarray, names, recon: pd.DataFrame, top: int = 25, title: str = ""):
    """Embeddings of the most variable genes (samples x genes heatmap, z-scored) beside the per-gene
    reconstruction accuracy."""
    var = embeddings.var(axis=0)
    order = np.argsort(-var)[:top]
    E = embeddings[:, order]
    E = (E - E.mean(0)) / np.where(E.std(0) > 0, E.std(0), 1)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 5), gridspec_kw={"width_ratios": [2, 1]})
    im = a1.imshow(E.T, aspect="auto", cmap="RdBu_r", vmin=-3, vmax=3, interpolation="nearest")
    a1.set_yticks(range(len(order)), [names[i] for i in order], fontsize=7)
    a1.set(xlabel="sample", title=title or f"Gene embeddings ({len(order)} most variable genes, z-scored)")
    a1.grid(False)
    fig.colorbar(im, ax=a1, label="z-score", shrink=0.8)
    r = recon.sort_values("accuracy")
    a2.hist(r["accuracy"], bins=20, color="tab:green", edgecolor="white")
    a2.set(xlabel="per-gene reconstruction accuracy", ylabel="genes",
           title=f"Reconstruction, all {len(embeddings)} samples\n(median gene {r['accuracy'].median():.3f})")
    fig.tight_layout()
    return fig


def auc_figure(t2: pd.DataFrame, title: str = "Disease prediction: test AUC (mean ± SE over trials)"):
    ax = plots.grouped_bars(t2, x="disease", y="auc_mean", hue="features", err="auc_se", title=title,
                            baseline=0.5, baseline_label="random")
    ax.set(ylabel="test ROC AUC", xlabel="", ylim=(0.3, 1.0))
    return ax.figure


@dataclass
class Prepared:
    """Everything notebook 01/02 need about one dataset."""

    genotypes: gt.Genotypes
    annotation: pd.DataFrame
    graph: ann.VariantGeneGraph
    X: np.ndarray
    phenotypes: pd.DataFrame | None = None
    truth: object = None


def overview(n_individuals: int = 200, seed: int = 0):
    """For the data-overview notebook: the HapMap MHC genotypes and a small simulated cohort, each with
    its shape, and one figure (variants per gene of the HapMap graph)."""
    from ..simulate.cohort import simulate_cohort

    hap = gt.load_hapmap_mhc()
    _, graph, hap = build_graph(hap, ann.load_ensembl_mhc())
    cohort = simulate_cohort(n_individuals, seed=seed)
    shapes = {"HapMap MHC (samples x variants)": hap.shape,
              "simulated cohort (samples x variants)": cohort.genotypes.shape,
              "HapMap variant-gene graph A (variants x genes)": graph.A.shape,
              "simulated cases per disease": cohort.phenotypes.drop(columns="iid").sum().to_dict()}
    return shapes, snps_per_gene_figure(graph, title="HapMap CEU MHC: variants per gene")


# ----------------------------------------------------------------------------------------------
# one entry point per notebook step


def prepare(dataset: str = "simulated", n_individuals: int = 3000, n_variants: int = 8800, seed: int = 0,
            plink_prefix: str = "", phenotype_file: str = "", missing: str = "mode",
            intergenic_distance: int = 100_000, region=gt.MHC_GRCH37) -> Prepared:
    """Load a dataset, annotate its variants and encode it.

    ``dataset``: ``"simulated"`` (msprime cohort with planted diseases), ``"hapmap"`` (registry HapMap CEU
    MHC genotypes, no phenotypes) or ``"plink"`` (``plink_prefix``; optional ``phenotype_file`` with a
    sample id column and 0/1 disease columns, see :func:`load_phenotypes`).
    """
    from ..simulate.cohort import simulate_cohort

    gene_model = ann.load_ensembl_mhc(region[1], region[2])
    phenotypes, truth = None, None
    if dataset == "simulated":
        cohort = simulate_cohort(n_individuals, n_variants=n_variants, seed=seed, region=region,
                                 gene_model=gene_model, intergenic_distance=intergenic_distance)
        genotypes, phenotypes, truth = cohort.genotypes, cohort.phenotypes, cohort.truth
    elif dataset == "hapmap":
        genotypes = gt.load_hapmap_mhc(missing=missing, region=region)
    elif dataset == "plink":
        if not plink_prefix:
            raise ValueError("dataset='plink' needs plink_prefix (path of the .bed/.bim/.fam without suffix)")
        genotypes = gt.read_plink(plink_prefix, region=region, missing=missing)
    else:
        raise ValueError(f"dataset must be 'simulated', 'hapmap' or 'plink', not {dataset!r}")
    if phenotype_file:
        phenotypes = load_phenotypes(phenotype_file, genotypes.samples["iid"])
    annotation, graph, kept = build_graph(genotypes, gene_model, intergenic_distance=intergenic_distance)
    if truth is not None:  # causal variant columns refer to the cohort before unmapped variants were dropped
        truth.causal["variant"] = pd.Index(kept.variants["source_index"]).get_indexer(truth.causal["variant"])
    return Prepared(kept, annotation, graph, gt.encode_two_bit(kept.dosage), phenotypes, truth)


def embeddings_for(prep: Prepared, *, dataset_params: dict, noise_std: float = 0.3, nodes_per_gene: int = 1,
                   lr: float = 1e-4, epochs: int = 60, batch_size: int = 64, patience=None, seed: int = 0,
                   device: str = "cpu", use_cache: bool = True, progress: bool = True):
    """Gene embeddings of every sample from GeneDAE trained on the 70% training split (70/20/10).

    Always written to ``data/cache/genedae/`` keyed by the dataset and model parameters; read from there
    when ``use_cache`` (so notebook 02 reuses what notebook 01 trained). Returns ``(embeddings, names, history_frame, info)`` where ``info`` holds
    the split and, when trained in this call, the fitted estimator and its test BCE.
    """
    params = dict(dataset_params, noise_std=noise_std, nodes_per_gene=nodes_per_gene, lr=lr, epochs=epochs,
                  batch_size=batch_size, patience=patience, seed=seed, n_variants_graph=int(prep.graph.A.shape[0]),
                  n_genes=len(prep.graph.genes), cache_version=2)  # bump when training changes
    path = embeddings_cache_path(params)
    split = split_indices(len(prep.X), seed=seed)
    if use_cache and path.exists():
        E, names, hist = load_embeddings(path)
        return E, names, hist, {"split": split, "cached": str(path), "estimator": None}
    tr, va, _ = split
    # per-epoch checkpoint beside the cache: an interrupted training resumes where it stopped
    checkpoint = path.with_name(path.stem.replace("embeddings_", "checkpoint_") + ".pt")
    if not use_cache and checkpoint.exists():
        checkpoint.unlink()  # a fresh fit was asked for: do not resume an earlier one
    est = GeneDAEEmbedder(noise_std=noise_std, nodes_per_gene=nodes_per_gene, lr=lr, epochs=epochs,
                          batch_size=batch_size, patience=patience, seed=seed, device=device, checkpoint=checkpoint,
                          progress=progress)
    est.fit(prep.X[tr], prep.graph.A_prime(), prep.X[va], prep.graph.genes)
    E = est.transform(prep.X)
    hist = est.history_.to_frame()
    save_embeddings(path, E, est.embedding_names(), hist)
    return E, est.embedding_names(), hist, {"split": split, "cached": None, "estimator": est}


def frequency_baseline_bce(X_train, X_test) -> float:
    """BCE of predicting every bit by its training-set frequency: what a reconstruction must beat."""
    p = np.clip(np.asarray(X_train, float).mean(axis=0), 1e-7, 1 - 1e-7)
    X = np.asarray(X_test, float)
    return float(-(X * np.log(p) + (1 - X) * np.log(1 - p)).mean())


def train_subgraphs(prep: Prepared, gene_sets: list, split, **kwargs) -> tuple[dict, pd.DataFrame]:
    """Fig. 3: GeneDAE trained on the subgraph of each gene / gene set (same code path, restricted ``A``).

    ``gene_sets``: list of gene names or comma-separated gene sets (``"HLA-B,HLA-C"``); sets with a
    gene absent from the graph are skipped and reported. Returns ``(histories, summary)``.
    """
    tr, va, te = split
    histories, rows = {}, []
    for entry in gene_sets:
        genes = [g.strip() for g in entry.split(",")] if isinstance(entry, str) else list(entry)
        absent = [g for g in genes if g not in prep.graph.genes]
        if absent:
            rows.append({"genes": ",".join(genes), "n_variants": 0, "status": f"skipped: {absent} not in graph"})
            continue
        sub = prep.graph.restrict(genes)
        cols = bit_columns(sub.variant_index)
        X = prep.X[:, cols]
        est = GeneDAEEmbedder(**kwargs, progress=False).fit(X[tr], sub.A_prime(), X[va], sub.genes,
                                                            desc=",".join(genes))
        name = ",".join(genes)
        histories[f"{name} ({len(sub.variant_index)} variants)"] = est.history_.to_frame()
        rows.append({"genes": name, "n_variants": len(sub.variant_index), "status": "trained",
                     "test_bce": est.score(X[te]), "frequency_baseline_bce": frequency_baseline_bce(X[tr], X[te])})
    return histories, pd.DataFrame(rows)


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

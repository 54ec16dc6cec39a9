"""The five stages of the multi-omics gene-ranking pipeline (autoencoders + GAT + evidence fusion).
Computation only: figures are in :mod:`genenets.plotting.multiomics`, verdict rules and sentences in
:mod:`genenets.summaries.multiomics`, datasets in :mod:`genenets.datasets` (``multiomics-simulated``,
``nutrimouse``, ``multiomics-csv``).

1. :func:`prepare` - log2(FPKM + 1) and z-score for genes; median or PQN normalization, log and
   z-score for metabolites; :func:`sample_metadata`.
2. :class:`OmicsAE` (k-fold CV with fold losses, early stopping) per omics; :func:`sample_graph`
   (kNN or cosine threshold) over the concatenated latents; :class:`GATClassifier` (multi-task)
   with :func:`evaluate_classifiers` against majority-class and logistic-regression baselines.
3. :func:`embed_latents` (PCA, t-SNE, UMAP) and :func:`spearman_matrix` (BH FDR).
4. :func:`reconstruction_importance`, :func:`gradient_importance`, :func:`gnn_gene_importance`.
5. :func:`evidence_table` + :func:`genenets.ranking.fuse`; :func:`write_excel`.

:func:`stage` keeps each stage's output in the content-keyed :mod:`genenets.cache`, keyed by the
content of the data and every parameter the stage reads, so later stages can run alone and a
replaced input file gives new results.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy import stats as sps
from sklearn.base import BaseEstimator
from sklearn.decomposition import PCA
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neighbors import kneighbors_graph
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .. import cache, ranking, stats
from ..data.multiomics import MultiOmics
from ..errors import ConfigError, DataError
from ..models.omics import MultiTaskGAT, OmicsAutoencoder
from ..train import fit, make_loader, no_learning_mse

EVIDENCES = ("correlation", "autoencoder", "gnn", "homology")
#: bump when a stage's computation changes (invalidates its cache entries)
STAGE_VERSION = 2


# ----------------------------------------------------------------------------------------------
# settings (from the notebook's parameters) and stage outputs in the content-keyed cache


def read_weights(weights: dict | None = None, weights_file=None) -> dict:
    """The evidence weights: ``weights_file`` (a YAML file with a ``weights:`` mapping) when given,
    else ``weights``; validated by :func:`genenets.ranking.validate_weights`.

    Raises
    ------
    ConfigError
        Malformed YAML, no ``weights`` entry, unknown evidence, negative weights, or a sum other
        than 1: the message names the file (or the ``weights`` parameter).
    """
    if weights_file is not None:
        return ranking.load_weights(weights_file, evidences=EVIDENCES)
    return ranking.validate_weights(weights if weights is not None else dict(ranking.DEFAULT_WEIGHTS), EVIDENCES,
                                    source="parameter `weights`")


def fit_widths(n_features: int, hidden, latent: int) -> tuple[list[int], int]:
    """Layer widths for ``n_features`` inputs: no hidden layer wider than the input, a latent no
    larger than the input (nutrimouse has 21 metabolites)."""
    return [min(int(w), n_features) for w in hidden], min(int(latent), n_features)


#: the keys of the notebook's group dicts that :func:`settings` reads
AE_KEYS = ("gene_hidden", "metabolite_hidden", "latent", "dropout", "n_folds")
AE_TRAINING_KEYS = ("lr", "epochs", "patience", "batch_size", "val_fraction")
GAT_KEYS = ("hidden", "heads", "dropout", "epochs", "lr", "weight_decay", "patience")


def _group(name: str, values: dict, keys) -> dict:
    """``values`` checked against a group's ``keys``: every key present, none unknown (ConfigError)."""
    if not isinstance(values, dict):
        raise ConfigError(f"parameter `{name}` must be a dict with the keys {list(keys)}, got {values!r}")
    unknown, missing = sorted(set(values) - set(keys)), [k for k in keys if k not in values]
    if unknown or missing:
        raise ConfigError(f"parameter `{name}`: " + "; ".join(
            s for s in (unknown and f"unknown keys {unknown}", missing and f"missing keys {missing}") if s)
            + f" (its keys: {list(keys)})")
    return values


def settings(autoencoder: dict, ae_training: dict, gat: dict, weights: dict | None = None,
             weights_file=None, budget_scale: float = 1.0) -> dict:
    """Model settings of a run from the notebook's parameter groups.

    Parameters
    ----------
    autoencoder : dict with :data:`AE_KEYS` (sizes and the cross-validation's folds)
    ae_training : dict with :data:`AE_TRAINING_KEYS` (``epochs`` is the cap; early stopping with
        ``patience`` on a validation split ``val_fraction`` of each fold's training samples)
    gat : dict with :data:`GAT_KEYS`
    weights, weights_file : the evidence weights (:func:`read_weights`)
    budget_scale : float > 0, multiplies the epoch caps of every trained model

    Returns ``{"gene_hidden", "metabolite_hidden", "latent", "dropout", "ae": {lr, epochs, patience,
    batch_size, n_folds, val_fraction}, "gat": {hidden, heads, dropout, epochs, lr, weight_decay,
    patience}, "weights"}``.
    """
    a, t, g = (_group("autoencoder", autoencoder, AE_KEYS), _group("ae_training", ae_training, AE_TRAINING_KEYS),
               _group("gat", gat, GAT_KEYS))
    scale = float(budget_scale)
    if scale <= 0:
        raise ConfigError(f"parameter `budget_scale` must be > 0, got {scale}")
    val_fraction = float(t["val_fraction"])
    if not 0 <= val_fraction < 0.5:
        raise ConfigError(f"parameter `ae_training.val_fraction` must be in [0, 0.5), got {val_fraction}")
    return {"gene_hidden": list(a["gene_hidden"]), "metabolite_hidden": list(a["metabolite_hidden"]),
            "latent": int(a["latent"]), "dropout": float(a["dropout"]),
            "ae": {"lr": float(t["lr"]), "epochs": max(1, round(t["epochs"] * scale)),
                   "patience": int(t["patience"]), "batch_size": int(t["batch_size"]),
                   "n_folds": int(a["n_folds"]), "val_fraction": val_fraction},
            "gat": {"hidden": int(g["hidden"]), "heads": int(g["heads"]), "dropout": float(g["dropout"]),
                    "epochs": max(1, round(g["epochs"] * scale)), "lr": float(g["lr"]),
                    "weight_decay": float(g["weight_decay"]), "patience": g["patience"]},
            "weights": read_weights(weights, weights_file)}


def set_threads(n_threads: int = 1):
    """Use ``n_threads`` threads in torch and in the BLAS/OpenMP pools of numpy, scipy and scikit-learn
    (threadpoolctl) for the rest of the process. One thread is fastest for this pipeline's small models
    and matrices on shared cores: OpenBLAS's second thread cost ~25% more CPU time in stage 2 on a loaded
    2-core machine. Returns the threadpoolctl limiter (``.restore_original_limits()`` undoes it)."""
    from threadpoolctl import threadpool_limits

    n = int(n_threads)
    if n < 1:
        raise ConfigError(f"parameter `pipeline.n_threads` must be >= 1, got {n_threads!r}")
    torch.set_num_threads(n)
    return threadpool_limits(n)


def dataset_kwargs(dataset: str, seed: int, simulation: dict, files: dict, gene_scale: str = "fpkm") -> dict:
    """Keyword arguments of :func:`genenets.datasets.load` for ``dataset``: the ``simulation`` group and
    ``seed`` for ``multiomics-simulated``; the user's CSV ``files`` (``gene_csv``, ``metabolite_csv``,
    ``labels_csv``; other keys are dropped) and ``gene_scale`` for ``multiomics-csv``; nothing else otherwise."""
    if dataset == "multiomics-simulated":
        return {**simulation, "seed": seed}
    if dataset == "multiomics-csv":
        csvs = {k: v for k, v in files.items() if k in ("gene_csv", "metabolite_csv", "labels_csv")}
        return {**csvs, "gene_scale": gene_scale}
    return {}


def stage(number: int, stages, inputs: dict, compute, *, namespace: str = "09_multiomics"):
    """Stage ``number``'s output from the content-keyed cache, computed when absent.

    ``inputs`` holds everything the stage's result depends on (the data or the upstream stage's
    key, and the parameters it reads); the cache key is their content, so replacing an input file
    with other values gives new results. A stage not in ``stages`` is only read from the cache:
    without an entry for these inputs it raises :class:`ConfigError` naming ``stages``.

    Returns ``(output, key)``; pass ``key`` as the upstream input of the next stage.
    """
    key = cache.key(namespace, number, STAGE_VERSION, inputs)

    def missing():
        raise ConfigError(f"parameter `stages`: stage {number} is not in stages={list(stages)} and has no cached "
                          f"output for this data and these parameters; add {number} to `stages` (run it once)")

    out, _ = cache.get_or_compute(f"{namespace}/stage{number}", key,
                                  compute if number in set(stages) else missing, version=STAGE_VERSION)
    return out, key


# ----------------------------------------------------------------------------------------------
# stage 1: preparation


@dataclass
class Prepared:
    """Stage 1 output: z-scored tables, samples x features, and what was excluded."""

    genes: pd.DataFrame  # (n_samples, n_genes) z-scored log2 expression
    metabolites: pd.DataFrame  # (n_samples, n_metabolites) z-scored log normalized intensities
    labels: pd.DataFrame
    gene_log: pd.DataFrame  # log2(FPKM + 1) before z-scoring (for QC)
    metabolite_log: pd.DataFrame  # log2 normalized intensities before z-scoring
    dilution: pd.Series  # per-sample normalization factor
    exclusions: dict = field(default_factory=dict)


def log_fpkm(fpkm: pd.DataFrame) -> pd.DataFrame:
    """log2(FPKM + 1); negative FPKM raise ValueError."""
    n_neg = int((fpkm < 0).sum().sum())
    if n_neg:
        raise ValueError(f"{n_neg} negative FPKM values; FPKM must be >= 0")
    return np.log2(fpkm + 1.0)


def normalize_metabolites(intensity: pd.DataFrame, method: str = "median") -> tuple[pd.DataFrame, pd.Series]:
    """Per-sample normalization of metabolite intensities, then log2(x + 1).

    Parameters
    ----------
    intensity : DataFrame, shape (n_samples, n_metabolites), non-negative, no NaN
    method : {"median", "pqn", "none"}
        ``median``: divide each sample by its median detected (non-zero) intensity over the
        metabolites, relative to the median of these medians. ``pqn``: probabilistic quotient normalization
        (Dieterle et al. 2006): divide each sample by the median of its quotients to the median
        reference profile (metabolites with reference 0 are skipped).

    Returns
    -------
    log_normalized : DataFrame, same shape
    factor : Series (n_samples,), the divisor of each sample
    """
    X = intensity.to_numpy(float)
    if np.isnan(X).any():
        raise ValueError("normalize_metabolites: impute NaN first")
    detected = np.where(X > 0, X, np.nan)  # zeros are non-detects (below the limit of detection)
    if method == "median":
        with np.errstate(all="ignore"):
            med = np.nanmedian(detected, axis=1)
        factor = med / np.nanmedian(med)
    elif method == "pqn":
        reference = np.nanmedian(detected, axis=0)
        ok = reference > 0
        with np.errstate(all="ignore"):
            factor = np.nanmedian(detected[:, ok] / reference[ok], axis=1)
    elif method == "none":
        factor = np.ones(len(X))
    else:
        raise ValueError(f"unknown metabolite normalization {method!r}; use 'median', 'pqn' or 'none'")
    if np.any(~(factor > 0)):
        raise ValueError("normalize_metabolites: a sample has no detected (non-zero) intensity "
                         "(more than half of its intensities are 0); use method='none' or 'pqn'")
    out = np.log2(X / factor[:, None] + 1.0)
    return pd.DataFrame(out, index=intensity.index, columns=intensity.columns), \
        pd.Series(factor, index=intensity.index, name="normalization_factor")


def _zscore(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(StandardScaler().fit_transform(df.to_numpy(float)), index=df.index, columns=df.columns)


def prepare(data: MultiOmics, metabolite_norm: str = "median") -> Prepared:
    """Stage 1: transform, impute (counted), drop constant features (counted) and z-score.

    NaN values left after the loader (partially missing features) are imputed with the
    feature's median and counted in ``exclusions``.
    """
    exclusions = dict(data.exclusions)
    genes = data.genes.fillna(data.genes.median())
    metab = data.metabolites.fillna(data.metabolites.median())
    exclusions["values_imputed"] = int(data.genes.isna().sum().sum() + data.metabolites.isna().sum().sum())
    gene_log = log_fpkm(genes) if data.gene_scale == "fpkm" else genes.astype(float)
    metab_log, factor = normalize_metabolites(metab, metabolite_norm)
    const_g, const_m = gene_log.std() == 0, metab_log.std() == 0
    exclusions["genes_constant"], exclusions["metabolites_constant"] = int(const_g.sum()), int(const_m.sum())
    gene_log, metab_log = gene_log.loc[:, ~const_g], metab_log.loc[:, ~const_m]
    return Prepared(_zscore(gene_log), _zscore(metab_log), data.labels, gene_log, metab_log, factor, exclusions)


def sample_metadata(prep: Prepared, seed: int = 0) -> pd.DataFrame:
    """One row per sample: labels, normalization factor, mean log expression, PC1/PC2 of the
    concatenated z-scored tables."""
    joint = np.hstack([prep.genes.to_numpy(), prep.metabolites.to_numpy()])
    pcs = PCA(n_components=2, random_state=seed).fit_transform(joint)
    meta = prep.labels.copy()
    meta["normalization_factor"] = prep.dilution
    meta["mean_log2_expression"] = prep.gene_log.mean(axis=1)
    meta["mean_log2_metabolite"] = prep.metabolite_log.mean(axis=1)
    meta["PC1"], meta["PC2"] = pcs[:, 0], pcs[:, 1]
    return meta.reset_index().rename(columns={"index": "sample"})


# ----------------------------------------------------------------------------------------------
# stage 2: autoencoders


def _mse_loss(model, batch):
    x = batch[0]
    return torch.nn.functional.mse_loss(model(x), x)


class OmicsAE(BaseEstimator):
    """Autoencoder of one omics table with k-fold cross-validation (scikit-learn estimator).

    ``fit`` trains one model per fold with mini-batches (an epoch is one full pass over the fold's
    training samples) and early stopping on an inner validation split of the training samples
    (``val_fraction``; never the held-out fold; ``val_fraction=0`` stops on the held-out fold as the
    seed pipeline did), records per fold the held-out loss of the autoencoder, of a PCA with the
    same number of components as the latent (the linear baseline) and of the training mean, then
    trains the final model on all samples for the median best epoch of the folds.

    Parameters
    ----------
    hidden : sequence of int
    latent : int
    dropout, lr, epochs, patience, batch_size : training settings (``epochs`` is the cap)
    n_folds : int, 0 or 1 to skip cross-validation (then ``epochs`` are used as is)
    val_fraction : float in [0, 0.5)
    seed : int
    device : str
    name : str, the model's name in tables

    Attributes
    ----------
    model_ : OmicsAutoencoder
    oof_reconstruction_ : array (n_samples, n_features) or None
        Out-of-fold reconstruction of every sample by the fold model that did not see it.
    fold_losses_ : DataFrame (model, fold, best_epoch, epochs_run, stop_reason, train_loss,
        val_loss, heldout_loss, pca_loss, mean_loss)
    histories_ : dict ``{"<name> fold k": History}`` of the fold fits
    history_ : DataFrame of the final fit
    """

    def __init__(self, hidden=(256, 128), latent: int = 64, dropout: float = 0.3, lr: float = 1e-3,
                 epochs: int = 200, patience: int = 10, batch_size: int = 8, n_folds: int = 5,
                 val_fraction: float = 0.0, seed: int = 0, device="cpu", name: str = "AE"):
        self.hidden, self.latent, self.dropout, self.lr = hidden, latent, dropout, lr
        self.epochs, self.patience, self.batch_size = epochs, patience, batch_size
        self.n_folds, self.val_fraction, self.seed, self.device, self.name = n_folds, val_fraction, seed, device, name

    def _new_model(self, n_features):
        torch.manual_seed(self.seed)
        return OmicsAutoencoder(n_features, list(self.hidden), self.latent, self.dropout)

    def _heldout(self, model, X):
        with torch.no_grad():
            return model.eval()(torch.as_tensor(X)).cpu().numpy()

    def fit(self, X, y=None):
        """X : array (n_samples, n_features), z-scored; ``y`` is ignored. Returns self."""
        X = np.asarray(X, dtype=np.float32)
        check_matrix(X, f"{self.name} table")
        name = self.name
        rows, best_epochs = [], []
        self.oof_reconstruction_, self.histories_ = None, {}
        if self.n_folds and self.n_folds > 1:
            for fold, (tr, te) in enumerate(KFold(self.n_folds, shuffle=True, random_state=self.seed).split(X)):
                model = self._new_model(X.shape[1])
                fit_idx, val_idx = tr, te
                if self.val_fraction:
                    perm = np.random.default_rng(self.seed + fold).permutation(tr)
                    n_val = max(1, int(round(self.val_fraction * len(tr))))
                    val_idx, fit_idx = perm[:n_val], perm[n_val:]
                hist = fit(model, make_loader(X[fit_idx], batch_size=self.batch_size, shuffle=True,
                                              seed=self.seed + fold),
                           _mse_loss, val_loader=make_loader(X[val_idx], batch_size=len(val_idx)), epochs=self.epochs,
                           lr=self.lr, patience=self.patience, device=self.device, progress=False,
                           desc=f"{name} fold {fold + 1}", no_learning_loss=no_learning_mse(X[fit_idx], X[val_idx]))
                best = hist.best_epoch or len(hist.train_loss)
                best_epochs.append(best)
                self.histories_[f"{name} AE fold {fold + 1}"] = hist
                if self.oof_reconstruction_ is None:
                    self.oof_reconstruction_ = np.full_like(X, np.nan)
                # held-out reconstruction: what the latent generalizes, not memorizes
                self.oof_reconstruction_[te] = self._heldout(model, X[te])
                pca = PCA(min(self.latent, len(tr) - 1, X.shape[1]), random_state=self.seed).fit(X[tr])
                rows.append({"model": name, "fold": fold + 1, "best_epoch": best, "epochs_run": len(hist.train_loss),
                             "stop_reason": hist.stop_reason, "train_loss": hist.train_loss[best - 1],
                             "val_loss": hist.val_loss[best - 1],
                             "heldout_loss": float(np.mean((X[te] - self.oof_reconstruction_[te]) ** 2)),
                             "pca_loss": float(np.mean((X[te] - pca.inverse_transform(pca.transform(X[te]))) ** 2)),
                             "mean_loss": no_learning_mse(X[tr], X[te])})
        self.fold_losses_ = pd.DataFrame(rows)
        self.final_epochs_ = int(np.median(best_epochs)) if best_epochs else self.epochs
        self.model_ = self._new_model(X.shape[1])
        hist = fit(self.model_, make_loader(X, batch_size=self.batch_size, shuffle=True, seed=self.seed),
                   _mse_loss, epochs=self.final_epochs_, lr=self.lr, device=self.device, progress=False, desc=name)
        self.history_ = hist.to_frame()
        return self

    def transform(self, X) -> np.ndarray:
        """Latents, array (n_samples, latent)."""
        with torch.no_grad():
            return self.model_.eval().encode(torch.as_tensor(np.asarray(X, np.float32))).cpu().numpy()

    def reconstruct(self, X) -> np.ndarray:
        """Reconstruction, array (n_samples, n_features)."""
        return self._heldout(self.model_, np.asarray(X, np.float32))

    def score(self, X, y=None) -> float:
        """Negative mean squared reconstruction error of ``X`` (higher is better)."""
        X = np.asarray(X, np.float32)
        return -float(np.mean((X - self.reconstruct(X)) ** 2))


def check_matrix(X, what: str) -> None:
    """A numeric matrix the models can read: at least 2 samples and 1 feature, all values finite.

    Raises
    ------
    DataError
        naming ``what`` (the table or file) and the problem.
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] < 2 or X.shape[1] < 1:
        raise DataError(f"{what}: needs at least 2 samples and 1 feature, got shape {X.shape}")
    bad = ~np.isfinite(X)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise DataError(f"{what}: {int(bad.sum())} non-finite values (inf or NaN; first at sample {r}, "
                        f"feature {c}); remove or impute them before the autoencoders")


# ----------------------------------------------------------------------------------------------
# stage 2: sample graph and GAT


def sample_graph(Z, method: str = "knn", k: int = 5, threshold: float = 0.5) -> np.ndarray:
    """Undirected sample graph over latent vectors, as a torch-geometric ``edge_index``.

    Parameters
    ----------
    Z : array (n_samples, n_dims)
    method : {"knn", "cosine"}
        ``knn``: each sample linked to its ``k`` nearest neighbours by cosine distance (then
        symmetrized). ``cosine``: samples linked when their cosine similarity exceeds ``threshold``.

    Returns
    -------
    edge_index : int array (2, n_edges), both directions, no self loops
    """
    Z = np.asarray(Z, dtype=float)
    n = len(Z)
    if method == "knn":
        if not 1 <= k < n:
            raise ValueError(f"k must be in [1, n_samples - 1] = [1, {n - 1}], got {k}")
        A = kneighbors_graph(Z, k, metric="cosine", include_self=False).toarray()
    elif method == "cosine":
        U = Z / np.clip(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12, None)
        A = (U @ U.T > threshold).astype(float)
    else:
        raise ValueError(f"unknown graph method {method!r}; use 'knn' or 'cosine'")
    A = np.maximum(A, A.T)
    np.fill_diagonal(A, 0)
    return np.array(np.nonzero(A), dtype=np.int64)


def encode_labels(labels: pd.DataFrame, source: str = "labels") -> tuple[np.ndarray, list[list[str]]]:
    """Categorical label columns -> integer codes (n_samples, n_tasks) and the class names per task.

    Raises
    ------
    DataError
        A label column with fewer than two classes (nothing to classify) or missing labels,
        naming ``source`` (the labels file) and the column; checked before any training.
    """
    codes, classes = [], []
    for col in labels.columns:
        cat = pd.Categorical(labels[col])
        if (cat.codes < 0).any():
            raise DataError(f"{source}: label column {col!r} has {int((cat.codes < 0).sum())} missing labels; "
                            "fill them or drop those samples")
        if len(cat.categories) < 2:
            raise DataError(f"{source}: label column {col!r} has one class only ({list(cat.categories)}); a "
                            "classifier needs at least two: drop the column or add samples of another class")
        codes.append(cat.codes.astype(np.int64))
        classes.append([str(c) for c in cat.categories])
    if not codes:
        return np.zeros((len(labels), 0), np.int64), []
    return np.stack(codes, axis=1), classes


def _prior_ce(Y, fit_mask, val_mask) -> float:
    """Sum over tasks of the cross-entropy on ``val_mask`` nodes of predicting the class shares of
    ``fit_mask`` nodes: the loss of a classifier that learned nothing from the features."""
    total = 0.0
    for t in range(Y.shape[1]):
        k = int(Y[:, t].max()) + 1
        share = np.clip(np.bincount(Y[fit_mask, t], minlength=k) / max(fit_mask.sum(), 1), 1e-6, None)
        total += float(-np.mean(np.log(share[Y[val_mask, t]])))
    return total


class GATClassifier(BaseEstimator):
    """Multi-task GAT over a fixed sample graph, trained on a subset of nodes (transductive).

    Parameters
    ----------
    hidden, heads, dropout : :class:`genenets.models.omics.MultiTaskGAT` sizes
    epochs, lr, weight_decay : full-batch training (``epochs`` is the cap; one epoch = one pass
        over the training nodes)
    patience : int or None
        None: train for ``epochs`` (the seed pipeline). An int: early stopping on the summed
        cross-entropy of an inner validation split (``val_fraction``) of the training nodes, never
        the test nodes.
    val_fraction : float
    seed : int
    """

    def __init__(self, hidden: int = 32, heads: int = 4, dropout: float = 0.3, epochs: int = 200, lr: float = 5e-3,
                 weight_decay: float = 5e-4, patience: int | None = None, val_fraction: float = 0.2, seed: int = 0,
                 device="cpu"):
        self.hidden, self.heads, self.dropout = hidden, heads, dropout
        self.epochs, self.lr, self.weight_decay, self.seed, self.device = epochs, lr, weight_decay, seed, device
        self.patience, self.val_fraction = patience, val_fraction

    def fit(self, X, edge_index, Y, train_mask=None):
        """X (n_nodes, n_features); edge_index (2, n_edges); Y int (n_nodes, n_tasks); train_mask bool (n_nodes,)."""
        from torch_geometric.data import Data

        Y = np.asarray(Y)
        n_classes = [int(Y[:, t].max()) + 1 for t in range(Y.shape[1])]
        mask = np.ones(len(Y), bool) if train_mask is None else np.asarray(train_mask, bool)
        val = np.zeros(len(Y), bool)
        if self.patience is not None:
            idx = np.random.default_rng(self.seed).permutation(np.flatnonzero(mask))
            val[idx[:max(1, int(round(self.val_fraction * len(idx))))]] = True
            mask = mask & ~val
        graph = Data(x=torch.as_tensor(np.asarray(X, np.float32)), edge_index=torch.as_tensor(edge_index),
                     y=torch.as_tensor(Y), train_mask=torch.as_tensor(mask))
        torch.manual_seed(self.seed)
        self.model_ = MultiTaskGAT(graph.num_features, n_classes, self.hidden, self.heads, self.dropout)

        def loss_fn(model, g):  # sum of the per-task cross-entropies on the training nodes
            logits = model(g.x, g.edge_index)
            return sum(torch.nn.functional.cross_entropy(lg[g.train_mask], g.y[g.train_mask, t])
                       for t, lg in enumerate(logits))

        val_loader, ref = None, _prior_ce(Y, mask, mask)
        if self.patience is not None:
            vgraph = graph.clone()
            vgraph.train_mask = torch.as_tensor(val)
            val_loader, ref = [vgraph], _prior_ce(Y, mask, val)
        hist = fit(self.model_, [graph], loss_fn, val_loader=val_loader, epochs=self.epochs, lr=self.lr,
                   device=self.device, patience=self.patience, optimizer_kwargs={"weight_decay": self.weight_decay},
                   progress=False, desc="GAT", no_learning_loss=ref)
        self.history_, self.graph_, self.fit_history_ = hist.to_frame(), graph, hist
        return self

    def predict(self, X=None) -> np.ndarray:
        """Predicted class per node and task, int (n_nodes, n_tasks) (the fitted graph's nodes)."""
        g = self.graph_.to(self.device)
        with torch.no_grad():
            logits = self.model_.eval()(g.x, g.edge_index)
        return np.stack([lg.argmax(1).cpu().numpy() for lg in logits], axis=1)

    def score(self, X=None, Y=None, mask=None) -> float:
        """Mean accuracy over tasks on the nodes of ``mask`` (default: all)."""
        Y = self.graph_.y.numpy() if Y is None else np.asarray(Y)
        m = np.ones(len(Y), bool) if mask is None else np.asarray(mask, bool)
        return float((self.predict() == Y)[m].mean())

    def input_importance(self) -> np.ndarray:
        """Mean |d log p(true class) / d x| over nodes, summed over tasks: (n_features,)."""
        g = self.graph_.to(self.device)
        x = g.x.clone().requires_grad_(True)
        logits = self.model_.eval()(x, g.edge_index)
        obj = sum(torch.log_softmax(lg, 1).gather(1, g.y[:, t:t + 1]).sum() for t, lg in enumerate(logits))
        (grad,) = torch.autograd.grad(obj, x)
        return grad.abs().mean(0).cpu().numpy()


def _folds(Y, n_folds, seed):
    """Stratify on the combined labels when every combination has n_folds members, else on task 0."""
    combo = pd.Series(["|".join(map(str, r)) for r in Y])
    for strata in (combo, pd.Series(Y[:, 0])):
        k = min(n_folds, int(strata.value_counts().min()))
        if k >= 2:
            return list(StratifiedKFold(k, shuffle=True, random_state=seed).split(Y, strata))
    return list(KFold(n_folds, shuffle=True, random_state=seed).split(Y))


def evaluate_classifiers(Z, edge_index, labels: pd.DataFrame, gat_params: dict, n_folds: int = 5,
                         seed: int = 0, raw=None, graph: dict | None = None, histories: dict | None = None
                         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Held-out accuracy per task of the GAT, a majority-class and a logistic-regression baseline,
    on the latents ``Z`` and (``raw``, optional) on the raw features, over the same folds.

    Cross-validation over samples: in each fold the GAT sees the whole graph (built from the same
    features it reads) but trains on the training nodes' labels only; the baselines see the same
    training samples' features. Held-out predictions of all folds are pooled into one accuracy per
    task, feature set and method.

    Parameters
    ----------
    Z : array (n_samples, n_latent); edge_index : its sample graph (2, n_edges)
    raw : array (n_samples, n_raw_features), optional; its graph is built with ``graph``
        (:func:`sample_graph` keywords ``method``, ``k``, ``threshold``)
    histories : dict, optional, filled with ``{"GAT <features> fold k": History}``

    Returns
    -------
    accuracy : DataFrame (task, features, method, accuracy, n)
    predictions : DataFrame, one row per sample x task x features with each method's held-out prediction
    """
    Y, classes = encode_labels(labels)
    feats = {"latents": (np.asarray(Z, float), edge_index)}
    if raw is not None:
        raw = StandardScaler().fit_transform(np.asarray(raw, float))
        feats["raw"] = (raw, sample_graph(raw, **(graph or {})))
    folds = _folds(Y, n_folds, seed)
    rows, long = [], []
    for fname, (X, edges) in feats.items():
        preds = {m: np.full_like(Y, -1) for m in ("GAT", "majority", "logistic regression")}
        for fold, (tr, te) in enumerate(folds):
            mask = np.zeros(len(Y), bool)
            mask[tr] = True
            gat = GATClassifier(**gat_params, seed=seed + fold).fit(X, edges, Y, mask)
            if histories is not None:
                histories[f"GAT {fname} fold {fold + 1}"] = gat.fit_history_
            preds["GAT"][te] = gat.predict()[te]
            for t in range(Y.shape[1]):
                preds["majority"][te, t] = DummyClassifier(strategy="most_frequent").fit(X[tr], Y[tr, t]).predict(X[te])
                logreg = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed))
                preds["logistic regression"][te, t] = logreg.fit(X[tr], Y[tr, t]).predict(X[te])
        for t, task in enumerate(labels.columns):
            for method, P in preds.items():
                rows.append({"task": task, "features": fname, "method": method,
                             "accuracy": float((P[:, t] == Y[:, t]).mean()), "n": len(Y)})
            long.append(pd.DataFrame({"sample": labels.index, "task": task, "features": fname,
                                      "true": np.array(classes[t])[Y[:, t]],
                                      **{m: np.array(classes[t])[P[:, t]] for m, P in preds.items()}}))
    return pd.DataFrame(rows), pd.concat(long, ignore_index=True)


# ----------------------------------------------------------------------------------------------
# stage 3: analysis


def embed_latents(Z, methods=("pca", "tsne", "umap"), seed: int = 0) -> dict[str, np.ndarray]:
    """2-D embeddings of the latents: ``{method: array (n_samples, 2)}``."""
    Z = StandardScaler().fit_transform(np.asarray(Z, float))
    n = len(Z)
    out = {}
    for m in methods:
        if m == "pca":
            out["PCA"] = PCA(2, random_state=seed).fit_transform(Z)
        elif m == "tsne":
            from sklearn.manifold import TSNE

            out["t-SNE"] = TSNE(2, perplexity=min(30.0, (n - 1) / 3), init="pca", random_state=seed).fit_transform(Z)
        elif m == "umap":
            import umap

            out["UMAP"] = umap.UMAP(n_neighbors=min(15, n - 1), random_state=seed, n_jobs=1).fit_transform(Z)
        else:
            raise ValueError(f"unknown embedding {m!r}; use 'pca', 'tsne' or 'umap'")
    return out


def spearman_matrix(genes: pd.DataFrame, metabolites: pd.DataFrame, alpha: float = 0.05):
    """Gene x metabolite Spearman correlations with Benjamini-Hochberg FDR over all pairs.

    Returns
    -------
    rho, q : DataFrames (n_genes, n_metabolites)
    """
    if not genes.index.equals(metabolites.index):
        raise ValueError("genes and metabolites must have the same samples in the same order")
    ng = genes.shape[1]
    res = sps.spearmanr(genes.to_numpy(), metabolites.to_numpy(), axis=0)
    rho = np.asarray(res.statistic)[:ng, ng:]
    p = np.asarray(res.pvalue)[:ng, ng:]
    _, q = stats.adjust_pvalues(p.ravel(), method="fdr_bh", alpha=alpha)
    return (pd.DataFrame(rho, index=genes.columns, columns=metabolites.columns),
            pd.DataFrame(q.reshape(p.shape), index=genes.columns, columns=metabolites.columns))


def correlation_evidence(rho: pd.DataFrame, q: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Per gene: max |rho| over metabolites (the evidence), its metabolite, and the number of
    FDR-significant pairs."""
    absr = rho.abs()
    return pd.DataFrame({"correlation": absr.max(axis=1), "best_metabolite": absr.idxmax(axis=1),
                         "n_significant_pairs": (q < alpha).sum(axis=1)})


# ----------------------------------------------------------------------------------------------
# stage 4: importance


def reconstruction_importance(ae: OmicsAE, X: pd.DataFrame, out_of_fold: bool = True) -> pd.DataFrame:
    """Per-gene reconstruction: MSE of each gene and ``1 - MSE / variance`` (the fraction of the
    gene's variance carried through the latent; z-scored genes have variance 1).

    With about 20 samples a 64-unit latent memorizes every training sample, so the in-sample
    MSE is near 0 for every gene and says nothing. ``out_of_fold=True`` (default) uses the
    cross-validation's held-out reconstructions instead: genes whose held-out values the
    latent of the *other* genes predicts (co-expression modules) score high, noise genes low.

    Returns DataFrame indexed by gene: ``mse``, ``reconstruction``.
    """
    oof = getattr(ae, "oof_reconstruction_", None)
    if out_of_fold and oof is None:
        raise ValueError("out-of-fold reconstruction needs an OmicsAE fitted with n_folds >= 2")
    R = oof if out_of_fold else ae.reconstruct(X.to_numpy())
    mse = ((X.to_numpy() - R) ** 2).mean(axis=0)
    var = X.to_numpy().var(axis=0)
    return pd.DataFrame({"mse": mse, "reconstruction": 1.0 - mse / np.where(var > 0, var, 1.0)}, index=X.columns)


def gradient_importance(ae: OmicsAE, X: pd.DataFrame) -> pd.Series:
    """Mean over samples of sum over latent units of |d z_j / d x_g| (backpropagation through the
    encoder): Series over genes."""
    encoder = ae.model_.eval().encoder
    x = torch.as_tensor(X.to_numpy(np.float32))
    jac = torch.func.vmap(torch.func.jacrev(encoder))(x)  # (n_samples, latent, n_genes)
    return pd.Series(jac.abs().sum(1).mean(0).detach().numpy(), index=X.columns, name="gradient")


def latent_gene_correlation(X: pd.DataFrame, Z) -> np.ndarray:
    """|Pearson corr(gene, latent unit)|, array (n_genes, n_latent); constant latents give 0."""
    Xs = StandardScaler().fit_transform(X.to_numpy(float))
    Z = np.asarray(Z, float)
    sd = Z.std(axis=0)
    Zs = np.where(sd > 0, (Z - Z.mean(0)) / np.where(sd > 0, sd, 1.0), 0.0)
    return np.abs(Xs.T @ Zs) / len(Xs)


def gnn_gene_importance(latent_importance, X: pd.DataFrame, Z_genes) -> pd.Series:
    """Project the GAT's importance of the gene latent units onto genes:
    ``sum_j imp_j |corr(gene, latent_j)| / sum_j imp_j``.

    latent_importance : (n_latent,) importance of the gene latent units
    X : (n_samples, n_genes), Z_genes : (n_samples, n_latent)
    """
    imp = np.asarray(latent_importance, float)
    C = latent_gene_correlation(X, Z_genes)
    if C.shape[1] != len(imp):
        raise ValueError(f"{len(imp)} latent importances for {C.shape[1]} latent units")
    return pd.Series(C @ imp / max(imp.sum(), 1e-12), index=X.columns, name="gnn")


# ----------------------------------------------------------------------------------------------
# stage 5: ranking


def evidence_table(correlation: pd.DataFrame, recon: pd.DataFrame, gradient: pd.Series, gnn: pd.Series,
                   homology: pd.Series, family: pd.Series) -> pd.DataFrame:
    """All evidence columns per gene. ``autoencoder`` is the mean of the rank-normalized
    reconstruction and gradient importances."""
    ev = pd.DataFrame({"correlation": correlation["correlation"],
                       "best_metabolite": correlation["best_metabolite"],
                       "n_significant_pairs": correlation["n_significant_pairs"],
                       "reconstruction": recon["reconstruction"], "reconstruction_mse": recon["mse"],
                       "gradient": gradient})
    ev["autoencoder"] = (ranking.rank_normalize(ev["reconstruction"]) + ranking.rank_normalize(ev["gradient"])) / 2
    ev["gnn"] = gnn
    ev["homology"] = homology.reindex(ev.index).fillna(0.0)
    ev["family"] = family.reindex(ev.index).fillna("")
    ev.index.name = "gene"
    return ev


def write_excel(ranked: pd.DataFrame, path, sheet: str = "ranking") -> Path:
    """The ranked gene list as an .xlsx sheet (pandas + openpyxl)."""
    path = Path(path)
    ranked.to_excel(path, sheet_name=sheet, engine="openpyxl")
    return path


def ae_params(cfg: dict, seed: int = 0, device="cpu") -> dict:
    """:class:`OmicsAE` keyword arguments (all but ``hidden``, ``latent`` and ``name``) from :func:`settings`."""
    a = cfg["ae"]
    return dict(dropout=cfg["dropout"], lr=a["lr"], epochs=a["epochs"], patience=a["patience"],
                batch_size=a["batch_size"], n_folds=a["n_folds"], val_fraction=a.get("val_fraction", 0.0),
                seed=seed, device=device)


def fit_autoencoders(prep: Prepared, cfg: dict, seed: int = 0, device="cpu") -> tuple[OmicsAE, OmicsAE]:
    """The gene and the metabolite :class:`OmicsAE` (widths fitted to the tables, :func:`fit_widths`)."""
    out = []
    for X, hidden, name in ((prep.genes, cfg["gene_hidden"], "genes"),
                            (prep.metabolites, cfg["metabolite_hidden"], "metabolites")):
        h, lat = fit_widths(X.shape[1], hidden, cfg["latent"])
        out.append(OmicsAE(h, lat, name=name, **ae_params(cfg, seed, device)).fit(X.to_numpy()))
    return out[0], out[1]


def gat_params(cfg: dict, device="cpu") -> dict:
    """:class:`GATClassifier` keyword arguments (all but ``seed``) from :func:`settings`."""
    return {**cfg["gat"], "device": device}


def stage1(data: MultiOmics, metabolite_norm: str = "median", seed: int = 0) -> dict:
    """Stage 1: ``{"prep": Prepared, "meta": sample table}``."""
    prep = prepare(data, metabolite_norm)
    return {"prep": prep, "meta": sample_metadata(prep, seed)}


def stage2(prep: Prepared, cfg: dict, seed: int = 0, graph_method: str = "knn", k_neighbors: int = 5,
           threshold: float = 0.5, device="cpu", evaluate: bool = True) -> dict:
    """Stage 2: both autoencoders, the sample graph over their latents, the GAT on all samples and
    (``evaluate``) the held-out comparison of classifiers (:func:`evaluate_classifiers`; on the
    latents, and with ``evaluate="raw"`` on the raw features too).

    Returns ``{"ae_g", "ae_m", "Z", "edges", "gat", "acc", "preds", "histories"}`` (``histories``:
    every trained model's :class:`genenets.train.History` by name, for the convergence table).
    """
    ae_g, ae_m = fit_autoencoders(prep, cfg, seed, device)
    Z = np.hstack([ae_g.transform(prep.genes), ae_m.transform(prep.metabolites)])
    edges = sample_graph(Z, graph_method, k_neighbors, threshold)
    Y, _ = encode_labels(prep.labels)
    out = {"ae_g": ae_g, "ae_m": ae_m, "Z": Z, "edges": edges, "acc": None, "preds": None, "gat": None}
    out["histories"] = {**ae_g.histories_, **ae_m.histories_}
    if Y.shape[1]:
        if evaluate:
            raw = np.hstack([prep.genes.to_numpy(), prep.metabolites.to_numpy()]) if evaluate == "raw" else None
            out["acc"], out["preds"] = evaluate_classifiers(
                Z, edges, prep.labels, gat_params(cfg, device), cfg["ae"]["n_folds"], seed, raw=raw,
                graph=dict(method=graph_method, k=k_neighbors, threshold=threshold), histories=out["histories"])
        out["gat"] = GATClassifier(**gat_params(cfg, device), seed=seed).fit(Z, edges, Y)
        out["histories"]["GAT (all samples)"] = out["gat"].fit_history_
    return out


def stage3(prep: Prepared, Z, embeddings=("pca",), alpha: float = 0.05, seed: int = 0) -> dict:
    """Stage 3: ``{"emb": {method: (n, 2)}, "rho", "q"}`` (gene x metabolite Spearman with BH FDR)."""
    rho, q = spearman_matrix(prep.genes, prep.metabolites, alpha)
    return {"emb": embed_latents(Z, embeddings, seed), "rho": rho, "q": q}


def stage4(prep: Prepared, s2: dict) -> dict:
    """Stage 4: per-gene ``recon`` (out-of-fold reconstruction), ``grad`` (encoder gradient) and
    ``gnn`` (GAT importance projected to genes; 0 without labels)."""
    ae_g = s2["ae_g"]
    n_lat = ae_g.latent
    gnn = (gnn_gene_importance(s2["gat"].input_importance()[:n_lat], prep.genes, s2["Z"][:, :n_lat])
           if s2["gat"] is not None else pd.Series(0.0, index=prep.genes.columns, name="gnn"))
    return {"recon": reconstruction_importance(ae_g, prep.genes), "grad": gradient_importance(ae_g, prep.genes),
            "gnn": gnn}


def stage5(prep: Prepared, s3: dict, s4: dict, homology_hits, weights: dict, alpha: float = 0.05) -> dict:
    """Stage 5: ``{"evidence", "ranked" (:func:`genenets.ranking.fuse`), "hom_counts"}``."""
    genes = prep.genes.columns
    hom, fam, counts = (ranking.homology_evidence(homology_hits, genes) if homology_hits is not None
                        else (pd.Series(0.0, index=genes), pd.Series("", index=genes), {}))
    ev = evidence_table(correlation_evidence(s3["rho"], s3["q"], alpha), s4["recon"], s4["grad"], s4["gnn"], hom, fam)
    return {"evidence": ev, "ranked": ranking.fuse(ev, weights), "hom_counts": counts}


def rank_pipeline(data: MultiOmics, cfg: dict, seed: int = 0, metabolite_norm: str = "median",
                  graph_method: str = "knn", k_neighbors: int = 5, threshold: float = 0.5,
                  device="cpu") -> dict:
    """Stages 1-5 in one call (AE cross-validation included: it gives the out-of-fold reconstruction
    importance; no classifier evaluation, no embeddings).

    Returns ``{"evidence": evidence table, "fold_losses": both autoencoders' fold table,
    "convergence": DataFrame of every trained model's status}``.
    """
    from ..train import convergence_table

    prep = prepare(data, metabolite_norm)
    s2 = stage2(prep, cfg, seed, graph_method, k_neighbors, threshold, device, evaluate=False)
    s3 = {"rho": None, "q": None}
    s3["rho"], s3["q"] = spearman_matrix(prep.genes, prep.metabolites)
    ev = stage5(prep, s3, stage4(prep, s2), data.homology, cfg["weights"])["evidence"]
    return {"evidence": ev, "fold_losses": pd.concat([s2["ae_g"].fold_losses_, s2["ae_m"].fold_losses_]),
            "convergence": convergence_table(s2["histories"])}


SINGLE_EVIDENCES = ("correlation", "reconstruction", "gradient", "autoencoder", "gnn", "homology")


def replicate_evidence(seeds, sim_params: dict, cfg: dict, metabolite_norm: str = "median",
                       graph_method: str = "knn", k_neighbors: int = 5, threshold: float = 0.5,
                       device="cpu") -> dict:
    """Simulated replicates through stages 1-5 (:func:`rank_pipeline`), each cached by content:
    ``{seed: {"evidence", "fold_losses", "convergence", "planted"}}``."""
    from ..simulate.multiomics import simulate_multiomics

    out = {}
    for s in seeds:
        data, truth = simulate_multiomics(**sim_params, seed=s)
        res, _ = cache.get_or_compute("09_multiomics/replicate", {"data": data, "cfg": cfg, "seed": s,
                                                                  "norm": metabolite_norm, "graph": graph_method,
                                                                  "k": k_neighbors, "threshold": threshold},
                                      lambda: rank_pipeline(data, cfg, s, metabolite_norm, graph_method, k_neighbors,
                                                            threshold, device), version=STAGE_VERSION)
        out[s] = {**res, "planted": list(truth.pathway_genes)}
    return out


def replicate_entry(s2: dict, s5: dict, planted) -> dict:
    """This run's own stages 2 and 5 as a replicate (what :func:`rank_pipeline` would recompute)."""
    from ..train import convergence_table

    hist = {k: h for k, h in s2["histories"].items() if " AE fold " in k or k == "GAT (all samples)"}
    return {"evidence": s5["evidence"], "fold_losses": pd.concat([s2["ae_g"].fold_losses_, s2["ae_m"].fold_losses_]),
            "convergence": convergence_table(hist), "planted": list(planted)}


def replicate_convergence(replicates: dict) -> pd.DataFrame:
    """Every replicate's convergence table, the model names prefixed by ``rep <seed>: ``."""
    return pd.concat([rep["convergence"].assign(model=lambda d, s=s: f"rep {s}: " + d["model"])
                      for s, rep in replicates.items()], ignore_index=True)


def weight_grid(evidences=EVIDENCES, step: float = 0.1) -> list[dict]:
    """Every weight vector over ``evidences`` on a simplex grid of ``step`` (weights sum to 1)."""
    n = int(round(1 / step))
    out = []

    def rec(prefix, left, k):
        if k == 1:
            out.append(prefix + [left])
            return
        for a in range(left + 1):
            rec(prefix + [a], left - a, k - 1)

    rec([], n, len(evidences))
    return [{e: c / n for e, c in zip(evidences, combo)} for combo in out]


def _fused_precision(ranks: np.ndarray, planted: np.ndarray, W: np.ndarray, k: int) -> np.ndarray:
    """Precision@k of the fused score for every weight row of ``W`` (n_weights, n_evidences);
    ``ranks`` (n_genes, n_evidences) rank-normalized evidences; ties broken by gene order."""
    scores = ranks @ W.T  # (n_genes, n_weights)
    order = np.argsort(-scores, axis=0, kind="stable")[:k]
    return planted[order].mean(axis=0)


def cv_weights(replicates: dict, k: int = 20, step: float = 0.1, evidences=EVIDENCES) -> pd.DataFrame:
    """Fusion weights chosen by cross-validation over replicates, never on the evaluated one.

    For each replicate, the weights on the grid (:func:`weight_grid`) with the best mean
    precision@k over the *other* replicates are applied to it.

    Returns DataFrame (seed, precision, <one column per evidence: the chosen weight>).
    """
    W = pd.DataFrame(weight_grid(evidences, step))
    prec = {}
    for s, rep in replicates.items():
        ev = rep["evidence"]
        ranks = np.column_stack([ranking.rank_normalize(ev[e]).to_numpy() for e in evidences])
        prec[s] = _fused_precision(ranks, ev.index.isin(rep["planted"]).astype(float), W.to_numpy(), k)
    P = pd.DataFrame(prec)  # (n_weights, n_replicates)
    rows = []
    for s in replicates:
        others = P.drop(columns=[s]).mean(axis=1) if P.shape[1] > 1 else P[s] * np.nan
        best = int(np.nanargmax(others.to_numpy())) if others.notna().any() else 0
        rows.append({"seed": s, "precision": float(P.loc[best, s]), **W.loc[best].to_dict()})
    return pd.DataFrame(rows)


def replicate_precision(replicates: dict, weights: dict, ks=(20,), cv: pd.DataFrame | None = None) -> pd.DataFrame:
    """Precision@k and recall@k of the planted genes for each single evidence and the fused ranking
    with ``weights`` ("fused (seed weights)"), per replicate (``replicates`` from
    :func:`replicate_evidence`); with ``cv`` (:func:`cv_weights` at one k) also "fused (CV weights)".

    Returns DataFrame (seed, evidence, k, precision, recall).
    """
    rows = []
    for s, rep in replicates.items():
        ev, planted = rep["evidence"], rep["planted"]
        cols = pd.DataFrame({k: ev[k] for k in SINGLE_EVIDENCES})
        cols["fused (seed weights)"] = ranking.fuse(ev, weights)["fused"].reindex(cols.index)
        tab = ranking.precision_table(cols, planted, ks)
        if cv is not None:
            tab = pd.concat([tab, cv[cv["seed"] == s].assign(evidence="fused (CV weights)", k=ks[0])
                             [["evidence", "k", "precision"]]], ignore_index=True)
        rows.append(tab.assign(seed=s))
    if not rows:
        return pd.DataFrame(columns=["seed", "evidence", "k", "precision", "recall"])
    out = pd.concat(rows, ignore_index=True)
    n_planted = {s: len(rep["planted"]) for s, rep in replicates.items()}
    out["recall"] = out["precision"] * out["k"] / out["seed"].map(n_planted)
    return out[["seed", "evidence", "k", "precision", "recall"]]


def calibration(data: MultiOmics) -> dict:
    """Properties of a paired data set that the simulator is calibrated on: fraction of zero
    (non-detected) metabolite values overall and in the worst metabolite, variance share of the
    first 5 PCs of the log genes, and the median and 95th percentile over genes of the best
    |Pearson r| with any metabolite (log scale)."""
    prep = prepare(data)
    M = data.metabolites.to_numpy(float)
    G = prep.genes.to_numpy()
    s = np.linalg.svd(G - G.mean(0), compute_uv=False) ** 2
    best = np.abs(G.T @ prep.metabolites.to_numpy() / len(G)).max(axis=1)
    return {"samples": len(G), "genes": G.shape[1], "metabolites": M.shape[1],
            "zero metabolite values": float((M == 0).mean()), "zeros in the worst metabolite": float((M == 0).mean(0).max()),
            "variance on 5 gene PCs": float(s[:5].sum() / s.sum()),
            "median best |r| gene-metabolite": float(np.median(best)),
            "95th pct best |r| gene-metabolite": float(np.quantile(best, 0.95))}


# ----------------------------------------------------------------------------------------------
# data entry points


def read_homology(path) -> pd.DataFrame:
    """A user's BLAST/HMM hits table (CSV or TSV with columns ``query_gene``, ``family``, ``evalue``)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: homology table not found; check the parameter `homology_table`")
    df = pd.read_csv(path, sep="\t" if path.suffix in (".tsv", ".tab") else ",")
    missing = {"query_gene", "family", "evalue"} - set(df.columns)
    if missing:
        raise DataError(f"{path}: homology table lacks column(s) {sorted(missing)}; has {list(df.columns)}")
    return df


def overview_pcs(data: MultiOmics, seed: int = 0) -> dict[str, np.ndarray]:
    """PC1-PC2 of the samples from the prepared genes and from the prepared metabolites:
    ``{"<n> genes": array (n_samples, 2), "<m> metabolites": ...}`` (for
    :func:`genenets.plotting.multiomics.overview_figure`)."""
    prep = prepare(data)
    return {f"{df.shape[1]} {what}": PCA(2, random_state=seed).fit_transform(df.to_numpy())
            for df, what in ((prep.genes, "genes"), (prep.metabolites, "metabolites"))}


# ----------------------------------------------------------------------------------------------
# compatibility for notebook 00 until it loads datasets through genenets.datasets


def load_dataset(dataset: str, seed: int = 0, **params):
    """Deprecated: ``(MultiOmics, homology hits or None, truth or None)`` through
    :func:`genenets.datasets.load` (``simulated`` means ``multiomics-simulated``)."""
    from .. import datasets

    ds = datasets.load({"simulated": "multiomics-simulated", "csv": "multiomics-csv"}.get(dataset, dataset),
                       seed=seed, **params)
    return ds.data, ds.data.homology, ds.truth


def overview_figure(data: MultiOmics, seed: int = 0):
    """Deprecated: :func:`genenets.plotting.multiomics.overview_figure` of :func:`overview_pcs`."""
    from ..plotting.multiomics import overview_figure as draw

    return draw(overview_pcs(data, seed), data.labels, data.name)

"""The five stages of the multi-omics gene-ranking pipeline (autoencoders + GAT + evidence fusion).

1. :func:`prepare` - log2(FPKM + 1) and z-score for genes; median or PQN normalization, log and
   z-score for metabolites; :func:`qc_figure`, :func:`sample_metadata`.
2. :class:`OmicsAE` (k-fold CV with fold losses, early stopping) per omics; :func:`sample_graph`
   (kNN or cosine threshold) over the concatenated latents; :class:`GATClassifier` (multi-task)
   with :func:`evaluate_classifiers` against majority-class and logistic-regression baselines.
3. :func:`embed_latents` (PCA, t-SNE, UMAP) and :func:`spearman_matrix` (BH FDR).
4. :func:`reconstruction_importance`, :func:`gradient_importance`, :func:`gnn_gene_importance`.
5. :func:`evidence_table` + :func:`genenets.ranking.fuse`; :func:`write_excel`.

:class:`StageCache` keeps each stage's output under ``data/cache/`` so later stages can run alone.
"""
from __future__ import annotations

import copy
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import torch
import yaml
from scipy import stats as sps
from sklearn.decomposition import PCA
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neighbors import kneighbors_graph
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .. import ranking, stats
from ..data.multiomics import MultiOmics
from ..models.omics import MultiTaskGAT, OmicsAutoencoder
from ..train import fit, make_loader

EVIDENCES = ("correlation", "autoencoder", "gnn", "homology")


# ----------------------------------------------------------------------------------------------
# configuration and checkpoints


def load_config(path, profile: str = "quick", dataset: str = "simulated") -> dict:
    """Read the YAML config: ``weights`` plus the model sizes of ``profile``, with the
    ``datasets.<dataset>`` overrides applied on top. The weights are validated
    (:func:`genenets.ranking.validate_weights`)."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: config file not found")
    doc = yaml.safe_load(path.read_text()) or {}
    if profile not in doc.get("profiles", {}):
        raise ValueError(f"{path}: no profile {profile!r} under 'profiles' (has {list(doc.get('profiles', {}))})")
    cfg = copy.deepcopy(doc["profiles"][profile])
    for key, value in (doc.get("datasets", {}).get(dataset, {}) or {}).items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key].update(value)
        else:
            cfg[key] = value
    cfg["weights"] = ranking.validate_weights(doc.get("weights", {}), EVIDENCES, source=str(path))
    return cfg


class StageCache:
    """Pickled stage outputs under ``root/<key>/stage<N>.pkl``.

    Parameters
    ----------
    root : path, e.g. ``data/cache/09_multiomics``
    key : str naming the data and seed (outputs of another dataset are never mixed in)
    """

    def __init__(self, root, key: str):
        self.dir = Path(root) / key
        self.dir.mkdir(parents=True, exist_ok=True)

    def path(self, stage: int) -> Path:
        return self.dir / f"stage{stage}.pkl"

    def save(self, stage: int, obj) -> Path:
        with open(self.path(stage), "wb") as fh:
            pickle.dump(obj, fh)
        return self.path(stage)

    def load(self, stage: int):
        if not self.path(stage).exists():
            raise ValueError(f"stage {stage} has no checkpoint at {self.path(stage)}: run stage {stage} first "
                             f"(add {stage} to `stages`) with the same dataset and seed")
        with open(self.path(stage), "rb") as fh:
            return pickle.load(fh)


def run_or_load(stage: int, stages, cache: StageCache, compute):
    """``compute()`` and checkpoint it if ``stage`` is in ``stages``, else load its checkpoint."""
    if stage in stages:
        out = compute()
        cache.save(stage, out)
        return out
    return cache.load(stage)


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
        ``median``: divide each sample by its median intensity over the metabolites (times the
        overall median, to keep the scale). ``pqn``: probabilistic quotient normalization
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
    if method == "median":
        med = np.median(X, axis=1)
        factor = med / np.median(med)
    elif method == "pqn":
        reference = np.median(X, axis=0)
        ok = reference > 0
        factor = np.median(X[:, ok] / reference[ok], axis=1)
    elif method == "none":
        factor = np.ones(len(X))
    else:
        raise ValueError(f"unknown metabolite normalization {method!r}; use 'median', 'pqn' or 'none'")
    if np.any(factor <= 0):
        raise ValueError("normalize_metabolites: a sample has a zero normalization factor "
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


def qc_figure(prep: Prepared, meta: pd.DataFrame, colour_by: str | None = None):
    """2 x 2 QC panels: per-sample distributions of log expression and log metabolite intensity,
    the sample-sample Pearson correlation heatmap, and the PCA of samples."""
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    n = len(prep.genes)
    show_names = n <= 40
    for ax, df, what in ((axes[0, 0], prep.gene_log, "log expression"),
                         (axes[0, 1], prep.metabolite_log, "log2 normalized intensity")):
        ax.boxplot(df.to_numpy().T, showfliers=False)
        ax.set(title=f"{what} per sample", xlabel="sample", ylabel=what)
        ax.set_xticks(np.arange(1, n + 1), df.index if show_names else [""] * n, rotation=90, fontsize=6)
    corr = np.corrcoef(np.hstack([prep.genes.to_numpy(), prep.metabolites.to_numpy()]))
    sns.heatmap(pd.DataFrame(corr, index=prep.genes.index, columns=prep.genes.index), ax=axes[1, 0],
                cmap="vlag", center=0, xticklabels=show_names, yticklabels=show_names,
                cbar_kws={"label": "Pearson r"})
    axes[1, 0].tick_params(labelsize=6)
    axes[1, 0].set_title("sample correlation (z-scored genes + metabolites)")
    hue = colour_by if colour_by in meta.columns else None
    sns.scatterplot(data=meta, x="PC1", y="PC2", hue=hue, ax=axes[1, 1], s=60)
    axes[1, 1].set_title("PCA of samples")
    if hue:
        axes[1, 1].legend(title=hue, frameon=False, fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------
# stage 2: autoencoders


def _mse_loss(model, batch):
    x = batch[0]
    return torch.nn.functional.mse_loss(model(x), x)


class OmicsAE:
    """Autoencoder of one omics table with k-fold cross-validation (scikit-learn-like).

    ``fit`` trains one model per fold with early stopping on the held-out fold (``patience``)
    and records the fold losses; then it trains the final model on all samples for the median
    best epoch of the folds (no sample left to stop on).

    Parameters
    ----------
    hidden : sequence of int
    latent : int
    dropout, lr, epochs, patience, batch_size : training settings
    n_folds : int, 0 or 1 to skip cross-validation (then ``epochs`` are used as is)
    seed : int

    Attributes
    ----------
    model_ : OmicsAutoencoder
    oof_reconstruction_ : array (n_samples, n_features) or None
        Out-of-fold reconstruction of every sample by the fold model that did not see it.
    fold_losses_ : DataFrame (fold, best_epoch, epochs_run, train_loss, val_loss)
    history_ : DataFrame of the final fit
    """

    def __init__(self, hidden=(256, 128), latent: int = 64, dropout: float = 0.3, lr: float = 1e-3,
                 epochs: int = 200, patience: int = 10, batch_size: int = 8, n_folds: int = 5, seed: int = 0,
                 device="cpu"):
        self.hidden, self.latent, self.dropout, self.lr = list(hidden), latent, dropout, lr
        self.epochs, self.patience, self.batch_size = epochs, patience, batch_size
        self.n_folds, self.seed, self.device = n_folds, seed, device

    def _new_model(self, n_features):
        torch.manual_seed(self.seed)
        return OmicsAutoencoder(n_features, self.hidden, self.latent, self.dropout)

    def fit(self, X, name: str = "AE"):
        """X : array (n_samples, n_features), z-scored."""
        X = np.asarray(X, dtype=np.float32)
        rows, best_epochs = [], []
        self.oof_reconstruction_ = None
        if self.n_folds and self.n_folds > 1:
            for fold, (tr, va) in enumerate(KFold(self.n_folds, shuffle=True, random_state=self.seed).split(X)):
                model = self._new_model(X.shape[1])
                hist = fit(model, make_loader(X[tr], batch_size=self.batch_size, shuffle=True, seed=self.seed + fold),
                           _mse_loss, val_loader=make_loader(X[va], batch_size=len(va)), epochs=self.epochs,
                           lr=self.lr, patience=self.patience, device=self.device, progress=False,
                           desc=f"{name} fold {fold + 1}")
                best = hist.best_epoch or len(hist.train_loss)
                best_epochs.append(best)
                if self.oof_reconstruction_ is None:
                    self.oof_reconstruction_ = np.full_like(X, np.nan)
                with torch.no_grad():  # held-out reconstruction: what the latent generalizes, not memorizes
                    self.oof_reconstruction_[va] = model.eval()(torch.as_tensor(X[va])).numpy()
                rows.append({"model": name, "fold": fold + 1, "best_epoch": best, "epochs_run": len(hist.train_loss),
                             "train_loss": hist.train_loss[best - 1], "val_loss": hist.val_loss[best - 1]})
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
            return self.model_.eval().encode(torch.as_tensor(np.asarray(X, np.float32))).numpy()

    def reconstruct(self, X) -> np.ndarray:
        """Reconstruction, array (n_samples, n_features)."""
        with torch.no_grad():
            return self.model_.eval()(torch.as_tensor(np.asarray(X, np.float32))).numpy()


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


def encode_labels(labels: pd.DataFrame) -> tuple[np.ndarray, list[list[str]]]:
    """Categorical label columns -> integer codes (n_samples, n_tasks) and the class names per task."""
    codes, classes = [], []
    for col in labels.columns:
        cat = pd.Categorical(labels[col])
        codes.append(cat.codes.astype(np.int64))
        classes.append([str(c) for c in cat.categories])
    return np.stack(codes, axis=1), classes


class GATClassifier:
    """Multi-task GAT over a fixed sample graph, trained on a subset of nodes (transductive).

    Parameters
    ----------
    hidden, heads, dropout : :class:`genenets.models.omics.MultiTaskGAT` sizes
    epochs, lr, weight_decay : training (full-batch, fixed number of epochs: no held-out node is
        used to stop)
    seed : int
    """

    def __init__(self, hidden: int = 32, heads: int = 4, dropout: float = 0.3, epochs: int = 200, lr: float = 5e-3,
                 weight_decay: float = 5e-4, seed: int = 0, device="cpu"):
        self.hidden, self.heads, self.dropout = hidden, heads, dropout
        self.epochs, self.lr, self.weight_decay, self.seed, self.device = epochs, lr, weight_decay, seed, device

    def fit(self, X, edge_index, Y, train_mask=None):
        """X (n_nodes, n_features); edge_index (2, n_edges); Y int (n_nodes, n_tasks); train_mask bool (n_nodes,)."""
        from torch_geometric.data import Data

        Y = np.asarray(Y)
        n_classes = [int(Y[:, t].max()) + 1 for t in range(Y.shape[1])]
        mask = np.ones(len(Y), bool) if train_mask is None else np.asarray(train_mask, bool)
        graph = Data(x=torch.as_tensor(np.asarray(X, np.float32)), edge_index=torch.as_tensor(edge_index),
                     y=torch.as_tensor(Y), train_mask=torch.as_tensor(mask))
        torch.manual_seed(self.seed)
        self.model_ = MultiTaskGAT(graph.num_features, n_classes, self.hidden, self.heads, self.dropout)

        def loss_fn(model, g):  # sum of the per-task cross-entropies on the training nodes
            logits = model(g.x, g.edge_index)
            return sum(torch.nn.functional.cross_entropy(lg[g.train_mask], g.y[g.train_mask, t])
                       for t, lg in enumerate(logits))

        hist = fit(self.model_, [graph], loss_fn, epochs=self.epochs, lr=self.lr, device=self.device,
                   optimizer_kwargs={"weight_decay": self.weight_decay}, progress=False, desc="GAT")
        self.history_, self.graph_ = hist.to_frame(), graph
        return self

    def predict(self) -> np.ndarray:
        """Predicted class per node and task, int (n_nodes, n_tasks)."""
        with torch.no_grad():
            logits = self.model_.eval()(self.graph_.x, self.graph_.edge_index)
        return np.stack([lg.argmax(1).numpy() for lg in logits], axis=1)

    def input_importance(self) -> np.ndarray:
        """Mean |d log p(true class) / d x| over nodes, summed over tasks: (n_features,)."""
        x = self.graph_.x.clone().requires_grad_(True)
        logits = self.model_.eval()(x, self.graph_.edge_index)
        obj = sum(torch.log_softmax(lg, 1).gather(1, self.graph_.y[:, t:t + 1]).sum() for t, lg in enumerate(logits))
        (grad,) = torch.autograd.grad(obj, x)
        return grad.abs().mean(0).numpy()


def _folds(Y, n_folds, seed):
    """Stratify on the combined labels when every combination has n_folds members, else on task 0."""
    combo = pd.Series(["|".join(map(str, r)) for r in Y])
    for strata in (combo, pd.Series(Y[:, 0])):
        k = min(n_folds, int(strata.value_counts().min()))
        if k >= 2:
            return list(StratifiedKFold(k, shuffle=True, random_state=seed).split(Y, strata))
    return list(KFold(n_folds, shuffle=True, random_state=seed).split(Y))


def evaluate_classifiers(Z, edge_index, labels: pd.DataFrame, gat_params: dict, n_folds: int = 5,
                         seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Held-out accuracy per task of the GAT, a majority-class and a logistic-regression baseline.

    Cross-validation over samples: in each fold the GAT sees the whole graph but trains on the
    training nodes' labels only; the baselines see the same training samples' latents ``Z``.
    Held-out predictions of all folds are pooled into one accuracy per task and method.

    Returns
    -------
    accuracy : DataFrame (task, method, accuracy, n)
    predictions : DataFrame, one row per sample x task with the held-out prediction of each method
    """
    Y, classes = encode_labels(labels)
    preds = {m: np.full_like(Y, -1) for m in ("GAT", "majority", "logistic regression")}
    for fold, (tr, te) in enumerate(_folds(Y, n_folds, seed)):
        mask = np.zeros(len(Y), bool)
        mask[tr] = True
        gat = GATClassifier(**gat_params, seed=seed + fold).fit(Z, edge_index, Y, mask)
        preds["GAT"][te] = gat.predict()[te]
        for t in range(Y.shape[1]):
            preds["majority"][te, t] = DummyClassifier(strategy="most_frequent").fit(Z[tr], Y[tr, t]).predict(Z[te])
            logreg = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed))
            preds["logistic regression"][te, t] = logreg.fit(Z[tr], Y[tr, t]).predict(Z[te])
    rows, long = [], []
    for t, task in enumerate(labels.columns):
        for method, P in preds.items():
            rows.append({"task": task, "method": method, "accuracy": float((P[:, t] == Y[:, t]).mean()), "n": len(Y)})
        long.append(pd.DataFrame({"sample": labels.index, "task": task, "true": np.array(classes[t])[Y[:, t]],
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


def embedding_figure(embeddings: dict, labels: pd.DataFrame):
    """One row per label column, one column per embedding method, points coloured by label."""
    tasks = list(labels.columns) or [None]
    fig, axes = plt.subplots(len(tasks), len(embeddings), figsize=(4.2 * len(embeddings), 3.8 * len(tasks)),
                             squeeze=False)
    for i, task in enumerate(tasks):
        for j, (method, E) in enumerate(embeddings.items()):
            ax = axes[i, j]
            hue = None if task is None else labels[task].astype(str).values
            sns.scatterplot(x=E[:, 0], y=E[:, 1], hue=hue, hue_order=None if hue is None else sorted(set(hue)),
                            ax=ax, s=45, legend=(j == len(embeddings) - 1))
            ax.set(title=f"{method}" + (f" - {task}" if task else ""), xlabel=f"{method} 1", ylabel=f"{method} 2")
            ax.set_xticks([]), ax.set_yticks([])
            if j == len(embeddings) - 1 and task is not None:
                ax.legend(title=task, frameon=False, fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.tight_layout()
    return fig


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


def correlation_heatmap(rho: pd.DataFrame, q: pd.DataFrame, n_genes: int = 30, n_metabolites: int = 25,
                        alpha: float = 0.05):
    """Heatmap of the strongest gene-metabolite correlations (top genes and metabolites by max
    |rho|); FDR-significant cells marked with a dot."""
    g = rho.abs().max(axis=1).nlargest(n_genes).index
    m = rho.loc[g].abs().max(axis=0).nlargest(n_metabolites).index
    sub, sig = rho.loc[g, m], q.loc[g, m] < alpha
    fig, ax = plt.subplots(figsize=(0.3 * len(m) + 3, 0.25 * len(g) + 2))
    sns.heatmap(sub, cmap="vlag", center=0, vmin=-1, vmax=1, ax=ax, cbar_kws={"label": "Spearman rho"},
                xticklabels=True, yticklabels=True)
    yy, xx = np.nonzero(sig.to_numpy())
    ax.scatter(xx + 0.5, yy + 0.5, s=4, color="black", label=f"BH q < {alpha}")
    ax.tick_params(labelsize=7)
    ax.set(title=f"Top {len(g)} genes x {len(m)} metabolites by |Spearman rho|", xlabel="metabolite", ylabel="gene")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(0, -0.12))
    fig.tight_layout()
    return fig


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


def ranking_figure(ranked: pd.DataFrame, weights: dict, n_top: int = 25, truth=None):
    """Stacked bars of each evidence's weighted contribution to the fused score of the top genes;
    planted genes (when ``truth`` is given) marked with a star."""
    top = ranked.head(n_top)
    contrib = pd.DataFrame({k: w * top[f"{k}_rank"] for k, w in weights.items()}, index=top.index)
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(top) + 1.5))
    contrib.iloc[::-1].plot.barh(stacked=True, ax=ax, width=0.8)
    labels = [f"{g} *" if truth is not None and g in set(truth) else g for g in top.index[::-1]]
    ax.set_yticks(range(len(top)), labels, fontsize=7)
    ax.set(xlabel="fused score (weighted rank-normalized evidence)", ylabel="",
           title=f"Top {len(top)} genes" + (" (* = planted pathway gene)" if truth is not None else ""))
    ax.legend(frameon=False, fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    fig.tight_layout()
    return fig


def replicate_precision(seeds, sim_params: dict, cfg: dict, ks=(20,), metabolite_norm: str = "median",
                        graph_method: str = "knn", k_neighbors: int = 5, threshold: float = 0.5,
                        device="cpu") -> pd.DataFrame:
    """Precision@k of the planted genes for each single evidence and the fused ranking, over
    simulation seeds. Each seed runs stages 1-5 with :func:`rank_pipeline` (the GAT trains on all
    samples; no classifier evaluation).

    Returns DataFrame (seed, evidence, k, precision).
    """
    from ..simulate.multiomics import simulate_multiomics

    rows = []
    for seed in seeds:
        data, hom, truth = simulate_multiomics(**sim_params, seed=seed)
        ev = rank_pipeline(data, hom, cfg, seed, metabolite_norm, graph_method, k_neighbors, threshold, device)
        fused = ranking.fuse(ev, cfg["weights"])
        cols = pd.DataFrame({k: ev[k] for k in ("correlation", "reconstruction", "gradient", "autoencoder", "gnn",
                                                "homology")})
        cols["fused"] = fused["fused"].reindex(cols.index)
        tab = ranking.precision_table(cols, truth.pathway_genes, ks)
        rows.append(tab.assign(seed=seed))
    if not rows:
        return pd.DataFrame(columns=["seed", "evidence", "k", "precision"])
    return pd.concat(rows, ignore_index=True)[["seed", "evidence", "k", "precision"]]


def ae_params(cfg: dict, seed: int = 0, device="cpu") -> dict:
    """:class:`OmicsAE` keyword arguments (all but ``hidden``) from the config."""
    return dict(latent=cfg["latent"], dropout=cfg["dropout"], lr=cfg["ae"]["lr"], epochs=cfg["ae"]["epochs"],
                patience=cfg["ae"]["patience"], batch_size=cfg["ae"]["batch_size"], n_folds=cfg["ae"]["n_folds"],
                seed=seed, device=device)


def rank_pipeline(data: MultiOmics, homology_hits, cfg: dict, seed: int = 0, metabolite_norm: str = "median",
                  graph_method: str = "knn", k_neighbors: int = 5, threshold: float = 0.5,
                  device="cpu") -> pd.DataFrame:
    """Stages 1-5 in one call (AE cross-validation included: it gives the out-of-fold reconstruction
    importance; no classifier evaluation, no figures); returns the evidence table."""
    prep = prepare(data, metabolite_norm)
    ae_g = OmicsAE(cfg["gene_hidden"], **ae_params(cfg, seed, device)).fit(prep.genes.to_numpy())
    ae_m = OmicsAE(cfg["metabolite_hidden"], **ae_params(cfg, seed, device)).fit(prep.metabolites.to_numpy())
    Zg, Zm = ae_g.transform(prep.genes), ae_m.transform(prep.metabolites)
    Z = np.hstack([Zg, Zm])
    edges = sample_graph(Z, graph_method, k_neighbors, threshold)
    Y, _ = encode_labels(prep.labels)
    gat = GATClassifier(**cfg["gat"], seed=seed, device=device).fit(Z, edges, Y)
    rho, q = spearman_matrix(prep.genes, prep.metabolites)
    hom, fam, _ = (ranking.homology_evidence(homology_hits, prep.genes.columns) if homology_hits is not None
                   else (pd.Series(0.0, index=prep.genes.columns), pd.Series("", index=prep.genes.columns), {}))
    return evidence_table(correlation_evidence(rho, q), reconstruction_importance(ae_g, prep.genes),
                          gradient_importance(ae_g, prep.genes),
                          gnn_gene_importance(gat.input_importance()[:Zg.shape[1]], prep.genes, Zg), hom, fam)


def precision_figure(table: pd.DataFrame, k: int, random: float | None = None):
    """Precision@k per evidence over seeds: mean bar (error bar: SE) with one dot per seed, and the
    expected precision of a random ranking (``random``) as a dotted line."""
    sub = table[table["k"] == k]
    order = sub.groupby("evidence")["precision"].mean().sort_values(ascending=False).index
    fig, ax = plt.subplots(figsize=(7, 4))
    sns.barplot(data=sub, x="evidence", y="precision", order=order, ax=ax, errorbar="se", color="tab:blue", alpha=0.6)
    sns.stripplot(data=sub, x="evidence", y="precision", order=order, ax=ax, color="black", size=4)
    if random is not None:
        ax.axhline(random, color="grey", ls=":", label=f"random ranking ({random:.3f})")
        ax.legend(frameon=False, fontsize=8, loc="upper right")
    ax.set(ylabel=f"precision@{k} of planted genes", xlabel="", ylim=(0, 1.05),
           title=f"Planted-gene recovery over {sub['seed'].nunique()} simulated data sets")
    ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------------------------
# data entry points


def read_homology(path) -> pd.DataFrame:
    """A user's BLAST/HMM hits table (CSV or TSV with columns ``query_gene``, ``family``, ``evalue``)."""
    from ..data import DataError

    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: homology table not found")
    df = pd.read_csv(path, sep="\t" if path.suffix in (".tsv", ".tab") else ",")
    missing = {"query_gene", "family", "evalue"} - set(df.columns)
    if missing:
        raise DataError(f"{path}: homology table lacks column(s) {sorted(missing)}; has {list(df.columns)}")
    return df


def load_dataset(dataset: str, seed: int = 0, sim_params: dict | None = None, gene_csv=None, metabolite_csv=None,
                 labels_csv=None, gene_scale: str = "fpkm", homology_table=None):
    """``(MultiOmics, homology hits or None, truth or None)`` for ``dataset`` in
    ``{"simulated", "nutrimouse", "csv"}``; ``homology_table`` (a path) replaces the simulated one."""
    from ..data import multiomics as mdata
    from ..simulate.multiomics import simulate_multiomics

    hits, truth = None, None
    if dataset == "simulated":
        data, hits, truth = simulate_multiomics(**(sim_params or {}), seed=seed)
    elif dataset == "nutrimouse":
        data = mdata.load_nutrimouse()
    elif dataset == "csv":
        if gene_csv is None or metabolite_csv is None:
            raise ValueError("dataset='csv' needs gene_csv and metabolite_csv")
        data = mdata.load_csv_pair(gene_csv, metabolite_csv, labels_csv, gene_scale)
    else:
        raise ValueError(f"unknown dataset {dataset!r}; use 'simulated', 'nutrimouse' or 'csv'")
    if homology_table is not None:
        hits = read_homology(homology_table)
    return data, hits, truth


def overview_figure(data: MultiOmics, seed: int = 0):
    """PCA of samples from the genes (left) and from the metabolites (right), coloured by the
    first label: a one-look summary of a paired data set for the data overview."""
    prep = prepare(data)
    hue = data.labels.iloc[:, 0].astype(str).values if data.labels.shape[1] else None
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, df, what in ((axes[0], prep.genes, "genes"), (axes[1], prep.metabolites, "metabolites")):
        pcs = PCA(2, random_state=seed).fit_transform(df.to_numpy())
        sns.scatterplot(x=pcs[:, 0], y=pcs[:, 1], hue=hue, ax=ax, s=45, legend=ax is axes[1])
        ax.set(title=f"{data.name}: PCA of samples ({df.shape[1]} {what})", xlabel="PC1", ylabel="PC2")
    if hue is not None:
        axes[1].legend(title=data.labels.columns[0], frameon=False, fontsize=8, bbox_to_anchor=(1.01, 1),
                       loc="upper left")
    fig.tight_layout()
    return fig

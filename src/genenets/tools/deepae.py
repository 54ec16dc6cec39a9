"""Deriving disease modules from the compressed transcriptional space of a deep autoencoder: computation.

The analyses of notebooks 03-06 (Dwivedi et al., Nat Commun 2020): one trained family of sigmoid
autoencoders (shallow SAE and 3-layer deepAE at several widths), cached by content in
:mod:`genenets.cache` so that every notebook reuses it, then

- reconstruction (Fig. 1): 1 - R^2 globally and gene-wise vs width, power law, PCA anchor;
- clustering (Fig. 3): silhouette per group of each layer's codes (2 PCs) vs PCA of all genes;
- light-up (Fig. 4): genes lit by each hidden node, their interactome distance and betweenness
  against random gene sets;
- reverse training (Fig. 2): phenotype -> code -> decoder gives gene scores per disease; GWAS
  enrichment, planted-gene recall, and a case-vs-control t-test baseline.

This module computes only: figures are in :mod:`genenets.plotting.deepae`, headline metrics, verdict
rules and sentences in :mod:`genenets.summaries.deepae`, datasets come from :mod:`genenets.datasets`
(``compendium-simulated``, ``pbmc68k``, ``leukemia``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from scipy import stats as sps
from sklearn.decomposition import PCA
from sklearn.metrics import r2_score, silhouette_samples
from sklearn.model_selection import train_test_split

from .. import cache
from .. import stats as gstats
from .. import train as gtrain
from ..data.expression import ExpressionPreprocessor, ExpressionSet
from ..models.autoencoder import ReverseNetwork, SigmoidAutoencoder

#: The paper's optimiser settings.
ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8
MODEL_KINDS = {"SAE": 1, "deepAE": 3}


# ----------------------------------------------------------------------------------------------
# data


@dataclass
class PreparedData:
    """Preprocessed train/validation matrices (n_samples, n_genes) in [0, 1] with their labels."""

    name: str
    X_train: np.ndarray
    X_val: np.ndarray
    genes: pd.Index
    labels_train: pd.DataFrame
    labels_val: pd.DataFrame
    preprocessor: ExpressionPreprocessor
    truth: object = None
    info: dict = field(default_factory=dict)

    @property
    def X_all(self) -> np.ndarray:
        return np.concatenate([self.X_train, self.X_val])

    @property
    def labels_all(self) -> pd.DataFrame:
        return pd.concat([self.labels_train, self.labels_val])


def prepare(es: ExpressionSet, truth=None, *, val_fraction: float = 0.2, seed: int = 0,
            stratify: str | None = "cell_type") -> PreparedData:
    """Split samples into train/validation (stratified by ``stratify`` where every group has 2+ samples)
    and preprocess with the dataset's settings (``es.preprocess``: noise floor, log), fitting the
    floor/log/min-max on the training samples only.

    Parameters
    ----------
    es : ExpressionSet (n_samples, n_genes), e.g. ``genenets.datasets.load("pbmc68k").data``
    truth : the simulator's truth, or None for real data
    """
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    strat = None
    if stratify and stratify in es.labels and es.labels[stratify].value_counts().min() >= 2:
        strat = es.labels[stratify]
    idx_train, idx_val = train_test_split(np.arange(es.shape[0]), test_size=val_fraction, random_state=seed,
                                          stratify=strat)
    pre = ExpressionPreprocessor(**es.preprocess)
    X_train = pre.fit_transform(es.values.iloc[idx_train], source=es.name)
    X_val = pre.transform(es.values.iloc[idx_val], source=es.name)
    info = {"n_samples": es.shape[0], "n_genes_in": es.shape[1], "n_genes": len(pre.genes_),
            "n_constant_genes_dropped": len(pre.constant_genes_), "n_floored_values": pre.n_floored_,
            **es.info}
    return PreparedData(es.name, X_train, X_val, pre.genes_, es.labels.iloc[idx_train], es.labels.iloc[idx_val],
                        pre, truth, info)


def prepare_dataset(ds, *, val_fraction: float = 0.2, seed: int = 0) -> PreparedData:
    """:func:`prepare` of a loaded :class:`genenets.datasets.Dataset` (its expression set and truth)."""
    return prepare(ds.data, ds.truth, val_fraction=val_fraction, seed=seed)


# ----------------------------------------------------------------------------------------------
# the model family, trained once per parameter set and cached by content


@dataclass
class TrainedModel:
    """One trained autoencoder: the module, its per-epoch losses (``history``: epoch, train_loss,
    val_loss), the :class:`genenets.train.History` (``fit``; how training ended) and whether it came
    from the cache."""

    kind: str
    width: int
    model: SigmoidAutoencoder
    history: pd.DataFrame
    from_cache: bool
    fit: gtrain.History | None = None


def _mse(model, batch):
    return torch.nn.functional.mse_loss(model(batch[0]), batch[0])


@cache.cached(version=1, ignore=("device", "progress"), namespace="deepae/autoencoder")
def _train_state(X_train: np.ndarray, X_val: np.ndarray, kind: str, width: int, *, epochs: int, lr: float,
                 batch_size: int, seed: int, patience: int | None, init: str, device="cpu",
                 progress: bool = False) -> dict:
    """Train one autoencoder; return its ``state_dict`` (CPU tensors) and :class:`~genenets.train.History`."""
    torch.manual_seed(seed)  # same initial weights for the same inputs, whatever ran before
    model = SigmoidAutoencoder(X_train.shape[1], width, MODEL_KINDS[kind], init=init)
    train_loader = gtrain.make_loader(X_train, batch_size=batch_size, shuffle=True, seed=seed)
    val_loader = gtrain.make_loader(X_val, batch_size=1024)
    hist = gtrain.fit(model, train_loader, _mse, val_loader=val_loader, epochs=epochs, lr=lr, optimizer="Adam",
                      optimizer_kwargs={"betas": ADAM_BETAS, "eps": ADAM_EPS}, patience=patience, device=device,
                      progress=progress, desc=f"{kind} w={width}",
                      no_learning_loss=gtrain.no_learning_mse(X_train, X_val))
    model.to("cpu")
    return {"state": {k: v.detach().clone() for k, v in model.state_dict().items()}, "history": hist}


def train_autoencoder(data: PreparedData, kind: str, width: int, *, epochs: int = 50, lr: float = 1e-4,
                      batch_size: int = 256, seed: int = 0, device="cpu", patience: int | None = None,
                      init: str = "glorot", cache: bool = True, progress: bool = False) -> TrainedModel:
    """Train (or load from the cache) one autoencoder on ``data.X_train`` with the paper's Adam settings.

    ``patience``: early stopping on the validation loss (``data.X_val``; best weights kept); ``init``: see
    :class:`~genenets.models.autoencoder.SigmoidAutoencoder`. The cache (:mod:`genenets.cache`) is keyed by
    the content of the training and validation matrices and every training parameter, so a changed
    setting or a changed data file trains a new model and an unchanged one is loaded (notebooks 04-06
    reuse what 03 trained).
    """
    if kind not in MODEL_KINDS:
        raise ValueError(f"kind must be one of {list(MODEL_KINDS)}, got {kind!r}")
    out = _train_state(data.X_train, data.X_val, kind, int(width), epochs=int(epochs), lr=float(lr),
                       batch_size=int(batch_size), seed=int(seed), patience=patience, init=init, device=device,
                       progress=progress, use_cache=cache)
    hit = _train_state.last_hit
    model = SigmoidAutoencoder(data.X_train.shape[1], width, MODEL_KINDS[kind], init=init)
    model.load_state_dict(out["state"])
    return TrainedModel(kind, int(width), model.eval(), out["history"].to_frame(), hit, out["history"])


def train_family(data: PreparedData, widths, kinds=("SAE", "deepAE"), **kwargs) -> dict:
    """``{(kind, width): TrainedModel}`` for every kind and width (see :func:`train_autoencoder`)."""
    return {(kind, int(w)): train_autoencoder(data, kind, int(w), **kwargs) for kind in kinds for w in widths}


def convergence_table(family: dict, window: int = 10) -> pd.DataFrame:
    """Per trained model: epochs run, best epoch, final validation loss and its relative drop over the last
    ``window`` epochs (``(loss[-window-1] - loss[-1]) / loss[-window-1]``; > 0.01 means still improving, i.e.
    stopped by the epoch limit, not converged), and whether early stopping ended the training."""
    rows = []
    for (kind, width), tm in family.items():
        h = tm.history
        v = h["val_loss"].to_numpy() if "val_loss" in h else h["train_loss"].to_numpy()
        w = min(window, len(v) - 1)
        drop = float((v[-w - 1] - v[-1]) / v[-w - 1]) if w > 0 else float("nan")
        rows.append({"model": kind, "width": width, "epochs_run": len(v), "best_epoch": int(np.argmin(v)) + 1,
                     "final_val_loss": float(v[-1]), f"val_loss_drop_last_{window}": round(drop, 4),
                     "still_improving": bool(drop > 0.01)})
    return pd.DataFrame(rows)


def _np(model, X, fn=None) -> np.ndarray:
    with torch.no_grad():
        t = torch.as_tensor(X, dtype=torch.float32)
        return (fn(t) if fn else model(t)).numpy()


# ----------------------------------------------------------------------------------------------
# 03 reconstruction


def one_minus_r2(X, X_hat) -> dict:
    """1 - R^2 of a reconstruction ``X_hat`` of ``X`` (both (n_samples, n_genes)).

    ``global``: one R^2 over all values against the global mean (global variance);
    ``genewise``: mean over genes of each gene's 1 - R^2 (each gene's own variance; genes constant in ``X``
    are left out, as their R^2 is undefined).
    """
    X, X_hat = np.asarray(X, float), np.asarray(X_hat, float)
    if X.shape != X_hat.shape:
        raise ValueError(f"X and X_hat differ in shape: {X.shape} vs {X_hat.shape}")
    varying = X.std(axis=0) > 0
    return {"global": 1 - r2_score(X.ravel(), X_hat.ravel()),
            "genewise": 1 - r2_score(X[:, varying], X_hat[:, varying], multioutput="uniform_average")}


def reconstruction_table(family: dict, data: PreparedData, pca: bool = True) -> pd.DataFrame:
    """Long table: ``model``, ``width``, ``split``, ``global``, ``genewise`` (1 - R^2) for each trained
    model and, as the same-run anchor, PCA with as many components as hidden nodes (fitted on train)."""
    rows = []
    for (kind, width), tm in family.items():
        for split, X in (("train", data.X_train), ("validation", data.X_val)):
            rows.append({"model": kind, "width": width, "split": split, **one_minus_r2(X, _np(tm.model, X))})
    if pca:
        for width in sorted({w for _, w in family}):
            n_comp = min(width, *data.X_train.shape)
            p = PCA(n_components=n_comp, random_state=0).fit(data.X_train)
            for split, X in (("train", data.X_train), ("validation", data.X_val)):
                X_hat = p.inverse_transform(p.transform(X))
                rows.append({"model": "PCA", "width": width, "split": split, **one_minus_r2(X, X_hat)})
    return pd.DataFrame(rows)


def fit_power_law(widths, errors) -> dict:
    """Least-squares fit of ``error = a * width ** (-b)`` on log-log axes (scipy ``linregress``).
    Returns ``a``, ``b`` and the fit's ``r2``."""
    w, e = np.asarray(widths, float), np.asarray(errors, float)
    ok = (w > 0) & (e > 0)
    if ok.sum() < 2:
        raise ValueError("a power law needs at least two widths with positive error")
    fit = sps.linregress(np.log(w[ok]), np.log(e[ok]))
    return {"a": float(np.exp(fit.intercept)), "b": float(-fit.slope), "r2": float(fit.rvalue ** 2)}


def matching_width(table: pd.DataFrame, split: str = "validation", measure: str = "global") -> dict:
    """Width at which the deepAE reaches the SAE's error at its largest width: empirically (the smallest
    deepAE width whose error is at most that) and from the deepAE's power law."""
    t = table[table["split"] == split]
    sae = t[t["model"] == "SAE"].sort_values("width")
    deep = t[t["model"] == "deepAE"].sort_values("width")
    target = float(sae[measure].iloc[-1])
    reached = deep.loc[deep[measure] <= target, "width"]
    law = fit_power_law(deep["width"], deep[measure])
    return {"sae_width": int(sae["width"].iloc[-1]), "sae_error": target,
            "deep_width_empirical": int(reached.min()) if len(reached) else None,
            "deep_width_power_law": float((law["a"] / target) ** (1 / law["b"])) if law["b"] > 0 else None}


def mean_predictor_error(data: PreparedData) -> dict:
    """1 - R^2 on the validation samples of predicting every sample by the training samples' gene means:
    the error of a model that has learned nothing sample-specific (the plateau a stuck autoencoder sits on)."""
    return one_minus_r2(data.X_val, np.broadcast_to(data.X_train.mean(axis=0), data.X_val.shape))


# ----------------------------------------------------------------------------------------------
# 04 clustering


def layer_codes(model: SigmoidAutoencoder, X, layer: int) -> np.ndarray:
    """Activations (n_samples, width) of hidden ``layer`` for inputs ``X`` (n_samples, n_genes)."""
    return _np(model, X, lambda t: model.hidden(t, layer))


def silhouette_by_group(embedding, labels) -> tuple[pd.Series, list]:
    """Mean silhouette (sklearn ``silhouette_samples``) of each group in ``embedding`` (n_samples, d).

    Groups with a single sample have no silhouette: they are excluded and returned in the second value.
    """
    labels = pd.Series(np.asarray(labels, dtype=str))
    counts = labels.value_counts()
    singletons = sorted(counts.index[counts < 2])
    keep = ~labels.isin(singletons).to_numpy()
    if labels[keep].nunique() < 2:
        raise ValueError("silhouette needs at least two groups with 2+ samples each")
    s = silhouette_samples(np.asarray(embedding)[keep], labels[keep].to_numpy())
    return pd.Series(s).groupby(labels[keep].to_numpy()).mean(), singletons


def clustering_table(model: SigmoidAutoencoder, X, labels: pd.DataFrame, label_columns, seed: int = 0):
    """Silhouette per group of each hidden layer's codes (2 PCs) and of PCA on all genes (2 PCs).

    Returns a long DataFrame (``grouping``, ``group``, ``method``, ``silhouette``, ``n``) and the excluded
    singleton groups ``{grouping: [groups]}``.
    """
    embeddings = {"PCA (all genes)": PCA(2, random_state=seed).fit_transform(X)}
    for layer in range(1, model.n_hidden + 1):
        embeddings[f"layer {layer}"] = PCA(2, random_state=seed).fit_transform(layer_codes(model, X, layer))
    rows, excluded = [], {}
    for col in label_columns:
        sizes = labels[col].value_counts()
        for method, emb in embeddings.items():
            sil, singles = silhouette_by_group(emb, labels[col])
            excluded[col] = singles
            rows += [{"grouping": col, "group": g, "method": method, "silhouette": float(v), "n": int(sizes[g])}
                     for g, v in sil.items()]
    return pd.DataFrame(rows), excluded, embeddings


def wins_against_pca(table: pd.DataFrame, reference: str = "PCA (all genes)") -> pd.DataFrame:
    """For each method: groups where its silhouette beats the reference's, the odds ratio wins/losses and
    a two-sided binomial test (scipy ``binomtest``, p = 0.5) over all groups of all groupings."""
    ref = table[table["method"] == reference].set_index(["grouping", "group"])["silhouette"]
    rows = []
    for method, sub in table[table["method"] != reference].groupby("method", sort=False):
        s = sub.set_index(["grouping", "group"])["silhouette"]
        diff = (s - ref.reindex(s.index)).dropna()
        wins, ties = int((diff > 0).sum()), int((diff == 0).sum())
        n = len(diff) - ties
        losses = n - wins
        rows.append({"method": method, "wins": wins, "losses": losses, "n_groups": n,
                     "odds_ratio": wins / losses if losses else float("inf"),
                     "binom_p": sps.binomtest(wins, n, 0.5).pvalue if n else float("nan")})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------
# 05 light-up


def lightup(model: SigmoidAutoencoder, X, layer: int) -> np.ndarray:
    """Output (width, n_genes) when each node of ``layer`` alone is set to its maximum activation over
    ``X`` (n_samples, n_genes) and every other node of that layer to zero."""
    codes = layer_codes(model, X, layer)
    h = np.diag(codes.max(axis=0)).astype(np.float32)
    return _np(model, h, lambda t: model.decode_from(t, layer))


def lightup_ks(n_genes: int, k_min: int = 8, fraction: float = 0.05) -> list[int]:
    """Powers of two from ``k_min`` up to ``fraction`` of the gene count (at least one k)."""
    k_max = max(k_min, int(fraction * n_genes))
    return [2 ** e for e in range(int(np.log2(k_min)), int(np.log2(k_max)) + 1)]


def lightup_topology(lit: dict, genes, topology, ks, n_random: int = 200, seed: int = 0) -> tuple:
    """Interactome distance and betweenness of each node's top-k lit genes against random sets.

    Parameters
    ----------
    lit : dict ``{layer name: array (width, n_genes)}`` from :func:`lightup`
    genes : Index of the n_genes gene names (columns of the arrays)
    topology : :class:`genenets.graph.GeneSetTopology` over the measured genes
        Genes outside the interactome are skipped when ranking (they cannot have a distance).
    ks : list of int
    n_random : random sets of each size k (the same null for every node)

    Returns
    -------
    (per-node DataFrame: ``layer``, ``node``, ``k``, ``distance``, ``distance_p``, ``betweenness``,
    ``betweenness_p``; null DataFrame: ``k``, ``distance``, ``betweenness``)
    """
    rng = np.random.default_rng(seed)
    in_net = np.array([g in topology._pos for g in genes])
    names = np.asarray(genes)[in_net]
    nulls = {k: topology.null(k, n_random, rng).assign(k=k) for k in ks}
    rows = []
    for layer, out in lit.items():
        order = np.argsort(-out[:, in_net], axis=1, kind="stable")
        for node in range(out.shape[0]):
            for k in ks:
                rows.append({"layer": layer, "node": node, "k": k,
                             **topology.test(names[order[node, :k]], nulls[k])})
    return pd.DataFrame(rows), pd.concat(nulls.values(), ignore_index=True)


def lightup_distinct_genes(lit: dict, genes, universe, k: int) -> dict:
    """How different the nodes of each layer are: the number of distinct genes in the union of all nodes'
    top-``k`` lit genes (ranked among ``universe``, as in :func:`lightup_topology`), out of at most
    ``width * k``. A small number means the nodes light up the same genes, so their p-values are not
    independent evidence."""
    keep = np.isin(np.asarray(genes), list(universe))
    names = np.asarray(genes)[keep]
    return {layer: int(len(np.unique(names[np.argsort(-out[:, keep], axis=1, kind="stable")[:, :k]])))
            for layer, out in lit.items()}


def lightup_summary(per_node: pd.DataFrame, null: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Per layer and k: median distance/betweenness of the nodes, of the random sets, the fraction of
    nodes with empirical p < alpha, and a one-sided Mann-Whitney test of nodes vs random sets."""
    rows = []
    for (layer, k), sub in per_node.groupby(["layer", "k"], sort=False):
        nk = null[null["k"] == k]
        d_p = sps.mannwhitneyu(sub["distance"], nk["distance"], alternative="less").pvalue
        row = {"layer": layer, "k": k, "n_nodes": len(sub), "median_distance": sub["distance"].median(),
               "random_median_distance": nk["distance"].median(),
               "frac_nodes_distance_p": float((sub["distance_p"] < alpha).mean()), "distance_mwu_p": d_p}
        if "betweenness" in sub:
            row.update(median_betweenness=sub["betweenness"].median(),
                       random_median_betweenness=nk["betweenness"].median(),
                       frac_nodes_betweenness_p=float((sub["betweenness_p"] < alpha).mean()),
                       betweenness_mwu_p=sps.mannwhitneyu(sub["betweenness"], nk["betweenness"],
                                                          alternative="greater").pvalue)
        rows.append(row)
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------
# 06 reverse training and disease genes


def reverse_scores(model: SigmoidAutoencoder, X, phenotypes, layer: int, genes, *, n_between: int = 64,
                   epochs: int = 100, lr: float = 1e-3, batch_size: int = 256, seed: int = 0,
                   device="cpu") -> pd.DataFrame:
    """Reverse training: fit phenotype one-hot -> code of ``layer`` (MSE, the autoencoder frozen), then
    decode each phenotype's predicted code from ``layer``.

    Parameters
    ----------
    X : array (n_samples, n_genes), phenotypes : array (n_samples,) of labels
    genes : the n_genes names (columns of the result)

    Returns
    -------
    DataFrame (n_phenotypes, n_genes): the decoded expression profile of each phenotype.
    """
    phenotypes = pd.Series(np.asarray(phenotypes, dtype=str))
    classes = sorted(phenotypes.unique())
    if len(classes) < 2:
        raise ValueError("reverse training needs at least two phenotypes")
    onehot = pd.get_dummies(phenotypes)[classes].to_numpy(np.float32)
    codes = layer_codes(model, X, layer)
    torch.manual_seed(seed)
    rev = ReverseNetwork(len(classes), model.width, n_between)
    loader = gtrain.make_loader(onehot, codes, batch_size=batch_size, shuffle=True, seed=seed)
    gtrain.fit(rev, loader, lambda m, b: torch.nn.functional.mse_loss(m(b[0]), b[1]), epochs=epochs, lr=lr,
               optimizer_kwargs={"betas": ADAM_BETAS, "eps": ADAM_EPS}, device=device, progress=False)
    rev.to("cpu").eval()
    eye = torch.eye(len(classes))
    with torch.no_grad():
        out = model.decode_from(rev(eye), layer).numpy()
    if len(genes) != out.shape[1]:
        raise ValueError(f"{len(genes)} gene names for {out.shape[1]} model outputs")
    return pd.DataFrame(out, index=classes, columns=pd.Index(genes))


def top_genes(score: pd.Series, n: int) -> list:
    """The ``n`` genes with the largest absolute score (ties broken by gene order)."""
    return list(score.abs().sort_values(ascending=False, kind="stable").index[:n])


def disease_gene_table(scores: dict, genes, diseases, gwas_sets: dict, top_n: int, planted: dict | None = None):
    """Enrichment of each method's top-N genes per disease for the disease's GWAS genes.

    Parameters
    ----------
    scores : ``{method: DataFrame (n_diseases, n_genes)}`` gene scores per disease (larger |score| = more
        disease-related), e.g. reverse-training differences from the healthy profile, or t statistics
    genes : the n_genes names (the test universe)
    gwas_sets : ``{disease: set of genes}``; a disease whose set has no measured gene is excluded and
        reported in ``attrs["excluded"]``
    planted : ``{disease: set}``, optional simulated truth: recall of planted genes in the top N

    Returns
    -------
    DataFrame: ``method``, ``disease``, overlap, odds_ratio, p (one-sided Fisher), ``recall_planted``.
    """
    universe = set(genes)
    rows, excluded = [], []
    for d in diseases:
        ref = set(gwas_sets.get(d, set())) & universe
        if not ref:
            excluded.append(d)
            continue
        for method, table in scores.items():
            top = top_genes(table.loc[d], top_n)
            row = {"method": method, "disease": d, **gstats.enrichment(top, ref, universe)}
            if planted is not None:
                row["recall_planted"] = len(set(top) & planted[d]) / max(len(planted[d]), 1)
            rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["excluded"] = excluded
    return out


@cache.cached(version=1, namespace="deepae/betweenness")
def _betweenness(graph, n_pivots: int | None, seed: int) -> pd.Series:
    from .. import graph as ggraph

    return ggraph.betweenness(graph, n_pivots=n_pivots, seed=seed)


def cached_betweenness(graph, n_pivots: int | None, seed: int = 0) -> pd.Series:
    """:func:`genenets.graph.betweenness` of ``graph`` (pivot-sampled with ``n_pivots``, or exact), cached
    in :mod:`genenets.cache` by the graph's content (nodes and edges), the pivots and the seed: the whole
    interactome takes seconds to minutes."""
    return _betweenness(graph, n_pivots, seed)


def disease_scores(profiles: pd.DataFrame, control: str = "healthy") -> pd.DataFrame:
    """Reverse-training gene scores: each phenotype's decoded profile minus the control's, shape
    (n_phenotypes - 1, n_genes)."""
    if control not in profiles.index:
        raise ValueError(f"control phenotype {control!r} not among {list(profiles.index)}")
    return profiles.drop(index=control) - profiles.loc[control]


def ttest_scores(X, phenotypes, genes, control: str = "healthy") -> pd.DataFrame:
    """Baseline: Welch t statistic of every gene, each phenotype vs the control samples, shape
    (n_phenotypes - 1, n_genes); constant genes get 0."""
    phenotypes = np.asarray(phenotypes, dtype=str)
    rows = {}
    for d in sorted(set(phenotypes) - {control}):
        keep = np.isin(phenotypes, [d, control])
        t = gstats.ttest_columns(X[keep], phenotypes[keep] == d, columns=genes)["t"]
        rows[d] = t.reindex(genes).fillna(0.0)
    return pd.DataFrame(rows).T


# ----------------------------------------------------------------------------------------------
# summaries shared by the main (simulated) analysis and the real-data replication of each notebook


def interactome_coverage(genes, graph) -> dict:
    """Counts of ``genes`` in and absent from the interactome ``graph`` (absent genes cannot be tested)."""
    genes = list(dict.fromkeys(genes))
    absent = [g for g in genes if g not in graph]
    return {"n_genes": len(genes), "n_in_interactome": len(genes) - len(absent), "n_absent": len(absent),
            "absent_examples": absent[:5]}


def reference_gene_sets(disease_table: pd.DataFrame, mapping: dict, sources=("gwas",)) -> tuple[dict, dict]:
    """Reference genes of each phenotype from the interactome's disease table.

    Parameters
    ----------
    disease_table : DataFrame from :func:`genenets.data.interactome.load_disease_genes`
    mapping : ``{phenotype: disease name}`` (the name a row of ``disease_table``)
    sources : columns whose sets are united (``"gwas"``, ``"omim"``)

    Returns
    -------
    ``({phenotype: set of genes}, {phenotype: reason})``: phenotypes whose set is empty (or whose disease is
    unknown) are left out of the first and explained in the second.
    """
    bad = [c for c in sources if c not in ("gwas", "omim")]
    if bad:
        raise ValueError(f"sources must be 'gwas' and/or 'omim', got {bad}")
    sets, excluded = {}, {}
    for phenotype, disease in mapping.items():
        if disease not in disease_table.index:
            excluded[phenotype] = f"{disease!r} is not in the disease table"
            continue
        genes = set().union(*(disease_table.loc[disease, c] for c in sources))
        if not genes:
            excluded[phenotype] = f"{disease!r} has no {'/'.join(sources)} genes"
            continue
        sets[phenotype] = genes
    return sets, excluded


def combine_enrichment(enr: pd.DataFrame) -> pd.DataFrame:
    """Per method: Fisher's combined p over diseases, median odds ratio and (if present) the mean recall of
    planted genes."""
    agg = dict(combined_p=("p", gstats.combine_pvalues), median_odds_ratio=("odds_ratio", "median"),
               n_diseases=("p", "size"))
    if "recall_planted" in enr:
        agg["mean_recall_planted"] = ("recall_planted", "mean")
    return enr.groupby("method", sort=False).agg(**agg).reset_index()


def reverse_training_scores(family: dict, width: int, X, phenotypes, genes, control: str, *, epochs: int,
                            lr: float, batch_size: int = 256, seed: int = 0, device="cpu") -> dict:
    """Gene scores per phenotype (vs ``control``) from reverse training at each depth, plus the t-test
    baseline: ``{"deepAE layer 1", "deepAE layers 1-2", "deepAE all three layers", "SAE",
    "baseline t-test": DataFrame (n_phenotypes - 1, n_genes)}``."""
    setups = {"deepAE layer 1": ("deepAE", 1), "deepAE layers 1-2": ("deepAE", 2),
              "deepAE all three layers": ("deepAE", 3), "SAE": ("SAE", 1)}
    scores = {}
    for name, (kind, layer) in setups.items():
        profiles = reverse_scores(family[(kind, width)].model, X, phenotypes, layer, genes, epochs=epochs, lr=lr,
                                  batch_size=batch_size, seed=seed, device=device)
        scores[name] = disease_scores(profiles, control=control)
    scores["baseline t-test"] = ttest_scores(X, phenotypes, genes, control=control)
    return scores

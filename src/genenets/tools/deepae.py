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

import copy
import hashlib
import inspect
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from scipy import stats as sps
from sklearn.decomposition import PCA
from sklearn.metrics import r2_score, silhouette_samples
from sklearn.model_selection import train_test_split

from .. import cache
from .. import cache as gcache
from .. import stats as gstats
from .. import train as gtrain
from ..data.expression import ExpressionPreprocessor, ExpressionSet
from ..models.autoencoder import ReverseNetwork, SigmoidAutoencoder, StackedReverse

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
    info = {"n_samples": es.shape[0], "n_genes_in": es.shape[1], "n_genes": len(pre.genes_), "val_fraction": val_fraction,
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


@cache.cached(version=2, ignore=("device", "progress"), namespace="deepae/autoencoder")
def _train_state(X_train: np.ndarray, X_val: np.ndarray, kind: str, width: int, *, epochs: int, lr: float,
                 batch_size: int, seed: int, patience: int | None, init: str, center: bool = True, device="cpu",
                 progress: bool = False) -> dict:
    """Train one autoencoder; return its ``state_dict`` (CPU tensors) and :class:`~genenets.train.History`."""
    torch.manual_seed(seed)  # same initial weights for the same inputs, whatever ran before
    model = SigmoidAutoencoder(X_train.shape[1], width, MODEL_KINDS[kind], init=init,
                               input_mean=X_train.mean(axis=0) if center else None)
    train_loader = gtrain.make_loader(X_train, batch_size=batch_size, shuffle=True, seed=seed)
    val_loader = gtrain.make_loader(X_val, batch_size=1024)
    hist = gtrain.fit(model, train_loader, _mse, val_loader=val_loader, epochs=epochs, lr=lr, optimizer="Adam",
                      optimizer_kwargs={"betas": ADAM_BETAS, "eps": ADAM_EPS}, patience=patience, device=device,
                      progress=progress, desc=f"{kind} w={width}",
                      no_learning_loss=gtrain.no_learning_mse(X_train, X_val))
    model.to("cpu")
    return {"state": {k: v.detach().clone() for k, v in model.state_dict().items()}, "history": hist}


_SOURCE_TRAIN_STATE = hashlib.sha1(inspect.getsource(_train_state.__wrapped__).encode()).hexdigest()


def train_autoencoder(data: PreparedData, kind: str, width: int, *, epochs: int = 50, lr: float = 1e-4,
                      batch_size: int = 256, seed: int = 0, device="cpu", patience: int | None = None,
                      init: str = "glorot", center: bool = True, cache: bool = True,
                      progress: bool = False) -> TrainedModel:
    """Train (or load from the cache) one autoencoder on ``data.X_train`` with the paper's Adam settings.

    ``patience``: early stopping on the validation loss (``data.X_val``; best weights kept); ``init``: see
    :class:`~genenets.models.autoencoder.SigmoidAutoencoder`; ``center``: centre the input on the training
    gene means inside the model and start the output biases at their logit (the same model family; it trains in
    tens of epochs where uncentred min-max inputs need hundreds or stall on the gene-mean plateau).

    The cache (:mod:`genenets.cache`) is keyed by the content of the training and validation matrices and every
    training parameter, so a changed setting or a changed data file trains a new model and an unchanged one is
    loaded (notebooks 04-06 reuse what 03 trained). A model that early stopping ended after E epochs is the same
    model under any epoch cap of at least E (the loop is deterministic and the cap only ends it), so it is also
    found under another such cap (the robustness grid's 4x and 16x budgets); its history then carries the cap
    asked for.
    """
    if kind not in MODEL_KINDS:
        raise ValueError(f"kind must be one of {list(MODEL_KINDS)}, got {kind!r}")
    settings = dict(kind=kind, width=int(width), lr=float(lr), batch_size=int(batch_size), seed=int(seed),
                    patience=patience, init=init, center=bool(center))

    def train_at_cap():
        return _train_state(data.X_train, data.X_val, epochs=int(epochs), device=device, progress=progress,
                            use_cache=cache, **settings)

    if not cache or patience is None:
        out, hit = train_at_cap(), _train_state.last_hit
    else:  # the first model trained with these settings, at whatever cap: reused when early stopping ended it
        out, hit = gcache.get_or_compute("deepae/autoencoder-any-cap", (data.X_train, data.X_val, settings,
                                         _SOURCE_TRAIN_STATE), train_at_cap, version=1)
        first = out["history"]
        if hit and first.epochs_cap != int(epochs):
            if first.stopped_early and len(first.train_loss) <= int(epochs):
                out = {**out, "history": copy.copy(first)}
                out["history"].epochs_cap = int(epochs)
            else:  # budget-limited there, or stopped after more epochs than this cap allows: train at this cap
                out, hit = train_at_cap(), _train_state.last_hit
    model = SigmoidAutoencoder(data.X_train.shape[1], width, MODEL_KINDS[kind], init=init)
    model.load_state_dict(out["state"])
    return TrainedModel(kind, int(width), model.eval(), out["history"].to_frame(), hit, out["history"])


def train_family(data: PreparedData, widths, kinds=("SAE", "deepAE"), val_fraction: float | None = None,
                 **kwargs) -> dict:
    """``{(kind, width): TrainedModel}`` for every kind and width (see :func:`train_autoencoder`). ``val_fraction``
    is accepted so that the notebooks' whole ``train`` group can be passed; the split is ``data``'s own."""
    if val_fraction is not None and data.info.get("val_fraction") not in (None, val_fraction):
        raise ValueError(f"data were split with val_fraction {data.info['val_fraction']}, not {val_fraction}")
    return {(kind, int(w)): train_autoencoder(data, kind, int(w), **kwargs) for kind in kinds for w in widths}


#: Training settings compared on validation data by :func:`settings_study` (notebook 03): the paper's batch of 256
#: at lr 1e-3, smaller batches at lr 1e-3, 3e-3 and 1e-2, and the chosen batch and lr without input centring.
SETTINGS_CANDIDATES = (dict(lr=1e-3, batch_size=256, center=True), dict(lr=1e-3, batch_size=64, center=True),
                       dict(lr=3e-3, batch_size=64, center=True), dict(lr=1e-2, batch_size=64, center=True),
                       dict(lr=3e-3, batch_size=64, center=False))


def settings_study(data: PreparedData, kind: str = "deepAE", width: int = 16, candidates=SETTINGS_CANDIDATES, *,
                   epochs: int = 1000, patience: int = 10, seed: int = 0, device="cpu") -> pd.DataFrame:
    """Training settings compared on the validation split (never a test split): one autoencoder per candidate
    (``lr``, ``batch_size``, ``center``; see :func:`train_autoencoder`), early-stopped with ``patience`` under a high
    cap ``epochs``. One row per candidate: the settings, Adam steps per epoch, epochs run, best epoch, Adam steps to
    the best epoch, best validation loss, its ratio to the no-learning loss, and the status
    (:meth:`genenets.train.History.status`). Cached like every trained model."""
    rows = []
    n_train = data.X_train.shape[0]
    for c in candidates:
        tm = train_autoencoder(data, kind, width, epochs=epochs, patience=patience, seed=seed, device=device, **c)
        h = tm.fit
        steps = int(np.ceil(n_train / c["batch_size"]))
        rows.append({"lr": c["lr"], "batch_size": c["batch_size"], "centred_input": c["center"], "steps_per_epoch": steps,
                     "epochs_run": len(h.train_loss), "best_epoch": h.best_epoch, "steps_to_best": steps * h.best_epoch,
                     "best_val_loss": h.best_loss, "loss_ratio": h.best_loss / h.no_learning_loss,
                     "status": h.status()})
    return pd.DataFrame(rows)


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
    Returns ``a``, ``b``, the fit's ``r2`` and the exponent's uncertainty: ``b_se`` (standard error) and the
    95 % interval ``b_low``-``b_high`` (t distribution, n - 2 degrees of freedom; NaN with two widths)."""
    w, e = np.asarray(widths, float), np.asarray(errors, float)
    ok = (w > 0) & (e > 0)
    if ok.sum() < 2:
        raise ValueError("a power law needs at least two widths with positive error")
    fit = sps.linregress(np.log(w[ok]), np.log(e[ok]))
    out = {"a": float(np.exp(fit.intercept)), "b": float(-fit.slope), "r2": float(fit.rvalue ** 2)}
    n = int(ok.sum())
    if n > 2:  # uncertainty of the exponent: standard error and 95 % interval (t with n - 2 df)
        half = float(sps.t.ppf(0.975, n - 2) * fit.stderr)
        out.update(b_se=float(fit.stderr), b_low=out["b"] - half, b_high=out["b"] + half)
    else:
        out.update(b_se=float("nan"), b_low=float("nan"), b_high=float("nan"))
    return out


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


def reconstruction_study(family: dict, data: PreparedData) -> tuple[pd.DataFrame, dict, dict]:
    """Everything Fig. 1 needs for one dataset: the :func:`reconstruction_table`, the validation power law of
    each autoencoder kind (``{kind: fit_power_law(...)}``) and the gene-mean predictor's error
    (:func:`mean_predictor_error`)."""
    table = reconstruction_table(family, data)
    val = table[table["split"] == "validation"]
    laws = {m: fit_power_law(val[val.model == m]["width"], val[val.model == m]["global"]) for m in MODEL_KINDS}
    return table, laws, mean_predictor_error(data)


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


def lightup(model: SigmoidAutoencoder, X, layer: int, lit_value: float | None = 1.0) -> np.ndarray:
    """Output (width, n_genes) when each node of ``layer`` alone is lit and every other node of that layer is 0.

    ``lit_value``: the value a lit node takes; the paper's is the activation function's maximum (1 for the
    sigmoid). ``None``: each node's largest activation over ``X`` (n_samples, n_genes) instead.
    """
    if lit_value is None:
        h = np.diag(layer_codes(model, X, layer).max(axis=0)).astype(np.float32)
    else:
        h = np.eye(model.width, dtype=np.float32) * np.float32(lit_value)
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


def top_genes(score: pd.Series, n: int) -> list:
    """The ``n`` genes with the largest absolute score (ties broken by gene order)."""
    return list(score.abs().sort_values(ascending=False, kind="stable").index[:n])


def is_signed_score(method: str) -> bool:
    """Whether ``method``'s scores rank by value (the paper's s_p) rather than by magnitude (t statistics,
    our contrast ablation ``... minus <control>``)."""
    return not ("t-test" in method or "minus" in method)


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
            top = top_genes_by(table.loc[d], top_n, is_signed_score(method))
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


# ----------------------------------------------------------------------------------------------
# calibration of the simulated compendium against real data, and the disease-signal probe


def log_expression(es: ExpressionSet) -> pd.DataFrame:
    """log2(1 + x) of ``es`` after its noise floor (``es.preprocess``), genes constant over the samples dropped:
    the scale on which effect sizes are compared between real and simulated data."""
    X = es.values.to_numpy(dtype=np.float64, copy=True)
    floor = es.preprocess.get("floor")
    if floor is not None:
        X[X < floor] = 0.0
    X = np.log2(1.0 + np.clip(X, 0, None)) if es.preprocess.get("log", True) else X
    keep = np.ptp(X, axis=0) > 0
    return pd.DataFrame(X[:, keep], index=es.values.index, columns=es.values.columns[keep])


def variance_fraction(X, groups) -> tuple[float, float]:
    """Share of the variance explained by ``groups`` (one-way ANOVA eta²) over all genes pooled (between-group
    sum of squares / total) and the median of the per-gene eta². ``X`` (n_samples, n_genes)."""
    X = np.asarray(X, float)
    groups = np.asarray(groups, dtype=str)
    total = ((X - X.mean(0)) ** 2).sum(0)
    between = np.zeros(X.shape[1])
    for g in np.unique(groups):
        m = groups == g
        between += m.sum() * (X[m].mean(0) - X.mean(0)) ** 2
    ok = total > 0
    return float(between[ok].sum() / total[ok].sum()), float(np.median(between[ok] / total[ok]))


def cohens_d(X, is_case) -> np.ndarray:
    """Standardised mean difference (case - control) / pooled SD of every column of ``X`` (n_samples, n_genes);
    0 where the pooled SD is 0."""
    X, is_case = np.asarray(X, float), np.asarray(is_case, bool)
    a, b = X[is_case], X[~is_case]
    sd = np.sqrt(((len(a) - 1) * a.var(0, ddof=1) + (len(b) - 1) * b.var(0, ddof=1)) / (len(a) + len(b) - 2))
    return np.divide(a.mean(0) - b.mean(0), sd, out=np.zeros(X.shape[1]), where=sd > 0)


def probe_auroc(X, is_case, *, n_folds: int = 3, n_components: int | None = None, seed: int = 0) -> float:
    """Cross-validated AUROC of a linear probe (L2 logistic regression on standardised features, stratified
    ``n_folds``) separating case from control samples of ``X`` (n_samples, n_features); with ``n_components``,
    on that many leading principal components (fitted within each training fold)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    y = np.asarray(is_case, bool).astype(int)
    steps = [StandardScaler()]
    if n_components:
        steps.append(PCA(n_components=min(n_components, *np.shape(X)), random_state=seed))
    steps.append(LogisticRegression(C=0.1, max_iter=2000))
    folds = StratifiedKFold(n_splits=min(n_folds, int(np.bincount(y).min())), shuffle=True, random_state=seed)
    score = cross_val_predict(make_pipeline(*steps), np.asarray(X, float), y, cv=folds, method="decision_function")
    return gstats.auroc(y, score)


def calibration_stats(es: ExpressionSet, *, cell_type: str | None = "cell_type", disease: str | None = "disease",
                      control: str = "healthy", top_fraction: float = 0.05, n_per_group: int | None = None,
                      n_draws: int = 5, seed: int = 0) -> dict:
    """The measured properties the simulated compendium is calibrated to, on log2(1 + x) (:func:`log_expression`).

    Cell types (column ``cell_type``): the pooled and median per-gene variance fraction (eta²). Diseases
    (column ``disease``, each phenotype vs ``control``, averaged over phenotypes): the median |Cohen's d| of the
    top ``top_fraction`` of genes, the fraction of genes with |d| > 0.8 (a large effect), the variance fraction of
    the case + control samples, and the probe AUROC on the 10 leading PCs (is the disease signal on the main
    co-expression axes?). Missing labels give NaN.

    ``n_per_group``: measure each contrast on the design of the real one it is compared with, ``n_per_group`` cases
    and as many controls drawn at random (``n_draws`` draws, averaged). Estimated |d| of the top genes and the
    variance fraction depend on the group sizes (few samples inflate the largest |d|; a small case share lowers
    eta²), so effect sizes are compared at equal design. None: all samples as they are.
    """
    X = log_expression(es)
    out = {"n_samples": X.shape[0], "n_genes": X.shape[1]}
    nan = float("nan")
    if cell_type and cell_type in es.labels and es.labels[cell_type].nunique() > 1:
        pooled, median = variance_fraction(X.to_numpy(), es.labels[cell_type])
        out.update(cell_type_variance_fraction=pooled, cell_type_median_gene_eta2=median,
                   n_cell_types=int(es.labels[cell_type].nunique()))
    else:
        out.update(cell_type_variance_fraction=nan, cell_type_median_gene_eta2=nan, n_cell_types=0)
    rows, sizes = [], []
    rng = np.random.default_rng(seed)
    if disease and disease in es.labels and control in set(es.labels[disease]):
        lab = es.labels[disease].to_numpy(dtype=str)
        Xa = X.to_numpy()
        for d in sorted(set(lab) - {control}):
            cases, controls = np.flatnonzero(lab == d), np.flatnonzero(lab == control)
            draws = [(cases, controls)]
            if n_per_group is not None:
                k = min(int(n_per_group), len(cases), len(controls))
                draws = [(rng.choice(cases, k, replace=False), rng.choice(controls, k, replace=False))
                         for _ in range(n_draws)]
            for ca, co in draws:
                Xd, case = Xa[np.concatenate([ca, co])], np.r_[np.ones(len(ca), bool), np.zeros(len(co), bool)]
                dd = np.abs(cohens_d(Xd, case))
                top = np.sort(dd)[::-1][: max(1, int(round(top_fraction * len(dd))))]
                rows.append({"top_genes_median_abs_d": float(np.median(top)),
                             "frac_genes_abs_d_gt_0.8": float((dd > 0.8).mean()),
                             "disease_variance_fraction": variance_fraction(Xd, case)[0],
                             "probe_auroc_10_pcs": probe_auroc(Xd, case, n_components=10, seed=seed)})
                sizes.append((len(ca), len(co)))
    mean = pd.DataFrame(rows).mean() if rows else {}
    for k in ("top_genes_median_abs_d", "frac_genes_abs_d_gt_0.8", "disease_variance_fraction", "probe_auroc_10_pcs"):
        out[f"disease_{k}" if not k.startswith("disease") else k] = float(mean[k]) if rows else nan
    out["n_diseases"] = len(set(es.labels[disease])) - 1 if rows else 0
    out["disease_cases_per_contrast"] = float(np.mean([a for a, _ in sizes])) if sizes else nan
    out["disease_controls_per_contrast"] = float(np.mean([b for _, b in sizes])) if sizes else nan
    return out


def calibration_table(real: dict, simulated: dict) -> pd.DataFrame:
    """Rows = measured property, columns = each dataset's :func:`calibration_stats` (``real`` and ``simulated``
    are ``{dataset name: stats}``), so real and simulated values sit side by side."""
    cols = {**{f"real: {k}": v for k, v in real.items()}, **{f"simulated: {k}": v for k, v in simulated.items()}}
    return pd.DataFrame(cols).rename_axis("property")


# ----------------------------------------------------------------------------------------------
# reverse training as the paper's four steps


#: Reverse-training routes: the autoencoder and the layer whose code the phenotype network predicts.
ROUTES = {"deepAE layer 1": ("deepAE", 1), "deepAE layers 1-2": ("deepAE", 2),
          "deepAE all three layers": ("deepAE", 3), "SAE": ("SAE", 1)}


def paper_top_n(n_genes: int, paper_top: int = 1000, paper_genes: int = 20000) -> int:
    """The paper's top 1,000 of about 20,000 genes, scaled to ``n_genes``: the same 5 % share (at least 10)."""
    return max(10, int(round(paper_top * n_genes / paper_genes)))


def reverse_train(model: SigmoidAutoencoder, X, phenotypes, layer: int, genes, *, epochs: int = 200,
                  lr: float = 1e-3, batch_size: int = 256, patience: int | None = 20, val_fraction: float = 0.2,
                  seed: int = 0, device="cpu", rescale: bool = True) -> tuple[pd.DataFrame, gtrain.History]:
    """The paper's reverse training of one autoencoder layer, in four steps.

    1. the autoencoder ``model`` is trained (given, frozen);
    2. a :class:`~genenets.models.autoencoder.ReverseNetwork` (hidden width = the layer's width, sigmoid hidden,
       linear output) learns phenotype one-hot -> the code of ``layer`` of each sample (MSE, Adam, early stopping
       on a stratified validation split of the samples);
    3. it is stacked on the autoencoder's layers after ``layer``, its output weights rescaled to the mean and
       variance of the autoencoder weights that produce ``layer`` (:class:`~genenets.models.autoencoder.StackedReverse`);
    4. each phenotype's gene score is s_p = W_{L-1} x_{L-2}, the pre-activation of the output layer.

    Parameters
    ----------
    X : array (n_samples, n_genes); phenotypes : array (n_samples,) of labels; genes : the n_genes names

    Returns
    -------
    (DataFrame (n_phenotypes, n_genes) of s_p, the reverse network's :class:`~genenets.train.History`)
    """
    phenotypes = pd.Series(np.asarray(phenotypes, dtype=str))
    classes = sorted(phenotypes.unique())
    if len(classes) < 2:
        raise ValueError("reverse training needs at least two phenotypes")
    if len(genes) != model.n_genes:
        raise ValueError(f"{len(genes)} gene names for {model.n_genes} model outputs")
    onehot = pd.get_dummies(phenotypes)[classes].to_numpy(np.float32)
    codes = layer_codes(model, X, layer)
    strat = phenotypes if phenotypes.value_counts().min() >= 2 else None
    tr, va = train_test_split(np.arange(len(phenotypes)), test_size=val_fraction, random_state=seed, stratify=strat)
    torch.manual_seed(seed)
    rev = ReverseNetwork(len(classes), model.width)
    hist = gtrain.fit(rev, gtrain.make_loader(onehot[tr], codes[tr], batch_size=batch_size, shuffle=True, seed=seed),
                      lambda m, b: torch.nn.functional.mse_loss(m(b[0]), b[1]),
                      val_loader=gtrain.make_loader(onehot[va], codes[va], batch_size=1024), epochs=epochs, lr=lr,
                      optimizer_kwargs={"betas": ADAM_BETAS, "eps": ADAM_EPS}, patience=patience, device=device,
                      progress=False, no_learning_loss=gtrain.no_learning_mse(codes[tr], codes[va]))
    rev.to("cpu").eval()
    stacked = StackedReverse(rev, model, layer, rescale=rescale)
    with torch.no_grad():
        s = stacked.score(torch.eye(len(classes))).numpy()
    return pd.DataFrame(s, index=classes, columns=pd.Index(genes)), hist


def reverse_training_scores(family: dict, width: int, X, phenotypes, genes, control: str, *, epochs: int,
                            lr: float, batch_size: int = 256, patience: int | None = 20, seed: int = 0,
                            device="cpu", ablation_routes=("deepAE all three layers", "SAE")) -> tuple[dict, dict]:
    """Gene scores per phenotype (all but ``control``) from :func:`reverse_train` at each route of :data:`ROUTES`,
    an ablation of ours (``"<route>, ours: s_p minus <control>"``: the paper's score minus the control's, for
    ``ablation_routes``), and the t-test baseline.

    Returns
    -------
    (``{method: DataFrame (n_phenotypes - 1, n_genes)}``, ``{route: History}`` of the reverse networks)
    """
    scores, histories = {}, {}
    for name, (kind, layer) in ROUTES.items():
        s_p, histories[f"reverse {name}"] = reverse_train(
            family[(kind, width)].model, X, phenotypes, layer, genes, epochs=epochs, lr=lr, batch_size=batch_size,
            patience=patience, seed=seed, device=device)
        if control not in s_p.index:
            raise ValueError(f"control phenotype {control!r} not among {list(s_p.index)}")
        scores[name] = s_p.drop(index=control)
        if name in ablation_routes:
            scores[f"{name}, ours: s_p minus {control}"] = s_p.drop(index=control) - s_p.loc[control]
    scores["baseline t-test"] = ttest_scores(X, phenotypes, genes, control=control)
    return scores, histories


def top_genes_by(score: pd.Series, n: int, signed: bool) -> list:
    """The ``n`` genes with the largest score (``signed``; the paper's s_p) or largest |score|."""
    return list((score if signed else score.abs()).sort_values(ascending=False, kind="stable").index[:n])


def planted_recall(scores: dict, planted: dict, top_n: int) -> pd.DataFrame:
    """Recall of each disease's planted genes in each method's top ``top_n``: ``method``, ``disease``, ``recall``.
    The paper's s_p ranks by value; t statistics and our contrast ablation by magnitude."""
    rows = []
    for method, table in scores.items():
        signed = is_signed_score(method)
        for d in table.index:
            top = set(top_genes_by(table.loc[d], top_n, signed))
            rows.append({"method": method, "disease": d, "recall": len(top & planted[d]) / max(len(planted[d]), 1)})
    return pd.DataFrame(rows)


@cache.cached(version=2, ignore=("device",), namespace="deepae/recall_along_training")
def recall_along_training(X_train: np.ndarray, X_val: np.ndarray, X_all: np.ndarray, phenotypes, genes, planted: dict,
                          kind: str, width: int, budgets, *, control: str, top_n: int, lr: float, batch_size: int,
                          reverse_epochs: int, reverse_lr: float, patience: int, seed: int = 0, center: bool = True,
                          device="cpu") -> pd.DataFrame:
    """Planted-gene recall of reverse training (deepest layer of ``kind``) after each epoch budget in ``budgets``.

    One autoencoder is trained without early stopping and resumed from its checkpoint (weights and Adam state)
    from one budget to the next; at each budget its validation loss and the mean recall of the planted genes
    over phenotypes (paper's s_p, top ``top_n``) are recorded. ``center``: as :func:`train_autoencoder`. Returns
    ``kind``, ``epochs``, ``val_loss``, ``recall``.
    """
    import tempfile
    from pathlib import Path

    torch.manual_seed(seed)
    model = SigmoidAutoencoder(X_train.shape[1], width, MODEL_KINDS[kind], input_mean=X_train.mean(axis=0) if center else None)
    loader = gtrain.make_loader(X_train, batch_size=batch_size, shuffle=True, seed=seed)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = Path(tmp) / "ckpt.pt"
        for budget in sorted(int(b) for b in budgets):
            hist = gtrain.fit(model, loader, _mse, val_loader=gtrain.make_loader(X_val, batch_size=1024),
                              epochs=budget, lr=lr, optimizer_kwargs={"betas": ADAM_BETAS, "eps": ADAM_EPS},
                              device=device, checkpoint=ckpt, progress=False)
            model.to("cpu")
            s_p, _ = reverse_train(model, X_all, phenotypes, MODEL_KINDS[kind], genes, epochs=reverse_epochs,
                                   lr=reverse_lr, batch_size=batch_size, patience=patience, seed=seed, device=device)
            rec = planted_recall({kind: s_p.drop(index=control)}, planted, top_n)
            rows.append({"kind": kind, "epochs": budget, "val_loss": hist.val_loss[-1], "recall": rec["recall"].mean()})
    return pd.DataFrame(rows)


def family_convergence(family: dict, prefix: str = "") -> pd.DataFrame:
    """:func:`genenets.train.convergence_table` of a trained family (model names ``"<prefix><kind> w=<width>"``)."""
    return gtrain.convergence_table({f"{prefix}{k} w={w}": tm.fit for (k, w), tm in family.items()})


def disease_probe_table(es: ExpressionSet, *, disease: str = "disease", control: str = "healthy",
                        seed: int = 0) -> pd.DataFrame:
    """Is the disease signal detectable in the raw expression? Per phenotype (vs ``control``): cases, controls and
    the 3-fold AUROC of a linear probe (:func:`probe_auroc`) on log2(1 + x) of every gene."""
    X = log_expression(es)
    lab = es.labels[disease].to_numpy(dtype=str)
    rows = []
    for d in sorted(set(lab) - {control}):
        keep = np.isin(lab, [d, control])
        rows.append({"disease": d, "n_cases": int((lab == d).sum()), "n_controls": int((lab == control).sum()),
                     "probe_auroc_raw": probe_auroc(X.to_numpy()[keep], lab[keep] == d, seed=seed)})
    return pd.DataFrame(rows)


def layer_probe_table(model: SigmoidAutoencoder, X, phenotypes, *, control: str = "healthy", seed: int = 0) -> pd.DataFrame:
    """Does each hidden layer keep the disease signal? Mean over phenotypes (vs ``control``) of the linear probe's
    AUROC (:func:`probe_auroc`) on the codes of each layer and, as the reference, on the input ``X``."""
    phenotypes = np.asarray(phenotypes, dtype=str)
    inputs = {"input (all genes)": np.asarray(X)}
    inputs.update({f"layer {k}": layer_codes(model, X, k) for k in range(1, model.n_hidden + 1)})
    rows = []
    for name, Z in inputs.items():
        aucs = [probe_auroc(Z[np.isin(phenotypes, [d, control])], phenotypes[np.isin(phenotypes, [d, control])] == d,
                            seed=seed) for d in sorted(set(phenotypes) - {control})]
        rows.append({"representation": name, "mean_probe_auroc": float(np.mean(aucs)), "min_probe_auroc": float(np.min(aucs))})
    return pd.DataFrame(rows)


def lightup_study(family: dict, data: PreparedData, topology, *, k_min: int = 8, lit_value: float | None = 1.0,
                  n_random: int = 200, seed: int = 0) -> dict:
    """Fig. 4 for one dataset: light every node of deepAE layers 1-3 and of the SAE (the widest of ``family``), test
    each node's top-k genes (powers of two from ``k_min`` to 5 % of the interactome genes) against random sets.

    Returns ``{"ks", "lit", "per_node", "null", "summary", "k_ref", "distinct"}`` (see :func:`lightup_topology`,
    :func:`lightup_summary`, :func:`lightup_distinct_genes` at the middle k ``k_ref``)."""
    width = max(w for _, w in family)
    ks = lightup_ks(len(topology.universe), k_min=k_min)
    deep, sae = family[("deepAE", width)].model, family[("SAE", width)].model
    lit = {f"deepAE layer {i}": lightup(deep, data.X_train, i, lit_value) for i in (1, 2, 3)}
    lit["SAE layer 1"] = lightup(sae, data.X_train, 1, lit_value)
    per_node, null = lightup_topology(lit, data.genes, topology, ks, n_random=n_random, seed=seed)
    k_ref = ks[len(ks) // 2]
    return {"ks": ks, "lit": lit, "per_node": per_node, "null": null, "summary": lightup_summary(per_node, null),
            "k_ref": k_ref, "distinct": lightup_distinct_genes(lit, data.genes, topology.universe, k_ref)}


def disease_gene_study(family: dict, data: PreparedData, phenotype_col: str, control: str, references: dict, *,
                       top_n: int | None = None, planted: dict | None = None, **reverse_kw) -> dict:
    """Fig. 2 for one dataset: :func:`reverse_training_scores` at the widest width of ``family`` for the phenotypes
    in ``data.labels_all[phenotype_col]`` (vs ``control``), then :func:`disease_gene_table` of each method's top
    ``top_n`` (default :func:`paper_top_n`) against ``references`` ``{phenotype: genes}`` and
    :func:`combine_enrichment`. ``reverse_kw``: epochs, lr, batch_size, patience, seed, device.

    Returns ``{"top_n", "scores", "histories", "enrichment", "combined"}``.
    """
    width = max(w for _, w in family)
    n = top_n or paper_top_n(len(data.genes))
    scores, histories = reverse_training_scores(family, width, data.X_all, data.labels_all[phenotype_col].to_numpy(),
                                                data.genes, control, **reverse_kw)
    enr = disease_gene_table(scores, data.genes, list(references), references, n, planted=planted)
    return {"top_n": n, "scores": scores, "histories": histories, "enrichment": enr, "combined": combine_enrichment(enr)}


def recall_curves(data: PreparedData, width: int, budgets, *, control: str = "healthy", top_n: int | None = None,
                  phenotype_col: str = "disease", kinds=("SAE", "deepAE"), device="cpu", **kwargs) -> pd.DataFrame:
    """:func:`recall_along_training` of each kind in ``kinds`` on ``data`` (planted genes from ``data.truth``),
    stacked: ``kind``, ``epochs``, ``val_loss``, ``recall``. ``kwargs``: lr, reverse_lr, batch_size,
    reverse_epochs, patience, seed."""
    n = top_n or paper_top_n(len(data.genes))
    return pd.concat([recall_along_training(data.X_train, data.X_val, data.X_all,
                                            data.labels_all[phenotype_col].to_numpy(dtype=str), list(data.genes),
                                            data.truth.disease_genes, kind, int(width), list(budgets), control=control,
                                            top_n=n, device=device, **kwargs) for kind in kinds], ignore_index=True)


def load_dataset(name: str, *, seed: int = 0, simulation: dict | None = None):
    """:func:`genenets.datasets.load` of ``name``: a simulated dataset gets ``seed`` and the notebooks'
    ``simulation`` group (``n_genes``, ``n_samples``); a real dataset takes neither (they are ignored)."""
    from .. import datasets

    kind = {d["name"]: d["kind"] for d in datasets.describe()}.get(name)
    return datasets.load(name, seed=seed, **(simulation or {})) if kind == "simulated" else datasets.load(name)


def training(train: dict, budget_scale: float = 1.0, **extra) -> dict:
    """The notebooks' ``train`` group (``epochs``, ``lr``, ``batch_size``, ``patience``, ``val_fraction``) as keyword
    arguments of :func:`prepared_family`: the epoch cap multiplied by ``budget_scale`` (the robustness grid), the
    other keys as they are, and ``extra`` (``seed``, ``device``)."""
    return {**train, "epochs": max(1, int(round(train["epochs"] * budget_scale))), **extra}


def prepared_family(ds, widths, *, val_fraction: float = 0.2, seed: int = 0, kinds=("SAE", "deepAE"),
                    **train_kwargs) -> tuple[PreparedData, dict]:
    """:func:`prepare_dataset` of a loaded dataset, then :func:`train_family` on it (from the cache when trained
    before with the same data and settings): ``(data, {(kind, width): TrainedModel})``."""
    data = prepare_dataset(ds, val_fraction=val_fraction, seed=seed)
    return data, train_family(data, widths, kinds=kinds, seed=seed, **train_kwargs)

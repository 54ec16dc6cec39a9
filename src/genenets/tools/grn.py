"""Analyses of "Using Neural Networks to Identify Gene Regulatory Relationships" on DREAM4-shaped data.

- pairs: one record per ordered gene pair (regulator first), label 1 for a direct edge;
- unsupervised baselines as score matrices ``S[i, j]`` = confidence that gene i regulates gene j:
  correlation, time-lagged correlation, mutual information, GENIE3 (tree ensembles, with a
  time-lagged dynGENIE3-like variant);
- supervised neural pair classifiers (LSTM, CNN, autoencoder + two-branch net) trained with
  :func:`genenets.train.fit` on balanced pairs;
- the two evaluation protocols (random split of pairs within networks; leave one network out),
  scored on every directed pair as DREAM does (AUPR, AUROC).

Figures are in :mod:`genenets.plotting.grn`, sentences and verdict rules in :mod:`genenets.summaries.grn`,
and the datasets (``dream4``, ``dream4-simulated``) are loaded by :func:`genenets.datasets.load`.

Networks are any objects with ``name``, ``genes``, ``timeseries`` (n_series, n_times, n_genes) and
``adjacency()`` (n_genes, n_genes): :class:`genenets.data.dream4.Dream4Network` or
:class:`genenets.simulate.grn.GRNSimulation`.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import torch
from scipy.special import entr
from sklearn.base import BaseEstimator
from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
from sklearn.preprocessing import KBinsDiscretizer
from tqdm.auto import tqdm

from .. import stats, train
from ..models.grn import PairCNN, PairLSTM, TimeCourseAutoencoder, TwoBranchPairNet

BASELINES = ("correlation", "lagged_correlation", "mutual_information", "GENIE3", "dynGENIE3")
NEURAL = ("LSTM", "CNN", "AE+NN")

# ----------------------------------------------------------------------------------------------
# pairs


def ordered_pairs(n_genes: int) -> tuple[np.ndarray, np.ndarray]:
    """All ordered pairs of distinct genes, row-major: ``(regulator_index, target_index)``, each of
    shape (n_genes * (n_genes - 1),). (G1, G2) and (G2, G1) are different pairs; no self-pairs."""
    if n_genes < 2:
        raise ValueError(f"need at least 2 genes to make pairs, got {n_genes}")
    reg, tgt = np.nonzero(~np.eye(n_genes, dtype=bool))
    return reg, tgt


def pair_table(network) -> pd.DataFrame:
    """One row per ordered pair of ``network``: ``regulator``, ``target`` (names), ``regulator_index``,
    ``target_index`` and ``label`` (1 if regulator -> target is a direct edge of the gold standard)."""
    reg, tgt = ordered_pairs(len(network.genes))
    adj = _adjacency(network)
    genes = np.asarray(network.genes)
    return pd.DataFrame({"regulator": genes[reg], "target": genes[tgt], "regulator_index": reg,
                         "target_index": tgt, "label": adj[reg, tgt].astype(int)})


def _adjacency(network) -> np.ndarray:
    adj = np.asarray(network.adjacency())
    n = len(network.genes)
    if adj.shape != (n, n):
        raise ValueError(f"{network.name}: adjacency has shape {adj.shape}, expected ({n}, {n})")
    return adj


def _timeseries(network) -> np.ndarray:
    ts = np.asarray(network.timeseries, dtype=float)
    if ts.ndim != 3 or ts.shape[2] != len(network.genes):
        raise ValueError(f"{network.name}: timeseries must have shape (n_series, n_times, n_genes="
                         f"{len(network.genes)}), got {ts.shape}")
    if not np.isfinite(ts).all():
        raise ValueError(f"{network.name}: timeseries holds NaN or infinite values")
    return ts


def balanced_sample(labels, rng: np.random.Generator, negatives_per_positive: float = 1.0) -> np.ndarray:
    """Indices of every positive and of randomly drawn negatives (without replacement), shuffled.

    Parameters
    ----------
    labels : 0/1 array of shape (n,)
    negatives_per_positive : float
        1.0 gives the paper's balanced training set.
    """
    labels = np.asarray(labels)
    pos, neg = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    if len(pos) == 0 or len(neg) == 0:
        raise ValueError("balanced sampling needs both positive and negative pairs")
    n_neg = min(len(neg), int(round(negatives_per_positive * len(pos))))
    return rng.permutation(np.concatenate([pos, rng.choice(neg, size=n_neg, replace=False)]))


def pair_sequences(timeseries, regulator_index, target_index) -> np.ndarray:
    """The paired time courses of each pair in each series.

    Parameters
    ----------
    timeseries : array of shape (n_series, n_times, n_genes)
    regulator_index, target_index : int arrays of shape (n_pairs,)

    Returns
    -------
    array of shape (n_pairs, n_series, n_times, 2), float32: ``[..., 0]`` regulator, ``[..., 1]`` target.
    """
    ts = np.asarray(timeseries, dtype=np.float32)
    courses = ts.transpose(2, 0, 1)  # (n_genes, n_series, n_times)
    return np.stack([courses[np.asarray(regulator_index)], courses[np.asarray(target_index)]], axis=-1)


# ----------------------------------------------------------------------------------------------
# unsupervised baselines: score matrices S[i, j] for i -> j


def correlation_scores(timeseries) -> np.ndarray:
    """|Pearson correlation| over all time points of all series, shape (n_genes, n_genes), zero diagonal.
    Symmetric: it cannot tell the direction of an edge."""
    ts = np.asarray(timeseries, dtype=float)
    flat = ts.reshape(-1, ts.shape[2])
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.abs(np.corrcoef(flat, rowvar=False))
    s = np.nan_to_num(s)
    np.fill_diagonal(s, 0.0)
    return s


def lagged_correlation_scores(timeseries, lag: int = 1) -> np.ndarray:
    """|corr(x_i(t), x_j(t + lag))| pooled over the series, shape (n_genes, n_genes), zero diagonal.
    Directed: a regulator's change precedes its target's."""
    ts = np.asarray(timeseries, dtype=float)
    if not 1 <= lag < ts.shape[1]:
        raise ValueError(f"lag must be in [1, n_times), got {lag}")
    before = ts[:, :-lag].reshape(-1, ts.shape[2])
    after = ts[:, lag:].reshape(-1, ts.shape[2])
    b = (before - before.mean(0)) / np.where(before.std(0) > 0, before.std(0), np.inf)
    a = (after - after.mean(0)) / np.where(after.std(0) > 0, after.std(0), np.inf)
    s = np.abs(b.T @ a / len(b))
    np.fill_diagonal(s, 0.0)
    return s


def mutual_information_scores(timeseries, n_bins: int = 8) -> np.ndarray:
    """Mutual information (nats) between genes' expression over all time points, each gene cut into
    ``n_bins`` quantile bins (scikit-learn ``KBinsDiscretizer`` + ``mutual_info_score``).
    Shape (n_genes, n_genes), symmetric, zero diagonal."""
    ts = np.asarray(timeseries, dtype=float)
    flat = ts.reshape(-1, ts.shape[2])
    with warnings.catch_warnings():  # near-constant genes get fewer bins; that is the right answer
        warnings.filterwarnings("ignore", message="Bins whose width are too small")
        binned = KBinsDiscretizer(n_bins=n_bins, encode="ordinal", strategy="quantile",
                                  quantile_method="averaged_inverted_cdf").fit_transform(flat).astype(int)
    n = flat.shape[1]
    # all joint contingency tables at once (one-hot product)
    onehot = np.zeros((flat.shape[0], n, n_bins))
    onehot[np.arange(flat.shape[0])[:, None], np.arange(n)[None, :], binned] = 1.0
    onehot = onehot.reshape(flat.shape[0], n * n_bins)
    joint = (onehot.T @ onehot).reshape(n, n_bins, n, n_bins) / flat.shape[0]
    # MI = H(X) + H(Y) - H(X, Y) with scipy's entropy terms; equals sklearn's mutual_info_score
    # pair by pair (tested), computed for all pairs at once (a per-pair call costs seconds per network)
    h_joint = entr(joint).sum(axis=(1, 3))
    h_single = entr(onehot.mean(axis=0).reshape(n, n_bins)).sum(axis=1)
    s = np.maximum(h_single[:, None] + h_single[None, :] - h_joint, 0.0)
    np.fill_diagonal(s, 0.0)
    return s


class GENIE3(BaseEstimator):
    """GENIE3: for each target gene, a tree ensemble predicts it from the other genes; the feature
    importances are the scores of the candidate regulators (Huynh-Thu et al. 2010).

    With ``time_lagged=True`` (the dynGENIE3 idea, Huynh-Thu & Geurts 2018) the ensemble predicts the
    target's rate of change ``(x_j(t_{k+1}) - x_j(t_k)) / dt + decay * x_j(t_k)`` from all genes at
    ``t_k``, within each series.

    Parameters
    ----------
    n_estimators : int
    tree_method : {"ET", "RF"}
        scikit-learn ``ExtraTreesRegressor`` or ``RandomForestRegressor``.
    max_features : str, int or float
        Candidate regulators tried at each split (GENIE3 uses sqrt).
    time_lagged : bool
    decay : float
        Degradation rate in the dynGENIE3 target.
    random_state : int
    n_jobs : int

    Attributes
    ----------
    scores_ : array of shape (n_genes, n_genes)
        ``scores_[i, j]``: importance of gene i for target j (each column sums to at most 1); zero diagonal.
    """

    def __init__(self, n_estimators: int = 100, tree_method: str = "ET", max_features="sqrt",
                 time_lagged: bool = False, decay: float = 0.02, random_state: int = 0, n_jobs: int = 1):
        self.n_estimators = n_estimators
        self.tree_method = tree_method
        self.max_features = max_features
        self.time_lagged = time_lagged
        self.decay = decay
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _ensemble(self):
        cls = {"ET": ExtraTreesRegressor, "RF": RandomForestRegressor}.get(self.tree_method)
        if cls is None:
            raise ValueError(f"tree_method must be 'ET' or 'RF', got {self.tree_method!r}")
        return cls(n_estimators=self.n_estimators, max_features=self.max_features,
                   random_state=self.random_state, n_jobs=self.n_jobs)

    def fit(self, timeseries, times=None):
        """Fit one ensemble per target.

        Parameters
        ----------
        timeseries : array of shape (n_series, n_times, n_genes)
        times : array of shape (n_times,), optional
            Sampling times (for the time-lagged rate); default 0, 1, 2, ...
        """
        ts = np.asarray(timeseries, dtype=float)
        if ts.ndim != 3:
            raise ValueError(f"timeseries must have shape (n_series, n_times, n_genes), got {ts.shape}")
        n_genes = ts.shape[2]
        if self.time_lagged:
            times = np.arange(ts.shape[1], dtype=float) if times is None else np.asarray(times, dtype=float)
            dt = np.diff(times)[None, :, None]
            X = ts[:, :-1].reshape(-1, n_genes)
            Y = ((ts[:, 1:] - ts[:, :-1]) / dt + self.decay * ts[:, :-1]).reshape(-1, n_genes)
        else:
            X = Y = ts.reshape(-1, n_genes)
        scores = np.zeros((n_genes, n_genes))
        for j in range(n_genes):
            inputs = np.arange(n_genes) if self.time_lagged else np.delete(np.arange(n_genes), j)
            y = Y[:, j]
            if np.std(y) == 0:  # a constant target has no regulator to find
                continue
            model = self._ensemble().fit(X[:, inputs], y)
            scores[inputs, j] = model.feature_importances_
        np.fill_diagonal(scores, 0.0)
        self.scores_ = scores
        return self


def baseline_scores(network, methods=BASELINES, n_estimators: int = 100, seed: int = 0,
                    mi_bins: int = 8) -> dict[str, np.ndarray]:
    """Score matrices (n_genes, n_genes) of the unsupervised baselines on one network."""
    ts = _timeseries(network)
    times = getattr(network, "times", None)
    out = {}
    for method in methods:
        if method == "correlation":
            out[method] = correlation_scores(ts)
        elif method == "lagged_correlation":
            out[method] = lagged_correlation_scores(ts)
        elif method == "mutual_information":
            out[method] = mutual_information_scores(ts, n_bins=mi_bins)
        elif method == "GENIE3":
            out[method] = GENIE3(n_estimators=n_estimators, random_state=seed).fit(ts).scores_
        elif method == "dynGENIE3":
            out[method] = GENIE3(n_estimators=n_estimators, time_lagged=True, random_state=seed).fit(ts, times).scores_
        else:
            raise ValueError(f"unknown baseline {method!r}; choose from {BASELINES}")
    return out


# ----------------------------------------------------------------------------------------------
# metrics


def evaluate(labels, scores) -> dict:
    """AUPR (average precision) and AUROC of ``scores`` for 0/1 ``labels`` (both shape (n_pairs,)),
    with the random baseline: the AUPR of a random ranking equals the share of positives."""
    labels = np.asarray(labels)
    scores = np.asarray(scores, dtype=float)
    if labels.shape != scores.shape:
        raise ValueError(f"labels {labels.shape} and scores {scores.shape} differ in shape")
    return {"aupr": stats.aupr(labels, scores), "auroc": stats.auroc(labels, scores),
            "random_aupr": float(labels.mean()), "n_pairs": int(labels.size), "n_edges": int(labels.sum())}


def evaluate_matrix(score_matrix, adjacency) -> dict:
    """:func:`evaluate` over all directed pairs of a network (off-diagonal entries: 9,900 for 100 genes)."""
    s, a = np.asarray(score_matrix), np.asarray(adjacency)
    reg, tgt = ordered_pairs(a.shape[0])
    return evaluate(a[reg, tgt], s[reg, tgt])


# ----------------------------------------------------------------------------------------------
# neural pair classifiers


def _bce(model, batch):
    x, y = batch
    return torch.nn.functional.binary_cross_entropy_with_logits(model(x), y)


def _mse(model, batch):
    (x,) = batch
    return torch.nn.functional.mse_loss(model(x), x)


def _check_pairs(X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 4 or X.shape[-1] != 2:
        raise ValueError(f"X must have shape (n_pairs, n_series, n_times, 2), got {X.shape}")
    return X


class PairClassifier(BaseEstimator):
    """A neural classifier of regulator -> target pairs from their paired time courses.

    Each (pair, series) is one training sample; a pair's score is the mean probability over its series.

    Parameters
    ----------
    kind : {"LSTM", "CNN", "AE+NN"}
        LSTM on the n_times x 2 sequence; LeNet-5-style CNN on the 1 x 2 x n_times image; or an
        autoencoder compressing each time course to ``code_dim`` numbers, then a two-branch pair network.
    epochs, lr, batch_size : int, float or None, int
        Adam; the paper uses lr 0.01 for the LSTM, batch 100 and 75 epochs. ``lr=None``: 0.01 for the
        LSTM, 0.001 for the CNN and the pair network (at 0.01 the CNN's ReLUs die and it outputs a constant).
    series_per_pair : int or None
        Training samples per pair: that many of its series, drawn at random once per fit (None: all).
        Scoring always averages over all series.
    hidden, dropout : int, float
        LSTM width and dropout (paper: 0.2).
    code_dim, ae_epochs : int
        Autoencoder code size (paper: 3) and its epochs.
    seed : int
        Weights, shuffling and dropout follow from it.
    device : str
    progress : bool
        tqdm bars of the training loop.

    Attributes
    ----------
    model_ : torch.nn.Module
    autoencoder_ : TimeCourseAutoencoder or None
    history_ : genenets.train.History
    """

    def __init__(self, kind: str = "LSTM", epochs: int = 10, lr: float | None = None, batch_size: int = 100,
                 series_per_pair: int | None = None, hidden: int = 32, dropout: float = 0.2, code_dim: int = 3,
                 ae_epochs: int = 20, seed: int = 0, device: str = "cpu", progress: bool = True):
        self.kind = kind
        self.epochs = epochs
        self.lr = lr
        self.series_per_pair = series_per_pair
        self.batch_size = batch_size
        self.hidden = hidden
        self.dropout = dropout
        self.code_dim = code_dim
        self.ae_epochs = ae_epochs
        self.seed = seed
        self.device = device
        self.progress = progress

    def _inputs(self, X) -> np.ndarray:
        """(n_pairs, n_series, n_times, 2) -> model inputs, one row per (pair, series)."""
        X = _check_pairs(X)
        flat = X.reshape(-1, X.shape[2], 2)
        if self.kind != "AE+NN":
            return flat
        with torch.no_grad():
            self.autoencoder_.eval()
            codes = [self.autoencoder_.encode(torch.from_numpy(flat[..., k])).numpy() for k in (0, 1)]
        return np.concatenate(codes, axis=1)

    def fit(self, X, y):
        """Train on pairs.

        Parameters
        ----------
        X : array of shape (n_pairs, n_series, n_times, 2)
        y : 0/1 array of shape (n_pairs,)
        """
        if self.kind not in NEURAL:
            raise ValueError(f"kind must be one of {NEURAL}, got {self.kind!r}")
        X = _check_pairs(X)
        y = np.asarray(y, dtype=np.float32)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} pairs but y has {len(y)} labels")
        torch.manual_seed(self.seed)
        n_series, n_times = X.shape[1], X.shape[2]
        self.autoencoder_ = None
        if self.kind == "AE+NN":
            # the autoencoder sees the training pairs' time courses only (no label, no held-out gene)
            courses = np.unique(X.transpose(0, 3, 1, 2).reshape(-1, n_times), axis=0)
            self.autoencoder_ = TimeCourseAutoencoder(n_times, self.code_dim)
            train.fit(self.autoencoder_, train.make_loader(courses, batch_size=self.batch_size, shuffle=True,
                                                           seed=self.seed),
                      _mse, epochs=self.ae_epochs, lr=1e-2, device=self.device, progress=self.progress,
                      desc="autoencoder")
            self.model_ = TwoBranchPairNet(self.code_dim)
        elif self.kind == "LSTM":
            self.model_ = PairLSTM(self.hidden, self.dropout)
        else:
            self.model_ = PairCNN(n_times)
        k = n_series if self.series_per_pair is None else min(self.series_per_pair, n_series)
        if k < n_series:  # a random subset of each pair's series keeps an epoch short
            rng = np.random.default_rng(self.seed)
            pick = np.argsort(rng.random((len(X), n_series)), axis=1)[:, :k]
            X = np.take_along_axis(X, pick[:, :, None, None], axis=1)
        inputs = self._inputs(X)
        targets = np.repeat(y, k)
        lr = self.lr if self.lr is not None else (0.01 if self.kind == "LSTM" else 0.001)
        loader = train.make_loader(inputs, targets, batch_size=self.batch_size, shuffle=True, seed=self.seed)
        self.history_ = train.fit(self.model_, loader, _bce, epochs=self.epochs, lr=lr, device=self.device,
                                  progress=self.progress, desc=self.kind)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Probability that each pair is a direct edge: shape (n_pairs,), mean over the series."""
        X = _check_pairs(X)
        logits = train.predict(self.model_, train.make_loader(self._inputs(X), batch_size=4096),
                               device=self.device)
        return torch.sigmoid(torch.from_numpy(logits)).numpy().reshape(X.shape[0], X.shape[1]).mean(axis=1)


# ----------------------------------------------------------------------------------------------
# protocols


def standardize_genes(timeseries) -> np.ndarray:
    """Z-score each gene over all time points of all series of its network; shape kept
    (n_series, n_times, n_genes). Constant genes become 0."""
    ts = np.asarray(timeseries, dtype=float)
    flat = ts.reshape(-1, ts.shape[2])
    sd = flat.std(axis=0)
    return (ts - flat.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def _network_pairs(network, standardize: bool = True):
    reg, tgt = ordered_pairs(len(network.genes))
    adj = _adjacency(network)
    ts = _timeseries(network)
    ts = standardize_genes(ts) if standardize else ts
    return reg, tgt, adj[reg, tgt].astype(int), pair_sequences(ts, reg, tgt)


def run_protocols(networks, *, neural=NEURAL, baselines=BASELINES, seeds=(0, 1, 2), test_fraction: float = 0.5,
                  epochs: int = 10, ae_epochs: int = 20, lr: float | None = None, batch_size: int = 100,
                  hidden: int = 32, series_per_pair: int | None = None, standardize: bool = True,
                  n_estimators: int = 100,
                  protocols=("leave_one_network_out", "random_split"), device: str = "cpu",
                  progress: bool = True) -> pd.DataFrame:
    """Score every method on every network under both protocols.

    (a) ``random_split`` (the paper's): in every network the ordered pairs are split at random into
    train (1 - ``test_fraction``) and test; the neural models learn on the balanced union of the
    training pairs and every method is scored on each network's test pairs.
    (b) ``leave_one_network_out``: the neural models learn on the balanced pairs of all other
    networks and are scored on all directed pairs of the held-out one (as DREAM scores).

    With ``standardize`` the neural models see each gene z-scored within its network
    (:func:`standardize_genes`), so that they learn shapes rather than the levels of one network.
    The unsupervised baselines see no label: they score all pairs of each network once (tree
    ensembles seeded with ``seeds[0]``) and are evaluated on the same pairs as the neural models of
    each seed, so their spread over seeds under (a) comes from the split only, and is zero under (b).

    Returns
    -------
    DataFrame, one row per protocol x method x network x seed: ``aupr``, ``auroc``, ``random_aupr``,
    ``n_pairs``, ``n_edges``, ``kind`` ("neural" or "baseline").
    """
    if len(networks) < 2 and "leave_one_network_out" in protocols:
        raise ValueError("leave-one-network-out needs at least 2 networks")
    unknown = set(protocols) - {"leave_one_network_out", "random_split"}
    if unknown:
        raise ValueError(f"unknown protocol(s) {sorted(unknown)}")
    data = [_network_pairs(net, standardize) for net in networks]
    baseline_vectors = []  # per network: {method: scores over all ordered pairs}
    for n, net in enumerate(tqdm(networks, desc="baselines", disable=not progress, leave=False)):
        mats = baseline_scores(net, baselines, n_estimators=n_estimators, seed=seeds[0])
        baseline_vectors.append({m: mat[data[n][0], data[n][1]] for m, mat in mats.items()})
    settings = dict(epochs=epochs, ae_epochs=ae_epochs, lr=lr, batch_size=batch_size, hidden=hidden,
                    series_per_pair=series_per_pair, device=device, progress=progress)
    rows = []

    def record(protocol, method, kind, n, seed, labels, scores):
        rows.append({"protocol": protocol, "method": method, "kind": kind, "network": networks[n].name,
                     "seed": seed, **evaluate(labels, scores)})

    for seed in seeds:
        rng = np.random.default_rng(seed)
        if "random_split" in protocols:
            test_masks = [rng.random(len(d[2])) < test_fraction for d in data]
            train_X = np.concatenate([d[3][~m] for d, m in zip(data, test_masks)])
            train_y = np.concatenate([d[2][~m] for d, m in zip(data, test_masks)])
            keep = balanced_sample(train_y, rng)
            for kind in neural:
                clf = PairClassifier(kind, seed=seed, **settings).fit(train_X[keep], train_y[keep])
                for n, (d, m) in enumerate(zip(data, test_masks)):
                    record("random_split", kind, "neural", n, seed, d[2][m], clf.predict_proba(d[3][m]))
            for n, (d, m) in enumerate(zip(data, test_masks)):
                for method in baselines:
                    record("random_split", method, "baseline", n, seed, d[2][m], baseline_vectors[n][method][m])
        if "leave_one_network_out" in protocols:
            for held in range(len(networks)):
                others = [d for i, d in enumerate(data) if i != held]
                train_X = np.concatenate([d[3] for d in others])
                train_y = np.concatenate([d[2] for d in others])
                keep = balanced_sample(train_y, rng)
                for kind in neural:
                    clf = PairClassifier(kind, seed=seed, **settings).fit(train_X[keep], train_y[keep])
                    record("leave_one_network_out", kind, "neural", held, seed, data[held][2],
                           clf.predict_proba(data[held][3]))
            for n, d in enumerate(data):
                for method in baselines:
                    record("leave_one_network_out", method, "baseline", n, seed, d[2], baseline_vectors[n][method])
    return pd.DataFrame(rows)


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Mean and SD over seeds of AUPR and AUROC per protocol x method x network, plus a network
    ``"mean"`` row per protocol x method (mean over networks of the per-seed values)."""
    per_net = (results.groupby(["protocol", "kind", "method", "network"], sort=False)
               .agg(aupr=("aupr", "mean"), aupr_sd=("aupr", "std"), auroc=("auroc", "mean"),
                    auroc_sd=("auroc", "std"), random_aupr=("random_aupr", "mean"), n_pairs=("n_pairs", "mean"),
                    n_seeds=("seed", "nunique")).reset_index())
    overall = (results.groupby(["protocol", "kind", "method", "seed"], sort=False)[["aupr", "auroc", "random_aupr"]]
               .mean().reset_index().groupby(["protocol", "kind", "method"], sort=False)
               .agg(aupr=("aupr", "mean"), aupr_sd=("aupr", "std"), auroc=("auroc", "mean"),
                    auroc_sd=("auroc", "std"), random_aupr=("random_aupr", "mean"), n_seeds=("seed", "nunique"))
               .reset_index())
    overall["network"] = "mean"
    out = pd.concat([per_net, overall], ignore_index=True)
    for col in ("aupr_sd", "auroc_sd"):
        out[col] = out[col].fillna(0.0)  # one seed: no spread
    return out


# ----------------------------------------------------------------------------------------------
# features


def pair_feature_table(network, mi_bins: int = 8) -> pd.DataFrame:
    """Per ordered pair: ``correlation`` (signed Pearson), ``lagged_correlation`` (signed, lag 1),
    ``mutual_information`` and ``label`` -- the quantities of the paper's Fig. 2."""
    ts = _timeseries(network)
    table = pair_table(network)
    reg, tgt = table["regulator_index"].to_numpy(), table["target_index"].to_numpy()
    flat = ts.reshape(-1, ts.shape[2])
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.nan_to_num(np.corrcoef(flat, rowvar=False))
    before, after = ts[:, :-1].reshape(-1, ts.shape[2]), ts[:, 1:].reshape(-1, ts.shape[2])
    zb = (before - before.mean(0)) / np.where(before.std(0) > 0, before.std(0), np.inf)
    za = (after - after.mean(0)) / np.where(after.std(0) > 0, after.std(0), np.inf)
    lagged = zb.T @ za / len(zb)
    mi = mutual_information_scores(ts, n_bins=mi_bins)
    table["correlation"] = corr[reg, tgt]
    table["lagged_correlation"] = lagged[reg, tgt]
    table["mutual_information"] = mi[reg, tgt]
    table.insert(0, "network", network.name)
    return table


def load_networks(dataset: str = "dream4", n_networks: int = 5, n_genes: int = 100, seed: int = 0):
    """Deprecated shim for notebook 00: use ``genenets.datasets.load("dream4" | "dream4-simulated")``.

    ``"simulated"`` is read as ``"dream4-simulated"``; ``"auto"`` falls back to it only when the DREAM4
    files cannot be had.
    """
    from .. import datasets

    name = {"simulated": "dream4-simulated", "auto": "dream4"}.get(dataset, dataset)
    params = {"n_networks": n_networks, "n_genes": n_genes, "seed": seed}
    return datasets.load(name, auto=dataset == "auto", fallback_params=params,
                         **(params if name != "dream4" else {"n_networks": n_networks})).data


def overview_figure(network):
    """Deprecated shim for notebook 00: use :func:`genenets.plotting.grn.timecourses`. Returns the Figure."""
    from ..plotting import grn as grn_plots

    return grn_plots.timecourses(network).figure


def network_overview(networks) -> pd.DataFrame:
    """One row per network: its name, data shape, ordered pairs, edges and edge density (the AUPR of
    a random ranking)."""
    rows = []
    for net in networks:
        n, edges = len(net.genes), int(_adjacency(net).sum())
        rows.append({"network": net.name, "series x times x genes": "x".join(map(str, np.shape(net.timeseries))),
                     "ordered pairs": n * (n - 1), "edges": edges, "edge density": edges / (n * (n - 1))})
    return pd.DataFrame(rows)

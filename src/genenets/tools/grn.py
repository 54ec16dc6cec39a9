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

import copy
import functools
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from scipy import stats as sps
from scipy.special import entr
from sklearn.base import BaseEstimator
from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
from sklearn.preprocessing import KBinsDiscretizer
from tqdm.auto import tqdm

from .. import cache, stats, train
from ..models.grn import PairCNN, PairLSTM, PairScoreMLP, SeriesMean, TimeCourseAutoencoder, TwoBranchPairNet
from .grn_trees import extra_trees_importances

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


def estimate_decay_rates(timeseries, times=None) -> np.ndarray:
    """Degradation rate of every gene estimated from time series as dynGENIE3 does (Huynh-Thu &
    Geurts 2018): between a gene's highest and lowest value in a series, its expression is taken to
    decay as ``x(t) = A exp(-alpha t) + C_min`` (``C_min``: the lowest value of all genes and series),
    so ``alpha = (ln(x_max - C_min) - ln(x_min - C_min)) / |t_max - t_min|``; a gene's rate is the
    largest over the series.

    Parameters
    ----------
    timeseries : array of shape (n_series, n_times, n_genes)
    times : array of shape (n_times,), optional (default 0, 1, 2, ...)

    Returns
    -------
    array of shape (n_genes,)
    """
    ts = np.asarray(timeseries, dtype=float)
    if ts.ndim != 3 or ts.shape[1] < 2:
        raise ValueError(f"timeseries must have shape (n_series, n_times >= 2, n_genes), got {ts.shape}")
    times = np.arange(ts.shape[1], dtype=float) if times is None else np.asarray(times, dtype=float)
    c_min = ts.min()
    i_max, i_min = ts.argmax(axis=1), ts.argmin(axis=1)  # (n_series, n_genes)
    x_max = np.maximum(np.take_along_axis(ts, i_max[:, None, :], axis=1)[:, 0] - c_min, 1e-6)
    x_min = np.maximum(np.take_along_axis(ts, i_min[:, None, :], axis=1)[:, 0] - c_min, 1e-6)
    dt = np.abs(times[i_max] - times[i_min])
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(dt > 0, (np.log(x_max) - np.log(x_min)) / np.where(dt > 0, dt, 1.0), 0.0)
    return alpha.max(axis=0)


class GENIE3(BaseEstimator):
    """GENIE3: for each target gene, a tree ensemble predicts its (unit-variance) expression from the
    other genes; the regulators' importances (total variance reduction, not normalized per target, as
    the GENIE3 code computes them) are their scores (Huynh-Thu et al. 2010).

    With ``time_lagged=True`` this is dynGENIE3 (Huynh-Thu & Geurts 2018): the ensemble predicts the
    target's ``(x_j(t_{k+1}) - x_j(t_k)) / dt + alpha_j x_j(t_k)`` from all genes at ``t_k``, within
    each series, with the decay rates ``alpha`` estimated from the data (:func:`estimate_decay_rates`)
    unless ``decay`` gives them.

    Parameters
    ----------
    n_estimators : int
        Trees per target (both papers: 1,000).
    tree_method : {"RF", "ET"}
        scikit-learn ``RandomForestRegressor`` (the papers' default) or extremely randomized trees (the
        GENIE3 paper's other variant).
    engine : {"numba", "sklearn"}
        For ``"ET"``: the compiled kernel :func:`genenets.tools.grn_trees.extra_trees_importances` (the
        same trees as scikit-learn's ``ExtraTreesRegressor``, about 10x less CPU, targets in parallel over
        ``n_jobs`` threads) or scikit-learn itself. ``"RF"`` always uses scikit-learn.
    max_features : str, int or float
        Candidate regulators tried at each split (both papers: sqrt).
    time_lagged : bool
    decay : None, float or array of shape (n_genes,)
        dynGENIE3's degradation rates; None estimates them from the data.
    random_state, n_jobs : int

    Attributes
    ----------
    scores_ : array of shape (n_genes, n_genes)
        ``scores_[i, j]``: importance of gene i for target j; zero diagonal.
    decay_ : array of shape (n_genes,) or None
        The decay rates used (dynGENIE3).
    """

    def __init__(self, n_estimators: int = 1000, tree_method: str = "RF", max_features="sqrt",
                 time_lagged: bool = False, decay=None, random_state: int = 0, n_jobs: int = 1,
                 engine: str = "numba"):
        self.engine = engine
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

    def fit(self, data, times=None):
        """Fit one ensemble per target.

        Parameters
        ----------
        data : array of shape (n_series, n_times, n_genes), or (n_samples, n_genes) for steady states
            (``time_lagged=False`` only).
        times : array of shape (n_times,), optional
            Sampling times (for the time-lagged rate); default 0, 1, 2, ...
        """
        ts = np.asarray(data, dtype=float)
        if ts.ndim == 2 and not self.time_lagged:
            ts = ts[None]
        if ts.ndim != 3:
            raise ValueError(f"timeseries must have shape (n_series, n_times, n_genes), got {ts.shape}")
        if not np.isfinite(ts).all():
            raise ValueError("GENIE3 input holds NaN or infinite values")
        n_genes = ts.shape[2]
        self.decay_ = None
        if self.time_lagged:
            times = np.arange(ts.shape[1], dtype=float) if times is None else np.asarray(times, dtype=float)
            self.decay_ = (estimate_decay_rates(ts, times) if self.decay is None
                           else np.broadcast_to(np.asarray(self.decay, dtype=float), (n_genes,)).copy())
            dt = np.diff(times)[None, :, None]
            X = ts[:, :-1].reshape(-1, n_genes)
            Y = ((ts[:, 1:] - ts[:, :-1]) / dt + self.decay_ * ts[:, :-1]).reshape(-1, n_genes)
        else:
            X = Y = ts.reshape(-1, n_genes)
        scores = np.zeros((n_genes, n_genes))
        if self.engine not in ("numba", "sklearn"):
            raise ValueError(f"engine must be 'numba' or 'sklearn', got {self.engine!r}")
        if self.tree_method == "ET" and self.engine == "numba":
            sd = Y.std(axis=0)
            torch_threads = torch.get_num_threads()  # numba's OpenMP layer resets the process's OpenMP threads,
            try:  # which torch reads: put them back (else every later torch op runs on n_jobs spinning threads)
                scores = extra_trees_importances(X, Y / np.where(sd > 0, sd, 1.0), n_estimators=self.n_estimators,
                                                 max_features=self.max_features, exclude_self=not self.time_lagged,
                                                 seed=self.random_state, n_jobs=self.n_jobs)
            finally:
                torch.set_num_threads(torch_threads)
            scores[:, sd == 0] = 0.0  # a constant target has no regulator to find
            np.fill_diagonal(scores, 0.0)
            self.scores_ = scores
            return self
        for j in range(n_genes):
            inputs = np.arange(n_genes) if self.time_lagged else np.delete(np.arange(n_genes), j)
            y = Y[:, j]
            if np.std(y) == 0:  # a constant target has no regulator to find
                continue
            model = self._ensemble().fit(X[:, inputs], y / np.std(y))
            scores[inputs, j] = np.mean([t.tree_.compute_feature_importances(normalize=False)
                                         for t in model.estimators_], axis=0)
        np.fill_diagonal(scores, 0.0)
        self.scores_ = scores
        return self


# cache versions 3 / 2 / 2 (GENIE3, pair classifiers, combination): entries written before the thread fix (5053164)
# and the 08 changes around it came from code whose numbers differ; a re-run from them disagreed with a run from an
# empty cache (make verify), so they are never read again
@cache.cached(version=3)
def genie3_scores(data, times=None, *, time_lagged: bool = False, n_estimators: int = 1000, tree_method: str = "RF",
                  seed: int = 0, n_jobs: int = 1) -> np.ndarray:
    """:class:`GENIE3` scores (n_genes, n_genes) of ``data``, cached by the data's content and the settings
    (``n_jobs`` does not change them)."""
    return GENIE3(n_estimators=n_estimators, tree_method=tree_method, time_lagged=time_lagged,
                  random_state=seed, n_jobs=n_jobs).fit(data, times).scores_


def time_series_methods(tree_methods=("GENIE3", "dynGENIE3"), with_trees: bool = True) -> list[str]:
    """The time-series baselines to run: the three without training, plus the tree methods among
    ``tree_methods`` (GENIE3, dynGENIE3) when ``with_trees``."""
    return [*BASELINES[:3], *(m for m in BASELINES[3:] if with_trees and m in tree_methods)]


def scale_caps(group: dict, budget_scale: float, keys) -> dict:
    """A copy of a settings ``group`` with its training caps ``keys`` multiplied by ``budget_scale``
    (rounded, at least 1): the robustness grid's budget axis."""
    out = dict(group)
    for k in keys:
        out[k] = max(1, int(round(group[k] * budget_scale)))
    return out


def baseline_scores(network, methods=BASELINES, n_estimators: int = 1000, seed: int = 0, mi_bins: int = 8,
                    tree_method: str = "RF", n_jobs: int = 1) -> dict[str, np.ndarray]:
    """Score matrices (n_genes, n_genes) of the time-series baselines on one network (GENIE3 and
    dynGENIE3 with ``n_estimators`` trees of ``tree_method``, K = sqrt)."""
    ts = _timeseries(network)
    times = getattr(network, "times", None)
    out = {}
    trees = dict(n_estimators=n_estimators, tree_method=tree_method, seed=seed, n_jobs=n_jobs)
    for method in methods:
        if method == "correlation":
            out[method] = correlation_scores(ts)
        elif method == "lagged_correlation":
            out[method] = lagged_correlation_scores(ts)
        elif method == "mutual_information":
            out[method] = mutual_information_scores(ts, n_bins=mi_bins)
        elif method == "GENIE3":
            out[method] = genie3_scores(ts, **trees)
        elif method == "dynGENIE3":
            out[method] = genie3_scores(ts, times, time_lagged=True, **trees)
        else:
            raise ValueError(f"unknown baseline {method!r}; choose from {BASELINES}")
    return out


# ----------------------------------------------------------------------------------------------
# metrics: the DREAM challenge's scoring beside average precision


def _ranked_labels(labels, scores) -> np.ndarray:
    """0/1 labels in the order of decreasing score (ties keep the pair order, as a submitted list would)."""
    return np.asarray(labels)[np.argsort(-np.asarray(scores, dtype=float), kind="stable")]


def dream_aupr_auroc(labels, scores) -> tuple[float, float]:
    """AUPR and AUROC as the DREAM3/4 challenges scored a full ranking of all directed pairs
    (Stolovitzky, Prill et al.): between consecutive ranks the precision-recall curve is interpolated
    as a true positive arriving continuously, so a positive at rank k adds
    ``(1 - FP_{k-1} ln(k / (k - 1))) / P`` to the area (``1 / P`` at rank 1); AUROC is the area under
    the staircase ROC. Ties are broken by the pairs' order.

    Parameters
    ----------
    labels : 0/1 array of shape (n_pairs,)
    scores : array of shape (n_pairs,), higher = more confident edge

    Returns
    -------
    (aupr, auroc)
    """
    y = _ranked_labels(labels, scores).astype(float)
    P, T = y.sum(), len(y)
    N = T - P
    if P == 0 or N == 0:
        raise ValueError("DREAM scoring needs both edges and non-edges")
    k = np.arange(1, T + 1, dtype=float)
    fp_before = np.cumsum(1 - y) - (1 - y)  # false positives above rank k
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(k > 1, 1 - fp_before * np.log(k / np.maximum(k - 1, 1)), 1.0)
    aupr = float((step * y).sum() / P)
    tp_before = np.cumsum(y) - y
    auroc = float((tp_before * (1 - y)).sum() / (P * N))
    return aupr, auroc


@functools.lru_cache(maxsize=64)
def _aupr_null(n_pos: int, n_pairs: int, n_draws: int = 400) -> tuple[float, float]:
    """Mean and SD of ln(DREAM AUPR) of random rankings with ``n_pos`` edges among ``n_pairs`` pairs."""
    rng = np.random.default_rng(12345)
    labels = np.zeros(n_pairs)
    labels[:n_pos] = 1
    draws = [np.log(dream_aupr_auroc(labels, rng.random(n_pairs))[0]) for _ in range(n_draws)]
    return float(np.mean(draws)), float(np.std(draws))


def dream_log10_pvalues(aupr: float, auroc: float, n_pos: int, n_pairs: int) -> tuple[float, float]:
    """log10 p-values of an AUPR and an AUROC against random rankings, as the DREAM4 overall score
    uses them. AUROC: the Mann-Whitney normal approximation (mean 0.5, SD sqrt((P + N + 1) / (12 P N)));
    AUPR: a log-normal fitted to 400 random rankings. The organisers fitted their own null densities,
    so these are approximations of the challenge's p-values (their far tails especially)."""
    n_neg = n_pairs - n_pos
    sd = np.sqrt((n_pos + n_neg + 1) / (12.0 * n_pos * n_neg))
    lp_roc = sps.norm.logsf(auroc, loc=0.5, scale=sd) / np.log(10)
    mu, sig = _aupr_null(int(n_pos), int(n_pairs))
    lp_pr = sps.norm.logsf(np.log(max(aupr, 1e-12)), loc=mu, scale=sig) / np.log(10)
    return float(lp_pr), float(lp_roc)


def dream_overall_score(log10_p_aupr, log10_p_auroc) -> float:
    """DREAM4's overall score of a team over the networks: ``-0.5 log10(p_AUPR p_AUROC)`` with each
    p the geometric mean over the networks (arguments: per-network log10 p-values)."""
    return float(-0.5 * (np.mean(log10_p_aupr) + np.mean(log10_p_auroc)))


def evaluate(labels, scores) -> dict:
    """Scores of a ranking of pairs for 0/1 ``labels`` (both shape (n_pairs,)).

    ``aupr`` and ``auroc`` are the DREAM challenge's (:func:`dream_aupr_auroc`); ``average_precision``
    (scikit-learn, step interpolation) stays beside them; ``random_aupr`` is the share of positives
    (the AUPR of a random ranking)."""
    labels = np.asarray(labels)
    scores = np.asarray(scores, dtype=float)
    if labels.shape != scores.shape:
        raise ValueError(f"labels {labels.shape} and scores {scores.shape} differ in shape")
    aupr, auroc = dream_aupr_auroc(labels, scores)
    return {"aupr": aupr, "auroc": auroc, "average_precision": stats.aupr(labels, scores),
            "random_aupr": float(labels.mean()), "n_pairs": int(labels.size), "n_edges": int(labels.sum())}


def evaluate_matrix(score_matrix, adjacency) -> dict:
    """:func:`evaluate` over all directed pairs of a network (off-diagonal entries: 9,900 for 100 genes)."""
    s, a = np.asarray(score_matrix), np.asarray(adjacency)
    reg, tgt = ordered_pairs(a.shape[0])
    return evaluate(a[reg, tgt], s[reg, tgt])


# ----------------------------------------------------------------------------------------------
# neural pair classifiers


class TensorBatches:
    """Mini-batches of aligned in-memory arrays as tensor slices, reshuffled every epoch from ``seed``.

    An iterable for :func:`genenets.train.fit` that does what ``train.make_loader`` does for small
    tabular data, without a per-sample ``Dataset.__getitem__`` (20-50x faster for 10^4-10^5 short rows).
    Each pass is one epoch over every row.
    """

    def __init__(self, *arrays, batch_size: int = 256, shuffle: bool = False, seed: int = 0):
        self.tensors = [torch.as_tensor(np.asarray(a, dtype=np.float32)) for a in arrays]
        self.batch_size, self.shuffle = int(batch_size), shuffle
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self):
        return -(-len(self.tensors[0]) // self.batch_size)

    def __iter__(self):
        n = len(self.tensors[0])
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        for start in range(0, n, self.batch_size):
            idx = order[start:start + self.batch_size]
            yield tuple(t[idx] for t in self.tensors)


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

    The network reads one series of a pair at a time; the pair's logit is the mean of its series' logits
    (:class:`genenets.models.grn.SeriesMean`), and the loss, the validation loss and the ranking are all
    per pair. (Scoring each (pair, series) row on its own leaves one series' weak signal: a model whose
    pair ranking reaches AUROC 0.8 can sit within 5% of ln 2 on rows, so it looked as if it had not learned.)

    Parameters
    ----------
    kind : {"LSTM", "CNN", "AE+NN"}
        LSTM on the n_times x 2 sequence; LeNet-5-style CNN on the 1 x 2 x n_times image; or an
        autoencoder compressing each time course to ``code_dim`` numbers, then a two-branch pair network.
    epochs, lr, batch_size : int, float or None, int
        Epoch cap and Adam; the paper uses lr 0.01 for the LSTM, batch 100 and 75 epochs. ``lr=None``:
        0.01 for the LSTM, 0.001 for the CNN and the pair network (at 0.01 the CNN's ReLUs die).
        ``batch_size`` counts pairs (each with all its series).
    patience : int or None
        Early stopping on the validation loss (None: train to the cap).
    val_fraction : float
        Share of the training pairs (stratified by label, drawn from ``seed``) held out as validation
        for early stopping; 0 = none. They come from the pairs passed to ``fit``, never the test pairs.
    series_per_pair : int or None
        Training samples per pair: that many of its series, drawn at random once per fit (None: all).
        Scoring always averages over all series.
    hidden, dropout : int, float
        Width of the LSTM and of the two-branch pair network; LSTM dropout (paper: 0.2). The CNN is
        LeNet-5's fixed architecture.
    code_dim, ae_epochs : int
        Autoencoder code size (paper: 3) and its epoch cap (early stopping as the classifier's).
    seed : int
        Weights, validation split, shuffling and dropout follow from it.
    device : str
    progress : bool
        tqdm bars of the training loop.

    Attributes
    ----------
    model_ : torch.nn.Module
    autoencoder_ : TimeCourseAutoencoder or None
    history_, ae_history_ : genenets.train.History (ae_history_ None unless AE+NN)
    """

    def __init__(self, kind: str = "LSTM", epochs: int = 10, lr: float | None = None, batch_size: int = 100,
                 patience: int | None = None, val_fraction: float = 0.0, series_per_pair: int | None = None,
                 hidden: int = 32, dropout: float = 0.2, code_dim: int = 3, ae_epochs: int = 20, seed: int = 0,
                 device: str = "cpu", progress: bool = True):
        self.kind = kind
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.patience = patience
        self.val_fraction = val_fraction
        self.series_per_pair = series_per_pair
        self.hidden = hidden
        self.dropout = dropout
        self.code_dim = code_dim
        self.ae_epochs = ae_epochs
        self.seed = seed
        self.device = device
        self.progress = progress

    def _inputs(self, X) -> np.ndarray:
        """(n_pairs, n_series, n_times, 2) -> model inputs: the time courses, or for AE+NN the codes
        (n_pairs, n_series, 2 * code_dim) of regulator and target."""
        X = _check_pairs(X)
        if self.kind != "AE+NN":
            return X
        flat = X.reshape(-1, X.shape[2], 2)
        with torch.no_grad():
            self.autoencoder_.cpu().eval()
            codes = [self.autoencoder_.encode(torch.from_numpy(np.ascontiguousarray(flat[..., k]))).numpy()
                     for k in (0, 1)]
        return np.concatenate(codes, axis=1).reshape(X.shape[0], X.shape[1], -1)

    def _split(self, y, rng) -> np.ndarray:
        """Boolean mask of validation pairs: ``val_fraction`` of each class (at least one of each)."""
        val = np.zeros(len(y), dtype=bool)
        if self.val_fraction <= 0:
            return val
        for cls in (0, 1):
            idx = np.flatnonzero(y == cls)
            k = min(max(1, int(round(self.val_fraction * len(idx)))), len(idx) - 1)
            if k > 0:
                val[rng.choice(idx, size=k, replace=False)] = True
        return val

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
        rng = np.random.default_rng(self.seed)
        n_series, n_times = X.shape[1], X.shape[2]
        val = self._split(y, rng)
        fit_X, fit_y, val_X, val_y = X[~val], y[~val], X[val], y[val]
        self.autoencoder_, self.ae_history_ = None, None
        if self.kind == "AE+NN":
            # the autoencoder sees the training pairs' time courses only (no label, no held-out gene)
            def courses(A):
                return np.unique(A.transpose(0, 3, 1, 2).reshape(-1, n_times), axis=0) if len(A) else A
            c_fit, c_val = courses(fit_X), courses(val_X)
            self.autoencoder_ = TimeCourseAutoencoder(n_times, self.code_dim)
            self.ae_history_ = train.fit(
                self.autoencoder_, TensorBatches(c_fit, batch_size=max(self.batch_size, 256), shuffle=True,
                                                 seed=self.seed), _mse,
                val_loader=TensorBatches(c_val, batch_size=8192) if len(c_val) else None,
                epochs=self.ae_epochs, lr=1e-2, patience=self.patience, device=self.device, progress=self.progress,
                desc="autoencoder", no_learning_loss=train.no_learning_mse(c_fit, c_val if len(c_val) else None))
            self.model_ = SeriesMean(TwoBranchPairNet(self.code_dim, self.hidden))
        elif self.kind == "LSTM":
            self.model_ = SeriesMean(PairLSTM(self.hidden, self.dropout))
        else:
            self.model_ = SeriesMean(PairCNN(n_times))
        k = n_series if self.series_per_pair is None else min(self.series_per_pair, n_series)
        if k < n_series:  # a random subset of each pair's series keeps an epoch short
            pick = np.argsort(rng.random((len(fit_X), n_series)), axis=1)[:, :k]
            fit_X = np.take_along_axis(fit_X, pick[:, :, None, None], axis=1)
        lr = self.lr if self.lr is not None else (0.01 if self.kind == "LSTM" else 0.001)
        loader = TensorBatches(self._inputs(fit_X), fit_y, batch_size=self.batch_size, shuffle=True, seed=self.seed)
        val_loader = TensorBatches(self._inputs(val_X), val_y, batch_size=1024) if val.any() else None
        self.history_ = train.fit(self.model_, loader, _bce, val_loader=val_loader, epochs=self.epochs, lr=lr,
                                  patience=self.patience, device=self.device, progress=self.progress, desc=self.kind,
                                  no_learning_loss=train.no_learning_bce(val_y if val.any() else fit_y))
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Probability that each pair is a direct edge (sigmoid of the mean logit over its series), shape (n_pairs,)."""
        X = _check_pairs(X)
        logits = train.predict(self.model_, TensorBatches(self._inputs(X), batch_size=1024), device=self.device)
        return torch.sigmoid(torch.from_numpy(logits)).numpy()

    def score(self, X, y) -> float:
        """DREAM AUPR of the predicted pair probabilities (higher is better)."""
        return dream_aupr_auroc(y, self.predict_proba(X))[0]


def fit_pair_classifier(kind: str, X, y, *, seed: int, epochs: int, ae_epochs: int, reuse: bool = True,
                        **settings) -> PairClassifier:
    """A :class:`PairClassifier` fitted on ``(X, y)``, or the first one fitted with the same data and settings at
    another cap, from the content-keyed cache, when early stopping ended it (and its autoencoder) before this
    cap: training is deterministic, so it is the same model (its histories get this run's caps). A fit that
    the cap ended there, or that stopped after more epochs than this cap allows, is trained again at this cap.
    The robustness grid's budget axis (``budget_scale`` 1, 4, 16) then costs little for converged models."""
    def train_at_cap():
        return PairClassifier(kind, seed=seed, epochs=int(epochs), ae_epochs=int(ae_epochs), **settings).fit(X, y)

    if not reuse or settings.get("patience") is None:
        return train_at_cap()
    keyed = {k: v for k, v in settings.items() if k not in ("device", "progress")}
    clf, hit = cache.get_or_compute("grn/pair-classifier-any-cap", (np.asarray(X), np.asarray(y), kind, int(seed),
                                    keyed, PairClassifier.__doc__), train_at_cap, version=2)
    if not hit or (clf.epochs, clf.ae_epochs) == (int(epochs), int(ae_epochs)):
        return clf
    ok = [(h, cap) for h, cap in ((clf.history_, epochs), (clf.ae_history_, ae_epochs)) if h is not None]
    if not all(h.stopped_early and len(h.train_loss) < int(cap) for h, cap in ok):
        return train_at_cap()
    clf.history_, clf.ae_history_ = copy.copy(clf.history_), copy.copy(clf.ae_history_)
    clf.history_.epochs_cap, clf.epochs, clf.ae_epochs = int(epochs), int(epochs), int(ae_epochs)
    if clf.ae_history_ is not None:
        clf.ae_history_.epochs_cap = int(ae_epochs)
    return clf


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


@dataclass
class ProtocolRun:
    """What :func:`run_protocols` returns.

    Attributes
    ----------
    results : DataFrame
        One row per protocol x method x network x seed: ``aupr``, ``auroc`` (DREAM's), ``average_precision``,
        ``random_aupr``, ``n_pairs``, ``n_edges``, ``kind`` ("neural" or "baseline").
    histories : dict of str -> genenets.train.History
        Every neural fit (``"<model> | <protocol> | seed <s>"``), autoencoders included.
    widths : DataFrame
        The search of width and learning rate: ``model``, ``width``, ``lr``, ``val_loss`` (best validation
        loss), ``status`` (of that fit), ``chosen``.
    """

    results: pd.DataFrame
    histories: dict
    widths: pd.DataFrame


def run_protocols(networks, *, neural=NEURAL, baselines=BASELINES, baseline_matrices=None, seeds=(0, 1, 2),
                  lono_seeds=None, test_fraction: float = 0.5, epochs: int = 10, ae_epochs: int = 20,
                  lr: float | None = None, batch_size: int = 100, widths=(32,), lrs=None, patience: int | None = None,
                  val_fraction: float = 0.0, series_per_pair: int | None = None, standardize: bool = True,
                  n_estimators: int = 100, protocols=("leave_one_network_out", "random_split"),
                  device: str = "cpu", progress: bool = True) -> ProtocolRun:
    """Score every method on every network under both protocols.

    (a) ``random_split`` (the paper's): in every network the ordered pairs are split at random into
    train (1 - ``test_fraction``) and test; the neural models learn on the balanced union of the
    training pairs and every method is scored on each network's test pairs.
    (b) ``leave_one_network_out``: the neural models learn on the balanced pairs of all other
    networks and are scored on all directed pairs of the held-out one (as DREAM scores).

    Fair budgets: with ``patience`` and ``val_fraction`` each neural fit stops early on a validation
    split of its own training pairs (never test pairs), up to ``epochs``; with several ``widths`` (LSTM and
    AE+NN pair network; the CNN is LeNet-5's fixed architecture) or learning rates ``lrs`` (default: ``lr``)
    each model's width and learning rate are chosen once, by validation loss, on the first random-split
    training set (seed ``seeds[0]``; the chosen fit is that seed's model) and used in every other fit.

    With ``standardize`` the neural models see each gene z-scored within its network
    (:func:`standardize_genes`). The unsupervised baselines see no label: they score all pairs of each
    network once (``baseline_matrices``: per network ``{method: matrix}``, a method may be missing for
    some networks; default :func:`baseline_scores` with ``n_estimators`` trees, seed ``seeds[0]``).
    ``lono_seeds`` (default ``seeds``) are the seeds of protocol (b).
    """
    if len(networks) < 2 and "leave_one_network_out" in protocols:
        raise ValueError("leave-one-network-out needs at least 2 networks")
    unknown = set(protocols) - {"leave_one_network_out", "random_split"}
    if unknown:
        raise ValueError(f"unknown protocol(s) {sorted(unknown)}")
    lono_seeds = seeds if lono_seeds is None else lono_seeds
    data = [_network_pairs(net, standardize) for net in networks]
    if baseline_matrices is None:
        baseline_matrices = [baseline_scores(net, baselines, n_estimators=n_estimators, seed=seeds[0])
                             for net in tqdm(networks, desc="baselines", disable=not progress, leave=False)]
    baseline_vectors = [{m: mat[d[0], d[1]] for m, mat in mats.items()} for d, mats in zip(data, baseline_matrices)]
    settings = dict(epochs=epochs, ae_epochs=ae_epochs, batch_size=batch_size, patience=patience,
                    val_fraction=val_fraction, series_per_pair=series_per_pair, device=device, progress=progress)
    lrs = [lr] if lrs is None else list(lrs)
    rows, histories, width_rows = [], {}, []
    chosen = {kind: (widths[0], lrs[0]) for kind in neural}

    def record(protocol, method, kind, n, seed, labels, scores):
        rows.append({"protocol": protocol, "method": method, "kind": kind, "network": networks[n].name,
                     "seed": seed, **evaluate(labels, scores)})

    def fit(kind, seed, X, y, name):
        clf = fit_pair_classifier(kind, X, y, seed=seed, hidden=chosen[kind][0], lr=chosen[kind][1], **settings)
        histories[f"{kind} | {name} | seed {seed}"] = clf.history_
        if clf.ae_history_ is not None:
            histories[f"AE of AE+NN | {name} | seed {seed}"] = clf.ae_history_
        return clf

    for i, seed in enumerate(sorted(set(seeds) | set(lono_seeds), key=lambda s: (s not in seeds, s))):
        rng = np.random.default_rng(seed)
        if "random_split" in protocols and seed in seeds:
            test_masks = [rng.random(len(d[2])) < test_fraction for d in data]
            train_X = np.concatenate([d[3][~m] for d, m in zip(data, test_masks)])
            train_y = np.concatenate([d[2][~m] for d, m in zip(data, test_masks)])
            keep = balanced_sample(train_y, rng)
            for kind in neural:
                grid = [(w, r) for w in (widths[:1] if kind == "CNN" else widths) for r in lrs]
                if i == 0 and len(grid) > 1:  # the search, on validation loss; the chosen fit is kept
                    fits = {}
                    for w, r in grid:
                        chosen[kind] = (w, r)
                        fits[w, r] = fit(kind, seed, train_X[keep], train_y[keep], f"random split search w {w} lr {r}")
                    chosen[kind] = min(fits, key=lambda c: fits[c].history_.best_loss)
                    width_rows += [{"model": kind, "width": w, "lr": r, "val_loss": f.history_.best_loss,
                                    "status": f.history_.status(), "chosen": (w, r) == chosen[kind]}
                                   for (w, r), f in fits.items()]
                    clf = fits[chosen[kind]]
                    for key in [k for k in histories if k.endswith(f"search w {chosen[kind][0]} lr {chosen[kind][1]} "
                                                                   f"| seed {seed}")]:
                        histories[key.replace(f" search w {chosen[kind][0]} lr {chosen[kind][1]}", "")] = \
                            histories.pop(key)
                else:
                    clf = fit(kind, seed, train_X[keep], train_y[keep], "random split")
                for n, (d, m) in enumerate(zip(data, test_masks)):
                    record("random_split", kind, "neural", n, seed, d[2][m], clf.predict_proba(d[3][m]))
            for n, (d, m) in enumerate(zip(data, test_masks)):
                for method, vec in baseline_vectors[n].items():
                    record("random_split", method, "baseline", n, seed, d[2][m], vec[m])
        if "leave_one_network_out" in protocols and seed in lono_seeds:
            for held in range(len(networks)):
                others = [d for j, d in enumerate(data) if j != held]
                train_X = np.concatenate([d[3] for d in others])
                train_y = np.concatenate([d[2] for d in others])
                keep = balanced_sample(train_y, rng)
                for kind in neural:
                    clf = fit(kind, seed, train_X[keep], train_y[keep], f"LONO {networks[held].name}")
                    record("leave_one_network_out", kind, "neural", held, seed, data[held][2],
                           clf.predict_proba(data[held][3]))
            for n, d in enumerate(data):
                for method, vec in baseline_vectors[n].items():
                    record("leave_one_network_out", method, "baseline", n, seed, d[2], vec)
    return ProtocolRun(pd.DataFrame(rows), histories,
                       pd.DataFrame(width_rows, columns=["model", "width", "lr", "val_loss", "status", "chosen"]))


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Mean and SD over seeds of DREAM AUPR, DREAM AUROC and average precision per protocol x method x
    network, plus a network ``"mean"`` row per protocol x method (mean over networks of the per-seed
    values; ``n_networks`` says over how many)."""
    metrics = [m for m in ("aupr", "auroc", "average_precision") if m in results]
    agg = {**{m: (m, "mean") for m in metrics}, **{f"{m}_sd": (m, "std") for m in metrics},
           "random_aupr": ("random_aupr", "mean"), "n_seeds": ("seed", "nunique")}
    per_net = (results.groupby(["protocol", "kind", "method", "network"], sort=False)
               .agg(**agg, n_pairs=("n_pairs", "mean")).reset_index())
    per_seed = (results.groupby(["protocol", "kind", "method", "seed"], sort=False)
                .agg(**{m: (m, "mean") for m in [*metrics, "random_aupr"]}, n_networks=("network", "nunique"))
                .reset_index())
    overall = (per_seed.groupby(["protocol", "kind", "method"], sort=False)
               .agg(**agg, n_networks=("n_networks", "max")).reset_index())
    overall["network"] = "mean"
    out = pd.concat([per_net, overall], ignore_index=True)
    for m in metrics:
        out[f"{m}_sd"] = out[f"{m}_sd"].fillna(0.0)  # one seed: no spread
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


# ----------------------------------------------------------------------------------------------
# all of DREAM4's data: steady states (knockouts, knockdowns, wild type, multifactorial)


def steady_states(network, kind: str) -> np.ndarray | None:
    """A network's steady-state table ``kind`` (knockouts, knockdowns, multifactorial: shape
    (n_experiments, n_genes); wildtype: (n_genes,)) as a float array, or None when it has none."""
    value = getattr(network, kind, None)
    if value is None:
        return None
    arr = np.asarray(value, dtype=float)
    if arr.shape[-1] != len(network.genes):
        raise ValueError(f"{network.name}: {kind} has {arr.shape[-1]} genes, the network {len(network.genes)}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{network.name}: {kind} holds NaN or infinite values")
    return arr


def perturbation_zscores(perturbed, wildtype) -> np.ndarray:
    """Knockout (or knockdown) z-scores: ``S[i, j] = |x_j(gene i perturbed) - x_j(wild type)| / sd_j``,
    with ``sd_j`` the SD of gene j over the perturbation experiments; zero diagonal (a deleted gene's
    own change says nothing about its targets).

    Parameters
    ----------
    perturbed : array of shape (n_genes, n_genes)
        Row i: steady state after perturbing gene i.
    wildtype : array of shape (n_genes,)
    """
    ko = np.asarray(perturbed, dtype=float)
    wt = np.asarray(wildtype, dtype=float)
    if ko.ndim != 2 or ko.shape[0] != ko.shape[1] or wt.shape != (ko.shape[1],):
        raise ValueError(f"perturbed must be (n_genes, n_genes) and wildtype (n_genes,), got {ko.shape}, {wt.shape}")
    sd = ko.std(axis=0)
    s = np.abs(ko - wt[None, :]) / np.where(sd > 0, sd, np.inf)
    np.fill_diagonal(s, 0.0)
    return s


def downrank_indirect(scores, threshold: float = 2.0) -> np.ndarray:
    """Down-rank edges explained by a stronger two-step path (a transitive-reduction step, as the
    DREAM4 best performers did on knockout graphs, Pinna et al. 2010).

    Edges with ``S[i, j] >= threshold`` form a graph; an edge i -> j of it is *indirect* when some k
    has ``min(S[i, k], S[k, j]) > S[i, j]`` (both steps of i -> k -> j stronger than i -> j). The
    other graph edges are ranked first (by S), then all remaining pairs (by S).

    Parameters
    ----------
    scores : array of shape (n_genes, n_genes), e.g. :func:`perturbation_zscores`

    Returns
    -------
    array of shape (n_genes, n_genes), zero diagonal.
    """
    s = np.asarray(scores, dtype=float)
    g = np.where(s >= threshold, s, 0.0)
    np.fill_diagonal(g, 0.0)
    # strongest two-step path i -> k -> j by its weakest step (max over k of min), one k at a time
    path = np.zeros_like(g)
    for k in range(g.shape[0]):
        np.maximum(path, np.minimum(g[:, k][:, None], g[k, :][None, :]), out=path)
    direct = (g > 0) & ~(path > g)
    out = s + np.where(direct, s.max() + 1.0, 0.0)
    np.fill_diagonal(out, 0.0)
    return out


STEADY_TREES = ("GENIE3_steady", "GENIE3_multifactorial")


def steady_state_scores(network, *, n_estimators: int = 1000, tree_method: str = "RF", seed: int = 0,
                        n_jobs: int = 1, trees=True, threshold: float = 2.0) -> dict[str, np.ndarray]:
    """Score matrices (n_genes, n_genes) of the methods that read DREAM4's steady states.

    - ``knockout_z``, ``knockdown_z``: :func:`perturbation_zscores`;
    - ``knockout_z_reduced``: the knockout z-scores with indirect edges down-ranked (:func:`downrank_indirect`);
    - ``multifactorial_correlation``: |Pearson| over the multifactorial experiments;
    - with ``trees`` (True: both; or a collection of these names): ``GENIE3_steady`` (GENIE3 on knockouts +
      knockdowns + multifactorial + wild type stacked as samples) and ``GENIE3_multifactorial`` (the DREAM4
      multifactorial sub-challenge's data only).
    Methods whose data the network lacks are left out.
    """
    wt = steady_states(network, "wildtype")
    ko, kd, mf = (steady_states(network, k) for k in ("knockouts", "knockdowns", "multifactorial"))
    out = {}
    if ko is not None and wt is not None:
        out["knockout_z"] = perturbation_zscores(ko, wt)
        out["knockout_z_reduced"] = downrank_indirect(out["knockout_z"], threshold)
    if kd is not None and wt is not None:
        out["knockdown_z"] = perturbation_zscores(kd, wt)
    if mf is not None:
        out["multifactorial_correlation"] = correlation_scores(mf[None])
    wanted = set(STEADY_TREES if trees is True else (trees or ()))
    if wanted:
        settings = dict(n_estimators=n_estimators, tree_method=tree_method, seed=seed, n_jobs=n_jobs)
        stacked = [a for a in (ko, kd, mf, None if wt is None else wt[None]) if a is not None]
        if stacked and "GENIE3_steady" in wanted:
            out["GENIE3_steady"] = genie3_scores(np.concatenate(stacked), **settings)
        if mf is not None and "GENIE3_multifactorial" in wanted:
            out["GENIE3_multifactorial"] = genie3_scores(mf, **settings)
    return out


def pair_features(matrices: dict[str, np.ndarray]) -> tuple[np.ndarray, list[str]]:
    """Features of every ordered pair i -> j of one network from its unsupervised score matrices, for the
    supervised combination. Per matrix S: the pair's percentile among all pairs, S[i, j] z-scored within
    target j's column and within regulator i's row, and the reverse pair's percentile (S[j, i]).

    Returns
    -------
    X : array of shape (n_genes * (n_genes - 1), 4 * n_matrices), float32, rows in :func:`ordered_pairs` order
    names : list of str
    """
    cols, names = [], []
    for name, mat in matrices.items():
        s = np.asarray(mat, dtype=float)
        reg, tgt = ordered_pairs(s.shape[0])
        off = s[reg, tgt]
        pct = np.empty_like(off)
        pct[np.argsort(off, kind="stable")] = np.arange(len(off)) / max(len(off) - 1, 1)
        rank = np.zeros_like(s)
        rank[reg, tgt] = pct
        masked = np.where(np.eye(len(s), dtype=bool), np.nan, s)
        with np.errstate(invalid="ignore", divide="ignore"):
            col_z = (masked - np.nanmean(masked, 0)) / np.nanstd(masked, 0)
            row_z = (masked - np.nanmean(masked, 1)[:, None]) / np.nanstd(masked, 1)[:, None]
        cols += [pct, np.nan_to_num(col_z[reg, tgt]), np.nan_to_num(row_z[reg, tgt]), rank[tgt, reg]]
        names += [f"{name}:pct", f"{name}:target_z", f"{name}:regulator_z", f"{name}:reverse_pct"]
    return np.stack(cols, axis=1).astype(np.float32), names


class CombinedScorer(BaseEstimator):
    """Supervised combination of unsupervised scores: a small neural network (:class:`PairScoreMLP`)
    reads :func:`pair_features` of every ordered pair and predicts the edge, trained with
    :func:`genenets.train.fit` (BCE over all pairs, Adam, early stopping on validation networks).

    Parameters
    ----------
    hidden, dropout, lr, batch_size : int, float, float, int
    epochs, patience : int
        Epoch cap and early-stopping patience (on the validation loss).
    seed : int
    device : str

    Attributes
    ----------
    model_, history_ : the trained network and its :class:`genenets.train.History`
    """

    def __init__(self, hidden: int = 32, dropout: float = 0.1, lr: float = 3e-3, batch_size: int = 4096,
                 epochs: int = 100, patience: int = 10, seed: int = 0, device: str = "cpu"):
        self.hidden = hidden
        self.dropout = dropout
        self.lr = lr
        self.batch_size = batch_size
        self.epochs = epochs
        self.patience = patience
        self.seed = seed
        self.device = device

    def fit(self, X, y, X_val=None, y_val=None):
        """X : (n_pairs, n_features); y : 0/1 (n_pairs,); X_val, y_val : pairs of validation networks
        (never the test network); without them 20% of the pairs are drawn as validation."""
        X, y = np.asarray(X, dtype=np.float32), np.asarray(y, dtype=np.float32)
        if X_val is None:
            rng = np.random.default_rng(self.seed)
            val = rng.random(len(y)) < 0.2
            X, y, X_val, y_val = X[~val], y[~val], X[val], y[val]
        torch.manual_seed(self.seed)
        self.model_ = PairScoreMLP(X.shape[1], self.hidden, self.dropout)
        self.history_ = train.fit(
            self.model_, TensorBatches(X, y, batch_size=self.batch_size, shuffle=True, seed=self.seed), _bce,
            val_loader=TensorBatches(X_val, y_val, batch_size=8192),
            epochs=self.epochs, lr=self.lr, patience=self.patience, device=self.device, progress=False,
            desc="combination", no_learning_loss=train.no_learning_bce(y_val))
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Edge probability of each pair, shape (n_pairs,)."""
        logits = train.predict(self.model_, TensorBatches(X, batch_size=8192), device=self.device)
        return 1 / (1 + np.exp(-logits))

    def score(self, X, y) -> float:
        """DREAM AUPR of the predictions (higher is better)."""
        return dream_aupr_auroc(y, self.predict_proba(X))[0]


def _fit_combination_any_cap(X, y, X_val, y_val, *, seed: int, epochs: int = 100, reuse: bool = True,
                             **settings) -> CombinedScorer:
    """:class:`CombinedScorer` fitted, or reused from the cache as :func:`fit_pair_classifier` reuses a pair
    classifier: the first fit with these data and settings at another cap, when early stopping ended it first."""
    def train_at_cap():
        return CombinedScorer(seed=seed, epochs=int(epochs), **settings).fit(X, y, X_val, y_val)

    if not reuse or settings.get("patience", 10) is None:
        return train_at_cap()
    keyed = {k: v for k, v in settings.items() if k != "device"}
    model, hit = cache.get_or_compute("grn/combination-any-cap", (np.asarray(X), np.asarray(y), np.asarray(X_val),
                                      np.asarray(y_val), int(seed), keyed, CombinedScorer.__doc__), train_at_cap,
                                      version=2)
    if not hit or model.epochs == int(epochs):
        return model
    h = model.history_
    if not (h.stopped_early and len(h.train_loss) < int(epochs)):
        return train_at_cap()
    model.history_ = copy.copy(h)
    model.history_.epochs_cap = model.epochs = int(epochs)
    return model


def combine_leave_one_network_out(features: list[np.ndarray], labels: list[np.ndarray], *, seed: int = 0,
                                  **settings) -> tuple[list[np.ndarray], dict]:
    """Train :class:`CombinedScorer` on all networks but one (the last of the others as validation) and
    score the held-out one, for each network.

    Returns
    -------
    scores : list of arrays (n_pairs,), one per network (held-out predictions)
    histories : {held-out index: History}
    """
    if len(features) < 3:
        raise ValueError("leave-one-network-out combination needs at least 3 networks (train, validation, test)")
    scores, histories = [], {}
    for held in range(len(features)):
        others = [i for i in range(len(features)) if i != held]
        fit_on, val = others[:-1], others[-1]
        model = _fit_combination_any_cap(np.concatenate([features[i] for i in fit_on]),
                                         np.concatenate([labels[i] for i in fit_on]), features[val], labels[val],
                                         seed=seed, **settings)
        scores.append(model.predict_proba(features[held]))
        histories[held] = model.history_
    return scores, histories


def tree_budget_validation(timeseries, times=None, budgets=(100, 300), *, n_targets: int = 10,
                           n_val_series: int = 2, tree_method: str = "RF", seed: int = 0,
                           n_jobs: int = 1) -> pd.DataFrame:
    """Choose a tree budget on validation data: dynGENIE3's regressions (rate of change of a target from
    all genes, decay rates estimated from the training series) fitted on all series but the last
    ``n_val_series`` and scored (R²) on those, for ``n_targets`` random targets and each budget.
    No gold standard is read.

    Returns
    -------
    DataFrame: ``n_estimators``, ``val_r2`` (mean over targets), ``n_targets``.
    """
    ts = np.asarray(timeseries, dtype=float)
    if ts.shape[0] <= n_val_series:
        raise ValueError(f"need more than {n_val_series} series to hold out {n_val_series}, got {ts.shape[0]}")
    times = np.arange(ts.shape[1], dtype=float) if times is None else np.asarray(times, dtype=float)
    fit_ts, val_ts = ts[:-n_val_series], ts[-n_val_series:]
    decay = estimate_decay_rates(fit_ts, times)
    dt = np.diff(times)[None, :, None]

    def xy(a):
        return a[:, :-1].reshape(-1, a.shape[2]), ((a[:, 1:] - a[:, :-1]) / dt + decay * a[:, :-1]).reshape(
            -1, a.shape[2])

    (X, Y), (Xv, Yv) = xy(fit_ts), xy(val_ts)
    targets = np.random.default_rng(seed).choice(ts.shape[2], size=min(n_targets, ts.shape[2]), replace=False)
    rows = []
    for budget in budgets:
        r2 = [GENIE3(n_estimators=budget, tree_method=tree_method, random_state=seed, n_jobs=n_jobs)._ensemble()
              .fit(X, Y[:, j]).score(Xv, Yv[:, j]) for j in targets]
        rows.append({"n_estimators": int(budget), "val_r2": float(np.mean(r2)), "n_targets": len(targets)})
    return pd.DataFrame(rows)


def method_table(networks, matrices: list[dict], kinds: dict | None = None) -> pd.DataFrame:
    """Every unsupervised or combined score matrix evaluated on all directed pairs of its network.

    Parameters
    ----------
    networks : list of networks
    matrices : per network ``{method: score matrix (n_genes, n_genes)}``
    kinds : ``{method: data kind}`` labels (e.g. "time series", "all data")

    Returns
    -------
    DataFrame, one row per method x network: :func:`evaluate` columns, ``log10_p_aupr``, ``log10_p_auroc``.
    """
    rows = []
    for net, mats in zip(networks, matrices):
        adj = _adjacency(net)
        for method, mat in mats.items():
            r = evaluate_matrix(mat, adj)
            lp = dream_log10_pvalues(r["aupr"], r["auroc"], r["n_edges"], r["n_pairs"])
            rows.append({"method": method, "data": (kinds or {}).get(method, ""), "network": net.name, **r,
                         "log10_p_aupr": lp[0], "log10_p_auroc": lp[1]})
    return pd.DataFrame(rows)


def matrix_from_pairs(values, n_genes: int) -> np.ndarray:
    """Inverse of reading a matrix at :func:`ordered_pairs`: ``values`` (n_genes * (n_genes - 1),) -> (n_genes, n_genes)."""
    reg, tgt = ordered_pairs(n_genes)
    out = np.zeros((n_genes, n_genes))
    out[reg, tgt] = values
    return out


def neural_table(results: pd.DataFrame, protocol: str = "leave_one_network_out") -> pd.DataFrame:
    """The neural models' rows of :func:`run_protocols` for one protocol, averaged over seeds per model
    x network, in :func:`method_table`'s columns (``data`` = "time series, supervised")."""
    sub = results[(results["protocol"] == protocol) & (results["kind"] == "neural")]
    cols = ["aupr", "auroc", "average_precision", "random_aupr", "n_pairs", "n_edges"]
    out = sub.groupby(["method", "network"], sort=False)[cols].mean().reset_index()
    lp = [dream_log10_pvalues(a, r, int(e), int(n)) for a, r, e, n in
          zip(out["aupr"], out["auroc"], out["n_edges"], out["n_pairs"])]
    out["log10_p_aupr"], out["log10_p_auroc"] = [p[0] for p in lp], [p[1] for p in lp]
    out.insert(1, "data", "time series, supervised")
    return out

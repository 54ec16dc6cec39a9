"""Analyses of the GENER paper: labelled pairs, honest splits, GENER and its baselines, metrics, figures.

Every method is an estimator with ``fit(train_pairs, val_pairs=None)`` and
``predict_proba(pairs) -> (n_pairs, 2)``; pairs are DataFrames with ``gene_a``, ``gene_b``, ``label``
whose genes index the expression matrix given to the estimator.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from sklearn import metrics as skm
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import QuantileTransformer

from .. import cache, train
from ..models.gener import GENER, GNEEmbedder, ShallowM

# ----------------------------------------------------------------------------------------------
# data


def preprocess_expression(expr: pd.DataFrame, method: str = "standardize") -> pd.DataFrame:
    """Normalise an expression matrix (genes x arrays) as in the paper.

    ``"standardize"``: each gene to mean 0, sd 1 over the arrays. ``"quantile"``: each array mapped
    to the same (standard normal) distribution by scikit-learn's ``QuantileTransformer``.
    """
    if expr.isna().any().any():
        raise ValueError(f"expression holds {int(expr.isna().sum().sum())} NaN values; drop or impute them first")
    values = expr.to_numpy(float)
    if method == "standardize":
        sd = values.std(axis=1, keepdims=True)
        if (sd == 0).any():
            raise ValueError(f"{int((sd == 0).sum())} genes are constant over the arrays and cannot be standardized")
        out = (values - values.mean(axis=1, keepdims=True)) / sd
    elif method == "quantile":
        qt = QuantileTransformer(n_quantiles=min(1000, len(expr)), output_distribution="normal", random_state=0)
        out = qt.fit_transform(values)  # column-wise: one distribution shared by every array
    else:
        raise ValueError(f"preprocessing must be 'standardize' or 'quantile', got {method!r}")
    return pd.DataFrame(out, index=expr.index, columns=expr.columns)


def balance_undersample(pairs: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Random undersampling of the majority label to a 1:1 balance (seeded), shuffled."""
    counts = pairs["label"].value_counts()
    if len(counts) < 2:
        raise ValueError(f"cannot balance: only label(s) {counts.index.tolist()} present")
    rng = np.random.default_rng(seed)
    n = counts.min()
    keep = np.concatenate([rng.choice(np.flatnonzero(pairs["label"].to_numpy() == lab), n, replace=False)
                           for lab in counts.index])
    return pairs.iloc[rng.permutation(keep)].reset_index(drop=True)


def subsample(pairs: pd.DataFrame, max_pairs: int | None, seed: int = 0) -> pd.DataFrame:
    """At most ``max_pairs`` pairs, drawn at random (seeded); all pairs when ``max_pairs`` is None."""
    if max_pairs is None or len(pairs) <= max_pairs:
        return pairs.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    return pairs.iloc[np.sort(rng.choice(len(pairs), max_pairs, replace=False))].reset_index(drop=True)


def pair_tensor(expr: pd.DataFrame, pairs: pd.DataFrame) -> np.ndarray:
    """The 2 x L matrices of the pairs: array of shape (n_pairs, 2, n_arrays), float32."""
    a, b = expr.index.get_indexer(pairs["gene_a"]), expr.index.get_indexer(pairs["gene_b"])
    missing = (a < 0) | (b < 0)
    if missing.any():
        raise ValueError(f"{int(missing.sum())} pairs name genes absent from the expression matrix "
                         "(restrict them first with genenets.data.yeast.restrict_to_expression)")
    values = expr.to_numpy(np.float32)
    return np.stack([values[a], values[b]], axis=1)


# ----------------------------------------------------------------------------------------------
# splits


@dataclass
class PairSplit:
    """Training and validation pairs and one or more named test sets."""

    scheme: str
    train: pd.DataFrame
    val: pd.DataFrame
    tests: dict = field(default_factory=dict)
    heldout: set = field(default_factory=set)  # genes held out of training (gene-disjoint splits)

    def sizes(self) -> pd.DataFrame:
        parts = {"train": self.train, "validation": self.val, **{f"test {k}": v for k, v in self.tests.items()}}
        return pd.DataFrame([{"scheme": self.scheme, "part": k, "pairs": len(v), "positives": int(v["label"].sum())}
                             for k, v in parts.items()])


def _check_both_labels(parts: dict):
    for name, df in parts.items():
        labels = set(df["label"].unique())
        if labels != {0, 1}:
            raise ValueError(f"split part {name!r} has {len(df)} pairs and labels {sorted(labels)}; "
                             "it needs both classes (use more pairs or a larger fraction)")


def random_split(pairs: pd.DataFrame, fractions=(0.8, 0.1, 0.1), seed: int = 0) -> PairSplit:
    """The paper's random split of pairs into train/validation/test (seeded)."""
    if len(fractions) != 3 or not np.isclose(sum(fractions), 1) or min(fractions) <= 0:
        raise ValueError(f"fractions must be three positive numbers summing to 1, got {fractions}")
    order = np.random.default_rng(seed).permutation(len(pairs))
    n_train, n_val = int(fractions[0] * len(pairs)), int(fractions[1] * len(pairs))
    parts = {"train": pairs.iloc[order[:n_train]], "validation": pairs.iloc[order[n_train:n_train + n_val]],
             "random": pairs.iloc[order[n_train + n_val:]]}
    parts = {k: v.reset_index(drop=True) for k, v in parts.items()}
    _check_both_labels(parts)
    return PairSplit("random", parts["train"], parts["validation"], {"random": parts["random"]})


def gene_disjoint_split(pairs: pd.DataFrame, heldout_gene_fraction: float = 0.3, c1_test_fraction: float = 0.15,
                        val_fraction: float = 0.1, seed: int = 0) -> PairSplit:
    """Park & Marcotte's three test classes from a split of the genes.

    A random ``heldout_gene_fraction`` of the genes is held out. Pairs of two held-out genes form
    test class C3 (no gene seen in training), pairs with one held-out gene class C2 (one seen).
    Of the pairs with both genes kept, ``c1_test_fraction`` form test class C1 (both genes seen,
    pair unseen) and ``val_fraction`` the validation set; the rest train.
    """
    if not 0 < heldout_gene_fraction < 1:
        raise ValueError(f"heldout_gene_fraction must be in (0, 1), got {heldout_gene_fraction}")
    rng = np.random.default_rng(seed)
    genes = np.unique(np.r_[pairs["gene_a"].to_numpy(), pairs["gene_b"].to_numpy()])
    heldout = set(rng.choice(genes, int(round(heldout_gene_fraction * len(genes))), replace=False))
    n_held = pairs["gene_a"].isin(heldout).astype(int) + pairs["gene_b"].isin(heldout).astype(int)
    seen = pairs[n_held == 0]
    order = rng.permutation(len(seen))
    n_c1, n_val = int(c1_test_fraction * len(seen)), int(val_fraction * len(seen))
    parts = {"train": seen.iloc[order[n_c1 + n_val:]], "validation": seen.iloc[order[n_c1:n_c1 + n_val]],
             "C1": seen.iloc[order[:n_c1]], "C2": pairs[n_held == 1], "C3": pairs[n_held == 2]}
    parts = {k: v.reset_index(drop=True) for k, v in parts.items()}
    _check_both_labels(parts)
    return PairSplit("gene-disjoint", parts["train"], parts["validation"],
                     {"C1": parts["C1"], "C2": parts["C2"], "C3": parts["C3"]}, heldout=heldout)


def genes_of(pairs: pd.DataFrame) -> set:
    return set(pairs["gene_a"]) | set(pairs["gene_b"])


def _pair_key(a, b) -> tuple:
    return (a, b) if a <= b else (b, a)


@dataclass
class BalancedNegatives:
    """Negatives that give every gene as many negative as positive pairs, and the genes where that failed."""

    negatives: pd.DataFrame  # gene_a, gene_b, label (= 0)
    unbalanced: pd.DataFrame  # gene, positives, negatives: genes whose two counts differ


def degree_balanced_negatives(positives: pd.DataFrame, exclude: pd.DataFrame | None = None, seed: int = 0,
                              attempts: int = 200) -> BalancedNegatives:
    """Non-interacting pairs in which every gene appears exactly as often as among ``positives``.

    Each gene gets one "stub" per positive pair it is in, on the side (``gene_a`` or ``gene_b``) it
    has there; the ``gene_b`` stubs are shuffled and paired with the ``gene_a`` stubs (a bipartite
    configuration model, so a split class defined by sides, such as C2's held-out ``gene_a``, is kept).
    Pairs that are self pairs, known positives (``positives`` and the pairs of
    ``exclude``) or duplicates are repaired by swapping partners with random valid pairs (degree
    preserving, up to ``attempts`` tries per pair); pairs still invalid are dropped, and their genes
    end with fewer negatives than positives (listed in ``unbalanced``). Degree alone then scores
    chance on positives versus these negatives.

    Parameters
    ----------
    positives : DataFrame with ``gene_a``, ``gene_b`` (all rows are interactions)
    exclude : DataFrame with ``gene_a``, ``gene_b``, optional
        Further known interactions that must not be drawn as negatives.
    seed : int
    attempts : int

    Returns
    -------
    BalancedNegatives
    """
    rng = np.random.default_rng(seed)
    a_side = list(positives["gene_a"].to_numpy())
    b_side = list(positives["gene_b"].to_numpy()[rng.permutation(len(positives))])
    forbidden = {_pair_key(a, b) for a, b in zip(positives["gene_a"], positives["gene_b"])}
    if exclude is not None:
        forbidden |= {_pair_key(a, b) for a, b in zip(exclude["gene_a"], exclude["gene_b"])}
    n = len(a_side)
    used: dict = {}
    for a, b in zip(a_side, b_side):
        used[_pair_key(a, b)] = used.get(_pair_key(a, b), 0) + 1

    def valid(a, b, extra=()):
        key = _pair_key(a, b)
        return a != b and key not in forbidden and used.get(key, 0) + sum(k == key for k in extra) == 0

    def release(a, b):
        key = _pair_key(a, b)
        used[key] -= 1
        if not used[key]:
            del used[key]

    bad = [i for i in range(n) if a_side[i] == b_side[i] or _pair_key(a_side[i], b_side[i]) in forbidden
           or used[_pair_key(a_side[i], b_side[i])] > 1]
    dropped = []
    for i in bad:
        a, b = a_side[i], b_side[i]
        if a != b and _pair_key(a, b) not in forbidden and used[_pair_key(a, b)] == 1:
            continue  # a duplicate already repaired through its twin
        release(a, b)
        for j in rng.integers(0, n, attempts):
            c, d = a_side[j], b_side[j]
            if j == i or (c, d) == (None, None):
                continue
            release(c, d)
            if valid(a, d) and valid(c, b, extra=[_pair_key(a, d)]):
                a_side[i], b_side[i], a_side[j], b_side[j] = a, d, c, b
                break
            used[_pair_key(c, d)] = used.get(_pair_key(c, d), 0) + 1
        else:
            dropped.append(i)
            a_side[i] = b_side[i] = None
            continue
        for x, y in ((a, d), (c, b)):
            used[_pair_key(x, y)] = used.get(_pair_key(x, y), 0) + 1
    keep = [i for i in range(n) if a_side[i] is not None]
    neg = pd.DataFrame({"gene_a": [a_side[i] for i in keep], "gene_b": [b_side[i] for i in keep], "label": 0})
    pos_count = pd.Series(np.r_[positives["gene_a"].to_numpy(), positives["gene_b"].to_numpy()]).value_counts()
    neg_count = pd.Series(np.r_[neg["gene_a"].to_numpy(), neg["gene_b"].to_numpy()]).value_counts()
    counts = pd.DataFrame({"positives": pos_count, "negatives": neg_count}).fillna(0).astype(int)
    unbalanced = counts[counts["positives"] != counts["negatives"]].rename_axis("gene").reset_index()
    return BalancedNegatives(neg, unbalanced.sort_values("positives", ascending=False, ignore_index=True))


def degree_balanced_split(split: PairSplit, known: pd.DataFrame | None = None, seed: int = 0
                          ) -> tuple[PairSplit, pd.DataFrame]:
    """The degree-balanced benchmark of a split: every part (train, validation, each test set) keeps
    its positives and gets new :func:`degree_balanced_negatives` drawn from its own positives, so that
    within every part each gene is as often among negatives as among positives (a gene's degree, and
    so any degree-derived score, then carries no label information inside a test set). In C2 the
    held-out gene stays on one side. Negatives never repeat a known interaction (``known``, plus
    every part's positives) nor a negative of an earlier part.

    Returns ``(PairSplit, unbalanced genes table with a "part" column)``.
    """
    parts = {"train": split.train, "validation": split.val, **split.tests}
    exclude = pd.concat([p[p["label"] == 1] for p in parts.values()] + ([known] if known is not None else []))
    exclude = exclude[["gene_a", "gene_b"]]
    out, failures = {}, []
    for i, (name, part) in enumerate(parts.items()):
        pos = part[part["label"] == 1][["gene_a", "gene_b", "label"]]
        if name == "C2":  # the held-out gene on side a
            flip = ~pos["gene_a"].isin(split.heldout)
            pos = pos.assign(gene_a=pos["gene_a"].where(~flip, pos["gene_b"]),
                             gene_b=pos["gene_b"].where(~flip, pos["gene_a"]))
        neg = degree_balanced_negatives(pos, exclude=exclude, seed=seed + i)
        exclude = pd.concat([exclude, neg.negatives[["gene_a", "gene_b"]]])
        failures.append(neg.unbalanced.assign(part=name))
        both = pd.concat([pos, neg.negatives], ignore_index=True)
        out[name] = both.iloc[np.random.default_rng(seed + i).permutation(len(both))].reset_index(drop=True)
    tests = {k: out[k] for k in split.tests}
    _check_both_labels(out)
    return (PairSplit(split.scheme, out["train"], out["validation"], tests, heldout=split.heldout),
            pd.concat(failures, ignore_index=True))


# ----------------------------------------------------------------------------------------------
# metrics (as the paper reports them)


def _proba2(proba) -> np.ndarray:
    proba = np.asarray(proba, float)
    if proba.ndim == 1:
        proba = np.stack([1 - proba, proba], axis=1)
    if proba.ndim != 2 or proba.shape[1] != 2:
        raise ValueError(f"probabilities must have shape (n, 2) or (n,), got {proba.shape}")
    return proba


def micro_auroc(y, proba) -> float:
    """Micro-averaged AUROC over the two one-hot classes (scikit-learn ``average="micro"``).

    y : (n,) 0/1 labels; proba : (n, 2) class probabilities (or (n,) probability of class 1).
    """
    y = np.asarray(y).astype(int)
    return float(skm.roc_auc_score(np.eye(2)[y], _proba2(proba), average="micro"))


def micro_aupr(y, proba) -> float:
    """Micro-averaged average precision over the two one-hot classes."""
    y = np.asarray(y).astype(int)
    return float(skm.average_precision_score(np.eye(2)[y], _proba2(proba), average="micro"))


def mcc_per_class(y, proba) -> dict:
    """Matthews correlation of each class against the rest, predicting the most probable class.

    For two classes both values are equal (MCC is symmetric in the labels); both are reported
    because the paper lists them per class.
    """
    y = np.asarray(y).astype(int)
    pred = _proba2(proba).argmax(axis=1)
    return {c: float(skm.matthews_corrcoef(y == c, pred == c)) for c in (0, 1)}


def evaluate(y, proba) -> dict:
    """``{"auroc", "aupr", "mcc_0", "mcc_1", "auroc_class1"}`` of one method on one test set.

    ``auroc``/``aupr`` are the paper's micro-averages; ``auroc_class1`` is the ordinary AUROC of the
    interaction class, which is 0.5 for a constant predictor whatever the test set's balance (the
    micro-average of a constant predictor equals the share of the class it favours).
    """
    mcc = mcc_per_class(y, proba)
    return {"auroc": micro_auroc(y, proba), "aupr": micro_aupr(y, proba), "mcc_0": mcc[0], "mcc_1": mcc[1],
            "auroc_class1": float(skm.roc_auc_score(np.asarray(y).astype(int), _proba2(proba)[:, 1]))}


# ----------------------------------------------------------------------------------------------
# baselines


class _CalibratedScore:
    """A one- or few-feature score turned into class probabilities by a logistic regression fitted
    on the training pairs (so every method is judged on probabilities, as GENER is)."""

    def features(self, pairs: pd.DataFrame) -> np.ndarray:  # (n_pairs, n_features)
        raise NotImplementedError

    def fit(self, train_pairs: pd.DataFrame, val_pairs=None):
        self.calibrator_ = LogisticRegression(max_iter=1000).fit(self.features(train_pairs), train_pairs["label"])
        return self

    def predict_proba(self, pairs: pd.DataFrame) -> np.ndarray:
        return self.calibrator_.predict_proba(self.features(pairs))


class CorrelationBaseline(_CalibratedScore):
    """Absolute Pearson or Spearman correlation of the two genes' expression vectors."""

    def __init__(self, expr: pd.DataFrame, method: str = "pearson"):
        if method not in ("pearson", "spearman"):
            raise ValueError(f"method must be 'pearson' or 'spearman', got {method!r}")
        self.expr, self.method = expr, method

    def features(self, pairs):
        values = self.expr if self.method == "pearson" else self.expr.rank(axis=1)
        x = pair_tensor(values, pairs).astype(float)
        x = x - x.mean(axis=2, keepdims=True)
        r = (x[:, 0] * x[:, 1]).sum(1) / np.sqrt((x[:, 0] ** 2).sum(1) * (x[:, 1] ** 2).sum(1))
        return np.abs(r)[:, None]


class DegreeBaseline(_CalibratedScore):
    """Hub recognition alone: ``log(1 + d_a * d_b)`` with ``d`` a gene's number of positive training pairs.
    Reads no expression at all."""

    def fit(self, train_pairs, val_pairs=None):
        pos = train_pairs[train_pairs["label"] == 1]
        self.degree_ = pd.concat([pos["gene_a"], pos["gene_b"]]).value_counts()
        return super().fit(train_pairs)

    def features(self, pairs):
        d_a = pairs["gene_a"].map(self.degree_).fillna(0).to_numpy()
        d_b = pairs["gene_b"].map(self.degree_).fillna(0).to_numpy()
        return np.log1p(d_a * d_b)[:, None]


def _import_pecanpy():
    # pecanpy 2.0.9 imports nptyping 2.x, which reads NumPy aliases removed in NumPy 2.0; restore
    # them (identical types) so the library imports.
    for alias, target in [("bool8", "bool_"), ("object0", "object_"), ("int0", "intp"), ("uint0", "uintp"),
                          ("str0", "str_"), ("bytes0", "bytes_"), ("void0", "void"), ("float_", "float64"),
                          ("complex_", "complex128"), ("longfloat", "longdouble"), ("singlecomplex", "complex64"),
                          ("cfloat", "complex128"), ("longcomplex", "clongdouble"), ("clongfloat", "clongdouble"),
                          ("string_", "bytes_"), ("unicode_", "str_")]:
        if not hasattr(np, alias):
            setattr(np, alias, getattr(np, target))
    from pecanpy import pecanpy

    return pecanpy


def canonical_edges(pairs: pd.DataFrame) -> pd.DataFrame:
    """The positive pairs of ``pairs`` as ``gene_a``, ``gene_b`` sorted by genes (a fresh index), so
    that an embedding of a graph depends on its edges and not on the order of the rows that list them."""
    pos = pairs[pairs["label"] == 1] if "label" in pairs else pairs
    return pos[["gene_a", "gene_b"]].sort_values(["gene_a", "gene_b"], kind="stable").reset_index(drop=True)


def uniform_walks(indptr: np.ndarray, indices: np.ndarray, num_walks: int, walk_length: int,
                  seed: int = 0) -> np.ndarray:
    """First-order uniform random walks on a graph in CSR form, all walks advanced together.

    node2vec's walk with ``p = q = 1`` (what pecanpy's ``FirstOrderUnweighted`` mode samples): from
    each node ``num_walks`` walks of ``walk_length`` steps, each step to a uniformly drawn neighbour;
    start nodes in a seeded random order, as pecanpy's. Every node needs at least one neighbour.

    Returns
    -------
    array (n_nodes * num_walks, walk_length + 1) of node indices.
    """
    degree = np.diff(indptr)
    if (degree == 0).any():
        raise ValueError(f"{int((degree == 0).sum())} nodes have no neighbour; walks need every node connected")
    rng = np.random.default_rng(seed)
    starts = np.tile(np.arange(len(degree)), num_walks)
    rng.shuffle(starts)
    walks = np.empty((len(starts), walk_length + 1), dtype=np.int64)
    walks[:, 0] = starts
    for j in range(1, walk_length + 1):
        cur = walks[:, j - 1]
        walks[:, j] = indices[indptr[cur] + (rng.random(len(cur)) * degree[cur]).astype(np.int64)]
    return walks


@cache.cached(version=1)
def node2vec_embedding(edges: pd.DataFrame, dim: int = 32, num_walks: int = 10, walk_length: int = 20,
                       window: int = 5, p: float = 1.0, q: float = 1.0, epochs: int = 1, seed: int = 0) -> pd.DataFrame:
    """node2vec embeddings of the genes of an undirected edge list (walks + gensim Word2Vec skip-gram,
    with pecanpy's ``embed`` settings: ``sg=1, min_count=0``, one worker, seeded), cached by content.

    With ``p = q = 1`` the walks are :func:`uniform_walks` (node2vec's walk is then a uniform
    first-order walk, the same distribution pecanpy samples); otherwise pecanpy's ``SparseOTF``
    second-order walks. pecanpy compiles its numba walker anew for every graph (10-20 s of CPU per
    call), which the vectorised walker avoids.

    Parameters
    ----------
    edges : DataFrame with ``gene_a``, ``gene_b`` (pass :func:`canonical_edges` for a row-order-free key)
    Returns
    -------
    DataFrame of shape (n_genes_in_edges, dim), indexed by gene.
    """
    import scipy.sparse as sp
    from gensim.models import Word2Vec

    genes = np.unique(np.r_[edges["gene_a"].to_numpy(), edges["gene_b"].to_numpy()])
    a, b = pd.Index(genes).get_indexer(edges["gene_a"]), pd.Index(genes).get_indexer(edges["gene_b"])
    adj = sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(len(genes), len(genes)))
    adj = ((adj + adj.T) > 0).astype(np.float32)
    if p == 1 and q == 1:
        adj = adj.tocsr()
        adj.sort_indices()
        names = np.array([str(g) for g in genes], dtype=object)
        walks = [list(w) for w in names[uniform_walks(adj.indptr, adj.indices, num_walks, walk_length, seed)]]
        model = Word2Vec(walks, vector_size=dim, window=window, sg=1, min_count=0, workers=1, epochs=epochs,
                         seed=seed)
        return pd.DataFrame(model.wv[list(names)], index=genes)
    import numba

    pecanpy = _import_pecanpy()
    threads = numba.get_num_threads()
    numba.set_num_threads(1)  # pecanpy seeds one RNG per thread: one thread makes the walks reproducible
    try:
        graph = pecanpy.SparseOTF.from_mat(adj.toarray(), [str(g) for g in genes], p=p, q=q, workers=1,
                                           verbose=False, random_state=seed)
        emb = graph.embed(dim=dim, num_walks=num_walks, walk_length=walk_length, window_size=window, epochs=epochs)
    finally:
        numba.set_num_threads(threads)
    return pd.DataFrame(emb, index=genes)


class Node2VecBaseline:
    """node2vec embeddings of the training interaction graph (positive training pairs only) and a
    logistic regression on the element-wise product of the two genes' embeddings. Genes absent from
    the training graph get the zero vector."""

    def __init__(self, dim: int = 32, num_walks: int = 10, walk_length: int = 20, window: int = 5, p: float = 1.0,
                 q: float = 1.0, seed: int = 0):
        self.dim, self.num_walks, self.walk_length, self.window, self.p, self.q, self.seed = \
            dim, num_walks, walk_length, window, p, q, seed

    def _features(self, pairs):
        emb_a = self.embedding_.reindex(pairs["gene_a"]).fillna(0).to_numpy()
        emb_b = self.embedding_.reindex(pairs["gene_b"]).fillna(0).to_numpy()
        return emb_a * emb_b

    def fit(self, train_pairs, val_pairs=None):
        self.embedding_ = node2vec_embedding(canonical_edges(train_pairs), self.dim, self.num_walks,
                                             self.walk_length, self.window, self.p, self.q, seed=self.seed)
        self.classifier_ = LogisticRegression(max_iter=2000, random_state=self.seed).fit(
            self._features(train_pairs), train_pairs["label"])
        return self

    def predict_proba(self, pairs):
        return self.classifier_.predict_proba(self._features(pairs))


# ----------------------------------------------------------------------------------------------
# deep models, trained with genenets.train.fit


class Batches:
    """Mini-batches of aligned tensors by slicing, for :func:`genenets.train.fit` and
    :func:`genenets.train.predict`: the same batches as ``train.make_loader(..., shuffle=...)`` gives
    in distribution (a fresh seeded permutation per pass), without a DataLoader's per-sample
    indexing and collation, which cost as much as the model itself at batch size 64.

    Parameters
    ----------
    *arrays : array-like, first axis = samples; float arrays become float32, integers stay integer
    batch_size : int
    shuffle : bool
        A new permutation per pass, from a ``torch.Generator`` seeded with ``seed`` (``.generator``,
        which ``fit`` saves in checkpoints).
    seed : int
    """

    def __init__(self, *arrays, batch_size: int = 256, shuffle: bool = False, seed: int = 0):
        self.tensors = []
        for a in arrays:
            t = torch.as_tensor(np.asarray(a))
            self.tensors.append(t.float() if t.is_floating_point() else t)
        self.n = len(self.tensors[0])
        if any(len(t) != self.n for t in self.tensors):
            raise ValueError(f"arrays differ in length: {[len(t) for t in self.tensors]}")
        self.batch_size, self.shuffle = int(batch_size), shuffle
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)

    def __iter__(self):
        if self.shuffle:
            order = torch.randperm(self.n, generator=self.generator)
            tensors = [t[order] for t in self.tensors]
        else:
            tensors = self.tensors
        for start in range(0, self.n, self.batch_size):
            yield tuple(t[start:start + self.batch_size] for t in tensors)


def _ce_loss(model, batch):
    return F.cross_entropy(model(batch[0]), batch[1])


#: The two GENER variants: the paper's text and the authors' code (``Shallow_M``), with their optimiser,
#: learning rate and batch size. The authors' SGD learning rate decays exponentially per step.
VARIANTS = {
    "paper": {"optimizer": "Adam", "lr": 1e-3, "batch_size": 256},
    "authors": {"optimizer": "SGD", "lr": 1e-2, "batch_size": 64, "decay_steps": 2500, "decay_rate": 0.8},
}


class _StepDecay:
    """Keras' ``ExponentialDecay`` for plain SGD: the loss's *gradient* is multiplied by
    ``rate ** (step / steps)`` (its value is unchanged, so the recorded losses stay true), which for
    SGD without momentum or weight decay is exactly a learning rate ``lr * rate ** (step / steps)``.
    ``step`` counts training batches."""

    def __init__(self, steps: int, rate: float):
        self.steps, self.rate, self.step = steps, rate, 0

    def factor(self) -> float:
        return self.rate ** (self.step / self.steps)

    def scale(self, loss: torch.Tensor) -> torch.Tensor:
        """``loss`` with value unchanged and gradient times :meth:`factor` (then counts the step)."""
        f = self.factor()
        self.step += 1
        return f * loss + (1 - f) * loss.detach()

    def loss(self, model, batch):
        loss = _ce_loss(model, batch)
        return self.scale(loss) if model.training else loss


class GENERClassifier(BaseEstimator, ClassifierMixin):
    """GENER (or its CNN-only ablation) on the 2 x L pair matrices, trained with cross-entropy and
    early stopping on the validation pairs (best weights restored).

    Parameters
    ----------
    expr : DataFrame (genes x arrays), already preprocessed
    variant : {"paper", "authors"}
        ``"paper"``: the paper's text (three 1-D convolutions, two dense layers of ``hidden``;
        :class:`genenets.models.gener.GENER`), Adam 1e-3, batch 256. ``"authors"``: the authors' code
        (:class:`genenets.models.gener.ShallowM`), SGD 1e-2 decayed by 0.8 every 2,500 steps, batch 64.
    cnn_only : bool
        The CNN-only ablation of the variant.
    channels, kernel_size, hidden, dropout : architecture of the "paper" variant
    epochs : int
        Cap on full passes over the training pairs.
    patience : int or None
        Early stopping on the validation loss.
    lr, batch_size : None (the variant's) or a number
    seed : int
        Weight initialisation and batch order.
    device : str
    """

    def __init__(self, expr: pd.DataFrame, variant: str = "paper", cnn_only: bool = False, channels=(8, 16, 16),
                 kernel_size: int = 3, hidden: int = 128, dropout: float = 0.3, epochs: int = 10,
                 lr: float | None = None, batch_size: int | None = None, patience: int | None = 3, seed: int = 0,
                 device="cpu"):
        self.expr, self.variant, self.cnn_only, self.channels, self.kernel_size, self.hidden, self.dropout = \
            expr, variant, cnn_only, channels, kernel_size, hidden, dropout
        self.epochs, self.lr, self.batch_size, self.patience, self.seed, self.device = \
            epochs, lr, batch_size, patience, seed, device

    def _build(self):
        if self.variant == "paper":
            return GENER(self.expr.shape[1], tuple(self.channels), self.kernel_size, self.hidden, self.dropout,
                         self.cnn_only)
        if self.variant == "authors":
            return ShallowM(self.expr.shape[1], cnn_only=self.cnn_only)
        raise ValueError(f"variant must be 'paper' or 'authors', got {self.variant!r}")

    def fit(self, train_pairs, val_pairs=None):
        """Train on ``train_pairs`` (DataFrame gene_a, gene_b, label), early stopping on ``val_pairs``."""
        torch.manual_seed(self.seed)
        self.model_ = self._build()
        spec = VARIANTS[self.variant]
        loss_fn = _ce_loss
        if "decay_steps" in spec:
            loss_fn = _StepDecay(spec["decay_steps"], spec["decay_rate"]).loss
        batch_size = self.batch_size or spec["batch_size"]
        if len(train_pairs) % batch_size == 1:  # batch norm cannot train on a last batch of one pair
            train_pairs = train_pairs.iloc[:-1]
        loader = Batches(pair_tensor(self.expr, train_pairs), train_pairs["label"].to_numpy(),
                         batch_size=batch_size, shuffle=True, seed=self.seed)
        val = None if val_pairs is None else Batches(pair_tensor(self.expr, val_pairs),
                                                     val_pairs["label"].to_numpy(), batch_size=4096)
        ref = train.no_learning_bce((val_pairs if val_pairs is not None else train_pairs)["label"])
        self.history_ = train.fit(self.model_, loader, loss_fn, val_loader=val, epochs=self.epochs,
                                  lr=self.lr or spec["lr"], optimizer=spec["optimizer"],
                                  patience=self.patience if val is not None else None, device=self.device,
                                  progress=False, desc=f"GENER ({self.variant})", no_learning_loss=ref)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, pairs):
        """(n_pairs, 2) class probabilities."""
        loader = Batches(pair_tensor(self.expr, pairs), batch_size=4096)
        logits = train.predict(self.model_, loader, device=self.device)
        return torch.softmax(torch.as_tensor(logits), dim=1).numpy()

    def predict(self, pairs):
        return self.predict_proba(pairs).argmax(axis=1)


class _GNELoss:
    """Skip-gram with negative sampling. A batch is ``(index, x, context)``: column 0 of ``context``
    is the true neighbour; in training ``negatives`` non-neighbours are drawn afresh per batch from
    ``noise`` (unigram^0.75, as word2vec), in evaluation the batch's further columns are used (fixed).
    Positive and negative terms weigh equally, so a model that learned nothing scores ln 2."""

    def __init__(self, noise: np.ndarray, negatives: int):
        self.noise, self.negatives = torch.as_tensor(noise, dtype=torch.float32), negatives

    def __call__(self, model, batch):
        index, x, context = batch
        if model.training:
            neg = torch.multinomial(self.noise, len(index) * self.negatives, replacement=True)
            context = torch.cat([context[:, :1], neg.view(len(index), -1).to(context.device)], dim=1)
        scores = model(index, x, context)
        return -(F.logsigmoid(scores[:, 0]).mean() + F.logsigmoid(-scores[:, 1:]).mean()) / 2


@dataclass
class GNEEmbedding:
    """A trained GNE embedder: gene -> row of the structure embedding, the model and its history."""

    genes: pd.Series  # gene -> index (training-graph genes); others get index len(genes)
    model: GNEEmbedder
    history: train.History


def _gne_edges(expr: pd.DataFrame, genes: pd.Series, edges: pd.DataFrame, noise: np.ndarray, negatives: int,
               rng) -> tuple:
    """(index, expression, context) arrays of both directions of ``edges`` whose genes are in
    ``genes``; context = the neighbour and ``negatives`` genes drawn from ``noise``."""
    src = np.r_[edges["gene_a"].to_numpy(), edges["gene_b"].to_numpy()]
    dst = np.r_[edges["gene_b"].to_numpy(), edges["gene_a"].to_numpy()]
    si, di = genes.index.get_indexer(src), genes.index.get_indexer(dst)
    keep = (si >= 0) & (di >= 0)
    si, di = genes.to_numpy()[si[keep]], genes.to_numpy()[di[keep]]
    neg = rng.choice(len(genes), (len(si), negatives), p=noise)
    x = expr.to_numpy(np.float32)[expr.index.get_indexer(src[keep])]
    return si.astype(np.int64), x, np.c_[di, neg].astype(np.int64)


@cache.cached(version=1, ignore=("device",))
def gne_embedding(expr: pd.DataFrame, train_edges: pd.DataFrame, val_edges: pd.DataFrame | None, dim: int = 64,
                  attribute_weight: float = 1.0, negatives: int = 5, epochs: int = 20, lr: float = 5e-3,
                  batch_size: int = 256, patience: int | None = 3, seed: int = 0, device="cpu") -> GNEEmbedding:
    """Train GNE's unsupervised embedder on a graph (cached by content: the expression, both edge
    lists, the settings and this function's source).

    Skip-gram with negative sampling over the edges of ``train_edges`` (both directions; negatives
    redrawn per batch from the training degrees ^ 0.75, as word2vec), early stopping on the edges of
    ``val_edges`` between training-graph genes with fixed sampled negatives. Pass
    :func:`canonical_edges` so the result does not depend on row order.

    Returns
    -------
    GNEEmbedding (the model on the CPU, in eval mode)
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    degree = pd.concat([train_edges["gene_a"], train_edges["gene_b"]]).value_counts().sort_index()
    genes = pd.Series(np.arange(len(degree)), index=degree.index)
    noise = degree.to_numpy(float) ** 0.75
    noise = noise / noise.sum()
    model = GNEEmbedder(len(genes), expr.shape[1], dim, attribute_weight)
    loader = Batches(*_gne_edges(expr, genes, train_edges, noise, negatives, rng), batch_size=batch_size,
                     shuffle=True, seed=seed)
    val = None
    if val_edges is not None:
        arrays = _gne_edges(expr, genes, val_edges, noise, negatives, rng)
        val = Batches(*arrays, batch_size=4096) if len(arrays[0]) else None
    # an epoch is one pass over the training edges; their negatives are redrawn per batch
    history = train.fit(model, loader, _GNELoss(noise, negatives), val_loader=val, epochs=epochs, lr=lr,
                        patience=patience if val is not None else None, device=device, progress=False,
                        desc="GNE", no_learning_loss=float(np.log(2)))
    return GNEEmbedding(genes, model.cpu().eval(), history)


class GNEClassifier(BaseEstimator, ClassifierMixin):
    """GNE as its paper describes it, then link prediction.

    1. Unsupervised embedding (:func:`gne_embedding`, :class:`genenets.models.gener.GNEEmbedder`) of
       the genes of the *training* interaction graph (positive training pairs only): structure (gene
       id) plus attribute (expression) embedding, trained to predict each edge's endpoint from the
       other with ``negatives`` sampled non-neighbours per edge (unigram^0.75, as word2vec), early
       stopping on the validation pairs' positive edges with fixed sampled negatives. It reads only
       positive pairs, so two benchmarks with the same positives share one (cached) embedding.
    2. Link prediction: logistic regression on the element-wise product of the two genes'
       representations, fitted on the training pairs (both labels).

    Genes outside the training graph keep a zero structure embedding (expression only).

    Parameters
    ----------
    expr : DataFrame (genes x arrays), preprocessed
    dim : int
    attribute_weight : float (GNE's lambda)
    negatives : int
    epochs, lr, batch_size, patience, seed, device : training
    """

    def __init__(self, expr: pd.DataFrame, dim: int = 64, attribute_weight: float = 1.0, negatives: int = 5,
                 epochs: int = 20, lr: float = 5e-3, batch_size: int = 256, patience: int | None = 3, seed: int = 0,
                 device="cpu"):
        self.expr, self.dim, self.attribute_weight, self.negatives = expr, dim, attribute_weight, negatives
        self.epochs, self.lr, self.batch_size, self.patience, self.seed, self.device = \
            epochs, lr, batch_size, patience, seed, device

    def _represent(self, genes) -> np.ndarray:
        index = self.genes_.reindex(np.asarray(genes)).fillna(len(self.genes_)).to_numpy(np.int64)
        x = self.expr.to_numpy(np.float32)[self.expr.index.get_indexer(np.asarray(genes))]
        with torch.no_grad():
            h = self.model_.represent(torch.as_tensor(index), torch.as_tensor(x))
        return h.numpy()

    def _features(self, pairs):
        return self._represent(pairs["gene_a"].to_numpy()) * self._represent(pairs["gene_b"].to_numpy())

    def fit(self, train_pairs, val_pairs=None):
        emb = gne_embedding(self.expr, canonical_edges(train_pairs),
                            None if val_pairs is None else canonical_edges(val_pairs), self.dim,
                            self.attribute_weight, self.negatives, self.epochs, self.lr, self.batch_size,
                            self.patience, self.seed, device=str(self.device))
        self.genes_, self.model_, self.history_ = emb.genes, emb.model, emb.history
        self.classifier_ = LogisticRegression(max_iter=2000, random_state=self.seed).fit(
            self._features(train_pairs), train_pairs["label"])
        self.classes_ = self.classifier_.classes_
        return self

    def predict_proba(self, pairs):
        return self.classifier_.predict_proba(self._features(pairs))


# ----------------------------------------------------------------------------------------------
# benchmark


@dataclass
class BenchmarkResult:
    table: pd.DataFrame  # one row per (test set, method): auroc, aupr, mcc_0, mcc_1, n_pairs
    scores: dict  # {test set: {method: (n, 2) probabilities}}
    labels: dict  # {test set: (n,) labels}
    histories: dict  # {method: genenets.train.History} of the trained models
    val_auroc: dict = field(default_factory=dict)  # {method: class-1 AUROC on the validation pairs}


def benchmark(split: PairSplit, methods: dict, timer=None) -> BenchmarkResult:
    """Fit every method on ``split.train`` (validation for early stopping) and score every test set.

    Parameters
    ----------
    split : PairSplit
    methods : dict name -> unfitted estimator
    timer : callable(label) -> context manager, optional (e.g. ``run.timed``)
    """
    rows, scores, histories, val_auroc = [], {name: {} for name in split.tests}, {}, {}
    labels = {name: test["label"].to_numpy() for name, test in split.tests.items()}
    for method, estimator in methods.items():
        if timer is not None:
            with timer(f"{split.scheme}:{method}"):
                estimator.fit(split.train, split.val)
        else:
            estimator.fit(split.train, split.val)
        if hasattr(estimator, "history_"):
            histories[method] = estimator.history_
            if split.val is not None and split.val["label"].nunique() == 2:
                val_auroc[method] = float(skm.roc_auc_score(split.val["label"],
                                                            _proba2(estimator.predict_proba(split.val))[:, 1]))
        for test_name, test in split.tests.items():
            proba = estimator.predict_proba(test)
            scores[test_name][method] = proba
            rows.append({"split": test_name, "method": method, "n_pairs": len(test),
                         **evaluate(labels[test_name], proba)})
    return BenchmarkResult(pd.DataFrame(rows), scores, labels, histories, val_auroc)


# ----------------------------------------------------------------------------------------------
# the notebook's steps


@dataclass
class GenerData:
    """Preprocessed expression (genes x arrays), balanced pairs per label set, exclusions, notes."""

    expression: pd.DataFrame
    pairs: dict
    exclusions: pd.DataFrame
    notes: list


def prepare(data, preprocessing: str = "standardize", max_pairs: int | None = None, seed: int = 0) -> GenerData:
    """Preprocessed expression and balanced labelled pairs from a loaded interaction dataset.

    Parameters
    ----------
    data : genenets.data.yeast.InteractionData
        ``datasets.load("yeast" | "gener-simulated").data``: raw expression (genes x arrays) and raw
        labelled pair sets.
    preprocessing : {"standardize", "quantile"}
    max_pairs : int or None
        Pairs kept per label set after balancing (random, seeded); None keeps all.
    seed : int

    Returns
    -------
    GenerData: expression (genes x arrays, preprocessed), pairs per label set (``gene_a``, ``gene_b``,
    ``label``, 1:1), the exclusions table (pairs removed at each step) and the dataset's notes.
    """
    from ..data.yeast import restrict_to_expression

    rows, pairs = [], {}
    for name, df in data.pairs.items():
        mapping = restrict_to_expression(df, data.expression.index)
        rows += [{"label_set": name, **r} for r in mapping.summary().to_dict("records")][:-1]
        balanced = balance_undersample(mapping.pairs, seed=seed)
        rows.append({"label_set": name, "step": "majority label undersampled (1:1)",
                     "pairs": len(mapping.pairs) - len(balanced)})
        kept = subsample(balanced, max_pairs, seed=seed)
        rows.append({"label_set": name, "step": f"random subsample to max_pairs={max_pairs}",
                     "pairs": len(balanced) - len(kept)})
        rows.append({"label_set": name, "step": "kept", "pairs": len(kept)})
        pairs[name] = kept[["gene_a", "gene_b", "label"]]
    expression = preprocess_expression(data.expression, preprocessing)
    return GenerData(expression, pairs, pd.DataFrame(rows), list(data.notes))


#: The split schemes: the paper's random pair split, and the gene-disjoint C1/C2/C3 test classes.
SCHEMES = ("random", "gene-disjoint")


def make_splits(pairs: pd.DataFrame, heldout_gene_fraction: float = 0.3, seed: int = 0, schemes=SCHEMES) -> dict:
    """``{"random": the paper's 80/10/10 pair split, "gene-disjoint": C1/C2/C3 test classes}`` (the
    ``schemes`` asked for, in that order)."""
    unknown = sorted(set(schemes) - set(SCHEMES))
    if unknown or not schemes:
        raise ValueError(f"schemes: unknown or empty {unknown or list(schemes)}; choose from {list(SCHEMES)}")
    out = {"random": lambda: random_split(pairs, seed=seed),
           "gene-disjoint": lambda: gene_disjoint_split(pairs, heldout_gene_fraction=heldout_gene_fraction,
                                                        seed=seed)}
    return {scheme: out[scheme]() for scheme in SCHEMES if scheme in schemes}


@dataclass
class Benchmarks:
    """Both benchmarks of one label set: ``splits[benchmark][scheme] -> PairSplit`` with benchmarks
    ``"original"`` and ``"degree-balanced"``; the genes that could not be balanced (gene, positives,
    negatives, part, scheme) and every part's size (scheme, part, pairs, positives, benchmark)."""

    splits: dict
    failures: pd.DataFrame
    sizes: pd.DataFrame


def benchmarks(pairs: pd.DataFrame, schemes=SCHEMES, heldout_gene_fraction: float = 0.3, seed: int = 0) -> Benchmarks:
    """The original benchmark's splits (:func:`make_splits`) and their degree-balanced versions
    (:func:`degree_balanced_split`), built once and shared by every method."""
    original = make_splits(pairs, heldout_gene_fraction=heldout_gene_fraction, seed=seed, schemes=schemes)
    balanced = {scheme: degree_balanced_split(split, seed=seed) for scheme, split in original.items()}
    splits = {"original": original, "degree-balanced": {scheme: b[0] for scheme, b in balanced.items()}}
    failures = pd.concat([b[1].assign(scheme=scheme) for scheme, b in balanced.items()], ignore_index=True)
    sizes = pd.concat([s.sizes().assign(benchmark=bm) for bm, by in splits.items() for s in by.values()],
                      ignore_index=True)
    return Benchmarks(splits, failures, sizes)


def run_all(splits: dict, methods, timer=None) -> dict:
    """:func:`benchmark` on every split of ``splits[benchmark][scheme]`` with fresh estimators from
    ``methods()``; ``timer(label)`` (optional, e.g. ``run.timed``) times every fit as
    ``"<benchmark>:<scheme>:<method>"``. Returns ``{benchmark: {scheme: BenchmarkResult}}``."""
    return {bm: {scheme: benchmark(split, methods(),
                                   timer=None if timer is None else (lambda label, bm=bm: timer(f"{bm}:{label}")))
                 for scheme, split in by.items()} for bm, by in splits.items()}


#: Method names in display order; "GENER"/"CNN-only" come in two variants, e.g. "GENER (authors)".
DEEP = ("GENER (paper)", "CNN-only (paper)", "GENER (authors)", "CNN-only (authors)")
METHODS = (*DEEP, "GNE", "node2vec", "degree", "|Pearson|", "|Spearman|")


def default_methods(expr: pd.DataFrame, epochs: int = 10, patience: int | None = 3, gne_epochs: int = 20,
                    node2vec_walks: int = 10, seed: int = 0, device="cpu", only=None, skip=()) -> dict:
    """Both GENER variants with their CNN-only ablations and the baselines of Table 4, unfitted, in
    display order (:data:`METHODS`).

    Parameters
    ----------
    epochs, patience : int
        Epoch cap and early-stopping patience of every GENER model (each with its variant's optimiser,
        learning rate and batch size, :data:`VARIANTS`).
    gne_epochs : int
        Epoch cap of GNE's embedding (same patience).
    only, skip : names of methods to keep / leave out
    """
    unknown = (set(skip) | set(only or ())) - set(METHODS)
    if unknown:
        raise ValueError(f"unknown methods: {sorted(unknown)}; choose from {list(METHODS)}")
    deep = dict(epochs=epochs, patience=patience, seed=seed, device=device)
    builders = {f"{kind} ({variant})": (lambda v=variant, c=(kind == "CNN-only"):
                                        GENERClassifier(expr, variant=v, cnn_only=c, **deep))
                for variant in ("paper", "authors") for kind in ("GENER", "CNN-only")}
    builders.update({"GNE": lambda: GNEClassifier(expr, epochs=gne_epochs, patience=patience, seed=seed,
                                                  device=device),
                     "node2vec": lambda: Node2VecBaseline(num_walks=node2vec_walks, seed=seed),
                     "degree": DegreeBaseline,
                     "|Pearson|": lambda: CorrelationBaseline(expr, "pearson"),
                     "|Spearman|": lambda: CorrelationBaseline(expr, "spearman")})
    keep = [m for m in METHODS if m not in skip and (only is None or m in only)]
    return {m: builders[m]() for m in keep}


def results_table(results: dict, key: str = "benchmark") -> pd.DataFrame:
    """One long table from ``{benchmark: {scheme: BenchmarkResult}}`` (column ``key`` names the outer level)."""
    return pd.concat([r.table.assign(**{key: k}, scheme=scheme) for k, by in results.items()
                      for scheme, r in by.items()], ignore_index=True)[
        [key, "scheme", "split", "method", "n_pairs", "auroc", "aupr", "mcc_0", "mcc_1", "auroc_class1"]]


def histories(results: dict, prefix: str = "") -> dict:
    """``{"<prefix><benchmark>/<scheme>/<method>": History}`` of every trained model, for
    :func:`genenets.train.convergence_table`."""
    return {f"{prefix}{k}/{scheme}/{m}": h for k, by in results.items() for scheme, r in by.items()
            for m, h in r.histories.items()}


def validation_aurocs(results: dict, main: str) -> dict:
    """``{model key as in histories(): validation AUROC}`` over label sets ``{label_set: results}``
    (keys of label sets other than ``main`` prefixed ``"<label_set>:"``)."""
    return {f"{'' if ls == main else ls + ':'}{bm}/{scheme}/{m}": v for ls, res in results.items()
            for bm, by in res.items() for scheme, r in by.items() for m, v in r.val_auroc.items()}


def label_set_table(results: dict) -> pd.DataFrame:
    """One long table (:func:`results_table` plus a ``label_set`` column) from ``{label_set: results}``."""
    if not results:
        return pd.DataFrame(columns=["label_set", "benchmark", "scheme", "split", "method", "n_pairs", "auroc",
                                     "aupr", "mcc_0", "mcc_1", "auroc_class1"])
    return pd.concat([results_table(r).assign(label_set=ls) for ls, r in results.items()], ignore_index=True)[
        ["label_set", "benchmark", "scheme", "split", "method", "n_pairs", "auroc", "aupr", "mcc_0", "mcc_1",
         "auroc_class1"]]


def per_split_tables(table: pd.DataFrame, methods=None, key: str = "benchmark") -> dict:
    """``{(benchmark, split): rows of that test split}`` (optionally only some methods)."""
    if methods is not None:
        table = table[table["method"].isin(methods)]
    return {k: g.reset_index(drop=True) for k, g in table.groupby([key, "split"], sort=False)}

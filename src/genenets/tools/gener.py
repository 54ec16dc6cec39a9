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
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import QuantileTransformer

from .. import train
from ..models.gener import GENER, GNEStyle

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
    pos = pd.Series(np.arange(len(expr)), index=expr.index)
    missing = ~(pairs["gene_a"].isin(pos.index) & pairs["gene_b"].isin(pos.index))
    if missing.any():
        raise ValueError(f"{int(missing.sum())} pairs name genes absent from the expression matrix "
                         "(restrict them first with genenets.data.yeast.restrict_to_expression)")
    values = expr.to_numpy(np.float32)
    return np.stack([values[pos.loc[pairs["gene_a"]].to_numpy()], values[pos.loc[pairs["gene_b"]].to_numpy()]], axis=1)


# ----------------------------------------------------------------------------------------------
# splits


@dataclass
class PairSplit:
    """Training and validation pairs and one or more named test sets."""

    scheme: str
    train: pd.DataFrame
    val: pd.DataFrame
    tests: dict = field(default_factory=dict)

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
                     {"C1": parts["C1"], "C2": parts["C2"], "C3": parts["C3"]})


def genes_of(pairs: pd.DataFrame) -> set:
    return set(pairs["gene_a"]) | set(pairs["gene_b"])


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


def node2vec_embedding(edges: pd.DataFrame, dim: int = 32, num_walks: int = 10, walk_length: int = 20,
                       window: int = 5, p: float = 1.0, q: float = 1.0, epochs: int = 1, seed: int = 0) -> pd.DataFrame:
    """node2vec embeddings of the genes of an undirected edge list (pecanpy + gensim Word2Vec).

    Parameters
    ----------
    edges : DataFrame with ``gene_a``, ``gene_b``
    Returns
    -------
    DataFrame of shape (n_genes_in_edges, dim), indexed by gene.
    """
    import numba
    import scipy.sparse as sp

    pecanpy = _import_pecanpy()
    genes = np.unique(np.r_[edges["gene_a"].to_numpy(), edges["gene_b"].to_numpy()])
    pos = pd.Series(np.arange(len(genes)), index=genes)
    a, b = pos.loc[edges["gene_a"]].to_numpy(), pos.loc[edges["gene_b"]].to_numpy()
    adj = sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(len(genes), len(genes)))
    adj = ((adj + adj.T) > 0).astype(np.float32).toarray()
    threads = numba.get_num_threads()
    numba.set_num_threads(1)  # pecanpy seeds one RNG per thread: one thread makes the walks reproducible
    try:
        graph = pecanpy.SparseOTF.from_mat(adj, [str(g) for g in genes], p=p, q=q, workers=1, verbose=False,
                                           random_state=seed)
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
        self.embedding_ = node2vec_embedding(train_pairs[train_pairs["label"] == 1], self.dim, self.num_walks,
                                             self.walk_length, self.window, self.p, self.q, seed=self.seed)
        self.classifier_ = LogisticRegression(max_iter=2000, random_state=self.seed).fit(
            self._features(train_pairs), train_pairs["label"])
        return self

    def predict_proba(self, pairs):
        return self.classifier_.predict_proba(self._features(pairs))


# ----------------------------------------------------------------------------------------------
# deep models, trained with genenets.train.fit


def _ce_loss(model, batch):
    return F.cross_entropy(model(batch[0]), batch[1])


def _ce_loss_gne(model, batch):
    return F.cross_entropy(model(batch[0], batch[1]), batch[2])


class GENERClassifier:
    """GENER (or its CNN-only ablation) on the 2 x L pair matrices, trained with cross-entropy and
    early stopping on the validation pairs.

    Parameters
    ----------
    expr : DataFrame (genes x arrays), already preprocessed
    cnn_only : bool
    channels, kernel_size, hidden, dropout : architecture (see :class:`genenets.models.gener.GENER`)
    epochs, lr, batch_size, patience : training
    seed : int
        Weight initialisation and batch order.
    device : str
    """

    def __init__(self, expr: pd.DataFrame, cnn_only: bool = False, channels=(8, 16, 16), kernel_size: int = 3,
                 hidden: int = 128, dropout: float = 0.3, epochs: int = 10, lr: float = 1e-3, batch_size: int = 256,
                 patience: int | None = 3, seed: int = 0, device="cpu"):
        self.expr, self.cnn_only, self.channels, self.kernel_size, self.hidden, self.dropout = \
            expr, cnn_only, tuple(channels), kernel_size, hidden, dropout
        self.epochs, self.lr, self.batch_size, self.patience, self.seed, self.device = \
            epochs, lr, batch_size, patience, seed, device

    def fit(self, train_pairs, val_pairs=None):
        torch.manual_seed(self.seed)
        self.model_ = GENER(self.expr.shape[1], self.channels, self.kernel_size, self.hidden, self.dropout,
                            self.cnn_only)
        loader = train.make_loader(pair_tensor(self.expr, train_pairs), train_pairs["label"].to_numpy(),
                                   batch_size=self.batch_size, shuffle=True, seed=self.seed)
        val = None if val_pairs is None else train.make_loader(pair_tensor(self.expr, val_pairs),
                                                               val_pairs["label"].to_numpy(), batch_size=1024)
        self.history_ = train.fit(self.model_, loader, _ce_loss, val_loader=val, epochs=self.epochs, lr=self.lr,
                                  patience=self.patience if val is not None else None, device=self.device,
                                  progress=False, desc="GENER")
        return self

    def predict_proba(self, pairs):
        loader = train.make_loader(pair_tensor(self.expr, pairs), batch_size=1024)
        logits = train.predict(self.model_, loader, device=self.device)
        return torch.softmax(torch.as_tensor(logits), dim=1).numpy()


class GNEClassifier:
    """GNE-style model: learned topology embedding of each training gene + an expression encoder
    (:class:`genenets.models.gener.GNEStyle`), trained on the training pairs."""

    def __init__(self, expr: pd.DataFrame, embedding_dim: int = 32, hidden: int = 64, dropout: float = 0.2,
                 epochs: int = 10, lr: float = 1e-3, batch_size: int = 256, patience: int | None = 3,
                 weight_decay: float = 1e-5, seed: int = 0, device="cpu"):
        self.expr, self.embedding_dim, self.hidden, self.dropout = expr, embedding_dim, hidden, dropout
        self.epochs, self.lr, self.batch_size, self.patience, self.weight_decay, self.seed, self.device = \
            epochs, lr, batch_size, patience, weight_decay, seed, device

    def _index(self, pairs):
        unseen = len(self.genes_)
        return np.stack([pairs["gene_a"].map(self.genes_).fillna(unseen).to_numpy(np.int64),
                         pairs["gene_b"].map(self.genes_).fillna(unseen).to_numpy(np.int64)], axis=1)

    def fit(self, train_pairs, val_pairs=None):
        torch.manual_seed(self.seed)
        genes = sorted(genes_of(train_pairs))
        self.genes_ = pd.Series(np.arange(len(genes)), index=genes)
        self.model_ = GNEStyle(len(genes), self.expr.shape[1], self.embedding_dim, self.hidden, self.dropout)
        loader = train.make_loader(self._index(train_pairs), pair_tensor(self.expr, train_pairs),
                                   train_pairs["label"].to_numpy(), batch_size=self.batch_size, shuffle=True,
                                   seed=self.seed)
        val = None if val_pairs is None else train.make_loader(
            self._index(val_pairs), pair_tensor(self.expr, val_pairs), val_pairs["label"].to_numpy(), batch_size=1024)
        self.history_ = train.fit(self.model_, loader, _ce_loss_gne, val_loader=val, epochs=self.epochs, lr=self.lr,
                                  optimizer_kwargs={"weight_decay": self.weight_decay},
                                  patience=self.patience if val is not None else None, device=self.device,
                                  progress=False, desc="GNE")
        return self

    def predict_proba(self, pairs):
        loader = train.make_loader(self._index(pairs), pair_tensor(self.expr, pairs), batch_size=1024)
        logits = train.predict(self.model_, loader, forward=lambda m, b: m(b[0], b[1]), device=self.device)
        return torch.softmax(torch.as_tensor(logits), dim=1).numpy()


# ----------------------------------------------------------------------------------------------
# benchmark


@dataclass
class BenchmarkResult:
    table: pd.DataFrame  # one row per (test set, method): auroc, aupr, mcc_0, mcc_1, n_pairs
    scores: dict  # {test set: {method: (n, 2) probabilities}}
    labels: dict  # {test set: (n,) labels}
    histories: dict  # {method: training-loss frame} of the torch models


def benchmark(split: PairSplit, methods: dict, timer=None) -> BenchmarkResult:
    """Fit every method on ``split.train`` (validation for early stopping) and score every test set.

    Parameters
    ----------
    split : PairSplit
    methods : dict name -> unfitted estimator
    timer : callable(label) -> context manager, optional (e.g. ``run.timed``)
    """
    rows, scores, histories = [], {name: {} for name in split.tests}, {}
    labels = {name: test["label"].to_numpy() for name, test in split.tests.items()}
    for method, estimator in methods.items():
        if timer is not None:
            with timer(f"{split.scheme}:{method}"):
                estimator.fit(split.train, split.val)
        else:
            estimator.fit(split.train, split.val)
        if hasattr(estimator, "history_"):
            histories[method] = estimator.history_.to_frame()
        for test_name, test in split.tests.items():
            proba = estimator.predict_proba(test)
            scores[test_name][method] = proba
            rows.append({"split": test_name, "method": method, "n_pairs": len(test),
                         **evaluate(labels[test_name], proba)})
    return BenchmarkResult(pd.DataFrame(rows), scores, labels, histories)


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


def make_splits(pairs: pd.DataFrame, heldout_gene_fraction: float = 0.3, seed: int = 0) -> dict:
    """``{"random": the paper's 80/10/10 pair split, "gene-disjoint": C1/C2/C3 test classes}``."""
    return {"random": random_split(pairs, seed=seed),
            "gene-disjoint": gene_disjoint_split(pairs, heldout_gene_fraction=heldout_gene_fraction, seed=seed)}


def default_methods(expr: pd.DataFrame, epochs: int = 10, patience: int | None = 3, batch_size: int = 256,
                    node2vec_walks: int = 10, seed: int = 0, device="cpu", skip=()) -> dict:
    """GENER, its CNN-only ablation and the baselines of Table 4, unfitted, in display order
    (``skip``: names of methods to leave out)."""
    unknown = set(skip) - {"GENER", "CNN-only", "GNE", "node2vec", "degree", "|Pearson|", "|Spearman|"}
    if unknown:
        raise ValueError(f"unknown methods to skip: {sorted(unknown)}")
    deep = dict(epochs=epochs, patience=patience, batch_size=batch_size, seed=seed, device=device)
    methods = {"GENER": GENERClassifier(expr, **deep),
            "CNN-only": GENERClassifier(expr, cnn_only=True, **deep),
            "GNE": GNEClassifier(expr, **deep),
            "node2vec": Node2VecBaseline(num_walks=node2vec_walks, seed=seed),
            "degree": DegreeBaseline(),
            "|Pearson|": CorrelationBaseline(expr, "pearson"),
            "|Spearman|": CorrelationBaseline(expr, "spearman")}
    return {name: m for name, m in methods.items() if name not in skip}


def results_table(results: dict) -> pd.DataFrame:
    """One long table from ``{label_set: {scheme: BenchmarkResult}}``."""
    return pd.concat([r.table.assign(label_set=ls, scheme=scheme) for ls, by in results.items()
                      for scheme, r in by.items()], ignore_index=True)[
        ["label_set", "scheme", "split", "method", "n_pairs", "auroc", "aupr", "mcc_0", "mcc_1", "auroc_class1"]]


def per_split_tables(table: pd.DataFrame, methods=None) -> dict:
    """``{(label_set, split): rows of that test split}`` (optionally only some methods)."""
    if methods is not None:
        table = table[table["method"].isin(methods)]
    return {key: g.reset_index(drop=True) for key, g in table.groupby(["label_set", "split"], sort=False)}

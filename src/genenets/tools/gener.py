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

from .. import train
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


#: The two GENER variants: the paper's text and the authors' code (``Shallow_M``), with their optimiser,
#: learning rate and batch size. The authors' SGD learning rate decays exponentially per step.
VARIANTS = {
    "paper": {"optimizer": "Adam", "lr": 1e-3, "batch_size": 256},
    "authors": {"optimizer": "SGD", "lr": 1e-2, "batch_size": 64, "decay_steps": 2500, "decay_rate": 0.8},
}


class _StepDecay:
    """Keras' ``ExponentialDecay`` for plain SGD: every gradient is multiplied by
    ``rate ** (step / steps)``, which for SGD without momentum or weight decay is exactly a learning
    rate ``lr * rate ** (step / steps)``. ``step`` counts training batches."""

    def __init__(self, steps: int, rate: float):
        self.steps, self.rate, self.step = steps, rate, 0

    def factor(self) -> float:
        return self.rate ** (self.step / self.steps)

    def attach(self, model):
        for p in model.parameters():
            p.register_hook(lambda g: g * self.factor())

    def loss(self, model, batch):
        if model.training:
            self.step += 1
        return _ce_loss(model, batch)


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
            decay = _StepDecay(spec["decay_steps"], spec["decay_rate"])
            decay.attach(self.model_)
            loss_fn = decay.loss
        batch_size = self.batch_size or spec["batch_size"]
        if len(train_pairs) % batch_size == 1:  # batch norm cannot train on a last batch of one pair
            train_pairs = train_pairs.iloc[:-1]
        loader = train.make_loader(pair_tensor(self.expr, train_pairs), train_pairs["label"].to_numpy(),
                                   batch_size=batch_size, shuffle=True, seed=self.seed)
        val = None if val_pairs is None else train.make_loader(pair_tensor(self.expr, val_pairs),
                                                               val_pairs["label"].to_numpy(), batch_size=1024)
        ref = train.no_learning_bce((val_pairs if val_pairs is not None else train_pairs)["label"])
        self.history_ = train.fit(self.model_, loader, loss_fn, val_loader=val, epochs=self.epochs,
                                  lr=self.lr or spec["lr"], optimizer=spec["optimizer"],
                                  patience=self.patience if val is not None else None, device=self.device,
                                  progress=False, desc=f"GENER ({self.variant})", no_learning_loss=ref)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, pairs):
        """(n_pairs, 2) class probabilities."""
        loader = train.make_loader(pair_tensor(self.expr, pairs), batch_size=1024)
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


class GNEClassifier(BaseEstimator, ClassifierMixin):
    """GNE as its paper describes it, then link prediction.

    1. Unsupervised embedding (:class:`genenets.models.gener.GNEEmbedder`) of the genes of the
       *training* interaction graph (positive training pairs only): structure (gene id) plus
       attribute (expression) embedding, trained to predict each edge's endpoint from the other
       with ``negatives`` sampled non-neighbours per edge (unigram^0.75, as word2vec), early stopping
       on the validation pairs' positive edges with fixed sampled negatives.
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

    def _edges(self, pairs, rng):
        """(index, expression, context) arrays of both directions of the positive pairs; context =
        the neighbour and ``negatives`` sampled genes."""
        pos = pairs[pairs["label"] == 1]
        src = np.r_[pos["gene_a"].to_numpy(), pos["gene_b"].to_numpy()]
        dst = np.r_[pos["gene_b"].to_numpy(), pos["gene_a"].to_numpy()]
        known = self.genes_.index
        keep = np.isin(src, known) & np.isin(dst, known)
        src, dst = src[keep], dst[keep]
        neg = rng.choice(len(self.genes_), (len(src), self.negatives), p=self.noise_)
        context = np.c_[self.genes_.loc[dst].to_numpy(), neg]
        x = self.expr.loc[src].to_numpy(np.float32)
        return self.genes_.loc[src].to_numpy(np.int64), x, context.astype(np.int64)

    def _represent(self, genes) -> np.ndarray:
        index = pd.Series(np.asarray(genes)).map(self.genes_).fillna(len(self.genes_)).to_numpy(np.int64)
        with torch.no_grad():
            self.model_.eval()
            h = self.model_.represent(torch.as_tensor(index, device=self.device),
                                      torch.as_tensor(self.expr.loc[genes].to_numpy(np.float32), device=self.device))
        return h.cpu().numpy()

    def _features(self, pairs):
        return self._represent(pairs["gene_a"].to_numpy()) * self._represent(pairs["gene_b"].to_numpy())

    def fit(self, train_pairs, val_pairs=None):
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        pos = train_pairs[train_pairs["label"] == 1]
        degree = pd.concat([pos["gene_a"], pos["gene_b"]]).value_counts().sort_index()
        self.genes_ = pd.Series(np.arange(len(degree)), index=degree.index)
        noise = degree.to_numpy(float) ** 0.75
        self.noise_ = noise / noise.sum()
        self.model_ = GNEEmbedder(len(self.genes_), self.expr.shape[1], self.dim, self.attribute_weight)
        loader = train.make_loader(*self._edges(train_pairs, rng), batch_size=self.batch_size, shuffle=True,
                                   seed=self.seed)
        val = None
        if val_pairs is not None and len(self._edges(val_pairs, rng)[0]):
            val = train.make_loader(*self._edges(val_pairs, rng), batch_size=1024)
        # an epoch is one pass over the training edges; their negatives are redrawn per batch
        self.history_ = train.fit(self.model_, loader, _GNELoss(self.noise_, self.negatives), val_loader=val,
                                  epochs=self.epochs, lr=self.lr,
                                  patience=self.patience if val is not None else None, device=self.device,
                                  progress=False, desc="GNE", no_learning_loss=float(np.log(2)))
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
            histories[method] = estimator.history_
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


def histories(results: dict) -> dict:
    """``{"<benchmark>/<scheme>/<method>": History}`` of every trained model, for
    :func:`genenets.train.convergence_table`."""
    return {f"{k}/{scheme}/{m}": h for k, by in results.items() for scheme, r in by.items()
            for m, h in r.histories.items()}


def per_split_tables(table: pd.DataFrame, methods=None, key: str = "benchmark") -> dict:
    """``{(benchmark, split): rows of that test split}`` (optionally only some methods)."""
    if methods is not None:
        table = table[table["method"].isin(methods)]
    return {k: g.reset_index(drop=True) for k, g in table.groupby([key, "split"], sort=False)}

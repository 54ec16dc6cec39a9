"""Real yeast data for gene-gene interaction prediction (GENER paper).

Files (all through :func:`genenets.data.fetch`):

- ``yeast/net4_gene_ids.tsv``: DREAM5 network 4 anonymous ids ``G1..G5950`` -> ORF names;
- ``yeast/gener_testing_pairs.npy``, ``yeast/gener_validation_pairs.npy``: GENER's balanced
  BioGRID&DREAM5 pairs, rows ``(gene index, gene index, label)`` where index ``i`` (0-based) is
  gene ``G(i+1)`` of network 4;
- ``yeast/DREAM5_NetworkInference_GoldStandard_Network4.tsv``: TF -> target gold standard (1/0);
- ``yeast/yeast.RData``: netZooR's ``exp.cc``, 2,555 ORFs x 50 cell-cycle arrays.

Loaders return tidy pandas objects and raise :class:`DataError` naming the file and the problem.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .registry import DataError, fetch

GENE_IDS = "yeast/net4_gene_ids.tsv"
TF_IDS = "yeast/net4_transcription_factors.tsv"
GOLD_STANDARD = "yeast/DREAM5_NetworkInference_GoldStandard_Network4.tsv"
EXPRESSION = "yeast/yeast.RData"
GENER_PAIRS = {"testing": "yeast/gener_testing_pairs.npy", "validation": "yeast/gener_validation_pairs.npy"}


def load_net4_gene_ids() -> pd.Series:
    """DREAM5 network 4 gene ids in network order.

    Returns
    -------
    Series of ORF names (length 5,950) indexed by the anonymous id (``"G1"``, ``"G2"``, ...);
    position ``i`` of the Series is gene index ``i`` of the GENER pair files.
    """
    path = fetch(GENE_IDS)
    df = pd.read_csv(path, sep="\t")
    if list(df.columns[:2]) != ["#ID", "Name"]:
        raise DataError(f"{GENE_IDS}: expected columns '#ID', 'Name', found {list(df.columns)}")
    expected = [f"G{i + 1}" for i in range(len(df))]
    if df["#ID"].tolist() != expected:
        raise DataError(f"{GENE_IDS}: ids are not G1..G{len(df)} in order, so pair indices cannot be mapped")
    return pd.Series(df["Name"].to_numpy(), index=pd.Index(df["#ID"], name="net4_id"), name="orf")


def load_transcription_factors() -> list[str]:
    """Network 4 transcription factors as ORF names."""
    ids = load_net4_gene_ids()
    tfs = pd.read_csv(fetch(TF_IDS), header=None)[0].tolist()
    unknown = sorted(set(tfs) - set(ids.index))
    if unknown:
        raise DataError(f"{TF_IDS}: {len(unknown)} TF ids not in {GENE_IDS}, e.g. {unknown[:3]}")
    return ids.loc[tfs].tolist()


def pairs_from_indices(array: np.ndarray, gene_ids: pd.Series, source: str = "pairs") -> pd.DataFrame:
    """Map rows ``(gene index, gene index, label)`` to ORF pairs.

    Parameters
    ----------
    array : array of shape (n_pairs, 3)
        0-based network-4 gene indices (index ``i`` is gene ``G(i+1)``) and a 0/1 label.
    gene_ids : Series of length n_genes
        From :func:`load_net4_gene_ids`.
    source : str
        Name used in error messages (the file).

    Returns
    -------
    DataFrame with columns ``index_a``, ``index_b``, ``gene_a``, ``gene_b`` (ORFs), ``label``.
    """
    array = np.asarray(array)
    if array.ndim != 2 or array.shape[1] != 3:
        raise DataError(f"{source}: expected an array of shape (n_pairs, 3), got {array.shape}")
    if not np.isfinite(array).all():
        raise DataError(f"{source}: {int((~np.isfinite(array)).any(axis=1).sum())} rows hold NaN or inf")
    idx = array[:, :2]
    if (idx != np.round(idx)).any():
        raise DataError(f"{source}: gene indices must be whole numbers")
    idx = idx.astype(np.int64)
    n_genes = len(gene_ids)
    bad = (idx < 0) | (idx >= n_genes)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        raise DataError(f"{source}: {len(rows)} rows have gene indices outside 0..{n_genes - 1} "
                        f"(first bad row {rows[0]}: {array[rows[0]].tolist()})")
    labels = array[:, 2]
    if not np.isin(labels, [0, 1]).all():
        raise DataError(f"{source}: labels must be 0 or 1, found {sorted(set(np.unique(labels)) - {0, 1})[:5]}")
    orfs = gene_ids.to_numpy()
    return pd.DataFrame({"index_a": idx[:, 0], "index_b": idx[:, 1], "gene_a": orfs[idx[:, 0]],
                         "gene_b": orfs[idx[:, 1]], "label": labels.astype(np.int64)})


def load_gener_pairs(which=("testing", "validation")) -> pd.DataFrame:
    """GENER's balanced BioGRID&DREAM5 pairs mapped to ORFs.

    Parameters
    ----------
    which : sequence of {"testing", "validation"}
        Files to read; they are concatenated with a ``source`` column.

    Returns
    -------
    DataFrame: ``index_a``, ``index_b``, ``gene_a``, ``gene_b``, ``label``, ``source``.
    """
    gene_ids = load_net4_gene_ids()
    frames = []
    for name in which:
        if name not in GENER_PAIRS:
            raise ValueError(f"unknown GENER pair file {name!r}; choose from {sorted(GENER_PAIRS)}")
        path = fetch(GENER_PAIRS[name])
        try:
            array = np.load(path, allow_pickle=False)
        except ValueError as err:
            raise DataError(f"{GENER_PAIRS[name]}: not a numeric .npy array ({err})") from err
        frames.append(pairs_from_indices(array, gene_ids, GENER_PAIRS[name]).assign(source=name))
    return pd.concat(frames, ignore_index=True)


def load_gold_standard() -> pd.DataFrame:
    """DREAM5 network 4 gold standard as ORF pairs.

    Returns
    -------
    DataFrame: ``gene_a`` (TF ORF), ``gene_b`` (target ORF), ``label`` (1 = regulation, 0 = none).
    """
    gene_ids = load_net4_gene_ids()
    df = pd.read_csv(fetch(GOLD_STANDARD), sep="\t", header=None, names=["a", "b", "label"])
    unknown = ~(df["a"].isin(gene_ids.index) & df["b"].isin(gene_ids.index))
    if unknown.any():
        raise DataError(f"{GOLD_STANDARD}: {int(unknown.sum())} rows name genes not in {GENE_IDS}")
    if not df["label"].isin([0, 1]).all():
        raise DataError(f"{GOLD_STANDARD}: labels must be 0 or 1")
    return pd.DataFrame({"gene_a": gene_ids.loc[df["a"]].to_numpy(), "gene_b": gene_ids.loc[df["b"]].to_numpy(),
                         "label": df["label"].to_numpy(np.int64)})


def load_cell_cycle_expression(nan: str = "drop") -> pd.DataFrame:
    """netZooR's yeast cell-cycle expression ``exp.cc``.

    Parameters
    ----------
    nan : {"drop", "raise"}
        Genes with a missing value are dropped (their number is in ``df.attrs["n_dropped_nan"]``)
        or make a :class:`DataError`.

    Returns
    -------
    DataFrame of shape (n_orfs, 50): ORFs x arrays (2,555 ORFs before dropping).
    """
    import rdata

    if nan not in ("drop", "raise"):
        raise ValueError(f"nan must be 'drop' or 'raise', got {nan!r}")
    path = fetch(EXPRESSION)
    try:
        obj = rdata.read_rda(str(path))
        expr = obj["yeast"]["exp.cc"]
    except (KeyError, TypeError) as err:
        raise DataError(f"{EXPRESSION}: no object yeast$exp.cc in the file ({err})") from err
    expr = pd.DataFrame(expr).astype(float)
    expr.index = expr.index.astype(str)
    expr.index.name, expr.columns.name = "orf", "array"
    missing = expr.isna().any(axis=1)
    if missing.any() and nan == "raise":
        raise DataError(f"{EXPRESSION}: {int(missing.sum())} ORFs of exp.cc hold NaN values")
    expr = expr.loc[~missing].copy()
    expr.attrs["n_dropped_nan"] = int(missing.sum())
    return expr


@dataclass
class PairMapping:
    """Labelled pairs restricted to genes measured in an expression matrix, with the exclusions counted."""

    pairs: pd.DataFrame
    n_input: int
    n_missing_gene: int
    n_self_pairs: int
    n_duplicates: int
    counts: dict = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"step": ["input pairs", "a gene not in the expression matrix", "self pairs",
                                      "duplicate pairs (unordered)", "kept"],
                             "pairs": [self.n_input, self.n_missing_gene, self.n_self_pairs, self.n_duplicates,
                                       len(self.pairs)]})


def restrict_to_expression(pairs: pd.DataFrame, genes) -> PairMapping:
    """Keep pairs whose two genes are both in ``genes``; drop self pairs and duplicate unordered pairs
    (a pair listed with both labels keeps label 1: the genes interact in one direction).

    Parameters
    ----------
    pairs : DataFrame with ``gene_a``, ``gene_b``, ``label``
    genes : iterable of gene names (the expression matrix's index)

    Returns
    -------
    PairMapping with the kept pairs (new 0..n-1 index) and the number excluded at each step.
    """
    for col in ("gene_a", "gene_b", "label"):
        if col not in pairs:
            raise ValueError(f"pairs need a column {col!r}; have {list(pairs.columns)}")
    genes = set(genes)
    n_input = len(pairs)
    measured = pairs["gene_a"].isin(genes) & pairs["gene_b"].isin(genes)
    kept = pairs.loc[measured]
    self_pair = kept["gene_a"] == kept["gene_b"]
    kept = kept.loc[~self_pair]
    key = pd.Series(np.where(kept["gene_a"] < kept["gene_b"], kept["gene_a"] + "|" + kept["gene_b"],
                             kept["gene_b"] + "|" + kept["gene_a"]), index=kept.index)
    # an unordered pair listed twice (e.g. TF A -> B = 1 and B -> A = 0) interacts if either row says so:
    # keep its positive row, then restore the input order
    order = kept["label"].sort_values(ascending=False, kind="stable").index
    dup = key.loc[order].duplicated()
    kept = kept.loc[dup.index[~dup.to_numpy()]].sort_index().reset_index(drop=True)
    return PairMapping(kept, n_input, int((~measured).sum()), int(self_pair.sum()), int(dup.sum()))


@dataclass
class InteractionData:
    """Expression and labelled gene pairs of one interaction dataset, before any preprocessing.

    Attributes
    ----------
    expression : DataFrame (n_genes, n_arrays)
        Raw expression, genes as index.
    pairs : dict of str -> DataFrame
        Labelled pair sets by name, each with ``gene_a``, ``gene_b``, ``label`` (not yet restricted
        to measured genes nor balanced).
    notes : list of str
        Sentences on where the data come from and how they differ from the paper's.
    """

    expression: pd.DataFrame
    pairs: dict
    notes: list = field(default_factory=list)


LABEL_SETS = ("gener", "dream5")


def load_gener_dataset(label_sets=LABEL_SETS) -> InteractionData:
    """The real yeast data of the GENER notebook (registered as dataset ``"yeast"``).

    Parameters
    ----------
    label_sets : sequence of {"gener", "dream5"}
        GENER's BioGRID&DREAM5 pairs; the DREAM5 network-4 gold standard (TF -> target).

    Raises
    ------
    DataUnavailable
        A file cannot be had here (the only case where ``dataset="auto"`` falls back to the simulator).
    DataError
        A file is there but wrong (never a silent fallback).
    """
    from ..errors import ConfigError

    label_sets = list(label_sets)
    unknown = sorted(set(label_sets) - set(LABEL_SETS))
    if unknown or not label_sets:
        raise ConfigError(f"label_sets: unknown or empty {unknown or label_sets}; choose from {list(LABEL_SETS)}")
    expr = load_cell_cycle_expression(nan="drop")
    notes = [f"Expression: netZooR yeast exp.cc, {expr.shape[0]} ORFs x {expr.shape[1]} cell-cycle arrays "
             f"({expr.attrs['n_dropped_nan']} ORFs with missing values dropped); the paper used the "
             "536-array DREAM5 compendium, which no public mirror carries whole, so numbers differ."]
    pairs = {}
    if "gener" in label_sets:
        pairs["gener"] = load_gener_pairs()
    if "dream5" in label_sets:
        pairs["dream5"] = load_gold_standard()
    return InteractionData(expr, pairs, notes)

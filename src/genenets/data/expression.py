"""Real expression data with labels, and the deep-autoencoder paper's preprocessing.

Loaders return an :class:`ExpressionSet`: ``values`` (n_samples, n_genes) DataFrame with gene
symbols as columns, ``labels`` (n_samples, n_label_columns) DataFrame, and whether the values
are counts. Sources:

- ``expression/10x_pbmc68k_reduced.zarr.zip`` (scanpy's pbmc68k_reduced: 700 cells x 765 genes,
  raw counts in the ``counts`` layer, cell types in ``bulk_labels``): :func:`load_pbmc68k`;
- ``expression/Leukemia_hgu95av2.trim.txt`` + ``expression/Leukemia.cls`` (48 arrays, ALL/AML):
  :func:`load_leukemia`;
- any AnnData file (``.h5ad``, ``.zarr`` directory or ``.zarr.zip``): :func:`read_anndata`;
- any table with label columns: :func:`from_table`.

Preprocessing (:class:`ExpressionPreprocessor`): values below a noise floor set to 0, log2(1 + x),
constant genes dropped (counted), each gene min-max scaled to [0, 1] on the training samples.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler

from .registry import DataError, cache_dir, fetch

PBMC_FILE = "expression/10x_pbmc68k_reduced.zarr.zip"
LEUKEMIA_FILE = "expression/Leukemia_hgu95av2.trim.txt"
LEUKEMIA_CLS = "expression/Leukemia.cls"


@dataclass
class ExpressionSet:
    """Expression values (n_samples, n_genes) and sample labels (n_samples, n_label_columns)."""

    values: pd.DataFrame
    labels: pd.DataFrame
    name: str = ""
    is_counts: bool = False
    info: dict = field(default_factory=dict)
    #: how the deep-autoencoder paper preprocesses this dataset (:class:`ExpressionPreprocessor` arguments)
    preprocess: dict = field(default_factory=lambda: {"log": True, "floor": None})

    def __post_init__(self):
        if not self.values.index.equals(self.labels.index):
            raise ValueError(f"{self.name}: values and labels must have the same sample index")

    @property
    def shape(self):
        return self.values.shape


def from_table(table: pd.DataFrame, label_columns, name: str = "table", samples_are_rows: bool = True,
               is_counts: bool = False) -> ExpressionSet:
    """An :class:`ExpressionSet` from a table whose label columns sit beside the gene columns.

    Parameters
    ----------
    table : DataFrame
        Samples x (genes + labels) when ``samples_are_rows``; otherwise genes x samples with the label
        columns given as rows named in ``label_columns``.
    label_columns : list of str
    """
    label_columns = list(label_columns)
    if not samples_are_rows:
        table = table.T
    missing = [c for c in label_columns if c not in table.columns]
    if missing:
        raise DataError(f"{name}: label columns {missing} not found")
    labels = table[label_columns].astype(str)
    values = table.drop(columns=label_columns)
    try:
        values = values.astype(np.float32)
    except ValueError as err:
        raise DataError(f"{name}: gene columns must be numeric ({err})") from err
    return ExpressionSet(values, labels, name=name, is_counts=is_counts)


def _open_zarr(path: Path):
    import zarr

    if str(path).endswith(".zip"):
        target = cache_dir().parent / "cache" / Path(path).name.removesuffix(".zip")
        if not (target / "zarr.json").exists() and not (target / ".zgroup").exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(path) as zf:
                zf.extractall(target)
        path = target
    # consolidated metadata may hold struct dtypes (in uns) that zarr cannot parse; read element-wise
    return zarr.open_group(str(path), mode="r", use_consolidated=False)


def read_anndata(path, label_columns, layer: str | None = None, is_counts: bool = False,
                 name: str | None = None) -> ExpressionSet:
    """Read cells x genes from an AnnData ``.h5ad``, ``.zarr`` or ``.zarr.zip`` (only ``X`` or ``layer``,
    ``obs`` and ``var`` are read, so unreadable ``uns`` entries do not matter)."""
    from anndata.io import read_elem

    path = Path(path)
    name = name or path.name
    if path.suffix == ".h5ad":
        import anndata

        adata = anndata.read_h5ad(path)
        X = adata.layers[layer] if layer else adata.X
        obs, var_names = adata.obs, adata.var_names
    else:
        try:
            group = _open_zarr(path)
            X = read_elem(group["layers"][layer] if layer else group["X"])
            obs, var = read_elem(group["obs"]), read_elem(group["var"])
        except KeyError as err:
            raise DataError(f"{name}: AnnData element {err} not found (layer={layer!r})") from err
        var_names = var.index
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    missing = [c for c in label_columns if c not in obs.columns]
    if missing:
        raise DataError(f"{name}: obs has no column {missing}; it has {list(obs.columns)}")
    values = pd.DataFrame(X.astype(np.float32), index=pd.Index(obs.index.astype(str), name="sample"),
                          columns=pd.Index(var_names.astype(str), name="gene"))
    labels = obs[list(label_columns)].astype(str).set_axis(values.index)
    return ExpressionSet(values, labels, name=name, is_counts=is_counts)


def load_pbmc68k() -> ExpressionSet:
    """scanpy's pbmc68k_reduced: 700 cells x 765 genes, raw UMI counts, ``cell_type`` = bulk_labels."""
    es = read_anndata(fetch(PBMC_FILE), ["bulk_labels"], layer="counts", is_counts=True, name="pbmc68k_reduced")
    es.labels = es.labels.rename(columns={"bulk_labels": "cell_type"})
    return es


def load_leukemia() -> ExpressionSet:
    """Golub-style leukemia arrays: 48 samples (24 ALL, 24 AML), probes collapsed to gene symbols.

    Several probes per symbol are collapsed to the probe with the highest mean (count in
    ``info["n_collapsed_probes"]``). Values are MAS5-like intensities, some negative (use a noise floor).
    """
    path = fetch(LEUKEMIA_FILE)
    table = pd.read_csv(path, sep="\t")
    if list(table.columns[:2]) != ["Gene", "NAME"]:
        raise DataError(f"{path}: expected the first columns 'Gene' and 'NAME', found {list(table.columns[:2])}")
    values = table.drop(columns="NAME").set_index("Gene")
    n_probes = len(values)
    values = values.loc[values.mean(axis=1).sort_values(ascending=False).index]
    values = values[~values.index.duplicated()]
    cls_path = fetch(LEUKEMIA_CLS)
    lines = Path(cls_path).read_text().split("\n")
    classes = lines[2].split() if len(lines) > 2 else []
    if len(classes) != values.shape[1]:
        raise DataError(f"{cls_path}: {len(classes)} class labels for {values.shape[1]} samples")
    samples = pd.Index(values.columns, name="sample")
    es = ExpressionSet(values.T.astype(np.float32).set_axis(samples), pd.DataFrame({"cell_type": classes},
                       index=samples), name="leukemia", is_counts=False)
    es.values.columns.name = "gene"
    es.info["n_collapsed_probes"] = n_probes - values.shape[0]
    es.preprocess = {"log": True, "floor": 20.0}  # MAS5-like intensities: values under 20 are noise
    return es


def pbmc68k_dataset() -> tuple[ExpressionSet, None]:
    """Registry loader of ``pbmc68k`` (:func:`load_pbmc68k`; real data: no truth)."""
    return load_pbmc68k(), None


def leukemia_dataset() -> tuple[ExpressionSet, None]:
    """Registry loader of ``leukemia`` (:func:`load_leukemia`; real data: no truth)."""
    return load_leukemia(), None


class ExpressionPreprocessor:
    """The paper's preprocessing: noise floor, log2(1 + x), gene-wise min-max to [0, 1].

    Parameters
    ----------
    log : bool
        Take log2(1 + x) (counts, raw intensities). Values must then be >= 0 after the floor.
    floor : float, optional
        Values below ``floor`` (in the input's units) are set to 0 as noise; counted in ``n_floored_``.

    Attributes (after fit)
    ----------------------
    genes_ : Index of the kept genes; ``constant_genes_`` those dropped as constant on the training data;
    n_floored_ : number of training values set to 0 by the floor; ``scaler_``: the fitted MinMaxScaler.
    """

    def __init__(self, log: bool = True, floor: float | None = None):
        self.log = log
        self.floor = floor

    def _transform_values(self, values: pd.DataFrame, source: str):
        if values.shape[0] == 0 or values.shape[1] == 0:
            raise DataError(f"{source}: the expression matrix is empty ({values.shape[0]} samples x {values.shape[1]} "
                            "genes); check the file and its sample/gene orientation")
        X = values.to_numpy(dtype=np.float64, copy=True)
        if np.isinf(X).any():
            bad = values.columns[np.isinf(X).any(axis=0)]
            raise DataError(f"{source}: {int(np.isinf(X).sum())} infinite values (genes e.g. {list(bad[:5])}); "
                            "replace them (e.g. by the gene's largest finite value) before preprocessing")
        if np.isnan(X).any():
            bad = values.columns[np.isnan(X).any(axis=0)]
            raise DataError(f"{source}: {int(np.isnan(X).sum())} NaN values (genes e.g. {list(bad[:5])}); "
                            "impute or drop them before preprocessing")
        n_floored = 0
        if self.floor is not None:
            below = X < self.floor
            n_floored = int(below.sum())
            X[below] = 0.0
        if self.log:
            if (X < 0).any():
                raise DataError(f"{source}: {int((X < 0).sum())} negative values where log2(1 + x) is taken; "
                                "set a noise floor (floor=...) or pass log=False for already-logged data")
            X = np.log2(1.0 + X)
        return X, n_floored

    def fit(self, values: pd.DataFrame, source: str = "expression"):
        """Fit on training samples ``values`` (n_samples, n_genes); at least two samples (a min-max scale of one
        sample makes every gene constant)."""
        if values.shape[0] == 1:
            raise DataError(f"{source}: one sample; fitting the gene-wise min-max scaling needs at least two")
        X, self.n_floored_ = self._transform_values(values, source)
        constant = np.ptp(X, axis=0) == 0
        self.constant_genes_ = values.columns[constant]
        self.genes_ = values.columns[~constant]
        if len(self.genes_) == 0:
            raise DataError(f"{source}: every gene is constant after preprocessing")
        self.scaler_ = MinMaxScaler(clip=True).fit(X[:, ~constant])
        self._keep = ~constant
        self.genes_in_ = pd.Index(values.columns)
        return self

    def transform(self, values: pd.DataFrame, source: str = "expression") -> np.ndarray:
        """Preprocessed array (n_samples, n_kept_genes), float32 in [0, 1] (clipped outside the training range).

        ``values`` is aligned to the fitted genes by column name (any order; extra genes are ignored); a gene of the
        fit that is missing raises :class:`~genenets.errors.DataError` naming the genes and ``source``.
        """
        missing = self.genes_in_.difference(values.columns)
        if len(missing):
            raise DataError(f"{source}: {len(missing)} of the {len(self.genes_in_)} genes the preprocessor was fitted "
                            f"on are missing, e.g. {list(missing[:5])}; provide the same genes as the training data")
        X, _ = self._transform_values(values.reindex(columns=self.genes_in_), source)
        return self.scaler_.transform(X[:, self._keep]).astype(np.float32)

    def fit_transform(self, values: pd.DataFrame, source: str = "expression") -> np.ndarray:
        return self.fit(values, source).transform(values, source)

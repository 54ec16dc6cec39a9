"""Paired transcriptome + metabolome tables: the nutrimouse study and user CSV pairs.

Every loader returns a :class:`MultiOmics`: samples on the rows of both tables, the same
samples in the same order, labels per sample, and the exclusions made on the way (counted,
so that a notebook can report them).

Real data: nutrimouse (Martin et al. 2007, via mvlearn): 40 mice, 120 liver genes (microarray,
already log-scale and centred, so *not* FPKM), 21 hepatic fatty acids (% of total lipids),
diet (5 levels) and genotype (wild type / PPARalpha-/-). The CSV files carry no sample names;
rows are mice in the same order in all four files, named ``mouse01`` .. ``mouse40`` here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .registry import DataError, fetch

NUTRIMOUSE_FILES = {"gene": "multiomics/nutrimouse_gene.csv", "lipid": "multiomics/nutrimouse_lipid.csv",
                    "diet": "multiomics/nutrimouse_diet.csv", "genotype": "multiomics/nutrimouse_genotype.csv"}


@dataclass
class MultiOmics:
    """A transcriptome and a metabolome measured on the same samples.

    Attributes
    ----------
    genes : DataFrame, shape (n_samples, n_genes)
        Expression; ``gene_scale`` says whether it is FPKM (non-negative) or already log-scale.
    metabolites : DataFrame, shape (n_samples, n_metabolites)
        Intensities (non-negative, not normalized).
    labels : DataFrame, shape (n_samples, n_tasks)
        Categorical sample labels (one column per task), may have no columns.
    gene_scale : {"fpkm", "log"}
    exclusions : dict
        Counted exclusions, e.g. ``{"samples_only_in_genes": 2, "metabolites_all_nan": 1}``.
    name : str
    homology : DataFrame or None
        A BLAST/HMM hits table (``query_gene``, ``family``, ``evalue``) for the homology evidence.
    """

    genes: pd.DataFrame
    metabolites: pd.DataFrame
    labels: pd.DataFrame
    gene_scale: str = "fpkm"
    exclusions: dict = field(default_factory=dict)
    name: str = ""
    homology: pd.DataFrame | None = None

    @property
    def shape(self) -> dict:
        return {"samples": self.genes.shape[0], "genes": self.genes.shape[1],
                "metabolites": self.metabolites.shape[1], "tasks": self.labels.shape[1]}


def align_samples(genes: pd.DataFrame, metabolites: pd.DataFrame, labels: pd.DataFrame | None = None,
                  sources: tuple[str, str] = ("genes", "metabolites")):
    """Keep the samples present in both tables (and in ``labels`` when given), in the genes' order.

    Parameters
    ----------
    genes : DataFrame, shape (n_samples_g, n_genes), samples on the index
    metabolites : DataFrame, shape (n_samples_m, n_metabolites)
    labels : DataFrame, optional, samples on the index
    sources : names of the two tables for error messages (e.g. their file names)

    Returns
    -------
    genes, metabolites, labels, counts
        ``counts`` holds ``samples_only_in_genes`` and ``samples_only_in_metabolites`` (and
        ``samples_without_labels``).

    Raises
    ------
    DataError
        No sample name in common, or duplicated sample names.
    """
    for df, src in ((genes, sources[0]), (metabolites, sources[1])):
        dup = df.index[df.index.duplicated()]
        if len(dup):
            raise DataError(f"{src}: duplicated sample names {list(dup[:5])}")
    common = [s for s in genes.index if s in set(metabolites.index)]
    if not common:
        raise DataError(f"{sources[0]} and {sources[1]} share no sample name (e.g. {list(genes.index[:3])} vs "
                        f"{list(metabolites.index[:3])}); the two omics tables must name the same samples")
    counts = {"samples_only_in_genes": len(genes) - len(common),
              "samples_only_in_metabolites": len(metabolites) - len(common)}
    if labels is not None:
        with_labels = [s for s in common if s in set(labels.index)]
        counts["samples_without_labels"] = len(common) - len(with_labels)
        if not with_labels:
            raise DataError(f"the labels share no sample name with {sources[0]} and {sources[1]}")
        common = with_labels
        labels = labels.loc[common]
    else:
        labels = pd.DataFrame(index=pd.Index(common, name="sample"))
    return genes.loc[common], metabolites.loc[common], labels, counts


def _check_values(genes: pd.DataFrame, metabolites: pd.DataFrame, gene_scale: str, sources) -> dict:
    """Reject negative FPKM / intensities; count the all-NaN columns to drop."""
    if gene_scale not in ("fpkm", "log"):
        raise ValueError(f"gene_scale must be 'fpkm' or 'log', got {gene_scale!r}")
    if gene_scale == "fpkm":
        n_neg = int((genes < 0).sum().sum())
        if n_neg:
            raise DataError(f"{sources[0]}: {n_neg} negative FPKM values (e.g. gene "
                            f"{genes.columns[(genes < 0).any()].tolist()[:3]}); FPKM cannot be negative. "
                            f"If the table is already log-scale, pass gene_scale='log'.")
    n_neg = int((metabolites < 0).sum().sum())
    if n_neg:
        raise DataError(f"{sources[1]}: {n_neg} negative metabolite intensities; intensities must be >= 0")
    return {"genes_all_nan": int(genes.isna().all().sum()),
            "metabolites_all_nan": int(metabolites.isna().all().sum())}


def _finish(genes, metabolites, labels, gene_scale, sources, name, counts) -> MultiOmics:
    counts = {**counts, **_check_values(genes, metabolites, gene_scale, sources)}
    genes = genes.loc[:, ~genes.isna().all()]
    metabolites = metabolites.loc[:, ~metabolites.isna().all()]
    if genes.shape[1] == 0 or metabolites.shape[1] == 0:
        raise DataError(f"{sources[0]} / {sources[1]}: no gene or no metabolite column left after dropping "
                        f"all-NaN columns")
    counts["gene_values_nan"] = int(genes.isna().sum().sum())
    counts["metabolite_values_nan"] = int(metabolites.isna().sum().sum())
    return MultiOmics(genes.astype(float), metabolites.astype(float), labels, gene_scale, counts, name)


def load_nutrimouse() -> MultiOmics:
    """The nutrimouse study from the data registry.

    Returns
    -------
    MultiOmics
        genes (40, 120) log-scale (``gene_scale="log"``), metabolites (40, 21) fatty-acid
        percentages, labels (40, 2) with columns ``diet`` and ``genotype``.
    """
    tables = {}
    for key, name in NUTRIMOUSE_FILES.items():
        path = fetch(name)
        try:
            tables[key] = pd.read_csv(path)
        except Exception as err:  # pragma: no cover - a corrupt file fails the sha256 first
            raise DataError(f"{name}: cannot be read as CSV ({err})") from err
    n = {k: len(v) for k, v in tables.items()}
    if len(set(n.values())) != 1:
        raise DataError(f"nutrimouse files disagree on the number of mice: {n}")
    index = pd.Index([f"mouse{i + 1:02d}" for i in range(n["gene"])], name="sample")
    for t in tables.values():
        t.index = index
    labels = pd.concat([tables["diet"]["diet"], tables["genotype"]["genotype"]], axis=1).astype("category")
    return _finish(tables["gene"], tables["lipid"], labels, "log",
                   (NUTRIMOUSE_FILES["gene"], NUTRIMOUSE_FILES["lipid"]), "nutrimouse", {})


def read_omics_csv(path, what: str = "table") -> pd.DataFrame:
    """Read a features x samples CSV (first column: feature ids; header: sample names) and return it
    transposed, samples x features.

    Raises
    ------
    DataError
        Missing file, duplicated feature ids, non-numeric values.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: {what} file not found")
    try:
        df = pd.read_csv(path, index_col=0)
    except pd.errors.EmptyDataError as err:
        raise DataError(f"{path}: the {what} file is empty; it needs a header of sample names and one row per "
                        "feature") from err
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise DataError(f"{path}: the {what} table is empty ({df.shape[0]} features x {df.shape[1]} samples); it "
                        "needs a header of sample names and one row per feature")
    if df.index.duplicated().any():
        raise DataError(f"{path}: duplicated feature ids {df.index[df.index.duplicated()].tolist()[:5]}")
    bad = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    if bad:
        raise DataError(f"{path}: non-numeric values in sample column(s) {bad[:5]}")
    inf = np.isinf(df.to_numpy(float))
    if inf.any():
        raise DataError(f"{path}: {int(inf.sum())} infinite values (e.g. feature {df.index[inf.any(axis=1)][0]!r}); "
                        "replace them by numbers or leave them empty (missing)")
    out = df.T
    out.index = out.index.astype(str).rename("sample")
    return out


def load_csv_pair(gene_csv, metabolite_csv, labels_csv=None, gene_scale: str = "fpkm") -> MultiOmics:
    """Any transcriptome + metabolome pair: two features x samples CSVs (and optional labels).

    Parameters
    ----------
    gene_csv : path
        Genes x samples (first column gene ids), FPKM (``gene_scale="fpkm"``) or log-scale.
    metabolite_csv : path
        Metabolites x samples, raw intensities.
    labels_csv : path, optional
        Samples x tasks (first column sample names), categorical labels.

    Samples present in only one table are dropped and counted in ``exclusions``; no common
    sample, negative FPKM or negative intensities raise :class:`DataError` naming the file.
    """
    genes = read_omics_csv(gene_csv, "gene expression")
    metabolites = read_omics_csv(metabolite_csv, "metabolite")
    labels = None
    if labels_csv is not None:
        if not Path(labels_csv).exists():
            raise DataError(f"{labels_csv}: labels file not found; check the parameter `labels_csv`")
        labels = pd.read_csv(labels_csv, index_col=0)
        labels.index = labels.index.astype(str)
        labels = labels.astype("category")
    genes, metabolites, labels, counts = align_samples(genes, metabolites, labels,
                                                       sources=(str(gene_csv), str(metabolite_csv)))
    if len(genes) < 3:
        raise DataError(f"{gene_csv} / {metabolite_csv}: {len(genes)} sample(s) in common; the autoencoders' "
                        "cross-validation needs at least 3 samples (columns) in both files")
    for col in labels.columns:
        n_classes = labels[col].dropna().nunique()
        if n_classes < 2:
            raise DataError(f"{labels_csv}: label column {col!r} has {n_classes} class(es) over the samples in "
                            "common; a classifier needs at least two: drop the column or add samples")
    return _finish(genes, metabolites, labels, gene_scale, (str(gene_csv), str(metabolite_csv)),
                   Path(gene_csv).stem, counts)


# ------------------------------------------------------------------------------------------------
# loaders registered in genenets.datasets


def nutrimouse_dataset(**_):
    """Registry loader of ``nutrimouse``: ``(MultiOmics, None)`` (no ground truth)."""
    return load_nutrimouse(), None


def csv_dataset(gene_csv=None, metabolite_csv=None, labels_csv=None, gene_scale: str = "fpkm", **_):
    """Registry loader of ``multiomics-csv`` (a user's files, see :func:`load_csv_pair`)."""
    from ..errors import ConfigError

    if gene_csv is None or metabolite_csv is None:
        raise ConfigError("dataset 'multiomics-csv' needs the parameters `gene_csv` and `metabolite_csv` "
                          "(genes x samples and metabolites x samples CSV files)")
    return load_csv_pair(gene_csv, metabolite_csv, labels_csv, gene_scale), None

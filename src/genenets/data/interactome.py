"""The Menche et al. (2015) human interactome and its 299 disease gene sets (OMIM and GWAS).

Files (registry): ``interactome/DataS1_interactome.tsv`` (141,296 edges between Entrez gene ids,
with the evidence source), ``interactome/DataS2_disease_genes.tsv`` (one row per disease, OMIM and
GWAS genes as ``;``-separated Entrez ids), and ``annotation/GRCh37_latest_genomic.protein_coding.gtf.gz``
(RefSeq GRCh37 gene rows, read here only for the Entrez GeneID -> symbol map).

Typical use::

    edges = interactome.load_edges(symbols=True)     # gene_a, gene_b, source (symbols)
    graph = interactome.to_graph(edges)              # networkx.Graph
    diseases = interactome.load_disease_genes(symbols=True)
"""
from __future__ import annotations

import gzip
import re
from functools import lru_cache

import networkx as nx
import pandas as pd

from .registry import DataError, fetch

EDGES_FILE = "interactome/DataS1_interactome.tsv"
DISEASES_FILE = "interactome/DataS2_disease_genes.tsv"
REFSEQ_GTF = "annotation/GRCh37_latest_genomic.protein_coding.gtf.gz"

_GENEID = re.compile(r'db_xref "GeneID:(\d+)"')
_NAME = re.compile(r'gene_name "([^"]+)"')


@lru_cache(maxsize=2)
def entrez_to_symbol(path=None) -> pd.Series:
    """Entrez GeneID -> gene symbol from the RefSeq GRCh37 protein-coding GTF (gene rows).

    Returns
    -------
    Series indexed by Entrez id (int), values the symbols; one symbol per id (first gene row).
    """
    path = path or fetch(REFSEQ_GTF)
    ids, names = [], []
    with gzip.open(path, "rt") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            parts = line.split("\t", 9)
            if len(parts) < 9 or parts[2] != "gene":
                continue
            gid, name = _GENEID.search(parts[8]), _NAME.search(parts[8])
            if gid and name:
                ids.append(int(gid.group(1)))
                names.append(name.group(1))
    if not ids:
        raise DataError(f"{path}: no gene row with a GeneID and a gene_name; is it a RefSeq GTF?")
    mapping = pd.Series(names, index=pd.Index(ids, name="entrez"), name="symbol")
    return mapping[~mapping.index.duplicated()]


def load_edges(path=None, symbols: bool = True) -> pd.DataFrame:
    """The interactome's edge list.

    Parameters
    ----------
    path : path, optional
        The TSV (default: fetched from the registry).
    symbols : bool
        Map the Entrez ids to symbols; edges with an id that has no symbol are dropped and counted
        in ``df.attrs["n_unmapped_edges"]``. Self loops and duplicate edges are removed.

    Returns
    -------
    DataFrame with columns ``gene_a``, ``gene_b``, ``source``; ``attrs`` holds the counts.
    """
    path = path or fetch(EDGES_FILE)
    df = pd.read_csv(path, sep="\t", comment="#", header=None, names=["gene_a", "gene_b", "source"],
                     dtype={"source": str})
    if df.shape[0] == 0 or df[["gene_a", "gene_b"]].isna().any().any():
        raise DataError(f"{path}: expected rows 'entrez_a<TAB>entrez_b<TAB>source' with no empty id")
    try:
        df[["gene_a", "gene_b"]] = df[["gene_a", "gene_b"]].astype(int)
    except ValueError as err:
        raise DataError(f"{path}: gene ids must be integer Entrez ids ({err})") from err
    n_raw = len(df)
    n_unmapped = 0
    if symbols:
        mapping = entrez_to_symbol()
        a, b = df["gene_a"].map(mapping), df["gene_b"].map(mapping)
        ok = a.notna() & b.notna()
        n_unmapped = int((~ok).sum())
        df = pd.DataFrame({"gene_a": a[ok], "gene_b": b[ok], "source": df.loc[ok, "source"]})
    df = df[df["gene_a"] != df["gene_b"]]
    lo = df[["gene_a", "gene_b"]].min(axis=1)
    hi = df[["gene_a", "gene_b"]].max(axis=1)
    df = df.assign(gene_a=lo, gene_b=hi).drop_duplicates(["gene_a", "gene_b"]).reset_index(drop=True)
    df.attrs.update(n_raw_edges=n_raw, n_unmapped_edges=n_unmapped, n_edges=len(df))
    return df


def to_graph(edges: pd.DataFrame) -> nx.Graph:
    """Undirected networkx graph of an edge table (columns ``gene_a``, ``gene_b``)."""
    graph = nx.Graph()
    graph.add_edges_from(zip(edges["gene_a"], edges["gene_b"]))
    return graph


def load_disease_genes(path=None, symbols: bool = True) -> pd.DataFrame:
    """The 299 diseases with their OMIM and GWAS gene sets.

    Returns
    -------
    DataFrame indexed by disease name with columns ``omim`` and ``gwas`` (Python sets of symbols, or
    of Entrez ids when ``symbols=False``) and ``n_omim``, ``n_gwas``. Ids without a symbol are dropped
    and counted in ``attrs["n_unmapped_genes"]``.
    """
    path = path or fetch(DISEASES_FILE)
    # the header line is itself a comment ("# disease<TAB>number_of_all_genes<TAB>...")
    columns = ["disease", "n_all", "n_omim_file", "n_gwas_file", "OMIM_genes", "GWAS_genes"]
    try:  # rows with an empty GWAS list have 5 fields; names= pads them with NaN
        df = pd.read_csv(path, sep="\t", comment="#", header=None, names=columns, dtype=str)
    except pd.errors.ParserError as err:
        raise DataError(f"{path}: expected up to {len(columns)} tab-separated columns "
                        f"({', '.join(columns)}): {err}") from err
    if not isinstance(df.index, pd.RangeIndex):  # pandas turns surplus leading fields into an index
        raise DataError(f"{path}: rows have more than {len(columns)} tab-separated columns ({', '.join(columns)})")
    if df.shape[0] == 0 or df["disease"].isna().any():
        raise DataError(f"{path}: no disease rows, or a row without a disease name")
    mapping = entrez_to_symbol() if symbols else None
    unmapped = 0

    def parse(cell):
        nonlocal unmapped
        if pd.isna(cell) or not str(cell).strip():
            return set()
        try:
            ids = [int(x) for x in str(cell).split(";") if x.strip()]
        except ValueError as err:
            raise DataError(f"{path}: gene lists must be ';'-separated integer Entrez ids ({err})") from err
        if mapping is None:
            return set(ids)
        out = {mapping.get(i) for i in ids}
        unmapped += sum(i not in mapping.index for i in ids)
        return {g for g in out if g is not None}

    table = pd.DataFrame({"omim": df["OMIM_genes"].map(parse).values, "gwas": df["GWAS_genes"].map(parse).values},
                         index=pd.Index(df["disease"].str.strip(), name="disease"))
    table["n_omim"] = table["omim"].map(len)
    table["n_gwas"] = table["gwas"].map(len)
    table.attrs["n_unmapped_genes"] = unmapped
    return table


def disease_gene_set(diseases: pd.DataFrame, name: str, kind: str = "gwas") -> set:
    """The ``kind`` (``"gwas"``, ``"omim"`` or ``"all"``) gene set of disease ``name``.

    Raises ValueError for an unknown disease or an empty set (an enrichment test on it is meaningless).
    """
    if name not in diseases.index:
        raise ValueError(f"unknown disease {name!r}; e.g. {', '.join(diseases.index[:5])}")
    if kind not in ("gwas", "omim", "all"):
        raise ValueError(f"kind must be 'gwas', 'omim' or 'all', not {kind!r}")
    row = diseases.loc[name]
    genes = set(row["gwas"]) | set(row["omim"]) if kind == "all" else set(row[kind])
    if not genes:
        raise ValueError(f"disease {name!r} has an empty {kind} gene set")
    return genes

"""Multi-evidence gene ranking: rank-normalized weighted fusion, weight validation, precision@k.

Each evidence is a score per gene (higher = more likely a pathway gene). Scores on different
scales are made comparable by their percentile rank (pandas ``rank(pct=True)``: 1 for the top
gene, ties share the mean rank), then summed with weights that sum to 1.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ConfigError
from .stats import precision_at_k

#: The seed pipeline's weights.
DEFAULT_WEIGHTS = {"correlation": 0.4, "autoencoder": 0.3, "gnn": 0.2, "homology": 0.1}


def validate_weights(weights: dict, evidences=tuple(DEFAULT_WEIGHTS), source: str = "weights",
                     tol: float = 1e-6) -> dict:
    """Check evidence weights: known names, non-negative numbers, sum 1.

    Parameters
    ----------
    weights : dict ``{evidence: weight}``
    evidences : the known evidence names
    source : where the weights come from (a file name), for the message

    Returns
    -------
    dict of float

    Raises
    ------
    ConfigError (a ValueError)
        Unknown evidence name, a negative or non-numeric weight, or a sum different from 1; the
        message names ``source``.
    """
    if not isinstance(weights, dict) or not weights:
        raise ConfigError(f"{source}: weights must be a non-empty mapping evidence -> weight, got {weights!r}")
    unknown = sorted(set(weights) - set(evidences))
    if unknown:
        raise ConfigError(f"{source}: unknown evidence {unknown}; known evidences are {list(evidences)}")
    out = {}
    for k, v in weights.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0:
            raise ConfigError(f"{source}: weight of {k!r} must be a non-negative number, got {v!r}")
        out[k] = float(v)
    total = sum(out.values())
    if abs(total - 1.0) > tol:
        raise ConfigError(f"{source}: weights sum to {total:.6g}, not 1 ({out})")
    return out


def load_weights(path, key: str = "weights", evidences=tuple(DEFAULT_WEIGHTS)) -> dict:
    """Read and validate the ``weights`` mapping of a YAML file.

    Raises
    ------
    ConfigError
        Missing or malformed file, no ``key`` entry, or invalid weights; the message names the file.
    """
    from .params import read_yaml

    doc = read_yaml(path, "weights file")
    if not isinstance(doc, dict) or key not in doc:
        raise ConfigError(f"weights file {path}: no {key!r} mapping (expected e.g. 'weights: {{correlation: 0.4, "
                          f"autoencoder: 0.3, gnn: 0.2, homology: 0.1}}')")
    return validate_weights(doc[key], evidences, source=f"weights file {path}")


def rank_normalize(scores: pd.Series) -> pd.Series:
    """Percentile rank in (0, 1]: the highest score gets 1, ties share their mean rank.

    A constant evidence (no information, e.g. no homology table) gets 0 everywhere so that
    it adds nothing to the fused score. NaN scores rank last (0).
    """
    scores = pd.Series(scores, dtype=float)
    if scores.nunique(dropna=True) <= 1:
        return pd.Series(0.0, index=scores.index)
    return scores.rank(pct=True, method="average").fillna(0.0)


def fuse(evidence: pd.DataFrame, weights: dict) -> pd.DataFrame:
    """Weighted sum of rank-normalized evidences, sorted best first.

    Parameters
    ----------
    evidence : DataFrame, shape (n_genes, n_evidences)
        One column per evidence named as in ``weights``; genes on the index.
    weights : dict, validated by :func:`validate_weights`

    Returns
    -------
    DataFrame, shape (n_genes, 2 * n_evidences + 2)
        The raw evidence columns, their ``<evidence>_rank`` (rank-normalized) columns,
        ``fused`` and ``rank`` (1 = best), sorted by ``rank``.
    """
    missing = [k for k in weights if k not in evidence.columns]
    if missing:
        raise ValueError(f"evidence table lacks the weighted column(s) {missing}; has {list(evidence.columns)}")
    out = evidence.copy()
    fused = pd.Series(0.0, index=evidence.index)
    for k, w in weights.items():
        out[f"{k}_rank"] = rank_normalize(evidence[k])
        fused += w * out[f"{k}_rank"]
    out["fused"] = fused
    out = out.sort_values("fused", ascending=False, kind="mergesort")
    out["rank"] = np.arange(1, len(out) + 1)
    return out


def homology_evidence(hits: pd.DataFrame, genes, evalue_max: float = 1e-5, source: str = "homology table"):
    """Homology bonus per gene from a BLAST/HMM hits table.

    Parameters
    ----------
    hits : DataFrame with columns ``query_gene``, ``family``, ``evalue``
    genes : the genes being ranked
    evalue_max : hits with a larger e-value are ignored (counted)

    Returns
    -------
    score : Series over ``genes``: ``-log10(best e-value)`` of significant hits, 0 without one
    family : Series over ``genes``: family of the best hit ("" without one)
    counts : dict with ``hits``, ``unknown_genes`` (query genes not among ``genes``, excluded),
        ``above_evalue``, ``genes_with_hit``

    Raises
    ------
    ValueError
        Missing columns, non-numeric or negative e-values, or no query gene among ``genes``.
    """
    need = {"query_gene", "family", "evalue"}
    if not need <= set(hits.columns):
        raise ValueError(f"{source}: needs columns {sorted(need)}, has {list(hits.columns)}")
    genes = pd.Index(genes)
    ev = pd.to_numeric(hits["evalue"], errors="coerce")
    if ev.isna().any() or (ev < 0).any():
        raise ValueError(f"{source}: {int(ev.isna().sum() + (ev < 0).sum())} e-values are not non-negative numbers")
    hits = hits.assign(evalue=ev, query_gene=hits["query_gene"].astype(str))
    known = hits["query_gene"].isin(genes)
    counts = {"hits": len(hits), "unknown_genes": int(hits.loc[~known, "query_gene"].nunique())}
    if len(hits) and not known.any():
        raise ValueError(f"{source}: none of its {len(hits)} query genes is a gene of the expression table "
                         f"(e.g. {hits['query_gene'].head(3).tolist()})")
    hits = hits[known]
    counts["above_evalue"] = int((hits["evalue"] > evalue_max).sum())
    hits = hits[hits["evalue"] <= evalue_max]
    best = hits.sort_values("evalue").drop_duplicates("query_gene").set_index("query_gene")
    # floor at 1e-300 so that e-value 0 (a perfect hit) stays finite
    score = pd.Series(0.0, index=genes, name="homology")
    score.loc[best.index] = -np.log10(np.clip(best["evalue"].to_numpy(float), 1e-300, None))
    family = pd.Series("", index=genes, name="family", dtype=object)
    family.loc[best.index] = best["family"].astype(str)
    counts["genes_with_hit"] = len(best)
    return score, family, counts


def precision_table(evidence: pd.DataFrame, relevant, ks=(10, 20)) -> pd.DataFrame:
    """Precision@k of the planted genes for every evidence column (higher score = ranked first).

    Returns
    -------
    DataFrame with columns ``evidence``, ``k``, ``precision``; ties broken by gene order
    (stable sort), so identical scores give the same answer every run.
    """
    rows = []
    for col in evidence.columns:
        ranked = evidence[col].sort_values(ascending=False, kind="mergesort").index
        rows += [{"evidence": col, "k": int(k), "precision": precision_at_k(ranked, relevant, int(k))} for k in ks]
    return pd.DataFrame(rows)

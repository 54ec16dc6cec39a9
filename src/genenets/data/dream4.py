"""DREAM4 in-silico network challenge (size 10 and size 100): time series, steady states, gold standards.

The registry holds the size-100 challenge as three zips::

    dream4/DREAM4_InSilico_Size100.zip                 insilico_size100_<k>/insilico_size100_<k>_{timeseries,
                                                        knockouts,knockdowns,wildtype}.tsv   (k = 1..5)
    dream4/DREAM4_InSilico_Size100_Multifactorial.zip  insilico_size100_<k>_multifactorial.tsv
    dream4/DREAM4_InSilicoNetworks_GoldStandard.zip    DREAM4_Challenge2_GoldStandards/Size <n>/
                                                        DREAM4_GoldStandard_InSilico_Size<n>_<k>.tsv

The size-10 challenge has the same layout (``insilico_size10_<k>/...``); its gold standards are in the
gold-standard zip, and its data zip can be passed to :func:`load_network` as ``data_zip``.

File formats (as distributed by the DREAM organisers):

- time series: a header ``"Time" "G1" ... "Gn"``, then blocks of rows (one row per time point), the
  blocks separated by blank lines; one block per perturbation experiment (10 x 21 points for size 100);
- steady states (knockouts, knockdowns, wildtype, multifactorial): a header ``"G1" ... "Gn"`` and one
  row per experiment;
- gold standard: ``regulator<TAB>target<TAB>0/1`` for every ordered pair of distinct genes.

Every parser raises :class:`~genenets.data.DataError` naming the file and the problem.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .registry import DataError, fetch

DATA_ZIP = {100: "dream4/DREAM4_InSilico_Size100.zip"}
MULTIFACTORIAL_ZIP = {100: "dream4/DREAM4_InSilico_Size100_Multifactorial.zip"}
GOLD_ZIP = "dream4/DREAM4_InSilicoNetworks_GoldStandard.zip"
NETWORK_IDS = (1, 2, 3, 4, 5)


@dataclass
class Dream4Network:
    """One DREAM4 in-silico network and its data.

    Attributes
    ----------
    name : str
        e.g. ``"insilico_size100_1"``.
    genes : list of str, length n_genes
    times : array of shape (n_times,)
    timeseries : array of shape (n_series, n_times, n_genes)
        Perturbation time series (the perturbation is applied during the first half).
    gold : DataFrame
        Every ordered pair of distinct genes: ``regulator``, ``target``, ``edge`` (0/1).
    knockouts, knockdowns : DataFrame of shape (n_genes, n_genes) or None
        Row ``g`` is the steady state after deleting / halving gene ``g``.
    wildtype : Series of length n_genes, or None
    multifactorial : DataFrame of shape (n_experiments, n_genes) or None
    """

    name: str
    genes: list
    times: np.ndarray
    timeseries: np.ndarray
    gold: pd.DataFrame
    knockouts: pd.DataFrame | None = None
    knockdowns: pd.DataFrame | None = None
    wildtype: pd.Series | None = None
    multifactorial: pd.DataFrame | None = None
    meta: dict = field(default_factory=dict)

    @property
    def n_genes(self) -> int:
        return len(self.genes)

    def adjacency(self) -> np.ndarray:
        """Gold-standard adjacency, shape (n_genes, n_genes): ``A[i, j] = 1`` when gene i regulates gene j."""
        return gold_to_adjacency(self.gold, self.genes)

    def timeseries_frame(self) -> pd.DataFrame:
        """The time series as a tidy table: ``series``, ``time`` and one column per gene."""
        n_series, n_times, _ = self.timeseries.shape
        df = pd.DataFrame(self.timeseries.reshape(n_series * n_times, -1), columns=self.genes)
        df.insert(0, "time", np.tile(self.times, n_series))
        df.insert(0, "series", np.repeat(np.arange(1, n_series + 1), n_times))
        return df


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _header(line: str, source: str) -> list[str]:
    names = [c.strip().strip('"') for c in line.split("\t") if c.strip()]
    if not names:
        raise DataError(f"{source}: empty header line; expected tab-separated gene names")
    return names


def _numeric_row(line: str, n_expected: int, source: str, lineno: int) -> list[float]:
    cells = [c for c in line.rstrip("\t ").split("\t")]
    if len(cells) != n_expected:
        raise DataError(f"{source}: line {lineno} has {len(cells)} values, the header has {n_expected} "
                        f"columns (truncated file or missing column?)")
    try:
        values = [float(c) for c in cells]
    except ValueError as err:
        raise DataError(f"{source}: line {lineno} holds a non-numeric value ({err})") from None
    bad = [c for c, v in zip(cells, values) if not np.isfinite(v)]
    if bad:
        raise DataError(f"{source}: line {lineno} holds a non-finite value ({bad[0].strip()!r}); DREAM4 "
                        f"expression values are finite numbers: re-download or repair the file")
    return values


def parse_timeseries(text: str, source: str = "<timeseries>") -> tuple[list[str], np.ndarray, np.ndarray]:
    """Parse a DREAM4 time-series file.

    Returns
    -------
    genes : list of str, length n_genes
    times : array of shape (n_times,)
    values : array of shape (n_series, n_times, n_genes)

    Raises
    ------
    DataError
        No ``Time`` column, a row with a missing value, a non-numeric value, series of unequal
        length, or series whose time points differ.
    """
    lines = _lines(text)
    if not lines or not lines[0].strip():
        raise DataError(f"{source}: empty file; expected a DREAM4 time series")
    columns = _header(lines[0], source)
    if columns[0] != "Time":
        raise DataError(f"{source}: the first column is {columns[0]!r}, expected 'Time' (not a time-series file?)")
    genes = columns[1:]
    blocks, current = [], []
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            if current:
                blocks.append(current)
                current = []
            continue
        current.append(_numeric_row(line, len(columns), source, lineno))
    if current:
        blocks.append(current)
    if not blocks:
        raise DataError(f"{source}: header only, no time points")
    lengths = {len(b) for b in blocks}
    if len(lengths) != 1:
        raise DataError(f"{source}: the {len(blocks)} series have different numbers of time points "
                        f"{sorted(lengths)} (truncated file?)")
    arr = np.asarray(blocks, dtype=float)  # (n_series, n_times, 1 + n_genes)
    times = arr[0, :, 0]
    if not np.allclose(arr[:, :, 0], times):
        raise DataError(f"{source}: the series are not sampled at the same time points")
    return genes, times, arr[:, :, 1:]


def parse_steady_state(text: str, source: str = "<steady state>") -> pd.DataFrame:
    """Parse a DREAM4 steady-state file (knockouts, knockdowns, wildtype, multifactorial).

    Returns a DataFrame of shape (n_experiments, n_genes) with the gene names as columns.
    """
    lines = [line for line in _lines(text)]
    if not lines or not lines[0].strip():
        raise DataError(f"{source}: empty file; expected a DREAM4 steady-state table")
    genes = _header(lines[0], source)
    if genes[0] == "Time":
        raise DataError(f"{source}: has a 'Time' column; this is a time series, not a steady-state table")
    rows = [_numeric_row(line, len(genes), source, i) for i, line in enumerate(lines[1:], start=2) if line.strip()]
    if not rows:
        raise DataError(f"{source}: header only, no experiments")
    return pd.DataFrame(rows, columns=genes)


def parse_gold_standard(text: str, source: str = "<gold standard>", genes: list | None = None) -> pd.DataFrame:
    """Parse a DREAM4 gold standard (``regulator<TAB>target<TAB>0/1``).

    Parameters
    ----------
    genes : list of str, optional
        The network's genes; a gold standard naming any other gene is an error.

    Returns
    -------
    DataFrame with ``regulator``, ``target``, ``edge`` (int 0/1), one row per listed ordered pair.
    """
    rows = []
    for lineno, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        cells = line.strip().split("\t")
        if len(cells) != 3:
            raise DataError(f"{source}: line {lineno} has {len(cells)} fields, expected 3 "
                            f"(regulator, target, 0/1)")
        if cells[2] not in ("0", "1"):
            raise DataError(f"{source}: line {lineno}: edge value {cells[2]!r} is not 0 or 1")
        rows.append((cells[0].strip('"'), cells[1].strip('"'), int(cells[2])))
    if not rows:
        raise DataError(f"{source}: empty gold standard")
    gold = pd.DataFrame(rows, columns=["regulator", "target", "edge"])
    if (gold["regulator"] == gold["target"]).any():
        raise DataError(f"{source}: lists a self-regulation {gold.loc[gold.regulator == gold.target].iloc[0, 0]!r}; "
                        f"DREAM4 gold standards have none")
    if genes is not None:
        unknown = sorted(set(gold["regulator"]).union(gold["target"]) - set(genes))
        if unknown:
            raise DataError(f"{source}: names {len(unknown)} gene(s) not in the expression data: "
                            f"{', '.join(unknown[:5])}")
    if gold.duplicated(["regulator", "target"]).any():
        raise DataError(f"{source}: lists the same regulator-target pair twice")
    return gold


def parse_gene_mapping(text: str, source: str = "<mapping>") -> dict[str, str]:
    """Parse a DREAM4 multifactorial ``Mapping/*_goldstandard_ref.tsv`` file: a header ``"New" "Old"`` and one
    line per gene, its name in the multifactorial sub-challenge (New) and in the size-100 challenge (Old).
    The multifactorial data use the New names; the same network's size-100 files and gold standard the Old
    ones (checked: mapped, the two gold standards are identical). Returns ``{new: old}``."""
    rows = [line.replace('"', "").split() for line in _lines(text) if line.strip()]
    if not rows or [c.lower() for c in rows[0][:2]] != ["new", "old"]:
        raise DataError(f"{source}: expected a header 'New Old', got {rows[0] if rows else 'an empty file'}")
    bad = [r for r in rows[1:] if len(r) != 2]
    if bad:
        raise DataError(f"{source}: {len(bad)} line(s) without exactly two gene names, e.g. {bad[0]}")
    mapping = {new: old for new, old in rows[1:]}
    if len(set(mapping.values())) != len(mapping):
        raise DataError(f"{source}: the mapping is not one to one")
    return mapping


def relabel_multifactorial(table: pd.DataFrame, mapping: dict, genes: list, source: str = "<multifactorial>"):
    """The multifactorial ``table`` (experiments x genes in the New names) with its columns renamed to the
    network's names through ``mapping`` ({new: old}) and put in the order of ``genes``."""
    if set(table.columns) != set(mapping) or set(mapping.values()) != set(genes):
        raise DataError(f"{source}: its genes do not match the gold standard's mapping of network genes")
    return table.rename(columns=mapping)[list(genes)]


def gold_to_adjacency(gold: pd.DataFrame, genes: list) -> np.ndarray:
    """Adjacency of shape (n_genes, n_genes) from a gold-standard table: ``A[i, j] = 1`` for i -> j."""
    index = {g: i for i, g in enumerate(genes)}
    adj = np.zeros((len(genes), len(genes)), dtype=np.int8)
    pos = gold[gold["edge"] == 1]
    adj[pos["regulator"].map(index).to_numpy(), pos["target"].map(index).to_numpy()] = 1
    return adj


def _read_member(zf: zipfile.ZipFile, member: str, zip_path) -> str:
    try:
        return zf.read(member).decode("utf-8")
    except KeyError:
        raise DataError(f"{Path(zip_path).name}: has no member {member!r}") from None
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise DataError(f"{Path(zip_path).name}: member {member!r} cannot be read ({err}); "
                        f"the zip is corrupt or truncated") from None


def _open_zip(path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise DataError(f"{Path(path).name}: not a readable zip archive ({err}); truncated or corrupt download?") \
            from None


def load_network(k: int, size: int = 100, *, data_zip=None, gold_zip=None, multifactorial_zip=None,
                 steady_states: bool = True) -> Dream4Network:
    """Load DREAM4 in-silico network ``k`` (1-5) of ``size`` genes (10 or 100).

    Parameters
    ----------
    k : int
        Network number, 1 to 5.
    size : int
        10 or 100. The registry holds the size-100 data; for size 10 pass ``data_zip``.
    data_zip, gold_zip, multifactorial_zip : path, optional
        Local zips instead of the registry files (same layout as the official archives).
    steady_states : bool
        Also read knockouts, knockdowns, wildtype and (size 100) multifactorial data.
    """
    if k not in NETWORK_IDS:
        raise ValueError(f"DREAM4 network number must be one of {NETWORK_IDS}, got {k!r}")
    if size not in (10, 100):
        raise ValueError(f"DREAM4 in-silico networks have size 10 or 100, got {size!r}")
    if data_zip is None:
        if size not in DATA_ZIP:
            raise DataError(f"DREAM4 size-{size} data are not in the registry; pass data_zip= to a local copy "
                            f"of DREAM4_InSilico_Size{size}.zip")
        data_zip = fetch(DATA_ZIP[size])
    gold_zip = gold_zip if gold_zip is not None else fetch(GOLD_ZIP)
    name = f"insilico_size{size}_{k}"
    with _open_zip(data_zip) as zf:
        src = f"{Path(data_zip).name}:{name}/{name}_timeseries.tsv"
        genes, times, values = parse_timeseries(_read_member(zf, f"{name}/{name}_timeseries.tsv", data_zip), src)
        extra = {}
        if steady_states:
            for kind in ("knockouts", "knockdowns", "wildtype"):
                member = f"{name}/{name}_{kind}.tsv"
                if member not in zf.namelist():
                    extra[kind] = None
                    continue
                table = parse_steady_state(_read_member(zf, member, data_zip), f"{Path(data_zip).name}:{member}")
                if list(table.columns) != genes:
                    raise DataError(f"{Path(data_zip).name}:{member}: its genes differ from the time series'")
                extra[kind] = table
    with _open_zip(gold_zip) as zf:
        member = (f"DREAM4_Challenge2_GoldStandards/Size {size}/DREAM4_GoldStandard_InSilico_Size{size}_{k}.tsv")
        gold = parse_gold_standard(_read_member(zf, member, gold_zip), f"{Path(gold_zip).name}:{member}", genes)
        map_member = (f"DREAM4_Challenge2_GoldStandards/Size {size} multifactorial/Mapping/"
                      f"insilico_size{size}_multifactorial_{k}_goldstandard_ref.tsv")
        mapping = (parse_gene_mapping(_read_member(zf, map_member, gold_zip), f"{Path(gold_zip).name}:{map_member}")
                   if map_member in zf.namelist() else None)
    multi = None
    if steady_states and (multifactorial_zip is not None or size in MULTIFACTORIAL_ZIP):
        mzip = multifactorial_zip if multifactorial_zip is not None else fetch(MULTIFACTORIAL_ZIP[size])
        with _open_zip(mzip) as zf:
            member = f"{name}_multifactorial.tsv"
            multi = parse_steady_state(_read_member(zf, member, mzip), f"{Path(mzip).name}:{member}")
        if mapping is not None:  # the multifactorial sub-challenge renamed the genes: back to the network's names
            multi = relabel_multifactorial(multi, mapping, genes, f"{Path(mzip).name}:{member}")
    knockouts = extra.get("knockouts")
    knockdowns = extra.get("knockdowns")
    if knockouts is not None:
        knockouts.index = pd.Index(genes, name="deleted")
    if knockdowns is not None:
        knockdowns.index = pd.Index(genes, name="knocked_down")
    wildtype = extra["wildtype"].iloc[0] if extra.get("wildtype") is not None else None
    return Dream4Network(name=name, genes=genes, times=times, timeseries=values, gold=gold, knockouts=knockouts,
                         knockdowns=knockdowns, wildtype=wildtype, multifactorial=multi,
                         meta={"source": "DREAM4", "size": size, "network": k})


def load_networks(size: int = 100, networks=NETWORK_IDS, **kwargs) -> list[Dream4Network]:
    """Load several DREAM4 networks (default: all five of size 100)."""
    return [load_network(k, size, **kwargs) for k in networks]


def write_zip(path, members: dict[str, str]) -> Path:
    """Write ``{member name: text}`` into a zip at ``path`` (tests and size-10 copies)."""
    path = Path(path)
    with zipfile.ZipFile(path, "w") as zf:
        for member, text in members.items():
            zf.writestr(member, text)
    return path


def format_timeseries(genes, times, values) -> str:
    """Inverse of :func:`parse_timeseries`: DREAM4 text from ``values`` of shape (n_series, n_times, n_genes)."""
    out = io.StringIO()
    out.write("\t".join(f'"{g}"' for g in ["Time", *genes]) + "\n")
    for series in values:
        out.write("\n")
        for t, row in zip(times, series):
            out.write("\t".join(f"{v:.7f}" for v in [t, *row]) + "\n")
    return out.getvalue()


def load_dataset(n_networks: int = 5, size: int = 100, steady_states: bool = True) -> list[Dream4Network]:
    """The ``dream4`` dataset of :func:`genenets.datasets.load`: the first ``n_networks`` size-100
    networks with time series, knockouts, knockdowns, wild type and multifactorial data.

    Raises :class:`~genenets.errors.DataUnavailable` when the registry files cannot be had (the only
    case in which ``dataset="auto"`` falls back to the simulator)."""
    if not 1 <= n_networks <= len(NETWORK_IDS):
        raise ValueError(f"n_networks must be 1 to {len(NETWORK_IDS)}, got {n_networks}")
    return load_networks(size, networks=NETWORK_IDS[:n_networks], steady_states=steady_states)

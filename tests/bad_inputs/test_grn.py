"""Bad inputs of the DREAM4 loaders (08): +inf or NaN in a time series, knockout or multifactorial file ->
DataError naming the archive member and the line; nothing is written next to the files."""
from __future__ import annotations

import numpy as np
import pytest

from genenets.data import dream4
from genenets.errors import DataError
from genenets.tools import grn

from .conftest import snapshot

MODULE = "genenets.data.dream4"
GENES = [f"G{i}" for i in range(1, 5)]


def _steady(values) -> str:
    return "\t".join(f'"{g}"' for g in GENES) + "\n" + "\n".join("\t".join(str(v) for v in row) for row in values) + "\n"


def _zips(folder, ts_values=None, knockouts=None, multifactorial=None):
    """A size-10-layout network 1 with 4 genes: data zip (time series, knockouts, wild type), gold zip,
    multifactorial zip."""
    rng = np.random.default_rng(0)
    times = np.arange(0.0, 50.0, 10.0)
    ts = ts_values if ts_values is not None else rng.random((2, 5, 4))
    ko = knockouts if knockouts is not None else rng.random((4, 4))
    name = "insilico_size10_1"
    data = dream4.write_zip(folder / "data.zip", {
        f"{name}/{name}_timeseries.tsv": dream4.format_timeseries(GENES, times, ts),
        f"{name}/{name}_knockouts.tsv": _steady(ko),
        f"{name}/{name}_wildtype.tsv": _steady(rng.random((1, 4)))})
    gold_lines = "".join(f"{a}\t{b}\t{int(a == 'G1' and b == 'G2')}\n" for a in GENES for b in GENES if a != b)
    gold = dream4.write_zip(folder / "gold.zip", {
        "DREAM4_Challenge2_GoldStandards/Size 10/DREAM4_GoldStandard_InSilico_Size10_1.tsv": gold_lines})
    multi = dream4.write_zip(folder / "multi.zip", {
        f"{name}_multifactorial.tsv": _steady(multifactorial if multifactorial is not None else rng.random((3, 4)))})
    return dict(data_zip=data, gold_zip=gold, multifactorial_zip=multi)


def test_good_files_load(tmp_path):
    """Well-formed 4-gene time series, knockouts, wild type and multifactorial zips -> a network whose
    knockout z-scores are finite."""
    net = dream4.load_network(1, size=10, **_zips(tmp_path))
    assert net.timeseries.shape == (2, 5, 4) and net.knockouts.shape == (4, 4)
    assert np.isfinite(grn.steady_state_scores(net, trees=False)["knockout_z"]).all()


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_non_finite_value_in_time_series(tmp_path, value):
    """+inf, -inf or NaN in a DREAM4 time-series file -> DataError naming the member and its line; no file written."""
    ts = np.random.default_rng(1).random((2, 5, 4))
    ts[1, 2, 3] = value
    zips = _zips(tmp_path, ts_values=ts)
    before = snapshot(tmp_path)
    with pytest.raises(DataError, match=r"data.zip:insilico_size10_1/insilico_size10_1_timeseries.tsv: line 11 "
                                        r"holds a non-finite value"):
        dream4.load_network(1, size=10, **zips)
    assert snapshot(tmp_path) == before


def test_nan_in_knockout_file(tmp_path):
    """NaN in a DREAM4 knockout file -> DataError naming the knockouts member and its line; no file written."""
    ko = np.random.default_rng(2).random((4, 4))
    ko[2, 0] = np.nan
    zips = _zips(tmp_path, knockouts=ko)
    before = snapshot(tmp_path)
    with pytest.raises(DataError, match=r"insilico_size10_1_knockouts.tsv: line 4 holds a non-finite value \('nan'\)"):
        dream4.load_network(1, size=10, **zips)
    assert snapshot(tmp_path) == before


def test_inf_in_multifactorial_file(tmp_path):
    """+inf in a DREAM4 multifactorial file -> DataError naming the multifactorial member; no file written."""
    mf = np.random.default_rng(3).random((3, 4))
    mf[0, 1] = np.inf
    zips = _zips(tmp_path, multifactorial=mf)
    before = snapshot(tmp_path)
    with pytest.raises(DataError, match=r"multi.zip:insilico_size10_1_multifactorial.tsv: line 2 holds a "
                                        r"non-finite value \('inf'\)"):
        dream4.load_network(1, size=10, **zips)
    assert snapshot(tmp_path) == before


def test_non_finite_steady_state_reaching_the_methods():
    """A network object whose knockouts hold NaN (built in memory, not read from a file) -> ValueError naming the
    network and the table, before any score is computed."""
    class Net:
        name, genes = "toy", GENES
        knockouts = np.full((4, 4), np.nan)
        wildtype = np.ones(4)
        knockdowns = multifactorial = None

    with pytest.raises(ValueError, match="toy: knockouts holds NaN or infinite values"):
        grn.steady_state_scores(Net(), trees=False)

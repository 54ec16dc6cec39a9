"""DREAM4 loaders: the real size-100 files, a size-10 layout, and clear errors on bad files."""
import numpy as np
import pandas as pd
import pytest

from genenets.data import DataError, dream4

from conftest import have_mirror_or_cache

GENES = [f"G{i}" for i in range(1, 11)]


def _series(n_series=3, n_times=5, seed=0):
    rng = np.random.default_rng(seed)
    return np.linspace(0, 200, n_times), rng.random((n_series, n_times, len(GENES)))


def _gold_text(edges, genes=GENES):
    lines = [f"{a}\t{b}\t{int((a, b) in edges)}" for a in genes for b in genes if a != b]
    return "\n".join(lines) + "\n"


def _size10_zips(tmp_path, ts_text=None, gold_text=None):
    times, values = _series()
    ts_text = ts_text if ts_text is not None else dream4.format_timeseries(GENES, times, values)
    header = "\t".join(f'"{g}"' for g in GENES)
    steady = header + "\n" + "\n".join("\t".join(f"{v:.7f}" for v in row) for row in np.eye(10)) + "\n"
    data_zip = dream4.write_zip(tmp_path / "DREAM4_InSilico_Size10.zip", {
        "insilico_size10_2/insilico_size10_2_timeseries.tsv": ts_text,
        "insilico_size10_2/insilico_size10_2_knockouts.tsv": steady,
        "insilico_size10_2/insilico_size10_2_wildtype.tsv": header + "\n" + "\t".join(["0.5"] * 10) + "\n"})
    gold = gold_text if gold_text is not None else _gold_text({("G1", "G2"), ("G3", "G1")})
    gold_zip = dream4.write_zip(tmp_path / "gold.zip", {
        "DREAM4_Challenge2_GoldStandards/Size 10/DREAM4_GoldStandard_InSilico_Size10_2.tsv": gold})
    return data_zip, gold_zip, values


@pytest.mark.skipif(not have_mirror_or_cache("dream4/DREAM4_InSilico_Size100.zip"), reason="DREAM4 not available")
def test_real_size100_network():
    net = dream4.load_network(1)
    assert net.timeseries.shape == (10, 21, 100)
    assert net.genes[:3] == ["G1", "G2", "G3"] and len(net.genes) == 100
    np.testing.assert_allclose(net.times, np.arange(0, 1001, 50))
    assert len(net.gold) == 100 * 99 and set(net.gold["edge"]) == {0, 1}
    adj = net.adjacency()
    assert adj.sum() == net.gold["edge"].sum() == 176 and np.trace(adj) == 0
    assert adj[0, 1] == 1  # first gold-standard line: G1 -> G2 is an edge
    assert net.knockouts.shape == (100, 100) and net.wildtype.shape == (100,)
    assert net.multifactorial.shape == (100, 100)
    assert (net.timeseries >= 0).all() and (net.timeseries <= 1.0 + 1e-9).all()
    tidy = net.timeseries_frame()
    assert tidy.shape == (210, 102) and tidy["series"].nunique() == 10


def test_size10_layout_and_round_trip(tmp_path):
    data_zip, gold_zip, values = _size10_zips(tmp_path)
    net = dream4.load_network(2, size=10, data_zip=data_zip, gold_zip=gold_zip)
    assert net.name == "insilico_size10_2" and net.genes == GENES
    np.testing.assert_allclose(net.timeseries, values, atol=1e-7)
    adj = net.adjacency()
    assert adj[0, 1] == 1 and adj[2, 0] == 1 and adj[1, 0] == 0 and adj.sum() == 2
    assert net.knockouts.index[0] == "G1" and net.knockdowns is None
    assert net.wildtype.iloc[0] == pytest.approx(0.5)


def test_timeseries_missing_column_names_file_and_line(tmp_path):
    times, values = _series()
    text = dream4.format_timeseries(GENES, times, values).splitlines()
    text[3] = "\t".join(text[3].split("\t")[:-1])  # drop the last gene's value of one row
    data_zip, gold_zip, _ = _size10_zips(tmp_path, ts_text="\n".join(text))
    with pytest.raises(DataError, match=r"insilico_size10_2_timeseries\.tsv: line 4 has 10 values, the header has 11"):
        dream4.load_network(2, size=10, data_zip=data_zip, gold_zip=gold_zip)


def test_timeseries_truncated_series_no_time_column_non_numeric():
    times, values = _series()
    text = dream4.format_timeseries(GENES, times, values)
    lines = text.rstrip("\n").split("\n")
    with pytest.raises(DataError, match="ts.tsv: the 3 series have different numbers of time points"):
        dream4.parse_timeseries("\n".join(lines[:-1]), "ts.tsv")  # last series cut short
    no_time = "\t".join(f'"{g}"' for g in GENES) + "\n" + "\t".join(["0.1"] * 10) + "\n"
    with pytest.raises(DataError, match="ts.tsv: the first column is 'G1', expected 'Time'"):
        dream4.parse_timeseries(no_time, "ts.tsv")
    cells = lines[2].split("\t")
    lines[2] = "\t".join(cells[:3] + ["n/a"] + cells[4:])
    with pytest.raises(DataError, match="ts.tsv: line 3 holds a non-numeric value"):
        dream4.parse_timeseries("\n".join(lines), "ts.tsv")


def test_gold_standard_with_unknown_gene(tmp_path):
    bad = _gold_text({("G1", "G2")}) + "G1\tG99\t1\n"
    data_zip, gold_zip, _ = _size10_zips(tmp_path, gold_text=bad)
    with pytest.raises(DataError, match=r"DREAM4_GoldStandard_InSilico_Size10_2\.tsv: names 1 gene\(s\) not in the "
                                        r"expression data: G99"):
        dream4.load_network(2, size=10, data_zip=data_zip, gold_zip=gold_zip)


def test_gold_standard_malformed_lines():
    with pytest.raises(DataError, match="gold.tsv: line 2 has 2 fields, expected 3"):
        dream4.parse_gold_standard("G1\tG2\t1\nG2\tG1\n", "gold.tsv")
    with pytest.raises(DataError, match="edge value '2' is not 0 or 1"):
        dream4.parse_gold_standard("G1\tG2\t2\n", "gold.tsv")
    with pytest.raises(DataError, match="self-regulation"):
        dream4.parse_gold_standard("G1\tG1\t1\n", "gold.tsv")


def test_corrupt_zip_and_missing_member(tmp_path):
    data_zip, gold_zip, _ = _size10_zips(tmp_path)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(data_zip.read_bytes()[:200])
    with pytest.raises(DataError, match="broken.zip: not a readable zip archive"):
        dream4.load_network(2, size=10, data_zip=broken, gold_zip=gold_zip)
    with pytest.raises(DataError, match="has no member 'insilico_size10_3/insilico_size10_3_timeseries.tsv'"):
        dream4.load_network(3, size=10, data_zip=data_zip, gold_zip=gold_zip)


def test_bad_arguments():
    with pytest.raises(ValueError, match="network number must be one of"):
        dream4.load_network(6)
    with pytest.raises(ValueError, match="size 10 or 100"):
        dream4.load_network(1, size=50)


@pytest.mark.skipif(not have_mirror_or_cache(dream4.GOLD_ZIP), reason="DREAM4 gold standards not available")
def test_real_size10_gold_standard_with_local_data(tmp_path):
    times, values = _series(n_series=5, n_times=21)
    data_zip = dream4.write_zip(tmp_path / "size10.zip", {
        "insilico_size10_1/insilico_size10_1_timeseries.tsv": dream4.format_timeseries(GENES, times, values)})
    net = dream4.load_network(1, size=10, data_zip=data_zip)  # gold standard from the registry
    assert net.timeseries.shape == (5, 21, 10) and len(net.gold) == 90
    assert 0 < net.adjacency().sum() < 90 and np.trace(net.adjacency()) == 0
    assert net.knockouts is None and net.multifactorial is None


def test_multifactorial_genes_renamed_through_the_gold_standard_mapping():
    """The multifactorial sub-challenge renamed the genes (New); its Mapping file gives the size-100 names (Old)."""
    mapping = dream4.parse_gene_mapping('"New"\t"Old"\nG3\tG1\nG1\tG2\nG2\tG3\n\n', "map.tsv")
    assert mapping == {"G3": "G1", "G1": "G2", "G2": "G3"}
    table = pd.DataFrame([[30.0, 10.0, 20.0]], columns=["G3", "G1", "G2"])  # values named after their New gene
    out = dream4.relabel_multifactorial(table, mapping, ["G1", "G2", "G3"])
    assert list(out.columns) == ["G1", "G2", "G3"] and out.iloc[0].tolist() == [30.0, 10.0, 20.0]
    with pytest.raises(DataError, match="map.tsv: expected a header"):
        dream4.parse_gene_mapping("G1\tG2\n", "map.tsv")
    with pytest.raises(DataError, match="not one to one"):
        dream4.parse_gene_mapping("New\tOld\nG1\tG1\nG2\tG1\n", "map.tsv")
    with pytest.raises(DataError, match="m.tsv: its genes do not match"):
        dream4.relabel_multifactorial(table, {"G3": "G1"}, ["G1", "G2", "G3"], "m.tsv")


@pytest.mark.skipif(not have_mirror_or_cache("dream4/DREAM4_InSilico_Size100_Multifactorial.zip"),
                    reason="DREAM4 not available")
def test_real_multifactorial_data_carry_the_network_genes():
    """Relabelled, the multifactorial correlations rank the size-100 gold standard's edges well above random
    (with the New names read as the Old ones they were at the random AUPR, ~0.02)."""
    from genenets.tools import grn

    net = dream4.load_network(1)
    r = grn.evaluate_matrix(grn.correlation_scores(net.multifactorial.to_numpy()[None]), net.adjacency())
    assert r["aupr"] > 3 * r["random_aupr"]

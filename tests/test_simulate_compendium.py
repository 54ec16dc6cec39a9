import numpy as np
import pytest

from genenets.data import interactome
from genenets.simulate.compendium import simulate_compendium


@pytest.fixture(scope="module")
def comp():
    return simulate_compendium(n_genes=300, n_samples=300, seed=3)


def test_shapes_labels_and_truth(comp):
    assert comp.counts.shape == (300, 300)
    assert (comp.counts.to_numpy() >= 0).all()
    assert set(comp.labels.columns) == {"cell_type", "disease"}
    assert "healthy" in set(comp.labels["disease"])
    assert comp.truth.module.index.equals(comp.counts.columns)
    assert comp.truth.programs.shape[1] == comp.truth.module.max() + 1


def test_planted_genes_are_real_disease_genes_and_shift_expression(comp):
    table = interactome.load_disease_genes()
    for d, planted in comp.truth.disease_genes.items():
        assert planted <= (table.loc[d, "gwas"] | table.loc[d, "omim"])
        assert planted <= comp.truth.candidate_genes[d]
    d = max(comp.truth.disease_genes, key=lambda k: len(comp.truth.disease_genes[k]))
    genes = sorted(comp.truth.disease_genes[d])
    logc = np.log1p(comp.counts[genes])
    sick, healthy = comp.labels["disease"] == d, comp.labels["disease"] == "healthy"
    diff = logc[sick].mean() - logc[healthy].mean()
    effect = comp.truth.disease_effect.loc[genes, d]
    # the observed shift follows the sign of the planted effect for most genes
    assert (np.sign(diff) == np.sign(effect)).mean() > 0.8


def test_modules_are_coexpressed_and_network_local(comp):
    module = comp.truth.module
    m0 = module.index[module == 0]
    corr = np.corrcoef(np.log1p(comp.counts[m0].to_numpy()).T)
    background = module.index[module == -1]
    assert np.nanmean(corr[np.triu_indices(len(m0), 1)]) > 0.2
    assert set(comp.truth.off_network) <= set(background)
    assert all(g not in comp.truth.graph for g in comp.truth.off_network)


def test_same_seed_same_data():
    a = simulate_compendium(n_genes=100, n_samples=50, seed=1)
    b = simulate_compendium(n_genes=100, n_samples=50, seed=1)
    assert a.counts.equals(b.counts) and a.truth.module.equals(b.truth.module)


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown diseases"):
        simulate_compendium(n_genes=100, n_samples=50, diseases=["not a disease"])
    with pytest.raises(ValueError, match="at least 20 genes"):
        simulate_compendium(n_genes=5, n_samples=50)


def test_module_effect_moves_modules_and_is_recorded():
    base = simulate_compendium(n_genes=300, n_samples=300, seed=3, disease_fraction=0.5)
    moved = simulate_compendium(n_genes=300, n_samples=300, seed=3, disease_fraction=0.5, module_effect=1.0)
    assert (base.truth.module_effect.to_numpy() == 0).all()
    shifted = moved.truth.module_effect
    assert shifted.shape[1] == len(moved.truth.disease_genes) and (shifted.abs().to_numpy() > 0).any()
    # every shifted module holds a planted gene of its disease
    for d in shifted.columns:
        mods = {f"M{m}" for m in moved.truth.module[sorted(moved.truth.disease_genes[d])] if m >= 0}
        assert set(shifted.index[shifted[d] != 0]) == mods


def test_calibrated_compendium_disease_signal_is_detectable():
    """The registered (calibrated) compendium: a linear probe on raw expression finds every disease (AUROC >= 0.9),
    and module shifts give far more genes a large disease effect than isolated gene shifts."""
    from genenets import datasets
    from genenets.tools import deepae

    es = datasets.load("compendium-simulated", n_genes=300, n_samples=600, seed=1).data
    probe = deepae.disease_probe_table(es)
    assert (probe["probe_auroc_raw"] >= 0.9).all()
    calibrated = deepae.calibration_stats(es)
    plain = deepae.calibration_stats(datasets.load("compendium-simulated", n_genes=300, n_samples=600, seed=1,
                                                   module_effect=0.0).data)
    assert calibrated["disease_frac_genes_abs_d_gt_0.8"] > 2 * plain["disease_frac_genes_abs_d_gt_0.8"]
    assert 0.05 < calibrated["cell_type_variance_fraction"] < 0.6


def test_module_effect_spread_gives_modules_different_magnitudes():
    """module_effect_spread: each shifted module's magnitude is module_effect times a log-normal factor (median 1);
    0 keeps every magnitude at module_effect, and the signs and shifted modules are the same draws."""
    kw = dict(n_genes=300, n_samples=300, seed=3, disease_fraction=0.5, module_effect=1.0)
    flat = simulate_compendium(**kw).truth.module_effect.to_numpy()
    spread = simulate_compendium(**kw, module_effect_spread=0.7).truth.module_effect.to_numpy()
    assert set(np.unique(np.abs(flat[flat != 0]))) == {1.0}
    assert ((flat != 0) == (spread != 0)).all() and (np.sign(flat) == np.sign(spread)).all()
    mags = np.abs(spread[spread != 0])
    assert mags.std() > 0.2 and mags.min() < 1.0 < mags.max()

"""GRN simulator: DREAM4-shaped output, a consistent gold standard, reproducibility, perturbation timing."""
import numpy as np
import pytest

from genenets.simulate import grn


def test_shapes_and_gold_standard():
    sim = grn.simulate_grn(30, seed=3)
    assert sim.timeseries.shape == (10, 21, 30)
    np.testing.assert_allclose(sim.times, np.arange(0, 1001, 50))
    assert sim.timeseries.min() >= 0 and sim.timeseries.max() == pytest.approx(1.0)
    assert len(sim.gold) == 30 * 29 and not (sim.gold["regulator"] == sim.gold["target"]).any()
    adj = sim.adjacency()
    assert np.trace(adj) == 0 and adj.sum() == sim.gold["edge"].sum() > 0
    pos = sim.gold[sim.gold["edge"] == 1]
    idx = {g: i for i, g in enumerate(sim.genes)}
    assert all(adj[idx[r], idx[t]] == 1 for r, t in zip(pos["regulator"], pos["target"]))
    assert set(np.unique(sim.signed_adjacency)) <= {-1, 0, 1}
    g = sim.to_networkx()
    assert g.number_of_nodes() == 30 and g.number_of_edges() == adj.sum()


def test_same_seed_same_data_other_seed_other_network():
    a, b, c = grn.simulate_grn(15, seed=1), grn.simulate_grn(15, seed=1), grn.simulate_grn(15, seed=2)
    np.testing.assert_array_equal(a.timeseries, b.timeseries)
    np.testing.assert_array_equal(a.signed_adjacency, b.signed_adjacency)
    assert not np.array_equal(a.signed_adjacency, c.signed_adjacency)


def test_no_perturbation_no_noise_stays_at_wildtype():
    sim = grn.simulate_grn(12, perturbed_fraction=0.0, intrinsic_noise=0.0, measurement_noise=0.0,
                           multiplicative_noise=0.0, seed=0)
    np.testing.assert_allclose(sim.timeseries, np.broadcast_to(sim.wildtype, sim.timeseries.shape), atol=1e-3)


def test_perturbation_acts_in_first_half_and_relaxes_after():
    sim = grn.simulate_grn(20, intrinsic_noise=0.0, measurement_noise=0.0, multiplicative_noise=0.0, seed=4)
    deviation = np.abs(sim.timeseries - sim.wildtype).mean(axis=(0, 2))  # per time point
    assert deviation[0] < 1e-3  # starts at the wild type
    assert deviation[10] > 5 * deviation[0] + 1e-3  # perturbed at mid-course
    assert deviation[20] < 0.5 * deviation[10]  # relaxing back once the perturbation is removed
    assert (sim.perturbations != 1).any(axis=1).all()


def test_scale_free_hubs_and_large_sizes():
    sim = grn.simulate_grn(1000, n_series=2, n_times=5, t_end=100.0, seed=0)
    out_degree = sim.adjacency().sum(axis=1)
    assert sim.timeseries.shape == (2, 5, 1000)
    # preferential attachment: a few hubs regulate far more genes than the mean
    assert out_degree.max() > 5 * out_degree.mean()
    assert 1.0 < sim.adjacency().sum() / 1000 < 3.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="at least 2 genes"):
        grn.simulate_grn(1)
    with pytest.raises(ValueError, match="perturbed_fraction must be in"):
        grn.simulate_grn(10, perturbed_fraction=1.5)
    with pytest.raises(ValueError, match="n_times must be at least 2"):
        grn.simulate_grn(10, n_times=1)

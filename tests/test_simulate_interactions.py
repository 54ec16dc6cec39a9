"""Tests of genenets.simulate.interactions."""
import numpy as np
import pytest

from genenets.simulate.interactions import simulate_interactions


def test_shapes_balance_and_no_duplicates():
    sim = simulate_interactions(n_genes=300, n_arrays=40, n_programs=10, n_positive=800, seed=1)
    assert sim.expression.shape == (300, 40)
    assert sim.pairs["label"].mean() == 0.5
    key = sim.pairs[["gene_a", "gene_b"]].apply(lambda r: tuple(sorted(r)), axis=1)
    assert not key.duplicated().any()
    assert (sim.pairs["gene_a"] != sim.pairs["gene_b"]).all()


def test_signal_sets_within_program_correlation():
    def mean_abs_r(signal):
        sim = simulate_interactions(n_genes=200, n_arrays=200, n_programs=10, n_positive=300, signal=signal, seed=2)
        r = np.corrcoef(sim.expression.to_numpy())
        prog = sim.truth.program
        same = (prog[:, None] == prog[None, :]) & ~np.eye(len(prog), dtype=bool)
        return np.abs(r[same]).mean()

    # |r| within a program is about `signal` (the shared variance fraction); 0 without signal
    assert mean_abs_r(0.0) < 0.1
    assert abs(mean_abs_r(0.6) - 0.6) < 0.08


def test_positives_mostly_within_program_and_seeded():
    sim = simulate_interactions(n_genes=400, n_arrays=20, n_programs=10, n_positive=1000,
                                within_program_fraction=1.0, seed=3)
    idx = lambda s: s.str[1:].astype(int).to_numpy()  # noqa: E731
    pos = sim.pairs[sim.pairs["label"] == 1]
    prog = sim.truth.program
    assert (prog[idx(pos["gene_a"])] == prog[idx(pos["gene_b"])]).all()
    again = simulate_interactions(n_genes=400, n_arrays=20, n_programs=10, n_positive=1000,
                                  within_program_fraction=1.0, seed=3)
    assert again.pairs.equals(sim.pairs)


def test_bad_parameters():
    with pytest.raises(ValueError, match="signal must be in"):
        simulate_interactions(n_genes=100, signal=1.5)
    with pytest.raises(ValueError, match="at least 2 genes per program"):
        simulate_interactions(n_genes=10, n_programs=10)

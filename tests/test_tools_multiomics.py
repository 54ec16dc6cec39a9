import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import spearmanr
from statsmodels.stats.multitest import multipletests

from genenets import ranking
from genenets.errors import ConfigError
from genenets.data.multiomics import MultiOmics
from genenets.simulate.multiomics import simulate_multiomics
from genenets.tools import multiomics as mo

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def small():
    data, truth = simulate_multiomics(n_samples=16, n_genes=120, n_metabolites=20, n_pathway_genes=8,
                                      n_pathway_metabolites=4, n_markers=10, seed=0)
    return data, data.homology, truth, mo.prepare(data)


def test_prepare_log_zscore_and_pqn():
    X = pd.DataFrame([[1.0, 3.0, 7.0], [3.0, 7.0, 15.0]], index=["a", "b"], columns=["x", "y", "z"])
    data = MultiOmics(X, X * 10, pd.DataFrame(index=X.index), "fpkm", {}, "t")
    prep = mo.prepare(data, "median")
    np.testing.assert_allclose(prep.gene_log, np.log2(X + 1))
    np.testing.assert_allclose(prep.genes.std(ddof=0), 1.0)
    with pytest.raises(ValueError, match="negative FPKM"):
        mo.log_fpkm(-X)
    # PQN removes a pure dilution: sample b = 2 x sample a
    M = pd.DataFrame([[1.0, 2.0, 4.0, 8.0], [2.0, 4.0, 8.0, 16.0]])
    _, factor = mo.normalize_metabolites(M, "pqn")
    assert factor[1] / factor[0] == pytest.approx(2.0)
    with pytest.raises(ValueError, match="unknown metabolite normalization"):
        mo.normalize_metabolites(M, "quantile")


def test_settings_budget_scale_and_weights(tmp_path):
    groups = dict(autoencoder=dict(gene_hidden=[64], metabolite_hidden=[32], latent=8, dropout=0.1, n_folds=3),
                  ae_training=dict(lr=1e-3, epochs=100, patience=5, batch_size=16, val_fraction=0.2),
                  gat=dict(hidden=8, heads=2, dropout=0.3, epochs=50, lr=0.005, weight_decay=5e-4, patience=20))
    cfg = mo.settings(**groups, weights={"correlation": 0.5, "autoencoder": 0.5}, budget_scale=4.0)
    assert cfg["ae"]["epochs"] == 400 and cfg["gat"]["epochs"] == 200 and cfg["latent"] == 8
    assert cfg["ae"]["n_folds"] == 3 and cfg["gat"]["patience"] == 20
    # the notebook's path to the autoencoders carries the validation split: early stopping never sees the
    # held-out fold (it did before: ae_training's val_fraction was dropped and the folds stopped on held-out data)
    assert mo.ae_params(cfg)["val_fraction"] == 0.2
    assert cfg["weights"] == {"correlation": 0.5, "autoencoder": 0.5}
    good = tmp_path / "w.yaml"
    good.write_text("weights: {correlation: 0.8, homology: 0.2}\n")
    assert mo.settings(**groups, weights_file=str(good))["weights"] == {"correlation": 0.8, "homology": 0.2}
    with pytest.raises(ValueError, match="budget_scale"):
        mo.settings(**groups, budget_scale=0.0)
    # a group with an unknown or a missing key names the group and the key
    with pytest.raises(ConfigError, match=r"`gat`: unknown keys \['epochz'\]"):
        mo.settings(**groups | {"gat": {**groups["gat"], "epochz": 3}})
    with pytest.raises(ConfigError, match=r"`ae_training`: missing keys \['val_fraction'\]"):
        mo.settings(**groups | {"ae_training": {k: v for k, v in groups["ae_training"].items() if k != "val_fraction"}})
    with pytest.raises(ConfigError, match="val_fraction"):
        mo.settings(**groups | {"ae_training": {**groups["ae_training"], "val_fraction": 0.5}})


def test_dataset_kwargs_per_dataset():
    sim = dict(n_samples=40, n_genes=300)
    assert mo.dataset_kwargs("multiomics-simulated", 3, sim, {}) == {"n_samples": 40, "n_genes": 300, "seed": 3}
    files = {"gene_csv": "g.csv", "metabolite_csv": "m.csv", "hits_table": "h.tsv", "weights_file": "w.yaml"}
    assert mo.dataset_kwargs("multiomics-csv", 0, sim, files, "log") == {"gene_csv": "g.csv", "metabolite_csv": "m.csv",
                                                                        "gene_scale": "log"}
    assert mo.dataset_kwargs("nutrimouse", 0, sim, files) == {}
    assert mo.fit_widths(21, [128, 16], 64) == ([21, 16], 21)


def test_spearman_matrix_matches_scipy_and_bh(small):
    _, _, _, prep = small
    rho, q = mo.spearman_matrix(prep.genes, prep.metabolites)
    g, m = prep.genes.columns[5], prep.metabolites.columns[3]
    r, p = spearmanr(prep.genes[g], prep.metabolites[m])
    assert rho.loc[g, m] == pytest.approx(r)
    _, p_all = spearmanr(prep.genes.to_numpy(), prep.metabolites.to_numpy())
    ng, nm = prep.genes.shape[1], prep.metabolites.shape[1]
    q_ref = multipletests(p_all[:ng, ng:].ravel(), method="fdr_bh")[1].reshape(ng, nm)
    np.testing.assert_allclose(q.to_numpy(), q_ref)


def test_sample_graph_knn_and_cosine():
    Z = np.array([[1.0, 0], [0.9, 0.1], [0, 1.0], [0.1, 0.9]])
    e = mo.sample_graph(Z, "knn", k=1)
    pairs = set(map(tuple, e.T))
    assert pairs == {(0, 1), (1, 0), (2, 3), (3, 2)}
    e = mo.sample_graph(Z, "cosine", threshold=0.5)
    assert set(map(tuple, e.T)) == pairs
    with pytest.raises(ValueError, match="k must be"):
        mo.sample_graph(Z, "knn", k=4)


def test_autoencoder_cv_fold_losses_and_importances(small):
    _, _, _, prep = small
    ae = mo.OmicsAE([16], latent=4, epochs=15, patience=3, n_folds=3, seed=0).fit(prep.genes.to_numpy())
    assert list(ae.fold_losses_["fold"]) == [1, 2, 3]
    assert (ae.fold_losses_["best_epoch"] <= ae.fold_losses_["epochs_run"]).all()
    assert ae.transform(prep.genes).shape == (16, 4)
    recon = mo.reconstruction_importance(ae, prep.genes)
    mse_ref = ((prep.genes.to_numpy() - ae.oof_reconstruction_) ** 2).mean(0)
    np.testing.assert_allclose(recon["mse"], mse_ref, rtol=1e-5)
    grad = mo.gradient_importance(ae, prep.genes)
    # reference: autograd of each latent unit, one sample
    x = torch.as_tensor(prep.genes.to_numpy(np.float32)[:1]).requires_grad_(True)
    z = ae.model_.encoder(x)
    ref = sum(torch.autograd.grad(z[0, j], x, retain_graph=True)[0].abs() for j in range(4))
    jac1 = torch.func.jacrev(ae.model_.encoder)(x[0].detach())
    torch.testing.assert_close(jac1.abs().sum(0), ref[0])
    assert grad.shape == (prep.genes.shape[1],) and (grad >= 0).all()


def test_gat_classifier_beats_chance_on_separable_graph_and_baselines():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 10)
    Z = rng.normal(0, 0.3, (20, 6))
    Z[np.arange(20), y] += 2.0  # group a points along axis 0, group b along axis 1
    labels = pd.DataFrame({"group": pd.Categorical(np.where(y, "b", "a"))}, index=[f"s{i}" for i in range(20)])
    edges = mo.sample_graph(Z, "knn", k=3)
    acc, preds = mo.evaluate_classifiers(Z, edges, labels, dict(hidden=4, heads=2, epochs=80), n_folds=4, seed=0)
    acc = acc.set_index("method")["accuracy"]
    assert acc["majority"] <= 0.5 and acc["logistic regression"] == 1.0 and acc["GAT"] >= 0.9
    assert len(preds) == 20
    gat = mo.GATClassifier(hidden=4, heads=2, epochs=5).fit(Z, edges, y[:, None])
    assert gat.input_importance().shape == (6,)


def test_gnn_gene_importance_projection():
    X = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [4.0, 1, 3, 2]})
    Z = np.array([[1.0, 0], [2, 1], [3, 0], [4, 1]])
    imp = mo.gnn_gene_importance([1.0, 0.0], X, Z)
    assert imp["a"] == pytest.approx(1.0) and imp["b"] == pytest.approx(abs(np.corrcoef(X["b"], Z[:, 0])[0, 1]))
    with pytest.raises(ValueError, match="latent importances"):
        mo.gnn_gene_importance([1.0], X, Z)


def test_stage_cache_is_content_keyed_and_stages_run_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("GENENETS_CACHE_DIR", str(tmp_path))
    calls = []

    def compute():
        calls.append(1)
        return {"x": len(calls)}

    inputs = {"data": np.arange(5.0), "p": 1}
    out, key = mo.stage(1, [1], inputs, compute)
    assert out == {"x": 1}
    # not in stages: read from the cache, not computed
    assert mo.stage(1, [2], inputs, lambda: 1 / 0) == (out, key)
    # other content, same names: recomputed, another key
    out2, key2 = mo.stage(1, [1], {"data": np.arange(5.0) + 1, "p": 1}, compute)
    assert out2 == {"x": 2} and key2 != key
    with pytest.raises(ValueError, match="stage 3 is not in stages"):
        mo.stage(3, [5], inputs, compute)


def test_evidence_table_fusion_and_excel(small, tmp_path):
    data, hits, truth, prep = small
    genes = prep.genes.columns
    rho, q = mo.spearman_matrix(prep.genes, prep.metabolites)
    recon = pd.DataFrame({"mse": np.linspace(0, 1, len(genes)), "reconstruction": np.linspace(1, 0, len(genes))},
                         index=genes)
    hom, fam, _ = ranking.homology_evidence(hits, genes)
    ev = mo.evidence_table(mo.correlation_evidence(rho, q), recon, pd.Series(1.0, index=genes),
                           pd.Series(np.arange(len(genes), dtype=float), index=genes), hom, fam)
    ranked = ranking.fuse(ev, ranking.DEFAULT_WEIGHTS)
    assert {"correlation", "autoencoder", "gnn", "homology", "family", "fused", "rank"} <= set(ranked.columns)
    path = mo.write_excel(ranked, tmp_path / "r.xlsx")
    back = pd.read_excel(path, index_col=0)
    assert list(back.index[:5]) == list(ranked.index[:5])


def test_autoencoder_on_simulated_data_beats_the_training_mean_and_reports_folds():
    data, _ = simulate_multiomics(n_samples=100, n_genes=300, n_metabolites=40, n_pathway_genes=10, n_markers=20,
                                  seed=2)
    prep = mo.prepare(data)
    ae = mo.OmicsAE([32], latent=5, dropout=0.1, lr=3e-3, epochs=150, patience=10, batch_size=32, n_folds=3,
                    val_fraction=0.2, seed=0, name="metabolites").fit(prep.metabolites.to_numpy())
    f = ae.fold_losses_
    assert (f["heldout_loss"] < 0.95 * f["mean_loss"]).all()
    # an epoch is a full pass over mini-batches: several optimizer steps, real best epochs
    assert (f["best_epoch"] > 1).all() and set(f["stop_reason"]) <= {"patience", "cap"}
    assert {h.status() for h in ae.histories_.values()} <= {"converged", "budget-limited"}
    assert ae.score(prep.metabolites) <= 0
    # stopped on a validation split of the training samples, scored on the held-out fold: two different losses
    assert not np.allclose(f["val_loss"], f["heldout_loss"])


def test_replacing_a_csv_with_other_values_gives_new_stage_results(tmp_path, monkeypatch):
    from genenets import datasets

    monkeypatch.setenv("GENENETS_CACHE_DIR", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    samples = [f"s{i}" for i in range(8)]
    g, m = tmp_path / "genes.csv", tmp_path / "metab.csv"

    def write(scale):
        pd.DataFrame(rng.uniform(0, 50, (20, 8)) * scale, index=[f"g{i}" for i in range(20)],
                     columns=samples).to_csv(g)
        pd.DataFrame(rng.uniform(1, 9, (6, 8)), index=[f"m{i}" for i in range(6)], columns=samples).to_csv(m)

    def stage1(stages=(1,)):
        data = datasets.load("multiomics-csv", gene_csv=g, metabolite_csv=m).data
        return mo.stage(1, stages, {"data": data}, lambda: mo.stage1(data))

    write(1.0)
    first, key1 = stage1()
    assert stage1(stages=())[1] == key1  # the stage runs alone from the cache
    write(3.0)  # same file names, same shapes, other values
    second, key2 = stage1()
    assert key2 != key1
    assert not np.allclose(first["prep"].gene_log.to_numpy(), second["prep"].gene_log.to_numpy())


def test_cv_weights_are_chosen_on_the_other_replicates():
    genes = [f"g{i}" for i in range(10)]

    def rep(good):  # the planted genes g0, g1 score high on evidence `good` only
        ev = pd.DataFrame({e: np.linspace(0, 1, 10) for e in mo.EVIDENCES}, index=genes)
        ev[good] = np.r_[1.0, 0.9, np.linspace(0, 0.5, 8)]
        return {"evidence": ev, "planted": ["g0", "g1"]}

    reps = {0: rep("homology"), 1: rep("homology"), 2: rep("correlation")}
    cv = mo.cv_weights(reps, k=2, step=0.5).set_index("seed")
    # replicate 2 is evaluated with weights chosen on 0 and 1 (homology), so it misses its planted genes
    assert cv.loc[2, "homology"] == 1.0 and cv.loc[2, "precision"] == 0.0
    assert len(mo.weight_grid(step=0.5)) == 10 and all(abs(sum(w.values()) - 1) < 1e-9 for w in mo.weight_grid())


def test_classifiers_on_latents_and_raw_features_share_folds():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 12)
    Z = rng.normal(0, 0.3, (24, 4))
    Z[np.arange(24), y] += 2.0
    raw = np.hstack([Z, rng.normal(size=(24, 30))])
    labels = pd.DataFrame({"group": pd.Categorical(np.where(y, "b", "a"))}, index=[f"s{i}" for i in range(24)])
    hist = {}
    acc, preds = mo.evaluate_classifiers(Z, mo.sample_graph(Z, "knn", k=3), labels,
                                         dict(hidden=4, heads=2, epochs=60, patience=10), n_folds=4, seed=0, raw=raw,
                                         graph=dict(method="knn", k=3), histories=hist)
    assert set(acc["features"]) == {"latents", "raw"} and len(preds) == 48
    a = acc.set_index(["features", "method"])["accuracy"]
    assert a[("latents", "logistic regression")] >= 0.9 and a[("latents", "majority")] <= 0.5
    assert len(hist) == 8 and all(h.stop_reason in ("patience", "cap") for h in hist.values())


def test_set_threads_limits_torch_and_blas():
    from threadpoolctl import threadpool_info

    before = torch.get_num_threads()
    limiter = mo.set_threads(1)
    try:
        assert torch.get_num_threads() == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    finally:
        limiter.restore_original_limits()
        torch.set_num_threads(before)
    with pytest.raises(ConfigError, match="n_threads"):
        mo.set_threads(0)

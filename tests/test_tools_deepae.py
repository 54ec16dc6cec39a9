import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from sklearn.metrics import r2_score, silhouette_samples

import torch

from genenets import cache
from genenets.data.expression import ExpressionSet
from genenets.models.autoencoder import SigmoidAutoencoder
from genenets.tools import deepae


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    monkeypatch.setenv("GENENETS_CACHE_DIR", str(tmp_path))
    rng = np.random.default_rng(0)
    n, g = 80, 12
    labels = pd.DataFrame({"cell_type": np.repeat(["a", "b"], n // 2),
                           "disease": np.tile(["healthy", "healthy", "healthy", "flu"], n // 4)},
                          index=[f"s{i}" for i in range(n)])
    base = np.where(labels["cell_type"].to_numpy()[:, None] == "a", 5.0, 50.0) * np.linspace(0.5, 2, g)
    base[labels["disease"].to_numpy() == "flu", :3] *= 6
    counts = rng.poisson(base).astype(float)
    es = ExpressionSet(pd.DataFrame(counts, index=labels.index, columns=[f"G{i}" for i in range(g)]), labels,
                       name="tiny", is_counts=True)
    return deepae.prepare(es, val_fraction=0.25, seed=0)


def test_one_minus_r2_against_definitions():
    rng = np.random.default_rng(1)
    X = rng.random((30, 4))
    X_hat = X + rng.normal(0, 0.1, X.shape)
    out = deepae.one_minus_r2(X, X_hat)
    assert out["global"] == pytest.approx(((X - X_hat) ** 2).sum() / ((X - X.mean()) ** 2).sum())
    per_gene = ((X - X_hat) ** 2).sum(0) / ((X - X.mean(0)) ** 2).sum(0)
    assert out["genewise"] == pytest.approx(per_gene.mean())


def test_power_law_recovers_exponent():
    w = np.array([16, 32, 64, 128])
    law = deepae.fit_power_law(w, 3.0 * w ** -0.5)
    assert law["a"] == pytest.approx(3.0) and law["b"] == pytest.approx(0.5) and law["r2"] == pytest.approx(1)


def test_reconstruction_table_has_pca_anchor(tiny):
    family = deepae.train_family(tiny, [2, 4], epochs=2, lr=1e-2)
    table = deepae.reconstruction_table(family, tiny)
    assert set(table["model"]) == {"SAE", "deepAE", "PCA"}
    assert len(table) == 3 * 2 * 2
    pca = table[(table.model == "PCA") & (table.split == "train")].sort_values("width")["global"].to_numpy()
    assert pca[1] <= pca[0]  # more components never reconstruct the training data worse


def test_silhouette_by_group_matches_sklearn_and_excludes_singletons():
    emb = np.array([[0, 0], [0, 1], [5, 5], [5, 6], [9, 9]], dtype=float)
    labels = ["x", "x", "y", "y", "z"]
    sil, singles = deepae.silhouette_by_group(emb, labels)
    assert singles == ["z"]
    ref = silhouette_samples(emb[:4], labels[:4])
    assert sil["x"] == pytest.approx(ref[:2].mean())


def test_wins_against_pca_binomial():
    table = pd.DataFrame({"grouping": "g", "group": list("abcdef") * 2,
                          "method": ["PCA (all genes)"] * 6 + ["layer 1"] * 6,
                          "silhouette": [0.1] * 6 + [0.2, 0.2, 0.2, 0.2, 0.2, 0.0]})
    row = deepae.wins_against_pca(table).iloc[0]
    assert (row.wins, row.losses, row.odds_ratio) == (5, 1, 5.0)
    assert row.binom_p == pytest.approx(sps.binomtest(5, 6, 0.5).pvalue)


def test_lightup_shape_and_one_node(tiny):
    model = deepae.train_autoencoder(tiny, "deepAE", 3, epochs=2, lr=1e-2).model
    lit = deepae.lightup(model, tiny.X_train, 2)
    assert lit.shape == (3, len(tiny.genes))
    # the paper's lit value is the sigmoid's maximum: node i of layer 2 set to 1, the others to 0
    with torch.no_grad():
        manual = model.decode_from(torch.eye(3), 2).numpy()
    np.testing.assert_allclose(lit, manual, rtol=1e-6)
    observed = deepae.lightup(model, tiny.X_train, 2, lit_value=None)
    assert not np.allclose(observed, lit)  # observed maxima are below 1
    assert deepae.lightup_ks(2000, 8, 0.05) == [8, 16, 32, 64]


def test_reference_gene_sets_excludes_empty_and_unknown():
    table = pd.DataFrame({"gwas": [set(), {"A"}], "omim": [{"B", "C"}, set()]}, index=["aml", "all"])
    sets, excluded = deepae.reference_gene_sets(table, {"AML": "aml", "ALL": "all", "X": "nope"})
    assert sets == {"ALL": {"A"}} and set(excluded) == {"AML", "X"}
    assert "no gwas genes" in excluded["AML"] and "not in the disease table" in excluded["X"]
    sets, excluded = deepae.reference_gene_sets(table, {"AML": "aml"}, sources=("gwas", "omim"))
    assert sets == {"AML": {"B", "C"}} and not excluded
    with pytest.raises(ValueError, match="sources must be"):
        deepae.reference_gene_sets(table, {"AML": "aml"}, sources=("hpo",))


def test_interactome_coverage_counts_absent_genes():
    import networkx as nx

    g = nx.Graph([("A", "B"), ("B", "C")])
    cov = deepae.interactome_coverage(["A", "C", "Z", "A"], g)
    assert (cov["n_genes"], cov["n_in_interactome"], cov["n_absent"], cov["absent_examples"]) == (3, 2, 1, ["Z"])


def test_lightup_distinct_genes_counts_the_union_of_top_k():
    genes = ["A", "B", "C", "D", "E"]
    lit = {"same": np.array([[5, 4, 0, 0, 9], [5, 4, 0, 0, 9]], float),  # E is outside the universe
           "different": np.array([[5, 4, 0, 0, 0], [0, 0, 4, 5, 0]], float)}
    out = deepae.lightup_distinct_genes(lit, genes, {"A", "B", "C", "D"}, k=2)
    assert out == {"same": 2, "different": 4}


def test_convergence_table_flags_models_still_improving():
    falling = pd.DataFrame({"epoch": range(1, 21), "train_loss": 1.0, "val_loss": np.linspace(2.0, 1.0, 20)})
    flat = falling.assign(val_loss=np.r_[np.linspace(2.0, 1.0, 10), np.full(10, 1.0)])
    family = {("SAE", 4): deepae.TrainedModel("SAE", 4, None, falling, False),
              ("deepAE", 4): deepae.TrainedModel("deepAE", 4, None, flat, True)}
    t = deepae.convergence_table(family, window=5).set_index("model")
    assert t.loc["SAE", "val_loss_drop_last_5"] == pytest.approx(round((falling.val_loss.iloc[-6] - 1.0)
                                                                        / falling.val_loss.iloc[-6], 4))
    assert t.loc["SAE", "still_improving"] and not t.loc["deepAE", "still_improving"]
    assert t.loc["deepAE", "best_epoch"] == 10 and t.loc["SAE", "epochs_run"] == 20


def test_training_is_cached_by_content_and_reproducible(tiny, tmp_path):
    first = deepae.train_autoencoder(tiny, "deepAE", 4, epochs=3, lr=1e-2, seed=0)
    again = deepae.train_autoencoder(tiny, "deepAE", 4, epochs=3, lr=1e-2, seed=0)
    assert not first.from_cache and again.from_cache
    assert len(list((tmp_path / "deepae" / "autoencoder").glob("*.joblib"))) == 1
    for a, b in zip(first.model.parameters(), again.model.parameters()):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    assert first.fit.epochs_cap == 3 and first.fit.stop_reason == "cap" and first.fit.status() in (
        "budget-limited", "did not learn")
    assert not deepae.train_autoencoder(tiny, "deepAE", 4, epochs=3, lr=1e-2, seed=1).from_cache
    changed = deepae.PreparedData(**{**tiny.__dict__, "X_train": tiny.X_train * 0.5})  # same shape, other data
    assert not deepae.train_autoencoder(changed, "deepAE", 4, epochs=3, lr=1e-2, seed=0).from_cache
    with pytest.raises(ValueError, match="kind must be"):
        deepae.train_autoencoder(tiny, "VAE", 4)


def test_an_early_stopped_model_is_reused_under_a_higher_cap(tiny):
    """Early stopping ended it after E epochs: the same model under any cap >= E (robustness grid's 4x, 16x), loaded
    with the cap asked for; a budget-limited one, or a cap below E, trains anew."""
    first = deepae.train_autoencoder(tiny, "SAE", 3, epochs=400, lr=0.0, seed=0, patience=2)  # lr 0: stops at 3
    assert first.fit.stop_reason == "patience" and not first.from_cache
    run_for = len(first.fit.train_loss)
    bigger = deepae.train_autoencoder(tiny, "SAE", 3, epochs=1600, lr=0.0, seed=0, patience=2)
    assert bigger.from_cache and bigger.fit.epochs_cap == 1600 and first.fit.epochs_cap == 400
    for a, b in zip(first.model.parameters(), bigger.model.parameters()):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    smaller = deepae.train_autoencoder(tiny, "SAE", 3, epochs=run_for - 1, lr=0.0, seed=0, patience=2)
    assert not smaller.from_cache and smaller.fit.stop_reason == "cap"
    capped = deepae.train_autoencoder(tiny, "deepAE", 3, epochs=2, lr=1e-3, seed=0, patience=50)
    assert capped.fit.stop_reason == "cap"
    assert not deepae.train_autoencoder(tiny, "deepAE", 3, epochs=4, lr=1e-3, seed=0, patience=50).from_cache


def test_family_convergence_names_every_model(tiny):
    family = deepae.train_family(tiny, [2, 3], epochs=2, lr=1e-2, patience=1)
    conv = deepae.family_convergence(family, prefix="x ")
    assert list(conv["model"]) == ["x SAE w=2", "x SAE w=3", "x deepAE w=2", "x deepAE w=3"]
    assert set(conv["status"]) <= {"converged", "budget-limited", "did not learn"}
    assert (conv["no_learning_loss"] > 0).all()


def test_stacked_reverse_score_by_hand():
    """s_p = W_{L-1} x_{L-2} on a tiny network built by hand: 2 phenotypes -> width 2 -> 3 genes (SAE)."""
    from genenets.models.autoencoder import ReverseNetwork, StackedReverse

    ae = SigmoidAutoencoder(3, 2, n_hidden=1)
    rev = ReverseNetwork(2, 2)
    with torch.no_grad():
        ae.layers[0].weight.copy_(torch.tensor([[1.0, -1.0, 0.5], [0.0, 2.0, -1.0]]))  # encoder W_1 (2 x 3)
        ae.layers[1].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]]))  # output W (3 x 2)
        ae.layers[1].bias.copy_(torch.tensor([5.0, 5.0, 5.0]))  # not part of s_p
        rev.hidden.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
        rev.hidden.bias.zero_()
        rev.out.weight.copy_(torch.tensor([[2.0, 0.0], [0.0, -2.0]]))
        rev.out.bias.copy_(torch.tensor([0.1, 0.2]))
    W_out = ae.layers[1].weight.detach().numpy()
    ref = ae.layers[0].weight.detach().numpy()
    w = rev.out.weight.detach().numpy()
    w_rescaled = (w - w.mean()) / w.std(ddof=1) * ref.std(ddof=1) + ref.mean()  # step 3
    stacked = StackedReverse(rev, ae, layer=1, rescale=True)
    np.testing.assert_allclose(rev.out.weight.detach().numpy(), w_rescaled, rtol=1e-6)
    sig = 1 / (1 + np.exp(-np.eye(2)))  # sigmoid hidden of each one-hot
    code = sig @ w_rescaled.T + np.array([0.1, 0.2])  # linear output = predicted code of layer 1
    s_p = code @ W_out.T  # the output layer's pre-activation, without bias
    with torch.no_grad():
        np.testing.assert_allclose(stacked.score(torch.eye(2)).numpy(), s_p, rtol=1e-5)
        np.testing.assert_allclose(stacked(torch.eye(2)).numpy(), 1 / (1 + np.exp(-(s_p + 5.0))), rtol=1e-5)


def test_stacked_reverse_through_deeper_layers():
    from genenets.models.autoencoder import ReverseNetwork, StackedReverse

    torch.manual_seed(0)
    ae = SigmoidAutoencoder(6, 3, n_hidden=3)
    stacked = StackedReverse(ReverseNetwork(2, 3), ae, layer=1, rescale=False)
    with torch.no_grad():
        code = stacked.reverse(torch.eye(2))
        x = torch.sigmoid(ae.layers[2](torch.sigmoid(ae.layers[1](code))))  # layers 2 and 3
        np.testing.assert_allclose(stacked.score(torch.eye(2)).numpy(), (x @ ae.layers[3].weight.T).numpy(), rtol=1e-5)


def test_reverse_training_routes_scores_and_baseline(tiny):
    family = deepae.train_family(tiny, [3], epochs=5, lr=1e-2)
    pheno = tiny.labels_all["disease"].to_numpy()
    scores, hists = deepae.reverse_training_scores(family, 3, tiny.X_all, pheno, tiny.genes, "healthy", epochs=20,
                                                   lr=1e-2, patience=5)
    assert set(deepae.ROUTES) < set(scores) and "baseline t-test" in scores
    assert "SAE, ours: s_p minus healthy" in scores
    assert all(list(s.index) == ["flu"] and s.shape == (1, len(tiny.genes)) for s in scores.values())
    assert set(hists) == {f"reverse {r}" for r in deepae.ROUTES}
    assert all(h.no_learning_loss > 0 for h in hists.values())
    # the t-test baseline ranks the three planted genes first
    assert set(deepae.top_genes(scores["baseline t-test"].loc["flu"], 3)) == {"G0", "G1", "G2"}
    gwas = {"flu": {"G0", "G1", "G2"}, "cold": {"NOPE"}}
    table = deepae.disease_gene_table(scores, tiny.genes, ["flu", "cold"], gwas, 3, planted={"flu": {"G0", "G1", "G2"}})
    assert table.attrs["excluded"] == ["cold"]
    t_row = table[table.method == "baseline t-test"].iloc[0]
    assert t_row.overlap == 3 and t_row.recall_planted == 1.0
    with pytest.raises(ValueError, match="control phenotype"):
        deepae.reverse_training_scores(family, 3, tiny.X_all, pheno, tiny.genes, "nobody", epochs=2, lr=1e-2)


def test_signed_ranking_for_paper_scores():
    s = pd.Series({"a": -5.0, "b": 3.0, "c": 1.0})
    assert deepae.top_genes_by(s, 1, signed=True) == ["b"] and deepae.top_genes_by(s, 1, signed=False) == ["a"]
    assert deepae.is_signed_score("deepAE layer 1") and not deepae.is_signed_score("baseline t-test")
    assert not deepae.is_signed_score("SAE, ours: s_p minus healthy")
    assert deepae.paper_top_n(20000) == 1000 and deepae.paper_top_n(2000) == 100 and deepae.paper_top_n(50) == 10


def test_power_law_uncertainty_covers_the_true_exponent():
    rng = np.random.default_rng(0)
    w = np.array([8, 16, 32, 64, 128])
    law = deepae.fit_power_law(w, 2.0 * w ** -0.4 * np.exp(rng.normal(0, 0.02, 5)))
    assert law["b_low"] < 0.4 < law["b_high"] and law["b_se"] > 0
    two = deepae.fit_power_law([8, 16], [0.5, 0.4])
    assert np.isnan(two["b_low"]) and two["b"] > 0


def test_calibration_measures_on_known_data():
    rng = np.random.default_rng(0)
    groups = np.repeat(["a", "b"], 50)
    X = rng.normal(0, 1, (100, 4))
    X[groups == "b", 0] += 3.0  # one gene with a large group effect
    pooled, median = deepae.variance_fraction(X, groups)
    assert 0 < median < pooled < 1
    d = deepae.cohens_d(X, groups == "b")
    assert d[0] > 2 and np.all(np.abs(d[1:]) < 0.6)
    assert deepae.probe_auroc(X, groups == "b") > 0.95
    assert 0.3 < deepae.probe_auroc(X[:, 1:], groups == "b") < 0.7  # no signal outside gene 0


def test_calibration_stats_and_table(tiny):
    es = ExpressionSet(pd.DataFrame(np.exp(tiny.X_all * 3), index=tiny.labels_all.index,
                                    columns=tiny.genes), tiny.labels_all, name="t")
    st = deepae.calibration_stats(es, seed=0)
    assert st["n_cell_types"] == 2 and st["n_diseases"] == 1
    assert st["cell_type_variance_fraction"] > 0.5  # the tiny data are mostly cell type
    assert st["disease_frac_genes_abs_d_gt_0.8"] >= 3 / len(tiny.genes)
    table = deepae.calibration_table({"real": st}, {"sim": st})
    assert list(table.columns) == ["real: real", "simulated: sim"] and "disease_probe_auroc_10_pcs" in table.index
    nodis = deepae.calibration_stats(es, disease=None)
    assert np.isnan(nodis["disease_variance_fraction"]) and nodis["n_diseases"] == 0


def test_disease_and_layer_probes(tiny):
    probe = deepae.disease_probe_table(ExpressionSet(pd.DataFrame(tiny.X_all, index=tiny.labels_all.index,
                                                                  columns=tiny.genes), tiny.labels_all, name="t"))
    assert list(probe["disease"]) == ["flu"] and probe["probe_auroc_raw"].iloc[0] > 0.9
    model = deepae.train_autoencoder(tiny, "deepAE", 3, epochs=2, lr=1e-2).model
    layers = deepae.layer_probe_table(model, tiny.X_all, tiny.labels_all["disease"])
    assert list(layers["representation"]) == ["input (all genes)", "layer 1", "layer 2", "layer 3"]
    assert layers["mean_probe_auroc"].between(0, 1).all()


def test_recall_along_training_resumes_and_is_cached(tiny):
    planted = {"flu": {"G0", "G1", "G2"}}
    kw = dict(control="healthy", top_n=3, lr=1e-2, batch_size=32, reverse_epochs=5, reverse_lr=1e-2, patience=3)
    args = (tiny.X_train, tiny.X_val, tiny.X_all, tiny.labels_all["disease"].to_numpy(dtype=str), list(tiny.genes),
            planted, "SAE", 3, [1, 3])
    curve = deepae.recall_along_training(*args, **kw)
    assert list(curve["epochs"]) == [1, 3] and curve["recall"].between(0, 1).all()
    assert not deepae.recall_along_training.last_hit
    again = deepae.recall_along_training(*args, **kw)
    assert deepae.recall_along_training.last_hit
    pd.testing.assert_frame_equal(curve, again)

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from sklearn.metrics import r2_score, silhouette_samples

from genenets.data.expression import ExpressionSet
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


def test_training_is_cached_and_reproducible(tiny, tmp_path):
    first = deepae.train_autoencoder(tiny, "deepAE", 4, epochs=3, lr=1e-2, seed=0)
    again = deepae.train_autoencoder(tiny, "deepAE", 4, epochs=3, lr=1e-2, seed=0)
    assert not first.from_cache and again.from_cache
    assert len(list((tmp_path / "deepae").glob("deepAE_w4_*.pt"))) == 1
    for a, b in zip(first.model.parameters(), again.model.parameters()):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    other = deepae.train_autoencoder(tiny, "deepAE", 4, epochs=3, lr=1e-2, seed=1)
    assert not other.from_cache
    with pytest.raises(ValueError, match="kind must be"):
        deepae.train_autoencoder(tiny, "VAE", 4)


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
    assert deepae.lightup_ks(2000, 8, 0.05) == [8, 16, 32, 64]


def test_reverse_scores_and_disease_table(tiny):
    model = deepae.train_autoencoder(tiny, "SAE", 4, epochs=20, lr=3e-2).model
    prof = deepae.reverse_scores(model, tiny.X_all, tiny.labels_all["disease"], 1, tiny.genes, epochs=30,
                                 lr=3e-2)
    assert prof.shape == (2, len(tiny.genes)) and list(prof.index) == ["flu", "healthy"]
    assert prof.columns.equals(tiny.genes)
    scores = {"rev": deepae.disease_scores(prof),
              "t": deepae.ttest_scores(tiny.X_all, tiny.labels_all["disease"].to_numpy(), tiny.genes)}
    # the t-test baseline ranks the three planted genes first
    assert set(deepae.top_genes(scores["t"].loc["flu"], 3)) == {"G0", "G1", "G2"}
    gwas = {"flu": {"G0", "G1", "G2"}, "cold": {"NOPE"}}
    table = deepae.disease_gene_table(scores, tiny.genes, ["flu", "cold"], gwas, 3, planted={"flu": {"G0", "G1", "G2"}})
    assert table.attrs["excluded"] == ["cold"]
    t_row = table[table.method == "t"].iloc[0]
    assert t_row.overlap == 3 and t_row.recall_planted == 1.0
    with pytest.raises(ValueError, match="control phenotype"):
        deepae.disease_scores(prof, control="nobody")


def _recon_table(sae, deep, pca, widths=(16, 32, 64)):
    rows = []
    for model, errs in (("SAE", sae), ("deepAE", deep), ("PCA", pca)):
        for w, e in zip(widths, errs):
            rows += [{"model": model, "width": w, "split": "validation", "global": e, "genewise": e + 0.1},
                     {"model": model, "width": w, "split": "train", "global": e / 2, "genewise": e}]
    return pd.DataFrame(rows)


def test_reconstruction_metrics_and_sentence():
    table = _recon_table(sae=[0.5, 0.4, 0.3], deep=[0.45, 0.3, 0.2], pca=[0.6, 0.5, 0.45])
    m = deepae.reconstruction_metrics(table)
    assert m["r2"]["deepAE"] == {"16": 0.55, "32": 0.7, "64": 0.8}
    assert m["one_minus_r2_genewise_val"]["PCA"]["64"] == pytest.approx(0.55)
    assert m["deepAE_matching_width"]["deep_width_empirical"] == 32  # first deepAE width with error <= 0.3
    text = deepae.reconstruction_sentence(table, "toy")
    assert "deepAE's (0.200;" in text and "3 of 3 widths" in text and "with 32 nodes" in text
    # PCA best and deepAE never reaching the SAE: both said
    text = deepae.reconstruction_sentence(_recon_table([0.5, 0.4, 0.3], [0.6, 0.5, 0.4], [0.2, 0.1, 0.05]), "toy")
    assert "PCA baseline beats both" in text and "never reaches" in text and "0 of 3 widths" in text


def test_clustering_sentence_says_who_wins():
    wins = pd.DataFrame({"method": ["layer 1", "layer 2"], "wins": [2, 9], "losses": [8, 1], "n_groups": [10, 10],
                         "odds_ratio": [0.25, 9.0], "binom_p": [0.1, 0.02]})
    assert "layer 2 beats PCA in 9 of 10" in deepae.clustering_sentence(wins, "x")
    assert "significantly" in deepae.clustering_sentence(wins, "x")
    assert "PCA of all genes separates most" in deepae.clustering_sentence(wins.iloc[:1], "x")


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


def test_reverse_training_with_a_non_healthy_control(tiny):
    # real data have no healthy controls: ALL is the reference of AML in the leukemia replication
    family = deepae.train_family(tiny, [3], epochs=2, lr=1e-2)
    pheno = tiny.labels_all["cell_type"].to_numpy()  # "a" / "b"
    scores = deepae.reverse_training_scores(family, 3, tiny.X_all, pheno, tiny.genes, "a", epochs=3, lr=1e-2)
    assert set(scores) == {"deepAE layer 1", "deepAE layers 1-2", "deepAE all three layers", "SAE",
                           "baseline t-test"}
    assert all(list(s.index) == ["b"] and s.shape == (1, len(tiny.genes)) for s in scores.values())
    enr = deepae.disease_gene_table(scores, tiny.genes, ["b"], {"b": {"G0", "G1"}}, 4)
    comb = deepae.combine_enrichment(enr)
    assert list(comb.columns) == ["method", "combined_p", "median_odds_ratio", "n_diseases"]
    assert comb.set_index("method").loc["SAE", "combined_p"] == pytest.approx(enr.set_index("method").loc["SAE", "p"])


def test_mean_predictor_error_and_stuck_models(tiny):
    err = deepae.mean_predictor_error(tiny)
    X_hat = np.broadcast_to(tiny.X_train.mean(0), tiny.X_val.shape)
    assert err["global"] == pytest.approx(1 - r2_score(tiny.X_val.ravel(), X_hat.ravel()))
    assert err["global"] > 0  # validation samples differ from the training means
    table = _recon_table(sae=[0.9, 0.4, 0.3], deep=[0.45, 0.3, 0.2], pca=[0.6, 0.5, 0.45])
    text = deepae.reconstruction_sentence(table, "toy", mean_error={"global": 0.9, "genewise": 1.0})
    assert "SAE w=16 (stuck" in text and "deepAE w=" not in text and "2 of 2 widths where neither is stuck" in text


def test_lightup_distinct_genes_counts_the_union_of_top_k():
    genes = ["A", "B", "C", "D", "E"]
    lit = {"same": np.array([[5, 4, 0, 0, 9], [5, 4, 0, 0, 9]], float),  # E is outside the universe
           "different": np.array([[5, 4, 0, 0, 0], [0, 0, 4, 5, 0]], float)}
    out = deepae.lightup_distinct_genes(lit, genes, {"A", "B", "C", "D"}, k=2)
    assert out == {"same": 2, "different": 4}


def test_lightup_sentence_warns_about_shared_gene_sets():
    summary = pd.DataFrame({"layer": ["deep 1", "SAE"], "k": 8, "n_nodes": 10, "median_distance": [2.0, 2.9],
                            "random_median_distance": 3.0, "frac_nodes_distance_p": [1.0, 0.2]})
    text = deepae.lightup_sentence(summary, 8, "toy", {"deep 1": 9, "SAE": 70})
    assert text.startswith("toy, k = 8: deep 1 lights up") and "at most 80" in text
    assert "one shared gene set" in text
    assert "shared" not in deepae.lightup_sentence(summary, 8, "toy", {"deep 1": 60, "SAE": 70})


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

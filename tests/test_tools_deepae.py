import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from sklearn.metrics import silhouette_samples

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

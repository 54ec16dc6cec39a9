"""GeneDAE analyses: splits, t-tests against scipy, the Table 2 protocol against scikit-learn, recovery,
phenotype tables, baselines, the estimator and its subgraph training."""
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy import stats as sps
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

from genenets.data import DataError
from genenets.data import annotation as ann
from genenets.data import genotypes as gt
from genenets import datasets, stats
from genenets.summaries import genedae as summary
from genenets.tools import genedae as gd


def test_split_indices_partition():
    tr, va, te = gd.split_indices(100, seed=1)
    assert (len(tr), len(va), len(te)) == (70, 20, 10)
    assert len(np.unique(np.concatenate([tr, va, te]))) == 100
    with pytest.raises(ValueError, match="summing to 1"):
        gd.split_indices(10, (0.5, 0.2, 0.2))


def test_bit_columns():
    assert gd.bit_columns([0, 3]).tolist() == [0, 1, 6, 7]


def test_gene_disease_tests_match_scipy_and_bonferroni():
    rng = np.random.default_rng(0)
    y = np.r_[np.ones(30), np.zeros(70)].astype(int)
    F = rng.normal(size=(100, 4))
    F[:, 0] += 2 * y  # a real association
    F[:, 3] = 0.0
    F[:2, 3] = 1.0  # near-constant unit: not tested
    pheno = pd.DataFrame({"iid": range(100), "D": y})
    res = gd.gene_disease_tests(F, pheno, ["a", "b", "c", "dead"], alpha=0.01, min_fraction=0.05)
    row = res.set_index("gene").loc["a"]
    t, p = sps.ttest_ind(F[y == 1, 0], F[y == 0, 0])  # Student's t, scipy's default
    assert row["t"] == pytest.approx(t) and row["p"] == pytest.approx(p)
    assert row["p_adj"] == pytest.approx(min(1.0, 3 * p))  # 3 tests: the dead unit is not counted
    assert bool(row["significant"]) and np.isnan(res.set_index("gene").loc["dead", "p"])
    welch = gd.gene_disease_tests(F, pheno, ["a", "b", "c", "dead"], min_fraction=0.05, equal_var=False)
    assert welch.set_index("gene").loc["a", "p"] == pytest.approx(
        sps.ttest_ind(F[y == 1, 0], F[y == 0, 0], equal_var=False).pvalue)
    with pytest.raises(ValueError, match="both cases and controls"):
        gd.gene_disease_tests(F, pheno.assign(D=0), ["a", "b", "c", "dead"])
    t1 = summary.table1(res, pheno)
    assert t1.loc[0, "top1"] == "a" and t1.loc[0, "cases"] == 30


def test_prediction_auc_follows_the_paper_protocol():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + rng.normal(size=200) > 1).astype(int)
    res = gd.prediction_auc(X, y, trials=2, seed=5)
    tr, te = train_test_split(np.arange(200), test_size=0.3, stratify=y, random_state=5)
    sc = MinMaxScaler().fit(X[tr])
    lr = LogisticRegression(C=np.inf, class_weight="balanced", max_iter=500).fit(sc.transform(X[tr]), y[tr])
    assert res["aucs"][0] == pytest.approx(roc_auc_score(y[te], lr.decision_function(sc.transform(X[te]))))
    assert res["se"] == pytest.approx(np.std(res["aucs"], ddof=1) / np.sqrt(2))
    with pytest.raises(ValueError, match="one class"):
        gd.prediction_auc(X, np.zeros(200))


def test_planted_recovery_and_overlap():
    tests = pd.DataFrame({"disease": ["D"] * 3 + ["E"] * 3, "gene": ["a", "b", "c"] * 2,
                          "p": [1e-9, 1e-5, 0.5, 1e-8, 0.3, 0.4], "significant": [True, True, False, True, False, False],
                          "rank": [1, 2, 3, 1, 2, 3]})
    rec = summary.planted_recovery(tests, {"D": ["a", "c"], "E": ["b"]}).set_index("disease")
    assert rec.loc["D", "precision"] == 0.5 and rec.loc["D", "recall"] == 0.5
    assert rec.loc["E", "recall"] == 0 and rec.loc["E", "planted_ranks"] == "b:2"
    ov = summary.overlap_table(tests)
    assert ov.loc["D", "E"] == 1 and ov.loc["D", "D"] == 2


def test_load_phenotypes_errors(tmp_path):
    path = tmp_path / "pheno.tsv"
    pd.DataFrame({"IID": ["s1", "s2", "s3"], "T1D": [1, 0, 0], "AS": [0, 0, 0]}).to_csv(path, sep="\t", index=False)
    ok = gd.load_phenotypes(path, ["s3", "s1"], diseases=["T1D"])
    assert ok["T1D"].tolist() == [0, 1]
    with pytest.raises(DataError, match="1 of 2 genotyped samples have no phenotype"):
        gd.load_phenotypes(path, ["s1", "s9"])
    with pytest.raises(DataError, match="'AS' has only one class"):
        gd.load_phenotypes(path, ["s1", "s2"])


def test_diseases_with_cases_counts_exclusions():
    pheno = pd.DataFrame({"iid": range(20), "A": [1] * 6 + [0] * 14, "B": [1] * 2 + [0] * 18})
    kept, excluded = gd.diseases_with_cases(pheno, 5)
    assert kept == ["A"] and excluded == {"B": 2}


def test_allele_burden_is_sum_over_gene_variants():
    A = sp.csr_matrix(np.array([[1, 0], [1, 1], [0, 1]], np.float32))
    graph = ann.VariantGeneGraph(A, ["g1", "g2"], np.arange(3), {})
    d = np.array([[0, 1, 2], [2, 2, 0]])
    np.testing.assert_array_equal(gd.allele_burden(d, graph), [[1, 3], [4, 2]])


def test_estimator_learns_and_subgraph_uses_same_path():
    rng = np.random.default_rng(0)
    # two genes; variants of a gene are copies of one latent genotype (perfect LD) -> learnable
    latent = rng.integers(0, 3, size=(120, 2))
    dosage = np.repeat(latent, 4, axis=1)
    X = gt.encode_two_bit(dosage)
    A = sp.csr_matrix(np.kron(np.eye(2), np.ones((4, 1))).astype(np.float32))
    graph = ann.VariantGeneGraph(A, ["g1", "g2"], np.arange(8), {})
    k2 = gd.GeneDAEEmbedder(nodes_per_gene=2, lr=0.02, epochs=1, seed=0, progress=False).fit(X, adjacency=(A_prime := ann.duplicate_rows(A)))
    assert k2.transform(X).shape == (120, 4) and k2.embedding_names()[:2] == ["gene0#0", "gene0#1"]
    assert len(k2.per_gene_reconstruction(X)) == 2 and A_prime.shape == (16, 2)
    est = gd.GeneDAEEmbedder(lr=0.02, epochs=15, batch_size=32, seed=0, progress=False)
    est.fit(X[:80], adjacency=graph.A_prime(), X_val=X[80:100], genes=graph.genes)
    h = est.history_.to_frame()
    assert h["val_loss"].iloc[-1] < h["val_loss"].iloc[0]
    assert est.bce(X[100:]) < gd.frequency_baseline_bce(X[:80], X[100:])
    assert est.score(X[100:]) == -est.bce(X[100:])
    assert est.transform(X).shape == (120, 2)
    recon = est.per_gene_reconstruction(X)
    assert recon["n_variants"].tolist() == [4, 4] and recon["accuracy"].between(0, 1).all()
    prep = gd.Prepared(gt.Genotypes(dosage.astype(np.int8), pd.DataFrame(), pd.DataFrame()), pd.DataFrame(), graph)
    hist, table, _ = gd.train_subgraphs(prep, ["g2", "g1,NOPE"], gd.split_indices(120), lr=0.02, epochs=2)
    assert list(hist) == ["g2 (4 variants)"] and table["status"].str.startswith("skipped").tolist() == [False, True]
    with pytest.raises(ValueError, match="2m"):
        est.fit(X[:, :6], adjacency=graph.A_prime())


def test_same_seed_same_embeddings():
    rng = np.random.default_rng(1)
    X = gt.encode_two_bit(rng.integers(0, 3, size=(40, 6)))
    A = sp.csr_matrix(np.kron(np.eye(2), np.ones((3, 1))).astype(np.float32))
    Ap = ann.duplicate_rows(A)
    runs = [gd.GeneDAEEmbedder(lr=0.01, epochs=2, batch_size=8, seed=4, progress=False).fit(X, adjacency=Ap).transform(X)
            for _ in range(2)]
    np.testing.assert_array_equal(runs[0], runs[1])


def test_prepare_hapmap_aligns_graph_and_encoding():
    prep = gd.prepare(datasets.load("hapmap"))
    assert prep.X.shape == (prep.genotypes.shape[0], 2 * prep.graph.A.shape[0])
    assert prep.graph.A.shape[1] == len(prep.graph.genes) and prep.phenotypes is None


def _plink(tmp_path, seed, n=60):
    """A PLINK fileset of ``n`` people at 40 MHC positions inside HLA genes (random genotypes)."""
    rng = np.random.default_rng(seed)
    gm = ann.load_ensembl_mhc()
    genes = gm.genes.loc[["HLA-A", "HLA-B", "HLA-C", "HLA-DRB1"]]
    pos = np.sort(np.concatenate([rng.integers(g.start, g.end, 10) for g in genes.itertuples()]))
    variants = pd.DataFrame({"chrom": "6", "snp": [f"v{i}" for i in range(len(pos))], "cm": 0.0, "pos": pos,
                             "a1": "A", "a2": "G"})
    samples = pd.DataFrame({"fid": [f"p{i}" for i in range(n)], "iid": [f"p{i}" for i in range(n)], "father": "0",
                            "mother": "0", "sex": "0", "phenotype": "-9"})
    dosage = rng.binomial(2, 0.3, size=(n, len(pos))).astype(np.int8)
    return gt.write_plink(tmp_path / "user", gt.Genotypes(dosage, variants, samples))


def test_embeddings_cache_is_keyed_by_file_content_not_path(tmp_path, monkeypatch):
    monkeypatch.setenv("GENENETS_CACHE_DIR", str(tmp_path / "cache"))
    params = dict(lr=0.01, epochs=1, batch_size=16, seed=0, progress=False)
    first = gd.embeddings(gd.prepare(datasets.load("plink", prefix=str(_plink(tmp_path, 1)))), **params)
    again = gd.embeddings(gd.prepare(datasets.load("plink", prefix=str(_plink(tmp_path, 1)))), **params)
    assert not first["cached"] and again["cached"]
    np.testing.assert_array_equal(first["embeddings"], again["embeddings"])
    # same path, same shape, other genotypes: new embeddings, not the cached ones
    replaced = gd.embeddings(gd.prepare(datasets.load("plink", prefix=str(_plink(tmp_path, 2)))), **params)
    assert not replaced["cached"]
    assert replaced["embeddings"].shape == first["embeddings"].shape
    assert not np.array_equal(replaced["embeddings"], first["embeddings"])
    assert first["convergence"]["model"] == "GeneDAE" and first["history"].shape[0] == 1


def test_gene_level_tests_min_p_ld_and_burden():
    rng = np.random.default_rng(0)
    n = 600
    G = rng.binomial(2, [0.2, 0.3, 0.7, 0.4, 0.1, 0.5], size=(n, 6)).astype(np.int8)
    y = (rng.random(n) < 0.1 + 0.25 * (G[:, 1] > 0)).astype(int)  # variant 1 (gene g1) is causal
    A = sp.csr_matrix(np.array([[1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [0, 1]], np.float32))
    graph = ann.VariantGeneGraph(A, ["g1", "g2"], np.arange(6), {})
    pheno = pd.DataFrame({"iid": range(n), "D": y})
    res = gd.gene_level_tests(G, pheno, graph, ["D"], alpha=0.01)
    assert set(res) == {"GWAS min p", "LD-aware gene test", "minor-allele burden"}
    v = stats.trend_test(G, y)["p"].to_numpy()
    gw = res["GWAS min p"].set_index("gene")
    assert gw.loc["g1", "p"] == pytest.approx(v[:3].min()) and gw.loc["g1", "p_adj"] == pytest.approx(v[:3].min() * 6)
    assert gw.loc["g1", "significant"] and gw.loc["g1", "rank"] == 1
    ld = res["LD-aware gene test"].set_index("gene")
    z = stats.trend_test(G, y)["z"].to_numpy()
    assert ld.loc["g1", "p"] == pytest.approx(stats.sum_chi2_pvalue(z[:3], stats.ld_matrix(G[:, :3])), rel=1e-4)
    b = res["minor-allele burden"].set_index("gene")
    minor_sum = stats.minor_allele_dosage(G[:, :3]).sum(1, keepdims=True)
    assert b.loc["g1", "p"] == pytest.approx(stats.trend_test(minor_sum, y)["p"][0], rel=1e-4)
    np.testing.assert_allclose(gd.allele_burden(G, graph, minor=True)[:, :1], minor_sum, rtol=1e-6)


def test_prediction_counts_non_converged_fits():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 30))
    y = (X[:, 0] + rng.normal(size=120) > 0.5).astype(int)
    assert gd.prediction_auc(X, y, trials=2, max_iter=1)["converged"] == 0
    assert gd.prediction_auc(X[:, :2], y, trials=2, max_iter=1000)["converged"] == 2


def _two_gene_data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    latent = rng.integers(0, 3, size=(n, 2))
    X = gt.encode_two_bit(np.repeat(latent, 4, axis=1))
    A = sp.csr_matrix(np.kron(np.eye(2), np.ones((4, 1))).astype(np.float32))
    return X, ann.VariantGeneGraph(A, ["g1", "g2"], np.arange(8), {})


def test_pack_bits_is_the_fused_engines_layout():
    X = np.random.default_rng(0).integers(0, 2, size=(5, 19)).astype(np.float32)
    packed = gd.pack_bits(X)
    assert packed.dtype == np.uint8 and packed.shape == (5, 3)
    np.testing.assert_array_equal(np.unpackbits(packed, axis=1, bitorder="little")[:, :19], X)


def test_fused_and_torch_engines_give_the_same_model_without_noise():
    """Same initialisation, loss and gradients: with gamma = 0 the two engines train the same weights
    (float32 sums in another order); with noise only the draws differ."""
    X, graph = _two_gene_data()
    fits = {e: gd.GeneDAEEmbedder(noise_std=0.0, lr=0.02, epochs=3, batch_size=16, seed=2, progress=False,
                                  engine=e).fit(X[:80], adjacency=graph.A_prime(), X_val=X[80:100])
            for e in ("fused", "torch")}
    np.testing.assert_allclose(fits["fused"].history_.val_loss, fits["torch"].history_.val_loss, rtol=1e-4)
    np.testing.assert_allclose(fits["fused"].transform(X), fits["torch"].transform(X), atol=1e-4)
    assert fits["fused"].bce(X[100:]) == pytest.approx(fits["torch"].bce(X[100:]), rel=1e-4)
    assert gd.resolve_engine("auto", "cpu") == "fused" and gd.resolve_engine("auto", "cuda") == "torch"
    with pytest.raises(ValueError, match="CPU only"):
        gd.resolve_engine("fused", "cuda")
    with pytest.raises(ValueError, match="engine must be"):
        gd.GeneDAEEmbedder(engine="gpu", progress=False).fit(X, adjacency=graph.A_prime())


def test_bce_and_per_gene_scores_in_chunks_equal_the_whole_reconstruction():
    X, graph = _two_gene_data()
    est = gd.GeneDAEEmbedder(lr=0.02, epochs=2, batch_size=16, seed=0, progress=False)
    est.fit(X[:80], adjacency=graph.A_prime())
    p = np.clip(est.reconstruct(X), 1e-7, 1 - 1e-7)
    per_bit = -(X * np.log(p) + (1 - X) * np.log(1 - p))
    assert est.bce(X) == pytest.approx(per_bit.mean(), rel=1e-6)
    bce, correct = est._bit_scores(X, chunk=7)  # several chunks, the last one short
    np.testing.assert_allclose(bce, per_bit.sum(axis=0), rtol=1e-6)
    np.testing.assert_array_equal(correct, ((p > 0.5) == (X > 0.5)).sum(axis=0))
    recon = est.per_gene_reconstruction(X)
    assert recon.loc[0, "bce"] == pytest.approx(per_bit[:, :8].mean(), rel=1e-6)


def test_budget_cap_and_subgraph_agreement_caps():
    assert gd.budget_cap(30, 1.0) == 30 and gd.budget_cap(30, 4) == 120 and gd.budget_cap(2, 0.1) == 1
    X, graph = _two_gene_data()
    dosage = np.repeat(np.random.default_rng(0).integers(0, 3, size=(120, 2)), 4, axis=1).astype(np.int8)
    prep = gd.Prepared(gt.Genotypes(dosage, pd.DataFrame(), pd.DataFrame()), pd.DataFrame(), graph)
    full = {"split": gd.split_indices(120), "embeddings": np.random.default_rng(1).normal(size=(120, 2)),
            "names": ["g1", "g2"], "lr": 0.02}
    sub = gd.agreement_with_full(prep, full, ["g1", "g1,g2"], seeds=[0, 1], epochs=2, budget_scale=1.5,
                                 batch_size=16, use_cache=False)
    assert sub["epochs_cap"] == 3 and set(sub) == {"histories", "summary", "agreement", "epochs_cap"}
    assert sub["summary"]["epochs_run"].max() <= 3 and len(sub["agreement"]) == 3  # g1 alone, g1 and g2 in the set


def test_table2_with_raw_runs_the_raw_dosages_only_when_asked():
    rng = np.random.default_rng(0)
    dosage = rng.integers(0, 3, size=(80, 12)).astype(np.int8)
    pheno = pd.DataFrame({"iid": range(80), "D": (dosage[:, 0] + rng.normal(size=80) > 1.5).astype(int)})
    prep = gd.Prepared(gt.Genotypes(dosage, pd.DataFrame(), pd.DataFrame()), pd.DataFrame(), None, pheno)
    feats = {"two": dosage[:, :2].astype(float)}
    none = gd.table2_with_raw(feats, prep, ["D"], trials=2, raw_trials=0)
    assert none["features"].tolist() == ["two"] and none["trials"].tolist() == [2]
    both = gd.table2_with_raw(feats, prep, ["D"], trials=2, raw_trials=1, raw_max_iter=5)
    assert both["features"].tolist() == ["two", "raw variants (dosages)"] and both["trials"].tolist() == [2, 1]


def test_load_dataset_names_the_choices():
    from genenets.errors import ConfigError

    with pytest.raises(ConfigError, match="mhc-cohort-simulated"):
        gd.load_dataset("ukbb")


def test_min_delta_reaches_the_training_loop_and_stops_a_creeping_fit_sooner():
    """GeneDAE's early-stopping tolerance goes to train.fit and into the convergence row; a large one
    stops the fit by patience no later than without it (same seed: the same curve up to the stop)."""
    X, graph = _two_gene_data()
    fits = {md: gd.GeneDAEEmbedder(lr=0.02, epochs=25, batch_size=16, seed=0, patience=2, progress=False,
                                   min_delta=md).fit(X[:80], adjacency=graph.A_prime(), X_val=X[80:100])
            for md in (0.0, 0.05)}
    tol, plain = fits[0.05].history_, fits[0.0].history_
    assert tol.min_delta == 0.05 and tol.convergence("GeneDAE")["min_delta"] == 0.05
    assert "min_delta" not in plain.convergence("GeneDAE")
    assert tol.stopped_early and len(tol.val_loss) <= len(plain.val_loss)
    assert tol.val_loss == plain.val_loss[:len(tol.val_loss)]


def test_g4_models_stopped_early_are_reused_under_a_higher_cap(tmp_path, monkeypatch):
    """G4's gene models trained alone: when early stopping ended every one (every set, every seed) within the cap,
    the same models serve any larger cap (the robustness grid's 4x and 16x) without training; a cap below where
    they stopped, or models a cap ended, train anew."""
    monkeypatch.setenv("GENENETS_CACHE_DIR", str(tmp_path / "cache"))
    X, graph = _two_gene_data()
    dosage = np.repeat(np.random.default_rng(0).integers(0, 3, size=(120, 2)), 4, axis=1).astype(np.int8)
    prep = gd.Prepared(gt.Genotypes(dosage, pd.DataFrame(), pd.DataFrame()), pd.DataFrame(), graph)
    full = {"split": gd.split_indices(120), "embeddings": np.random.default_rng(1).normal(size=(120, 2)),
            "names": ["g1", "g2"], "lr": 0.0}  # lr 0: the validation loss never improves, patience ends every fit
    run = dict(seeds=[0, 1], epochs=30, batch_size=16, patience=2)
    first = gd.agreement_with_full(prep, full, ["g1", "g1,g2"], **run)
    assert (first["summary"]["epochs_run"] == 3).all()  # patience 2 after the first epoch (lr 0 'did not learn')
    trained = []
    real_fit = gd.GeneDAEEmbedder.fit
    monkeypatch.setattr(gd.GeneDAEEmbedder, "fit", lambda self, *a, **k: trained.append(1) or real_fit(self, *a, **k))
    bigger = gd.agreement_with_full(prep, full, ["g1", "g1,g2"], **run, budget_scale=16)
    assert not trained and bigger["epochs_cap"] == 480
    pd.testing.assert_frame_equal(bigger["summary"], first["summary"])
    pd.testing.assert_frame_equal(bigger["agreement"], first["agreement"])
    smaller = gd.agreement_with_full(prep, full, ["g1", "g1,g2"], **{**run, "epochs": 2})
    assert len(trained) == 4 and (smaller["summary"]["epochs_run"] == 2).all()  # 2 sets x 2 seeds, trained anew
    capped = dict(run, epochs=2, patience=50)
    gd.agreement_with_full(prep, {**full, "lr": 0.02}, ["g1"], **capped)
    n = len(trained)
    gd.agreement_with_full(prep, {**full, "lr": 0.02}, ["g1"], **{**capped, "epochs": 3})
    assert len(trained) == n + 2  # the first models were budget-limited: trained again at the new cap

"""Tests of genenets.tools.gener: splits, metrics against scikit-learn, baselines, a tiny GENER fit."""
import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats as sps
from sklearn import metrics as skm

from genenets.simulate.interactions import simulate_interactions
from genenets.train import no_learning_bce
from genenets.tools import gener as G


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GENENETS_CACHE_DIR", str(tmp_path / "cache"))  # embeddings are cached by content


@pytest.fixture(scope="module")
def sim():
    return simulate_interactions(n_genes=400, n_arrays=24, n_programs=12, n_positive=2500, signal=0.6, seed=0)


def test_random_split_partitions_pairs(sim):
    split = G.random_split(sim.pairs, seed=0)
    parts = [split.train, split.val, split.tests["random"]]
    assert sum(map(len, parts)) == len(sim.pairs)
    keys = [set(zip(p["gene_a"], p["gene_b"])) for p in parts]
    assert not (keys[0] & keys[1]) and not (keys[0] & keys[2]) and not (keys[1] & keys[2])
    assert G.random_split(sim.pairs, seed=0).train.equals(split.train)


def test_gene_disjoint_classes(sim):
    split = G.gene_disjoint_split(sim.pairs, heldout_gene_fraction=0.3, seed=0)
    seen = G.genes_of(split.train) | G.genes_of(split.val)
    for name, expected_seen in [("C1", 2), ("C2", 1), ("C3", 0)]:
        test = split.tests[name]
        n_seen = test["gene_a"].isin(seen).astype(int) + test["gene_b"].isin(seen).astype(int)
        # held-out genes never appear in training; C1 genes all appear in some kept pair (maybe not in train)
        if expected_seen < 2:
            assert (n_seen <= expected_seen).all(), name
        assert len(test) > 0 and set(test["label"]) == {0, 1}
    heldout_genes = (G.genes_of(split.tests["C3"]))
    assert not heldout_genes & G.genes_of(split.train)
    c1 = set(zip(split.tests["C1"]["gene_a"], split.tests["C1"]["gene_b"]))
    assert not c1 & set(zip(split.train["gene_a"], split.train["gene_b"]))
    total = len(split.train) + len(split.val) + sum(len(t) for t in split.tests.values())
    assert total == len(sim.pairs)


def test_split_with_an_empty_class_is_an_error():
    pairs = pd.DataFrame({"gene_a": list("abcdefgh"), "gene_b": list("bcdefgha"), "label": [1] * 7 + [0]})
    with pytest.raises(ValueError, match="needs both classes"):
        G.random_split(pairs, seed=0)


def test_metrics_match_scikit_learn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p1 = np.clip(0.3 * y + 0.7 * rng.random(200), 0, 1)
    proba = np.stack([1 - p1, p1], axis=1)
    onehot = np.eye(2)[y]
    assert G.micro_auroc(y, proba) == pytest.approx(skm.roc_auc_score(onehot.ravel(), proba.ravel()))
    assert G.micro_aupr(y, proba) == pytest.approx(skm.average_precision_score(onehot.ravel(), proba.ravel()))
    mcc = G.mcc_per_class(y, proba)
    assert mcc[1] == pytest.approx(skm.matthews_corrcoef(y, (p1 > 0.5).astype(int)))
    assert mcc[0] == pytest.approx(mcc[1])
    assert G.micro_auroc(y, onehot) == 1.0
    # a constant predictor: ordinary AUROC 0.5, micro-AUROC = share of the favoured class (here class 0)
    const = np.tile([0.6, 0.4], (200, 1))
    assert G.evaluate(y, const)["auroc_class1"] == 0.5
    assert G.micro_auroc(y, const) == pytest.approx((y == 0).mean())
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        G.micro_auroc(y, np.zeros((200, 3)))


def test_correlation_baseline_matches_scipy(sim):
    expr = sim.expression
    pairs = sim.pairs.head(20)
    for method, fn in [("pearson", sps.pearsonr), ("spearman", sps.spearmanr)]:
        feats = G.CorrelationBaseline(expr, method).features(pairs)[:, 0]
        ref = [abs(fn(expr.loc[a], expr.loc[b])[0]) for a, b in zip(pairs["gene_a"], pairs["gene_b"])]
        np.testing.assert_allclose(feats, ref, rtol=1e-6)


def test_degree_baseline_uses_training_positives_only():
    train = pd.DataFrame({"gene_a": ["h", "h", "h", "x"], "gene_b": ["a", "b", "c", "y"], "label": [1, 1, 1, 0]})
    model = G.DegreeBaseline().fit(train)
    assert model.degree_.to_dict() == {"h": 3, "a": 1, "b": 1, "c": 1}
    test = pd.DataFrame({"gene_a": ["h", "x"], "gene_b": ["a", "y"], "label": [1, 0]})
    np.testing.assert_allclose(model.features(test)[:, 0], [np.log1p(3), 0.0])
    assert model.predict_proba(test)[0, 1] > model.predict_proba(test)[1, 1]


def test_preprocessing_and_bad_expression():
    expr = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 8)))
    z = G.preprocess_expression(expr, "standardize")
    np.testing.assert_allclose(z.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=1, ddof=0), 1)
    q = G.preprocess_expression(expr, "quantile")
    np.testing.assert_allclose(np.sort(q[0]), np.sort(q[3]))  # every array has the same distribution
    expr.iloc[2, 3] = np.nan
    with pytest.raises(ValueError, match="1 NaN values"):
        G.preprocess_expression(expr)
    with pytest.raises(ValueError, match="'standardize' or 'quantile'"):
        G.preprocess_expression(expr.fillna(0), "rank")


def test_pair_tensor_and_missing_gene(sim):
    x = G.pair_tensor(sim.expression, sim.pairs.head(3))
    assert x.shape == (3, 2, 24)
    np.testing.assert_allclose(x[0, 1], sim.expression.loc[sim.pairs["gene_b"].iloc[0]], rtol=1e-6)
    bad = pd.DataFrame({"gene_a": ["g0"], "gene_b": ["nope"], "label": [1]})
    with pytest.raises(ValueError, match="1 pairs name genes absent"):
        G.pair_tensor(sim.expression, bad)


def test_balance_undersample():
    pairs = pd.DataFrame({"gene_a": range(10), "gene_b": range(1, 11), "label": [1] * 3 + [0] * 7})
    out = G.balance_undersample(pairs, seed=0)
    assert out["label"].value_counts().to_dict() == {1: 3, 0: 3}
    assert out.equals(G.balance_undersample(pairs, seed=0))


def test_gener_learns_simulated_signal_and_is_reproducible():
    torch.set_num_threads(1)
    sim = simulate_interactions(n_genes=200, n_arrays=16, n_programs=8, n_positive=1000, signal=0.7, seed=0)
    split = G.random_split(sim.pairs, seed=0)
    kwargs = dict(channels=(4, 4, 4), hidden=16, epochs=6, batch_size=32, patience=None, seed=0)
    model = G.GENERClassifier(G.preprocess_expression(sim.expression), **kwargs).fit(split.train, split.val)
    proba = model.predict_proba(split.tests["random"])
    assert proba.shape == (len(split.tests["random"]), 2)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)
    assert G.micro_auroc(split.tests["random"]["label"], proba) > 0.6
    again = G.GENERClassifier(G.preprocess_expression(sim.expression), **kwargs).fit(split.train, split.val)
    np.testing.assert_allclose(again.predict_proba(split.tests["random"]), proba, rtol=1e-5)



def _counts(pairs):
    return pd.concat([pairs["gene_a"], pairs["gene_b"]]).value_counts()


def test_degree_balanced_negatives_match_every_gene_count():
    sim = simulate_interactions(n_genes=300, n_arrays=8, n_programs=10, n_positive=3000, hub_exponent=1.0, seed=2)
    pos = sim.pairs[sim.pairs["label"] == 1]
    out = G.degree_balanced_negatives(pos, seed=0)
    neg = out.negatives
    assert (neg["label"] == 0).all()
    pc, nc = _counts(pos), _counts(neg)
    balanced = pc.index.difference(out.unbalanced["gene"])
    assert len(balanced) > 0.95 * len(pc)
    assert (pc.loc[balanced] == nc.reindex(balanced).fillna(0)).all()
    assert set(out.unbalanced["gene"]) == set(pc.index[pc != nc.reindex(pc.index).fillna(0)])
    keys = {tuple(sorted(k)) for k in zip(pos["gene_a"], pos["gene_b"])}
    nkeys = [tuple(sorted(k)) for k in zip(neg["gene_a"], neg["gene_b"])]
    assert not keys & set(nkeys) and len(set(nkeys)) == len(nkeys)
    assert (neg["gene_a"] != neg["gene_b"]).all()


def test_a_gene_that_cannot_be_balanced_is_reported():
    # hub h interacts with every other gene: no non-interacting partner exists for it
    pos = pd.DataFrame({"gene_a": ["h"] * 4 + ["a"], "gene_b": ["a", "b", "c", "d"] + ["b"], "label": 1})
    out = G.degree_balanced_negatives(pos, seed=0)
    assert "h" in set(out.unbalanced["gene"])
    row = out.unbalanced.set_index("gene").loc["h"]
    assert row["positives"] == 4 and row["negatives"] == 0


def test_degree_balanced_split_makes_degree_uninformative(sim):
    for split in G.make_splits(sim.pairs, seed=0).values():
        bal, failures = G.degree_balanced_split(split, seed=0)
        for name, test in bal.tests.items():
            pos, neg = test[test["label"] == 1], test[test["label"] == 0]
            assert len(pos) == len(split.tests[name].query("label == 1"))  # positives kept
            pc, nc = _counts(pos), _counts(neg)
            ok = pc.index.difference(failures.loc[failures["part"] == name, "gene"])
            assert (pc.loc[ok] == nc.reindex(ok).fillna(0)).all()
        if split.scheme == "gene-disjoint":  # C2 keeps one held-out gene per negative
            c2 = bal.tests["C2"]
            n_held = c2["gene_a"].isin(split.heldout).astype(int) + c2["gene_b"].isin(split.heldout).astype(int)
            assert (n_held == 1).all()
    bal, _ = G.degree_balanced_split(G.random_split(sim.pairs, seed=0), seed=0)
    model = G.DegreeBaseline().fit(bal.train)
    test = bal.tests["random"]
    auc = G.evaluate(test["label"], model.predict_proba(test))["auroc_class1"]
    assert 0.4 < auc < 0.6


def test_authors_variant_trains_with_decaying_sgd():
    torch.set_num_threads(1)
    sim = simulate_interactions(n_genes=200, n_arrays=16, n_programs=8, n_positive=1000, signal=0.7, seed=0)
    split = G.random_split(sim.pairs, seed=0)
    model = G.GENERClassifier(G.preprocess_expression(sim.expression), variant="authors", epochs=3, patience=2,
                              seed=0).fit(split.train, split.val)
    assert len(model.history_.train_loss) == 3
    assert model.history_.no_learning_loss == pytest.approx(no_learning_bce(split.val["label"]))
    assert model.history_.status() in ("converged", "budget-limited", "did not learn")
    assert model.predict_proba(split.tests["random"]).shape == (len(split.tests["random"]), 2)
    with pytest.raises(ValueError, match="variant"):
        G.GENERClassifier(sim.expression, variant="keras").fit(split.train, split.val)


def test_step_decay_equals_a_decayed_learning_rate():
    """The decayed loss keeps its value but scales its gradient: plain SGD then steps exactly as with
    a learning rate lr * rate ** (step / steps)."""
    torch.manual_seed(0)
    a, b = torch.nn.Linear(3, 1), torch.nn.Linear(3, 1)
    b.load_state_dict(a.state_dict())
    decay = G._StepDecay(steps=2, rate=0.5)
    opt_a, opt_b = torch.optim.SGD(a.parameters(), lr=0.1), torch.optim.SGD(b.parameters(), lr=0.1)
    x = torch.randn(8, 3)
    for step in range(4):
        opt_b.param_groups[0]["lr"] = 0.1 * 0.5 ** (step / 2)
        for m, opt, scaled in [(a, opt_a, True), (b, opt_b, False)]:
            opt.zero_grad()
            loss = m(x).pow(2).mean()
            out = decay.scale(loss) if scaled else loss
            assert float(out.detach()) == pytest.approx(float(loss.detach()))
            out.backward()
            opt.step()
    assert decay.step == 4
    torch.testing.assert_close(a.weight, b.weight)


def test_gne_fits_and_scores(sim):
    torch.set_num_threads(1)
    split = G.random_split(sim.pairs, seed=0)
    model = G.GNEClassifier(G.preprocess_expression(sim.expression), dim=8, epochs=2, seed=0)
    model.fit(split.train, split.val)
    proba = model.predict_proba(split.tests["random"])
    assert proba.shape == (len(split.tests["random"]), 2)
    assert model.history_.no_learning_loss == pytest.approx(np.log(2))
    unseen = pd.DataFrame({"gene_a": ["g0"], "gene_b": ["g1"], "label": [0]})
    assert model.predict_proba(unseen).shape == (1, 2)


def test_default_methods_names():
    expr = pd.DataFrame(np.zeros((3, 4)))
    assert list(G.default_methods(expr, skip=["node2vec"])) == [m for m in G.METHODS if m != "node2vec"]
    assert list(G.default_methods(expr, only=["degree"])) == ["degree"]
    with pytest.raises(ValueError, match="unknown methods"):
        G.default_methods(expr, skip=["GENER"])


def test_batches_cover_every_sample_once_per_pass_reproducibly():
    x, y = np.arange(10, dtype=float)[:, None] * np.ones((1, 3)), np.arange(10)
    loader = G.Batches(x, y, batch_size=4, shuffle=True, seed=1)
    assert len(loader) == 3
    first = [b[1] for b in loader]
    assert [len(b) for b in first] == [4, 4, 2] and sorted(torch.cat(first).tolist()) == list(range(10))
    second = torch.cat([b[1] for b in loader])
    assert not torch.equal(torch.cat(first), second)  # a new order every pass
    again = G.Batches(x, y, batch_size=4, shuffle=True, seed=1)
    assert torch.equal(torch.cat([b[1] for b in again]), torch.cat(first))
    xb, yb = next(iter(G.Batches(x, y, batch_size=4)))
    assert xb.dtype == torch.float32 and yb.dtype == torch.int64 and yb.tolist() == [0, 1, 2, 3]
    assert torch.equal(xb[:, 0], yb.float())  # rows stay aligned
    with pytest.raises(ValueError, match="differ in length"):
        G.Batches(x, y[:5])


def test_uniform_walks_step_along_edges():
    import scipy.sparse as sp

    edges = [(0, 1), (1, 2), (2, 0), (2, 3)]
    a = np.array([e[0] for e in edges] + [e[1] for e in edges])
    b = np.array([e[1] for e in edges] + [e[0] for e in edges])
    adj = sp.csr_matrix((np.ones(len(a)), (a, b)), shape=(4, 4))
    walks = G.uniform_walks(adj.indptr, adj.indices, num_walks=50, walk_length=6, seed=0)
    assert walks.shape == (200, 7)
    assert np.bincount(walks[:, 0]).tolist() == [50] * 4  # every node starts num_walks walks
    steps = {(int(u), int(v)) for w in walks for u, v in zip(w[:-1], w[1:])}
    assert steps <= set(zip(a.tolist(), b.tolist()))
    after3 = walks[:, 1:][walks[:, :-1] == 3]  # node 3's only neighbour is 2
    assert (after3 == 2).all()
    from_2 = np.bincount(walks[:, 1:][walks[:, :-1] == 2], minlength=4)[[0, 1, 3]]
    assert from_2.min() > 0.25 * from_2.sum()  # uniform over node 2's three neighbours
    np.testing.assert_array_equal(walks, G.uniform_walks(adj.indptr, adj.indices, 50, 6, seed=0))
    lonely = sp.csr_matrix((3, 3))
    with pytest.raises(ValueError, match="no neighbour"):
        G.uniform_walks(lonely.indptr, lonely.indices, 1, 2)


def test_node2vec_embedding_ignores_row_order(sim):
    pos = sim.pairs[sim.pairs["label"] == 1].head(300)
    emb = G.node2vec_embedding(G.canonical_edges(pos), dim=8, num_walks=2, walk_length=5, seed=0)
    assert emb.shape == (len(G.genes_of(pos)), 8)
    shuffled = G.canonical_edges(pos.sample(frac=1, random_state=1).reset_index(drop=True))
    pd.testing.assert_frame_equal(G.node2vec_embedding(shuffled, dim=8, num_walks=2, walk_length=5, seed=0), emb)


def test_benchmarks_share_positives_and_gne_embedding(sim):
    built = G.benchmarks(sim.pairs, schemes=["random"], seed=0)
    assert list(built.splits) == ["original", "degree-balanced"] and list(built.splits["original"]) == ["random"]
    assert set(built.sizes["benchmark"]) == {"original", "degree-balanced"}
    orig, bal = built.splits["original"]["random"], built.splits["degree-balanced"]["random"]
    assert G.canonical_edges(orig.train).equals(G.canonical_edges(bal.train))  # same positives, new negatives
    expr = G.preprocess_expression(sim.expression)
    a = G.GNEClassifier(expr, dim=8, epochs=2, seed=0).fit(orig.train, orig.val)
    b = G.GNEClassifier(expr, dim=8, epochs=2, seed=0).fit(bal.train, bal.val)
    assert a.history_.val_loss == b.history_.val_loss  # one embedding (cached), two link predictors
    with pytest.raises(ValueError, match="schemes"):
        G.make_splits(sim.pairs, schemes=["leave-one-out"])


def test_run_all_scores_every_split_and_validation(sim):
    built = G.benchmarks(sim.pairs, seed=0)
    res = G.run_all(built.splits, lambda: G.default_methods(sim.expression, only=["degree", "|Pearson|"]))
    table = G.results_table(res)
    assert set(table["split"]) == {"random", "C1", "C2", "C3"} and len(table) == 2 * 4 * 2
    side = G.label_set_table({"x": res})
    assert (side["label_set"] == "x").all() and len(side) == len(table)
    assert G.label_set_table({}).empty

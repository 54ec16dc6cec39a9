"""The numba kernels of the fused GeneDAE (issue 19) against float64/dense references on small inputs."""
import numpy as np
import pytest
from numba import njit

from genenets.models import _kernels as K


@njit(cache=False)
def _bce_many(l, x):
    lo = np.empty_like(l)
    gr = np.empty_like(l)
    for i in range(l.shape[0]):
        lo[i], gr[i] = K._bce(l[i], x[i])
    return lo, gr


def test_bce_matches_float64_over_the_whole_logit_range():
    l = np.concatenate([np.linspace(-120, 120, 20001), [0.0, -0.0, 1e-8, -1e-8, 87.0, -87.0, 88.5, -88.5, 300, -300]])
    l = l.astype(np.float32)
    for x in (0.0, 1.0):
        lo, gr = _bce_many(l, np.full_like(l, x))
        l64 = l.astype(np.float64)
        loss = np.logaddexp(0.0, l64) - x * l64
        sig = 0.5 * (1 + np.tanh(l64 / 2))
        np.testing.assert_allclose(lo, loss, rtol=2e-6, atol=2e-7)
        np.testing.assert_allclose(gr, sig - x, rtol=0, atol=3e-7)
        assert np.isfinite(lo).all() and np.isfinite(gr).all()


@pytest.mark.parametrize("batch", [1, 8, 13, 32, 37])
def test_transpose_packed(batch):
    """Byte by byte (``out`` exactly batch wide), and 8 samples a word into a workspace padded to a multiple of
    8 columns (the genome-wide path), whose padding is written 0 even where it held other bytes."""
    p = np.random.default_rng(batch).integers(0, 256, (batch, 9001), dtype=np.uint8)
    np.testing.assert_array_equal(K.transpose_packed(p, np.empty((9001, batch), np.uint8)), p.T)
    width = (batch + 7) // 8 * 8 + 8
    out = K.transpose_packed(p, np.full((9001, width), 255, np.uint8))
    np.testing.assert_array_equal(out[:, :batch], p.T)
    assert (out[:, batch:] == 0).all()


def _csr(out_idx, in_idx, n_out):
    crow = np.zeros(n_out + 1, np.int64)
    crow[1:] = np.cumsum(np.bincount(out_idx, minlength=n_out))
    return crow, in_idx.astype(np.int64)


@pytest.mark.parametrize("batch", [1, 5, 32, 37])
@pytest.mark.parametrize("noise_std", [0.0, 0.3])
def test_encoder_decoder_kernels_equal_dense_reference(batch, noise_std):
    rng = np.random.default_rng(batch)
    n_in, n_genes = 203, 7  # n_in bits, not a multiple of 8
    A = rng.random((n_in, n_genes)) < 0.2
    A[np.arange(n_in), rng.integers(0, n_genes, n_in)] = True
    enc_out, enc_in = np.nonzero(A.T)  # CSR by gene
    dec_out, dec_in = np.nonzero(A)  # CSR by input bit
    w1 = rng.normal(0, 1, len(enc_out)).astype(np.float32)
    b1 = rng.normal(0, 0.5, n_genes).astype(np.float32)
    w2 = rng.normal(0, 3, len(dec_out)).astype(np.float32)  # wide logits: both branches of the loss
    b2 = rng.normal(0, 1, n_in).astype(np.float32)
    x = (rng.random((batch, n_in)) < 0.4).astype(np.uint8)
    packed = np.packbits(x, axis=1, bitorder="little")
    pt = K.transpose_packed(packed, np.empty((packed.shape[1], batch), np.uint8))
    key, table = np.uint64(99), K.normal_table()
    z = K.noise_matrix(key, n_in, batch, table).T.astype(np.float64)

    # dense float64 reference
    W1 = np.zeros((n_genes, n_in)); W1[enc_out, enc_in] = w1
    W2 = np.zeros((n_in, n_genes)); W2[dec_out, dec_in] = w2
    xn = x + noise_std * z
    pre = xn @ W1.T + b1
    hd = np.maximum(pre, 0)
    logits = hd @ W2.T + b2
    loss = (np.logaddexp(0, logits) - x * logits).sum()
    g = 0.5 * (1 + np.tanh(logits / 2)) - x  # d loss / d logits
    gW2, gb2 = (g.T @ hd)[dec_out, dec_in], g.sum(0)
    gh = (g @ W2) * (pre > 0)
    gW1, gb1 = (gh.T @ xn)[enc_out, enc_in], gh.sum(0)

    ec, ecol = _csr(enc_out, enc_in, n_genes)
    dc, dcol = _csr(dec_out, dec_in, n_in)
    h = K.encoder_forward(ec, ecol, w1, b1, pt, noise_std, key, table, np.empty((n_genes, batch), np.float32))
    np.testing.assert_allclose(h.T, hd, rtol=1e-5, atol=1e-5)
    for n_chunks in (1, 3):
        gw2, gbb2 = np.empty(len(w2), np.float32), np.empty(n_in, np.float32)
        ghp = np.zeros((n_chunks, n_genes, batch), np.float32)
        parts = K.decoder_bce(dc, dcol, w2, b2, h, pt, n_chunks, True, gw2, gbb2, ghp, np.zeros(n_chunks))
        np.testing.assert_allclose(parts.sum(), loss, rtol=1e-5)
        np.testing.assert_allclose(gw2, gW2, rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(gbb2, gb2, rtol=1e-5, atol=1e-5)
        gy = K.relu_backward(ghp, h, np.empty_like(h))
        np.testing.assert_array_equal(gy, (ghp.sum(0) * (h > 0)).astype(np.float32))
        np.testing.assert_allclose(gy.T, gh, rtol=1e-5, atol=1e-4)
        scaled = np.empty(len(w2), np.float32)
        K.decoder_bce(dc, dcol, w2, b2, h, pt, n_chunks, True, scaled, np.empty(n_in, np.float32),
                      np.zeros((n_chunks, n_genes, batch), np.float32), np.zeros(n_chunks), 0.25)
        np.testing.assert_allclose(scaled, 0.25 * gw2, rtol=1e-6, atol=1e-6)
        gw1, gbb1 = K.encoder_weight_grad(ec, ecol, gy, pt, noise_std, key, table, np.empty(len(w1), np.float32),
                                          np.empty(n_genes, np.float32))
        np.testing.assert_allclose(gw1, gW1, rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(gbb1, gb1, rtol=1e-5, atol=1e-4)
        no_grad = K.decoder_bce(dc, dcol, w2, b2, h, pt, n_chunks, False, np.empty(0, np.float32),
                                np.empty(0, np.float32), np.zeros((n_chunks, 0, batch), np.float32), np.zeros(n_chunks))
        np.testing.assert_allclose(no_grad.sum(), parts.sum(), rtol=1e-7)


# ------------------------------------------------------------------------------------------------
# genome-wide kernels (issue 19, third pass): per-gene noise sums, polynomial log1p in the loss

from genenets.models import _kernels_gw as G  # noqa: E402


def test_polynomial_log1p_matches_float64():
    """The decoder's log of a product of loss factors uses this polynomial on [0, 1)."""
    u = np.linspace(0, 1, 100001).astype(np.float32)
    p = np.zeros_like(u)
    for c in G._LOG1P[::-1]:
        p = p * u + c
    assert np.abs(p - np.log1p(u.astype(np.float64))).max() < 1.2e-7


def _problem(batch, seed, n_in=203, n_genes=7, density=0.02):
    """A small masked layer pair where most inputs reach one gene (private) and some several (shared)."""
    rng = np.random.default_rng(seed)
    A = rng.random((n_in, n_genes)) < density
    A[np.arange(n_in), rng.integers(0, n_genes, n_in)] = True
    enc_out, enc_in = np.nonzero(A.T)  # CSR by gene
    dec_out, dec_in = np.nonzero(A)  # CSR by input bit
    w1 = rng.normal(0, 1, len(enc_out)).astype(np.float32)
    b1 = rng.normal(0, 0.5, n_genes).astype(np.float32)
    w2 = rng.normal(0, 3, len(dec_out)).astype(np.float32)
    b2 = rng.normal(0, 1, n_in).astype(np.float32)
    x = (rng.random((batch, n_in)) < 0.4).astype(np.uint8)
    packed = np.packbits(x, axis=1, bitorder="little")
    pt = K.transpose_packed(packed, np.empty((packed.shape[1], batch), np.uint8))
    ec, ecol = _csr(enc_out, enc_in, n_genes)
    dc, dcol = _csr(dec_out, dec_in, n_in)
    return dict(A=A, enc=(enc_out, enc_in), dec=(dec_out, dec_in), w1=w1, b1=b1, w2=w2, b2=b2, x=x, pt=pt,
                ec=ec, ecol=ecol, dc=dc, dcol=dcol, slots=G.shared_slots(ecol, n_in))


@pytest.mark.parametrize("batch", [1, 5, 32, 37])
@pytest.mark.parametrize("noise_std", [0.0, 0.3])
def test_per_gene_noise_kernels_equal_dense_reference(batch, noise_std):
    P = _problem(batch, seed=batch)
    A, (enc_out, enc_in), (dec_out, dec_in) = P["A"], P["enc"], P["dec"]
    n_in, n_genes = A.shape
    w1, b1, w2, b2, x, pt, (slot, inputs) = P["w1"], P["b1"], P["w2"], P["b2"], P["x"], P["pt"], P["slots"]
    assert 0 < (slot >= 0).mean() < 0.5  # both kinds of edge
    np.testing.assert_array_equal(slot >= 0, (A.sum(1) > 1)[enc_in])
    np.testing.assert_array_equal(inputs[slot[slot >= 0]], enc_in[slot >= 0])
    key, table = np.uint64(7), K.normal_table()
    z = K.noise_matrix(key, n_in, batch, table).T.astype(np.float64)  # shared inputs' draws (per input)
    zs = G.shared_noise(inputs, key, batch, table)
    np.testing.assert_array_equal(zs, K.noise_matrix(key, n_in, batch, table)[inputs])  # the per-input stream
    xs = G.noisy_shared_inputs(inputs, key, pt, noise_std, table)  # what the kernels read: bits plus noise
    np.testing.assert_allclose(xs, x.T[inputs] + noise_std * zs, rtol=1e-6, atol=1e-6)
    zeta = G.gene_noise_matrix(key, n_genes, batch, table).T.astype(np.float64)  # per gene

    # float64 dense reference: pre = W1 x + b1 + gamma (W1_shared z) + gamma r * zeta, r_k = |w_k, private|
    W1 = np.zeros((n_genes, n_in)); W1[enc_out, enc_in] = w1
    W2 = np.zeros((n_in, n_genes)); W2[dec_out, dec_in] = w2
    Ws = W1 * (A.sum(1) > 1)[None, :]
    r = np.sqrt(((W1 - Ws) ** 2).sum(1))
    pre = x @ W1.T + b1 + noise_std * (z @ Ws.T + r * zeta)
    hd = np.maximum(pre, 0)
    logits = hd @ W2.T + b2
    loss = (np.logaddexp(0, logits) - x * logits).sum()
    g = 0.5 * (1 + np.tanh(logits / 2)) - x
    gh = (g @ W2) * (pre > 0)
    # d pre_k / d w_e: x_i + gamma z_i (shared); x_i + gamma w_e zeta_k / r_k (private)
    gW1 = gh.T @ (x + noise_std * z * (A.sum(1) > 1)) + noise_std * (W1 - Ws) / r[:, None] * (gh * zeta).sum(0)[:, None]

    h = G.encoder_forward_pg(P["ec"], P["ecol"], slot, w1, b1, pt, noise_std, xs, key, table,
                             np.empty((n_genes, batch), np.float32))
    np.testing.assert_allclose(h.T, hd, rtol=1e-5, atol=1e-5)
    for n_chunks in (1, 3):
        parts, gw2, gbb2, ghp = _decoder_on_samples(P["dc"], P["dcol"], w2, b2, h, pt, n_chunks)
        np.testing.assert_allclose(parts.sum(), loss, rtol=1e-5)
        np.testing.assert_allclose(gw2, (g.T @ hd)[dec_out, dec_in], rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(gbb2, g.sum(0), rtol=1e-5, atol=1e-5)
        gy = K.relu_backward(ghp, h, np.empty_like(h))
        np.testing.assert_allclose(gy.T, gh, rtol=1e-5, atol=1e-4)
        gw1, gbb1 = G.encoder_weight_grad_pg(P["ec"], P["ecol"], slot, w1, gy, pt, noise_std, xs, key, table,
                                             np.empty(len(w1), np.float32), np.empty(n_genes, np.float32))
        np.testing.assert_allclose(gw1, gW1[enc_out, enc_in], rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(gbb1, gh.sum(0), rtol=1e-5, atol=1e-4)
        # the on-sample path FusedGeneDAE runs: the forward keeps the gene draws, the private edges go by runs;
        # genes, runs and outputs split into n_chunks of about equal work (each gene's values do not depend on it)
        runs = G.private_runs(P["dc"], P["dcol"])
        bounds = G.chunk_bounds(P["ec"], slot, P["dc"], runs[1], runs[3], n_chunks)
        zeta_k, r_k = np.empty((n_genes, batch), np.float32), np.empty(n_genes, np.float32)
        masks = G.packed_masks(pt, batch, n_in)
        G.gene_noise_into(key, table, noise_std, zeta_k, n_chunks)
        h_k = G.encoder_forward_pg_keep(P["ec"], P["ecol"], slot, w1, b1, masks, noise_std, xs, zeta_k,
                                        np.empty((n_genes, batch), np.float32), r_k, bounds.genes)
        np.testing.assert_array_equal(h_k, h)
        np.testing.assert_allclose(r_k, r, rtol=1e-6)
        if noise_std:
            np.testing.assert_array_equal(zeta_k, G.gene_noise_matrix(key, n_genes, batch, table))
        else:  # no noise: zeros (the gradient's noise term reads them)
            np.testing.assert_array_equal(zeta_k, 0)
        run_edge = G.run_encoder_edges(P["ec"], P["ecol"], slot, *runs[:3])
        assert run_edge is not None
        gw1_k, gbb1_k = np.full(len(w1), np.nan, np.float32), np.full(n_genes, np.nan, np.float32)
        c_gene = G.encoder_weight_grad_shared(*G.shared_edges_by_input(P["ec"], slot), gy, xs, noise_std, zeta_k,
                                              r_k, gw1_k, gbb1_k, np.empty(n_genes, np.float32), bounds.slots)[2]
        G.encoder_weight_grad_private(*runs[:3], run_edge, bounds.runs, w1, gy, h_k, masks, c_gene, gw1_k)
        np.testing.assert_allclose(gw1_k, gW1[enc_out, enc_in], rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(gbb1_k, gh.sum(0), rtol=1e-5, atol=1e-4)


def test_per_gene_noise_has_the_per_input_noise_distribution_and_mean_gradient():
    """Same corruption distribution, same expected gradient: over many steps, the pre-activations' mean and
    covariance and the mean encoder gradient of the per-gene kernels agree with the per-input kernels'
    (within 4 standard errors); the per-gene gradient varies less."""
    batch, n_keys, gamma = 8, 3000, 0.3
    P = _problem(batch, seed=11, n_in=40, n_genes=4, density=0.1)
    n_in, n_genes = P["A"].shape
    w1, b1, pt, (slot, inputs) = P["w1"], P["b1"] + 50.0, P["pt"], P["slots"]  # ReLU never clips: h = pre
    table = K.normal_table()
    gy = np.random.default_rng(0).normal(0, 1, (n_genes, batch)).astype(np.float32)
    runs = {}
    for name in ("per_input", "per_gene"):
        hs, gws = [], []
        for s in range(n_keys):
            key = np.uint64(1000 + s)
            buf = np.empty((n_genes, batch), np.float32)
            gw = np.empty(len(w1), np.float32)
            gb = np.empty(n_genes, np.float32)
            if name == "per_input":
                hs.append(K.encoder_forward(P["ec"], P["ecol"], w1, b1, pt, gamma, key, table, buf))
                gws.append(K.encoder_weight_grad(P["ec"], P["ecol"], gy, pt, gamma, key, table, gw, gb)[0])
            else:
                xs = G.noisy_shared_inputs(inputs, key, pt, gamma, table)
                hs.append(G.encoder_forward_pg(P["ec"], P["ecol"], slot, w1, b1, pt, gamma, xs, key, table, buf))
                gws.append(G.encoder_weight_grad_pg(P["ec"], P["ecol"], slot, w1, gy, pt, gamma, xs, key, table, gw,
                                                    gb)[0])
        runs[name] = np.array(hs, np.float64)[:, :, 0], np.array(gws, np.float64)  # sample 0's genes; gradients
    (h_in, g_in), (h_pg, g_pg) = runs["per_input"], runs["per_gene"]
    se = np.sqrt(h_in.var(0) / n_keys + h_pg.var(0) / n_keys)
    assert (np.abs(h_in.mean(0) - h_pg.mean(0)) < 4 * se).all()
    c_in, c_pg = np.cov(h_in.T), np.cov(h_pg.T)
    np.testing.assert_allclose(c_pg, c_in, atol=0.1 * np.abs(c_in).max())  # covariances within sampling error
    assert np.abs(c_in - np.diag(np.diag(c_in))).max() > 0.01  # shared inputs correlate genes, in both
    se = np.sqrt(g_in.var(0) / n_keys + g_pg.var(0) / n_keys)
    assert (np.abs(g_in.mean(0) - g_pg.mean(0)) < 4 * se + 1e-6).all()
    assert g_pg.var(0).sum() < g_in.var(0).sum()


@njit(cache=False)
def _log_ge1_many(p):
    out = np.empty_like(p)
    for i in range(p.shape[0]):
        out[i] = G._log_ge1(p[i])
    return out


def test_log_of_a_product_of_loss_factors_matches_float64():
    """The decoder sums log1p(exp(-|l|)) as the log of a product of factors in [1, 2] (<= 2**16)."""
    p = np.concatenate([np.linspace(1, 2, 10001), np.geomspace(1, 2.0 ** 16, 10001), [1.0, 2.0, 65536.0]])
    p = p.astype(np.float32)
    np.testing.assert_allclose(_log_ge1_many(p), np.log(p.astype(np.float64)), rtol=2e-7, atol=2e-7)  # float32


# ------------------------------------------------------------------------------------------------
# sixth pass: the decoder's private outputs over the samples whose gene is on (issue 19)

def _decoder_on_samples(dc, dcol, w2, b2, h, pt, n_chunks, want_grad=True):
    """:func:`G.decoder_bce_private` + :func:`G.decoder_bce_other` as ``FusedGeneDAE`` calls them."""
    n_in, batch = len(b2), h.shape[1]
    masks = G.packed_masks(pt, batch, n_in)
    run_start, run_len, run_gene, other = G.private_runs(dc, dcol)
    gw2 = np.full(len(w2) if want_grad else 0, np.nan, np.float32)
    gbb2 = np.full(n_in if want_grad else 0, np.nan, np.float32)
    ghp = np.full((n_chunks, h.shape[0] if want_grad else 0, batch), np.nan, np.float32)
    parts = np.full(n_chunks, np.nan)
    G.decoder_bce_private(run_start, run_len, run_gene, G.balanced_bounds(run_len, n_chunks), dc, w2, b2, h, masks,
                          want_grad, gw2, gbb2, ghp, parts, 1.0)
    G.decoder_bce_other(other, G.balanced_bounds(np.diff(dc)[other], n_chunks), dc, dcol, w2, b2, h, masks,
                        want_grad, gw2, gbb2, ghp, parts, 1.0)
    return parts, gw2, gbb2, ghp


@pytest.mark.parametrize("batch", [1, 5, 8, 32, 37, 64, 70])
@pytest.mark.parametrize("n_bits", [45, 8 * 1500 + 3])
def test_packed_bit_masks_hold_each_samples_bit(batch, n_bits):
    # straight from the sample-major bits (what FusedGeneDAE reads): bit b of masks[g, j] is sample 32 g + b's
    # bit j; blocks of MASK_BLOCK byte columns, a partial last block and group of samples; spare columns untouched
    rng = np.random.default_rng(batch + n_bits)
    x = (rng.random((batch, n_bits)) < 0.5).astype(np.uint64)
    packed = np.packbits(x, axis=1, bitorder="little")
    groups = (batch + 31) // 32
    xg = np.zeros((groups * 32, n_bits), np.uint64)
    xg[:batch] = x
    want = (xg.reshape(groups, 32, n_bits) << np.arange(32, dtype=np.uint64)[None, :, None]).sum(1)
    got = G.packed_bit_masks(packed, n_bits, np.full((groups, n_bits + 8), 7, np.uint32))
    np.testing.assert_array_equal(got[:, :n_bits], want.astype(np.uint32))
    assert (got[:, n_bits:] == 7).all()
    pt = K.transpose_packed(packed, np.empty((packed.shape[1], batch), np.uint8))  # the wrappers' path
    np.testing.assert_array_equal(G.packed_masks(pt, batch, n_bits)[:, :n_bits], got[:, :n_bits])


def test_private_runs_split_outputs_by_gene_and_edge_count():
    # outputs 0-2 -> gene 1; 3 -> genes 0, 2 (other); 4-5 -> gene 1; 6 -> gene 2; 7 -> no gene (other)
    dcol = np.array([1, 1, 1, 0, 2, 1, 1, 2])
    dc = np.array([0, 1, 2, 3, 5, 6, 7, 8, 8])
    run_start, run_len, run_gene, other = G.private_runs(dc, dcol)
    np.testing.assert_array_equal(run_start, [0, 4, 6])
    np.testing.assert_array_equal(run_len, [3, 2, 1])
    np.testing.assert_array_equal(run_gene, [1, 1, 2])
    np.testing.assert_array_equal(other, [3, 7])
    b = G.balanced_bounds([5, 1, 1, 5], 2)
    np.testing.assert_array_equal(b, [0, 2, 4])
    np.testing.assert_array_equal(G.balanced_bounds([3], 4)[[0, -1]], [0, 1])


def test_chunk_bounds_cover_every_item_once_and_balance_the_work_estimates():
    """Each kernel's cut points start at 0, end at its item count and never decrease; a run's blocks and an
    output's logits count as work (:data:`G.RUN_BLOCK_COST`, :data:`G.OTHER_OUTPUT_COST`), not only its edges."""
    rng = np.random.default_rng(0)
    enc_deg = rng.integers(1, 200, 500)
    enc_crow = np.concatenate([[0], np.cumsum(enc_deg)])
    enc_slot = np.where(rng.random(enc_crow[-1]) < 0.1, rng.integers(0, 40, enc_crow[-1]), -1)  # 40 shared inputs
    other = np.arange(0, 4000, 2)
    dec_crow = np.concatenate([[0], np.cumsum(np.where(np.isin(np.arange(4000), other), 3, 1))])
    run_len = np.concatenate([np.full(300, 200), np.full(300, 3)])  # long runs first, then many short ones
    for n_chunks in (1, 2, 3, 8):
        bounds = G.chunk_bounds(enc_crow, enc_slot, dec_crow, run_len, other, n_chunks)
        for cut, n in zip(bounds, (len(run_len), len(other), 500, 40)):
            assert len(cut) == n_chunks + 1 and cut[0] == 0 and cut[-1] == n and (np.diff(cut) >= 0).all()
    # 2 chunks: the 300 short runs (3 outputs, one block each) cost more than their outputs, so the second
    # chunk, which holds them, gets fewer of the long runs than an equal split of outputs would give it
    runs = G.chunk_bounds(enc_crow, enc_slot, dec_crow, run_len, other, 2).runs
    by_outputs = G.balanced_bounds(run_len, 2)[1]
    assert by_outputs < runs[1] < 300
    cost = (run_len + 7) // 8 * 8 + G.RUN_BLOCK_COST * ((run_len + 63) // 64)
    assert abs(cost[:runs[1]].sum() - cost[runs[1]:].sum()) <= 2 * cost.max()  # a cut moves one item at most


def test_shared_edges_by_input_list_each_shared_edge_once_under_its_input_and_gene():
    """:func:`G.shared_edges_by_input`: input ``sl``'s entries are exactly the edges with ``slot == sl``, in edge
    order, each with the gene whose CSR row holds it; private edges are in no list."""
    P = _problem(8, seed=3)
    ec, slot = P["ec"], P["slots"][0]
    s_start, s_gene, s_edge = G.shared_edges_by_input(ec, slot)
    assert len(s_start) == slot.max() + 2 and s_start[-1] == (slot >= 0).sum()
    np.testing.assert_array_equal(np.sort(s_edge), np.flatnonzero(slot >= 0))
    gene_of_edge = np.repeat(np.arange(len(ec) - 1), np.diff(ec))
    np.testing.assert_array_equal(s_gene, gene_of_edge[s_edge])
    for sl in range(len(s_start) - 1):
        edges = s_edge[s_start[sl]:s_start[sl + 1]]
        np.testing.assert_array_equal(edges, np.flatnonzero(slot == sl))
        assert len(edges) >= 2  # a shared input reaches more than one gene
    empty = G.shared_edges_by_input(ec, np.full_like(slot, -1))
    assert len(empty[0]) == 1 and len(empty[1]) == len(empty[2]) == 0


@pytest.mark.parametrize("batch", [1, 5, 32, 37, 70])
@pytest.mark.parametrize("contiguous", [False, True])
@pytest.mark.parametrize("hidden", ["half_on", "all_on", "all_silent"])
def test_decoder_over_on_samples_equals_dense_reference(batch, contiguous, hidden):
    """Loss and every gradient equal the float64 dense reference at 1e-5, with about half the hidden values
    0 (silent samples; also every sample on, and none), runs longer than a block of 64 outputs, outputs shared
    by genes and one with no gene."""
    rng = np.random.default_rng(batch + 100 * contiguous)
    n_in, n_genes = 700, 9
    if contiguous:  # genes own contiguous runs of inputs (as genome-wide), plus some shared inputs
        A = np.zeros((n_in, n_genes), bool)
        A[np.arange(n_in), np.arange(n_in) * n_genes // n_in] = True
        A[rng.random((n_in, n_genes)) < 0.002] = True
    else:
        A = _problem(batch, seed=batch, n_in=n_in, n_genes=n_genes)["A"]
    A[5] = False  # an output with no gene: its logit is the bias
    dec_out, dec_in = np.nonzero(A)
    dc, dcol = _csr(dec_out, dec_in, n_in)
    w2 = rng.normal(0, 3, len(dec_out)).astype(np.float32)
    b2 = rng.normal(0, 1, n_in).astype(np.float32)
    h = np.maximum(rng.normal(0, 1, (n_genes, batch)), 0).astype(np.float32)
    if hidden == "all_on":  # the on-sample lists hold every sample (the branch-free lists' last write is past them)
        h = np.abs(h) + np.float32(0.1)
    elif hidden == "all_silent":
        h[:] = 0
    x = (rng.random((batch, n_in)) < 0.4).astype(np.uint8)
    packed = np.packbits(x, axis=1, bitorder="little")
    pt = K.transpose_packed(packed, np.empty((packed.shape[1], batch), np.uint8))
    W2 = np.zeros((n_in, n_genes)); W2[dec_out, dec_in] = w2
    logits = h.T.astype(np.float64) @ W2.T + b2
    loss = (np.logaddexp(0, logits) - x * logits).sum()
    g = 0.5 * (1 + np.tanh(logits / 2)) - x
    if contiguous:
        assert G.private_runs(dc, dcol)[1].max() > 64
    for n_chunks in (1, 2, 3):
        parts, gw2, gbb2, ghp = _decoder_on_samples(dc, dcol, w2, b2, h, pt, n_chunks)
        np.testing.assert_allclose(parts.sum(), loss, rtol=1e-5)
        np.testing.assert_allclose(gw2, (g.T @ h.T)[dec_out, dec_in], rtol=1e-5, atol=1e-4)
        np.testing.assert_allclose(gbb2, g.sum(0), rtol=1e-5, atol=1e-5)
        on = h.T > 0  # a silent sample's dL/dh is not computed (the ReLU cuts it)
        np.testing.assert_allclose(ghp.sum(0).T[on], (g @ W2)[on], rtol=1e-5, atol=1e-4)
        parts_only = _decoder_on_samples(dc, dcol, w2, b2, h, pt, n_chunks, want_grad=False)[0]
        np.testing.assert_allclose(parts_only.sum(), loss, rtol=1e-5)


@pytest.mark.parametrize("batch", [1, 8, 32, 37])
@pytest.mark.parametrize("hidden", ["half_on", "all_on", "all_silent"])
def test_private_edge_gradient_over_on_samples_equals_dense_reference(batch, hidden):
    """:func:`G.encoder_weight_grad_private` equals ``sum_b gy[k, b] x[i, b] + w[e] c_k`` (float64) for every
    private edge, whether about half, all or none of a gene's samples are on (``gy`` is 0 where it is off)."""
    rng = np.random.default_rng(batch)
    n_in, n_genes = 300, 5
    A = np.zeros((n_in, n_genes), bool)
    A[np.arange(n_in), np.arange(n_in) * n_genes // n_in] = True  # contiguous runs of private inputs
    A[rng.random((n_in, n_genes)) < 0.01] = True  # and some shared ones
    enc_out, enc_in = np.nonzero(A.T)
    ec, ecol = _csr(enc_out, enc_in, n_genes)
    dec_out, dec_in = np.nonzero(A)
    dc, dcol = _csr(dec_out, dec_in, n_in)
    slot, _ = G.shared_slots(ecol, n_in)
    runs = G.private_runs(dc, dcol)
    run_edge = G.run_encoder_edges(ec, ecol, slot, *runs[:3])
    assert run_edge is not None
    w1 = rng.normal(0, 1, len(ecol)).astype(np.float32)
    h = np.maximum(rng.normal(0, 1, (n_genes, batch)), 0).astype(np.float32)
    if hidden == "all_on":
        h = np.abs(h) + np.float32(0.1)
    elif hidden == "all_silent":
        h[:] = 0
    gy = (rng.normal(0, 1, (n_genes, batch)) * (h > 0)).astype(np.float32)
    c_gene = rng.normal(0, 1, n_genes).astype(np.float32)
    x = (rng.random((batch, n_in)) < 0.4).astype(np.uint8)
    packed = np.packbits(x, axis=1, bitorder="little")
    pt = K.transpose_packed(packed, np.empty((packed.shape[1], batch), np.uint8))
    masks = G.packed_masks(pt, batch, n_in)
    gw1 = np.full(len(w1), np.nan, np.float32)
    G.encoder_weight_grad_private(*runs[:3], run_edge, G.balanced_bounds(runs[1], 2), w1, gy, h, masks, c_gene, gw1)
    private = slot < 0
    expect = (gy.astype(np.float64) @ x.astype(np.float64))[enc_out, enc_in] + w1 * c_gene[enc_out].astype(np.float64)
    np.testing.assert_allclose(gw1[private], expect[private], rtol=1e-5, atol=1e-5)
    assert np.isnan(gw1[~private]).all()  # runs padded to whole vectors write no edge past their own

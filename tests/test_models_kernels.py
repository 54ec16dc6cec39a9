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


def test_transpose_packed():
    p = np.random.default_rng(0).integers(0, 256, (13, 9001), dtype=np.uint8)
    np.testing.assert_array_equal(K.transpose_packed(p, np.empty((9001, 13), np.uint8)), p.T)


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

"""The fused GeneDAE kernels as they were at the start of issue 19's second pass (commit 8d6fa68), kept for
the benchmarks' same-run "before" column: ``bench_genomewide_step`` times them next to today's kernels.

Not used by the package. :func:`fused_v1_loss` is ``FusedGeneDAE``'s loss computed with these kernels
(same model, same noise draws), so that one training step can be timed with them.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def normal_table(bits: int = 16) -> np.ndarray:
    """Inverse normal CDF at the ``2**bits`` quantile midpoints, rescaled to unit variance (float32).

    A uniform 16-bit integer ``u`` gives ``table[u]``, a draw from a normal distribution discretised at
    65,536 equiprobable levels (tails cut at about 4.3 sd; mean exactly 0, variance exactly 1).
    """
    from scipy.special import ndtri

    q = (np.arange(2 ** bits, dtype=np.float64) + 0.5) / 2 ** bits
    z = ndtri(q)
    z -= z.mean()
    return (z / z.std()).astype(np.float32)


@njit(inline="always")
def _mix(z):
    """splitmix64 finaliser: a well-mixed 64-bit hash of ``z``."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(inline="always")
def _noise4(key, i, g, table):
    """Four normal draws for input ``i`` and batch columns ``4g .. 4g + 3`` (counter-based)."""
    h = _mix(key + (np.uint64(i) * np.uint64(1 << 20) + np.uint64(g)) * _GOLDEN)
    return (table[h & np.uint64(0xFFFF)], table[(h >> np.uint64(16)) & np.uint64(0xFFFF)],
            table[(h >> np.uint64(32)) & np.uint64(0xFFFF)], table[h >> np.uint64(48)])


@njit(parallel=True, cache=True)
def noise_matrix(key, n_inputs, batch, table):
    """The noise the fused kernels use, materialised: shape (n_inputs, batch) (tests, reference)."""
    out = np.empty((n_inputs, batch), np.float32)
    for i in prange(n_inputs):
        for g in range((batch + 3) // 4):
            z0, z1, z2, z3 = _noise4(key, i, g, table)
            b = 4 * g
            out[i, b] = z0
            if b + 1 < batch:
                out[i, b + 1] = z1
            if b + 2 < batch:
                out[i, b + 2] = z2
            if b + 3 < batch:
                out[i, b + 3] = z3
    return out


@njit(parallel=True, cache=True)
def spmm(crow, col, w, x, out):
    """``out[r, :] = sum_{e in crow[r]:crow[r+1]} w[e] * x[col[e], :]``; x (n_in, B), out (n_rows, B)."""
    n_rows, batch = out.shape
    for r in prange(n_rows):
        acc = np.zeros(batch, np.float32)
        for e in range(crow[r], crow[r + 1]):
            we = w[e]
            src = x[col[e]]
            for b in range(batch):
                acc[b] += we * src[b]
        out[r, :] = acc
    return out


@njit(parallel=True, cache=True)
def sddmm(crow, col, gy, x, gw):
    """``gw[e] = sum_b gy[r, b] * x[col[e], b]`` for every edge ``e`` of row ``r``."""
    n_rows, batch = gy.shape
    for r in prange(n_rows):
        g = gy[r]
        for e in range(crow[r], crow[r + 1]):
            src = x[col[e]]
            s = np.float32(0.0)
            for b in range(batch):
                s += g[b] * src[b]
            gw[e] = s
    return gw


@njit(inline="always")
def _input_values(packed, i, batch, noise_std, key, table, vals):
    """Two-bit input ``i`` of every sample plus its noise, into ``vals`` (batch,)."""
    byte, shift = i >> 3, i & 7
    for b in range(batch):
        vals[b] = np.float32((packed[b, byte] >> shift) & 1)
    if noise_std > 0:
        for g in range((batch + 3) // 4):
            z0, z1, z2, z3 = _noise4(key, i, g, table)
            b = 4 * g
            vals[b] += noise_std * z0
            if b + 1 < batch:
                vals[b + 1] += noise_std * z1
            if b + 2 < batch:
                vals[b + 2] += noise_std * z2
            if b + 3 < batch:
                vals[b + 3] += noise_std * z3


@njit(parallel=True, cache=True)
def encoder_forward(crow, col, w, bias, packed, noise_std, key, table, h):
    """``h[k, :] = relu(bias[k] + sum_e w[e] * (x[:, col[e]] + noise))``; h (n_genes, B) float32."""
    n_out, batch = h.shape
    for k in prange(n_out):
        acc = np.full(batch, bias[k], np.float32)
        vals = np.empty(batch, np.float32)
        for e in range(crow[k], crow[k + 1]):
            _input_values(packed, col[e], batch, noise_std, key, table, vals)
            we = w[e]
            for b in range(batch):
                acc[b] += we * vals[b]
        for b in range(batch):
            h[k, b] = acc[b] if acc[b] > 0 else np.float32(0.0)
    return h


@njit(parallel=True, cache=True)
def encoder_weight_grad(crow, col, gy, packed, noise_std, key, table, gw, gb):
    """Encoder gradients: ``gw[e] = sum_b gy[k, b] * x'[b, col[e]]``, ``gb[k] = sum_b gy[k, b]``."""
    n_out, batch = gy.shape
    for k in prange(n_out):
        g = gy[k]
        s = np.float32(0.0)
        for b in range(batch):
            s += g[b]
        gb[k] = s
        vals = np.empty(batch, np.float32)
        for e in range(crow[k], crow[k + 1]):
            _input_values(packed, col[e], batch, noise_std, key, table, vals)
            t = np.float32(0.0)
            for b in range(batch):
                t += g[b] * vals[b]
            gw[e] = t
    return gw, gb


#: 2**n for n = -127 .. 0 (the integer part of the exponent in :func:`_bce`).
POW2 = (2.0 ** np.arange(-127, 1)).astype(np.float32)


@njit(inline="always", fastmath=True)
def _bce(l, x, pow2):
    """``(softplus(l) - x l, sigmoid(l) - x)`` in float32 without libm calls (so loops vectorise).

    ``exp(-|l|)`` as ``2**n * p(f)`` (degree-6 polynomial of the fraction, table of ``2**n``);
    ``log1p(e) = 2 atanh(e / (2 + e))`` by its odd series to the 13th power (|error| < 2e-7 for
    e in (0, 1]); gradients agree with libm's to about 1e-6.
    """
    a = min(l, -l)  # -|l|
    t = max(a * np.float32(1.4426950408889634), np.float32(-126.0))
    n = np.floor(t)
    f = t - n
    p = np.float32(1.5353362e-4)
    p = p * f + np.float32(1.3398874e-3)
    p = p * f + np.float32(9.6180941e-3)
    p = p * f + np.float32(5.5503406e-2)
    p = p * f + np.float32(2.4022652e-1)
    p = p * f + np.float32(6.9314718e-1)
    p = p * f + np.float32(1.0)
    ex = p * pow2[np.int32(n) + 127]
    q = ex / (np.float32(2.0) + ex)
    q2 = q * q
    lg = np.float32(2.0) * q * (np.float32(1.0) + q2 * (np.float32(1 / 3) + q2 * (np.float32(0.2) + q2 * (
        np.float32(1 / 7) + q2 * (np.float32(1 / 9) + q2 * (np.float32(1 / 11) + q2 * np.float32(1 / 13)))))))
    inv = np.float32(1.0) / (np.float32(1.0) + ex)
    sig = inv if l >= 0 else ex * inv
    return max(l, np.float32(0.0)) - x * l + lg, sig - x


_TILE = 128  # outputs per tile: their (tile x batch) logits are one flat, vectorised BCE loop


@njit(parallel=True, cache=True, fastmath=True)
def decoder_bce(crow, col, w, bias, h, packed, n_chunks, want_grad, gw, gb, gh_parts, loss_parts, pow2):
    """Decoder logits, their BCE against the packed bits, and the decoder's gradients in one pass.

    Output ``j`` (an input bit) has logits ``l[b] = bias[j] + sum_e w[e] * h[col[e], b]``. The loss is
    the *sum* over samples and bits of ``softplus(l) - x l``; with ``want_grad`` the gradients of that
    sum are written: ``gw`` (per edge), ``gb`` (per output) and, per chunk of outputs, ``gh_parts[c]``
    (n_genes, B) to be summed by the caller (outputs are split into ``n_chunks`` contiguous chunks, one
    per thread, so no two threads write the same gene row). ``loss_parts[c]`` holds chunk ``c``'s loss.
    Within a chunk, outputs go by tiles of ``_TILE``: logits and bits of a tile are gathered first, then
    one flat loop computes loss and ``sigmoid(l) - x`` (vectorised), then the gradients.
    """
    n_outputs = bias.shape[0]
    batch = h.shape[1]
    step = (n_outputs + n_chunks - 1) // n_chunks
    for c in prange(n_chunks):
        logit = np.empty(_TILE * batch, np.float32)
        xs = np.empty(_TILE * batch, np.float32)
        grad = np.empty(_TILE * batch, np.float32)
        gh = gh_parts[c]
        total = 0.0
        for j0 in range(c * step, min(n_outputs, (c + 1) * step), _TILE):
            nj = min(_TILE, min(n_outputs, (c + 1) * step) - j0)
            for jj in range(nj):
                j = j0 + jj
                o = jj * batch
                for b in range(batch):
                    logit[o + b] = bias[j]
                for e in range(crow[j], crow[j + 1]):
                    we = w[e]
                    src = h[col[e]]
                    for b in range(batch):
                        logit[o + b] += we * src[b]
                byte, shift = j >> 3, j & 7
                for b in range(batch):
                    xs[o + b] = np.float32((packed[b, byte] >> shift) & 1)
            lsum = np.float32(0.0)
            for i in range(nj * batch):
                lo, gr = _bce(logit[i], xs[i], pow2)
                lsum += lo
                grad[i] = gr
            total += lsum
            if want_grad:
                for jj in range(nj):
                    j = j0 + jj
                    o = jj * batch
                    gsum = np.float32(0.0)
                    for b in range(batch):
                        gsum += grad[o + b]
                    gb[j] = gsum
                    for e in range(crow[j], crow[j + 1]):
                        k = col[e]
                        we = w[e]
                        src = h[k]
                        dst = gh[k]
                        t = np.float32(0.0)
                        for b in range(batch):
                            t += grad[o + b] * src[b]
                            dst[b] += we * grad[o + b]
                        gw[e] = t
        loss_parts[c] = total
    return loss_parts


@njit(parallel=True, cache=True)
def unpack_bits_features_major(packed, n_inputs, out):
    """``out[i, b]`` = input bit ``i`` of sample ``b`` (float32, (n_inputs, B)) from packed (B, n_bytes)."""
    batch = packed.shape[0]
    for i in prange(n_inputs):
        byte, shift = i >> 3, i & 7
        for b in range(batch):
            out[i, b] = np.float32((packed[b, byte] >> shift) & 1)
    return out


def fused_v1_step(model, packed, key):
    """One training step's loss and gradients of ``FusedGeneDAE`` with the first-pass kernels.

    Returns ``(loss, [gw1, gb1, gw2, gb2])`` (numpy), as the first-pass ``_FusedGeneDAELoss.forward``.
    """
    p = packed.numpy()
    batch = p.shape[0]
    enc, dec = model.enc_csr, model.dec_csr
    w1, b1 = model.encoder.weight.detach().numpy(), model.encoder.bias.detach().numpy()
    w2, b2 = model.decoder.weight.detach().numpy(), model.decoder.bias.detach().numpy()
    noise_std = float(model.noise_std)
    h = encoder_forward(enc[0], enc[1], w1, b1, p, noise_std, key, model.table,
                        np.empty((model.n_hidden, batch), np.float32))
    n_chunks = model.n_chunks
    gw2, gb2 = np.empty(w2.shape[0], np.float32), np.empty(b2.shape[0], np.float32)
    gh = np.zeros((n_chunks, model.n_hidden, batch), np.float32)
    parts = decoder_bce(dec[0], dec[1], w2, b2, h, p, n_chunks, True, gw2, gb2, gh, np.zeros(n_chunks, np.float64),
                        POW2)
    n = batch * model.n_inputs
    gy = gh.sum(axis=0) * (h > 0)
    gw1, gb1 = encoder_weight_grad(enc[0], enc[1], np.ascontiguousarray(gy, np.float32), p, noise_std, key,
                                   model.table, np.empty(w1.shape[0], np.float32), np.empty(b1.shape[0], np.float32))
    return parts.sum() / n, [g / n for g in (gw1, gb1, gw2, gb2)]

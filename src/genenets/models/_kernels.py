"""Numba kernels for masked layers with ~10^6 edges: work proportional to edges x batch, both directions.

All dense operands are *features-major* (``(features, batch)``, C-contiguous), so that each edge reads
and writes one contiguous row of ``batch`` values (vectorised over the batch). Rows of a CSR structure are
processed in parallel (``prange``), each by one thread, so no two threads write the same output.

* :func:`spmm` ``out[r] = sum_{e in row r} w[e] * x[col[e]]`` (forward, and the input gradient with
  the transposed structure);
* :func:`sddmm` ``gw[e] = sum_b gy[row(e), b] * x[col[e], b]`` (the weight gradient: one value per edge);
* :func:`encoder_forward` / :func:`encoder_weight_grad`: GeneDAE's encoder read straight from
  bit-packed genotypes, with the input noise generated inside the kernel from a counter-based hash
  (the same draw in the forward and the backward pass, nothing stored);
* :func:`decoder_bce`: the decoder, the binary cross entropy against the packed bits and all decoder
  gradients in one pass over the ``2m`` outputs: the ``(batch, 2m)`` logits are never stored.

Packed genotypes: ``packed`` of shape (batch, n_bytes) uint8, input bit ``i`` of sample ``b`` is bit
``i % 8`` of ``packed[b, i // 8]`` (``np.packbits(..., bitorder="little")``), i.e. the two-bit GeneDAE
encoding of variant ``j`` is bits ``2j`` and ``2j + 1``. The encoder and decoder kernels take the batch
*features-major*, ``packed_t = transpose_packed(packed)`` of shape (n_bytes, batch), so that the bits of
one input for the whole batch are one contiguous row (vectorised over the batch, as every other operand).

Vectorisation (issue 19, second pass): every inner loop runs over the batch on contiguous float32 rows
with no table look-up and no branch, so LLVM emits AVX2 code for it. ``exp(-|l|)`` in the loss is a
polynomial times ``2**-n`` built from its exponent bits (:func:`_bits_to_f32`, an LLVM bitcast), not a
gather from a table of powers of two as in the first pass.
"""
from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

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


@njit(parallel=True, cache=True)
def transpose_packed(packed, out):
    """``out[i, b] = packed[b, i]``: packed bits (batch, n_bytes) to features-major (n_bytes, batch).

    ``out`` may have more columns than the batch when their number is a multiple of 8 (and ``out`` C-contiguous:
    the genome-wide workspace); the columns past the batch are then written 0.
    """
    batch, n_bytes = packed.shape
    if out.shape[1] % 8 == 0 and out.shape[1] >= batch and out.flags.c_contiguous:
        return _transpose_packed_words(packed, out)
    block = 4096
    for c in prange((n_bytes + block - 1) // block):
        stop = min(n_bytes, (c + 1) * block)
        for b in range(batch):
            row = packed[b]
            for i in range(c * block, stop):
                out[i, b] = row[i]
    return out


@njit(inline="always")
def _byte_at(row, i, shift):
    return np.uint64(row[i]) << np.uint64(shift)


@njit(parallel=True, cache=True)
def _transpose_packed_words(packed, out):
    """:func:`transpose_packed` eight samples at a time: each 8-byte word of ``out`` (the bytes of 8 samples) is
    assembled from 8 rows and stored once (2x faster on this machine than one byte a store)."""
    batch, n_bytes = packed.shape
    n_words = out.shape[1] // 8
    out64 = out.view(np.uint64)  # (n_bytes, n_words): byte b of word g is sample 8 g + b (little-endian)
    block = 1024
    for c in prange((n_bytes + block - 1) // block):
        stop = min(n_bytes, (c + 1) * block)
        for g in range(n_words):
            b0 = 8 * g
            if b0 + 8 <= batch:
                p0, p1, p2, p3 = packed[b0], packed[b0 + 1], packed[b0 + 2], packed[b0 + 3]
                p4, p5, p6, p7 = packed[b0 + 4], packed[b0 + 5], packed[b0 + 6], packed[b0 + 7]
                for i in range(c * block, stop):
                    v = _byte_at(p0, i, 0) | _byte_at(p1, i, 8) | _byte_at(p2, i, 16) | _byte_at(p3, i, 24)
                    v |= _byte_at(p4, i, 32) | _byte_at(p5, i, 40) | _byte_at(p6, i, 48) | _byte_at(p7, i, 56)
                    out64[i, g] = v
            else:  # the last, partial group of samples, and the zero columns past the batch
                for i in range(c * block, stop):
                    out64[i, g] = np.uint64(0)
                for r in range(max(0, min(8, batch - b0))):
                    row = packed[b0 + r]
                    for i in range(c * block, stop):
                        out64[i, g] |= _byte_at(row, i, 8 * r)
    return out


@njit(inline="always")
def _draws(key, i, batch, table, hbuf, zbuf):
    """``zbuf[:batch]``: the normal draws of counter ``i`` for columns ``0 .. batch - 1`` (:func:`_noise4`'s, one
    64-bit hash per 4 draws): the hashes of the ``batch / 4`` groups are one loop (vectorised 64-bit
    arithmetic), their table look-ups another."""
    base = key + np.uint64(i) * np.uint64(1 << 20) * _GOLDEN  # = _noise4's counter, (i 2**20 + g) GOLDEN
    n_groups = (batch + 3) >> 2
    for g in range(n_groups):
        hbuf[g] = _mix(base + np.uint64(g) * _GOLDEN)
    for g in range(n_groups):
        hv = hbuf[g]
        zbuf[4 * g] = table[hv & np.uint64(0xFFFF)]
        zbuf[4 * g + 1] = table[(hv >> np.uint64(16)) & np.uint64(0xFFFF)]
        zbuf[4 * g + 2] = table[(hv >> np.uint64(32)) & np.uint64(0xFFFF)]
        zbuf[4 * g + 3] = table[hv >> np.uint64(48)]


@njit(inline="always")
def _noisy_input(packed_t, i, batch, noise_std, key, table, hbuf, zbuf, vals):
    """``vals[b]`` = input bit ``i`` of sample ``b`` plus ``noise_std`` times its draw (:func:`_draws`).

    The bits come from one contiguous row of ``packed_t`` (vectorised).
    """
    bits = packed_t[i >> 3]
    shift = np.int32(i & 7)
    for b in range(batch):
        vals[b] = np.float32(np.int32(bits[b]) >> shift & np.int32(1))
    if noise_std > 0:
        _draws(key, i, batch, table, hbuf, zbuf)
        for b in range(batch):
            vals[b] += noise_std * zbuf[b]


@njit(parallel=True, cache=True, fastmath=True)
def encoder_forward(crow, col, w, bias, packed_t, noise_std, key, table, h):
    """``h[k, :] = relu(bias[k] + sum_e w[e] * (x[col[e], :] + noise))``; h (n_genes, B) float32.

    ``packed_t`` is the batch's bits features-major, (n_bytes, B) (:func:`transpose_packed`).
    """
    n_out, batch = h.shape
    ns = np.float32(noise_std)
    n_groups = (batch + 3) >> 2
    for k in prange(n_out):
        acc = np.empty(batch, np.float32)
        vals = np.empty(batch, np.float32)
        hbuf = np.empty(n_groups, np.uint64)
        zbuf = np.empty(4 * n_groups, np.float32)
        bk = bias[k]
        for b in range(batch):
            acc[b] = bk
        for e in range(crow[k], crow[k + 1]):
            _noisy_input(packed_t, col[e], batch, ns, key, table, hbuf, zbuf, vals)
            we = w[e]
            for b in range(batch):
                acc[b] += we * vals[b]
        for b in range(batch):
            h[k, b] = max(acc[b], np.float32(0.0))
    return h


@njit(parallel=True, cache=True, fastmath=True)
def encoder_weight_grad(crow, col, gy, packed_t, noise_std, key, table, gw, gb):
    """Encoder gradients: ``gw[e] = sum_b gy[k, b] * x'[col[e], b]``, ``gb[k] = sum_b gy[k, b]``.

    ``x'`` is the noisy input of the forward pass (the same draws, regenerated); ``packed_t`` (n_bytes, B).
    """
    n_out, batch = gy.shape
    ns = np.float32(noise_std)
    n_groups = (batch + 3) >> 2
    for k in prange(n_out):
        g = gy[k]
        vals = np.empty(batch, np.float32)
        hbuf = np.empty(n_groups, np.uint64)
        zbuf = np.empty(4 * n_groups, np.float32)
        s = np.float32(0.0)
        for b in range(batch):
            s += g[b]
        gb[k] = s
        for e in range(crow[k], crow[k + 1]):
            _noisy_input(packed_t, col[e], batch, ns, key, table, hbuf, zbuf, vals)
            t = np.float32(0.0)
            for b in range(batch):
                t += g[b] * vals[b]
            gw[e] = t
    return gw, gb


@intrinsic
def _bits_to_f32(typingctx, i):
    """The float32 whose bits are the low 32 bits of the integer ``i`` (an LLVM bitcast; vectorises)."""
    if not isinstance(i, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        v = args[0]
        if signature.args[0].bitwidth > 32:
            v = builder.trunc(v, ir.IntType(32))
        elif signature.args[0].bitwidth < 32:
            v = builder.zext(v, ir.IntType(32))
        return builder.bitcast(v, ir.FloatType())

    return types.float32(i), codegen


@njit(inline="always", fastmath=True)
def _exp_neg(a):
    """``exp(-a)`` for ``a >= 0`` in float32, branch-free and without libm (so loops vectorise).

    ``a`` is cut at 87 (``exp(-87)`` ~ 1.6e-38, the float32 normal range); ``exp(-a) = 2**-n exp(f)``
    with ``n = round(a / ln 2)`` and ``|f| <= ln(2) / 2``: ``exp(f)`` by its Taylor polynomial to
    ``f**6`` (relative error < 2e-7), ``2**-n`` from its exponent bits.
    """
    a = min(a, np.float32(87.0))
    t = a * np.float32(1.4426950408889634)
    n = np.floor(t + np.float32(0.5))
    f = (n - t) * np.float32(0.6931471805599453)
    p = np.float32(1.0 / 720)
    p = p * f + np.float32(1.0 / 120)
    p = p * f + np.float32(1.0 / 24)
    p = p * f + np.float32(1.0 / 6)
    p = p * f + np.float32(0.5)
    p = p * f + np.float32(1.0)
    p = p * f + np.float32(1.0)
    # 2**-n from its exponent bits, built as the float (127 - n) * 2**23 (exact) converted once to int32: the same
    # bits as (127 - n) << 23, but no 64-bit integer on the way (numba widens int32 arithmetic to int64, which
    # AVX2 cannot convert from floats), so loops over it vectorise
    return p * _bits_to_f32(np.int32((np.float32(127.0) - n) * np.float32(8388608.0)))


@njit(inline="always", fastmath=True)
def _bce_from_exp(l, ex, x):
    """``(softplus(l) - x l, sigmoid(l) - x)`` given ``ex = exp(-|l|)``, without libm or branches.

    ``softplus(l) = max(l, 0) + log1p(ex)``, ``log1p(ex) = 2 atanh(ex / (2 + ex))`` by its odd series to
    the 13th power (|error| < 2e-7 for ex in (0, 1]); ``sigmoid(l) = 1 / (1 + ex)`` for ``l >= 0``,
    ``ex / (1 + ex)`` otherwise (a select).
    """
    inv = np.float32(1.0) / (np.float32(1.0) + ex)
    sig = inv if l >= np.float32(0.0) else ex * inv
    q = ex / (np.float32(2.0) + ex)
    q2 = q * q
    lg = np.float32(2.0) * q * (np.float32(1.0) + q2 * (np.float32(1 / 3) + q2 * (np.float32(0.2) + q2 * (
        np.float32(1 / 7) + q2 * (np.float32(1 / 9) + q2 * (np.float32(1 / 11) + q2 * np.float32(1 / 13)))))))
    return max(l, np.float32(0.0)) - x * l + lg, sig - x


@njit(inline="always", fastmath=True)
def _bce(l, x):
    """``(softplus(l) - x l, sigmoid(l) - x)`` in float32 (:func:`_exp_neg`, :func:`_bce_from_exp`);
    loss and gradient agree with float64 to about 2e-7 (``tests/test_models_kernels.py``)."""
    return _bce_from_exp(l, _exp_neg(abs(l)), x)


@njit(parallel=True, cache=True, fastmath=True)
def decoder_bce(crow, col, w, bias, h, packed_t, n_chunks, want_grad, gw, gb, gh_parts, loss_parts,
                grad_scale=1.0):
    """Decoder logits, their BCE against the packed bits, and the decoder's gradients in one pass.

    Output ``j`` (an input bit) has logits ``l[b] = bias[j] + sum_e w[e] * h[col[e], b]``. The loss is
    the *sum* over samples and bits of ``softplus(l) - x l``; with ``want_grad`` the gradients of
    ``grad_scale`` times that sum are written: ``gw`` (per edge), ``gb`` (per output) and, per chunk of
    outputs, ``gh_parts[c]`` (n_genes, B; zeroed here) to be summed by the caller (:func:`relu_backward`;
    outputs are split into ``n_chunks`` contiguous chunks, one per thread, so no two threads write the
    same gene row). ``loss_parts[c]`` holds chunk ``c``'s loss. ``packed_t`` is the batch's bits
    features-major, (n_bytes, B) (:func:`transpose_packed`).

    One output at a time: its ``B`` logits (one contiguous row of ``h`` per edge), ``exp(-|l|)``, then
    bits, loss and ``sigmoid(l) - x``, each a vectorised loop over the batch on L1-resident rows (two
    short loops rather than one long body: fewer live constants, no register spills); the loss is
    summed per sample in float32 over 1,024 outputs at most, then in float64.
    """
    n_outputs = bias.shape[0]
    batch = h.shape[1]
    step = (n_outputs + n_chunks - 1) // n_chunks
    scale = np.float32(grad_scale)
    for c in prange(n_chunks):
        logit = np.empty(batch, np.float32)
        ex = np.empty(batch, np.float32)
        grad = np.empty(batch, np.float32)
        lacc = np.zeros(batch, np.float32)
        gh = gh_parts[c]
        if want_grad:
            gh[:] = np.float32(0.0)
        total = 0.0
        for j in range(c * step, min(n_outputs, (c + 1) * step)):
            bj = bias[j]
            for b in range(batch):
                logit[b] = bj
            for e in range(crow[j], crow[j + 1]):
                we = w[e]
                src = h[col[e]]
                for b in range(batch):
                    logit[b] += we * src[b]
            for b in range(batch):
                ex[b] = _exp_neg(abs(logit[b]))
            bits = packed_t[j >> 3]
            shift = np.int32(j & 7)
            for b in range(batch):
                x = np.float32(np.int32(bits[b]) >> shift & np.int32(1))
                lo, gr = _bce_from_exp(logit[b], ex[b], x)
                lacc[b] += lo
                grad[b] = gr * scale
            if (j & 1023) == 1023:
                for b in range(batch):
                    total += lacc[b]
                    lacc[b] = np.float32(0.0)
            if want_grad:
                gsum = np.float32(0.0)
                for b in range(batch):
                    gsum += grad[b]
                gb[j] = gsum
                for e in range(crow[j], crow[j + 1]):
                    k = col[e]
                    we = w[e]
                    src = h[k]
                    dst = gh[k]
                    t = np.float32(0.0)
                    for b in range(batch):
                        t += grad[b] * src[b]
                        dst[b] += we * grad[b]
                    gw[e] = t
        for b in range(batch):
            total += lacc[b]
        loss_parts[c] = total
    return loss_parts


@njit(parallel=True, cache=True, fastmath=True)
def relu_backward(gh_parts, h, gy):
    """``gy = (sum_c gh_parts[c]) * (h > 0)``: the decoder's per-chunk input gradients through the ReLU."""
    n_chunks = gh_parts.shape[0]
    n_rows, batch = h.shape
    for k in prange(n_rows):
        for b in range(batch):
            s = np.float32(0.0)
            for c in range(n_chunks):
                s += gh_parts[c, k, b]
            gy[k, b] = s if h[k, b] > np.float32(0.0) else np.float32(0.0)
    return gy


@njit(parallel=True, cache=True)
def unpack_bits_features_major(packed, n_inputs, out):
    """``out[i, b]`` = input bit ``i`` of sample ``b`` (float32, (n_inputs, B)) from packed (B, n_bytes)."""
    batch = packed.shape[0]
    for i in prange(n_inputs):
        byte, shift = i >> 3, i & 7
        for b in range(batch):
            out[i, b] = np.float32((packed[b, byte] >> shift) & 1)
    return out

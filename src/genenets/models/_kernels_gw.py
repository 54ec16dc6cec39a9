"""Genome-wide kernels of the fused GeneDAE (issue 19, third pass): the input noise summed per gene.

GeneDAE's encoder is linear before its ReLU: gene ``k``'s pre-activation for sample ``b`` is
``bias[k] + sum_e w[e] (x[i_e, b] + gamma z[i_e, b])`` over its edges ``e`` (input ``i_e``), with ``z``
independent standard normal draws, one per input and sample. An input that reaches **one** gene only (a
*private* input; in the simulated genome-wide graph 954,398 of 1,023,216 inputs, 84% of the edges)
enters no other gene, so the sum of its noise terms over the gene's private edges,
``gamma sum_e w[e] z[i_e, b]``, is one normal draw with variance
``gamma**2 sum_e w[e]**2``: it is drawn as ``gamma r_k zeta[k, b]`` with ``r_k = sqrt(sum_e w[e]**2)`` and
one standard normal ``zeta[k, b]`` per gene and sample. Inputs that reach several genes (*shared*) keep
their own draw, the same one for every gene they reach, made once per step (:func:`shared_noise`, the
counter-based stream of the per-input kernels) and kept with the input's bits as one row of
:func:`noisy_shared_inputs`, which both passes read. The joint distribution of all pre-activations, and so of
the loss, is exactly that of per-input noise (same corruption distribution): per sample and step 19,305
gene draws and 68,818 shared-input draws instead of 1.14 M draws in the forward pass and again in the
backward pass.

The gradient is the pathwise gradient of that draw: ``d pre_k / d w[e] = x[i_e] + gamma w[e] zeta_k / r_k``
for a private edge (``x[i_e] + gamma z[i_e]`` for a shared one). It is the conditional expectation of the
per-input gradient given the gene's noise sum (``E[z_e | sum_e w_e z_e = r zeta] = w_e zeta / r``): an
unbiased estimate of the same expected gradient with less variance (a Rao-Blackwellisation), not the
same random number as the per-input kernels' gradient. ``tests/test_models_kernels.py`` checks the forward
pass and gradients against a float64 dense reference at 1e-5 and the mean gradient over many draws
against the per-input kernels'.

The decoder and the encoder gradient go over the samples whose gene is *on* (ReLU output > 0) for the outputs
and inputs of one gene only (:func:`decoder_bce_private`, :func:`encoder_weight_grad_private`, by the runs of
:func:`private_runs`); the silent samples' share is one ``softplus`` / ``sigmoid`` of the bias per output and a
popcount of per-output batch bit masks (:func:`packed_bit_masks`, made once a step straight from the packed rows
and read by every kernel here). ``log1p(exp(-|l|))`` is summed as the log of a
product of the factors ``1 + exp(-|l|)`` the sigmoid divides by anyway (no logarithm per output bit;
:func:`_log_ge1`), and ``exp`` is a polynomial whose loop vectorises (:func:`_exp_neg`).

These kernels serve ``FusedGeneDAE(noise_draws="per_gene")`` (the genome-wide path); the per-input
kernels of :mod:`genenets.models._kernels`, which notebooks 01-02 use, give the same results as before.
"""
from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._kernels import _bits_to_f32, _byte_at, _draws, _exp_neg, _mix

#: Mixed into the step key for the per-gene stream (so gene draws are not the draws of inputs ``k``).
_GENE_STREAM = np.uint64(0xD1B54A32D192ED03)

def _log1p_coefficients(degree: int = 8) -> np.ndarray:
    from numpy.polynomial import Chebyshev

    f = Chebyshev.interpolate(np.log1p, degree, domain=[0.0, 1.0])
    return f.convert(kind=np.polynomial.Polynomial).coef.astype(np.float32)


#: ``log1p(u)`` on [0, 1], power basis (constant first): the Chebyshev interpolant of degree 8; float32
#: Horner error < 1.2e-7 (tests/test_models_kernels.py).
_LOG1P = _log1p_coefficients()
_C0, _C1, _C2, _C3, _C4, _C5, _C6, _C7, _C8 = (np.float32(c) for c in _LOG1P)


@njit(inline="always")
def gene_key(key):
    """The key of the per-gene stream of step ``key``."""
    return _mix(key ^ _GENE_STREAM)


def gene_noise_matrix(key, n_genes, batch, table):
    """The per-gene standard normal draws ``zeta`` of step ``key``, shape (n_genes, batch) (tests)."""
    return gene_noise_into(key, table, 1.0, np.empty((n_genes, batch), np.float32), numba.get_num_threads())


@njit(parallel=True, cache=True)
def gene_noise_into(key, table, noise_std, out, n_chunks):
    """``out[k]``: gene ``k``'s standard normal draws ``zeta[k]`` of step ``key`` (the per-gene stream), for
    ``out`` (n_genes, B), a workspace reused every step; zeros when ``noise_std`` is 0 (no noise, and the
    gradient's noise term is then 0). ``n_chunks`` contiguous chunks of genes, one per thread.

    Drawn in a pass of their own before :func:`encoder_forward_pg_keep` (tenth pass): inside the forward pass,
    among its streams of weights, indices and masks, the look-ups in the 256 KB normal table missed the L2 cache,
    and the draws cost a third of that kernel's time; alone they take a sixth of it (the forward pass plus
    this pass: 0.83x the time of the forward pass that drew)."""
    n, batch = out.shape
    gk = gene_key(key)
    n_groups = (batch + 3) >> 2
    for c in prange(n_chunks):
        hbuf = np.empty(n_groups, np.uint64)
        zbuf = np.empty(4 * n_groups, np.float32)
        for k in range(c * n // n_chunks, (c + 1) * n // n_chunks):
            if noise_std > 0:
                _draws(gk, k, batch, table, hbuf, zbuf)
                for b in range(batch):
                    out[k, b] = zbuf[b]
            else:
                for b in range(batch):
                    out[k, b] = np.float32(0.0)
    return out


def shared_slots(col, n_inputs: int) -> tuple[np.ndarray, np.ndarray]:
    """``(slot, inputs)``: ``inputs`` are the inputs with more than one encoder edge (*shared*), in order;
    ``slot[e]`` is the row of edge ``e``'s input in ``inputs`` (and in :func:`shared_noise`), ``-1`` for a
    private input's edge."""
    counts = np.bincount(col, minlength=n_inputs)
    inputs = np.flatnonzero(counts > 1).astype(np.int64)
    of_input = np.full(n_inputs, -1, np.int64)
    of_input[inputs] = np.arange(len(inputs))
    return of_input[col], inputs


def shared_noise(inputs, key, batch, table):
    """The standard normal draws of the shared inputs for step ``key``, shape (len(inputs), batch): the
    per-input stream (:func:`genenets.models._kernels._noise4`), drawn once per step and input (tests and the
    dense references; the kernels read :func:`noisy_shared_inputs`)."""
    return shared_noise_into(inputs, key, table, np.empty((len(inputs), batch), np.float32))


@njit(parallel=True, cache=True)
def shared_noise_into(inputs, key, table, out):
    """:func:`shared_noise` written into ``out`` (len(inputs), batch)."""
    n, batch = out.shape
    n_groups = (batch + 3) >> 2
    for s in prange(n):
        hbuf = np.empty(n_groups, np.uint64)
        zbuf = np.empty(4 * n_groups, np.float32)
        _draws(key, inputs[s], batch, table, hbuf, zbuf)
        for b in range(batch):
            out[s, b] = zbuf[b]
    return out


def noisy_shared_inputs(inputs, key, packed_t, noise_std, table, batch=None):
    """The shared inputs as the encoder sees them, ``x[i, b] + noise_std z[i, b]`` for ``i`` in ``inputs``,
    shape (len(inputs), B) float32 (``z``: :func:`shared_noise`'s draws; ``packed_t`` (n_bytes, >= B); ``batch``
    ``B``, by default ``packed_t.shape[1]``; tests and references: ``FusedGeneDAE`` calls
    :func:`noisy_shared_inputs_into` on its batch bit masks)."""
    batch = packed_t.shape[1] if batch is None else batch
    masks = packed_masks(packed_t, batch, int(inputs.max()) + 1 if len(inputs) else 0)
    return noisy_shared_inputs_into(inputs, key, table, masks, noise_std,
                                    np.empty((len(inputs), batch), np.float32), numba.get_num_threads())


@njit(parallel=True, cache=True)
def noisy_shared_inputs_into(inputs, key, table, masks, noise_std, out, n_chunks):
    """:func:`noisy_shared_inputs` written into ``out`` (len(inputs), B), a workspace reused every step: made
    once per step and read by the forward pass and the shared edges' gradient (the bit and the draw of a
    shared input are not looked up again per edge). The bits come from the batch bit masks ``masks``
    (ceil(B / 32), >= n_inputs) uint32 (:func:`packed_bit_masks`). ``n_chunks`` contiguous chunks of inputs,
    one per thread (the draws' scratch is made once per chunk, not once per input)."""
    n, batch = out.shape
    ns = np.float32(noise_std)
    n_groups = (batch + 3) >> 2
    n_mg = masks.shape[0]
    for c in prange(n_chunks):
        hbuf = np.empty(n_groups, np.uint64)
        zbuf = np.zeros(4 * n_groups, np.float32)  # stays 0 without noise
        for s in range(c * n // n_chunks, (c + 1) * n // n_chunks):
            i = inputs[s]
            if noise_std > 0:
                _draws(key, i, batch, table, hbuf, zbuf)
            for g in range(n_mg):
                m = masks[g, i]
                b0 = g << 5
                for t in range(min(32, batch - b0)):
                    out[s, b0 + t] = _mask_bit_f32(m, t) + ns * zbuf[b0 + t]
    return out


def encoder_forward_pg(crow, col, slot, w, bias, packed_t, noise_std, xs, key, table, h):
    """``h[k] = relu(bias[k] + sum_e w[e] x[col[e]] + noise_k)`` with per-gene noise (module docstring):
    :func:`encoder_forward_pg_keep` on the batch bit masks of ``packed_t`` (:func:`packed_masks`) and the gene
    draws of step ``key`` (:func:`gene_noise_into`), one chunk of genes per numba thread (tests and references:
    ``FusedGeneDAE`` makes the masks and draws once a step).

    ``slot[e]``: the row of edge ``e``'s input in ``xs`` (its bits plus its own noise,
    :func:`noisy_shared_inputs`), ``-1`` for a private input (:func:`shared_slots`); ``packed_t`` (n_bytes, B).
    """
    n_out, batch = h.shape
    n_threads = numba.get_num_threads()
    masks = packed_masks(packed_t, batch, int(col.max()) + 1 if len(col) else 0)
    zeta = gene_noise_into(key, table, noise_std, np.empty((n_out, batch), np.float32), n_threads)
    return encoder_forward_pg_keep(crow, col, slot, w, bias, masks, noise_std, xs, zeta, h,
                                   np.empty(n_out, np.float32), gene_bounds(crow, n_threads))


def packed_masks(packed_t, batch: int, n_inputs: int) -> np.ndarray:
    """The batch bit masks (:func:`packed_bit_masks`, shape (ceil(B / 32), n_inputs + 8) uint32, the spare
    columns zero) of the first ``batch`` columns of the features-major ``packed_t`` (n_bytes, >= B) uint8 (tests
    and the references' wrappers)."""
    return packed_bit_masks(np.ascontiguousarray(packed_t[:, :batch].T), n_inputs,
                            np.zeros(((batch + 31) // 32, n_inputs + 8), np.uint32))


@njit(inline="always", fastmath=True)
def _edge_grad(gy, k, packed_t, ib, sh, xs, sl, shared):
    """``sum_b gy[k, b] x[i, b]`` for one edge of gene ``k`` (input ``i``: bit ``sh`` of byte row ``ib`` of
    ``packed_t``), or for a ``shared`` input ``sum_b gy[k, b] xs[sl, b]``, its bits plus noise
    (:func:`noisy_shared_inputs`; a private edge's noise gradient is the per-gene term, added by the caller)."""
    t = np.float32(0.0)
    if shared:
        for b in range(gy.shape[1]):
            t += gy[k, b] * xs[sl, b]
    else:
        for b in range(gy.shape[1]):
            t += gy[k, b] * _mask_bit_f32(packed_t[ib, b], sh)
    return t


@njit(parallel=True, cache=True, fastmath=True)
def encoder_weight_grad_pg(crow, col, slot, w, gy, packed_t, noise_std, xs, key, table, gw, gb):
    """Gradients of :func:`encoder_forward_pg`: ``gb[k] = sum_b gy[k, b]``; ``gw[e] = sum_b gy[k, b]
    (x[i_e, b] + gamma z[i_e, b])`` for a shared edge, ``sum_b gy[k, b] x[i_e, b] + w[e] c_k`` for a private
    one, ``c_k = gamma / r_k sum_b gy[k, b] zeta[k, b]`` (the same draws as the forward pass: ``xs``, the shared
    inputs with their noise, and the per-gene draws, regenerated)."""
    n_out, batch = gy.shape
    ns = np.float32(noise_std)
    gk = gene_key(key)
    n_groups = (batch + 3) >> 2
    for k in prange(n_out):
        hbuf = np.empty(n_groups, np.uint64)
        zbuf = np.empty(4 * n_groups, np.float32)
        s = np.float32(0.0)
        for b in range(batch):
            s += gy[k, b]
        gb[k] = s
        c = np.float32(0.0)
        if noise_std > 0:
            r2 = 0.0
            for e in range(crow[k], crow[k + 1]):
                if slot[e] < 0:
                    r2 += np.float64(w[e]) * np.float64(w[e])
            if r2 > 0:
                _draws(gk, k, batch, table, hbuf, zbuf)
                t = np.float32(0.0)
                for b in range(batch):
                    t += gy[k, b] * zbuf[b]
                c = ns * t / np.float32(np.sqrt(r2))
        for e in range(crow[k], crow[k + 1]):
            i = col[e]
            sl = slot[e]
            if sl >= 0:
                gw[e] = _edge_grad(gy, k, packed_t, i >> 3, np.int32(i & 7), xs, sl, True)
            else:
                gw[e] = _edge_grad(gy, k, packed_t, i >> 3, np.int32(i & 7), xs, sl, False) + w[e] * c
    return gw, gb


@njit(inline="always", fastmath=True)
def _log1p01(u):
    """``log1p(u)`` for ``u`` in [0, 1]: degree-8 polynomial (:data:`_LOG1P`), no division."""
    p = _C8
    p = p * u + _C7
    p = p * u + _C6
    p = p * u + _C5
    p = p * u + _C4
    p = p * u + _C3
    p = p * u + _C2
    p = p * u + _C1
    return p * u + _C0


@intrinsic
def _exponent_f32(typingctx, x):
    """``floor(log2(x))`` of a normal positive float32, as a float32 (its exponent bits; i32 IR: vectorises)."""
    if not isinstance(x, types.Float) or x.bitwidth != 32:
        return None

    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        bits = builder.bitcast(args[0], i32)
        e = builder.sub(builder.lshr(bits, ir.Constant(i32, 23)), ir.Constant(i32, 127))
        return builder.sitofp(e, ir.FloatType())

    return types.float32(x), codegen


@intrinsic
def _mantissa_f32(typingctx, x):
    """The mantissa of a normal positive float32 as a float32 in [1, 2) (its fraction bits, exponent 0)."""
    if not isinstance(x, types.Float) or x.bitwidth != 32:
        return None

    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        bits = builder.bitcast(args[0], i32)
        bits = builder.or_(builder.and_(bits, ir.Constant(i32, 0x007FFFFF)), ir.Constant(i32, 0x3F800000))
        return builder.bitcast(bits, ir.FloatType())

    return types.float32(x), codegen


@njit(inline="always", fastmath=True)
def _log_ge1(p):
    """``log(p)`` for a float32 ``p >= 1``: exponent times ``ln 2`` plus :func:`_log1p01` of the mantissa
    minus one (absolute error < 1.2e-7 from the polynomial, plus float32 rounding)."""
    return _exponent_f32(p) * np.float32(0.6931471805599453) + _log1p01(_mantissa_f32(p) - np.float32(1.0))


@njit(inline="always", fastmath=True)
def _exp_neg_short(a):
    """``exp(-a)`` for ``a >= 0`` in float32: :func:`~genenets.models._kernels._exp_neg`'s arithmetic (the same
    polynomial to ``f**6``, relative error < 2e-7) with a shorter chain of dependent operations, for the
    decoder's loop over (output, sample), whose time is set by that chain (the out-of-order window holds about
    one turn of the loop): ``f = n ln 2 - a`` is one fused multiply-add, and the polynomial is evaluated in
    Estrin's scheme (depth 3 instead of Horner's 6)."""
    a = min(a, np.float32(87.0))
    n = np.floor(a * np.float32(1.4426950408889634) + np.float32(0.5))
    f = n * np.float32(0.6931471805599453) - a
    f2 = f * f
    p01 = np.float32(1.0) + f
    p23 = np.float32(0.5) + f * np.float32(1.0 / 6)
    p45 = np.float32(1.0 / 24) + f * np.float32(1.0 / 120)
    p = (p01 + f2 * p23) + (f2 * f2) * (p45 + f2 * np.float32(1.0 / 720))
    return p * _bits_to_f32(np.int32((np.float32(127.0) - n) * np.float32(8388608.0)))


@njit(inline="always", fastmath=True)
def _bce_terms(l, x, scale):
    """``(max(l, 0) - x l, 1 + exp(-|l|), scale (sigmoid(l) - x))`` of one output bit and sample: the loss
    but its ``log1p(exp(-|l|))`` (summed as the log of the product of the second term), and the gradient."""
    e_ = _exp_neg_short(abs(l))
    d = np.float32(1.0) + e_
    inv = np.float32(1.0) / d
    sig = inv if l >= np.float32(0.0) else e_ * inv
    return max(l, np.float32(0.0)) - x * l, d, (sig - x) * scale


# ---------------------------------------------------------------------------------------------------------------
# Sixth pass (issue 19): the decoder skips the samples whose gene is silent (ReLU output 0).
#
# An output with one edge (a *private* output: 954,398 of the 1,023,216 genome-wide outputs) has the logit
# ``l = w h[k, b] + c``. About half of the hidden values are 0 after the ReLU (50% at initialisation, 54% at the
# end of the first genome-wide epoch), and where ``h[k, b] = 0`` the logit is the bias ``c`` for every such
# sample: their loss is ``n_0 softplus(c) - c T_0`` and their bias gradient ``n_0 sigmoid(c) - T_0``, with
# ``n_0`` the silent samples and ``T_0`` how many of them have the bit set; they add nothing to the weight
# gradient (``h = 0``), and their gradient with respect to ``h`` is cut by the ReLU. One ``exp`` per output and
# step replaces one per output and silent sample. Private outputs of one gene are contiguous in the variant
# order (18,894 runs for 18,561 genes genome-wide): :func:`private_runs` finds the runs once per model.
# ---------------------------------------------------------------------------------------------------------------

#: Outputs per block of a run in :func:`decoder_bce_private` (its scratch stays in the L1 cache).
RUN_BLOCK = 64
#: Byte columns per block of :func:`packed_bit_masks` (its scratch, 512 x 32 bytes, stays in the L1 cache).
MASK_BLOCK = 512
#: How many outputs ahead :func:`decoder_bce_other` prefetches.
PREFETCH_AHEAD = 8


def private_runs(crow, col) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Runs of consecutive private outputs of one gene, and the other outputs.

    Parameters
    ----------
    crow, col : the decoder's CSR over outputs (``crow`` (n_outputs + 1,), ``col`` (n_edges,) the gene of
        each edge).

    Returns
    -------
    run_start, run_len, run_gene : (n_runs,) int64: run ``r`` is outputs ``run_start[r]`` to
        ``run_start[r] + run_len[r] - 1``, each with exactly one edge (edge ``crow[j]``), all to gene
        ``run_gene[r]``.
    other : (n_other,) int64, the outputs with any other number of edges (their logits need every sample).
    """
    crow, col = np.asarray(crow, np.int64), np.asarray(col, np.int64)
    deg = np.diff(crow)
    private = np.flatnonzero(deg == 1)
    other = np.flatnonzero(deg != 1)
    if len(private) == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty, other
    gene = col[crow[private]]
    cut = np.flatnonzero((np.diff(gene) != 0) | (np.diff(private) != 1)) + 1
    first = np.concatenate([[0], cut])
    last = np.concatenate([cut, [len(private)]])
    return private[first], (last - first).astype(np.int64), gene[first], other


def balanced_bounds(sizes, n_chunks: int) -> np.ndarray:
    """``n_chunks + 1`` cut points splitting items of ``sizes`` into contiguous chunks of about equal total."""
    sizes = np.asarray(sizes, np.int64)
    total = np.concatenate([[0], np.cumsum(sizes)])
    targets = total[-1] * np.arange(n_chunks + 1) / n_chunks
    bounds = np.searchsorted(total, targets, side="left").astype(np.int64)
    bounds[0], bounds[-1] = 0, len(sizes)
    return np.maximum.accumulate(bounds)


# Work estimates per item for :func:`balanced_bounds`, so that each thread's chunk takes about the same time
# (measured on the genome-wide graph, one chunk per thread timed alone: with chunks of equal outputs or edges the
# slower of two chunks took 1.1x (private outputs) and 1.6x (other outputs) the time of the faster, and numba's
# split of the genes in half gave one half 1.5x the other's edges).
#: A block of a run (:data:`RUN_BLOCK` outputs at most) costs as much as this many more outputs: its list of on
#: samples, popcounts, padding and per-sample loop set-up (runs are 50 outputs long on average).
RUN_BLOCK_COST = 24
#: An output with other than one edge costs as much as this many edges: its ``B`` logits' loss and gradient.
OTHER_OUTPUT_COST = 10
#: A gene costs the encoder as much as this many edges: its draws, its weight norm, its ReLU.
GENE_COST = 4


class ChunkBounds(NamedTuple):
    """Per thread, the items each parallel kernel of a step takes (``n_chunks + 1`` cut points each)."""

    runs: np.ndarray  #: runs of private outputs (:func:`decoder_bce_private`, :func:`encoder_weight_grad_private`)
    other: np.ndarray  #: the other outputs (:func:`decoder_bce_other`)
    genes: np.ndarray  #: genes by their edges (:func:`encoder_forward_pg_keep`)
    slots: np.ndarray  #: shared inputs by their edges (:func:`encoder_weight_grad_shared`)


def gene_bounds(enc_crow, n_chunks: int) -> np.ndarray:
    """``n_chunks + 1`` cut points of the genes, about equal encoder work each (edges plus :data:`GENE_COST`)."""
    return balanced_bounds(np.diff(np.asarray(enc_crow, np.int64)) + GENE_COST, n_chunks)


def chunk_bounds(enc_crow, enc_slot, dec_crow, run_len, other, n_chunks: int) -> ChunkBounds:
    """:class:`ChunkBounds` of about equal work (:data:`RUN_BLOCK_COST`, :data:`OTHER_OUTPUT_COST`,
    :data:`GENE_COST`) for ``n_chunks`` threads.

    Parameters
    ----------
    enc_crow : (n_genes + 1,) int64, the encoder's CSR row pointers; enc_slot : (n_edges,) its shared slots
        (:func:`shared_slots`); dec_crow : (n_outputs + 1,) the decoder's; run_len, other : from
        :func:`private_runs`.
    """
    run_len = np.asarray(run_len, np.int64)
    blocks = (run_len + RUN_BLOCK - 1) // RUN_BLOCK
    padded = run_len // RUN_BLOCK * RUN_BLOCK + (run_len % RUN_BLOCK + 7) // 8 * 8  # blocks padded to 8 outputs
    enc_crow = np.asarray(enc_crow, np.int64)
    enc_slot = np.asarray(enc_slot, np.int64)
    shared = enc_slot[enc_slot >= 0]
    dec_crow = np.asarray(dec_crow, np.int64)
    return ChunkBounds(balanced_bounds(padded + RUN_BLOCK_COST * blocks, n_chunks),
                       balanced_bounds(dec_crow[other + 1] - dec_crow[other] + OTHER_OUTPUT_COST, n_chunks),
                       gene_bounds(enc_crow, n_chunks),
                       balanced_bounds(np.bincount(shared, minlength=int(shared.max()) + 1 if len(shared) else 0)
                                       + 2, n_chunks))


@intrinsic
def _byte_bit_mask(typingctx, w0, w1, w2, w3, u):
    """Bit ``u`` of each of the 32 bytes of ``w0..w3`` (little-endian uint64 words) as one uint32 mask (bit
    ``b`` from byte ``b``): an AND, a byte compare and ``vpmovmskb`` on AVX2."""
    if not all(isinstance(t, types.Integer) for t in (w0, w1, w2, w3, u)):
        return None

    def codegen(context, builder, signature, args):
        i8, i32, i64 = ir.IntType(8), ir.IntType(32), ir.IntType(64)
        vec = ir.Constant(ir.VectorType(i64, 4), ir.Undefined)
        for k in range(4):
            vec = builder.insert_element(vec, builder.zext(args[k], i64) if args[k].type.width < 64 else args[k],
                                         ir.Constant(i32, k))
        v8 = builder.bitcast(vec, ir.VectorType(i8, 32))
        bit = builder.shl(ir.Constant(i8, 1), builder.trunc(args[4], i8))
        one = builder.insert_element(ir.Constant(ir.VectorType(i8, 32), ir.Undefined), bit, ir.Constant(i32, 0))
        splat = builder.shuffle_vector(one, one, ir.Constant(ir.VectorType(i32, 32), [0] * 32))
        nonzero = builder.icmp_unsigned("!=", builder.and_(v8, splat), ir.Constant(ir.VectorType(i8, 32), [0] * 32))
        return builder.bitcast(nonzero, i32)

    return types.uint32(w0, w1, w2, w3, u), codegen


@intrinsic
def _popcount(typingctx, x):
    """The number of set bits of an integer (its own type)."""
    if not isinstance(x, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return x(x), codegen


def _low32(builder, v):
    """An LLVM integer value truncated or zero-extended to 32 bits (for the intrinsics' 32-bit lane arithmetic)."""
    i32 = ir.IntType(32)
    if v.type.width > 32:
        return builder.trunc(v, i32)
    return builder.zext(v, i32) if v.type.width < 32 else v


@intrinsic
def _mask_bit_f32(typingctx, mask, shift):
    """Bit ``shift`` of ``mask`` (its low 32 bits) as a float32 0 or 1, in 32-bit arithmetic (numba widens
    integers to 64 bits, which AVX2 cannot convert to floats; this vectorises)."""
    if not isinstance(mask, types.Integer) or not isinstance(shift, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        bit = builder.and_(builder.lshr(_low32(builder, args[0]), _low32(builder, args[1])),
                           ir.Constant(ir.IntType(32), 1))
        return builder.uitofp(bit, ir.FloatType())

    return types.float32(mask, shift), codegen


@intrinsic
def _popcount_and_f32(typingctx, mask, other):
    """The set bits of ``mask & other`` (their low 32 bits) as a float32, in 32-bit arithmetic (vectorises:
    a 64-bit count would not convert to floats on AVX2)."""
    if not isinstance(mask, types.Integer) or not isinstance(other, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        count = builder.ctpop(builder.and_(_low32(builder, args[0]), _low32(builder, args[1])))
        return builder.sitofp(count, ir.FloatType())

    return types.float32(mask, other), codegen


@intrinsic
def _bit_select_f32(typingctx, mask, t, v):
    """``v`` where bit ``t`` of ``mask`` (its low 32 bits) is set, else 0: the bit shifted to the sign and a select
    (``vpsllvd`` and ``vblendvps`` on AVX2, eight samples a turn; tenth pass)."""
    if not (isinstance(mask, types.Integer) and isinstance(t, types.Integer) and v == types.float32):
        return None

    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        sh = builder.shl(_low32(builder, args[0]), builder.sub(ir.Constant(i32, 31), _low32(builder, args[1])))
        neg = builder.icmp_signed("<", sh, ir.Constant(i32, 0))
        return builder.select(neg, args[2], ir.Constant(ir.FloatType(), 0.0))

    return types.float32(mask, t, v), codegen


@intrinsic
def _prefetch(typingctx, arr, idx):
    """Ask the CPU to bring the cache line of ``arr[idx]`` (``idx`` an integer or a tuple of them) into the cache
    (LLVM's ``prefetch``: no effect on results, no fault on any address)."""
    if not isinstance(arr, types.Array):
        return None
    if isinstance(idx, types.BaseTuple):
        if len(idx) != arr.ndim or not all(isinstance(t, types.Integer) for t in idx):
            return None
    elif not (isinstance(idx, types.Integer) and arr.ndim == 1):
        return None

    def codegen(context, builder, signature, args):
        aryty, idxty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        if isinstance(idxty, types.BaseTuple):
            raw = cgutils.unpack_tuple(builder, args[1], len(idxty))
            types_ = list(idxty)
        else:
            raw, types_ = [args[1]], [idxty]
        indices = [context.cast(builder, v, t, types.intp) for v, t in zip(raw, types_)]
        ptr = cgutils.get_item_pointer2(context, builder, data=ary.data, shape=cgutils.unpack_tuple(builder, ary.shape),
                                        strides=cgutils.unpack_tuple(builder, ary.strides), layout=aryty.layout,
                                        inds=indices, wraparound=False, boundscheck=False)
        i32, i8p = ir.IntType(32), ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        # the name of LLVM >= 15 (opaque pointers; llvmlite 0.50 of requirements.lock is built on LLVM 22)
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.none(arr, idx), codegen


@njit(parallel=True, cache=True)
def packed_bit_masks(packed, n_outputs, out):
    """The batch bit masks of the batch's packed bits ``packed`` (B, n_bytes) uint8 (sample-major, as the loader
    gives them): ``out[g, j]`` bit ``b`` set when sample ``32 g + b`` has input bit ``j`` (a uint32 mask per group
    of 32 samples and output; group-major, so that a run of outputs is contiguous and loops over it vectorise;
    ``out`` (ceil(B / 32), >= n_outputs) uint32, columns past ``n_outputs`` left as they are). Blocks of
    :data:`MASK_BLOCK` byte columns are transposed into a scratch that stays in the L1 cache and turned into
    masks there, one byte compare and ``vpmovmskb`` per 32 samples (:func:`_byte_bit_mask`). Tenth pass: made
    straight from the packed rows, so the per-gene kernels need no features-major copy of the bits (0.78-0.83x
    the time of that transpose plus the masks made from it, the kernel this one replaced)."""
    batch, n_bytes = packed.shape
    n_groups = out.shape[0]
    block = MASK_BLOCK
    for c in prange((n_bytes + block - 1) // block):
        lo = c * block
        stop = min(n_bytes, lo + block)
        tb = np.zeros((block, 4), np.uint64)  # byte b of word k of column i: sample 32 g + 8 k + b
        for g in range(n_groups):
            for k in range(4):
                b0 = 32 * g + 8 * k
                if b0 + 8 <= batch:  # eight rows, one 8-byte word per column (as _transpose_packed_words)
                    p0, p1, p2, p3 = packed[b0], packed[b0 + 1], packed[b0 + 2], packed[b0 + 3]
                    p4, p5, p6, p7 = packed[b0 + 4], packed[b0 + 5], packed[b0 + 6], packed[b0 + 7]
                    for i in range(lo, stop):
                        v = _byte_at(p0, i, 0) | _byte_at(p1, i, 8) | _byte_at(p2, i, 16) | _byte_at(p3, i, 24)
                        v |= _byte_at(p4, i, 32) | _byte_at(p5, i, 40) | _byte_at(p6, i, 48) | _byte_at(p7, i, 56)
                        tb[i - lo, k] = v
                else:  # the last, partial word of samples, and the words past the batch: zero
                    for i in range(lo, stop):
                        tb[i - lo, k] = np.uint64(0)
                    for r in range(max(0, min(8, batch - b0))):
                        row = packed[b0 + r]
                        for i in range(lo, stop):
                            tb[i - lo, k] |= _byte_at(row, i, 8 * r)
            for i in range(lo, stop):
                w0, w1, w2, w3 = tb[i - lo, 0], tb[i - lo, 1], tb[i - lo, 2], tb[i - lo, 3]
                for u in range(8):
                    j = 8 * i + u
                    if j < n_outputs:
                        out[g, j] = _byte_bit_mask(w0, w1, w2, w3, np.int64(u))
    return out


@njit(parallel=True, cache=True, fastmath=True)
def decoder_bce_private(run_start, run_len, run_gene, bounds, crow, w, bias, h, masks, want_grad, gw, gb,
                        gh_parts, loss_parts, grad_scale=1.0):
    """Loss and gradients of the private outputs (:func:`private_runs`), over the samples whose gene is on.

    Chunk ``c`` (one per thread) takes runs ``bounds[c]`` to ``bounds[c + 1] - 1``. Per run of gene ``k``, the
    samples with ``h[k, b] > 0`` are listed once (and as bit masks); per block of :data:`RUN_BLOCK` outputs,
    the on samples' bits are read from ``masks`` (n_groups, >= n_outputs + 7: a block's padding reads past
    its run; :func:`packed_bit_masks`) and the silent samples with each bit set are counted (a popcount); the
    loop over (on sample, output) computes the logit, :func:`_bce_terms`, the weight and bias gradients and
    ``dL/dh`` in one pass (no logits stored); the ``n_0`` silent samples add ``n_0 softplus(c) - c T_0`` to the loss and
    ``n_0 sigmoid(c) - T_0`` to the bias gradient (``T_0``: the silent samples with the bit set). A block is
    padded to whole vectors of 8 outputs with zero weight and bias (computed, never summed), so the
    loop has no scalar remainder. A run's outputs have consecutive edges (one each), so no index is looked
    up per output.

    ``loss_parts[c]`` is set to chunk ``c``'s loss (float64); with ``want_grad``, ``gw`` and ``gb`` are
    written for these outputs' edges and biases and ``gh_parts[c]`` (n_genes, B) is zeroed, then the on
    samples' ``dL/dh`` added (a silent sample's is cut by the ReLU: left 0). ``grad_scale`` multiplies every
    gradient (``1 / (B n_outputs)`` for the mean).
    """
    batch = h.shape[1]
    n_groups = masks.shape[0]
    n_chunks = bounds.shape[0] - 1
    scale = np.float32(grad_scale)
    for c in prange(n_chunks):
        on = np.empty(batch + 1, np.int64)  # + 1: the branch-free compaction below writes one past the last on sample
        h_on = np.empty(batch + 1, np.float32)
        off_mask = np.empty(n_groups, np.uint32)
        w_blk = np.empty(RUN_BLOCK, np.float32)
        c_blk = np.empty(RUN_BLOCK, np.float32)
        t_off = np.empty(RUN_BLOCK, np.float32)
        la = np.empty(RUN_BLOCK, np.float32)
        lp = np.empty(RUN_BLOCK, np.float32)
        gws = np.empty(RUN_BLOCK, np.float32)
        gbs = np.empty(RUN_BLOCK, np.float32)
        lq = np.empty(RUN_BLOCK, np.float32)
        if want_grad:
            gh_parts[c, :, :] = np.float32(0.0)
        total = 0.0
        for r in range(bounds[c], bounds[c + 1]):
            k = run_gene[r]
            n_on = 0
            for g in range(n_groups):
                off_mask[g] = np.uint32(0)
            for b in range(batch):
                # branch-free: whether a gene is on is a coin flip per sample, so a branch on it is mispredicted
                # about half the time (this kernel 0.90-0.96x the time, the private-edge gradient's 0.66x; eighth pass)
                hv = h[k, b]
                on[n_on] = b
                h_on[n_on] = hv
                pos = hv > np.float32(0.0)
                n_on += np.int64(pos)
                off_mask[b >> 5] |= np.uint32(1 - np.int64(pos)) << np.uint32(b & 31)
            n_off = np.float32(batch - n_on)
            start = run_start[r]
            stop = start + run_len[r]
            for j0 in range(start, stop, RUN_BLOCK):
                nb = min(RUN_BLOCK, stop - j0)
                nbp = (nb + 7) & ~7
                ju = np.uint64(j0)
                eu = np.uint64(crow[j0])
                for q in range(nbp):
                    la[q] = np.float32(0.0)
                    lp[q] = np.float32(1.0)
                    gws[q] = np.float32(0.0)
                    gbs[q] = np.float32(0.0)
                    w_blk[q] = np.float32(0.0)
                    c_blk[q] = np.float32(0.0)
                if n_groups == 1:  # batches of up to 32: one mask per output, a loop that vectorises
                    off0 = off_mask[0]
                    for q in range(nb):
                        w_blk[q] = w[eu + np.uint64(q)]
                        c_blk[q] = bias[ju + np.uint64(q)]
                        t_off[q] = _popcount_and_f32(masks[0, ju + np.uint64(q)], off0)
                else:
                    for q in range(nb):
                        w_blk[q] = w[eu + np.uint64(q)]
                        c_blk[q] = bias[ju + np.uint64(q)]
                        t = np.uint32(0)
                        for g in range(n_groups):
                            t += _popcount(masks[g, ju + np.uint64(q)] & off_mask[g])
                        t_off[q] = np.float32(t)
                # four on samples a turn: four independent exp chains overlap, the accumulators are read and
                # written once per four (20% faster than one a turn, measured); lp <= 2 ** 4 a turn, folded
                # every 8 turns (<= 2 ** 32), at most 3 samples left for the one-a-turn loop
                for i in range(0, n_on - 3, 4):
                    h0 = h_on[i]
                    h1 = h_on[i + 1]
                    h2 = h_on[i + 2]
                    h3 = h_on[i + 3]
                    m0, s0 = on[i] >> 5, np.uint32(on[i] & 31)
                    m1, s1 = on[i + 1] >> 5, np.uint32(on[i + 1] & 31)
                    m2, s2 = on[i + 2] >> 5, np.uint32(on[i + 2] & 31)
                    m3, s3 = on[i + 3] >> 5, np.uint32(on[i + 3] & 31)
                    dot0 = np.float32(0.0)
                    dot1 = np.float32(0.0)
                    dot2 = np.float32(0.0)
                    dot3 = np.float32(0.0)
                    for q in range(nbp):  # q >= nb: padding (zero weight and bias; the bit read past the run)
                        wq = w_blk[q]
                        cq = c_blk[q]
                        jq = ju + np.uint64(q)
                        a0, d0, g0 = _bce_terms(wq * h0 + cq, _mask_bit_f32(masks[m0, jq], s0), scale)
                        a1, d1, g1 = _bce_terms(wq * h1 + cq, _mask_bit_f32(masks[m1, jq], s1), scale)
                        a2, d2, g2 = _bce_terms(wq * h2 + cq, _mask_bit_f32(masks[m2, jq], s2), scale)
                        a3, d3, g3 = _bce_terms(wq * h3 + cq, _mask_bit_f32(masks[m3, jq], s3), scale)
                        la[q] += (a0 + a1) + (a2 + a3)
                        lp[q] *= (d0 * d1) * (d2 * d3)
                        gws[q] += (g0 * h0 + g1 * h1) + (g2 * h2 + g3 * h3)
                        gbs[q] += (g0 + g1) + (g2 + g3)
                        dot0 += wq * g0
                        dot1 += wq * g1
                        dot2 += wq * g2
                        dot3 += wq * g3
                    if want_grad:
                        gh_parts[c, k, on[i]] += dot0
                        gh_parts[c, k, on[i + 1]] += dot1
                        gh_parts[c, k, on[i + 2]] += dot2
                        gh_parts[c, k, on[i + 3]] += dot3
                    if (i & 31) == 28:
                        for q in range(nbp):
                            la[q] += _log_ge1(lp[q])
                            lp[q] = np.float32(1.0)
                for i in range(n_on - (n_on & 3), n_on):
                    hv = h_on[i]
                    mi, si = on[i] >> 5, np.uint32(on[i] & 31)
                    dot = np.float32(0.0)
                    for q in range(nbp):
                        a, d, g_ = _bce_terms(w_blk[q] * hv + c_blk[q], _mask_bit_f32(masks[mi, ju + np.uint64(q)], si),
                                              scale)
                        la[q] += a
                        lp[q] *= d
                        gws[q] += g_ * hv
                        gbs[q] += g_
                        dot += w_blk[q] * g_
                    if want_grad:
                        gh_parts[c, k, on[i]] += dot
                for q in range(nbp):  # the silent samples, and each output's loss (vectorised, float32)
                    cq = c_blk[q]
                    e_ = _exp_neg(abs(cq))
                    d = np.float32(1.0) + e_
                    inv = np.float32(1.0) / d
                    sig = inv if cq >= np.float32(0.0) else e_ * inv
                    lq[q] = (la[q] + _log_ge1(lp[q]) + n_off * (max(cq, np.float32(0.0)) + _log_ge1(d))
                             - cq * t_off[q])
                    gbs[q] += scale * (n_off * sig - t_off[q])
                s = np.float32(0.0)
                for q in range(nb):
                    s += lq[q]
                total += np.float64(s)
                if want_grad:
                    for q in range(nb):
                        gb[ju + np.uint64(q)] = gbs[q]
                        gw[eu + np.uint64(q)] = gws[q]
        loss_parts[c] = total
    return loss_parts


@njit(parallel=True, cache=True, fastmath=True)
def decoder_bce_other(outputs, bounds, crow, col, w, bias, h, masks, want_grad, gw, gb, gh_parts, loss_parts,
                      grad_scale=1.0):
    """:func:`decoder_bce_private`'s complement: outputs ``outputs[bounds[c]:bounds[c + 1]]`` (any number of
    edges) over every sample, their bits from the batch bit masks ``masks`` (ceil(B / 32), >= n_outputs) uint32
    (:func:`packed_bit_masks`); their loss is *added* to ``loss_parts[c]`` and their ``dL/dh`` to
    ``gh_parts[c]`` (so call it after :func:`decoder_bce_private`)."""
    batch = h.shape[1]
    n_mg = masks.shape[0]
    n_chunks = bounds.shape[0] - 1
    scale = np.float32(grad_scale)
    for c in prange(n_chunks):
        lg = np.empty(batch, np.float32)
        gr = np.empty(batch, np.float32)
        la = np.zeros(batch, np.float32)  # per sample, over outputs: no reduction per output
        lp = np.ones(batch, np.float32)  # the product of 1 + exp(-|l|) over 16 outputs at most (<= 2 ** 16)
        total = 0.0
        n = 0
        stop = bounds[c + 1]
        for t in range(bounds[c], stop):
            # the other outputs lie ~15 outputs apart: each reads new cache lines of every array, too far ahead
            # for the out-of-order window; ask for them PREFETCH_AHEAD outputs early (their edges half as early,
            # once their row pointer has arrived)
            if t + PREFETCH_AHEAD < stop:
                j_ = outputs[t + PREFETCH_AHEAD]
                _prefetch(crow, j_)
                _prefetch(bias, j_)
                _prefetch(masks, (0, j_))
                _prefetch(gb, j_)
            if t + PREFETCH_AHEAD // 2 < stop:
                e_ = crow[outputs[t + PREFETCH_AHEAD // 2]]
                _prefetch(w, e_)
                _prefetch(col, e_)
                _prefetch(gw, e_)
            j = outputs[t]
            bj = bias[j]
            for b in range(batch):
                lg[b] = bj
            for e in range(crow[j], crow[j + 1]):
                we = w[e]
                k = col[e]
                for b in range(batch):
                    lg[b] += we * h[k, b]
            gsum = np.float32(0.0)
            if n_mg == 1:  # batches of up to 32 (the genome-wide batch): one mask word, a loop that vectorises
                m = masks[0, j]
                for b in range(batch):
                    a, d, g = _bce_terms(lg[b], _mask_bit_f32(m, b), scale)
                    la[b] += a
                    lp[b] *= d
                    gr[b] = g
                    gsum += g
            else:
                for b in range(batch):
                    a, d, g = _bce_terms(lg[b], _mask_bit_f32(masks[b >> 5, j], b & 31), scale)
                    la[b] += a
                    lp[b] *= d
                    gr[b] = g
                    gsum += g
            n += 1
            if (n & 15) == 0:
                for b in range(batch):
                    la[b] += _log_ge1(lp[b])
                    lp[b] = np.float32(1.0)
                for b in range(batch):
                    total += la[b]
                    la[b] = np.float32(0.0)
            if want_grad:
                gb[j] = gsum
                for e in range(crow[j], crow[j + 1]):
                    k = col[e]
                    we = w[e]
                    s = np.float32(0.0)
                    for b in range(batch):
                        s += gr[b] * h[k, b]
                        gh_parts[c, k, b] += we * gr[b]
                    gw[e] = s
        for b in range(batch):
            total += la[b] + _log_ge1(lp[b])
        loss_parts[c] += total
    return loss_parts


def run_encoder_edges(enc_crow, enc_col, enc_slot, run_start, run_len, run_gene) -> np.ndarray | None:
    """Per decoder run (:func:`private_runs`), the encoder edge of its first output's input: the run's inputs
    are edges ``e0`` to ``e0 + run_len - 1`` of the encoder's CSR (gene ``k``'s row, inputs in order), all
    private (``enc_slot < 0``, :func:`shared_slots`), or ``None`` when the encoder is not laid out so (then
    :func:`encoder_weight_grad_pg` serves)."""
    enc_crow, enc_col = np.asarray(enc_crow, np.int64), np.asarray(enc_col, np.int64)
    first = np.empty(len(run_start), np.int64)
    for r, (s, n, k) in enumerate(zip(run_start, run_len, run_gene)):
        row = enc_col[enc_crow[k]:enc_crow[k + 1]]
        q = int(np.searchsorted(row, s))
        e0 = enc_crow[k] + q
        if (q + n > len(row) or not np.array_equal(row[q:q + n], np.arange(s, s + n))
                or (enc_slot[e0:e0 + n] >= 0).any()):
            return None
        first[r] = e0
    return first


@njit(parallel=True, cache=True, fastmath=True)
def encoder_forward_pg_keep(crow, col, slot, w, bias, masks, noise_std, xs, zeta, h, r, bounds):
    """:func:`encoder_forward_pg` on gene ``k``'s draws ``zeta[k]`` (n_genes, B; :func:`gene_noise_into`, drawn
    before this pass and read again by the gradient), keeping the norm of its private weights ``r[k]``
    (n_genes,) for the gradient (:func:`encoder_weight_grad_shared`).
    A shared edge reads its input's row of ``xs`` (:func:`noisy_shared_inputs`: bits plus noise, made once per
    step; ninth pass), not its bit and its draw. A private edge reads its input's batch bit masks
    ``masks[g, i]`` (:func:`packed_bit_masks`, (ceil(B / 32), >= n_inputs) uint32: one word per 32 samples, the
    masks the decoder reads too) and adds ``w[e]`` where a sample's bit is set (:func:`_bit_select_f32`; tenth
    pass: 4 bytes per input and group of 32 samples instead of 32, and no integer-to-float conversion).
    Chunk ``c`` (one per thread) takes genes ``bounds[c]`` to ``bounds[c + 1] - 1`` (``ChunkBounds.genes``:
    about equal edges; numba's own split is by genes, which gave one thread 60% of the edges).

    Operands are indexed in place (``masks[g, i]``), never sliced into row views: a view costs an atomic
    reference-count increment and decrement per edge, more than the edge's arithmetic.
    """
    n_out, batch = h.shape
    ns = np.float32(noise_std)
    n_mg = masks.shape[0]
    for c in prange(bounds.shape[0] - 1):
        acc = np.empty(batch, np.float32)
        for k in range(bounds[c], bounds[c + 1]):
            bk = bias[k]
            for b in range(batch):
                acc[b] = bk
            r2 = 0.0
            e = crow[k]
            while e < crow[k + 1]:
                if e + 4 <= crow[k + 1] and (slot[e] < 0) & (slot[e + 1] < 0) & (slot[e + 2] < 0) & (slot[e + 3] < 0):
                    # four private edges a turn: the accumulator is read and written once per four edges
                    w0, w1_, w2, w3 = w[e], w[e + 1], w[e + 2], w[e + 3]
                    i0, i1, i2, i3 = col[e], col[e + 1], col[e + 2], col[e + 3]
                    if n_mg == 1:  # one word per input (B <= 32, the genome-wide batch): a loop LLVM vectorises
                        m0, m1, m2, m3 = masks[0, i0], masks[0, i1], masks[0, i2], masks[0, i3]
                        for t in range(batch):
                            acc[t] += ((_bit_select_f32(m0, t, w0) + _bit_select_f32(m1, t, w1_))
                                       + (_bit_select_f32(m2, t, w2) + _bit_select_f32(m3, t, w3)))
                    else:
                        for g in range(n_mg):
                            m0, m1, m2, m3 = masks[g, i0], masks[g, i1], masks[g, i2], masks[g, i3]
                            base = np.uint64(g << 5)
                            for t in range(min(32, batch - (g << 5))):
                                acc[base + np.uint64(t)] += (
                                    (_bit_select_f32(m0, t, w0) + _bit_select_f32(m1, t, w1_))
                                    + (_bit_select_f32(m2, t, w2) + _bit_select_f32(m3, t, w3)))
                    r2 += ((np.float64(w0) * np.float64(w0) + np.float64(w1_) * np.float64(w1_))
                           + (np.float64(w2) * np.float64(w2) + np.float64(w3) * np.float64(w3)))
                    e += 4
                    continue
                we = w[e]
                i = col[e]
                sl = slot[e]
                if sl >= 0:
                    for b in range(batch):
                        acc[b] += we * xs[sl, b]
                else:
                    for g in range(n_mg):
                        m = masks[g, i]
                        base = np.uint64(g << 5)
                        for t in range(min(32, batch - (g << 5))):
                            acc[base + np.uint64(t)] += _bit_select_f32(m, t, we)
                    r2 += np.float64(we) * np.float64(we)
                e += 1
            r[k] = np.float32(np.sqrt(r2))
            if noise_std > 0 and r2 > 0:
                sd = ns * np.float32(np.sqrt(r2))
                for b in range(batch):
                    acc[b] += sd * zeta[k, b]
            for b in range(batch):
                h[k, b] = max(acc[b], np.float32(0.0))
    return h


def shared_edges_by_input(enc_crow, slot) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The shared edges grouped by their input: ``(s_start, s_gene, s_edge)``, shared input ``sl``'s edges are
    ``s_edge[s_start[sl]:s_start[sl + 1]]`` (in edge order), to genes ``s_gene[...]``.

    Parameters
    ----------
    enc_crow : (n_genes + 1,) int64, the encoder's CSR row pointers; slot : (n_edges,) from :func:`shared_slots`.

    Returns
    -------
    s_start : (n_shared + 1,) int64; s_gene, s_edge : (n_shared_edges,) int64.
    """
    slot = np.asarray(slot, np.int64)
    edges = np.flatnonzero(slot >= 0)
    order = np.argsort(slot[edges], kind="stable")
    s_edge = edges[order].astype(np.int64)
    s_gene = (np.searchsorted(np.asarray(enc_crow, np.int64), s_edge, side="right") - 1).astype(np.int64)
    counts = np.bincount(slot[edges], minlength=int(slot.max()) + 1 if len(edges) else 0)
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), s_gene, s_edge


@njit(parallel=True, cache=True, fastmath=True)
def encoder_weight_grad_shared(s_start, s_gene, s_edge, gy, xs, noise_std, zeta, r, gw, gb, c_gene, bounds):
    """:func:`encoder_weight_grad_pg` but the private edges: ``gb``, the shared edges' ``gw`` and, per gene,
    ``c_gene[k] = gamma / r_k sum_b gy[k, b] zeta[k, b]`` (the per-gene noise term of every private edge's
    gradient, ``w[e] c_k``), from the draws the forward pass read (:func:`gene_noise_into`) and the norms it kept
    (:func:`encoder_forward_pg_keep`);
    :func:`encoder_weight_grad_private` then writes the private edges'.

    The shared edges go by input (:func:`shared_edges_by_input`; ninth pass): input ``sl``'s row of ``xs``
    (:func:`noisy_shared_inputs`) is read once for its edges (2.7 on average genome-wide) and the rows in
    order, instead of once per edge in gene order (0.35-0.39x the time, measured in the ninth pass).
    Chunk ``c`` (one per thread) takes shared inputs ``bounds[c]`` to ``bounds[c + 1] - 1``
    (``ChunkBounds.slots``: about equal shared edges)."""
    n_out, batch = gy.shape
    ns = np.float32(noise_std)
    for k in prange(n_out):
        s = np.float32(0.0)
        t = np.float32(0.0)
        for b in range(batch):
            s += gy[k, b]
            t += gy[k, b] * zeta[k, b]
        gb[k] = s
        c_gene[k] = ns * t / r[k] if noise_std > 0 and r[k] > 0 else np.float32(0.0)
    for c in prange(bounds.shape[0] - 1):
        for sl in range(bounds[c], bounds[c + 1]):
            for q in range(s_start[sl], s_start[sl + 1]):
                k = s_gene[q]
                t = np.float32(0.0)
                for b in range(batch):
                    t += gy[k, b] * xs[sl, b]
                gw[s_edge[q]] = t
    return gw, gb, c_gene


@njit(parallel=True, cache=True, fastmath=True)
def encoder_weight_grad_private(run_start, run_len, run_gene, run_edge, bounds, w, gy, h, masks, c_gene, gw):
    """The private edges' gradients ``gw[e] = sum_b gy[k, b] x[i_e, b] + w[e] c_k`` over the samples whose gene
    is on (``gy`` is 0 for the others: the ReLU), by runs: run ``r``'s inputs are edges ``run_edge[r]`` on
    (:func:`run_encoder_edges`); bits from ``masks`` (:func:`packed_bit_masks`; (n_groups, >= n_inputs + 7), as
    :func:`decoder_bce_private`'s), eight edges a vector."""
    batch = gy.shape[1]
    n_chunks = bounds.shape[0] - 1
    for c in prange(n_chunks):
        on = np.empty(batch + 1, np.int64)  # + 1: the branch-free compaction writes one past the last on sample
        g_on = np.empty(batch + 1, np.float32)
        acc = np.empty(RUN_BLOCK, np.float32)
        for r in range(bounds[c], bounds[c + 1]):
            k = run_gene[r]
            n_on = 0
            for b in range(batch):  # branch-free, as in decoder_bce_private
                on[n_on] = b
                g_on[n_on] = gy[k, b]
                n_on += np.int64(h[k, b] > np.float32(0.0))
            ck = c_gene[k]
            start = run_start[r]
            stop = start + run_len[r]
            for j0 in range(start, stop, RUN_BLOCK):
                nb = min(RUN_BLOCK, stop - j0)
                ju = np.uint64(j0)
                eu = np.uint64(run_edge[r] + (j0 - start))
                # the sample loops go over whole vectors of 8 edges (nbp), as decoder_bce_private's, so they have no
                # scalar remainder (0.85-0.91x this kernel's time, ninth pass): the padding reads the mask words past
                # the run (``masks`` has 8 spare columns) into acc's spare entries, which are never written out
                nbp = (nb + 7) & ~7
                for q in range(nb):
                    acc[q] = w[eu + np.uint64(q)] * ck
                for q in range(nb, nbp):
                    acc[q] = np.float32(0.0)
                for i in range(0, n_on - 3, 4):  # four on samples a turn (as decoder_bce_private)
                    g0, s0, v0 = on[i] >> 5, np.uint32(on[i] & 31), g_on[i]
                    g1, s1, v1 = on[i + 1] >> 5, np.uint32(on[i + 1] & 31), g_on[i + 1]
                    g2, s2, v2 = on[i + 2] >> 5, np.uint32(on[i + 2] & 31), g_on[i + 2]
                    g3, s3, v3 = on[i + 3] >> 5, np.uint32(on[i + 3] & 31), g_on[i + 3]
                    for q in range(nbp):
                        jq = ju + np.uint64(q)
                        acc[q] += ((v0 * _mask_bit_f32(masks[g0, jq], s0) + v1 * _mask_bit_f32(masks[g1, jq], s1))
                                   + (v2 * _mask_bit_f32(masks[g2, jq], s2) + v3 * _mask_bit_f32(masks[g3, jq], s3)))
                for i in range(n_on - (n_on & 3), n_on):
                    b = on[i]
                    g = b >> 5
                    sh = np.uint32(b & 31)
                    gv = g_on[i]
                    for q in range(nbp):
                        acc[q] += gv * _mask_bit_f32(masks[g, ju + np.uint64(q)], sh)
                for q in range(nb):
                    gw[eu + np.uint64(q)] = acc[q]
    return gw

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
    noise_std = float(model.noise_std) if model.training else 0.0
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


# ----------------------------------------------------------------------------------------------
# the person-major conversion as it was at commit 8d6fa68 (table look-up kernel, one pwrite per person)

from pathlib import Path  # noqa: E402

from genenets.data.genotypes import bed_layout, check_padding, plink_paths  # noqa: E402
from genenets.data.registry import DataError  # noqa: E402
from genenets.data.streaming import _BYTE_LUT, PERSON_MAJOR_VERSION, person_major_path  # noqa: E402


def _convert_kernel():
    from numba import njit, prange

    @njit(parallel=True, cache=True)
    def convert(raw, n, lut, out):
        """SNP-major bytes (nv, bytes_per_variant) -> person-major GeneDAE codes (n, ceil(nv / 4)).

        Each input byte (4 people x 1 variant) is read once. ``lut`` (256, 5): the GeneDAE codes of the
        byte's four people and its number of missing calls. Returns the missing calls per byte column
        (padding is zero, :func:`check_padding`, so it counts as no missing call)."""
        nv, n_q = raw.shape
        missing = np.zeros(n_q, np.int64)
        for q in prange(n_q):
            people = min(4, n - 4 * q)
            miss = 0
            for v4 in range((nv + 3) // 4):
                b0 = np.uint8(0)
                b1 = np.uint8(0)
                b2 = np.uint8(0)
                b3 = np.uint8(0)
                for t in range(min(4, nv - 4 * v4)):
                    code = lut[raw[4 * v4 + t, q]]
                    miss += code[4]
                    b0 |= code[0] << (2 * t)
                    b1 |= code[1] << (2 * t)
                    b2 |= code[2] << (2 * t)
                    b3 |= code[3] << (2 * t)
                out[4 * q, v4] = b0
                if people > 1:
                    out[4 * q + 1, v4] = b1
                if people > 2:
                    out[4 * q + 2, v4] = b2
                if people > 3:
                    out[4 * q + 3, v4] = b3
            missing[q] = miss
        return missing

    return convert



def convert_to_person_major_v1(prefix, variant_index=None, out=None, chunk_variants: int = 16384,
                            progress: bool = False, stop_after: int | None = None) -> Path:
    """Write the GeneDAE two-bit codes of a SNP-major ``.bed`` person by person, bit-packed.

    Row ``p`` of the output (``ceil(m / 4)`` bytes) holds the ``m`` variants ``variant_index`` (in that
    order) of sample ``p``: bits ``2j, 2j+1`` are the two GeneDAE inputs of variant ``j``, so a batch of
    people is ``batch`` contiguous reads and its input is ``np.unpackbits(..., bitorder="little")``.

    Atomic and resumable: the work goes to ``<out>.part`` with a ``<out>.part.json`` progress record
    written after each flushed chunk; a killed conversion resumes from its last chunk, and ``out`` appears
    (one rename) only when complete, after its ``<out>.json`` metadata (samples, variants, missing calls).
    A killed process loses nothing written (the progress record follows each chunk's writes; a machine
    crash may lose page-cache data, the final copy is ``fsync``-ed before its rename).
    The padding bits of every variant are checked (:func:`check_padding`). ``stop_after`` stops after
    that many chunks (to test resuming). Returns ``out`` (default :func:`person_major_path`).
    """
    import json
    import os

    layout = bed_layout(prefix)
    bed = plink_paths(prefix)[0]
    if layout["mode"] != "snp":
        raise DataError(f"{bed}: individual-major (legacy) layout; convert it with "
                        f"genenets.data.genotypes.snp_major_prefix first")
    n, m_file = layout["n_samples"], layout["n_variants"]
    vi = np.arange(m_file) if variant_index is None else np.asarray(variant_index, dtype=np.int64)
    out = Path(out) if out is not None else person_major_path(prefix, variant_index)
    if out.exists() and out.with_suffix(".json").exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    part, record = out.with_name(out.name + ".part"), out.with_name(out.name + ".part.json")
    m, per_variant, row_bytes = len(vi), (n + 3) // 4, (len(vi) + 3) // 4
    chunk = max(4, chunk_variants // 4 * 4)
    done, missing = 0, 0
    if part.exists() and record.exists() and part.stat().st_size == n * row_bytes:
        state = json.loads(record.read_text())
        if state.get("n") == n and state.get("m") == m:
            done, missing = int(state["done"]), int(state["missing"])
    fd = os.open(part, os.O_RDWR | os.O_CREAT | (0 if done else os.O_TRUNC), 0o644)
    os.ftruncate(fd, n * row_bytes)
    src = np.memmap(bed, dtype=np.uint8, mode="r", offset=3, shape=(m_file, per_variant))
    convert = _convert_kernel()
    from tqdm.auto import tqdm

    bar = tqdm(total=m, initial=done, desc=f"person-major copy of {bed.name}", unit="variant",
               disable=not progress)
    for k, c0 in enumerate(range(done, m, chunk)):
        if stop_after is not None and k >= stop_after:
            bar.close()
            os.close(fd)
            return part
        rows = np.asarray(src[vi[c0:c0 + chunk]])
        try:
            check_padding(bed, rows, n)
        except DataError:
            os.close(fd)
            raise
        block = np.empty((n, (len(rows) + 3) // 4), np.uint8)
        missing += int(convert(rows, n, _BYTE_LUT, block).sum())
        for p in range(n):  # one write per person: its bytes of this chunk (page-sized with the default chunk)
            os.pwrite(fd, block[p].data, p * row_bytes + c0 // 4)
        tmp = record.with_name(record.name + ".tmp")
        tmp.write_text(json.dumps({"n": n, "m": m, "done": min(m, c0 + chunk), "missing": missing}))
        os.replace(tmp, record)
        bar.update(len(rows))
    bar.close()
    os.fsync(fd)
    os.close(fd)
    meta = out.with_suffix(".json")
    tmp = meta.with_name(meta.name + ".tmp")
    tmp.write_text(json.dumps({"n_samples": n, "n_variants": m, "missing_calls": missing, "bed": str(bed),
                               "version": PERSON_MAJOR_VERSION}))
    os.replace(tmp, meta)
    os.replace(part, out)  # last: `out` exists only complete
    record.unlink(missing_ok=True)
    return out




import torch  # noqa: E402

from genenets.models.genomewide import FusedGeneDAE  # noqa: E402


class _LossV1(torch.autograd.Function):
    @staticmethod
    def forward(ctx, packed, w1, b1, w2, b2, model, key):
        loss, grads = fused_v1_step(model, packed, key)
        ctx.grads = [torch.from_numpy(g) for g in grads]
        return torch.tensor(loss, dtype=torch.float32)

    @staticmethod
    def backward(ctx, grad_loss):
        return (None, *[g * grad_loss for g in ctx.grads], None, None)


class FusedGeneDAEv1(FusedGeneDAE):
    """``FusedGeneDAE`` computed with the first-pass kernels above (training mode only; for benchmarks)."""

    def loss(self, packed):
        key = np.uint64(int(torch.randint(0, 2 ** 62, (1,))))
        return _LossV1.apply(packed.cpu().contiguous(), self.encoder.weight, self.encoder.bias, self.decoder.weight,
                             self.decoder.bias, self, key)

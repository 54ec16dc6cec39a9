"""Where the genome-wide decoder + loss kernel spends its time (issue 19): ``decoder_bce_gw`` at genome-wide size
(1,023,216 output bits, ~1.14 M edges, 19,305 genes, batch 32) on synthetic inputs, with and without its gradient
loops, 1 and 2 threads; best CPU and wall seconds of 5 calls after a warm-up.

    .venv/bin/python dev/probe_decoder_kernel.py

Three runs on the quiet machine (session 5), 1 thread: 0.041-0.048 CPU s without the gradient loops, 0.059-0.078
with them (the best of 5 calls still varies): the forward logits, exp, loss and sigmoid are 60-80% of the kernel,
~1.3-1.5 ns per output bit and sample. Its arrays (28 MB without the gradients, 56-76 MB with them) pass at
0.6-2.4 GB/s, so it is bound by arithmetic rather than memory traffic (an inference: this machine's memory
bandwidth is not measured here).
"""
import time

import numba
import numpy as np

from genenets.models import _kernels_gw as K


def main() -> None:
    rng = np.random.default_rng(0)
    n_out, n_genes, batch = 1_023_216, 19_305, 32
    deg = np.where(rng.random(n_out) < 0.11, 2, 1)  # ~1.11 edges per output bit, as in the genome-wide graph
    crow = np.zeros(n_out + 1, np.int64)
    crow[1:] = np.cumsum(deg)
    gene_of = np.arange(n_out) * n_genes // n_out  # outputs sorted by position: neighbouring genes
    col = np.repeat(gene_of, deg).astype(np.int32)
    second = crow[1:][deg == 2] - 1
    col[second] = np.minimum(col[second] + 1, n_genes - 1)
    w = rng.normal(0, 0.1, len(col)).astype(np.float32)
    bias = rng.normal(0, 1, n_out).astype(np.float32)
    h = np.abs(rng.normal(0, 1, (n_genes, batch))).astype(np.float32)
    packed_t = rng.integers(0, 256, (n_out // 8, batch), dtype=np.uint8)
    for threads in (1, 2):
        numba.set_num_threads(threads)
        n_chunks = threads * 8
        gw, gb = np.zeros(len(col), np.float32), np.zeros(n_out, np.float32)
        gh, loss = np.zeros((n_chunks, n_genes, batch), np.float32), np.zeros(n_chunks)
        for want_grad in (False, True):
            K.decoder_bce_gw(crow, col, w, bias, h, packed_t, n_chunks, want_grad, gw, gb, gh, loss)  # warm-up
            best = []
            for _ in range(5):
                c0, w0 = time.process_time(), time.perf_counter()
                K.decoder_bce_gw(crow, col, w, bias, h, packed_t, n_chunks, want_grad, gw, gb, gh, loss)
                best.append((time.process_time() - c0, time.perf_counter() - w0))
            cpu, wall = min(best)
            arrays = [crow, col, w, bias, h, packed_t] + ([gw, gb, gh] if want_grad else [])
            mb = sum(a.nbytes for a in arrays) / 1e6  # each read (or written) at least once a call
            loops = "on " if want_grad else "off"
            print(f"{threads} thread(s), gradient loops {loops}: {cpu:.4f} CPU s, {wall:.4f} wall s; "
                  f"its arrays {mb:.0f} MB, {mb / 1e3 / wall:.1f} GB/s at this pace")


if __name__ == "__main__":
    main()

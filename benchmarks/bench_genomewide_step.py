"""Profile of one genome-wide GeneDAE training step (batch 32) by phase: the reference path, the fused kernels
as they were before the second pass of issue 19 (``fused_v1``, :mod:`benchmarks._fused_v1`), the second pass's
per-input-noise kernels (``fused_v2``: ``FusedGeneDAE(noise_draws="per_input")``, what notebooks 01-02 run) and
today's genome-wide kernels (``fused``: ``noise_draws="per_gene"``, :mod:`genenets.models._kernels_gw`, what
``StreamingGeneDAE`` runs).

The simulated genome-wide fileset of ``bench_genomewide_epoch`` (3,000 people x 570,000 variants, of which
511,608 reach one of 19,305 genes; 1.14 M edges per masked layer). Each phase is timed on its own, best
of ``REPEATS`` after a warm-up, on the same batch, as wall seconds and as CPU seconds of this process
(``time.process_time``: all threads; on a shared machine the wall time depends on the other jobs, the
CPU time much less):

* reference (the path before issue 19: ``StreamingGeneDAE(engine="reference")``): reading = bed-reader
  reading one block of 512 people from the SNP-major ``.bed`` divided by the 16 batches it feeds;
  decoding = int8 dosages to the float two-bit input; noise = ``x + gamma * randn``; encoder and decoder =
  the torch CSR masked layers; loss = ``BCEWithLogits``; backward = ``loss.backward()``; optimizer = Adam;
* fused_v1, fused_v2 and fused: reading = 32 rows of the person-major copy; decoding = none for v1, the
  transpose of the packed bits to features-major for v2 (today's kernels: instead, the batch bit masks of every
  output straight from the packed rows, ``packed_bit_masks``); noise = the encoder kernel with noise minus
  without (today's: with the shared inputs' noisy rows and the gene draws, each a pass of its own); encoder = the encoder kernel without noise; decoder + loss = the fused decoder/BCE
  kernel without gradients (today: private outputs over the on samples, then the other outputs); backward =
  the same kernels with gradients minus without, plus the ReLU backward (v2, today) and the encoder-gradient
  kernels (with their noise; today: shared edges per gene, private edges by runs over the on samples);
  optimizer = torch Adam (v1: the default foreach Adam; v2 and today: ``fused=True``, what ``StreamingGeneDAE``
  uses for the fused engine).

``whole step`` rows time read + forward + backward + Adam as ``train.fit`` runs them. Threads: ``THREADS``
(torch and numba). ``load_avg_1min`` says how busy the machine was, and ``probe_*_before`` / ``_after``
(:func:`benchmarks.speed_probe`) how fast it was before and after the run; every column comes from the same run.
"""
from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import torch

from . import probe_columns, speed_probe

HEAVY = True  # needs the 408 MB simulated fileset (about 4 minutes to simulate) and its graph
BATCH, BLOCK, REPEATS, GAMMA, THREADS = 32, 512, 3, 0.3, 2
PHASES = ["reading", "decoding", "noise", "encoder", "decoder", "loss", "backward", "optimizer"]


def _best(fn, repeats: int = REPEATS) -> tuple[float, float]:
    """(best wall s, best CPU s) of ``fn()`` over ``repeats`` calls after one warm-up call."""
    fn()
    walls, cpus = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus)


def _minus(a, b):
    return max(0.0, a[0] - b[0]), max(0.0, a[1] - b[1])


def _plus(*xs):
    return sum(x[0] for x in xs), sum(x[1] for x in xs)


def genomewide_fixture():
    """The simulated genome-wide fileset, its graph and the person-major copy (all cached)."""
    from genenets.data.streaming import convert_to_person_major
    from genenets.simulate.genomewide import simulate_genomewide
    from genenets.tools.scale import graph_for_plink

    from .bench_genomewide_epoch import N_SAMPLES, N_VARIANTS

    genome = simulate_genomewide(n_samples=N_SAMPLES, n_variants=N_VARIANTS, seed=0)
    graph = graph_for_plink(genome.prefix)
    t0 = time.perf_counter()
    path = convert_to_person_major(genome.prefix, np.asarray(graph.variant_index))
    return genome, graph, path, time.perf_counter() - t0


def profile_reference(prefix, graph) -> dict:
    from genenets.data.streaming import PlinkBatchStream
    from genenets.models.genomewide import GenomewideGeneDAE

    stream = PlinkBatchStream(prefix, batch_size=BATCH, block_size=BLOCK, variant_index=graph.variant_index,
                              shuffle=False)
    positions = np.arange(BLOCK)
    read = _best(lambda: stream.read_block(positions), repeats=1)
    read = (read[0] / (BLOCK // BATCH), read[1] / (BLOCK // BATCH))
    block = stream.read_block(positions)
    dosage = block[:BATCH]
    decode = _best(lambda: stream._encode(dosage))
    x = stream._encode(dosage)
    torch.manual_seed(0)
    model = GenomewideGeneDAE(graph.A_prime(), noise_std=GAMMA)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    noise = _best(lambda: x + GAMMA * torch.randn_like(x))
    xn = x + GAMMA * torch.randn_like(x)
    with torch.no_grad():
        encoder = _best(lambda: torch.relu(model.encoder(xn)))
        g = torch.relu(model.encoder(xn))
        decoder = _best(lambda: model.decoder(g))
        logits = model.decoder(g)
        loss = _best(lambda: torch.nn.functional.binary_cross_entropy_with_logits(logits, x))

    def forward():
        return torch.nn.functional.binary_cross_entropy_with_logits(model.decoder(torch.relu(model.encoder(xn))), x)

    def forward_backward():
        opt.zero_grad()
        forward().backward()

    backward = _minus(_best(forward_backward, 2), _best(forward, 2))
    optimizer = _best(opt.step, 2)

    def step():
        xx = stream._encode(dosage)
        opt.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(
            model.decoder(torch.relu(model.encoder(xx + GAMMA * torch.randn_like(xx)))), xx).backward()
        opt.step()

    whole = _plus(_best(step, 2), read)
    return {"reading": read, "decoding": decode, "noise": noise, "encoder": encoder, "decoder": decoder,
            "loss": loss, "backward": backward, "optimizer": optimizer, "whole step": whole}


def profile_fused(path, graph, version: str) -> dict:
    from genenets.data.streaming import PersonMajorFile
    from genenets.models import _kernels as K
    from genenets.models import _kernels_gw as G
    from genenets.models.genomewide import FusedGeneDAE

    from . import _fused_v1 as V1

    v1, pg = version == "fused_v1", version == "fused"
    pm = PersonMajorFile(path)
    rows = np.arange(BATCH)
    read = _best(lambda: pm.read_packed(rows))
    p = pm.read_packed(rows)
    torch.manual_seed(0)
    model = (V1.FusedGeneDAEv1(graph.A_prime(), noise_std=GAMMA) if v1 else
             FusedGeneDAE(graph.A_prime(), noise_std=GAMMA, noise_draws="per_gene" if pg else "per_input"))
    opt = torch.optim.Adam(model.parameters(), lr=1e-4, **({} if v1 else {"fused": True}))
    (ec, ecol), (dc, dcol) = model.enc_csr, model.dec_csr
    w1, b1 = model.encoder.weight.detach().numpy(), model.encoder.bias.detach().numpy()
    w2, b2 = model.decoder.weight.detach().numpy(), model.decoder.bias.detach().numpy()
    key, nc, nh = np.uint64(12345), model.n_chunks, model.n_hidden
    gy = np.ascontiguousarray(np.random.default_rng(0).random((nh, BATCH)), np.float32)
    if v1:
        decode = (0.0, 0.0)
        pin = p

        def enc(noise):
            return V1.encoder_forward(ec, ecol, w1, b1, pin, noise, key, model.table, np.empty((nh, BATCH), np.float32))

        def dec(grad):
            shape = (nc, nh, BATCH) if grad else (nc, 0, BATCH)
            return V1.decoder_bce(dc, dcol, w2, b2, h, pin, nc, grad, np.empty(len(w2) if grad else 0, np.float32),
                                  np.empty(len(b2) if grad else 0, np.float32), np.zeros(shape, np.float32),
                                  np.zeros(nc), V1.POW2)

        def back_rest():
            V1.encoder_weight_grad(ec, ecol, gy, pin, GAMMA, key, model.table, np.empty(len(w1), np.float32),
                                   np.empty(len(b1), np.float32))
    else:
        work = model._workspace(BATCH, nc)  # the step's scratch, as FusedGeneDAE makes it

        def transpose():  # per-gene kernels: only the batch bit masks, straight from the packed rows (tenth pass)
            if pg:
                return G.packed_bit_masks(p, model.n_inputs, work["masks"])
            return K.transpose_packed(p, work["packed_t"])

        decode = _best(transpose)
        pin = transpose()
        masks = work["masks"]
        slot = model.enc_slot if pg else None

        def noisy_shared(noise):
            return G.noisy_shared_inputs_into(model.shared_inputs, key, model.table, masks, noise,
                                              np.empty((len(model.shared_inputs), BATCH), np.float32), nc)

        xs = noisy_shared(GAMMA) if pg else None
        zeta, r = np.empty((nh, BATCH), np.float32), np.empty(nh, np.float32)

        def enc(noise):
            out = np.empty((nh, BATCH), np.float32)
            if pg:  # the shared inputs' bits (with noise: plus their draws; once per step, read again by the gradient)
                x = noisy_shared(noise)
                G.gene_noise_into(key, model.table, noise, zeta, nc)  # the gene draws, a pass of their own
                return G.encoder_forward_pg_keep(ec, ecol, slot, w1, b1, masks, noise, x, zeta, out, r,
                                                 model._chunk_bounds(nc).genes)
            return K.encoder_forward(ec, ecol, w1, b1, pin, noise, key, model.table, out)

        def dec(grad):
            shape = (nc, nh, BATCH) if grad else (nc, 0, BATCH)
            gw, gb = np.empty(len(w2) if grad else 0, np.float32), np.empty(len(b2) if grad else 0, np.float32)
            if not pg:
                return K.decoder_bce(dc, dcol, w2, b2, h, pin, nc, grad, gw, gb, np.empty(shape, np.float32),
                                     np.zeros(nc), 1.0)
            run_start, run_len, run_gene, other = model.dec_runs
            bounds = model._chunk_bounds(nc)
            parts, ghp_ = np.zeros(nc), np.empty(shape, np.float32)
            G.decoder_bce_private(run_start, run_len, run_gene, bounds.runs, dc, w2, b2, h, masks, grad, gw, gb, ghp_, parts)
            return G.decoder_bce_other(other, bounds.other, dc, dcol, w2, b2, h, masks, grad, gw, gb, ghp_, parts)

        ghp = np.random.default_rng(1).random((nc, nh, BATCH)).astype(np.float32)

        def back_rest():
            g = K.relu_backward(ghp, h, np.empty_like(h))
            gw, gb = np.empty(len(w1), np.float32), np.empty(len(b1), np.float32)
            if pg:
                c_gene = G.encoder_weight_grad_shared(*model.enc_shared, g, xs, GAMMA, zeta, r, gw, gb,
                                                      np.empty(nh, np.float32), model._chunk_bounds(nc).slots)[2]
                G.encoder_weight_grad_private(*model.dec_runs[:3], model.enc_run_edge, model._chunk_bounds(nc).runs,
                                              w1, g, h, masks, c_gene, gw)
            else:
                K.encoder_weight_grad(ec, ecol, g, pin, GAMMA, key, model.table, gw, gb)

    encoder = _best(lambda: enc(0.0))
    noise = _minus(_best(lambda: enc(GAMMA)), encoder)
    h = enc(GAMMA)
    decoder_loss = _best(lambda: dec(False))
    backward = _plus(_minus(_best(lambda: dec(True)), decoder_loss), _best(back_rest))
    packed = torch.from_numpy(p)

    def grads():
        opt.zero_grad()
        model(packed).backward()

    grads()
    optimizer = _best(opt.step)

    def step():
        b = torch.from_numpy(pm.read_packed(rows))
        opt.zero_grad()
        model(b).backward()
        opt.step()

    whole = _best(step)
    return {"reading": read, "decoding": decode, "noise": noise, "encoder": encoder, "decoder": decoder_loss,
            "loss": (0.0, 0.0), "backward": backward, "optimizer": optimizer, "whole step": whole}


def run() -> pd.DataFrame:
    import numba

    genome, graph, path, _ = genomewide_fixture()
    torch.set_num_threads(THREADS)
    numba.set_num_threads(min(THREADS, numba.config.NUMBA_NUM_THREADS))
    before = speed_probe()
    results = {"reference": profile_reference(genome.prefix, graph),
               "fused_v1": profile_fused(path, graph, "fused_v1"),
               "fused_v2": profile_fused(path, graph, "fused_v2"),
               "fused": profile_fused(path, graph, "fused")}
    after = speed_probe()
    rows = []
    for ph in PHASES + ["sum of phases", "whole step"]:
        row = {"phase": ph}
        for name, res in results.items():
            wall, cpu = (_plus(*[res[p] for p in PHASES]) if ph == "sum of phases" else res[ph])
            row[f"{name}_s"], row[f"{name}_cpu_s"] = round(wall, 4), round(cpu, 4)
        rows.append(row)
    table = pd.DataFrame(rows)
    for name in results:
        total = table.loc[table["phase"] == "sum of phases", f"{name}_cpu_s"].iloc[0]
        table[f"{name}_cpu_share"] = (table[f"{name}_cpu_s"] / total).round(3)
    whole = table["phase"] == "whole step"
    for col in ("s", "cpu_s"):
        for name in ("reference", "fused_v1", "fused_v2"):
            table.loc[whole, f"ratio_{col}_{name}_over_fused"] = round(
                table.loc[whole, f"{name}_{col}"].iloc[0] / table.loc[whole, f"fused_{col}"].iloc[0], 2)
    table["samples_per_s_whole_step_fused"] = round(BATCH / table.loc[whole, "fused_s"].iloc[0], 1)
    table["samples_per_cpu_s_whole_step_fused"] = round(BATCH / table.loc[whole, "fused_cpu_s"].iloc[0], 1)
    table["note"] = ""
    table.loc[table["phase"] == "loss", "note"] = "fused: inside the decoder kernel"
    table.loc[table["phase"] == "decoding", "note"] = ("fused: packed bits are the input (v2: transposed; "
                                                       "today: their batch bit masks)")
    table.loc[table["phase"] == "noise", "note"] = ("fused: drawn inside the encoder kernels (v1, v2: one draw per "
                                                    "edge; today: per gene + per shared input)")
    table["batch_size"], table["threads"], table["edges_per_layer"] = BATCH, THREADS, int(2 * graph.A.nnz)
    table["inputs_2m"], table["genes"] = int(2 * graph.A.shape[0]), int(graph.A.shape[1])
    table["load_avg_1min"] = round(os.getloadavg()[0], 1)
    for k, v in probe_columns(before, after).items():
        table[k] = v
    table["uptime"] = os.popen("uptime").read().strip()
    return table

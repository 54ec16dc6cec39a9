"""Profile of one genome-wide GeneDAE training step (batch 32), before (reference) and after (fused), by phase.

The simulated genome-wide fileset of ``bench_genomewide_epoch`` (3,000 people x 570,000 variants, of which
511,608 reach one of 19,305 genes; 1.14 M edges per masked layer). Each phase is timed on its own, best
of ``REPEATS`` after a warm-up, on the same batch:

* reference (the path before issue 19: ``StreamingGeneDAE(engine="reference")``): reading = bed-reader
  reading one block of 512 people from the SNP-major ``.bed`` divided by the 16 batches it feeds;
  decoding = int8 dosages to the float two-bit input; noise = ``x + gamma * randn``; encoder and decoder =
  the torch CSR masked layers; loss = ``BCEWithLogits``; backward = ``loss.backward()``; optimizer = Adam;
* fused (``engine="fused"``): reading = 32 rows of the person-major copy; decoding = none (the packed bits
  are the input); noise = the encoder kernel with noise minus without; encoder = the encoder kernel without
  noise; decoder + loss = the fused decoder/BCE kernel without gradients; backward = the same kernel with
  gradients minus without, plus the encoder-gradient kernel; optimizer = Adam.

The machine is shared: ``load_avg_1min`` is recorded, and both columns are measured in the same run.
"""
from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import torch

HEAVY = True  # needs the 408 MB simulated fileset (about 4 minutes to simulate) and its graph
BATCH, BLOCK, REPEATS, GAMMA = 32, 512, 3, 0.3


def _best(fn, repeats: int = REPEATS) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


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
    read = _best(lambda: stream.read_block(positions), repeats=1) / (BLOCK // BATCH)
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

    backward = max(0.0, _best(forward_backward) - _best(forward))
    optimizer = _best(opt.step)
    return {"reading": read, "decoding": decode, "noise": noise, "encoder": encoder, "decoder": decoder,
            "loss": loss, "backward": backward, "optimizer": optimizer}


def profile_fused(path, graph) -> dict:
    from genenets.data.streaming import PersonMajorFile
    from genenets.models import _kernels as K
    from genenets.models.genomewide import FusedGeneDAE

    pm = PersonMajorFile(path)
    rows = np.arange(BATCH)
    read = _best(lambda: pm.read_packed(rows))
    p = pm.read_packed(rows)
    torch.manual_seed(0)
    model = FusedGeneDAE(graph.A_prime(), noise_std=GAMMA)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    (ec, ecol), (dc, dcol) = model.enc_csr, model.dec_csr
    w1, b1 = model.encoder.weight.detach().numpy(), model.encoder.bias.detach().numpy()
    w2, b2 = model.decoder.weight.detach().numpy(), model.decoder.bias.detach().numpy()
    key = np.uint64(12345)

    def enc(noise):
        return K.encoder_forward(ec, ecol, w1, b1, p, noise, key, model.table,
                                 np.empty((model.n_hidden, BATCH), np.float32))

    encoder = _best(lambda: enc(0.0))
    with_noise = _best(lambda: enc(GAMMA))
    h = enc(GAMMA)
    nc = model.n_chunks

    def dec(grad):
        shape = (nc, model.n_hidden, BATCH) if grad else (nc, 0, BATCH)
        return K.decoder_bce(dc, dcol, w2, b2, h, p, nc, grad, np.empty(len(w2) if grad else 0, np.float32),
                             np.empty(len(b2) if grad else 0, np.float32), np.zeros(shape, np.float32),
                             np.zeros(nc), K.POW2)

    decoder_loss = _best(lambda: dec(False))
    decoder_grad = _best(lambda: dec(True))
    gy = np.ascontiguousarray(np.random.default_rng(0).random((model.n_hidden, BATCH)), np.float32)
    enc_grad = _best(lambda: K.encoder_weight_grad(ec, ecol, gy, p, GAMMA, key, model.table,
                                                   np.empty(len(w1), np.float32), np.empty(len(b1), np.float32)))
    packed = torch.from_numpy(p)

    def step():
        opt.zero_grad()
        model(packed).backward()

    step()
    optimizer = _best(opt.step)
    full = _best(lambda: (step(), opt.step()))
    return {"reading": read, "decoding": 0.0, "noise": max(0.0, with_noise - encoder), "encoder": encoder,
            "decoder": decoder_loss, "loss": 0.0, "backward": max(0.0, decoder_grad - decoder_loss) + enc_grad,
            "optimizer": optimizer, "whole_step_measured": full + read}


def run() -> pd.DataFrame:
    genome, graph, path, _ = genomewide_fixture()
    torch.set_num_threads(2)
    ref = profile_reference(genome.prefix, graph)
    fused = profile_fused(path, graph)
    phases = ["reading", "decoding", "noise", "encoder", "decoder", "loss", "backward", "optimizer"]
    rows = [{"phase": ph, "reference_s": round(ref[ph], 4), "fused_s": round(fused[ph], 4)} for ph in phases]
    rows.append({"phase": "sum of phases", "reference_s": round(sum(ref[p] for p in phases), 4),
                 "fused_s": round(sum(fused[p] for p in phases), 4)})
    rows.append({"phase": "whole fused step, measured (read + forward + backward + Adam)", "reference_s": None,
                 "fused_s": round(fused["whole_step_measured"], 4)})
    table = pd.DataFrame(rows)
    total_ref = table.loc[table["phase"] == "sum of phases", "reference_s"].iloc[0]
    total_fused = table.loc[table["phase"] == "sum of phases", "fused_s"].iloc[0]
    table["reference_share"] = (table["reference_s"] / total_ref).round(3)
    table["fused_share"] = (table["fused_s"] / total_fused).round(3)
    table["note"] = ""
    table.loc[table["phase"] == "loss", "note"] = "fused: inside the decoder kernel"
    table.loc[table["phase"] == "decoding", "note"] = "fused: packed bits are the input"
    table.loc[table["phase"] == "noise", "note"] = "fused: drawn inside the encoder kernels"
    table["batch_size"], table["edges_per_layer"] = BATCH, int(2 * graph.A.nnz)
    table["inputs_2m"], table["genes"] = int(2 * graph.A.shape[0]), int(graph.A.shape[1])
    table["load_avg_1min"] = round(os.getloadavg()[0], 1)
    table["uptime"] = os.popen("uptime").read().strip()
    return table

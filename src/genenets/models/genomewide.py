"""GeneDAE at genome-wide size: the same model computed with kernels that scale to ~10^6 edges."""
from __future__ import annotations

import numpy as np
import torch

from .genedae import GeneDAE
from .masked import CSRMaskedLinear


class GenomewideGeneDAE(GeneDAE):
    """:class:`~genenets.models.genedae.GeneDAE` with :class:`CSRMaskedLinear` layers.

    Built from the same seed it has exactly GeneDAE's weights (the GeneDAE layers are built first and
    copied), so its outputs, losses and ``state_dict`` are those of GeneDAE; it is only faster with
    ~10^6 edges.
    """

    def __init__(self, adjacency, noise_std: float = 0.3, nodes_per_gene: int = 1):
        super().__init__(adjacency, noise_std=noise_std, nodes_per_gene=nodes_per_gene)
        self.encoder = CSRMaskedLinear.from_layer(self.encoder)
        self.decoder = CSRMaskedLinear.from_layer(self.decoder)


class _FusedGeneDAELoss(torch.autograd.Function):
    """Mean BCE of GeneDAE on bit-packed genotypes; every gradient is computed in the forward pass."""

    @staticmethod
    def forward(ctx, packed, w1, b1, w2, b2, model, noise_std, key):
        from . import _kernels as K, _kernels_gw as G

        batch = packed.shape[0]
        n_chunks = model.n_chunks
        work = model._workspace(batch, n_chunks)  # scratch reused every step: no page faults for it
        enc, dec = model.enc_csr, model.dec_csr
        per_gene = getattr(model, "noise_draws", "per_input") == "per_gene"
        h = work["h"]
        if per_gene:  # genome-wide kernels: noise summed per gene, polynomial log1p (module _kernels_gw)
            # the batch's bits as one uint32 per input and 32 samples, straight from the packed rows: what every
            # per-gene kernel reads (no features-major copy, unless the gradient below falls back to edges)
            masks = G.packed_bit_masks(np.ascontiguousarray(packed.numpy()), model.n_inputs, work["masks"])
            # the shared inputs' bits plus their draws, made once a step and read by both passes
            xs = G.noisy_shared_inputs_into(model.shared_inputs, key, model.table, masks, noise_std, work["xs"],
                                            n_chunks)
            # the gene draws, in a pass of their own (their table look-ups stay in the cache), read by both passes
            zeta = G.gene_noise_into(key, model.table, noise_std, work["zeta"], n_chunks)
            bounds = model._chunk_bounds(n_chunks)  # per thread: about equal work (ChunkBounds)
            G.encoder_forward_pg_keep(enc[0], enc[1], model.enc_slot, w1.detach().numpy(), b1.detach().numpy(),
                                      masks, noise_std, xs, zeta, h, work["r"], bounds.genes)
        else:
            p = K.transpose_packed(packed.numpy(), work["packed_t"])  # (n_bytes, B)
            K.encoder_forward(enc[0], enc[1], w1.detach().numpy(), b1.detach().numpy(), p, noise_std, key,
                              model.table, h)
        want = torch.is_grad_enabled() or any(t.requires_grad for t in (w1, b1, w2, b2))
        n = batch * model.n_inputs
        # gradients: new arrays every step (handed to autograd, which keeps them as the parameters' .grad)
        gw2 = np.empty(w2.shape[0], np.float32) if want else np.empty(0, np.float32)
        gb2 = np.empty(b2.shape[0], np.float32) if want else np.empty(0, np.float32)
        gh = work["gh_parts"] if want else np.empty((n_chunks, 0, batch), np.float32)
        if per_gene:  # private outputs over the samples whose gene is on, then the others over every sample
            run_start, run_len, run_gene, other = model.dec_runs
            parts = np.zeros(n_chunks, np.float64)
            G.decoder_bce_private(run_start, run_len, run_gene, bounds.runs, dec[0], w2.detach().numpy(),
                                  b2.detach().numpy(), h, masks, want, gw2, gb2, gh, parts, 1.0 / n)
            G.decoder_bce_other(other, bounds.other, dec[0], dec[1], w2.detach().numpy(), b2.detach().numpy(), h,
                                masks, want, gw2, gb2, gh, parts, 1.0 / n)
        else:
            parts = K.decoder_bce(dec[0], dec[1], w2.detach().numpy(), b2.detach().numpy(), h, p, n_chunks, want,
                                  gw2, gb2, gh, np.zeros(n_chunks, np.float64), 1.0 / n)  # gradients of the mean
        loss = torch.tensor(parts.sum() / n, dtype=torch.float32)
        if want:
            gy = K.relu_backward(gh, h, work["gy"])  # (genes, batch)
            gw1, gb1 = np.empty(w1.shape[0], np.float32), np.empty(b1.shape[0], np.float32)
            if per_gene and model.enc_run_edge is not None:  # private edges over the on samples, by runs
                c_gene = G.encoder_weight_grad_shared(*model.enc_shared, gy, xs, noise_std, work["zeta"], work["r"],
                                                      gw1, gb1, work["c_gene"], bounds.slots)[2]
                G.encoder_weight_grad_private(run_start, run_len, run_gene, model.enc_run_edge, bounds.runs,
                                              w1.detach().numpy(), gy, h, masks, c_gene, gw1)
            elif per_gene:  # an encoder whose private edges do not follow the decoder's runs: edge by edge
                p = K.transpose_packed(packed.numpy(), work["packed_t"])  # (n_bytes, B)
                G.encoder_weight_grad_pg(enc[0], enc[1], model.enc_slot, w1.detach().numpy(), gy, p, noise_std,
                                         xs, key, model.table, gw1, gb1)
            else:
                K.encoder_weight_grad(enc[0], enc[1], gy, p, noise_std, key, model.table, gw1, gb1)
            ctx.grads = [torch.from_numpy(g) for g in (gw1, gb1, gw2, gb2)]
        return loss

    @staticmethod
    def backward(ctx, grad_loss):
        grads = ctx.grads
        del ctx.grads  # no other reference left: autograd takes the arrays as .grad instead of copying them
        if not bool(grad_loss == 1):
            grads = [g * grad_loss for g in grads]
        return (None, *grads, None, None, None)


class FusedGeneDAE(GeneDAE):
    """GeneDAE trained straight from bit-packed genotypes with fused numba kernels (CPU).

    The same model as :class:`~genenets.models.genedae.GeneDAE`: same parameters, same initialisation
    from a seed, same ``state_dict``, same loss (mean binary cross entropy of the reconstruction of the
    clean input from the input plus ``gamma`` times standard normal noise). Only the arithmetic differs:

    * the input is the batch's packed bits (:meth:`loss` takes ``(batch, ceil(2m / 8))`` uint8), never a
      ``(batch, 2m)`` float tensor;
    * the noise is drawn inside the encoder kernel from a counter-based hash of (step key, input,
      sample): no ``(batch, 2m)`` noise tensor, the same draw in the backward pass. Draws are normal
      discretised at 65,536 equiprobable levels (:func:`~genenets.models._kernels.normal_table`, unit
      variance); the step key comes from torch's generator, so a seeded run is reproducible and a
      checkpoint resumes it exactly. The draws differ from ``torch.randn``'s, so a run is not
      bit-identical to :class:`GeneDAE`'s (with ``noise_std=0`` it matches to float rounding);
    * decoder, loss and every decoder gradient are one pass over the ``2m`` outputs
      (:func:`~genenets.models._kernels.decoder_bce`); the encoder gradient is one more pass over edges.

    ``noise_draws``: ``"per_input"`` (default; the kernels and random stream notebooks 01-02 use) draws one
    normal per input and sample. ``"per_gene"`` (the genome-wide path, :mod:`genenets.models._kernels_gw`)
    draws the summed noise of the inputs that reach one gene only as one normal per gene and sample with
    the sum's variance (inputs shared by several genes keep their per-input draws): the same corruption
    distribution and loss distribution, one draw per gene instead of one per edge; its gradient is the
    conditional expectation of the per-input one given the gene's noise sum (unbiased for the same
    expected gradient, less variance); its decoder kernel goes by tiles and sums ``log1p(exp(-|l|))`` as
    the log of a product (same loss to float32 rounding).

    ``forward``/``encode``/``decode`` on float inputs are GeneDAE's (for evaluation and embeddings).
    """

    def __init__(self, adjacency, noise_std: float = 0.3, nodes_per_gene: int = 1, n_chunks: int | None = None,
                 noise_draws: str = "per_input"):
        super().__init__(adjacency, noise_std=noise_std, nodes_per_gene=nodes_per_gene)
        from . import _kernels as K

        if noise_draws not in ("per_input", "per_gene"):
            raise ValueError(f"noise_draws must be 'per_input' or 'per_gene', not {noise_draws!r}")
        self.noise_draws = noise_draws
        self.table = K.normal_table()
        self.n_chunks = n_chunks or max(1, torch.get_num_threads())
        self.enc_csr = self._csr(self.encoder)
        self.dec_csr = self._csr(self.decoder)
        if noise_draws == "per_gene":
            from ._kernels_gw import private_runs, run_encoder_edges, shared_edges_by_input, shared_slots

            #: per encoder edge, the row of its input among the inputs that reach more than one hidden node
            #: (``shared_inputs``, each with its own noise draw), -1 for an input that reaches one only
            self.enc_slot, self.shared_inputs = shared_slots(self.enc_csr[1], self.n_inputs)
            #: the shared edges grouped by input (``shared_edges_by_input``: s_start, s_gene, s_edge)
            self.enc_shared = shared_edges_by_input(self.enc_csr[0], self.enc_slot)
            #: the decoder's private outputs as runs of one gene, and the other outputs (``private_runs``)
            self.dec_runs = private_runs(*self.dec_csr)
            #: per run, the encoder edge of its first input (``run_encoder_edges``; None: per-edge gradient kernel)
            self.enc_run_edge = run_encoder_edges(*self.enc_csr, self.enc_slot, *self.dec_runs[:3])

    def _chunk_bounds(self, n_chunks: int):
        """Per thread, the runs, other outputs and genes each per-gene kernel takes (about equal work each,
        :func:`~genenets.models._kernels_gw.chunk_bounds`; computed once per number of threads)."""
        from ._kernels_gw import chunk_bounds

        cache = self.__dict__.setdefault("_bounds", {})
        if n_chunks not in cache:
            run_start, run_len, run_gene, other = self.dec_runs
            cache[n_chunks] = chunk_bounds(self.enc_csr[0], self.enc_slot, self.dec_csr[0], run_len, other, n_chunks)
        return cache[n_chunks]

    def _workspace(self, batch: int, n_chunks: int) -> dict:
        """Scratch arrays of a step of ``batch`` samples, made once and reused (a step's kernels fill them
        before reading them; none of them leaves the step)."""
        key = (batch, n_chunks)
        work = getattr(self, "_work", None)
        if work is None or work["key"] != key:
            n_shared = len(getattr(self, "shared_inputs", ()))
            per_gene = getattr(self, "noise_draws", "per_input") == "per_gene"
            # per-gene kernels: whole uint64 words per row of the transposed bits (columns past the batch stay 0)
            width = (batch + 7) // 8 * 8 if per_gene else batch
            work = self._work = {
                "key": key, "packed_t": np.zeros((self.n_bytes, width), np.uint8),
                # per-gene kernels only: the kept draws and norms of the forward pass, the noise term per gene
                "c_gene": np.empty(self.n_hidden if per_gene else 0, np.float32),
                "r": np.empty(self.n_hidden if per_gene else 0, np.float32),
                "zeta": np.empty((self.n_hidden if per_gene else 0, batch), np.float32),
                "masks": np.empty(((batch + 31) // 32 if per_gene else 0, self.n_inputs + 8), np.uint32),
                "h": np.empty((self.n_hidden, batch), np.float32), "gy": np.empty((self.n_hidden, batch), np.float32),
                "xs": np.empty((n_shared, batch), np.float32),
                "gh_parts": np.empty((n_chunks, self.n_hidden, batch), np.float32)}
        return work

    @staticmethod
    def _csr(layer):
        out_idx = layer.output_index.numpy()
        crow = np.zeros(layer.out_features + 1, np.int64)
        crow[1:] = np.cumsum(np.bincount(out_idx, minlength=layer.out_features))
        return crow, np.ascontiguousarray(layer.input_index.numpy(), dtype=np.int64)

    @property
    def n_bytes(self) -> int:
        """Bytes per sample of the packed input, ``ceil(2m / 8)``."""
        return (self.n_inputs + 7) // 8

    def loss(self, packed: torch.Tensor) -> torch.Tensor:
        """Mean BCE of the batch ``packed`` (uint8, (batch, n_bytes)); noise only in training mode."""
        if packed.dtype != torch.uint8 or packed.ndim != 2 or packed.shape[1] != self.n_bytes:
            raise ValueError(f"expected packed bits of shape (batch, {self.n_bytes}) uint8, got "
                             f"{tuple(packed.shape)} {packed.dtype}")
        noise = self.noise_std if self.training else 0.0
        key = np.uint64(int(torch.randint(0, 2 ** 62, (1,)))) if noise > 0 else np.uint64(0)
        return _FusedGeneDAELoss.apply(packed.cpu().contiguous(), self.encoder.weight, self.encoder.bias,
                                       self.decoder.weight, self.decoder.bias, self, float(noise), key)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Packed uint8 bits -> the mean BCE (:meth:`loss`; through ``forward`` so that DDP syncs the
        gradients); float ``x`` of shape (batch, 2m) -> reconstruction logits, as GeneDAE."""
        if x.dtype == torch.uint8:
            return self.loss(x)
        return super().forward(x)

    def noise_for(self, key: int, batch: int) -> torch.Tensor:
        """The noise the kernels add for step ``key``, shape (batch, 2m) (for tests).

        With ``noise_draws="per_gene"``: the per-input noise that gives the kernels' pre-activations *and*
        gradients at the current weights: shared inputs' own draws, and ``w[e] zeta[k] / r_k`` for the
        private input of edge ``e`` of gene ``k`` (so that ``sum_e w[e] z[e] = r_k zeta[k]``).
        """
        from . import _kernels as K

        z = K.noise_matrix(np.uint64(key), self.n_inputs, batch, self.table)  # (2m, batch)
        if getattr(self, "noise_draws", "per_input") == "per_gene":
            from . import _kernels_gw as G

            crow, col = self.enc_csr
            zeta = G.gene_noise_matrix(np.uint64(key), self.n_hidden, batch, self.table)
            gene = np.repeat(np.arange(self.n_hidden), np.diff(crow))
            w = self.encoder.weight.detach().numpy().astype(np.float64)
            private = self.enc_slot < 0
            r = np.sqrt(np.bincount(gene[private], weights=w[private] ** 2, minlength=self.n_hidden))
            e = np.flatnonzero(private)
            scale = np.divide(w[e], r[gene[e]], out=np.zeros(len(e)), where=r[gene[e]] > 0)
            z[col[e]] = (scale[:, None] * zeta[gene[e]]).astype(np.float32)
        return torch.from_numpy(z).t()

    def encode_packed(self, packed: torch.Tensor) -> torch.Tensor:
        """Gene embedding (no noise) of packed bits, shape (batch, n_genes * nodes_per_gene)."""
        from . import _kernels as K

        p = packed.cpu().contiguous().numpy()
        pt = K.transpose_packed(p, np.empty((p.shape[1], p.shape[0]), np.uint8))
        h = K.encoder_forward(self.enc_csr[0], self.enc_csr[1], self.encoder.weight.detach().numpy(),
                              self.encoder.bias.detach().numpy(), pt, 0.0, np.uint64(0), self.table,
                              np.empty((self.n_hidden, p.shape[0]), np.float32))
        return torch.from_numpy(h).t()


def packed_bce_loss(model: FusedGeneDAE, batch) -> torch.Tensor:
    """``train.fit`` loss of :class:`FusedGeneDAE` on batches ``(packed,)`` (DDP-wrapped models too)."""
    (packed,) = batch[:1]
    return model(packed)

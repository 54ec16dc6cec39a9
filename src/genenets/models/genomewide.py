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
        from . import _kernels as K

        batch = packed.shape[0]
        p = K.transpose_packed(packed.numpy(), np.empty((packed.shape[1], batch), np.uint8))  # (n_bytes, B)
        enc, dec = model.enc_csr, model.dec_csr
        h = K.encoder_forward(enc[0], enc[1], w1.detach().numpy(), b1.detach().numpy(), p, noise_std, key,
                              model.table, np.empty((model.n_hidden, batch), np.float32))
        want = torch.is_grad_enabled() or any(t.requires_grad for t in (w1, b1, w2, b2))
        n_chunks = model.n_chunks
        n = batch * model.n_inputs
        gw2 = np.empty(w2.shape[0], np.float32) if want else np.empty(0, np.float32)
        gb2 = np.empty(b2.shape[0], np.float32) if want else np.empty(0, np.float32)
        gh = np.empty((n_chunks, model.n_hidden, batch) if want else (n_chunks, 0, batch), np.float32)
        parts = K.decoder_bce(dec[0], dec[1], w2.detach().numpy(), b2.detach().numpy(), h, p, n_chunks, want,
                              gw2, gb2, gh, np.zeros(n_chunks, np.float64), 1.0 / n)  # gradients of the mean
        loss = torch.tensor(parts.sum() / n, dtype=torch.float32)
        if want:
            gy = K.relu_backward(gh, h, np.empty_like(h))  # (genes, batch)
            gw1, gb1 = K.encoder_weight_grad(enc[0], enc[1], gy, p, noise_std, key, model.table,
                                             np.empty(w1.shape[0], np.float32), np.empty(b1.shape[0], np.float32))
            ctx.grads = [torch.from_numpy(g) for g in (gw1, gb1, gw2, gb2)]
        return loss

    @staticmethod
    def backward(ctx, grad_loss):
        grads = ctx.grads if bool(grad_loss == 1) else [g * grad_loss for g in ctx.grads]
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

    ``forward``/``encode``/``decode`` on float inputs are GeneDAE's (for evaluation and embeddings).
    """

    def __init__(self, adjacency, noise_std: float = 0.3, nodes_per_gene: int = 1, n_chunks: int | None = None):
        super().__init__(adjacency, noise_std=noise_std, nodes_per_gene=nodes_per_gene)
        from . import _kernels as K

        self.table = K.normal_table()
        self.n_chunks = n_chunks or max(1, torch.get_num_threads())
        self.enc_csr = self._csr(self.encoder)
        self.dec_csr = self._csr(self.decoder)

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
        """The noise the kernels add for step ``key``, shape (batch, 2m) (for tests)."""
        from . import _kernels as K

        return torch.from_numpy(K.noise_matrix(np.uint64(key), self.n_inputs, batch, self.table)).t()

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

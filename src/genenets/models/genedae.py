"""GeneDAE: a sparse denoising autoencoder whose hidden units are genes.

With the two-bit genotype encoding ``x`` of shape (batch, 2m) and the variant-to-gene adjacency
``A'`` of shape (2m, n)::

    x' = x + gamma * z,           z ~ N(0, 1)       (training only)
    g  = ReLU((W1 * A') x' + b)                    gene embedding, shape (batch, n * k)
    x_hat = sigmoid((W2 * A'^T) g + c)             reconstruction, shape (batch, 2m)

Both layers are :class:`~genenets.models.masked.SparseMaskedLinear`, so a variant only ever talks to
its own genes. ``nodes_per_gene = k > 1`` gives each gene ``k`` hidden units (the paper's future work).
The model returns logits; the loss is ``BCEWithLogits`` (the same binary cross entropy as
``BCE(sigmoid(.))``, numerically stable).
"""
from __future__ import annotations

import torch
from torch import nn

from .masked import SparseMaskedLinear, expand_outputs


class GeneDAE(nn.Module):
    """Sparse denoising autoencoder over a variant-to-gene graph.

    Parameters
    ----------
    adjacency : scipy sparse matrix of shape (2m, n)
        ``A'``: rows are the encoded input bits, columns genes.
    noise_std : float
        ``gamma``, the standard deviation of the Gaussian input noise during training (paper: 0.3).
    nodes_per_gene : int
        Hidden units per gene (paper: 1).
    """

    def __init__(self, adjacency, noise_std: float = 0.3, nodes_per_gene: int = 1):
        super().__init__()
        if noise_std < 0:
            raise ValueError(f"noise_std must be >= 0, got {noise_std}")
        mask = expand_outputs(adjacency, nodes_per_gene)
        self.noise_std = noise_std
        self.nodes_per_gene = nodes_per_gene
        self.n_inputs, self.n_hidden = mask.shape
        self.encoder = SparseMaskedLinear(mask)
        self.decoder = SparseMaskedLinear(mask.T)

    def corrupt(self, x: torch.Tensor) -> torch.Tensor:
        """``x + gamma z`` in training mode, ``x`` unchanged in eval mode."""
        if self.training and self.noise_std > 0:
            return x + self.noise_std * torch.randn_like(x)
        return x

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Gene embedding ``g``, shape (batch, n_genes * nodes_per_gene); no noise in eval mode."""
        return torch.relu(self.encoder(self.corrupt(x)))

    def decode(self, g: torch.Tensor) -> torch.Tensor:
        """Reconstruction logits, shape (batch, 2m); ``sigmoid`` gives ``x_hat``."""
        return self.decoder(g)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction logits of (corrupted, when training) ``x``, shape (batch, 2m)."""
        return self.decode(self.encode(x))


def bce_loss(model: GeneDAE, batch) -> torch.Tensor:
    """Mean binary cross entropy of the reconstruction of the clean input (for ``train.fit``)."""
    (x,) = batch[:1]
    return nn.functional.binary_cross_entropy_with_logits(model(x), x)

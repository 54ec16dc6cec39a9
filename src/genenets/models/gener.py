"""GENER: parallel CNN + feed-forward network for gene-gene interactions (torch modules only).

Input of both GENER models: a batch of pair matrices of shape (batch, 2, n_arrays), the two genes'
expression vectors stacked. Output: logits of shape (batch, 2) (class 1 = interaction).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn


class Dropout(nn.Dropout):
    """``nn.Dropout`` with its mask drawn by NumPy (PCG64) instead of torch's CPU Bernoulli sampler,
    which costs about 35 ns per element on one thread and was most of a GENER epoch; here about
    8 ns. Same function: in ``train()`` mode each element is kept with probability ``1 - p`` and
    scaled by ``1 / (1 - p)``; identity in ``eval()`` mode. The generator is seeded from torch's
    global RNG when the module is built, so ``torch.manual_seed`` before building makes training
    reproducible. On a GPU tensor torch's own dropout is used."""

    def __init__(self, p: float = 0.5):
        super().__init__(p)
        self._rng = np.random.default_rng(int(torch.randint(0, 2 ** 31 - 1, (1,))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        if x.device.type != "cpu":
            return super().forward(x)
        keep = self._rng.random(tuple(x.shape), dtype=np.float32) >= np.float32(self.p)
        return x * torch.from_numpy(keep * np.float32(1 / (1 - self.p)))


class PairCNN(nn.Module):
    """CNN branch: three 1-D conv layers over the arrays, the two genes as input channels, each
    with batch norm, ReLU and dropout, no pooling; flattened features.

    Parameters
    ----------
    n_arrays : int
        Length L of the expression vectors.
    channels : tuple of 3 int
    kernel_size : int (odd, "same" padding keeps length L)
    dropout : float
    """

    def __init__(self, n_arrays: int, channels=(8, 16, 16), kernel_size: int = 3, dropout: float = 0.3):
        super().__init__()
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        layers, c_in = [], 2
        for c_out in channels:
            layers += [nn.Conv1d(c_in, c_out, kernel_size, padding=kernel_size // 2), nn.BatchNorm1d(c_out),
                       nn.ReLU(), Dropout(dropout)]
            c_in = c_out
        self.conv = nn.Sequential(*layers)
        self.out_features = channels[-1] * n_arrays

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (batch, 2, n_arrays) -> (batch, channels[-1] * n_arrays)."""
        return self.conv(x).flatten(1)


class ProductMLP(nn.Module):
    """Feed-forward branch on the element-wise product of the two vectors: two dense layers with
    batch norm, ReLU and dropout."""

    def __init__(self, n_arrays: int, hidden: int = 128, dropout: float = 0.3):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_arrays, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), Dropout(dropout),
                                 nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), Dropout(dropout))
        self.out_features = hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (batch, 2, n_arrays) -> (batch, hidden)."""
        return self.net(x[:, 0] * x[:, 1])


class GENER(nn.Module):
    """GENER: CNN and product-MLP branches fused late into a 2-class classifier.

    ``cnn_only=True`` gives the paper's CNN-only ablation (Table 3). Dropout is active only in
    ``train()`` mode (the original kept it on at evaluation).

    Parameters
    ----------
    n_arrays : int
    channels, kernel_size : CNN branch shape
    hidden : int
        Width of the MLP branch's two dense layers (128 in the paper).
    dropout : float
    cnn_only : bool
    """

    def __init__(self, n_arrays: int, channels=(8, 16, 16), kernel_size: int = 3, hidden: int = 128,
                 dropout: float = 0.3, cnn_only: bool = False):
        super().__init__()
        self.cnn = PairCNN(n_arrays, channels, kernel_size, dropout)
        self.mlp = None if cnn_only else ProductMLP(n_arrays, hidden, dropout)
        n_features = self.cnn.out_features + (0 if cnn_only else self.mlp.out_features)
        self.head = nn.Linear(n_features, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (batch, 2, n_arrays) -> logits (batch, 2); softmax gives class probabilities."""
        features = self.cnn(x)
        if self.mlp is not None:
            features = torch.cat([features, self.mlp(x)], dim=1)
        return self.head(features)


class ShallowM(nn.Module):
    """GENER as in the authors' code (``Shallow_M``, saved config of experiment 2), in torch.

    Element-wise product branch: Dense(256, relu) -> BatchNorm -> Dropout(0.5), twice. Convolution
    branch on the pair as a one-channel (2, L) image: Conv2D(16, 2x2, no activation) -> BatchNorm ->
    Dropout(0.5) -> Conv2D(8, 1x1) -> BatchNorm -> Dropout(0.5) -> Flatten -> Dense(32, relu) ->
    BatchNorm -> Dropout(0.5). Concatenation -> Dense(2) (softmax in the loss). Keras' BatchNorm
    (momentum 0.9, epsilon 1e-3) and Glorot-uniform initialisation with zero biases are kept.

    Shapes: x (batch, 2, L) -> conv maps (batch, 16, 1, L - 1) -> (batch, 8, 1, L - 1) -> flattened
    8 (L - 1) -> 32; product branch (batch, L) -> 256; logits (batch, 2).

    Parameters
    ----------
    n_arrays : int
        L, the length of the expression vectors (L >= 2).
    dense, conv_dense : int
        Widths of the product branch (256) and of the dense layer after the convolutions (32).
    filters : tuple of 2 int
        Filters of the two convolutions (16, 8).
    dropout : float
    cnn_only : bool
        The CNN-only ablation: the product branch is dropped.
    """

    def __init__(self, n_arrays: int, dense: int = 256, filters=(16, 8), conv_dense: int = 32, dropout: float = 0.5,
                 cnn_only: bool = False):
        super().__init__()
        if n_arrays < 2:
            raise ValueError(f"n_arrays must be at least 2 for a 2x2 convolution, got {n_arrays}")

        def bn1(n):
            return nn.BatchNorm1d(n, momentum=0.1, eps=1e-3)  # torch momentum 0.1 == Keras momentum 0.9

        def bn2(n):
            return nn.BatchNorm2d(n, momentum=0.1, eps=1e-3)

        self.cnn = nn.Sequential(nn.Conv2d(1, filters[0], kernel_size=2), bn2(filters[0]), Dropout(dropout),
                                 nn.Conv2d(filters[0], filters[1], kernel_size=1), bn2(filters[1]),
                                 Dropout(dropout), nn.Flatten(),
                                 nn.Linear(filters[1] * (n_arrays - 1), conv_dense), nn.ReLU(), bn1(conv_dense),
                                 Dropout(dropout))
        self.mlp = None if cnn_only else nn.Sequential(
            nn.Linear(n_arrays, dense), nn.ReLU(), bn1(dense), Dropout(dropout),
            nn.Linear(dense, dense), nn.ReLU(), bn1(dense), Dropout(dropout))
        self.head = nn.Linear(conv_dense + (0 if cnn_only else dense), 2)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (batch, 2, n_arrays) -> logits (batch, 2)."""
        features = self.cnn(x.unsqueeze(1))
        if self.mlp is not None:
            features = torch.cat([self.mlp(x[:, 0] * x[:, 1]), features], dim=1)
        return self.head(features)


class GNEEmbedder(nn.Module):
    """GNE (Kc et al. 2019): a gene's representation combines a structure embedding (its id) and an
    attribute embedding (its expression vector), passed through a nonlinear layer; trained without
    labels to predict the gene's neighbours in the (training) interaction graph, skip-gram style
    with negative sampling, against a separate context embedding per gene.

    Genes outside the training graph have index ``n_seen`` (the padding row: zero structure
    embedding, never updated), so their representation comes from expression alone.

    Parameters
    ----------
    n_seen : int
        Genes of the training graph.
    n_arrays : int
    dim : int
        Size of the structure and attribute embeddings and of the representation.
    attribute_weight : float
        GNE's lambda: weight of the attribute embedding in the concatenation.

    Shapes: ``represent(index (batch,), x (batch, n_arrays)) -> (batch, dim)``;
    ``forward(index (batch,), x (batch, n_arrays), context (batch, k)) -> scores (batch, k)``.
    """

    def __init__(self, n_seen: int, n_arrays: int, dim: int = 64, attribute_weight: float = 1.0):
        super().__init__()
        self.structure = nn.Embedding(n_seen + 1, dim, padding_idx=n_seen)
        self.attribute = nn.Linear(n_arrays, dim)
        self.hidden = nn.Linear(2 * dim, dim)
        self.context = nn.Embedding(n_seen + 1, dim, padding_idx=n_seen)
        self.attribute_weight = attribute_weight
        nn.init.normal_(self.structure.weight, std=0.1)
        nn.init.normal_(self.context.weight, std=0.1)
        with torch.no_grad():
            self.structure.weight[n_seen].zero_()
            self.context.weight[n_seen].zero_()

    def represent(self, index: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """index (batch,) long, x (batch, n_arrays) -> (batch, dim)."""
        h = torch.cat([self.structure(index), self.attribute_weight * self.attribute(x)], dim=1)
        return torch.tanh(self.hidden(h))

    def forward(self, index: torch.Tensor, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """Scores of each gene against ``context`` genes (batch, k): dot products."""
        h = self.represent(index, x)
        return torch.einsum("bd,bkd->bk", h, self.context(context))

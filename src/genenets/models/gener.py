"""GENER: parallel CNN + feed-forward network for gene-gene interactions (torch modules only).

Input of both GENER models: a batch of pair matrices of shape (batch, 2, n_arrays), the two genes'
expression vectors stacked. Output: logits of shape (batch, 2) (class 1 = interaction).
"""
from __future__ import annotations

import torch
from torch import nn


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
                       nn.ReLU(), nn.Dropout(dropout)]
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
        self.net = nn.Sequential(nn.Linear(n_arrays, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(dropout),
                                 nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(dropout))
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


class GNEStyle(nn.Module):
    """GNE-style link predictor: each gene is a learned topology embedding concatenated with an
    encoding of its expression vector; a pair is scored from the element-wise product of the two
    gene representations.

    Genes not seen in training have index ``n_seen`` (the padding row, all zeros and never
    updated), so for them the model falls back on expression alone.

    Parameters
    ----------
    n_seen : int
        Number of genes with a topology embedding (training genes).
    n_arrays : int
    embedding_dim, hidden : int
    dropout : float
    """

    def __init__(self, n_seen: int, n_arrays: int, embedding_dim: int = 32, hidden: int = 64, dropout: float = 0.2):
        super().__init__()
        self.embedding = nn.Embedding(n_seen + 1, embedding_dim, padding_idx=n_seen)
        self.encoder = nn.Sequential(nn.Linear(n_arrays, hidden), nn.ReLU(), nn.Dropout(dropout),
                                     nn.Linear(hidden, embedding_dim))
        self.head = nn.Sequential(nn.Linear(2 * embedding_dim, hidden), nn.ReLU(), nn.Dropout(dropout),
                                  nn.Linear(hidden, 2))

    def represent(self, index: torch.Tensor, expression: torch.Tensor) -> torch.Tensor:
        """index: (batch,) long, expression: (batch, n_arrays) -> (batch, 2 * embedding_dim)."""
        return torch.cat([self.embedding(index), self.encoder(expression)], dim=1)

    def forward(self, index_pair: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """index_pair: (batch, 2) long; x: (batch, 2, n_arrays) -> logits (batch, 2)."""
        h_a = self.represent(index_pair[:, 0], x[:, 0])
        h_b = self.represent(index_pair[:, 1], x[:, 1])
        return self.head(h_a * h_b)

"""Omics autoencoder and multi-task graph attention network (torch modules only; training is
:func:`genenets.train.fit`)."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torch_geometric.nn import GATConv


class OmicsAutoencoder(nn.Module):
    """Fully connected autoencoder ``n_features -> hidden... -> latent -> ...hidden -> n_features``.

    The seed's gene AE is ``132,129 -> 8,192 -> 1,024 -> 128 -> 64`` and its metabolite AE
    ``6,980 -> 1,024 -> 256 -> 64``: ``hidden`` holds the widths between input and latent.

    Parameters
    ----------
    n_features : int
    hidden : sequence of int
        Encoder widths (the decoder mirrors them).
    latent : int
    dropout : float
        Dropout after every hidden activation (not on the latent, not on the output).
    """

    def __init__(self, n_features: int, hidden: Sequence[int] = (256, 128), latent: int = 64, dropout: float = 0.3):
        super().__init__()
        if n_features < 1 or latent < 1:
            raise ValueError(f"n_features and latent must be positive, got {n_features}, {latent}")
        widths = [n_features, *hidden]
        enc: list[nn.Module] = []
        for a, b in zip(widths[:-1], widths[1:]):
            enc += [nn.Linear(a, b), nn.ReLU(), nn.Dropout(dropout)]
        enc.append(nn.Linear(widths[-1], latent))
        dec: list[nn.Module] = []
        back = [latent, *reversed(hidden)]
        for a, b in zip(back[:-1], back[1:]):
            dec += [nn.Linear(a, b), nn.ReLU(), nn.Dropout(dropout)]
        dec.append(nn.Linear(back[-1], n_features))
        self.encoder, self.decoder = nn.Sequential(*enc), nn.Sequential(*dec)
        self.n_features, self.latent = n_features, latent

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """(n, n_features) -> (n, latent)."""
        return self.encoder(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(n, n_features) -> reconstruction (n, n_features)."""
        return self.decoder(self.encoder(x))


class MultiTaskGAT(nn.Module):
    """Two GATConv layers over a sample graph with one linear classification head per task.

    Parameters
    ----------
    in_channels : int
        Node feature width (the concatenated gene + metabolite latents).
    n_classes : sequence of int
        Number of classes of each task.
    hidden : int
        Width per attention head of the first layer.
    heads : int
    dropout : float
        On node features and on attention coefficients.
    """

    def __init__(self, in_channels: int, n_classes: Sequence[int], hidden: int = 32, heads: int = 4,
                 dropout: float = 0.3):
        super().__init__()
        if not n_classes:
            raise ValueError("MultiTaskGAT needs at least one task")
        self.conv1 = GATConv(in_channels, hidden, heads=heads, dropout=dropout)
        self.conv2 = GATConv(hidden * heads, hidden, heads=1, dropout=dropout)
        self.heads = nn.ModuleList(nn.Linear(hidden, k) for k in n_classes)
        self.dropout = dropout

    def embed(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        """(n_nodes, in_channels), (2, n_edges) -> node embeddings (n_nodes, hidden)."""
        x = nn.functional.dropout(x, self.dropout, self.training)
        x = nn.functional.elu(self.conv1(x, edge_index))
        x = nn.functional.dropout(x, self.dropout, self.training)
        return nn.functional.elu(self.conv2(x, edge_index))

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> list[torch.Tensor]:
        """Logits per task: a list of (n_nodes, n_classes[t])."""
        h = self.embed(x, edge_index)
        return [head(h) for head in self.heads]

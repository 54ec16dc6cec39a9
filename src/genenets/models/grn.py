"""Torch modules of the GRN paper: an LSTM and a LeNet-5-style CNN on a regulator/target pair's time
courses, a time-course autoencoder and a two-branch pair network on its codes.

Every classifier returns one logit per pair (shape (batch,)); the sigmoid of the paper's output layer
is applied by the loss (``BCEWithLogitsLoss``, numerically stable) and at prediction time.
"""
from __future__ import annotations

import torch
from torch import nn


class PairLSTM(nn.Module):
    """LSTM over the 21 x 2 sequence (regulator, target expression at each time point).

    Input shape (batch, n_times, 2); output logits of shape (batch,).
    """

    def __init__(self, hidden: int = 32, dropout: float = 0.2):
        super().__init__()
        self.lstm = nn.LSTM(input_size=2, hidden_size=hidden, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, (h, _) = self.lstm(x)
        return self.head(self.dropout(h[-1])).squeeze(-1)


class PairCNN(nn.Module):
    """LeNet-5-style CNN on the 1 x 2 x n_times "image" of a pair (row 0 regulator, row 1 target).

    conv(6, 1x3) -> maxpool(1x2) -> conv(16, 2x3) -> maxpool(1x2) -> 120 -> 84 -> 1.
    Input shape (batch, n_times, 2) (the pair sequence, transposed inside); output logits (batch,).
    """

    def __init__(self, n_times: int = 21):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=(1, 3), padding=(0, 1)), nn.ReLU(), nn.MaxPool2d((1, 2)),
            nn.Conv2d(6, 16, kernel_size=(2, 3), padding=(0, 1)), nn.ReLU(), nn.MaxPool2d((1, 2)),
        )
        width = (n_times // 2) // 2
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(16 * width, 120), nn.ReLU(),
                                        nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        image = x.transpose(1, 2).unsqueeze(1)  # (batch, 1, 2, n_times)
        return self.classifier(self.features(image)).squeeze(-1)


class TimeCourseAutoencoder(nn.Module):
    """Compresses one gene's time course (n_times values) to ``code_dim`` numbers and back.

    ``forward(x)`` takes shape (batch, n_times) and returns the reconstruction of the same shape;
    ``encode(x)`` returns codes of shape (batch, code_dim).
    """

    def __init__(self, n_times: int = 21, code_dim: int = 3, hidden: int = 16):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(n_times, hidden), nn.ReLU(), nn.Linear(hidden, code_dim))
        self.decoder = nn.Sequential(nn.Linear(code_dim, hidden), nn.ReLU(), nn.Linear(hidden, n_times))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


class TwoBranchPairNet(nn.Module):
    """Pair classifier on autoencoder codes: a regulator sub-network and a target sub-network,
    concatenated, then three final layers.

    Input shape (batch, 2 * code_dim) (regulator code, then target code); output logits (batch,).
    """

    def __init__(self, code_dim: int = 3, hidden: int = 16):
        super().__init__()
        hidden = max(int(hidden), 2)
        self.code_dim = code_dim
        self.regulator = nn.Sequential(nn.Linear(code_dim, hidden), nn.ReLU())
        self.target = nn.Sequential(nn.Linear(code_dim, hidden), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(2 * hidden, hidden), nn.ReLU(), nn.Linear(hidden, hidden // 2),
                                  nn.ReLU(), nn.Linear(hidden // 2, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        reg, tgt = x[:, :self.code_dim], x[:, self.code_dim:]
        return self.head(torch.cat([self.regulator(reg), self.target(tgt)], dim=1)).squeeze(-1)


class PairScoreMLP(nn.Module):
    """The supervised combination of unsupervised pair scores: ``n_features`` -> hidden -> hidden/2 -> 1
    (ReLU, dropout). Input shape (batch, n_features); output logits (batch,)."""

    def __init__(self, n_features: int, hidden: int = 32, dropout: float = 0.1):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU(), nn.Dropout(dropout),
                                 nn.Linear(hidden, max(hidden // 2, 1)), nn.ReLU(), nn.Linear(max(hidden // 2, 1), 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


class SeriesMean(nn.Module):
    """A pair's logit as the mean of a per-series classifier's logits over the pair's series.

    ``forward(x)`` takes shape (batch, n_series, *inputs) (e.g. (batch, 10, n_times, 2) time courses or
    (batch, 10, 2 * code_dim) codes), runs ``module`` on every (pair, series) row and returns logits of
    shape (batch,): the model is trained and scored on pairs, as the pairs are ranked.
    """

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, s = x.shape[:2]
        return self.module(x.reshape(b * s, *x.shape[2:])).view(b, s).mean(dim=1)

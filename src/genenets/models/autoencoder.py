"""Sigmoid autoencoders of the deep-autoencoder disease-module paper, and its reverse network.

- :class:`SigmoidAutoencoder` with ``n_hidden=1`` is the shallow autoencoder (SAE): genes -> W -> genes.
  With ``n_hidden=3`` it is the deep autoencoder (deepAE): genes -> W -> W -> W -> genes. Every layer,
  the output included, is linear + sigmoid (inputs are min-max scaled to [0, 1]).
- :class:`ReverseNetwork` maps a phenotype one-hot vector through one sigmoid hidden layer to the
  compressed representation of a given autoencoder layer ("reverse training").

Weights start from Glorot (Xavier) uniform with zero biases, the usual initialisation for sigmoid
layers (and Keras' default): PyTorch's default (uniform in +-1/sqrt(fan_in)) starts a deep sigmoid
stack with small, nearly identical hidden activations and trains it much more slowly.

``input_mean`` (the training genes' means) centres the input inside the model and starts the output
biases at the logit of those means. Neither changes the model family: ``W (x - m) + b`` is ``W x + b'``
with another first-layer bias, and the output bias is only a starting point. Both change how fast Adam
trains it: on min-max scaled inputs (all in [0, 1], none centred) a step of size lr on every weight
moves each hidden pre-activation by about lr x (sum of the inputs), thousands of times lr with
thousands of genes, which saturates the sigmoids at once and leaves the network on the gene-mean
plateau (measured in notebook 03's training-settings table).
"""
from __future__ import annotations

import torch
from torch import nn


class SigmoidAutoencoder(nn.Module):
    """Fully connected sigmoid autoencoder with ``n_hidden`` hidden layers of equal ``width``.

    Parameters
    ----------
    n_genes : int
    width : int
        Nodes per hidden layer.
    n_hidden : int
        1 (shallow) or more (deep, the paper uses 3).
    init : {"glorot", "torch"}
        Glorot-uniform weights and zero biases, or PyTorch's default ``nn.Linear`` initialisation.
    input_mean : array-like (n_genes,), optional
        Training gene means: subtracted from every input (a buffer, saved with the weights) and the
        output biases start at their logit. None: no centring, output biases from ``init``.

    Layers are numbered 1..n_hidden; :meth:`hidden` returns a layer's activations and
    :meth:`decode_from` propagates activations of a layer to the output.
    """

    def __init__(self, n_genes: int, width: int, n_hidden: int = 1, init: str = "glorot", input_mean=None):
        super().__init__()
        if n_genes < 1 or width < 1 or n_hidden < 1:
            raise ValueError(f"n_genes, width and n_hidden must be >= 1, got {n_genes}, {width}, {n_hidden}")
        if init not in ("glorot", "torch"):
            raise ValueError(f"init must be 'glorot' or 'torch', got {init!r}")
        self.n_genes, self.width, self.n_hidden, self.init = n_genes, width, n_hidden, init
        sizes = [n_genes] + [width] * n_hidden + [n_genes]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        if init == "glorot":
            for lin in self.layers:
                nn.init.xavier_uniform_(lin.weight)
                nn.init.zeros_(lin.bias)
        self.register_buffer("input_offset", torch.zeros(n_genes))
        if input_mean is not None:
            mean = torch.as_tensor(input_mean, dtype=torch.float32).reshape(-1)
            if mean.shape[0] != n_genes:
                raise ValueError(f"input_mean has {mean.shape[0]} values for {n_genes} genes")
            with torch.no_grad():
                self.input_offset.copy_(mean)
                self.layers[-1].bias.copy_(torch.logit(mean.clamp(1e-3, 1 - 1e-3)))

    def hidden(self, x: torch.Tensor, layer: int) -> torch.Tensor:
        """Activations of hidden layer ``layer`` (1-based), shape (n_samples, width), for inputs (n_samples, n_genes)."""
        self._check_layer(layer)
        x = x - self.input_offset
        for lin in self.layers[:layer]:
            x = torch.sigmoid(lin(x))
        return x

    def decode_from(self, h: torch.Tensor, layer: int) -> torch.Tensor:
        """Output (n, n_genes) from activations ``h`` (n, width) of hidden layer ``layer`` (1-based)."""
        self._check_layer(layer)
        for lin in self.layers[layer:]:
            h = torch.sigmoid(lin(h))
        return h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction (n_samples, n_genes) of ``x`` (n_samples, n_genes)."""
        x = x - self.input_offset
        for lin in self.layers:
            x = torch.sigmoid(lin(x))
        return x

    def _check_layer(self, layer: int):
        if not 1 <= layer <= self.n_hidden:
            raise ValueError(f"layer must be in 1..{self.n_hidden}, got {layer}")


class ReverseNetwork(nn.Module):
    """The supervised network of the paper's reverse training (its step 2): phenotype one-hot (n, n_phenotypes)
    -> sigmoid hidden layer (n, n_between) -> linear output (n, width), trained to predict the code of one
    autoencoder layer. The paper's hidden width equals the autoencoder layer's (``n_between=None``)."""

    def __init__(self, n_phenotypes: int, width: int, n_between: int | None = None):
        super().__init__()
        self.hidden = nn.Linear(n_phenotypes, n_between or width)
        self.out = nn.Linear(n_between or width, width)

    def forward(self, onehot: torch.Tensor) -> torch.Tensor:
        return self.out(torch.sigmoid(self.hidden(onehot)))


class StackedReverse(nn.Module):
    """Reverse network stacked on an autoencoder's decoder from ``layer`` (the paper's step 3).

    phenotype one-hot -> :class:`ReverseNetwork` (predicted code of ``layer``) -> the autoencoder's layers after
    ``layer`` -> genes. With ``rescale=True`` the reverse network's output weights (where the two networks meet)
    are rescaled to the mean and standard deviation of the autoencoder weights that produce ``layer`` from the
    layer below, so the junction has the weight statistics the decoder was trained with.
    """

    def __init__(self, reverse: ReverseNetwork, autoencoder: SigmoidAutoencoder, layer: int, rescale: bool = True):
        super().__init__()
        autoencoder._check_layer(layer)
        self.reverse, self.autoencoder, self.layer = reverse, autoencoder, layer
        if rescale:
            with torch.no_grad():
                w, ref = reverse.out.weight, autoencoder.layers[layer - 1].weight
                sd = w.std()
                w.copy_((w - w.mean()) / (sd if sd > 0 else 1.0) * ref.std() + ref.mean())

    def last_hidden(self, onehot: torch.Tensor) -> torch.Tensor:
        """The activations that enter the output layer (n, width): x_{L-2} in the paper's notation."""
        h = self.reverse(onehot)
        for lin in self.autoencoder.layers[self.layer:-1]:
            h = torch.sigmoid(lin(h))
        return h

    def score(self, onehot: torch.Tensor) -> torch.Tensor:
        """The paper's gene score s_p = W_{L-1} x_{L-2} (n, n_genes): the output layer's pre-activation,
        weights only (no bias), for each phenotype row of ``onehot`` (step 4)."""
        return self.last_hidden(onehot) @ self.autoencoder.layers[-1].weight.T

    def forward(self, onehot: torch.Tensor) -> torch.Tensor:
        """Decoded expression (n, n_genes) of each phenotype row."""
        return torch.sigmoid(self.autoencoder.layers[-1](self.last_hidden(onehot)))

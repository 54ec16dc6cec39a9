"""GeneDAE at genome-wide size: the same model computed with kernels that scale to ~10^6 edges."""
from __future__ import annotations

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

"""GeneDAE: shapes, denoising only in training, gene units see only their variants."""
import numpy as np
import scipy.sparse as sp
import torch

from genenets.data.annotation import duplicate_rows
from genenets.models.genedae import GeneDAE, bce_loss


def _adjacency():
    A = sp.csr_matrix(np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]], np.float32))  # 5 var, 3 genes
    return duplicate_rows(A)


def test_shapes_and_k_nodes_per_gene():
    torch.manual_seed(0)
    model = GeneDAE(_adjacency(), nodes_per_gene=2).eval()
    x = torch.randint(0, 2, (4, 10)).float()
    assert model.encode(x).shape == (4, 6) and model(x).shape == (4, 10)
    assert (model.encode(x) >= 0).all()  # ReLU


def test_noise_only_in_training():
    torch.manual_seed(0)
    model = GeneDAE(_adjacency(), noise_std=0.3)
    x = torch.randint(0, 2, (8, 10)).float()
    model.eval()
    torch.testing.assert_close(model(x), model(x))
    model.train()
    assert not torch.allclose(model(x), model(x))
    assert torch.equal(GeneDAE(_adjacency(), noise_std=0.0).train().corrupt(x), x)


def test_gene_embedding_depends_only_on_its_variants():
    torch.manual_seed(0)
    model = GeneDAE(_adjacency()).eval()
    x = torch.rand(10, requires_grad=True)
    g = model.encode(x[None])[0]
    grad = torch.autograd.grad(model.encoder(x[None])[0][2], x)[0]  # gene 3: variants 4, 5 -> bits 6..9
    assert torch.all(grad[:6] == 0) and torch.any(grad[6:] != 0)
    assert g.shape == (3,)


def test_training_step_reduces_bce():
    torch.manual_seed(0)
    model = GeneDAE(_adjacency(), noise_std=0.0)
    x = torch.randint(0, 2, (32, 10)).float()
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    first = float(bce_loss(model, (x,)).detach())
    for _ in range(20):
        opt.zero_grad()
        loss = bce_loss(model, (x,))
        loss.backward()
        opt.step()
    assert float(loss.detach()) < first
    ref = torch.nn.functional.binary_cross_entropy(torch.sigmoid(model(x)), x)
    torch.testing.assert_close(bce_loss(model, (x,)), ref, rtol=1e-4, atol=1e-5)

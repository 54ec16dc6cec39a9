"""Tests of genenets.models.gener."""
import torch

from genenets.models.gener import GENER, GNEStyle


def test_gener_shapes_and_ablation():
    x = torch.randn(8, 2, 30)
    full, cnn = GENER(30, channels=(4, 8, 8)), GENER(30, channels=(4, 8, 8), cnn_only=True)
    assert full(x).shape == (8, 2) and cnn(x).shape == (8, 2)
    assert cnn.mlp is None
    assert full.head.in_features == 8 * 30 + 128 and cnn.head.in_features == 8 * 30
    # no pooling: three convs, each followed by batch norm and dropout
    convs = [m for m in full.cnn.conv if isinstance(m, torch.nn.Conv1d)]
    assert len(convs) == 3 and not any(isinstance(m, torch.nn.MaxPool1d) for m in full.modules())
    assert sum(isinstance(m, torch.nn.Dropout) for m in full.cnn.conv) == 3


def test_dropout_off_in_eval_mode():
    torch.manual_seed(0)
    model = GENER(20, channels=(4, 4, 4), dropout=0.5)
    x = torch.randn(16, 2, 20)
    model.train()
    model(x)  # fill batch-norm running statistics
    model.eval()
    assert torch.equal(model(x), model(x))  # deterministic at evaluation (the original kept dropout on)
    model.train()
    assert not torch.equal(model(x), model(x))


def test_mlp_branch_reads_the_product():
    # swapping the two genes leaves the product (MLP branch) unchanged
    torch.manual_seed(0)
    model = GENER(10, channels=(2, 2, 2)).eval()
    x = torch.randn(5, 2, 10)
    assert torch.allclose(model.mlp(x), model.mlp(x.flip(1)))


def test_gne_unseen_genes_have_zero_embedding_and_no_gradient():
    model = GNEStyle(n_seen=5, n_arrays=12, embedding_dim=4, hidden=8)
    idx = torch.tensor([[0, 1], [2, 5]])  # gene 5 = unseen (padding row)
    out = model(idx, torch.randn(2, 2, 12))
    assert out.shape == (2, 2)
    out.sum().backward()
    grad = model.embedding.weight.grad
    assert torch.all(model.embedding.weight[5] == 0) and torch.all(grad[5] == 0)
    assert grad[0].abs().sum() > 0 and grad[1].abs().sum() > 0
    # the product with an unseen gene's zero embedding removes topology: gene 2 gets no gradient
    assert torch.all(grad[2] == 0)

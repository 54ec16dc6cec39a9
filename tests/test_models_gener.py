"""Tests of genenets.models.gener."""
import torch

from genenets.models.gener import GENER, GNEEmbedder, ShallowM


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


def test_authors_variant_layer_shapes():
    """Shallow_M as in the authors' saved config: 2x2 conv (16) -> 1x1 conv (8) -> Dense 32; product
    branch Dense 256 twice; head on 256 + 32 features; dropout 0.5 after every block."""
    L = 50
    model = ShallowM(L)
    convs = [m for m in model.cnn if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size) for c in convs] == [(1, 16, (2, 2)), (16, 8, (1, 1))]
    x = torch.randn(4, 2, L)
    maps = model.cnn[:3](x.unsqueeze(1))  # conv, batch norm, dropout
    assert maps.shape == (4, 16, 1, L - 1)
    assert model.cnn[:6](x.unsqueeze(1)).shape == (4, 8, 1, L - 1)
    dense = [m for m in model.cnn if isinstance(m, torch.nn.Linear)]
    assert [(d.in_features, d.out_features) for d in dense] == [(8 * (L - 1), 32)]
    mlp = [m for m in model.mlp if isinstance(m, torch.nn.Linear)]
    assert [(d.in_features, d.out_features) for d in mlp] == [(L, 256), (256, 256)]
    assert model.head.in_features == 256 + 32 and model.head.out_features == 2
    drops = [m.p for m in model.modules() if isinstance(m, torch.nn.Dropout)]
    assert drops == [0.5] * 5
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert all(b.momentum == 0.1 and b.eps == 1e-3 for b in bns) and len(bns) == 5  # Keras momentum 0.9
    assert model(x).shape == (4, 2)
    ablation = ShallowM(L, cnn_only=True)
    assert ablation.mlp is None and ablation.head.in_features == 32 and ablation(x).shape == (4, 2)


def test_gne_unseen_genes_have_zero_structure_embedding_and_no_gradient():
    model = GNEEmbedder(n_seen=5, n_arrays=12, dim=4)
    index = torch.tensor([0, 5])  # gene 5 = unseen (padding row)
    scores = model(index, torch.randn(2, 12), torch.tensor([[1, 2], [3, 4]]))
    assert scores.shape == (2, 2)
    assert model.represent(index, torch.randn(2, 12)).shape == (2, 4)
    scores.sum().backward()
    grad = model.structure.weight.grad
    assert torch.all(model.structure.weight[5] == 0) and torch.all(grad[5] == 0)
    assert grad[0].abs().sum() > 0


def test_numpy_dropout_keeps_one_minus_p_scaled_and_is_seeded():
    from genenets.models.gener import Dropout

    torch.manual_seed(0)
    drop = Dropout(0.3)
    x = torch.ones(200, 500)
    y = drop.train()(x)
    kept = y != 0
    assert abs(kept.float().mean().item() - 0.7) < 0.01  # Bernoulli(0.7) mask
    torch.testing.assert_close(y[kept], torch.full_like(y[kept], 1 / 0.7))  # inverted dropout scaling
    assert torch.equal(drop.eval()(x), x)
    torch.manual_seed(0)
    again = Dropout(0.3).train()(x)
    assert torch.equal(again, y)  # torch.manual_seed before building fixes the masks
    g = torch.ones(3, 4, requires_grad=True)
    out = Dropout(0.5).train()(g)
    out.sum().backward()
    torch.testing.assert_close(g.grad, out.detach())  # gradient = mask / (1 - p), as nn.Dropout

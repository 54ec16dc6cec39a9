import torch

from genenets.models.omics import MultiTaskGAT, OmicsAutoencoder


def test_autoencoder_shapes_dropout_and_gradients():
    torch.manual_seed(0)
    ae = OmicsAutoencoder(50, hidden=(32, 16), latent=8, dropout=0.3)
    x = torch.randn(6, 50)
    assert ae.encode(x).shape == (6, 8) and ae(x).shape == (6, 50)
    assert sum(isinstance(m, torch.nn.Dropout) for m in ae.modules()) == 4
    ae.eval()
    torch.testing.assert_close(ae(x), ae(x))  # dropout off in eval
    ((ae(x) - x) ** 2).mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in ae.parameters())


def test_gat_one_head_per_task_and_uses_edges():
    torch.manual_seed(0)
    gat = MultiTaskGAT(10, n_classes=[3, 2], hidden=4, heads=2, dropout=0.0).eval()
    x = torch.randn(5, 10)
    edges = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])
    out = gat(x, edges)
    assert [o.shape for o in out] == [(5, 3), (5, 2)]
    # changing node 2 changes node 1 (neighbour) but not node 4 (isolated)
    x2 = x.clone()
    x2[2] += 1.0
    out2 = gat(x2, edges)
    assert not torch.allclose(out[0][1], out2[0][1]) and torch.allclose(out[0][4], out2[0][4])

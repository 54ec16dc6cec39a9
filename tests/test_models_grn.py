"""GRN torch modules: shapes, dropout behaviour, gradients, direction awareness."""
import torch

from genenets.models.grn import PairCNN, PairLSTM, TimeCourseAutoencoder, TwoBranchPairNet


def test_pair_classifiers_output_one_logit_per_pair():
    torch.manual_seed(0)
    x = torch.rand(7, 21, 2)
    for model in (PairLSTM(hidden=8), PairCNN(n_times=21)):
        assert model(x).shape == (7,)
    assert TwoBranchPairNet(code_dim=3)(torch.rand(7, 6)).shape == (7,)


def test_lstm_dropout_only_in_training():
    torch.manual_seed(0)
    model, x = PairLSTM(hidden=16, dropout=0.5), torch.rand(32, 21, 2)
    model.train()
    assert not torch.allclose(model(x), model(x))
    model.eval()
    assert torch.equal(model(x), model(x))


def test_cnn_gradient_reaches_first_convolution():
    torch.manual_seed(0)
    model = PairCNN(n_times=21)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(model(torch.rand(16, 21, 2)), torch.ones(16))
    loss.backward()
    grad = model.features[0].weight.grad
    assert grad is not None and grad.shape == (6, 1, 1, 3) and grad.abs().sum() > 0


def test_autoencoder_codes_and_reconstruction_shapes():
    ae = TimeCourseAutoencoder(n_times=21, code_dim=3)
    x = torch.rand(5, 21)
    assert ae.encode(x).shape == (5, 3) and ae(x).shape == (5, 21)


def test_two_branch_net_is_directional():
    torch.manual_seed(0)
    net = TwoBranchPairNet(code_dim=3).eval()
    reg, tgt = torch.rand(4, 3), torch.rand(4, 3)
    forward = net(torch.cat([reg, tgt], dim=1))
    backward = net(torch.cat([tgt, reg], dim=1))
    assert not torch.allclose(forward, backward)  # (G1, G2) and (G2, G1) are different pairs


def test_series_mean_scores_a_pair_by_the_mean_logit_of_its_series():
    from genenets.models.grn import SeriesMean

    torch.manual_seed(0)
    inner = PairLSTM(hidden=8).eval()
    x = torch.rand(5, 3, 21, 2)  # 5 pairs x 3 series
    out = SeriesMean(inner)(x)
    assert out.shape == (5,)
    torch.testing.assert_close(out, torch.stack([inner(x[:, s]) for s in range(3)], dim=1).mean(dim=1))
    assert SeriesMean(TwoBranchPairNet(code_dim=3))(torch.rand(4, 10, 6)).shape == (4,)

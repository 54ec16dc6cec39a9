import pytest
import torch

from genenets.models.autoencoder import ReverseNetwork, SigmoidAutoencoder


def test_shapes_and_range():
    torch.manual_seed(0)
    deep = SigmoidAutoencoder(20, 4, n_hidden=3)
    x = torch.rand(5, 20)
    out = deep(x)
    assert out.shape == (5, 20) and (out > 0).all() and (out < 1).all()
    assert [l.weight.shape for l in deep.layers] == [(4, 20), (4, 4), (4, 4), (20, 4)]
    assert deep.hidden(x, 2).shape == (5, 4)


def test_hidden_then_decode_equals_forward():
    torch.manual_seed(0)
    deep = SigmoidAutoencoder(12, 3, n_hidden=3)
    x = torch.rand(4, 12)
    for layer in (1, 2, 3):
        torch.testing.assert_close(deep.decode_from(deep.hidden(x, layer), layer), deep(x))


def test_gradients_reach_the_first_layer():
    torch.manual_seed(0)
    shallow = SigmoidAutoencoder(10, 3, n_hidden=1)
    x = torch.rand(8, 10)
    torch.nn.functional.mse_loss(shallow(x), x).backward()
    assert shallow.layers[0].weight.grad.abs().sum() > 0


def test_bad_layer_and_sizes():
    model = SigmoidAutoencoder(10, 3, n_hidden=1)
    with pytest.raises(ValueError, match="layer must be in 1..1"):
        model.hidden(torch.rand(2, 10), 2)
    with pytest.raises(ValueError, match=">= 1"):
        SigmoidAutoencoder(10, 0)


def test_reverse_network_shape():
    rev = ReverseNetwork(3, 5, n_between=4)
    out = rev(torch.eye(3))
    assert out.shape == (3, 5) and rev.hidden.out_features == 4


def test_glorot_init_bounds_and_zero_bias():
    torch.manual_seed(0)
    model = SigmoidAutoencoder(200, 16, n_hidden=3)
    for lin in model.layers:
        fan_out, fan_in = lin.weight.shape
        bound = (6.0 / (fan_in + fan_out)) ** 0.5
        assert lin.weight.abs().max() <= bound and lin.weight.abs().max() > 0.9 * bound
        assert (lin.bias == 0).all()
    # PyTorch's default bound 1/sqrt(fan_in) is smaller for the 200 -> 16 layer
    torch_init = SigmoidAutoencoder(200, 16, n_hidden=3, init="torch")
    assert torch_init.layers[0].weight.abs().max() <= 200 ** -0.5
    with pytest.raises(ValueError, match="init must be"):
        SigmoidAutoencoder(10, 3, init="he")


def test_paper_reverse_network_widths_and_linear_output():
    import torch

    from genenets.models.autoencoder import StackedReverse

    rev = ReverseNetwork(3, 5)  # hidden width = the code width (the paper's)
    assert rev.hidden.out_features == 5 and rev.out.out_features == 5
    with torch.no_grad():
        rev.out.bias.fill_(10.0)
        assert (rev(torch.eye(3)) > 1).all()  # linear output: not squashed into (0, 1)
    ae = SigmoidAutoencoder(7, 5, n_hidden=3)
    stacked = StackedReverse(rev, ae, layer=2)
    ref = ae.layers[1].weight
    assert torch.isclose(rev.out.weight.mean(), ref.mean(), atol=1e-6)
    assert torch.isclose(rev.out.weight.std(), ref.std(), atol=1e-5)
    assert stacked.score(torch.eye(3)).shape == (3, 7) and stacked(torch.eye(3)).shape == (3, 7)
    with pytest.raises(ValueError):
        StackedReverse(rev, ae, layer=4)


def test_input_centring_is_the_same_model_family():
    """input_mean: the input is centred inside the model (a buffer saved with the weights) and the output biases start
    at the logit of the means; the same function as an uncentred model whose first bias absorbs -W m."""
    torch.manual_seed(0)
    mean = torch.rand(10) * 0.8 + 0.1
    centred = SigmoidAutoencoder(10, 3, n_hidden=3, input_mean=mean)
    assert torch.equal(centred.input_offset, mean) and "input_offset" in centred.state_dict()
    torch.testing.assert_close(centred.layers[-1].bias, torch.logit(mean))
    plain = SigmoidAutoencoder(10, 3, n_hidden=3)
    plain.load_state_dict({**centred.state_dict(), "input_offset": torch.zeros(10)})
    with torch.no_grad():
        plain.layers[0].bias -= plain.layers[0].weight @ mean
    x = torch.rand(4, 10)
    torch.testing.assert_close(plain(x), centred(x))
    torch.testing.assert_close(plain.hidden(x, 2), centred.hidden(x, 2))
    with pytest.raises(ValueError, match="input_mean has 4 values for 10 genes"):
        SigmoidAutoencoder(10, 3, input_mean=torch.zeros(4))

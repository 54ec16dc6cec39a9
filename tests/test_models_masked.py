"""The sparse masked layer: same outputs as a dense masked layer, and no path off the mask."""
import numpy as np
import pytest
import scipy.sparse as sp
import torch

from genenets.models.masked import DenseMaskedLinear, SparseMaskedLinear, expand_outputs, mask_edges


def _mask(n_in=12, n_out=4, density=0.3, seed=0):
    rng = np.random.default_rng(seed)
    m = rng.random((n_in, n_out)) < density
    m[0, :] = False  # an input with no connection
    m[:, -1] = False  # an output with no connection
    m[1, 0] = True
    return m


def test_stores_one_weight_per_edge():
    mask = _mask()
    layer = SparseMaskedLinear(sp.csr_matrix(mask.astype(np.float32)))
    assert layer.weight.shape == (mask.sum(),)
    assert sum(p.numel() for p in layer.parameters()) == mask.sum() + mask.shape[1]
    w = layer.dense_weight().detach().numpy()
    assert w.shape == (4, 12) and np.all(w[~mask.T] == 0)


def test_matches_dense_masked_layer_forward_and_backward():
    torch.manual_seed(0)
    mask = _mask()
    sparse = SparseMaskedLinear(mask)
    dense = DenseMaskedLinear.from_sparse(sparse)
    x = torch.randn(5, 12)
    torch.testing.assert_close(sparse(x), dense(x))
    sparse(x).pow(2).sum().backward()
    dense(x).pow(2).sum().backward()
    rows, cols = sparse.input_index, sparse.output_index
    torch.testing.assert_close(sparse.weight.grad, dense.weight.grad[cols, rows])
    torch.testing.assert_close(sparse.bias.grad, dense.bias.grad)


def test_weight_outside_mask_never_affects_output_nor_gets_gradient():
    torch.manual_seed(1)
    mask = _mask()
    dense = DenseMaskedLinear(mask)
    x = torch.randn(6, 12)
    before = dense(x).detach()
    with torch.no_grad():
        dense.weight[~torch.as_tensor(mask.T)] = 1e6  # every weight off the mask
    torch.testing.assert_close(dense(x), before)
    dense(x).sum().backward()
    assert torch.all(dense.weight.grad[~torch.as_tensor(mask.T)] == 0)
    assert torch.any(dense.weight.grad[torch.as_tensor(mask.T)] != 0)
    # the sparse layer: output k depends on input i only through an edge (Jacobian zero off the mask)
    sparse = SparseMaskedLinear(mask)
    jac = torch.autograd.functional.jacobian(lambda v: sparse(v[None])[0], torch.randn(12))  # (out, in)
    assert torch.all(jac[~torch.as_tensor(mask.T)] == 0)
    torch.testing.assert_close(jac, sparse.dense_weight().detach())


def test_init_bound_uses_fan_in_over_edges():
    mask = np.zeros((100, 2), bool)
    mask[:4, 0] = True
    mask[:, 1] = True
    layer = SparseMaskedLinear(mask)
    w = layer.weight.detach()
    assert w[layer.output_index == 0].abs().max() <= 0.5 and w[layer.output_index == 1].abs().max() <= 0.1


def test_expand_outputs_gives_k_nodes_per_output():
    mask = sp.csr_matrix(_mask().astype(np.float32))
    wide = expand_outputs(mask, 3)
    assert wide.shape == (12, 12)
    np.testing.assert_array_equal(wide.toarray()[:, 3:6], np.repeat(mask.toarray()[:, [1]], 3, axis=1))
    with pytest.raises(ValueError, match="nodes_per_output"):
        expand_outputs(mask, 0)


def test_bad_input_width():
    layer = SparseMaskedLinear(_mask())
    with pytest.raises(ValueError, match="expected 12 input features"):
        layer(torch.randn(2, 11))
    with pytest.raises(ValueError, match="2-D"):
        mask_edges(np.ones(3))


# ----------------------------------------------------------------------------------------------
# numba kernels (issue 19)


@pytest.mark.parametrize("shape,density,batch", [((50, 7), 0.3, 5), ((200, 31), 0.05, 33), ((9, 40), 0.5, 1)])
def test_kernel_layer_matches_dense_masked_layer_forward_and_backward(shape, density, batch):
    from genenets.models.masked import KernelMaskedLinear

    rng = np.random.default_rng(sum(shape))
    mask = (rng.random(shape) < density).astype(np.float32)
    mask[0, :] = 1  # every output has an edge
    torch.manual_seed(0)
    fast = KernelMaskedLinear(mask)
    dense = DenseMaskedLinear.from_sparse(fast)
    x1 = torch.randn(batch, shape[0], requires_grad=True)
    x2 = x1.detach().clone().requires_grad_()
    y1, y2 = fast(x1), dense(x2)
    torch.testing.assert_close(y1, y2, rtol=1e-5, atol=1e-5)
    g = torch.randn_like(y1)
    y1.backward(g), y2.backward(g)
    torch.testing.assert_close(x1.grad, x2.grad, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(fast.weight.grad, dense.weight.grad[fast.output_index, fast.input_index],
                               rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(fast.bias.grad, dense.bias.grad, rtol=1e-5, atol=1e-5)
    # entries off the mask get no gradient in the dense layer either
    off = dense.mask == 0
    assert torch.all(dense.weight.grad[off] * dense.mask[off] == 0)


def test_kernel_layer_has_the_state_dict_of_the_sparse_layer():
    from genenets.models.masked import KernelMaskedLinear

    mask = (np.random.default_rng(1).random((30, 6)) < 0.3).astype(np.float32)
    torch.manual_seed(4)
    ref = SparseMaskedLinear(mask)
    torch.manual_seed(4)
    fast = KernelMaskedLinear(mask)
    assert ref.state_dict().keys() == fast.state_dict().keys()
    for k, v in ref.state_dict().items():
        torch.testing.assert_close(fast.state_dict()[k], v)

"""Masked linear layers: a linear map whose connections are given by a (sparse) mask.

:class:`SparseMaskedLinear` stores one weight per *edge* of the mask (a connection between input ``i``
and output ``k``), and computes ``y[:, k] = b[k] + sum over edges (i, k) of w_e * x[:, i]`` with a gather
and an ``index_add``. Cost and memory grow with the number of edges, not with ``in x out``, and a
connection absent from the mask has no weight at all, so it can never affect the output.

:class:`DenseMaskedLinear` is the textbook version, ``x @ (W * M).T + b`` with a dense ``W``; it
is kept as a reference for tests and for ``benchmarks/bench_masked_layer.py``.

Both take the mask as an ``(in_features, out_features)`` matrix (rows = inputs, columns = outputs;
for GeneDAE: variants' bits x genes, the paper's ``A'``), as a scipy sparse matrix or an array.
"""
from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

# CSR products are what CSRMaskedLinear is for; torch's notices about them are not for the user
warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
warnings.filterwarnings("ignore", message="Sparse invariant checks are implicitly disabled")


def mask_edges(mask) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """``(input_index, output_index, shape)`` of the nonzero entries of an (in, out) mask.

    Edges are ordered by output then input, so a layer built from the same mask is always the same.
    """
    if sp.issparse(mask):
        coo = sp.coo_matrix(mask)
        rows, cols, vals = coo.row, coo.col, coo.data
        keep = vals != 0
        rows, cols = rows[keep], cols[keep]
    else:
        arr = np.asarray(mask)
        if arr.ndim != 2:
            raise ValueError(f"mask must be 2-D (in_features x out_features), got shape {arr.shape}")
        rows, cols = np.nonzero(arr)
    order = np.lexsort((rows, cols))
    return rows[order].astype(np.int64), cols[order].astype(np.int64), tuple(int(s) for s in mask.shape)


def expand_outputs(mask, nodes_per_output: int):
    """Give every output ``k`` nodes (the GeneDAE paper's future work: several nodes per gene).

    ``(in, out)`` -> ``(in, out * k)``; output ``o`` becomes columns ``o*k ... o*k + k - 1``, each with the
    same inputs as ``o``.
    """
    if nodes_per_output < 1:
        raise ValueError(f"nodes_per_output must be >= 1, got {nodes_per_output}")
    if nodes_per_output == 1:
        return mask
    return sp.kron(sp.csr_matrix(mask), np.ones((1, nodes_per_output), dtype=np.float32), format="csr")


class SparseMaskedLinear(nn.Module):
    """Linear layer restricted to the edges of a mask, with one weight per edge.

    Parameters
    ----------
    mask : scipy sparse matrix or array of shape (in_features, out_features)
        Nonzero entries are the allowed connections.
    bias : bool

    Attributes
    ----------
    weight : Parameter of shape (n_edges,)
    bias : Parameter of shape (out_features,) or None
    input_index, output_index : LongTensor buffers of shape (n_edges,)

    Notes
    -----
    Initialisation follows ``nn.Linear`` with each output's fan-in counted over its edges only:
    ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.
    """

    def __init__(self, mask, bias: bool = True):
        super().__init__()
        rows, cols, (n_in, n_out) = mask_edges(mask)
        self.in_features, self.out_features = n_in, n_out
        self.register_buffer("input_index", torch.as_tensor(rows))
        self.register_buffer("output_index", torch.as_tensor(cols))
        self.weight = nn.Parameter(torch.empty(len(rows)))
        self.bias = nn.Parameter(torch.empty(n_out)) if bias else None
        self.reset_parameters()

    @property
    def n_edges(self) -> int:
        return int(self.weight.numel())

    def fan_in(self) -> torch.Tensor:
        """Number of edges into each output, shape (out_features,)."""
        return torch.bincount(self.output_index, minlength=self.out_features)

    def reset_parameters(self):
        bound = 1.0 / torch.sqrt(self.fan_in().clamp(min=1).to(torch.float32))
        with torch.no_grad():
            u = torch.rand(self.n_edges) * 2 - 1
            self.weight.copy_(u * bound[self.output_index])
            if self.bias is not None:
                self.bias.copy_((torch.rand(self.out_features) * 2 - 1) * bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` of shape (batch, in_features) -> (batch, out_features)."""
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} input features, got {x.shape[-1]}")
        # features-major layout: gathering/scattering whole rows of length `batch` is ~2x faster on
        # CPU than indexing along dim 1, in both the forward and the backward pass
        xt = x.t().contiguous()  # (in_features, batch)
        contributions = xt.index_select(0, self.input_index) * self.weight[:, None]  # (n_edges, batch)
        out = xt.new_zeros(self.out_features, x.shape[0]).index_add_(0, self.output_index, contributions).t()
        return out if self.bias is None else out + self.bias

    def dense_weight(self) -> torch.Tensor:
        """The equivalent dense weight matrix, shape (out_features, in_features), zero off the mask."""
        w = self.weight.new_zeros(self.out_features, self.in_features)
        w[self.output_index, self.input_index] = self.weight
        return w

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, n_edges={self.n_edges}, "
                f"bias={self.bias is not None}")


class DenseMaskedLinear(nn.Module):
    """Reference masked layer: a dense ``(out, in)`` weight multiplied by the mask in every forward.

    Parameters
    ----------
    mask : array or sparse matrix of shape (in_features, out_features)
    bias : bool
    """

    def __init__(self, mask, bias: bool = True):
        super().__init__()
        dense = mask.toarray() if sp.issparse(mask) else np.asarray(mask)
        self.in_features, self.out_features = dense.shape
        self.register_buffer("mask", torch.as_tensor((dense != 0).T.astype(np.float32)))  # (out, in)
        self.weight = nn.Parameter(torch.empty(self.out_features, self.in_features))
        self.bias = nn.Parameter(torch.empty(self.out_features)) if bias else None
        fan_in = self.mask.sum(dim=1).clamp(min=1)
        with torch.no_grad():
            self.weight.copy_((torch.rand_like(self.weight) * 2 - 1) / torch.sqrt(fan_in)[:, None])
            if self.bias is not None:
                self.bias.copy_((torch.rand(self.out_features) * 2 - 1) / torch.sqrt(fan_in))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.linear(x, self.weight * self.mask, self.bias)

    @classmethod
    def from_sparse(cls, layer: SparseMaskedLinear) -> "DenseMaskedLinear":
        """A dense layer computing exactly what ``layer`` computes (for tests and benchmarks)."""
        mask = np.zeros((layer.in_features, layer.out_features), np.float32)
        mask[layer.input_index.numpy(), layer.output_index.numpy()] = 1
        dense = cls(mask, bias=layer.bias is not None)
        with torch.no_grad():
            dense.weight.copy_(layer.dense_weight())
            if layer.bias is not None:
                dense.bias.copy_(layer.bias)
        return dense


# ----------------------------------------------------------------------------------------------
# CSR products (torch.sparse): the genome-wide layer of issue 8


class _CSRMaskedMatmul(torch.autograd.Function):
    """``y = x @ W.T`` for a sparse ``W`` (out, in) whose nonzeros are the edge weights, in CSR order."""

    @staticmethod
    def forward(ctx, x, weight, layer):
        xt = x.t().contiguous()  # (in, batch)
        W = torch.sparse_csr_tensor(layer.crow, layer.input_index, weight, (layer.out_features, layer.in_features),
                                    check_invariants=False)
        ctx.save_for_backward(xt, weight)
        ctx.layer = layer
        return (W @ xt).t()

    @staticmethod
    def backward(ctx, grad_y):
        xt, weight = ctx.saved_tensors
        layer = ctx.layer
        gyt = grad_y.t().contiguous()  # (out, batch)
        grad_x = grad_w = None
        if ctx.needs_input_grad[0]:  # W.T @ grad_y.T with the transposed CSR structure
            Wt = torch.sparse_csr_tensor(layer.crow_t, layer.col_t, weight[layer.perm_t],
                                         (layer.in_features, layer.out_features), check_invariants=False)
            grad_x = (Wt @ gyt).t()
        if ctx.needs_input_grad[1]:  # one value per edge: sum over the batch of grad_y[out] * x[in]
            grad_w = (gyt.index_select(0, layer.output_index) * xt.index_select(0, layer.input_index)).sum(dim=1)
        return grad_x, grad_w, None


class CSRMaskedLinear(SparseMaskedLinear):
    """:class:`~genenets.models.masked.SparseMaskedLinear` computed with sparse CSR matrix products.

    Same parameters (one weight per edge, same order and initialisation, same ``state_dict``) and the same
    output; only the arithmetic differs. ``SparseMaskedLinear`` sums edge contributions with a row-wise
    ``index_add_`` (also in its backward), slow on CPU with ~10^6 edges; here a CSR product (``W @ x.T``)
    and, for the weight gradient, one gather of each side. In one profiled genome-wide GeneDAE step
    (batch 32, 898,308 inputs, 19,305 genes; shared machine under load) forward + backward took 9.0 s
    instead of 12.0 s: the element-wise work on the (batch, 2m) tensors then dominates. At MHC size it
    is no faster (``benchmarks/results/training_throughput.csv``). Autocast does not apply to it (float32).
    """

    def __init__(self, mask, bias: bool = True):
        super().__init__(mask, bias)
        self._build_csr()

    def _build_csr(self):
        out_idx, in_idx = self.output_index, self.input_index  # edges sorted by output then input = CSR order
        crow = torch.zeros(self.out_features + 1, dtype=torch.int64)
        crow[1:] = torch.cumsum(torch.bincount(out_idx, minlength=self.out_features), 0)
        perm = torch.as_tensor(np.lexsort((out_idx.numpy(), in_idx.numpy())))  # by input then output
        crow_t = torch.zeros(self.in_features + 1, dtype=torch.int64)
        crow_t[1:] = torch.cumsum(torch.bincount(in_idx, minlength=self.in_features), 0)
        # derived from the edges: not saved in the state_dict, which stays that of SparseMaskedLinear
        self.register_buffer("crow", crow, persistent=False)
        self.register_buffer("crow_t", crow_t, persistent=False)
        self.register_buffer("col_t", out_idx[perm].clone(), persistent=False)
        self.register_buffer("perm_t", perm, persistent=False)

    @classmethod
    def from_layer(cls, layer: SparseMaskedLinear) -> "CSRMaskedLinear":
        """The same layer (same weights) computed with CSR products."""
        new = cls.__new__(cls)
        torch.nn.Module.__init__(new)
        new.in_features, new.out_features = layer.in_features, layer.out_features
        new.register_buffer("input_index", layer.input_index.clone())
        new.register_buffer("output_index", layer.output_index.clone())
        new.weight = torch.nn.Parameter(layer.weight.detach().clone())
        new.bias = None if layer.bias is None else torch.nn.Parameter(layer.bias.detach().clone())
        new._build_csr()
        return new

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` of shape (batch, in_features) -> (batch, out_features)."""
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} input features, got {x.shape[-1]}")
        with torch.autocast(x.device.type, enabled=False):
            out = _CSRMaskedMatmul.apply(x.float(), self.weight, self)
            return out if self.bias is None else out + self.bias


# ----------------------------------------------------------------------------------------------
# numba CSR kernels (issue 19): work proportional to edges x batch in the forward and the backward


class _KernelMaskedMatmul(torch.autograd.Function):
    """``y = x @ W.T`` with ``W`` given by its edges (CSR by output), computed by numba kernels."""

    @staticmethod
    def forward(ctx, x, weight, layer):
        from . import _kernels as K

        xt = np.ascontiguousarray(x.detach().t().numpy())  # (in, batch): each edge reads one row
        w = weight.detach().numpy()
        yt = K.spmm(layer.crow_np, layer.col_np, w, xt, np.empty((layer.out_features, x.shape[0]), np.float32))
        ctx.layer, ctx.xt = layer, xt
        ctx.save_for_backward(weight)
        return torch.from_numpy(yt).t()

    @staticmethod
    def backward(ctx, grad_y):
        from . import _kernels as K

        (weight,) = ctx.saved_tensors
        layer, xt = ctx.layer, ctx.xt
        gyt = np.ascontiguousarray(grad_y.detach().t().numpy(), dtype=np.float32)  # (out, batch)
        grad_x = grad_w = None
        if ctx.needs_input_grad[0]:  # W.T @ grad_y.T: the same edges as CSR by input
            w_t = weight.detach().numpy()[layer.perm_np]
            gxt = K.spmm(layer.crow_t_np, layer.col_t_np, w_t, gyt, np.empty((layer.in_features, gyt.shape[1]),
                                                                               np.float32))
            grad_x = torch.from_numpy(gxt).t()
        if ctx.needs_input_grad[1]:
            grad_w = torch.from_numpy(K.sddmm(layer.crow_np, layer.col_np, gyt, xt,
                                              np.empty(layer.n_edges, np.float32)))
        return grad_x, grad_w, None


class KernelMaskedLinear(SparseMaskedLinear):
    """:class:`SparseMaskedLinear` computed by numba CSR kernels (CPU, float32).

    Same parameters (one weight per edge, same order and initialisation, same ``state_dict``) and the
    same outputs up to float32 rounding (sums in another order). The forward is a CSR product over the
    outputs, the input gradient the same product over the transposed structure, the weight gradient one
    dot product over the batch per edge (SDDMM): each is ``O(edges x batch)`` and parallel over rows,
    where :class:`SparseMaskedLinear` builds ``(edges, batch)`` temporaries and scatters with
    ``index_add_``. Tensors on another device fall back to :class:`SparseMaskedLinear`'s arithmetic.
    """

    def __init__(self, mask, bias: bool = True):
        super().__init__(mask, bias)
        self._build_structure()

    def _build_structure(self):
        out_idx, in_idx = self.output_index.numpy(), self.input_index.numpy()  # sorted by output, input
        self.crow_np = np.zeros(self.out_features + 1, np.int64)
        self.crow_np[1:] = np.cumsum(np.bincount(out_idx, minlength=self.out_features))
        self.col_np = np.ascontiguousarray(in_idx, dtype=np.int64)
        self.perm_np = np.lexsort((out_idx, in_idx))  # edges by input, then output
        self.crow_t_np = np.zeros(self.in_features + 1, np.int64)
        self.crow_t_np[1:] = np.cumsum(np.bincount(in_idx, minlength=self.in_features))
        self.col_t_np = np.ascontiguousarray(out_idx[self.perm_np], dtype=np.int64)

    @classmethod
    def from_layer(cls, layer: SparseMaskedLinear) -> "KernelMaskedLinear":
        """The same layer (same weights, shared) computed by the kernels."""
        new = cls.__new__(cls)
        nn.Module.__init__(new)
        new.in_features, new.out_features = layer.in_features, layer.out_features
        new.register_buffer("input_index", layer.input_index.clone())
        new.register_buffer("output_index", layer.output_index.clone())
        new.weight = nn.Parameter(layer.weight.detach().clone())
        new.bias = None if layer.bias is None else nn.Parameter(layer.bias.detach().clone())
        new._build_structure()
        return new

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` of shape (batch, in_features) -> (batch, out_features)."""
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} input features, got {x.shape[-1]}")
        if x.device.type != "cpu":
            return super().forward(x)
        with torch.autocast("cpu", enabled=False):
            out = _KernelMaskedMatmul.apply(x.float(), self.weight, self)
            return out if self.bias is None else out + self.bias

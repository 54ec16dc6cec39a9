"""Genome-wide GeneDAE modules: the CSR (torch) and fused (numba) versions compute GeneDAE exactly."""
import numpy as np
import pytest
import torch

from genenets.data.annotation import duplicate_rows
from genenets.models.genedae import GeneDAE, bce_loss
from genenets.models.genomewide import FusedGeneDAE, GenomewideGeneDAE, packed_bce_loss


def _graph(m=37, n=6, seed=0):
    rng = np.random.default_rng(seed)
    A = (rng.random((m, n)) < 0.3).astype(np.float32)
    A[np.arange(m), rng.integers(0, n, m)] = 1  # every variant reaches a gene
    return duplicate_rows(A)


def _pack(x: torch.Tensor) -> torch.Tensor:
    return torch.from_numpy(np.packbits(x.numpy().astype(np.uint8), axis=1, bitorder="little"))


def _assert_same_loss_and_gradients(fused, ref, A, noise_std):
    """The fused model's loss and gradients on a random batch equal ``ref``'s (GeneDAE) given the noise the
    fused model's step key stands for (``noise_for``)."""
    x = torch.bernoulli(torch.full((9, A.shape[0]), 0.35))
    torch.manual_seed(5)
    loss = packed_bce_loss(fused, (_pack(x),))
    loss.backward()
    torch.manual_seed(5)  # the step key the fused model drew, and the noise it stands for
    key = int(torch.randint(0, 2 ** 62, (1,)))
    z = fused.noise_for(key, len(x)) if noise_std else torch.zeros_like(x)
    ref.corrupt = lambda t: t + noise_std * z
    expected = bce_loss(ref, (x,))
    expected.backward()
    torch.testing.assert_close(loss.detach(), expected.detach(), rtol=1e-5, atol=1e-6)
    for (name, p), (_, q) in zip(fused.named_parameters(), ref.named_parameters()):
        torch.testing.assert_close(p.grad, q.grad, rtol=1e-5, atol=1e-6, msg=name)


@pytest.mark.parametrize("noise_std", [0.0, 0.3])
def test_fused_loss_and_gradients_equal_genedae_with_the_same_noise(noise_std):
    A = _graph()
    torch.manual_seed(1)
    ref = GeneDAE(A, noise_std=noise_std)
    torch.manual_seed(1)
    fused = FusedGeneDAE(A, noise_std=noise_std)
    for k, v in ref.state_dict().items():  # same parameters from the same seed
        torch.testing.assert_close(fused.state_dict()[k], v)
    _assert_same_loss_and_gradients(fused, ref, A, noise_std)


def test_fused_noise_is_standard_normal_and_reproducible():
    fused = FusedGeneDAE(_graph(m=500), noise_std=0.3)
    z = fused.noise_for(123, 64).numpy()
    assert z.shape == (64, 1000)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    assert abs(np.mean(np.abs(z) > 1.96) - 0.05) < 0.005
    np.testing.assert_array_equal(fused.noise_for(123, 64).numpy(), z)
    assert not np.array_equal(fused.noise_for(124, 64).numpy(), z)
    assert abs(np.corrcoef(z[:, :-1].ravel(), z[:, 1:].ravel())[0, 1]) < 0.01


def test_fused_embedding_and_eval_loss_match_genedae():
    A = _graph(seed=3)
    torch.manual_seed(2)
    ref = GenomewideGeneDAE(A)
    torch.manual_seed(2)
    fused = FusedGeneDAE(A)
    ref.eval(), fused.eval()
    x = torch.bernoulli(torch.full((4, A.shape[0]), 0.5))
    with torch.no_grad():
        torch.testing.assert_close(fused.encode_packed(_pack(x)), ref.encode(x), rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(fused(_pack(x)), bce_loss(ref, (x,)), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="packed bits of shape"):
        fused.loss(torch.zeros((2, 3), dtype=torch.uint8))


def _graph_private(m=60, n=6, seed=0):
    """Most variants reach one gene (private inputs), some two (shared), as at genome-wide size."""
    rng = np.random.default_rng(seed)
    A = (rng.random((m, n)) < 0.04).astype(np.float32)
    A[np.arange(m), rng.integers(0, n, m)] = 1
    return duplicate_rows(A)


@pytest.mark.parametrize("by_runs", [True, False])
@pytest.mark.parametrize("noise_std", [0.0, 0.3])
def test_per_gene_noise_model_equals_genedae_with_the_equivalent_per_input_noise(noise_std, by_runs):
    """``noise_draws="per_gene"``: loss and every gradient equal GeneDAE's (1e-5) with the per-input noise
    ``noise_for`` gives (shared inputs' own draws; ``w zeta / r`` on each gene's private inputs); the encoder
    gradient by the decoder's runs and, for an encoder whose edges do not follow them, edge by edge."""
    A = _graph_private()
    torch.manual_seed(1)
    ref = GeneDAE(A, noise_std=noise_std)
    torch.manual_seed(1)
    fused = FusedGeneDAE(A, noise_std=noise_std, noise_draws="per_gene")
    assert 0 < (fused.enc_slot >= 0).mean() < 0.5
    assert fused.enc_run_edge is not None
    if not by_runs:
        fused.enc_run_edge = None
    _assert_same_loss_and_gradients(fused, ref, A, noise_std)


def test_per_gene_and_per_input_models_agree_without_noise_and_reject_bad_draws():
    A = _graph_private(seed=4)
    torch.manual_seed(3)
    a = FusedGeneDAE(A, noise_draws="per_gene")
    torch.manual_seed(3)
    b = FusedGeneDAE(A)
    a.eval(), b.eval()
    x = _pack(torch.bernoulli(torch.full((5, A.shape[0]), 0.5)))
    with torch.no_grad():
        torch.testing.assert_close(a(x), b(x), rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="noise_draws"):
        FusedGeneDAE(A, noise_draws="per_edge")


@pytest.mark.parametrize("noise_draws", ["per_input", "per_gene"])
def test_fused_scratch_is_reused_but_gradients_are_new_every_step(noise_draws):
    """The step's scratch arrays are made once per batch size and reused; the gradients are new arrays taken
    by autograd without a copy, so a gradient kept from one step is not overwritten by the next."""
    A = _graph(m=60)
    torch.manual_seed(2)
    model = FusedGeneDAE(A, noise_std=0.3, noise_draws=noise_draws)
    fresh = FusedGeneDAE(A, noise_std=0.3, noise_draws=noise_draws)
    fresh.load_state_dict(model.state_dict())
    first = _pack(torch.bernoulli(torch.full((8, A.shape[0]), 0.3)))
    batches = [first, first.clone(), _pack(torch.bernoulli(torch.full((5, A.shape[0]), 0.3)))]
    kept, scratch = [], []
    for packed in batches:
        model.zero_grad(set_to_none=True)
        torch.manual_seed(7)
        model(packed).backward()
        kept.append((model.encoder.weight.grad, model.encoder.weight.grad.clone(), model.decoder.bias.grad.clone()))
        scratch.append(model._work["h"])
    assert scratch[0] is scratch[1] and scratch[2] is not scratch[1]  # a new batch size makes new scratch
    for grad, copy_w, _ in kept:  # later steps did not write into an earlier step's gradient
        torch.testing.assert_close(grad, copy_w, rtol=0, atol=0)
    assert kept[0][0].data_ptr() != kept[1][0].data_ptr()
    torch.testing.assert_close(kept[0][1], kept[1][1], rtol=0, atol=0)  # same batch, same key: same gradients
    fresh.zero_grad(set_to_none=True)
    torch.manual_seed(7)
    fresh(batches[2]).backward()  # a model that never ran another batch size gives the same gradients
    torch.testing.assert_close(fresh.decoder.bias.grad, kept[2][2], rtol=0, atol=0)

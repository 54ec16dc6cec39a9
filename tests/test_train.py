"""The one training loop: learns, stops early with the best weights, resumes from a checkpoint exactly."""
import numpy as np
import pytest
import torch

from genenets import seed_everything, train


def _data(seed=0, n=200):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=n)).astype(np.float32)[:, None]
    return X, y


def mse(model, batch):
    x, y = batch
    return torch.nn.functional.mse_loss(model(x), y)


def _fit(epochs, checkpoint=None, patience=None, val=True, seed=0):
    seed_everything(seed)
    X, y = _data()
    model = torch.nn.Linear(3, 1)
    loader = train.make_loader(X[:150], y[:150], batch_size=32, shuffle=True, seed=seed)
    val_loader = train.make_loader(X[150:], y[150:], batch_size=64) if val else None
    hist = train.fit(model, loader, mse, val_loader=val_loader, epochs=epochs, lr=0.05, patience=patience,
                     checkpoint=checkpoint, progress=False)
    return model, hist


def test_fit_learns_a_linear_map():
    model, hist = _fit(40)
    assert hist.val_loss[-1] < 0.05 < hist.train_loss[0]
    assert np.allclose(model.weight.detach().numpy().ravel(), [1.0, -2.0, 0.5], atol=0.1)
    frame = hist.to_frame()
    assert list(frame.columns) == ["epoch", "train_loss", "val_loss"] and len(frame) == 40


def test_same_seed_same_history():
    _, h1 = _fit(5, seed=3)
    _, h2 = _fit(5, seed=3)
    assert h1.train_loss == h2.train_loss and h1.val_loss == h2.val_loss


def test_checkpoint_resume_equals_uninterrupted(tmp_path):
    full_model, full = _fit(6)
    ckpt = tmp_path / "ckpt.pt"
    _fit(3, checkpoint=ckpt)  # "interrupted" after 3 epochs
    # resuming: a new process would rebuild model and loader from the same seed, then continue
    resumed_model, resumed = _fit(6, checkpoint=ckpt)
    assert resumed.train_loss == pytest.approx(full.train_loss, rel=0, abs=0)
    assert torch.equal(resumed_model.weight, full_model.weight)


def test_early_stopping_restores_best_weights():
    seed_everything(0)
    X, y = _data()
    model = torch.nn.Linear(3, 1)
    # a validation set with the opposite relation: its loss rises as training proceeds
    loader = train.make_loader(X, y, batch_size=50, shuffle=True)
    val_loader = train.make_loader(X, -y, batch_size=50)
    hist = train.fit(model, loader, mse, val_loader=val_loader, epochs=50, lr=0.05, patience=3, progress=False)
    assert hist.stopped_early and len(hist.val_loss) < 50
    best = int(np.argmin(hist.val_loss))
    assert hist.best_epoch == best + 1
    with torch.no_grad():
        restored = float(torch.nn.functional.mse_loss(model(torch.tensor(X)), torch.tensor(-y)))
    assert restored == pytest.approx(hist.val_loss[best], rel=1e-5)


def test_predict_concatenates_batches():
    X, _ = _data(n=70)
    model = torch.nn.Linear(3, 2)
    out = train.predict(model, train.make_loader(X, batch_size=16))
    assert out.shape == (70, 2)
    assert np.allclose(out, model(torch.tensor(X)).detach().numpy(), atol=1e-6)


def test_mixed_precision_stays_within_stated_tolerance():
    """bfloat16 autocast on CPU (float16 on CUDA): final loss within 5% (relative) of full precision,
    weights within 0.05 of it. This is the tolerance the README states for ``amp=True``."""
    X, y = _data()
    results = {}
    for amp in (False, True):
        seed_everything(0)
        model = torch.nn.Linear(3, 1)
        loader = train.make_loader(X, y, batch_size=32, shuffle=True, seed=0)
        hist = train.fit(model, loader, mse, epochs=30, lr=0.05, progress=False, amp=amp)
        results[amp] = (hist.train_loss[-1], model.weight.detach().clone())
    assert results[True][0] == pytest.approx(results[False][0], rel=0.05, abs=2e-3)
    assert torch.allclose(results[True][1], results[False][1], atol=0.05)
    assert not torch.equal(results[True][1], results[False][1])  # autocast really changed the arithmetic


def test_convergence_flags_a_model_trained_for_zero_epochs_as_did_not_learn():
    import numpy as np
    import torch

    from genenets import train

    torch.manual_seed(0)
    X = torch.randn(256, 3)
    y = (X[:, 0] + 0.5 * torch.randn(256) > 0).float()  # noisy labels: the loss plateaus
    model = torch.nn.Linear(3, 1)
    loader = train.make_loader(X.numpy(), y.numpy(), batch_size=16)

    def loss(m, batch):
        return torch.nn.functional.binary_cross_entropy_with_logits(m(batch[0]).squeeze(1), batch[1])

    ref = train.no_learning_bce(y.numpy())
    assert abs(ref - np.log(2)) < 0.01
    h0 = train.fit(model, loader, loss, epochs=0, progress=False, no_learning_loss=ref)
    assert h0.status() == "did not learn" and h0.stop_reason == "not trained"
    h = train.fit(model, loader, loss, val_loader=loader, epochs=200, lr=0.05, patience=5, progress=False,
                  no_learning_loss=ref)
    assert h.status() == "converged" and h.stop_reason == "patience" and h.best_loss < 0.7 * ref
    capped = train.fit(torch.nn.Linear(3, 1), loader, loss, val_loader=loader, epochs=2, lr=0.05, patience=50,
                       progress=False, no_learning_loss=ref)
    assert capped.status() == "budget-limited"
    table = train.convergence_table({"capped": capped, "untrained": h0})
    assert list(table["status"]) == ["budget-limited", "did not learn"]


def test_no_learning_mse_is_the_training_mean_error():
    import numpy as np

    from genenets import train

    tr = np.array([[0.0, 1.0], [2.0, 3.0]])
    ev = np.array([[1.0, 2.0]])
    assert train.no_learning_mse(tr, ev) == 0.0
    assert train.no_learning_mse(tr) == 1.0


def test_an_unreadable_checkpoint_is_discarded_and_training_starts_over(tmp_path):
    import warnings

    import torch

    from genenets import train

    ckpt = tmp_path / "model.pt"
    ckpt.write_bytes(b"PK\x03\x04 truncated")
    X = torch.randn(32, 2)
    loader = train.make_loader(X.numpy(), batch_size=8)
    model = torch.nn.Linear(2, 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = train.fit(model, loader, lambda m, b: ((m(b[0]) - b[0]) ** 2).mean(), epochs=2, checkpoint=ckpt,
                      progress=False)
    assert any("unreadable" in str(w.message) for w in caught)
    assert len(h.train_loss) == 2 and ckpt.exists() and not (tmp_path / "model.pt.tmp").exists()


# ------------------------------------------------------------------------------------------------
# early stopping with a tolerance (min_delta): Keras / Lightning's absolute convention


class _Scripted(torch.nn.Module):
    """A one-weight model whose validation loss follows a script, one value per epoch (the training
    loss is a real one, so the optimizer steps); ``weight`` after epoch k says which epoch's weights are held."""

    def __init__(self, script):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.script, self.calls = list(script), 0

    def loss(self, model, batch):
        if model.training:
            return ((model.weight - 1000.0) ** 2).sum()  # SGD at lr 5e-4 moves the weight by ~1 an epoch
        value = self.script[min(self.calls, len(self.script) - 1)]
        self.calls += 1
        return torch.tensor(value, dtype=torch.float64)


def _scripted_fit(script, min_delta, patience=3, epochs=None):
    model = _Scripted(script)
    loader = train.make_loader(np.zeros((1, 1), np.float32), batch_size=1)
    val = train.make_loader(np.zeros((1, 1), np.float32), batch_size=1)
    hist = train.fit(model, loader, model.loss, val_loader=val, epochs=epochs or len(script), lr=0.0005,
                     optimizer="SGD", patience=patience, progress=False, min_delta=min_delta, no_learning_loss=2.0)
    return model, hist


def test_a_loss_creeping_below_min_delta_stops_by_patience():
    creep = [1.0, 0.9] + [0.9 - 1e-4 * k for k in range(1, 30)]  # 1e-4 an epoch after epoch 2
    model, hist = _scripted_fit(creep, min_delta=1e-3)
    # epochs 3-5 improve on the best (0.9) by less than 1e-3 each and together: patience 3 ends at epoch 5
    assert hist.stopped_early and len(hist.val_loss) == 5 and hist.stop_reason == "patience"
    assert hist.best_epoch == 2 and hist.best_loss == pytest.approx(0.9)
    assert hist.status() == "converged" and hist.min_delta == 1e-3
    # the restored weights are the best epoch's (2), not the last epoch's (5): the weight moved one step an epoch
    assert float(model.weight.detach()) == pytest.approx(2.0, abs=0.01)
    # without a tolerance the same creeping loss is an improvement every epoch: the cap ends it
    _, strict = _scripted_fit(creep, min_delta=0.0)
    assert not strict.stopped_early and strict.stop_reason == "cap" and strict.status() == "budget-limited"
    assert strict.best_epoch == len(creep)


def test_min_delta_compares_with_the_best_not_the_previous_epoch():
    # 4e-4 an epoch: no single epoch clears 1e-3, but three together do, so the best moves and patience resets
    creep = [1.0] + [1.0 - 4e-4 * k for k in range(1, 12)]
    _, hist = _scripted_fit(creep, min_delta=1e-3)
    assert not hist.stopped_early and hist.best_epoch == 10  # bests at epochs 1, 4, 7, 10 (each 1.2e-3 lower)


def test_min_delta_is_recorded_in_the_convergence_table_only_when_used():
    _, tol = _scripted_fit([1.0, 0.9, 0.9, 0.9, 0.9], min_delta=1e-4)
    _, plain = _scripted_fit([1.0, 0.9, 0.9, 0.9, 0.9], min_delta=0.0)
    assert list(train.convergence_table({"plain": plain}).columns) == [
        "model", "epochs_run", "epochs_cap", "best_epoch", "stop_reason", "best_loss", "no_learning_loss",
        "loss_ratio", "status"]  # unchanged for every fit without a tolerance
    table = train.convergence_table({"tol": tol, "plain": plain})
    assert table["min_delta"].tolist() == [1e-4, 0.0]
    assert tol.convergence("tol")["min_delta"] == 1e-4 and "min_delta" not in plain.convergence("plain")


def test_min_delta_must_be_a_non_negative_number():
    with pytest.raises(ValueError, match="min_delta"):
        _scripted_fit([1.0, 0.9], min_delta=-1e-4)
    with pytest.raises(ValueError, match="min_delta"):
        _scripted_fit([1.0, 0.9], min_delta=float("nan"))


def test_min_delta_zero_reproduces_the_old_history_bit_for_bit():
    """min_delta=0.0 (the default) is the loop as it was: the same losses, stop and weights as a fit that does
    not pass it, and the stop the old rule (any decrease is an improvement) gives on the recorded curve."""
    def run(**kw):
        seed_everything(0)
        X, y = _data()
        model = torch.nn.Linear(3, 1)
        loader = train.make_loader(X[:150], y[:150], batch_size=32, shuffle=True, seed=0)
        val = train.make_loader(X[150:], y[150:], batch_size=64)
        hist = train.fit(model, loader, mse, val_loader=val, epochs=60, lr=0.05, patience=2, progress=False, **kw)
        return model, hist

    m_default, h_default = run()
    m_zero, h_zero = run(min_delta=0.0)
    assert h_zero.train_loss == h_default.train_loss and h_zero.val_loss == h_default.val_loss
    assert (h_zero.best_epoch, h_zero.stopped_early) == (h_default.best_epoch, h_default.stopped_early)
    assert torch.equal(m_zero.weight, m_default.weight) and torch.equal(m_zero.bias, m_default.bias)
    assert h_zero.stopped_early  # the test exercises a stop, not only the cap
    # the old rule replayed on the recorded validation curve: a new best at any strictly lower loss
    best, since, best_epoch = float("inf"), 0, None
    for epoch, loss in enumerate(h_zero.val_loss, start=1):
        best, since, best_epoch = (loss, 0, epoch) if loss < best else (best, since + 1, best_epoch)
        if since >= 2:
            break
    assert (epoch, best_epoch) == (len(h_zero.val_loss), h_zero.best_epoch)
    assert list(train.convergence_table({"m": h_zero}).columns)[-1] == "status"

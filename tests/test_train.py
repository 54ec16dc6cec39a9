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

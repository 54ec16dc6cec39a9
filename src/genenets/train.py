"""The one training loop every model in the compendium uses.

A model is trained by :func:`fit` with a ``loss_fn(model, batch) -> scalar tensor`` that knows
how to read its batches, so the same loop serves autoencoders (batch = ``(x,)``), pair
classifiers (batch = ``(x, y)``) and graph networks (batch = a torch-geometric ``Data``).

Features: Adam (or any ``torch.optim`` optimizer by name), validation loss per epoch, optional
early stopping that restores the best weights, a checkpoint per epoch from which an interrupted
run resumes with the same result, and a tqdm progress bar.

Across processes and machines: launch the same script with ``torchrun``, call
:func:`init_distributed` first and build the training loader with ``make_loader(...,
distributed=True)``; ``fit`` then wraps the model in ``DistributedDataParallel`` (gloo on CPU,
nccl on GPU), averages the epoch losses over processes and writes checkpoints from rank 0 only.
Under DDP, ``loss_fn`` must call ``model(...)`` itself (not its submodules) so gradients are synchronized.
"""
from __future__ import annotations

import copy
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset
from tqdm.auto import tqdm

LossFn = Callable[[torch.nn.Module, object], torch.Tensor]


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


def init_distributed(backend: str | None = None) -> tuple[int, int]:
    """Join the process group started by ``torchrun`` (env:// rendezvous); return ``(rank, world_size)``.

    Without torchrun's environment this is a single process: ``(0, 1)``, nothing initialized.
    """
    import os

    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        return 0, 1
    if not is_distributed():
        dist.init_process_group(backend or ("nccl" if torch.cuda.is_available() else "gloo"))
    return dist.get_rank(), dist.get_world_size()


def make_loader(*arrays, batch_size: int = 256, shuffle: bool = False, seed: int = 0,
                dtype=torch.float32, distributed: bool = False) -> DataLoader:
    """A DataLoader over aligned arrays (first axis = samples).

    Parameters
    ----------
    *arrays : array-like, each of shape (n_samples, ...)
        Float arrays become ``dtype``; integer arrays stay integer (class labels).
    batch_size : int
    shuffle : bool
        Shuffle every epoch, reproducibly from ``seed``.
    distributed : bool
        Give each process of a ``torch.distributed`` group its share of every epoch
        (``DistributedSampler``; one process when no group is initialized). With the same
        ``seed``, one process with batch size ``k * b`` and ``k`` processes with ``b`` see the
        same samples per step, so their loss curves agree.
    """
    tensors = []
    for a in arrays:
        t = torch.as_tensor(np.asarray(a))
        tensors.append(t.to(dtype) if t.is_floating_point() or t.dtype == torch.bool else t)
    dataset = TensorDataset(*tensors)
    pin = torch.cuda.is_available()  # page-locked host memory speeds host-to-GPU copies
    if distributed:
        replicas, rank = (dist.get_world_size(), dist.get_rank()) if is_distributed() else (1, 0)
        sampler = DistributedSampler(dataset, num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed)
        return DataLoader(dataset, batch_size=batch_size, sampler=sampler, pin_memory=pin)
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator, pin_memory=pin)


def to_device(batch, device):
    """Move a batch (tensor, tuple/list of tensors, or an object with ``.to``) to ``device``."""
    if isinstance(batch, (tuple, list)):
        return type(batch)(to_device(b, device) for b in batch)
    if hasattr(batch, "to"):
        return batch.to(device, non_blocking=True) if isinstance(batch, torch.Tensor) else batch.to(device)
    return batch


#: A model whose best monitored loss is within this fraction of its no-learning loss "did not learn".
DID_NOT_LEARN_TOLERANCE = 0.05


@dataclass
class History:
    """Per-epoch losses of one :func:`fit` call, and how training ended.

    ``stop_reason`` is ``"patience"`` (early stopping ended it), ``"cap"`` (the epoch limit ended it
    while the monitored loss was still improving within the patience window, or without early
    stopping) or ``"not trained"``. ``no_learning_loss`` is the loss of a model that learned nothing
    (ln 2 for balanced binary cross-entropy, the training mean's error for a reconstruction); see
    :meth:`status`. ``min_delta`` is the early-stopping tolerance :func:`fit` used (0: any decrease of
    the monitored loss counted as an improvement).
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    epochs_cap: int | None = None
    no_learning_loss: float | None = None
    min_delta: float = 0.0  # a class default too: a History unpickled from an older checkpoint reads 0.0

    def to_frame(self) -> pd.DataFrame:
        df = pd.DataFrame({"epoch": np.arange(1, len(self.train_loss) + 1), "train_loss": self.train_loss})
        if self.val_loss:
            df["val_loss"] = self.val_loss
        return df

    @property
    def monitored(self) -> list[float]:
        return self.val_loss if self.val_loss else self.train_loss

    @property
    def best_loss(self) -> float | None:
        """Best monitored loss (validation if there is one): the weights ``fit`` restored."""
        if not self.monitored:
            return None
        if self.best_epoch is not None:
            return float(self.monitored[self.best_epoch - 1])
        return float(self.monitored[-1])

    @property
    def stop_reason(self) -> str:
        if not self.train_loss:
            return "not trained"
        return "patience" if self.stopped_early else "cap"

    def status(self, tolerance: float = DID_NOT_LEARN_TOLERANCE) -> str:
        """``"did not learn"`` (never trained, or best loss within ``tolerance`` of the no-learning
        loss), ``"budget-limited"`` (stopped by the epoch cap) or ``"converged"`` (early stopping)."""
        best = self.best_loss
        if best is None or not np.isfinite(best):
            return "did not learn"
        if self.no_learning_loss is not None and best >= (1 - tolerance) * self.no_learning_loss:
            return "did not learn"
        return "budget-limited" if self.stop_reason == "cap" else "converged"

    def convergence(self, model: str) -> dict:
        """One row of :func:`convergence_table` (with ``min_delta`` only when the fit used a tolerance,
        so the rows of fits without one are what they always were)."""
        best = self.best_loss
        ref = self.no_learning_loss
        row = {"model": model, "epochs_run": len(self.train_loss), "epochs_cap": self.epochs_cap,
               "best_epoch": self.best_epoch, "stop_reason": self.stop_reason, "best_loss": best,
               "no_learning_loss": ref,
               "loss_ratio": (best / ref) if (best is not None and ref) else None,
               "status": self.status()}
        if self.min_delta:
            row["min_delta"] = float(self.min_delta)
        return row


def convergence_table(histories) -> pd.DataFrame:
    """Table of how each model's training ended: ``histories`` is ``{name: History}``.

    Columns: model, epochs_run, epochs_cap, best_epoch, stop_reason, best_loss, no_learning_loss,
    loss_ratio (best / no-learning), status ("converged", "budget-limited", "did not learn"), and
    min_delta (the early-stopping tolerance of :func:`fit`) when any of the fits used one: a table of
    fits without a tolerance keeps exactly its former columns.
    """
    histories = dict(histories)
    columns = ["model", "epochs_run", "epochs_cap", "best_epoch", "stop_reason", "best_loss", "no_learning_loss",
               "loss_ratio", "status"]
    if any(h.min_delta for h in histories.values()):
        columns.append("min_delta")
    rows = [{"min_delta": 0.0, **h.convergence(str(name))} for name, h in histories.items()]
    return pd.DataFrame(rows, columns=columns)


def no_learning_bce(y) -> float:
    """Binary cross-entropy of predicting the class share of ``y`` (0/1 labels): ln 2 when balanced."""
    p = float(np.clip(np.mean(np.asarray(y, dtype=float)), 1e-12, 1 - 1e-12))
    return float(-(p * np.log(p) + (1 - p) * np.log(1 - p)))


def no_learning_mse(train, evaluate=None) -> float:
    """Mean squared error on ``evaluate`` (default ``train``) of predicting ``train``'s column means.

    ``train``, ``evaluate`` : arrays (n_samples, n_features).
    """
    train = np.asarray(train, dtype=float)
    evaluate = train if evaluate is None else np.asarray(evaluate, dtype=float)
    return float(np.mean((evaluate - train.mean(axis=0)) ** 2))


def _mean_loss(model, loader, loss_fn, device) -> float:
    model.eval()
    total, n = 0.0, 0
    with torch.no_grad():
        for batch in loader:
            batch = to_device(batch, device)
            size = _batch_size(batch)
            total += float(loss_fn(model, batch)) * size
            n += size
    return total / max(n, 1)


def _batch_size(batch) -> int:
    first = batch[0] if isinstance(batch, (tuple, list)) else batch
    if isinstance(first, torch.Tensor):
        return int(first.shape[0])
    return int(getattr(first, "num_nodes", 1) or 1)


def fit(model: torch.nn.Module, train_loader: Iterable, loss_fn: LossFn, *, val_loader: Iterable | None = None,
        epochs: int = 10, lr: float = 1e-3, optimizer: str = "Adam", optimizer_kwargs: dict | None = None,
        patience: int | None = None, device="cpu", checkpoint: str | Path | None = None,
        progress: bool = True, desc: str = "training", amp: bool = False,
        no_learning_loss: float | None = None, min_delta: float = 0.0) -> History:
    """Train ``model`` in place and return its loss history.

    Parameters
    ----------
    model : torch.nn.Module
    train_loader : iterable of batches
    loss_fn : callable ``(model, batch) -> scalar tensor``
        Mean loss over the batch; the loop weights it by batch size for epoch means.
    val_loader : iterable of batches, optional
        Validation loss each epoch (model in eval mode, no gradient).
    epochs, lr : int, float
    optimizer : str
        Name of a ``torch.optim`` class; ``optimizer_kwargs`` go to it (betas, eps, weight_decay).
    patience : int, optional
        Early stopping on the validation loss (or train loss without a validation set): training stops
        after ``patience`` epochs in a row without an improvement; the best weights are restored at the end.
    min_delta : float
        Early-stopping tolerance, absolute, in the monitored loss's own units: an epoch improves only when
        its loss is more than ``min_delta`` below the best so far. A smaller decrease neither resets the
        patience count nor becomes the new best (nor the weights restored at the end). This is the
        convention of Keras' and PyTorch Lightning's ``EarlyStopping(min_delta=...)`` ("an absolute change
        of less than min_delta will count as no improvement"); scikit-learn's MLP stops on the same kind of
        absolute test with its ``tol`` (default 1e-4: "not improving by at least tol"). The default 0.0 is
        the loop's behaviour before the tolerance existed, bit for bit (any decrease is an improvement), so
        no fit that does not ask for a tolerance changes. Recorded in the history
        (``History.min_delta``, a column of :func:`convergence_table` when non-zero).
    device : str or torch.device
    checkpoint : path, optional
        Saved after every epoch (model, optimizer, history). If it exists when ``fit`` starts, training
        resumes after its last epoch, so an interrupted run ends where an uninterrupted one would.
    progress : bool
        tqdm bar over epochs showing the latest losses.
    amp : bool
        Mixed precision: autocast to float16 on CUDA (with gradient scaling) or bfloat16 on CPU.
        Parameters and optimizer state stay float32; ``tests/test_train.py`` states the tolerance.
    no_learning_loss : float, optional
        The monitored loss of a model that learned nothing (:func:`no_learning_bce`,
        :func:`no_learning_mse`); stored in the history so :meth:`History.status` can say
        "did not learn". An epoch is always one full pass over ``train_loader``.
    """
    if not min_delta >= 0:  # also rejects NaN
        raise ValueError(f"min_delta must be a non-negative number (an absolute loss tolerance), got {min_delta!r}")
    device = torch.device(device)
    model.to(device)
    opt = getattr(torch.optim, optimizer)(model.parameters(), lr=lr, **(optimizer_kwargs or {}))
    distributed = is_distributed()
    rank = dist.get_rank() if distributed else 0
    if distributed:
        from torch.nn.parallel import DistributedDataParallel

        ddp = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    step_model = ddp if distributed else model
    amp_dtype = torch.float16 if device.type == "cuda" else torch.bfloat16
    scaler = torch.amp.GradScaler(device.type, enabled=amp and device.type == "cuda")
    history = History(epochs_cap=epochs, no_learning_loss=no_learning_loss, min_delta=float(min_delta))
    best_state, best_loss, since_best, start = None, float("inf"), 0, 0

    state = None
    if checkpoint is not None and Path(checkpoint).exists():
        try:
            state = torch.load(checkpoint, map_location=device, weights_only=False)
        except Exception as err:  # truncated or from another version: start over rather than fail
            warnings.warn(f"checkpoint {checkpoint} is unreadable ({type(err).__name__}: {err}); discarded, "
                          "training starts from the beginning", RuntimeWarning, stacklevel=2)
            Path(checkpoint).unlink(missing_ok=True)
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        history = state["history"]
        history.epochs_cap, history.no_learning_loss, history.min_delta = epochs, no_learning_loss, float(min_delta)
        best_state, best_loss, since_best = state["best_state"], state["best_loss"], state["since_best"]
        start = len(history.train_loss)
        torch.set_rng_state(state["torch_rng"])
        if state.get("loader_rng") is not None and getattr(train_loader, "generator", None) is not None:
            train_loader.generator.set_state(state["loader_rng"])

    bar = tqdm(range(start, epochs), desc=desc, disable=not progress or rank != 0, leave=False)
    for epoch in bar:
        sampler = getattr(train_loader, "sampler", None)
        if hasattr(sampler, "set_epoch"):  # DistributedSampler reshuffles per epoch
            sampler.set_epoch(epoch)
        step_model.train()
        total, n = 0.0, 0
        for batch in train_loader:
            batch = to_device(batch, device)
            opt.zero_grad()
            with torch.autocast(device.type, dtype=amp_dtype, enabled=amp):
                loss = loss_fn(step_model, batch)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            size = _batch_size(batch)
            total += float(loss.detach()) * size
            n += size
        if distributed:  # epoch loss over all processes' samples
            sums = torch.tensor([total, float(n)], dtype=torch.float64)
            dist.all_reduce(sums)
            total, n = float(sums[0]), int(sums[1])
        history.train_loss.append(total / max(n, 1))
        monitored = history.train_loss[-1]
        if val_loader is not None:
            history.val_loss.append(_mean_loss(model, val_loader, loss_fn, device))
            monitored = history.val_loss[-1]
            bar.set_postfix(train=f"{history.train_loss[-1]:.4g}", val=f"{monitored:.4g}")
        else:
            bar.set_postfix(train=f"{history.train_loss[-1]:.4g}")

        if patience is not None:
            if monitored < best_loss - min_delta:  # min_delta 0.0: `monitored < best_loss`, as before
                best_loss, since_best, history.best_epoch = monitored, 0, epoch + 1
                best_state = copy.deepcopy(model.state_dict())
            else:
                since_best += 1
        if checkpoint is not None and rank == 0:  # a temporary file renamed into place: never half a file
            tmp_checkpoint = Path(checkpoint).with_name(Path(checkpoint).name + ".tmp")
            torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "history": history,
                        "best_state": best_state, "best_loss": best_loss, "since_best": since_best,
                        "torch_rng": torch.get_rng_state(),
                        # the shuffle order of later epochs depends on the loader's generator
                        "loader_rng": (train_loader.generator.get_state()
                                       if getattr(train_loader, "generator", None) is not None else None)},
                       tmp_checkpoint)
            os.replace(tmp_checkpoint, checkpoint)
        if patience is not None and since_best >= patience:
            history.stopped_early = True
            break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return history


def predict(model: torch.nn.Module, loader: Iterable, forward: Callable | None = None, device="cpu") -> np.ndarray:
    """Run ``model`` in eval mode over ``loader`` and concatenate the outputs as a NumPy array.

    ``forward(model, batch)`` defaults to ``model(batch[0])``.
    """
    device = torch.device(device)
    model.to(device).eval()
    forward = forward or (lambda m, b: m(b[0]))
    outs = []
    with torch.no_grad():
        for batch in loader:
            outs.append(forward(model, to_device(batch, device)).detach().cpu().numpy())
    return np.concatenate(outs, axis=0)

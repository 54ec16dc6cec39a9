"""Train a small MLP with genenets.train.fit; under torchrun, with DistributedDataParallel.

    python ddp_fit.py OUT.json GLOBAL_BATCH              (one process)
    torchrun --nproc_per_node=2 ddp_fit.py OUT.json GLOBAL_BATCH   (two processes, gloo)

Each process gets GLOBAL_BATCH / world_size samples per step, so both runs take the same steps.
"""
import json
import sys

import numpy as np
import torch

from genenets import seed_everything, train


def main(out, global_batch):
    rank, world = train.init_distributed("gloo")
    torch.set_num_threads(1)
    seed_everything(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 8)).astype(np.float32)
    y = np.tanh(X @ rng.normal(size=(8, 1))).astype(np.float32)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    loader = train.make_loader(X, y, batch_size=global_batch // world, shuffle=True, seed=1, distributed=True)

    def loss_fn(m, batch):
        return torch.nn.functional.mse_loss(m(batch[0]), batch[1])

    hist = train.fit(model, loader, loss_fn, epochs=8, lr=0.01, progress=False)
    if rank == 0:
        json.dump({"world": world, "train_loss": hist.train_loss}, open(out, "w"))
    if train.is_distributed():
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))

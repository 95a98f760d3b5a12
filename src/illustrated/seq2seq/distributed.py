"""Training on several processes: what ``torchrun`` sets up, and the few collective steps we need.

Under ``torchrun --nproc_per_node N`` (or ``--nnodes M`` across machines) every process gets
``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE`` and a rendezvous address in its environment.
:func:`setup` joins the process group (gloo on CPU, NCCL on GPUs); the trainer then gives each
rank its share of every step's batches, and DistributedDataParallel sums the gradients. Rank 0
alone writes files. Without those variables everything here is a no-op for one process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

__all__ = ["World", "setup", "current", "teardown"]


@dataclass(frozen=True)
class World:
    """This process's place: ``rank`` of ``size`` processes (``size`` 1: no process group)."""

    rank: int = 0
    size: int = 1

    @property
    def main(self) -> bool:
        """Rank 0: the process that writes checkpoints, logs and output."""
        return self.rank == 0

    def all_sum(self, *values: float) -> list[float]:
        """Each value summed over all ranks (float64)."""
        if self.size == 1:
            return list(values)
        t = torch.tensor(values, dtype=torch.float64)
        dist.all_reduce(t)
        return t.tolist()

    def from_main(self, obj):
        """Rank 0's ``obj`` on every rank (so decisions made from rank 0's clock or validation agree)."""
        if self.size == 1:
            return obj
        box = [obj]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def gather(self, obj) -> list:
        """Every rank's ``obj``, in rank order, on every rank."""
        if self.size == 1:
            return [obj]
        out = [None] * self.size
        dist.all_gather_object(out, obj)
        return out

    def barrier(self) -> None:
        if self.size > 1:
            dist.barrier()


def current() -> World:
    """The world of the process group this process has joined (one process if none)."""
    if dist.is_available() and dist.is_initialized():
        return World(dist.get_rank(), dist.get_world_size())
    return World()


def setup() -> World:
    """Join the process group ``torchrun`` describes in the environment, if it describes one.

    Uses NCCL when CUDA is available (each process on GPU ``LOCAL_RANK``), gloo otherwise.
    """
    if dist.is_initialized():
        return current()
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return World()
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend)
    return current()


def teardown() -> None:
    """Leave the process group, if this process joined one."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()

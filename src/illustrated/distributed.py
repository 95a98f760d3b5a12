"""Training on several processes: what ``torchrun`` sets up, and the few collective steps we need.

Under ``torchrun --nproc_per_node N`` (or ``--nnodes M`` across machines) every process gets
``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE`` and a rendezvous address in its environment.
:func:`setup` joins the process group (gloo on CPU, NCCL on GPUs); each trainer then gives every
rank its share of the work (translation: of each step's batches, summed by
DistributedDataParallel; word2vec: of the corpus, the weights averaged every so many words).
Rank 0 alone writes files. Without those variables everything here is a no-op for one process,
and torch is not even imported: a word2vec run on one process does not pay for it.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .errors import TrainingError

__all__ = ["World", "setup", "current", "teardown", "local_processes"]


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
        import torch
        import torch.distributed as dist

        t = torch.tensor(values, dtype=torch.float64)
        with self._together("a sum"):
            dist.all_reduce(t)
        return t.tolist()

    def sum_(self, array: np.ndarray) -> np.ndarray:
        """Sum a C-contiguous NumPy array over all ranks, in place (no copy: torch shares its
        memory), and return it; every rank receives the same bits."""
        if self.size > 1:
            import torch
            import torch.distributed as dist

            with self._together("a sum"):
                dist.all_reduce(torch.from_numpy(array))
        return array

    def from_main(self, obj):
        """Rank 0's ``obj`` on every rank (so decisions made from rank 0's clock or validation agree)."""
        if self.size == 1:
            return obj
        import torch.distributed as dist

        box = [obj]
        with self._together("a broadcast"):
            dist.broadcast_object_list(box, src=0)
        return box[0]

    def gather(self, obj) -> list:
        """Every rank's ``obj``, in rank order, on every rank."""
        if self.size == 1:
            return [obj]
        import torch.distributed as dist

        out = [None] * self.size
        with self._together("a gather"):
            dist.all_gather_object(out, obj)
        return out

    def barrier(self) -> None:
        if self.size > 1:
            import torch.distributed as dist

            with self._together("a barrier"):
                dist.barrier()

    @contextlib.contextmanager
    def _together(self, what: str) -> Iterator[None]:
        """A collective step whose peers are gone (a process died or was stopped, a machine
        dropped off) becomes one line saying so, instead of the backend's traceback."""
        try:
            yield
        except RuntimeError as e:   # torch's DistBackendError and gloo's errors are RuntimeErrors
            raise TrainingError(
                f"process {self.rank} of {self.size} lost the others during {what} "
                f"({_reason(e)}): another process stopped (its own message says why), so the "
                "job stops; the same command with --resume continues from the last checkpoint"
            ) from None


def _reason(e: BaseException) -> str:
    """The first sentence of a backend's error, without its source location."""
    text = re.sub(r"^\[[^\]]*\]\s*", "", str(e).strip()).split(". ")[0]
    return (text.splitlines() or [type(e).__name__])[0][:160]


def current() -> World:
    """The world of the process group this process has joined (one process if none)."""
    if "torch.distributed" not in sys.modules:   # nothing imported torch: no group was joined
        return World()
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return World(dist.get_rank(), dist.get_world_size())
    return World()


def local_processes() -> int:
    """How many processes ``torchrun`` started on this machine (1 without torchrun)."""
    try:
        return max(int(os.environ.get("LOCAL_WORLD_SIZE", "1")), 1)
    except ValueError:
        return 1


def setup(backend: str | None = None) -> World:
    """Join the process group ``torchrun`` describes in the environment, if it describes one.

    ``backend`` None uses NCCL when CUDA is available (each process on GPU ``LOCAL_RANK``), gloo
    otherwise; word2vec, whose arrays live in the CPU's memory, asks for "gloo".
    """
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return current()
    import torch
    import torch.distributed as dist

    if dist.is_initialized():
        return current()
    if backend is None:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend)
    return current()


def teardown() -> None:
    """Leave the process group, if this process joined one."""
    if "torch.distributed" not in sys.modules:
        return
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()

"""Checkpoint averaging: the mean of the weights saved at the ends of the last N epochs.

Late in training the weights wander around a minimum; their average sits nearer its middle and
usually translates better than any one of them (Vaswani et al. 2017 averaged the last 5–20
checkpoints). Snapshots are weights only, written atomically into ``OUT/snapshots/`` and pruned
to the last N, so an interrupted run resumes with them.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch

from ..errors import FormatError
from .folder import load_torch, save_torch

__all__ = ["average_state_dicts", "save_snapshot", "snapshot_paths", "average_snapshots"]

_NAME = re.compile(r"^epoch-(\d+)\.pt$")


def average_state_dicts(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Element-wise mean of state dicts with the same keys and shapes (floating tensors; other
    tensors are taken from the last one). Accumulates in float64 so the order does not matter."""
    if not states:
        raise FormatError("no checkpoints to average")
    keys = list(states[-1])
    for i, s in enumerate(states):
        if list(s) != keys or any(s[k].shape != states[-1][k].shape for k in keys):
            raise FormatError(f"checkpoint {i + 1} of {len(states)} does not have the same weights as the others")
    out = {}
    for k in keys:
        last = states[-1][k]
        if last.is_floating_point():
            total = sum(s[k].double() for s in states)
            out[k] = (total / len(states)).to(last.dtype)
        else:
            out[k] = last.clone()
    return out


def snapshot_paths(folder: Path) -> list[Path]:
    """``folder/snapshots/epoch-N.pt`` files, oldest epoch first."""
    found = [(int(m.group(1)), p) for p in (Path(folder) / "snapshots").glob("epoch-*.pt")
             if (m := _NAME.match(p.name))]
    return [p for _, p in sorted(found)]


def save_snapshot(folder: Path, epoch: int, state: dict[str, torch.Tensor], keep: int) -> Path:
    """Write this epoch's weights and delete all but the newest ``keep`` snapshots."""
    path = Path(folder) / "snapshots" / f"epoch-{epoch}.pt"
    save_torch({"model": state, "epoch": epoch}, path)
    for old in snapshot_paths(folder)[:-keep]:
        old.unlink(missing_ok=True)
    return path


def average_snapshots(folder: Path, last: int) -> tuple[dict[str, torch.Tensor], list[int]]:
    """The average of the newest ``last`` snapshots, and their epochs."""
    paths = snapshot_paths(folder)[-last:]
    states, epochs = [], []
    for p in paths:
        ck = load_torch(p, "snapshot")
        states.append(ck["model"])
        epochs.append(int(ck["epoch"]))
    return average_state_dicts(states), epochs

"""Resumable item2vec training: the engine's state after every epoch, in a file of its own.

Training a recommender with a checkpoint path (``recommend train -o MODEL.npz`` uses
``MODEL.checkpoint.npz``) rewrites that file atomically after every epoch: a resumable
:class:`~illustrated.word2vec.Word2Vec` model (weights, counters and configuration) that also
records a fingerprint of the training sessions and the item2vec settings. Resuming from it on the
same sessions with the same settings continues with exactly the updates the uninterrupted run
would have made (one thread and a seed give bit-identical vectors; see :mod:`illustrated.word2vec`),
so a run killed at any moment ends, once resumed, with the same model file. The command removes the
checkpoint once the model file is written.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from ..errors import ConfigError
from .config import Item2VecConfig

__all__ = ["checkpoint_path", "sessions_fingerprint", "training_model"]


def checkpoint_path(output: str | os.PathLike) -> Path:
    """Where ``recommend train -o OUTPUT`` keeps its training state: ``STEM.checkpoint.npz``."""
    p = Path(output)
    return p.with_name(f"{p.stem}.checkpoint.npz")


def sessions_fingerprint(sessions: Sequence[Sequence[str]]) -> str:
    """A hash of the sessions in order (every item id, and where each session ends)."""
    h = hashlib.blake2b(digest_size=16)
    for s in sessions:
        h.update("\x1f".join(s).encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
    return h.hexdigest()


def _identity(sessions: Sequence[Sequence[str]], config: Item2VecConfig) -> dict:
    """What a checkpoint must agree on to be resumed: the sessions and every setting that shapes
    the model (the thread count does not, so it may change)."""
    settings = {k: v for k, v in asdict(config).items() if k != "threads"}
    return {"sessions": len(sessions), "fingerprint": sessions_fingerprint(sessions),
            "item2vec": settings}


def training_model(sessions: Sequence[Sequence[str]], config: Item2VecConfig, longest: int,
                   checkpoint: str | os.PathLike | None = None, resume: bool = False):
    """The engine to train: resumed from ``checkpoint`` when ``resume`` and the file exists, else
    a new one (its vocabulary built now, so the checkpoints it writes carry the sessions' identity).

    A checkpoint made from other sessions or settings is a :class:`ConfigError` (continuing it
    would silently mix two trainings).
    """
    from ..word2vec import Word2Vec

    engine = config.word2vec_config(longest)
    if checkpoint is None:
        return Word2Vec(engine)
    identity = _identity(sessions, config)
    path = Path(checkpoint)
    if resume and path.exists():
        model = Word2Vec.load(path)
        saved = model.corpus_source or {}
        if saved != identity:
            what = ("sessions" if saved.get("fingerprint") != identity["fingerprint"]
                    else "settings")
            raise ConfigError(f"{path}: made from other {what} than these; --resume continues "
                              "only the same training (remove the checkpoint to start afresh)")
        model.config.threads = engine.threads
        return model
    model = Word2Vec(engine)
    model.build_vocab(sessions)
    model.corpus_source = identity
    return model

"""The model a running service answers from, and replacing it while requests keep coming.

A :class:`LiveModel` holds one loaded :class:`~.item2vec.Recommender` at a time. A request reads
:attr:`LiveModel.current` once and answers from that model to the end, so a reload never mixes
two models inside one answer and never makes a request wait. :meth:`LiveModel.reload` reads the
model file again (the same path), checks it as :meth:`Recommender.load` does and asks it one
query, and only then puts it in place: from that moment every new request sees the new items. A
file that fails any check is refused with one log line and the old model goes on serving.

Changes made while serving (for instance items added through an endpoint) go through
:meth:`LiveModel.edit`, which holds the same lock as a reload, so the two never interleave; a
function registered with :meth:`LiveModel.after_load` is applied to every model a reload reads
before it goes live (to carry such changes over to the re-read file).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import IllustratedError
from .item2vec import Recommender

__all__ = ["LiveModel", "Reload"]

log = logging.getLogger("illustrated.service")


@dataclass
class Reload:
    """What one reload did: ``ok``, the items now served, a one-line ``message``, seconds spent."""

    ok: bool
    items: int
    message: str
    seconds: float


class LiveModel:
    """The recommender being served, replaceable at run time by the file it was read from.

    Args:
        model: the loaded recommender.
        path: the model file (None: a model built in memory, which cannot be reloaded).
        loader: reads and checks a file (default :meth:`Recommender.load`).
    """

    def __init__(self, model: Recommender, path: str | os.PathLike | None = None,
                 loader: Callable[[Path], Recommender] = Recommender.load) -> None:
        self._model = model
        self.path = None if path is None else Path(path)
        self._loader = loader
        self._lock = threading.Lock()        # the served model changes under it
        self._reloading = threading.Lock()   # one reload at a time
        self._hooks: list[Callable[[Recommender], Recommender | None]] = []
        self._listeners: list[Callable[[Reload], None]] = []
        self.loaded_at = time.time()

    @classmethod
    def load(cls, path: str | os.PathLike) -> "LiveModel":
        """Read ``path`` (a :class:`FormatError` naming it when it is not a good model)."""
        return cls(Recommender.load(path), path)

    @property
    def current(self) -> Recommender:
        """The model to answer a request from (read it once per request)."""
        return self._model

    def after_load(self, hook: Callable[[Recommender], Recommender | None]) -> None:
        """Apply ``hook`` to each model a reload reads, before it is served (it may return a
        replacement); an exception from it refuses the reload like a failed check."""
        self._hooks.append(hook)

    def on_reload(self, listener: Callable[[Reload], None]) -> None:
        """Call ``listener`` with the outcome of every reload (metrics, logs)."""
        self._listeners.append(listener)

    def edit(self, change: Callable[[Recommender], Recommender | None]) -> Recommender:
        """Apply ``change`` to the served model under the reload lock; returns the model now
        served (``change``'s return value when it gives one, else the same model)."""
        with self._lock:
            new = change(self._model)
            if new is not None:
                self._model = new
            return self._model

    def reload(self) -> Reload:
        """Read the model file again, check it, and serve it; on any failure keep the old one.

        Safe to call from any thread while requests are answered. Reloads are serialised; the
        file is read without holding up :meth:`edit`, which waits only for the hooks and the swap.
        """
        start = time.perf_counter()
        with self._reloading:
            try:
                if self.path is None:
                    raise IllustratedError("the served model was not read from a file")
                new = self._loader(self.path)
                with self._lock:
                    self._model, self.loaded_at = self._checked(new), time.time()
                    new = self._model
            except Exception as e:   # whatever went wrong, the old model keeps serving
                old = len(self._model)
                outcome = Reload(False, old, f"reload refused, still serving the previous model "
                                 f"({old:,} items): {_one_line(e)}", time.perf_counter() - start)
                log.error(outcome.message)
            else:
                seconds = time.perf_counter() - start
                outcome = Reload(True, len(new), f"reloaded {self.path} in {seconds:.2f} s: "
                                 f"{len(new):,} items, {new.index.kind} index", seconds)
                log.info(outcome.message)
        for listener in self._listeners:
            listener(outcome)
        return outcome

    def _checked(self, model: Recommender) -> Recommender:
        """``model`` after the reload hooks, once it has answered one query."""
        for hook in self._hooks:
            model = hook(model) or model
        first = model.vectors.keys[0]
        model.similar(first, min(10, len(model)))   # the index answers before it is trusted
        return model


def _one_line(e: BaseException) -> str:
    text = str(e).strip().replace("\n", " ") or type(e).__name__
    return text if isinstance(e, IllustratedError) else f"{type(e).__name__}: {text}"

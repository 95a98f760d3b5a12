"""Training word2vec: the vocabulary, the weights, the corpus in chunks, and the model file.

The corpus is streamed (one pass per epoch, never the whole file in memory) as chunks of ``int32``
ids; the worker threads of :mod:`.workers` run the compiled kernel on them. Each chunk carries its
own learning-rate range and random seed (:mod:`.schedule`: from the config seed, the epoch and the
chunk's position), so one thread with a seed reproduces exactly, and a run resumed from a
checkpoint continues as if it had never stopped. The model hands the run three things only: the
kernel with its arguments (:class:`.kernels.WordKernel`), the schedule and its chunks.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from ..distributed import World, current
from ..errors import ConfigError, FormatError, IllustratedError, TrainingError
from ..files import Pending, all_finite, check_writable
from ..text import Vocab
from ..text.vocab import check_tokens
from . import tables
from .config import Word2VecConfig
from .averaging import ModelAveraging
from .formats import format_of, read_npz, write_npz
from .reader import count_words, fast_reader, plain_corpus
from .schedule import Schedule, chunk_seed
from .shards import merged_counts, share
from .sources import check_same_corpus, source_of
from .vectors import KeyedVectors
from .workers import TrainingRun

__all__ = ["Word2Vec"]

CHUNK_WORDS = 50_000


class Word2Vec:
    """A word2vec model: skip-gram or CBOW, negative sampling and/or hierarchical softmax.

    ``model.wv`` holds the input vectors (the embeddings); ``syn1neg`` / ``syn1`` the output
    weights that continued training needs. ``corpus_words`` is the number of tokens in one pass
    over the corpus; ``epochs_done`` counts the finished epochs of the current schedule and
    ``epochs_total`` every epoch ever trained.
    """

    def __init__(self, config: Word2VecConfig | None = None) -> None:
        self.config = config if config is not None else Word2VecConfig()
        self.config.validate()
        self.wv: KeyedVectors | None = None
        self.syn1neg: np.ndarray | None = None
        self.syn1: np.ndarray | None = None
        self.corpus_words = 0
        self.epochs_done = 0
        self.epochs_total = 0
        self.last_loss: float | None = None
        self.corpus_source: dict | None = None  # {"file", "bytes"} of the Corpus file trained on
        self._tables: dict | None = None
        self._reader = None

    def __repr__(self) -> str:
        c = self.config
        size = len(self.wv) if self.wv is not None else 0
        return (f"Word2Vec({'skip-gram' if c.sg else 'CBOW'}, {size} words, dim {c.dim}, "
                f"{self.epochs_done}/{c.epochs} epochs)")

    # ---- vocabulary and weights -------------------------------------------------------------
    def build_vocab(self, sentences: Iterable[Sequence[str]], world: World | None = None) -> None:
        """Count the corpus once, keep words by ``min_count``/``max_vocab``, initialise weights.

        With a ``world`` of several processes ``sentences`` is this process's share: the counts
        of every share are merged, so every process holds the same vocabulary and weights."""
        c = self.config
        if world is not None and world.size > 1:
            counts, n_tokens = merged_counts(sentences, world)
            vocab = Vocab.from_counts(counts, min_count=c.min_count, max_size=c.max_vocab,
                                      specials=())
            total = [n_tokens]
        elif plain_corpus(sentences):
            counts, n_tokens = count_words(sentences, c.min_count)
            vocab = Vocab.from_counts(counts, min_count=c.min_count, max_size=c.max_vocab,
                                      specials=())
            total = [n_tokens]
        else:
            total = [0]

            def counted() -> Iterator[Sequence[str]]:
                for sentence in sentences:
                    total[0] += len(sentence)
                    yield sentence

            vocab = Vocab.build(counted(), min_count=c.min_count, max_size=c.max_vocab,
                                specials=())
        rng = np.random.default_rng(c.seed)
        n = len(vocab)
        try:
            vectors = rng.random((n, c.dim), dtype=np.float32)  # in place: no temporary copies
            self.syn1neg = np.zeros((n, c.dim), np.float32) if c.negative else None
            self.syn1 = np.zeros((max(n - 1, 1), c.dim), np.float32) if c.hs else None
        except MemoryError:
            raise TrainingError(f"not enough memory for the weights of {n:,} words × dim "
                                f"{c.dim:,} ({n * c.dim * 4 / 2**30:,.1f} GiB per matrix); "
                                "lower dim or max_vocab") from None
        vectors -= 0.5
        vectors /= c.dim
        self.wv = KeyedVectors(vocab.itos, vectors, vocab.counts)
        self.corpus_words = total[0]
        self.epochs_done = self.epochs_total = 0
        self._tables = self._reader = None

    def _kernel_tables(self) -> dict:
        if self._tables is None:
            c = self.config
            counts = self.wv.counts
            prob, alias = tables.alias_table(tables.noise_distribution(counts, c.ns_exponent))
            if c.hs:
                codes, points, lens = tables.huffman(counts)
            else:
                codes, points, lens = (np.zeros((1, 0), np.uint8), np.zeros((1, 0), np.int32),
                                       np.zeros(1, np.int32))
            self._tables = dict(keep=tables.keep_probabilities(counts, c.sample),
                                noise=tables.alias_pack(prob, alias), codes=codes, points=points, code_lens=lens)
        return self._tables

    # ---- training ---------------------------------------------------------------------------
    def train(self, sentences: Iterable[Sequence[str]], progress: bool = True,
              log_path: str | os.PathLike | None = None, epochs: int | None = None,
              checkpoint: str | os.PathLike | None = None, world: World | None = None) -> "Word2Vec":
        """Train on ``sentences`` (a re-iterable of token lists), building the vocabulary first.

        Runs the rest of the ``config.epochs`` schedule (a fresh schedule when it is complete, so
        calling ``train`` again continues training); ``epochs`` stops after that many epochs.
        ``checkpoint`` (a ``.npz`` path) is rewritten atomically after every epoch, so an
        interrupted run can be loaded and resumed. ``log_path`` gets JSON lines
        ``{"epoch", "words", "progress", "alpha", "loss", "words_per_s", "train_s"}`` about once a
        second (``train_s``: seconds since this call started training, after the vocabulary).

        Under ``torchrun`` (``world``: the joined process group by default) every process trains
        its share of ``sentences`` (:func:`.shards.share`) and the weights are averaged every
        ``config.sync_words`` of each process's words and at each epoch's end
        (:mod:`.averaging`); the progress, loss and log count the whole job, and rank 0 alone
        shows progress and writes the log and the checkpoint.
        """
        if iter(sentences) is sentences:
            raise IllustratedError("sentences must be re-iterable (a list or a Corpus), not a "
                                   "one-shot iterator: training reads them once per epoch")
        world = world if world is not None else current()
        if not world.main:
            checkpoint = log_path = None
            progress = False
        if checkpoint is not None:
            if format_of(checkpoint) != "npz":
                raise IllustratedError(f"{checkpoint}: a checkpoint must be a .npz file")
            check_writable(checkpoint, "checkpoint")
        if log_path is not None:
            check_writable(log_path, "training log")
        local = share(sentences, world)
        if self.wv is None:
            self.build_vocab(local, world)
            self.corpus_source = source_of(sentences) or {}   # {}: sentences in memory
        else:
            self.check_corpus(sentences)
        c = self.config
        if self.epochs_done >= c.epochs:
            self.epochs_done = 0
        last = c.epochs if epochs is None else min(c.epochs, self.epochs_done + epochs)
        run = self._run(local, world, (last - self.epochs_done) * self.corpus_words, log_path,
                        progress)
        first = self.epochs_done
        pending = None   # the last checkpoint, on its way to the disk while the next epoch trains
        try:
            for epoch in range(self.epochs_done, last):
                words = run.epoch(epoch, self.epochs_total)
                self._check_finite(epoch)
                if epoch == first and run.epoch_loss() is None and \
                        not world.all_sum(float(self._has_pairs(local)))[0]:
                    raise TrainingError(
                        f"epoch {epoch + 1} trained no word pairs: no sentence holds two known "
                        "words (after min_count); nothing was saved — a corpus needs several "
                        "words a line")
                if words != self.corpus_words and epoch == self.epochs_done:
                    self.corpus_words = words  # the corpus changed since the vocabulary was built
                    run.schedule = self.schedule()
                self.epochs_done = epoch + 1
                self.epochs_total += 1
                self.last_loss = run.epoch_loss()  # the last checkpoint is the finished model
                if checkpoint is not None:
                    if pending is not None:
                        pending.wait()
                    pending = self.save(checkpoint, wait=False)
        finally:
            run.close()
            if pending is not None:
                pending.wait()
        self.last_loss = run.epoch_loss()
        self.wv.invalidate()
        return self

    def _run(self, local, world: World, total_words: int, log_path, progress: bool) -> TrainingRun:
        """The run that trains this model's kernel on ``local`` (this process's share), its
        weights averaged with the other processes' when there are several."""
        c = self.config
        kernel = self.kernel()
        averaging = (ModelAveraging(kernel.weights(), world, c.sync_merge, c.sync_rows,
                                    kernel.row_order()) if world.size > 1 else None)
        return TrainingRun(kernel, self.schedule(), lambda: self.chunks(local),
                           threads=c.threads, settings=self.settings(), total_words=total_words,
                           log_path=log_path, progress=progress, averaging=averaging,
                           sync_words=c.sync_words)

    def check_corpus(self, sentences: Iterable[Sequence[str]]) -> None:
        """Raise a :class:`ConfigError` when continued training on ``sentences`` would use a
        vocabulary built from other ones (see :func:`.sources.check_same_corpus`); ``train`` calls it."""
        check_same_corpus(self, sentences)

    def _has_pairs(self, sentences: Iterable[Sequence[str]]) -> bool:
        """Whether some sentence holds two known words (one more pass, made only when an epoch
        trained nothing: subsampling a tiny corpus can do that, a word list always does)."""
        for ids, offsets, _ in self.chunks(sentences):
            known = np.concatenate([[0], np.cumsum(ids >= 0)])
            if (np.diff(known[offsets]) >= 2).any():
                return True
        return False

    def loss(self, sentences: Iterable[Sequence[str]], seed: int = 0) -> float:
        """Mean loss per prediction of the current weights on ``sentences``, without training.

        The same predictions training makes (subsampling, windows, noise words drawn with
        ``seed``), scored at learning rate 0, so two calls with one seed score the same pairs.
        The running loss of training is measured while the weights move; this one is not, so it
        is the figure to compare between epochs or against held-out sentences.
        """
        if self.wv is None:
            raise IllustratedError("the model has no vocabulary yet: train it first")
        total, count = 0.0, 0
        kernel = self.kernel()
        for i, (ids, offsets, _) in enumerate(self.chunks(sentences)):
            stats = kernel.train(ids, offsets, 0.0, 0.0, chunk_seed(seed, 0, i))
            total += stats.loss
            count += stats.loss_count
        if not count:
            raise IllustratedError("no predictions to score: the sentences hold no known word pairs")
        return total / count

    def kernel(self):
        """The training kernel with this model's weights, tables and settings
        (a :class:`.kernels.WordKernel`; it trains the model's arrays in place)."""
        from .kernels import WordKernel

        c = self.config
        t = self._kernel_tables()
        empty = np.zeros((0, c.dim), np.float32)
        return WordKernel(syn0=self.wv.vectors,
                          syn1neg=self.syn1neg if self.syn1neg is not None else empty,
                          syn1=self.syn1 if self.syn1 is not None else empty,
                          keep=t["keep"], noise=t["noise"], codes=t["codes"], points=t["points"],
                          code_lens=t["code_lens"], sg=c.sg, hs=c.hs, negative=c.negative,
                          window=c.window, shrink=c.shrink_windows, share=c.cbow_noise_share,
                          budget=c.context_budget)

    def schedule(self) -> Schedule:
        """The learning rates and chunk seeds of training on this model's corpus."""
        c = self.config
        return Schedule(alpha=c.alpha, min_alpha=c.min_alpha, epochs=c.epochs,
                        corpus_words=self.corpus_words, seed=c.seed)

    def _check_finite(self, epoch: int, where: str = "") -> None:
        """Raise :class:`TrainingError` if any weight is NaN or infinite (one pass over them)."""
        for name, w in (("vectors", self.wv.vectors), ("syn1neg", self.syn1neg), ("syn1", self.syn1)):
            if w is not None and not all_finite(w):
                bad = int((~np.isfinite(w).all(axis=1)).sum())
                raise TrainingError(f"training diverged in epoch {epoch + 1}{where}: {bad:,} rows of "
                                    f"{name} are not finite ({self.settings()}); nothing was saved — "
                                    "lower alpha or the window")

    def settings(self) -> str:
        """The settings that shape the size of each update, for error messages."""
        c = self.config
        return (f"{'skip-gram' if c.sg else 'CBOW'}, dim {c.dim}, window {c.window}, negative "
                f"{c.negative}, hs {c.hs}, alpha {c.alpha}, ns_exponent {c.ns_exponent}, "
                f"epochs {c.epochs}")

    def chunks(self, sentences: Iterable[Sequence[str]],
               chunk_words: int = CHUNK_WORDS) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
        """Yield ``(ids int32 [n], offsets int64 [s+1], n)`` blocks of about ``chunk_words`` tokens;
        unknown tokens get id -1 (the kernel skips them). A whitespace-split ``Corpus`` file takes
        the compiled fast path (:mod:`.reader`), anything else this Python one."""
        limit = self.config.max_sentence_length
        if self._reader is None or self._reader.corpus is not sentences:
            self._reader = fast_reader(sentences, self.wv.keys, limit)
        if self._reader is not None:
            yield from self._reader.chunks()
            return
        get = self.wv.key_to_index.get
        buf: list[str] = []
        lens: list[int] = []
        for sentence in sentences:
            check_tokens(sentence)
            if len(sentence) > limit:
                for start in range(0, len(sentence), limit):
                    piece = sentence[start:start + limit]
                    buf.extend(piece)
                    lens.append(len(piece))
            else:
                buf.extend(sentence)
                lens.append(len(sentence))
            if len(buf) >= chunk_words:
                yield _pack(buf, lens, get)
                buf, lens = [], []
        if buf:
            yield _pack(buf, lens, get)

    # ---- files ------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike, wait: bool = True) -> Pending | None:
        """Write the resumable native ``.npz`` (vectors, output weights, counts, config, state).

        With ``wait=False`` the weights are written when this returns, but the file's flush to
        the disk and its rename into place are left to the returned :class:`~..files.Pending`."""
        if self.wv is None:
            raise IllustratedError("cannot save a model that has no vocabulary yet")
        if format_of(path) != "npz":
            raise FormatError(f"{path}: a resumable model is saved as .npz; use model.wv.save() "
                              "for the word2vec .bin/.txt formats")
        arrays = {"vectors": self.wv.vectors, "counts": self.wv.counts}
        if self.syn1neg is not None:
            arrays["syn1neg"] = self.syn1neg
        if self.syn1 is not None:
            arrays["syn1"] = self.syn1
        state = {"corpus_words": self.corpus_words, "epochs_done": self.epochs_done,
                 "epochs_total": self.epochs_total, "last_loss": self.last_loss,
                 "corpus": self.corpus_source}
        return write_npz(path, arrays, {"kind": "model", "keys": self.wv.keys,
                                        "config": self.config.to_dict(), "state": state},
                         wait=wait)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Word2Vec":
        """Read a model written by :meth:`save`; training can continue where it stopped."""
        if format_of(path) != "npz":
            raise FormatError(f"{path}: only a .npz model can be resumed; "
                              "use KeyedVectors.load for .bin/.txt vectors")
        arrays, meta = read_npz(path)
        if meta.get("kind") != "model":
            raise FormatError(f"{path}: holds vectors only, not a resumable model "
                              "(load it with KeyedVectors.load)")
        if not isinstance(meta.get("config"), dict) or "counts" not in arrays:
            raise FormatError(f"{path}: corrupted: a model file needs its config and counts")
        try:
            model = cls(Word2VecConfig.from_dict(meta["config"]))
        except (ConfigError, TypeError) as e:
            raise FormatError(f"{path}: corrupted config: {e}") from None
        n, dim = arrays["vectors"].shape
        c = model.config
        expected = {"syn1neg": (n, dim) if c.negative else None,
                    "syn1": (max(n - 1, 1), dim) if c.hs else None}
        if dim != c.dim or any((arrays[k].shape if k in arrays else None) != shape
                               for k, shape in expected.items()):
            raise FormatError(f"{path}: corrupted: weight shapes do not match the config")
        model.wv = KeyedVectors(meta["keys"], arrays["vectors"], arrays["counts"])
        model.syn1neg = arrays.get("syn1neg")
        model.syn1 = arrays.get("syn1")
        model._load_state(path, meta.get("state", {}))
        return model

    def _load_state(self, path: str | os.PathLike, state: object) -> None:
        """Counters and the corpus's identity from a model file's ``state`` document."""
        try:
            self.corpus_words = int(state.get("corpus_words", 0))
            self.epochs_done = int(state.get("epochs_done", self.config.epochs))
            self.epochs_total = int(state.get("epochs_total", self.epochs_done))
            loss = state.get("last_loss")
            self.last_loss = None if loss is None else float(loss)
        except (AttributeError, TypeError, ValueError):
            raise FormatError(f"{path}: corrupted: the training state is not valid") from None
        if min(self.corpus_words, self.epochs_done, self.epochs_total) < 0:
            raise FormatError(f"{path}: corrupted: negative counters in the training state")
        source = state.get("corpus")
        self.corpus_source = source if isinstance(source, dict) else None


def _pack(buf: list[str], lens: list[int], get) -> tuple[np.ndarray, np.ndarray, int]:
    ids = np.fromiter(map(get, buf, itertools.repeat(-1)), dtype=np.int32, count=len(buf))
    offsets = np.zeros(len(lens) + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    return ids, offsets, len(buf)

"""Each process's share of a corpus, and the vocabulary counted over every share.

Under ``torchrun`` every rank reads only its share of the corpus:

* one uncompressed file: a span of its bytes, ``size / n`` long, starting at a line start
  (:func:`illustrated.text.corpus.line_start`);
* several files (a folder, or a list of shards): whole files, a run of consecutive files each
  (:func:`file_share`); a compressed file cannot be read from the middle, so it is always
  shared this way;
* sentences in memory (a list): consecutive runs of sentences of about equal token counts.

Rank order is corpus order in every case, so merging the shares' counts in rank order
(:func:`merged_counts`) gives the counts of the whole corpus in order of first appearance —
the same vocabulary, with ties in the same order, as one process counting it all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from ..errors import CorpusError
from ..text import Corpora, Corpus
from ..text.corpus import compressed, line_start
from ..text.vocab import check_tokens
from .reader import count_words, plain_corpus

__all__ = ["share", "file_share", "describe", "accuracy_warning", "merged_counts"]


def share(sentences, world):
    """This process's share of ``sentences`` (all of it for one process).

    Raises :class:`CorpusError` when the corpus cannot be shared between ``world.size``
    processes: a single compressed file, fewer files than processes, lists of files that differ
    between processes (a collective check), or a share with nothing in it."""
    if world.size == 1:
        return sentences
    rank, n = world.rank, world.size
    if isinstance(sentences, Corpus):
        return _span(sentences, rank, n)
    if isinstance(sentences, Corpora):
        _same_files(sentences, world)
        return file_share(sentences, rank, n)
    if isinstance(sentences, Sequence):
        bounds = _balanced(sentences, n)
        if bounds[rank] == bounds[rank + 1]:
            raise CorpusError(f"{len(sentences):,} sentences cannot be shared between {n} "
                              "processes: a process would get none")
        return sentences[bounds[rank]:bounds[rank + 1]]
    raise CorpusError(f"{type(sentences).__name__}: a stream of sentences cannot be shared "
                      "between processes; give a Corpus, Corpora or a list")


def file_share(corpora: Corpora, rank: int, n: int) -> Corpora:
    """Process ``rank``'s of ``n`` shares of ``corpora``: its run of consecutive files, files
    ``⌊rank·F/n⌋`` to ``⌊(rank+1)·F/n⌋ − 1`` of ``F``."""
    count = len(corpora)
    if count < n:
        raise CorpusError(
            f"{count} corpus files for {n} processes: each process reads whole "
            f"files, so give at least {n} (or one uncompressed file, which is split by bytes)")
    return corpora.subset(range(rank * count // n, (rank + 1) * count // n))


def _same_files(corpora: Corpora, world) -> None:
    """Refuse lists of files that differ between the processes (each machine lists its own
    folder): they would train some files twice and others never."""
    names = world.gather([str(p) for p in corpora.paths])
    other = next((r for r, x in enumerate(names) if x != names[world.rank]), None)
    if other is not None:
        raise CorpusError(
            f"the processes were given different corpus files (process {world.rank}: "
            f"{len(names[world.rank])} files, process {other}: {len(names[other])}): give every "
            "machine the same list of files, in the same order")


def describe(sentences, world) -> str:
    """One line saying how ``sentences`` is shared between the processes."""
    n = world.size
    if isinstance(sentences, Corpus):
        return (f"{n} processes: each reads its 1/{n} of {sentences.path.name}'s bytes, "
                "starting at a line")
    if isinstance(sentences, Corpora):
        packed = [p.name for p in sentences.paths if compressed(p)]
        note = (f" ({len(packed)} compressed: compressed files cannot be split, so every file "
                "goes whole to one process)") if packed else ""
        return f"{n} processes: each reads its run of about 1/{n} of the {len(sentences)} files{note}"
    return f"{n} processes: each trains on its run of about 1/{n} of the sentences"


def accuracy_warning(processes: int) -> str | None:
    """A line for the user when more processes train than merging keeps accurate, else None.

    Measured on wiki-AA at the defaults: two processes score within 0.2 analogy points of one,
    four lose 17 to 19 (every frequent row receives four changes made from the same weights)."""
    if processes <= 2:
        return None
    return (f"warning: {processes} processes: beyond 2 the merged model loses accuracy (4 "
            "processes lost 17-19 analogy points on wiki-AA at the defaults); on one machine "
            "use --threads instead, and check the model against a one-process run")


def _span(corpus: Corpus, rank: int, n: int) -> Corpus:
    if compressed(corpus.path):
        raise CorpusError(
            f"{corpus.path}: a compressed file cannot be split between {n} processes (it cannot "
            f"be read from the middle); decompress it, or give at least {n} files (a folder or "
            "a list of shards), which are shared by file")
    lo, hi = corpus.span or (0, corpus.size_on_disk)
    size = hi - lo
    start = line_start(corpus.path, lo + size * rank // n, hi) if rank else lo
    end = line_start(corpus.path, lo + size * (rank + 1) // n, hi) if rank + 1 < n else hi
    if start >= end:
        raise CorpusError(f"{corpus.path}: too small to share between {n} processes: "
                          f"process {rank} gets no line of it")
    return Corpus(corpus.path, corpus.tokenize, corpus.max_sentence_length, corpus.encoding,
                  span=(start, end))


def _balanced(sentences: Sequence, n: int) -> list[int]:
    """``n + 1`` sentence indices cutting ``sentences`` into runs of about equal token counts."""
    ends = np.cumsum([len(s) for s in sentences], dtype=np.int64)
    total = int(ends[-1]) if len(ends) else 0
    cuts = [int(np.searchsorted(ends, total * k / n, side="left")) + 1 for k in range(1, n)]
    return [0, *(min(c, len(sentences)) for c in cuts), len(sentences)]


def merged_counts(local: Iterable[Sequence[str]], world) -> tuple[dict[str, int], int]:
    """Every token's count over all processes' shares, in order of first appearance in the whole
    corpus, and the number of tokens; ``local`` is this process's share. Every process gets the
    same answer (a collective operation)."""
    if plain_corpus(local):
        counts, total = count_words(local, 1)
    else:
        counter: Counter[str] = Counter()
        total = 0
        for sentence in local:
            check_tokens(sentence)
            counter.update(sentence)
            total += len(sentence)
        counts = dict(counter)
    merged: dict[str, int] = {}
    n_tokens = 0
    for part, part_total in world.gather((counts, total)):
        n_tokens += part_total
        for token, count in part.items():
            merged[token] = merged.get(token, 0) + count
    if n_tokens == 0:
        raise CorpusError("empty corpus (no tokens found in any process's share)")
    return merged, n_tokens

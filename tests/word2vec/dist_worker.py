"""One rank of the multi-process word2vec tests: ``torchrun --nproc_per_node 2 dist_worker.py OUT
CORPUS SHARDS``. Trains four ways and writes this rank's arrays to ``OUT/{what}{rank}.npz``:

* ``file``: CORPUS shared by bytes (vocabulary, tables and weights after the last averaging);
* ``shards``: the folder SHARDS (CORPUS cut into files, two of them compressed), shared by file;
* ``every_sentence``: sentences in memory, the weights summed after every sentence (and the same
  with ``sync_merge="average"``);
* ``checkpoint.npz`` (rank 0): the first of two epochs of CORPUS, for the CLI to resume;
* ``resume{rank}.txt``: the error of resuming from a checkpoint only rank 0 can see.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from illustrated.commands.common import check_everywhere  # noqa: E402
from illustrated.distributed import setup, teardown  # noqa: E402
from illustrated.errors import IllustratedError  # noqa: E402
from illustrated.text import Corpora, Corpus, Tokenizer  # noqa: E402
from illustrated.word2vec import Word2Vec, Word2VecConfig  # noqa: E402
from tests.word2vec.conftest import small_config  # noqa: E402
from tests.word2vec.helpers import CLI_OPTIONS, every_sentence_config, few_sentences  # noqa: E402


def dump(model: Word2Vec, path: Path) -> None:
    t = model._kernel_tables()
    np.savez(path, keys=np.array(model.wv.keys), counts=model.wv.counts, keep=t["keep"],
             noise=t["noise"], vectors=model.wv.vectors, syn1neg=model.syn1neg,
             corpus_words=model.corpus_words, loss=model.last_loss)


def main() -> None:
    out, corpus = Path(sys.argv[1]), Corpus(sys.argv[2], tokenize=Tokenizer())
    world = setup("gloo")
    try:
        model = Word2Vec(small_config(dim=16, epochs=2, sync_words=3000, sample=1e-3))
        dump(model.train(corpus, progress=False, world=world), out / f"file{world.rank}.npz")
        model = Word2Vec(small_config(dim=16, epochs=1, sync_words=3000))
        shards = Corpora.folder(sys.argv[3], tokenize=Tokenizer())
        dump(model.train(shards, progress=False, world=world), out / f"shards{world.rank}.npz")
        for merge in ("sum", "average"):
            model = Word2Vec(every_sentence_config(sync_merge=merge))
            model.train(few_sentences(), progress=False, world=world)
            dump(model, out / f"every_sentence_{merge}{world.rank}.npz")
        Word2Vec(Word2VecConfig(**CLI_OPTIONS)).train(
            corpus, progress=False, epochs=1, checkpoint=out / "checkpoint.npz", world=world)
        seen = out / ("here.npz" if world.rank == 0 else "elsewhere.npz")   # on one machine only
        seen.touch() if world.rank == 0 else None
        try:
            check_everywhere(seen, world)
        except IllustratedError as e:
            (out / f"resume{world.rank}.txt").write_text(str(e))
    finally:
        teardown()


if __name__ == "__main__":
    main()

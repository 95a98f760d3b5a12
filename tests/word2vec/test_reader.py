"""The compiled corpus reader yields exactly the sentences of the Python path."""

import numpy as np
import pytest

from illustrated.errors import CorpusError
from illustrated.text import Corpus
from illustrated.word2vec import Word2Vec, reader

from .conftest import small_config


def flatten(chunks):
    ids, lens = [], []
    for a, offsets, n in chunks:
        assert len(a) == n == offsets[-1]
        ids.append(a)
        lens += np.diff(offsets).tolist()
    return np.concatenate(ids).tolist(), lens


class Plain:
    """The same sentences, but not a Corpus: forces the Python path."""

    def __init__(self, corpus):
        self.corpus = corpus

    def __iter__(self):
        return iter(self.corpus)


@pytest.mark.parametrize("limit", [10_000, 3])
def test_fast_reader_matches_python_path(tmp_path, monkeypatch, limit):
    text = ("the cat  sat\n\n on\tthe mat \r\nwith a\x0bcat\x1cand ünïcode wörds\n"
            "unknown words here\n" * 3 + "a b c d e f g h i j k l\n") * 500
    text += "nbsp\u00a0splits too\n"
    path = tmp_path / "c.txt"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(reader, "BLOCK_BYTES", 1000)  # many blocks, cut at line ends
    corpus = Corpus(path, max_sentence_length=5)
    model = Word2Vec(small_config(min_count=2, max_sentence_length=limit))
    model.build_vocab(corpus)
    fast = flatten(model.chunks(corpus))
    model._reader = None
    slow = flatten(model.chunks(Plain(corpus)))
    assert model._reader is None
    assert fast == slow
    assert -1 in fast[0] and max(fast[1]) == min(5, limit)


def test_fast_reader_reports_bad_utf8(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"good words here\n" * 10 + b"bad \xff byte\n")
    corpus = Corpus(path)
    model = Word2Vec(small_config())
    model.build_vocab([["good", "words", "here"]])
    with pytest.raises(CorpusError, match="line 11: bytes are not valid utf-8"):
        list(model.chunks(corpus))


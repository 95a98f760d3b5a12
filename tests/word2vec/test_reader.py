"""The compiled corpus reader yields exactly the sentences and counts of the Python path."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from illustrated.errors import CorpusError, VocabError
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



def python_counts(corpus):
    """What counting the Corpus's sentences in Python gives: (counts in first-seen order, total)."""
    from collections import Counter

    counts = Counter()
    for sentence in corpus:
        counts.update(sentence)
    return list(counts.items()), sum(counts.values())


# every whitespace character str.split() knows, a few that look like it but are not, and words
SPACES = [" ", "\t", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\xa0",
          "\u1680", *map(chr, range(0x2000, 0x200B)), "\u2028", "\u2029", "\u202f", "\u205f",
          "\u3000"]
PIECES = ["the", "cat", "ünï", "wörds", "a", "  ", "\n", "\n\n", "\r\n", "\u200b", "\ufeff", "\u2030",
          "\u1681", "\xc2", "日本", "x" * 40, *SPACES]
assert all(len(("a" + s + "b").split()) == 2 for s in SPACES)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=300), st.integers(8, 64))
def test_counting_matches_the_python_path(tmp_path_factory, pieces, block):
    """Every token and count, in first-seen order, whatever the whitespace and wherever a block ends."""
    text = "".join(pieces)
    if not text.split():
        return
    path = tmp_path_factory.mktemp("c") / "c.txt"
    path.write_text(text, encoding="utf-8")
    corpus = Corpus(path)
    old = reader.BLOCK_BYTES
    reader.BLOCK_BYTES = block
    try:
        counts, total = reader.count_words(corpus)
    finally:
        reader.BLOCK_BYTES = old
    assert (list(counts.items()), total) == python_counts(corpus)


IN_LINE = [p for p in PIECES if "\n" not in p]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.sampled_from(IN_LINE), max_size=8), min_size=1, max_size=60),
       st.integers(400, 1000), st.sampled_from([3, 10_000]))
def test_reading_matches_the_python_path(tmp_path_factory, lines, block, limit):
    """The same sentences of the same ids, whatever the whitespace and wherever a block ends (at
    a line end: lines here are shorter than a block)."""
    text = "\n".join("".join(line) for line in lines)
    if not text.split():
        return
    path = tmp_path_factory.mktemp("r") / "r.txt"
    path.write_text(text, encoding="utf-8")
    corpus = Corpus(path, max_sentence_length=4)
    model = Word2Vec(small_config(min_count=2, max_sentence_length=limit))
    try:
        model.build_vocab(Plain(corpus))  # the vocabulary of the Python path
    except VocabError:  # no token twice
        return
    old = reader.BLOCK_BYTES
    reader.BLOCK_BYTES = block
    try:
        fast = flatten(model.chunks(corpus))
    finally:
        reader.BLOCK_BYTES = old
    model._reader = None
    assert fast == flatten(model.chunks(Plain(corpus)))


def test_counting_grows_past_its_first_tables(tmp_path, monkeypatch):
    """More distinct tokens and bytes than the first hash table, key arrays and arena hold."""
    monkeypatch.setattr(reader, "FIRST_KEYS", 4)
    words = [f"w{i}x{'y' * (i % 90)}" for i in range(40_000)]
    path = tmp_path / "many.txt"
    path.write_text(" ".join(words) + "\n" + " ".join(words[::7]) + "\n", encoding="utf-8")
    counts, total = reader.count_words(Corpus(path))
    assert (list(counts.items()), total) == python_counts(Corpus(path))
    kept, _ = reader.count_words(Corpus(path), min_count=2)
    assert list(kept) == words[::7] and set(kept.values()) == {2}


def test_both_vocabulary_paths_build_the_same_model(tmp_path):
    text = ("the cat  sat\n on\tthe mat \r\nwith a\x0bcat\x1cand ünïcode wörds\n" * 40
            + "rare words\u00a0split\n")
    path = tmp_path / "c.txt"
    path.write_text(text, encoding="utf-8")
    fast, slow = Word2Vec(small_config(min_count=2)), Word2Vec(small_config(min_count=2))
    fast.build_vocab(Corpus(path))
    slow.build_vocab(Plain(Corpus(path)))
    assert fast.wv.keys == slow.wv.keys and "rare" not in fast.wv.keys
    assert fast.wv.counts.tolist() == slow.wv.counts.tolist()
    assert fast.corpus_words == slow.corpus_words == len(text.split())
    assert np.array_equal(fast.wv.vectors, slow.wv.vectors)


def test_counting_reports_bad_utf8_and_empty_files(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"good words here\n" * 10 + b"bad \xff byte\n")
    with pytest.raises(CorpusError, match="line 11: bytes are not valid utf-8"):
        Word2Vec(small_config()).build_vocab(Corpus(bad))
    empty = tmp_path / "empty.txt"
    empty.write_text(" \n\t\n", encoding="utf-8")
    with pytest.raises(Exception, match="empty corpus") as fast:
        Word2Vec(small_config()).build_vocab(Corpus(empty))
    with pytest.raises(Exception, match="empty corpus") as slow:
        Word2Vec(small_config()).build_vocab(Plain(Corpus(empty)))
    assert type(fast.value) is type(slow.value)


def test_the_compiled_reader_drops_a_utf8_bom(tmp_path):
    from illustrated.word2vec.reader import count_words

    p = tmp_path / "c.txt"
    p.write_bytes(b"\xef\xbb\xbfthe cat\r\nthe dog\r\n")
    assert count_words(Corpus(p)) == ({"the": 2, "cat": 1, "dog": 1}, 4)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(PIECES), min_size=200, max_size=400), st.integers(16, 40))
def test_counting_two_halves_at_once_matches_one_pass(tmp_path_factory, pieces, block):
    """A plain file counted as two halves by two threads, then merged: the same tokens, counts
    and first-seen order as one pass, wherever the middle falls."""
    text = "".join(pieces) + "\n" + "".join(reversed(pieces))
    if not text.split():
        return
    path = tmp_path_factory.mktemp("h") / "h.txt"
    path.write_text(text, encoding="utf-8")
    old = reader.BLOCK_BYTES
    reader.BLOCK_BYTES = block
    try:
        assert reader._halves(path, path.stat().st_size) is not None
        counts, total = reader.count_words(Corpus(path))
    finally:
        reader.BLOCK_BYTES = old
    assert (list(counts.items()), total) == python_counts(Corpus(path))


def test_bad_utf8_in_the_second_half_names_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "BLOCK_BYTES", 64)
    path = tmp_path / "c.txt"
    path.write_bytes(b"good words here\n" * 60 + b"bad \xff byte\n" + b"more words\n" * 5)
    assert reader._halves(path, path.stat().st_size) < 60 * 16
    with pytest.raises(CorpusError, match="line 61: bytes are not valid utf-8"):
        reader.count_words(Corpus(path))

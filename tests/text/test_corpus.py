import bz2
import gzip
import lzma

import pytest

from illustrated.errors import CorpusError, IllustratedError
from illustrated.text import Corpus, Tokenizer
from illustrated.text import corpus as corpus_module

LINES = ["the quick brown fox", "", "jumps over  the lazy dog", "Größe élève"]


@pytest.fixture
def plain(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return p


def test_stream_is_reiterable(plain):
    c = Corpus(plain)
    first, second = list(c), list(c)
    assert first == second == [l.split() for l in LINES if l]


@pytest.mark.parametrize("opener,ext", [(gzip.open, ".gz"), (bz2.open, ".bz2"), (lzma.open, ".xz")])
def test_compressed_equals_plain_twin(plain, tmp_path, opener, ext):
    packed = tmp_path / f"c.txt{ext}"
    with opener(packed, "wb") as f:
        f.write(plain.read_bytes())
    assert list(Corpus(packed)) == list(Corpus(plain))


def test_one_long_line_cut_into_sentences(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "CHUNK_BYTES", 7)  # force words across chunk borders
    words = [f"w{i}" for i in range(25)]
    p = tmp_path / "text8"
    p.write_text(" ".join(words), encoding="utf-8")  # no newline at all
    sents = list(Corpus(p, max_sentence_length=10))
    assert [len(s) for s in sents] == [10, 10, 5]
    assert sum(sents, []) == words


def test_small_chunks_keep_lines_and_words(plain, monkeypatch):
    expected = list(Corpus(plain))
    monkeypatch.setattr(corpus_module, "CHUNK_BYTES", 3)
    assert list(Corpus(plain)) == expected


def test_tokenizer_is_applied(plain):
    c = Corpus(plain, tokenize=Tokenizer("words", lowercase=True))
    assert list(c)[-1] == ["größe", "élève"]


def test_undecodable_bytes_name_file_and_line(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"fine line\nanother\nbad \xff byte\n")
    with pytest.raises(CorpusError, match=r"bad.txt: line 3: bytes are not valid utf-8"):
        list(Corpus(p))


def test_empty_corpus(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(CorpusError, match="empty corpus"):
        list(Corpus(p))


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(IllustratedError, match="no such corpus file"):
        Corpus(tmp_path / "nope.txt")
    with pytest.raises(IllustratedError, match="is a directory"):
        Corpus(tmp_path)


def test_real_corpus_gz_stream(shared_data):
    c = Corpus(shared_data / "multi30k" / "val.de.gz", tokenize=Tokenizer("words"))
    sents = list(c)
    assert len(sents) == 1014
    assert sents == list(c)


def test_a_utf8_bom_is_not_part_of_the_first_token(tmp_path):
    p = tmp_path / "c.txt"
    p.write_bytes(b"\xef\xbb\xbfthe cat\r\nthe dog\r\n")
    assert list(Corpus(p)) == [["the", "cat"], ["the", "dog"]]


def test_an_unknown_encoding_is_refused_at_once(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("a b\n")
    with pytest.raises(CorpusError, match="c.txt: unknown text encoding 'utf-9'"):
        Corpus(p, encoding="utf-9")


def test_fingerprint_tells_apart_files_of_the_same_size(tmp_path):
    import os

    a, b, c = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.txt"
    a.write_text("the cat sat\n" * 10)
    b.write_text("the dog sat\n" * 10)
    c.write_bytes(a.read_bytes())
    assert Corpus(a).fingerprint() == Corpus(c).fingerprint() != Corpus(b).fingerprint()
    # two shards of one large file, as `split -b` cuts them: equal sizes, other bytes
    one, two = os.urandom(3 << 20), os.urandom(3 << 20)
    big_a, big_b = tmp_path / "x.aa", tmp_path / "x.ab"
    big_a.write_bytes(one + two)
    big_b.write_bytes(two + one)
    assert big_a.stat().st_size == big_b.stat().st_size > 4 << 20
    assert Corpus(big_a).fingerprint() != Corpus(big_b).fingerprint()
    assert Corpus(big_a).fingerprint() == Corpus(big_a).fingerprint()

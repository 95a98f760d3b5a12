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

import pytest

from illustrated.errors import VocabError
from illustrated.text import SPECIALS, Vocab

SENTS = [["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "cat"], ["the"]]


def test_specials_first_then_frequency_then_first_seen():
    v = Vocab.build(SENTS)
    assert v.itos[:4] == list(SPECIALS)
    assert (v.pad_id, v.unk_id, v.bos_id, v.eos_id) == (0, 1, 2, 3)
    assert v.itos[4:] == ["the", "cat", "sat", "dog", "a"]
    assert v.counts.tolist() == [0, 0, 0, 0, 3, 2, 2, 1, 1]


def test_min_count_and_max_size():
    assert Vocab.build(SENTS, min_count=2).itos[4:] == ["the", "cat", "sat"]
    assert Vocab.build(SENTS, max_size=2).itos[4:] == ["the", "cat"]
    assert Vocab.build(SENTS, specials=()).itos == ["the", "cat", "sat", "dog", "a"]


def test_encode_decode_round_trip():
    v = Vocab.build(SENTS)
    ids = v.encode(["the", "cat", "sat"], add_bos=True, add_eos=True)
    assert ids == [2, 4, 5, 6, 3]
    assert v.decode(ids) == ["the", "cat", "sat"]
    assert v.decode(ids, strip_specials=False) == ["<s>", "the", "cat", "sat", "</s>"]
    assert v.encode(["zebra"]) == [v.unk_id]
    assert v.decode(v.encode(["zebra", "cat"])) == ["<unk>", "cat"]


def test_file_round_trip_is_byte_identical(tmp_path):
    v = Vocab.build(SENTS + [["Größe", "élève"]])
    first = tmp_path / "v.txt"
    v.save(first)
    loaded = Vocab.load(first)
    assert loaded == v
    second = tmp_path / "v2.txt"
    loaded.save(second)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_text(encoding="utf-8").splitlines()[4] == "the\t3"


def test_round_trip_without_specials(tmp_path):
    v = Vocab.build(SENTS, specials=())
    v.save(tmp_path / "v.txt")
    assert Vocab.load(tmp_path / "v.txt").specials == ()


def test_empty_after_min_count():
    with pytest.raises(VocabError, match="min_count=10"):
        Vocab.build(SENTS, min_count=10)


def test_empty_corpus():
    with pytest.raises(VocabError, match="empty"):
        Vocab.build([])


def test_unknown_token_without_unk():
    v = Vocab.build(SENTS, specials=())
    with pytest.raises(VocabError, match="unknown token 'zebra'"):
        v.encode(["zebra"])


def test_malformed_file_names_line(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_text("the\t3\ncat three\n", encoding="utf-8")
    with pytest.raises(VocabError, match="line 2"):
        Vocab.load(p)


def test_load_accepts_crlf_and_a_bom(tmp_path):
    p = tmp_path / "v.txt"
    p.write_bytes(b"\xef\xbb\xbf<pad>\t0\r\nthe\t3\r\ncat\t1\r\n")
    v = Vocab.load(p)
    assert v.itos == ["<pad>", "the", "cat"] and v.specials == ("<pad>",)


def test_sentences_given_as_strings_are_refused():
    with pytest.raises(VocabError, match="a sentence must be a list of tokens, not a string"):
        Vocab.build(["the cat sat", "the dog"])


@pytest.mark.parametrize("count", ["²", "99999999999999999999999"])
def test_load_refuses_counts_that_are_not_int64(tmp_path, count):
    p = tmp_path / "v.txt"
    p.write_text(f"a\t{count}\n", encoding="utf-8")
    with pytest.raises(VocabError, match="line 1: expected 'token<TAB>count'"):
        Vocab.load(p)


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_compressed_vocabulary_round_trip(tmp_path, suffix):
    v = Vocab.build([["the", "cat"], ["the", "dog"]])
    v.save(tmp_path / f"v.txt{suffix}")
    assert Vocab.load(tmp_path / f"v.txt{suffix}") == v


def test_bad_limits_are_refused_before_the_corpus_is_read():
    def never():
        raise AssertionError("the corpus was read")
        yield

    with pytest.raises(VocabError, match="min_count must be at least 1"):
        Vocab.build(never(), min_count=0)
    with pytest.raises(VocabError, match="max_size must be at least 1"):
        Vocab.build(never(), max_size=0)


@pytest.mark.parametrize("token", ["a\tb", "a\nb", "a\rb", ""])
def test_save_refuses_tokens_the_file_cannot_hold(tmp_path, token):
    v = Vocab.build([["ok", token]], specials=())
    with pytest.raises(VocabError, match="cannot store it"):
        v.save(tmp_path / "v.txt")
    assert not (tmp_path / "v.txt").exists()

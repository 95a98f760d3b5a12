"""Parallel data: files, batches by length and token budget, padding and framing."""

import gzip

import numpy as np
import pytest

from illustrated.errors import ConfigError, CorpusError
from illustrated.seq2seq.data import ParallelData, collate, detokenize_words, make_batches
from illustrated.seq2seq.parallel import drop_empty_pairs, read_parallel


def test_read_parallel_plain_and_gz(tmp_path):
    (tmp_path / "t.de").write_text("ein hund\nzwei katzen\n", encoding="utf-8")
    with gzip.open(tmp_path / "t.en.gz", "wt", encoding="utf-8") as f:
        f.write("a dog\ntwo cats\n")
    src, tgt, sp, tp = read_parallel(tmp_path / "t", "de", "en")
    assert src == ["ein hund", "zwei katzen"] and tgt == ["a dog", "two cats"] and tp.suffix == ".gz"
    with pytest.raises(ConfigError, match="both 'de'"):
        read_parallel(tmp_path / "t", "de", "de")
    with pytest.raises(CorpusError, match="no file .*t.fr or .*t.fr.gz for target language 'fr'"):
        read_parallel(tmp_path / "t", "de", "fr")


def test_bom_crlf_and_undecodable_bytes(tmp_path):
    (tmp_path / "t.de").write_bytes(b"\xef\xbb\xbfein hund\r\nzwei katzen\r\n")
    (tmp_path / "t.en").write_bytes(b"a dog\rtwo cats\r")
    src, tgt, _, _ = read_parallel(tmp_path / "t", "de", "en")
    assert src == ["ein hund", "zwei katzen"] and tgt == ["a dog", "two cats"]
    (tmp_path / "t.en").write_bytes(b"a dog\ntwo \xff cats\n")
    with pytest.raises(CorpusError, match=r"t.en: line 2: not UTF-8 text"):
        read_parallel(tmp_path / "t", "de", "en")


def test_tsv_pairs_and_empty_sides(tmp_path):
    (tmp_path / "p.tsv").write_text("ein hund\ta dog\n\nzwei katzen\t\ndrei\tthree\n", encoding="utf-8")
    src, tgt, sp, tp = read_parallel(tmp_path / "p.tsv", "de", "en", allow_empty=True)
    assert src == ["ein hund", "", "zwei katzen", "drei"] and tgt == ["a dog", "", "", "three"] and sp == tp
    assert drop_empty_pairs(src, tgt) == (["ein hund", "drei"], ["a dog", "three"], [2, 3])
    with pytest.raises(CorpusError, match=r"p.tsv: line 2: the source side is empty"):
        read_parallel(tmp_path / "p.tsv", "de", "en")
    with gzip.open(tmp_path / "eng-fra.txt.gz", "wt", encoding="utf-8") as f:   # Tatoeba's layout
        f.write("Go.\tVa !\tCC-BY 2.0\nRun!\tCours !\tCC-BY 2.0\n")
    assert read_parallel(tmp_path / "eng-fra.txt.gz", "en", "fr")[:2] == (["Go.", "Run!"], ["Va !", "Cours !"])
    (tmp_path / "t.de").write_text("ein hund\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"t.de: not a source<TAB>target pairs file .* give their PREFIX"):
        read_parallel(tmp_path / "t.de", "de", "en")
    (tmp_path / "q.tsv").write_text("a\tb\nno tab here\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"q.tsv: line 2: expected 2 tab-separated columns .* found 1"):
        read_parallel(tmp_path / "q.tsv", "de", "en")


def test_token_budget_batches_group_similar_lengths():
    rng = np.random.default_rng(0)
    s = rng.integers(1, 40, 500)
    t = rng.integers(1, 40, 500)
    batches = make_batches(s, t, max_tokens=200, seed=3)
    assert sorted(i for b in batches for i in b) == list(range(500))
    for b in batches:
        width = max(max(s[i], t[i] + 1) for i in b)
        assert width * len(b) <= 200 or len(b) == 1
    assert make_batches(s, t, max_tokens=200, seed=3) == batches        # same seed, same batches
    assert make_batches(s, t, max_tokens=200, seed=4) != batches
    by_count = make_batches(s, t, batch_size=64, seed=1)
    spread = np.mean([np.ptp(s[b]) for b in by_count])
    assert spread < 8    # sorted by length: a random batch of 64 would span ~37
    with pytest.raises(ConfigError):
        make_batches(s, t, batch_size=64, max_tokens=100)


def test_collate_frames_targets_and_pads():
    b = collate([[5, 6, 7], [8]], [[9], [10, 11]], [0, 1])
    assert b.src.tolist() == [[5, 6, 7], [8, 0, 0]] and b.src_lengths.tolist() == [3, 1]
    assert b.tgt_in.tolist() == [[2, 9, 0], [2, 10, 11]]
    assert b.tgt_out.tolist() == [[9, 3, 0], [10, 11, 3]]
    assert b.n_tokens == 5


def test_length_filter_and_detokenize():
    d = ParallelData([[4] * 3, [4] * 30, [4]], [[5], [5], [5] * 30], max_len=10)
    assert len(d) == 1 and d.kept == [0]
    assert detokenize_words(["a", "dog", "(", "brown", ")", "runs", ",", "fast", "!"]) == "a dog (brown) runs, fast!"
    assert detokenize_words(["l", "'", "homme", "don't"]) == "l'homme don't"


def test_a_subword_vocabulary_smaller_than_the_alphabet_says_how_large_it_must_be():
    from illustrated.seq2seq.data import TextCodec

    with pytest.raises(ConfigError, match=r"bpe_vocab 3 is smaller than the \d+ distinct characters"):
        TextCodec.train_bpe(["ein hund läuft", "zwei katzen schlafen"], vocab_size=3)

"""Analogy accuracy and word-pair similarity."""

import numpy as np
import pytest

from illustrated.errors import FormatError
from illustrated.word2vec import KeyedVectors
from illustrated.word2vec.evaluate import analogy_accuracy, evaluate_all, pair_similarity


@pytest.fixture
def kv():
    keys = ["king", "queen", "man", "woman", "prince", "princess", "apple"]
    royal, person, young, male, female, fruit = np.eye(6, dtype=np.float32)
    vectors = np.stack([royal + male, royal + female, person + male, person + female,
                        royal + young + male, royal + young + female, fruit])
    return KeyedVectors(keys, vectors, np.arange(7, 0, -1))


def test_analogy_sections_total_and_oov(kv, tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(": gender\nman woman king queen\nMan Woman Prince Princess\n"
                    "man woman king apple\n: other\nman woman dragon queen\n")
    r = analogy_accuracy(kv, path)
    assert r.sections["gender"] == (2, 3, 0)
    assert r.sections["other"] == (0, 0, 1)
    assert r.accuracy == pytest.approx(2 / 3) and r.oov == 1
    # restricted to the 4 most frequent words, the prince and apple questions are out of vocabulary
    assert analogy_accuracy(kv, path, restrict_vocab=4).sections["gender"] == (1, 1, 2)
    assert analogy_accuracy(kv, path, method="mul").correct == 2


def test_pair_similarity_spearman_and_oov(kv, tmp_path):
    path = tmp_path / "ws.tsv"
    path.write_text("# comment\nking\tqueen\t8\nking\tprince\t9\nking\tapple\t1\n"
                    "queen\tapple\t2\nking\tunicorn\t5\n")
    r = pair_similarity(kv, path)
    assert (r.pairs, r.oov) == (4, 1)
    # cosines 0.5, 0.816, 0, 0 (ranks 3, 4, 1.5, 1.5) against 8, 9, 1, 2 (ranks 3, 4, 1, 2)
    assert r.spearman == pytest.approx(0.9486833)
    path.write_text("king queen lots\nking queen eight\n")
    with pytest.raises(FormatError, match="line 2: score 'eight' is not a number"):
        pair_similarity(kv, path)


def test_shared_evaluation_files_parse(kv, shared_data):
    scores = evaluate_all(kv, shared_data / "eval")
    assert scores["analogy"]["oov"] > 19000 and len(scores["analogy"]["sections"]) == 14
    for key in ("ws353", "simlex", "men", "rw"):
        assert scores[key]["pairs"] + scores[key]["oov"] > 300


def test_evaluation_files_with_bom_crlf_comments_and_a_late_header(kv, tmp_path):
    q = tmp_path / "q.txt"
    q.write_bytes(b"\xef\xbb\xbf# from the paper\r\n: gender\r\nman woman king queen\r\n")
    assert analogy_accuracy(kv, q).sections == {"gender": (1, 1, 0)}
    ws = tmp_path / "ws.tsv"
    ws.write_bytes(b"\xef\xbb\xbf# comment\r\nword1 word2 score\r\nking queen 8\r\nking apple 1\r\n")
    assert pair_similarity(kv, ws).pairs == 2


@pytest.mark.parametrize("analogies,pairs,message", [
    (b": s\nman woman \xff queen\n", None, r"q.txt: line 2: bytes are not valid UTF-8"),
    (b"# only a comment\n: s\n", None, r"q.txt: no analogy questions"),
    (None, b"king queen nan\n", r"ws.tsv: line 1: score 'nan' is not a finite number"),
    (None, b"king queen inf\n", r"ws.tsv: line 1: score 'inf' is not a finite number"),
    (None, b"king queen \xfe\n", r"ws.tsv: line 1: bytes are not valid UTF-8"),
    (None, b"# nothing\n", r"ws.tsv: no word pairs"),
])
def test_bad_evaluation_files_are_one_line_errors(kv, tmp_path, analogies, pairs, message):
    with pytest.raises(FormatError, match=message):
        if analogies is not None:
            (tmp_path / "q.txt").write_bytes(analogies)
            analogy_accuracy(kv, tmp_path / "q.txt")
        else:
            (tmp_path / "ws.tsv").write_bytes(pairs)
            pair_similarity(kv, tmp_path / "ws.tsv")


def test_scores_that_are_undefined_are_null_in_json(kv, tmp_path):
    import json

    (tmp_path / "questions-words.txt").write_text(": s\nman woman dragon queen\n")
    (tmp_path / "wordsim353.tsv").write_text("king queen 8\n")
    scores = evaluate_all(kv, tmp_path)
    assert scores["analogy"]["accuracy"] is None and scores["ws353"]["spearman"] is None
    json.dumps(scores, allow_nan=False)


def test_simlex_in_its_original_layout_uses_the_named_score_column(kv, tmp_path):
    path = tmp_path / "simlex999.txt"
    path.write_text("word1\tword2\tPOS\tSimLex999\tconc(w1)\tconc(w2)\n"
                    "king\tqueen\tN\t8\t4.1\t4.2\nking\tprince\tN\t9\t4\t4\n"
                    "king\tapple\tN\t1\t4\t4\nqueen\tapple\tN\t2\t4\t4\n")
    r = pair_similarity(kv, path)
    assert r.pairs == 4 and r.spearman == pytest.approx(0.9486833)

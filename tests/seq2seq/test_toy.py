"""The project's own parallel sentences, and held-out pairs that are really held out."""

import pytest

from illustrated.seq2seq.toy import french_english, held_out


def test_held_out_pairs_are_new_sentences_of_known_words():
    pairs = french_english()
    train, valid = held_out(pairs, 40)
    assert len(valid) == 40 and len(train) + len(valid) == len(pairs)
    assert not set(train) & set(valid)
    known = {w for src, tgt in train for w in (*src.split(), *tgt.split())}
    assert all(set(src.split()) | set(tgt.split()) <= known for src, tgt in valid)


def test_held_out_refuses_what_it_cannot_hold_out():
    with pytest.raises(ValueError, match="can be held out"):
        held_out([("a b", "x y"), ("a b", "x y")], 1)

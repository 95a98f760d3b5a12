"""Queries on vectors, independent of training."""

import numpy as np
import pytest

from illustrated.errors import IllustratedError
from illustrated.word2vec import KeyedVectors, UnknownKeyError


@pytest.fixture
def kv():
    keys = ["king", "queen", "man", "woman", "apple"]
    royal, person, male, female = np.eye(4, 5, dtype=np.float32)
    vectors = np.stack([royal + male, royal + female, person + male, person + female,
                        np.array([0, 0, 0, 0, 1], np.float32)])
    return KeyedVectors(keys, vectors, [50, 40, 30, 20, 10])


def test_lookup_and_unknown_key_error(kv):
    assert len(kv) == 5 and "queen" in kv and "dog" not in kv
    assert kv.index("man") == 2
    np.testing.assert_array_equal(kv.vector("apple"), [0, 0, 0, 0, 1])
    with pytest.raises(UnknownKeyError, match="'dog' is not in the vocabulary") as e:
        kv.most_similar("dog")
    assert isinstance(e.value, KeyError) and isinstance(e.value, IllustratedError)
    assert str(e.value) == "'dog' is not in the vocabulary"


def test_unit_vectors_are_cached_and_normalised(kv):
    assert kv.unit is kv.unit
    np.testing.assert_allclose(np.linalg.norm(kv.unit, axis=1), 1, rtol=1e-6)


def test_most_similar_positive_negative_and_vectors(kv):
    assert kv.most_similar("king", topn=2)[0][0] in ("queen", "man")
    assert "king" not in [w for w, _ in kv.most_similar("king")]
    assert kv.most_similar(positive=["king", "woman"], negative=["man"], topn=1)[0][0] == "queen"
    assert kv.most_similar(kv.vector("apple"), topn=1)[0][0] == "apple"
    assert [w for w, _ in kv.most_similar("king", topn=10, restrict_vocab=3)] == ["queen", "man"]
    sims = [s for _, s in kv.most_similar("king", topn=4)]
    assert sims == sorted(sims, reverse=True)


def test_analogy_add_and_mul(kv):
    assert kv.analogy("king", "man", "woman")[0][0] == "queen"
    assert kv.analogy("king", "man", "woman", method="mul")[0][0] == "queen"
    with pytest.raises(IllustratedError, match="method"):
        kv.analogy("king", "man", "woman", method="sub")


def test_similarity_and_doesnt_match(kv):
    assert kv.similarity("king", "queen") == pytest.approx(0.5)
    assert kv.similarity("king", "apple") == pytest.approx(0.0)
    assert kv.doesnt_match(["king", "queen", "man", "apple"]) == "apple"


def test_similar_by_vector_excludes(kv):
    got = kv.similar_by_vector(kv.vector("queen"), topn=2, exclude=["queen"])
    assert "queen" not in [w for w, _ in got] and len(got) == 2


def test_negative_topn_and_empty_restrict_vocab_are_refused(kv):
    with pytest.raises(IllustratedError, match="topn must be 0 or more"):
        kv.most_similar(kv.keys[0], topn=-1)
    with pytest.raises(IllustratedError, match="restrict_vocab must be at least 1"):
        kv.most_similar(kv.keys[0], restrict_vocab=0)
    with pytest.raises(IllustratedError, match="topn must be 0 or more"):
        kv.analogy(*kv.keys[:3], topn=-2)
    assert kv.most_similar(kv.keys[0], topn=0) == []

"""Training learns the planted structure, reproduces with a seed, resumes, and refuses bad input."""

import json

import numpy as np
import pytest

from illustrated.errors import ConfigError, IllustratedError
from illustrated.word2vec import Word2Vec, Word2VecConfig
from illustrated.word2vec.planted import ANALOGIES, PAIRS

from .conftest import small_config

NOUNS = {w for a, b, _, _ in PAIRS for w in (a, b)}


def partner_ranks(wv):
    """For each planted noun, the rank of its partner among the other nouns (1 = nearest)."""
    ranks = []
    for a, b, _, _ in PAIRS:
        near = [w for w, _ in wv.most_similar(a, topn=len(wv)) if w in NOUNS]
        ranks.append(near.index(b) + 1)
    return ranks


@pytest.mark.parametrize("sg,hs,share", [(True, False, 2), (False, False, 2), (False, False, 1),
                                         (True, True, 2), (False, True, 2)])
def test_planted_partners_and_analogies_are_found(sentences, sg, hs, share):
    config = small_config(sg=sg, hs=hs, negative=0 if hs else 5, alpha=0.025 if sg else 0.05,
                          cbow_noise_share=share)
    wv = Word2Vec(config).train(sentences, progress=False).wv
    ranks = partner_ranks(wv)
    if not hs:
        assert ranks == [1] * len(PAIRS)
    elif sg:
        assert max(ranks) <= 2 and ranks.count(1) >= len(PAIRS) - 3, ranks
    else:  # CBOW + hierarchical softmax ranks the shared gender axis higher (gensim does too)
        assert max(ranks) <= 8 and np.mean(ranks) <= 5, ranks
    solved = [wv.analogy(a, b, c)[0][0] == d for a, b, c, d in ANALOGIES]
    assert sum(solved) >= len(ANALOGIES) - 1, solved
    # the partner is among the few nearest neighbours overall (after its own context words)
    assert "queen" in [w for w, _ in wv.most_similar("king", topn=12)]


def test_one_thread_with_a_seed_is_reproducible(sentences):
    a = Word2Vec(small_config(epochs=2)).train(sentences, progress=False)
    b = Word2Vec(small_config(epochs=2)).train(sentences, progress=False)
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    np.testing.assert_array_equal(a.syn1neg, b.syn1neg)
    c = Word2Vec(small_config(epochs=2, seed=4)).train(sentences, progress=False)
    assert not np.array_equal(a.wv.vectors, c.wv.vectors)


def test_two_threads_train(sentences):
    model = Word2Vec(small_config(threads=2, epochs=6)).train(sentences, progress=False)
    assert max(partner_ranks(model.wv)) <= 2


def test_loss_falls_and_log_lines_are_written(sentences, tmp_path):
    log = tmp_path / "log.jsonl"
    model = Word2Vec(small_config(epochs=3))
    model.train(sentences, progress=True, log_path=log)
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert {"epoch", "words", "progress", "alpha", "loss", "words_per_s", "train_s"} <= set(lines[0])
    assert lines[-1]["progress"] == pytest.approx(1.0)
    times = [x["train_s"] for x in lines]
    assert times == sorted(times) and times[-1] > 0
    assert [x["epoch"] for x in lines][-1] == 3
    by_epoch = {x["epoch"]: x["loss"] for x in lines}
    assert by_epoch[3] < by_epoch[1]
    assert lines[-1]["alpha"] < lines[0]["alpha"]


def test_resume_continues_from_the_saved_state(sentences, tmp_path):
    whole = Word2Vec(small_config(epochs=3)).train(sentences, progress=False)
    first = Word2Vec(small_config(epochs=3)).train(sentences, progress=False, epochs=1,
                                                   checkpoint=tmp_path / "ck.npz")
    assert first.epochs_done == 1
    resumed = Word2Vec.load(tmp_path / "ck.npz")
    assert resumed.epochs_done == 1
    resumed.train(sentences, progress=False)
    assert resumed.epochs_done == 3
    np.testing.assert_array_equal(resumed.wv.vectors, whole.wv.vectors)
    np.testing.assert_array_equal(resumed.syn1neg, whole.syn1neg)


def test_training_a_finished_model_again_continues(model, sentences, tmp_path):
    model.save(tmp_path / "m.npz")
    again = Word2Vec.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(again.wv.vectors, model.wv.vectors)
    assert again.config == model.config
    again.train(sentences, progress=False, epochs=1)
    assert again.epochs_total == model.epochs_total + 1
    assert not np.array_equal(again.wv.vectors, model.wv.vectors)


def test_item_ids_and_negative_exponent(sentences):
    items = [[f"item:{w}" for w in s] for s in sentences[:500]]
    model = Word2Vec(small_config(ns_exponent=-0.5, epochs=2)).train(items, progress=False)
    assert "item:king" in model.wv
    assert model.wv.vectors.dtype == np.float32 and model.wv.counts.dtype == np.int64


@pytest.mark.parametrize("kw,message", [
    (dict(dim=0), "dim must be positive"),
    (dict(window=0), "window must be positive"),
    (dict(negative=-1), "negative must be between 0 and 100"),
    (dict(negative=1_000_000), "negative must be between 0 and 100, got 1000000"),
    (dict(cbow_noise_share=0), "cbow_noise_share must be at least 1"),
    (dict(negative=0, hs=False), "neither|enable negative sampling"),
    (dict(min_count=0), "min_count"),
    (dict(epochs=0), "epochs"),
    (dict(threads=0), "threads"),
    (dict(threads=100_000), "threads must be at most 1024"),
    (dict(min_alpha=1.0), "min_alpha"),
    (dict(alpha=float("inf")), "alpha must be at most 1"),
    (dict(alpha=1e30), "alpha must be at most 1"),
    (dict(alpha=0.0), "alpha must be positive"),
    (dict(ns_exponent=float("nan")), "ns_exponent must be a number"),
    (dict(ns_exponent=float("-inf")), "ns_exponent must be finite"),
    (dict(sample=float("inf")), "sample must be finite"),
    (dict(seed=-1), "seed must be 0 or more"),
])
def test_bad_config(kw, message):
    with pytest.raises(ConfigError, match=message):
        Word2VecConfig(**kw)


def test_learning_rate_defaults_follow_the_mode():
    sg, cbow = Word2VecConfig(sg=True), Word2VecConfig(sg=False)
    assert (sg.alpha, sg.min_alpha) == (0.025, 0.0001)
    assert (cbow.alpha, cbow.min_alpha) == (0.05, 0.0125)
    assert Word2VecConfig(sg=False, alpha=0.02).min_alpha == 0.005   # a quarter of the start
    assert Word2VecConfig(sg=False, alpha=0.02, min_alpha=0.0).min_alpha == 0.0
    assert Word2VecConfig.from_dict(cbow.to_dict()) == cbow
    with pytest.raises(ConfigError, match="min_alpha"):
        Word2VecConfig(sg=False, alpha=0.01, min_alpha=0.02)


def test_empty_corpus_and_all_words_too_rare():
    with pytest.raises(IllustratedError, match="empty"):
        Word2Vec(small_config()).train([], progress=False)
    with pytest.raises(IllustratedError, match="min_count=5"):
        Word2Vec(small_config(min_count=5)).train([["a", "b"], ["c"]], progress=False)


def test_max_vocab_keeps_the_most_frequent(sentences):
    model = Word2Vec(small_config(max_vocab=20, epochs=1)).train(sentences, progress=False)
    assert len(model.wv) == 20
    assert (np.diff(model.wv.counts) <= 0).all()


def test_one_shot_iterators_are_refused(sentences):
    with pytest.raises(IllustratedError, match="re-iterable"):
        Word2Vec(small_config()).train(iter(sentences), progress=False)


def test_sentences_given_as_strings_are_refused():
    with pytest.raises(IllustratedError, match="a sentence must be a list of tokens, not a string"):
        Word2Vec(small_config(epochs=1)).train(["the cat sat", "the dog sat"], progress=False)
    with pytest.raises(IllustratedError, match="not a string"):   # continued training, vocabulary known
        m = Word2Vec(small_config(epochs=1)).train([["the", "cat"], ["the", "dog"]], progress=False)
        m.train(["the cat"], progress=False)


def test_weights_larger_than_memory_are_a_one_line_error(monkeypatch):
    from illustrated.errors import TrainingError
    from illustrated.word2vec import trainer

    class NoMemory:
        def random(self, shape, dtype):
            raise MemoryError

    monkeypatch.setattr(trainer.np.random, "default_rng", lambda seed: NoMemory())
    with pytest.raises(TrainingError, match=r"not enough memory for the weights of 2 words × dim 32"):
        Word2Vec(small_config()).build_vocab([["a", "b"]])


def test_a_corpus_without_word_pairs_is_refused_before_saving(tmp_path):
    from illustrated.errors import TrainingError

    with pytest.raises(TrainingError, match="epoch 1 trained no word pairs: no sentence holds two"):
        Word2Vec(small_config(epochs=2)).train([["a"], ["b"], ["a"]], progress=False,
                                               checkpoint=tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("kw,message", [
    (dict(hs="no"), "hs must be true or false, got 'no'"),
    (dict(sg=2), "sg must be true or false, got 2"),
    (dict(alpha="0.1"), "alpha must be a number, got '0.1'"),
    (dict(sample=None), "sample must be a number, got None"),
])
def test_config_types_are_checked(kw, message):
    with pytest.raises(ConfigError, match=message):
        Word2VecConfig(**kw)


def test_gensim_style_flags_and_numpy_numbers_are_accepted():
    c = Word2VecConfig(sg=0, hs=1, alpha=np.float32(0.1))
    assert c.sg is False and c.hs is True and c.min_alpha == pytest.approx(0.025)
    assert type(c.alpha) is float and json.dumps(c.to_dict())


def test_continued_training_refuses_sentences_its_vocabulary_was_not_built_from(sentences, tmp_path):
    model = Word2Vec(small_config(epochs=1)).train(sentences, progress=False)
    model.save(tmp_path / "m.npz")
    other = [[w.upper() for w in s] for s in sentences]
    with pytest.raises(ConfigError, match=r"these sentences are not the ones this model's vocabulary was "
                                          r"built from \(412 words against 412; 'W0' is not in it\).*build a new Word2Vec"):
        Word2Vec.load(tmp_path / "m.npz").train(other, progress=False)
    again = Word2Vec.load(tmp_path / "m.npz")
    before = again.wv.vectors.copy()
    with pytest.raises(ConfigError, match="not the ones"):
        again.train(sentences[: len(sentences) // 2], progress=False)    # a part: other counts
    np.testing.assert_array_equal(again.wv.vectors, before)
    again.train(sentences, progress=False)                               # the same sentences go on


def test_continued_training_on_another_corpus_file_is_refused(tmp_path):
    from illustrated.text import Corpus

    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("a b c d\nb c d a\n" * 20)
    b.write_text("d c b a\nc b a d\n" * 20)          # as large, other text
    Word2Vec(small_config(epochs=1, min_count=1)).train(Corpus(a), progress=False).save(tmp_path / "m.npz")
    with pytest.raises(ConfigError, match=r"b.txt: not the corpus this model was trained on \(a.txt, as large"):
        Word2Vec.load(tmp_path / "m.npz").train(Corpus(b), progress=False)
    Word2Vec.load(tmp_path / "m.npz").train(Corpus(a), progress=False)

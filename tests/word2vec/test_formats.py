"""word2vec text and binary files, native .npz models; interchange with gensim."""

import numpy as np
import pytest

from illustrated.errors import FormatError
from illustrated.word2vec import KeyedVectors, Word2Vec


@pytest.fixture
def kv(model):
    return model.wv


@pytest.mark.parametrize("ext", [".bin", ".txt", ".vec", ".npz"])
def test_round_trip_is_exact_and_byte_identical(kv, tmp_path, ext):
    a, b = tmp_path / f"a{ext}", tmp_path / f"b{ext}"
    kv.save(a)
    back = KeyedVectors.load(a)
    assert back.keys == kv.keys
    np.testing.assert_array_equal(back.vectors, kv.vectors)
    back.save(b)
    if ext != ".npz":
        assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("ext,binary", [(".bin", True), (".txt", False)])
def test_gensim_reads_ours_and_we_read_gensims(kv, tmp_path, ext, binary):
    gensim_models = pytest.importorskip("gensim.models")
    ours = tmp_path / f"ours{ext}"
    kv.save(ours)
    g = gensim_models.KeyedVectors.load_word2vec_format(str(ours), binary=binary)
    assert g.index_to_key == kv.keys
    np.testing.assert_array_equal(g.vectors, kv.vectors)
    theirs = tmp_path / f"theirs{ext}"
    g.save_word2vec_format(str(theirs), binary=binary)
    back = KeyedVectors.load(theirs)
    assert back.keys == kv.keys
    np.testing.assert_allclose(back.vectors, kv.vectors, rtol=1e-6, atol=1e-7)


def test_gensim_trained_vectors_load(tmp_path, sentences):
    gensim_models = pytest.importorskip("gensim.models")
    g = gensim_models.Word2Vec(sentences[:300], vector_size=8, min_count=1, workers=1, epochs=1)
    g.wv.save_word2vec_format(str(tmp_path / "g.bin"), binary=True)
    ours = KeyedVectors.load(tmp_path / "g.bin")
    assert ours.keys == g.wv.index_to_key
    np.testing.assert_array_equal(ours.vectors, g.wv.vectors)


def test_truncated_and_corrupted_files(kv, tmp_path):
    kv.save(tmp_path / "v.bin")
    data = (tmp_path / "v.bin").read_bytes()
    (tmp_path / "cut.bin").write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError, match=r"cut\.bin: truncated or corrupted: the header promises "
                                          r"412 vectors of dim 32"):
        KeyedVectors.load(tmp_path / "cut.bin")
    (tmp_path / "cut.bin").write_bytes(data[:-200])
    with pytest.raises(FormatError, match=r"cut\.bin: truncated or corrupted at byte offset \d+"):
        KeyedVectors.load(tmp_path / "cut.bin")
    (tmp_path / "bad.bin").write_bytes(b"not a header\n" + data[20:])
    with pytest.raises(FormatError, match="first line should be"):
        KeyedVectors.load(tmp_path / "bad.bin")
    kv.save(tmp_path / "v.txt")
    lines = (tmp_path / "v.txt").read_text().splitlines()
    (tmp_path / "cut.txt").write_text("\n".join(lines[:10]) + "\n")
    with pytest.raises(FormatError, match="truncated or corrupted: the header promises 412 vectors"):
        KeyedVectors.load(tmp_path / "cut.txt")
    (tmp_path / "cut.txt").write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(FormatError, match="truncated at line 413"):
        KeyedVectors.load(tmp_path / "cut.txt")
    lines[3] = lines[3].rsplit(" ", 1)[0]
    (tmp_path / "short.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError, match="line 4: expected a key and 32 numbers"):
        KeyedVectors.load(tmp_path / "short.txt")


def test_native_model_files(model, tmp_path):
    model.save(tmp_path / "m.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]  # no temporary left behind
    model.wv.save(tmp_path / "v.npz")
    with pytest.raises(FormatError, match="vectors only"):
        Word2Vec.load(tmp_path / "v.npz")
    assert KeyedVectors.load(tmp_path / "m.npz").keys == model.wv.keys
    with pytest.raises(FormatError, match="resumable model is saved as .npz"):
        model.save(tmp_path / "m.bin")
    data = (tmp_path / "m.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 3])
    with pytest.raises(FormatError, match="cut.npz: not a readable .npz"):
        Word2Vec.load(tmp_path / "cut.npz")
    with pytest.raises(FormatError, match="unknown model format '.pkl'"):
        KeyedVectors.load(tmp_path / "m.pkl")


def test_failed_write_leaves_the_old_file(model, tmp_path):
    target = tmp_path / "v.txt"
    model.wv.save(target)
    before = target.read_bytes()
    bad = KeyedVectors(["good", "has space"], np.zeros((2, 3), np.float32))
    with pytest.raises(FormatError, match="whitespace"):
        bad.save(target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.txt"]

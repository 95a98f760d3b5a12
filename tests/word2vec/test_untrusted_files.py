"""Vector files are data from outside: NaN weights and lying headers are one-line errors."""

import bz2
import gzip
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from illustrated.errors import FormatError
from illustrated.word2vec import KeyedVectors, Word2Vec

KEYS = ["alpha", "beta", "gamma", "delta"]


def poisoned(rows=(2,), value=np.nan) -> KeyedVectors:
    vectors = np.arange(len(KEYS) * 3, dtype=np.float32).reshape(len(KEYS), 3)
    vectors[list(rows), 1] = value
    return KeyedVectors(KEYS, vectors)


@pytest.mark.parametrize("ext", [".bin", ".txt", ".npz", ".txt.gz"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_saving_non_finite_vectors_is_refused_and_writes_nothing(tmp_path, ext, value):
    target = tmp_path / f"v{ext}"
    with pytest.raises(FormatError, match=r"v\.\S+: 2 of 4 rows of .*vectors.* are not finite "
                                          r"\(NaN or infinity; first: row 1 \('beta'\)\)"):
        poisoned(rows=(1, 3), value=value).save(target)
    assert list(tmp_path.iterdir()) == []


def test_saving_a_model_with_non_finite_output_weights_is_refused(model, tmp_path):
    broken = Word2Vec.load(_saved(model, tmp_path / "m.npz"))
    broken.syn1neg[5] = np.inf
    with pytest.raises(FormatError, match=r"b\.npz: 1 of \d+ rows of 'syn1neg' are not finite"):
        broken.save(tmp_path / "b.npz")
    assert not (tmp_path / "b.npz").exists()


def _saved(model, path):
    model.save(path)
    return path


def _write_text(path, rows):
    path.write_text(f"{len(rows)} 3\n" + "".join(f"{k} {' '.join(v)}\n" for k, v in rows))


def test_loading_non_finite_vectors_is_refused_in_every_format(model, tmp_path):
    _write_text(tmp_path / "v.txt", [("a", ["1", "2", "3"]), ("b", ["nan", "0", "1"])])
    with pytest.raises(FormatError, match=r"v\.txt: 1 of 2 rows of vectors are not finite .*'b'"):
        KeyedVectors.load(tmp_path / "v.txt")
    row = np.array([0, np.inf, 0], "<f4").tobytes()
    (tmp_path / "v.bin").write_bytes(b"1 3\nx " + row + b"\n")
    with pytest.raises(FormatError, match=r"v\.bin: 1 of 1 rows of vectors are not finite"):
        KeyedVectors.load(tmp_path / "v.bin")
    # a native model whose weights were damaged after it was written (bypassing save's check)
    path = _saved(model, tmp_path / "m.npz")
    with zipfile.ZipFile(path) as z:
        arrays = {n[:-4]: np.load(z.open(n)) for n in z.namelist()}
    arrays["vectors"][7, 0] = np.nan
    np.savez(tmp_path / "bad.npz", **arrays)
    for load in (Word2Vec.load, KeyedVectors.load):
        with pytest.raises(FormatError, match=r"bad\.npz: 1 of \d+ rows of 'vectors' are not finite"
                                              r" \(NaN or infinity; first: row 7"):
            load(tmp_path / "bad.npz")


def _lying_file(path, claimed: int, dim: int, real: int) -> None:
    """A word2vec file of ``real`` rows whose header claims ``claimed``, in the path's format."""
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(real, dim)).astype("<f4")
    head = f"{claimed} {dim}\n".encode()
    if ".bin" in path.name:
        body = b"".join(f"w{i} ".encode() + v.tobytes() + b"\n" for i, v in enumerate(vectors))
    else:
        body = "".join(f"w{i} " + " ".join(f"{x:.3f}" for x in v) + "\n"
                       for i, v in enumerate(vectors)).encode()
    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(path.suffix, open)
    with opener(path, "wb") as f:
        f.write(head + body)


@pytest.mark.parametrize("name", ["v.txt", "v.bin", "v.txt.gz", "v.bin.gz", "v.vec.bz2"])
def test_a_header_promising_a_billion_rows_is_one_line_error(tmp_path, name):
    path = tmp_path / name
    _lying_file(path, 10**9, 300, 3)
    with pytest.raises(FormatError, match=r"truncated") as err:
        KeyedVectors.load(path)
    assert "\n" not in str(err.value) and name in str(err.value)


def test_the_command_line_reports_the_lying_header_in_one_line(tmp_path):
    path = tmp_path / "huge.bin"
    _lying_file(path, 10**9, 300, 3)
    r = subprocess.run([sys.executable, "-m", "illustrated.cli", "word2vec", "similar", str(path),
                        "w0"], capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "header promises 1,000,000,000 vectors" in r.stderr


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(real=st.integers(0, 5), extra=st.integers(1, 10**15), dim=st.integers(1, 400),
       ext=st.sampled_from([".txt", ".bin", ".txt.gz", ".bin.gz"]))
def test_any_overstated_row_count_is_refused_without_allocating_it(tmp_path, real, extra, dim, ext):
    path = tmp_path / f"p{ext}"
    _lying_file(path, real + extra, dim, real)
    with pytest.raises(FormatError, match="truncated"):
        KeyedVectors.load(path)


@pytest.mark.parametrize("ext", [".txt.gz", ".bin.gz"])
def test_compressed_vectors_round_trip(model, tmp_path, ext):
    model.wv.save(tmp_path / f"v{ext}")
    back = KeyedVectors.load(tmp_path / f"v{ext}")
    assert back.keys == model.wv.keys
    np.testing.assert_array_equal(back.vectors, model.wv.vectors)
    with pytest.raises(FormatError, match="written plain or as .gz"):
        model.wv.save(tmp_path / "v.txt.xz")


def test_an_npz_array_header_larger_than_memory_is_a_format_error(tmp_path):
    path = tmp_path / "big.npz"
    meta = json.dumps({"format": "illustrated.word2vec", "keys": ["a"]}).encode()
    with zipfile.ZipFile(path, "w") as z:
        header = {"descr": "<f4", "fortran_order": False, "shape": (10**13, 64)}
        with z.open("vectors.npy", "w") as f:
            np.lib.format.write_array_header_2_0(f, header)
        with z.open("meta.npy", "w") as f:
            np.lib.format.write_array(f, np.frombuffer(meta, np.uint8))
    with pytest.raises(FormatError, match=r"big\.npz: not a readable \.npz"):
        KeyedVectors.load(path)


@pytest.mark.parametrize("name", ["v.txt", "v.txt.gz"])
def test_text_vectors_beyond_the_header_count_are_refused(tmp_path, name):
    path = tmp_path / name
    _lying_file(path, 2, 3, 3)
    with pytest.raises(FormatError, match=f"{name}: line 4: more vectors than the 2"):
        KeyedVectors.load(path)


def test_text_vectors_with_crlf_and_bom_load(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"\xef\xbb\xbf2 2\r\na 1 2\r\nb 3 4\r\n")
    kv = KeyedVectors.load(path)
    assert kv.keys == ["a", "b"]
    np.testing.assert_array_equal(kv.vectors, [[1, 2], [3, 4]])


def test_a_float32_overflow_is_refused_without_a_warning(tmp_path):
    import warnings

    path = tmp_path / "v.txt"
    path.write_text("2 2\na 1e40 2\nb 3 4\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FormatError, match=r"not finite .*'a'"):
            KeyedVectors.load(path)


def test_a_compressed_header_promising_a_huge_dim_allocates_nothing(tmp_path):
    path = tmp_path / "v.txt.gz"
    path.write_bytes(gzip.compress(b"1 1000000000000\na 1\n"))
    with pytest.raises(FormatError, match="line 2: expected a key and 1000000000000 numbers"):
        KeyedVectors.load(path)


def _npz(path, arrays, **meta):
    from illustrated import files

    files.write_npz(path, arrays, {"format": "illustrated.word2vec", "version": 1, **meta})


V = np.ones((2, 3), np.float32)


@pytest.mark.parametrize("arrays,meta,message", [
    ({"vectors": np.ones(3, np.float32)}, dict(keys=["a", "b", "c"]), r"'vectors' should be float \[rows, dim"),
    ({"vectors": np.ones((2, 0), np.float32)}, dict(keys=["a", "b"]), r"'vectors' should be float"),
    ({"vectors": np.array([["x", "y"], ["z", "w"]])}, dict(keys=["a", "b"]), r"'vectors' should be float"),
    ({"vectors": V}, dict(keys=[1, 2]), "keys must be non-empty strings"),
    ({"vectors": V}, dict(keys=["a", "a"]), "key .a. appears more than once"),
    ({"vectors": V, "counts": np.ones(5, np.int64)}, dict(keys=["a", "b"]), r"'counts' should be integer \[2\]"),
    ({"vectors": V, "counts": np.ones(2, np.int64)}, dict(keys=["a", "b"], kind="model"), "needs its config and counts"),
    ({"vectors": V, "counts": np.ones(2, np.int64)},
     dict(keys=["a", "b"], kind="model", config={"dim": "x"}), "corrupted config: dim must be an integer"),
    ({"vectors": V, "counts": np.ones(2, np.int64), "syn1neg": V},
     dict(keys=["a", "b"], kind="model", config={"dim": 3}, state=[1]), "training state is not valid"),
])
def test_misshaped_npz_contents_are_one_line_errors(tmp_path, arrays, meta, message):
    path = tmp_path / "m.npz"
    _npz(path, arrays, **meta)
    load = Word2Vec.load if meta.get("kind") == "model" else KeyedVectors.load
    with pytest.raises(FormatError, match=f"m.npz: .*{message}"):
        load(path)


def test_a_file_named_npz_that_is_not_a_zip_is_a_format_error(tmp_path):
    path = tmp_path / "m.npz"
    path.write_text("hello")
    with pytest.raises(FormatError, match=r"m.npz: not a readable .npz model file \(not a zip archive\)"):
        KeyedVectors.load(path)


def test_a_text_row_longer_than_its_dim_allows_is_not_read_whole(tmp_path):
    path = tmp_path / "v.txt.gz"
    path.write_bytes(gzip.compress(b"1 2\na " + b"1" * 10_000_000 + b" 2\n"))
    with pytest.raises(FormatError, match="line 2: longer than a key and 2 numbers can be"):
        KeyedVectors.load(path)


def test_a_duplicated_key_is_named(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("3 2\na 1 2\nb 3 4\na 5 6\n")
    with pytest.raises(FormatError, match=r"v.txt: key 'a' appears more than once \(rows 0 and 2\)"):
        KeyedVectors.load(path)


@pytest.mark.parametrize("body,message", [
    (bytes(1 << 26), "corrupted at byte offset 12: expected 1000000 vectors of dim 100, read 0"),
    ((b"a " + bytes(4 * 100) + b"\n") * 160_000, r"key 'a' appears more than once \(rows 0 and 1\)"),
])
def test_a_compressed_binary_bomb_is_refused_before_it_is_decompressed(tmp_path, body, message):
    import tracemalloc

    path = tmp_path / "bomb.bin.gz"
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(b"1000000 100\n" + body)
    assert path.stat().st_size < len(body) / 100
    tracemalloc.start()
    try:
        with pytest.raises(FormatError, match=message):
            KeyedVectors.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 << 20         # the file decompresses to 64 MiB; the first rows take 16 MiB


def test_a_compressed_binary_file_is_read_as_a_stream(tmp_path):
    rng = np.random.default_rng(0)
    keys = [f"w{i}" for i in range(3000)]
    vectors = rng.standard_normal((3000, 50)).astype(np.float32)
    KeyedVectors(keys, vectors).save(tmp_path / "v.bin")
    raw = (tmp_path / "v.bin").read_bytes()
    for name, data in (("a.bin.gz", raw), ("c.bin.gz", raw[:-1])):    # with and without the last newline
        (tmp_path / name).write_bytes(gzip.compress(data))
        kv = KeyedVectors.load(tmp_path / name)
        assert kv.keys == keys
        np.testing.assert_array_equal(kv.vectors, vectors)
    (tmp_path / "d.bin.gz").write_bytes(gzip.compress(raw + b"x 1234"))
    with pytest.raises(FormatError, match="data after the 3000 vectors the header promises"):
        KeyedVectors.load(tmp_path / "d.bin.gz")
    (tmp_path / "e.bin.gz").write_bytes(gzip.compress(raw[:-100]))
    with pytest.raises(FormatError, match="expected 3000 vectors of dim 50, read 2999"):
        KeyedVectors.load(tmp_path / "e.bin.gz")

"""A stored hnsw index is checked byte by byte before hnswlib reads it (hnswlib issue #673)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from illustrated.errors import FormatError
from illustrated.files import read_npz, write_npz
from illustrated.recommend import Recommender
from illustrated.recommend.hnsw_file import HEADER, check_hnsw_bytes
from illustrated.recommend.index import HnswIndex, normalise
from illustrated.word2vec import KeyedVectors

N, DIM, M = 300, 8, 6


@pytest.fixture(scope="module")
def unit():
    return normalise(np.random.default_rng(1).normal(size=(N, DIM)))


@pytest.fixture(scope="module")
def saved(unit):
    return HnswIndex(unit, M=M, ef_construction=40, ef=20, threads=2).to_arrays()


def header(data):
    return data[:HEADER.itemsize].view(HEADER)


def test_an_index_hnswlib_wrote_passes_and_answers_as_before(unit, saved):
    check_hnsw_bytes(saved["hnsw_bytes"], unit, M)
    back = HnswIndex.from_arrays(unit, saved)
    ids, _ = back.search(unit[:5], 3)
    assert ids[:, 0].tolist() == [0, 1, 2, 3, 4]


def test_the_heap_overflow_of_issue_673_is_refused(unit, saved):
    # loadIndex sizes its level-0 buffer by max_elements and fills it with count elements
    data = saved["hnsw_bytes"].copy()
    header(data)["max_elements"] = 1
    with pytest.raises(FormatError, match="room for 1"):
        HnswIndex.from_arrays(unit, {**saved, "hnsw_bytes": data})
    data = saved["hnsw_bytes"].copy()
    header(data)["count"] = N + 1000
    with pytest.raises(FormatError, match="header field count is 1300, expected 300"):
        HnswIndex.from_arrays(unit, {**saved, "hnsw_bytes": data})


@pytest.mark.parametrize("field,value", [("size_per_element", 10**12), ("offset_data", 4),
                                         ("label_offset", 10**6), ("max_m0", 500), ("m", 7),
                                         ("offset_level0", 8)])
def test_header_fields_hnswlib_indexes_with_must_match_the_catalogue(unit, saved, field, value):
    data = saved["hnsw_bytes"].copy()
    header(data)[field] = value
    with pytest.raises(FormatError, match=f"header field {field} is {value}"):
        check_hnsw_bytes(data, unit, M)


def _element(data, i, size):
    start = HEADER.itemsize + i * size
    return data[start:start + size]


def test_links_labels_and_vectors_are_checked(unit, saved):
    size = int(header(saved["hnsw_bytes"])["size_per_element"][0])
    cases = []
    data = saved["hnsw_bytes"].copy()  # a link to an element that does not exist
    _element(data, 7, size)[4:8].view("<u4")[0] = 10**6
    cases.append((data, "points past the 300 elements"))
    data = saved["hnsw_bytes"].copy()  # more links than a list holds
    _element(data, 7, size)[0:4].view("<u4")[0] = 2 * M + 1
    cases.append((data, "lists 13 level-0 links, at most 12"))
    data = saved["hnsw_bytes"].copy()  # a deletion mark
    _element(data, 9, size)[2] = 1
    cases.append((data, "element 9 is marked deleted"))
    data = saved["hnsw_bytes"].copy()  # a label out of range
    _element(data, 3, size)[-8:].view("<u8")[0] = N
    cases.append((data, "label among elements 0–299 is not below 300"))
    data = saved["hnsw_bytes"].copy()  # a vector that is not the model's
    _element(data, 3, size)[4 * (2 * M + 1):][:4].view("<f4")[0] += 0.5
    cases.append((data, "stored vectors differ"))
    data = np.concatenate([saved["hnsw_bytes"], np.zeros(4, np.uint8)])
    cases.append((data, "the upper-level link lists end before|bytes after the last element"))
    for data, message in cases:
        with pytest.raises(FormatError, match=message):
            check_hnsw_bytes(data, unit, M)


def test_an_index_of_other_vectors_is_refused(unit, saved, tmp_path):
    kv = KeyedVectors([str(i) for i in range(N)], unit)
    Recommender(kv, index="hnsw", M=M, ef_construction=40, threads=1).save(tmp_path / "a.npz")
    arrays, meta = read_npz(tmp_path / "a.npz")
    arrays["vectors"] = np.roll(arrays["vectors"], 1, axis=0)
    write_npz(tmp_path / "b.npz", arrays, meta)
    with pytest.raises(FormatError, match=r"b\.npz: stored hnsw index is damaged or foreign: its "
                                          "stored vectors differ"):
        Recommender.load(tmp_path / "b.npz")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.integers(0, 10**9), st.integers(1, 255)), min_size=1, max_size=6))
def test_damaged_bytes_are_refused_or_harmless(unit, saved, flips):
    """Any damage either raises a FormatError or leaves an index that answers within the catalogue
    (a flipped link to another real element is harmless); hnswlib never reads out of bounds."""
    data = saved["hnsw_bytes"].copy()
    for pos, x in flips:
        data[pos % len(data)] ^= x
    try:
        index = HnswIndex.from_arrays(unit, {**saved, "hnsw_bytes": data})
    except FormatError:
        return
    ids, scores = index.search(unit[:20], 5)
    assert ((ids >= 0) & (ids < N) | (ids == -1)).all()

import numpy as np
import pytest

from illustrated.errors import IllustratedError
from illustrated.text import embed, embedding_table, pad_batch


def test_pad_batch_shapes_padding_and_mask():
    b = pad_batch([[5, 6, 7], [8], [9, 10]], pad_id=0)
    assert b.ids.shape == (3, 3) and b.ids.dtype == np.int64
    assert b.ids.tolist() == [[5, 6, 7], [8, 0, 0], [9, 10, 0]]
    assert b.lengths.tolist() == [3, 1, 2]
    assert b.mask.dtype == bool
    assert b.mask.tolist() == [[True, True, True], [True, False, False], [True, True, False]]


def test_pad_batch_truncates_to_max_len():
    b = pad_batch([[1, 2, 3, 4], [5]], pad_id=9, max_len=2)
    assert b.ids.tolist() == [[1, 2], [5, 9]]
    assert b.lengths.tolist() == [2, 1]


def test_embedding_lookup_shape_and_pad_row():
    b = pad_batch([[1, 2, 3], [4]], pad_id=0)
    table = embedding_table(10, 8, seed=1, pad_id=0)
    out = embed(b.ids, table)
    assert out.shape == (2, 3, 8) and out.dtype == np.float32
    np.testing.assert_array_equal(out[1, 1], np.zeros(8, dtype=np.float32))
    np.testing.assert_array_equal(out[0, 2], table[3])


def test_bad_inputs():
    with pytest.raises(IllustratedError):
        pad_batch([])
    with pytest.raises(IllustratedError, match="ids must lie"):
        embed(np.array([[0, 11]]), embedding_table(10, 4))

"""The recommender's model file: one uncompressed ``.npz``, never pickled, written atomically.

It holds the item keys, vectors (float32 ``[n, dim]``), counts and popularity (int64 ``[n]``),
optionally the item names (:mod:`.names`), the sequential rules (CSR arrays, :mod:`.rules`) and
the search index's own arrays (``index_*``, see :mod:`.index`), beside a JSON document of
settings tagged with :data:`FORMAT`. :func:`illustrated.files.write_npz` and
:func:`~illustrated.files.read_npz` hold the ``.npz`` rules; this module says what goes in and
checks every part on the way out: a damaged or foreign file is a :class:`FormatError` naming it,
never a crash or a model that answers garbage.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from ..errors import ConfigError, FormatError
from ..files import check_finite, read_npz, write_npz
from .config import Item2VecConfig
from .index import index_from_arrays
from .names import pack_names, unpack_names

__all__ = ["FORMAT", "StoredModel", "write_model", "read_model", "read_settings"]

FORMAT = "illustrated.recommender/1"
_RULES = ("rules_indptr", "rules_indices", "rules_data")


@dataclass
class StoredModel:
    """A model file's checked contents.

    ``vectors`` is a :class:`~illustrated.word2vec.KeyedVectors`, ``popularity`` int64 ``[n]``,
    ``index`` the search index over the unit vectors, ``names`` one per item ("" for none) or
    None, ``rules`` a float32 CSR ``[n, n]`` or None, and ``settings`` the JSON document (the
    recommender's settings and its training config as a dict, or None).
    """

    vectors: object
    popularity: np.ndarray
    index: object
    names: list[str] | None
    rules: sparse.csr_matrix | None
    settings: dict


def write_model(path: str | os.PathLike, vectors, popularity: np.ndarray, index,
                names: list[str] | None, rules: sparse.csr_matrix | None, settings: dict) -> Path:
    """Write a model file; the same contents always give the same bytes.

    Vectors with NaN or infinity, and item ids the file cannot hold (ending in NUL), are refused
    with a :class:`FormatError` naming the file, and nothing is written.
    """
    check_finite(vectors.vectors, path, "item vectors", "save", vectors.keys)
    meta = {"format": FORMAT, "index": index.kind, **settings}
    arrays = {"keys": _key_array(vectors.keys, path),
              "vectors": np.asarray(vectors.vectors, dtype=np.float32),
              "counts": np.asarray(vectors.counts, dtype=np.int64),
              "popularity": popularity}
    if names is not None:
        arrays["names_utf8"], arrays["names_offsets"] = pack_names(names)
    if rules is not None:
        arrays.update({"rules_indptr": rules.indptr.astype(np.int64),
                       "rules_indices": rules.indices.astype(np.int64),
                       "rules_data": rules.data.astype(np.float32)})
    arrays.update({f"index_{k}": v for k, v in index.to_arrays().items()})
    write_npz(path, arrays, meta)
    return Path(path)


def _key_array(keys: list[str], path) -> np.ndarray:
    """The item ids as the file stores them, checked to read back as they are: NumPy's text
    arrays drop trailing NUL characters, so ``'a\\x00'`` would come back as ``'a'`` (another
    item, or a duplicate of one), and a file the loader refuses or misreads is never written."""
    array = np.array(keys, dtype=str)
    for key, back in zip(keys, array.tolist()):
        if key != back:
            raise FormatError(f"{path}: item id {key!r} ends in a NUL character, which the model file "
                              "cannot hold; refusing to save (nothing was written)")
    return array


def read_model(path: str | os.PathLike) -> StoredModel:
    """Read a file from :func:`write_model`; reading never runs code and trusts nothing.

    Vectors with NaN or infinity, damaged names or rules, and an hnsw index that does not match
    the vectors byte for byte (see :mod:`.hnsw_file`) are each a :class:`FormatError` naming the
    file.
    """
    from ..word2vec import KeyedVectors

    arrays, meta = read_npz(path, required=("keys", "vectors", "counts", "popularity"))
    if meta.get("format") != FORMAT:
        raise FormatError(f"{path}: not a recommender model (format {meta.get('format')!r}, "
                          f"expected {FORMAT!r})")
    _check_kinds(arrays, path)
    keys = arrays["keys"].tolist()
    vectors = arrays["vectors"]
    if vectors.ndim != 2 or len(vectors) != len(keys) or arrays["counts"].shape != (len(keys),):
        raise FormatError(f"{path}: keys, vectors and counts disagree in length")
    check_finite(vectors, path, "item vectors", "load", keys)
    names = None
    if "names_utf8" in arrays or "names_offsets" in arrays:
        names = unpack_names(arrays.get("names_utf8", np.zeros(0, np.uint8)),
                             arrays.get("names_offsets", np.zeros(0, np.int64)), len(keys), str(path))
    kv = KeyedVectors(keys, vectors, arrays["counts"])
    unit = np.ascontiguousarray(kv.unit, dtype=np.float32)
    index_arrays = {k[len("index_"):]: v for k, v in arrays.items() if k.startswith("index_")}
    try:
        index = index_from_arrays(meta.get("index", "exact"), unit, index_arrays)
    except FormatError as e:
        raise FormatError(f"{path}: {e}") from None
    settings = {k: v for k, v in meta.items() if k not in ("format", "index")}
    return StoredModel(kv, arrays["popularity"], index, names, _read_rules(arrays, len(keys), path),
                       settings)


def _check_kinds(arrays: dict[str, np.ndarray], path) -> None:
    """Keys are strings, vectors floats of at least one dimension, counts and popularity
    non-negative integers: anything else is a foreign or damaged file."""
    kinds = {"keys": ("U", "text"), "vectors": ("f", "floating-point numbers"),
             "counts": ("iu", "integers"), "popularity": ("iu", "integers")}
    for name, (kind, what) in kinds.items():
        if arrays[name].dtype.kind not in kind:
            raise FormatError(f"{path}: {name} must be {what}, found {arrays[name].dtype}")
    for name in ("counts", "popularity"):
        if arrays[name].size and arrays[name].min() < 0:
            raise FormatError(f"{path}: {name} must not be negative")
    if arrays["vectors"].ndim == 2 and arrays["vectors"].shape[1] == 0:
        raise FormatError(f"{path}: item vectors have no dimension")


def _read_rules(arrays: dict[str, np.ndarray], n: int, path) -> sparse.csr_matrix | None:
    """The stored rule table, checked entry by entry (a damaged file is an error, never a crash)."""
    if not any(k in arrays for k in _RULES):
        return None
    if not all(k in arrays for k in _RULES):
        raise FormatError(f"{path}: rules need all of {', '.join(_RULES)}")
    indptr, indices, data = (arrays[k] for k in _RULES)
    if (indptr.ndim != 1 or indptr.shape != (n + 1,) or indices.ndim != 1 or data.shape != indices.shape
            or not np.issubdtype(indptr.dtype, np.integer) or not np.issubdtype(indices.dtype, np.integer)
            or indptr[0] != 0 or indptr[-1] != len(indices) or np.any(np.diff(indptr) < 0)
            or (len(indices) and (indices.min() < 0 or indices.max() >= n))):
        raise FormatError(f"{path}: rules: not a valid [{n}, {n}] sparse table")
    check_finite(data, path, "rule weights", "load")
    return sparse.csr_matrix((data.astype(np.float32), indices.astype(np.int32), indptr.astype(np.int64)),
                             shape=(n, n))


# settings of models saved before they were stored (the values those releases used)
_QUERY_DEFAULTS = {"decay": 0.8, "max_context": 50, "rules_weight": 0.0, "rules_last": 5}


def read_settings(settings: dict, path) -> tuple[dict, Item2VecConfig | None]:
    """The stored query settings (``decay``, ``max_context``, ``rules_weight``, ``rules_last``)
    and training config, checked as training checks them: a damaged value is a
    :class:`FormatError` naming the file, never a traceback or answers with infinite scores."""
    try:
        config = settings.get("config")
        if config is not None and not isinstance(config, dict):
            raise ConfigError(f"config must be a JSON object, got {type(config).__name__}")
        values = {k: settings.get(k, v) for k, v in _QUERY_DEFAULTS.items()}
        Item2VecConfig().replace(**values)  # raises a ConfigError naming a bad value
        return values, Item2VecConfig().replace(**config) if config else None
    except (ConfigError, TypeError, ValueError) as e:
        raise FormatError(f"{path}: damaged settings ({e})") from None

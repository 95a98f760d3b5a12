"""What a recommender knows about its items besides their vectors: attributes and cold items.

An :class:`ItemSide` is aligned with a recommender's keys. It holds the attribute rows EGES
learned (named ``field=value``), each item's attribute values (CSR), the logits of its learned
weights, its own id row, and why an item is *cold* — in the catalogue without events to learn
from, its vector made from its attributes. Its arrays travel inside the model's ``.npz``
(``attr_*``), checked on loading before anything is allocated from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import FormatError
from ..files import check_finite
from .attributes import AttributeSchema

__all__ = ["ItemSide", "COLD_REASONS", "WARM", "NO_EVENTS", "BELOW_MIN_COUNT", "ALONE", "ADDED"]

WARM, NO_EVENTS, BELOW_MIN_COUNT, ALONE, ADDED = 0, 1, 2, 3, 4
COLD_REASONS = {NO_EVENTS: "no events in training",
                BELOW_MIN_COUNT: "fewer events than min_count",
                ALONE: "never in a session with another item",
                ADDED: "added after training"}


@dataclass
class ItemSide:
    """Side information aligned with ``n`` items of dimension ``dim``.

    Attributes:
        schema: how raw attribute values are named (None: attributes were not used).
        values: names of the attribute rows, ``[n_values]``.
        value_vectors: float32 ``[n_values, dim]`` the attribute rows.
        indptr, indices: int64 ``[n + 1]`` / int32 ``[nnz]``: item ``i``'s values are
            ``indices[indptr[i]:indptr[i + 1]]``.
        logits: float32 ``[nnz]`` the logit of each of an item's values; ``id_logits`` float32
            ``[n]`` that of its own row.
        id_vectors: float32 ``[n, dim]`` each item's own row (zero for a cold item).
        cold: uint8 ``[n]``: 0 for an item learned from events, else a key of
            :data:`COLD_REASONS`.
        market: the attribute field that names each item's market, or None.
    """

    schema: AttributeSchema | None
    values: list[str]
    value_vectors: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    logits: np.ndarray
    id_logits: np.ndarray
    id_vectors: np.ndarray
    cold: np.ndarray
    market: str | None = None
    value_index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.value_index = {v: i for i, v in enumerate(self.values)}

    def __len__(self) -> int:
        return len(self.cold)

    def values_of(self, i: int) -> list[str]:
        return [self.values[j] for j in self.indices[self.indptr[i]:self.indptr[i + 1]]]

    def weights(self, i: int) -> np.ndarray:
        """float32 ``[1 + m]``: the weight of item ``i``'s own row, then of each of its values,
        as its vector mixes them (a cold item: 0 for its own row, equal weights for its values)."""
        a, b = self.indptr[i], self.indptr[i + 1]
        if self.cold[i]:
            w = np.full(1 + b - a, 1.0 / max(b - a, 1))
            w[0] = 0.0
            return w.astype(np.float32)
        logits = np.concatenate([[self.id_logits[i]], self.logits[a:b]]).astype(np.float64)
        w = np.exp(logits - logits.max())
        return (w / w.sum()).astype(np.float32)

    def cold_reason(self, i: int) -> str | None:
        """Why item ``i`` is cold (None when it was learned from events)."""
        code = int(self.cold[i])
        if not code:
            return None
        values = self.values_of(i)
        shown = ", ".join(values[:6]) + (", …" if len(values) > 6 else "")
        source = f"its attributes ({shown})" if values else "no known attribute"
        return f"cold item: {COLD_REASONS.get(code, 'cold')}; its vector comes from {source}"

    def append(self, value_ids: list[int], code: int) -> None:
        """Add one item at the end (an item added to a running catalogue)."""
        self.indices = np.concatenate([self.indices, np.asarray(value_ids, np.int32)])
        self.indptr = np.append(self.indptr, self.indptr[-1] + len(value_ids)).astype(np.int64)
        self.logits = np.concatenate([self.logits, np.zeros(len(value_ids), np.float32)])
        self.id_logits = np.append(self.id_logits, np.float32(0.0)).astype(np.float32)
        dim = self.id_vectors.shape[1]
        self.id_vectors = np.vstack([self.id_vectors, np.zeros((1, dim), np.float32)])
        self.cold = np.append(self.cold, np.uint8(code)).astype(np.uint8)

    # ---- the model file ---------------------------------------------------------------------------
    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict]:
        """Arrays (``attr_*``) and a JSON document (``attributes``) for the model file."""
        from .names import pack_names

        data, offsets = pack_names(self.values)
        arrays = {"attr_values_utf8": data, "attr_values_offsets": offsets,
                  "attr_vectors": self.value_vectors, "attr_indptr": self.indptr,
                  "attr_indices": self.indices, "attr_logits": self.logits,
                  "attr_id_logits": self.id_logits, "attr_id_vectors": self.id_vectors,
                  "attr_cold": self.cold}
        meta = {"schema": self.schema.to_dict() if self.schema is not None else None,
                "market": self.market}
        return arrays, meta

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: object, n: int, dim: int,
                    where: str) -> "ItemSide":
        """The side information of a model file of ``n`` items of ``dim``, every size checked
        against the others (and the names' offsets against their bytes) before use."""
        from .names import unpack_names

        names = ("attr_values_utf8", "attr_values_offsets", "attr_vectors", "attr_indptr",
                 "attr_indices", "attr_logits", "attr_id_logits", "attr_id_vectors", "attr_cold")
        missing = [k for k in names if k not in arrays]
        if missing:
            raise FormatError(f"{where}: attributes need the array(s) {', '.join(missing)}")
        if not isinstance(meta, dict):
            raise FormatError(f"{where}: damaged attribute settings")
        vectors, indptr, indices = arrays["attr_vectors"], arrays["attr_indptr"], arrays["attr_indices"]
        if vectors.ndim != 2 or vectors.shape[1] != dim or vectors.dtype.kind != "f":
            raise FormatError(f"{where}: attribute vectors must be [values, {dim}] floats")
        n_values = len(vectors)
        values = unpack_names(arrays["attr_values_utf8"], arrays["attr_values_offsets"], n_values,
                              f"{where}: attribute names")
        if len(set(values)) != n_values:
            raise FormatError(f"{where}: attribute names are not unique")
        if (indptr.shape != (n + 1,) or indptr.dtype.kind not in "iu" or indices.ndim != 1
                or indices.dtype.kind not in "iu" or indptr[0] != 0 or indptr[-1] != len(indices)
                or np.any(np.diff(indptr) < 0)
                or (len(indices) and (indices.min() < 0 or indices.max() >= n_values))):
            raise FormatError(f"{where}: item attributes are damaged (not a valid [{n}, "
                              f"{n_values}] table)")
        shapes = {"attr_logits": (len(indices),), "attr_id_logits": (n,),
                  "attr_id_vectors": (n, dim), "attr_cold": (n,)}
        for k, shape in shapes.items():
            if arrays[k].shape != shape:
                raise FormatError(f"{where}: {k} must have shape {list(shape)}, found "
                                  f"{list(arrays[k].shape)}")
        for k, what in (("attr_vectors", "attribute vectors"), ("attr_logits", "attribute weights"),
                        ("attr_id_logits", "item weights"), ("attr_id_vectors", "item id vectors")):
            if arrays[k].dtype.kind != "f":
                raise FormatError(f"{where}: {what} must be floating-point numbers")
            check_finite(arrays[k], where, what, "load")
        cold = arrays["attr_cold"]
        if cold.dtype.kind not in "iu" or (n and (cold.min() < 0 or cold.max() > max(COLD_REASONS))):
            raise FormatError(f"{where}: damaged cold-item flags")
        schema = meta.get("schema")
        market = meta.get("market")
        if market is not None and not isinstance(market, str):
            raise FormatError(f"{where}: damaged market field")
        return cls(AttributeSchema.from_dict(schema, where) if schema is not None else None,
                   values, vectors.astype(np.float32), indptr.astype(np.int64),
                   indices.astype(np.int32), arrays["attr_logits"].astype(np.float32),
                   arrays["attr_id_logits"].astype(np.float32),
                   arrays["attr_id_vectors"].astype(np.float32), cold.astype(np.uint8), market)

"""Items that never share a session with another item: nothing is learned about them."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import CorpusError

__all__ = ["without_lone_items"]


def without_lone_items(wv, sessions: Sequence[list[str]]):
    """``wv`` without the items that never shared a session with another kept item, and those
    items (sorted).

    Such an item is never a context of anything, so its vector stays at its random start: served,
    it would be a random neighbour. Left out, it is an unknown item (popularity answers for it).
    """
    from ..word2vec import KeyedVectors

    k2i, together = wv.key_to_index, set()
    for s in sessions:
        kept = {i for i in s if i in k2i}
        if len(kept) > 1:
            together.update(kept)
    if len(together) == len(wv.keys):
        return wv, []
    if not together:
        raise CorpusError("no two items kept for training (min_count) share a session: "
                          "nothing to learn")
    rows = [i for i, k in enumerate(wv.keys) if k in together]
    alone = sorted(k for k in wv.keys if k not in together)
    return KeyedVectors([wv.keys[i] for i in rows], wv.vectors[rows], wv.counts[rows]), alone

"""Finding items by what a person types: an id, or a name the model carries.

:class:`ItemLookup` adds to a :class:`~.item2vec.Recommender` the two lookups every face uses —
the command line (``recommend similar films.npz "Toy Story"``) and the live page (suggestions as
one types, an item picked by its name) — so they find the same items the same way.
"""

from __future__ import annotations

from ..errors import ConfigError

__all__ = ["ItemLookup"]


class ItemLookup:
    """Lookups for a recommender holding ``vectors`` (keys) and ``names`` (aligned, or None)."""

    def find_items(self, query: str, limit: int = 20) -> list[str]:
        """Up to ``limit`` item ids whose id or name contains ``query`` (any case), whole matches
        first, then in catalogue order; every item (in order) for an empty query."""
        keys = self.vectors.keys
        q = query.strip().casefold()
        if not q:
            return [str(k) for k in keys[:limit]]
        names = self.names or [""] * len(keys)
        hits = [i for i, (k, n) in enumerate(zip(keys, names))
                if q in str(k).casefold() or q in n.casefold()]
        hits.sort(key=lambda i: str(keys[i]).casefold() != q and names[i].casefold() != q)
        return [str(keys[i]) for i in hits[:limit]]

    def resolve(self, query: str, strict: bool = True, where: str = "the model") -> str:
        """The item id for ``query``: an id, else the item whose name it is (whole, any case),
        else the one item whose name contains it.

        Several names containing it are a :class:`ConfigError` listing some; an unknown query is
        one too when ``strict``, else it is returned as given (a session ignores it). ``where``
        names the model in the messages.
        """
        if query in self:
            return query
        if self.names is not None:
            q = query.casefold()
            keys, names = self.vectors.keys, self.names
            exact = [k for k, n in zip(keys, names) if n and n.casefold() == q]
            partial = exact or [k for k, n in zip(keys, names) if n and q in n.casefold()]
            if len(partial) == 1:
                return partial[0]
            if partial:
                shown = "; ".join(self.label(k) for k in partial[:5])
                raise ConfigError(f"{query!r} matches {len(partial)} item names in {where}: {shown}"
                                  f"{'; …' if len(partial) > 5 else ''} (give an id or a longer name)")
        if not strict:
            return query
        raise ConfigError(f"unknown item {query!r} (no such id{' or name' if self.names else ''} "
                          f"in {where})")

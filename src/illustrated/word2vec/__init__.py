"""word2vec (filled in by its own issue)."""

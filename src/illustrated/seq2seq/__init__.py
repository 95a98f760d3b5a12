"""seq2seq (filled in by its own issue)."""

"""illustrate (filled in by its own issue)."""

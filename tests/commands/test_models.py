"""Loading models for the figures: a part of the toolkit that cannot be imported is a one-line
error naming it, not a traceback."""

import sys

import pytest

from illustrated.commands.models import load_translator
from illustrated.errors import IllustratedError


def test_a_part_that_cannot_be_imported_is_named(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "illustrated.seq2seq", None)  # import raises ImportError
    with pytest.raises(IllustratedError, match="^translation support is not available"):
        load_translator(tmp_path)


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(IllustratedError, match="no such translator folder"):
        load_translator(tmp_path / "nowhere")

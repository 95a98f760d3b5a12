"""Shared fixtures: where the real data sets live, skipped cleanly when absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from illustrated.data_paths import ENV, shared_data_dir


@pytest.fixture(scope="session")
def shared_data() -> Path:
    root = shared_data_dir()
    if root is None or not root.exists():
        pytest.skip(f"shared data not found ({root or f'no shared/data folder; set ${ENV}'})")
    return root


@pytest.fixture(scope="session")
def transformer_dir(tmp_path_factory) -> Path:
    """A tiny French→English Transformer (joint subwords, 2+2 layers, 4 heads) trained on the
    project's own sentences by the CLI (a few seconds), validated on 30 held-out ones; its data
    files are beside the model."""
    import sys

    import torch

    from illustrated.cli import main
    from illustrated.seq2seq.toy import french_english, held_out

    root = tmp_path_factory.mktemp("transformer")
    pairs, valid = held_out(french_english(), 30)     # validation never sees a training sentence
    for split, rows in (("train", pairs), ("valid", valid)):
        (root / f"{split}.fr").write_text("".join(f"{f}\n" for f, _ in rows), encoding="utf-8")
        (root / f"{split}.en").write_text("".join(f"{e}\n" for _, e in rows), encoding="utf-8")
    argv, threads = sys.argv, torch.get_num_threads()
    sys.argv = ["illustrated", "translate", "train", "--arch", "transformer", "--train", str(root / "train"),
                "--valid", str(root / "valid"), "--src", "fr", "--tgt", "en", "-o", str(root / "model"),
                "--bpe-vocab", "150", "--d-model", "64", "--heads", "4", "--ff-dim", "128", "--layers", "2",
                "--dropout", "0", "--attention-dropout", "0", "--epochs", "15", "--max-tokens", "600",
                "--lr", "0.003", "--warmup", "50", "--average-last", "3", "--threads", "1"]
    try:
        with pytest.raises(SystemExit) as e:
            main()
        assert not e.value.code
    finally:
        sys.argv = argv
        torch.set_num_threads(threads)
    return root / "model"

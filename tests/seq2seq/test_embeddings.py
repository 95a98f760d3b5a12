"""Pretrained word vectors initialise (and optionally freeze) the embedding tables."""

import numpy as np
import pytest
import torch

from illustrated.errors import ConfigError, FormatError
from illustrated.seq2seq import Seq2Seq, TrainConfig, Trainer
from illustrated.seq2seq.embeddings import init_embedding
from illustrated.text import Vocab
from illustrated.word2vec import KeyedVectors

from .helpers import reverse_data, tiny_config


def test_vectors_are_copied_and_can_be_frozen(tmp_path):
    vocab = Vocab.build([[str(d) for d in range(10)]])           # ids 4..13 are '0'..'9'
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(3, 32)).astype(np.float32)
    path = tmp_path / "v.txt"
    path.write_text("3 32\n" + "".join(f"{w} {' '.join(f'{x:.6f}' for x in v)}\n"
                                       for w, v in zip(["3", "7", "absent"], vecs)), encoding="utf-8")
    torch.manual_seed(0)
    model = Seq2Seq(tiny_config())
    assert init_embedding(model.src_embed, vocab, path) == 2
    np.testing.assert_allclose(model.src_embed.weight[vocab.stoi["7"]].detach().numpy(), vecs[1], atol=1e-6)
    before = model.src_embed.weight.detach().clone()
    Trainer(model, TrainConfig(epochs=1, batch_size=32, patience=0, freeze_src_embeddings=True), tmp_path,
            progress=False).fit(reverse_data(200))
    assert torch.equal(before, model.src_embed.weight)            # frozen
    assert not model.src_embed.weight.requires_grad


@pytest.mark.parametrize("name", ["v.npz", "v.bin", "v.txt", "v.vec.gz"])
def test_every_format_word2vec_writes_is_read(tmp_path, name):
    """The one word2vec loader reads what ``word2vec train`` writes, whatever the extension."""
    vocab = Vocab.build([[str(d) for d in range(10)]])
    vecs = np.random.default_rng(1).normal(size=(3, 32)).astype(np.float32)
    KeyedVectors(["3", "7", "absent"], vecs).save(tmp_path / name)
    model = Seq2Seq(tiny_config())
    assert init_embedding(model.src_embed, vocab, tmp_path / name) == 2
    np.testing.assert_allclose(model.src_embed.weight[vocab.stoi["3"]].detach().numpy(), vecs[0], atol=1e-6)
    np.testing.assert_allclose(model.src_embed.weight[vocab.stoi["7"]].detach().numpy(), vecs[1], atol=1e-6)


def test_bad_vector_files(tmp_path):
    table = Seq2Seq(tiny_config()).src_embed
    vocab = Vocab.build([["5"]])
    p = tmp_path / "v.txt"
    p.write_text("not a header\n", encoding="utf-8")
    with pytest.raises(FormatError, match="the first line should be '<count> <dim>'"):
        init_embedding(table, vocab, p)
    p.write_text("1 3\nword 1 2\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 2: expected a key and 3 numbers"):
        init_embedding(table, vocab, p)
    p.write_text("1 3\n5 1 2 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="3 dimensions but the embeddings have 32"):
        init_embedding(table, vocab, p)

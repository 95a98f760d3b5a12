"""From parallel files to a model folder: tokenizers, vocabularies, the model, training.

:func:`train_translator` reads the files, learns the tokenizers and vocabularies (rank 0, sent to
the other ranks under ``torchrun``), has :mod:`.folder` write them with the configuration, trains
with :class:`~.trainer.Trainer`, and returns the folder's best model as a :class:`Translator`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import torch

from ..errors import ConfigError, FormatError
from ..text import Tokenizer, Vocab
from .archs import build_model
from .data import DataConfig, ParallelData, build_vocab
from ..distributed import World, current
from .folder import CHECKPOINT, read_train_config, vocab_fingerprint, write_folder
from .parallel import read_pairs
from .trainer import Trainer, TrainConfig
from .translator import Translator

__all__ = ["train_translator", "make_vocabularies"]


def _codec_and_vocab(lines: Sequence[str], data: DataConfig, seed: int) -> tuple[Tokenizer, Vocab]:
    if data.tokens == "bpe":
        codec = Tokenizer.train_bpe(lines, data.bpe_vocab, data.lowercase, seed)
        vocab = build_vocab((codec.tokenize(s) for s in lines), 1)
    else:
        codec = Tokenizer("words", data.lowercase)
        vocab = build_vocab((codec.tokenize(s) for s in lines), data.min_count, data.max_vocab)
    return codec, vocab


def make_vocabularies(src_lines: Sequence[str], tgt_lines: Sequence[str], data: DataConfig,
                      seed: int = 1) -> tuple[Vocab, Vocab, Tokenizer, Tokenizer]:
    """Tokenizers and vocabularies learned from the training text: one per side, or one shared
    by both sides (``data.joint_vocab``, learned from both sides' lines together)."""
    if data.joint_vocab:
        codec, vocab = _codec_and_vocab(list(src_lines) + list(tgt_lines), data, seed)
        return vocab, vocab, codec, codec
    src_codec, src_vocab = _codec_and_vocab(src_lines, data, seed)
    tgt_codec, tgt_vocab = _codec_and_vocab(tgt_lines, data, seed)
    return src_vocab, tgt_vocab, src_codec, tgt_codec


def train_translator(train_prefix: str | Path, valid_prefix: str | Path | None, out_dir: str | Path,
                     data: DataConfig, model_cfg, train_cfg: TrainConfig,
                     resume: bool = False, progress: bool = True, echo=None,
                     src_vectors: str | Path | None = None,
                     tgt_vectors: str | Path | None = None, world: World | None = None) -> tuple[Translator, dict]:
    """Read the files, build tokenizers and vocabularies, train, and leave a model folder.

    ``model_cfg`` is a :class:`Seq2SeqConfig` or a :class:`TransformerConfig`. With ``resume``
    the folder's configuration (all but ``epochs``), vocabularies and ``checkpoint.pt`` are used
    and training continues exactly where it stopped. In a process group (``torchrun``, see
    :mod:`illustrated.distributed`) every rank calls this; rank 0 writes the folder.
    """
    out = Path(out_dir)
    world = world or current()
    say = (echo or (lambda s: None)) if world.main else (lambda s: None)
    src_lines, tgt_lines = read_pairs(train_prefix, data.src_lang, data.tgt_lang, "training", say)
    valid = None
    if valid_prefix is not None:
        valid = read_pairs(valid_prefix, data.src_lang, data.tgt_lang, "validation", say)
    torch.manual_seed(train_cfg.seed)
    if resume:
        prev, train_cfg = _reopen_model_dir(out, data, train_cfg)
        data, model_cfg = prev.data, prev.model.cfg
        vocabs = prev.src_vocab, prev.tgt_vocab, prev.src_codec, prev.tgt_codec
    else:
        vocabs = _start_model_dir(out, src_lines, tgt_lines, data, model_cfg, train_cfg, world)
    src_vocab, tgt_vocab, src_codec, tgt_codec = vocabs
    say(f"vocabulary: {len(src_vocab)} {data.src_lang} / {len(tgt_vocab)} {data.tgt_lang} tokens"
        + (" (joint)" if data.joint_vocab else ""))
    train = ParallelData.from_text(src_lines, tgt_lines, src_codec, tgt_codec, src_vocab, tgt_vocab,
                                   train_cfg.max_len, data.source_eos)
    valid_data = refs = None
    if valid is not None:
        valid_data = ParallelData.from_text(valid[0], valid[1], src_codec, tgt_codec, src_vocab, tgt_vocab,
                                            source_eos=data.source_eos)
        refs = valid[1]
    torch.manual_seed(train_cfg.seed)
    model = build_model(model_cfg)
    if not resume:
        from .embeddings import init_embeddings

        init_embeddings(model, src_vocab, tgt_vocab, src_vectors, tgt_vectors, say)
    translator = Translator(model, src_vocab, tgt_vocab, src_codec, tgt_codec, data)
    extra = {"src_vocab": vocab_fingerprint(src_vocab), "tgt_vocab": vocab_fingerprint(tgt_vocab)}
    trainer = Trainer(_placed(model, world, train_cfg.seed), train_cfg, out, valid_data, refs,
                      translator.detokenize, data.lowercase, extra, progress, world)
    if resume:
        trainer.resume()
        if trainer.epoch >= train_cfg.epochs and trainer.finished:
            raise ConfigError(f"{out} has already been trained for {trainer.epoch} epochs; give --epochs "
                              f"above {trainer.epoch} to continue it")
        say(f"resumed at epoch {trainer.epoch + 1}, step {trainer.step}" if trainer.epoch < train_cfg.epochs
            else f"resumed after the last epoch ({trainer.epoch}): finishing the run")
    last = trainer.fit(train)
    return Translator.load(out), _summary(last, trainer)


def _start_model_dir(out: Path, src_lines: Sequence[str], tgt_lines: Sequence[str], data: DataConfig,
                     model_cfg, train_cfg: TrainConfig,
                     world: World) -> tuple[Vocab, Vocab, Tokenizer, Tokenizer]:
    """A new model folder: rank 0 learns the tokenizers and vocabularies and writes them with the
    configs; every rank gets them and sets ``model_cfg``'s vocabulary sizes and special ids."""
    if getattr(model_cfg, "share_embeddings", False) and not data.joint_vocab:
        raise ConfigError("sharing source and target embeddings needs a joint vocabulary "
                          "(--joint-vocab), or turn sharing off (--no-share-embeddings)")
    vocabs = None
    if world.main:
        vocabs = make_vocabularies(src_lines, tgt_lines, data, train_cfg.seed)
        _fill_ids(model_cfg, vocabs[0], vocabs[1])
        write_folder(out, *vocabs, data, model_cfg, train_cfg)
    # the other ranks (perhaps on other machines) get rank 0's vocabularies and tokenizers
    src_vocab, tgt_vocab, src_codec, tgt_codec = _unpack(world.from_main(_pack(vocabs) if world.main else None))
    _fill_ids(model_cfg, src_vocab, tgt_vocab)
    return src_vocab, tgt_vocab, src_codec, tgt_codec


def _summary(last: dict, trainer: Trainer) -> dict:
    """What :func:`train_translator` reports beside the best model."""
    return {"last": last, "history": trainer.history, "steps": trainer.step, "epochs": trainer.epoch,
            "train_seconds": trainer.train_seconds, "train_tokens": trainer.train_tokens}


def _pack(vocabs) -> tuple:
    """Vocabularies and tokenizers as plain data (to send to the other ranks)."""
    src_vocab, tgt_vocab, src_codec, tgt_codec = vocabs
    return tuple((v.itos, list(map(int, v.counts)), v.specials) for v in (src_vocab, tgt_vocab)) + \
        tuple((c.kind, c.lowercase, c.spm_model) for c in (src_codec, tgt_codec))


def _unpack(packed: tuple) -> tuple[Vocab, Vocab, Tokenizer, Tokenizer]:
    src_vocab, tgt_vocab, src_codec, tgt_codec = packed
    return Vocab(*src_vocab), Vocab(*tgt_vocab), Tokenizer(*src_codec), Tokenizer(*tgt_codec)


def _placed(model: torch.nn.Module, world: World, seed: int) -> torch.nn.Module:
    """The model on this process's device (GPU ``LOCAL_RANK`` when CUDA is there), wrapped in
    ``DistributedDataParallel`` in a process group of more than one rank."""
    if torch.cuda.is_available():
        model.to(torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0"))))
    if world.size == 1:
        return model
    from torch.nn.parallel import DistributedDataParallel

    torch.manual_seed(seed + 7919 * world.rank)     # each rank draws its own dropout masks
    device = next(model.parameters()).device
    return DistributedDataParallel(model, device_ids=[device] if device.type == "cuda" else None)


def _fill_ids(model_cfg, src_vocab: Vocab, tgt_vocab: Vocab) -> None:
    """Vocabulary sizes and special ids from the vocabularies into the model configuration."""
    model_cfg.src_vocab_size, model_cfg.tgt_vocab_size = len(src_vocab), len(tgt_vocab)
    model_cfg.pad_id, model_cfg.bos_id, model_cfg.eos_id = tgt_vocab.pad_id, tgt_vocab.bos_id, tgt_vocab.eos_id


def _reopen_model_dir(out: Path, data: DataConfig, train_cfg: TrainConfig) -> tuple[Translator, TrainConfig]:
    """The translator and training settings of a folder being resumed (only ``epochs`` may change)."""
    if not (out / CHECKPOINT).exists():
        raise FormatError(f"{out / CHECKPOINT}: no checkpoint to resume from")
    prev = Translator.load(out, weights=CHECKPOINT)
    if (prev.data.src_lang, prev.data.tgt_lang) != (data.src_lang, data.tgt_lang):
        raise ConfigError(f"{out} translates {prev.data.src_lang}→{prev.data.tgt_lang}, "
                          f"not {data.src_lang}→{data.tgt_lang}")
    return prev, read_train_config(out, train_cfg.epochs)

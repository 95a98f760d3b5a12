"""A trained translator on disk, and the pipeline that makes one from parallel files.

A model folder holds ``config.json`` (model, data and training settings), ``src.vocab`` and
``tgt.vocab`` (our plain vocabulary format), ``src.spm``/``tgt.spm`` for subword models,
``model.pt`` (best weights) and ``checkpoint.pt`` (latest training state), both read with
``torch.load(weights_only=True)``, and ``metrics.jsonl``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import ConfigError, FormatError, IllustratedError
from ..files import atomic_write
from ..text import Vocab
from .data import ParallelData, TextCodec, build_vocab, collate, read_parallel
from .model import Seq2Seq, Seq2SeqConfig
from .search import beam_search, greedy_search
from .trainer import Trainer, TrainConfig, load_torch

__all__ = ["Translation", "Translator", "DataConfig", "train_translator", "vocab_fingerprint"]


@dataclass
class Translation:
    """One translated sentence with the model's internals.

    Attributes:
        source: source tokens as the model saw them.
        target: output tokens, without ``</s>``.
        text: the detokenized output.
        attention: ``float32`` ``[len(target), len(source)]``; each row sums to one.
        score: log-probability of the output (length-penalised for beam search).
        encoder_states: ``float32`` ``[len(source), H_enc]``.
        decoder_states: ``float32`` ``[len(target), H_dec]``.
    """

    source: list[str]
    target: list[str]
    text: str
    attention: np.ndarray
    score: float
    encoder_states: np.ndarray
    decoder_states: np.ndarray


@dataclass
class DataConfig:
    """How text becomes tokens.

    Attributes:
        src_lang, tgt_lang: language codes (file suffixes).
        tokens: ``word`` or ``bpe`` (sentencepiece, trained on the training side).
        lowercase: lowercase all text.
        min_count: word level: drop rarer words (they become ``<unk>``).
        max_vocab: word level: keep at most this many words per side.
        bpe_vocab: subword vocabulary size per side.
        max_src_len: longest source (in tokens) accepted at translation time.
    """

    src_lang: str = "de"
    tgt_lang: str = "en"
    tokens: str = "word"
    lowercase: bool = False
    min_count: int = 2
    max_vocab: int | None = None
    bpe_vocab: int = 8000
    max_src_len: int = 200


def vocab_fingerprint(vocab: Vocab) -> str:
    """A short hash of a vocabulary's tokens in id order."""
    return hashlib.sha256("\n".join(vocab.itos).encode("utf-8")).hexdigest()[:16]


class Translator:
    """A trained model with its tokenizers and vocabularies: text in, :class:`Translation` out."""

    def __init__(self, model: Seq2Seq, src_vocab: Vocab, tgt_vocab: Vocab, src_codec: TextCodec,
                 tgt_codec: TextCodec, data: DataConfig) -> None:
        self.model, self.src_vocab, self.tgt_vocab = model.eval(), src_vocab, tgt_vocab
        self.src_codec, self.tgt_codec, self.data = src_codec, tgt_codec, data

    @classmethod
    def load(cls, model_dir: str | Path, weights: str = "model.pt") -> "Translator":
        """Read a model folder written by :func:`train_translator`; clear errors on any mismatch."""
        d = Path(model_dir)
        if not d.is_dir():
            raise FormatError(f"{d}: no such model folder")
        cfg_path = d / "config.json"
        if not cfg_path.exists():
            raise FormatError(f"{cfg_path}: missing; {d} is not a model folder written by 'translate train'")
        try:
            conf = json.loads(cfg_path.read_text(encoding="utf-8"))
            model_cfg = Seq2SeqConfig.from_dict(conf["model"])
            data = DataConfig(**conf["data"])
        except (ValueError, KeyError, TypeError) as e:
            raise FormatError(f"{cfg_path}: not a valid model configuration ({e})") from None
        src_vocab, tgt_vocab = Vocab.load(d / "src.vocab"), Vocab.load(d / "tgt.vocab")
        src_codec, tgt_codec = _load_codecs(d, data)
        path = d / weights
        if not path.exists() and (d / "checkpoint.pt").exists():
            path = d / "checkpoint.pt"
        ck = load_torch(path, "checkpoint")
        extra = json.loads(ck.get("extra", "{}"))
        for side, vocab in (("src", src_vocab), ("tgt", tgt_vocab)):
            want = extra.get(f"{side}_vocab")
            if want is not None and want != vocab_fingerprint(vocab):
                raise FormatError(f"{path}: was trained with another {side} vocabulary than "
                                  f"{d / (side + '.vocab')} ({len(vocab)} tokens)")
        if (len(src_vocab) != model_cfg.src_vocab_size and model_cfg.src_features is None) \
                or len(tgt_vocab) != model_cfg.tgt_vocab_size:
            raise FormatError(f"{d}: vocabulary sizes {len(src_vocab)}/{len(tgt_vocab)} do not match "
                              f"the configuration's {model_cfg.src_vocab_size}/{model_cfg.tgt_vocab_size}")
        model = Seq2Seq(model_cfg)
        try:
            model.load_state_dict(ck["model"])
        except RuntimeError as e:
            raise FormatError(f"{path}: weights do not fit {cfg_path} "
                              f"({str(e).splitlines()[-1].strip()[:160]})") from None
        return cls(model, src_vocab, tgt_vocab, src_codec, tgt_codec, data)

    def translate(self, sentences: Sequence[str], beam: int = 5, max_len: int | None = None,
                  alpha: float = 1.0, batch_size: int = 64) -> list[Translation]:
        """Translate ``sentences`` (beam 1 is greedy search).

        ``max_len`` caps output length (default: twice the source length plus 10). Raises
        :class:`IllustratedError` for an empty sentence or one longer than ``max_src_len`` tokens.
        """
        if beam < 1:
            raise ConfigError(f"beam must be at least 1, got {beam}")
        if max_len is not None and max_len < 1:
            raise ConfigError(f"max_len must be at least 1, got {max_len}")
        toks = [self.src_codec.tokenize(s) for s in sentences]
        for n, t in enumerate(toks, 1):
            if not t:
                raise IllustratedError(f"sentence {n} is empty")
            if len(t) > self.data.max_src_len:
                raise IllustratedError(f"sentence {n} has {len(t)} tokens; this model accepts at most "
                                       f"{self.data.max_src_len}")
        ids = [self.src_vocab.encode(t) for t in toks]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out: list[Translation | None] = [None] * len(ids)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                group = order[start: start + batch_size]
                b = collate([ids[i] for i in group], None, group, self.model.cfg.pad_id)
                limit = max_len or int(b.src_lengths.max()) * 2 + 10
                if beam == 1:
                    hyps = greedy_search(self.model, b.src, b.src_lengths, limit)
                else:
                    hyps = beam_search(self.model, b.src, b.src_lengths, beam, limit, alpha)
                for i, h in zip(group, hyps):
                    target = [self.tgt_vocab.itos[j] for j in h.ids]
                    out[i] = Translation(toks[i], target, self.detokenize(h.ids), h.attention,
                                         float(h.score), h.encoder_states, h.states)
        return out  # type: ignore[return-value]

    def detokenize(self, ids: Sequence[int]) -> str:
        """Output ids → text (specials dropped, ``<unk>`` kept)."""
        return self.tgt_codec.detokenize(self.tgt_vocab.decode(ids))


def _load_codecs(d: Path, data: DataConfig) -> tuple[TextCodec, TextCodec]:
    if data.tokens == "word":
        return TextCodec("word", data.lowercase), TextCodec("word", data.lowercase)
    codecs = []
    for side in ("src", "tgt"):
        p = d / f"{side}.spm"
        if not p.exists():
            raise FormatError(f"{p}: missing sentencepiece model for a subword translator")
        try:
            codecs.append(TextCodec("bpe", data.lowercase, p.read_bytes()))
        except (RuntimeError, OSError) as e:
            raise FormatError(f"{p}: not a sentencepiece model ({e})") from None
    return codecs[0], codecs[1]


def _codec_and_vocab(lines: Sequence[str], data: DataConfig, seed: int) -> tuple[TextCodec, Vocab]:
    if data.tokens == "bpe":
        codec = TextCodec.train_bpe(lines, data.bpe_vocab, data.lowercase, seed)
        vocab = build_vocab((codec.tokenize(s) for s in lines), 1)
    else:
        codec = TextCodec("word", data.lowercase)
        vocab = build_vocab((codec.tokenize(s) for s in lines), data.min_count, data.max_vocab)
    return codec, vocab


def train_translator(train_prefix: str | Path, valid_prefix: str | Path | None, out_dir: str | Path,
                     data: DataConfig, model_cfg: Seq2SeqConfig, train_cfg: TrainConfig,
                     resume: bool = False, progress: bool = True, echo=None,
                     src_vectors: str | Path | None = None,
                     tgt_vectors: str | Path | None = None) -> tuple[Translator, dict]:
    """Read the files, build tokenizers and vocabularies, train, and leave a model folder.

    With ``resume`` the folder's configuration (all but ``epochs``), vocabularies and
    ``checkpoint.pt`` are used and training continues exactly where it stopped.
    """
    out = Path(out_dir)
    say = echo or (lambda s: None)
    src_lines, tgt_lines, sp, tp = read_parallel(train_prefix, data.src_lang, data.tgt_lang)
    say(f"training pairs: {len(src_lines)} ({sp}, {tp})")
    valid = None
    if valid_prefix is not None:
        valid = read_parallel(valid_prefix, data.src_lang, data.tgt_lang)
    torch.manual_seed(train_cfg.seed)
    if resume:
        prev, train_cfg = _reopen_model_dir(out, data, train_cfg)
        data, model_cfg = prev.data, prev.model.cfg
        src_codec, tgt_codec, src_vocab, tgt_vocab = prev.src_codec, prev.tgt_codec, prev.src_vocab, prev.tgt_vocab
    else:
        src_codec, src_vocab, tgt_codec, tgt_vocab = _start_model_dir(out, src_lines, tgt_lines, data,
                                                                      model_cfg, train_cfg)
    say(f"vocabulary: {len(src_vocab)} {data.src_lang} / {len(tgt_vocab)} {data.tgt_lang} tokens")
    train = ParallelData.from_text(src_lines, tgt_lines, src_codec, tgt_codec, src_vocab, tgt_vocab,
                                   train_cfg.max_len)
    valid_data = refs = None
    if valid is not None:
        valid_data = ParallelData.from_text(valid[0], valid[1], src_codec, tgt_codec, src_vocab, tgt_vocab)
        refs = valid[1]
    torch.manual_seed(train_cfg.seed)
    model = Seq2Seq(model_cfg)
    if not resume:
        from .embeddings import init_embedding

        for side, path, table, vocab in (("source", src_vectors, model.src_embed, src_vocab),
                                         ("target", tgt_vectors, model.tgt_embed, tgt_vocab)):
            if path is not None:
                found = init_embedding(table, vocab, path)
                say(f"{side} embeddings: {found} of {len(vocab)} tokens from {path}")
    translator = Translator(model, src_vocab, tgt_vocab, src_codec, tgt_codec, data)
    extra = {"src_vocab": vocab_fingerprint(src_vocab), "tgt_vocab": vocab_fingerprint(tgt_vocab)}
    trainer = Trainer(model, train_cfg, out, valid_data, refs, translator.detokenize,
                      data.lowercase, extra, progress)
    if resume:
        trainer.resume()
        say(f"resumed at epoch {trainer.epoch + 1}, step {trainer.step}")
    last = trainer.fit(train)
    best = Translator.load(out)
    return best, {"last": last, "history": trainer.history, "steps": trainer.step, "epochs": trainer.epoch,
                  "train_seconds": trainer.train_seconds, "train_tokens": trainer.train_tokens}


def _reopen_model_dir(out: Path, data: DataConfig, train_cfg: TrainConfig) -> tuple[Translator, TrainConfig]:
    """The translator and training settings of a folder being resumed (only ``epochs`` may change)."""
    if not (out / "checkpoint.pt").exists():
        raise FormatError(f"{out / 'checkpoint.pt'}: no checkpoint to resume from")
    prev = Translator.load(out, weights="checkpoint.pt")
    conf = json.loads((out / "config.json").read_text(encoding="utf-8"))
    if (prev.data.src_lang, prev.data.tgt_lang) != (data.src_lang, data.tgt_lang):
        raise ConfigError(f"{out} translates {prev.data.src_lang}→{prev.data.tgt_lang}, "
                          f"not {data.src_lang}→{data.tgt_lang}")
    return prev, TrainConfig.from_dict({**conf["train"], "epochs": train_cfg.epochs})


def _start_model_dir(out: Path, src_lines: Sequence[str], tgt_lines: Sequence[str], data: DataConfig,
                     model_cfg: Seq2SeqConfig, train_cfg: TrainConfig):
    """Build tokenizers and vocabularies, fill in the vocabulary sizes, write the folder's files."""
    src_codec, src_vocab = _codec_and_vocab(src_lines, data, train_cfg.seed)
    tgt_codec, tgt_vocab = _codec_and_vocab(tgt_lines, data, train_cfg.seed)
    model_cfg.src_vocab_size, model_cfg.tgt_vocab_size = len(src_vocab), len(tgt_vocab)
    model_cfg.pad_id, model_cfg.bos_id, model_cfg.eos_id = tgt_vocab.pad_id, tgt_vocab.bos_id, tgt_vocab.eos_id
    out.mkdir(parents=True, exist_ok=True)
    src_vocab.save(out / "src.vocab")
    tgt_vocab.save(out / "tgt.vocab")
    for side, codec in (("src", src_codec), ("tgt", tgt_codec)):
        if codec.spm_model is not None:
            with atomic_write(out / f"{side}.spm", "wb") as f:
                f.write(codec.spm_model)
    conf = {"model": model_cfg.to_dict(), "data": asdict(data), "train": train_cfg.to_dict()}
    with atomic_write(out / "config.json", "w") as f:
        f.write(json.dumps(conf, indent=2) + "\n")
    (out / "metrics.jsonl").unlink(missing_ok=True)
    return src_codec, src_vocab, tgt_codec, tgt_vocab

"""A trained translator on disk, and the pipeline that makes one from parallel files.

A model folder holds ``config.json`` (architecture, model, data and training settings),
``src.vocab`` and ``tgt.vocab`` (our plain vocabulary format; the same file twice for a joint
vocabulary), ``src.spm``/``tgt.spm`` for subword models, ``model.pt`` (best weights) and
``checkpoint.pt`` (latest training state), both read with ``torch.load(weights_only=True)``,
``metrics.jsonl``, and with checkpoint averaging ``snapshots/`` and ``averaged.pt``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import ConfigError, FormatError, IllustratedError
from ..files import atomic_write
from ..text import Vocab
from ..text.tokenize import check_text
from .archs import DEFAULT_ARCH, arch, arch_of_weights, build_model
from .data import DataConfig, ParallelData, TextCodec, build_vocab, collate
from .parallel import read_pairs
from .distributed import World, current
from .search import Hypothesis, SearchConfig, beam_search, check_search, greedy_search
from .trainer import Trainer, TrainConfig, load_torch

__all__ = ["Translation", "Translator", "DataConfig", "train_translator", "vocab_fingerprint"]


@dataclass
class Translation:
    """One translated sentence with the model's internals.

    Attention maps are ``float32`` ``[layers, heads, query_len, key_len]``; every row sums to one
    and no padding appears (each map is cut to this sentence's own tokens). The decoder's query
    ``i`` is the position that wrote ``target[i]``; its keys are the tokens it had read by then,
    ``<s>`` and ``target[:-1]``.

    Attributes:
        source: source tokens as the model saw them (ending with ``</s>`` when the model's data
            setting ``source_eos`` adds it).
        target: output tokens, without ``</s>``.
        text: the detokenized output.
        attention: ``float32`` ``[len(target), len(source)]``, what each output token looked at
            in the source: the recurrent model's attention, or the Transformer's last-layer
            encoder–decoder attention averaged over its heads.
        score: log-probability of the output (length-penalised for beam search).
        encoder_states: ``float32`` ``[len(source), H_enc]``.
        decoder_states: ``float32`` ``[len(target), H_dec]``.
        cross_attention: encoder–decoder attention ``[layers, heads, len(target), len(source)]``
            (``[1, 1, …]`` for the recurrent model).
        encoder_attention: Transformer encoder self-attention ``[layers, heads, len(source), len(source)]``.
        decoder_attention: Transformer decoder self-attention ``[layers, heads, len(target), len(target)]``
            (zero above the diagonal: no position sees a later one).

    With ``internals=False`` a Transformer's translations carry only the text, tokens, score and
    encoder states (the attention fields are None).
    """

    source: list[str]
    target: list[str]
    text: str
    attention: np.ndarray | None
    score: float
    encoder_states: np.ndarray
    decoder_states: np.ndarray | None
    cross_attention: np.ndarray | None = None
    encoder_attention: np.ndarray | None = None
    decoder_attention: np.ndarray | None = None


def vocab_fingerprint(vocab: Vocab) -> str:
    """A short hash of a vocabulary's tokens in id order."""
    return hashlib.sha256("\n".join(vocab.itos).encode("utf-8")).hexdigest()[:16]


class Translator:
    """A trained model with its tokenizers and vocabularies: text in, :class:`Translation` out."""

    def __init__(self, model: torch.nn.Module, src_vocab: Vocab, tgt_vocab: Vocab, src_codec: TextCodec,
                 tgt_codec: TextCodec, data: DataConfig) -> None:
        self.model, self.src_vocab, self.tgt_vocab = model.eval(), src_vocab, tgt_vocab
        self.src_codec, self.tgt_codec, self.data = src_codec, tgt_codec, data

    @property
    def arch(self) -> str:
        """``rnn`` or ``transformer``."""
        return self.model.cfg.arch

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
            model_cfg = arch(conf.get("arch", DEFAULT_ARCH)).model_config.from_dict(conf["model"])
            data = DataConfig.from_dict(conf["data"])
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise FormatError(f"{cfg_path}: not a valid model configuration ({e})") from None
        src_vocab, tgt_vocab, src_codec, tgt_codec = _read_vocabularies(d, data)
        path = d / weights
        if not path.exists() and (d / "checkpoint.pt").exists():
            path = d / "checkpoint.pt"
        ck = load_torch(path, "checkpoint")
        stored = arch_of_weights(ck.get("model"))
        if stored not in (None, model_cfg.arch):
            raise FormatError(f"{path}: holds {stored} weights, but {cfg_path} describes the "
                              f"{model_cfg.arch} architecture")
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
        model = build_model(model_cfg)
        try:
            model.load_state_dict(ck["model"])
        except RuntimeError as e:
            raise FormatError(f"{path}: weights do not fit {cfg_path} "
                              f"({str(e).splitlines()[-1].strip()[:160]})") from None
        _check_finite(model, path)
        return cls(model, src_vocab, tgt_vocab, src_codec, tgt_codec, data)

    def translate(self, sentences: Sequence[str], beam: int | None = None, max_len: int | None = None,
                  alpha: float | None = None, batch_size: int = 64, internals: bool = True) -> list[Translation]:
        """Translate ``sentences`` (beam 1 is greedy search).

        ``beam`` and ``alpha`` default to :class:`SearchConfig`'s.
        ``max_len`` caps output length (default: twice the source length plus 10); ``beam`` and
        ``max_len`` are bounded (:func:`~.search.check_search`: 100 and 1024). With
        ``internals`` a Transformer also reports every attention map (one more teacher-forced
        pass over the chosen outputs). Raises :class:`IllustratedError` for an empty sentence, one
        longer than ``max_src_len`` tokens, or one that is not valid UTF-8 text.
        """
        search = SearchConfig()
        beam = search.beam if beam is None else beam
        alpha = search.alpha if alpha is None else alpha
        check_search(beam, max_len)
        for n, s in enumerate(sentences, 1):
            check_text(s, f"sentence {n}")
        toks = [self.src_codec.tokenize(s) for s in sentences]
        for n, t in enumerate(toks, 1):
            if not t:
                raise IllustratedError(f"sentence {n} is empty")
            if len(t) > self.data.max_src_len:
                raise IllustratedError(f"sentence {n} has {len(t)} tokens; this model accepts at most "
                                       f"{self.data.max_src_len}")
        if self.data.source_eos:
            toks = [t + [self.src_vocab.itos[self.src_vocab.eos_id]] for t in toks]
        ids = [self.src_vocab.encode(t) for t in toks]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out: list[Translation | None] = [None] * len(ids)
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                group = order[start: start + batch_size]
                b = collate([ids[i] for i in group], None, group, self.model.cfg.pad_id)
                src, lengths = b.src.to(device), b.src_lengths.to(device)
                limit = max_len or int(b.src_lengths.max()) * 2 + 10
                if beam == 1:
                    hyps = greedy_search(self.model, src, lengths, limit)
                else:
                    hyps = beam_search(self.model, src, lengths, beam, limit, alpha)
                maps = self._internals(src, lengths, hyps) if internals and hasattr(self.model, "internals") else None
                for k, (i, h) in enumerate(zip(group, hyps)):
                    out[i] = self._translation(toks[i], h, maps, k)
        return out  # type: ignore[return-value]

    def _internals(self, src: torch.Tensor, lengths: torch.Tensor, hyps: list[Hypothesis]) -> dict[str, np.ndarray]:
        """Every attention map of the chosen outputs, from one teacher-forced pass."""
        cfg = self.model.cfg
        width = max(1, max(len(h.ids) for h in hyps))
        tgt_in = torch.full((len(hyps), width), cfg.pad_id, dtype=torch.long, device=src.device)
        tgt_in[:, 0] = cfg.bos_id
        for k, h in enumerate(hyps):
            if len(h.ids) > 1:
                tgt_in[k, 1: len(h.ids)] = torch.as_tensor(h.ids[:-1], device=src.device)
        return {name: t.float().cpu().numpy() for name, t in self.model.internals(src, lengths, tgt_in).items()}

    def _translation(self, source: list[str], h: Hypothesis, maps: dict[str, np.ndarray] | None, k: int) -> Translation:
        target = [self.tgt_vocab.itos[j] for j in h.ids]
        t = Translation(source, target, self.detokenize(h.ids), h.attention, float(h.score), h.encoder_states,
                        h.states)
        n, s = len(target), len(source)
        if maps is not None:
            t.encoder_attention = maps["encoder_attention"][k, :, :, :s, :s].copy()
            t.decoder_attention = maps["decoder_attention"][k, :, :, :n, :n].copy()
            t.cross_attention = maps["cross_attention"][k, :, :, :n, :s].copy()
            t.attention = t.cross_attention[-1].mean(axis=0)
            t.decoder_states = maps["decoder_states"][k, :n].copy()
        elif h.attention is not None:
            t.cross_attention = h.attention[None, None]
        return t

    def detokenize(self, ids: Sequence[int]) -> str:
        """Output ids → text (specials dropped, ``<unk>`` kept)."""
        return self.tgt_codec.detokenize(self.tgt_vocab.decode(ids))


def _check_finite(model: torch.nn.Module, path: Path) -> None:
    """Refuse weights holding NaN or infinity (a run that diverged): they would translate garbage."""
    for name, p in model.state_dict().items():
        if p.is_floating_point() and not bool(torch.isfinite(p).all()):
            raise FormatError(f"{path}: weight {name} holds NaN or infinite values (training diverged)")


def _read_vocabularies(d: Path, data: DataConfig) -> tuple[Vocab, Vocab, TextCodec, TextCodec]:
    """The vocabularies and tokenizers stored in a model folder."""
    src_vocab, tgt_vocab = Vocab.load(d / "src.vocab"), Vocab.load(d / "tgt.vocab")
    if data.tokens == "word":
        return src_vocab, tgt_vocab, TextCodec("word", data.lowercase), TextCodec("word", data.lowercase)
    codecs = []
    for side in ("src", "tgt"):
        p = d / f"{side}.spm"
        if not p.exists():
            raise FormatError(f"{p}: missing sentencepiece model for a subword translator")
        try:
            codecs.append(TextCodec("bpe", data.lowercase, p.read_bytes()))
        except (RuntimeError, OSError) as e:
            raise FormatError(f"{p}: not a sentencepiece model ({e})") from None
    return src_vocab, tgt_vocab, codecs[0], codecs[1]


def _codec_and_vocab(lines: Sequence[str], data: DataConfig, seed: int) -> tuple[TextCodec, Vocab]:
    if data.tokens == "bpe":
        codec = TextCodec.train_bpe(lines, data.bpe_vocab, data.lowercase, seed)
        vocab = build_vocab((codec.tokenize(s) for s in lines), 1)
    else:
        codec = TextCodec("word", data.lowercase)
        vocab = build_vocab((codec.tokenize(s) for s in lines), data.min_count, data.max_vocab)
    return codec, vocab


def make_vocabularies(src_lines: Sequence[str], tgt_lines: Sequence[str], data: DataConfig,
                      seed: int = 1) -> tuple[Vocab, Vocab, TextCodec, TextCodec]:
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
    :mod:`.distributed`) every rank calls this; rank 0 writes the folder.
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
        if trainer.epoch >= train_cfg.epochs:
            raise ConfigError(f"{out} has already been trained for {trainer.epoch} epochs; give --epochs "
                              f"above {trainer.epoch} to continue it")
        say(f"resumed at epoch {trainer.epoch + 1}, step {trainer.step}")
    last = trainer.fit(train)
    return Translator.load(out), _summary(last, trainer)


def _start_model_dir(out: Path, src_lines: Sequence[str], tgt_lines: Sequence[str], data: DataConfig,
                     model_cfg, train_cfg: TrainConfig,
                     world: World) -> tuple[Vocab, Vocab, TextCodec, TextCodec]:
    """A new model folder: rank 0 learns the tokenizers and vocabularies and writes them with the
    configs; every rank gets them and sets ``model_cfg``'s vocabulary sizes and special ids."""
    if getattr(model_cfg, "share_embeddings", False) and not data.joint_vocab:
        raise ConfigError("sharing source and target embeddings needs a joint vocabulary "
                          "(--joint-vocab), or turn sharing off (--no-share-embeddings)")
    vocabs = None
    if world.main:
        vocabs = make_vocabularies(src_lines, tgt_lines, data, train_cfg.seed)
        _write_model_dir(out, *vocabs, data, model_cfg, train_cfg)
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


def _unpack(packed: tuple) -> tuple[Vocab, Vocab, TextCodec, TextCodec]:
    src_vocab, tgt_vocab, src_codec, tgt_codec = packed
    return Vocab(*src_vocab), Vocab(*tgt_vocab), TextCodec(*src_codec), TextCodec(*tgt_codec)


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
    if not (out / "checkpoint.pt").exists():
        raise FormatError(f"{out / 'checkpoint.pt'}: no checkpoint to resume from")
    prev = Translator.load(out, weights="checkpoint.pt")
    conf = json.loads((out / "config.json").read_text(encoding="utf-8"))
    if (prev.data.src_lang, prev.data.tgt_lang) != (data.src_lang, data.tgt_lang):
        raise ConfigError(f"{out} translates {prev.data.src_lang}→{prev.data.tgt_lang}, "
                          f"not {data.src_lang}→{data.tgt_lang}")
    train_class = arch(conf.get("arch", DEFAULT_ARCH)).train_config
    return prev, train_class.from_dict({**conf["train"], "epochs": train_cfg.epochs})


def _write_model_dir(out: Path, src_vocab: Vocab, tgt_vocab: Vocab, src_codec: TextCodec, tgt_codec: TextCodec,
                     data: DataConfig, model_cfg, train_cfg: TrainConfig) -> None:
    """Fill in the vocabulary sizes and write the folder's vocabularies, tokenizers and configuration."""
    _fill_ids(model_cfg, src_vocab, tgt_vocab)
    out.mkdir(parents=True, exist_ok=True)
    src_vocab.save(out / "src.vocab")
    tgt_vocab.save(out / "tgt.vocab")
    for side, codec in (("src", src_codec), ("tgt", tgt_codec)):
        if codec.spm_model is not None:
            with atomic_write(out / f"{side}.spm", "wb") as f:
                f.write(codec.spm_model)
    conf = {"arch": model_cfg.arch, "model": model_cfg.to_dict(), "data": asdict(data),
            "train": train_cfg.to_dict()}
    with atomic_write(out / "config.json", "w") as f:
        f.write(json.dumps(conf, indent=2) + "\n")
    for stale in ("metrics.jsonl", "averaged.pt"):
        (out / stale).unlink(missing_ok=True)
    shutil.rmtree(out / "snapshots", ignore_errors=True)

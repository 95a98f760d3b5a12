"""A translator's model folder: the one module that reads and writes it.

A folder holds ``config.json`` (architecture, model, data and training settings), ``src.vocab``
and ``tgt.vocab`` (our plain vocabulary format; the same file twice for a joint vocabulary),
``src.spm``/``tgt.spm`` for subword models, ``model.pt`` (best weights), ``checkpoint.pt``
(latest training state), ``metrics.jsonl``, and with checkpoint averaging ``snapshots/`` and
``averaged.pt``. Weights files are written atomically and read with
``torch.load(weights_only=True)``: loading a folder never runs code.

A folder is treated as hostile until it has been checked against itself, before anything is
allocated: every configuration value has its field's type, the special ids are the target
vocabulary's, the vocabulary sizes are the configuration's, and every tensor in the weights file
(memory-mapped, not read) has the shape the configuration gives it. Those shapes come from
building the model on PyTorch's ``meta`` device, which allocates no memory, once the layer
counts are bounded by the number of tensors the file holds. Only then is the model built.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from ..errors import ConfigError, FormatError, IllustratedError, TrainingError
from ..files import atomic_write
from ..text import SPECIALS, Tokenizer, Vocab
from .archs import DEFAULT_ARCH, arch, arch_of_weights, build_model
from .data import DataConfig

__all__ = ["FolderConfig", "ModelFolder", "read_config", "stored_settings", "read_train_config",
           "read_vocabularies", "read_weights", "stored_facts", "read_folder", "write_folder", "write_weights",
           "save_torch", "load_torch", "vocab_fingerprint"]

CONFIG = "config.json"
WEIGHTS = "model.pt"
CHECKPOINT = "checkpoint.pt"
# configuration fields that count layers: each layer has at least one tensor in a weights file
_LAYER_COUNTS = ("layers", "encoder_layers", "decoder_layers")
_SPECIAL_IDS = (("pad_id", SPECIALS[0]), ("bos_id", SPECIALS[2]), ("eos_id", SPECIALS[3]))


@dataclass
class FolderConfig:
    """What ``config.json`` holds: the architecture's name, its model and data configurations,
    and the training settings as stored (a dict; :func:`read_train_config` makes them a config)."""

    arch: str
    model: object
    data: DataConfig
    train: dict


@dataclass
class ModelFolder:
    """A checked folder, read: its configuration, vocabularies, tokenizers and built model."""

    config: FolderConfig
    model: nn.Module
    src_vocab: Vocab
    tgt_vocab: Vocab
    src_codec: Tokenizer
    tgt_codec: Tokenizer
    weights: Path


def vocab_fingerprint(vocab: Vocab) -> str:
    """A short hash of a vocabulary's tokens in id order."""
    return hashlib.sha256("\n".join(vocab.itos).encode("utf-8")).hexdigest()[:16]


# ---- torch files -----------------------------------------------------------------------------
def save_torch(obj: dict, path: Path) -> None:
    """``torch.save`` through a temporary file renamed into place."""
    buf = io.BytesIO()
    torch.save(obj, buf)
    with atomic_write(path, "wb") as f:
        f.write(buf.getvalue())


def load_torch(path: Path, what: str = "checkpoint", mmap: bool = False) -> dict:
    """``torch.load(weights_only=True)`` with one-line errors for missing or damaged files.

    With ``mmap`` a file in torch's zip format is memory-mapped: its tensors are read from disk
    only when touched, so shapes can be checked before any memory is spent on them.
    """
    path = Path(path)
    if not path.exists():
        raise FormatError(f"{path}: no such {what}")
    if path.is_dir():
        raise FormatError(f"{path}: is a folder, expected a {what} file")
    with open(path, "rb") as f:
        head = f.read(4)
    if not head:
        raise FormatError(f"{path}: empty file, expected a {what}")
    zipped = head == b"PK\x03\x04"
    if not zipped and head[:1] != b"\x80":   # torch's zip format, or its legacy pickle
        raise FormatError(f"{path}: not a torch {what} file (another kind of file, or damaged)")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True, mmap=mmap and zipped)
    except Exception as e:  # torch raises many kinds for damaged files
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        hint = "truncated or damaged" if "central directory" in msg or "zip" in msg.lower() else msg[:120]
        raise FormatError(f"{path}: not a readable {what} ({hint})") from None
    if not isinstance(obj, dict) or "model" not in obj:
        raise FormatError(f"{path}: not a {what} written by illustrated (no model weights)")
    return obj


def read_weights(path: Path, what: str = "checkpoint") -> tuple[dict[str, torch.Tensor], dict]:
    """A weights file's state dict (memory-mapped) and the facts stored beside it (``extra``:
    vocabulary fingerprints), each checked to be what illustrated writes."""
    ck = load_torch(path, what, mmap=True)
    state = ck["model"]
    if not isinstance(state, dict) or not all(isinstance(k, str) and torch.is_tensor(v) for k, v in state.items()):
        raise FormatError(f"{path}: not a {what} written by illustrated (its 'model' entry is not a "
                          "table of named tensors)")
    return state, stored_facts(ck, path, what)


def stored_facts(ck: dict, path: Path, what: str = "checkpoint") -> dict:
    """The JSON facts a weights file keeps beside the weights (``extra``: vocabulary
    fingerprints), ``{}`` when it has none, or a one-line error when they are not a JSON object."""
    extra = ck.get("extra", "{}")
    try:
        extra = json.loads(extra) if isinstance(extra, str) else None
    except ValueError:
        extra = None
    if not isinstance(extra, dict):
        raise FormatError(f"{path}: not a {what} written by illustrated (its 'extra' entry is not a "
                          "JSON object)")
    return extra


def _refuse_non_finite(state: dict, path: Path) -> None:
    """Refuse to write weights holding NaN or infinity (a diverged run) over a good file."""
    for name, t in state.items():
        if torch.is_tensor(t) and t.is_floating_point() and not bool(torch.isfinite(t).all()):
            raise TrainingError(f"{path}: not written: weight {name} holds NaN or infinite values "
                                "(training diverged; try a lower --lr or --clip)")


def write_weights(path: Path, payload: dict, write: bool = True) -> None:
    """Write a weights file (``payload["model"]`` is a state dict) atomically, after refusing
    non-finite weights; with ``write`` False only the check runs (the other ranks of a process
    group, so that all stop together)."""
    _refuse_non_finite(payload["model"], path)
    if write:
        save_torch(payload, path)


# ---- configuration ---------------------------------------------------------------------------
def stored_settings(folder: str | Path) -> dict:
    """``config.json`` as stored, or ``{}`` when there is none to read (loading the folder then
    says what is wrong): for comparing options with a folder's settings."""
    try:
        conf = json.loads((Path(folder) / CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return conf if isinstance(conf, dict) else {}


def read_config(folder: str | Path) -> FolderConfig:
    """The folder's configuration, every value checked against its field's type."""
    d = Path(folder)
    if not d.is_dir():
        raise FormatError(f"{d}: no such model folder")
    path = d / CONFIG
    if not path.exists():
        raise FormatError(f"{path}: missing; {d} is not a model folder written by 'translate train'")
    try:
        conf = json.loads(path.read_text(encoding="utf-8"))
        model = arch(conf.get("arch", DEFAULT_ARCH)).model_config.from_dict(conf["model"], strict=True)
        data = DataConfig.from_dict(conf["data"], strict=True)
        train = conf.get("train", {})
        if not isinstance(train, dict):
            raise ConfigError("train: expected a JSON object")
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise FormatError(f"{path}: not a valid model configuration ({e})") from None
    return FolderConfig(model.arch, model, data, train)


def read_train_config(folder: str | Path, epochs: int):
    """The training settings a folder was trained with, ``epochs`` replaced (to resume it)."""
    conf = read_config(folder)
    try:
        return arch(conf.arch).train_config.from_dict({**conf.train, "epochs": epochs})
    except (ValueError, TypeError) as e:
        raise FormatError(f"{Path(folder) / CONFIG}: not a valid model configuration ({e})") from None


# ---- vocabularies and tokenizers -------------------------------------------------------------
def read_vocabularies(folder: str | Path, data: DataConfig) -> tuple[Vocab, Vocab, Tokenizer, Tokenizer]:
    """The vocabularies and tokenizers stored in a model folder; each vocabulary must begin with
    the special tokens training gives it."""
    d = Path(folder)
    vocabs = []
    for side in ("src", "tgt"):
        p = d / f"{side}.vocab"
        vocab = Vocab.load(p)
        if vocab.specials != SPECIALS:
            raise FormatError(f"{p}: expected the special tokens {' '.join(SPECIALS)} first, found "
                              f"{' '.join(vocab.itos[:len(SPECIALS)])}")
        vocabs.append(vocab)
    if data.tokens == "words":
        return vocabs[0], vocabs[1], Tokenizer("words", data.lowercase), Tokenizer("words", data.lowercase)
    codecs = []
    for side in ("src", "tgt"):
        p = d / f"{side}.spm"
        if not p.exists():
            raise FormatError(f"{p}: missing sentencepiece model for a subword translator")
        try:
            codecs.append(Tokenizer("bpe", data.lowercase, p.read_bytes()))
        except IllustratedError as e:
            raise FormatError(f"{p}: {e}") from None
        except (RuntimeError, OSError) as e:
            raise FormatError(f"{p}: not a sentencepiece model ({e})") from None
    return vocabs[0], vocabs[1], codecs[0], codecs[1]


# ---- the folder against itself ---------------------------------------------------------------
def _check_ids(conf: FolderConfig, tgt_vocab: Vocab, where: Path) -> None:
    """The configuration's special ids are those of the target vocabulary (a search starts
    from ``bos_id``, stops at ``eos_id`` and pads with ``pad_id``)."""
    for name, token in _SPECIAL_IDS:
        value, want = getattr(conf.model, name), tgt_vocab.stoi[token]
        if value != want:
            raise FormatError(f"{where}: model.{name} is {value}, but {token} has id {want} in the target "
                              f"vocabulary ({len(tgt_vocab)} tokens)")


def _check_sizes(conf: FolderConfig, src_vocab: Vocab, tgt_vocab: Vocab, d: Path) -> None:
    model = conf.model
    if (len(src_vocab) != model.src_vocab_size and model.src_features is None) \
            or len(tgt_vocab) != model.tgt_vocab_size:
        raise FormatError(f"{d}: vocabulary sizes {len(src_vocab)}/{len(tgt_vocab)} do not match "
                          f"the configuration's {model.src_vocab_size}/{model.tgt_vocab_size}")


def _check_shapes(conf: FolderConfig, state: dict[str, torch.Tensor], path: Path, cfg_path: Path) -> None:
    """Every tensor of ``state`` has the shape the configuration gives it, found without
    allocating: layer counts are bounded by the file first, then the model is built on the
    ``meta`` device."""
    for name in _LAYER_COUNTS:
        count = getattr(conf.model, name, None)
        if count is not None and count > len(state):
            raise FormatError(f"{cfg_path}: model.{name} is {count}, but {path} holds {len(state)} "
                              "tensors in all (the weights do not fit this configuration)")
    try:
        with torch.device("meta"):
            expected = {k: tuple(v.shape) for k, v in build_model(conf.model).state_dict().items()}
    except (ConfigError, ValueError, AssertionError, RuntimeError, OverflowError) as e:
        raise FormatError(f"{cfg_path}: not a valid model configuration ({str(e).splitlines()[0][:160]})") from None
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        which = f"lacks weight {missing[0]}" if missing else f"holds weight {unexpected[0]}, which"
        tail = "" if missing else " the configuration does not have"
        raise FormatError(f"{path}: weights do not fit {cfg_path} ({path.name} {which}{tail})")
    for k, shape in expected.items():
        if tuple(state[k].shape) != shape:
            raise FormatError(f"{path}: weights do not fit {cfg_path} ({k} is {list(state[k].shape)} in "
                              f"{path.name}, the configuration gives {list(shape)})")


def _check_finite(model: nn.Module, path: Path) -> None:
    """Refuse weights holding NaN or infinity (a run that diverged): they would translate garbage."""
    for name, p in model.state_dict().items():
        if p.is_floating_point() and not bool(torch.isfinite(p).all()):
            raise FormatError(f"{path}: weight {name} holds NaN or infinite values (training diverged)")


def read_folder(folder: str | Path, weights: str = WEIGHTS) -> ModelFolder:
    """Read a model folder written by training, checked against itself before the model is
    built (see the module's description); ``checkpoint.pt`` stands in for missing weights."""
    d = Path(folder)
    conf = read_config(d)
    src_vocab, tgt_vocab, src_codec, tgt_codec = read_vocabularies(d, conf.data)
    path = d / weights
    if not path.exists() and (d / CHECKPOINT).exists():
        path = d / CHECKPOINT
    state, extra = read_weights(path)
    stored = arch_of_weights(state)
    if stored not in (None, conf.model.arch):
        raise FormatError(f"{path}: holds {stored} weights, but {d / CONFIG} describes the "
                          f"{conf.model.arch} architecture")
    for side, vocab in (("src", src_vocab), ("tgt", tgt_vocab)):
        want = extra.get(f"{side}_vocab")
        if want is not None and want != vocab_fingerprint(vocab):
            raise FormatError(f"{path}: was trained with another {side} vocabulary than "
                              f"{d / (side + '.vocab')} ({len(vocab)} tokens)")
    _check_sizes(conf, src_vocab, tgt_vocab, d)
    _check_ids(conf, tgt_vocab, d / CONFIG)
    _check_shapes(conf, state, path, d / CONFIG)
    model = build_model(conf.model)
    try:
        model.load_state_dict(state)
    except RuntimeError as e:
        raise FormatError(f"{path}: weights do not fit {d / CONFIG} "
                          f"({str(e).splitlines()[-1].strip()[:160]})") from None
    del state
    _check_finite(model, path)
    return ModelFolder(conf, model, src_vocab, tgt_vocab, src_codec, tgt_codec, path)


# ---- writing ---------------------------------------------------------------------------------
def write_folder(out: Path, src_vocab: Vocab, tgt_vocab: Vocab, src_codec: Tokenizer, tgt_codec: Tokenizer,
                 data: DataConfig, model_cfg, train_cfg) -> None:
    """A new folder's vocabularies, tokenizers and configuration (each written atomically);
    files of an earlier run that would no longer fit (metrics, averages, snapshots) are removed."""
    out.mkdir(parents=True, exist_ok=True)
    src_vocab.save(out / "src.vocab")
    tgt_vocab.save(out / "tgt.vocab")
    for side, codec in (("src", src_codec), ("tgt", tgt_codec)):
        if codec.spm_model is not None:
            with atomic_write(out / f"{side}.spm", "wb") as f:
                f.write(codec.spm_model)
    conf = {"arch": model_cfg.arch, "model": model_cfg.to_dict(), "data": asdict(data),
            "train": train_cfg.to_dict()}
    with atomic_write(out / CONFIG, "w") as f:
        f.write(json.dumps(conf, indent=2) + "\n")
    for stale in ("metrics.jsonl", "averaged.pt"):
        (out / stale).unlink(missing_ok=True)
    shutil.rmtree(out / "snapshots", ignore_errors=True)

"""``illustrated translate``: Train and run an attention encoder-decoder translator."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import ConfigError
from ..files import check_writable, remove_stale_temporaries
from .common import echo, group

app = group("Train and run an attention encoder-decoder translator.")

Opt = typer.Option


def _set_threads(threads: int | None) -> None:
    import torch

    if threads is not None:
        if threads < 1:
            raise ConfigError(f"--threads must be at least 1, got {threads}")
        torch.set_num_threads(threads)


def _override(cls, **given):
    """A config dataclass with its own defaults, overridden only by options actually given."""
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in given.items() if v is not None and k in names})


# options that belong to one architecture only: option name → model config field
_RNN_ONLY = {"--emb-dim": "emb_dim", "--hidden-dim": "hidden_dim", "--rnn": "rnn", "--attention": "attention",
             "--input-feeding": "input_feeding"}
_TRANSFORMER_ONLY = {"--d-model": "d_model", "--heads": "heads", "--ff-dim": "ff_dim",
                     "--encoder-layers": "encoder_layers", "--decoder-layers": "decoder_layers",
                     "--attention-dropout": "attention_dropout", "--norm": "norm", "--positions": "positions",
                     "--share-embeddings": "share_embeddings", "--tie-output": "tie_output"}
EmbDim = Annotated[Optional[int], Opt(help="rnn: embedding size.")]
HiddenDim = Annotated[Optional[int], Opt(help="rnn: RNN size.")]
Rnn = Annotated[Optional[str], Opt(help="rnn: gru or lstm.")]
Attention = Annotated[Optional[str], Opt(help="rnn: bahdanau, dot or general.")]
InputFeeding = Annotated[Optional[bool], Opt("--input-feeding/--no-input-feeding",
                                             help="rnn: feed the attentional vector back.")]
DModel = Annotated[Optional[int], Opt(help="transformer: model size.")]
Heads = Annotated[Optional[int], Opt(help="transformer: attention heads.")]
FfDim = Annotated[Optional[int], Opt(help="transformer: feed-forward inner size.")]
EncoderLayers = Annotated[Optional[int], Opt(help="transformer: encoder layers.")]
DecoderLayers = Annotated[Optional[int], Opt(help="transformer: decoder layers.")]
AttentionDropout = Annotated[Optional[float], Opt(help="transformer: dropout on attention weights.")]
Norm = Annotated[Optional[str], Opt(help="transformer: pre or post layer norm.")]
Positions = Annotated[Optional[str], Opt(help="transformer: sinusoidal or learned.")]
ShareEmbeddings = Annotated[Optional[bool], Opt("--share-embeddings/--no-share-embeddings",
                                                help="transformer: one table for source and target.")]
TieOutput = Annotated[Optional[bool], Opt("--tie-output/--no-tie-output",
                                          help="transformer: output layer = target embeddings.")]

# `translate train` options by the config they set (data options: option name → config field)
_MODEL_OPTIONS = (*_RNN_ONLY.values(), *_TRANSFORMER_ONLY.values(), "layers", "dropout")
_DATA_OPTIONS = {"src": "src_lang", "tgt": "tgt_lang", "tokens": "tokens", "lowercase": "lowercase",
                 "min_count": "min_count", "bpe_vocab": "bpe_vocab", "joint_vocab": "joint_vocab"}
_TRAIN_OPTIONS = ("epochs", "batch_size", "max_tokens", "accumulate", "lr", "schedule", "warmup", "clip",
                  "label_smoothing", "average_last", "patience", "lr_patience", "max_len", "valid_beam",
                  "checkpoint_every", "seed", "max_minutes", "max_steps", "precision")


def _model_config(arch_name: str, given: dict):
    """The architecture's model config with its defaults, overridden by the options given."""
    from ..seq2seq.archs import arch

    a = arch(arch_name)
    foreign = _TRANSFORMER_ONLY if a.name == "rnn" else _RNN_ONLY
    for option, name in foreign.items():
        if given.get(name) is not None:
            raise ConfigError(f"{option} does not apply to --arch {a.name}")
    if a.name == "transformer" and given.get("layers") is not None:   # --layers sets both stacks
        for side in ("encoder_layers", "decoder_layers"):
            given[side] = given[side] if given.get(side) is not None else given["layers"]
    return _override(a.model_config, **given), a


@app.command("train")
def train(
    train_prefix: Annotated[str, Opt("--train", help="Training files PREFIX.SRC and PREFIX.TGT (.gz ok), or one source<TAB>target file.")],
    output: Annotated[Path, Opt("-o", "--output", help="Model folder to write.")],
    valid_prefix: Annotated[Optional[str], Opt("--valid", help="Validation files prefix (or a source<TAB>target file).")] = None,
    src: Annotated[Optional[str], Opt("--src", help="Source language code (file suffix; default: the "
                                      "data config's, de).")] = None,
    tgt: Annotated[Optional[str], Opt("--tgt", help="Target language code (file suffix; default: the "
                                      "data config's, en).")] = None,
    arch: Annotated[Optional[str], Opt(help="rnn (GRU/LSTM with attention; the default) or "
                                       "transformer.")] = None,
    epochs: Annotated[Optional[int], Opt(help="Passes over the training data.")] = None,
    batch_size: Annotated[Optional[int], Opt(help="Sentences per batch.")] = None,
    max_tokens: Annotated[Optional[int], Opt(help="Tokens per batch, padding included (instead of --batch-size).")] = None,
    accumulate: Annotated[Optional[int], Opt(help="Batches per optimizer step (gradient accumulation).")] = None,
    emb_dim: EmbDim = None, hidden_dim: HiddenDim = None,
    layers: Annotated[Optional[int], Opt(help="Layers (transformer: of each stack).")] = None,
    rnn: Rnn = None, attention: Attention = None, input_feeding: InputFeeding = None,
    d_model: DModel = None, heads: Heads = None, ff_dim: FfDim = None,
    encoder_layers: EncoderLayers = None, decoder_layers: DecoderLayers = None,
    attention_dropout: AttentionDropout = None, norm: Norm = None, positions: Positions = None,
    share_embeddings: ShareEmbeddings = None, tie_output: TieOutput = None,
    dropout: Annotated[Optional[float], Opt(help="Dropout.")] = None,
    lr: Annotated[Optional[float], Opt(help="Adam learning rate (peak rate with inverse_sqrt).")] = None,
    schedule: Annotated[Optional[str], Opt(help="plateau or inverse_sqrt (warm-up, then 1/sqrt(step)).")] = None,
    warmup: Annotated[Optional[int], Opt(help="Warm-up steps of inverse_sqrt.")] = None,
    clip: Annotated[Optional[float], Opt(help="Gradient norm clipping (0: off).")] = None,
    label_smoothing: Annotated[Optional[float], Opt(help="Label smoothing.")] = None,
    average_last: Annotated[Optional[int], Opt(help="Average the last N epochs' weights at the end (0: off).")] = None,
    patience: Annotated[Optional[int], Opt(help="Early stopping patience in epochs (0: off).")] = None,
    lr_patience: Annotated[Optional[int], Opt(help="plateau: epochs without validation gain before the rate is cut.")] = None,
    max_len: Annotated[Optional[int], Opt(help="Drop training pairs longer than this (tokens).")] = None,
    valid_beam: Annotated[Optional[int], Opt(help="Beam for the per-epoch validation BLEU (1: greedy; at most 100).")] = None,
    max_minutes: Annotated[Optional[float], Opt(help="Stop after the last epoch that fits this budget.")] = None,
    max_steps: Annotated[Optional[int], Opt(help="Stop after this many optimizer steps.")] = None,
    checkpoint_every: Annotated[Optional[int], Opt(help="Also checkpoint every N steps.")] = None,
    precision: Annotated[Optional[str], Opt(help="fp32, or bf16: training steps under bfloat16 autocast (about 2x faster on CPUs with AVX512-BF16/AMX).")] = None,
    tokens: Annotated[Optional[str], Opt(help="words (Unicode rules) or bpe (sentencepiece, trained here).")] = None,
    bpe_vocab: Annotated[Optional[int], Opt(help="Subword vocabulary size (per side, or joint).")] = None,
    joint_vocab: Annotated[Optional[bool], Opt("--joint-vocab/--no-joint-vocab",
                                               help="One tokenizer and vocabulary for both sides.")] = None,
    min_count: Annotated[Optional[int], Opt(help="Word level: rarer words become <unk>.")] = None,
    lowercase: Annotated[Optional[bool], Opt("--lowercase/--no-lowercase", help="Lowercase all text.")] = None,
    seed: Annotated[Optional[int], Opt(help="Random seed.")] = None,
    src_vectors: Annotated[Optional[Path], Opt(help="Initialise source embeddings from word vectors (.npz, .bin, .txt/.vec).")] = None,
    tgt_vectors: Annotated[Optional[Path], Opt(help="Initialise target embeddings from word vectors (.npz, .bin, .txt/.vec).")] = None,
    freeze_embeddings: Annotated[bool, Opt(help="Keep embeddings given by --src/--tgt-vectors fixed.")] = False,
    resume: Annotated[bool, Opt(help="Continue from OUTPUT/checkpoint.pt with its settings (none yet: start afresh).")] = False,
    threads: Annotated[Optional[int], Opt(help="Torch CPU threads.")] = None,
) -> None:
    """Train a translator on parallel files and write a model folder.

    Runs unchanged under ``torchrun --nproc_per_node N`` (each process trains on its share of
    every step's batches; rank 0 writes the folder).
    """
    options = dict(locals())   # every option by name; None leaves the config's default
    _set_threads(threads)
    check_writable(output, "model", option="--output", folder=True)
    for folder in (output, output / "snapshots"):   # a run killed while saving left them
        remove_stale_temporaries(folder)
    if resume and not (output / "checkpoint.pt").exists():   # killed before its first checkpoint
        echo(f"{output / 'checkpoint.pt'} does not exist yet: training from the start (nothing to resume)")
        resume = False
    if resume:
        _check_resume_options(output, options)
        arch = arch or _stored_config(output).get("arch")
    data, model, cfg = _train_configs(arch, options)
    if not resume and (output / "checkpoint.pt").exists():
        raise ConfigError(f"{output} already holds a trained model; use --resume to continue it "
                          "or choose another folder")
    _run_training(train_prefix, valid_prefix, output, data, model, cfg, resume, src_vectors, tgt_vectors)


def _stored_config(output: Path) -> dict:
    """The model folder's settings as stored (``{}`` when there are none to read)."""
    from ..seq2seq.folder import stored_settings

    return stored_settings(output)


def _check_resume_options(output: Path, options: dict) -> None:
    """``--resume`` continues with the folder's settings: an option given with another value than
    the folder's is an error rather than silently ignored (only ``--epochs`` may change)."""
    from ..seq2seq.archs import DEFAULT_ARCH

    conf = _stored_config(output)
    if not conf:
        return
    given = {"arch": ("arch", conf.get("arch", DEFAULT_ARCH))}
    given.update({name: ("model", conf.get("model", {}).get(name)) for name in _MODEL_OPTIONS})
    given.update({name: ("data", conf.get("data", {}).get(field)) for name, field in _DATA_OPTIONS.items()})
    given.update({name: ("train", conf.get("train", {}).get(name)) for name in _TRAIN_OPTIONS if name != "epochs"})
    for name, (section, stored) in given.items():
        value = options.get(name)
        if value is None or (name == "layers" and section == "model" and stored is None):
            continue
        if value != stored:
            option = "--" + name.replace("_", "-")
            raise ConfigError(f"{option} {value}: {output} was trained with {stored!r}; --resume continues "
                              "with the folder's settings (only --epochs may change)")


def _train_configs(arch_name: str | None, options: dict) -> tuple:
    """The data, model and training configs of ``translate train``: each config's own defaults,
    overridden only by the options given (no ``arch_name``: the default architecture)."""
    from ..seq2seq.archs import DEFAULT_ARCH

    arch_name = arch_name or DEFAULT_ARCH
    model, a = _model_config(arch_name, {name: options[name] for name in _MODEL_OPTIONS})
    data = _override(a.data_config, **{field: options[name] for name, field in _DATA_OPTIONS.items()})
    freeze = options["freeze_embeddings"]
    cfg = _override(a.train_config, **{name: options[name] for name in _TRAIN_OPTIONS},
                    freeze_src_embeddings=freeze and options["src_vectors"] is not None,
                    freeze_tgt_embeddings=freeze and options["tgt_vectors"] is not None)
    if options["batch_size"] is not None and options["max_tokens"] is None:
        cfg.max_tokens = None      # a sentence count given: batches by sentences, not tokens
    return data, model, cfg


def _run_training(train_prefix: str, valid_prefix: str | None, output: Path, data, model, cfg,
                  resume: bool, src_vectors: Path | None, tgt_vectors: Path | None) -> None:
    """Train on this process's share (one of ``torchrun``'s, or alone); the main process reports."""
    from ..seq2seq import train_translator
    from ..distributed import setup, teardown
    from ..seq2seq.allocator import keep_freed_memory

    if cfg.precision == "bf16":
        # bfloat16 matmuls go through oneDNN, whose cache of compiled primitives (one per batch
        # shape and layer, 1,024 by default) grew the training process to 6.9 GB in an hour;
        # without it a 120-step run peaks at 2.4 GB instead of 3.4 at the same speed. Read by
        # oneDNN at its first use, which is in the first training step.
        os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "0")
    keep_freed_memory()
    world = setup()
    try:
        start = time.perf_counter()
        _, result = train_translator(train_prefix, valid_prefix, output, data, model, cfg, resume=resume,
                                     echo=echo, src_vectors=src_vectors, tgt_vectors=tgt_vectors, world=world)
        if world.main:
            _report_training(result, time.perf_counter() - start, output)
    finally:
        teardown()


def _report_training(result: dict, seconds: float, output: Path) -> None:
    for rec in result["history"]:
        what = f"epoch {rec['epoch']}" if "averaged_epochs" not in rec else \
            f"average of epochs {rec['averaged_epochs'][0]}-{rec['averaged_epochs'][-1]}"
        if "valid_loss" in rec:
            echo(f"{what}: valid loss {rec['valid_loss']:.3f}  BLEU {rec.get('bleu', 0):.2f}  "
                 f"chrF {rec.get('chrf', 0):.2f}" + ("  (chosen)" if rec.get("chosen") else ""))
    rate = result["train_tokens"] / max(result["train_seconds"], 1e-9)
    echo(f"trained {result['steps']} steps in {seconds:.0f} s ({rate:,.0f} target tokens/s in training "
         f"steps); model in {output}/")


def _read_stdin() -> list[str]:
    """stdin's lines, without line ends (``\\r\\n`` too) or a leading UTF-8 byte-order mark."""
    lines = [line.rstrip("\r\n") for line in sys.stdin]
    if lines:
        lines[0] = lines[0].removeprefix("\ufeff")
    return lines


@app.command("run")
def run(
    model_dir: Annotated[Path, typer.Argument(help="Model folder from 'translate train'.")],
    sentences: Annotated[Optional[list[str]], typer.Argument(help="Sentences (default: stdin, one a line).")] = None,
    beam: Annotated[Optional[int], Opt(help="Beam size (1: greedy; at most 100; default: the search config's).")] = None,
    max_len: Annotated[Optional[int], Opt(help="Longest output in tokens (at most 1024; default: twice the source's plus 10).")] = None,
    plot_attention: Annotated[Optional[Path], Opt(help="Draw the first sentence's attention to this PNG.")] = None,
    show_tokens: Annotated[bool, Opt(help="Also print source and output tokens.")] = False,
    threads: Annotated[Optional[int], Opt(help="Torch CPU threads.")] = None,
) -> None:
    """Translate sentences given as arguments, or stdin to stdout one per line."""
    from ..seq2seq import Translator

    _set_threads(threads)
    if plot_attention is not None:
        check_writable(plot_attention, "attention plot", option="--plot-attention")
    translator = Translator.load(model_dir)
    from_stdin = not sentences
    lines = list(sentences) if sentences else _read_stdin()
    if not lines:
        raise ConfigError("nothing to translate: give sentences or lines on stdin")
    # on stdin a blank line gives a blank line, so output lines stay aligned with input lines
    todo = [i for i, s in enumerate(lines) if s.strip() or not from_stdin]
    if not todo:
        raise ConfigError("nothing to translate: every line on stdin is blank")
    done = dict(zip(todo, translator.translate([lines[i] for i in todo], beam=beam, max_len=max_len,
                                               internals=plot_attention is not None)))
    results = [done[i] for i in todo]
    for i in range(len(lines)):
        t = done.get(i)
        if t is None:
            echo("")
            continue
        echo(t.text)
        if show_tokens:
            echo(f"  source: {' '.join(t.source)}\n  output: {' '.join(t.target)}  (score {t.score:.3f})")
    if plot_attention is not None:
        t = results[0]
        _plot_attention(t, plot_attention)
        typer.echo(f"attention plot: {plot_attention}", err=True)


@app.command("evaluate")
def evaluate(
    model_dir: Annotated[Path, typer.Argument(help="Model folder from 'translate train'.")],
    test_prefix: Annotated[str, Opt("--test", help="Test files PREFIX.SRC and PREFIX.TGT (.gz ok), or one source<TAB>target file.")],
    src: Annotated[Optional[str], Opt("--src", help="Source language (default: the model's).")] = None,
    tgt: Annotated[Optional[str], Opt("--tgt", help="Target language (default: the model's).")] = None,
    beam: Annotated[Optional[int], Opt(help="Beam size (1: greedy; at most 100; default: the search config's).")] = None,
    output: Annotated[Optional[Path], Opt("-o", "--output", help="Also write the translations here.")] = None,
    threads: Annotated[Optional[int], Opt(help="Torch CPU threads.")] = None,
) -> None:
    """BLEU and chrF (sacrebleu) of the model's translations of a test set."""
    import json

    from ..files import atomic_write
    from ..seq2seq import Translator
    from ..seq2seq.parallel import read_parallel
    from ..seq2seq.metrics import bleu_and_chrf

    _set_threads(threads)
    if output is not None:
        check_writable(output, "translations file", option="--output")
    translator = Translator.load(model_dir)
    s, t = translator.data.src_lang, translator.data.tgt_lang
    if src is not None and src != s:
        raise ConfigError(f"--src {src!r}: this model translates from {s!r}")
    if tgt is not None and tgt != t:
        raise ConfigError(f"--tgt {tgt!r}: this model translates into {t!r}")
    src_lines, refs, _, _ = read_parallel(test_prefix, s, t)
    start = time.perf_counter()
    hyps = [x.text for x in translator.translate(src_lines, beam=beam, internals=False)]
    seconds = time.perf_counter() - start
    scores = bleu_and_chrf(hyps, refs, lowercase=translator.data.lowercase)
    if output is not None:
        try:
            with atomic_write(output, "w") as f:
                f.write("\n".join(hyps) + "\n")
        except OSError as e:
            raise ConfigError(f"--output {output}: cannot write ({e.strerror or e})") from None
    from ..seq2seq.search import SearchConfig

    echo(json.dumps({**scores, "sentences": len(hyps), "beam": SearchConfig().beam if beam is None else beam,
                     "sentences_per_s": round(len(hyps) / seconds, 1)}))


def _plot_attention(t, path: Path) -> Path:
    """Draw one translation's attention heatmap (source across, output down) to ``path``."""
    from ..illustrate import attention_heatmap, save_figure

    return save_figure(attention_heatmap(t.attention, t.source, t.target, title=t.text), path)


def demo(out: Path, say: Callable[[str], None]) -> dict:
    """Train a tiny French→English translator on sentences the project writes, and show attention."""
    import torch

    from ..files import atomic_write
    from ..seq2seq import DataConfig, Seq2SeqConfig, TrainConfig, train_translator
    from ..seq2seq.toy import french_english, held_out

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        pairs, valid = held_out(french_english(), 40)   # validation sentences are never trained on
        data_dir = out / "translate-data"
        data_dir.mkdir(parents=True, exist_ok=True)
        for split, rows in (("train", pairs), ("valid", valid)):
            for side, texts in (("fr", (f for f, _ in rows)), ("en", (e for _, e in rows))):
                with atomic_write(data_dir / f"{split}.{side}", "w") as f:
                    f.writelines(f"{t}\n" for t in texts)
        model_dir = out / "translator"
        for stale in ("checkpoint.pt", "metrics.jsonl"):
            (model_dir / stale).unlink(missing_ok=True)
        start = time.perf_counter()
        translator, result = train_translator(
            data_dir / "train", data_dir / "valid", model_dir, DataConfig("fr", "en", min_count=1),
            Seq2SeqConfig(emb_dim=32, hidden_dim=64, dropout=0.0),
            TrainConfig(epochs=12, batch_size=16, lr=3e-3, patience=0, log_every=20), progress=False)
        seconds = time.perf_counter() - start
        t, new = translator.translate(["je suis étudiant", valid[0][0]])
        plot = _plot_attention(t, out / "translator-attention.png")
    finally:
        torch.set_num_threads(threads)
    last = result["history"][-1]
    say(f"trained on {len(pairs)} French→English pairs in {seconds:.1f} s "
        f"(BLEU {last['bleu']:.1f} on {len(valid)} held-out sentences)")
    say(f"je suis étudiant → {t.text}")
    say(f"held out: {valid[0][0]} → {new.text} (reference: {valid[0][1]})")
    say("attention (rows: output, columns: source):")
    say("            " + " ".join(f"{w:>9}" for w in t.source))
    for word, row in zip(t.target, t.attention):
        say(f"  {word:>9} " + " ".join(f"{x:9.2f}" for x in row))
    say(f"model: {model_dir}/  plot: {plot}")
    return {"source": t.source, "target": t.target, "text": t.text, "bleu": last["bleu"],
            "held_out": len(valid),
            "model_dir": str(model_dir), "plot": str(plot)}

"""Which corpus a model was trained on, so that continued training refuses another one.

A model file keeps the name, size and fingerprint of the corpus file it was trained on (several
files: their names) and the tokenizer's settings; continued training compares the corpus it is
given with them, since it keeps the model's vocabulary.
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from ..text import Corpora, Corpus, Tokenizer, Vocab

__all__ = ["source_of", "check_same_corpus"]


def source_of(sentences) -> dict | None:
    """The name, size and fingerprint of the file a :class:`Corpus` reads (several files: their
    names, as a process may hold only its own), and its tokenizer's settings, kept so a resumed
    run can tell that it is given another corpus; None for sentences in memory."""
    if isinstance(sentences, Corpora):
        source = {"file": f"{sentences.paths[0].name} … ({len(sentences)} files)",
                  "files": [p.name for p in sentences.paths]}
    elif isinstance(sentences, Corpus):
        source = {"file": sentences.path.name, "bytes": sentences.size_on_disk,
                  "fingerprint": sentences.fingerprint()}
    else:
        return None
    if isinstance(sentences.tokenize, Tokenizer):
        source["tokenizer"] = sentences.tokenize.kind
        source["lowercase"] = sentences.tokenize.lowercase
    return source


def check_same_corpus(model, sentences) -> None:
    """Continued training keeps the model's vocabulary, so refuse sentences other than those
    ``train`` built it from (they would train silently with the wrong words): a corpus file by
    its size and fingerprint, anything else by counting it again (the same words with the same
    counts). A vocabulary made by calling ``build_vocab`` is trusted with any sentences."""
    saved, now = model.corpus_source, source_of(sentences)
    if saved is None:     # a vocabulary from build_vocab itself: its caller chose the sentences
        return
    if saved and now and "files" in now:   # several files, known by their names
        if saved.get("files") != now["files"] or any(
                saved.get(k, now.get(k)) != now.get(k) for k in ("tokenizer", "lowercase")):
            raise ConfigError(f"{now['file']}: not the files this model was trained on "
                              f"({saved.get('file')}); continuing keeps its vocabulary, so train a "
                              "new model on a new corpus")
        return
    if saved and now and "fingerprint" in saved:
        if saved.get("bytes") != now["bytes"]:
            differs = f"{saved.get('bytes'):,} bytes; this one has {now['bytes']:,}"
        elif saved["fingerprint"] != now["fingerprint"]:
            differs = "as large, but other bytes"
        elif any(saved.get(k, now.get(k)) != now.get(k) for k in ("tokenizer", "lowercase")):
            differs = f"tokenized with {saved.get('tokenizer')!r}, lowercase {saved.get('lowercase')}"
        else:
            return
        raise ConfigError(f"{sentences.path}: not the corpus this model was trained on ({saved.get('file')}, "
                          f"{differs}); continuing keeps its vocabulary, so train a new model on a new corpus")
    c = model.config
    vocab = Vocab.build(sentences, min_count=c.min_count, max_size=c.max_vocab, specials=())
    if vocab.itos != model.wv.keys or not np.array_equal(vocab.counts, model.wv.counts):
        known = model.wv.key_to_index
        odd = next((w for w in vocab.itos if w not in known), None)
        what = f"{odd!r} is not in it" if odd is not None else "the words' counts differ"
        raise ConfigError(f"these sentences are not the ones this model's vocabulary was built from "
                          f"({len(vocab):,} words against {len(known):,}; {what}); continuing keeps the "
                          "vocabulary, so build a new Word2Vec to train on other sentences")

"""Reading parallel text: ``PREFIX.src`` / ``PREFIX.tgt`` files, or one ``source<TAB>target`` file.

Files hold one sentence a line (plain, ``.gz``, ``.bz2`` or ``.xz``); a corpus is named by a prefix
and a language code, ``PREFIX.de`` / ``PREFIX.en`` (or ``PREFIX.de.gz`` …), or by the path of a pairs
file (Tatoeba's ``eng-fra.txt.gz``, say). Text is UTF-8; a BOM and ``\\r\\n`` line ends are accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import ConfigError, CorpusError
from ..files import check_readable, open_binary

__all__ = ["find_file", "read_lines", "read_parallel", "drop_empty_pairs", "is_tsv", "read_pairs"]


_LANG = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$")


def find_file(prefix: str | Path, lang: str, role: str = "source") -> Path:
    """``PREFIX.lang`` or ``PREFIX.lang.gz``; a clear error naming the language code otherwise."""
    if not _LANG.match(lang):
        raise ConfigError(f"unknown {role} language code {lang!r}: expected a code such as 'de' or 'en'")
    for cand in (Path(f"{prefix}.{lang}"), Path(f"{prefix}.{lang}.gz")):
        if cand.exists():
            return check_readable(cand, "parallel file")
    raise CorpusError(f"no file {prefix}.{lang} or {prefix}.{lang}.gz for {role} language {lang!r}")


def _decode(p: Path) -> str:
    """A file's text: UTF-8 (a leading BOM dropped), ``\\r\\n`` and ``\\r`` read as line ends."""
    with open_binary(p) as raw:
        try:
            data = raw.read()
        except (OSError, EOFError) as e:
            raise CorpusError(f"{p}: cannot read ({e})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise CorpusError(f"{p}: line {line}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_lines(path: str | Path, allow_empty: bool = False) -> list[str]:
    """All lines of a UTF-8 text file (``.gz`` ok), stripped; an empty line is an error unless
    ``allow_empty`` (then it is kept as ``""``)."""
    p = check_readable(path, "parallel file")
    lines = _decode(p).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise CorpusError(f"{p}: empty file")
    out = []
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line and not allow_empty:
            raise CorpusError(f"{p}: line {n} is empty (every line must hold a sentence)")
        out.append(line)
    return out


def _read_tsv(path: Path) -> tuple[list[str], list[str]]:
    """The pairs of a ``source<TAB>target`` file, one pair a line (sides stripped, may be empty).

    Further columns (an attribution, say) are allowed when every line has as many; they are ignored.
    """
    lines = _decode(check_readable(path, "pairs file")).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise CorpusError(f"{path}: empty file")
    src, tgt = [], []
    columns = None
    for n, line in enumerate(lines, 1):
        if not line.strip():                      # a blank line: a pair with no text
            src.append("")
            tgt.append("")
            continue
        parts = line.split("\t")
        if len(parts) < 2 and columns is None:
            raise CorpusError(f"{path}: not a source<TAB>target pairs file (line {n} has no tab); for "
                              "one file per language give their PREFIX (PREFIX.de and PREFIX.en)")
        columns = columns or len(parts)
        if len(parts) != columns:
            raise CorpusError(f"{path}: line {n}: expected {columns} tab-separated columns "
                              f"(source<TAB>target) like the lines before, found {len(parts)}")
        src.append(parts[0].strip())
        tgt.append(parts[1].strip())
    return src, tgt


def is_tsv(prefix: str | Path) -> bool:
    """Whether ``prefix`` names an existing pairs file (``.tsv``, ``.txt.gz`` …) rather than a prefix."""
    return Path(prefix).is_file()


def read_parallel(prefix: str | Path, src: str, tgt: str,
                  allow_empty: bool = False) -> tuple[list[str], list[str], Path, Path]:
    """The aligned sentences of ``PREFIX.src`` and ``PREFIX.tgt``, checked to have equal counts,
    or of one ``source<TAB>target`` file when ``prefix`` is an existing file (first column: source). With ``allow_empty``
    empty lines are kept as ``""`` (see :func:`drop_empty_pairs`); otherwise they are an error."""
    if src == tgt:
        raise ConfigError(f"source and target language are both {src!r}")
    if is_tsv(prefix):
        p = Path(prefix)
        a, b = _read_tsv(p)
        if not allow_empty:
            for n, (x, y) in enumerate(zip(a, b), 1):
                if not x or not y:
                    raise CorpusError(f"{p}: line {n}: the {'source' if not x else 'target'} side is empty")
        return a, b, p, p
    src_path, tgt_path = find_file(prefix, src, "source"), find_file(prefix, tgt, "target")
    a, b = read_lines(src_path, allow_empty), read_lines(tgt_path, allow_empty)
    if len(a) != len(b):
        raise CorpusError(f"{src_path} has {len(a)} lines but {tgt_path} has {len(b)}; "
                          "parallel files must have one line per sentence pair")
    return a, b, src_path, tgt_path


def drop_empty_pairs(src: Sequence[str], tgt: Sequence[str]) -> tuple[list[str], list[str], list[int]]:
    """The pairs with text on both sides, and the (1-based) line numbers of those dropped."""
    dropped = [n for n, (a, b) in enumerate(zip(src, tgt), 1) if not a or not b]
    if not dropped:
        return list(src), list(tgt), []
    keep = [i for i, (a, b) in enumerate(zip(src, tgt)) if a and b]
    return [src[i] for i in keep], [tgt[i] for i in keep], dropped


def read_pairs(prefix: str | Path, src: str, tgt: str, role: str,
               say: Callable[[str], None]) -> tuple[list[str], list[str]]:
    """The pairs of a training or validation set; pairs with an empty side are left out (and
    counted), as fairseq and JoeyNMT filter them."""
    src_lines, tgt_lines, sp, tp = read_parallel(prefix, src, tgt, allow_empty=True)
    src_lines, tgt_lines, dropped = drop_empty_pairs(src_lines, tgt_lines)
    where = str(sp) if sp == tp else f"{sp}, {tp}"
    if not src_lines:
        raise CorpusError(f"{where}: every one of the {len(dropped)} {role} pairs has an empty side")
    say(f"{role} pairs: {len(src_lines)} ({where})")
    if dropped:
        shown = ", ".join(map(str, dropped[:5])) + (", …" if len(dropped) > 5 else "")
        say(f"skipped {len(dropped)} {role} pair(s) with an empty side (line{'s' if len(dropped) > 1 else ''} {shown})")
    return src_lines, tgt_lines

"""Where the shared real data sets live, decided in one place.

Tests, benchmarks and the CLI's defaults (``word2vec evaluate``'s evaluation folder) read the real
data sets from a folder kept outside the repository: ``$ILLUSTRATED_DATA`` when set, otherwise the
first ``shared/data`` folder found in the working directory or above it, or beside the installed
package's source tree or above it.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ENV", "shared_data_dir"]

ENV = "ILLUSTRATED_DATA"


def shared_data_dir() -> Path | None:
    """The shared data folder, or None when ``$ILLUSTRATED_DATA`` is unset and none is found.

    A set ``$ILLUSTRATED_DATA`` is returned as it is, even if it does not exist, so a mistyped
    path is reported rather than silently replaced.
    """
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    here = Path(__file__).resolve().parent
    for start in (Path.cwd().resolve(), here):
        for folder in (start, *start.parents):
            candidate = folder / "shared" / "data"
            if candidate.is_dir():
                return candidate
    return None

"""keep_freed_memory: large buffers freed by one step are reused by the next, not faulted in again."""

import os
import subprocess
import sys

import pytest

from illustrated.seq2seq.allocator import GLIBC_VARIABLES

# Allocates and frees a 256 MB buffer ten times (each write touches every page), then prints the
# minor page faults of the last nine rounds.
PROBE = """
import resource, sys
from illustrated.seq2seq.allocator import keep_freed_memory
took = keep_freed_memory() if sys.argv[1] == "on" else None
def round_():
    b = bytearray(256 << 20)
    b[::4096] = b"\\x01" * len(b[::4096])
    del b
round_()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(9):
    round_()
print(took, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(setting: str, **env: str) -> tuple[str, int]:
    clean = {k: v for k, v in os.environ.items() if k not in GLIBC_VARIABLES}
    out = subprocess.run([sys.executable, "-c", PROBE, setting], capture_output=True, text=True, check=True,
                         env={**clean, **env})
    took, faults = out.stdout.split()
    return took, int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_buffers_stay_mapped_for_the_next_step():
    took, kept = _faults("on")
    assert took == "True"
    _, remapped = _faults("off")
    pages = 9 * (256 << 20) // 4096
    assert remapped > pages // 2          # without it: every round faults its pages in afresh
    assert kept < pages // 20             # with it: the pages of the first round are reused


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_a_users_own_glibc_setting_is_left_alone():
    took, faults = _faults("on", MALLOC_MMAP_MAX_="65536")
    assert took == "False"
    assert faults > 9 * (256 << 20) // 4096 // 2

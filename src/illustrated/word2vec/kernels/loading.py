"""Loading a compiled kernel from numba's on-disk cache with as little of numba as it needs.

Before it reads a cached function, numba readies its whole compiler: every typing and lowering
registry it has (about 200 modules, 56 MiB and 0.2 s) and its runtime's own functions, compiled
afresh by LLVM's optimiser and code generator in every process (another 30 MiB of LLVM's code
paged in). Loading machine code needs neither: only the addresses of the C functions it calls.
:func:`load_lean` gives the kernels a run calls from Python a cache that registers those
addresses and loads the machine code, after checking in the cached object file that every symbol
it imports can be found; when one cannot (a kernel that uses more of numba's runtime), the
runtime is readied as numba would. A kernel not in the cache yet is compiled as before: the
compiler readies itself.
"""

from __future__ import annotations

import struct

from numba.core.caching import FunctionCache

__all__ = ["load_lean", "undefined_symbols"]


def undefined_symbols(obj: bytes) -> list[str]:
    """The names of the symbols a 64-bit little-endian ELF object file imports (undefined global
    or weak symbols). Raises ValueError for anything else (another object format)."""
    if obj[:4] != b"\x7fELF" or obj[4] != 2 or obj[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF object")
    shoff, = struct.unpack_from("<Q", obj, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", obj, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", obj, shoff + i * shentsize) for i in range(shnum)]
    names = []
    for _, kind, _, _, offset, size, link, _, _, entsize in sections:
        if kind != 2:  # SHT_SYMTAB
            continue
        strtab = sections[link][4]
        for at in range(offset, offset + size, entsize or 24):
            name, info, _, shndx = struct.unpack_from("<IBBH", obj, at)
            if shndx == 0 and name and (info >> 4) in (1, 2):  # undefined, global or weak
                end = obj.index(b"\0", strtab + name)
                names.append(obj[strtab + name:end].decode())
    return names


def _register_runtime_symbols() -> None:
    """Tell LLVM where numba's runtime C functions are (what ``rtsys.initialize`` does before it
    compiles the runtime's LLVM functions)."""
    import llvmlite.binding as ll
    from numba.core.runtime import _nrt_python

    for name, address in _nrt_python.c_helpers.items():
        ll.add_symbol(name if name.startswith("_") else "NRT_" + name, address)


def _resolvable(names: list[str]) -> bool:
    import llvmlite.binding as ll

    return all(ll.address_of_symbol(n) for n in names)


class _LeanCache(FunctionCache):
    """numba's on-disk cache of one function, loaded without readying the compiler."""

    def load_overload(self, sig, target_context):
        try:
            data = self._cache_file.load(self._index_key(sig, target_context.codegen()))
        except Exception:  # noqa: BLE001 - numba's own path decides what a broken cache is
            data = None
        if data is None or not self._enabled:
            return super().load_overload(sig, target_context)
        _register_runtime_symbols()
        try:
            lean = _resolvable(undefined_symbols(data[0][2][0]))  # libdata: (name, kind, (obj, bc))
        except (ValueError, IndexError, TypeError, struct.error):
            lean = False
        if not lean:
            from numba.core.runtime import rtsys

            rtsys.initialize(target_context)
        return self._impl.rebuild(target_context, data)


def load_lean(*dispatchers) -> None:
    """Let each compiled function (called from Python) load from numba's cache without the
    compiler, as the module's docstring explains."""
    for d in dispatchers:
        if d._cache.__class__ is FunctionCache:
            d._cache = _LeanCache(d.py_func)

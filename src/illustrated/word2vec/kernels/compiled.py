"""How every kernel is compiled, and the one CPU hint numba does not offer: prefetching a row."""

from __future__ import annotations

import numba
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["JIT", "LEAF", "prefetch_row"]

#: numba options of every kernel: no GIL (threads train side by side), cached on disk, fast maths.
JIT = dict(nogil=True, cache=True, fastmath=True, error_model="numpy", boundscheck=False)
#: A kernel that allocates nothing is compiled without reference counting: numba would count a
#: reference (an atomic add and a call) for every array handed to an inlined helper, per word.
LEAF = dict(JIT, _nrt=False)


@intrinsic
def _prefetch(typingctx, arr, row, col):
    """Hint the CPU to load ``arr[row, col]`` into cache (LLVM ``prefetch``, read, keep)."""
    def codegen(context, builder, sig, args):
        aryty = sig.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        inds = [context.cast(builder, v, t, types.intp) for v, t in zip(args[1:], sig.args[1:])]
        ptr = cgutils.get_item_pointer2(context, builder, data=ary.data,
                                        shape=cgutils.unpack_tuple(builder, ary.shape),
                                        strides=cgutils.unpack_tuple(builder, ary.strides),
                                        layout=aryty.layout, inds=inds)
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0i8")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()
    return types.void(arr, row, col), codegen


@numba.njit(inline="always", **JIT)
def prefetch_row(arr, row) -> None:
    """Prefetch every cache line of ``arr[row]`` (rows of random words miss the cache)."""
    for col in range(0, arr.shape[1], 16):
        _prefetch(arr, row, col)

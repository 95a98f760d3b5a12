"""The compiled inner loop of word2vec: arrays and scalars in, updated weights out.

Nothing here knows about models, vocabularies or files, so each piece can be tested alone against
the NumPy reference in the tests. Every function is compiled with numba in ``nogil`` mode, so
several Python threads can run :func:`train_chunk` on different chunks of sentences at once and
update the shared weight matrices without locks (Hogwild, as the C tool does).

Speed comes from three choices:

* **Shared negatives per window** (:mod:`.skipgram`): a centre word and its noise words form one
  small block of output rows that the window's context rows are trained against, as two small
  matrix products, and the noise sampler runs once per window instead of once per pair.
* **Cheap randomness** (:mod:`.sampling`): the C tool's linear congruential generator inside the
  kernel, and Walker's alias method for the noise distribution.
* **Tables for the sigmoid and log-sigmoid** (:mod:`.scores`), so the loss costs one extra lookup
  per pair.

Batching stays bounded, however wide the window, by the tiles of :mod:`.tiles`; :mod:`.chunk`
drives the windows of a chunk of sentences, and :mod:`.cbow` trains CBOW's. :mod:`.engine` names
the arguments of a kernel (:class:`WordKernel`) and is the one place that calls it;
:mod:`.rows` finds the rows that model averaging sends. Items with side information
(attributes, global contexts, market negatives) have their own kernel and driver, :mod:`.eges`
and :mod:`.eges_chunk`, named by :class:`.items.ItemKernel` and imported only when used.

Array conventions: ``syn0`` (input vectors) and ``syn1`` (output vectors: ``syn1neg`` for negative
sampling, the inner nodes of the Huffman tree for hierarchical softmax) are ``float32 [n, dim]``
and C-contiguous; token ids are ``int32`` with ``-1`` for tokens outside the vocabulary.

numba's on-disk cache checks only the file a compiled function is defined in, while a kernel
keeps the code it inlined or called from the other modules here: after editing one of them,
delete this package's ``__pycache__`` (its ``.nbi``/``.nbc`` files) before training again.
"""

from .cbow import cbow_window
from .chunk import train_chunk
from .compiled import JIT
from .engine import ChunkKernel, ChunkStats, WordKernel
from .rows import changed_rows
from .sampling import alias_draw, lcg
from .scores import DAMP, LOG_SIGMOID, MAX_EXP, SIGMOID, TABLE_SIZE
from .skipgram import sg_tile, sg_window
from .tiles import BLOCK_RATE, MAX_TILE, block_size, distinct_run

__all__ = ["ChunkKernel", "ChunkStats", "WordKernel", "changed_rows", "MAX_EXP", "TABLE_SIZE", "SIGMOID", "LOG_SIGMOID", "DAMP", "BLOCK_RATE", "MAX_TILE",
           "JIT", "block_size", "train_chunk", "sg_tile", "sg_window", "cbow_window",
           "distinct_run", "alias_draw", "lcg"]

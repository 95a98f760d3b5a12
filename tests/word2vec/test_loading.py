"""A training run loads its compiled kernels from numba's cache without readying numba's compiler
or compiling its runtime, and reads in a cached object file what it imports."""

import json
import subprocess
import sys

from illustrated.word2vec.kernels.loading import undefined_symbols

# trains a small CBOW model from a Corpus file (the compiled reader and one training kernel),
# then reports what of numba it took
RUN = r"""
import json, sys
from illustrated.text import Corpus
from illustrated.word2vec import Word2Vec, Word2VecConfig
from illustrated.word2vec.planted import planted_corpus
from numba.core.runtime import rtsys
path = sys.argv[1]
with open(path, "w") as f:
    f.write("\n".join(" ".join(s) for s in planted_corpus(300, seed=1)) + "\n")
model = Word2Vec(Word2VecConfig(sg=False, dim=8, epochs=1, min_count=1, threads=1, seed=1))
model.train(Corpus(path), progress=False)
print(json.dumps({"loss": model.last_loss, "runtime_compiled": rtsys._init,
                  "lowering_loaded": "numba.np.arraymath" in sys.modules}))
"""


def test_a_cached_kernel_loads_without_numbas_compiler(tmp_path):
    runs = [subprocess.run([sys.executable, "-c", RUN, str(tmp_path / "c.txt")],
                           capture_output=True, text=True, timeout=900) for _ in range(2)]
    for r in runs:
        assert r.returncode == 0, r.stderr
    first, second = (json.loads(r.stdout.splitlines()[-1]) for r in runs)
    assert second["loss"] == first["loss"]  # the first run may have compiled and cached it
    assert not second["runtime_compiled"] and not second["lowering_loaded"]


def test_the_symbols_an_object_file_imports_are_read():
    import llvmlite.binding as ll

    ll.initialize_native_target()
    ll.initialize_native_asmprinter()
    module = ll.parse_assembly("""
        declare double @outside_helper(double)
        declare void @another_one()
        define double @inside(double %x) {
          call void @another_one()
          %y = call double @outside_helper(double %x)
          ret double %y
        }""")
    machine = ll.Target.from_triple("x86_64-unknown-linux-gnu").create_target_machine()
    assert sorted(undefined_symbols(machine.emit_object(module))) == ["another_one",
                                                                      "outside_helper"]

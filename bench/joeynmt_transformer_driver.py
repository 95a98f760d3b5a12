"""Run JoeyNMT 2.3 Transformer training, then beam decoding of the test set; print one JSON line.

Runs inside JoeyNMT's own virtualenv (it pins other versions than ours), launched by
``bench/transformer_vs_joeynmt.py``:

    JOEY_PYTHON bench/joeynmt_transformer_driver.py CONFIG.json THREADS [test]

Figures: ``saved_at`` (wall-clock time.time() when training has returned with its final
checkpoint written: the end of "command start to a saved model"), ``train_s`` (time inside
``train_and_validate`` less validation), target tokens and steps as JoeyNMT counts them, and
for the test set JoeyNMT's own generation time and hypotheses. JoeyNMT's own post-training
test is skipped during training (``skip_test``) and run afterwards, so it is not part of the
training time. With ``test`` only the saved model (MODEL_DIR/best.ckpt) decodes the test set.
"""

import json
import resource
import shutil
import sys
import time
from pathlib import Path

import torch
import yaml

import joeynmt.prediction as P
import joeynmt.training as T

threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
torch.set_num_threads(threads)
facts = {"valid_s": 0.0, "decodes": []}

_validate = T.TrainManager._validate


def timed_validate(self, *a, **k):
    t = time.perf_counter()
    try:
        return _validate(self, *a, **k)
    finally:
        facts["valid_s"] += time.perf_counter() - t


_train = T.TrainManager.train_and_validate


def timed_train(self, *a, **k):
    t = time.perf_counter()
    out = _train(self, *a, **k)   # ends by saving the current weights (latest checkpoint)
    facts["saved_at"] = time.time()
    facts["train_s"] = time.perf_counter() - t - facts["valid_s"]
    facts["train_tokens"] = int(self.stats.total_tokens)
    facts["steps"] = int(self.stats.steps)
    best = Path(self.model_dir) / "best.ckpt"
    if not best.exists():   # no validation ran: decode with the last weights
        last = max(Path(self.model_dir).glob("*.ckpt"), key=lambda p: p.stat().st_mtime)
        shutil.copyfile(last, best)
    return out


_predict = P.predict


def timed_predict(*a, **k):
    t = time.perf_counter()
    out = _predict(*a, **k)
    facts["decodes"].append({"seconds": time.perf_counter() - t, "hypotheses": out[2]})
    return out


T.TrainManager._validate = timed_validate
T.TrainManager.train_and_validate = timed_train
P.predict = timed_predict

with open(sys.argv[1]) as f:
    # JSON is read as JSON: PyYAML would take a float such as 1e-08 for a string
    cfg = json.load(f) if sys.argv[1].endswith(".json") else yaml.safe_load(f)
Path(cfg["model_dir"]).mkdir(parents=True, exist_ok=True)
test_only = len(sys.argv) > 3 and sys.argv[3] == "test"
if not test_only:
    T.train(rank=0, world_size=1, cfg=json.loads(json.dumps(cfg)), skip_test=True)
cfg["testing"]["load_model"] = str(Path(cfg["model_dir"]) / "best.ckpt")
facts["decodes"].clear()
P.test(cfg)
test = facts["decodes"][-1]   # dev, then test
print("JOEY_RESULT " + json.dumps({
    "saved_at": facts.get("saved_at"), "train_s": facts.get("train_s"), "valid_s": facts["valid_s"],
    "train_tokens": facts.get("train_tokens"), "steps": facts.get("steps"),
    "decode_s": test["seconds"], "hypotheses": test["hypotheses"],
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))

"""Run JoeyNMT 2.3 training + beam test decoding and print its figures as one JSON line.

Runs inside JoeyNMT's own virtualenv (it pins other versions than ours):
    .venv-joey/bin/python bench/joeynmt_driver.py CONFIG.json THREADS [test]
Training time excludes validation; decoding time is JoeyNMT's own generation loop on the test set.
With ``test`` only the trained model (MODEL_DIR/best.ckpt) decodes the test set.
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
    out = _train(self, *a, **k)
    facts["train_s"] = time.perf_counter() - t - facts["valid_s"]
    facts["train_tokens"] = int(self.stats.total_tokens)
    facts["steps"] = int(self.stats.steps)
    # no validation ran during training (it is timed apart), so test the last weights
    best = Path(self.model_dir) / "best.ckpt"
    if not best.exists():
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
if len(sys.argv) > 3 and sys.argv[3] == "test":
    cfg["testing"]["load_model"] = str(Path(cfg["model_dir"]) / "best.ckpt")
    P.test(cfg)
    facts.update(train_s=None, train_tokens=None, steps=None)
else:
    T.train(rank=0, world_size=1, cfg=cfg)
test = facts["decodes"][-1]   # dev, then test
print("JOEY_RESULT " + json.dumps({
    "train_s": facts["train_s"], "train_tokens": facts["train_tokens"], "steps": facts["steps"],
    "decode_s": test["seconds"], "hypotheses": test["hypotheses"],
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))

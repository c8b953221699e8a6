import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pytest

MODEL = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(MODEL)
sys.path.insert(0, MODEL)

import torch  # noqa: E402

torch.set_num_threads(2)


def node_bin():
    return shutil.which("node") or "/usr/bin/node"


def ort_available():
    return os.path.isdir(os.path.join(ROOT, "node_modules", "onnxruntime-node")) and os.path.exists(node_bin())


def run_ort(graph, inputs):
    """Run an ONNX graph in onnxruntime-node (model/tools/ort_run.mjs). inputs: name -> np array."""
    d = tempfile.mkdtemp(prefix="ort_")
    try:
        spec = {"graph": os.path.abspath(graph), "inputs": {}}
        for name, a in inputs.items():
            a = np.ascontiguousarray(a)
            dt = "int64" if a.dtype == np.int64 else "float32"
            a = a.astype(np.int64 if dt == "int64" else np.float32)
            a.tofile(os.path.join(d, name + ".bin"))
            spec["inputs"][name] = {"dtype": dt, "shape": list(a.shape), "file": name + ".bin"}
        with open(os.path.join(d, "spec.json"), "w") as f:
            json.dump(spec, f)
        subprocess.run([node_bin(), os.path.join(MODEL, "tools", "ort_run.mjs"), d], check=True, cwd=ROOT,
                       capture_output=True, timeout=120)
        with open(os.path.join(d, "outputs.json")) as f:
            outs = json.load(f)
        res = {}
        for name, o in outs.items():
            res[name] = np.fromfile(os.path.join(d, o["file"]), dtype=np.float32 if o["dtype"] == "float32" else np.int64).reshape(o["shape"])
        return res
    finally:
        shutil.rmtree(d, ignore_errors=True)


def randomise(model):
    """non-zero adaLN and output layers (a fresh DiT's are zero, so every output would be 0)"""
    torch.manual_seed(1)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if ".ada" in n or n.startswith("dit.out") or "ada_f" in n:
                p.normal_(0, 0.2)
    return model

"""A checkpoint's graphs in onnxruntime-node, the app's own runtime (evaluate.py --engine ort).

The evaluation then scores the graphs the app runs, exported from the checkpoint exactly as a pack is,
and it is cheaper: 8 clips from pack 0.9.0's checkpoint took 19.9 s here against 83.4 s in PyTorch 1.13
(4.2x, one run, both beside a training run), and no pixel of them differed by more than one level. The sampler
loop stays the Python one (studio_model/sampler.py); only the four graphs run in onnxruntime, behind
stand-ins with the call shapes of the PyTorch modules.

One node process serves every call (tools/ort_run.mjs --serve); inputs and outputs pass as files in
a scratch folder, a few MB a call beside about a second of compute.
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np
import torch

from studio_model import nets

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.dirname(HERE)
ROOT = os.path.dirname(MODEL)
ORT_RUN = os.path.join(HERE, "ort_run.mjs")


def node_bin():
    return shutil.which("node") or "/usr/bin/node"


def available():
    return os.path.isdir(os.path.join(ROOT, "node_modules", "onnxruntime-node")) and os.path.exists(node_bin())


def _write_inputs(d, graph, inputs):
    spec = {"graph": os.path.abspath(graph), "inputs": {}}
    for name, a in inputs.items():
        a = np.ascontiguousarray(a)
        dt = "int64" if a.dtype == np.int64 else "float32"
        a.astype(np.int64 if dt == "int64" else np.float32).tofile(os.path.join(d, name + ".bin"))
        spec["inputs"][name] = {"dtype": dt, "shape": list(a.shape), "file": name + ".bin"}
    with open(os.path.join(d, "spec.json"), "w") as f:
        json.dump(spec, f)


def _read_outputs(d):
    with open(os.path.join(d, "outputs.json")) as f:
        outs = json.load(f)
    return {name: np.fromfile(os.path.join(d, o["file"]), dtype=np.float32 if o["dtype"] == "float32" else np.int64)
            .reshape(o["shape"]) for name, o in outs.items()}


def run_once(graph, inputs):
    """Run one ONNX graph once in onnxruntime-node. inputs: name -> np array; returns name -> np array."""
    d = tempfile.mkdtemp(prefix="ort_")
    try:
        _write_inputs(d, graph, inputs)
        subprocess.run([node_bin(), ORT_RUN, d], check=True, cwd=ROOT, capture_output=True, timeout=120)
        return _read_outputs(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


class Graphs:
    """The graphs of a pack folder behind one onnxruntime-node process."""

    def __init__(self, pack_dir, threads=2):
        if not available():
            raise RuntimeError(f"onnxruntime-node is not in {ROOT}/node_modules: run `npm install` there first "
                               "(or use --engine torch)")
        self.dir = pack_dir
        self.scratch = tempfile.mkdtemp(prefix="ort_serve_")
        self.proc = subprocess.Popen([node_bin(), ORT_RUN, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, cwd=ROOT, env=dict(os.environ, ORT_THREADS=str(threads)))
        atexit.register(self.close)

    def run(self, name, **inputs):
        _write_inputs(self.scratch, os.path.join(self.dir, f"{name}.onnx"), inputs)
        self.proc.stdin.write(self.scratch + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if answer != "ok":
            raise RuntimeError(f"onnxruntime-node, {name}.onnx: {answer or 'the process ended'}")
        return _read_outputs(self.scratch)

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        shutil.rmtree(self.scratch, ignore_errors=True)


class VideoModel:
    """Stands in for studio_model.nets.VideoModel where the sampler and the scorers call it."""

    training = False
    noise_share = nets.VideoModel.noise_share

    def __init__(self, graphs: Graphs, cfg):
        self.graphs, self.cfg = graphs, cfg

    # the prompts read as the PyTorch model reads them (the pack's vocab.json holds the same readings)
    tokens = nets.VideoModel.tokens

    def text_encoder(self, tokens):
        return torch.from_numpy(self.graphs.run("text_encoder", tokens=tokens.numpy())["text"])

    def dit(self, x, t, text, cond, mask):
        out = self.graphs.run("denoiser", x=x.numpy(), t=t.numpy(), text=text.numpy(), cond=cond.numpy(),
                              mask=mask.numpy())
        return torch.from_numpy(out["out"])

    def eval(self):
        return self

    def train(self, mode=True):
        return self


class AutoEncoder:
    """Stands in for studio_model.nets.AutoEncoder: encoder(frames) and decoder(latent) (clamped, as in the pack)."""

    def __init__(self, graphs: Graphs, cfg):
        self.graphs, self.cfg = graphs, cfg

    def encoder(self, frames):
        return torch.from_numpy(self.graphs.run("encoder", frames=frames.numpy())["latent"])

    def decoder(self, latent):
        return torch.from_numpy(self.graphs.run("decoder", latent=latent.numpy())["frames"])


def from_pack(pack_dir, ae_cfg, dit_cfg, threads=2):
    """(model, ae) stand-ins over a pack folder's graphs; the model samples with the starting-noise share its
    manifest gives (sampler.noise_share), as the app does"""
    g = Graphs(pack_dir, threads)
    model = VideoModel(g, dit_cfg)
    mpath = os.path.join(pack_dir, "manifest.json")
    if os.path.exists(mpath):
        with open(mpath) as f:
            model.noise_share = float(json.load(f)["sampler"].get("noise_share", 0.0))
    return model, AutoEncoder(g, ae_cfg)


def from_modules(model, ae, threads=2):
    """(model, ae) stand-ins over the graphs of these PyTorch modules, exported as export.py makes a pack's"""
    import export

    out = tempfile.mkdtemp(prefix="ort_pack_")
    atexit.register(shutil.rmtree, out, True)
    export.export_graphs(ae, model, out)
    graphs_model, graphs_ae = from_pack(out, ae.cfg, model.cfg, threads)
    graphs_model.noise_share = model.noise_share
    return graphs_model, graphs_ae

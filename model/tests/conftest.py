import os
import sys

MODEL = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(MODEL)
sys.path.insert(0, MODEL)

import torch  # noqa: E402

torch.set_num_threads(2)

from tools import ort_engine  # noqa: E402


def save_repatch_source(path, model, cfg, without=None, opt=None):
    """A training checkpoint of `model` for tools/repatch.py to convert (step 7); `without` leaves one
    DiTConfig field out of its config, as a checkpoint written before that field existed."""
    from train import save
    state = {"dit": model.state_dict(), "dit_ema": model.state_dict(),
             "dit_cfg": {k: v for k, v in cfg.__dict__.items() if k != without},
             "stages": {"dit": {"step": 7, "samples": 56, "wall": 1.0}}}
    if opt is not None:
        state["dit_opt"] = opt.state_dict()
    save(state, str(path))


# the parity tests run a graph once in onnxruntime-node; the evaluation's --engine ort uses the same bridge
ort_available = ort_engine.available
run_ort = ort_engine.run_once


def randomise(model):
    """non-zero adaLN and output layers (a fresh DiT's are zero, so every output would be 0)"""
    torch.manual_seed(1)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if ".ada" in n or n.startswith("dit.out") or "ada_f" in n:
                p.normal_(0, 0.2)
    return model

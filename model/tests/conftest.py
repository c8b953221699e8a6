import os
import sys

MODEL = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(MODEL)
sys.path.insert(0, MODEL)

import torch  # noqa: E402

torch.set_num_threads(2)

import pytest  # noqa: E402

from studio_model import text  # noqa: E402
from tools import ort_engine  # noqa: E402


@pytest.fixture(autouse=True)
def plain_readings():
    """Loading a checkpoint sets the process's word readings from the model (export.load_modules): a test
    that loads the shipped pack (readings on since 0.10.0) must not change how the next test tokenizes."""
    text.use_readings(False)
    yield
    text.use_readings(False)


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

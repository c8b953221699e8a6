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


def step_then_repatch(tmp_path, monkeypatch, model, cfg, tok, without, *flags):
    """One AdamW step of `model` on random clips with the tokens `tok` [2, L], saved as a checkpoint from
    before the DiTConfig field `without`, then converted by tools/repatch.py with `flags`. Returns (the
    converted state, the forward's arguments)."""
    from tools import repatch
    x = torch.randn(2, 4, 16, 4, 6)
    args = (x, torch.tensor([1.0, 0.5]), tok, x, torch.zeros(2, 1, 16, 4, 6))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(*args).square().mean().backward()
    opt.step()
    src, dst = tmp_path / "a.pt", tmp_path / "b.pt"
    save_repatch_source(src, model, cfg, without=without, opt=opt)
    monkeypatch.setattr(sys, "argv", ["repatch", "--from", str(src), "--to", str(dst), *flags])
    repatch.main()
    return torch.load(dst), args


def same_model_then_one_step(model, st, args):
    """The converted state `st` (step_then_repatch) as a model: asserts it gives `model`'s outputs exactly,
    then takes one AdamW step with the converted moments (every old parameter's follow it by name).
    Returns (the stepped model, its output before the step)."""
    from studio_model.nets import DiTConfig, VideoModel
    new = VideoModel(DiTConfig(**st["dit_cfg"]))
    new.load_state_dict(st["dit"])
    with torch.no_grad():
        before, after = model(*args), new(*args)
    assert before.abs().max() > 0.1 and torch.equal(before, after)  # the same model exactly
    opt = torch.optim.AdamW(new.parameters(), lr=1e-3)
    opt.load_state_dict(st["dit_opt"])
    new(*args).square().mean().backward()
    opt.step()
    return new, after


def denoiser_gap(model, tmp_path, sizes=((18, 32, 2),)):
    """the largest difference between the denoiser graph export.py would ship, in onnxruntime-node, and
    PyTorch, on random inputs at each (latent h, w, batch) of `sizes`"""
    import export
    mod, ex, ins, outs, dyn = export.denoiser_graph(model)
    path = str(tmp_path / "denoiser.onnx")
    with torch.no_grad():
        torch.onnx.export(mod, ex, path, input_names=ins, output_names=outs, dynamic_axes=dyn,
                          opset_version=export.OPSET, do_constant_folding=True)
    gap = 0.0
    for h, w, b in sizes:
        g = torch.Generator().manual_seed(h * w + b)
        case = (torch.randn(b, 4, 16, h, w, generator=g), torch.rand(b, generator=g),
                torch.randn(b, 32, model.cfg.text_dim, generator=g), torch.randn(b, 4, 16, h, w, generator=g),
                (torch.rand(b, 1, 16, h, w, generator=g) > 0.5).float())
        with torch.no_grad():
            ref = mod(*case).numpy()
        got = run_ort(path, {k: v.numpy() for k, v in zip(ins, case)})[outs[0]]
        assert got.shape == ref.shape
        gap = max(gap, float(abs(got - ref).max()))
    return gap


def text_encoder_gap(enc, tokens, tmp_path):
    """the largest difference between the text encoder's output in PyTorch and in onnxruntime-node for
    `tokens` [B, 32], the encoder exported alone as export.py writes it"""
    import export
    path = str(tmp_path / "text.onnx")
    with torch.no_grad():
        torch.onnx.export(enc, (torch.zeros(1, 32, dtype=torch.int64),), path, input_names=["tokens"],
                          output_names=["text"], dynamic_axes={"tokens": {0: "B"}, "text": {0: "B"}},
                          opset_version=export.OPSET)
        ref = enc(tokens).numpy()
    got = run_ort(path, {"tokens": tokens.numpy()})["text"]
    assert got.shape == ref.shape
    return float(abs(got - ref).max())


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

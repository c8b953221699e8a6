"""The shipped pack: sha256s match, and its ONNX graphs (run in onnxruntime-node) give the same outputs as
PyTorch on the committed checkpoint, at 1e-4."""
import hashlib
import json
import os

import numpy as np
import pytest
import torch

from conftest import ROOT, MODEL, ort_available, run_ort

PACK = os.path.join(ROOT, "resources", "models", "world-s")
CKPT = os.path.join(MODEL, "checkpoints", "world-s.pt")


def manifest():
    with open(os.path.join(PACK, "manifest.json")) as f:
        return json.load(f)


def test_pack_version_is_asked_for_or_kept():
    """re-exporting by hand keeps the shipped version; ship_pack.sh's --version sets it; a malformed one or
    none at all stops the export with a message that says what to pass"""
    import export
    assert export.pack_version(None, manifest()) == manifest()["version"]
    assert export.pack_version("0.16.0", manifest()) == "0.16.0"
    with pytest.raises(ValueError, match="--version"):
        export.pack_version(None, {})
    with pytest.raises(ValueError, match="0.16"):
        export.pack_version("0.16", {})


def test_machine_is_read_from_the_sessions_records():
    """the manifest's training.machine sums the DiT sessions by device, bfloat16 and the CPUs they name"""
    import export
    hist = [{"dit_session": {"device": "cpu", "minutes": 95.0, "bf16": True}},
            {"repatch": {"from": 2}},
            {"dit_session": {"device": "cpu", "minutes": 110.0, "bf16": False, "cpu": "AMD EPYC 7B13"}},
            {"dit_session": {"device": "cuda", "minutes": 30.0, "bf16": True, "cpu": "Intel Xeon"}}]
    m = export.machine_of(hist)
    assert m.startswith("CPU (2 cores, shared with other work): 2 sessions, 205 minutes (95 in bfloat16); "
                        "named in the later sessions' records: AMD EPYC 7B13; CUDA: 1 session, 30 minutes (30 in bfloat16)")
    assert "PyTorch" in m
    assert export.machine_of([]) == "no DiT session recorded"


def test_manifest_and_sha256():
    man = manifest()
    assert man["format"] == 1 and man["id"] == "world-s"
    assert man["canvas"]["width"] >= 128 and man["canvas"]["height"] >= 72
    assert set(man["graphs"]) == {"text_encoder", "denoiser", "encoder", "decoder"}
    total = 0
    for g in man["graphs"].values():
        p = os.path.join(PACK, g["file"])
        with open(p, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == g["sha256"]
        total += os.path.getsize(p)
    assert total < 50e6
    with open(os.path.join(PACK, man["text"]["vocab_file"])) as f:
        v = json.load(f)
    assert v["words"][0] == "<pad>" and v["words"][1] == "<unk>"


def test_manifest_sampler_is_the_one_the_evaluation_measured():
    """The app samples with the manifest's defaults, the scores were measured with studio_model.sampler's:
    they must be the same numbers, per task too."""
    from studio_model.sampler import GUIDANCE, STEPS, TASK_GUIDANCE, guidance_for
    s = manifest()["sampler"]
    assert (s["steps"], s["guidance"], s.get("task_guidance", {})) == (STEPS, GUIDANCE, TASK_GUIDANCE)
    assert set(TASK_GUIDANCE) <= set(manifest()["tasks"])
    assert guidance_for("infill") == TASK_GUIDANCE["infill"] and guidance_for("text-to-video") == GUIDANCE
    ev = manifest()["evaluation"]["scores"]["sampler"]
    assert ev["steps"] == STEPS and ev["guidance"] == GUIDANCE and ev["task_guidance"] == TASK_GUIDANCE


def test_manifest_noise_share_is_the_one_the_pack_trained_and_was_measured_with():
    """The app mixes the manifest's sampler.noise_share into its starting noise (0 where absent, as in packs
    before session 42); it must be the share the pack's checkpoint last trained with, and the one its scores
    were sampled with."""
    from studio_model.sampler import noise_share_of
    share = manifest()["sampler"].get("noise_share", 0.0)
    assert share == noise_share_of(torch.load(CKPT, map_location="cpu"))
    assert manifest()["evaluation"]["scores"]["sampler"].get("noise_share", 0.0) == share


def test_manifest_extend_overlap_is_the_one_the_evaluation_measured():
    """The app gives an extension the manifest's overlap (4 when it names none); the scores must have been
    measured with that many given frames, the one nets.extend_overlap picks for the pack's patches."""
    from studio_model.nets import DiTConfig, extend_overlap
    man = manifest()
    k = man["conditioning"].get("extend_overlap", 4)
    assert k == extend_overlap(DiTConfig(**man["training"]["config"]["dit"]))
    ev = man["evaluation"]["scores"]
    for task in ("extend_forward", "extend_backward", "chained_extension"):
        assert ev[task].get("overlap", 4) == k


@pytest.mark.skipif(not ort_available(), reason="onnxruntime-node not installed in node_modules")
def test_onnx_parity_with_pytorch_checkpoint():
    import export
    ae, model, _ = export.load_modules(CKPT)
    torch.manual_seed(0)
    C = ae.cfg.channels
    cases = {
        "text_encoder": [(torch.randint(0, 150, (2, 32)),), (torch.zeros(1, 32, dtype=torch.int64),)],
        "denoiser": [
            (torch.randn(2, C, 16, 18, 32), torch.tensor([1.0, 0.37]), torch.randn(2, 32, model.cfg.text_dim),
             torch.randn(2, C, 16, 18, 32), (torch.rand(2, 1, 16, 18, 32) > 0.5).float()),
            (torch.randn(1, C, 16, 18, 18), torch.tensor([0.5]), torch.randn(1, 32, model.cfg.text_dim),
             torch.zeros(1, C, 16, 18, 18), torch.zeros(1, 1, 16, 18, 18))],
        "encoder": [(torch.rand(3, 3, 72, 128) * 2 - 1,), (torch.rand(2, 3, 72, 72) * 2 - 1,)],
        "decoder": [(torch.randn(3, C, 18, 32),), (torch.randn(2, C, 18, 18),)],
    }
    mods = export.graph_modules(ae, model)
    for name, exs in cases.items():
        mod, _, ins, outs, _ = mods[name]
        for ex in exs:
            with torch.no_grad():
                ref = mod(*ex).numpy()
            got = run_ort(os.path.join(PACK, f"{name}.onnx"), {k: v.numpy() for k, v in zip(ins, ex)})[outs[0]]
            assert got.shape == ref.shape
            assert np.abs(got - ref).max() < 1e-4, name


def test_committed_checkpoint_resumes():
    """weights + EMA + optimiser state + step load into a fresh trainer state (what --resume does)."""
    from dataclasses import asdict  # noqa: F401
    from studio_model.nets import DiTConfig, VideoModel
    from train import expand
    assert os.path.getsize(CKPT) < 45e6
    st = expand(torch.load(CKPT, map_location="cpu"))
    model = VideoModel(DiTConfig(**st["dit_cfg"]))
    model.load_state_dict(st["dit"])
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    opt.load_state_dict(st["dit_opt"])
    assert st["stages"]["dit"]["step"] > 0 and "rng" in st and "ae" in st
    for v in opt.state_dict()["state"].values():
        assert v["exp_avg"].dtype == torch.float32


@pytest.mark.skipif(not ort_available(), reason="onnxruntime-node not installed in node_modules")
def test_the_ort_engine_makes_the_clips_pytorch_makes():
    """evaluate.py --engine ort: the pack's graphs in onnxruntime-node, under the same sampler and noise, make
    the clips that PyTorch makes from the pack's checkpoint (12 steps, guidance, a given first frame), so its
    scores are the PyTorch scores; what differs is rounding (each graph agrees to 1e-4)."""
    import evaluate as ev
    from studio_model import world
    from tools import ort_engine

    model, ae, _ = ev.load(CKPT)
    om, oae = ort_engine.from_pack(PACK, ae.cfg, model.cfg)
    try:
        prompts = ["a red ball moves right on a grass field", "a small yellow star rises at night"]
        rng = np.random.default_rng(4)
        # two pictures: a model that keeps its given frame well makes near-identical clips from one picture
        pictures = [world.render(world.random_spec(rng), 128, 72, 16) for _ in range(2)]
        for kw in ({}, {"cond_frames": pictures, "given": [[0], [0]], "task": "image-to-video"}):
            a = np.stack(ev.generate(model, ae, prompts, seed=3, **kw)).astype(int)
            b = np.stack(ev.generate(om, oae, prompts, seed=3, **kw)).astype(int)
            d = np.abs(a - b)
            assert d.max() <= 4 and (d > 1).mean() < 1e-3, (kw.keys(), d.max(), (d > 1).mean())
            assert np.abs(a[0] - a[1]).mean() > 5  # two different clips, not one blank
    finally:
        om.graphs.close()

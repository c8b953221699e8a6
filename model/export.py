"""Export a checkpoint to the pack folder (ONNX graphs + vocab.json + manifest.json with sha256s).

  /usr/bin/python3 model/export.py [--ckpt model/checkpoints/world-s.pt] [--out resources/models/world-s] [--version X.Y.Z]
The evaluation section of an existing manifest is kept (model/evaluate.py --manifest rewrites it).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from studio_model.nets import AEConfig, AutoEncoder, DiTConfig, VideoModel, conv_flops, dit_flops, extend_overlap  # noqa: E402
from studio_model.text import MAX_TOKENS, PAD_ID, UNK_ID, vocab_json  # noqa: E402
from studio_model.sampler import GUIDANCE, STEPS, TASK_GUIDANCE, noise_share_of, t_grid  # noqa: E402

PACK_ID = "world-s"
OPSET = 17
FPS, FRAMES = 8, 16


class DecoderClamped(nn.Module):
    def __init__(self, dec):
        super().__init__()
        self.dec = dec

    def forward(self, latent):
        return self.dec(latent).clamp(-1.0, 1.0)


class Denoiser(nn.Module):
    def __init__(self, dit):
        super().__init__()
        self.dit = dit

    def forward(self, x, t, text, cond, mask):
        return self.dit(x, t, text, cond, mask)


def load_modules(ckpt):
    st = torch.load(ckpt, map_location="cpu")
    ae = AutoEncoder(AEConfig(**st["ae_cfg"]))
    ae.load_state_dict(st["ae"])
    model = VideoModel(DiTConfig(**st["dit_cfg"]))
    model.load_state_dict(st["dit_ema"])
    return ae.eval(), model.eval(), st


def denoiser_graph(model):
    """the denoiser's (module, example inputs, input names, output names, dynamic axes)"""
    cfg = model.cfg
    C = cfg.channels
    B, T, h, w = 2, FRAMES, 18, 32
    return (Denoiser(model.dit), (torch.randn(B, C, T, h, w), torch.rand(B), torch.randn(B, MAX_TOKENS, cfg.text_dim),
                                  torch.randn(B, C, T, h, w), torch.zeros(B, 1, T, h, w)),
            ["x", "t", "text", "cond", "mask"], ["out"],
            {"x": {0: "B", 2: "T", 3: "h", 4: "w"}, "t": {0: "B"}, "text": {0: "B"},
             "cond": {0: "B", 2: "T", 3: "h", 4: "w"}, "mask": {0: "B", 2: "T", 3: "h", 4: "w"},
             "out": {0: "B", 2: "T", 3: "h", 4: "w"}})


def graph_modules(ae, model):
    """name -> (module, example inputs, input names, output names, dynamic axes)"""
    cfg = model.cfg
    C = cfg.channels
    B, h, w = 2, 18, 32
    return {
        "text_encoder": (model.text_encoder, (torch.zeros(B, MAX_TOKENS, dtype=torch.int64),), ["tokens"], ["text"],
                         {"tokens": {0: "B"}, "text": {0: "B"}}),
        "denoiser": denoiser_graph(model),
        "encoder": (ae.encoder, (torch.rand(B, 3, 72, 128) * 2 - 1,), ["frames"], ["latent"],
                    {"frames": {0: "B", 2: "H", 3: "W"}, "latent": {0: "B", 2: "h", 3: "w"}}),
        "decoder": (DecoderClamped(ae.decoder), (torch.randn(B, C, h, w),), ["latent"], ["frames"],
                    {"latent": {0: "B", 2: "h", 3: "w"}, "frames": {0: "B", 2: "H", 3: "W"}}),
    }


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def export_graphs(ae, model, out):
    """the four ONNX graphs into out; name -> {file, sha256, bytes}"""
    os.makedirs(out, exist_ok=True)
    graphs = {}
    for name, (mod, ex, ins, outs, dyn) in graph_modules(ae, model).items():
        path = os.path.join(out, f"{name}.onnx")
        tmp = path + ".tmp"
        with torch.no_grad():
            torch.onnx.export(mod, ex, tmp, input_names=ins, output_names=outs, dynamic_axes=dyn,
                              opset_version=OPSET, do_constant_folding=True)
        os.replace(tmp, path)
        graphs[name] = {"file": f"{name}.onnx", "sha256": sha256(path), "bytes": os.path.getsize(path)}
    return graphs


def pack_version(requested, old):
    """the manifest's version: the one asked for (ship_pack.sh passes it), else the pack's present one, so
    that exporting by hand never changes it; it was a literal rewritten by sed before session 29"""
    v = requested or old.get("version")
    if not v:
        raise ValueError("export.py: there is no pack to take the version from; pass --version X.Y.Z")
    if not re.fullmatch(r"\d+\.\d+\.\d+", v):
        raise ValueError(f"export.py: the version must look like 0.16.0, not '{v}'")
    return v


def machine_of(history):
    """Where the DiT trained, from its sessions' own records (train.py keeps the device, bf16 and, since session
    56, the CPU's name in each), so the manifest says what the pack's history says rather than a fixed line."""
    sessions = [h["dit_session"] for h in history if "dit_session" in h]
    if not sessions:
        return "no DiT session recorded"
    parts = []
    for dev in sorted({s.get("device", "cpu") for s in sessions}):
        mine = [s for s in sessions if s.get("device", "cpu") == dev]
        minutes = round(sum(s.get("minutes", 0) for s in mine))
        bf16 = round(sum(s.get("minutes", 0) for s in mine if s.get("bf16")))
        where = "CPU (2 cores, shared with other work)" if dev == "cpu" else dev.upper()
        line = f"{where}: {len(mine)} session{'s' if len(mine) != 1 else ''}, {minutes} minutes"
        if bf16:
            line += f" ({bf16} in bfloat16)"
        cpus = sorted({s["cpu"] for s in mine if s.get("cpu")})
        if cpus:
            line += f"; named in the later sessions' records: {', '.join(cpus)}"
        parts.append(line)
    return f"{'; '.join(parts)}; PyTorch {torch.__version__.split('+')[0]} at export, Debian 12"


def export(ckpt, out, version=None):
    ae, model, st = load_modules(ckpt)
    cfg = model.cfg
    C = cfg.channels
    k = extend_overlap(cfg)
    graphs = export_graphs(ae, model, out)
    vpath = os.path.join(out, "vocab.json")
    with open(vpath, "w") as f:
        json.dump(vocab_json(cfg.word_readings), f, indent=0)
    dit_st = st.get("stages", {}).get("dit", {})
    ae_st = st.get("stages", {}).get("ae", {})
    dec_st = st.get("stages", {}).get("decoder_finetune", {})
    fl, ntok = dit_flops(cfg, FRAMES, 18, 32)
    enc_fl = conv_flops(ae.encoder, torch.zeros(1, 3, 72, 128))
    dec_fl = conv_flops(ae.decoder, torch.zeros(1, C, 18, 32))
    mpath = os.path.join(out, "manifest.json")
    old = {}
    if os.path.exists(mpath):
        with open(mpath) as f:
            old = json.load(f)
    man = {
        "format": 1, "id": PACK_ID, "version": pack_version(version, old), "license": "MIT",
        "description": "Built-in pack: a small Sora-shaped latent video model (per-frame conv autoencoder, "
                       f"spacetime-patch DiT{' with factorised space/time attention' if cfg.attn == 'factorised' else ''}, "
                       "rectified flow with x0 prediction) trained from scratch on the "
                       "procedural world of shared/WORLD.md. It only knows that world's vocabulary.",
        "fps": FPS, "frames_per_window": FRAMES,
        "canvas": {"width": 128, "height": 72},
        "aspects": {"16:9": {"width": 128, "height": 72}, "1:1": {"width": 72, "height": 72}},
        "latent": {"channels": C, "spatial_stride": 4, "temporal_stride": 1, "scale": 1.0, "shift": 0.0,
                   "normalisation": "already applied inside encoder.onnx (per-channel (z - mean) / std) and undone "
                                    "inside decoder.onnx: use the graphs' latents as they are (scale 1, shift 0)",
                   "patch": {"t": cfg.patch_t, "h": cfg.patch_s, "w": cfg.patch_s},
                   "shape_16x9": [C, FRAMES, 18, 32], "shape_1x1": [C, FRAMES, 18, 18]},
        "tasks": ["text-to-video", "image-to-video", "extend-forward", "extend-backward", "infill"],
        "conditioning": {
            "how": "known latent frames go in `cond` (zeros elsewhere) with `mask`=1 over all of their channels "
                   "and pixels; the sampler also pins them (see sampler.steps). Frames are encoded one by one "
                   "(no temporal compression): latent frame i = encoder(frame i).",
            "image-to-video": "mask frame 0 (the given picture, scaled and cropped to the canvas)",
            # the engine gives an extension this many frames unless the user asks for another count
            "extend_overlap": k,
            "extend-forward": f"the new window's first {k} frames = the previous clip's last {k} frames "
                              f"(mask 0..{k - 1}); each extension adds {FRAMES - k} new frames",
            "extend-backward": f"the new window's last {k} frames = the next clip's first {k} frames "
                               f"(mask {FRAMES - k}..{FRAMES - 1})",
            "infill": "mask the first and last frame (or first k and last k frames of two clips, k <= 4)",
            "retake": "mask every frame outside the range to regenerate"},
        "sampler": {
            "kind": "rectified-flow", "prediction": "x0", "steps": STEPS, "guidance": GUIDANCE,
            # where a task was measured better at another guidance (the app and the CLI use it for that task)
            "task_guidance": dict(TASK_GUIDANCE),
            "schedule": "t_i = 1 - i/steps for i = 0..steps (linear from 1 to 0); rectified flow x_t = (1-t)*x0 + t*eps",
            # the share of the starting noise that every frame shares, as the model last trained (train.py --noise-share)
            "noise_share": noise_share_of(st),
            "noise": "x = eps ~ N(0,1), shape [B,C,T,h,w], drawn once from the seed: eps = sqrt(1 - noise_share) * e + "
                     "sqrt(noise_share) * s, e ~ N(0,1) [B,C,T,h,w] and s ~ N(0,1) [B,C,1,h,w] one draw every frame "
                     "shares (eps = e where noise_share is 0)",
            "steps_detail": [
                "for i in 0..steps-1: t = t_i, t2 = t_{i+1}",
                "text_c = text_encoder(tokens(prompt)); text_u = text_encoder(tokens(null_prompt)) (all pad ids)",
                "xc = denoiser(x, t, text_c, cond, mask); xu = denoiser(x, t, text_u, cond, mask) (same cond and mask; batch them)",
                "x0 = xu + guidance * (xc - xu)   (guidance: task_guidance[task] where the task is listed, else guidance)",
                "x0 = mask * cond + (1 - mask) * x0   (pin the known latent frames)",
                "x = x0 + (t2 / t) * (x - x0)   (Euler step; the last step, t2 = 0, gives x = x0)"],
            "decode": "frames = decoder(x[:, :, i]) for each latent frame i; output is RGB in [-1,1] (already clamped): "
                      "byte = round((v + 1) * 127.5)",
            "t_grid_12": t_grid(12)},
        "text": {"vocab_file": "vocab.json", "max_tokens": MAX_TOKENS, "pad_id": PAD_ID, "unk_id": UNK_ID,
                 "null_prompt": "",
                 "tokenizer": vocab_json(cfg.word_readings)["rule"]},
        "graphs": {k: {"file": v["file"], "sha256": v["sha256"]} for k, v in graphs.items()},
        "io": {
            "text_encoder": {"inputs": {"tokens": {"dtype": "int64", "shape": ["B", MAX_TOKENS]}},
                             "outputs": {"text": {"dtype": "float32", "shape": ["B", MAX_TOKENS, cfg.text_dim]}}},
            "denoiser": {"inputs": {"x": {"dtype": "float32", "shape": ["B", C, "T", "h", "w"]},
                                    "t": {"dtype": "float32", "shape": ["B"]},
                                    "text": {"dtype": "float32", "shape": ["B", MAX_TOKENS, cfg.text_dim]},
                                    "cond": {"dtype": "float32", "shape": ["B", C, "T", "h", "w"]},
                                    "mask": {"dtype": "float32", "shape": ["B", 1, "T", "h", "w"]}},
                         "outputs": {"out": {"dtype": "float32", "shape": ["B", C, "T", "h", "w"], "meaning": "x0 (clean latent)"}},
                         "constraints": f"T multiple of {cfg.patch_t} (16 per window); h, w multiples of {cfg.patch_s} "
                                        "(18x32 for 16:9, 18x18 for 1:1)"},
            "encoder": {"inputs": {"frames": {"dtype": "float32", "shape": ["B", 3, "H", "W"], "range": [-1, 1]}},
                        "outputs": {"latent": {"dtype": "float32", "shape": ["B", C, "H/4", "W/4"]}},
                        "constraints": "H, W multiples of 8 (72x128, 72x72)"},
            "decoder": {"inputs": {"latent": {"dtype": "float32", "shape": ["B", C, "h", "w"]}},
                        "outputs": {"frames": {"dtype": "float32", "shape": ["B", 3, "4h", "4w"], "range": [-1, 1]}}},
        },
        "training": {
            "samples_seen": dit_st.get("samples", 0), "steps": dit_st.get("step", 0),
            "wall_time_s": round(dit_st.get("wall", 0.0) + ae_st.get("wall", 0.0) + dec_st.get("wall", 0.0)),
            "dit_wall_time_s": round(dit_st.get("wall", 0.0)), "autoencoder_wall_time_s": round(ae_st.get("wall", 0.0)),
            "autoencoder_frames_seen": ae_st.get("frames", 0),
            "decoder_finetune": {"wall_time_s": round(dec_st.get("wall", 0.0)), "frames_seen": dec_st.get("frames", 0),
                                 "how": "model/finetune_decoder.py: decoder alone, encoder frozen (the latent is unchanged)"},
            "machine": machine_of(st.get("history", [])),
            "flops_per_sample": {"denoiser_forward": fl, "train_step_per_clip": 3 * fl + FRAMES * enc_fl,
                                 "encoder_per_frame": enc_fl, "decoder_per_frame": dec_fl},
            "flops_per_generated_clip": 2 * 12 * fl + FRAMES * dec_fl,
            "tokens": {"video": ntok, "text": MAX_TOKENS},
            "params": {"denoiser": sum(p.numel() for p in model.dit.parameters()),
                       "text_encoder": sum(p.numel() for p in model.text_encoder.parameters()),
                       "encoder": sum(p.numel() for p in ae.encoder.parameters()),
                       "decoder": sum(p.numel() for p in ae.decoder.parameters())},
            "config": {"dit": dict(cfg.__dict__), "autoencoder": dict(ae.cfg.__dict__)},
            "checkpoint": "model/checkpoints/world-s.pt",
            "history": st.get("history", []),
        },
        "evaluation": old.get("evaluation", {"command": "python3 model/evaluate.py --manifest "
                                                        "resources/models/world-s/manifest.json", "scores": None}),
    }
    tmp = mpath + ".tmp"
    with open(tmp, "w") as f:
        json.dump(man, f, indent=2)
    os.replace(tmp, mpath)
    return man


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=os.path.join(HERE, "checkpoints", "world-s.pt"))
    ap.add_argument("--out", default=os.path.join(ROOT, "resources", "models", PACK_ID))
    ap.add_argument("--version", default=None, help="the pack's version (X.Y.Z); default: the present manifest's")
    args = ap.parse_args()
    torch.set_num_threads(2)
    man = export(args.ckpt, args.out, args.version)
    print(json.dumps(man["graphs"], indent=1))


if __name__ == "__main__":
    main()

"""Rectified-flow sampler with x0 prediction, classifier-free guidance and pinned known frames.

Exactly what the TypeScript engine does (see manifest "sampler"):
  t_i = 1 - i/steps, i = 0..steps            (t=1 pure noise, t=0 clean)
  x = noise ~ N(0,1) [B,C,T,h,w]              (start_noise: with the pack's noise_share mixed in)
  for i in 0..steps-1:  t = t_i, t' = t_{i+1}
      xc = denoiser(x, t, text(prompt), cond, mask); xu = denoiser(x, t, text(null prompt), cond, mask)
      x0 = xu + guidance * (xc - xu)
      x0 = mask * cond + (1 - mask) * x0          (known latent frames pinned)
      x  = x0 + (t'/t) * (x - x0)                 (Euler step; at t'=0, x = x0)
  frames = decoder(x) per latent frame, clamp [-1,1]
"""
import numpy as np
import torch


def to_tensor(frames_u8):
    """frames [T,H,W,3] uint8 -> [T,3,H,W] float in [-1,1] (the range the autoencoder reads)."""
    return unit_range(torch.from_numpy(np.ascontiguousarray(frames_u8)))


def unit_range(frames_u8):
    """a uint8 tensor [...,H,W,3] -> float [...,3,H,W] in [-1,1], on its own device (train.py
    --encode-on-device moves frames as bytes, a quarter of the floats, and converts them there)."""
    return frames_u8.movedim(-1, -3).float() / 127.5 - 1.0


def to_u8(frames):
    """[T,3,H,W] in [-1,1] -> uint8 [T,H,W,3]"""
    return ((frames.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()


# The pack's sampler defaults (export writes them into the manifest; the evaluation uses them).
# Guidance 1.5 rather than 3 since pack 0.5.0: on pack 0.4.0, same prompts and seeds
# (model/README.md, session 7), one-object colour went 51% -> 73% and all-right 20% -> 24%;
# stronger guidance amplifies the stray blobs of the prompt's colour.
STEPS, GUIDANCE = 12, 1.5
# Tasks whose measured guidance differs from GUIDANCE (the manifest's sampler.task_guidance; the app and the
# CLI use it for that task unless a guidance is asked for). In-filling: pack 0.5.0 passes 88% of the in-filling
# prompts at guidance 3 and 69% at 1.5 (model/README.md, session 7): between two pinned ends, the prompt's
# pull is what carries the object across the middle; the other tasks were as good or better at 1.5.
TASK_GUIDANCE = {"infill": 3.0}


def guidance_for(task):
    """The pack's guidance for a manifest task name ("text-to-video", "infill", ...)."""
    return TASK_GUIDANCE.get(task, GUIDANCE)


def start_noise(shape, share=0.0, generator=None):
    """The sampler's starting noise [B,C,T,h,w], N(0,1) in every element. share > 0 mixes in one draw that
    every frame shares: sqrt(1 - share) * per-frame + sqrt(share) * shared, so that neighbouring frames start
    alike (as in PYoCo's mixed noise). With independent noise each frame draws its own background texture,
    which flickers and fails the extension seams (model/README.md, session 41). The per-frame draw comes
    first and the shared one only when asked for, so share 0 gives the bytes it always gave."""
    noise = torch.randn(shape, generator=generator)
    if share > 0:
        shared = torch.randn((shape[0], shape[1], 1, *shape[3:]), generator=generator)
        noise = (1.0 - share) ** 0.5 * noise + share ** 0.5 * shared
    return noise


def noise_share_of(state):
    """The starting-noise share (start_noise) a checkpoint's model expects: the --noise-share of the last DiT
    session in its history, since a model is tuned to the noise it trained on last. 0 for checkpoints from
    before --noise-share (session 41), whose sessions did not record one. export.py writes it into the
    manifest as sampler.noise_share, which the app's engine reads."""
    for session in reversed(state.get("history", [])):
        if "dit_session" in session:
            return float(session["dit_session"].get("noise_share") or 0.0)
    return 0.0


def t_grid(steps):
    return [1.0 - i / steps for i in range(steps + 1)]


@torch.no_grad()
def sample(model, tokens, null_tokens, cond, mask, steps=STEPS, guidance=GUIDANCE, noise=None, generator=None,
           share=0.0, on_step=None):
    """model: VideoModel (text_encoder + dit). tokens/null_tokens [B,L]; cond [B,C,T,h,w]; mask [B,1,T,h,w].
    share: the starting-noise share (noise_share_of) where no noise is given. on_step(i, t, x0), if given, sees
    each step's guided prediction with the known frames pinned (tools/first_token.py watches the drafts)."""
    B = tokens.shape[0]
    if noise is None:
        noise = start_noise(cond.shape, share, generator)
    # guidance 1 is the conditional prediction alone: no unconditional pass (as the app's engine does)
    text = model.text_encoder(tokens if guidance == 1 else torch.cat([tokens, null_tokens], 0))
    x = noise
    ts = t_grid(steps)
    for i in range(steps):
        t, t2 = ts[i], ts[i + 1]
        if guidance == 1:
            x0 = model.dit(x, torch.full((B,), t), text, cond, mask)
        else:
            tt = torch.full((2 * B,), t)
            out = model.dit(torch.cat([x, x], 0), tt, text, torch.cat([cond, cond], 0), torch.cat([mask, mask], 0))
            xc, xu = out[:B], out[B:]
            x0 = xu + guidance * (xc - xu)
        x0 = mask * cond + (1 - mask) * x0
        if on_step is not None:
            on_step(i, t, x0)
        x = x0 + (t2 / t) * (x - x0)
    return x


@torch.no_grad()
def decode_clip(decoder, lat):
    """lat [B,C,T,h,w] -> frames [B,T,3,H,W] in [-1,1] (frames batched through the decoder)."""
    B, C, T, h, w = lat.shape
    z = lat.permute(0, 2, 1, 3, 4).reshape(B * T, C, h, w)
    f = decoder(z).clamp(-1, 1)
    return f.reshape(B, T, 3, f.shape[-2], f.shape[-1])


@torch.no_grad()
def encode_clip(encoder, frames):
    """frames [B,T,3,H,W] in [-1,1] -> lat [B,C,T,h,w]."""
    B, T = frames.shape[:2]
    z = encoder(frames.reshape(B * T, *frames.shape[2:]))
    return z.reshape(B, T, *z.shape[1:]).permute(0, 2, 1, 3, 4).contiguous()

"""Autoencoder (per-frame, stride 4), text encoder, and the spacetime DiT (x0-prediction)."""
from __future__ import annotations

import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


# ------------------------------------------------------------------ autoencoder
@dataclass
class AEConfig:
    channels: int = 4      # latent channels C
    enc_width: int = 64
    dec_width: int = 64


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1 = nn.Conv2d(c, c, 3, padding=1)
        self.c2 = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return x + self.c2(F.silu(self.c1(F.silu(x))))


class Encoder(nn.Module):
    """frames [B,3,H,W] in [-1,1] -> latent [B,C,H/4,W/4] (normalised: (z - shift) * scale)."""

    def __init__(self, cfg: AEConfig):
        super().__init__()
        w = cfg.enc_width
        self.c1 = nn.Conv2d(3, 32, 3, stride=2, padding=1)
        self.c2 = nn.Conv2d(32, w, 3, stride=2, padding=1)
        self.c3 = nn.Conv2d(w, w, 3, padding=1)
        self.c4 = nn.Conv2d(w, cfg.channels, 1)
        self.register_buffer("shift", torch.zeros(1, cfg.channels, 1, 1))
        self.register_buffer("scale", torch.ones(1, cfg.channels, 1, 1))

    def forward(self, x):
        h = F.silu(self.c1(x))
        h = F.silu(self.c2(h))
        h = h + F.silu(self.c3(h))
        z = self.c4(h)
        return (z - self.shift) * self.scale


class Decoder(nn.Module):
    """latent [B,C,h,w] (normalised) -> frames [B,3,4h,4w] (unclamped; export clamps to [-1,1])."""

    def __init__(self, cfg: AEConfig):
        super().__init__()
        w = cfg.dec_width
        self.c_in = nn.Conv2d(cfg.channels, w, 3, padding=1)
        self.r1 = ResBlock(w)
        self.r2 = ResBlock(w)
        self.up1 = nn.Conv2d(w, 48, 3, padding=1)
        self.up2 = nn.Conv2d(48, 24, 3, padding=1)
        self.out = nn.Conv2d(24, 3, 3, padding=1)
        self.register_buffer("shift", torch.zeros(1, cfg.channels, 1, 1))
        self.register_buffer("scale", torch.ones(1, cfg.channels, 1, 1))

    def forward(self, z):
        z = z / self.scale + self.shift
        h = self.c_in(z)
        h = self.r2(self.r1(h))
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        h = F.silu(self.up1(F.silu(h)))
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        h = F.silu(self.up2(h))
        return self.out(h)


class AutoEncoder(nn.Module):
    def __init__(self, cfg: AEConfig = AEConfig()):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)

    def set_norm(self, shift, scale):
        for m in (self.encoder, self.decoder):
            m.shift.copy_(shift.view(1, -1, 1, 1))
            m.scale.copy_(scale.view(1, -1, 1, 1))

    def forward(self, x):
        return self.decoder(self.encoder(x))


def conv_flops(model: nn.Module, x):
    """multiply-add FLOPs (x2) of the convs of a model for one input (hooks)."""
    tot = [0]

    def hook(m, inp, out):
        k = m.kernel_size[0] * m.kernel_size[1] * m.in_channels // m.groups
        tot[0] += 2 * k * out.numel() // out.shape[0] * out.shape[0]

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        model(x)
    for h in hs:
        h.remove()
    return tot[0]


# ------------------------------------------------------------------ text encoder
@dataclass
class DiTConfig:
    vocab: int = 200
    max_tokens: int = 32
    text_dim: int = 128
    text_layers: int = 2
    width: int = 160
    depth: int = 6
    heads: int = 5
    channels: int = 4
    patch_t: int = 8
    patch_s: int = 2
    mlp: int = 4
    # "joint": one attention over the text and every video token (packs up to 0.7.0). "factorised" (0.8.0
    # on): per block, attention over the text and the tokens of one time slice, then attention across time at each
    # place. Its cost grows with the number of time slices instead of with their square, so shorter
    # temporal patches (patch_t 4 or 2) become affordable on a CPU (tools/step_cost.py measures it).
    attn: str = "joint"
    # How many words before each word the text encoder reads directly: learned lookups of the words one
    # (and two) places back, added to the word's own embedding, zero at start (0: none, packs up to 0.9.0).
    # 0.9.0's encoder gave "right" the same vector (cosine 0.99) in "moves right", "the camera pans right"
    # and "on the right" (session 13): its attention had not tied the word to its verb, so the DiT could
    # not tell a motion from a pan (opposite on screen) or a place. Once learned, a lookup of the word before
    # makes the three readings three vectors without the attention having to learn it. Tried once (session
    # 13, model/README): in 28 minutes the lookups barely grew and the object error rose 0.496 -> 0.595,
    # so no pack uses them yet.
    text_context: int = 0
    # Whether every block's adaLN also gets the mean of the word vectors (packs up to 0.9.0) beside the
    # attention to the words. Session 14 measured (tools/text_paths.py) that 0.9.0 takes the object's
    # colour and motion from that mean: with the attention given the empty prompt's words, one-object
    # prompts were as right as before (the scene less often), and without the mean its clips were noise.
    # A mean is a bag of words: it cannot say which colour goes with which object, or whether "right" is
    # a motion, a pan or a place, and two-object prompts came out in mixed colours. False drops it, and
    # the words reach the video through the attention only (train.py --pool-drop trains towards that).
    pooled_text: bool = True
    # Whether the tokenizer gives "left"/"right" after a pan verb or a place preposition tokens of their
    # own (studio_model.text.READINGS, the pack's vocab.json "readings"); False in packs up to 0.9.0.
    word_readings: bool = False
    # Whether each word the text encoder gives out also carries the mean of its object's phrase (the colour,
    # size, noun, motion and place words of one object; studio_model.text.word_roles), through a gate per
    # channel that starts at zero (False in packs up to 0.11.0). Why: 0.11.0's encoder gave "ball" the same
    # vector (cosine 0.999) in "a red ball moves left and a blue box moves right" and in the prompt with the
    # motions swapped, so nothing tied a motion to its object but the word's place in the prompt; in
    # two-object prompts neither object travelled (the mean of the two travels, session 21). With the
    # phrase mean, a video token that attends to "red" or "ball" reads that object's motion in the same
    # vector, and "left" reads which object it is for. The phrases are found in the graph from the word ids
    # (a word's role: before a noun, the noun, after it), so the app's tokenizer is unchanged.
    phrase_bind: bool = False
    # Whether each word of an object's phrase also gets a learned vector for which object of the prompt it is
    # (the first or the second), zero at start (False in packs up to 0.11.0). Why: the world puts the first
    # object named on the left of the second (world.object_track: x 0.3 and 0.7, travels offset by -0.1 and
    # +0.1), so a video token can find its object's words by where it is once the words say whose they are;
    # without it only the words' places in the prompt say it, and those move with the phrasing (the scene
    # first or last, an article or none). Session 22: with the phrase means alone, neither object of a pair
    # travelled, not even beside a still one.
    phrase_order: bool = False
    # Whether each time slice's output layer also reads the slices before and after it (two more output
    # projections, zero at start; False in packs up to 0.12.0). Why: one token draws patch_t frames from
    # one vector, and the next token its next frames from another, so an object's size jumps where two
    # tokens meet. Session 23 measured 0.12.0's one-object clips (`tools/motion_track.py --seams`): the
    # area changed by 0.18 (|log|) from frame to frame across a token boundary (frames 3-4, 7-8, 11-12)
    # and by 0.10 inside a token, where the world's does not change at all; a size that jumps is what fails
    # most travels that go the right way (`evaluate.motion_ok`'s size error). With the neighbours' vectors,
    # the frames on either side of a boundary are drawn from the same three slices.
    seam_out: bool = False
    # Whether the output may lean, token element by token element, towards the nearest given frame's latent
    # ("held": out + g * (held - out), g from one more projection at zero, and zero in clips with no given
    # frame, so text-to-video is the old model exactly; False in packs up to 0.25.0). Why: an extension's
    # generated frames missed the given frames' background by about 0.03 of the latent's unit (session 43,
    # measured on 0.25.0's still scenes) while the world's does not change at all, and that texture is the
    # jump that fails the seams of slow motions (session 41); re-noising at low t or averaging predictions
    # did not move it, since the model's low-t prediction keeps it. A token that sees a still background
    # beside a given frame can copy that frame exactly by setting g to 1 there, instead of redrawing it.
    hold_out: bool = False


def extend_overlap(cfg):
    """How many frames of a clip an extension is given (the pack's conditioning.extend_overlap).
    The given frames should end inside a temporal patch, so that one token's output layer draws both
    sides of the seam: half a token at patch_t 8 (4 frames, as every pack up to 0.7.0); at shorter
    patches one and a half tokens (6 frames at patch_t 4, packs 0.8.0 to 0.32.0), where a seam on a
    token boundary jumped (session 10), and since 0.33.0 two and a half (10 frames at patch_t 4):
    session 56 measured 0.32.0 given 10 frames against 6, backward extensions right in 38 of 48
    against 31 (an object's travel carried on in 15 of 20 against 9), forward 42 against 40, the 36
    chains 25 against 23; 8 frames, a token boundary, jumped at the seam. Each pass adds fewer new
    frames (6 of 16): a surer extension over a longer one."""
    return cfg.patch_t // 2 if cfg.patch_t >= 8 else 2 * cfg.patch_t + cfg.patch_t // 2


def attend(qkv, proj, x, heads):
    """multi-head self-attention of x [B,N,D] through the layers qkv (D -> 3D) and proj (D -> D)"""
    B, N, D = x.shape
    q, k, v = qkv(x).reshape(B, N, 3, heads, D // heads).permute(2, 0, 3, 1, 4)
    a = torch.softmax((q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(D // heads)), dim=-1)
    return proj((a @ v).transpose(1, 2).reshape(B, N, D))


class Block(nn.Module):
    """pre-LN transformer block; adaLN-zero modulation from a conditioning vector (or none).

    With temporal=True (the factorised DiT) the attention is split: the L text tokens and each time
    slice's video tokens attend among themselves (the text's outputs averaged over the slices), then
    each place attends across the slices (its own layers and gate, zero at start, so a joint block's
    weights carry over). With one slice the first part is exactly the joint attention."""

    def __init__(self, d, heads, mlp=4, ada=True, temporal=False):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d, eps=1e-6)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d, eps=1e-6)
        self.fc1 = nn.Linear(d, mlp * d)
        self.fc2 = nn.Linear(mlp * d, d)
        # the time attention adds one gate to the adaLN (7 chunks); its input norm is not modulated, which
        # keeps the checkpoint under 45 MB (tests/test_pack.py)
        self.ada = nn.Linear(d, (7 if temporal else 6) * d) if ada else None
        if ada:
            nn.init.zeros_(self.ada.weight)
            nn.init.zeros_(self.ada.bias)
        self.temporal = temporal
        if temporal:  # registered after the joint block's layers: their parameters keep their names
            self.ln_t = nn.LayerNorm(d, eps=1e-6)
            self.tqkv = nn.Linear(d, 3 * d)
            self.tproj = nn.Linear(d, d)

    def attn(self, x):
        return attend(self.qkv, self.proj, x, self.heads)

    def sliced_attn(self, x, L, nt):
        """text + one time slice at a time: x [B, L + nt*S, D]"""
        B, N, D = x.shape
        tx = x[:, :L].unsqueeze(1).expand(B, nt, L, D)
        v = x[:, L:].reshape(B, nt, -1, D)
        o = attend(self.qkv, self.proj, torch.cat([tx, v], dim=2).reshape(B * nt, -1, D), self.heads)
        o = o.reshape(B, nt, -1, D)
        return torch.cat([o[:, :, :L].mean(dim=1), o[:, :, L:].reshape(B, -1, D)], dim=1)

    def time_attn(self, v, nt):
        """each place across the time slices: v [B, nt*S, D] (slice-major)"""
        B, N, D = v.shape
        u = v.reshape(B, nt, -1, D).transpose(1, 2).reshape(-1, nt, D)  # [B*S, nt, D]
        o = attend(self.tqkv, self.tproj, u, self.heads)
        return o.reshape(B, -1, nt, D).transpose(1, 2).reshape(B, N, D)

    def forward(self, x, c=None, grid=None):
        """grid = (L text tokens, nt time slices), needed by the factorised block"""
        if self.ada is None:
            x = x + self.attn(self.ln1(x))
            return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))
        mods = self.ada(F.silu(c)).unsqueeze(1).chunk(7 if self.temporal else 6, dim=-1)
        s1, b1, g1, s2, b2, g2 = mods[:6]
        y = self.ln1(x) * (1 + s1) + b1
        if self.temporal:
            L, nt = grid
            x = x + g1 * self.sliced_attn(y, L, nt)
            v = x[:, L:]
            v = v + mods[6] * self.time_attn(self.ln_t(v), nt)
            x = torch.cat([x[:, :L], v], dim=1)
        else:
            x = x + g1 * self.attn(y)
        return x + g2 * self.fc2(F.gelu(self.fc1(self.ln2(x) * (1 + s2) + b2)))


# The context lookups start at zero beside word embeddings of about unit size, and AdamW moves a weight
# by about the learning rate per step whatever its gradient: at 3e-4 they had grown to 0.003 after 200
# steps (session 13), far too slow to matter in a session. Read through this gain, they move 30x as
# fast (the same as a 30x learning rate for them alone, without a second parameter group to carry
# through checkpoints); zero times the gain is still zero, so a warm start stays exact. 30 is a guess, not a
# measured best: the one run with it got worse (DiTConfig.text_context).
CONTEXT_GAIN = 30.0
# The same for the phrase gate (DiTConfig.phrase_bind) and the phrase order vectors (phrase_order), which
# start at zero: at 10x a channel can reach about 1 in a thousand steps at the learning rates of late
# sessions. A guess, as above; in session 22 the gate reached a mean of 0.28 in 5,000 steps, the order
# vectors (whose gradient keeps its sign) norms of 1.6-1.8 in 2,200.
BIND_GAIN = 10.0
# objects a prompt's phrases can name; a third noun's words join the second's (the world has one or two)
MAX_PHRASES = 2


def phrases(tokens, roles):
    """tokens [B,L], roles [vocab] (text.word_roles) -> [B,L] float: each word's object phrase, 1 or 2; 0 for
    a word of no object. A phrase is its noun, the words before it back to the previous noun's phrase,
    and the words after it up to the next's."""
    role = roles[tokens]  # text.ROLE_NONE 0, ROLE_BEFORE 1, ROLE_NOUN 2, ROLE_AFTER 3
    nouns = torch.cumsum((role == 2).float(), dim=1)  # nouns up to and including this word
    # a word before a noun is the next noun's; the noun and the words after it are this noun's
    phrase = torch.where(role == 1, nouns + 1, nouns) * (role > 0).float()
    return torch.clamp(phrase, max=float(MAX_PHRASES))


def phrase_members(tokens, roles):
    """[B,L,MAX_PHRASES] float: 1 where the word is in the k-th object's phrase"""
    k = torch.arange(1, MAX_PHRASES + 1, dtype=torch.float32, device=tokens.device)
    return (phrases(tokens, roles).unsqueeze(-1) == k).float()


def phrase_means(x, member):
    """x [B,L,D], member [B,L,K] (phrase_members) -> [B,L,D]: for each word in an object's phrase, the mean
    of that phrase's words; zero for words of no object"""
    means = member.transpose(1, 2) @ x / torch.clamp(member.sum(dim=1), min=1.0).unsqueeze(-1)  # [B,K,D]
    return member @ means


class TextEncoder(nn.Module):
    """tokens int64 [B,L] -> text [B,L,Dt]. Pad tokens are ordinary (learned) embeddings."""

    def __init__(self, cfg: DiTConfig):
        super().__init__()
        self.emb = nn.Embedding(cfg.vocab, cfg.text_dim)
        self.pos = nn.Parameter(torch.randn(1, cfg.max_tokens, cfg.text_dim) * 0.02)
        self.blocks = nn.ModuleList([Block(cfg.text_dim, 4, 4, ada=False) for _ in range(cfg.text_layers)])
        self.ln = nn.LayerNorm(cfg.text_dim)
        # registered last, so every older parameter keeps its name and place (tools/repatch.py)
        self.before = nn.ModuleList([nn.Embedding(cfg.vocab, cfg.text_dim) for _ in range(cfg.text_context)])
        for e in self.before:
            nn.init.zeros_(e.weight)  # a warm start is the old encoder exactly
        if cfg.phrase_bind or cfg.phrase_order:
            from .text import word_roles  # text imports the world; the nets stand alone otherwise
            roles = word_roles()[:cfg.vocab]
            roles = torch.tensor(roles + [0] * (cfg.vocab - len(roles)))
            # not in the state dict: the roles follow from the vocabulary, and older checkpoints load as they were
            self.register_buffer("roles", roles, persistent=False)
        if cfg.phrase_bind:
            self.bind = nn.Parameter(torch.zeros(cfg.text_dim))  # zero: a warm start is the old encoder exactly
        if cfg.phrase_order:
            self.order = nn.Parameter(torch.zeros(MAX_PHRASES, cfg.text_dim))  # the first object's, the second's

    def forward(self, tokens):
        x = self.emb(tokens) + self.pos[:, : tokens.shape[1]]
        for k, e in enumerate(self.before, start=1):
            # the word k places back; the prompt's first words see the pad id there
            x = x + CONTEXT_GAIN * e(torch.cat([torch.zeros_like(tokens[:, :k]), tokens[:, :-k]], dim=1))
        for b in self.blocks:
            x = b(x)
        x = self.ln(x)
        if hasattr(self, "roles"):
            member = phrase_members(tokens, self.roles).to(x.dtype)  # found once for both
            if hasattr(self, "bind"):
                x = x + BIND_GAIN * self.bind * phrase_means(x, member)
            if hasattr(self, "order"):
                x = x + BIND_GAIN * (member @ self.order)
        return x


def sincos(pos, dim):
    """pos [N] float -> [N, dim] fixed sin-cos features."""
    half = dim // 2
    # on pos's device: a CPU constant beside CUDA activations stops the first training step there
    freq = torch.exp(torch.arange(half, dtype=torch.float32, device=pos.device) * (-math.log(10000.0) / half))
    a = pos[:, None] * freq[None, :]
    return torch.cat([torch.sin(a), torch.cos(a)], dim=1)


class DiT(nn.Module):
    """x,cond [B,C,T,h,w], mask [B,1,T,h,w], t [B], text [B,L,Dt] -> x0_hat [B,C,T,h,w].

    Tokens: spacetime patches (patch_t x patch_s x patch_s) of concat(x, cond, mask), with fixed
    3D sin-cos positions computed from the grid (so any h, w work), plus the projected text tokens
    prepended (joint attention). adaLN-zero conditioning on t and (DiTConfig.pooled_text) the mean text vector."""

    def __init__(self, cfg: DiTConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.width
        pin = (2 * cfg.channels + 1) * cfg.patch_t * cfg.patch_s ** 2
        self.inp = nn.Linear(pin, d)
        self.txt = nn.Linear(cfg.text_dim, d)
        self.txt_pool = nn.Linear(cfg.text_dim, d)
        self.type_txt = nn.Parameter(torch.zeros(1, 1, d))
        self.t_mlp = nn.Sequential(nn.Linear(256, d), nn.SiLU(), nn.Linear(d, d))
        if cfg.attn not in ("joint", "factorised"):
            raise ValueError(f"DiTConfig.attn must be 'joint' or 'factorised', not {cfg.attn!r}")
        self.blocks = nn.ModuleList([Block(d, cfg.heads, cfg.mlp, temporal=cfg.attn == "factorised")
                                     for _ in range(cfg.depth)])
        self.ln_f = nn.LayerNorm(d, eps=1e-6)
        self.ada_f = nn.Linear(d, 2 * d)
        nn.init.zeros_(self.ada_f.weight)
        nn.init.zeros_(self.ada_f.bias)
        pout = cfg.channels * cfg.patch_t * cfg.patch_s ** 2  # one token's share of the output
        self.out = nn.Linear(d, pout)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        if cfg.seam_out:
            # the slice before's and the slice after's vectors, into this slice's frames (DiTConfig.seam_out)
            self.out_prev = nn.Linear(d, pout, bias=False)
            self.out_next = nn.Linear(d, pout, bias=False)
            nn.init.zeros_(self.out_prev.weight)
            nn.init.zeros_(self.out_next.weight)
        if cfg.hold_out:
            # how far each output element leans towards the held frame (DiTConfig.hold_out)
            self.out_hold = nn.Linear(d, pout)
            nn.init.zeros_(self.out_hold.weight)
            nn.init.zeros_(self.out_hold.bias)

    # The lean (DiTConfig.hold_out) is this times its projection's output. Adam moves each weight by about the
    # learning rate a step, so at lr 2e-4 a lean from zero learned slowly: mean 0.036 after 870 steps
    # (session 43) where a still background wants 1. The gain makes it learn ten times as fast, from zero
    # all the same (the converted model is still the old one exactly).
    HOLD_GAIN = 10.0

    def pos_emb(self, nt, nh, nw, device=None):
        d = self.cfg.width
        dt, dh = d // 4, 3 * d // 8
        dw = d - dt - dh
        tt = torch.arange(nt, dtype=torch.float32, device=device)
        hh = torch.arange(nh, dtype=torch.float32, device=device)
        ww = torch.arange(nw, dtype=torch.float32, device=device)
        # time position = the token's first frame / 2 (so a token's place in time does not change
        # with patch_t; patch_t 8 gives the 0, 4 of the first packs)
        et = sincos(tt * (self.cfg.patch_t / 2.0), dt)[:, None, None, :].expand(nt, nh, nw, dt)
        eh = sincos(hh * 4.0, dh)[None, :, None, :].expand(nt, nh, nw, dh)
        ew = sincos(ww * 4.0, dw)[None, None, :, :].expand(nt, nh, nw, dw)
        return torch.cat([et, eh, ew], dim=-1).reshape(1, nt * nh * nw, d)

    def forward(self, x, t, text, cond, mask, pool_keep=None):
        """pool_keep [B] (training only, train.py --pool-drop): 1 where the sample's adaLN gets the mean
        word vector, 0 where it gets the time alone, as with DiTConfig.pooled_text False"""
        cfg = self.cfg
        B, C, T, H, W = x.shape
        pt, ps = cfg.patch_t, cfg.patch_s
        nt, nh, nw = T // pt, H // ps, W // ps
        v = patches(torch.cat([x, cond, mask], dim=1), pt, ps)  # [B, N, (2C+1)*pt*ps*ps]
        h = self.inp(v) + self.pos_emb(nt, nh, nw, v.device)
        tx = self.txt(text) + self.type_txt
        c = self.t_mlp(sincos(t * 1000.0, 256))
        if cfg.pooled_text:
            pooled = self.txt_pool(text.mean(dim=1))
            c = c + (pooled if pool_keep is None else pooled * pool_keep.view(B, 1))
        L = tx.shape[1]
        z = torch.cat([tx, h], dim=1)
        for b in self.blocks:
            z = b(z, c, (L, nt))
        z = z[:, L:]
        sh, sc = self.ada_f(F.silu(c)).unsqueeze(1).chunk(2, dim=-1)
        y = self.ln_f(z) * (1 + sc) + sh
        z = self.out(y)  # [B, N, C*pt*ps*ps]
        if cfg.seam_out:
            # tokens are slice-major (t, then h, w): one slice on is nh*nw tokens on; zeros past the ends
            s = nh * nw
            pad = torch.zeros_like(y[:, :s])
            z = z + self.out_prev(torch.cat([pad, y[:, :-s]], 1)) + self.out_next(torch.cat([y[:, s:], pad], 1))
        if cfg.hold_out:
            held, any_given = held_frames(cond, mask)
            z = z + self.HOLD_GAIN * self.out_hold(y) * any_given.view(B, 1, 1) * (patches(held, pt, ps) - z)
        z = z.reshape(B, nt, nh, nw, C, pt, ps, ps).permute(0, 4, 1, 5, 2, 6, 3, 7)
        return z.reshape(B, C, T, H, W)


def patches(v, pt, ps):
    """[B, C, T, H, W] -> [B, N, C*pt*ps*ps]: the spacetime patches in token order (time slice, then row,
    then column), each patch's values channel-major, the layout the output projection writes too"""
    B, C, T, H, W = v.shape
    v = v.reshape(B, C, T // pt, pt, H // ps, ps, W // ps, ps).permute(0, 2, 4, 6, 1, 3, 5, 7)
    return v.reshape(B, (T // pt) * (H // ps) * (W // ps), C * pt * ps * ps)


def held_frames(cond, mask, sharp=50.0):
    """cond [B,C,T,h,w], mask [B,1,T,h,w] -> (held [B,C,T,h,w]: for each frame, the latent of the nearest given
    frame, the mean of two at equal distance; any_given [B]: 1 where the clip has a given frame, else 0).
    A frame counts as given where any of its mask is set. A softmax over minus the distances (times `sharp`)
    rather than an argmin, so the graph is the same for every mask and exports to ONNX as it is; at 50 the
    next-nearest frame weighs e^-50 of the nearest."""
    B, _, T = mask.shape[:3]
    given = mask.amax(dim=(1, 3, 4))  # [B, T]
    pos = torch.arange(T, dtype=cond.dtype, device=cond.device)
    dist = (pos[:, None] - pos[None, :]).abs()[None] + (1.0 - given)[:, None, :] * 1e4  # [B, T(frame), T(given)]
    w = torch.softmax(-sharp * dist, dim=-1)
    return torch.einsum("bij,bcjhw->bcihw", w, cond), given.amax(dim=1)


class VideoModel(nn.Module):
    # the starting-noise share this model expects (sampler.noise_share_of its checkpoint; evaluate.load sets it):
    # a plain attribute, not a weight, so the state dict is unchanged
    noise_share = 0.0

    def __init__(self, cfg: DiTConfig):
        super().__init__()
        self.cfg = cfg
        self.text_encoder = TextEncoder(cfg)
        self.dit = DiT(cfg)

    def forward(self, x, t, tokens, cond, mask, pool_keep=None):
        return self.dit(x, t, self.text_encoder(tokens), cond, mask, pool_keep)

    def tokens(self, prompts) -> torch.Tensor:
        """int64 [B, max_tokens]: the prompts read as this model reads them (its word readings on or off)"""
        from .text import tokenize  # text imports the world; the nets stand alone otherwise
        return torch.tensor([tokenize(p, self.cfg.max_tokens, self.cfg.word_readings)[0] for p in prompts],
                            dtype=torch.int64)


def dit_flops(cfg: DiTConfig, T=16, h=18, w=32):
    """forward FLOPs (2 x multiply-adds) of text encoder + denoiser for one sample."""
    nt, S = T // cfg.patch_t, (h // cfg.patch_s) * (w // cfg.patch_s)
    n = nt * S
    L, d, dt = cfg.max_tokens, cfg.width, cfg.text_dim
    N = n + L
    if cfg.attn == "factorised":
        # the text is projected and attends once per slice; then n tokens attend across nt slices
        per_layer = (nt * (L + S) * 4 * d * d + 2 * nt * (L + S) ** 2 * d + N * 2 * cfg.mlp * d * d
                     + n * 4 * d * d + 2 * S * nt * nt * d)
        ada = cfg.depth * 7 * d * d + 6 * d * d
    else:
        per_layer = N * (4 * d * d + 2 * cfg.mlp * d * d) + 2 * N * N * d
        ada = (cfg.depth + 1) * 6 * d * d
    pin = (2 * cfg.channels + 1) * cfg.patch_t * cfg.patch_s ** 2
    # the output projection, and the extra ones of seam_out (slice before, slice after) and hold_out
    outs = 1 + 2 * cfg.seam_out + cfg.hold_out
    io = n * pin * d + outs * n * d * cfg.channels * cfg.patch_t * cfg.patch_s ** 2 + L * dt * d
    text = cfg.text_layers * (L * (4 + 2 * 4) * dt * dt + 2 * L * L * dt)
    return 2 * (cfg.depth * per_layer + ada + io) + 2 * text, n

"""LC-Net on a CIFAR ResNet, the PyTorch twin of `crate/src/model/`.

LC-Net: Xia, Yin, Dai, Jha, "Fully Dynamic Inference with Deep Neural Networks" (2020,
arXiv:2007.15151). Each residual block carries two small gating networks fed by the global
average of the block's input:

* L-Net: pooled -> FC -> ReLU -> FC -> one gate g in [0, 1] (a clamp, "ReLU1"). g == 0 skips the
  block's residual branch, g > 0 scales it.
* C-Net: pooled -> FC -> ReLU -> FC -> one gate per inner channel (conv1 outputs == conv2 inputs),
  in [0, 1]. 0 skips the channel, > 0 scales it.

The block computes `relu(shortcut(x) + g * bn2(conv2(c * relu(bn1(conv1(x))))))`.

Training runs the dense form (everything computed, gates multiply) because autograd needs it; the
Rust runtime computes only kept blocks and channels and is tested against this dense form.
Parameter names equal the Rust VarBuilder paths (`stage1.0.conv1.weight`, `stage1.0.lnet.fc1.bias`).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def stage_blocks(depth: int) -> int:
    if (depth - 2) % 6 != 0:
        raise ValueError(f"CIFAR ResNet depth must be 6n+2, got {depth}")
    return (depth - 2) // 6


class Gate(nn.Module):
    """pooled [B, C_in] -> FC -> ReLU -> FC -> pre-activation z [B, out]."""

    def __init__(self, c_in: int, hidden: int, out: int, bias_init: float):
        super().__init__()
        self.fc1 = nn.Linear(c_in, hidden)
        self.fc2 = nn.Linear(hidden, out)
        nn.init.normal_(self.fc2.weight, std=0.01)
        nn.init.constant_(self.fc2.bias, bias_init)

    def forward(self, pooled):
        return self.fc2(F.relu(self.fc1(pooled)))


class GateAct(torch.autograd.Function):
    """Hard clamp to [0, 1] forward; straight-through backward with slope `leak` outside (0, 1).

    The leak lets the task loss revive a gate that the clamp closed (the dead-gate problem of a
    hard ReLU1), while the budget term (see `cost_indicator`) has no gradient on closed gates, so
    it does not drive them further negative.
    """

    @staticmethod
    def forward(ctx, z, leak: float):
        ctx.save_for_backward(z)
        ctx.leak = leak
        return z.clamp(0.0, 1.0)

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.saved_tensors
        inside = (z > 0) & (z < 1)
        slope = torch.where(inside, torch.ones_like(z), torch.full_like(z, ctx.leak))
        return grad * slope, None


def cost_indicator(z, beta: float = 1.0):
    """Forward: 1[z > 0] (the block/channel is computed). Backward: beta on open gates, 0 on
    closed ones, so the budget pushes open gates towards closing and leaves closed ones alone."""
    hard = (z > 0).to(z.dtype)
    soft = beta * F.relu(z)
    return hard + (soft - soft.detach())


def runs(l_open, keep, empty_skip: bool):
    """Whether the block's branch is computed [B, 1]: its L-gate open and, with `empty_skip`, at
    least one channel kept."""
    if not empty_skip:
        return l_open
    return l_open * (keep.detach() > 0).any(dim=1, keepdim=True).to(l_open.dtype)


def open_gate(z, tau, noise: float = 0.0, temp: float = 0.0):
    """The gate decision 1[z > tau] (the runtime's: a clamped gate at or under its threshold is
    closed). With `noise` > 0 (training) it is drawn as 1[z + n > tau], n ~ Logistic(0, noise),
    with the straight-through gradient of sigmoid((z + n - tau) / noise) (a Gumbel-sigmoid
    sample), so a gate near its threshold is sometimes open and sometimes closed and the task
    loss learns what each decision costs it. Without noise and with `temp` > 0 the decision is the
    runtime's, with the straight-through gradient of sigmoid((z - tau) / temp). With neither it
    has no gradient (the recipe of the first models: the scale clamp(z) carries the gradient)."""
    if noise <= 0 and temp <= 0:
        return (z > tau).to(z.dtype)
    if noise <= 0:
        soft = torch.sigmoid((z - tau) / temp)
        hard = (z > tau).to(z.dtype)
        return hard + (soft - soft.detach())
    u = torch.rand_like(z).clamp_(1e-6, 1 - 1e-6)
    soft = torch.sigmoid((z + noise * (u.log() - (-u).log1p()) - tau) / noise)
    hard = (soft > 0.5).to(z.dtype)
    return hard + (soft - soft.detach())


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, planes: int, stride: int, gate_hidden: int, gated: bool):
        super().__init__()
        self.c_in, self.planes, self.stride, self.gated = c_in, planes, stride, gated
        self.conv1 = nn.Conv2d(c_in, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        if stride != 1 or c_in != planes:
            self.shortcut = nn.Sequential()
            self.shortcut.add_module("conv", nn.Conv2d(c_in, planes, 1, stride, bias=False))
            self.shortcut.add_module("bn", nn.BatchNorm2d(planes))
        else:
            self.shortcut = None
        if gated:
            self.lnet = Gate(c_in, gate_hidden, 1, bias_init=1.0)
            self.cnet = Gate(c_in, gate_hidden, planes, bias_init=1.0)

    def forward(self, x, leak=0.1, taus=None, noise=0.0, empty_skip=False, temp=0.0):
        """x [B, C_in, H, W] -> (out [B, P, H/s, W/s], info dict).

        `taus`: optional per-image thresholds (tau_l [B, 1], tau_c [B, 1]); a gate <= its
        threshold is closed, as the runtime does at those thresholds (training at random
        thresholds keeps the network accurate along the whole cost/accuracy curve).
        `noise` > 0: the open/closed decisions are drawn with logistic noise (training only);
        `temp` > 0: the runtime's decisions with a straight-through gradient (see `open_gate`). `empty_skip`: a block whose C-gates are all closed is skipped as a block
        (its branch would be a constant bias otherwise), as the runtime does for such models.

        info: the gate pre-activations `z_l` [B, 1] and `z_c` [B, P], and the decisions as the
        runtime counts them: `l_open` [B] (C-Net evaluated), `run` [B] (branch computed),
        `keep` [B, P] (channel computed where the block runs); straight-through gradients."""
        sc = x if self.shortcut is None else self.shortcut(x)
        h = F.relu(self.bn1(self.conv1(x)))
        info = {}
        if self.gated:
            pooled = x.mean(dim=(2, 3))  # [B, C_in]
            z_l = self.lnet(pooled)  # [B, 1]
            z_c = self.cnet(pooled)  # [B, P]
            tau_l, tau_c = taus if taus is not None else (0.0, 0.0)
            l_open = open_gate(z_l, tau_l, noise, temp)  # [B, 1]
            keep = open_gate(z_c, tau_c, noise, temp)  # [B, P]
            run = runs(l_open, keep, empty_skip)
            g = GateAct.apply(z_l, leak) * run
            c = GateAct.apply(z_c, leak) * keep
            h = h * c[:, :, None, None]
            branch = self.bn2(self.conv2(h)) * g[:, :, None, None]
            info = {"z_l": z_l, "z_c": z_c, "l_open": l_open[:, 0], "run": run[:, 0], "keep": keep}
            if noise > 0 and temp > 0:
                # The runtime's own decisions beside the noisy ones, for penalties that must hold
                # for the decisions the page will see (`det_infos`).
                l_det = open_gate(z_l, tau_l, 0.0, temp)
                keep_det = open_gate(z_c, tau_c, 0.0, temp)
                info["det"] = {
                    "l_open": l_det[:, 0],
                    "run": runs(l_det, keep_det, empty_skip)[:, 0],
                    "keep": keep_det,
                }
        else:
            branch = self.bn2(self.conv2(h))
        return F.relu(sc + branch), info


class LCNet(nn.Module):
    def __init__(
        self,
        depth: int = 56,
        widths=(16, 32, 64),
        num_classes: int = 10,
        gate_hidden: int = 16,
        gated: bool = True,
        empty_skip: bool = False,
    ):
        super().__init__()
        n = stage_blocks(depth)
        self.depth, self.widths, self.gated = depth, list(widths), gated
        self.empty_skip = empty_skip
        self.stem = nn.Sequential()
        self.stem.add_module("conv", nn.Conv2d(3, widths[0], 3, 1, 1, bias=False))
        self.stem.add_module("bn", nn.BatchNorm2d(widths[0]))
        c_in = widths[0]
        self.stages = []
        for s, w in enumerate(widths):
            blocks = nn.ModuleList()
            for i in range(n):
                stride = 2 if (s > 0 and i == 0) else 1
                blocks.append(BasicBlock(c_in, w, stride, gate_hidden, gated))
                c_in = w
            setattr(self, f"stage{s + 1}", blocks)
            self.stages.append(blocks)
        self.fc = nn.Linear(c_in, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def blocks(self):
        for stage in self.stages:
            yield from stage

    def forward(self, x, leak: float = 0.1, taus=None, noise: float = 0.0, temp: float = 0.0):
        """x [B, 3, 32, 32] (normalized) -> (logits [B, classes], per-block gate info list)."""
        x = F.relu(self.stem(x))
        infos = []
        for blk in self.blocks():
            x, info = blk(x, leak, taus, noise, self.empty_skip, temp)
            infos.append(info)
        x = x.mean(dim=(2, 3))  # [B, C]
        return self.fc(x), infos


# ---- multiply-accumulate (MAC) accounting, mirrored by crate/src/trace.rs ----
# Convention: MACs of convolutions and fully connected layers only (BN is folded into the convs at
# inference; ReLU, pooling and additions are not counted).


def block_costs(model: LCNet, image_size: int = 32):
    """Per block: dict(fixed, cnet, per_channel) in MACs, plus the fixed rest of the network.

    fixed: projection shortcut + L-Net (always evaluated); cnet: C-Net (evaluated when the block
    runs); per_channel: conv1 + conv2 work of one kept inner channel.
    """
    hw = image_size * image_size
    rest = 3 * model.widths[0] * 9 * hw + model.fc.in_features * model.fc.out_features
    out = []
    for blk in model.blocks():
        hw_out = hw // (blk.stride * blk.stride)
        fixed = 0
        if blk.shortcut is not None:
            fixed += blk.c_in * blk.planes * hw_out
        cnet = 0
        if blk.gated:
            h = blk.lnet.fc1.out_features
            fixed += blk.c_in * h + h * 1
            cnet = blk.c_in * h + h * blk.planes
        per_channel = blk.c_in * 9 * hw_out + blk.planes * 9 * hw_out
        out.append({"fixed": fixed, "cnet": cnet, "per_channel": per_channel})
        hw = hw_out
    return out, rest


def static_macs(model: LCNet, image_size: int = 32) -> int:
    """MACs of the plain ResNet (every block and channel, no gating networks)."""
    hw = image_size * image_size
    total = 3 * model.widths[0] * 9 * hw + model.fc.in_features * model.fc.out_features
    for blk in model.blocks():
        hw = hw // (blk.stride * blk.stride)
        total += (blk.c_in + blk.planes) * blk.planes * 9 * hw
        if blk.shortcut is not None:
            total += blk.c_in * blk.planes * hw
    return total


def dynamic_cost(model: LCNet, infos, costs, rest, tau_l=0.0, tau_c=0.0, beta=1.0):
    """Per-image MACs [B] with surrogate gradients (see `cost_indicator`)."""
    total = None
    for blk, info, c in zip(model.blocks(), infos, costs):
        run = cost_indicator(info["z_l"][:, 0] - tau_l, beta)  # [B]
        kept = cost_indicator(info["z_c"] - tau_c, beta).sum(dim=1)  # [B]
        t = c["fixed"] + run * (c["cnet"] + kept * c["per_channel"])
        total = t if total is None else total + t
    return total + rest


def runtime_cost(infos, costs, rest):
    """Per-image MACs [B] as the runtime counts them, from the decisions in `infos` (at the
    thresholds the forward pass used): a block's fixed part always, its C-Net where its L-gate is
    open, a kept channel's convolutions where the block runs. Gradients: the decisions'
    straight-through ones (see `open_gate`)."""
    total = None
    for info, c in zip(infos, costs):
        kept = (info["keep"] * info["run"][:, None]).sum(dim=1)  # [B]
        t = c["fixed"] + info["l_open"] * c["cnet"] + kept * c["per_channel"]
        total = t if total is None else total + t
    return total + rest

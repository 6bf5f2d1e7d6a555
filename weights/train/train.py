"""Training recipe for LC-Net on CIFAR-10 (CPU is enough; see weights/README.md).

Two phases, each resumable from one checkpoint file that is overwritten as it goes:

1. `--phase static`: the plain ResNet backbone (gates off). Its final weights are the static
   baseline and the starting point of phase 2.
2. `--phase gated`: L-Net and C-Net added (gates start open, ~= the static net) and trained jointly
   with the backbone; the loss is cross-entropy plus a budget term
   `lam * (mean MACs / static MACs - target)^2`, with the target lowered linearly from 1 to
   `--target` over the first `--ramp` epochs.

The recipe used for the shipped weights is `weights/train/pipeline.sh` (see weights/README.md):
    python weights/train/train.py --phase static --epochs 80 --out weights/resnet56-static.safetensors
    python weights/train/train.py --phase gated --epochs 40 --init weights/resnet56-static.safetensors \
        --out weights/lcnet-resnet56.safetensors
is the general shape.
Re-running the same command resumes from `--ckpt` when it holds a run of the same phase.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

sys.path.insert(0, str(Path(__file__).parent))
from data import MEAN, STD, load_split  # noqa: E402
from model import LCNet, block_costs, dynamic_cost, static_macs  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", default=str(ROOT.parent / "shared/datasets/cifar10-jpeg.zip"))
    p.add_argument("--phase", choices=["static", "gated"], required=True)
    p.add_argument("--depth", type=int, default=56)
    p.add_argument("--gate-hidden", type=int, default=16)
    p.add_argument("--epochs", type=int, required=True)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--wd", type=float, default=5e-4)
    p.add_argument("--warmup", type=float, default=1.0, help="linear LR warm-up, epochs")
    p.add_argument("--target", type=float, default=0.35, help="gated: target MACs / static")
    p.add_argument("--lam", type=float, default=4.0, help="gated: weight of the budget term")
    p.add_argument("--ramp", type=float, default=8.0, help="gated: epochs to reach --target")
    p.add_argument("--leak", type=float, default=0.1, help="gated: straight-through slope")
    p.add_argument("--init", help="gated: static weights (safetensors) to start from")
    p.add_argument("--ckpt", default=str(ROOT / "weights/checkpoint-wip.pt"))
    p.add_argument("--out", required=True, help="final weights (safetensors)")
    p.add_argument(
        "--first-schedule",
        metavar="EPOCHS:STEP",
        help="the LR followed a cosine over EPOCHS epochs until global step STEP, then switched\n"
        "to the --epochs schedule (how a run is shortened mid-way, reproducibly)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eval-every", type=int, default=5)
    p.add_argument("--save-every", type=int, default=100, help="steps between checkpoints")
    p.add_argument("--threads", type=int, default=max(1, os.cpu_count() or 1))
    p.add_argument(
        "--precision",
        choices=["auto", "bf16", "fp32"],
        default="auto",
        help="bf16 autocast is ~2x faster where the CPU has bf16 instructions (AMX, AVX512-BF16)\n"
        "and ~5x slower where it does not; auto picks by the CPU's flags",
    )
    return p.parse_args(argv)


def normalize(x_u8: torch.Tensor) -> torch.Tensor:
    """uint8 [B, 32, 32, 3] -> float [B, 3, 32, 32] normalized with the dataset statistics."""
    x = x_u8.permute(0, 3, 1, 2).float().div_(255.0)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - mean) / std


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random 32x32 crop from the 4-pixel zero-padded image (zero = the mean colour after
    normalization) and random horizontal flip."""
    b = x.shape[0]
    padded = F.pad(x, (4, 4, 4, 4))
    offs = torch.randint(0, 9, (b, 2), generator=gen)
    flips = torch.rand(b, generator=gen) < 0.5
    out = torch.empty_like(x)
    for i in range(b):
        dy, dx = int(offs[i, 0]), int(offs[i, 1])
        crop = padded[i, :, dy : dy + 32, dx : dx + 32]
        out[i] = crop.flip(2) if flips[i] else crop
    return out


def lr_at(args, epoch_f: float, first: tuple[float, float] | None = None) -> float:
    """Linear warm-up, then cosine to 0 at `args.epochs`. With `first = (epochs, switch)` the run
    began on a cosine over `epochs` and was shortened at epoch `switch`."""
    epochs = args.epochs
    if first is not None and epoch_f < first[1]:
        epochs = first[0]
    if epoch_f < args.warmup:
        return args.lr * (epoch_f + 1e-3) / args.warmup
    t = (epoch_f - args.warmup) / max(1e-9, epochs - args.warmup)
    return 0.5 * args.lr * (1 + math.cos(math.pi * min(1.0, t)))


def cpu_has_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def parse_first_schedule(text: str, steps_per_epoch: int) -> tuple[float, float]:
    epochs, _, step = text.partition(":")
    return float(epochs), int(step) / steps_per_epoch


def export_state(model: LCNet) -> dict:
    return {
        k: v.detach().float().contiguous().clone()
        for k, v in model.state_dict().items()
        if not k.endswith("num_batches_tracked")
    }


@torch.no_grad()
def evaluate(model: LCNet, images, labels, batch=500):
    """Test accuracy and (gated) mean MACs / static, fp32, eval-mode BN, default thresholds."""
    model.eval()
    costs, rest = block_costs(model)
    smacs = static_macs(model)
    correct, macs = 0, 0.0
    for i in range(0, len(labels), batch):
        x = normalize(torch.from_numpy(images[i : i + batch]))
        logits, infos = model(x)
        correct += (logits.argmax(1) == torch.from_numpy(labels[i : i + batch])).sum().item()
        if model.gated:
            macs += dynamic_cost(model, infos, costs, rest).sum().item()
        else:
            macs += smacs * x.shape[0]
    model.train()
    n = len(labels)
    return {"acc": correct / n, "macs_ratio": macs / n / smacs}


def atomic_save(obj, path: Path):
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    ckpt_path = Path(args.ckpt)
    ckpt_path.parent.mkdir(parents=True, exist_ok=True)

    train_x, train_y, _ = load_split(args.data, "train")
    test_x, test_y, _ = load_split(args.data, "test")
    n = len(train_y)
    steps_per_epoch = n // args.batch  # drop the last partial batch
    print(f"train {n} test {len(test_y)} steps/epoch {steps_per_epoch}", flush=True)
    use_bf16 = args.precision == "bf16" or (args.precision == "auto" and cpu_has_bf16())
    print(f"precision {'bf16 autocast' if use_bf16 else 'fp32'}", flush=True)
    first = None
    if args.first_schedule:
        first = parse_first_schedule(args.first_schedule, steps_per_epoch)

    model = LCNet(args.depth, gate_hidden=args.gate_hidden, gated=args.phase == "gated")
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    opt = torch.optim.SGD(
        [{"params": decay, "weight_decay": args.wd}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr,
        momentum=0.9,
        nesterov=True,
    )
    gen = torch.Generator().manual_seed(args.seed)
    state = {"epoch": 0, "step": 0, "perm": None, "history": []}

    resumed = False
    if ckpt_path.exists():
        ck = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        same_schedule = ck["args"]["epochs"] == args.epochs
        shortened = first is not None and ck["args"]["epochs"] == first[0]
        if ck["phase"] == args.phase and (same_schedule or shortened):
            model.load_state_dict(ck["model"])
            opt.load_state_dict(ck["opt"])
            gen.set_state(ck["gen"])
            torch.set_rng_state(ck["torch_rng"])
            state = ck["state"]
            resumed = True
            print(f"resumed {args.phase} at epoch {state['epoch']} step {state['step']}", flush=True)
    if not resumed and args.phase == "gated":
        if not args.init:
            raise SystemExit("--phase gated needs --init (the static weights)")
        missing, unexpected = model.load_state_dict(load_file(args.init), strict=False)
        assert not unexpected, unexpected
        assert all(".lnet." in k or ".cnet." in k for k in missing), missing
        print(f"initialised backbone from {args.init}", flush=True)

    model = model.to(memory_format=torch.channels_last)
    model.train()
    costs, rest = block_costs(model)
    smacs = static_macs(model)

    def save():
        atomic_save(
            {
                "phase": args.phase,
                "args": vars(args),
                "model": model.state_dict(),
                "opt": opt.state_dict(),
                "gen": gen.get_state(),
                "torch_rng": torch.get_rng_state(),
                "state": state,
            },
            ckpt_path,
        )

    while state["epoch"] < args.epochs:
        if state["perm"] is None:
            state["perm"] = torch.randperm(n, generator=gen)
        perm = state["perm"]
        t0, seen, loss_sum, correct, ratio_sum = time.time(), 0, 0.0, 0, 0.0
        while state["step"] < steps_per_epoch:
            step = state["step"]
            epoch_f = state["epoch"] + step / steps_per_epoch
            lr = lr_at(args, epoch_f, first)
            for g in opt.param_groups:
                g["lr"] = lr
            idx = perm[step * args.batch : (step + 1) * args.batch]
            x = augment(normalize(torch.from_numpy(train_x[idx.numpy()])), gen)
            x = x.contiguous(memory_format=torch.channels_last)
            y = torch.from_numpy(train_y[idx.numpy()])
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=use_bf16):
                logits, infos = model(x, leak=args.leak)
            logits = logits.float()
            loss = F.cross_entropy(logits, y)
            if model.gated:
                infos = [{k: v.float() for k, v in i.items()} for i in infos]
                ratio = dynamic_cost(model, infos, costs, rest) / smacs  # [B]
                target = 1.0 - (1.0 - args.target) * min(1.0, epoch_f / args.ramp)
                loss = loss + args.lam * (ratio.mean() - target) ** 2
                ratio_sum += ratio.detach().sum().item()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            seen += len(y)
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
            state["step"] += 1
            if state["step"] % args.save_every == 0:
                save()
            if state["step"] % 50 == 0:
                msg = f"  ep {state['epoch']} step {state['step']} loss {loss_sum / seen:.4f}"
                msg += f" acc {correct / seen:.4f} lr {lr:.4f} {seen / (time.time() - t0):.0f} img/s"
                if model.gated:
                    msg += f" macs {ratio_sum / seen:.3f}"
                print(msg, flush=True)
        rec = {
            "epoch": state["epoch"] + 1,
            "train_loss": loss_sum / max(1, seen),
            "train_acc": correct / max(1, seen),
            "seconds": time.time() - t0,
        }
        if model.gated:
            rec["train_macs_ratio"] = ratio_sum / max(1, seen)
        if (state["epoch"] + 1) % args.eval_every == 0 or state["epoch"] + 1 == args.epochs:
            rec.update({f"test_{k}": v for k, v in evaluate(model, test_x, test_y).items()})
        print(json.dumps(rec), flush=True)
        state["history"].append(rec)
        state["epoch"] += 1
        state["step"] = 0
        state["perm"] = None
        save()

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"phase": args.phase, "depth": str(args.depth), "recipe": json.dumps(vars(args))}
    save_file(export_state(model), str(out), metadata=meta)
    log = {"args": vars(args), "history": state["history"], "static_macs": smacs}
    log_path = out.with_name(out.stem + "-log.json")
    log_path.write_text(json.dumps(log, indent=1) + "\n")
    print(f"wrote {out} and {log_path}", flush=True)


if __name__ == "__main__":
    main()

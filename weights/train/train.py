"""Training recipe for LC-Net on CIFAR-10 (CPU is enough; see weights/README.md).

Two phases, each resumable from one checkpoint file that is overwritten as it goes:

1. `--phase static`: the plain ResNet backbone (gates off). Its final weights are the static
   baseline and the starting point of phase 2.
2. `--phase gated`: L-Net and C-Net added (gates start open, ~= the static net) and trained jointly
   with the backbone; the loss is cross-entropy plus a budget term
   `lam * (mean MACs / static MACs - target)^2`, with the target lowered linearly from 1 to
   `--target` over the first `--ramp` epochs.

Regularization for the JPEG data (all off by default, so older commands replay unchanged):
label smoothing, cutout, an exponential moving average (EMA) of the weights (evaluated and
exported), and in the gated phase distillation from the static network (`--teacher`, KL on
logits at temperature `--kd-temp`) and training at random gate thresholds (`--tau-max`).

The recipe used for the shipped weights is `weights/train/pipeline.sh` (see weights/README.md).
Re-running the same command resumes from `--ckpt` when it holds a run of the same phase.

Runs on the CPU, on CUDA when present, and under `torchrun --nproc_per_node N` (DDP: gloo on the
CPU, nccl on CUDA): every rank draws the same permutation and augmentation for the global batch
and trains on its share of it, so N processes follow the single-process recipe.
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
import torch.distributed as dist
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

sys.path.insert(0, str(Path(__file__).parent))
from data import MEAN, STD, load_split  # noqa: E402
from model import LCNet, block_costs, dynamic_cost, runtime_cost, static_macs  # noqa: E402

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
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--cutout", type=int, default=0, help="side of the erased square, pixels")
    p.add_argument("--ema", type=float, default=0.0, help="EMA decay per step (0: off)")
    p.add_argument("--teacher", help="gated: static weights to distil from (KL on logits)")
    p.add_argument("--kd-alpha", type=float, default=0.7, help="gated: weight of the KL term")
    p.add_argument("--kd-temp", type=float, default=4.0)
    p.add_argument(
        "--tau-max",
        type=float,
        default=0.0,
        help="gated: each image's tau_L and tau_C are 0 or (each with probability 1/2)\n"
        "uniform in [0, tau-max]; the budget term is taken at tau = 0",
    )
    p.add_argument(
        "--tau-zero-prob",
        type=float,
        default=0.5,
        help="gated, with --tau-max: the probability that an image's threshold is 0",
    )
    p.add_argument(
        "--cost",
        choices=["tau0", "runtime"],
        default="tau0",
        help="gated: the budget's per-image MACs: 'tau0' at thresholds 0 with a gradient on open\n"
        "gates only (the first recipe); 'runtime' as the runtime counts them at the image's\n"
        "thresholds (a gate at or under its threshold costs nothing), with the decisions'\n"
        "straight-through gradients (needs --gate-noise or --decision-temp)",
    )
    p.add_argument(
        "--target-low",
        type=float,
        help="gated, --cost runtime: the target at thresholds tau-max on both gates; an image's\n"
        "target falls linearly from --target (thresholds 0) with the mean of its two thresholds",
    )
    p.add_argument(
        "--shape-width",
        type=float,
        default=0.0,
        help="gated: > 0 replaces the budget on the batch mean by cost shaping: the batch's\n"
        "per-image costs minus their targets, sorted, are pulled towards the quantiles of\n"
        "U[-w, w] (each image costs its target on average, the images spread over 2w)",
    )
    p.add_argument(
        "--rate-bounds",
        metavar="LO,HI",
        help="gated: each block's share of a batch that runs it is pushed into [LO, HI]\n"
        "(squared excess, weight --rate-weight), so no block is always run or always skipped",
    )
    p.add_argument("--rate-weight", type=float, default=1.0)
    p.add_argument(
        "--rate-ramp",
        type=float,
        default=0.0,
        help="gated: epochs over which the rate bounds' weight rises from 0 (0: at once)",
    )
    p.add_argument(
        "--gate-noise",
        type=float,
        default=0.0,
        help="gated: logistic noise of this scale on the gate decisions in training (0: off)",
    )
    p.add_argument(
        "--decision-temp",
        type=float,
        default=0.0,
        help="gated, without --gate-noise: the runtime's decisions in training, with the\n"
        "straight-through gradient of sigmoid((z - tau) / T) (0: no gradient on decisions)",
    )
    p.add_argument(
        "--penalize",
        choices=["forward", "runtime"],
        default="forward",
        help="gated: the decisions the budget and the rate bounds see: those of the forward pass\n"
        "(noisy with --gate-noise), or the runtime's noise-free ones beside them (needs\n"
        "--gate-noise and --decision-temp, the temperature of their straight-through gradient)",
    )
    p.add_argument(
        "--empty-skip",
        action="store_true",
        help="gated: a block whose C-gates all close is skipped as a block (the card says so)",
    )
    p.add_argument("--subset", type=int, help="train on N evenly spread images (checks)")
    p.add_argument("--test-subset", type=int, help="evaluate on N evenly spread images")
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
    mean = torch.tensor(MEAN, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=x.device).view(1, 3, 1, 1)
    return (x - mean) / std


def augment(x: torch.Tensor, gen: torch.Generator, cutout: int = 0) -> torch.Tensor:
    """x [B, C, H, W] -> [B, C, H, W] channels-last: random crop from the 4-pixel zero-padded
    image (zero = the mean colour after normalization), random horizontal flip and, with
    `cutout > 0`, a `cutout`-pixel square (centre anywhere in the image, clipped) set to zero.
    Batched tensor ops; the random draws come from `gen` on the CPU."""
    b, _, h, w = x.shape
    padded = F.pad(x, (4, 4, 4, 4)).permute(0, 2, 3, 1)  # [B, H+8, W+8, C]
    offs = torch.randint(0, 9, (b, 2), generator=gen).to(x.device)
    flips = (torch.rand(b, generator=gen) < 0.5).to(x.device)
    ys = torch.arange(h, device=x.device)
    xs = torch.arange(w, device=x.device)
    rows = offs[:, :1] + ys  # [B, H]
    cols = offs[:, 1:] + torch.where(flips[:, None], w - 1 - xs, xs)  # [B, W]
    batch = torch.arange(b, device=x.device)[:, None, None]
    out = padded[batch, rows[:, :, None], cols[:, None, :]]  # [B, H, W, C]
    if cutout > 0:
        centre = torch.randint(0, h, (b, 2), generator=gen).to(x.device)
        lo = centre - cutout // 2
        in_y = (ys >= lo[:, :1]) & (ys < lo[:, :1] + cutout)  # [B, H]
        in_x = (xs >= lo[:, 1:]) & (xs < lo[:, 1:] + cutout)  # [B, W]
        out = out * ~(in_y[:, :, None, None] & in_x[:, None, :, None])
    return out.permute(0, 3, 1, 2)  # [B, C, H, W], channels-last in memory


def sample_taus(b: int, tau_max: float, gen: torch.Generator, zero_prob: float = 0.5):
    """Per-image thresholds (tau_l [B, 1], tau_c [B, 1]): each 0 with probability `zero_prob`,
    else uniform in [0, tau_max]."""
    taus = []
    for _ in range(2):
        on = torch.rand(b, 1, generator=gen) >= zero_prob
        taus.append(torch.where(on, torch.rand(b, 1, generator=gen) * tau_max, 0.0))
    return taus


def budget_loss(args, ratio, taus, epoch_f: float):
    """The cost term of the gated phase. ratio [B]: per-image MACs / static MACs."""
    target = torch.full_like(ratio, args.target)
    if args.target_low is not None and taus is not None:
        mean_tau = (taus[0][:, 0] + taus[1][:, 0]) / 2
        target = target - (args.target - args.target_low) * mean_tau / args.tau_max
    target = 1.0 - (1.0 - target) * min(1.0, epoch_f / args.ramp)
    if args.shape_width <= 0:
        return args.lam * (ratio.mean() - target.mean()) ** 2
    residual, _ = torch.sort(ratio - target)
    b = len(residual)
    quant = (torch.arange(b, device=ratio.device) + 0.5) / b * 2 * args.shape_width
    return args.lam * ((residual - (quant - args.shape_width)) ** 2).mean()


def rate_loss(args, infos, epoch_f: float):
    """Per block: the squared amount by which the share of the batch running it leaves
    [LO, HI], summed over blocks."""
    lo, hi = (float(v) for v in args.rate_bounds.split(","))
    rates = torch.stack([i["run"].mean() for i in infos])
    weight = args.rate_weight * (min(1.0, epoch_f / args.rate_ramp) if args.rate_ramp > 0 else 1.0)
    return weight * (F.relu(lo - rates) ** 2 + F.relu(rates - hi) ** 2).sum()


def dynamics(runs: np.ndarray, ratios: np.ndarray) -> dict:
    """runs [N, blocks] bool, ratios [N] -> how much the decisions differ per image: each
    block's run rate, the number of distinct block paths and the most common one's share,
    the blocks run for between 10% and 90% of images, and the mean cost of the costliest tenth
    over the cheapest tenth."""
    rates = runs.mean(0)
    _, counts = np.unique(runs, axis=0, return_counts=True)
    order = np.sort(ratios)
    tenth = max(1, len(order) // 10)
    return {
        "run_rates": [round(float(r), 4) for r in rates],
        "dynamic_blocks": int(((rates >= 0.1) & (rates <= 0.9)).sum()),
        "paths": int(len(counts)),
        "top_path_share": float(counts.max() / len(runs)),
        "tenths_ratio": float(order[-tenth:].mean() / order[:tenth].mean()),
    }


class Ema:
    """Exponential moving average of the parameters and BN statistics (what is evaluated and
    exported). The decay ramps up as (1 + n) / (10 + n) so early averages are not stuck at the
    initial weights."""

    def __init__(self, model, decay: float):
        self.decay = decay
        self.updates = 0
        self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model):
        self.updates += 1
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))
        for k, v in model.state_dict().items():
            if v.dtype.is_floating_point:
                self.state[k].mul_(d).add_(v.detach(), alpha=1 - d)
            else:
                self.state[k].copy_(v)


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


def export_state(state: dict) -> dict:
    return {
        k: v.detach().float().cpu().contiguous().clone()
        for k, v in state.items()
        if not k.endswith("num_batches_tracked")
    }


def spread(n: int, k: int | None) -> np.ndarray:
    """k evenly spread indices of range(n) (all of them without k)."""
    return np.arange(n) if k is None else np.linspace(0, n - 1, k).round().astype(np.int64)


@torch.no_grad()
def evaluate(model: LCNet, images, labels, batch=500, tau=0.0, dyn=False):
    """Test accuracy and (gated) mean MACs / static as the runtime counts them, fp32, eval-mode
    BN, both thresholds `tau`; with `dyn`, also the `dynamics` of the decisions."""
    model.eval()
    device = next(model.parameters()).device
    costs, rest = block_costs(model)
    smacs = static_macs(model)
    correct, ratios, runs = 0, [], []
    for i in range(0, len(labels), batch):
        x = normalize(torch.from_numpy(images[i : i + batch]).to(device))
        taus = None
        if model.gated and tau > 0:
            taus = (torch.full((len(x), 1), tau, device=device),) * 2
        logits, infos = model(x, taus=taus)
        y = torch.from_numpy(labels[i : i + batch]).to(device)
        correct += (logits.argmax(1) == y).sum().item()
        if model.gated:
            ratios.append((runtime_cost(infos, costs, rest) / smacs).cpu().numpy())
            runs.append(torch.stack([inf["run"] > 0 for inf in infos], 1).cpu().numpy())
        else:
            ratios.append(np.ones(len(x)))
    model.train()
    ratios = np.concatenate(ratios)
    out = {"acc": correct / len(labels), "macs_ratio": float(ratios.mean())}
    if dyn and model.gated:
        out.update(dynamics(np.concatenate(runs), ratios))
    return out


def atomic_save(obj, path: Path):
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def setup_devices():
    """-> (device, rank, world). Under torchrun (WORLD_SIZE > 1) joins the process group."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if torch.cuda.is_available():
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return device, rank, world


def ranks_agree(model) -> bool:
    """True when every rank holds the same weights (a DDP run's invariant)."""
    flat = torch.cat([p.detach().float().flatten() for p in model.parameters()])
    lo, hi = flat.clone(), flat.clone()
    dist.all_reduce(lo, op=dist.ReduceOp.MIN)
    dist.all_reduce(hi, op=dist.ReduceOp.MAX)
    return bool(torch.equal(lo, hi))


def load_static(path: str, depth: int, gate_hidden: int, device) -> LCNet:
    """A frozen static network (the distillation teacher), eval mode."""
    teacher = LCNet(depth, gate_hidden=gate_hidden, gated=False)
    teacher.load_state_dict(load_file(path))
    teacher = teacher.to(device, memory_format=torch.channels_last).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device, rank, world = setup_devices()
    lead = rank == 0
    say = print if lead else (lambda *a, **k: None)
    ckpt_path = Path(args.ckpt)
    ckpt_path.parent.mkdir(parents=True, exist_ok=True)

    train_x, train_y, _ = load_split(args.data, "train")
    test_x, test_y, _ = load_split(args.data, "test")
    pick = spread(len(train_y), args.subset)
    train_x, train_y = train_x[pick], train_y[pick]
    pick = spread(len(test_y), args.test_subset)
    test_x, test_y = test_x[pick], test_y[pick]
    n = len(train_y)
    steps_per_epoch = n // args.batch  # drop the last partial batch
    if args.batch % world:
        raise SystemExit(f"--batch {args.batch} does not split over {world} processes")
    shard = slice(rank * args.batch // world, (rank + 1) * args.batch // world)
    say(f"train {n} test {len(test_y)} steps/epoch {steps_per_epoch} device {device}", flush=True)
    if device.type == "cuda":
        use_bf16 = args.precision != "fp32" and torch.cuda.is_bf16_supported()
    else:
        use_bf16 = args.precision == "bf16" or (args.precision == "auto" and cpu_has_bf16())
    say(f"precision {'bf16 autocast' if use_bf16 else 'fp32'}, {world} process(es)", flush=True)
    first = None
    if args.first_schedule:
        first = parse_first_schedule(args.first_schedule, steps_per_epoch)

    gated = args.phase == "gated"
    model = LCNet(args.depth, gate_hidden=args.gate_hidden, gated=gated, empty_skip=args.empty_skip)
    if args.penalize == "runtime" and (args.gate_noise <= 0 or args.decision_temp <= 0):
        raise SystemExit("--penalize runtime needs --gate-noise and --decision-temp")
    if args.cost == "runtime" and args.gate_noise <= 0 and args.decision_temp <= 0:
        raise SystemExit("--cost runtime needs --gate-noise or --decision-temp (a gradient)")
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
    ck = None
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
            say(f"resumed {args.phase} at epoch {state['epoch']} step {state['step']}", flush=True)
    if not resumed and args.phase == "gated":
        if not args.init:
            raise SystemExit("--phase gated needs --init (the static weights)")
        missing, unexpected = model.load_state_dict(load_file(args.init), strict=False)
        assert not unexpected, unexpected
        assert all(".lnet." in k or ".cnet." in k for k in missing), missing
        say(f"initialised backbone from {args.init}", flush=True)

    model = model.to(device, memory_format=torch.channels_last)
    model.train()
    ema = Ema(model, args.ema) if args.ema > 0 else None
    if ema is not None and resumed and "ema" in ck:
        ema.state = {k: v.to(device) for k, v in ck["ema"].items()}
        ema.updates = ck["ema_updates"]
    eval_model = None
    if ema is not None:
        eval_model = LCNet(
            args.depth, gate_hidden=args.gate_hidden, gated=gated, empty_skip=args.empty_skip
        )
        eval_model = eval_model.to(device, memory_format=torch.channels_last)
    teacher = None
    if args.teacher and model.gated:
        teacher = load_static(args.teacher, args.depth, args.gate_hidden, device)
        say(f"distilling from {args.teacher} (alpha {args.kd_alpha}, T {args.kd_temp})")
    net = model
    if world > 1:
        net = torch.nn.parallel.DistributedDataParallel(model)
    ck = None
    costs, rest = block_costs(model)
    smacs = static_macs(model)
    total_steps = args.epochs * steps_per_epoch
    run_t0, run_steps0 = time.time(), state["epoch"] * steps_per_epoch + state["step"]

    def save():
        if not lead:
            return
        obj = {
            "phase": args.phase,
            "args": vars(args),
            "model": model.state_dict(),
            "opt": opt.state_dict(),
            "gen": gen.get_state(),
            "torch_rng": torch.get_rng_state(),
            "state": state,
        }
        if ema is not None:
            obj["ema"], obj["ema_updates"] = ema.state, ema.updates
        atomic_save(obj, ckpt_path)

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
            idx = perm[step * args.batch : (step + 1) * args.batch].numpy()
            # Every rank augments the whole global batch (same draws, same generator state) and
            # keeps its share.
            x = normalize(torch.from_numpy(train_x[idx]).to(device))
            x = augment(x, gen, args.cutout)[shard]
            y = torch.from_numpy(train_y[idx]).to(device)[shard]
            taus = None
            if args.tau_max > 0 and model.gated:
                drawn = sample_taus(len(idx), args.tau_max, gen, args.tau_zero_prob)
                taus = [t[shard].to(device) for t in drawn]
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
                logits, infos = net(
                    x, leak=args.leak, taus=taus, noise=args.gate_noise, temp=args.decision_temp
                )
                if teacher is not None:
                    with torch.no_grad():
                        t_logits, _ = teacher(x)
            logits = logits.float()
            loss = F.cross_entropy(logits, y, label_smoothing=args.label_smoothing)
            if teacher is not None:
                temp = args.kd_temp
                kd = F.kl_div(
                    F.log_softmax(logits / temp, 1),
                    F.log_softmax(t_logits.float() / temp, 1),
                    reduction="batchmean",
                    log_target=True,
                )
                loss = (1 - args.kd_alpha) * loss + args.kd_alpha * temp * temp * kd
            if model.gated:
                if args.penalize == "runtime":
                    infos = [i["det"] for i in infos]
                infos = [{k: v.float() for k, v in i.items() if k != "det"} for i in infos]
                if args.cost == "runtime":
                    ratio = runtime_cost(infos, costs, rest) / smacs  # [B], at the image's taus
                    loss = loss + budget_loss(args, ratio, taus, epoch_f)
                else:
                    ratio = dynamic_cost(model, infos, costs, rest) / smacs  # [B], at tau = 0
                    loss = loss + budget_loss(args, ratio, None, epoch_f)
                if args.rate_bounds:
                    loss = loss + rate_loss(args, infos, epoch_f)
                ratio_sum += ratio.detach().sum().item()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if ema is not None:
                ema.update(model)
            seen += len(y)
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
            state["step"] += 1
            if state["step"] % args.save_every == 0:
                save()
            if state["step"] % 50 == 0:
                done = state["epoch"] * steps_per_epoch + state["step"]
                rate = (done - run_steps0) / (time.time() - run_t0)  # steps/s this process
                eta_h = (total_steps - done) / max(rate, 1e-9) / 3600
                msg = f"  ep {state['epoch']} step {state['step']} loss {loss_sum / seen:.4f}"
                msg += f" acc {correct / seen:.4f} lr {lr:.4f}"
                msg += f" {seen * world / (time.time() - t0):.0f} img/s eta {eta_h:.2f} h"
                if model.gated:
                    msg += f" macs {ratio_sum / seen:.3f}"
                say(msg, flush=True)
        rec = {
            "epoch": state["epoch"] + 1,
            "train_loss": loss_sum / max(1, seen),
            "train_acc": correct / max(1, seen),
            "seconds": time.time() - t0,
            "img_per_s": seen * world / (time.time() - t0),
        }
        if model.gated:
            rec["train_macs_ratio"] = ratio_sum / max(1, seen)
        if world > 1:
            rec["ranks_agree"] = ranks_agree(model)
        last = state["epoch"] + 1 == args.epochs
        if lead and ((state["epoch"] + 1) % args.eval_every == 0 or last):
            ev = evaluate(model, test_x, test_y, dyn=True)
            rec.update({f"test_{k}": v for k, v in ev.items()})
            if eval_model is not None:
                eval_model.load_state_dict(ema.state)
                ev = evaluate(eval_model, test_x, test_y, dyn=True)
                rec.update({f"ema_test_{k}": v for k, v in ev.items()})
                for tau in [0.15, 0.3] if gated else []:
                    ev = evaluate(eval_model, test_x, test_y, tau=tau)
                    rec.update({f"ema_test_tau{tau}_{k}": v for k, v in ev.items()})
        say(json.dumps(rec), flush=True)
        state["history"].append(rec)
        state["epoch"] += 1
        state["step"] = 0
        state["perm"] = None
        save()

    if lead:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        meta = {"phase": args.phase, "depth": str(args.depth), "recipe": json.dumps(vars(args))}
        if args.empty_skip:
            meta["empty_block"] = "skip"
        final = ema.state if ema is not None else model.state_dict()
        save_file(export_state(final), str(out), metadata=meta)
        log = {"args": vars(args), "history": state["history"], "static_macs": smacs}
        if ema is not None:
            log["exported"] = "ema"
        log_path = out.with_name(out.stem + "-log.json")
        log_path.write_text(json.dumps(log, indent=1) + "\n")
        print(f"wrote {out} and {log_path}", flush=True)
    if world > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()

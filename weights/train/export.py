"""Writes the model card and the test fixtures for trained weights.

    python weights/train/export.py --weights weights/lcnet-resnet56.safetensors \
        --name lcnet-resnet56 [--store f16 --out PATH] [--fixtures crate/tests/fixtures] \
        [--gallery www/gallery]

* `--store f16` (or `bf16`): the shipped file at `--out` holds the trained f32 weights rounded
  to 16 bits (half the download); everything below is measured on those rounded weights (widened
  back to f32, as the Rust crate does), and the card also records the f32 weights' results on
  the same images and how far the two differ (`results.pytorch.storage`).

* `<weights>.json` (the model card read by the Rust crate and the page): architecture config,
  class names, normalization, default thresholds, training recipe and log, sha256 of the
  weights, and the test results measured here in PyTorch (fp32). The Rust CLI adds its own
  measurements (`cargo xtask record`), which are the ones the page shows.
* `--fixtures`: `cifar10-test-200.bin` (the first 20 test images of each class, CIFAR binary
  format: label byte + 3072 CHW bytes, pixels as decoded here) and `parity-<name>.json` (PyTorch
  logits, gates and MACs for the first 8 of them, and for 2 random inputs).
* `--gallery`: PNG copies of a few test images per class, chosen by the cost the model spends on
  them (cheapest and most expensive correct one, and a misclassified one where there is one).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load_file, save_file

sys.path.insert(0, str(Path(__file__).parent))
from data import CLASSES, MEAN, STD, load_split  # noqa: E402
from model import LCNet, block_costs, runtime_cost, static_macs  # noqa: E402
from safetensors import safe_open  # noqa: E402
from train import normalize  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def build(weights: Path, gate_hidden: int):
    sd = load_file(str(weights))
    gated = any(".lnet." in k for k in sd)
    n = sum(1 for k in sd if k.endswith(".conv1.weight"))
    depth = 2 * n + 2
    with safe_open(str(weights), "pt") as f:
        meta = f.metadata() or {}
    # A recipe trained with --empty-skip says so in the weights' metadata; the card carries it to
    # the runtime (a block whose C-gates all close is skipped as a block).
    empty_skip = meta.get("empty_block") == "skip"
    model = LCNet(depth, gate_hidden=gate_hidden, gated=gated, empty_skip=empty_skip)
    model.load_state_dict(sd, strict=False)
    missing = [k for k in model.state_dict() if k not in sd and not k.endswith("batches_tracked")]
    assert not missing, missing
    model.eval()
    return model


@torch.no_grad()
def run(model: LCNet, images: np.ndarray, batch=500):
    """-> logits [N, C], per-image MACs [N], per-block gates (lists of [N] and [N, P])."""
    costs, rest = block_costs(model)
    logits, macs, gl, gc = [], [], [], []
    for i in range(0, len(images), batch):
        x = normalize(torch.from_numpy(images[i : i + batch]))
        lo, infos = model(x)
        logits.append(lo)
        if model.gated:
            macs.append(runtime_cost(infos, costs, rest))
            gl.append(torch.stack([inf["z_l"][:, 0].clamp(0, 1) for inf in infos], 1))
            gc.append([inf["z_c"].clamp(0, 1) for inf in infos])
        else:
            macs.append(torch.full((len(x),), float(static_macs(model))))
    out = {"logits": torch.cat(logits), "macs": torch.cat(macs)}
    if model.gated:
        out["l_gates"] = torch.cat(gl)  # [N, blocks]
        out["c_gates"] = [torch.cat([g[b] for g in gc]) for b in range(len(gc[0]))]
    return out


STORE = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def store(weights: Path, out: Path, dtype: str):
    """Writes the f32 weights at `weights` to `out` rounded to `dtype` (round to nearest even)."""
    sd = load_file(str(weights))
    assert all(v.dtype == torch.float32 for v in sd.values()), "expected f32 trained weights"
    with safe_open(str(weights), "pt") as f:
        meta = f.metadata()
    rounded = {k: v.to(STORE[dtype]).contiguous() for k, v in sd.items()}
    save_file(rounded, str(out), metadata=meta)


def storage_report(reference: dict, stored: dict, labels: np.ndarray, dtype: str):
    """How the rounded weights' results differ from the f32 weights' on the same images."""
    ref_pred = reference["logits"].argmax(1).numpy()
    pred = stored["logits"].argmax(1).numpy()
    return {
        "dtype": dtype,
        "f32_accuracy": float((ref_pred == labels).mean()),
        "f32_mean_macs": float(reference["macs"].mean()),
        "max_abs_logit_diff": float((reference["logits"] - stored["logits"]).abs().max()),
        "predictions_changed": int((ref_pred != pred).sum()),
    }


def card(model, name, weights: Path, dtype: str, results: dict, log: dict | None):
    return {
        "name": name,
        "config": {
            "depth": model.depth,
            "widths": model.widths,
            "num_classes": 10,
            "image_size": 32,
            "gate_hidden": next(model.blocks()).lnet.fc1.out_features if model.gated else 16,
            "gated": model.gated,
            "tau_l": 0.0,
            "tau_c": 0.0,
            "class_names": CLASSES,
            "mean": MEAN,
            "std": STD,
            "bn_eps": 1e-5,
            **({"empty_block": "skip"} if model.empty_skip else {}),
        },
        "weights_sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "weights_dtype": dtype,
        "training": log or {},
        "results": results,
    }


def subset_indices(labels: np.ndarray, per_class: int):
    idx = []
    for c in range(10):
        idx.extend(np.flatnonzero(labels == c)[:per_class].tolist())
    return np.asarray(idx)


def write_cifar_bin(path: Path, images: np.ndarray, labels: np.ndarray):
    rec = np.concatenate(
        [labels.astype(np.uint8)[:, None], images.transpose(0, 3, 1, 2).reshape(len(labels), -1)],
        axis=1,
    )
    path.write_bytes(rec.astype(np.uint8).tobytes())


def gate_record(out, i, model):
    if not model.gated:
        return None
    return {
        "l": [float(v) for v in out["l_gates"][i]],
        "c": [[float(v) for v in cg[i]] for cg in out["c_gates"]],
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--weights", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--data", default=str(ROOT.parent / "shared/datasets/cifar10-jpeg.zip"))
    p.add_argument("--gate-hidden", type=int, default=16)
    p.add_argument("--log", help="training log JSON (weights/train/log-<phase>.json)")
    p.add_argument("--fixtures")
    p.add_argument("--gallery")
    p.add_argument("--limit", type=int, default=0, help="evaluate on the first N test images")
    p.add_argument("--store", choices=sorted(STORE), default="f32", help="number type shipped")
    p.add_argument("--out", help="where the shipped weights go [default: --weights]")
    args = p.parse_args()
    torch.set_num_threads(2)

    trained = Path(args.weights)
    weights = Path(args.out) if args.out else trained
    if args.store != "f32":
        assert weights.resolve() != trained.resolve(), "--store f16/bf16 needs an --out path"
        store(trained, weights, args.store)
    model = build(weights, args.gate_hidden)
    test_x, test_y, names = load_split(args.data, "test")
    if args.limit:
        test_x, test_y, names = test_x[: args.limit], test_y[: args.limit], names[: args.limit]
    out = run(model, test_x)
    pred = out["logits"].argmax(1).numpy()
    smacs = static_macs(model)
    results = {
        "pytorch": {
            "dataset": "CIFAR-10 test (JPEG mirror), decoded with Pillow",
            "images": len(test_y),
            "accuracy": float((pred == test_y).mean()),
            "mean_macs": float(out["macs"].mean()),
            "static_macs": smacs,
            "macs_ratio": float(out["macs"].mean() / smacs),
        }
    }
    if args.store != "f32":
        reference = run(build(trained, args.gate_hidden), test_x)
        results["pytorch"]["storage"] = storage_report(reference, out, test_y, args.store)
    log = json.loads(Path(args.log).read_text()) if args.log else None
    card_path = weights.with_suffix(".json")
    doc = card(model, args.name, weights, args.store, results, log)
    card_path.write_text(json.dumps(doc, indent=1) + "\n")
    print(json.dumps(results))

    if args.fixtures:
        fx = Path(args.fixtures)
        fx.mkdir(parents=True, exist_ok=True)
        idx = subset_indices(test_y, 20)
        write_cifar_bin(fx / "cifar10-test-200.bin", test_x[idx], test_y[idx])
        sub = run(model, test_x[idx])
        sub_pred = sub["logits"].argmax(1).numpy()
        g = torch.Generator().manual_seed(7)
        rand_u8 = torch.randint(0, 256, (2, 32, 32, 3), generator=g, dtype=torch.uint8).numpy()
        rnd = run(model, rand_u8)
        parity = {
            "weights": weights.name,
            "weights_sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
            "subset": {
                "images": len(idx),
                "accuracy": float((sub_pred == test_y[idx]).mean()),
                "mean_macs": float(sub["macs"].mean()),
                "predictions": sub_pred.tolist(),
            },
            "cases": [
                {
                    "source": f"subset[{i}]",
                    "rgb": test_x[idx[i]].reshape(-1).tolist(),
                    "logits": sub["logits"][i].tolist(),
                    "macs": float(sub["macs"][i]),
                    "gates": gate_record(sub, i, model),
                }
                for i in range(0, 200, 25)
            ]
            + [
                {
                    "source": f"random[{i}] (torch.randint seed 7)",
                    "rgb": rand_u8[i].reshape(-1).tolist(),
                    "logits": rnd["logits"][i].tolist(),
                    "macs": float(rnd["macs"][i]),
                    "gates": gate_record(rnd, i, model),
                }
                for i in range(2)
            ],
        }
        (fx / f"parity-{args.name}.json").write_text(json.dumps(parity) + "\n")

    if args.gallery:
        gal = Path(args.gallery)
        gal.mkdir(parents=True, exist_ok=True)
        macs = out["macs"].numpy()
        entries = []
        for c in range(10):
            cls = np.flatnonzero(test_y == c)
            ok = cls[pred[cls] == c]
            bad = cls[pred[cls] != c]
            picks = [("easy", ok[np.argmin(macs[ok])]), ("hard", ok[np.argmax(macs[ok])])]
            if len(bad):
                picks.append(("misclassified", bad[0]))
            for kind, i in picks:
                fname = f"{CLASSES[c]}-{Path(names[i]).stem}.png"
                Image.fromarray(test_x[i]).save(gal / fname)
                entries.append(
                    {"file": fname, "label": CLASSES[c], "source": str(names[i]), "kind": kind}
                )
        (gal / "gallery.json").write_text(json.dumps(entries, indent=1) + "\n")


if __name__ == "__main__":
    main()

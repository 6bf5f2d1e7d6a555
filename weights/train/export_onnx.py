"""Exports the static ResNet behind trained weights as ONNX, for the ONNX Runtime Web comparison
in `cargo xtask bench-web -- --ort FILE`.

    pip install -r weights/train/requirements-onnx.txt
    python weights/train/export_onnx.py --weights weights/resnet56-static.safetensors \
        --out target/onnx/resnet56.onnx

The graph is the network the page's static path runs (ResNet-56: every block and every channel,
no gating networks). The page runs it with the LC-Net's backbone weights; the static baseline's
weights have the same shapes and give meaningful logits without the gates' scales, so they are
the default here. Input `input`: [1, 3, 32, 32] float32, already normalized (the benchmark
feeds random values: only the time is compared). Output `logits`: [1, 10]. BatchNorm is exported
in inference form; ONNX Runtime folds it into the convolutions when it loads the model.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

sys.path.insert(0, str(Path(__file__).parent))
from model import LCNet  # noqa: E402


class Logits(torch.nn.Module):
    def __init__(self, net: LCNet):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)[0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--weights", default="weights/resnet56-static.safetensors")
    p.add_argument("--out", required=True)
    args = p.parse_args()

    sd = load_file(args.weights)
    depth = 2 * sum(1 for k in sd if k.endswith(".conv1.weight")) + 2
    net = LCNet(depth, gated=False)
    missing, _ = net.load_state_dict(sd, strict=False)
    missing = [k for k in missing if not k.endswith("batches_tracked")]
    if missing:
        sys.exit(f"{args.weights} lacks backbone tensors: {missing[:5]}")
    model = Logits(net).eval()
    x = torch.randn(1, 3, 32, 32)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        want = model(x)
        torch.onnx.export(
            model, (x,), str(out), input_names=["input"], output_names=["logits"], dynamo=True,
            external_data=False,
        )
    print(f"wrote {out} (ResNet-{depth}, {out.stat().st_size} bytes); logits[0] {want[0, :3].tolist()}")


if __name__ == "__main__":
    main()

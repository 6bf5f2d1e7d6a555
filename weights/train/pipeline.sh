#!/usr/bin/env bash
# The full recipe behind the shipped weights. Resumable: re-run it after an interruption and it
# continues from weights/checkpoint-wip.pt (one file, overwritten as training goes).
#   bash weights/train/pipeline.sh [--data PATH]   (zip of the JPEG mirror or cifar-10-batches-bin/)
set -euo pipefail
cd "$(dirname "$0")/../.."
T=weights/train
if [ ! -f weights/resnet56-static.safetensors ]; then
  python3 $T/train.py --phase static --epochs 80 --lr 0.1 "$@" \
    --out weights/resnet56-static.safetensors
fi
if [ ! -f weights/lcnet-resnet56.safetensors ]; then
  python3 $T/train.py --phase gated --epochs 40 --lr 0.05 --target 0.35 --lam 10 --ramp 10 \
    --init weights/resnet56-static.safetensors "$@" --out weights/lcnet-resnet56.safetensors
fi
rm -f weights/checkpoint-wip.pt

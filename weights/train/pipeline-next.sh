#!/usr/bin/env bash
# The full recipe of the next demo model (issue: "the demo model, fully trained"), planned at its
# full length from the first step. Resumable across sessions: re-run it and it continues from
# weights/checkpoint-wip/state.pt (one file, overwritten as training goes); a finished phase leaves
# its output in weights/checkpoint-wip/ and is not run again.
#   bash weights/train/pipeline-next.sh [--data PATH] [--threads N]
#
# 1. Static ResNet-56, 120 epochs: Nesterov SGD, lr 0.1 (1-epoch warm-up, cosine), batch 128,
#    weight decay 5e-4 (not on BN/bias), crop+flip, cutout 16, label smoothing 0.1, EMA 0.999
#    (the EMA weights are evaluated and exported).
# 2. LC-Net from it, 30 epochs: lr 0.05 cosine, distilled from the static network (KL at T 4,
#    weight 0.7, label-smoothed CE 0.3), budget 20 * (MACs ratio - target)^2 with the target
#    lowered from 1 to 0.30 over 5 epochs, random thresholds (tau_L, tau_C each 0 or U[0, 0.2])
#    so the whole cost/accuracy curve is trained, EMA 0.999.
# Then the outputs become the shipped weights (cards, fixtures and measurements are written by
# export.py and `cargo xtask measure`, see weights/README.md) and the checkpoint folder is removed.
set -euo pipefail
cd "$(dirname "$0")/../.."
T=weights/train
W=weights/checkpoint-wip
mkdir -p $W
CK=$W/state.pt
if [ ! -f $W/resnet56-static.safetensors ]; then
  python3 $T/train.py --phase static --epochs 120 --lr 0.1 --cutout 16 --label-smoothing 0.1 \
    --ema 0.999 --ckpt $CK "$@" --out $W/resnet56-static.safetensors
fi
if [ ! -f $W/lcnet-resnet56.safetensors ]; then
  python3 $T/train.py --phase gated --epochs 30 --lr 0.05 --target 0.30 --lam 20 --ramp 5 \
    --tau-max 0.2 --teacher $W/resnet56-static.safetensors --kd-alpha 0.7 --kd-temp 4 \
    --label-smoothing 0.1 --ema 0.999 --init $W/resnet56-static.safetensors --ckpt $CK "$@" \
    --out $W/lcnet-resnet56.safetensors
fi
rm -f $CK

#!/usr/bin/env bash
# Pilot runs of the gated phase (issue "Dynamic for real"): short runs that compare recipes on
# accuracy and on how much their decisions differ per image, before the main gated run.
# 10 epochs on 10,000 evenly spread training images (780 steps, about two epochs of compute),
# evaluated on 2,000 test images; each resumable from its own checkpoint; logs in
# weights/train/pilots/. All start from the shipped static ResNet-56 and share every option
# but the ones named:
#   shape-rates:  logistic noise on the decisions (Gumbel-sigmoid, scale 0.1), cost shaping
#                 (U[-0.15, 0.15] around the target) and per-block run-rate bounds [0.1, 0.9]
#                 (weight 1) on the noisy decisions. At epoch 5 the noise alone met the bounds and
#                 the spread in training while the noise-free decisions at test time stayed
#                 nearly fixed (top path 73% of test images), so the next pilot drops the noise.
#   det-rates:    the runtime's own decisions in training (no noise; straight-through gradient
#                 of sigmoid((z - tau) / 0.3)), so the bounds and the shaping act on the
#                 decisions the page will see; rate weight 10. At epoch 5 it was dynamic (16
#                 blocks run for 10-90% of images, top path 8%) but 7 points less accurate than
#                 shape-rates, and fell to 47% at tau 0.3 (a cliff), so the next pilot keeps both:
#   hybrid:       noisy decisions in the forward pass (as shape-rates), the budget and the rate
#                 bounds (weight 10) on the runtime's noise-free decisions beside them.
#   bash weights/train/pilots.sh [--threads N]
set -euo pipefail
cd "$(dirname "$0")/../.."
T=weights/train
P=$T/pilots
mkdir -p $P weights/checkpoint-wip
common=(--phase gated --epochs 10 --subset 10000 --test-subset 2000 --eval-every 5 --lr 0.05
  --warmup 0.5 --target 0.35 --target-low 0.15 --lam 20 --ramp 3 --tau-max 0.3
  --tau-zero-prob 0.25 --cost runtime --empty-skip --cutout 16
  --teacher weights/resnet56-static.safetensors --kd-alpha 0.7 --kd-temp 4
  --label-smoothing 0.1 --ema 0.999 --init weights/resnet56-static.safetensors)
run() {
  local name=$1
  shift
  if [ ! -f $P/$name-log.json ]; then
    python3 $T/train.py "${common[@]}" "$@" --ckpt weights/checkpoint-wip/pilot-$name.pt \
      --out $P/$name.safetensors
    rm -f $P/$name.safetensors weights/checkpoint-wip/pilot-$name.pt
  fi
}
run shape-rates --gate-noise 0.1 --shape-width 0.15 --rate-bounds 0.1,0.9 "$@"
run det-rates --decision-temp 0.3 --shape-width 0.15 --rate-bounds 0.1,0.9 --rate-weight 10 "$@"
run hybrid --gate-noise 0.1 --decision-temp 0.3 --penalize runtime --shape-width 0.15 \
  --rate-bounds 0.1,0.9 --rate-weight 10 "$@"

#!/usr/bin/env bash
# The full recipe behind the shipped weights, each run planned at its full length from its first
# step, then their cards, fixtures and gallery. Resumable across sessions: re-run it and it
# continues each unfinished run from its own checkpoint, weights/checkpoint-wip/<run>.pt (one
# file per run, overwritten every 100 steps); a finished run leaves its f32 weights and log in
# weights/train/runs/ (committed, so no finished run is trained again) and is not run again.
#   bash weights/train/pipeline.sh [all|frontier|gated|export] [--data PATH] [--threads N]
# `frontier` and `gated` run one part each, so that the two can share a 2-core machine (one
# thread each); `export` only writes the shipped files; `all` (the default) does everything in
# order.
#
# 1. Static ResNet-56, 120 epochs: Nesterov SGD, lr 0.1 (1-epoch warm-up, cosine), batch 128,
#    weight decay 5e-4 (not on BN/bias), crop+flip, cutout 16, label smoothing 0.1, EMA 0.999
#    (the EMA weights are evaluated and exported). Its f32 output of 2026-12 is not kept (the
#    folder was not committed then): the shipped f16 file stands in for it (widened to f32 on
#    load, 0.02 points apart), so this step runs only when neither exists.
# 2. The static frontier: ResNet-20, -14 and -8 by exactly the recipe of step 1 (the line LC-Net
#    must beat: what a smaller network trained the same way gets).
# 3. LC-Net from the static ResNet-56, distilled from it: see GATED below (the pilots that chose
#    it: weights/train/pilots.sh and its logs in weights/train/pilots/).
# 4. Shipped as f16 with their cards (export.py), the parity fixture and the gallery; then
#    `cargo xtask measure` adds the Rust runtime's measurements, the frontier included
#    (weights/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
T=weights/train
R=$T/runs
CK=weights/checkpoint-wip
mkdir -p $R $CK
PART=all
case "${1:-}" in all | frontier | gated | export) PART=$1; shift ;; esac
DATA=()  # export.py takes the same --data
args=("$@")
for i in "${!args[@]}"; do
  if [ "${args[$i]}" = --data ]; then DATA=(--data "${args[$((i + 1))]}"); fi
done
STATIC=(--phase static --epochs 120 --lr 0.1 --cutout 16 --label-smoothing 0.1 --ema 0.999)

# Trains run $1 (weights $R/$1.safetensors) with the remaining options unless it is done.
run() {
  local name=$1
  shift
  if [ ! -f $R/$name.safetensors ]; then
    python3 $T/train.py "$@" --ckpt $CK/$name.pt "${args[@]}" --out $R/$name.safetensors
    rm -f $CK/$name.pt
  fi
}

S56=$R/resnet56-static.safetensors
[ -f $S56 ] || S56=weights/resnet56-static.safetensors
if [ ! -f $S56 ]; then
  S56=$R/resnet56-static.safetensors
  run resnet56-static "${STATIC[@]}" --depth 56
fi

if [ $PART = all ] || [ $PART = frontier ]; then
  for depth in 20 14 8; do
    run resnet$depth-static "${STATIC[@]}" --depth $depth
  done
fi

# The gated phase, chosen by the pilots (weights/README.md, weights/train/pilots/): the runtime's
# own decisions in training (no noise; straight-through gradient of sigmoid((z - tau) / 0.3)),
# per-image cost shaping around a target that falls with the thresholds, per-block run-rate
# bounds rising over the same 10 epochs as the budget.
GATED=(--phase gated --epochs 60 --lr 0.05 --warmup 1 --ramp 10 --target 0.35 --target-low 0.15
  --lam 20 --tau-max 0.3 --tau-zero-prob 0.25 --cost runtime --decision-temp 0.3
  --shape-width 0.2 --rate-bounds 0.1,0.9 --rate-weight 10 --rate-ramp 10 --empty-skip
  --cutout 16 --teacher $S56 --kd-alpha 0.7 --kd-temp 4 --label-smoothing 0.1 --ema 0.999
  --init $S56)
if [ $PART = all ] || [ $PART = gated ]; then
  run lcnet-resnet56 "${GATED[@]}"
fi
if [ $PART = frontier ] || [ $PART = gated ]; then
  exit 0
fi

rmdir $CK 2>/dev/null || true
for name in resnet56-static resnet20-static resnet14-static resnet8-static lcnet-resnet56; do
  if [ -f $R/$name-log.json ]; then cp $R/$name-log.json weights/$name-log.json; fi
done
if [ -f $R/resnet56-static.safetensors ]; then
  python3 $T/export.py --weights $R/resnet56-static.safetensors --name resnet56-static \
    "${DATA[@]}" --store f16 --out weights/resnet56-static.safetensors \
    --log weights/resnet56-static-log.json
fi
for depth in 20 14 8; do
  python3 $T/export.py --weights $R/resnet$depth-static.safetensors --name resnet$depth-static \
    "${DATA[@]}" --store f16 --out weights/resnet$depth-static.safetensors \
    --log weights/resnet$depth-static-log.json
done
rm -f weights/gallery/*.png
python3 $T/export.py --weights $R/lcnet-resnet56.safetensors --name lcnet-resnet56 "${DATA[@]}" \
  --store f16 --out weights/lcnet-resnet56.safetensors --log weights/lcnet-resnet56-log.json \
  --fixtures crate/tests/fixtures --gallery weights/gallery

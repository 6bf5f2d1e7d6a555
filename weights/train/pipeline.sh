#!/usr/bin/env bash
# The full recipe behind the shipped ResNet-56 weights, planned at its full length from the first
# step, then their cards, fixtures and gallery. Resumable across sessions: re-run it and it
# continues from weights/checkpoint-wip/state.pt (one file, overwritten every 100 steps); a
# finished phase leaves its f32 weights and log in weights/train/runs/ and is not run again.
#   bash weights/train/pipeline.sh [--data PATH] [--threads N]
#
# 1. Static ResNet-56, 120 epochs: Nesterov SGD, lr 0.1 (1-epoch warm-up, cosine), batch 128,
#    weight decay 5e-4 (not on BN/bias), crop+flip, cutout 16, label smoothing 0.1, EMA 0.999
#    (the EMA weights are evaluated and exported).
# 2. LC-Net from it, 30 epochs: lr 0.05 cosine, distilled from the static network (KL at T 4,
#    weight 0.7, label-smoothed CE 0.3), budget 20 * (MACs ratio - target)^2 with the target
#    lowered from 1 to 0.30 over 5 epochs, random thresholds (tau_L, tau_C each 0 or U[0, 0.2])
#    so the whole cost/accuracy curve is trained, EMA 0.999.
# 3. Shipped as f16 with their cards (export.py), the parity fixture and the gallery; then
#    `cargo xtask measure` adds the Rust runtime's measurements (weights/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
T=weights/train
R=$T/runs
CK=weights/checkpoint-wip/state.pt
mkdir -p $R "$(dirname $CK)"
DATA=()  # export.py takes the same --data
args=("$@")
for i in "${!args[@]}"; do
  if [ "${args[$i]}" = --data ]; then DATA=(--data "${args[$((i + 1))]}"); fi
done
if [ ! -f $R/resnet56-static.safetensors ]; then
  python3 $T/train.py --phase static --epochs 120 --lr 0.1 --cutout 16 --label-smoothing 0.1 \
    --ema 0.999 --ckpt $CK "$@" --out $R/resnet56-static.safetensors
fi
if [ ! -f $R/lcnet-resnet56.safetensors ]; then
  python3 $T/train.py --phase gated --epochs 30 --lr 0.05 --target 0.30 --lam 20 --ramp 5 \
    --tau-max 0.2 --teacher $R/resnet56-static.safetensors --kd-alpha 0.7 --kd-temp 4 \
    --label-smoothing 0.1 --ema 0.999 --init $R/resnet56-static.safetensors --ckpt $CK "$@" \
    --out $R/lcnet-resnet56.safetensors
fi
rm -rf weights/checkpoint-wip
for name in resnet56-static lcnet-resnet56; do
  cp $R/$name-log.json weights/$name-log.json
done
python3 $T/export.py --weights $R/resnet56-static.safetensors --name resnet56-static "${DATA[@]}" \
  --store f16 --out weights/resnet56-static.safetensors --log weights/resnet56-static-log.json
rm -f weights/gallery/*.png
python3 $T/export.py --weights $R/lcnet-resnet56.safetensors --name lcnet-resnet56 "${DATA[@]}" \
  --store f16 --out weights/lcnet-resnet56.safetensors --log weights/lcnet-resnet56-log.json \
  --fixtures crate/tests/fixtures --gallery weights/gallery

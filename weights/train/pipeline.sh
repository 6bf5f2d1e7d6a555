#!/usr/bin/env bash
# The full recipe behind the shipped weights. Resumable: re-run it after an interruption and it
# continues from weights/checkpoint-wip.pt (one file, overwritten as training goes).
#   bash weights/train/pipeline.sh [--data PATH]   (zip of the JPEG mirror or cifar-10-batches-bin/)
#
# Phase 1 began as an 80-epoch cosine run on a machine with bf16 instructions (~600 img/s); the
# next machine had none (93 img/s in fp32), so at global step 13170 (epoch 33.8) the schedule was
# shortened to 38 epochs (`--first-schedule 80:13170` replays exactly that) and phase 2 to 3.
# Phase 2's output is an intermediate (weights/train/runs/, not committed); its log is kept inside
# weights/lcnet-resnet56-log.json as `init_log`.
set -euo pipefail
cd "$(dirname "$0")/../.."
T=weights/train
if [ ! -f weights/resnet56-static.safetensors ]; then
  python3 $T/train.py --phase static --epochs 38 --first-schedule 80:13170 --lr 0.1 "$@" \
    --out weights/resnet56-static.safetensors
fi
R=weights/train/runs
if [ ! -f $R/lcnet-resnet56-phase2.safetensors ] && [ ! -f weights/lcnet-resnet56.safetensors ]; then
  python3 $T/train.py --phase gated --epochs 3 --lr 0.02 --target 0.35 --lam 20 --ramp 1.2 \
    --init weights/resnet56-static.safetensors "$@" --out $R/lcnet-resnet56-phase2.safetensors
fi
# Phase 3: gated fine-tune of the whole network at a tighter budget (run with --threads 1 beside
# other work; ~850 s per epoch here).
if [ ! -f weights/lcnet-resnet56.safetensors ]; then
  python3 $T/train.py --phase gated --epochs 6 --lr 0.02 --warmup 0.3 --target 0.33 --lam 20 \
    --ramp 0.01 --init $R/lcnet-resnet56-phase2.safetensors --eval-every 2 "$@" \
    --out weights/lcnet-resnet56.safetensors
fi
rm -f weights/checkpoint-wip.pt

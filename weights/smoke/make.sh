#!/usr/bin/env bash
# A depth-8 LC-Net trained for 3 epochs by the same recipe (its logs: 368 + 424 + 407 s of
# training, about 20 minutes on 2 cores): small enough to commit and to run in every test, real
# enough to exercise the whole pipeline. It is
# not the demo model (weights/lcnet-resnet56.*); it is what tests run when that is absent.
set -euo pipefail
cd "$(dirname "$0")/../.."
T=weights/train
S=weights/smoke
CK=$(mktemp -u /tmp/lcnet-smoke-XXXX.pt)
python3 $T/train.py --phase static --depth 8 --epochs 1 --ckpt "$CK" --out $S/resnet8-static.safetensors "$@"
python3 $T/train.py --phase gated --depth 8 --epochs 2 --ramp 1 --eval-every 1 --ckpt "$CK" \
  --init $S/resnet8-static.safetensors --out $S/lcnet-resnet8.safetensors "$@"
rm -f "$CK"
python3 $T/export.py --weights $S/resnet8-static.safetensors --name resnet8-static \
  --log $S/resnet8-static-log.json
python3 $T/export.py --weights $S/lcnet-resnet8.safetensors --name lcnet-resnet8 \
  --log $S/lcnet-resnet8-log.json --fixtures crate/tests/fixtures --gallery weights/gallery

"""CIFAR-10 loading for the LC-Net training recipe.

Reads either the JPEG mirror zip (`train/<class>/NNNN.jpg`, `test/<class>/NNNN.jpg`) or the
official binary release (`cifar-10-batches-bin/`), decodes once and caches uint8 arrays
(N, 32, 32, 3) next to the user's cache, never inside the repository.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

CLASSES = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
]

# Channel statistics of the CIFAR-10 training set (the usual constants); the Rust side reads them
# from the exported JSON, so they are written down in exactly one place per model.
MEAN = [0.4914, 0.4822, 0.4465]
STD = [0.2470, 0.2435, 0.2616]


def _cache_dir() -> Path:
    d = Path(os.environ.get("LCNET_CACHE", Path.home() / ".cache" / "lcnet"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def _load_zip(path: Path, split: str):
    images, labels, names = [], [], []
    with zipfile.ZipFile(path) as z:
        entries = sorted(
            n for n in z.namelist() if n.startswith(split + "/") and n.lower().endswith(".jpg")
        )
        for name in entries:
            cls = name.split("/")[1]
            with z.open(name) as f:
                img = Image.open(io.BytesIO(f.read())).convert("RGB")
            if img.size != (32, 32):
                img = img.resize((32, 32), Image.BILINEAR)
            images.append(np.asarray(img, dtype=np.uint8))
            labels.append(CLASSES.index(cls))
            names.append(name)
    return np.stack(images), np.asarray(labels, dtype=np.int64), names


def _load_bin(path: Path, split: str):
    files = (
        [path / f"data_batch_{i}.bin" for i in range(1, 6)]
        if split == "train"
        else [path / "test_batch.bin"]
    )
    raw = np.concatenate([np.fromfile(f, dtype=np.uint8).reshape(-1, 3073) for f in files])
    labels = raw[:, 0].astype(np.int64)
    images = raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()
    names = [f"{split}/{i}" for i in range(len(labels))]
    return images, labels, names


def load_split(data: str | Path, split: str):
    """Returns (images uint8 [N,32,32,3], labels int64 [N], names) for `train` or `test`."""
    data = Path(data)
    key = hashlib.sha256(f"{data.resolve()}:{split}:v1".encode()).hexdigest()[:16]
    cache = _cache_dir() / f"cifar10-{split}-{key}.npz"
    if cache.exists():
        z = np.load(cache, allow_pickle=False)
        return z["images"], z["labels"], list(z["names"])
    if data.is_dir():
        images, labels, names = _load_bin(data, split)
    else:
        images, labels, names = _load_zip(data, split)
    np.savez(cache, images=images, labels=labels, names=np.asarray(names))
    return images, labels, names

"""Writes camera.y4m: the fake camera clip of tests/browser/camera.test.mjs.

160x120 YUV4MPEG2 (4:2:0, C420jpeg), 6 frames at 10 frames/s: a bright disc moving over a
blue-to-green gradient, so that consecutive frames differ. Chromium loops it.
    python3 tests/browser/media/make-clip.py
"""

from pathlib import Path

W, H, FRAMES = 160, 120, 6


def yuv(r, g, b):
    y = 0.299 * r + 0.587 * g + 0.114 * b
    return y, 128 + 0.564 * (b - y), 128 + 0.713 * (r - y)


def clamp(v):
    return max(0, min(255, int(round(v))))


out = bytearray(f"YUV4MPEG2 W{W} H{H} F10:1 Ip A1:1 C420jpeg\n".encode())
for f in range(FRAMES):
    cx, cy, rad = 30 + 20 * f, 60, 22
    rgb = [
        [(255, 220, 40) if (x - cx) ** 2 + (y - cy) ** 2 < rad * rad else (20, 60 + y, 200 - x)
         for x in range(W)]
        for y in range(H)
    ]
    ys = bytes(clamp(yuv(*rgb[y][x])[0]) for y in range(H) for x in range(W))
    # Chroma at half resolution: the mean of each 2x2 block.
    us, vs = bytearray(), bytearray()
    for y in range(0, H, 2):
        for x in range(0, W, 2):
            px = [yuv(*rgb[y + dy][x + dx]) for dy in (0, 1) for dx in (0, 1)]
            us.append(clamp(sum(p[1] for p in px) / 4))
            vs.append(clamp(sum(p[2] for p in px) / 4))
    out += b"FRAME\n" + ys + us + vs
Path(__file__).with_name("camera.y4m").write_bytes(out)
print(f"wrote camera.y4m ({len(out)} bytes)")

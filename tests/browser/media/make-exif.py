"""Writes the EXIF orientation fixtures of tests/browser/inputs.test.mjs:
exif-upright.jpg (a 96x64 picture, upright: red left half, blue right half, white bar on top)
and exif-6.jpg (the same picture stored turned 90 degrees counter-clockwise, with EXIF
orientation 6 saying "turn it clockwise to show it", as a phone held upright writes).
    python3 tests/browser/media/make-exif.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

here = Path(__file__).parent
img = Image.new("RGB", (96, 64), (220, 30, 30))
d = ImageDraw.Draw(img)
d.rectangle([48, 0, 95, 63], fill=(30, 30, 220))
d.rectangle([0, 0, 95, 15], fill=(245, 245, 245))
img.save(here / "exif-upright.jpg", quality=95)
exif = Image.Exif()
exif[0x0112] = 6
img.transpose(Image.Transpose.ROTATE_90).save(here / "exif-6.jpg", quality=95, exif=exif.tobytes())
print("wrote exif-upright.jpg and exif-6.jpg")

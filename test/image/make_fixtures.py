"""Image fixtures for test/image/*.test.ts, made by PIL (the reference decoder, libjpeg-turbo):
each file next to PIL's own RGBA decoding of it (<name>.rgba, [height, width, 4] bytes) and a line
in manifest.json. Tiny on purpose (53x37); run: python3 make_fixtures.py OUT_DIR."""
import json
import sys

import numpy as np
from PIL import Image, ImageOps

out = sys.argv[1]
h, w = 37, 53
y, x = np.mgrid[0:h, 0:w]
rng = np.random.default_rng(0)
# Gradients plus noise: chroma subsampling and IDCT rounding show on every pixel.
rgb = np.stack([(x * 4) % 256, (y * 6) % 256, (x * y + rng.integers(0, 60, (h, w))) % 256], -1).astype('uint8')
base = Image.fromarray(rgb, 'RGB')
manifest = []


def add(name, what, reference=None):
    im = Image.open(f'{out}/{name}')
    ref = reference if reference is not None else im.convert('RGBA')
    if isinstance(ref, Image.Image):
        data, (rw, rh) = ref.tobytes(), ref.size
    else:
        data, (rh, rw) = ref.tobytes(), ref.shape[:2]
    with open(f'{out}/{name}.rgba', 'wb') as f:
        f.write(data)
    manifest.append({'file': name, 'what': what, 'format': im.format.lower(), 'mode': im.mode,
                     'width': im.size[0], 'height': im.size[1], 'refWidth': rw, 'refHeight': rh})


base.save(f'{out}/s420.jpg', quality=90, subsampling=2)
add('s420.jpg', 'JPEG 4:2:0 (PIL default)')
base.save(f'{out}/s444.jpg', quality=90, subsampling=0)
add('s444.jpg', 'JPEG 4:4:4')
base.save(f'{out}/progressive.jpg', quality=85, progressive=True)
add('progressive.jpg', 'progressive JPEG')
base.convert('L').save(f'{out}/grey.jpg', quality=90)
add('grey.jpg', 'one-component JPEG')
base.convert('CMYK').save(f'{out}/cmyk.jpg', quality=95)
add('cmyk.jpg', 'CMYK JPEG (Adobe)')
exif = Image.Exif()
exif[0x0112] = 6
base.save(f'{out}/orient6.jpg', quality=95, subsampling=0, exif=exif.tobytes())
add('orient6.jpg', 'JPEG with EXIF orientation 6', ImageOps.exif_transpose(Image.open(f'{out}/orient6.jpg')).convert('RGBA'))
base.quantize(16).save(f'{out}/palette.png')
add('palette.png', 'palette PNG')
pal = base.quantize(16)
pal.info['transparency'] = 3
pal.save(f'{out}/palette-trns.png', transparency=3)
add('palette-trns.png', 'palette PNG with a transparent entry')
la = Image.merge('LA', [base.convert('L'), Image.fromarray(((x * 5) % 256).astype('uint8'))])
la.save(f'{out}/grey-alpha.png')
add('grey-alpha.png', 'grey + alpha PNG')
v16 = (rgb[..., 0].astype('uint16') * 257 + (x * 3).astype('uint16')).astype('uint16')
Image.fromarray(v16, 'I;16').save(f'{out}/grey16.png')
# PIL holds 16-bit grey as 32-bit 'I' and its convert('L') clips instead of scaling, so the
# reference takes PIL's 16-bit values to 8 bits by their high byte, as PIL does for 16-bit RGB.
g8 = (np.array(Image.open(f'{out}/grey16.png')).astype('uint32') >> 8).astype('uint8')
add('grey16.png', '16-bit grey PNG', np.stack([g8, g8, g8, np.full_like(g8, 255)], -1))
base.save(f'{out}/lossy.webp', quality=80)
add('lossy.webp', 'lossy WebP')
base.quantize(32).save(f'{out}/anim.gif', save_all=True, append_images=[Image.new('P', (w, h))], duration=100)
add('anim.gif', 'GIF, two frames (the first is read)')
base.save(f'{out}/plain.tiff')
add('plain.tiff', 'TIFF')
base.save(f'{out}/plain.bmp')
add('plain.bmp', 'BMP (refused: not in sharp\'s prebuilt libvips)')

with open(f'{out}/manifest.json', 'w') as f:
    json.dump(manifest, f, indent=1)

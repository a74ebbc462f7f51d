/** Small image-folder datasets written into temp folders for the folder-dataset tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** RGBA bytes [h, w, 4] from a pixel function (opaque unless it returns an alpha). */
export function rgba(w: number, h: number, px: (x: number, y: number) => [number, number, number, number?]): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b, a] = px(x, y);
      out.set([r, g, b, a ?? 255], (y * w + x) * 4);
    }
  }
  return out;
}

/** Write a PNG: colour type 0 (grey) when `grey`, else 6 (RGBA). */
export function writePng(file: string, w: number, h: number, data: Uint8Array, grey = false): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const png = new PNG({ width: w, height: h });
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(png.data);
  writeFileSync(file, PNG.sync.write(png, grey ? { colorType: 0 } : { colorType: 6 }));
}

export function writeJpeg(file: string, w: number, h: number, data: Uint8Array, quality = 100): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, jpeg.encode({ data: Buffer.from(data), width: w, height: h }, quality).data);
}

/**
 * Image `id` of a class: a flat grey (or coloured) image whose value encodes the id, so a test
 * can tell which file an image in a set came from.
 */
export function idImage(id: number, w = 8, h = 8, colour = false): Uint8Array {
  const v = 10 + id * 3;
  return rgba(w, h, () => (colour ? [v, 255 - v, (v * 7) % 256] : [v, v, v]));
}

/** classes[c] images per class folder `names[c]` under `dir`, as grey PNGs with ids from `start`. */
export function writeClasses(dir: string, names: string[], perClass: number, opts: { start?: number; size?: [number, number]; colour?: boolean } = {}): number {
  let id = opts.start ?? 0;
  const [h, w] = opts.size ?? [8, 8];
  for (const name of names) {
    for (let i = 0; i < perClass; i++, id++) writePng(path.join(dir, name, `img${String(i).padStart(3, '0')}.png`), w, h, idImage(id, w, h, opts.colour), !opts.colour);
  }
  return id;
}

/**
 * The decoded-image cache of folder datasets, so epochs and later commands do not decode again.
 * Entries are keyed by a hash of the file list (paths, sizes, mtimes), so changing, adding or
 * removing an image makes a new entry. Two kinds, both written atomically:
 *  - `<key>.scan.json`: what the image headers say (most common size, grey or not, unreadable headers);
 *  - `<key>-<H>x<W>.bin`: 'ICMIXFC1', a uint32 (LE) JSON header length, the JSON header, then the
 *    resized RGBA bytes [kept, H, W, 4] of every file that decoded, in file-list order.
 * A damaged or foreign entry reads as missing, so it is rebuilt.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';

/** Bump when the decoding, the resize or the format changes, so old entries are not reused. */
export const FOLDER_CACHE_VERSION = 3; // 2: truncated PNGs are bad files; 3: decoded by sharp (libjpeg-turbo, EXIF orientation), pixel limit in the key
const MAGIC = 'ICMIXFC1';

/** A file the loader could not use: its path relative to the dataset folder and why. */
export interface BadFile {
  index: number;
  rel: string;
  reason: string;
}

export interface FolderScan {
  /** [h, w]: the most common size. */
  imageSize: [number, number];
  /** How many readable files have that size. */
  sizeCount: number;
  grey: boolean;
  bad: BadFile[];
}

export interface FolderPixels {
  imageSize: [number, number];
  /** Every readable file stores one grey channel. */
  grey: boolean;
  /** Files that did not decode, by file-list index. */
  bad: BadFile[];
  /** [kept, H, W, 4] RGBA bytes of the other files, in file-list order. */
  rgba: Uint8Array;
}

/** The folder the cache lives in: `dir`, $ICMIX_CACHE_DIR, $XDG_CACHE_HOME/icmix or ~/.cache/icmix. */
export function folderCacheRoot(dir?: string): string {
  if (dir) return path.resolve(dir);
  if (process.env.ICMIX_CACHE_DIR) return path.resolve(process.env.ICMIX_CACHE_DIR);
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'icmix');
}

/** The key of a file list: sha256 over the folder, each file's path, size and mtime, the pixel limit and the cache version. */
export function folderCacheKey(root: string, files: { rel: string; size: number; mtimeMs: number }[], maxImagePixels?: number): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: FOLDER_CACHE_VERSION, root, ...(maxImagePixels !== undefined ? { maxImagePixels } : {}) }));
  for (const f of files) h.update(`\n${f.rel}\u0000${f.size}\u0000${f.mtimeMs}`);
  return `folder-${h.digest('hex').slice(0, 32)}`;
}

export function scanFile(cacheRoot: string, key: string): string {
  return path.join(cacheRoot, `${key}.scan.json`);
}

export function pixelsFile(cacheRoot: string, key: string, size: [number, number]): string {
  return path.join(cacheRoot, `${key}-${size[0]}x${size[1]}.bin`);
}

export async function readScan(file: string): Promise<FolderScan | undefined> {
  try {
    const j = JSON.parse(await fs.readFile(file, 'utf8')) as FolderScan & { version?: number };
    if (j.version !== FOLDER_CACHE_VERSION || !Array.isArray(j.imageSize) || !Array.isArray(j.bad)) return undefined;
    return { imageSize: j.imageSize, sizeCount: j.sizeCount, grey: j.grey, bad: j.bad };
  } catch {
    return undefined;
  }
}

export async function writeScan(file: string, scan: FolderScan): Promise<void> {
  await writeFileAtomic(file, JSON.stringify({ version: FOLDER_CACHE_VERSION, ...scan }) + '\n');
}

/** The cached pixels, or undefined when the entry is missing, damaged or for `expectKept` other files. */
export async function readPixels(file: string, fileCount: number): Promise<FolderPixels | undefined> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch {
    return undefined;
  }
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) return undefined;
  const len = buf.readUInt32LE(8);
  if (12 + len > buf.length) return undefined;
  let head: { version?: number; imageSize: [number, number]; grey: boolean; bad: BadFile[] };
  try {
    head = JSON.parse(buf.toString('utf8', 12, 12 + len));
  } catch {
    return undefined;
  }
  if (head.version !== FOLDER_CACHE_VERSION || !Array.isArray(head.bad)) return undefined;
  const [h, w] = head.imageSize;
  const rgba = new Uint8Array(buf.buffer, buf.byteOffset + 12 + len, buf.length - 12 - len);
  if (rgba.length !== (fileCount - head.bad.length) * h * w * 4) return undefined;
  return { imageSize: [h, w], grey: head.grey, bad: head.bad, rgba };
}

export async function writePixels(file: string, px: FolderPixels): Promise<void> {
  const head = Buffer.from(JSON.stringify({ version: FOLDER_CACHE_VERSION, imageSize: px.imageSize, grey: px.grey, bad: px.bad }), 'utf8');
  const pre = Buffer.alloc(12);
  pre.write(MAGIC, 0, 'latin1');
  pre.writeUInt32LE(head.length, 8);
  await writeFileAtomic(file, Buffer.concat([pre, head, px.rgba]));
}

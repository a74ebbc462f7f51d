/**
 * Folder datasets (`--dataset folder:<dir>`): image files in one subfolder per class, decoded
 * once (the image room, src/image), resized with the one bilinear resize to a common size, cached (folder-cache.ts)
 * and turned into ImageSets. Without a test/ folder a seeded, stratified share of train/ becomes
 * the test set; that seed is fixed, so the test set is a property of the folder, not of a run.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ImageShape } from '../types.js';
import { admitImage, DECODE_CONCURRENCY, DEFAULT_MAX_IMAGE_PIXELS, decodeImage, IMAGE_EXTENSIONS, isGrey, mapLimited, resizeBilinear, type ImageSource } from '../image/index.js';
import { rgbaToPixels } from '../../web/preprocess.js';
import { IcmixError } from '../util/errors.js';
import type { OnProgress } from '../util/progress-event.js';
import { renderProgress } from '../util/progress.js';
import { checkNumber, describeRule, type NumberRule } from '../util/ranges.js';
import { Rng } from '../util/rng.js';
import {
  folderCacheKey,
  folderCacheRoot,
  pixelsFile,
  readPixels,
  readScan,
  scanFile,
  writePixels,
  writeScan,
  type BadFile,
  type FolderPixels,
  type FolderScan,
} from './folder-cache.js';
import { scanFolderLayout, type FolderFile, type FolderLayout, type FolderSplit } from './folder-layout.js';
import { indicesByClass, subset, type ImageSet } from './image-set.js';

export interface FolderOptions {
  /** [h, w] every image is resized to; default: the most common size among the files. */
  imageSize?: number[];
  /** 1 (grey) or 3 (RGB); default: 1 when every file is grey, else 3. */
  channels?: number;
  /** Stop at the first file that does not decode instead of skipping it. */
  strict?: boolean;
  /** Most width x height pixels a file may declare; larger files are refused from their header, before decoding (default DEFAULT_MAX_IMAGE_PIXELS). */
  maxImagePixels?: number;
  /** Where decoded images are cached (default: folderCacheRoot()). */
  cacheDir?: string;
  /** Scan and decode progress, notes on skipped files; default: rendered on stderr. */
  onProgress?: OnProgress;
  /**
   * Only these files (a run's record of what it trained with): files added since are left out
   * with a note, and a recorded file that is gone stops the load, so the seeded test split a run
   * trained with is the one every later command sees.
   */
  only?: readonly FolderFileId[];
  /** An evaluation folder: the test set is all of it (or its test/, which may stand alone). */
  whole?: boolean;
}

/** A file of a folder dataset by identity: its path in the folder and its size in bytes. */
export interface FolderFileId {
  rel: string;
  size: number;
}

/** The allowed values of the folder options (the CLI's --image-size and --channels use them). */
export const FOLDER_RULES: { readonly imageSize: NumberRule; readonly channels: NumberRule; readonly maxImagePixels: NumberRule } = {
  imageSize: { type: 'int', min: 1, max: 4096, list: true },
  channels: { type: 'int', values: [1, 3] },
  maxImagePixels: { type: 'int', min: 1 },
};

/** A file in the folder: the skip note and --strict's error name it and say what to do, so the reason is bare. */
const FOLDER_FILE: ImageSource = {
  subject: 'the file',
  resend: () => '',
  tooLarge: 'shrink it, or raise --max-image-pixels',
  limitName: '--max-image-pixels allows',
};

/** Share of each class held out as the test set when the folder has no test/. */
export const FOLDER_TEST_FRACTION = 0.2;
export const FOLDER_SPLIT_SEED = 0;
/** Bad files named in the skip note; the rest are counted. */
const NAMED_BAD = 5;

export interface FolderDataset {
  train: ImageSet;
  test: ImageSet;
  /** From a val/ folder, when there is one. */
  val?: ImageSet;
  root: string;
  /** 'folders' when test/ exists, else how the test set was drawn from train/ (or, `whole`, what it is). */
  testSplit: string;
  /** Every file listed (before decoding), by identity: what a run records. */
  files: FolderFileId[];
  skipped: BadFile[];
  cache: { file: string; hit: boolean; decoded: number };
}

/** Parse '32x48' (height x width; '32' = 32x32) or [h, w] into [h, w]; throws naming `flag` otherwise. */
export function parseImageSize(v: unknown, flag = '--image-size'): [number, number] {
  const parts = Array.isArray(v) ? v : typeof v === 'number' ? [v, v] : String(v).trim().toLowerCase().split('x');
  const nums = parts.map((p) => (typeof p === 'string' && /^\s*\d+\s*$/.test(p) ? Number(p) : p));
  if (nums.length === 1) nums.push(nums[0]);
  if (nums.length !== 2) throw new IcmixError(`${flag} must be a ${describeRule(FOLDER_RULES.imageSize)}, two of them written HxW (height x width, e.g. 64x64), got ${JSON.stringify(v)}`);
  checkNumber(nums, FOLDER_RULES.imageSize, flag);
  return nums as [number, number];
}

function checkOptions(opts: FolderOptions): void {
  if (opts.imageSize !== undefined) parseImageSize(opts.imageSize, 'imageSize');
  if (opts.channels !== undefined) checkNumber(opts.channels, FOLDER_RULES.channels, 'channels');
  if (opts.maxImagePixels !== undefined) checkNumber(opts.maxImagePixels, FOLDER_RULES.maxImagePixels, 'maxImagePixels');
}

/** The most common [h, w] (ties: the larger area, then the taller). */
function mostCommonSize(sizes: [number, number][]): { size: [number, number]; count: number } {
  const counts = new Map<string, { size: [number, number]; count: number }>();
  for (const s of sizes) {
    const k = `${s[0]}x${s[1]}`;
    const c = counts.get(k) ?? { size: s, count: 0 };
    c.count++;
    counts.set(k, c);
  }
  const all = [...counts.values()].sort((a, b) => b.count - a.count || b.size[0] * b.size[1] - a.size[0] * a.size[1] || b.size[0] - a.size[0]);
  return all[0];
}

function badNote(root: string, bad: BadFile[], strictHint: boolean): string {
  const named = bad.slice(0, NAMED_BAD).map((b) => `${b.rel} (${b.reason})`);
  const more = bad.length > NAMED_BAD ? `, and ${bad.length - NAMED_BAD} more` : '';
  return `folder ${root}: skipped ${bad.length} file${bad.length === 1 ? '' : 's'} that would not decode: ${named.join('; ')}${more}${strictHint ? '; pass --strict to stop on them instead' : ''}`;
}

function reasonOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 200);
}

async function readFileBytes(file: string): Promise<Uint8Array> {
  return new Uint8Array(await fs.readFile(file));
}

/** Header pass: sizes, grey, unreadable headers. Strict stops at the first bad one. */
async function scanHeaders(layout: FolderLayout, strict: boolean, maxPixels: number, report: OnProgress): Promise<FolderScan> {
  const sizes: [number, number][] = [];
  const bad: BadFile[] = [];
  let grey = true;
  const task = `reading ${layout.files.length} image headers`;
  for (const [index, f] of layout.files.entries()) {
    try {
      const h = await admitImage(await readFileBytes(path.join(layout.root, f.rel)), { maxPixels, source: FOLDER_FILE });
      sizes.push([h.height, h.width]); // as stored: an EXIF quarter turn is not read from the header
      grey &&= isGrey(h);
    } catch (e) {
      if (strict) throw strictError(layout.root, f, e);
      bad.push({ index, rel: f.rel, reason: reasonOf(e) });
    }
    report({ task, done: index + 1, total: layout.files.length });
  }
  report({ task, finished: true, message: `read ${layout.files.length} image headers` });
  if (sizes.length === 0) throw new IcmixError(`folder dataset: none of the ${layout.files.length} image files in ${layout.root} could be read; ${badNote(layout.root, bad, false)}`);
  const common = mostCommonSize(sizes);
  return { imageSize: common.size, sizeCount: common.count, grey: sizes.length > 0 && grey, bad };
}

function strictError(root: string, f: FolderFile, e: unknown): IcmixError {
  return new IcmixError(`folder dataset: ${path.join(root, f.rel)} does not decode (${reasonOf(e)}); fix or remove it, or drop --strict to skip such files`);
}

/** Decode pass: every file not already known bad, resized to `size`, into one RGBA buffer. */
async function decodeAll(layout: FolderLayout, size: [number, number], known: BadFile[], strict: boolean, maxPixels: number, report: OnProgress): Promise<{ px: FolderPixels; decoded: number }> {
  const [H, W] = size;
  const per = H * W * 4;
  const knownBad = new Set(known.map((b) => b.index));
  const bad: BadFile[] = [...known];
  const rgba = new Uint8Array((layout.files.length - known.length) * per);
  let kept = 0;
  let decoded = 0;
  let grey = true;
  const task = `decoding ${layout.files.length} images to ${H}x${W}`;
  // A few files at a time (sharp decodes on libuv's threads), then taken in file order, so a
  // strict load stops at the same file as a one-by-one pass would.
  const decodeOne = async (f: FolderFile): Promise<Uint8Array | { error: unknown }> => {
    try {
      const img = await decodeImage(await readFileBytes(path.join(layout.root, f.rel)), { maxPixels, source: FOLDER_FILE });
      grey &&= isGrey(img.header);
      return resizeBilinear(img.data, img.height, img.width, 4, H, W);
    } catch (error) {
      return { error };
    }
  };
  const todo = [...layout.files.entries()].filter(([index]) => !knownBad.has(index));
  for (let at = 0; at < todo.length; at += DECODE_CONCURRENCY * 4) {
    const window = todo.slice(at, at + DECODE_CONCURRENCY * 4);
    const results = await mapLimited(window, ([, f]) => decodeOne(f));
    for (const [k, [index, f]] of window.entries()) {
      const r = results[k];
      if (r instanceof Uint8Array) {
        decoded++;
        rgba.set(r, kept * per);
        kept++;
      } else {
        if (strict) throw strictError(layout.root, f, r.error);
        bad.push({ index, rel: f.rel, reason: reasonOf(r.error) });
      }
    }
    report({ task, done: window[window.length - 1][0] + 1, total: layout.files.length });
  }
  report({ task, finished: true, message: `decoded ${decoded} images to ${H}x${W}` });
  bad.sort((a, b) => a.index - b.index);
  return { px: { imageSize: size, grey: kept > 0 && grey, bad, rgba: rgba.subarray(0, kept * per) }, decoded };
}

/** Indices (ascending) of a seeded, stratified test share of `set`; classes of one image stay in train. */
function testIndices(set: ImageSet): { test: number[]; train: number[] } {
  const test: number[] = [];
  const train: number[] = [];
  const rng = new Rng(FOLDER_SPLIT_SEED).fork('folder-test-split');
  for (const [c, ix] of indicesByClass(set).entries()) {
    const order = rng.fork(`class-${c}`).shuffle(Int32Array.from(ix));
    const k = order.length >= 2 ? Math.max(1, Math.round(order.length * FOLDER_TEST_FRACTION)) : 0;
    test.push(...order.subarray(0, k));
    train.push(...order.subarray(k));
  }
  const asc = (a: number, b: number) => a - b;
  return { test: test.sort(asc), train: train.sort(asc) };
}

/**
 * Read a folder dataset. Throws an IcmixError naming the folder for an empty class, a class only
 * in one split, a single class, or (with `strict`) the first file that does not decode.
 */
export async function readImageFolder(dir: string, opts: FolderOptions = {}): Promise<FolderDataset> {
  checkOptions(opts);
  const report = opts.onProgress ?? renderProgress({ prefix: 'icmix: ' });
  const root = path.resolve(dir);
  const layout = await scanFolderLayout(root, { testOnly: opts.whole });
  let stats = await Promise.all(layout.files.map(async (f) => fs.stat(path.join(root, f.rel))));
  if (opts.only) stats = keepRecorded(layout, stats, opts.only, report);
  // The pixel limit is in the key: it decides which files are bad.
  const key = folderCacheKey(root, layout.files.map((f, i) => ({ rel: f.rel, size: stats[i].size, mtimeMs: stats[i].mtimeMs })), opts.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS);
  const cacheRoot = folderCacheRoot(opts.cacheDir);
  const strict = opts.strict ?? false;
  const maxPixels = opts.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  const cacheNote = (what: string, e: unknown) => report({ task: 'folder cache', message: `folder ${root}: could not write the image cache ${what} (${reasonOf(e)}); continuing without it` });

  let size = opts.imageSize ? parseImageSize(opts.imageSize, 'imageSize') : undefined;
  let scan: FolderScan | undefined;
  if (!size) {
    const sf = scanFile(cacheRoot, key);
    scan = await readScan(sf);
    if (!scan) {
      scan = await scanHeaders(layout, strict, maxPixels, report);
      await writeScan(sf, scan).catch((e) => cacheNote(sf, e));
    }
    size = scan.imageSize;
    report({ task: 'folder', message: `folder ${root}: images resized to ${size[0]}x${size[1]} (the most common size, ${scan.sizeCount} of ${layout.files.length} files); --image-size HxW picks another` });
  }
  const pf = pixelsFile(cacheRoot, key, size);
  let px = await readPixels(pf, layout.files.length);
  const hit = px !== undefined;
  let decoded = 0;
  if (!px) {
    const built = await decodeAll(layout, size, scan?.bad ?? [], strict, maxPixels, report);
    px = built.px;
    decoded = built.decoded;
    await writePixels(pf, px).catch((e) => cacheNote(pf, e));
  }
  if (strict && px.bad.length > 0) throw strictError(root, layout.files[px.bad[0].index], new Error(px.bad[0].reason));
  if (px.bad.length > 0) report({ task: 'folder', message: badNote(root, px.bad, true) });

  const channels = opts.channels ?? (px.grey ? 1 : 3);
  const [H, W] = px.imageSize;
  const shape: ImageShape = [H, W, channels];
  const badSet = new Set(px.bad.map((b) => b.index));
  const bySplit = new Map<FolderSplit, { at: number; labels: number[] }>();
  let kept = 0;
  for (const [index, f] of layout.files.entries()) {
    if (badSet.has(index)) continue;
    const s = bySplit.get(f.split) ?? { at: kept, labels: [] };
    s.labels.push(f.label);
    bySplit.set(f.split, s);
    kept++;
  }
  const setOf = (split: FolderSplit): ImageSet | undefined => {
    const s = bySplit.get(split);
    const present = split === 'train' || layout.splitFolders.includes(split);
    if (!present) return undefined;
    const labels = Int32Array.from(s?.labels ?? []);
    const counts = new Array<number>(layout.classNames.length).fill(0);
    for (const y of labels) counts[y]++;
    const empty = counts.indexOf(0);
    if (empty >= 0) {
      const folder = path.join(root, ...(layout.splitFolders.length ? [split] : []), layout.classNames[empty]);
      throw new IcmixError(`folder dataset: none of the images in ${folder} decode, so the class has no images; fix the files or remove the folder`);
    }
    const bytes = px!.rgba.subarray(s!.at * H * W * 4, (s!.at + labels.length) * H * W * 4);
    return { images: rgbaToPixels(bytes, labels.length * H * W, channels), labels, shape: [...shape] as ImageShape, numClasses: layout.classNames.length, classNames: [...layout.classNames] };
  };
  const files = layout.files.map((f, i) => ({ rel: f.rel, size: stats[i].size }));
  if (opts.whole) {
    // Scored whole: test/ when there is one, else every image, whatever split folder it sits in.
    const from: FolderSplit[] = layout.splitFolders.includes('test') ? ['test'] : layout.splitFolders.length ? layout.splitFolders : ['train'];
    const sets = from.map((sp) => setOf(sp)!);
    const all = sets.length === 1 ? sets[0] : concatSets(sets);
    const where = from.length === 1 && layout.splitFolders.length ? `${from[0]}/ of ${root}` : root;
    return { train: all, test: all, root, testSplit: `all ${all.labels.length} images of ${where}, an evaluation folder scored whole`, skipped: px.bad, cache: { file: pf, hit, decoded }, files };
  }
  const trainAll = setOf('train')!;
  const val = setOf('val');
  let train = trainAll;
  let test = setOf('test');
  let testSplit = 'folders';
  if (!test) {
    const ix = testIndices(trainAll);
    if (ix.test.length === 0) {
      // Every class has one image (classes of one stay in train): a test accuracy would be 0/0.
      throw new IcmixError(
        `folder dataset: ${root} holds ${trainAll.labels.length} images, one per class, so no test images can be drawn (${Math.round(FOLDER_TEST_FRACTION * 100)}% of each class of 2 or more images); ` +
          `add images (a few per class at least), or put test images in ${path.join(root, 'test')} beside the class folders moved to ${path.join(root, 'train')}`,
      );
    }
    train = subset(trainAll, ix.train);
    test = subset(trainAll, ix.test);
    testSplit = `${Math.round(FOLDER_TEST_FRACTION * 100)}% of each class (seed ${FOLDER_SPLIT_SEED}, stratified) drawn from ${layout.splitFolders.length ? 'train/' : 'the class folders'}`;
  }
  const ignored = Object.entries(layout.ignored);
  if (ignored.length > 0) {
    const list = ignored.map(([ext, n]) => `${n} ${ext || 'without an ending'}`).join(', ');
    report({ task: 'folder', message: `folder ${root}: ignored files that are not images (${IMAGE_EXTENSIONS.join(', ')}): ${list}` });
  }
  return { train, test, ...(val ? { val } : {}), root, testSplit, skipped: px.bad, cache: { file: pf, hit, decoded }, files };
}

/** Image sets of one shape and class list, one after another. */
function concatSets(sets: ImageSet[]): ImageSet {
  const n = sets.reduce((a, s) => a + s.labels.length, 0);
  const per = sets[0].images.length / Math.max(1, sets[0].labels.length);
  const images = new Float32Array(n * per);
  const labels = new Int32Array(n);
  let at = 0;
  for (const s of sets) {
    images.set(s.images, at * per);
    labels.set(s.labels, at);
    at += s.labels.length;
  }
  return { ...sets[0], images, labels };
}

/**
 * Narrow `layout` (in place) to the recorded files: new files are left out with a note, a recorded
 * file that is gone stops the load (the seeded split would move), a changed size gets a note.
 * Returns the kept files' stats.
 */
function keepRecorded<T extends { size: number }>(layout: FolderLayout, stats: T[], only: readonly FolderFileId[], report: OnProgress): T[] {
  const want = new Map(only.map((f) => [f.rel, f.size]));
  const keptFiles: FolderFile[] = [];
  const keptStats: T[] = [];
  const added: string[] = [];
  const resized: string[] = [];
  for (const [i, f] of layout.files.entries()) {
    const size = want.get(f.rel);
    if (size === undefined) {
      added.push(f.rel);
      continue;
    }
    if (size !== stats[i].size) resized.push(f.rel);
    keptFiles.push(f);
    keptStats.push(stats[i]);
    want.delete(f.rel);
  }
  if (want.size > 0) {
    const gone = [...want.keys()];
    throw new IcmixError(
      `folder dataset: ${gone.length} of the ${only.length} files the run trained with are no longer in ${layout.root} (${gone.slice(0, NAMED_BAD).join(', ')}${gone.length > NAMED_BAD ? ', ...' : ''}); ` +
        `the run's seeded test split cannot be rebuilt without them: put them back, or evaluate on another folder with --dataset folder:<dir> (scored whole)`,
    );
  }
  const list = (xs: string[]) => `${xs.slice(0, NAMED_BAD).join(', ')}${xs.length > NAMED_BAD ? `, and ${xs.length - NAMED_BAD} more` : ''}`;
  if (added.length) report({ task: 'folder', message: `folder ${layout.root}: left out ${added.length} file${added.length === 1 ? '' : 's'} added since the run trained (${list(added)}), so its test split stays the one it trained with` });
  if (resized.length) report({ task: 'folder', message: `folder ${layout.root}: ${resized.length} file${resized.length === 1 ? ' has' : 's have'} another size than when the run trained (${list(resized)}); they keep their place in the split` });
  layout.files = keptFiles;
  return keptStats;
}

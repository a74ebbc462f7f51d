/**
 * The layout of an image-folder dataset (torchvision's ImageFolder, Keras'
 * image_dataset_from_directory): one subfolder per class, sorted names = class names, images found
 * recursively inside (names compared and sorted in Unicode NFC); optionally the whole thing under
 * train/, test/ and val/. Only the layout
 * and file list: no image is opened here.
 */
import { promises as fs, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { IcmixError } from '../util/errors.js';
import { IMAGE_EXTENSIONS } from '../image/index.js';

export type FolderSplit = 'train' | 'val' | 'test';
/** Split folder names, in the order their files are listed. */
export const FOLDER_SPLITS: readonly FolderSplit[] = ['train', 'val', 'test'];

export interface FolderFile {
  /** Path relative to the dataset folder, with '/' separators. */
  rel: string;
  split: FolderSplit;
  label: number;
}

export interface FolderLayout {
  root: string;
  classNames: string[];
  /** Split folders present; without 'train' the class folders sit in the root. */
  splitFolders: FolderSplit[];
  /** Every image file, by split (FOLDER_SPLITS order), then class, then sorted path. */
  files: FolderFile[];
  /** Files skipped for their name ending, counted by ending ('' = none). */
  ignored: Record<string, number>;
}

/** Compare by UTF-16 code units, so the order does not depend on the locale. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function isDir(full: string, e: Dirent): Promise<boolean> {
  if (e.isDirectory()) return true;
  if (!e.isSymbolicLink()) return false;
  return (await fs.stat(full).catch(() => undefined))?.isDirectory() ?? false;
}

async function entries(dir: string): Promise<Dirent[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.')).sort((a, b) => byName(a.name, b.name));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new IcmixError(`folder dataset: ${dir} does not exist; pass the folder that holds one subfolder per class (--dataset folder:<dir>)`);
    if (code === 'ENOTDIR') throw new IcmixError(`folder dataset: ${dir} is a file, not a folder; pass the folder that holds one subfolder per class`);
    throw new IcmixError(`folder dataset: cannot read ${dir} (${code ?? (e as Error).message})`);
  }
}

async function subfolders(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await entries(dir)) if (await isDir(path.join(dir, e.name), e)) out.push(e.name);
  return out;
}

/**
 * Class folders by their name in Unicode NFC, sorted by it, each with its name on disk. macOS
 * writes decomposed (NFD) names, so a copy made on a Mac must give the same classes in the same
 * order (the labels) as one made elsewhere.
 */
async function classFolders(dir: string): Promise<Map<string, string>> {
  const byNfc = new Map<string, string>();
  for (const name of await subfolders(dir)) {
    const key = name.normalize('NFC');
    const other = byNfc.get(key);
    if (other !== undefined) {
      throw new IcmixError(`folder dataset: ${path.join(dir, other)} and ${path.join(dir, name)} are two class folders with the same name in Unicode (NFC), spelled with other code points; rename or merge them`);
    }
    byNfc.set(key, name);
  }
  return new Map([...byNfc].sort(([a], [b]) => byName(a, b)));
}

/** Image files under `dir` (recursively, sorted), as paths relative to `root`. */
async function imagesUnder(root: string, dir: string, ignored: Record<string, number>): Promise<string[]> {
  const out: string[] = [];
  for (const e of await entries(dir)) {
    const full = path.join(dir, e.name);
    if (await isDir(full, e)) out.push(...(await imagesUnder(root, full, ignored)));
    else if (IMAGE_EXTENSIONS.includes(path.extname(e.name).toLowerCase())) out.push(path.relative(root, full).split(path.sep).join('/'));
    else {
      const ext = path.extname(e.name).toLowerCase();
      ignored[ext] = (ignored[ext] ?? 0) + 1;
    }
  }
  return out;
}

const WANT = `one subfolder per class holding its ${IMAGE_EXTENSIONS.join('/')} files`;

/**
 * Scan `root`; throws an IcmixError naming the folder for every layout the loader cannot use.
 * `testOnly`: a folder for evaluation may hold test/ alone (its classes are then test/'s).
 */
export async function scanFolderLayout(root: string, opts: { testOnly?: boolean } = {}): Promise<FolderLayout> {
  const top = await subfolders(root);
  const splitNames = top.filter((d): d is FolderSplit => (FOLDER_SPLITS as readonly string[]).includes(d));
  const splitFolders: FolderSplit[] = [];
  const main: FolderSplit = !splitNames.includes('train') && opts.testOnly && splitNames.includes('test') ? 'test' : 'train';
  if (splitNames.length > 0) {
    if (!splitNames.includes(main)) {
      throw new IcmixError(`folder dataset: ${root} has ${splitNames.map((s) => `${s}/`).join(' and ')} but no train/; add ${path.join(root, 'train')} with ${WANT}`);
    }
    const stray = top.filter((d) => !splitNames.includes(d as FolderSplit));
    if (stray.length > 0) {
      throw new IcmixError(
        `folder dataset: ${root} mixes split folders (${splitNames.join(', ')}) with other folders (${stray.join(', ')}); ` +
          `put the class folders inside train/ (and test/, val/), or drop the split folders`,
      );
    }
    for (const s of FOLDER_SPLITS) if (splitNames.includes(s)) splitFolders.push(s);
  }
  const classDir = (split: FolderSplit | undefined) => (split ? path.join(root, split) : root);

  const mainDir = classDir(splitFolders.length ? main : undefined);
  const mainFolders = await classFolders(mainDir);
  const classNames = [...mainFolders.keys()];
  if (classNames.length === 0) throw new IcmixError(`folder dataset: ${mainDir} holds no class folders; it needs ${WANT}`);
  if (classNames.length === 1) {
    throw new IcmixError(`folder dataset: ${mainDir} holds one class folder (${classNames[0]}); a classifier needs at least 2 classes, ${WANT}`);
  }

  const ignored: Record<string, number> = {};
  const files: FolderFile[] = [];
  for (const split of splitFolders.length ? splitFolders : (['train'] as FolderSplit[])) {
    const dir = classDir(splitFolders.length ? split : undefined);
    let folders = mainFolders;
    if (split !== main) {
      folders = await classFolders(dir);
      const extra = [...folders.keys()].filter((c) => !mainFolders.has(c));
      if (extra.length > 0) {
        throw new IcmixError(`folder dataset: ${path.join(dir, folders.get(extra[0])!)} is a class only in ${split}/, not in ${mainDir}; add it to ${main}/ or remove it from ${split}/`);
      }
      const missing = classNames.filter((c) => !folders.has(c));
      if (missing.length > 0) {
        throw new IcmixError(`folder dataset: class ${missing[0]} (${path.join(mainDir, mainFolders.get(missing[0])!)}) has no folder in ${dir}; every split needs the same class folders`);
      }
    }
    for (const [label, name] of classNames.entries()) {
      const cdir = path.join(dir, folders.get(name)!);
      const found = await imagesUnder(root, cdir, ignored);
      if (found.length === 0) throw new IcmixError(`folder dataset: class folder ${cdir} holds no ${IMAGE_EXTENSIONS.join('/')} files; add its images or remove the folder`);
      for (const rel of found) files.push({ rel, split, label });
    }
  }
  return { root, classNames, splitFolders, files, ignored };
}

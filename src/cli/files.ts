import * as fs from 'fs';
import * as path from 'path';
import { Finding, finding } from '../core/common/finding';
import { SourceText } from '../core/manifest/load';
import { MAX_FILE_BYTES } from '../core/manifest/parse';

const SKIP_DIRS = new Set(['node_modules', '.git', 'out', 'dist']);

/** File names read from folders: YAML, and JSON (only Kubernetes objects in it are analysed). */
const MANIFEST_FILE = /\.(ya?ml|json)$/i;

export interface ReadResult {
  sources: SourceText[];
  /** Paths named on the command line that do not exist: a usage error. */
  errors: string[];
  /** Files refused (not regular files, links leaving the given folders, too large): one finding each. */
  findings: Finding[];
}

/**
 * Reads the manifest files named on the command line: files as given, folders recursively
 * (`*.yaml`, `*.yml`, `*.json`), in sorted order so output never depends on the file system.
 * Paths in findings are relative to the working directory.
 *
 * Repositories are untrusted: every entry is looked at with lstat before it is opened. Only
 * regular files are read; a symbolic link is followed only to a regular file inside the given
 * folders; the size is checked in bytes before reading. FIFOs (which would block forever),
 * devices (/dev/zero never ends), folders named like manifests and links leading elsewhere
 * each become a `file-skipped` finding, and the rest is read.
 */
export function readSources(paths: string[], cwd = process.cwd()): ReadResult {
  const candidates: { abs: string; given: boolean }[] = [];
  const errors: string[] = [];
  const findings: Finding[] = [];
  const roots: string[] = [];
  const rel = (abs: string) => path.relative(cwd, abs) || abs;
  const skip = (abs: string, why: string) => findings.push(finding('file-skipped', 'warning', `${why}; it is not read`, { file: rel(abs), start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }));
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      errors.push(`${p}: no such file or folder`);
      continue;
    }
    roots.push(realpathOr(abs));
    if (stat.isDirectory()) collect(abs, candidates, skip);
    else candidates.push({ abs, given: true });
  }
  const seen = new Set<string>();
  const unique = candidates.filter((c) => !seen.has(c.abs) && seen.add(c.abs)).sort((a, b) => (a.abs < b.abs ? -1 : a.abs > b.abs ? 1 : 0));
  const sources: SourceText[] = [];
  for (const { abs, given } of unique) {
    const text = readRegularFile(abs, given, roots, skip);
    if (text !== undefined) sources.push({ file: rel(abs), text });
  }
  return { sources, errors, findings };
}

/**
 * Reads one file if it is (or links, inside the roots, to) a regular file of at most
 * MAX_FILE_BYTES bytes. The checks are repeated on the opened descriptor, so a file swapped
 * for a FIFO or a device between the look and the read is still refused, and O_NONBLOCK keeps
 * a FIFO from blocking the open itself.
 */
function readRegularFile(abs: string, given: boolean, roots: string[], skip: (abs: string, why: string) => void): string | undefined {
  let target = abs;
  try {
    const l = fs.lstatSync(abs);
    if (l.isSymbolicLink()) {
      target = fs.realpathSync(abs);
      // A path named on the command line was chosen by the user; links found in folders must stay inside them.
      if (!given && !roots.some((r) => target === r || target.startsWith(r.endsWith(path.sep) ? r : r + path.sep))) {
        skip(abs, `this is a symbolic link to ${target}, outside the folders given`);
        return undefined;
      }
    }
    const kind = fileKind(fs.statSync(target));
    if (kind !== 'file') {
      skip(abs, `this is ${kind}, not a regular file`);
      return undefined;
    }
  } catch (e) {
    skip(abs, `this could not be examined (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return undefined;
  }
  let fd: number | undefined;
  try {
    fd = fs.openSync(target, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const st = fs.fstatSync(fd);
    const kind = fileKind(st);
    if (kind !== 'file') {
      skip(abs, `this is ${kind}, not a regular file`);
      return undefined;
    }
    if (st.size > MAX_FILE_BYTES) {
      skip(abs, `this file is ${(st.size / 1048576).toFixed(1)} MiB; PodPath skips manifests over ${MAX_FILE_BYTES / 1048576} MiB`);
      return undefined;
    }
    // Read at most one byte more than allowed: a file that grew meanwhile is still caught.
    const buf = Buffer.alloc(Math.min(st.size, MAX_FILE_BYTES) + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = fs.readSync(fd, buf, n, buf.length - n, n);
    if (n > MAX_FILE_BYTES) {
      skip(abs, `this file grew past ${MAX_FILE_BYTES / 1048576} MiB while it was read`);
      return undefined;
    }
    return buf.subarray(0, n).toString('utf8');
  } catch (e) {
    skip(abs, `this could not be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function fileKind(st: fs.Stats): string {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * Walks a folder without following links to folders (a link may point back up and never
 * end). Entries named like manifests are candidates whatever their type: readRegularFile
 * decides, and reports what it refuses.
 */
function collect(dir: string, out: { abs: string; given: boolean }[], skip: (abs: string, why: string) => void): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    skip(dir, `this folder could not be listed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return;
  }
  for (const entry of entries) {
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory() && !MANIFEST_FILE.test(entry.name)) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) collect(abs, out, skip);
    } else if (MANIFEST_FILE.test(entry.name)) {
      out.push({ abs, given: false });
    }
  }
}

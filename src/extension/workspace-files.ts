import * as vscode from 'vscode';
import type { ServiceFile } from '../core/service/types';
import { ExcludeMatcher } from './glob';
import { isJsonFileName, looksLikeKubernetesJson } from './kubernetes-json';
import { enabledGlobs } from './settings';
import { isWorkspaceRelativePath } from './workspace-paths';

/**
 * The manifest files of the workspace, as the analysis sees them: YAML, and JSON files that are
 * Kubernetes objects (kubernetes-json.ts; package.json and friends are never sent). Found with
 * `findFiles` (which applies `files.exclude`), minus `podpath.exclude`, with the text of an open editor preferred
 * to the disk. Kept current by editor and file-system events; what changed since the last
 * update is handed out by `takeChanges`, so the worker receives only that.
 *
 * Files are named by their workspace-relative path with forward slashes (prefixed by the folder
 * name in a multi-root workspace), the names the core uses in its ranges.
 */

export type ChangeReason = 'open' | 'change' | 'save' | 'disk' | 'scan';

interface Entry {
  uri: vscode.Uri;
  /** The text last read; undefined while an open editor's newer text has not been fetched yet. */
  text: string | undefined;
  /** An open document whose text wins over `text` (fetched lazily: big files, many keystrokes). */
  document?: vscode.TextDocument;
  /** The version of `document` whose text was last handed out by `takeChanges`. */
  takenVersion?: number;
}

export interface FileChanges {
  reset: boolean;
  changed: ServiceFile[];
  removed: string[];
}

const MANIFEST_GLOB = '**/*.{yaml,yml,json}';
const READ_CONCURRENCY = 32;

export class WorkspaceFiles implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly changed = new Set<string>();
  private readonly removed = new Set<string>();
  /** JSON files the analysis has now (the others are not Kubernetes objects, or not yet). */
  private readonly jsonSent = new Set<string>();
  private reset = true;
  private readonly matchers = new Map<string, ExcludeMatcher>();
  private readonly emitter = new vscode.EventEmitter<ChangeReason>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private scanning: Promise<void> | undefined;

  /** Something the analysis reads changed; the reason tells the scheduler how soon to react. */
  readonly onDidChange = this.emitter.event;

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher(MANIFEST_GLOB);
    // Deleting a folder reports only the folder: watch every deletion and drop what was under it.
    const deletions = vscode.workspace.createFileSystemWatcher('**/*', true, true, false);
    this.subscriptions.push(
      this.emitter, watcher, deletions,
      watcher.onDidCreate((uri) => void this.readFromDisk(uri)),
      watcher.onDidChange((uri) => void this.readFromDisk(uri)),
      deletions.onDidDelete((uri) => this.forget(uri)),
      vscode.workspace.onDidOpenTextDocument((d) => this.opened(d)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) this.edited(e.document, 'change');
      }),
      // A save is analysed from the moment it starts: the text is final then, and the editor
      // writing the file and telling the extension it did takes a while. The save's end adds
      // nothing unless the text changed after that (a formatter run on save).
      vscode.workspace.onWillSaveTextDocument((e) => this.edited(e.document, 'save')),
      vscode.workspace.onDidSaveTextDocument((d) => this.edited(d, 'save', true)),
      vscode.workspace.onDidCloseTextDocument((d) => this.closed(d)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.scan()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('files.exclude') || e.affectsConfiguration('podpath.exclude')) void this.scan();
      }),
    );
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }

  get size(): number {
    return this.entries.size;
  }

  has(uri: vscode.Uri): boolean {
    return this.entries.has(this.keyOf(uri));
  }

  /** The analysis' name for a document, when the analysis reads it. */
  /**
   * Like `fileOf`, once a running workspace scan has finished: a hover or lens asked right after
   * activation would otherwise find no file and answer nothing (and the editor does not ask again).
   */
  async fileOfSettled(uri: vscode.Uri): Promise<string | undefined> {
    await this.scanning?.catch(() => undefined);
    return this.fileOf(uri);
  }

  fileOf(uri: vscode.Uri): string | undefined {
    const key = this.keyOf(uri);
    return this.entries.has(key) ? key : undefined;
  }

  /**
   * A file name from the analysis (a range, a trace link, the diagram's "open YAML") back to a
   * URI: a file the analysis read, or a workspace-relative path inside a workspace folder.
   * Absolute paths and paths that climb out of the workspace get none (workspace-paths.ts).
   */
  uriOf(file: string): vscode.Uri | undefined {
    const known = this.entries.get(file)?.uri;
    if (known) return known;
    if (!isWorkspaceRelativePath(file)) return undefined;
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 0) return undefined;
    // Multi-root names start with the folder's name.
    const slash = file.indexOf('/');
    const named = slash > 0 && folders.length > 1 ? folders.find((f) => f.name === file.slice(0, slash)) : undefined;
    return named ? vscode.Uri.joinPath(named.uri, file.slice(slash + 1)) : vscode.Uri.joinPath(folders[0].uri, file);
  }

  /** Only a file the analysis read (trace links point at nothing else). */
  analysedUriOf(file: string): vscode.Uri | undefined {
    return this.entries.get(file)?.uri;
  }

  /** Finds and reads every YAML file again; the next update sends the whole set. */
  scan(): Promise<void> {
    // Scans requested while one runs share one follow-up scan.
    const run = (this.scanning ?? Promise.resolve()).then(() => this.scanNow());
    this.scanning = run.finally(() => {
      if (this.scanning === run) this.scanning = undefined;
    });
    return run;
  }

  /** What changed since the last call; the first call (and the first after `markReset`) returns everything. */
  takeChanges(): FileChanges {
    const reset = this.reset;
    const names = reset ? [...this.entries.keys()] : [...this.changed];
    if (reset) this.jsonSent.clear();
    const changed: ServiceFile[] = [];
    const removed = new Set(reset ? [] : this.removed);
    for (const file of names) {
      const e = this.entries.get(file);
      if (!e) continue;
      if (e.document && !e.document.isClosed) {
        e.text = e.document.getText();
        e.takenVersion = e.document.version;
      }
      if (e.text === undefined) continue;
      // A JSON file goes to the analysis only while it is a Kubernetes object; one that stops
      // being one (its kind deleted) is taken out, so its old findings go too.
      if (isJsonFileName(e.uri.path)) {
        if (!looksLikeKubernetesJson(e.text)) {
          if (this.jsonSent.delete(file)) removed.add(file);
          continue;
        }
        this.jsonSent.add(file);
      }
      changed.push({ file, text: e.text });
    }
    for (const file of removed) this.jsonSent.delete(file);
    this.reset = false;
    this.changed.clear();
    this.removed.clear();
    return { reset, changed, removed: [...removed] };
  }

  get hasChanges(): boolean {
    return this.reset || this.changed.size > 0 || this.removed.size > 0;
  }

  /** The worker lost its copy (it crashed): send everything again next time. */
  markReset(): void {
    this.reset = true;
  }

  private async scanNow(): Promise<void> {
    this.matchers.clear();
    const folders = vscode.workspace.workspaceFolders ?? [];
    const found: vscode.Uri[] = [];
    for (const folder of folders) {
      // No exclude argument: findFiles then applies files.exclude itself.
      for (const uri of await vscode.workspace.findFiles(new vscode.RelativePattern(folder, MANIFEST_GLOB))) {
        if (!this.excluded(uri)) found.push(uri);
      }
    }
    // Without a folder the analysis reads the open manifest documents.
    if (folders.length === 0) for (const d of vscode.workspace.textDocuments) if (isManifestFile(d)) found.push(d.uri);

    const next = new Map<string, Entry>();
    for (let i = 0; i < found.length; i += READ_CONCURRENCY) {
      await Promise.all(found.slice(i, i + READ_CONCURRENCY).map(async (uri) => {
        const document = openDocument(uri);
        const text = document ? undefined : await readText(uri);
        if (document || text !== undefined) next.set(this.keyOf(uri), { uri, text, ...(document ? { document } : {}) });
      }));
    }
    this.entries.clear();
    for (const [k, e] of [...next].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) this.entries.set(k, e);
    this.changed.clear();
    this.removed.clear();
    this.reset = true;
    this.emitter.fire('scan');
  }

  private opened(d: vscode.TextDocument): void {
    if (!isManifestFile(d)) return;
    const key = this.keyOf(d.uri);
    const e = this.entries.get(key);
    if (e) {
      e.document = d;
      if (d.getText() !== e.text) this.touch(key, 'open');
    } else if (this.admits(d.uri)) {
      this.entries.set(key, { uri: d.uri, text: undefined, document: d });
      this.touch(key, 'open');
    }
  }

  /** `saved`: the save finished; nothing to do if the text it saved was already taken. */
  private edited(d: vscode.TextDocument, reason: 'change' | 'save', saved = false): void {
    const key = this.keyOf(d.uri);
    const e = this.entries.get(key);
    if (!e) return;
    if (saved && e.document === d && e.takenVersion === d.version && !this.changed.has(key)) return;
    e.document = d;
    this.touch(key, reason);
  }

  private closed(d: vscode.TextDocument): void {
    const e = this.entries.get(this.keyOf(d.uri));
    if (!e || e.document !== d) return;
    delete e.document;
    if ((vscode.workspace.workspaceFolders ?? []).length === 0) this.forget(d.uri);
    // Closed without saving: the disk is the truth again.
    else if (d.isDirty || e.text === undefined) void this.readFromDisk(d.uri);
  }

  private async readFromDisk(uri: vscode.Uri): Promise<void> {
    if (!this.admits(uri)) return;
    const key = this.keyOf(uri);
    const existing = this.entries.get(key);
    if (existing?.document && !existing.document.isClosed) return; // the editor's text wins
    const text = await readText(uri);
    if (text === undefined || this.entries.get(key)?.text === text) return;
    this.entries.set(key, { uri, text });
    this.touch(key, 'disk');
  }

  private forget(uri: vscode.Uri): void {
    const prefix = uri.toString() + '/';
    let any = false;
    for (const [key, e] of this.entries) {
      const u = e.uri.toString();
      if (u === uri.toString() || u.startsWith(prefix)) {
        this.entries.delete(key);
        this.changed.delete(key);
        this.removed.add(key);
        any = true;
      }
    }
    if (any) this.emitter.fire('disk');
  }

  private touch(key: string, reason: ChangeReason): void {
    this.changed.add(key);
    this.removed.delete(key);
    this.emitter.fire(reason);
  }

  /** Does a file that appeared (created, opened) belong to the analysis? */
  private admits(uri: vscode.Uri): boolean {
    if (!/\.(ya?ml|json)$/i.test(uri.path)) return false;
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length === 0) return uri.scheme === 'file';
    return !!vscode.workspace.getWorkspaceFolder(uri) && !this.excluded(uri);
  }

  private excluded(uri: vscode.Uri): boolean {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return true;
    let matcher = this.matchers.get(folder.uri.toString());
    if (!matcher) {
      const files = vscode.workspace.getConfiguration('files', folder.uri).get<Record<string, unknown>>('exclude');
      const ours = vscode.workspace.getConfiguration('podpath', folder.uri).get<string[]>('exclude') ?? [];
      matcher = new ExcludeMatcher([...enabledGlobs(files), ...ours]);
      this.matchers.set(folder.uri.toString(), matcher);
    }
    return matcher.excludes(uri.path.slice(folder.uri.path.replace(/\/$/, '').length + 1));
  }

  private keyOf(uri: vscode.Uri): string {
    const multiRoot = (vscode.workspace.workspaceFolders ?? []).length > 1;
    return vscode.workspace.asRelativePath(uri, multiRoot).replace(/\\/g, '/');
  }
}

/**
 * A YAML or JSON document saved on disk (not an untitled buffer, a diff side or a virtual
 * document). JSON by its file name: whether it is a Kubernetes object is decided by its text
 * when it is sent (takeChanges).
 */
function isManifestFile(d: vscode.TextDocument): boolean {
  return d.uri.scheme === 'file' && (d.languageId === 'yaml' || /\.(ya?ml|json)$/i.test(d.uri.path));
}

function openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
  const s = uri.toString();
  return vscode.workspace.textDocuments.find((d) => !d.isClosed && d.uri.toString() === s);
}

/** The parser's MAX_FILE_BYTES (core/manifest/parse.ts; the host side does not load the core). */
const MAX_READ_BYTES = 16777216;

async function readText(uri: vscode.Uri): Promise<string | undefined> {
  try {
    // Regular files only, size checked in bytes first: a committed FIFO or link to /dev/zero
    // would block or never end (a FIFO or device stats as FileType.Unknown).
    const st = await vscode.workspace.fs.stat(uri);
    if ((st.type & vscode.FileType.File) === 0 || st.size > MAX_READ_BYTES) return undefined;
    return new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined; // deleted meanwhile, or unreadable: it simply is not part of the analysis
  }
}

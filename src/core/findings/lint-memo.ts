import { diffInKeyOrder, inPodKeyOrder, nameIndex } from '../cluster/pod-order';
import { PodChanges, podChangesOf } from '../cluster/pod-reuse';
import { Cluster, PodInfo } from '../cluster/model';
import { Finding } from '../common/finding';
import { declaredPortNames } from '../cluster/port-names';
import { sameItems } from '../common/same-items';

/**
 * What lint keeps between runs over successive builds of one workspace, so that an edit costs
 * what it touches:
 *
 * - Units: a unit (a Service, a policy, a policy's DNS rule, a namespace's isolated pods) is
 *   computed with a key naming everything it read; a later run with the same key takes its
 *   findings over instead of computing them again.
 * - Selections: the pods a selector picks in a namespace. When the pods change, each kept
 *   selection is tested again only against the pods that changed (added, removed, or read
 *   differently: labels, ports, location), and its version moves only if its answer did.
 *   A pod-label edit so re-tests a few pods against each selector instead of every pod.
 *
 * - Tracked values: a value computed from one object (a Service, a policy) and what the memo
 *   hands out (selections, units, tokens) is taken over whole — with the selections and units it
 *   used — while the object is the same and every selection it read gives the same answer,
 *   without writing its unit keys again. An edit of one Service so costs a comparison per other
 *   object, and a pod edit only re-keys the objects whose selections hold one of the pods.
 *
 * Pods are compared by what the rules read of them (podSignature), not by identity: a rebuild
 * that gives the same pods keeps everything.
 */
export class LintMemo {
  /**
   * Units, selections and tracked values, each stamped with the last run that met it; a run's
   * end forgets those it did not meet (their objects are gone). One map each, across runs.
   */
  private units = new Map<string, Unit>();
  private selections = new Map<string, Selection>();
  /** By object: a lookup by identity, not by a name written per call. */
  private tracks = new Map<object, Tracked>();
  /** Counts runs (`begin`). */
  private run = 0;
  private readonly ids = new WeakMap<object, number>();
  private lastId = 0;
  private pods?: readonly PodInfo[];
  private byNamespace = new Map<string, PodInfo[]>();
  /** The pods of the last pods list that changed (new or read differently), by key. */
  private podByKey = new Map<string, PodInfo>();
  /** What the rules read of each pod (podSignature), made when first compared. */
  private readonly signatures = new WeakMap<PodInfo, string>();
  /** Per namespace, the pod keys that changed with the last new pods list. */
  private changed = new Map<string, Set<string>>();
  /** Per namespace, a version that moves whenever one of its pods changes. */
  private namespaceVersions = new Map<string, number>();
  /** Counts new pods lists; a selection made for an older one is brought up to date. */
  private generation = 0;
  private lastVersion = 0;
  private portNames = '';
  private namespaces = '';
  /** Versions of `portNames` and `namespaces`: they move when the text does. */
  private portNamesVersion = 0;
  private namespacesVersion = 0;
  /** What the tracked value being computed reads (see `tracked`). */
  private recording?: Reads;
  private lastRun?: { inputs: readonly unknown[]; findings: readonly Finding[] };
  /** Findings of parts of the lint kept whole (see `part`), by name. */
  private parts = new Map<string, { inputs: readonly unknown[]; findings: readonly Finding[] }>();
  /** Parts taken over from the last run, in the last run (for tests). */
  partsKept = 0;
  /** Runs whose findings were the last run's, all taken over at once (for tests). */
  runsKept = 0;
  /** Units and selections taken over, and computed, in the last run (for tests and timings). */
  kept = 0;
  computed = 0;
  selectionsUpdated = 0;
  selectionsComputed = 0;
  /** Tracked values taken over whole in the last run. */
  trackedKept = 0;

  /** The findings of the last run when it read the very same `inputs` (lint.ts lintInputs). */
  sameRun(inputs: readonly unknown[]): readonly Finding[] | undefined {
    const last = this.lastRun;
    if (!last || !sameItems(last.inputs, inputs)) return undefined;
    this.kept = this.computed = this.selectionsUpdated = this.selectionsComputed = this.trackedKept = 0;
    this.runsKept++;
    return last.findings;
  }

  /** Remembers a run's inputs and findings for `sameRun`. */
  ran(inputs: readonly unknown[], findings: readonly Finding[]): void {
    this.lastRun = { inputs, findings: [...findings] };
  }

  /**
   * A part of the lint that reads only `inputs` (compared item by item): the last run's findings
   * when they are the very same, else `compute()`'s.
   */
  part(name: string, inputs: readonly unknown[], compute: () => Finding[]): Finding[] {
    const last = this.parts.get(name);
    if (last && sameItems(last.inputs, inputs)) {
      this.partsKept++;
      return [...last.findings];
    }
    const findings = compute();
    this.parts.set(name, { inputs, findings: [...findings] });
    return findings;
  }

  begin(cluster: Cluster): LintDependencies {
    this.partsKept = 0;
    this.kept = this.computed = this.selectionsUpdated = this.selectionsComputed = this.trackedKept = 0;
    this.run++;
    const portNames = this.portNames;
    if (cluster.pods !== this.pods) this.comparePods(cluster.pods);
    if (this.portNames !== portNames) this.portNamesVersion++;
    // Sorted: which namespaces there are and their labels, not the order a build met them in.
    const namespaces = [...cluster.namespaces.values()].map((n) => `${n.name}:${JSON.stringify(n.labels)}`).sort().join('\n');
    if (namespaces !== this.namespaces) this.namespacesVersion++;
    this.namespaces = namespaces;
    return {
      byNamespace: this.byNamespace,
      id: (o) => this.id(o),
      podsToken: (ns) => {
        this.recording?.namespaces.add(ns);
        return `${this.namespaceVersions.get(ns) ?? 0}`;
      },
      portNamesToken: () => this.portNames,
      tracked: (object, compute) => this.tracked(object, compute),
      unit: (name, key, compute) => this.value(name, key, () => {
        const findings: Finding[] = [];
        compute(findings);
        return findings;
      }),
      selection: (name, namespace, match, candidates) => this.selection(name, namespace, match, candidates),
    };
  }

  /** Units, selections and tracked values not met in this run are forgotten (their objects are gone). */
  end(): void {
    forgetUnmet(this.units, this.run);
    forgetUnmet(this.selections, this.run);
    forgetUnmet(this.tracks, this.run);
  }

  /**
   * `compute()`'s value, taken over from the last run when `object` is the same and nothing it
   * read moved (see `stillHolds`): the answer of each selection, the pods token of each namespace
   * it took one of, the namespaces' labels and the port names pods declare. The selections and
   * units it used are met in this run as they are (stamped; no lookup by name), so later runs
   * still find them.
   */
  private tracked<T>(object: object, compute: () => T): T {
    const known = this.tracks.get(object);
    if (known && this.stillHolds(known)) {
      // (stillHolds brought its selections to this run.)
      for (const u of known.units) u.run = this.run;
      known.run = this.run;
      this.noteReads(known);
      this.trackedKept++;
      return known.value as T;
    }
    const outer = this.recording;
    const reads: Reads = { namespaces: new Set(), selections: [], selectionVersions: [], present: new Map(), units: [] };
    this.recording = reads;
    let value: T;
    try {
      value = compute();
    } finally {
      this.recording = outer;
    }
    const t: Tracked = {
      value, selections: reads.selections, selectionVersions: reads.selectionVersions, present: [...reads.present], units: reads.units,
      versions: [...reads.namespaces].map((ns) => [ns, this.namespaceVersions.get(ns)]),
      namespacesVersion: this.namespacesVersion, portNamesVersion: this.portNamesVersion, run: this.run,
    };
    this.tracks.set(object, t);
    this.noteReads(t);
    return value;
  }

  /**
   * Whether what a tracked value read is as it was: the namespaces it took a pods token of, the
   * namespaces' labels, the port names, whether each namespace it selected in has pods, and
   * each selection's answer (brought up to date with the changed pods: a pod edit that leaves a
   * selection's answer as it was leaves its users as they were). Its selections and units must
   * still be the memo's: met in the last run or this one, and not replaced since (see `retire`).
   */
  private stillHolds(t: Tracked): boolean {
    if (t.namespacesVersion !== this.namespacesVersion || t.portNamesVersion !== this.portNamesVersion) return false;
    for (const [ns, version] of t.versions) if (this.namespaceVersions.get(ns) !== version) return false;
    for (const [ns, had] of t.present) if (this.byNamespace.has(ns) !== had) return false;
    const since = this.run - 1;
    for (const u of t.units) if (u.run < since) return false;
    for (let i = 0; i < t.selections.length; i++) {
      const s = t.selections[i];
      if (s.run < since || !this.current(s) || s.version !== t.selectionVersions[i]) return false;
    }
    return true;
  }

  /** A tracked value used inside another one: the outer one read what it read. */
  private noteReads(t: Tracked): void {
    const r = this.recording;
    if (!r) return;
    for (const [ns] of t.versions) r.namespaces.add(ns);
    for (const [ns, had] of t.present) r.present.set(ns, had);
    r.selections.push(...t.selections);
    r.selectionVersions.push(...t.selectionVersions);
    r.units.push(...t.units);
  }

  private id(o: object): number {
    let n = this.ids.get(o);
    if (n === undefined) this.ids.set(o, (n = ++this.lastId));
    return n;
  }

  private value<T>(name: string, key: string, compute: () => T): T {
    let u = this.units.get(name);
    if (u && u.key === key) {
      if (u.run !== this.run) this.kept++;
      u.run = this.run;
    } else {
      if (u) retire(u);
      u = { key, value: compute(), run: this.run };
      this.computed++;
      this.units.set(name, u);
    }
    this.recording?.units.push(u);
    return u.value as T;
  }

  private selection(name: string, namespace: string, match: (pod: PodInfo) => boolean, candidates?: () => readonly PodInfo[]): SelectionView {
    let s = this.selections.get(name);
    if (!s || s.namespace !== namespace || !this.current(s)) {
      if (s) retire(s);
      s = { namespace, pods: (candidates ? candidates() : this.byNamespace.get(namespace) ?? []).filter(match), match, version: ++this.lastVersion, generation: this.generation, run: this.run };
      this.selections.set(name, s);
      this.selectionsComputed++;
    }
    if (this.recording) {
      this.recording.selections.push(s);
      this.recording.selectionVersions.push(s.version);
      this.recording.present.set(namespace, this.byNamespace.has(namespace));
    }
    return s;
  }

  /**
   * Brings a selection to this run: one made for this pods list is marked, one made for the
   * previous list is re-tested against the pods that changed. False for an older one (its answer
   * cannot be brought up to date: it is computed again).
   */
  private current(s: Selection): boolean {
    if (s.run === this.run) return true;
    if (s.generation === this.generation - 1) {
      this.refresh(s, s.match);
      this.selectionsUpdated++;
    } else if (s.generation !== this.generation) return false;
    s.run = this.run;
    return true;
  }

  /**
   * Brings a selection made for the previous pods list up to date by re-testing the changed pods.
   * A selection is in name order (its namespace's pods are, in a pods list in key order), so each
   * changed pod is looked for and put in its place by halving, not by reading the whole selection.
   */
  private refresh(s: Selection, match: (pod: PodInfo) => boolean): void {
    s.generation = this.generation;
    const changed = this.changed.get(s.namespace);
    if (!changed || changed.size === 0) return;
    if (!inPodKeyOrder(this.pods ?? [])) return this.refreshByFilter(s, match, changed);
    let pods: PodInfo[] | undefined;
    const cut = s.namespace.length + 1;
    for (const key of changed) {
      const name = key.slice(cut);
      const list = pods ?? s.pods;
      const at = nameIndex(list, name);
      const present = at < list.length && list[at].name === name;
      const pod = this.podByKey.get(key);
      const wanted = !!pod && pod.namespace === s.namespace && match(pod);
      if (!present && !wanted) continue;
      pods ??= [...s.pods];
      if (present) pods.splice(at, 1);
      if (wanted) pods.splice(nameIndex(pods, name), 0, pod!);
    }
    if (!pods) return;
    s.pods = pods;
    s.version = ++this.lastVersion;
  }

  /** refresh for a pods list not in key order: the selection is read whole and sorted again. */
  private refreshByFilter(s: Selection, match: (pod: PodInfo) => boolean, changed: Set<string>): void {
    let moved = false;
    const kept = s.pods.filter((p) => {
      if (!changed.has(p.key)) return true;
      moved = true;
      return false;
    });
    for (const key of changed) {
      const pod = this.podByKey.get(key);
      if (pod && pod.namespace === s.namespace && match(pod)) {
        kept.push(pod);
        moved = true;
      }
    }
    if (!moved) return;
    // The order of a fresh filter: the pods list's, by name within the namespace.
    kept.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    s.pods = kept;
    s.version = ++this.lastVersion;
  }

  /**
   * A new pods list: which pods changed, per namespace. A pod that is the same object as before
   * is unchanged; another object of the same key is compared by what the rules read of it. When
   * both lists are in key order (a built cluster's are) they are compared in one walk, else by key.
   */
  private comparePods(pods: readonly PodInfo[]): void {
    const before = this.pods ?? [];
    const known = podChangesOf(pods);
    if (known && this.pods && known.from === this.pods) return this.applyChanges(pods, known);
    this.pods = pods;
    this.generation++;
    const byNamespace = new Map<string, PodInfo[]>();
    const changed = new Map<string, Set<string>>();
    const changedPods = new Map<string, PodInfo>();
    const mark = (ns: string, key: string) => markChanged(changed, ns, key);
    for (const p of pods) {
      const list = byNamespace.get(p.namespace);
      if (list) list.push(p); else byNamespace.set(p.namespace, [p]);
    }
    const differs = (old: PodInfo, now: PodInfo) => old !== now && this.signature(old) !== this.signature(now);
    if (inPodKeyOrder(before) && inPodKeyOrder(pods)) {
      diffInKeyOrder(before, pods, (a) => mark(a.namespace, a.key), (b) => { mark(b.namespace, b.key); changedPods.set(b.key, b); }, (a, b) => !differs(a, b));
    } else {
      const old = new Map(before.map((p) => [p.key, p]));
      for (const p of pods) {
        const o = old.get(p.key);
        old.delete(p.key);
        if (o && !differs(o, p)) continue;
        mark(p.namespace, p.key);
        changedPods.set(p.key, p);
      }
      for (const o of old.values()) mark(o.namespace, o.key);
    }
    this.adopt(byNamespace, changed, changedPods);
  }

  /**
   * comparePods for a pods list whose builder said how it differs from the last one (see
   * cluster/pod-reuse.ts podChangesOf): only the pods it names are compared, and only the
   * namespaces they are in are listed again (a list in key order holds each namespace's pods
   * together, found by halving); the others keep their lists.
   */
  private applyChanges(pods: readonly PodInfo[], known: PodChanges): void {
    this.pods = pods;
    this.generation++;
    const changed = new Map<string, Set<string>>();
    const changedPods = new Map<string, PodInfo>();
    const mark = (ns: string, key: string) => markChanged(changed, ns, key);
    // A pod replaced by one the rules read alike (same key) is no change, as in comparePods.
    const came = new Map(known.added.map((p) => [p.key, p]));
    const alike = new Set<string>();
    for (const a of known.removed) {
      const b = came.get(a.key);
      if (b && this.signature(a) === this.signature(b)) alike.add(a.key);
      else mark(a.namespace, a.key);
    }
    for (const b of known.added) {
      if (alike.has(b.key)) continue;
      mark(b.namespace, b.key);
      changedPods.set(b.key, b);
    }
    // Every namespace with a new pod object is listed again (alike pods too: the lists hold the new objects).
    const touched = new Set<string>();
    for (const p of known.removed) touched.add(p.namespace);
    for (const p of known.added) touched.add(p.namespace);
    const byNamespace = new Map<string, PodInfo[]>();
    for (const ns of [...new Set([...this.byNamespace.keys(), ...touched])].sort()) {
      const list = touched.has(ns) ? namespaceSlice(pods, ns) : this.byNamespace.get(ns)!;
      if (list.length) byNamespace.set(ns, list);
    }
    this.adopt(byNamespace, changed, changedPods);
  }

  /** Takes a new pods list's namespace lists and changes; each namespace with a change gets a new version. */
  private adopt(byNamespace: Map<string, PodInfo[]>, changed: Map<string, Set<string>>, changedPods: Map<string, PodInfo>): void {
    for (const ns of new Set([...byNamespace.keys(), ...this.namespaceVersions.keys()])) {
      if (changed.has(ns) || !this.namespaceVersions.has(ns)) this.namespaceVersions.set(ns, ++this.lastVersion);
    }
    this.byNamespace = byNamespace;
    this.podByKey = changedPods;
    this.changed = changed;
    this.portNames = portNamesOf(byNamespace);
  }

  private signature(p: PodInfo): string {
    let sig = this.signatures.get(p);
    if (sig === undefined) this.signatures.set(p, (sig = podSignature(p, this.id(p.locator))));
    return sig;
  }
}

/** Files a changed pod key under its namespace. */
function markChanged(changed: Map<string, Set<string>>, namespace: string, key: string): void {
  const set = changed.get(namespace);
  if (set) set.add(key); else changed.set(namespace, new Set([key]));
}

/** The pods of one namespace in a pods list in key order (where they are next to each other). */
function namespaceSlice(pods: readonly PodInfo[], namespace: string): PodInfo[] {
  const first = (after: boolean) => {
    let lo = 0;
    let hi = pods.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const ns = pods[mid].namespace;
      if (ns < namespace || (after && ns === namespace)) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
  return pods.slice(first(false), first(true));
}

/** The port names (`name/protocol`) pods declare, per namespace list (kept lists keep theirs), joined in order. */
function portNamesOf(byNamespace: Map<string, PodInfo[]>): string {
  const names = new Set<string>();
  for (const list of byNamespace.values()) for (const n of declaredPortNames(list)) names.add(n);
  return [...names].sort().join(',');
}



interface Selection {
  namespace: string;
  pods: PodInfo[];
  /** What picks its pods (the same name always means the same match). */
  match: (pod: PodInfo) => boolean;
  version: number;
  generation: number;
  /** The last run that met it. */
  run: number;
}

/** The pods a selector picks, and a version that moves whenever that answer changes. */
export interface SelectionView {
  readonly pods: readonly PodInfo[];
  readonly version: number;
}

/** What lint rules read of a pod: its key, where it is written, labels, hostNetwork, ports. */
function podSignature(p: PodInfo, locator: number): string {
  return `${p.key}\t${locator}\t${p.templatePath.join('.')}\t${p.hostNetwork}\t${JSON.stringify(p.labels)}\t${portsText(p)}`;
}

/** A pod's ports as text, once per containers list (the replicas of a workload share theirs). */
const portsTexts = new WeakMap<object, string>();

function portsText(p: PodInfo): string {
  let t = portsTexts.get(p.containers);
  if (t === undefined) {
    t = p.ports.map((cp) => `${cp.name}/${cp.containerPort}/${cp.protocol}/${cp.container}`).join(',');
    portsTexts.set(p.containers, t);
  }
  return t;
}

/** What a memoised lint run offers the rules: stable ids, versions, units and selections. */
/** What a tracked value read while it was computed. */
interface Reads {
  /** Namespaces whose pods token was read. */
  namespaces: Set<string>;
  selections: Selection[];
  /** Each selection's version when it was read. */
  selectionVersions: number[];
  /** Namespaces selected in, and whether they had pods. */
  present: Map<string, boolean>;
  units: Unit[];
}

interface Tracked {
  value: unknown;
  /** Each namespace whose pods token was read, with its version then (undefined: it had no pods). */
  versions: [string, number | undefined][];
  present: [string, boolean][];
  selectionVersions: number[];
  namespacesVersion: number;
  portNamesVersion: number;
  selections: Selection[];
  units: Unit[];
  run: number;
}

interface Unit {
  key: string;
  value: unknown;
  /** The last run that met it. */
  run: number;
}

/** Drops the entries the run did not meet. */
function forgetUnmet<K>(entries: Map<K, { run: number }>, run: number): void {
  for (const [k, e] of entries) {
    if (e.run === run) continue;
    entries.delete(k);
    retire(e);
  }
}

/** An entry replaced or forgotten: a tracked value that used it no longer holds. */
function retire(e: { run: number }): void {
  e.run = -Infinity;
}

export interface LintDependencies {
  byNamespace: Map<string, PodInfo[]>;
  id(o: object): number;
  /** Moves whenever a pod of the namespace changes (or it gains or loses pods). */
  podsToken(namespace: string): string;
  portNamesToken(): string;
  unit(name: string, key: string, compute: (out: Finding[]) => void): Finding[];
  /**
   * The pods of `namespace` that `match` picks; `name` must identify the selector (the same name
   * always means the same match). `candidates`, when given, lists (in the namespace's order)
   * pods among which are all those `match` picks, to test instead of the whole namespace.
   */
  selection(name: string, namespace: string, match: (pod: PodInfo) => boolean, candidates?: () => readonly PodInfo[]): SelectionView;
  /**
   * A value made from `object` and what is asked of this memo inside `compute` (selections,
   * units, podsToken), taken over from the last run while the object is the same and none of
   * that moved. `compute` must read nothing else that can change (namespaces' labels and pods'
   * port names are watched as well). One value per object and run.
   */
  tracked<T>(object: object, compute: () => T): T;
}

import { diffInKeyOrder, knownInPodKeyOrder } from './pod-order';
import { NodeInfo, PodInfo } from './model';

/**
 * What one build of the pods hands to the next of the same workspace, so that an edit of one
 * workload costs its own pods, not the cluster's. Every piece is a pure function of inputs that
 * are checked to be the very same objects (or equal lists of keys) before it is taken over, so
 * the pods come out as a build from scratch would make them, only without recomputing:
 *
 * - a workload's pod drafts (names, labels), while the workload object, its replica count and
 *   the nodes are the same and its names were each the first derived and are taken by no other
 *   pod (pods.ts buildPods checks that no key repeats);
 * - a Pod object's draft, while the object and the kind of its owner are the same;
 * - a draft's node (scheduling reads only the draft and the nodes), kept on the draft;
 * - a node's allocated addresses, while the same pods (by key, in order) ask for one there and
 *   the addresses a dump carries are the same (allocation reads nothing else; see `podBlocksOverlap`);
 * - a PodInfo, while it comes from the same draft, node, address and configuration (kept on
 *   the draft too);
 * - the whole placement, when the last build placed and addressed every pod without a finding
 *   (`layout`): an edit of a few workloads is then applied to it (pods.ts patchPlacement), so
 *   only the nodes their pods leave or reach are allocated again, and no other pod is visited.
 */
export class PodReuse {
  /** Per workload object: its drafts as last expanded. */
  readonly workloadDrafts = new WeakMap<object, { nodes: NodeInfo[]; count: number; keys: string[]; clean: boolean; unit: unknown }>();
  /** Per Pod object: its draft (as a unit of one) and the owner it was made with. */
  readonly podDrafts = new WeakMap<object, { owner: string; unit: unknown }>();
  /** Per node name: the pods that asked for an address there and what each got. */
  private allocations = new Map<string, Allocation>();
  private nextAllocations = new Map<string, Allocation>();
  /** The last build's pods list (in key order). */
  private list?: PodInfo[];
  /** The last build's placement, when the next one may patch it (see pods.ts patchPlacement); undefined otherwise. */
  layout?: unknown;
  /** What the last build did, for tests and timings: pods taken over and made. */
  readonly counts = { podsKept: 0, podsMade: 0, nodesAllocated: 0, nodesKept: 0, draftsKept: 0, draftsMade: 0, scheduled: 0, patched: 0 };

  begin(): void {
    for (const k of Object.keys(this.counts) as (keyof PodReuse['counts'])[]) this.counts[k] = 0;
    this.nextAllocations = new Map();
  }

  /** The addresses a node's pods got last time, if the same pods ask under the same conditions. */
  allocation(node: NodeInfo, conditions: string, keys: readonly string[]): (string | undefined)[] | undefined {
    const last = this.allocations.get(node.name);
    if (!last || last.node !== node || last.conditions !== conditions || last.keys.length !== keys.length) return undefined;
    for (let i = 0; i < keys.length; i++) if (last.keys[i] !== keys[i]) return undefined;
    this.nextAllocations.set(node.name, last);
    return last.ips;
  }

  allocated(node: NodeInfo, conditions: string, keys: string[], ips: (string | undefined)[]): void {
    this.nextAllocations.set(node.name, { node, conditions, keys, ips });
  }

  /** How many pods the last build gave. */
  lastPodCount(): number {
    return this.list?.length ?? 0;
  }

  /** A node's last allocation made under `conditions` (none when no pod asked there), without taking it over. */
  lastAllocation(node: NodeInfo, conditions: string): { keys: readonly string[]; ips: readonly (string | undefined)[] } | undefined {
    const last = this.allocations.get(node.name);
    return last && last.node === node && last.conditions === conditions ? last : undefined;
  }

  /** Takes every node's last allocation over (a patched build then replaces or drops those it changed). */
  keepAllocations(): void {
    this.nextAllocations = new Map(this.allocations);
  }

  /** Drops a node's allocation from the next build's (no pod asks for an address there any more). */
  dropAllocation(node: NodeInfo): void {
    this.nextAllocations.delete(node.name);
  }

  /**
   * Ends a build: its pods become the ones the next build compares with. Returns what changed
   * since the last build's list (undefined for the first build). Both lists are in key order
   * with each key once, so they are compared in one walk; pods taken over are the same objects.
   * A patched build knows what changed and says so (`known`, each list in key order).
   */
  end(pods: PodInfo[], known?: { removed: PodInfo[]; added: PodInfo[] }): PodChanges | undefined {
    const before = this.list;
    this.list = pods;
    knownInPodKeyOrder(pods);
    this.allocations = this.nextAllocations;
    if (!before) return undefined;
    if (known) return recorded(pods, { from: before, removed: known.removed, added: known.added });
    const removed: PodInfo[] = [];
    const added: PodInfo[] = [];
    diffInKeyOrder(before, pods, (p) => removed.push(p), (p) => added.push(p));
    return recorded(pods, { from: before, removed, added });
  }
}

/** Per built pods list: how it differs from the list built before it (see PodReuse.end). */
const changesOf = new WeakMap<readonly PodInfo[], PodChanges>();

function recorded(pods: readonly PodInfo[], changes: PodChanges): PodChanges {
  changesOf.set(pods, changes);
  return changes;
}

/**
 * How a built pods list differs from the one built before it in the same workspace, when it was
 * built with a PodReuse (both lists are in key order, each key once). Later stages that keep
 * their own state per pods list (lint) read this instead of comparing the lists again.
 */
export function podChangesOf(pods: readonly PodInfo[]): PodChanges | undefined {
  return changesOf.get(pods);
}

interface Allocation {
  node: NodeInfo;
  conditions: string;
  keys: string[];
  ips: (string | undefined)[];
}

/**
 * How one pods list differs from the one built before it: the pods no longer in it (or replaced
 * by another object of the same key) and the pods new in it. Every other pod is the very same
 * object in both lists.
 */
export interface PodChanges {
  from: PodInfo[];
  removed: PodInfo[];
  added: PodInfo[];
}

/**
 * Whether two nodes' IPv4 pod blocks overlap (a hand-written or damaged dump): then one node's
 * allocations can take another's addresses, and no node's allocation is taken over alone.
 */
const overlapOf = new WeakMap<NodeInfo[], boolean>();

export function podBlocksOverlap(nodes: NodeInfo[]): boolean {
  let known = overlapOf.get(nodes);
  if (known === undefined) {
    if (nodes.some((n) => n.podCIDR.family === 6)) return true;
    const blocks = nodes.map((n) => ({ start: n.podCIDR.base >>> 0, end: (n.podCIDR.base >>> 0) + 2 ** (32 - n.podCIDR.prefix) - 1 })).sort((a, b) => a.start - b.start);
    known = false;
    for (let i = 1; i < blocks.length; i++) if (blocks[i].start <= blocks[i - 1].end) known = true;
    overlapOf.set(nodes, known);
  }
  return known;
}

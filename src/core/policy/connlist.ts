import { Cluster, PodInfo } from '../cluster/model';
import { bigToIp6, intToIp } from '../common/ip';
import { ConnSet } from './connset';
import { podChangesOf } from '../cluster/pod-reuse';
import { Reachability } from './reachability';

/**
 * The connectivity list: one line per allowed pair of peers, in the `src => dst : conns` form of
 * existing policy analyzers so outputs can be diffed against theirs. Peers are workloads as
 * written in YAML (`ns/name[Deployment]`; a Pod with ownerReferences under its owner) and
 * external address ranges (`a.b.c.d-e.f.g.h[External]`).
 */
export interface ConnLine {
  src: string;
  dst: string;
  conns: ConnSet;
}

interface Workload {
  name: string;
  /** The replica whose labels and ports speak for the workload (first by name). */
  pod: PodInfo;
}

/**
 * A pod as other analyzers print it: its controller when it has one, else the pod itself. A
 * static pod's mirror (kube-system/etcd-minikube) names its Node as owner: it is still the pod
 * the user wrote, not a `[Node]` peer, whatever address (the node's, for hostNetwork) it has.
 * An ownerReference written without `kind` still groups the pods under the owner's name.
 */
export function workloadName(pod: PodInfo, cluster?: Cluster): string {
  const owner = pod.owner;
  if ((owner.kind as string) === 'Node') return `${pod.namespace}/${pod.name}[Pod]`;
  // Without a kind, the workload of that name in the manifests says which it is.
  if (!owner.kind) return `${owner.namespace}/${owner.name}[${cluster?.workloadsByKey.get(owner.key)?.kind || 'Controller'}]`;
  // A workload's pods share one owner record (across builds too): its name is written once.
  let name = ownerNames.get(owner);
  if (name === undefined) ownerNames.set(owner, (name = `${owner.namespace}/${owner.name}[${owner.kind}]`));
  return name;
}

const ownerNames = new WeakMap<PodInfo['owner'], string>();

/** Per cluster: its workloads (a hover asks once per object; the list and the hints once more). */
const workloadsOf = new WeakMap<Cluster, Workload[]>();

function workloads(reach: Reachability): Workload[] {
  let list = workloadsOf.get(reach.cluster);
  if (!list) workloadsOf.set(reach.cluster, (list = workloadsIn(reach.cluster)));
  return list;
}

function workloadsIn(cluster: Cluster): Workload[] {
  const byName = new Map<string, Workload>();
  // A built cluster keeps its pods in key order already: sorted only when they are not. (A
  // list its build recorded changes for is in namespace-then-name order, which may order
  // namespaces differently but gives each workload, whose pods share a namespace, the same
  // first pod; the workloads' order is not seen: the lines are sorted.)
  const pods = podChangesOf(cluster.pods) || inKeyOrder(cluster.pods) ? cluster.pods : [...cluster.pods].sort((a, b) => (a.key < b.key ? -1 : 1));
  // A workload's pods follow each other: one name per run of pods with the same owner record.
  let runOwner: PodInfo['owner'] | undefined;
  for (const pod of pods) {
    if (pod.owner === runOwner) continue;
    const name = workloadName(pod, cluster);
    runOwner = (pod.owner.kind as string) === 'Node' ? undefined : pod.owner;
    if (!byName.has(name)) byName.set(name, { name, pod });
  }
  return [...byName.values()];
}

/**
 * What the connectivity list reads besides reachability: the pods in key order with the
 * workload each belongs to (the first pod of a workload speaks for it). Two clusters with equal
 * `reachabilityInputs` and equal strings here have the same list.
 */
export function connlistInputs(cluster: Cluster): string {
  return [...cluster.pods].sort((a, b) => (a.key < b.key ? -1 : 1)).map((pod) => `${pod.key}\t${workloadName(pod, cluster)}`).join('\n');
}

/**
 * Whether two clusters have the same `connlistInputs`, without writing either out. Pods lists
 * already in key order (a build keeps them so) are compared pod by pod, a pod that is the very
 * same object in both taking the shortcut unless its workload's name is looked up in the
 * cluster (an owner written without a kind); other lists are compared as the strings.
 */
export function sameConnlistInputs(a: Cluster, b: Cluster): boolean {
  if (a.pods.length !== b.pods.length) return false;
  if (!inKeyOrder(a.pods) || !inKeyOrder(b.pods)) return connlistInputs(a) === connlistInputs(b);
  for (let i = 0; i < a.pods.length; i++) {
    const p = a.pods[i];
    const q = b.pods[i];
    if (p === q && p.owner.kind) continue;
    if (p.key !== q.key || workloadName(p, a) !== workloadName(q, b)) return false;
  }
  return true;
}

function inKeyOrder(pods: readonly PodInfo[]): boolean {
  for (let i = 1; i < pods.length; i++) if (!(pods[i - 1].key < pods[i].key)) return false;
  return true;
}

export function rangeName(first: number, last: number): string {
  return `${intToIp(first)}-${intToIp(last)}[External]`;
}

export function rangeName6(first: bigint, last: bigint): string {
  return `${bigToIp6(first)}-${bigToIp6(last)}[External]`;
}

export function computeConnlist(reach: Reachability): ConnLine[] {
  const ws = workloads(reach);
  const lines: ConnLine[] = [];
  for (const src of ws) {
    for (const dst of ws) {
      if (src.name === dst.name) continue;
      const conns = reach.allowed(src.pod, dst.pod);
      if (!conns.isEmpty()) lines.push({ src: src.name, dst: dst.name, conns });
    }
  }
  for (const w of ws) externalLines(reach, w, lines);
  return lines.sort(compareLines);
}

/**
 * The lines of the connectivity list that start or end at one workload (by its printed name),
 * in the list's order: what a hover on it shows, without the list of every other pair.
 */
export function connlistAround(reach: Reachability, name: string): ConnLine[] {
  const ws = workloads(reach);
  const self = ws.find((w) => w.name === name);
  if (!self) return [];
  const lines: ConnLine[] = [];
  for (const other of ws) {
    if (other.name === name) continue;
    const into = reach.allowed(other.pod, self.pod);
    if (!into.isEmpty()) lines.push({ src: other.name, dst: name, conns: into });
    const out = reach.allowed(self.pod, other.pod);
    if (!out.isEmpty()) lines.push({ src: name, dst: other.name, conns: out });
  }
  externalLines(reach, self, lines);
  return lines.sort(compareLines);
}

/** A workload's lines to and from addresses outside the cluster. */
function externalLines(reach: Reachability, w: Workload, lines: ConnLine[]): void {
  // Every address in one atom is treated alike; adjacent atoms that are treated alike towards
  // a workload are merged into one range.
  const atoms = reach.externalAtoms();
  const inbound = atoms.map(([first]) => reach.fromAddress(intToIp(first), w.pod));
  const outbound = atoms.map(([first]) => reach.toAddress(w.pod, intToIp(first)));
  for (const [first, last, conns] of mergeRanges(atoms, inbound)) lines.push({ src: rangeName(first, last), dst: w.name, conns });
  for (const [first, last, conns] of mergeRanges(atoms, outbound)) lines.push({ src: w.name, dst: rangeName(first, last), conns });
  // A dual-stack cluster has a second outside: the IPv6 space, split by the IPv6 ipBlocks.
  if (reach.cluster.config.ipFamilies.includes(6) && w.pod.ip6) {
    const atoms6 = reach.externalAtoms6();
    const inbound6 = atoms6.map(([first]) => reach.fromAddress(bigToIp6(first), w.pod));
    const outbound6 = atoms6.map(([first]) => reach.toAddress(w.pod, bigToIp6(first)));
    for (const [first, last, conns] of mergeRanges(atoms6, inbound6)) lines.push({ src: rangeName6(first, last), dst: w.name, conns });
    for (const [first, last, conns] of mergeRanges(atoms6, outbound6)) lines.push({ src: w.name, dst: rangeName6(first, last), conns });
  }
}

function mergeRanges<N extends number | bigint>(atoms: [N, N][], conns: ConnSet[]): [N, N, ConnSet][] {
  const out: [N, N, ConnSet][] = [];
  atoms.forEach(([first, last], i) => {
    const c = conns[i];
    if (c.isEmpty()) return;
    const prev = out[out.length - 1];
    const adjacent = prev && (typeof first === 'bigint' ? (prev[1] as bigint) + 1n === first : (prev[1] as number) + 1 === first);
    if (prev && adjacent && prev[2].equals(c)) prev[1] = last;
    else out.push([first, last, c]);
  });
  return out;
}

function compareLines(a: ConnLine, b: ConnLine): number {
  const x = formatLine(a), y = formatLine(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function formatLine(l: ConnLine): string {
  return `${l.src} => ${l.dst} : ${l.conns.toString()}`;
}

export type ConnlistFormat = 'txt' | 'json' | 'csv' | 'md' | 'dot';

export function formatConnlist(lines: ConnLine[], format: ConnlistFormat): string {
  switch (format) {
    case 'txt':
      return lines.map(formatLine).join('\n') + (lines.length ? '\n' : '');
    case 'json':
      return JSON.stringify(lines.map((l) => ({ src: l.src, dst: l.dst, conn: l.conns.toString() })), null, 2) + '\n';
    case 'csv':
      return ['src,dst,conn', ...lines.map((l) => [l.src, l.dst, l.conns.toString()].map(csvCell).join(','))].join('\n') + '\n';
    case 'md':
      return ['| src | dst | conn |', '|-----|-----|------|', ...lines.map((l) => `| ${l.src} | ${l.dst} | ${l.conns.toString()} |`)].join('\n') + '\n';
    case 'dot': {
      const nodes = [...new Set(lines.flatMap((l) => [l.src, l.dst]))].sort();
      const id = new Map(nodes.map((n, i) => [n, `n${i}`]));
      return [
        'digraph connlist {',
        '  rankdir=LR;',
        ...nodes.map((n) => `  ${id.get(n)} [label=${JSON.stringify(n)}${n.endsWith('[External]') ? ' shape=box style=dashed' : ''}];`),
        ...lines.map((l) => `  ${id.get(l.src)} -> ${id.get(l.dst)} [label=${JSON.stringify(l.conns.toString())}];`),
        '}',
      ].join('\n') + '\n';
    }
  }
}

function csvCell(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Flows added and removed between two connlists (a changed connection set is one of each). */
export function diffConnlists(before: ConnLine[], after: ConnLine[]): { added: ConnLine[]; removed: ConnLine[] } {
  const key = (l: ConnLine) => formatLine(l);
  const b = new Set(before.map(key));
  const a = new Set(after.map(key));
  return { added: after.filter((l) => !b.has(key(l))), removed: before.filter((l) => !a.has(key(l))) };
}

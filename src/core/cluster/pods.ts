import { Finding, finding } from '../common/finding';
import { fnv1a, macFor, nameSuffix, sha1Hex } from '../common/hash';
import { Cidr, cidrContains, cidrSize, intToIp, ipToInt, nthAddress } from '../common/ip';
import { pushTo } from '../common/list-map';
import { Locator } from '../common/source';
import { ManifestSet, ObjectMeta, PodSpec, WorkloadKind, WorkloadManifest } from '../manifest/types';
import { matchesMap, matchesSelector } from './labels';
import { UNSCHEDULABLE_TAINT_KEY, daemonSetTolerations, fitsTaints, preferUntainted, taintRelated, taintReasons, taintText, untoleratedTaints } from './taints';
import { ClusterConfig, NodeInfo, PodInfo, WorkloadInfo, WorkloadRef, podKey } from './model';
import { comparePodKeys } from './pod-order';
import { BlockClaims, CALICO_MAX_BLOCKS_PER_HOST, LiveBlocks, claimsMoreBlocks } from './calico-blocks';
import { nodeBlockPrefix } from './defaults';
import { PodChanges, PodReuse, podBlocksOverlap } from './pod-reuse';

/** A pod to place: from a Pod object or expanded from a workload's template. */
interface PodDraft {
  name: string;
  namespace: string;
  /** `namespace/name`. */
  key: string;
  labels: Record<string, string>;
  spec: PodSpec;
  owner: WorkloadRef;
  statusIP?: string;
  statusIP6?: string;
  hostIP?: string;
  phase?: string;
  ready?: boolean;
  /** A DaemonSet pod is bound to its node before scheduling. */
  boundNode?: string;
  locator: Locator;
  templatePath: (string | number)[];
  /** Scheduling spreads replicas of one workload over the eligible nodes starting here. */
  spreadSeed: number;
  replica: number;
  /** Set for pods expanded from a workload: findings about the template are made once per workload. */
  workload?: string;
  /**
   * With an earlier build at hand (drafts are kept across builds, see PodReuse): the node this
   * draft was placed on for a nodes list, and the PodInfo it was made into with what else that read.
   */
  placedOn?: { nodes: NodeInfo[]; node: NodeInfo };
  made?: { pod: PodInfo; node: NodeInfo; ip: string; source: PodInfo['ipSource']; config: ClusterConfig };
  /** The unit it belongs to, once a placement layout holds it (see patchPlacement). */
  unit?: DraftUnit;
}

/**
 * The drafts of one Pod object or one workload, in the order they are made, and the same
 * drafts in key order (made when first needed: a unit kept from an earlier build has them).
 */
interface DraftUnit {
  drafts: PodDraft[];
  sorted?: PodDraft[];
  /** Its pods and their keys, in key order, as the last placement layout holding it made them. */
  pods?: PodInfo[];
  keys?: string[];
  /** The workload it expands, as the current build describes it (none for a Pod object). */
  info?: WorkloadInfo;
}

/**
 * A build's placement, kept (in PodReuse.layout) when every draft was placed and addressed
 * without a finding, no pod carries an address of its own and the nodes' blocks do not overlap:
 * the units in key order, each with its pods, and per node the drafts that asked for an address
 * there, in key order. The next build applies an edit of a few units to it (patchPlacement).
 */
interface PlacementLayout {
  nodes: NodeInfo[];
  config: ClusterConfig;
  units: DraftUnit[];
  onNode: Map<NodeInfo, PodDraft[]>;
}

/**
 * Pods PodPath models in one cluster, written and expanded together. Far beyond any cluster
 * an analysis is useful for (Kubernetes' own scalability target is 150,000 pods), and small
 * enough that building, tracing and the editor stay within seconds and a few hundred MiB.
 */
export const MAX_PODS = 200000;

/**
 * Turns Pod objects and workload templates into placed, addressed pods. Placement and
 * addresses are deterministic and stable: a pod keeps its node and IP when unrelated objects
 * are added, because both are derived from its own name rather than from list order.
 */
export function buildPods(
  m: ManifestSet, config: ClusterConfig, nodes: NodeInfo[], findings: Finding[], maxPods = MAX_PODS, reuse?: PodReuse,
): { pods: PodInfo[]; workloads: WorkloadInfo[]; changes?: PodChanges; extraPodBlocks?: Map<string, Cidr[]> } {
  reuse?.begin();
  // A dump holds the live objects of every level: Deployment → ReplicaSet → Pod, CronJob →
  // Job → Pod. A workload whose pods (or child workloads) are in the manifests already ran:
  // expanding its template again would count its pods twice or three times.
  const owners = new OwnerIndex(m.workloads);
  const owned = new Set<string>();
  for (const p of m.pods) for (const o of p.meta.ownerReferences) owned.add(owners.resolve(o, p.meta, 'Pod').id);
  for (const w of m.workloads) for (const o of w.meta.ownerReferences) owned.add(owners.resolve(o, w.meta, w.kind).id);

  // With an earlier build at hand, names are first derived as if none were taken (kept workloads
  // keep theirs without looking): that is what a build from scratch gives whenever no derived
  // name was retried and no key repeats, which is checked. Otherwise every name is derived again
  // against the names taken before it, as always.
  let expanded = expandDrafts(m, nodes, owners, owned, maxPods, reuse, reuse ? undefined : new Set());
  // Manifests as written (no Pod objects, no owners) after a build that kept its layout: the
  // edit is applied to that placement.
  const patchable = expanded.clean && m.pods.length === 0 && owned.size === 0;
  const patched = reuse && patchable ? patchPlacement(expanded.units, config, nodes, reuse) : undefined;
  if (reuse && patched) {
    findings.push(...expanded.findings);
    for (const u of patched.units) u.info!.pods = u.keys!.slice();
    const changes = reuse.end(patched.pods, patched);
    return { pods: patched.pods, workloads: expanded.workloads, ...(changes ? { changes } : {}) };
  }
  let order = !reuse ? inKeyOrder(expanded.units, false) : expanded.clean ? inKeyOrder(expanded.units, true) : undefined;
  if (!order) {
    expanded = expandDrafts(m, nodes, owners, owned, maxPods, reuse, new Set());
    order = inKeyOrder(expanded.units, false)!;
  }
  const ordered = order.drafts;
  const { workloads } = expanded;
  findings.push(...expanded.findings);
  const findingsBefore = findings.length;
  const { pods, extraPodBlocks } = placeAndAddress(ordered, config, nodes, findings, reuse);
  if (reuse) {
    // A node that claimed a further block is allocated afresh each time (patchPlacement knows one block a node).
    const clean = patchable && !!order.units && findings.length === findingsBefore && pods.length === ordered.length && !podBlocksOverlap(nodes) && extraPodBlocks.size === 0;
    reuse.layout = clean ? layoutOf(order.units!, pods, config, nodes) : undefined;
  }
  const byOwner = new Map(workloads.map((w) => [w.kind + '|' + w.key, w]));
  // A workload's pods share one owner object and mostly follow each other: looked up once per run.
  let runOwner: WorkloadRef | undefined;
  let runWorkload: WorkloadInfo | undefined;
  for (const p of pods) {
    if (p.owner !== runOwner) {
      runOwner = p.owner;
      runWorkload = byOwner.get(p.owner.kind + '|' + p.owner.key);
    }
    runWorkload?.pods.push(p.key);
  }
  // A Deployment's pods are its ReplicaSets' pods (a CronJob's, its Jobs').
  const merged = new Set<WorkloadInfo>();
  for (const w of m.workloads) {
    for (const o of w.meta.ownerReferences) {
      const parent = byOwner.get(owners.resolve(o, w.meta, w.kind).id);
      const child = byOwner.get(`${w.kind}|${podKey(w.meta.namespace, w.meta.name)}`);
      if (parent && child && parent !== child) {
        const have = new Set(parent.pods);
        for (const k of child.pods) if (!have.has(k)) parent.pods.push(k);
        merged.add(parent);
      }
    }
  }
  // The pods came in key order and a workload's pods share its namespace, so each list is
  // sorted already, unless a child's pods were added to it.
  for (const w of merged) w.pods.sort();
  const changes = reuse?.end(pods);
  return { pods, workloads, ...(changes ? { changes } : {}), ...(extraPodBlocks.size ? { extraPodBlocks } : {}) };
}

/**
 * The drafts of every Pod object and workload, as units (see DraftUnit), with the workloads and
 * the findings about them. `used` holds the pod keys taken so far: each derived name must avoid
 * them. Without it names are derived as if none were taken, and `clean` says whether every one
 * was the first derived (whether that equals a build with `used` is the caller's to check).
 */
function expandDrafts(
  m: ManifestSet, nodes: NodeInfo[], owners: OwnerIndex, owned: Set<string>, maxPods: number, reuse: PodReuse | undefined, used: Set<string> | undefined,
): { units: DraftUnit[]; workloads: WorkloadInfo[]; findings: Finding[]; clean: boolean } {
  const units: DraftUnit[] = [];
  const workloads: WorkloadInfo[] = [];
  const findings: Finding[] = [];
  let allClean = true;
  // Generated names must not collide with each other nor with the pods written out.
  for (const p of m.pods) {
    used?.add(podKey(p.meta.namespace, p.meta.name));
    const owner = p.meta.ownerReferences[0];
    const ownerKind = owner ? owners.resolve(owner, p.meta, 'Pod').kind : undefined;
    const made = (): PodDraft => ({
      name: p.meta.name, namespace: p.meta.namespace, key: podKey(p.meta.namespace, p.meta.name), labels: p.meta.labels, spec: p.spec,
      owner: owner
        ? { kind: ownerKind as WorkloadRef['kind'], name: owner.name, namespace: p.meta.namespace, key: podKey(p.meta.namespace, owner.name) }
        : { kind: 'Pod', name: p.meta.name, namespace: p.meta.namespace, key: podKey(p.meta.namespace, p.meta.name) },
      ...(p.status.podIP ? { statusIP: p.status.podIP } : {}),
      ...(p.status.podIP6 ? { statusIP6: p.status.podIP6 } : {}),
      ...(p.status.hostIP ? { hostIP: p.status.hostIP } : {}),
      ...(p.status.phase ? { phase: p.status.phase } : {}),
      ...(p.status.ready !== undefined ? { ready: p.status.ready } : {}),
      locator: p.locator, templatePath: [], spreadSeed: fnv1a(podKey(p.meta.namespace, p.meta.name)), replica: 0,
    });
    if (!reuse) { units.push({ drafts: [made()] }); continue; }
    // The draft reads the Pod object and the kind of its owner only.
    const ownerId = owner ? `${ownerKind}|${owner.name}` : '';
    const last = reuse.podDrafts.get(p);
    if (last && last.owner === ownerId) {
      units.push(last.unit as DraftUnit);
    } else {
      const unit: DraftUnit = { drafts: [made()] };
      reuse.podDrafts.set(p, { owner: ownerId, unit });
      units.push(unit);
    }
  }
  const seenWorkloads = new Map<string, WorkloadManifest>();
  // The cluster-wide pod budget: pods written out count first, then workloads in file order.
  let budget = Math.max(0, maxPods - m.pods.length);
  let asked = m.pods.length;
  let firstCut: WorkloadManifest | undefined;
  for (const w of m.workloads) {
    const { ref, id } = identityOf(w);
    const twin = seenWorkloads.get(id);
    if (twin) {
      findings.push(finding('duplicate-object', 'error', `${w.kind} ${ref.key} is defined twice; the later one is ignored`, w.locator.range, [{ message: 'first definition', range: twin.locator.range }]));
      continue;
    }
    seenWorkloads.set(id, w);
    checkWorkloadSelector(w, findings);
    // Written out, not spread: once per workload and build, spreads were a tenth of a label edit's build.
    const info: WorkloadInfo = w.selector
      ? { kind: ref.kind, name: ref.name, namespace: ref.namespace, key: ref.key, selector: w.selector, pods: [], locator: w.locator }
      : { kind: ref.kind, name: ref.name, namespace: ref.namespace, key: ref.key, pods: [], locator: w.locator };
    workloads.push(info);
    if (owned.has(id)) continue;
    const hash = w.kind === 'Deployment' ? templateHash(w) : '';
    const wanted = w.kind === 'DaemonSet' ? nodes.length : w.replicas;
    asked += wanted;
    if (wanted > budget && !firstCut) firstCut = w;
    let count = Math.min(wanted, budget);
    if (w.kind === 'StatefulSet' && count > 0 && `${w.meta.name}-${(w.ordinalStart ?? 0) + count - 1}`.length > 63) {
      // Each pod carries its name as the statefulset.kubernetes.io/pod-name label value, which
      // is at most 63 characters: the controller cannot create pods with longer names.
      findings.push(finding('invalid-name', 'error', `StatefulSet ${ref.key}: pod names such as ${w.meta.name.slice(0, 20)}…-${(w.ordinalStart ?? 0) + count - 1} are longer than the 63 characters a label value (statefulset.kubernetes.io/pod-name) allows, so the controller creates no pods`, w.locator.at(['metadata', 'name'])));
      count = 0;
    }
    const last = reuse?.workloadDrafts.get(w);
    if (last && last.nodes === nodes && last.count === count && (w.kind === 'StatefulSet' || (last.clean && (!used || last.keys.every((k) => !used.has(k)))))) {
      // The same names as last time: each was the first one derived and none is taken now
      // (a StatefulSet's names are fixed whatever is taken).
      if (used) for (const k of last.keys) used.add(k);
      const unit = last.unit as DraftUnit;
      budget -= unit.drafts.length;
      unit.info = info;
      units.push(unit);
      if (reuse) reuse.counts.draftsKept += unit.drafts.length;
      continue;
    }
    const { names, clean } = replicaNames(w, nodes, count, used ?? new Set());
    if (!clean) allClean = false;
    budget -= names.length;
    // Replicas of one template share one labels object (the policy engine groups pods by it),
    // but a StatefulSet's pods, which each carry their own name.
    const templateLabels: Record<string, string> = { ...w.template.labels };
    if (w.kind === 'Deployment') templateLabels['pod-template-hash'] = hash;
    const made: PodDraft[] = names.map(({ name, node, ordinal }, i) => {
      let labels = templateLabels;
      if (w.kind === 'StatefulSet') {
        // The StatefulSet controller labels each pod with its name and (1.28+) its ordinal.
        labels = { ...templateLabels, 'statefulset.kubernetes.io/pod-name': name, 'apps.kubernetes.io/pod-index': String(ordinal) };
      }
      return {
        name, namespace: w.meta.namespace, key: podKey(w.meta.namespace, name), labels, spec: w.template.spec, owner: ref, locator: w.locator,
        templatePath: w.templatePath, spreadSeed: fnv1a(ref.key), replica: i, ...(node ? { boundNode: node } : {}), workload: id,
      };
    });
    const unit: DraftUnit = { drafts: made, info };
    units.push(unit);
    if (reuse) {
      reuse.workloadDrafts.set(w, { nodes, count, keys: made.map((d) => d.key), clean, unit });
      reuse.counts.draftsMade += made.length;
    }
  }
  if (firstCut) {
    const path = firstCut.kind === 'Job' || firstCut.kind === 'CronJob' ? firstCut.templatePath.slice(0, -1) : firstCut.kind === 'DaemonSet' ? ['spec'] : ['spec', 'replicas'];
    findings.push(finding('too-many-pods', 'warning',
      `the manifests ask for ${asked} pods; PodPath models at most ${maxPods} per cluster, so ${asked - (maxPods - budget)} pods are left out, from ${firstCut.kind} ${podKey(firstCut.meta.namespace, firstCut.meta.name)} on (in file order)`,
      firstCut.locator.at(path)));
  }
  return { units, workloads, findings, clean: allClean };
}

/**
 * A workload's reference and its `kind|namespace/name` id, made once per workload object (an
 * unchanged document keeps its object across edits): the same strings each build, already hashed.
 */
function identityOf(w: WorkloadManifest): { ref: WorkloadRef; id: string } {
  let known = identities.get(w);
  if (!known) {
    const ref: WorkloadRef = { kind: w.kind, name: w.meta.name, namespace: w.meta.namespace, key: podKey(w.meta.namespace, w.meta.name) };
    identities.set(w, (known = { ref, id: `${w.kind}|${ref.key}` }));
  }
  return known;
}

const identities = new WeakMap<WorkloadManifest, { ref: WorkloadRef; id: string }>();

function checkWorkloadSelector(w: WorkloadManifest, findings: Finding[]): void {
  if (!w.selector) return;
  const matches = w.kind === 'ReplicationController' ? matchesMap(w.template.labels, w.selector.matchLabels) : matchesSelector(w.template.labels, w.selector);
  if (!matches) {
    findings.push(finding('selector-mismatch', 'error', `${w.kind} ${w.meta.name}: spec.selector does not match the template's labels; the API server rejects it`, w.locator.at(['spec', 'selector'])));
  }
}

/** The pod-template-hash a Deployment's ReplicaSet would carry (10 characters). */
function templateHash(w: WorkloadManifest): string {
  let hash = templateHashes.get(w);
  if (hash === undefined) templateHashes.set(w, (hash = nameSuffix(`${w.meta.namespace}/${w.meta.name}/template/${JSON.stringify(w.template)}`, 10)));
  return hash;
}

/** Per workload object: an unchanged document keeps its object across edits (manifest/load.ts). */
const templateHashes = new WeakMap<WorkloadManifest, string>();

/**
 * Pod names as the controllers make them: StatefulSet `<name>-<ordinal>` (from
 * spec.ordinals.start, default 0); Deployment `<name>-<pod-template-hash>-<5 chars>`; DaemonSet,
 * ReplicaSet, ReplicationController and Job `<name>-<5 chars>`; CronJob
 * `<name>-<scheduled minute>-<5 chars>`. The random part follows a generateName prefix cut to
 * 58 characters (apiserver/pkg/storage/names: MaxGeneratedNameLength), so every generated name
 * is a valid pod name. Where a derived suffix repeats a name already taken in the namespace
 * (the API server would retry with new random characters), the next derivation is used.
 */
function replicaNames(w: WorkloadManifest, nodes: NodeInfo[], count: number, used: Set<string>): { names: { name: string; node?: string; ordinal?: number }[]; clean: boolean } {
  let clean = true;
  const out = replicaNamesOf(w, nodes, count, used, () => { clean = false; });
  return { names: out, clean };
}

/** replicaNames; `retried` is told when a derived name was taken and another was derived. */
function replicaNamesOf(w: WorkloadManifest, nodes: NodeInfo[], count: number, used: Set<string>, retried: () => void): { name: string; node?: string; ordinal?: number }[] {
  const base = w.meta.name;
  const seed = `${w.meta.namespace}/${base}`;
  const out: { name: string; node?: string; ordinal?: number }[] = [];
  const take = (name: string) => {
    const key = podKey(w.meta.namespace, name);
    if (used.has(key)) return false;
    used.add(key);
    return true;
  };
  const random = (prefix: string, salt: string) => {
    const cut = prefix.slice(0, 58);
    for (let attempt = 0; ; attempt++) {
      const name = cut + nameSuffix(attempt === 0 ? `${seed}/${salt}` : `${seed}/${salt}/${attempt}`, 5);
      if (take(name)) return name;
      retried();
    }
  };
  switch (w.kind) {
    case 'StatefulSet': {
      // Ordinal names are fixed: a clash with a written pod is a real duplicate, reported later.
      const start = w.ordinalStart ?? 0;
      for (let i = 0; i < count; i++) {
        const name = `${base}-${start + i}`;
        take(name);
        out.push({ name, ordinal: start + i });
      }
      return out;
    }
    case 'Deployment': {
      const prefix = `${base}-${templateHash(w)}-`;
      for (let i = 0; i < count; i++) out.push({ name: random(prefix, String(i)) });
      return out;
    }
    case 'DaemonSet':
      for (const n of nodes) {
        if (out.length >= count) break;
        if (daemonEligible(n, w.template.spec)) out.push({ name: random(`${base}-`, n.name), node: n.name });
      }
      return out;
    case 'CronJob': {
      const prefix = `${base}-${29000000 + (fnv1a(seed) % 1000000)}-`;
      for (let i = 0; i < count; i++) out.push({ name: random(prefix, String(i)) });
      return out;
    }
    default:
      for (let i = 0; i < count; i++) out.push({ name: random(`${base}-`, String(i)) });
      return out;
  }
}

/** Which kinds own which: a Pod's owner runs pods, a ReplicaSet's is a Deployment, a Job's a CronJob. */
const OWNER_KINDS: Record<string, readonly WorkloadKind[]> = {
  Pod: ['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicationController', 'Deployment', 'CronJob'],
  ReplicaSet: ['Deployment'],
  Job: ['CronJob'],
};

/**
 * Finds the workload an ownerReference points at: by uid when both sides carry one, by kind
 * and name as written, and, for references written without a kind (hand-made dumps), by name
 * among the kinds that can own such an object.
 */
class OwnerIndex {
  private readonly byUid = new Map<string, WorkloadManifest>();
  private readonly byName = new Map<string, WorkloadManifest[]>();

  constructor(workloads: readonly WorkloadManifest[]) {
    for (const w of workloads) {
      if (w.meta.uid) this.byUid.set(w.meta.uid, w);
      const key = podKey(w.meta.namespace, w.meta.name);
      const list = this.byName.get(key);
      if (list) list.push(w); else this.byName.set(key, [w]);
    }
  }

  /** The owner's kind and its `kind|namespace/name` id. */
  resolve(ref: ObjectMeta['ownerReferences'][number], child: ObjectMeta, childKind: string): { kind: string; id: string } {
    const key = podKey(child.namespace, ref.name);
    const byUid = ref.uid ? this.byUid.get(ref.uid) : undefined;
    let kind = byUid && byUid.meta.namespace === child.namespace && byUid.meta.name === ref.name ? byUid.kind : ref.kind;
    if (!kind) {
      const candidates = this.byName.get(key) ?? [];
      const order = OWNER_KINDS[childKind] ?? [];
      const found = order.find((k) => candidates.some((c) => c.kind === k));
      // Not in the manifests: a pod named `<owner>-<ordinal>` is a StatefulSet's, others a ReplicaSet's.
      const ordinal = child.name.startsWith(`${ref.name}-`) && /^\d+$/.test(child.name.slice(ref.name.length + 1));
      kind = found ?? (childKind === 'Pod' ? (ordinal ? 'StatefulSet' : 'ReplicaSet') : order[0] ?? 'ReplicaSet');
    }
    return { kind, id: `${kind}|${key}` };
  }
}

/**
 * The scheduler's view: nodeSelector must match, and every NoSchedule/NoExecute taint must be
 * tolerated (a cordoned node counts as tainted node.kubernetes.io/unschedulable:NoSchedule);
 * see taints.ts.
 */
function eligible(node: NodeInfo, spec: PodSpec): boolean {
  return matchesMap(node.labels, spec.nodeSelector) && fitsTaints(node, spec.tolerations ?? []);
}

/**
 * The DaemonSet controller's view: a daemon pod runs on every node its template's nodeName
 * and nodeSelector allow and whose taints it tolerates, counting the tolerations the
 * controller adds by itself — cordoned nodes are included (node.kubernetes.io/unschedulable),
 * a control-plane node is not unless the template tolerates its taint
 * (kubernetes.io/docs/concepts/workloads/controllers/daemonset/#taints-and-tolerations).
 */
function daemonEligible(node: NodeInfo, spec: PodSpec): boolean {
  return (!spec.nodeName || spec.nodeName === node.name) && matchesMap(node.labels, spec.nodeSelector)
    && fitsTaints(node, [...(spec.tolerations ?? []), ...daemonSetTolerations(spec.hostNetwork)]);
}

/**
 * The scheduler's candidate nodes for a pod spec, in the order it spreads replicas over them.
 * They depend only on the nodeSelector and tolerations: computed once per distinct pair.
 */
function eligibleNodes(nodes: NodeInfo[]): (spec: PodSpec) => NodeInfo[] {
  const cache = new Map<string, NodeInfo[]>();
  return (spec) => {
    const tolerations = spec.tolerations ?? [];
    const id = JSON.stringify([spec.nodeSelector, tolerations.map((t) => [t.key, t.operator, t.value, t.effect])]);
    let list = cache.get(id);
    if (!list) cache.set(id, (list = preferUntainted(nodes.filter((n) => eligible(n, spec)), tolerations)));
    return list;
  };
}

/** The placement layout of a build that placed every draft of `units` (in key order) as `pods`, one for one. */
function layoutOf(units: DraftUnit[], pods: PodInfo[], config: ClusterConfig, nodes: NodeInfo[]): PlacementLayout {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const onNode = new Map<NodeInfo, PodDraft[]>();
  let i = 0;
  for (const u of units) {
    const start = i;
    for (const d of u.sorted!) {
      d.unit = u;
      const pod = pods[i++];
      if (pod.hostNetwork) continue;
      const node = byName.get(pod.node)!;
      const list = onNode.get(node);
      if (list) list.push(d); else onNode.set(node, [d]);
    }
    u.pods = pods.slice(start, i);
    u.keys = u.pods.map((p) => p.key);
  }
  return { nodes, config, units, onNode };
}

/**
 * Applies an edit of a few units (workloads whose drafts were made again) to the last build's
 * placement layout, visiting only the new units' drafts and the nodes their pods leave or reach:
 * the new drafts are scheduled, those nodes allocate addresses again (as a build from scratch
 * would: a node's allocation reads only the keys asking there, in key order, when blocks do not
 * overlap and no pod brings its own address), pods whose address moved are made again, and the
 * pods list is the units' pods joined in key order. Gives undefined, having changed nothing,
 * whenever the result could differ from a full build: no layout, other nodes or configuration,
 * units whose keys interleave, hostNetwork drafts, a draft that fits no node, a full block, or
 * an edit so large that the full build costs no more.
 */
function patchPlacement(units: DraftUnit[], config: ClusterConfig, nodes: NodeInfo[], reuse: PodReuse):
  { pods: PodInfo[]; units: DraftUnit[]; removed: PodInfo[]; added: PodInfo[] } | undefined {
  const layout = reuse.layout as PlacementLayout | undefined;
  if (!layout || layout.nodes !== nodes || layout.config !== config) return undefined;
  const before = new Set(layout.units);
  const present = new Set<DraftUnit>();
  const fresh: DraftUnit[] = [];
  let freshDrafts = 0;
  for (const u of units) {
    if (u.drafts.length === 0) continue;
    present.add(u);
    if (before.has(u)) continue;
    fresh.push(u);
    freshDrafts += u.drafts.length;
  }
  const kept = layout.units.filter((u) => present.has(u));
  const gone = layout.units.filter((u) => !present.has(u));
  let gonePods = 0;
  for (const u of gone) gonePods += u.pods!.length;
  if ((freshDrafts + gonePods) * 4 > reuse.lastPodCount()) return undefined;

  // The new units in key order among the kept ones; each must stay apart from its neighbours.
  for (const u of fresh) {
    u.sorted ??= u.drafts.length === 1 ? u.drafts : [...u.drafts].sort(compareDrafts);
    for (let j = 1; j < u.sorted.length; j++) if (compareDrafts(u.sorted[j - 1], u.sorted[j]) >= 0) return undefined;
  }
  fresh.sort((a, b) => compareDrafts(a.sorted![0], b.sorted![0]));
  const ordered = mergeInOrder(kept, fresh, (a, b) => compareDrafts(a.sorted![0], b.sorted![0]));
  for (let i = 1; i < ordered.length; i++) {
    const a = ordered[i - 1].sorted!;
    if (compareDrafts(a[a.length - 1], ordered[i].sorted![0]) >= 0) return undefined;
  }

  // Where the new drafts go: nothing is written until every one has a node.
  const nodesByName = new Map(nodes.map((n) => [n.name, n]));
  const nodesByIP = new Map(nodes.map((n) => [n.ip, n]));
  const eligibleFor = eligibleNodes(nodes);
  const placements = new Map<PodDraft, NodeInfo>();
  let scheduled = 0;
  const problems: Finding[] = [];
  for (const u of fresh) {
    for (const d of u.sorted!) {
      if (d.spec.hostNetwork || d.statusIP) return undefined;
      let node = d.placedOn?.nodes === nodes ? d.placedOn.node : undefined;
      if (!node) {
        node = schedule(d, nodes, eligibleFor, nodesByName, nodesByIP, problems, new Set());
        scheduled++;
      }
      if (!node || problems.length) return undefined;
      placements.set(d, node);
    }
  }

  // The nodes whose drafts change: those the gone units' pods leave and the new ones reach.
  const leaving = new Map<NodeInfo, Set<PodDraft>>();
  for (const u of gone) {
    for (const d of u.sorted!) {
      const node = d.made?.node;
      if (!node || d.made!.source !== 'allocated') continue;
      const set = leaving.get(node);
      if (set) set.add(d); else leaving.set(node, new Set([d]));
    }
  }
  const arriving = new Map<NodeInfo, PodDraft[]>();
  for (const [d, node] of placements) {
    const list = arriving.get(node);
    if (list) list.push(d); else arriving.set(node, [d]);
  }
  const reserved = config.plugin === 'calico' ? 1 : 2;
  const conditions = `${reserved}|`;
  const onNode = new Map(layout.onNode);
  const allocations: { node: NodeInfo; keys: string[]; ips: (string | undefined)[] }[] = [];
  /** Drafts whose address is new: every new draft, and kept ones whose address moved. */
  const addressed = new Map<PodDraft, string>();
  let nodesAllocated = 0;
  for (const node of new Set([...leaving.keys(), ...arriving.keys()])) {
    const out = leaving.get(node);
    const stay = (layout.onNode.get(node) ?? []).filter((d) => !out?.has(d));
    const come = (arriving.get(node) ?? []).sort(compareDrafts);
    const drafts = mergeInOrder(stay, come, compareDrafts);
    const keys = drafts.map((d) => d.key);
    const last = reuse.lastAllocation(node, conditions);
    if (!last && layout.onNode.has(node)) return undefined;
    const same = last !== undefined && last.keys.length === keys.length && keys.every((k, i) => last.keys[i] === k);
    const ips = same ? last!.ips.slice() : allocateOnNode(node.podCIDR, keys, reserved, new Map());
    if (ips.some((ip) => ip === undefined)) return undefined;
    if (!same && keys.length) nodesAllocated++;
    drafts.forEach((d, i) => {
      if (placements.has(d) || d.made?.ip !== ips[i]) addressed.set(d, ips[i]!);
    });
    if (drafts.length) onNode.set(node, drafts); else onNode.delete(node);
    allocations.push({ node, keys, ips });
  }

  // Every check passed: write the new state.
  for (const [d, node] of placements) d.placedOn = { nodes, node };
  reuse.keepAllocations();
  for (const a of allocations) {
    if (a.keys.length) reuse.allocated(a.node, conditions, a.keys, a.ips); else reuse.dropAllocation(a.node);
  }
  const removed: PodInfo[] = [];
  const added: PodInfo[] = [];
  let podsMade = 0;
  const remade = new Set<DraftUnit>();
  for (const [d, ip] of addressed) {
    const node = placements.get(d) ?? d.made!.node;
    const earlier = d.made;
    if (earlier && earlier.node === node && earlier.ip === ip && earlier.source === 'allocated' && earlier.config === config) continue;
    const pod = podInfo(d, d.key, node, ip, 'allocated', config);
    d.made = { pod, node, ip, source: 'allocated', config };
    podsMade++;
    if (!placements.has(d)) {
      // A kept pod whose address moved: replaced in its unit's list.
      removed.push(earlier!.pod);
      added.push(pod);
      remade.add(d.unit!);
    }
  }
  for (const u of remade) u.pods = u.sorted!.map((d) => d.made!.pod);
  // Every new draft has its pod now (made above, or kept: a unit met in an earlier build may keep its pods).
  for (const u of fresh) {
    for (const d of u.sorted!) d.unit = u;
    u.pods = u.sorted!.map((d) => d.made!.pod);
    u.keys = u.sorted!.map((d) => d.key);
    for (const p of u.pods) added.push(p);
  }
  for (const u of gone) for (const p of u.pods!) removed.push(p);
  const pods: PodInfo[] = [];
  for (const u of ordered) for (const p of u.pods!) pods.push(p);
  reuse.layout = { nodes, config, units: ordered, onNode };
  removed.sort(comparePodKeys);
  added.sort(comparePodKeys);
  const c = reuse.counts;
  c.scheduled = scheduled;
  c.nodesAllocated = nodesAllocated;
  c.nodesKept = onNode.size - nodesAllocated;
  c.podsMade = podsMade;
  c.podsKept = pods.length - podsMade;
  c.patched = 1;
  return { pods, units: ordered, removed, added };
}

function placeAndAddress(ordered: PodDraft[], config: ClusterConfig, nodes: NodeInfo[], findings: Finding[], reuse?: PodReuse): { pods: PodInfo[]; extraPodBlocks: Map<string, Cidr[]> } {
  const nodesByName = new Map(nodes.map((n) => [n.name, n]));
  const nodesByIP = new Map(nodes.map((n) => [n.ip, n]));
  const placedDrafts: PodDraft[] = [];
  const placedNodes: NodeInfo[] = [];
  const reported = new Set<string>();
  const eligibleFor = eligibleNodes(nodes);
  // Stable order: by key, whatever the file order. Pods of one key are next to each other; the
  // first (in file order) is the pod, the others are duplicates.
  let first: PodDraft | undefined;
  for (const d of ordered) {
    if (first && first.namespace === d.namespace && first.name === d.name) {
      findings.push(finding('duplicate-object', 'error', `pod ${d.key} is defined twice`, d.locator.range, [{ message: 'first definition', range: first.locator.range }]));
      continue;
    }
    first = d;
    // Scheduling reads only the draft and the nodes; a pod that was placed keeps its node
    // (one that was not is scheduled again, for its findings).
    let node = reuse && d.placedOn?.nodes === nodes ? d.placedOn.node : undefined;
    if (!node) {
      node = schedule(d, nodes, eligibleFor, nodesByName, nodesByIP, findings, reported);
      if (node && reuse) d.placedOn = { nodes, node };
      if (reuse) reuse.counts.scheduled++;
    }
    if (node) {
      placedDrafts.push(d);
      placedNodes.push(node);
    }
  }
  return assignAddresses(placedDrafts, placedNodes, config, nodes, findings, reuse);
}

/** Two lists each in `compare` order, joined in that order (of equals, `a`'s first). */
function mergeInOrder<T>(a: readonly T[], b: readonly T[], compare: (x: T, y: T) => number): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j < b.length && (i === a.length || compare(b[j], a[i]) < 0)) out.push(b[j++]);
    else out.push(a[i++]);
  }
  return out;
}

function compareDrafts(a: PodDraft, b: PodDraft): number {
  return a.namespace === b.namespace ? cmp(a.name, b.name) : cmp(a.namespace, b.namespace);
}

/**
 * Every draft, in key order, drafts of one key in the order they were made (pods written out
 * first, then workloads in file order). Units whose keys do not interleave (the usual case:
 * a workload's pods share its name as prefix) are ordered as units, each sorted once; else
 * every draft is sorted.
 */
function inKeyOrder(units: DraftUnit[], distinct: boolean): { drafts: PodDraft[]; units?: DraftUnit[] } | undefined {
  const filled = units.filter((u) => u.drafts.length > 0);
  for (const u of filled) u.sorted ??= u.drafts.length === 1 ? u.drafts : [...u.drafts].sort(compareDrafts);
  const ordered = [...filled].sort((a, b) => compareDrafts(a.sorted![0], b.sorted![0]));
  let apart = true;
  for (let i = 0; i < ordered.length && apart; i++) {
    const sorted = ordered[i].sorted!;
    // Strictly increasing within the unit and after the unit before it (so no key is repeated).
    if (i > 0 && compareDrafts(ordered[i - 1].sorted![ordered[i - 1].sorted!.length - 1], sorted[0]) >= 0) apart = false;
    for (let j = 1; j < sorted.length && apart; j++) if (compareDrafts(sorted[j - 1], sorted[j]) >= 0) apart = false;
  }
  if (apart) {
    const all: PodDraft[] = [];
    for (const u of ordered) for (const d of u.sorted!) all.push(d);
    return { drafts: all, units: ordered };
  }
  const all = units.flatMap((u) => u.drafts).sort(compareDrafts);
  // Asked for distinct keys: undefined when one repeats.
  if (distinct) for (let i = 1; i < all.length; i++) if (compareDrafts(all[i - 1], all[i]) === 0) return undefined;
  return { drafts: all };
}

function schedule(
  d: PodDraft, nodes: NodeInfo[], eligibleFor: (spec: PodSpec) => NodeInfo[], byName: Map<string, NodeInfo>, byIP: Map<string, NodeInfo>,
  findings: Finding[], reported: Set<string>,
): NodeInfo | undefined {
  const wanted = d.boundNode ?? d.spec.nodeName;
  const key = podKey(d.namespace, d.name);
  // A workload's replicas share one template: one finding per workload, not one per replica.
  const once = (code: string) => {
    if (!d.workload) return true;
    const id = `${code}|${d.workload}`;
    if (reported.has(id)) return false;
    reported.add(id);
    return true;
  };
  const who = d.workload ? `${d.owner.kind} ${d.owner.key}` : `pod ${key}`;
  if (wanted) {
    const n = byName.get(wanted);
    // spec.nodeName bypasses the scheduler (NoSchedule does not apply) but not NoExecute: the
    // taint eviction controller removes a pod that does not tolerate it.
    const evicting = n && !d.boundNode ? untoleratedTaints(n, d.spec.tolerations ?? [], ['NoExecute'])[0] : undefined;
    if (n && evicting) {
      if (once('untolerated-taint')) {
        findings.push(finding('untolerated-taint', 'warning', `${who} is bound to node ${n.name}, whose taint ${taintText(evicting)} it does not tolerate: ${d.workload ? 'its pods are' : 'it is'} evicted and left out`, d.locator.at([...d.templatePath, 'spec', 'nodeName']), taintRelated(n, evicting)));
      }
      return undefined;
    }
    if (n) return n;
    if (once('unknown-node')) {
      findings.push(finding('unknown-node', 'error', `${who} is bound to node "${wanted}", which is not in the cluster; ${d.workload ? 'its pods stay' : 'it stays'} Pending and ${d.workload ? 'are' : 'is'} left out`, d.locator.at([...d.templatePath, 'spec', 'nodeName'])));
    }
    return undefined;
  }
  if (d.hostIP && byIP.has(d.hostIP)) return byIP.get(d.hostIP);
  // A pod that only carries its IP runs on the node whose pod block holds that IP.
  if (d.statusIP && !d.spec.hostNetwork) {
    const home = nodes.find((n) => n.podCIDR.prefix < 32 && cidrContains(n.podCIDR, d.statusIP!));
    if (home) return home;
  }
  const candidates = eligibleFor(d.spec);
  if (candidates.length === 0) {
    const selective = Object.keys(d.spec.nodeSelector).length > 0;
    // Nodes the selector allows but whose taints (other than a cordon) keep the pod out: name them.
    const tolerations = d.spec.tolerations ?? [];
    const blocked = taintReasons(nodes.filter((n) => matchesMap(n.labels, d.spec.nodeSelector)), tolerations);
    if (blocked.some((b) => b.taint.key !== UNSCHEDULABLE_TAINT_KEY)) {
      if (once('untolerated-taint')) {
        const list = blocked.map((b) => `${b.node.name} (${taintText(b.taint)})`).join(', ');
        findings.push(finding('untolerated-taint', 'warning', `${who} fits no node: ${selective ? 'every node its nodeSelector matches has' : 'every node has'} a taint it does not tolerate: ${list}; ${d.workload ? 'its pods stay' : 'it stays'} Pending and ${d.workload ? 'are' : 'is'} left out`, d.locator.at([...d.templatePath, 'spec', tolerations.length ? 'tolerations' : 'containers']), blocked.flatMap((b) => taintRelated(b.node, b.taint))));
      }
      return undefined;
    }
    const why = selective ? 'no schedulable node matches its nodeSelector' : 'no node is schedulable';
    if (once('unschedulable')) {
      findings.push(finding('unschedulable', 'warning', `${who} cannot be scheduled: ${why}; ${d.workload ? 'its pods stay' : 'it stays'} Pending and ${d.workload ? 'are' : 'is'} left out`, d.locator.at([...d.templatePath, 'spec', selective ? 'nodeSelector' : 'containers'])));
    }
    return undefined;
  }
  return candidates[(d.spreadSeed + d.replica) % candidates.length];
}

/**
 * Pod addresses. Addresses a dump carries are used as they are. The others are allocated per
 * node from its pod block at a slot derived from the pod's own key: first every pod whose
 * slot is free (or that wins it, lowest key first) takes its slot, then the losers probe
 * forward. A new pod can only move an existing one by winning that pod's exact slot, so
 * adding unrelated objects almost never renumbers existing pods.
 */
function assignAddresses(placed: PodDraft[], placedNodes: NodeInfo[], config: ClusterConfig, nodes: NodeInfo[], findings: Finding[], reuse?: PodReuse): { pods: PodInfo[]; extraPodBlocks: Map<string, Cidr[]> } {
  const taken = new Map<string, string>(); // IP → pod key
  const takenLoc = new Map<string, Locator>();
  // Per placed pod (same index): its address and where it came from.
  const ips: (string | undefined)[] = new Array(placed.length).fill(undefined);
  const sources: PodInfo['ipSource'][] = new Array(placed.length).fill('allocated');
  // Calico: the blocks live addresses name (calico-blocks.ts).
  const live = config.plugin === 'calico' ? new LiveBlocks(config.clusterCIDR, nodeBlockPrefix(config), nodes) : undefined;
  // Pass 1: addresses a dump already carries, and hostNetwork pods (the node's IP).
  placed.forEach((d, i) => {
    const node = placedNodes[i];
    const key = d.key;
    if (d.spec.hostNetwork) {
      ips[i] = node.ip;
      sources[i] = 'node';
      return;
    }
    if (!d.statusIP) return;
    const ipPath = [...d.templatePath, 'status', 'podIP'];
    const owner = taken.get(d.statusIP);
    if (owner) {
      findings.push(finding('duplicate-pod-ip', 'error', `pods ${owner} and ${key} both have IP ${d.statusIP}`, d.locator.at(ipPath), [{ message: `${owner} has it too`, range: takenLoc.get(d.statusIP)!.at(['status', 'podIP']) }]));
    } else {
      taken.set(d.statusIP, key);
      takenLoc.set(d.statusIP, d.locator);
    }
    if (live ? !live.add(node, d.statusIP) : !cidrContains(node.podCIDR, d.statusIP)) {
      const range = live ? `the Calico pool ${config.clusterCIDR.text}` : `the pod CIDR ${node.podCIDR.text} of its node ${node.name}`;
      findings.push(finding('ip-outside-pod-cidr', 'warning', `pod ${key} has IP ${d.statusIP}, outside ${range}`, d.locator.at(ipPath)));
    }
    ips[i] = d.statusIP;
    sources[i] = 'status';
  });
  // Pass 2: allocate from the node's block.
  const reserved = config.plugin === 'calico' ? 1 : 2; // network address (+ .1 bridge gateway)
  const byNode = new Map<NodeInfo, number[]>();
  for (let i = 0; i < placed.length; i++) {
    if (ips[i] !== undefined) continue;
    pushTo(byNode, placedNodes[i], i);
  }
  /** Per node, the placed pods its block had no address left for, in key order. */
  const left = new Map<NodeInfo, number[]>();
  // A node's allocation reads its pods' keys, its block, the addresses taken in pass 1 and the
  // reserved count; other nodes' allocations only when blocks overlap (then nothing is reused).
  const conditions = reuse && !podBlocksOverlap(nodes) ? `${reserved}|${[...taken.keys()].join(',')}` : undefined;
  for (const [node, pending] of byNode) {
    const keys = pending.map((i) => placed[i].key);
    let got = conditions !== undefined ? reuse!.allocation(node, conditions, keys) : undefined;
    if (got) {
      reuse!.counts.nodesKept++;
    } else {
      got = allocateOnNode(node.podCIDR, keys, reserved, taken);
      if (conditions !== undefined) {
        reuse!.allocated(node, conditions, keys, got);
        reuse!.counts.nodesAllocated++;
      }
    }
    pending.forEach((i, k) => {
      const ip = got![k];
      if (ip) ips[i] = ip;
      else pushTo(left, node, i);
    });
  }
  // Calico: a node whose block is full claims another (calico-blocks.ts). Nodes in name order,
  // so which node gets which block does not depend on the order pods were written in.
  const claims = left.size && claimsMoreBlocks(config) ? new BlockClaims(config.clusterCIDR, nodeBlockPrefix(config), nodes, live?.all()) : undefined;
  /** Blocks (not borrowed addresses) a node's live pods showed it holds besides its podCIDR. */
  const liveBlocks = (node: NodeInfo) => live?.byNode.get(node.name)?.filter((b) => b.prefix < 32).length ?? 0;
  if (claims) {
    for (const node of [...left.keys()].sort((a, b) => cmp(a.name, b.name))) {
      let pending = left.get(node)!;
      let block: Cidr | undefined;
      const held = 1 + liveBlocks(node);
      while (pending.length && (block = claims.claim(node, held))) {
        const got = allocateOnNode(block, pending.map((i) => placed[i].key), reserved, taken);
        pending.forEach((i, k) => { if (got[k]) ips[i] = got[k]; });
        pending = pending.filter((i) => ips[i] === undefined);
      }
      left.set(node, pending);
    }
  }
  const exhausted = new Map<string, { node: NodeInfo; keys: string[]; locator: Locator; owner: WorkloadRef; workload: boolean }>();
  for (const [node, pending] of left) {
    for (const i of pending) {
      const d = placed[i];
      const group = d.workload ?? d.key;
      const e = exhausted.get(`${node.name}|${group}`);
      if (e) e.keys.push(d.key);
      else exhausted.set(`${node.name}|${group}`, { node, keys: [d.key], locator: d.locator, owner: d.owner, workload: !!d.workload });
    }
  }
  for (const e of exhausted.values()) {
    const what = e.keys.length === 1 ? `pod ${e.keys[0]}` : `${e.keys.length} pods of ${e.owner.kind} ${e.owner.key}`;
    const blocks = claims ? liveBlocks(e.node) + (claims.byNode.get(e.node.name)?.length ?? 0) : 0;
    const where = !claims ? e.node.podCIDR.text
      : blocks + 1 >= CALICO_MAX_BLOCKS_PER_HOST ? `its ${blocks + 1} Calico blocks (maxBlocksPerHost ${CALICO_MAX_BLOCKS_PER_HOST})`
      : `${e.node.podCIDR.text}${blocks ? ` and its ${blocks} further blocks` : ''}, and clusterCIDR ${config.clusterCIDR.text} has no free /${nodeBlockPrefix(config)} left`;
    findings.push(finding('pod-cidr-exhausted', 'error', `node ${e.node.name} has no free address left in ${where} for ${what}; ${e.keys.length === 1 ? 'it is' : 'they are'} left out`, e.locator.range));
  }
  const pods: PodInfo[] = [];
  for (let i = 0; i < placed.length; i++) {
    const ip = ips[i];
    if (!ip) continue;
    const d = placed[i];
    const node = placedNodes[i];
    const source = sources[i];
    const before = reuse ? d.made : undefined;
    if (before && before.node === node && before.ip === ip && before.source === source && before.config === config) {
      reuse!.counts.podsKept++;
      pods.push(before.pod);
      continue;
    }
    const pod = podInfo(d, d.key, node, ip, source, config);
    if (reuse) {
      d.made = { pod, node, ip, source, config };
      reuse.counts.podsMade++;
    }
    pods.push(pod);
  }
  // Per node: the blocks its live addresses name, then the ones it claimed.
  const extraPodBlocks = new Map<string, Cidr[]>();
  for (const from of [live?.byNode, claims?.byNode]) {
    for (const [name, blocks] of from ?? []) extraPodBlocks.set(name, [...(extraPodBlocks.get(name) ?? []), ...blocks]);
  }
  return { pods, extraPodBlocks };
}

/**
 * A node's pods (by key, in key order) that need an address from one of its blocks, and what
 * each gets: first every pod whose preferred slot is free takes it, then the others probe
 * forward. Marks what it hands out in `taken`.
 */
function allocateOnNode(block: Cidr, keys: readonly string[], reserved: number, taken: Map<string, string>): (string | undefined)[] {
  const got: (string | undefined)[] = new Array(keys.length).fill(undefined);
  const usable = cidrSize(block) - reserved - 1; // minus broadcast
  const slotIP = (slot: number) => intToIp((block.base + reserved + slot) >>> 0);
  const losers: { i: number; start: number }[] = [];
  keys.forEach((key, i) => {
    if (usable <= 0) { losers.push({ i, start: 0 }); return; }
    // The preferred address is counted from .2 whatever the plugin, so changing only the CNI
    // (Calico also hands out .1) does not move a pod that still fits its node's block.
    const span = cidrSize(block) - 3;
    const start = Math.min(usable - 1, (span > 0 ? fnv1a(key) % span : 0) + 2 - reserved);
    const ip = slotIP(start);
    if (taken.has(ip)) { losers.push({ i, start }); return; }
    taken.set(ip, key);
    got[i] = ip;
  });
  // Slots are only ever filled: once a probe finds none free, the block stays full.
  let full = false;
  for (const p of losers) {
    let ip: string | undefined;
    for (let j = 1; j <= usable && !full; j++) {
      const candidate = slotIP((p.start + j) % usable);
      if (!taken.has(candidate)) { ip = candidate; break; }
    }
    if (!ip) { full = true; continue; }
    taken.set(ip, keys[p.i]);
    got[p.i] = ip;
  }
  return got;
}

function podInfo(d: PodDraft, key: string, node: NodeInfo, ip: string, source: PodInfo['ipSource'], config: ClusterConfig): PodInfo {
  const hostNetwork = d.spec.hostNetwork;
  const ip6 = config.clusterCIDR6 ? ipv6OfPod(d, node, ip, hostNetwork) : undefined;
  const derived6 = !!ip6 && !hostNetwork && !d.statusIP6;
  // Built field by field, in the order the fields are listed (and so printed): object spreads
  // between other fields (`...(ip6 ? { ip6 } : {})`) take V8 a runtime call per pod.
  const pod = { key, name: d.name, namespace: d.namespace, node: node.name, ip } as Mutable<PodInfo>;
  if (ip6) pod.ip6 = ip6;
  pod.hostNetwork = hostNetwork;
  pod.labels = d.labels;
  pod.containers = d.spec.containers;
  pod.ports = d.spec.containers.flatMap((c) => c.ports.map((p) => Object.assign({}, p, { container: c.name })));
  pod.owner = d.owner;
  pod.hostVeth = hostNetwork ? '' : hostVethName(config, d.namespace, d.name);
  pod.mac = macFor(`pod/${key}`);
  pod.ipSource = source;
  pod.ipAssigned = source === 'allocated';
  if (d.phase) pod.phase = d.phase;
  if (d.ready !== undefined) pod.ready = d.ready;
  pod.locator = d.locator;
  pod.templatePath = d.templatePath;
  if (derived6) derivedIPv6.add(pod);
  return pod;
}

/**
 * Pods whose IPv6 address sits at the offset of their IPv4 address in their node's blocks: listed
 * in IPv4 order they are in IPv6 order too when the nodes' blocks are (services.ts uses this to
 * skip sorting every IPv6 endpoint slice).
 */
export const derivedIPv6 = new WeakSet<PodInfo>();

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A dual-stack pod's IPv6 address: the one its status carries, the node's for hostNetwork,
 * else the address at the same offset in the node's IPv6 block as its IPv4 address has in
 * the IPv4 block (10.244.1.7 → fd00:10:244:1::7). The CNI's IPAM hands out one address per
 * range independently; pairing the offsets keeps PodPath's choice stable and easy to read.
 */
function ipv6OfPod(d: PodDraft, node: NodeInfo, ip: string, hostNetwork: boolean): string | undefined {
  if (hostNetwork) return node.ip6;
  if (d.statusIP6) return d.statusIP6;
  if (!node.podCIDR6) return undefined;
  // The offset inside the node's IPv4 block (an address outside it, from a status, has none).
  const offset = ipToInt(ip) - node.podCIDR.base;
  if (offset < 0 || offset >= cidrSize(node.podCIDR)) return undefined;
  return offset < cidrSize(node.podCIDR6) ? nthAddress(node.podCIDR6, offset) : undefined;
}

/**
 * Host-side veth names. Calico derives `cali` + the first 11 hex digits of
 * sha1("<namespace>.<pod>"); the bridge plugin picks `veth` + 8 random hex digits, which
 * PodPath derives from the pod's key instead so the name is stable.
 */
export function hostVethName(config: ClusterConfig, namespace: string, name: string): string {
  if (config.plugin === 'calico') return `cali${sha1Hex(`${namespace}.${name}`).slice(0, 11)}`;
  return `veth${sha1Hex(`${namespace}/${name}`).slice(0, 8)}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

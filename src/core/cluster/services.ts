import { nameIndex } from './pod-order';
import { Finding, finding } from '../common/finding';
import { fnv1a } from '../common/hash';
import { Cidr, IpFamily, cidrContains, cidrSize, familyOf, ip6ToBig, ipToInt, nthAddress } from '../common/ip';
import { settleServiceFamilies } from './ip-families';
import { EndpointsManifest, ManifestSet, ServiceManifest } from '../manifest/types';
import { NODE_PORT_MAX, NODE_PORT_MIN } from './defaults';
import { matchesMap } from './labels';
import { Cluster, ClusterConfig, EndpointInfo, NodeInfo, PodInfo, ServiceInfo, ServicePortInfo, podKey } from './model';
import { derivedIPv6 } from './pods';
import { PodChanges } from './pod-reuse';

/**
 * Services as kube-proxy sees them: a ClusterIP (given, or allocated stably from the
 * service CIDR), NodePorts, and per port the endpoints — from Endpoints/EndpointSlice objects
 * when the manifests carry them, otherwise from the pods the selector matches, as the
 * endpoints controller would compute them.
 */
/** An earlier build's Services, with the configuration, nodes and pods they were built from. */
export interface ServicesReuse {
  config: ClusterConfig;
  nodes: NodeInfo[];
  pods: PodInfo[];
  services: ServiceInfo[];
}

/** What a ServiceInfo's allocations were (cluster IPs, node ports, families), to tell whether they moved. */
const allocations = new WeakMap<ServiceInfo, string>();

/** Services whose endpoints were computed (not taken over) by the last buildServices, for tests. */
export const serviceCounts = { endpointsComputed: 0, kept: 0 };

/**
 * What the API server settles for each Service from the Service objects and the configuration
 * alone: which object of a key counts, its IP families, ClusterIPs and node ports. An edit of
 * pods leaves it as it was (build.ts keeps it while the Service objects are the same).
 */
export interface ServiceAllocations {
  /** What they were settled from. */
  services: readonly ServiceManifest[];
  config: ClusterConfig;
  unique: ServiceManifest[];
  keys: string[];
  families: Map<string, ReturnType<typeof settleServiceFamilies>>;
  clusterIPs: Map<string, string>;
  clusterIPs6: Map<string, string>;
  nodePorts: Map<string, number>;
  /** Per Service key, its allocations as text (to tell whether an earlier ServiceInfo still holds). */
  allocation: Map<string, string>;
  findings: Finding[];
}

export function allocateServices(services: readonly ServiceManifest[], config: ClusterConfig, earlier?: ServiceAllocations): ServiceAllocations {
  const kept = earlier && allocationsStillHold(earlier, services, config);
  if (kept) return kept;
  const findings: Finding[] = [];
  const keyed = services.map((s) => ({ s, key: podKey(s.meta.namespace, s.meta.name) })).sort((a, b) => cmp(a.key, b.key));
  const seen = new Map<string, ServiceManifest>();
  const unique: ServiceManifest[] = [];
  const keys: string[] = [];
  for (const { s, key } of keyed) {
    const twin = seen.get(key);
    if (twin) {
      findings.push(finding('duplicate-object', 'error', `Service ${key} is defined twice`, s.locator.range, [{ message: 'first definition', range: twin.locator.range }]));
      continue;
    }
    seen.set(key, s);
    unique.push(s);
    keys.push(key);
  }
  const families = new Map(unique.map((s, i) => [keys[i], settleServiceFamilies(s, config, findings)]));
  const clusterIPs = assignClusterIPs(unique, config.serviceCIDR, 4, families, findings);
  const clusterIPs6 = config.serviceCIDR6 ? assignClusterIPs(unique, config.serviceCIDR6, 6, families, findings) : new Map<string, string>();
  const nodePorts = assignNodePorts(unique, findings);
  const allocation = new Map(unique.map((s, i) => {
    const key = keys[i];
    return [key, JSON.stringify([clusterIPs.get(key), clusterIPs6.get(key), s.ports.map((p) => nodePorts.get(`${key}#${p.index}`)), families.get(key)])];
  }));
  return { services, config, unique, keys, families, clusterIPs, clusterIPs6, nodePorts, allocation, findings };
}

/**
 * `earlier` for `services` when an edit left every Service's allocation inputs as they were (a
 * selector, a targetPort, a label): the same addresses and ports, with the new objects in place
 * of the ones they replace. Undefined when a Service came, went or reads otherwise, or when the
 * earlier allocation reported anything (its findings point into the earlier objects).
 */
function allocationsStillHold(earlier: ServiceAllocations, services: readonly ServiceManifest[], config: ClusterConfig): ServiceAllocations | undefined {
  if (earlier.config !== config || earlier.findings.length > 0 || earlier.services.length !== services.length) return undefined;
  let replaced: Map<ServiceManifest, ServiceManifest> | undefined;
  for (let i = 0; i < services.length; i++) {
    const before = earlier.services[i];
    const now = services[i];
    if (before === now) continue;
    if (allocationInputs(before) !== allocationInputs(now)) return undefined;
    (replaced ??= new Map()).set(before, now);
  }
  if (!replaced) return earlier;
  const objects = replaced;
  return { ...earlier, services, unique: earlier.unique.map((s) => objects.get(s) ?? s) };
}

/**
 * Everything allocateServices reads of a Service, as text: its key and type, the addresses and
 * families written, whether it is headless without a selector (settleServiceFamilies), and per
 * port what node port allocation reads. (The port number only appears in a finding's message,
 * and an allocation is taken over only when it had no findings.)
 */
function allocationInputs(s: ServiceManifest): string {
  const noSelector = !s.selector || Object.keys(s.selector).length === 0;
  return JSON.stringify([
    s.meta.namespace, s.meta.name, s.type, s.clusterIP, s.clusterIPs, s.ipFamilies, s.ipFamilyPolicy, s.allocateLoadBalancerNodePorts, noSelector,
    s.ports.map((p) => [p.index, p.name, p.protocol, p.nodePort]),
  ]);
}

/**
 * Builds the Services. `earlier` is the last build's; `changes` says how `pods` differs from
 * the pods list `earlier` was built from, if it does: a Service is then built again only when
 * its own object or allocations moved, or its selector picks a pod that changed (before or
 * after the change). `allocated` is allocateServices of the same Services and configuration.
 */
export function buildServices(
  m: ManifestSet, config: ClusterConfig, nodes: NodeInfo[], pods: PodInfo[], findings: Finding[], earlier?: ServicesReuse, changes?: PodChanges,
  allocated: ServiceAllocations = allocateServices(m.services, config),
): ServiceInfo[] {
  serviceCounts.endpointsComputed = serviceCounts.kept = 0;
  findings.push(...allocated.findings);
  const { unique, keys, families, clusterIPs, clusterIPs6, nodePorts } = allocated;
  const endpointObjects = explicitEndpointObjects(m.endpoints, findings);
  // Built when first needed: a build that keeps every Service never looks at the pods.
  const podChanges = changes && earlier && changes.from === earlier.pods && changes.from !== pods ? changes : undefined;
  let lookups: Lookups | undefined;
  const podLookups = () => (lookups ??= serviceLookups(config, nodes, pods, podChanges));
  // Same configuration and nodes, and the same pods or pods whose changes are known: a Service
  // built from the same object with the same allocations, whose selector picks none of the
  // changed pods, gets the same endpoints, so the earlier ServiceInfo is kept as it is.
  const kept = earlier && earlier.config === config && earlier.nodes === nodes && (earlier.pods === pods || podChanges)
    ? new Map(earlier.services.map((si) => [si.manifest, si]))
    : undefined;
  // The changed pods (both versions of a replaced one), by label pair.
  const changed = podChanges && earlier!.pods !== pods ? LabelIndex.of([...podChanges.removed, ...podChanges.added]) : undefined;
  const picksChanged = (si: ServiceInfo) => !!si.selector && changed!.candidates(si.namespace, si.selector).some((p) => matchesMap(p.labels, si.selector!));

  const result = unique.map((s, i) => {
    const key = keys[i];
    const explicit = endpointObjects.get(key);
    const allocation = allocated.allocation.get(key)!;
    const before = explicit ? undefined : kept?.get(s);
    if (before && !before.explicitEndpoints && allocations.get(before) === allocation && (!changed || s.type === 'ExternalName' || !picksChanged(before))) {
      allocations.set(before, allocation);
      serviceCounts.kept++;
      return before;
    }
    const info = serviceInfo(s, key, explicit);
    allocations.set(info, allocation);
    return info;
  });
  // The pods' lookups are derived from the last ones (cheap) even when no Service needed them,
  // so the next edit can derive its own from these.
  if (podChanges && lookupsOf.has(podChanges.from)) podLookups();
  return result;

  function serviceInfo(s: ServiceManifest, key: string, explicit: EndpointsManifest[] | undefined): ServiceInfo {
    serviceCounts.endpointsComputed++;
    const { index, nodeByIP, blocksInStep } = podLookups();
    const headless = s.clusterIP === 'None';
    const fam = families.get(key)!;
    const selector = s.selector && Object.keys(s.selector).length > 0 ? s.selector : undefined;
    const ports: ServicePortInfo[] = s.ports.map((p) => {
      const nodePort = nodePorts.get(`${key}#${p.index}`);
      const info: ServicePortInfo = {
        name: p.name ?? '', protocol: p.protocol, port: p.port, targetPort: p.targetPort,
        ...(nodePort !== undefined ? { nodePort } : {}), nodePortAssigned: nodePort !== undefined && p.nodePort === undefined, endpoints: [], endpoints6: [], index: p.index,
      };
      if (s.type === 'ExternalName') return info;
      // The EndpointSlice controller writes one slice per family of the Service (ipFamilies).
      if (explicit) {
        for (const f of fam.ipFamilies) {
          const list = endpointsFromObjects(explicit, info, podLookups().podsByIP(), nodeByIP, s.meta.namespace, f);
          if (f === 4) info.endpoints = list; else info.endpoints6 = list;
        }
      } else if (selector) {
        // The selector is matched once; each family's slice lists the same pods by that family's address.
        const v4 = endpointsFromSelector(selector, index.candidates(s.meta.namespace, selector), info, !!s.publishNotReadyAddresses);
        if (fam.ipFamilies.includes(4)) info.endpoints = v4.endpoints;
        if (fam.ipFamilies.includes(6)) info.endpoints6 = ipv6Endpoints(v4.endpoints, v4.pods, blocksInStep);
      }
      return info;
    });
    const clusterIP = fam.ipFamilies.includes(4) ? clusterIPs.get(key) : undefined;
    const clusterIP6 = fam.ipFamilies.includes(6) ? clusterIPs6.get(key) : undefined;
    const byFamily = { 4: clusterIP, 6: clusterIP6 };
    const allIPs = fam.ipFamilies.map((f) => byFamily[f]).filter((ip): ip is string => !!ip);
    return {
      key, name: s.meta.name, namespace: s.meta.namespace, type: s.type,
      ...(clusterIP ? { clusterIP } : {}),
      ...(clusterIP6 ? { clusterIP6 } : {}),
      clusterIPs: allIPs,
      ipFamilies: fam.ipFamilies,
      ipFamilyPolicy: fam.ipFamilyPolicy,
      clusterIPAssigned: allIPs.length > 0 && !allIPs.every((ip) => ip === s.clusterIP || s.clusterIPs?.includes(ip)),
      headless,
      ...(selector ? { selector } : {}),
      ports,
      externalIPs: s.externalIPs,
      loadBalancerIPs: s.loadBalancerIPs,
      ...(s.loadBalancerSourceRanges ? { loadBalancerSourceRanges: s.loadBalancerSourceRanges } : {}),
      ...(s.externalName ? { externalName: s.externalName } : {}),
      sessionAffinity: s.sessionAffinity,
      sessionAffinityTimeoutSeconds: s.sessionAffinityTimeoutSeconds,
      externalTrafficPolicy: s.externalTrafficPolicy,
      internalTrafficPolicy: s.internalTrafficPolicy,
      explicitEndpoints: !!explicit,
      manifest: s,
      locator: s.locator,
    };
  }
}

/**
 * The pods of `namespace` whose labels carry every pair of a map selector (a Service's), in the
 * cluster's order: read from the label index the build made for this very pods list, so the
 * editor's questions about one Service look at the pods of its rarest pair, not every pod.
 */
export function podsMatchingMap(cluster: Cluster, namespace: string, selector: Record<string, string>): PodInfo[] {
  // An empty map matches the whole namespace: the index has no pair to start from.
  for (const _ in selector) {
    return serviceLookups(cluster.config, cluster.nodes, cluster.pods).index.candidates(namespace, selector).filter((p) => matchesMap(p.labels, selector));
  }
  return cluster.pods.filter((p) => p.namespace === namespace);
}

/** What endpoints are computed from: pods by label pair and by address, nodes by address. */
interface Lookups {
  index: LabelIndex;
  /** Pods by address (IPv4 and IPv6), made when first asked: only Endpoints objects read it. */
  podsByIP(): Map<string, PodInfo>;
  nodeByIP: Map<string, string>;
  blocksInStep: boolean;
}

/** The lookups of recent pods lists (an edit of one Service builds it again with the same pods). */
const lookupsOf = new WeakMap<PodInfo[], { config: ClusterConfig; nodes: NodeInfo[]; lookups: Lookups }>();

/** The lookups of `pods`: kept, derived from those of the list `changes` was made from, or made. */
function serviceLookups(config: ClusterConfig, nodes: NodeInfo[], pods: PodInfo[], changes?: PodChanges): Lookups {
  const last = lookupsOf.get(pods);
  if (last && last.config === config && last.nodes === nodes) return last.lookups;
  const before = changes && lookupsOf.get(changes.from);
  const lookups = before && before.config === config && before.nodes === nodes
    ? { ...makeLookups(config, nodes, pods, before.lookups), index: before.lookups.index.updated(changes!) }
    : makeLookups(config, nodes, pods);
  lookupsOf.set(pods, { config, nodes, lookups });
  return lookups;
}

function makeLookups(config: ClusterConfig, nodes: NodeInfo[], pods: PodInfo[], sameNodes?: Lookups): Lookups {
  let podsByIP: Map<string, PodInfo> | undefined;
  const byIP = () => {
    if (podsByIP) return podsByIP;
    podsByIP = new Map<string, PodInfo>();
    for (const p of pods) {
      if (p.hostNetwork) continue;
      podsByIP.set(p.ip, p);
      if (p.ip6) podsByIP.set(p.ip6, p);
    }
    return podsByIP;
  };
  if (sameNodes) return { index: sameNodes.index, podsByIP: byIP, nodeByIP: sameNodes.nodeByIP, blocksInStep: sameNodes.blocksInStep };
  const nodeByIP = new Map<string, string>();
  for (const n of nodes) {
    nodeByIP.set(n.ip, n.name);
    if (n.ip6) nodeByIP.set(n.ip6, n.name);
  }
  return { index: LabelIndex.of(pods), podsByIP: byIP, nodeByIP, blocksInStep: config.clusterCIDR6 ? ipv6BlocksInStep(nodes) : false };
}

/**
 * Whether the nodes' IPv6 pod blocks sort as their IPv4 blocks do (they do when both were
 * handed out in node order, as PodPath and the node IPAM controller do). Then pods whose IPv6
 * address mirrors their IPv4 one (`derivedIPv6`) listed in IPv4 order are in IPv6 order too.
 */
function ipv6BlocksInStep(nodes: NodeInfo[]): boolean {
  const dual = nodes.filter((n) => n.podCIDR6?.base6 !== undefined).sort((a, b) => a.podCIDR.base - b.podCIDR.base);
  for (let i = 1; i < dual.length; i++) {
    if (dual[i - 1].podCIDR.base === dual[i].podCIDR.base || dual[i - 1].podCIDR6!.base6! >= dual[i].podCIDR6!.base6!) return false;
  }
  return true;
}

/**
 * The endpoints controller's rule: a pod backs a port when it resolves the targetPort. Pods
 * that finished (phase Succeeded or Failed) are left out; a pod whose Ready condition is
 * False is a not-ready endpoint unless the Service publishes not-ready addresses
 * (pkg/controller/endpointslice: podutil.ShouldPodBeInEndpoints, IsPodReady).
 */
function endpointsFromSelector(selector: Record<string, string>, pods: PodInfo[], port: ServicePortInfo, publishNotReady: boolean): { endpoints: EndpointInfo[]; pods: PodInfo[] } {
  const out: { key: number; e: EndpointInfo; pod: PodInfo }[] = [];
  for (const pod of pods) {
    const ip = pod.ip;
    if (!matchesMap(pod.labels, selector)) continue;
    if (pod.phase === 'Succeeded' || pod.phase === 'Failed') continue;
    const target = resolveTargetPort(pod, port.targetPort, port.protocol);
    if (target === undefined) continue;
    const ready = publishNotReady || pod.ready !== false;
    out.push({ key: ipToInt(ip), e: { ip, port: target, node: pod.node, pod: pod.key, ready, locator: pod.locator, path: pod.templatePath }, pod });
  }
  // By address, then port; the pods come along in the same order (the IPv6 slice is read from them).
  if (out.length > 1) out.sort((a, b) => a.key - b.key || a.e.port - b.e.port);
  return { endpoints: out.map((x) => x.e), pods: out.map((x) => x.pod) };
}

/**
 * The IPv6 slice of selector endpoints: the same pods (`backing[i]` backs `v4[i]`), by their IPv6
 * address; pods without one are left out. Already in IPv6 order when every address mirrors its
 * IPv4 one in blocks that are in step, else sorted.
 */
function ipv6Endpoints(v4: EndpointInfo[], backing: PodInfo[], blocksInStep: boolean): EndpointInfo[] {
  const out: EndpointInfo[] = [];
  let ordered = blocksInStep;
  for (let i = 0; i < v4.length; i++) {
    const ip6 = backing[i].ip6;
    if (!ip6) continue;
    if (!derivedIPv6.has(backing[i])) ordered = false;
    // The same entry by the other address (the spread keeps the fields in their order).
    out.push({ ...v4[i], ip: ip6 });
  }
  return ordered ? out : inAddressOrder(out);
}

/**
 * Endpoints by address, then port (the order kube-proxy's rules list them in). Each address is
 * read into a number once, not at every comparison: a 10,000-pod build sorts tens of thousands
 * of endpoints. One list holds one family.
 */
function inAddressOrder(list: EndpointInfo[]): EndpointInfo[] {
  if (list.length < 2) return list;
  const v6 = list[0].ip.includes(':');
  const keyed = list.map((e) => ({ key: v6 ? ip6ToBig(e.ip) : ipToInt(e.ip), e }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.e.port - b.e.port));
  return keyed.map((k) => k.e);
}

/**
 * Endpoints and EndpointSlice objects by Service key. A full dump carries both for every
 * Service (the mirroring controller keeps them in step); kube-proxy reads only EndpointSlices
 * (EndpointSliceProxying, on by default since 1.19 and the only path since 1.22), so when a
 * Service has slices its Endpoints object is not used.
 */
function explicitEndpointObjects(objects: EndpointsManifest[], findings: Finding[]): Map<string, EndpointsManifest[]> {
  const slices = new Map<string, EndpointsManifest[]>();
  const legacy = new Map<string, EndpointsManifest[]>();
  const seen = new Map<string, EndpointsManifest>();
  for (const e of objects) {
    const id = `${e.kind}|${podKey(e.meta.namespace, e.meta.name)}`;
    const twin = seen.get(id);
    if (twin) {
      findings.push(finding('duplicate-object', 'error', `${e.kind} ${podKey(e.meta.namespace, e.meta.name)} is defined twice; the later one is ignored`, e.locator.range, [{ message: 'first definition', range: twin.locator.range }]));
      continue;
    }
    seen.set(id, e);
    const target = e.kind === 'EndpointSlice' ? slices : legacy;
    const key = podKey(e.meta.namespace, e.serviceName);
    const list = target.get(key);
    if (list) list.push(e); else target.set(key, [e]);
  }
  for (const [key, list] of legacy) if (!slices.has(key)) slices.set(key, list);
  return slices;
}

/**
 * A Service port's endpoints as its EndpointSlices hold them: one list per IP family of the
 * Service, primary family first (an IPv6-only Service has only IPv6 endpoints).
 */
export function endpointsByFamily(svc: ServiceInfo, port: ServicePortInfo): { family: IpFamily; endpoints: EndpointInfo[] }[] {
  const families = svc.ipFamilies.length ? svc.ipFamilies : [4 as const];
  return families.map((family) => ({ family, endpoints: family === 6 ? port.endpoints6 : port.endpoints }));
}

/** A numeric targetPort is used as is; a name must match a container port of the same protocol. */
export function resolveTargetPort(pod: PodInfo, targetPort: number | string, protocol: string): number | undefined {
  if (typeof targetPort === 'number') return targetPort;
  const p = pod.ports.find((cp) => cp.name === targetPort && cp.protocol === protocol);
  return p?.containerPort;
}

function endpointsFromObjects(
  objects: EndpointsManifest[], port: ServicePortInfo, podsByIP: Map<string, PodInfo>, nodeByIP: Map<string, string>, namespace: string, family: IpFamily,
): EndpointInfo[] {
  const out: EndpointInfo[] = [];
  const seen = new Set<string>();
  for (const obj of objects) {
    for (const subset of obj.subsets) {
      // Endpoint ports are matched to Service ports by name (and protocol), as kube-proxy does.
      const ep = subset.ports.find((p) => (p.name ?? '') === port.name && p.protocol === port.protocol);
      if (!ep) continue;
      for (const a of subset.addresses) {
        if (familyOf(a.ip) !== family) continue;
        const pod = podsByIP.get(a.ip);
        const podName = pod?.key ?? (a.targetPod ? podKey(namespace, a.targetPod) : undefined);
        const node = a.nodeName ?? pod?.node ?? nodeByIP.get(a.ip);
        // One backend per address and port, however many slices repeat it (kube-proxy's
        // EndpointSliceCache merges the slices of a Service the same way).
        const id = `${a.ip}:${ep.port}`;
        if (seen.has(id)) continue;
        seen.add(id);
        out.push({ ip: a.ip, port: ep.port, ...(node ? { node } : {}), ...(podName ? { pod: podName } : {}), ready: a.ready, locator: obj.locator, path: a.path });
      }
    }
  }
  return inAddressOrder(out);
}

/**
 * ClusterIPs of one family: the written ones first (checked against the family's range), then
 * a stable address derived from the Service's key for every Service of that family without one.
 */
function assignClusterIPs(services: ServiceManifest[], cidr: Cidr, family: IpFamily, families: Map<string, { ipFamilies: IpFamily[] }>, findings: Finding[]): Map<string, string> {
  const result = new Map<string, string>();
  const owners = new Map<string, string>();
  const wants = (key: string) => families.get(key)!.ipFamilies.includes(family);
  // The first address is the `kubernetes` Service's by convention; never hand it out otherwise.
  const firstIP = nthAddress(cidr, 1);
  const written = (s: ServiceManifest) => [s.clusterIP, ...(s.clusterIPs ?? []).slice(1)].find((ip) => !!ip && ip !== 'None' && familyOf(ip) === family);
  for (const s of services) {
    const key = podKey(s.meta.namespace, s.meta.name);
    const ip = written(s);
    if (!ip || s.type === 'ExternalName' || !wants(key)) continue;
    const path = ip === s.clusterIP ? ['spec', 'clusterIP'] : ['spec', 'clusterIPs'];
    if (!cidrContains(cidr, ip)) {
      findings.push(finding('cluster-ip-outside-service-cidr', 'error', `Service ${key} clusterIP ${ip} is outside the service CIDR ${cidr.text}; the API server rejects it`, s.locator.at(path)));
    }
    const owner = owners.get(ip);
    if (owner) {
      findings.push(finding('duplicate-cluster-ip', 'error', `Services ${owner} and ${key} both claim clusterIP ${ip}`, s.locator.at(path)));
      continue;
    }
    owners.set(ip, key);
    result.set(key, ip);
  }
  // An IPv6 range is far larger than any cluster: stable slots are drawn from its first 2^32.
  const size = Math.min(cidrSize(cidr), 2 ** 32);
  for (const s of services) {
    const key = podKey(s.meta.namespace, s.meta.name);
    if (s.clusterIP === 'None' || written(s) || s.type === 'ExternalName' || !wants(key)) continue;
    if (key === 'default/kubernetes' && !owners.has(firstIP)) {
      owners.set(firstIP, key);
      result.set(key, firstIP);
      continue;
    }
    const usable = size - 3; // network, .1, broadcast
    const start = usable > 0 ? fnv1a(key) % usable : 0;
    for (let i = 0; i < usable; i++) {
      const candidate = nthAddress(cidr, 2 + ((start + i) % usable));
      if (!owners.has(candidate)) {
        owners.set(candidate, key);
        result.set(key, candidate);
        break;
      }
    }
    if (!result.has(key)) {
      findings.push(finding('service-cidr-exhausted', 'error', `Service ${key} gets no clusterIP: the service CIDR ${cidr.text} has no free address left`, s.locator.at(['spec'])));
    }
  }
  return result;
}

/**
 * NodePorts. The apiserver's allocator hands out port numbers, not port/protocol pairs: a
 * nodePort taken by one Service is "already allocated" for every other Service whatever the
 * protocol (e.g. small-hack/coturn-chart#75: a UDP Service refused 30030 held by a TCP one).
 * Inside one Service the same nodePort may serve a TCP and a UDP port (the usual DNS shape).
 */
function assignNodePorts(services: ServiceManifest[], findings: Finding[]): Map<string, number> {
  const result = new Map<string, number>();
  const owners = new Map<number, { key: string; protocols: Set<string> }>();
  const wantsNodePorts = (s: ServiceManifest) => s.type === 'NodePort' || (s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts !== false);
  for (const s of services) {
    const key = podKey(s.meta.namespace, s.meta.name);
    // The manifest reader reports nodePort on other types; a dump of a LoadBalancer without
    // allocated node ports may still carry them, and they are real then.
    if (s.type !== 'NodePort' && s.type !== 'LoadBalancer') continue;
    for (const p of s.ports) {
      if (p.nodePort === undefined) continue;
      const where = s.locator.at(['spec', 'ports', p.index, 'nodePort']);
      if (p.nodePort < NODE_PORT_MIN || p.nodePort > NODE_PORT_MAX) {
        findings.push(finding('node-port-out-of-range', 'warning', `nodePort ${p.nodePort} is outside the default range ${NODE_PORT_MIN}-${NODE_PORT_MAX} (--service-node-port-range)`, where));
      }
      const owner = owners.get(p.nodePort);
      if (owner && (owner.key !== key || owner.protocols.has(p.protocol))) {
        findings.push(finding('node-port-collision', 'error', owner.key === key
          ? `nodePort ${p.nodePort}/${p.protocol} is used twice in ${key}`
          : `nodePort ${p.nodePort} of ${key} is already allocated to ${owner.key}; node ports are shared by all protocols`, where));
        continue;
      }
      if (owner) owner.protocols.add(p.protocol);
      else owners.set(p.nodePort, { key, protocols: new Set([p.protocol]) });
      result.set(`${key}#${p.index}`, p.nodePort);
    }
  }
  const span = NODE_PORT_MAX - NODE_PORT_MIN + 1;
  for (const s of services) {
    if (!wantsNodePorts(s)) continue;
    const key = podKey(s.meta.namespace, s.meta.name);
    for (const p of s.ports) {
      if (result.has(`${key}#${p.index}`) || p.nodePort !== undefined) continue;
      const start = fnv1a(`${key}#${p.name ?? p.index}`) % span;
      for (let i = 0; i < span; i++) {
        const port = NODE_PORT_MIN + ((start + i) % span);
        if (!owners.has(port)) {
          owners.set(port, { key, protocols: new Set([p.protocol]) });
          result.set(`${key}#${p.index}`, port);
          break;
        }
      }
      if (!result.has(`${key}#${p.index}`)) {
        findings.push(finding('node-port-exhausted', 'error', `no free nodePort left in ${NODE_PORT_MIN}-${NODE_PORT_MAX} for ${key} port ${p.port}`, s.locator.at(['spec', 'ports', p.index])));
      }
    }
  }
  return result;
}

/**
 * Pods by namespace and label pair, so a selector only looks at the pods carrying its rarest
 * pair instead of every pod in the namespace.
 */
class LabelIndex {
  private constructor(private readonly byPair: Map<string, PodInfo[]>) {}

  /** The index of a pods list (each pair's pods in the list's order). */
  static of(pods: readonly PodInfo[]): LabelIndex {
    const byPair = new Map<string, PodInfo[]>();
    for (const p of pods) {
      for (const k in p.labels) {
        const slot = pairSlot(p.namespace, k, p.labels[k]);
        const list = byPair.get(slot);
        if (list) list.push(p); else byPair.set(slot, [p]);
      }
    }
    return new LabelIndex(byPair);
  }

  /**
   * The index of the pods list `changes` leads to, from this one (of `changes.from`), touching
   * only the pairs of changed pods. The lists stay in the order `of` gives: a pods list is in
   * key order, so one pair's pods (of one namespace) are in name order.
   */
  updated(changes: PodChanges): LabelIndex {
    const byPair = new Map(this.byPair);
    const copied = new Set<string>();
    const listOf = (slot: string): PodInfo[] => {
      let list = byPair.get(slot);
      if (!copied.has(slot)) {
        list = list ? [...list] : [];
        byPair.set(slot, list);
        copied.add(slot);
      }
      return list!;
    };
    for (const p of changes.removed) {
      for (const k in p.labels) {
        const list = listOf(pairSlot(p.namespace, k, p.labels[k]));
        const at = nameIndex(list, p.name);
        if (list[at] === p) list.splice(at, 1);
      }
    }
    for (const p of changes.added) {
      for (const k in p.labels) {
        const list = listOf(pairSlot(p.namespace, k, p.labels[k]));
        list.splice(nameIndex(list, p.name), 0, p);
      }
    }
    for (const slot of copied) if (byPair.get(slot)!.length === 0) byPair.delete(slot);
    return new LabelIndex(byPair);
  }

  /** Pods that may match a non-empty map selector (callers still check the whole selector). */
  candidates(namespace: string, selector: Record<string, string>): PodInfo[] {
    let best: PodInfo[] | undefined;
    for (const k in selector) {
      const list = this.byPair.get(pairSlot(namespace, k, selector[k]));
      if (!list) return [];
      if (!best || list.length < best.length) best = list;
    }
    return best ?? [];
  }
}

function pairSlot(namespace: string, key: string, value: string): string {
  return `${namespace}\u0000${key}\u0000${value}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}


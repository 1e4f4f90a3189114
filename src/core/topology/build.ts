import { Cluster, PodInfo, podBlocksOf } from '../cluster/model';
import { SourceRange } from '../common/source';
import { Dataplane } from '../dataplane/dataplane';
import { Device, causeRange } from '../dataplane/model';
import { underlayGateway } from '../dataplane/underlay';
import { policiesOf } from '../policy/evaluate';
import { selectsPod } from '../policy/model';
import {
  DeviceRole, TopoContainer, TopoDevice, TopoEndpoint, TopoNode, TopoPod, TopoPolicy, TopoSegment, TopoService, TopologyModel, ids, realSource,
} from './model';

/**
 * Cluster + dataplane → the diagram's model. Devices come from the programmed dataplane (the
 * same devices traces walk), not re-derived here, so the picture cannot disagree with a trace.
 * Programming is lazy: this asks every node once (about 1.5 ms per node at 25 pods a node).
 * Links inside nodes follow from the structure (topologyLinks), so they are not stored: at
 * 5,000 pods that keeps 1.3 MB out of every message to the page.
 */

export interface TopologyOptions {
  /** Copy pod and node labels into the model (default true; the page shows them in details). */
  labels?: boolean;
}

export function buildTopology(analysis: { cluster: Cluster; dataplane: Dataplane }, options: TopologyOptions = {}): TopologyModel {
  const { cluster, dataplane } = analysis;
  const withLabels = options.labels !== false;
  const cfg = cluster.config;

  const isolation = podIsolation(cluster);
  const podsByNode = new Map<string, PodInfo[]>();
  for (const p of cluster.pods) {
    let list = podsByNode.get(p.node);
    if (!list) podsByNode.set(p.node, (list = []));
    list.push(p);
  }

  const segments = new Map<string, TopoSegment>();
  const nodes: TopoNode[] = [];
  let containers = 0;
  for (const info of cluster.nodes) {
    const dp = dataplane.node(info.name)!;
    const pods: TopoPod[] = [];
    const hostPods: TopoPod[] = [];
    for (const p of (podsByNode.get(info.name) ?? []).slice().sort(byKey)) {
      containers += p.containers.length;
      const ns = dp.pods.get(p.key);
      const pod: TopoPod = {
        id: ids.pod(p.key), key: p.key, name: p.name, namespace: p.namespace, node: p.node, ip: p.ip, ipAssigned: p.ipAssigned, hostNetwork: p.hostNetwork,
        labels: withLabels ? { ...p.labels } : {},
        owner: `${p.owner.kind} ${p.owner.key}`,
        ...(p.phase ? { phase: p.phase } : {}),
        containers: p.containers.map((c, i): TopoContainer => ({
          id: ids.container(p.key, c.name), name: c.name, ...(c.image ? { image: c.image } : {}),
          ports: c.ports.map((cp) => `${cp.name ? `${cp.name} ` : ''}${cp.containerPort}/${cp.protocol}`),
          ...optSource(p.locator.at([...p.templatePath, 'spec', 'containers', i])),
        })),
        devices: ns ? ns.devices.map((d) => device(ids.podDevice(p.key, d.name), d)) : [],
        ...(isolation.get(p.key) ? { isolation: isolation.get(p.key)! } : {}),
        ...optSource(p.templatePath.length ? p.locator.at(p.templatePath) : p.locator.range),
      };
      if (p.hostNetwork) {
        hostPods.push(pod);
        continue;
      }
      if (p.hostVeth) pod.hostVeth = ids.device(info.name, p.hostVeth);
      pods.push(pod);
    }

    // Drawing order: bridge, host veths (in pod order), overlay, ipvs, eth0, lo.
    const devs = dp.root.devices.map((d) => device(ids.device(info.name, d.name), d));
    const rank: Record<DeviceRole, number> = { bridge: 0, veth: 1, overlay: 2, ipvs: 3, other: 4, eth0: 5, loopback: 6 };
    const podOrder = new Map(pods.map((p, i) => [p.hostVeth, i]));
    devs.sort((a, b) => rank[a.role] - rank[b.role] || (podOrder.get(a.id) ?? 0) - (podOrder.get(b.id) ?? 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

    const seg = info.subnet.text;
    let s = segments.get(seg);
    if (!s) segments.set(seg, (s = { id: ids.segment(seg), cidr: seg, gateway: underlayGateway(cluster, info), nodes: [] }));
    s.nodes.push(info.name);

    nodes.push({
      id: ids.node(info.name), name: info.name, ip: info.ip, podCIDR: podBlocksOf(cluster, info).map((b) => b.text).join(', '), subnet: seg,
      labels: withLabels ? { ...info.labels } : {}, unschedulable: info.unschedulable,
      devices: devs, stackId: ids.stack(info.name), nodePortId: ids.nodePort(info.name), pods, hostPods, segment: s.id,
      ...optSource(info.locator.at(info.path)),
    });
  }

  const segmentList = [...segments.values()].sort((a, b) => (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0));

  const services = cluster.services.slice().sort(byKey).map((svc) => service(cluster, svc));
  const policies = policyList(cluster);
  return {
    version: 1,
    cluster: {
      name: cfg.name, plugin: cfg.plugin, backend: cfg.backend, bridge: cfg.plugin === 'calico' ? '' : cfg.bridgeName,
      kubeProxyMode: cfg.kubeProxyMode, policyEnforced: cfg.policyEnforced, clusterCIDR: cfg.clusterCIDR.text, serviceCIDR: cfg.serviceCIDR.text,
      isDefault: cfg.isDefault, ...optSource(cfg.locator.range),
    },
    nodes,
    segments: segmentList,
    router: { id: ids.router, addresses: segmentList.map((s) => s.gateway) },
    external: { id: ids.external },
    services,
    nodePorts: allNodePorts(cluster),
    policies,
    stats: { nodes: nodes.length, pods: cluster.pods.length, containers, services: services.length, policies: policies.length, isolatedPods: isolation.size },
  };
}

function device(id: string, d: Device): TopoDevice {
  const detail = d.vxlan ? `VXLAN VNI ${d.vxlan.vni}, UDP ${d.vxlan.port}, local ${d.vxlan.local}`
    : d.ipip ? 'IP-in-IP (protocol 4)'
      : d.tun ? `TUN read by ${d.tun.daemon} (UDP ${d.tun.port})`
        : d.proxyArp ? 'proxy ARP' : undefined;
  return {
    id, name: d.name, kind: d.kind, role: roleOf(d),
    addresses: d.addresses.map((a) => `${a.ip}/${a.prefix}`),
    ...(d.mac ? { mac: d.mac } : {}), mtu: d.mtu,
    ...(detail ? { detail } : {}),
    ...optSource(causeRange(d.cause)),
  };
}

function roleOf(d: Device): DeviceRole {
  switch (d.kind) {
    case 'bridge': return 'bridge';
    case 'veth': return d.name === 'eth0' ? 'eth0' : 'veth';
    case 'vxlan': case 'ipip': case 'tun': return 'overlay';
    case 'dummy': return 'ipvs';
    case 'loopback': return 'loopback';
    case 'ethernet': return d.name === 'eth0' ? 'eth0' : 'other';
  }
}

/** Policies selecting each pod, looked up per namespace (a policy never leaves its own). */
function podIsolation(cluster: Cluster): Map<string, { ingress: boolean; egress: boolean; policies: string[] }> {
  const byNs = new Map<string, ReturnType<typeof policiesOf>>();
  for (const p of policiesOf(cluster)) {
    let list = byNs.get(p.namespace);
    if (!list) byNs.set(p.namespace, (list = []));
    list.push(p);
  }
  const out = new Map<string, { ingress: boolean; egress: boolean; policies: string[] }>();
  for (const pod of cluster.pods) {
    const candidates = byNs.get(pod.namespace);
    if (!candidates) continue;
    let ingress = false;
    let egress = false;
    const policies: string[] = [];
    for (const p of candidates) {
      if (!selectsPod(p, pod)) continue;
      ingress ||= p.affectsIngress;
      egress ||= p.affectsEgress;
      policies.push(ids.policy(p.key));
    }
    if (policies.length) out.set(pod.key, { ingress, egress, policies: policies.sort() });
  }
  return out;
}

function policyList(cluster: Cluster): TopoPolicy[] {
  const podsByNs = new Map<string, PodInfo[]>();
  for (const pod of cluster.pods) {
    let list = podsByNs.get(pod.namespace);
    if (!list) podsByNs.set(pod.namespace, (list = []));
    list.push(pod);
  }
  return policiesOf(cluster).slice().sort(byKey).map((p) => ({
    id: ids.policy(p.key), key: p.key, name: p.name, namespace: p.namespace, ingress: p.affectsIngress, egress: p.affectsEgress,
    pods: (podsByNs.get(p.namespace) ?? []).filter((pod) => selectsPod(p, pod)).map((pod) => ids.pod(pod.key)).sort(),
    ...optSource(p.locator.range),
  }));
}

function service(cluster: Cluster, svc: Cluster['services'][number]): TopoService {
  const seen = new Map<string, TopoEndpoint>();
  for (const port of svc.ports) {
    for (const e of port.endpoints) {
      const pod = e.pod ?? cluster.podsByIP.get(e.ip)?.key;
      const target = pod ?? e.ip;
      if (seen.has(target)) continue;
      seen.set(target, {
        id: ids.endpoint(svc.key, target), ip: e.ip, port: e.port, ready: e.ready,
        ...(pod ? { pod: ids.pod(pod) } : {}), ...(e.node ? { node: e.node } : {}),
        ...optSource(e.locator.at(e.path)),
      });
    }
  }
  return {
    id: ids.service(svc.key), key: svc.key, name: svc.name, namespace: svc.namespace, type: svc.type,
    ...(svc.clusterIP ? { clusterIP: svc.clusterIP, ...(svc.clusterIPAssigned ? { clusterIPAssigned: true } : {}) } : {}), headless: svc.headless,
    externalIPs: [...svc.externalIPs], loadBalancerIPs: [...svc.loadBalancerIPs],
    ...(svc.externalName ? { externalName: svc.externalName } : {}),
    ports: svc.ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port, targetPort: String(p.targetPort), ...(p.nodePort !== undefined ? { nodePort: p.nodePort, ...(p.nodePortAssigned ? { nodePortAssigned: true } : {}) } : {}) })),
    endpoints: [...seen.values()],
    ...optSource(svc.locator.range),
  };
}

/** Every NodePort of every Service: kube-proxy opens each one on every node. */
function allNodePorts(cluster: Cluster): TopologyModel['nodePorts'] {
  const out: TopologyModel['nodePorts'] = [];
  for (const svc of cluster.services) {
    for (const p of svc.ports) if (p.nodePort !== undefined) out.push({ port: p.nodePort, protocol: p.protocol, service: ids.service(svc.key) });
  }
  return out.sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : 1));
}

function optSource(r: SourceRange | undefined): { source?: SourceRange } {
  const s = realSource(r);
  return s ? { source: s } : {};
}

function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

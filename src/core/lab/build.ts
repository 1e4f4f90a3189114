import { Cluster } from '../cluster/model';
import { Dataplane } from '../dataplane/dataplane';
import { renderIptablesSave } from '../dataplane/netfilter';
import { ip, sysctl } from './commands';
import { LabNames, defaultPrefix } from './names';
import { nodeDevicesSection, nodeRoutingSection, podSection } from './node';
import { KernelFeature, LabNamespace, LabPlan, LabSection } from './plan';
import { renderPolicyRules } from './policy-rules';
import { pickOutside, underlaySection } from './underlay';

/**
 * Builds the lab plan for a cluster: one network namespace per node (its root namespace) and
 * per pod, the devices, addresses, routes, static neighbours and FDB entries, sysctls and
 * netfilter rules exactly as PodPath models them, plus what the model calls "the underlay":
 * one bridge per node subnet in an `underlay` namespace, a `router` namespace with a leg in
 * each subnet (the nodes' default gateway), and an `outside` client behind that router.
 *
 * Entries the kernel learns by itself (ARP replies, bridge FDB learning) are not written:
 * the lab lets the kernel find them, which is what the model says happens.
 */

export interface LabOptions {
  prefix?: string;
  /** Kernel features to leave out (the kernel lacks them); flows that need them are skipped. */
  without?: KernelFeature[];
}

export function buildLabPlan(dataplane: Dataplane, options: LabOptions = {}): LabPlan {
  const cluster = dataplane.cluster;
  const names = new LabNames(options.prefix ?? defaultPrefix(cluster));
  const without = new Set(options.without ?? []);
  const features = new Set<KernelFeature>(['netns', 'veth', 'bridge', 'iptables']);
  const leftOut = new Set<KernelFeature>();
  const blockers = labBlockers(cluster);
  const sections: LabSection[] = [];
  const namespaces: LabNamespace[] = [];
  const nodeNamespaces = new Map<string, string>();
  const podNamespaces = new Map<string, string>();

  const nodes = dataplane.all();
  namespaces.push({ name: names.underlayNs, role: 'underlay' }, { name: names.routerNs, role: 'router' }, { name: names.outsideNs, role: 'outside' });
  for (const dp of nodes) {
    const ns = names.nodeNs(dp.node.name);
    nodeNamespaces.set(dp.node.name, ns);
    namespaces.push({ name: ns, role: 'node', node: dp.node.name });
    for (const key of [...dp.pods.keys()].sort()) {
      const pns = names.podNs(key);
      podNamespaces.set(key, pns);
      namespaces.push({ name: pns, role: 'pod', node: dp.node.name, pod: key });
    }
  }

  sections.push({
    title: 'network namespaces: underlay, router, outside client, one per node, one per pod',
    commands: namespaces.flatMap((n) => [
      { argv: ['ip', 'netns', 'add', n.name] },
      ip(n.name, 'link', 'set', 'lo', 'up'),
      // A fresh namespace copies the host's defaults; strict reverse-path filtering would drop
      // the asymmetric paths overlays and Service NAT create, and no node in the model has it.
      sysctl(n.name, 'net.ipv4.conf.all.rp_filter', '0'),
      sysctl(n.name, 'net.ipv4.conf.default.rp_filter', '0'),
    ]),
  });

  const outside = pickOutside(cluster, names.outsideNs);
  sections.push(underlaySection(cluster, names, nodes, nodeNamespaces, outside));

  for (const dp of nodes) {
    const nodeNs = nodeNamespaces.get(dp.node.name)!;
    sections.push(nodeDevicesSection(dp, names, nodeNs, podNamespaces, without, features, leftOut));
    for (const key of [...dp.pods.keys()].sort()) sections.push(podSection(dp.pods.get(key)!, names, podNamespaces.get(key)!));
    sections.push(nodeRoutingSection(dp, names, nodeNs, without, features, leftOut));
    sections.push({
      title: `node ${dp.node.name}: kube-proxy rules (what \`podpath dataplane --iptables\` prints)`,
      commands: [{ argv: ['ip', 'netns', 'exec', nodeNs, 'iptables-restore'], stdin: renderIptablesSave(dp.netfilter) }],
    });
    if (cluster.config.policyEnforced) {
      const localPods = cluster.pods.filter((p) => p.node === dp.node.name);
      const rules = renderPolicyRules(cluster, dp.node, localPods);
      if (rules.restore) {
        sections.push({
          title: `node ${dp.node.name}: NetworkPolicy as filter rules (${rules.isolated.map((i) => i.pod).join(', ')})`,
          commands: [{ argv: ['ip', 'netns', 'exec', nodeNs, 'iptables-restore', '--noflush'], stdin: rules.restore }],
        });
      }
    }
  }

  return {
    prefix: names.prefix,
    cluster: cluster.config.name,
    namespaces,
    sections,
    features: [...features].sort(),
    leftOut: [...leftOut].sort(),
    blockers,
    outside,
    nodeNamespaces,
    podNamespaces,
    renamedDevices: names.renamedDevices(),
  };
}

/** What the lab cannot reproduce at all: it needs a daemon the lab does not run. */
export function labBlockers(cluster: Cluster): string[] {
  const out: string[] = [];
  const mode = cluster.config.kubeProxyMode;
  if (mode !== 'iptables') {
    out.push(`kube-proxy mode ${mode}: the lab loads kube-proxy's iptables rules only (${mode === 'ipvs' ? 'ipvs needs ipvsadm, IPVS virtual servers and the dummy kube-ipvs0' : 'userspace needs the kube-proxy process itself to relay connections'})`);
  }
  if (cluster.config.plugin === 'flannel' && cluster.config.backend === 'udp') {
    out.push('flannel udp: packets are encapsulated by the flanneld daemon reading the flannel0 TUN device, which the lab does not run');
  }
  return out;
}

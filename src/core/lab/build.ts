import { Cluster } from '../cluster/model';
import { Dataplane } from '../dataplane/dataplane';
import { Ruleset, ipsetCreateArgs, renderIptablesSave } from '../dataplane/netfilter';
import { renderNftRuleset } from '../dataplane/nftables-text';
import { ip, sysctl } from './commands';
import { probePorts } from './flows';
import { LabNames, defaultPrefix, deviceNameProblem } from './names';
import { nodeDevicesSection, nodeIPv6Section, nodeRoutingSection, podIPv6Section, podSection } from './node';
import { DEFAULT_LAB_LIMITS, KernelFeature, LIMIT_FLAGS, LabCommand, LabLimits, LabNamespace, LabPlan, LabSection, labMarker } from './plan';
import { renderPolicyRules } from './policy-rules';
import { usesTiers } from './tiered-policy-rules';
import { commentText, isSafeToken, labSafeNftRuleset, labSafeRuleset, nftInputProblems, restoreInputProblems } from './safe-text';
import { pickOutside, underlayIPv6Section, underlaySection } from './underlay';

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
  /** Raise (or lower) the size limits; the rest keep their defaults. */
  limits?: Partial<LabLimits>;
}

export function buildLabPlan(dataplane: Dataplane, options: LabOptions = {}): LabPlan {
  const cluster = dataplane.cluster;
  const names = new LabNames(options.prefix ?? defaultPrefix(cluster));
  const limits: LabLimits = { ...DEFAULT_LAB_LIMITS, ...options.limits };
  const marker = labMarker(names.prefix);
  const without = new Set(options.without ?? []);
  const features = new Set<KernelFeature>(['netns', 'veth', 'bridge', 'iptables']);
  const leftOut = new Set<KernelFeature>();
  const processes = cluster.pods.filter((p) => probePorts(p).length > 0).length + cluster.pods.filter((p) => !p.hostNetwork).length + cluster.nodes.length + 2;
  // Sizes first: a cluster over the limits is refused before any node's data path is programmed.
  const tooBig = sizeBlockers(cluster, processes, limits);
  const refused = tooBig.length ? tooBig : nameBlockers(dataplane);
  const outside = pickOutside(cluster, names.outsideNs);
  // Too big, or a name the lab will not write: no command at all, only the reasons.
  if (refused.length) {
    return {
      prefix: names.prefix, cluster: cluster.config.name, namespaces: [], sections: [], features: [], leftOut: [], blockers: [...labBlockers(cluster), ...refused],
      limits, processes, marker, outside, nodeNamespaces: new Map(), podNamespaces: new Map(), renamedDevices: [],
    };
  }
  const blockers = labBlockers(cluster);
  const sections: LabSection[] = [];
  const namespaces: LabNamespace[] = [];
  const nodeNamespaces = new Map<string, string>();
  const podNamespaces = new Map<string, string>();

  const nodes = dataplane.all();
  // The IPv6 data path of a dual-stack cluster is built beside the IPv4 one, where the kernel allows.
  const plane6 = dataplane.forFamily(6);
  if (plane6 && without.has('ipv6')) leftOut.add('ipv6');
  const dual = !!plane6 && !without.has('ipv6');
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
      // The lab's mark on its own namespaces: `down` removes only namespaces that carry it.
      ip(n.name, 'link', 'set', 'dev', 'lo', 'alias', marker),
      ip(n.name, 'link', 'set', 'lo', 'up'),
      // A fresh namespace copies the host's defaults; strict reverse-path filtering would drop
      // the asymmetric paths overlays and Service NAT create, and no node in the model has it.
      sysctl(n.name, 'net.ipv4.conf.all.rp_filter', '0'),
      sysctl(n.name, 'net.ipv4.conf.default.rp_filter', '0'),
      // ICMP errors are rate-limited per destination (1 per second after a burst): a REJECTed
      // Service probed 8 times would be refused only sometimes and time out otherwise. The
      // limit is per namespace, so the lab lifts it in its own and the host keeps its own.
      sysctl(n.name, 'net.ipv4.icmp_ratelimit', '0'),
      // Beside it, each namespace has one budget for all ICMP errors it sends (1000/s, burst 50,
      // with a randomised credit since Linux 6.11; IPv6 errors draw on it too). A node that
      // answers many REJECTed probes at once can exhaust it, so the lab lifts it as well.
      sysctl(n.name, 'net.ipv4.icmp_msgs_per_sec', '1000000'),
      sysctl(n.name, 'net.ipv4.icmp_msgs_burst', '1000000'),
      // Dual-stack: new devices skip duplicate address detection (their addresses are usable at
      // once, link-local ones included), and IPv6 errors are not rate-limited either.
      ...(dual ? [sysctl(n.name, 'net.ipv6.conf.default.accept_dad', '0'), sysctl(n.name, 'net.ipv6.conf.all.accept_dad', '0'), sysctl(n.name, 'net.ipv6.icmp.ratelimit', '0')] : []),
    ]),
  });
  sections.push(underlaySection(cluster, names, nodes, nodeNamespaces, outside));

  for (const dp of nodes) {
    const nodeNs = nodeNamespaces.get(dp.node.name)!;
    sections.push(nodeDevicesSection(dp, names, nodeNs, podNamespaces, without, features, leftOut));
    for (const key of [...dp.pods.keys()].sort()) sections.push(podSection(dp.pods.get(key)!, names, podNamespaces.get(key)!));
    sections.push(nodeRoutingSection(dp, names, nodeNs, without, features, leftOut));
    const sets = ipsetCommands(dp.netfilter, nodeNs);
    if (sets.length) features.add('ipset');
    sections.push({
      title: `node ${dp.node.name}: kube-proxy and CNI rules (what \`podpath dataplane --iptables\` prints)`,
      // ipsets first: iptables-restore refuses a rule naming a set that does not exist.
      commands: [...sets, { argv: ['ip', 'netns', 'exec', nodeNs, 'iptables-restore'], stdin: renderIptablesSave(labSafeRuleset(dp.netfilter)) }],
    });
    if (dp.nftables?.tables.length) {
      features.add('nftables');
      sections.push({
        title: `node ${dp.node.name}: kube-proxy's nftables (what \`podpath dataplane --nftables\` prints)`,
        commands: [{ argv: ['ip', 'netns', 'exec', nodeNs, 'nft', '-f', '-'], stdin: renderNftRuleset(labSafeNftRuleset(dp.nftables)) }],
      });
    }
    if (cluster.config.policyEnforced) {
      const localPods = cluster.pods.filter((p) => p.node === dp.node.name);
      const rules = renderPolicyRules(cluster, dp.node, localPods);
      if (rules.restore) {
        sections.push({
          title: `node ${dp.node.name}: ${policyWhat(cluster)} as filter rules (${rules.isolated.map((i) => i.pod).join(', ')})`,
          commands: [{ argv: ['ip', 'netns', 'exec', nodeNs, 'iptables-restore', '--noflush'], stdin: rules.restore }],
        });
      }
    }
  }

  if (dual) {
    features.add('ipv6');
    const nodes6 = plane6!.all();
    sections.push(underlayIPv6Section(plane6!.cluster, names, nodes, nodes6));
    for (const dp6 of nodes6) {
      const dp4 = nodes.find((n) => n.node.name === dp6.node.name)!;
      const nodeNs = nodeNamespaces.get(dp6.node.name)!;
      sections.push(nodeIPv6Section(dp6, dp4, names, nodeNs, features));
      for (const key of [...dp6.pods.keys()].sort()) if (podNamespaces.has(key)) sections.push(podIPv6Section(dp6.pods.get(key)!, names, podNamespaces.get(key)!));
      const routing = nodeRoutingSection({ ...dp6, root: { ...dp6.root, fdb: dp6.root.fdb.filter((f) => !dp4.root.fdb.some((g) => g.mac === f.mac && g.dev === f.dev)) } }, names, nodeNs, without, features, leftOut);
      sections.push({ ...routing, title: `node ${dp6.node.name}: IPv6 sysctls, routes, static neighbours and FDB entries` });
      const sets = ipsetCommands(dp6.netfilter, nodeNs, 'inet6');
      sections.push({
        title: `node ${dp6.node.name}: kube-proxy and CNI rules for IPv6 (what \`podpath dataplane --family 6 --iptables\` prints)`,
        commands: [...sets, { argv: ['ip', 'netns', 'exec', nodeNs, 'ip6tables-restore'], stdin: renderIptablesSave(labSafeRuleset(dp6.netfilter)) }],
      });
      if (plane6!.cluster.config.policyEnforced) {
        const rules = renderPolicyRules(plane6!.cluster, dp6.node, plane6!.cluster.pods.filter((p) => p.node === dp6.node.name));
        if (rules.restore) sections.push({ title: `node ${dp6.node.name}: ${policyWhat(plane6!.cluster)} as ip6tables filter rules`, commands: [{ argv: ['ip', 'netns', 'exec', nodeNs, 'ip6tables-restore', '--noflush'], stdin: rules.restore }] });
      }
    }
  }

  // Defense in depth: whatever a name held, no argument and no rule line may carry more than
  // the lab put there. A plan that fails this check is refused whole.
  const unsafe = unsafeCommands(sections);
  if (unsafe.length) blockers.push(...unsafe);
  return {
    prefix: names.prefix,
    cluster: cluster.config.name,
    namespaces,
    sections: unsafe.length ? [] : sections,
    features: [...features].sort(),
    leftOut: [...leftOut].sort(),
    blockers,
    limits,
    processes,
    marker,
    outside,
    nodeNamespaces,
    podNamespaces,
    renamedDevices: names.renamedDevices(),
  };
}

/** What the policy section holds: NetworkPolicy alone, or every API in Calico's tiers. */
function policyWhat(cluster: Cluster): string {
  return usesTiers(cluster) ? 'policy tiers (AdminNetworkPolicy, Calico, NetworkPolicy, baseline)' : 'NetworkPolicy';
}

/** `ipset create` and `ipset add` inside the node's namespace (ipsets belong to a network namespace). */
function ipsetCommands(rs: Ruleset, nodeNs: string, family: 'inet' | 'inet6' = 'inet'): LabCommand[] {
  const out: LabCommand[] = [];
  for (const [name, type] of [...(rs.ipsetTypes ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const args = ipsetCreateArgs(name, type);
    if (family === 'inet6') args[args.indexOf('inet')] = 'inet6';
    out.push({ argv: ['ip', 'netns', 'exec', nodeNs, 'ipset', ...args] });
    for (const m of [...(rs.ipsets.get(name) ?? [])].sort()) out.push({ argv: ['ip', 'netns', 'exec', nodeNs, 'ipset', 'add', name, m] });
  }
  return out;
}

/** A lab bigger than its limits is refused, with the figure and the flag that raises the limit. */
export function sizeBlockers(cluster: Cluster, processes: number, limits: LabLimits): string[] {
  const out: string[] = [];
  const over = (what: string, n: number, key: keyof LabLimits) => {
    if (n > limits[key]) out.push(`the lab would create ${n} ${what}, more than the limit of ${limits[key]} (raise it with ${LIMIT_FLAGS[key]} ${n})`);
  };
  over('pod namespaces', cluster.pods.filter((p) => !p.hostNetwork).length, 'maxPods');
  over('node namespaces', cluster.nodes.length, 'maxNodes');
  over('processes (a responder per pod with ports, a prober per client namespace)', processes, 'maxProcesses');
  return out;
}

/**
 * Device names the lab refuses to create: the model's names come partly from the user (the
 * Cluster document's `cni.bridge`), and the lab checks them itself rather than trusting that
 * they were checked before. Two devices of one namespace under one name are refused too.
 */
export function nameBlockers(dataplane: Dataplane): string[] {
  const out: string[] = [];
  for (const dp of dataplane.all()) {
    for (const ns of [dp.root, ...dp.pods.values()]) {
      const where = ns === dp.root ? `node ${commentText(dp.node.name)}` : `pod ${commentText(ns.pod ?? '')}`;
      const seen = new Set<string>();
      for (const d of ns.devices) {
        const problem = d.kind === 'loopback' ? undefined : deviceNameProblem(d.name);
        if (problem) out.push(`device name ${JSON.stringify(d.name)} on ${where}: ${problem}`);
        else if (seen.has(d.name)) out.push(`device name ${JSON.stringify(d.name)} on ${where}: two devices would have it`);
        seen.add(d.name);
      }
    }
  }
  return [...new Set(out)];
}

/** Commands with an argument that is not a plain token, or stdin that is not plain `iptables-restore` / `nft -f` input. */
function unsafeCommands(sections: LabSection[]): string[] {
  const out: string[] = [];
  for (const s of sections) {
    for (const c of s.commands) {
      const bad = c.argv.find((w) => !isSafeToken(w));
      if (bad !== undefined) out.push(`refusing to run a command with the argument ${JSON.stringify(bad)} (${commentText(s.title)})`);
      if (c.stdin !== undefined) {
        const nft = c.argv.includes('nft');
        const problems = nft ? nftInputProblems(c.stdin) : restoreInputProblems(c.stdin);
        if (problems.length) out.push(`refusing ${nft ? 'nft -f' : 'iptables-restore'} input for ${commentText(s.title)}: ${problems.slice(0, 3).join('; ')}`);
      }
    }
  }
  return out;
}

/** What the lab cannot reproduce at all: it needs a daemon the lab does not run. */
export function labBlockers(cluster: Cluster): string[] {
  const out: string[] = [];
  const mode = cluster.config.kubeProxyMode;
  if (mode !== 'iptables' && mode !== 'nftables') {
    out.push(`kube-proxy mode ${mode}: the lab loads kube-proxy's iptables or nftables rules only (${mode === 'ipvs' ? 'ipvs needs ipvsadm, IPVS virtual servers and the dummy kube-ipvs0' : 'userspace needs the kube-proxy process itself to relay connections'})`);
  }
  if (cluster.config.plugin === 'flannel' && cluster.config.backend === 'udp') {
    out.push('flannel udp: packets are encapsulated by the flanneld daemon reading the flannel0 TUN device, which the lab does not run');
  }
  return out;
}

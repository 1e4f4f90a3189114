import { Cluster, PodInfo, ServiceInfo } from '../cluster/model';
import { formatSelector, matchesSelector } from '../cluster/labels';
import { hostPort } from '../common/ip';
import { SourcePosition } from '../common/source';
import { Dataplane } from '../dataplane/dataplane';
import { bridgeGateway } from '../dataplane/pod-netns';
import { endpointsByFamily, podsMatchingMap, resolveTargetPort } from '../cluster/services';
import { ConnLine, workloadName } from '../policy/connlist';
import { policiesOf } from '../policy/evaluate';
import { selectsPod } from '../policy/model';
import { Reachability } from '../policy/reachability';
import { ObjectAt, fieldRange, podsOfWorkload, within } from './objects';
import { escapeMarkdown as text, markdownCode as code } from './markdown';
import { ruleFlowExamples } from './rule-flows';
import { Hover } from './types';
import { adminPolicyHover } from './admin-policy-hover';
import { calicoPolicyHover } from './calico-policy-hover';
import { reachCounts } from './lenses';
import { plural } from '../format/plural';
import { serviceIptables } from '../kubeproxy/iptables';

/** Said beside an address or port the manifests do not carry (no dump status, no spec value). */
const ASSIGNED_BY_PODPATH = 'assigned by PodPath';

/**
 * Hover text per object and field. Paths are short, one hop per line, in the words of
 * `ip route` and `iptables-save`. Every string that comes from a manifest (names, labels, port
 * names, addresses read from a dump) goes through `text` or `code` (markdown.ts): a hover never
 * renders an image, a link or HTML that a manifest wrote.
 */
export interface HoverContext {
  cluster: Cluster;
  dataplane: Dataplane;
  reach: () => Reachability;
  /** The connectivity list's lines from or to one workload (by its printed name). */
  connlistAround: (name: string) => ConnLine[];
}

const MAX_LIST = 8;

export function hoverFor(ctx: HoverContext, o: ObjectAt, p: SourcePosition): Hover | undefined {
  switch (o.kind) {
    case 'service': return serviceHover(ctx, o, p);
    case 'policy': return policyHover(ctx, o, p);
    case 'adminPolicy': return adminPolicyHover(ctx.cluster, o, p);
    case 'calicoPolicy': return calicoPolicyHover(ctx.cluster, o, p);
    default: return podHover(ctx, o, p);
  }
}

function podsOf(ctx: HoverContext, o: ObjectAt): PodInfo[] {
  if (o.kind === 'pod') {
    const pod = ctx.cluster.podsByKey.get(o.key);
    return pod ? [pod] : [];
  }
  if (o.kind === 'workload') return podsOfWorkload(ctx.cluster, o.key, o.manifest.kind);
  return [];
}

function podHover(ctx: HoverContext, o: ObjectAt, p: SourcePosition): Hover | undefined {
  if (o.kind !== 'pod' && o.kind !== 'workload') return undefined;
  const templateSpec = o.kind === 'workload' ? [...o.manifest.templatePath, 'spec'] : ['spec'];
  // On a port: what it resolves to and who uses it.
  const containers = o.kind === 'workload' ? o.manifest.template.spec.containers : o.manifest.spec.containers;
  for (let c = 0; c < containers.length; c++) {
    for (let i = 0; i < containers[c].ports.length; i++) {
      const path = [...templateSpec, 'containers', c, 'ports', i];
      if (!within(o.locator, path, p)) continue;
      const port = containers[c].ports[i];
      const users = ctx.cluster.services.filter((s) => s.ports.some((sp) => sp.endpoints.some((e) => podsOf(ctx, o).some((pod) => pod.key === e.pod) && e.port === port.containerPort)));
      const lines = [`**port ${port.name ? `${text(port.name)} = ` : ''}${port.containerPort}/${text(port.protocol)}** in container ${code(containers[c].name)}`];
      for (const s of users) for (const sp of s.ports) if (sp.endpoints.some((e) => e.port === port.containerPort)) lines.push(`- Service ${code(s.key)} port ${sp.port}${sp.nodePort ? ` (NodePort ${sp.nodePort})` : ''} → targetPort ${text(String(sp.targetPort))}`);
      if (users.length === 0) lines.push('- no Service targets it');
      return { markdown: lines.join('\n'), range: fieldRange(o.locator, path)! };
    }
  }
  if (o.kind === 'workload' && o.manifest.selector && within(o.locator, ['spec', 'selector'], p)) {
    const pods = ctx.cluster.pods.filter((x) => x.namespace === o.manifest.meta.namespace && matchesSelector(x.labels, o.manifest.selector!));
    return { markdown: selectorText(formatSelector(o.manifest.selector), pods.map((x) => x.key)), range: fieldRange(o.locator, ['spec', 'selector'])! };
  }
  const pods = podsOf(ctx, o);
  if (pods.length === 0) return undefined;
  const lines = [`**${o.kind === 'pod' ? 'Pod' : text(o.manifest.kind)} ${text(o.key)}** — ${pods.length} pod${pods.length > 1 ? 's' : ''}`];
  for (const pod of pods.slice(0, MAX_LIST)) lines.push(...podPath(ctx, pod));
  if (pods.length > MAX_LIST) lines.push(`- … and ${pods.length - MAX_LIST} more`);
  lines.push('', ...reachLines(ctx, pods[0]));
  return { markdown: lines.join('\n'), range: o.locator.at(['metadata', 'name']) };
}

/**
 * Who reaches these pods and whom they reach. The counts are the inlay hint's (`reachCounts`):
 * pods, never addresses outside the cluster, which are listed apart. A pod no policy selects is
 * unrestricted on its side, and one line says so instead of listing every peer.
 */
function reachLines(ctx: HoverContext, pod: PodInfo): string[] {
  const counts = reachCounts(ctx.reach(), pod);
  const selectedBy = policiesOf(ctx.cluster).filter((x) => selectsPod(x, pod));
  const summary = `reached by ${plural(counts.reachedBy, 'pod')} · reaches ${plural(counts.reaches, 'pod')}`;
  if (selectedBy.length === 0) return [`**Unrestricted**: no NetworkPolicy selects it (${summary})`];
  const name = workloadName(pod);
  const lines: string[] = [];
  const section = (title: string, n: number, peers: { peer: string; conns: string }[]) => {
    const outside = peers.filter((p) => p.peer.endsWith('[External]'));
    const inside = peers.filter((p) => !p.peer.endsWith('[External]'));
    lines.push('', `**${title}** ${plural(n, 'pod')}${outside.length ? ', and addresses outside the cluster' : ''}:`);
    for (const l of [...inside, ...outside].slice(0, MAX_LIST)) lines.push(`- ${code(l.peer)} : ${text(l.conns)}`);
    if (peers.length > MAX_LIST) lines.push(`- … and ${peers.length - MAX_LIST} more`);
    if (peers.length === 0) lines.push('- none');
  };
  const all = ctx.connlistAround(name);
  section('Reached by', counts.reachedBy, all.filter((l) => l.dst === name && l.src !== name).map((l) => ({ peer: l.src, conns: l.conns.toString() })));
  section('Reaches', counts.reaches, all.filter((l) => l.src === name && l.dst !== name).map((l) => ({ peer: l.dst, conns: l.conns.toString() })));
  const enforced = ctx.cluster.config.policyEnforced ? '' : ` (${text(ctx.cluster.config.plugin)} does not enforce it: the counts assume it is enforced)`;
  lines.push('', `NetworkPolicy applies: ${selectedBy.map((x) => code(x.key)).join(', ')}${enforced}`);
  return lines.slice(1);
}

/** `eth0 10.244.1.5 ⇄ vethab12 ⇄ cni0 10.244.1.1 · node-1 192.168.1.10` */
function podPath(ctx: HoverContext, pod: PodInfo): string[] {
  const node = ctx.cluster.nodesByName.get(pod.node)!;
  if (pod.hostNetwork) return [`- ${code(pod.name)} hostNetwork: the node's namespace, ${addresses(pod.ip, pod.ip6)} on ${code(node.name)}`];
  const assigned = pod.ipAssigned ? ` (${ASSIGNED_BY_PODPATH})` : '';
  const cfg = ctx.cluster.config;
  const hostSide = cfg.plugin === 'calico' ? `${text(pod.hostVeth)} (proxy ARP) → routed` : `${text(pod.hostVeth)} → ${text(cfg.bridgeName)} ${text(bridgeGateway(node))}`;
  return [`- ${code(pod.name)} eth0 ${addresses(pod.ip, pod.ip6)}${assigned} ⇄ ${hostSide} · node ${code(node.name)} ${addresses(node.ip, node.ip6)}`];
}

/** A dual-stack object's addresses, IPv4 first (`10.244.1.5, fd00:10:244:1::5`). */
function addresses(ip: string, ip6: string | undefined): string {
  return ip6 ? `${text(ip)}, ${text(ip6)}` : text(ip);
}

function serviceHover(ctx: HoverContext, o: ObjectAt, p: SourcePosition): Hover | undefined {
  if (o.kind !== 'service') return undefined;
  const svc = ctx.cluster.servicesByKey.get(o.key);
  if (!svc) return undefined;
  if (within(o.locator, ['spec', 'selector'], p) && svc.selector) {
    const pods = podsMatchingMap(ctx.cluster, svc.namespace, svc.selector);
    return { markdown: selectorText(Object.entries(svc.selector).map(([k, v]) => `${k}=${v}`).join(','), pods.map((x) => x.key)), range: fieldRange(o.locator, ['spec', 'selector'])! };
  }
  for (const port of svc.ports) {
    const path = ['spec', 'ports', port.index];
    if (!within(o.locator, path, p)) continue;
    const lines = [`**${text(svc.key)} port ${text(String(port.name || port.port))}**: ${port.port}/${text(port.protocol)} → targetPort ${text(String(port.targetPort))}${port.nodePort ? ` · NodePort ${port.nodePort} on every node` : ''}`];
    const selected = svc.selector ? podsMatchingMap(ctx.cluster, svc.namespace, svc.selector) : [];
    for (const pod of selected.slice(0, MAX_LIST)) {
      const t = resolveTargetPort(pod, port.targetPort, port.protocol);
      lines.push(`- ${code(pod.key)}: ${t === undefined ? `no ${text(port.protocol)} container port named ${code(String(port.targetPort))} — not an endpoint` : `${text(pod.ip)}:${t}`}`);
    }
    return { markdown: lines.join('\n'), range: fieldRange(o.locator, path)! };
  }
  const lines = [`**Service ${text(svc.key)}** (${text(svc.type)}${svc.headless ? ', headless' : ''})`];
  if (svc.clusterIPs.length) {
    // A dual-stack Service has a virtual IP per family (spec.clusterIPs, primary first).
    const ips = svc.clusterIPs.map((ip) => code(ip)).join(', ');
    lines.push(`ClusterIP${svc.clusterIPs.length > 1 ? 's' : ''} ${ips}${svc.clusterIPAssigned ? ` (${ASSIGNED_BY_PODPATH}: no spec.clusterIP)` : ''} — ${svc.clusterIPs.length > 1 ? 'virtual IPs' : 'a virtual IP'} on no device; kube-proxy (${text(ctx.cluster.config.kubeProxyMode)}) rewrites ${svc.clusterIPs.length > 1 ? 'them' : 'it'}`);
  }
  for (const port of svc.ports) {
    // One EndpointSlice per family of the Service; the primary family's endpoints are counted.
    const slices = endpointsByFamily(svc, port);
    const primary = slices[0].endpoints;
    lines.push('', `**${port.port}/${text(port.protocol)}**${port.nodePort ? ` · NodePort ${port.nodePort}${port.nodePortAssigned ? ` (${ASSIGNED_BY_PODPATH})` : ''}` : ''} → ${primary.length} endpoint${primary.length === 1 ? '' : 's'}:`);
    for (const slice of slices) {
      if (slices.length > 1) lines.push(`- IPv${slice.family}:`);
      const indent = slices.length > 1 ? '  ' : '';
      for (const e of slice.endpoints.slice(0, MAX_LIST)) lines.push(`${indent}- ${text(hostPort(e.ip, e.port))}${e.pod ? ` ${code(e.pod)}` : ''}${e.node ? ` on ${code(e.node)}` : ''}${e.ready ? '' : ' (not ready)'}`);
    }
    lines.push(...dnatPath(ctx, svc, port.index));
  }
  return { markdown: lines.join('\n'), range: o.locator.at(['metadata', 'name']) };
}

/** The kube-proxy chain walk for one Service port, from the first node's rules. */
function dnatPath(ctx: HoverContext, svc: ServiceInfo, portIndex: number): string[] {
  const port = svc.ports.find((x) => x.index === portIndex)!;
  const node = ctx.cluster.nodes[0];
  if (!node || !svc.clusterIP || ctx.cluster.config.kubeProxyMode !== 'iptables') return [];
  // This Service's rules alone, as kube-proxy writes them on the node: programming the node whole
  // (every Service's chains) would cost a hover on one Service a cluster's worth of rules.
  const nat = serviceIptables(ctx.cluster, node, svc).tables.get('nat');
  const entry = nat?.chains.get('KUBE-SERVICES')?.rules.find((r) => r.target.t === 'jump' && r.terms.some((t) => t.m === 'dst' && (t.cidr === svc.clusterIP || t.cidr === `${svc.clusterIP}/32`)) && r.terms.some((t) => t.m === 'dport' && t.port === port.port));
  if (!entry || entry.target.t !== 'jump') return [];
  const svcChain = entry.target.chain;
  const lines = ['', 'DNAT path:', `- KUBE-SERVICES → ${code(svcChain)}`];
  for (const r of nat!.chains.get(svcChain)?.rules ?? []) {
    if (r.target.t !== 'jump' || !r.target.chain.startsWith('KUBE-SEP-')) continue;
    const stat = r.terms.find((t) => t.m === 'statistic');
    const dnat = nat!.chains.get(r.target.chain)?.rules.find((x) => x.target.t === 'DNAT');
    lines.push(`- → ${code(r.target.chain)}${stat && stat.m === 'statistic' ? ` (p=${stat.probability.toFixed(4)})` : ''} → DNAT ${dnat && dnat.target.t === 'DNAT' ? text(dnat.target.to) : '?'}`);
  }
  return lines;
}

function policyHover(ctx: HoverContext, o: ObjectAt, p: SourcePosition): Hover | undefined {
  if (o.kind !== 'policy') return undefined;
  const pol = policiesOf(ctx.cluster).find((x) => x.key === o.key);
  if (!pol) return { markdown: `**NetworkPolicy ${text(o.key)}** has errors the API server rejects: it is left out of the analysis`, range: o.locator.at(['metadata', 'name']) };
  const selected = ctx.cluster.pods.filter((x) => selectsPod(pol, x));
  if (within(o.locator, ['spec', 'podSelector'], p)) {
    return { markdown: selectorText(formatSelector(pol.podSelector), selected.map((x) => x.key), `in namespace ${code(pol.namespace)}`), range: fieldRange(o.locator, ['spec', 'podSelector'])! };
  }
  for (const dir of ['ingress', 'egress'] as const) {
    const rules = dir === 'ingress' ? pol.ingress : pol.egress;
    for (const rule of rules) {
      if (!within(o.locator, rule.path, p)) continue;
      const reach = ctx.reach();
      // Pairs a policy class at a time (see rule-flows.ts): a rule whose pods nobody reaches must try every pair.
      const flows = ruleFlowExamples(ctx.cluster, dir, (x) => selectsPod(pol, x), (target, other) => (dir === 'ingress' ? reach.allowed(other, target) : reach.allowed(target, other)), MAX_LIST, (src, dst, conns) => `- ${code(src.key)} → ${code(dst.key)} : ${text(conns.toString())}`);
      const lines = [`**${text(pol.key)} ${dir}\\[${rule.index}\\]** admits, with every other policy applied:`, ...flows.slice(0, MAX_LIST)];
      if (flows.length > MAX_LIST) lines.push('- …');
      if (flows.length === 0) lines.push('- no flow between the pods of this workspace');
      return { markdown: lines.join('\n'), range: fieldRange(o.locator, rule.path)! };
    }
  }
  const types = [pol.affectsIngress ? 'Ingress' : '', pol.affectsEgress ? 'Egress' : ''].filter(Boolean).join(' + ');
  const enforced = ctx.cluster.config.policyEnforced ? '' : `\n\n⚠ ${text(ctx.cluster.config.plugin)} does not enforce NetworkPolicy`;
  return { markdown: `**NetworkPolicy ${text(pol.key)}** (${types}) selects ${selected.length} pod${selected.length === 1 ? '' : 's'}:\n${selected.slice(0, MAX_LIST).map((x) => `- ${code(x.key)}`).join('\n')}${enforced}`, range: o.locator.at(['metadata', 'name']) };
}

function selectorText(selector: string, matches: string[], where = ''): string {
  const head = `**Selector** ${code(selector)}${where ? ` ${where}` : ''} matches ${matches.length} pod${matches.length === 1 ? '' : 's'}${matches.length ? ':' : ''}`;
  const lines = matches.slice(0, MAX_LIST).map((k) => `- ${code(k)}`);
  if (matches.length > MAX_LIST) lines.push(`- … and ${matches.length - MAX_LIST} more`);
  return [head, ...lines].join('\n');
}

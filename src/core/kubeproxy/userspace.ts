import { Cluster, NodeInfo, ServiceInfo } from '../cluster/model';
import { Finding, finding } from '../common/finding';
import { fnv1a } from '../common/hash';
import { Cause, UserspaceProxyPort } from '../dataplane/model';
import { MatchTerm, Ruleset, TableName, Target, appendRule, emptyRuleset, ensureChain } from '../dataplane/netfilter';
import { protoLower, servicePortName } from './chain-names';
import { readyEndpoints } from './endpoints';
import { ProxiedPort, proxiedPorts } from './service-ports';
import { comment, dport, dst, dstLocal, portCause } from './terms';

/**
 * kube-proxy's legacy userspace mode (pkg/proxy/userspace). It was deprecated for years and
 * removed in Kubernetes 1.26; PodPath models it because older material (the seeds' labs)
 * describes it. kube-proxy itself listens on one local "proxy port" per Service port and
 * copies bytes to a backend it picks; iptables only steers Service traffic to that port:
 * REDIRECT for packets arriving from containers (PREROUTING), DNAT to the node's IP for the
 * node's own packets (OUTPUT, where REDIRECT would answer from the wrong address).
 *
 * The proxy port is whatever the kernel handed out; PodPath takes it from the annotation
 * `podpath.dev/userspace-proxy-port` when present, else derives a stable one in Linux's
 * default ephemeral range 32768–60999 (net.ipv4.ip_local_port_range).
 */

export const PROXY_PORT_ANNOTATION = 'podpath.dev/userspace-proxy-port';
export const EPHEMERAL_MIN = 32768;
export const EPHEMERAL_MAX = 60999;

export const PORTALS_CONTAINER = 'KUBE-PORTALS-CONTAINER';
export const PORTALS_HOST = 'KUBE-PORTALS-HOST';
export const NODEPORT_CONTAINER = 'KUBE-NODEPORT-CONTAINER';
export const NODEPORT_HOST = 'KUBE-NODEPORT-HOST';
export const NODEPORT_NON_LOCAL = 'KUBE-NODEPORT-NON-LOCAL';

export interface UserspaceProgram {
  netfilter: Ruleset;
  userspace: UserspaceProxyPort[];
  findings: Finding[];
}

export function programUserspace(cluster: Cluster, node: NodeInfo): UserspaceProgram {
  const rs = emptyRuleset();
  const findings: Finding[] = [];
  const base: Cause = { text: 'kube-proxy (userspace mode, removed in Kubernetes 1.26)', locator: cluster.config.locator, path: ['spec', 'kubeProxy', 'mode'] };
  const add = (table: TableName, chain: string, terms: MatchTerm[], target: Target, cause: Cause = base) => appendRule(rs, table, chain, terms, target, cause);

  for (const c of [PORTALS_CONTAINER, PORTALS_HOST, NODEPORT_CONTAINER, NODEPORT_HOST]) ensureChain(rs, 'nat', c);
  ensureChain(rs, 'filter', NODEPORT_NON_LOCAL);
  // Portal rules first, NodePort rules last: NodePorts match any local address by port alone.
  const portalsFirst = comment('handle ClusterIPs; NOTE: this must be before the NodePort rules');
  const nodePortsLast = [dstLocal(), comment('handle service NodePorts; NOTE: this must be the last rule in the chain')];
  add('filter', 'INPUT', [comment('Ensure that non-local NodePort traffic can flow')], { t: 'jump', chain: NODEPORT_NON_LOCAL });
  add('nat', 'PREROUTING', [portalsFirst], { t: 'jump', chain: PORTALS_CONTAINER });
  add('nat', 'PREROUTING', nodePortsLast, { t: 'jump', chain: NODEPORT_CONTAINER });
  add('nat', 'OUTPUT', [portalsFirst], { t: 'jump', chain: PORTALS_HOST });
  add('nat', 'OUTPUT', nodePortsLast, { t: 'jump', chain: NODEPORT_HOST });

  const ports = proxiedPorts(cluster);
  // Annotation problems are the same on every node: let the first node report them, once.
  const assigned = assignProxyPorts(ports, node, node.index === 0 ? findings : []);
  const userspace: UserspaceProxyPort[] = [];
  ports.forEach((p, i) => {
    const proxyPort = assigned[i];
    const { svc, port, clusterIP } = p;
    const spn = servicePortName(svc.namespace, svc.name, port.name);
    const proto = protoLower(port.protocol);
    const cause = portCause(svc, port.index, `Service ${svc.key} port ${port.name || port.port}/${port.protocol} → kube-proxy port ${proxyPort}`);
    // kube-proxy's argument order: comment, -p, -m <proto>, --dport, then -d <ip>/32.
    const head = (destPort: number): MatchTerm[] => [comment(spn), { m: 'proto', proto }, { m: 'module', name: proto }, dport(destPort)];
    const redirect: Target = { t: 'REDIRECT', toPorts: proxyPort };
    const toNode: Target = { t: 'DNAT', to: `${node.ip}:${proxyPort}` };

    // Cluster IP and load-balancer IPs: one rule for containers, one for the node itself.
    for (const ip of [clusterIP, ...svc.loadBalancerIPs]) {
      add('nat', PORTALS_CONTAINER, [...head(port.port), dst(`${ip}/32`)], redirect, cause);
      add('nat', PORTALS_HOST, [...head(port.port), dst(`${ip}/32`)], toNode, cause);
    }
    // External IPs: traffic from outside (not bridged from a pod), plus anything the node owns.
    svc.externalIPs.forEach((ip, k) => {
      const ipCause = portCause(svc, port.index, `${cause.text}, external IP ${ip}`, ['spec', 'externalIPs', k]);
      add('nat', PORTALS_CONTAINER, [...head(port.port), dst(`${ip}/32`), { m: 'raw', text: '-m physdev ! --physdev-is-in' }], redirect, ipCause);
      add('nat', PORTALS_CONTAINER, [...head(port.port), dst(`${ip}/32`), dstLocal()], redirect, ipCause);
      add('nat', PORTALS_HOST, [...head(port.port), dst(`${ip}/32`), dstLocal()], toNode, ipCause);
    });
    const nodePort = (svc.type === 'NodePort' || svc.type === 'LoadBalancer') ? port.nodePort : undefined;
    if (nodePort !== undefined) {
      const npCause = portCause(svc, port.index, `${cause.text}, nodePort ${nodePort}`, 'nodePort');
      add('nat', NODEPORT_CONTAINER, head(nodePort), redirect, npCause);
      add('nat', NODEPORT_HOST, head(nodePort), toNode, npCause);
      // Lets redirected NodePort traffic in under a default-deny INPUT policy.
      add('filter', NODEPORT_NON_LOCAL, [...head(proxyPort), { m: 'raw', text: '-m state --state NEW' }], { t: 'ACCEPT' }, npCause);
    }
    userspace.push({
      service: svc.key,
      portName: port.name,
      clusterIP,
      port: port.port,
      protocol: port.protocol,
      proxyPort,
      // The proxy balances over every ready endpoint in the cluster; it knows no traffic policies.
      backends: readyEndpoints(port).map((e) => ({
        ip: e.ip, port: e.port, ...(e.source.node ? { node: e.source.node } : {}), ...(e.source.pod ? { pod: e.source.pod } : {}),
      })),
      cause,
    });
  });
  return { netfilter: rs, userspace, findings };
}

/**
 * Proxy ports for every Service port on this node: annotated ports first (they are what the
 * user observed), then derived ones, moving on to the next free port on a collision.
 */
function assignProxyPorts(ports: ProxiedPort[], node: NodeInfo, findings: Finding[]): number[] {
  const result: number[] = new Array(ports.length).fill(0);
  const used = new Map<number, string>();
  const annotated = new Map<ServiceInfo, Map<number, number> | undefined>();
  ports.forEach((p, i) => {
    if (!annotated.has(p.svc)) annotated.set(p.svc, readAnnotation(p.svc, findings));
    const fixed = annotated.get(p.svc)?.get(p.port.index);
    if (fixed === undefined) return;
    const owner = used.get(fixed);
    if (owner) {
      findings.push(finding('userspace-proxy-port-conflict', 'warning',
        `proxy port ${fixed} of ${p.svc.key} is already used by ${owner} on node ${node.name}; kube-proxy cannot listen on it twice`,
        p.svc.locator.at(['metadata', 'annotations', PROXY_PORT_ANNOTATION])));
    }
    used.set(fixed, p.svc.key);
    result[i] = fixed;
  });
  const span = EPHEMERAL_MAX - EPHEMERAL_MIN + 1;
  ports.forEach((p, i) => {
    if (result[i]) return;
    const seed = `${p.svc.namespace}/${p.svc.name}:${p.port.port}/${p.port.protocol}@${node.name}`;
    let candidate = EPHEMERAL_MIN + (fnv1a(seed) % span);
    for (let tries = 0; used.has(candidate) && tries < span; tries++) candidate = candidate === EPHEMERAL_MAX ? EPHEMERAL_MIN : candidate + 1;
    used.set(candidate, p.svc.key);
    result[i] = candidate;
  });
  return result;
}

/**
 * `podpath.dev/userspace-proxy-port`: "33761" for a single-port Service, or
 * "http=33761,metrics=33762" naming ports. Returns port index → proxy port.
 */
function readAnnotation(svc: ServiceInfo, findings: Finding[]): Map<number, number> | undefined {
  const raw = svc.manifest.meta.annotations?.[PROXY_PORT_ANNOTATION];
  if (raw === undefined) return undefined;
  const where = svc.locator.at(['metadata', 'annotations', PROXY_PORT_ANNOTATION]);
  const bad = (why: string) => {
    findings.push(finding('invalid-value', 'warning', `${PROXY_PORT_ANNOTATION} on ${svc.key}: ${why}; PodPath picks the proxy port itself`, where));
    return undefined;
  };
  const parsePort = (text: string): number | undefined => (/^\d{1,5}$/.test(text) && +text >= 1 && +text <= 65535 ? +text : undefined);
  const text = String(raw).trim();
  const out = new Map<number, number>();
  if (!text.includes('=')) {
    const port = parsePort(text);
    if (port === undefined) return bad(`"${text}" is not a port number (1-65535)`);
    if (svc.ports.length !== 1) return bad(`a single number is ambiguous for a Service with ${svc.ports.length} ports; write name=port,...`);
    out.set(svc.ports[0].index, port);
    return out;
  }
  for (const part of text.split(',')) {
    const [name, value, ...rest] = part.split('=').map((s) => s.trim());
    const port = value === undefined ? undefined : parsePort(value);
    if (rest.length || port === undefined) return bad(`"${part.trim()}" is not name=port`);
    const target = svc.ports.find((sp) => sp.name === name);
    if (!target) return bad(`the Service has no port named "${name}"`);
    out.set(target.index, port);
  }
  return out;
}

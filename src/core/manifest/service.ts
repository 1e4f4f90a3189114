import { IpFamily, parseCidr } from '../common/ip';
import { nameRuleFor } from './names';
import { FieldReader } from './reader';
import { EndpointAddress, EndpointPort, EndpointsManifest, ServiceManifest, ServicePortManifest, ServiceType } from './types';

const SERVICE_TYPES: readonly ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

export function readService(r: FieldReader, defaultNamespace: string): ServiceManifest | undefined {
  const meta = r.meta(defaultNamespace, { namespaced: true, rule: nameRuleFor('Service') });
  if (!meta) return undefined;
  const type = r.oneOf(['spec', 'type'], SERVICE_TYPES, 'ClusterIP');
  const ports: ServicePortManifest[] = [];
  const portList = r.list(['spec', 'ports']) ?? [];
  const seenNames = new Set<string>();
  const seenPorts = new Set<string>();
  portList.forEach((_, i) => {
    const p = ['spec', 'ports', i];
    if (!r.mapping(p)) return;
    const port = r.port([...p, 'port'], { required: true });
    if (port === undefined) return;
    const name = r.str([...p, 'name']);
    if (portList.length > 1 && name === undefined) r.report('missing-field', `ports[${i}].name is required when a Service has more than one port`, p);
    if (name !== undefined) {
      if (seenNames.has(name)) r.report('duplicate-port', `ports[${i}].name "${name}" is used by another port of this Service; the API server rejects it`, [...p, 'name']);
      seenNames.add(name);
    }
    const portKey = `${port}/${r.get([...p, 'protocol']) ?? 'TCP'}`;
    if (seenPorts.has(portKey)) r.report('duplicate-port', `ports[${i}] repeats port ${portKey} of this Service; the API server rejects it`, [...p, 'port']);
    seenPorts.add(portKey);
    const nodePort = r.int([...p, 'nodePort'], { min: 1, max: 65535 });
    if (nodePort !== undefined && type !== 'NodePort' && type !== 'LoadBalancer') {
      r.report('invalid-value', `ports[${i}].nodePort is only allowed for type NodePort or LoadBalancer`, [...p, 'nodePort']);
    }
    ports.push({
      ...(name !== undefined ? { name } : {}),
      protocol: r.protocol([...p, 'protocol']),
      port,
      targetPort: r.portOrName([...p, 'targetPort']) ?? port,
      ...(nodePort !== undefined ? { nodePort } : {}),
      index: i,
    });
  });
  let clusterIP: string | undefined;
  const rawClusterIP = r.str(['spec', 'clusterIP']);
  if (rawClusterIP === 'None') {
    clusterIP = 'None';
    if (type === 'NodePort' || type === 'LoadBalancer') r.report('invalid-value', `a headless Service (clusterIP: None) cannot be of type ${type}`, ['spec', 'clusterIP']);
  } else if (rawClusterIP) clusterIP = r.ip(['spec', 'clusterIP']);
  // spec.clusterIPs: one per family, the first equal to clusterIP (ValidateService checks both).
  const clusterIPs: string[] = [];
  (r.list(['spec', 'clusterIPs']) ?? []).forEach((v, i) => {
    if (v === 'None') return;
    const ip = r.ip(['spec', 'clusterIPs', i]);
    if (!ip) return;
    if (i === 0 && clusterIP && clusterIP !== 'None' && ip !== clusterIP) r.report('invalid-value', `clusterIPs[0] ${ip} must equal clusterIP ${clusterIP}`, ['spec', 'clusterIPs', 0]);
    else if (clusterIPs.length < 2 && !clusterIPs.some((x) => x.includes(':') === ip.includes(':'))) clusterIPs.push(ip);
    else r.report('invalid-value', `clusterIPs holds at most one address per IP family; ${ip} is ignored`, ['spec', 'clusterIPs', i]);
  });
  if (!clusterIP && clusterIPs.length) clusterIP = clusterIPs[0];
  const ipFamilies: IpFamily[] = [];
  (r.list(['spec', 'ipFamilies']) ?? []).forEach((_, i) => {
    const f = r.oneOf(['spec', 'ipFamilies', i], ['IPv4', 'IPv6'] as const, 'IPv4') === 'IPv6' ? 6 : 4;
    if (ipFamilies.includes(f)) r.report('invalid-value', `ipFamilies lists IPv${f} twice`, ['spec', 'ipFamilies', i]);
    else ipFamilies.push(f);
  });
  const ipFamilyPolicy = r.has(['spec', 'ipFamilyPolicy']) ? r.oneOf(['spec', 'ipFamilyPolicy'], ['SingleStack', 'PreferDualStack', 'RequireDualStack'] as const, 'SingleStack') : undefined;
  const selector = r.has(['spec', 'selector']) ? r.stringMap(['spec', 'selector']) : undefined;
  const externalIPs = (r.list(['spec', 'externalIPs']) ?? []).flatMap((_, i) => r.ip(['spec', 'externalIPs', i]) ?? []);
  const loadBalancerIPs: string[] = [];
  const lbIP = r.ip(['spec', 'loadBalancerIP']);
  if (lbIP) loadBalancerIPs.push(lbIP);
  (r.list(['status', 'loadBalancer', 'ingress']) ?? []).forEach((_, i) => {
    const ip = r.ip(['status', 'loadBalancer', 'ingress', i, 'ip']);
    if (ip && !loadBalancerIPs.includes(ip)) loadBalancerIPs.push(ip);
  });
  // The API server trims each range (kubernetes pkg/apis/core/validation: ValidateService,
  // loadBalancerSourceRanges) and rejects ranges that are not CIDRs.
  const loadBalancerSourceRanges = (r.list(['spec', 'loadBalancerSourceRanges']) ?? []).flatMap((_, i) => {
    const path = ['spec', 'loadBalancerSourceRanges', i];
    const raw = r.str(path);
    if (raw === undefined) return [];
    const c = parseCidr(raw.trim(), { allowHostBits: true });
    if (!c.ok) {
      r.report('invalid-value', `loadBalancerSourceRanges[${i}] is "${raw}": ${c.error}`, path);
      return [];
    }
    return [raw.trim()];
  });
  const externalName = r.str(['spec', 'externalName']);
  if (type === 'ExternalName' && !externalName) r.report('missing-field', 'spec.externalName is required for type ExternalName', ['spec', 'type']);
  return {
    kind: 'Service',
    meta,
    type,
    ...(selector ? { selector } : {}),
    ...(clusterIP ? { clusterIP } : {}),
    ...(clusterIPs.length > 1 ? { clusterIPs } : {}),
    ...(ipFamilies.length ? { ipFamilies } : {}),
    ...(ipFamilyPolicy ? { ipFamilyPolicy } : {}),
    ports,
    externalIPs,
    loadBalancerIPs,
    ...(loadBalancerSourceRanges.length ? { loadBalancerSourceRanges } : {}),
    ...(externalName ? { externalName } : {}),
    sessionAffinity: r.oneOf(['spec', 'sessionAffinity'], ['None', 'ClientIP'] as const, 'None'),
    sessionAffinityTimeoutSeconds: r.int(['spec', 'sessionAffinityConfig', 'clientIP', 'timeoutSeconds'], { min: 1, max: 86400 }) ?? 10800,
    externalTrafficPolicy: r.oneOf(['spec', 'externalTrafficPolicy'], ['Cluster', 'Local'] as const, 'Cluster'),
    internalTrafficPolicy: r.oneOf(['spec', 'internalTrafficPolicy'], ['Cluster', 'Local'] as const, 'Cluster'),
    ...(r.bool(['spec', 'publishNotReadyAddresses']) ? { publishNotReadyAddresses: true } : {}),
    ...(r.bool(['spec', 'allocateLoadBalancerNodePorts']) === false ? { allocateLoadBalancerNodePorts: false } : {}),
    locator: r.locator,
  };
}

function readEndpointPorts(r: FieldReader, path: (string | number)[]): EndpointPort[] {
  return (r.list(path) ?? []).flatMap((_, i) => {
    const p = [...path, i];
    if (!r.mapping(p)) return [];
    const port = r.port([...p, 'port'], { required: true });
    if (port === undefined) return [];
    const name = r.str([...p, 'name']);
    return [{ ...(name ? { name } : {}), port, protocol: r.protocol([...p, 'protocol']) }];
  });
}

function targetPodOf(r: FieldReader, path: (string | number)[]): string | undefined {
  return r.get([...path, 'targetRef', 'kind']) === 'Pod' ? r.str([...path, 'targetRef', 'name']) : undefined;
}

/** Endpoints (core/v1): subsets of addresses and notReadyAddresses × ports. */
export function readEndpoints(r: FieldReader, defaultNamespace: string): EndpointsManifest | undefined {
  const meta = r.meta(defaultNamespace, { namespaced: true, rule: 'subdomain' });
  if (!meta) return undefined;
  const subsets = (r.list(['subsets']) ?? []).map((_, i) => {
    const sp = ['subsets', i];
    const addresses: EndpointAddress[] = [];
    for (const [field, ready] of [['addresses', true], ['notReadyAddresses', false]] as const) {
      (r.list([...sp, field]) ?? []).forEach((__, j) => {
        const ap = [...sp, field, j];
        // An Endpoints object may hold addresses of either family (one per subset in practice).
        const ip = r.ip([...ap, 'ip']);
        if (!ip) return;
        const nodeName = r.str([...ap, 'nodeName']);
        const targetPod = targetPodOf(r, ap);
        addresses.push({ ip, ...(nodeName ? { nodeName } : {}), ...(targetPod ? { targetPod } : {}), ready, path: ap });
      });
    }
    return { addresses, ports: readEndpointPorts(r, [...sp, 'ports']) };
  });
  return { kind: 'Endpoints', meta, serviceName: meta.name, subsets, locator: r.locator };
}

/** EndpointSlice (discovery.k8s.io/v1): the owning Service is named by a label. */
export function readEndpointSlice(r: FieldReader, defaultNamespace: string): EndpointsManifest | undefined {
  const meta = r.meta(defaultNamespace, { namespaced: true, rule: 'subdomain' });
  if (!meta) return undefined;
  const serviceName = meta.labels['kubernetes.io/service-name'];
  if (!serviceName) {
    r.report('missing-field', 'metadata.labels["kubernetes.io/service-name"] is required to tie this EndpointSlice to its Service', ['metadata'], 'warning');
    return undefined;
  }
  const addressType = r.str(['addressType']);
  // EndpointSlices are per family (addressType IPv4 or IPv6); FQDN slices name no address to route to.
  if (addressType && addressType !== 'IPv4' && addressType !== 'IPv6') {
    r.report('unsupported', `addressType ${addressType} is not modelled (IPv4 and IPv6 are)`, ['addressType'], 'info');
    return undefined;
  }
  const family: IpFamily = addressType === 'IPv6' ? 6 : 4;
  const addresses: EndpointAddress[] = [];
  (r.list(['endpoints']) ?? []).forEach((_, i) => {
    const ep = ['endpoints', i];
    // conditions.ready: "A nil value indicates an unknown state. In most cases consumers should
    // interpret this unknown state as ready." (discovery.k8s.io/v1 EndpointConditions)
    const ready = r.bool([...ep, 'conditions', 'ready']) ?? true;
    const nodeName = r.str([...ep, 'nodeName']);
    const targetPod = targetPodOf(r, ep);
    // The addresses of one endpoint "are all assumed to be fungible and clients may choose to
    // only use the first element"; kube-proxy does exactly that (kubernetes/kubernetes#106267).
    const list = r.list([...ep, 'addresses']) ?? [];
    if (list.length === 0) return;
    const ip = r.ip([...ep, 'addresses', 0], family);
    if (ip) addresses.push({ ip, ...(nodeName ? { nodeName } : {}), ...(targetPod ? { targetPod } : {}), ready, path: [...ep, 'addresses', 0] });
  });
  return { kind: 'EndpointSlice', meta, serviceName, subsets: [{ addresses, ports: readEndpointPorts(r, ['ports']) }], locator: r.locator };
}

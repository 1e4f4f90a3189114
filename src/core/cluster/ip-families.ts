import { Finding, finding } from '../common/finding';
import { IpFamily, familyOf } from '../common/ip';
import { ServiceManifest } from '../manifest/types';
import { ClusterConfig, ServiceInfo } from './model';

/**
 * A Service's IP families as the API server settles them (kubernetes
 * pkg/registry/core/service/storage/alloc.go, initIPFamilyFields; documented in
 * "IPv4/IPv6 dual-stack", kubernetes.io/docs/concepts/services-networking/dual-stack):
 * - ipFamilyPolicy defaults to SingleStack; to RequireDualStack when two families or two
 *   clusterIPs are written, and for a headless Service without selector.
 * - ipFamilies defaults to the families of the written clusterIPs, else the cluster's primary;
 *   a dual-stack policy on a dual-stack cluster adds the other family after them.
 * - RequireDualStack on a single-stack cluster, or a family the cluster lacks, is refused.
 * ExternalName Services have no families.
 */
export function settleServiceFamilies(s: ServiceManifest, config: ClusterConfig, findings: Finding[]): { ipFamilies: IpFamily[]; ipFamilyPolicy: ServiceInfo['ipFamilyPolicy'] } {
  if (s.type === 'ExternalName') return { ipFamilies: [], ipFamilyPolicy: 'SingleStack' };
  const key = `${s.meta.namespace}/${s.meta.name}`;
  const written = [s.clusterIP, ...(s.clusterIPs ?? []).slice(1)].filter((ip): ip is string => !!ip && ip !== 'None');
  const ipFamilies: IpFamily[] = s.ipFamilies?.length ? [...s.ipFamilies] : [];
  for (const ip of written) {
    const f = familyOf(ip)!;
    if (!ipFamilies.includes(f)) {
      if (s.ipFamilies?.length) findings.push(finding('invalid-value', 'error', `Service ${key}: clusterIP ${ip} is IPv${f} but ipFamilies does not list IPv${f}; the API server rejects it`, s.locator.at(['spec', 'ipFamilies'])));
      ipFamilies.push(f);
    }
  }
  const headlessWithoutSelector = s.clusterIP === 'None' && (!s.selector || Object.keys(s.selector).length === 0);
  const policy = s.ipFamilyPolicy ?? (ipFamilies.length === 2 || headlessWithoutSelector ? 'RequireDualStack' : 'SingleStack');
  if (policy === 'SingleStack' && ipFamilies.length === 2) {
    findings.push(finding('invalid-value', 'error', `Service ${key}: ipFamilyPolicy SingleStack cannot take two IP families; the API server rejects it (the first is used)`, s.locator.at(['spec', 'ipFamilyPolicy'])));
    ipFamilies.length = 1;
  }
  if (ipFamilies.length === 0) ipFamilies.push(config.ipFamilies[0]);
  const dualCluster = config.ipFamilies.length === 2;
  if (policy === 'RequireDualStack' && !dualCluster && !headlessWithoutSelector) {
    findings.push(finding('invalid-value', 'error', `Service ${key}: ipFamilyPolicy RequireDualStack needs a dual-stack cluster (the Cluster document gives one range per family); the Service gets IPv4 only`, s.locator.at(['spec', 'ipFamilyPolicy'])));
  }
  const missing = ipFamilies.filter((f) => !config.ipFamilies.includes(f));
  if (missing.length) {
    findings.push(finding('invalid-value', 'error', `Service ${key}: the cluster has no IPv${missing[0]} service range; the API server rejects this Service (it is modelled as IPv${config.ipFamilies[0]})`, s.locator.at(['spec', s.ipFamilies?.length ? 'ipFamilies' : 'clusterIP'])));
    const kept = ipFamilies.filter((f) => config.ipFamilies.includes(f));
    ipFamilies.length = 0;
    ipFamilies.push(...(kept.length ? kept : [config.ipFamilies[0]]));
  }
  if (policy !== 'SingleStack' && dualCluster && ipFamilies.length === 1) ipFamilies.push(ipFamilies[0] === 4 ? 6 : 4);
  return { ipFamilies, ipFamilyPolicy: policy };
}

/**
 * The name rules the API server and the kernel apply, checked once where objects are read:
 * everything downstream (rules, scripts, hovers) only ever sees names that passed here.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** kubernetes apimachinery validation: IsDNS1123Label (at most 63 characters). */
export function isDns1123Label(s: string): boolean {
  return s.length > 0 && s.length <= 63 && DNS1123_LABEL.test(s);
}

/** kubernetes apimachinery validation: IsDNS1035Label (a DNS-1123 label that starts with a letter). */
export function isDns1035Label(s: string): boolean {
  return s.length > 0 && s.length <= 63 && DNS1035_LABEL.test(s);
}

/** kubernetes apimachinery validation: IsDNS1123Subdomain (dot-separated labels, at most 253 characters). */
export function isDns1123Subdomain(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  for (const part of s.split('.')) if (!DNS1123_LABEL.test(part)) return false;
  return true;
}

/**
 * kubernetes apimachinery validation: IsValidPortName (IANA_SVC_NAME): 1–15 characters of
 * lower-case letters, digits and '-', at least one letter, no '-' at either end, no '--'.
 */
export function isValidPortName(s: string): boolean {
  return s.length > 0 && s.length <= 15 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s) && /[a-z]/.test(s) && !s.includes('--');
}

/** Which rule an object's metadata.name must follow. */
export type NameRule = 'subdomain' | 'label' | 'dns1035';

/**
 * The rule per kind, as the API server's ValidateObjectMeta calls are set up:
 * Namespace names are DNS labels (ValidateNamespaceName = NameIsDNSLabel), Service names DNS-1035
 * labels (ValidateServiceName = NameIsDNS1035Label, so they can become DNS names and
 * environment variables); Pods, Nodes, workloads, NetworkPolicies, Endpoints and
 * EndpointSlices DNS-1123 subdomains.
 */
export function nameRuleFor(kind: string): NameRule {
  if (kind === 'Namespace') return 'label';
  if (kind === 'Service') return 'dns1035';
  return 'subdomain';
}

/** Why `name` breaks `rule`, or undefined when it is valid. */
export function objectNameProblem(name: string, rule: NameRule): string | undefined {
  switch (rule) {
    case 'label':
      return isDns1123Label(name) ? undefined : 'a DNS label: lower-case letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters';
    case 'dns1035':
      return isDns1035Label(name) ? undefined : 'a DNS-1035 label: lower-case letters, digits and \'-\', starting with a letter, ending with a letter or digit, at most 63 characters';
    default:
      return isDns1123Subdomain(name) ? undefined : 'a DNS subdomain: lower-case letters, digits, \'-\' and \'.\', each part starting and ending with a letter or digit, at most 253 characters';
  }
}

/** Linux IFNAMSIZ is 16 bytes including the terminating NUL (include/uapi/linux/if.h). */
export const MAX_INTERFACE_NAME_BYTES = 15;

/**
 * Devices PodPath itself creates or names on a node, which a configured device name must not
 * take over: loopback, the underlay NIC, overlay and proxy devices, and the prefixes of the
 * host-side veth names it derives (vethXXXXXXXX, caliXXXXXXXXXXX).
 */
const RESERVED_INTERFACES = new Set(['lo', 'eth0', 'tunl0', 'flannel.1', 'flannel0', 'vxlan.calico', 'kube-ipvs0', 'dummy0',
  // iproute2 reads "help" where it expects a device name as a request for its usage text (ip/iplink.c).
  'help']);
const RESERVED_PREFIXES = ['veth', 'cali'];

/**
 * Why `name` cannot be a network device name, or undefined. The kernel's dev_valid_name
 * (net/core/dev.c) refuses empty names, names of IFNAMSIZ bytes or more, "." and "..", and
 * '/', ':' and whitespace; '%' makes it a template (dev_alloc_name). PodPath also keeps to
 * [A-Za-z0-9._-] so the name is safe in every command and rule it is written into.
 */
export function interfaceNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_INTERFACE_NAME_BYTES) return `it is ${bytes} bytes; Linux device names are at most ${MAX_INTERFACE_NAME_BYTES} bytes (IFNAMSIZ)`;
  if (name === '.' || name === '..') return 'the kernel refuses "." and ".." as device names';
  if (name.includes('%')) return "'%' makes the kernel number the device itself (a name template)";
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return "only letters, digits, '.', '_' and '-' are allowed";
  if (RESERVED_INTERFACES.has(name)) return `"${name}" is a device PodPath models for another purpose`;
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `names starting with "${prefix}" are taken by the pods' host-side veth devices`;
  return undefined;
}

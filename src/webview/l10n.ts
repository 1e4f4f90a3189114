/**
 * The page's texts. English lives here; the host sends translations from
 * l10n/bundle.l10n.<locale>.json (keys `topology.*`), and any key it lacks stays English.
 * `{0}`, `{1}` … are filled in order. No DOM here: unit tests check the bundles against it.
 */
export const ENGLISH = {
  'topology.title': 'PodPath topology',
  'topology.toolbar': 'Diagram tools',
  'topology.search': 'Search pods, IPs, nodes, Services',
  'topology.searchNoMatch': 'No match for "{0}"',
  'topology.searchResults': '{0} matches',
  'topology.zoomIn': 'Zoom in',
  'topology.zoomOut': 'Zoom out',
  'topology.fit': 'Fit to window',
  'topology.expandAll': 'Expand all nodes',
  'topology.collapseAll': 'Collapse all nodes',
  'topology.exportSvg': 'Export SVG',
  'topology.exportPng': 'Export PNG',
  'topology.play': 'Animate the packet',
  'topology.pause': 'Pause the animation',
  'topology.previousHop': 'Previous hop',
  'topology.nextHop': 'Next hop',
  'topology.reply': 'Show the reply (back through conntrack)',
  'topology.toggleSide': 'Show or hide the details panel',
  'topology.resizeSide': 'Drag to resize the details panel',
  'topology.diagram': 'Cluster topology diagram',
  'topology.waiting': 'Waiting for the analysis…',
  'topology.summary': '{0} nodes · {1} pods · {2} Services · {3} NetworkPolicies · {4}',
  'topology.services': 'Services — virtual IPs, on no device',
  'topology.noServices': 'No Services',
  'topology.node': 'Node {0}',
  'topology.nodeCollapsed': '{0} pods ({1} isolated) — press Enter or double-click to expand',
  'topology.expand': 'Expand node {0}',
  'topology.collapse': 'Collapse node {0}',
  'topology.pause.container': 'pause · holds the netns',
  'topology.hostNetwork': 'hostNetwork',
  'topology.stack': 'root netns · routing · netfilter ({0})',
  'topology.routedPorts': 'no bridge: cali* veths, one /32 route each, proxy ARP',
  'topology.underlay': 'underlay {0}',
  'topology.router': 'underlay router',
  'topology.external': 'outside the cluster',
  'topology.nodePorts': 'NodePort {0}',
  'topology.isolated': 'isolated: {0}',
  'topology.ingress': 'ingress',
  'topology.egress': 'egress',
  'topology.trace': 'Trace',
  'topology.noTrace': 'No trace. Run “PodPath: Trace a Packet…” or a trace CodeLens to light up a path.',
  'topology.branch': 'Path',
  'topology.branchOption': '{0} · p={1} · {2}',
  'topology.hops': 'Hops',
  'topology.hop': 'Hop {0}: {1}',
  'topology.verdict': 'Verdict: {0}',
  'topology.verdict.delivered': 'delivered',
  'topology.verdict.dropped': 'dropped',
  'topology.verdict.rejected': 'rejected',
  'topology.verdict.no-route': 'no route',
  'topology.verdict.exits-cluster': 'exits the cluster',
  'topology.verdict.unresolved': 'unresolved',
  'topology.packet': 'Packet after this hop',
  'topology.packet.inner': 'inner',
  'topology.packet.outer': 'outer ({0})',
  'topology.packet.changed': 'rewritten',
  'topology.decidedBy': 'Decided by ({0})',
  'topology.revealSource': 'Show the YAML',
  'topology.noSource': 'Built in: no YAML to show',
  'topology.details': 'Details',
  'topology.nothingSelected': 'Select a pod, device, Service or policy to see where it comes from.',
  'topology.policies': 'NetworkPolicies',
  'topology.noPolicies': 'No NetworkPolicies',
  'topology.policySelects': '{0} · selects {1} pods',
  'topology.labels': 'Labels',
  'topology.containers': 'Containers',
  'topology.addresses': 'Addresses',
  'topology.endpoints': 'Endpoints',
  'topology.assigned': '(assigned by PodPath)',
  'topology.notes': 'Notes',
  'topology.notEnforced': 'NetworkPolicy is not enforced by {0}',
  'topology.exported': 'Exported {0}',
  'topology.legend': 'Legend',
  'topology.legend.veth': 'veth pair',
  'topology.legend.bridge': 'bridge port',
  'topology.legend.tunnel': 'overlay tunnel',
  'topology.legend.endpoint': 'Service → endpoint',
  'topology.legend.path': 'traced path',
  'topology.keyboard': 'Keys: arrows pan · + − zoom · 0 fit · / search · n p hops · space animate · Enter expand',
} as const;

export type StringKey = keyof typeof ENGLISH;
export type Strings = Record<StringKey, string>;

/** English overlaid with the translations given (unknown keys and non-strings are ignored). */
export function mergeStrings(overrides: Record<string, unknown> | undefined): Strings {
  const out: Record<string, string> = { ...ENGLISH };
  for (const key of Object.keys(ENGLISH)) {
    const v = overrides?.[key];
    if (typeof v === 'string' && v.length > 0) out[key] = v;
  }
  return out as Strings;
}

/** `{0}` … placeholders filled in order; missing arguments leave the placeholder as it is. */
export function format(template: string, ...args: (string | number)[]): string {
  return template.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m));
}

/** The placeholders a text uses, for checking translations. */
export function placeholders(text: string): string[] {
  return [...new Set(text.match(/\{\d+\}/g) ?? [])].sort();
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ruleset, renderIptablesSave } from '../../src/core/dataplane/netfilter';
import { programKubeProxy } from '../../src/core/kubeproxy';
import { fwChain, sepChain, svcChain } from '../../src/core/kubeproxy/chain-names';
import { EndpointSpec, endpointSlice, service, toYaml } from './kubeproxy-fixtures';
import {
  PacketFlowTest, TEST_EXTERNAL_CLIENT as EXT_CLIENT, TEST_EXTERNAL_IP, TEST_NODE_IP as NODE, TEST_NODE_IP_ALT, TEST_NODE_NAME, clusterFrom,
  packetFlowFailures, tracePacket,
} from './kubeproxy-trace';

/**
 * kube-proxy's packet-flow tests (kubernetes pkg/proxy/iptables/proxier_test.go) re-expressed
 * as manifests: each upstream Service/EndpointSlice fixture is written as YAML, loaded through
 * PodPath's reader and cluster builder, programmed for upstream's "test-node", and the same
 * packets are traced with the same expected endpoints, verdicts and masquerade decisions.
 *
 * Cases PodPath cannot express are listed as skipped with the reason (loadBalancerSourceRanges,
 * healthCheckNodePort, terminating endpoints, --masquerade-all and a disabled local detector
 * are not modelled).
 */

function rulesFor(...objects: object[]): Ruleset {
  const { cluster, node } = clusterFrom(toYaml(...objects));
  const program = programKubeProxy(cluster, node);
  assert.deepEqual(program.findings, [], 'kube-proxy reported findings');
  return program.netfilter;
}

function runCases(rs: () => Ruleset, cases: (PacketFlowTest & { skip?: string })[]): void {
  for (const c of cases) {
    if (c.skip) {
      it(c.name, { skip: c.skip }, () => undefined);
      continue;
    }
    it(c.name, () => {
      const failures = packetFlowFailures(rs(), [c]);
      assert.equal(failures.length, 0, failures.join('\n'));
    });
  }
}

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

const p80 = { name: 'p80', port: 80 };
const NO_SOURCE_RANGES = 'loadBalancerSourceRanges are not read by PodPath, so KUBE-FW-* chains are not modelled';

// --- TestOverallIPTablesRules -------------------------------------------------------------

// Upstream's six Services. Differences, each forced by what a manifest can say: svc4 is
// ClusterIP+externalIPs (upstream's NodePort without nodePort cannot exist once the API server
// allocates one), svc5 has no loadBalancerSourceRanges, and health-check node ports are absent.
const overallObjects = [
  service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [p80] }),
  service('ns2', 'svc2', {
    type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.42', ports: [{ ...p80, nodePort: 3001 }],
    loadBalancerIngress: ['1.2.3.4'], externalIPs: ['192.168.99.22'],
  }),
  service('ns3', 'svc3', { type: 'NodePort', clusterIP: '172.30.0.43', ports: [{ ...p80, nodePort: 3003 }] }),
  service('ns4', 'svc4', { clusterIP: '172.30.0.44', externalIPs: ['192.168.99.33'], ports: [{ ...p80, targetPort: 80 }] }),
  service('ns5', 'svc5', {
    type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', clusterIP: '172.30.0.45', ports: [{ ...p80, nodePort: 3002 }],
    loadBalancerIngress: ['5.6.7.8'], sessionAffinityTimeout: 10800,
  }),
  service('ns6', 'svc6', { clusterIP: '172.30.0.46', ports: [{ ...p80, targetPort: 80 }] }),
  endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1' }], [p80]),
  // No nodeName: non-local, so svc2 (eTP Local) has no local endpoint.
  endpointSlice('ns2', 'svc2', [{ ip: '10.180.0.2' }], [p80]),
  endpointSlice('ns3', 'svc3', [{ ip: '10.180.0.3' }], [p80]),
  endpointSlice('ns4', 'svc4', [{ ip: '10.180.0.4' }, { ip: '10.180.0.5', node: TEST_NODE_NAME }], [p80]),
  endpointSlice('ns5', 'svc5', [{ ip: '10.180.0.3' }], [p80]),
];

/**
 * Upstream's expected restore input for TestOverallIPTablesRules, chain by chain. Edited:
 * nfacct rules dropped (counting only), the ns5 load-balancer rule jumps to KUBE-EXT instead of
 * KUBE-FW (no source ranges), health-check and KUBE-PROXY-FIREWALL rules gone (not modelled).
 */
const OVERALL_EXPECTED: Record<'filter' | 'nat', Record<string, string[]>> = {
  filter: {
    'KUBE-NODEPORTS': [],
    'KUBE-SERVICES': ['-A KUBE-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.46 --dport 80 -j REJECT'],
    'KUBE-EXTERNAL-SERVICES': [
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j DROP',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j DROP',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j DROP',
    ],
    'KUBE-FIREWALL': ['-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP'],
    'KUBE-FORWARD': [
      '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    ],
    'KUBE-PROXY-FIREWALL': [],
  },
  nat: {
    'KUBE-NODEPORTS': [
      '-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -m tcp -p tcp --dport 3003 -j KUBE-EXT-X27LE4BHSL4DOUIK',
      '-A KUBE-NODEPORTS -m comment --comment ns5/svc5:p80 -m tcp -p tcp --dport 3002 -j KUBE-EXT-NUKIZ6OKUXPJNT4C',
    ],
    'KUBE-SERVICES': [
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O',
      '-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 external IP" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 loadbalancer IP" -m tcp -p tcp -d 1.2.3.4 --dport 80 -j KUBE-EXT-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK',
      '-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j KUBE-SVC-4SW47YFZTEDKD3PK',
      '-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 external IP" -m tcp -p tcp -d 192.168.99.33 --dport 80 -j KUBE-EXT-4SW47YFZTEDKD3PK',
      '-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 -j KUBE-SVC-NUKIZ6OKUXPJNT4C',
      '-A KUBE-SERVICES -m comment --comment "ns5/svc5:p80 loadbalancer IP" -m tcp -p tcp -d 5.6.7.8 --dport 80 -j KUBE-EXT-NUKIZ6OKUXPJNT4C',
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    ],
    'KUBE-EXT-4SW47YFZTEDKD3PK': [
      '-A KUBE-EXT-4SW47YFZTEDKD3PK -m comment --comment "masquerade traffic for ns4/svc4:p80 external destinations" -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-4SW47YFZTEDKD3PK -j KUBE-SVC-4SW47YFZTEDKD3PK',
    ],
    'KUBE-EXT-GNZBNJ2PO5MGZ6GT': [
      '-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "pod traffic for ns2/svc2:p80 external destinations" -s 10.0.0.0/8 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT',
      '-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "masquerade LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment "route LOCAL traffic for ns2/svc2:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-GNZBNJ2PO5MGZ6GT',
    ],
    'KUBE-EXT-NUKIZ6OKUXPJNT4C': [
      '-A KUBE-EXT-NUKIZ6OKUXPJNT4C -m comment --comment "masquerade traffic for ns5/svc5:p80 external destinations" -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-NUKIZ6OKUXPJNT4C -j KUBE-SVC-NUKIZ6OKUXPJNT4C',
    ],
    'KUBE-EXT-X27LE4BHSL4DOUIK': [
      '-A KUBE-EXT-X27LE4BHSL4DOUIK -m comment --comment "masquerade traffic for ns3/svc3:p80 external destinations" -j KUBE-MARK-MASQ',
      '-A KUBE-EXT-X27LE4BHSL4DOUIK -j KUBE-SVC-X27LE4BHSL4DOUIK',
    ],
    'KUBE-MARK-MASQ': ['-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000'],
    'KUBE-POSTROUTING': [
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
      // TestMasqueradeRule: with an iptables that supports it, --random-fully.
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ],
    'KUBE-SEP-C6EBXVWJJZMIWKLZ': [
      '-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -s 10.180.0.5 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-C6EBXVWJJZMIWKLZ -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.5:80',
    ],
    'KUBE-SEP-I77PXRDZVX7PMWMN': [
      '-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80',
    ],
    'KUBE-SEP-OYPFS5VJICHGATKP': [
      '-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -s 10.180.0.3 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-OYPFS5VJICHGATKP -m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80',
    ],
    'KUBE-SEP-RS4RBKLTHTF2IUXJ': [
      '-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -s 10.180.0.2 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.2:80',
    ],
    'KUBE-SEP-SXIVWICOYRO3J4NJ': [
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80',
    ],
    'KUBE-SEP-UKSFD7AGPMPPLUHC': [
      '-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -s 10.180.0.4 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-UKSFD7AGPMPPLUHC -m comment --comment ns4/svc4:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.4:80',
    ],
    'KUBE-SVC-4SW47YFZTEDKD3PK': [
      '-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 cluster IP" -m tcp -p tcp -d 172.30.0.44 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.4:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-UKSFD7AGPMPPLUHC',
      '-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.5:80" -j KUBE-SEP-C6EBXVWJJZMIWKLZ',
    ],
    'KUBE-SVC-GNZBNJ2PO5MGZ6GT': [
      '-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment "ns2/svc2:p80 -> 10.180.0.2:80" -j KUBE-SEP-RS4RBKLTHTF2IUXJ',
    ],
    'KUBE-SVC-NUKIZ6OKUXPJNT4C': [
      '-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 cluster IP" -m tcp -p tcp -d 172.30.0.45 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --rcheck --seconds 10800 --reap -j KUBE-SEP-I77PXRDZVX7PMWMN',
      '-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -j KUBE-SEP-I77PXRDZVX7PMWMN',
    ],
    'KUBE-SVC-X27LE4BHSL4DOUIK': [
      '-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.180.0.3:80" -j KUBE-SEP-OYPFS5VJICHGATKP',
    ],
    'KUBE-SVC-XPGD46QRK7WJZT7O': [
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -j KUBE-SEP-SXIVWICOYRO3J4NJ',
    ],
  },
};

/** Our iptables-save text as chain → lines, for the KUBE-* chains only. */
function kubeChains(rs: Ruleset): Record<'filter' | 'nat', Record<string, string[]>> {
  const out: Record<'filter' | 'nat', Record<string, string[]>> = { filter: {}, nat: {} };
  let table: 'filter' | 'nat' | undefined;
  for (const raw of renderIptablesSave(rs).split('\n')) {
    const line = raw;
    if (line === '*filter' || line === '*nat') table = line.slice(1) as 'filter' | 'nat';
    else if (table && line.startsWith(':KUBE-')) out[table][line.slice(1).split(' ')[0]] = [];
    else if (table && line.startsWith('-A KUBE-')) out[table][line.split(' ')[1]].push(line);
  }
  return out;
}

describe('TestOverallIPTablesRules', () => {
  const rs = once(() => rulesFor(...overallObjects));
  it('writes upstream\'s chains, rule for rule', () => {
    const got = kubeChains(rs());
    for (const table of ['filter', 'nat'] as const) {
      assert.deepEqual(Object.keys(got[table]).sort(), Object.keys(OVERALL_EXPECTED[table]).sort(), `${table}: chain set`);
      for (const [chain, lines] of Object.entries(OVERALL_EXPECTED[table])) assert.deepEqual(got[table][chain], lines, `${table} ${chain}`);
    }
  });
  // TestTracePacket traces these packets through upstream's static dump of the same Services.
  runCases(rs, [
    { name: 'TestTracePacket: no match', sourceIP: '10.0.0.2', destIP: '10.0.0.3', destPort: 80, output: '' },
    { name: 'TestTracePacket: single endpoint', sourceIP: '10.0.0.2', destIP: '172.30.0.41', destPort: 80, output: '10.180.0.1:80' },
    { name: 'TestTracePacket: multiple endpoints', sourceIP: '10.0.0.2', destIP: '172.30.0.44', destPort: 80, output: '10.180.0.4:80, 10.180.0.5:80' },
    { name: 'TestTracePacket: LOCAL, KUBE-MARK-MASQ', sourceIP: NODE, destIP: '192.168.99.22', destPort: 80, output: '10.180.0.2:80', masq: true },
    { name: 'TestTracePacket: DROP', sourceIP: EXT_CLIENT, destIP: '192.168.99.22', destPort: 80, output: 'DROP' },
    { name: 'TestTracePacket: ACCEPT (NodePortHealthCheck)', sourceIP: NODE, destIP: NODE, destPort: 30000, output: 'ACCEPT', skip: 'healthCheckNodePort is not modelled' },
    { name: 'TestTracePacket: REJECT', sourceIP: '10.0.0.2', destIP: '172.30.0.46', destPort: 80, output: 'REJECT' },
  ]);
});

describe('TestNoEndpointsReject', () => {
  const rs = once(() => rulesFor(service('ns1', 'svc1', {
    type: 'LoadBalancer', clusterIP: '172.30.0.41', externalIPs: [TEST_EXTERNAL_IP], ports: [{ ...p80, nodePort: 3001 }], loadBalancerIngress: ['1.2.3.4'],
  })));
  runCases(rs, [
    { name: 'pod to cluster IP with no endpoints', sourceIP: '10.0.0.2', destIP: '172.30.0.41', destPort: 80, output: 'REJECT' },
    { name: 'external to external IP with no endpoints', sourceIP: EXT_CLIENT, destIP: TEST_EXTERNAL_IP, destPort: 80, output: 'REJECT' },
    { name: 'pod to NodePort with no endpoints', sourceIP: '10.0.0.2', destIP: NODE, destPort: 3001, output: 'REJECT' },
    { name: 'external to NodePort with no endpoints', sourceIP: EXT_CLIENT, destIP: NODE, destPort: 3001, output: 'REJECT' },
    { name: 'pod to LoadBalancer IP with no endpoints', sourceIP: '10.0.0.2', destIP: '1.2.3.4', destPort: 80, output: 'REJECT' },
    { name: 'external to LoadBalancer IP with no endpoints', sourceIP: EXT_CLIENT, destIP: '1.2.3.4', destPort: 80, output: 'REJECT' },
  ]);
});

describe('TestClusterIPGeneral', () => {
  const svc2Ports = [
    { name: 'http', port: 80 },
    { name: 'https', port: 443, targetPort: 8443 },
    { name: 'dns-udp', port: 53, protocol: 'UDP' as const },
    { name: 'dns-tcp', port: 53, targetPort: 5353 },
    { name: 'dns-sctp', port: 53, protocol: 'SCTP' as const },
  ];
  const rs = once(() => rulesFor(
    service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [{ name: 'http', port: 80 }] }),
    service('ns2', 'svc2', { clusterIP: '172.30.0.42', ports: svc2Ports }),
    endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1', node: TEST_NODE_NAME }], [{ name: 'http', port: 80 }]),
    endpointSlice('ns2', 'svc2', [{ ip: '10.180.0.1', node: TEST_NODE_NAME }, { ip: '10.180.2.1', node: 'node2' }], [
      { name: 'http', port: 80 }, { name: 'https', port: 8443 }, { name: 'dns-udp', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 5353 }, { name: 'dns-sctp', port: 53, protocol: 'SCTP' },
    ]),
  ));
  runCases(rs, [
    { name: 'simple clusterIP', sourceIP: '10.180.0.2', destIP: '172.30.0.41', destPort: 80, output: '10.180.0.1:80' },
    { name: 'hairpin to cluster IP', sourceIP: '10.180.0.1', destIP: '172.30.0.41', destPort: 80, output: '10.180.0.1:80', masq: true },
    { name: 'clusterIP with multiple endpoints', sourceIP: '10.180.0.2', destIP: '172.30.0.42', destPort: 80, output: '10.180.0.1:80, 10.180.2.1:80' },
    { name: 'clusterIP with TargetPort', sourceIP: '10.180.0.2', destIP: '172.30.0.42', destPort: 443, output: '10.180.0.1:8443, 10.180.2.1:8443' },
    { name: 'clusterIP with TCP, UDP, and SCTP on same port (TCP)', sourceIP: '10.180.0.2', protocol: 'TCP', destIP: '172.30.0.42', destPort: 53, output: '10.180.0.1:5353, 10.180.2.1:5353' },
    { name: 'clusterIP with TCP, UDP, and SCTP on same port (UDP)', sourceIP: '10.180.0.2', protocol: 'UDP', destIP: '172.30.0.42', destPort: 53, output: '10.180.0.1:53, 10.180.2.1:53' },
    { name: 'clusterIP with TCP, UDP, and SCTP on same port (SCTP)', sourceIP: '10.180.0.2', protocol: 'SCTP', destIP: '172.30.0.42', destPort: 53, output: '10.180.0.1:53, 10.180.2.1:53' },
    { name: 'TCP-only port does not match UDP traffic', sourceIP: '10.180.0.2', protocol: 'UDP', destIP: '172.30.0.42', destPort: 80, output: '' },
    { name: 'svc1 does not accept svc2\'s ports', sourceIP: '10.180.0.2', destIP: '172.30.0.41', destPort: 443, output: '' },
  ]);
});

describe('TestLoadBalancer', () => {
  // Upstream also sets loadBalancerSourceRanges 192.168.0.0/24 and 203.0.113.0/25.
  const rs = once(() => rulesFor(
    service('ns1', 'svc1', { type: 'LoadBalancer', clusterIP: '172.30.0.41', ports: [{ ...p80, nodePort: 3001 }], loadBalancerIngress: ['1.2.3.4', '5.6.7.8'] }),
    endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1' }], [p80]),
  ));
  const ep = '10.180.0.1:80';
  runCases(rs, [
    { name: 'pod to cluster IP', sourceIP: '10.0.0.2', destIP: '172.30.0.41', destPort: 80, output: ep },
    { name: 'external to nodePort', sourceIP: EXT_CLIENT, destIP: NODE, destPort: 3001, output: ep, masq: true },
    { name: 'nodePort bypasses LoadBalancerSourceRanges', sourceIP: '203.0.113.130', destIP: NODE, destPort: 3001, output: ep, masq: true },
    { name: 'accepted external to LB1', sourceIP: EXT_CLIENT, destIP: '1.2.3.4', destPort: 80, output: ep, masq: true },
    { name: 'accepted external to LB2', sourceIP: EXT_CLIENT, destIP: '5.6.7.8', destPort: 80, output: ep, masq: true },
    { name: 'blocked external to LB1', sourceIP: '203.0.113.130', destIP: '1.2.3.4', destPort: 80, output: 'DROP', skip: NO_SOURCE_RANGES },
    { name: 'blocked external to LB2', sourceIP: '203.0.113.130', destIP: '5.6.7.8', destPort: 80, output: 'DROP', skip: NO_SOURCE_RANGES },
    { name: 'pod to LB1 (blocked by LoadBalancerSourceRanges)', sourceIP: '10.0.0.2', destIP: '1.2.3.4', destPort: 80, output: 'DROP', skip: NO_SOURCE_RANGES },
    { name: 'pod to LB2 (blocked by LoadBalancerSourceRanges)', sourceIP: '10.0.0.2', destIP: '5.6.7.8', destPort: 80, output: 'DROP', skip: NO_SOURCE_RANGES },
    { name: 'node to LB1 (allowed by LoadBalancerSourceRanges)', sourceIP: NODE, destIP: '1.2.3.4', destPort: 80, output: ep, masq: true },
    { name: 'node to LB2 (allowed by LoadBalancerSourceRanges)', sourceIP: NODE, destIP: '5.6.7.8', destPort: 80, output: ep, masq: true },
    { name: 'same node to LB1, SNATted to LB1 (implicitly allowed)', sourceIP: '1.2.3.4', destIP: '1.2.3.4', destPort: 80, output: ep, masq: true },
    { name: 'same node to LB2, SNATted to LB2 (implicitly allowed)', sourceIP: '5.6.7.8', destIP: '5.6.7.8', destPort: 80, output: ep, masq: true },
  ]);
});

describe('TestNodePorts (ipv4, localhost-nodeports enabled: kube-proxy\'s defaults)', () => {
  const rs = once(() => rulesFor(
    service('ns1', 'svc1', { type: 'NodePort', clusterIP: '172.30.0.41', ports: [{ ...p80, nodePort: 3001 }] }),
    endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1' }, { ip: '10.180.2.1', node: TEST_NODE_NAME }], [p80]),
  ));
  const output = '10.180.0.1:80, 10.180.2.1:80';
  runCases(rs, [
    { name: 'pod to cluster IP', sourceIP: '10.0.0.2', destIP: '172.30.0.41', destPort: 80, output },
    { name: 'external to nodePort', sourceIP: EXT_CLIENT, destIP: NODE, destPort: 3001, output, masq: true },
    { name: 'node to nodePort', sourceIP: NODE, destIP: NODE, destPort: 3001, output, masq: true },
    { name: 'localhost to nodePort gets masqueraded', sourceIP: '127.0.0.1', destIP: '127.0.0.1', destPort: 3001, output, masq: true },
    { name: 'external to nodePort on secondary IP', sourceIP: EXT_CLIENT, destIP: TEST_NODE_IP_ALT, destPort: 3001, output, masq: true },
  ]);
});

describe('TestHealthCheckNodePort', () => {
  it('firewall accepts HealthCheckNodePort', { skip: 'healthCheckNodePort is not modelled' }, () => undefined);
});

describe('TestExternalTrafficPolicyLocal', () => {
  const rs = once(() => rulesFor(
    service('ns1', 'svc1', {
      type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: '172.30.0.41', externalIPs: [TEST_EXTERNAL_IP],
      ports: [{ ...p80, nodePort: 3001, targetPort: 80 }], loadBalancerIngress: ['1.2.3.4'],
    }),
    endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1' }, { ip: '10.180.2.1', node: TEST_NODE_NAME }], [p80]),
  ));
  const both = '10.180.0.1:80, 10.180.2.1:80';
  const local = '10.180.2.1:80';
  runCases(rs, [
    { name: 'pod to cluster IP hits both endpoints, unmasqueraded', sourceIP: '10.0.0.2', destIP: '172.30.0.41', destPort: 80, output: both },
    { name: 'pod to external IP hits both endpoints, unmasqueraded', sourceIP: '10.0.0.2', destIP: TEST_EXTERNAL_IP, destPort: 80, output: both },
    { name: 'external to external IP hits only local endpoint, unmasqueraded', sourceIP: EXT_CLIENT, destIP: TEST_EXTERNAL_IP, destPort: 80, output: local },
    { name: 'pod to LB IP hits only both endpoints, unmasqueraded', sourceIP: '10.0.0.2', destIP: '1.2.3.4', destPort: 80, output: both },
    { name: 'external to LB IP hits only local endpoint, unmasqueraded', sourceIP: EXT_CLIENT, destIP: '1.2.3.4', destPort: 80, output: local },
    { name: 'pod to NodePort hits both endpoints, unmasqueraded', sourceIP: '10.0.0.2', destIP: NODE, destPort: 3001, output: both },
    { name: 'external to NodePort hits only local endpoint, unmasqueraded', sourceIP: EXT_CLIENT, destIP: NODE, destPort: 3001, output: local },
  ]);
});

describe('TestExternalTrafficPolicyCluster', () => {
  const rs = once(() => rulesFor(
    service('ns1', 'svc1', {
      type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', clusterIP: '172.30.0.41', externalIPs: [TEST_EXTERNAL_IP],
      ports: [{ ...p80, nodePort: 3001, targetPort: 80 }], loadBalancerIngress: ['1.2.3.4'],
    }),
    endpointSlice('ns1', 'svc1', [{ ip: '10.180.0.1' }, { ip: '10.180.2.1', node: TEST_NODE_NAME }], [p80]),
  ));
  const both = '10.180.0.1:80, 10.180.2.1:80';
  runCases(rs, [
    { name: 'pod to cluster IP hits both endpoints, unmasqueraded', sourceIP: '10.0.0.2', destIP: '172.30.0.41', destPort: 80, output: both },
    { name: 'pod to external IP hits both endpoints, masqueraded', sourceIP: '10.0.0.2', destIP: TEST_EXTERNAL_IP, destPort: 80, output: both, masq: true },
    { name: 'external to external IP hits both endpoints, masqueraded', sourceIP: EXT_CLIENT, destIP: TEST_EXTERNAL_IP, destPort: 80, output: both, masq: true },
    { name: 'pod to LB IP hits both endpoints, masqueraded', sourceIP: '10.0.0.2', destIP: '1.2.3.4', destPort: 80, output: both, masq: true },
    { name: 'external to LB IP hits both endpoints, masqueraded', sourceIP: EXT_CLIENT, destIP: '1.2.3.4', destPort: 80, output: both, masq: true },
    { name: 'pod to NodePort hits both endpoints, masqueraded', sourceIP: '10.0.0.2', destIP: NODE, destPort: 3001, output: both, masq: true },
    { name: 'external to NodePort hits both endpoints, masqueraded', sourceIP: EXT_CLIENT, destIP: NODE, destPort: 3001, output: both, masq: true },
  ]);
});

describe('TestInternalTrafficPolicy', () => {
  const itpService = (policy: 'Cluster' | 'Local') => service('ns1', 'svc1', { clusterIP: '172.30.1.1', internalTrafficPolicy: policy, ports: [{ port: 80 }] });
  const slice = (eps: [string, string][]) => endpointSlice('ns1', 'svc1', eps.map(([ip, node]) => ({ ip, node, ready: true })), [{ name: '', port: 80 }]);
  const table: { name: string; policy: 'Cluster' | 'Local'; endpoints: [string, string][]; flow: PacketFlowTest }[] = [
    {
      name: 'internalTrafficPolicy is cluster', policy: 'Cluster',
      endpoints: [['10.0.1.1', TEST_NODE_NAME], ['10.0.1.2', 'node1'], ['10.0.1.3', 'node2']],
      flow: { name: 'pod to ClusterIP hits all endpoints', sourceIP: '10.0.0.2', destIP: '172.30.1.1', destPort: 80, output: '10.0.1.1:80, 10.0.1.2:80, 10.0.1.3:80' },
    },
    {
      name: 'internalTrafficPolicy is local and there is one local endpoint', policy: 'Local',
      endpoints: [['10.0.1.1', TEST_NODE_NAME], ['10.0.1.2', 'node1'], ['10.0.1.3', 'node2']],
      flow: { name: 'pod to ClusterIP hits only local endpoint', sourceIP: '10.0.0.2', destIP: '172.30.1.1', destPort: 80, output: '10.0.1.1:80' },
    },
    {
      name: 'internalTrafficPolicy is local and there are multiple local endpoints', policy: 'Local',
      endpoints: [['10.0.1.1', TEST_NODE_NAME], ['10.0.1.2', TEST_NODE_NAME], ['10.0.1.3', 'node2']],
      flow: { name: 'pod to ClusterIP hits all local endpoints', sourceIP: '10.0.0.2', destIP: '172.30.1.1', destPort: 80, output: '10.0.1.1:80, 10.0.1.2:80' },
    },
    {
      name: 'internalTrafficPolicy is local and there are no local endpoints', policy: 'Local',
      endpoints: [['10.0.1.1', 'node0'], ['10.0.1.2', 'node1'], ['10.0.1.3', 'node2']],
      flow: { name: 'no endpoints', sourceIP: '10.0.0.2', destIP: '172.30.1.1', destPort: 80, output: 'DROP' },
    },
  ];
  for (const tc of table) {
    describe(tc.name, () => {
      runCases(once(() => rulesFor(itpService(tc.policy), slice(tc.endpoints))), [tc.flow]);
      // Upstream then deletes the EndpointSlice: the Service has no endpoints at all.
      runCases(once(() => rulesFor(itpService(tc.policy))), [{ name: 'endpoints deleted', sourceIP: '10.0.0.2', destIP: '172.30.1.1', destPort: 80, output: 'REJECT' }]);
    });
  }
});

describe('TestTerminatingEndpointsTrafficPolicyLocal / TestTerminatingEndpointsTrafficPolicyCluster', () => {
  // PodPath reads only `ready`; the not-ready endpoints below are upstream's terminating ones,
  // which upstream ignores as long as ready endpoints exist — so these cases transcribe as is.
  const eps: EndpointSpec[] = [
    { ip: '10.0.1.1', node: TEST_NODE_NAME, ready: true },
    { ip: '10.0.1.2', node: TEST_NODE_NAME, ready: true },
    { ip: '10.0.1.3', node: TEST_NODE_NAME, ready: false },
    { ip: '10.0.1.4', node: TEST_NODE_NAME, ready: false },
    { ip: '10.0.1.5', node: 'node-1', ready: true },
  ];
  const lb = (policy: 'Local' | 'Cluster') => service('ns1', 'svc1', {
    type: 'LoadBalancer', externalTrafficPolicy: policy, clusterIP: '172.30.1.1', ports: [{ port: 80, targetPort: 80 }], loadBalancerIngress: ['1.2.3.4'],
  });
  const noneUsable: EndpointSpec[] = [{ ip: '10.0.1.5', node: TEST_NODE_NAME, ready: false }, { ip: '10.0.1.5', node: 'node-1', ready: false }];
  const port = [{ name: '', port: 80 }];
  const terminating = 'serving/terminating endpoint conditions are not modelled';
  describe('eTP Local: ready endpoints exist', () => runCases(once(() => rulesFor(lb('Local'), endpointSlice('ns1', 'svc1', eps, port))), [
    { name: 'pod to clusterIP', sourceIP: '10.0.0.2', destIP: '172.30.1.1', destPort: 80, output: '10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80' },
    { name: 'external to LB', sourceIP: EXT_CLIENT, destIP: '1.2.3.4', destPort: 80, output: '10.0.1.1:80, 10.0.1.2:80' },
  ]));
  describe('eTP Local: no usable endpoints on any node', () => runCases(once(() => rulesFor(lb('Local'), endpointSlice('ns1', 'svc1', noneUsable, port))), [
    { name: 'pod to clusterIP, no usable endpoints', sourceIP: '10.0.0.2', destIP: '172.30.1.1', destPort: 80, output: 'REJECT' },
    { name: 'external to LB, no usable endpoints', sourceIP: EXT_CLIENT, destIP: '1.2.3.4', destPort: 80, output: 'REJECT' },
  ]));
  describe('eTP Local: only terminating endpoints exist / terminating endpoints on remote node', () => runCases(() => rulesFor(lb('Local')), [
    { name: 'pod to clusterIP', sourceIP: '10.0.0.2', destIP: '172.30.1.1', destPort: 80, output: '10.0.1.5:80', skip: terminating },
  ]));
  describe('eTP Cluster: ready endpoints exist', () => runCases(once(() => rulesFor(lb('Cluster'), endpointSlice('ns1', 'svc1', eps, port))), [
    { name: 'pod to clusterIP', sourceIP: '10.0.0.2', destIP: '172.30.1.1', destPort: 80, output: '10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80' },
    { name: 'external to LB', sourceIP: EXT_CLIENT, destIP: '1.2.3.4', destPort: 80, output: '10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80', masq: true },
  ]));
  describe('eTP Cluster: no usable endpoints on any node', () => runCases(once(() => rulesFor(lb('Cluster'), endpointSlice('ns1', 'svc1', noneUsable, port))), [
    { name: 'pod to clusterIP', sourceIP: '10.0.0.2', destIP: '172.30.1.1', destPort: 80, output: 'REJECT' },
    { name: 'external to LB', sourceIP: EXT_CLIENT, destIP: '1.2.3.4', destPort: 80, output: 'REJECT' },
  ]));
});

describe('TestInternalExternalMasquerade (base: local detector on, no --masquerade-all)', () => {
  const eps = (last: number) => [{ ip: `10.180.0.${last}`, node: TEST_NODE_NAME }, { ip: `10.180.1.${last}`, node: 'remote' }];
  const rs = once(() => rulesFor(
    service('ns1', 'svc1', { type: 'LoadBalancer', clusterIP: '172.30.0.41', ports: [{ ...p80, nodePort: 3001 }], loadBalancerIngress: ['1.2.3.4'] }),
    service('ns2', 'svc2', { type: 'LoadBalancer', clusterIP: '172.30.0.42', externalTrafficPolicy: 'Local', ports: [{ ...p80, nodePort: 3002 }], loadBalancerIngress: ['5.6.7.8'] }),
    service('ns3', 'svc3', { type: 'LoadBalancer', clusterIP: '172.30.0.43', internalTrafficPolicy: 'Local', ports: [{ ...p80, nodePort: 3003 }], loadBalancerIngress: ['9.10.11.12'] }),
    endpointSlice('ns1', 'svc1', eps(1), [p80]),
    endpointSlice('ns2', 'svc2', eps(2), [p80]),
    endpointSlice('ns3', 'svc3', eps(3), [p80]),
  ));
  const all1 = '10.180.0.1:80, 10.180.1.1:80';
  const all2 = '10.180.0.2:80, 10.180.1.2:80';
  const all3 = '10.180.0.3:80, 10.180.1.3:80';
  const L = '127.0.0.1';
  runCases(rs, [
    { name: 'pod to ClusterIP', sourceIP: '10.0.0.2', destIP: '172.30.0.41', destPort: 80, output: all1 },
    { name: 'pod to NodePort', sourceIP: '10.0.0.2', destIP: NODE, destPort: 3001, output: all1, masq: true },
    { name: 'pod to LB', sourceIP: '10.0.0.2', destIP: '1.2.3.4', destPort: 80, output: all1, masq: true },
    { name: 'node to ClusterIP', sourceIP: NODE, destIP: '172.30.0.41', destPort: 80, output: all1, masq: true },
    { name: 'node to NodePort', sourceIP: NODE, destIP: NODE, destPort: 3001, output: all1, masq: true },
    { name: 'localhost to NodePort', sourceIP: L, destIP: L, destPort: 3001, output: all1, masq: true },
    { name: 'node to LB', sourceIP: NODE, destIP: '1.2.3.4', destPort: 80, output: all1, masq: true },
    { name: 'external to ClusterIP', sourceIP: EXT_CLIENT, destIP: '172.30.0.41', destPort: 80, output: all1, masq: true },
    { name: 'external to NodePort', sourceIP: EXT_CLIENT, destIP: NODE, destPort: 3001, output: all1, masq: true },
    { name: 'external to LB', sourceIP: EXT_CLIENT, destIP: '1.2.3.4', destPort: 80, output: all1, masq: true },
    { name: 'pod to ClusterIP with eTP:Local', sourceIP: '10.0.0.2', destIP: '172.30.0.42', destPort: 80, output: all2 },
    { name: 'pod to NodePort with eTP:Local', sourceIP: '10.0.0.2', destIP: NODE, destPort: 3002, output: all2 },
    { name: 'pod to LB with eTP:Local', sourceIP: '10.0.0.2', destIP: '5.6.7.8', destPort: 80, output: all2 },
    { name: 'node to ClusterIP with eTP:Local', sourceIP: NODE, destIP: '172.30.0.42', destPort: 80, output: all2, masq: true },
    // Upstream sends this one to svc1's NodePort (3001), so it expects svc1's endpoints.
    { name: 'node to NodePort with eTP:Local', sourceIP: NODE, destIP: NODE, destPort: 3001, output: all1, masq: true },
    { name: 'localhost to NodePort with eTP:Local', sourceIP: L, destIP: L, destPort: 3002, output: all2, masq: true },
    { name: 'node to LB with eTP:Local', sourceIP: NODE, destIP: '5.6.7.8', destPort: 80, output: all2, masq: true },
    { name: 'external to ClusterIP with eTP:Local', sourceIP: EXT_CLIENT, destIP: '172.30.0.42', destPort: 80, output: all2, masq: true },
    { name: 'external to NodePort with eTP:Local', sourceIP: EXT_CLIENT, destIP: NODE, destPort: 3002, output: '10.180.0.2:80' },
    { name: 'external to LB with eTP:Local', sourceIP: EXT_CLIENT, destIP: '5.6.7.8', destPort: 80, output: '10.180.0.2:80' },
    { name: 'pod to ClusterIP with iTP:Local', sourceIP: '10.0.0.2', destIP: '172.30.0.43', destPort: 80, output: '10.180.0.3:80' },
    { name: 'pod to NodePort with iTP:Local', sourceIP: '10.0.0.2', destIP: NODE, destPort: 3003, output: all3, masq: true },
    { name: 'pod to LB with iTP:Local', sourceIP: '10.0.0.2', destIP: '9.10.11.12', destPort: 80, output: all3, masq: true },
    { name: 'node to ClusterIP with iTP:Local', sourceIP: NODE, destIP: '172.30.0.43', destPort: 80, output: '10.180.0.3:80', masq: true },
    { name: 'node to NodePort with iTP:Local', sourceIP: NODE, destIP: NODE, destPort: 3003, output: all3, masq: true },
    { name: 'localhost to NodePort with iTP:Local', sourceIP: L, destIP: L, destPort: 3003, output: all3, masq: true },
    { name: 'node to LB with iTP:Local', sourceIP: NODE, destIP: '9.10.11.12', destPort: 80, output: all3, masq: true },
    { name: 'external to ClusterIP with iTP:Local', sourceIP: EXT_CLIENT, destIP: '172.30.0.43', destPort: 80, output: '10.180.0.3:80', masq: true },
    { name: 'external to NodePort with iTP:Local', sourceIP: EXT_CLIENT, destIP: NODE, destPort: 3003, output: all3, masq: true },
    { name: 'external to LB with iTP:Local', sourceIP: EXT_CLIENT, destIP: '9.10.11.12', destPort: 80, output: all3, masq: true },
  ]);
  it('variants "no LocalTrafficDetector" and "masqueradeAll"', { skip: '--masquerade-all and --detect-local-mode are not configurable in PodPath (defaults only)' }, () => undefined);
});

describe('TestSyncProxyRulesLargeClusterMode', () => {
  // 2 × 499 endpoints keep comments; one more Service with 3 crosses the 1000-endpoint threshold.
  const many = (prefix: string) => Array.from({ length: 499 }, (_, i) => ({ ip: `${prefix}.${i % 256}.${Math.floor(i / 256)}` }));
  const base = [
    service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [p80] }),
    service('ns2', 'svc2', { clusterIP: '172.30.0.42', ports: [{ name: 'p8080', port: 8080 }] }),
    service('ns3', 'svc3', { clusterIP: '172.30.0.43', ports: [{ name: 'p8081', port: 8081 }] }),
    endpointSlice('ns1', 'svc1', many('10.0'), [p80]),
    endpointSlice('ns2', 'svc2', many('10.1'), [{ name: 'p8080', port: 8080 }]),
  ];
  const dnatLines = (rs: Ruleset) => renderIptablesSave(rs).split('\n').filter((l) => l.startsWith('-A KUBE-SEP-') && l.includes('-j DNAT'));
  it('below the threshold every endpoint rule carries its comment', () => {
    const lines = dnatLines(rulesFor(...base));
    assert.equal(lines.length, 998);
    assert.ok(lines.includes('-A KUBE-SEP-DKGQUZGBKLTPAR56 -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.0.0:80'));
  });
  it('above it the comments are dropped', () => {
    const lines = dnatLines(rulesFor(...base, endpointSlice('ns3', 'svc3', [{ ip: '203.0.113.4' }, { ip: '203.0.113.8' }, { ip: '203.0.113.12' }], [{ name: 'p8081', port: 8081 }])));
    assert.equal(lines.length, 1001);
    assert.ok(lines.includes('-A KUBE-SEP-DKGQUZGBKLTPAR56 -m tcp -p tcp -j DNAT --to-destination 10.0.0.0:80'));
    assert.ok(lines.includes('-A KUBE-SEP-RUVVH7YV3PHQBDOS -m tcp -p tcp -j DNAT --to-destination 203.0.113.4:8081'));
  });
});

describe('chain names match upstream\'s expected dumps', () => {
  const cases: [string, string][] = [
    [svcChain('ns1/svc1:p80', 'tcp'), 'KUBE-SVC-XPGD46QRK7WJZT7O'],
    [svcChain('ns2/svc2:p80', 'tcp'), 'KUBE-SVC-GNZBNJ2PO5MGZ6GT'],
    [svcChain('ns4/svc4:p8082', 'tcp'), 'KUBE-SVC-EBDQOQU5SJFXRIL3'],
    [fwChain('ns5/svc5:p80', 'tcp'), 'KUBE-FW-NUKIZ6OKUXPJNT4C'],
    [sepChain('ns1/svc1:p80', 'tcp', '10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ'],
    [sepChain('ns5/svc5:p80', 'tcp', '10.180.0.3:80'), 'KUBE-SEP-I77PXRDZVX7PMWMN'],
    [sepChain('ns4/svc4:p8082', 'tcp', '10.4.0.1:8082'), 'KUBE-SEP-SU5STNODRYEWJAUF'],
  ];
  for (const [got, want] of cases) it(want, () => assert.equal(got, want));
});

describe('tracePacket helper (TestTracePacket\'s own sanity cases)', () => {
  it('reports nothing for a packet no rule matches, and sees each endpoint of a split', () => {
    const rs = rulesFor(...overallObjects);
    assert.equal(tracePacket(rs, { name: 'x', sourceIP: '10.0.0.2', destIP: '10.0.0.3', destPort: 80, output: '' }).output, '');
    assert.equal(tracePacket(rs, { name: 'y', sourceIP: '10.0.0.2', destIP: '172.30.0.44', destPort: 80, output: '' }).output, '10.180.0.4:80, 10.180.0.5:80');
  });
});

import { NetpolCase, table, yaml } from './types';

/**
 * kubernetes/kubernetes test/e2e/network/netpol/network_policy.go,
 * Describe "Netpol [LinuxOnly]"
 * › Context "NetworkPolicy between server and client using UDP": 3 cases, in upstream order.
 * They repeat three TCP cases with UDP policies and UDP probes.
 */

const context = 'NetworkPolicy between server and client using UDP' as const;
const source = 'network_policy.go' as const;

export const UDP_CASES: NetpolCase[] = [
  // ginkgo.It("should support a 'default-deny-ingress' policy")  [UDP context]
  {
    title: "should support a 'default-deny-ingress' policy",
    context,
    source,
    steps: [
      {
        action: 'create a policy selecting every pod of x, with Ingress and no rules',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: deny-all, namespace: "x"}
          spec:
            podSelector: {}
            policyTypes: [Ingress]
        `,
        checks: [
          {
            protocol: 'UDP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   X   X   .   .   .   .   .   .
              x/b  X   -   X   .   .   .   .   .   .
              x/c  X   X   -   .   .   .   .   .   .
              y/a  X   X   X   -   .   .   .   .   .
              y/b  X   X   X   .   -   .   .   .   .
              y/c  X   X   X   .   .   -   .   .   .
              z/a  X   X   X   .   .   .   -   .   .
              z/b  X   X   X   .   .   .   .   -   .
              z/c  X   X   X   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should enforce policy based on Ports")  [UDP context]
  {
    title: 'should enforce policy based on Ports',
    context,
    source,
    steps: [
      {
        action: 'x/a admits namespace y on UDP 81 only',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-ingress-on-port-81-ns-x, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
                ports:
                  - {port: 81, protocol: UDP}
        `,
        checks: [
          {
            protocol: 'UDP',
            port: 81,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  X   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  X   .   .   .   .   .   -   .   .
              z/b  X   .   .   .   .   .   .   -   .
              z/c  X   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector")  [UDP context]
  {
    title: 'should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector',
    context,
    source,
    steps: [
      {
        action: 'x/a admits only pod=a of namespace y (one peer, both selectors)',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-ns-y-pod-a-via-namespace-pod-selector, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
                    podSelector: {matchLabels: {pod: a}}
        `,
        checks: [
          {
            protocol: 'UDP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  X   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  X   .   .   .   -   .   .   .   .
              y/c  X   .   .   .   .   -   .   .   .
              z/a  X   .   .   .   .   .   -   .   .
              z/b  X   .   .   .   .   .   .   -   .
              z/c  X   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },
];

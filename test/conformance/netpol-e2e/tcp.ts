import { podIP } from '../netpol-model';
import { NetpolCase, table, yaml } from './types';

/**
 * kubernetes/kubernetes test/e2e/network/netpol/network_policy.go,
 * Describe "Netpol" › Context "NetworkPolicy between server and client": 42 cases, in upstream
 * order. Every case probes TCP unless it says otherwise.
 */

const context = 'NetworkPolicy between server and client' as const;
const source = 'network_policy.go' as const;

export const TCP_CASES: NetpolCase[] = [
  // ginkgo.It("should support a 'default-deny-ingress' policy")
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
          metadata: {name: deny-ingress, namespace: "x"}
          spec:
            podSelector: {}
            policyTypes: [Ingress]
        `,
        checks: [
          {
            protocol: 'TCP',
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

  // ginkgo.It("should support a 'default-deny-all' policy")
  {
    title: "should support a 'default-deny-all' policy",
    context,
    source,
    steps: [
      {
        action: 'create a policy selecting every pod of x, with Ingress and Egress and no rules',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: deny-all, namespace: "x"}
          spec:
            podSelector: {}
            policyTypes: [Ingress, Egress]
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   X   X   X   X   X   X   X   X
              x/b  X   -   X   X   X   X   X   X   X
              x/c  X   X   -   X   X   X   X   X   X
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

  // ginkgo.It("should enforce policy to allow traffic from pods within server namespace based on PodSelector")
  {
    title: 'should enforce policy to allow traffic from pods within server namespace based on PodSelector',
    context,
    source,
    steps: [
      {
        action: 'x/a admits only pods labelled pod=b of its own namespace',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: x-a-allows-x-b, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - podSelector: {matchLabels: {pod: b}}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  X   .   .   -   .   .   .   .   .
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

  // ginkgo.It("should enforce policy to allow ingress traffic for a target")
  {
    title: 'should enforce policy to allow ingress traffic for a target',
    context,
    source,
    steps: [
      {
        action: 'deny all ingress in x, then admit everything (any pod, any namespace) to x/a',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: deny-all, namespace: "x"}
          spec:
            podSelector: {}
            policyTypes: [Ingress]
          ---
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-all-to-a, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - podSelector: {}
                    namespaceSelector: {}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   X   X   .   .   .   .   .   .
              x/b  .   -   X   .   .   .   .   .   .
              x/c  .   X   -   .   .   .   .   .   .
              y/a  .   X   X   -   .   .   .   .   .
              y/b  .   X   X   .   -   .   .   .   .
              y/c  .   X   X   .   .   -   .   .   .
              z/a  .   X   X   .   .   .   -   .   .
              z/b  .   X   X   .   .   .   .   -   .
              z/c  .   X   X   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should enforce policy to allow ingress traffic from pods in all namespaces")
  {
    title: 'should enforce policy to allow ingress traffic from pods in all namespaces',
    context,
    source,
    steps: [
      {
        action: 'x/a admits pods of every namespace (empty namespaceSelector)',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-from-another-ns, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - namespaceSelector: {matchLabels: {}}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector")
  {
    title: 'should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector',
    context,
    source,
    steps: [
      {
        action: 'x/a admits only namespace y (by its name label)',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-client-a-via-ns-selector, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
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

  // ginkgo.It("should enforce policy based on PodSelector with MatchExpressions")
  {
    title: 'should enforce policy based on PodSelector with MatchExpressions',
    context,
    source,
    steps: [
      {
        action: 'x/a admits pods of x whose label pod is In [b]',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: x-a-allows-x-b, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - podSelector:
                      matchExpressions:
                        - {key: pod, operator: In, values: [b]}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  X   .   .   -   .   .   .   .   .
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

  // ginkgo.It("should enforce policy based on NamespaceSelector with MatchExpressions")
  {
    title: 'should enforce policy based on NamespaceSelector with MatchExpressions',
    context,
    source,
    steps: [
      {
        action: 'x/a admits namespaces whose name label is In [y]',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-ns-y-match-selector, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - namespaceSelector:
                      matchExpressions:
                        - {key: kubernetes.io/metadata.name, operator: In, values: ["y"]}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
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

  // ginkgo.It("should enforce policy based on PodSelector or NamespaceSelector")
  {
    title: 'should enforce policy based on PodSelector or NamespaceSelector',
    context,
    source,
    steps: [
      {
        action: 'x/a admits two peers (OR): namespaces other than x, and pod=b of x',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-ns-y-match-selector, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - namespaceSelector:
                      matchExpressions:
                        - {key: kubernetes.io/metadata.name, operator: NotIn, values: ["x"]}
                  - podSelector: {matchLabels: {pod: b}}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should enforce policy based on PodSelector and NamespaceSelector")
  {
    title: 'should enforce policy based on PodSelector and NamespaceSelector',
    context,
    source,
    steps: [
      {
        action: 'x/a admits one peer with both selectors (AND): pod=b in namespaces other than x',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-ns-y-podselector-and-nsselector, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - namespaceSelector:
                      matchExpressions:
                        - {key: kubernetes.io/metadata.name, operator: NotIn, values: ["x"]}
                    podSelector: {matchLabels: {pod: b}}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  X   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  X   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  X   .   .   .   .   -   .   .   .
              z/a  X   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  X   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should enforce policy based on Multiple PodSelectors and NamespaceSelectors")
  {
    title: 'should enforce policy based on Multiple PodSelectors and NamespaceSelectors',
    context,
    source,
    steps: [
      {
        action: 'x/a admits pods b and c (In) of namespaces other than x, in one peer',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-ns-y-z-pod-b-c, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - namespaceSelector:
                      matchExpressions:
                        - {key: kubernetes.io/metadata.name, operator: NotIn, values: ["x"]}
                    podSelector:
                      matchExpressions:
                        - {key: pod, operator: In, values: [b, c]}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  X   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  X   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  X   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should enforce policy based on any PodSelectors")
  {
    title: 'should enforce policy based on any PodSelectors',
    context,
    source,
    steps: [
      {
        action: 'x/a admits two pod-selector peers: pod=b, pod=c (same namespace)',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-ns-x-pod-b-c, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - podSelector: {matchLabels: {pod: b}}
                  - podSelector: {matchLabels: {pod: c}}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  X   .   .   -   .   .   .   .   .
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

  // ginkgo.It("should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector")
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
            protocol: 'TCP',
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

  // ginkgo.It("should enforce policy based on Ports")
  {
    title: 'should enforce policy based on Ports',
    context,
    source,
    steps: [
      {
        action: 'x/a admits namespace y on TCP 81 only; probe 81',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-client-a-via-ns-selector, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
                ports:
                  - {port: 81, protocol: TCP}
        `,
        checks: [
          {
            protocol: 'TCP',
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

  // ginkgo.It("should enforce multiple, stacked policies with overlapping podSelectors")
  {
    title: 'should enforce multiple, stacked policies with overlapping podSelectors',
    context,
    source,
    steps: [
      {
        action: 'x/a admits namespace y on TCP 81 only; probe 81 (open to y) and 80 (closed)',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-client-a-via-ns-selector, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
                ports:
                  - {port: 81, protocol: TCP}
        `,
        checks: [
          {
            protocol: 'TCP',
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
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  X   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  X   .   .   -   .   .   .   .   .
              y/b  X   .   .   .   -   .   .   .   .
              y/c  X   .   .   .   .   -   .   .   .
              z/a  X   .   .   .   .   .   -   .   .
              z/b  X   .   .   .   .   .   .   -   .
              z/c  X   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
      {
        action: 'add a second policy on x/a admitting namespace y on TCP 80; probe 80',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-client-a-via-ns-selector-80, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
                ports:
                  - {port: 80, protocol: TCP}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
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

  // ginkgo.It("should support allow-all policy")
  {
    title: 'should support allow-all policy',
    context,
    source,
    steps: [
      {
        action: 'every pod of x admits everything (one empty ingress rule)',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-all, namespace: "x"}
          spec:
            podSelector: {matchLabels: {}}
            policyTypes: [Ingress]
            ingress:
              - {}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
          {
            protocol: 'TCP',
            port: 81,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should allow ingress access on one named port")
  {
    title: 'should allow ingress access on one named port',
    context,
    source,
    steps: [
      {
        action: 'every pod of x admits anyone on the named port serve-81-tcp (protocol left to its TCP default)',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-all, namespace: "x"}
          spec:
            podSelector: {matchLabels: {}}
            policyTypes: [Ingress]
            ingress:
              - ports:
                  - port: serve-81-tcp
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 81,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
          {
            protocol: 'TCP',
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

  // ginkgo.It("should allow ingress access from namespace on one named port")
  {
    title: 'should allow ingress access from namespace on one named port',
    context,
    source,
    steps: [
      {
        action: 'x/a admits namespace y on the named port serve-80-tcp',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-client-a-via-ns-selector-80, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
                ports:
                  - {port: serve-80-tcp, protocol: TCP}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
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
          {
            protocol: 'TCP',
            port: 81,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  X   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  X   .   .   -   .   .   .   .   .
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

  // ginkgo.It("should allow egress access on one named port")
  {
    title: 'should allow egress access on one named port',
    context,
    source,
    steps: [
      {
        action: 'every pod of x may send only to the named port serve-80-tcp (resolved on each destination)',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-egress, namespace: "x"}
          spec:
            podSelector: {matchLabels: {}}
            policyTypes: [Egress]
            egress:
              - ports:
                  - port: serve-80-tcp
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
          {
            protocol: 'TCP',
            port: 81,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   X   X   X   X   X   X   X   X
              x/b  X   -   X   X   X   X   X   X   X
              x/c  X   X   -   X   X   X   X   X   X
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should enforce updated policy")
  {
    title: 'should enforce updated policy',
    context,
    source,
    steps: [
      {
        action: 'every pod of x admits everything; probe 81',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-all-mutate-to-deny-all, namespace: "x"}
          spec:
            podSelector: {matchLabels: {}}
            policyTypes: [Ingress]
            ingress:
              - {}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 81,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
      {
        action: 'update the same policy to an empty ingress list (deny all); probe 81',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-all-mutate-to-deny-all, namespace: "x"}
          spec:
            podSelector: {matchLabels: {}}
            policyTypes: [Ingress]
            ingress: []
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 81,
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

  // ginkgo.It("should allow ingress access from updated namespace")
  {
    title: 'should allow ingress access from updated namespace',
    context,
    source,
    steps: [
      {
        action: 'x/a admits namespaces labelled ns2=updated (none yet)',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-client-a-via-ns-selector, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - namespaceSelector: {matchLabels: {ns2: updated}}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  X   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  X   .   .   -   .   .   .   .   .
              y/b  X   .   .   .   -   .   .   .   .
              y/c  X   .   .   .   .   -   .   .   .
              z/a  X   .   .   .   .   .   -   .   .
              z/b  X   .   .   .   .   .   .   -   .
              z/c  X   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
      {
        action: 'label namespace y ns2=updated',
        addNamespaceLabels: { y: { ns2: 'updated' } },
        checks: [
          {
            protocol: 'TCP',
            port: 80,
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

  // ginkgo.It("should allow ingress access from updated pod")
  {
    title: 'should allow ingress access from updated pod',
    context,
    source,
    steps: [
      {
        action: 'x/a admits pods of x labelled pod=b AND pod2=updated (none yet)',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-client-a-via-pod-selector, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - podSelector: {matchLabels: {pod: b, pod2: updated}}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  X   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  X   .   .   -   .   .   .   .   .
              y/b  X   .   .   .   -   .   .   .   .
              y/c  X   .   .   .   .   -   .   .   .
              z/a  X   .   .   .   .   .   -   .   .
              z/b  X   .   .   .   .   .   .   -   .
              z/c  X   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
      {
        action: 'label x/b pod=b, pod2=updated',
        addPodLabels: { 'x/b': { pod: 'b', pod2: 'updated' } },
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  X   .   .   -   .   .   .   .   .
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

  // ginkgo.It("should deny ingress from pods on other namespaces")
  {
    title: 'should deny ingress from pods on other namespaces',
    context,
    source,
    steps: [
      {
        action: 'every pod of x admits pods of x only (empty podSelector peer)',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: deny-empty-policy, namespace: "x"}
          spec:
            podSelector: {}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - podSelector: {matchLabels: {}}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
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

  // ginkgo.It("should deny ingress access to updated pod")
  {
    title: 'should deny ingress access to updated pod',
    context,
    source,
    steps: [
      {
        action: 'deny ingress to pods of x labelled target=isolated (none yet)',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: deny-ingress-via-label-selector, namespace: "x"}
          spec:
            podSelector: {matchLabels: {target: isolated}}
            policyTypes: [Ingress]
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
      {
        action: 'label x/a target=isolated',
        addPodLabels: { 'x/a': { target: 'isolated' } },
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  X   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  X   .   .   -   .   .   .   .   .
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

  // ginkgo.It("should deny egress from pods based on PodSelector")
  {
    title: 'should deny egress from pods based on PodSelector',
    context,
    source,
    steps: [
      {
        action: 'x/a: Egress with no rules',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: deny-egress-pod-a, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Egress]
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   X   X   X   X   X   X   X   X
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should deny egress from all pods in a namespace")
  {
    title: 'should deny egress from all pods in a namespace',
    context,
    source,
    steps: [
      {
        action: 'every pod of x: Egress with no rules',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: deny-egress-ns-x, namespace: "x"}
          spec:
            podSelector: {}
            policyTypes: [Egress]
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   X   X   X   X   X   X   X   X
              x/b  X   -   X   X   X   X   X   X   X
              x/c  X   X   -   X   X   X   X   X   X
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should work with Ingress, Egress specified together")
  {
    title: 'should work with Ingress, Egress specified together',
    context,
    source,
    steps: [
      {
        action: 'x/a admits pod=b of x, and may send only to port 80 (numeric, protocol defaulted)',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-client-a-via-pod-selector, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Egress, Ingress]
            ingress:
              - from:
                  - podSelector: {matchLabels: {pod: b}}
            egress:
              - ports:
                  - port: 80
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  X   .   .   -   .   .   .   .   .
              y/b  X   .   .   .   -   .   .   .   .
              y/c  X   .   .   .   .   -   .   .   .
              z/a  X   .   .   .   .   .   -   .   .
              z/b  X   .   .   .   .   .   .   -   .
              z/c  X   .   .   .   .   .   .   .   -
            `,
          },
          {
            protocol: 'TCP',
            port: 81,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   X   X   X   X   X   X   X   X
              x/b  .   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  X   .   .   -   .   .   .   .   .
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

  // ginkgo.It("should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)")
  {
    title: 'should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)',
    context,
    source,
    steps: [
      {
        action: 'x/a may send only to y/a; y/a and y/b each admit only x/a',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-to-ns-y-pod-a, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Egress]
            egress:
              - to:
                  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
                    podSelector: {matchLabels: {pod: a}}
          ---
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-from-xa-on-ya-match-selector, namespace: "y"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "x"}}
                    podSelector: {matchLabels: {pod: a}}
          ---
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-from-xa-on-yb-match-selector, namespace: "y"}
          spec:
            podSelector: {matchLabels: {pod: b}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "x"}}
                    podSelector: {matchLabels: {pod: a}}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   X   X   .   X   X   X   X   X
              x/b  .   -   .   X   X   .   .   .   .
              x/c  .   .   -   X   X   .   .   .   .
              y/a  .   .   .   -   X   .   .   .   .
              y/b  .   .   .   X   -   .   .   .   .
              y/c  .   .   .   X   X   -   .   .   .
              z/a  .   .   .   X   X   .   -   .   .
              z/b  .   .   .   X   X   .   .   -   .
              z/c  .   .   .   X   X   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector")
  {
    title: 'should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector',
    context,
    source,
    steps: [
      {
        action: 'x/a may send only to pod=a of namespace y',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-to-ns-y-pod-a, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Egress]
            egress:
              - to:
                  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
                    podSelector: {matchLabels: {pod: a}}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   X   X   .   X   X   X   X   X
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should enforce ingress policy allowing any port traffic to a server on a specific protocol")
  {
    title: 'should enforce ingress policy allowing any port traffic to a server on a specific protocol',
    context,
    source,
    steps: [
      {
        action: 'x/a admits anyone on every TCP port (protocol without port); probe TCP 80 and UDP 80',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-ingress-by-proto, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - ports:
                  - protocol: TCP
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
          {
            protocol: 'UDP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  X   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  X   .   .   -   .   .   .   .   .
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

  // ginkgo.It("should enforce multiple ingress policies with ingress allow-all policy taking precedence")
  {
    title: 'should enforce multiple ingress policies with ingress allow-all policy taking precedence',
    context,
    source,
    steps: [
      {
        action: 'every pod of x admits anyone on port 80 only; probe 81',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-ingress-port-80, namespace: "x"}
          spec:
            podSelector: {matchLabels: {}}
            policyTypes: [Ingress]
            ingress:
              - ports:
                  - port: 80
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 81,
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
      {
        action: 'add an allow-all ingress policy for every pod of x; probe 81',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-ingress, namespace: "x"}
          spec:
            podSelector: {matchLabels: {}}
            policyTypes: [Ingress]
            ingress:
              - {}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 81,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should enforce multiple egress policies with egress allow-all policy taking precedence")
  {
    title: 'should enforce multiple egress policies with egress allow-all policy taking precedence',
    context,
    source,
    steps: [
      {
        action: 'every pod of x may send to port 80 only; probe 81',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-egress-port-80, namespace: "x"}
          spec:
            podSelector: {matchLabels: {}}
            policyTypes: [Egress]
            egress:
              - ports:
                  - port: 80
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 81,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   X   X   X   X   X   X   X   X
              x/b  X   -   X   X   X   X   X   X   X
              x/c  X   X   -   X   X   X   X   X   X
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
      {
        action: 'add an allow-all egress policy for every pod of x; probe 81',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-egress, namespace: "x"}
          spec:
            podSelector: {matchLabels: {}}
            policyTypes: [Egress]
            egress:
              - {}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 81,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should stop enforcing policies after they are deleted")
  {
    title: 'should stop enforcing policies after they are deleted',
    context,
    source,
    steps: [
      {
        action: 'deny all ingress and egress for every pod of x',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: deny-all, namespace: "x"}
          spec:
            podSelector: {}
            policyTypes: [Ingress, Egress]
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   X   X   X   X   X   X   X   X
              x/b  X   -   X   X   X   X   X   X   X
              x/c  X   X   -   X   X   X   X   X   X
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
      {
        // Upstream also sleeps 3 s here for CNIs to catch up; a static model has nothing to wait for.
        action: 'delete every policy',
        deleteAllPolicies: true,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should allow egress access to server in CIDR block")
  {
    title: 'should allow egress access to server in CIDR block',
    context,
    source,
    steps: [
      {
        action: "x/a may send only to y/b's address (ipBlock /32)",
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-client-a-via-cidr-egress-rule, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Egress]
            egress:
              - to:
                  - ipBlock: {cidr: ${podIP('y/b')}/32}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   X   X   X   .   X   X   X   X
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should enforce except clause while egress access to server in CIDR block")
  {
    title: 'should enforce except clause while egress access to server in CIDR block',
    context,
    source,
    steps: [
      {
        // The /4 around the pod IPs: 10.244.x.x lies in 0.0.0.0/4. (The 9-pod upstream version
        // wrote it as x/a's IP with /4 and host bits; current upstream masks it, as here.)
        action: "x/a may send to the /4 holding every pod IP, except x/b's address",
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-client-a-via-cidr-egress-rule, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Egress]
            egress:
              - to:
                  - ipBlock:
                      cidr: 0.0.0.0/4
                      except: [${podIP('x/b')}/32]
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   X   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed")
  {
    title: 'should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed',
    context,
    source,
    steps: [
      {
        action: "x/a may send to the /4 holding every pod IP, except x/b's address",
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-client-a-via-cidr-egress-rule, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Egress]
            egress:
              - to:
                  - ipBlock:
                      cidr: 0.0.0.0/4
                      except: [${podIP('x/b')}/32]
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   X   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
      {
        action: "update the same policy: x/a may send only to x/b's address",
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-client-a-via-cidr-egress-rule, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Egress]
            egress:
              - to:
                  - ipBlock: {cidr: ${podIP('x/b')}/32}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   X   X   X   X   X   X   X
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },

  // ginkgo.It("should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector")
  {
    title: 'should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector',
    context,
    source,
    steps: [
      {
        action: 'x/a may send anywhere (Egress, one empty rule)',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-egress-for-target, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Egress]
            egress:
              - {}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
      {
        action: 'add a policy denying all ingress to x/a',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: deny-ingress-via-label-selector, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  X   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  X   .   .   -   .   .   .   .   .
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

  // ginkgo.It("should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP")
  {
    title: "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP",
    context,
    source,
    steps: [
      {
        action: 'deny all ingress in x, then admit SCTP 81 to x/a; probe TCP 81',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: deny-ingress, namespace: "x"}
          spec:
            podSelector: {}
            policyTypes: [Ingress]
          ---
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-only-sctp-ingress-on-port-81, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - ports:
                  - {port: 81, protocol: SCTP}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 81,
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

  // ginkgo.It("should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP")
  {
    title: "should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP",
    context,
    source,
    steps: [
      {
        action: 'x/a admits SCTP 80 only; probe TCP 81',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-only-sctp-ingress-on-port-80, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - ports:
                  - {port: 80, protocol: SCTP}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 81,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  X   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  X   .   .   -   .   .   .   .   .
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

  // ginkgo.It("should not allow access by TCP when a policy specifies only UDP")
  {
    title: 'should not allow access by TCP when a policy specifies only UDP',
    context,
    source,
    steps: [
      {
        action: 'x/a admits UDP 81 only; probe TCP 81',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-only-udp-ingress-on-port-81, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - ports:
                  - {port: 81, protocol: UDP}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 81,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   .   .   .   .   .   .
              x/b  X   -   .   .   .   .   .   .   .
              x/c  X   .   -   .   .   .   .   .   .
              y/a  X   .   .   -   .   .   .   .   .
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

  // ginkgo.It("should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label")
  {
    title: 'should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label',
    context,
    source,
    steps: [
      {
        action: 'x/a admits namespace y, selected by the kubernetes.io/metadata.name label the API server adds',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-client-a-via-ns-selector-for-immutable-ns-label, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Ingress]
            ingress:
              - from:
                  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
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

  // ginkgo.It("should enforce policy based on NamespaceSelector with MatchExpressions using default ns label")
  {
    title: 'should enforce policy based on NamespaceSelector with MatchExpressions using default ns label',
    context,
    source,
    steps: [
      {
        action: 'x/a may send to every namespace whose name label is NotIn [y]',
        apply: yaml`
          apiVersion: networking.k8s.io/v1
          kind: NetworkPolicy
          metadata: {name: allow-ns-y-match-selector-for-immutable-ns-label, namespace: "x"}
          spec:
            podSelector: {matchLabels: {pod: a}}
            policyTypes: [Egress]
            egress:
              - to:
                  - namespaceSelector:
                      matchExpressions:
                        - {key: kubernetes.io/metadata.name, operator: NotIn, values: ["y"]}
        `,
        checks: [
          {
            protocol: 'TCP',
            port: 80,
            expect: table`
              -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
              x/a  -   .   .   X   X   X   .   .   .
              x/b  .   -   .   .   .   .   .   .   .
              x/c  .   .   -   .   .   .   .   .   .
              y/a  .   .   .   -   .   .   .   .   .
              y/b  .   .   .   .   -   .   .   .   .
              y/c  .   .   .   .   .   -   .   .   .
              z/a  .   .   .   .   .   .   -   .   .
              z/b  .   .   .   .   .   .   .   -   .
              z/c  .   .   .   .   .   .   .   .   -
            `,
          },
        ],
      },
    ],
  },
];

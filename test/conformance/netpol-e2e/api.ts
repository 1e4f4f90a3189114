import { NetpolCase } from './types';

/**
 * kubernetes/kubernetes test/e2e/network/netpol/network_policy_api.go, Describe "Netpol API":
 * 2 cases. They exercise the API server (discovery, create/get/list/watch/patch/update/delete,
 * and validation of endPort), not connectivity, so they have no truth table. Listed so the
 * catalogue covers the whole netpol e2e directory; each is skipped with its reason.
 */

const context = 'Netpol API' as const;
const source = 'network_policy_api.go' as const;

export const API_CASES: NetpolCase[] = [
  // ginkgo.It("should support creating NetworkPolicy API operations")
  {
    title: 'should support creating NetworkPolicy API operations',
    context,
    source,
    skip: 'API-server behaviour (discovery documents, CRUD, watch events, deletecollection): no connectivity, nothing for a static data-path model to evaluate',
    steps: [],
  },
  // ginkgo.It("should support creating NetworkPolicy API with endport field")
  {
    title: 'should support creating NetworkPolicy API with endport field',
    context,
    source,
    skip: 'API-server validation of endPort (needs a numeric port, not below it); it checks which objects the server accepts, not traffic, so there is no truth table',
    steps: [],
  },
];

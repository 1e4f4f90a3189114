import { API_CASES } from './api';
import { SCTP_CASES } from './sctp';
import { TCP_CASES } from './tcp';
import { UDP_CASES } from './udp';
import { NetpolCase } from './types';

/**
 * Every case of the upstream Kubernetes NetworkPolicy e2e suite (kubernetes/kubernetes
 * test/e2e/network/netpol), re-expressed as manifests plus expected truth tables.
 *
 * Reference: network_policy.go in the version where every case runs against all nine pods
 * (ginkgo v2, `f.It(..., feature.NetworkPolicy, ...)`, commit 9db638c0). Current upstream
 * (commit 008b3652) creates only the pods each case needs (e.g. "x/a", "x/b", "y/a"); its
 * expectations are these tables restricted to those pods, and the case list is the same.
 *
 * Files, in upstream order:
 *   tcp.ts   Context "NetworkPolicy between server and client"            42 cases
 *   udp.ts   Context "NetworkPolicy between server and client using UDP"   3 cases
 *   sctp.ts  Context "NetworkPolicy between server and client using SCTP"  3 cases
 *   api.ts   Describe "Netpol API" (network_policy_api.go)                  2 cases, skipped
 *
 * To find a case, search for its ginkgo.It title.
 */
export const ALL_CASES: NetpolCase[] = [...TCP_CASES, ...UDP_CASES, ...SCTP_CASES, ...API_CASES];

export { NetpolCase } from './types';

import { Packet } from './trace';

/**
 * The words of the reply walk's own stages (delivery to the socket that opened the connection,
 * stateful policy). The walk itself is the forwarding engine's; only what differs is here.
 */

/**
 * Kubernetes docs, "Network Policies", "The two sorts of pod isolation": when a pod is isolated,
 * reply traffic for the connections it allowed is implicitly allowed. Engines do it with
 * conntrack (Calico's cali-fw/cali-tw chains start with `--ctstate RELATED,ESTABLISHED -j ACCEPT`).
 */
export function establishedPolicyText(api: string, direction: 'ingress' | 'egress', pod: string, plugin: string): string {
  return `${api} (${direction} of ${pod}) isolates the pod, but this is the reply of an established connection: ${plugin}'s policy is stateful and conntrack ESTABLISHED accepts it`;
}

export function replyDeliveredText(who: string, p: Packet): string {
  return `the reply reaches ${who}, the socket that opened the connection, from ${p.src}:${p.sport}`;
}

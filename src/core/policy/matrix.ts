import { PodInfo } from '../cluster/model';
import { Protocol } from '../manifest/types';
import { Reachability } from './reachability';

/**
 * The truth table the Kubernetes e2e NetworkPolicy suite prints: rows are sources, columns
 * destinations, `.` allowed and `X` blocked, for one protocol and port.
 */
export function formatMatrix(reach: Reachability, pods: PodInfo[], protocol: Protocol, port: number): string {
  const names = pods.map((p) => p.key);
  const lines = [`${protocol}/${port}`, ['-', ...names].join('\t')];
  for (const src of pods) {
    lines.push([src.key, ...pods.map((dst) => (reach.allowed(src, dst).has(protocol, port) ? '.' : 'X'))].join('\t'));
  }
  return lines.join('\n') + '\n';
}

import { PodInfo } from '../cluster/model';
import { Protocol } from '../manifest/types';
import { Reachability } from './reachability';

export interface MatrixOptions {
  /** When no port is given: only the destinations' declared ports of this protocol count (else any protocol). */
  protocolGiven?: boolean;
}

/**
 * The truth table the Kubernetes e2e NetworkPolicy suite prints: rows are sources (from),
 * columns destinations (to), `.` allowed and `X` blocked. With a port, every column uses it.
 * Without one, each column uses the ports its destination declares (containerPort), because a
 * fixed default such as 80 is closed almost everywhere real workloads listen elsewhere; the
 * column header says which ports, and `~` marks a pair allowed on some of them only.
 */
export function formatMatrix(reach: Reachability, pods: PodInfo[], protocol: Protocol, port?: number, opts: MatrixOptions = {}): string {
  const columns = pods.map((dst) => ({ pod: dst, ports: port !== undefined ? [{ protocol, port }] : declaredPorts(dst, protocol, opts.protocolGiven ?? false) }));
  const head = port !== undefined ? `${protocol}/${port}` : 'each column on its destination\'s declared ports';
  const header = ['-', ...columns.map((c) => (port !== undefined ? c.pod.key : `${c.pod.key}:${c.ports.map((p) => `${p.port}/${p.protocol}`).join(',') || 'any'}`))];
  const lines = [head, header.join('\t')];
  for (const src of pods) {
    lines.push([src.key, ...columns.map((c) => cell(reach, src, c.pod, c.ports))].join('\t'));
  }
  lines.push('');
  lines.push('rows: from (the source pod) · columns: to (the destination pod' + (port !== undefined ? ')' : ', with the ports tried)'));
  lines.push(port !== undefined ? '. allowed  X blocked' : '. allowed  X blocked  ~ allowed on some of the ports only  (:any — the destination declares no port: all ports judged)');
  return lines.join('\n') + '\n';
}

function declaredPorts(pod: PodInfo, protocol: Protocol, onlyProtocol: boolean): { protocol: Protocol; port: number }[] {
  const seen = new Set<string>();
  const out: { protocol: Protocol; port: number }[] = [];
  for (const p of pod.ports) {
    if (onlyProtocol && p.protocol !== protocol) continue;
    const key = `${p.containerPort}/${p.protocol}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ protocol: p.protocol, port: p.containerPort });
  }
  return out.sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0));
}

function cell(reach: Reachability, src: PodInfo, dst: PodInfo, ports: { protocol: Protocol; port: number }[]): string {
  const conns = reach.allowed(src, dst);
  // Nothing declared (containerPort is informational): judge every port at once.
  if (ports.length === 0) return conns.isAll() ? '.' : conns.isEmpty() ? 'X' : '~';
  const open = ports.filter((p) => conns.has(p.protocol, p.port)).length;
  return open === ports.length ? '.' : open === 0 ? 'X' : '~';
}

import { analyzeSources, Analysis } from '../core/analyze';
import { formatFinding } from '../core/common/finding';
import { formatDataplaneText, DataplaneSections, ALL_SECTIONS } from '../core/format/dataplane-text';
import { formatTraceText } from '../core/format/trace-text';
import { tracePacket } from '../core/forward/engine';
import { L4Protocol } from '../core/forward/trace';
import { computeConnlist, diffConnlists, formatConnlist, formatLine, ConnlistFormat } from '../core/policy/connlist';
import { computeReachability } from '../core/policy/reachability';
import { formatMatrix } from '../core/policy/matrix';
import { peerFor } from '../core/policy/evaluate';
import { evaluatePipeline } from '../core/policy/pipeline';
import { formatPipeline } from '../core/format/explain-text';
import { resolveEndpoint, defaultPort } from '../core/forward/resolve';
import { PodInfo } from '../core/cluster/model';
import { Protocol } from '../core/manifest/types';
import { formatFindings, FindingsFormat } from '../core/format/findings';
import { parseArgs } from './args';
import { readSources } from './files';
import { labCommand } from './lab';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Exit codes: 0 the packet is delivered (or the command succeeded), 1 it is not, 2 bad input or usage. */
export const EXIT_OK = 0;
export const EXIT_NOT_DELIVERED = 1;
export const EXIT_USAGE = 2;

const VERSION = '0.1.0';

const USAGE = `podpath — see how a packet travels through a Kubernetes cluster, from its manifests

Usage:
  podpath trace <paths…> --from A --to B [--port N] [--protocol tcp|udp|sctp] [--format txt|json] [--details]
  podpath dataplane <paths…> [--node NAME] [--routes] [--iptables] [--devices] [--neighbors] [--ipvs]
  podpath pods <paths…> [--format txt|json]
  podpath check <paths…> [--format txt|json|sarif]
  podpath connlist <paths…> [--format txt|json|csv|md|dot]
  podpath matrix <paths…> [--namespaces a,b] [--port N] [--protocol tcp|udp|sctp]
  podpath explain <paths…> --from A --to B [--port N] [--protocol tcp|udp|sctp]
  podpath diff <before> <after> [--format txt|json]
  podpath lab script|up|probe|down <paths…> [--prefix P]   (the cluster in Linux network namespaces; up/probe/down need root)

A and B: ns/pod, ns/pod/container, a Service (ns/name or ClusterIP[:port]), a workload
(deployment:ns/name …), a node name, a node IP (NodePort), or any IPv4 address outside the cluster.
Paths are YAML files or folders (searched for *.yaml / *.yml).

Exit codes: 0 delivered / success, 1 not delivered / errors found, 2 bad input or usage.
`;

export function runCli(argv: string[], cwd = process.cwd()): CliResult {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'trace': return traceCommand(rest, cwd);
      case 'dataplane': return dataplaneCommand(rest, cwd);
      case 'pods': return podsCommand(rest, cwd);
      case 'check': return checkCommand(rest, cwd);
      case 'connlist': return connlistCommand(rest, cwd);
      case 'matrix': return matrixCommand(rest, cwd);
      case 'explain': return explainCommand(rest, cwd);
      case 'diff': return diffCommand(rest, cwd);
      case 'lab': return labCommand(rest, cwd);
      case undefined: case 'help': case '--help': case '-h':
        return { code: command ? EXIT_OK : EXIT_USAGE, stdout: USAGE, stderr: '' };
      default:
        return { code: EXIT_USAGE, stdout: '', stderr: `podpath: unknown command "${command}"\n\n${USAGE}` };
    }
  } catch (e) {
    return { code: EXIT_USAGE, stdout: '', stderr: `podpath: internal error: ${(e as Error).stack ?? e}\n` };
  }
}

function load(paths: string[], cwd: string): { analysis?: Analysis; error?: CliResult } {
  if (paths.length === 0) return { error: { code: EXIT_USAGE, stdout: '', stderr: 'podpath: name at least one YAML file or folder\n' } };
  const { sources, errors, findings } = readSources(paths, cwd);
  if (errors.length) return { error: { code: EXIT_USAGE, stdout: '', stderr: errors.map((e) => `podpath: ${e}`).join('\n') + '\n' } };
  return { analysis: analyzeSources(sources, { readFindings: findings }) };
}

/** Said when the paths hold no Kubernetes object at all: an empty analysis must not pass unnoticed. */
function nothingFound(command: string, a: Analysis): string {
  if ((a.load.kubernetesObjects ?? 0) > 0) return '';
  const files = a.load.manifests.files;
  return `podpath ${command}: no Kubernetes object found in the ${files.length} file(s) read${files.length ? `: ${files.slice(0, 20).map((f) => JSON.stringify(f)).join(', ')}${files.length > 20 ? ', …' : ''}` : ''}\n`;
}

/** Errors in the input are worth a line on stderr whatever the command. */
function findingsSummary(a: Analysis): string {
  const errors = a.findings.filter((f) => f.severity === 'error');
  if (errors.length === 0) return '';
  return errors.map((f) => formatFinding(f)).join('\n') + `\n(${errors.length} error${errors.length > 1 ? 's' : ''} in the manifests; run \`podpath check\` for all findings)\n`;
}

function traceCommand(argv: string[], cwd: string): CliResult {
  const args = parseArgs(argv, ['details']);
  const from = args.options.get('from');
  const to = args.options.get('to');
  if (!from || !to) return { code: EXIT_USAGE, stdout: '', stderr: 'podpath trace: --from and --to are required\n' };
  const portText = args.options.get('port');
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) return { code: EXIT_USAGE, stdout: '', stderr: `podpath trace: --port ${portText} is not a port number (1–65535)\n` };
  const protocolText = args.options.get('protocol')?.toLowerCase();
  if (protocolText && !['tcp', 'udp', 'sctp'].includes(protocolText)) return { code: EXIT_USAGE, stdout: '', stderr: `podpath trace: --protocol must be tcp, udp or sctp\n` };
  const format = args.options.get('format') ?? 'txt';
  if (format !== 'txt' && format !== 'json') return { code: EXIT_USAGE, stdout: '', stderr: `podpath trace: --format must be txt or json\n` };
  const { analysis, error } = load(args.positionals, cwd);
  if (error) return error;
  const result = tracePacket(analysis!.dataplane, { from, to, ...(port !== undefined ? { port } : {}), ...(protocolText ? { protocol: protocolText as L4Protocol } : {}) });
  const stderr = nothingFound('trace', analysis!) + findingsSummary(analysis!);
  if (!result.ok) return { code: EXIT_USAGE, stdout: '', stderr: stderr + `podpath trace: ${result.error}\n` };
  const stdout = format === 'json' ? JSON.stringify(result.trace, null, 2) + '\n' : formatTraceText(result.trace, { details: args.flags.has('details') });
  return { code: result.trace.verdict === 'delivered' ? EXIT_OK : EXIT_NOT_DELIVERED, stdout, stderr };
}

function dataplaneCommand(argv: string[], cwd: string): CliResult {
  const names = ['routes', 'iptables', 'devices', 'neighbors', 'ipvs'] as const;
  const args = parseArgs(argv, names);
  const { analysis, error } = load(args.positionals, cwd);
  if (error) return error;
  const a = analysis!;
  const chosen = names.filter((n) => args.flags.has(n));
  const sections: DataplaneSections = chosen.length ? Object.fromEntries(names.map((n) => [n, chosen.includes(n)])) as unknown as DataplaneSections : ALL_SECTIONS;
  const nodeName = args.options.get('node');
  const nodes = nodeName ? [nodeName] : a.cluster.nodes.map((n) => n.name);
  const parts: string[] = [];
  for (const name of nodes) {
    const dp = a.dataplane.node(name);
    if (!dp) return { code: EXIT_USAGE, stdout: '', stderr: `podpath dataplane: no node "${name}" (nodes: ${a.cluster.nodes.map((n) => n.name).join(', ')})\n` };
    parts.push(formatDataplaneText(dp, sections));
  }
  return { code: EXIT_OK, stdout: parts.join('\n'), stderr: findingsSummary(a) };
}

function podsCommand(argv: string[], cwd: string): CliResult {
  const args = parseArgs(argv, []);
  const { analysis, error } = load(args.positionals, cwd);
  if (error) return error;
  const pods = analysis!.cluster.pods;
  if (args.options.get('format') === 'json') {
    const rows = pods.map((p) => ({ namespace: p.namespace, name: p.name, node: p.node, ip: p.ip, veth: p.hostVeth, owner: `${p.owner.kind}/${p.owner.name}`, hostNetwork: p.hostNetwork }));
    return { code: EXIT_OK, stdout: JSON.stringify(rows, null, 2) + '\n', stderr: findingsSummary(analysis!) };
  }
  const rows = [['NAMESPACE', 'NAME', 'NODE', 'IP', 'VETH', 'OWNER'], ...pods.map((p) => [p.namespace, p.name, p.node, p.ip, p.hostVeth || '(hostNetwork)', `${p.owner.kind}/${p.owner.name}`])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const stdout = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
  return { code: EXIT_OK, stdout, stderr: findingsSummary(analysis!) };
}

function checkCommand(argv: string[], cwd: string): CliResult {
  const args = parseArgs(argv, []);
  const format = (args.options.get('format') ?? 'txt') as FindingsFormat;
  if (!['txt', 'json', 'sarif'].includes(format)) return { code: EXIT_USAGE, stdout: '', stderr: 'podpath check: --format must be txt, json or sarif\n' };
  const { analysis, error } = load(args.positionals, cwd);
  if (error) return error;
  const a = analysis!;
  const errors = a.findings.filter((f) => f.severity === 'error').length;
  const empty = nothingFound('check', a);
  const code = errors > 0 || empty ? EXIT_NOT_DELIVERED : EXIT_OK;
  if (format !== 'txt') return { code, stdout: formatFindings(a.findings, format, VERSION), stderr: empty };
  const c = a.cluster;
  const summary = [
    `${a.load.manifests.files.length} files · ${c.nodes.length} nodes · ${c.pods.length} pods · ${c.services.length} services · ${c.policies.length} policies · ${c.config.plugin}${c.config.backend !== 'none' ? ` ${c.config.backend}` : ''} · kube-proxy ${c.config.kubeProxyMode}`,
    `${errors} error(s), ${a.findings.length - errors} other finding(s)`,
  ];
  return { code, stdout: formatFindings(a.findings, 'txt', VERSION) + summary.join('\n') + '\n', stderr: empty };
}

/** Entry point of the `podpath` binary. */
export function main(argv = process.argv.slice(2)): void {
  const r = runCli(argv);
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exitCode = r.code;
}

function protocolOption(args: ReturnType<typeof parseArgs>): Protocol | undefined | Error {
  const text = args.options.get('protocol');
  if (text === undefined) return undefined;
  const p = text.toUpperCase();
  return p === 'TCP' || p === 'UDP' || p === 'SCTP' ? p : new Error('--protocol must be tcp, udp or sctp');
}

function portOption(args: ReturnType<typeof parseArgs>): number | undefined | Error {
  const text = args.options.get('port');
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : new Error(`--port ${text} is not a port number (1–65535)`);
}

function connlistCommand(argv: string[], cwd: string): CliResult {
  const args = parseArgs(argv, []);
  const format = (args.options.get('format') ?? 'txt') as ConnlistFormat;
  if (!['txt', 'json', 'csv', 'md', 'dot'].includes(format)) return { code: EXIT_USAGE, stdout: '', stderr: 'podpath connlist: --format must be txt, json, csv, md or dot\n' };
  const { analysis, error } = load(args.positionals, cwd);
  if (error) return error;
  const lines = computeConnlist(computeReachability(analysis!.cluster));
  return { code: EXIT_OK, stdout: formatConnlist(lines, format), stderr: findingsSummary(analysis!) + enforcementNote(analysis!) };
}

function enforcementNote(a: Analysis): string {
  const c = a.cluster;
  if (c.policies.length === 0 || c.config.policyEnforced) return '';
  return `note: ${c.config.plugin} does not enforce NetworkPolicy (networkPolicy: ${c.config.policyMode}); this is what the policies say, not what the cluster does\n`;
}

function matrixCommand(argv: string[], cwd: string): CliResult {
  const args = parseArgs(argv, []);
  const protocol = protocolOption(args);
  const port = portOption(args);
  if (protocol instanceof Error || port instanceof Error) return { code: EXIT_USAGE, stdout: '', stderr: `podpath matrix: ${(protocol instanceof Error ? protocol : port as Error).message}\n` };
  const { analysis, error } = load(args.positionals, cwd);
  if (error) return error;
  const wanted = args.options.get('namespaces')?.split(',').map((s) => s.trim()).filter(Boolean);
  const pods = analysis!.cluster.pods.filter((p) => !wanted || wanted.includes(p.namespace)).sort((a, b) => (a.key < b.key ? -1 : 1));
  const reach = computeReachability(analysis!.cluster);
  const out = formatMatrix(reach, pods, protocol ?? 'TCP', port ?? 80);
  return { code: EXIT_OK, stdout: out, stderr: findingsSummary(analysis!) + enforcementNote(analysis!) };
}

function explainCommand(argv: string[], cwd: string): CliResult {
  const args = parseArgs(argv, []);
  const from = args.options.get('from');
  const to = args.options.get('to');
  const protocolArg = protocolOption(args);
  const portArg = portOption(args);
  if (!from || !to) return { code: EXIT_USAGE, stdout: '', stderr: 'podpath explain: --from and --to are required\n' };
  if (protocolArg instanceof Error || portArg instanceof Error) return { code: EXIT_USAGE, stdout: '', stderr: `podpath explain: ${(protocolArg instanceof Error ? protocolArg : portArg as Error).message}\n` };
  const { analysis, error } = load(args.positionals, cwd);
  if (error) return error;
  const cluster = analysis!.cluster;
  const src = resolveEndpoint(cluster, from);
  const dst = resolveEndpoint(cluster, to);
  if (!src.ok) return { code: EXIT_USAGE, stdout: '', stderr: `podpath explain: --from: ${src.error}\n` };
  if (!dst.ok) return { code: EXIT_USAGE, stdout: '', stderr: `podpath explain: --to: ${dst.error}\n` };
  const srcPod = src.endpoint.pod ?? src.endpoint.replicas?.[0];
  const srcIP = srcPod?.ip ?? src.endpoint.ip;
  // A Service is judged after DNAT: each backend pod with its targetPort.
  const targets: { pod?: PodInfo; ip: string; port: number; protocol: Protocol; via?: string }[] = [];
  const d = dst.endpoint;
  if (d.service) {
    const sp = d.service.ports.find((p) => portArg === undefined || p.port === portArg) ?? d.service.ports[0];
    for (const e of sp?.endpoints ?? []) targets.push({ pod: e.pod ? cluster.podsByKey.get(e.pod) : undefined, ip: e.ip, port: e.port, protocol: sp.protocol, via: `${d.service.key}:${sp.port} → ${e.ip}:${e.port}` });
    if (targets.length === 0) return { code: EXIT_NOT_DELIVERED, stdout: `Service ${d.service.key} has no endpoints: nothing to explain\n`, stderr: '' };
  } else {
    const pods = d.replicas ?? (d.pod ? [d.pod] : []);
    const dflt = defaultPort(d);
    const port = portArg ?? dflt.port;
    const protocol = protocolArg ?? ((dflt.protocol?.toUpperCase() as Protocol | undefined) ?? 'TCP');
    if (pods.length) for (const p of pods) targets.push({ pod: p, ip: p.ip, port, protocol });
    else targets.push({ ip: d.ip, port, protocol });
  }
  const out: string[] = [];
  let allAllowed = true;
  for (const t of targets) {
    const protocol = protocolArg ?? t.protocol;
    out.push(`${protocol} ${from} (${srcIP}) → ${t.pod?.key ?? t.ip} (${t.ip}) port ${t.port}${t.via ? `  [${t.via}]` : ''}`);
    let allowed = true;
    if (srcPod && !srcPod.hostNetwork) {
      const e = evaluatePipeline(cluster, 'egress', srcPod, peerFor(cluster, t.ip), protocol, t.port);
      out.push(...formatPipeline(e).map((l) => '  ' + l));
      allowed &&= e.allowed;
    } else {
      out.push(`  egress: ${from} is not a pod; NetworkPolicy does not apply to it`);
    }
    if (t.pod && !t.pod.hostNetwork) {
      const i = evaluatePipeline(cluster, 'ingress', t.pod, peerFor(cluster, srcIP), protocol, t.port);
      out.push(...formatPipeline(i).map((l) => '  ' + l));
      allowed &&= i.allowed;
    } else {
      out.push(`  ingress: ${t.ip} is not a pod; NetworkPolicy does not apply to it`);
    }
    out.push(`  Verdict: ${allowed ? 'ALLOWED' : 'DENIED'}`, '');
    allAllowed &&= allowed;
  }
  const note = enforcementNote(analysis!);
  return { code: allAllowed ? EXIT_OK : EXIT_NOT_DELIVERED, stdout: out.join('\n') + (note ? note.replace(/^note: /, 'Note: ') : ''), stderr: findingsSummary(analysis!) };
}

function diffCommand(argv: string[], cwd: string): CliResult {
  const args = parseArgs(argv, []);
  if (args.positionals.length !== 2) return { code: EXIT_USAGE, stdout: '', stderr: 'podpath diff: name exactly two paths: <before> <after>\n' };
  const format = args.options.get('format') ?? 'txt';
  if (format !== 'txt' && format !== 'json') return { code: EXIT_USAGE, stdout: '', stderr: 'podpath diff: --format must be txt or json\n' };
  const before = load([args.positionals[0]], cwd);
  if (before.error) return before.error;
  const after = load([args.positionals[1]], cwd);
  if (after.error) return after.error;
  const d = diffConnlists(computeConnlist(computeReachability(before.analysis!.cluster)), computeConnlist(computeReachability(after.analysis!.cluster)));
  const stdout = format === 'json'
    ? JSON.stringify({ added: d.added.map((l) => ({ src: l.src, dst: l.dst, conn: l.conns.toString() })), removed: d.removed.map((l) => ({ src: l.src, dst: l.dst, conn: l.conns.toString() })) }, null, 2) + '\n'
    : [...d.removed.map((l) => `- ${formatLine(l)}`), ...d.added.map((l) => `+ ${formatLine(l)}`)].join('\n') + (d.added.length + d.removed.length ? '\n' : '');
  return { code: d.added.length + d.removed.length ? EXIT_NOT_DELIVERED : EXIT_OK, stdout, stderr: '' };
}

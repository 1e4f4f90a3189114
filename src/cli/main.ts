import { plural } from '../core/format/plural';
import { analyzeSources, Analysis } from '../core/analyze';
import { formatFinding } from '../core/common/finding';
import { formatDataplaneText, DataplaneSections, ALL_SECTIONS } from '../core/format/dataplane-text';
import { formatReplyText, formatTraceText } from '../core/format/trace-text';
import { replyOf } from '../core/forward/reply';
import { tracePacket } from '../core/forward/engine';
import { L4Protocol } from '../core/forward/trace';
import { computeConnlist, diffConnlists, formatConnlist, formatLine, ConnlistFormat } from '../core/policy/connlist';
import { computeReachability } from '../core/policy/reachability';
import { formatMatrix } from '../core/policy/matrix';
import { peerFor } from '../core/policy/evaluate';
import { evaluatePipeline } from '../core/policy/pipeline';
import { formatPipeline } from '../core/format/explain-text';
import { resolveEndpoint, defaultPort, parsePortText, podPortByName, servicePortFor } from '../core/forward/resolve';
import { forTerminal, forTerminalText } from '../core/format/escape';
import { ASSIGNED_MARK } from '../core/format/trace-text';
import { PodInfo } from '../core/cluster/model';
import { Protocol } from '../core/manifest/types';
import { formatFindings, FindingsFormat, SarifBase } from '../core/format/findings';
import { CommandOptions, ParsedArgs, parseCommandArgs } from './args';
import * as fs from 'fs';
import * as path from 'path';
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
  podpath trace <paths…> --from A --to B [--port N|NAME] [--protocol tcp|udp|sctp] [--family 4|6] [--format txt|json] [--details] [--reply]
  podpath dataplane <paths…> [--node NAME] [--family 4|6] [--routes] [--iptables] [--nftables] [--devices] [--neighbors] [--ipvs]
  podpath pods <paths…> [--format txt|json]
  podpath check <paths…> [--format txt|json|sarif]
  podpath connlist <paths…> [--format txt|json|csv|md|dot]
  podpath matrix <paths…> [--namespaces a,b] [--port N] [--protocol tcp|udp|sctp]
  podpath explain <paths…> --from A --to B [--port N|NAME] [--protocol tcp|udp|sctp]
  podpath diff <before> <after> [--format txt|json]
  podpath lab script|up|probe|down <paths…> [--prefix P]   (the cluster in Linux network namespaces; up/probe/down need root)
  podpath --version

Every command that reads manifests also takes --namespace NS (objects without a namespace land there).

A (a source: it sends): ns/pod, ns/pod/container, a workload (deployment:ns/name …), a node name
or IP, or any IPv4 address outside the cluster. A bare name is a pod, then a workload, then a node.
B (a destination) may also be a Service: ns/name, name.ns[.svc[.cluster.local]], its ClusterIP or
load-balancer IP, or a NodePort (nodeIP:port). A bare name is a pod, then a Service, a workload, a node.
Either may end in :port (a number or a port name).
Paths are YAML files or folders (searched for *.yaml / *.yml).

Exit codes: 0 delivered / success, 1 not delivered / errors found, 2 bad input or usage.
`;

/** Options every command that reads manifests takes. */
const COMMON = ['namespace'] as const;

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
      case '--version': case '-V': case 'version':
        return { code: EXIT_OK, stdout: `podpath ${VERSION}\n`, stderr: '' };
      case undefined: case 'help': case '--help': case '-h':
        return { code: command ? EXIT_OK : EXIT_USAGE, stdout: USAGE, stderr: '' };
      default:
        return { code: EXIT_USAGE, stdout: '', stderr: `podpath: unknown command "${forTerminal(command)}"\n\n${USAGE}` };
    }
  } catch (e) {
    return { code: EXIT_USAGE, stdout: '', stderr: `podpath: internal error: ${(e as Error).stack ?? e}\n` };
  }
}

function usageError(command: string, message: string): CliResult {
  return { code: EXIT_USAGE, stdout: '', stderr: `podpath ${command}: ${message}\n` };
}

/** Parses a command's arguments against what it declares; a usage error names the culprit. */
function commandArgs(command: string, argv: string[], spec: CommandOptions): { args?: ParsedArgs; error?: CliResult } {
  const r = parseCommandArgs(argv, spec);
  return r.ok ? { args: r.args } : { error: usageError(command, forTerminal(r.error)) };
}

function load(paths: string[], cwd: string, args?: ParsedArgs): { analysis?: Analysis; error?: CliResult } {
  if (paths.length === 0) return { error: { code: EXIT_USAGE, stdout: '', stderr: 'podpath: name at least one YAML file or folder\n' } };
  const namespace = args?.options.get('namespace');
  // kubernetes apimachinery validation: a namespace name is a DNS-1123 label.
  if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
    return { error: { code: EXIT_USAGE, stdout: '', stderr: `podpath: --namespace "${forTerminal(namespace)}" is not a namespace name (a DNS label: lower-case letters, digits and '-', at most 63 characters)\n` } };
  }
  const { sources, errors, findings } = readSources(paths, cwd);
  if (errors.length) return { error: { code: EXIT_USAGE, stdout: '', stderr: errors.map((e) => `podpath: ${forTerminal(e)}`).join('\n') + '\n' } };
  return { analysis: analyzeSources(sources, { readFindings: findings, ...(namespace !== undefined ? { defaultNamespace: namespace } : {}) }) };
}

/** Said when the paths hold no Kubernetes object at all: an empty analysis must not pass unnoticed. */
function nothingFound(command: string, a: Analysis): string {
  if ((a.load.kubernetesObjects ?? 0) > 0) return '';
  const files = a.load.manifests.files;
  return forTerminal(`podpath ${command}: no Kubernetes object found in the ${files.length} file(s) read${files.length ? `: ${files.slice(0, 20).map((f) => JSON.stringify(f)).join(', ')}${files.length > 20 ? ', …' : ''}` : ''}`) + '\n';
}

/** Errors in the input are worth a line on stderr whatever the command. */
function findingsSummary(a: Analysis): string {
  const errors = a.findings.filter((f) => f.severity === 'error');
  if (errors.length === 0) return '';
  return errors.map((f) => forTerminal(formatFinding(f))).join('\n') + `\n(${errors.length} error${errors.length > 1 ? 's' : ''} in the manifests; run \`podpath check\` for all findings)\n`;
}

/** `--port`: a number 1–65535, or (where a port name can be looked up) a port name. */
function portValue(text: string | undefined, allowName: boolean): number | string | undefined | Error {
  if (text === undefined) return undefined;
  const r = parsePortText(text);
  if (!r.ok) return new Error(`--port ${forTerminal(text)}: ${r.error}`);
  if (typeof r.port === 'string' && !allowName) return new Error(`--port ${forTerminal(text)} is not a port number (1–65535)`);
  return r.port;
}

function traceCommand(argv: string[], cwd: string): CliResult {
  const { args, error: argError } = commandArgs('trace', argv, { options: ['from', 'to', 'port', 'protocol', 'family', 'format', ...COMMON], flags: ['details', 'reply'] });
  if (argError) return argError;
  const from = args!.options.get('from');
  const to = args!.options.get('to');
  if (!from || !to) return usageError('trace', '--from and --to are required');
  const port = portValue(args!.options.get('port'), true);
  if (port instanceof Error) return usageError('trace', port.message);
  const protocolText = args!.options.get('protocol')?.toLowerCase();
  if (protocolText && !['tcp', 'udp', 'sctp'].includes(protocolText)) return usageError('trace', '--protocol must be tcp, udp or sctp');
  const format = args!.options.get('format') ?? 'txt';
  if (format !== 'txt' && format !== 'json') return usageError('trace', '--format must be txt or json');
  const { analysis, error } = load(args!.positionals, cwd, args);
  if (error) return error;
  const namespace = args!.options.get('namespace');
  const familyText = args!.options.get('family');
  if (familyText !== undefined && familyText !== '4' && familyText !== '6') return usageError('trace', '--family must be 4 or 6');
  const family = familyText === undefined ? {} : { family: Number(familyText) as 4 | 6 };
  const result = tracePacket(analysis!.dataplane, { from, to, ...(port !== undefined ? { port } : {}), ...(protocolText ? { protocol: protocolText as L4Protocol } : {}), ...(namespace ? { namespace } : {}), ...family });
  const stderr = nothingFound('trace', analysis!) + findingsSummary(analysis!);
  if (!result.ok) return { code: EXIT_USAGE, stdout: '', stderr: stderr + `podpath trace: ${forTerminal(result.error)}\n` };
  const details = args!.flags.has('details');
  if (args!.flags.has('reply')) {
    // The reply is walked on the same dataplane, from the forward trace just made.
    const reply = replyOf(analysis!.dataplane, result.trace);
    const text = format === 'json' ? JSON.stringify({ ...result.trace, reply }, null, 2) + '\n' : forTerminalText(formatTraceText(result.trace, { details }) + formatReplyText(reply, { details }));
    return { code: result.trace.verdict === 'delivered' && reply.ok ? EXIT_OK : EXIT_NOT_DELIVERED, stdout: text, stderr };
  }
  const stdout = format === 'json' ? JSON.stringify(result.trace, null, 2) + '\n' : forTerminalText(formatTraceText(result.trace, { details }));
  return { code: result.trace.verdict === 'delivered' ? EXIT_OK : EXIT_NOT_DELIVERED, stdout, stderr };
}

function dataplaneCommand(argv: string[], cwd: string): CliResult {
  const names = ['routes', 'iptables', 'nftables', 'devices', 'neighbors', 'ipvs'] as const;
  const { args, error: argError } = commandArgs('dataplane', argv, { options: ['node', 'family', ...COMMON], flags: names });
  if (argError) return argError;
  const { analysis, error } = load(args!.positionals, cwd, args);
  if (error) return error;
  const a = analysis!;
  const chosen = names.filter((n) => args!.flags.has(n));
  const sections: DataplaneSections = chosen.length ? Object.fromEntries(names.map((n) => [n, chosen.includes(n)])) as unknown as DataplaneSections : ALL_SECTIONS;
  const nodeName = args!.options.get('node');
  const nodes = nodeName ? [nodeName] : a.cluster.nodes.map((n) => n.name);
  const familyText = args!.options.get('family');
  if (familyText !== undefined && familyText !== '4' && familyText !== '6') return usageError('dataplane', '--family must be 4 or 6');
  // A dual-stack cluster prints both families' data paths, IPv4 first, unless one is asked for.
  const families = familyText ? [Number(familyText) as 4 | 6] : [...a.cluster.config.ipFamilies].sort();
  const parts: string[] = [];
  for (const family of families) {
    const plane = a.dataplane.forFamily(family);
    if (!plane) return usageError('dataplane', `the cluster is not dual-stack: it has no IPv${family} data path`);
    for (const name of nodes) {
      const dp = plane.node(name);
      if (!dp) return usageError('dataplane', forTerminal(`no node "${name}" (nodes: ${plane.cluster.nodes.map((n) => n.name).join(', ')})`));
      parts.push(formatDataplaneText(dp, sections));
    }
  }
  return { code: EXIT_OK, stdout: forTerminalText(parts.join('\n')), stderr: findingsSummary(a) };
}

function podsCommand(argv: string[], cwd: string): CliResult {
  const { args, error: argError } = commandArgs('pods', argv, { options: ['format', ...COMMON] });
  if (argError) return argError;
  const format = args!.options.get('format') ?? 'txt';
  if (format !== 'txt' && format !== 'json') return usageError('pods', '--format must be txt or json');
  const { analysis, error } = load(args!.positionals, cwd, args);
  if (error) return error;
  const pods = analysis!.cluster.pods;
  if (format === 'json') {
    const rows = pods.map((p) => ({ namespace: p.namespace, name: p.name, node: p.node, ip: p.ip, ...(p.ip6 ? { ip6: p.ip6 } : {}), ipAssigned: p.ipAssigned, veth: p.hostVeth, owner: `${p.owner.kind}/${p.owner.name}`, hostNetwork: p.hostNetwork }));
    return { code: EXIT_OK, stdout: JSON.stringify(rows, null, 2) + '\n', stderr: findingsSummary(analysis!) };
  }
  // A dual-stack cluster adds the IPv6 column (kubectl shows status.podIPs the same way).
  const dual = analysis!.cluster.config.ipFamilies.length === 2;
  const mark = (p: typeof pods[number]) => (p.ipAssigned ? ASSIGNED_MARK : '');
  const rows = [['NAMESPACE', 'NAME', 'NODE', 'IP', ...(dual ? ['IPV6'] : []), 'VETH', 'OWNER'], ...pods.map((p) => [p.namespace, p.name, p.node, `${p.ip}${mark(p)}`, ...(dual ? [p.ip6 ? `${p.ip6}${mark(p)}` : '-'] : []), p.hostVeth || '(hostNetwork)', `${p.owner.kind}/${p.owner.name}`].map(forTerminal))];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  let stdout = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
  if (pods.some((p) => p.ipAssigned)) stdout += `\n${ASSIGNED_MARK} IP assigned by PodPath: the manifests carry no status.podIP for this pod\n`;
  return { code: EXIT_OK, stdout, stderr: findingsSummary(analysis!) };
}

function checkCommand(argv: string[], cwd: string): CliResult {
  const { args, error: argError } = commandArgs('check', argv, { options: ['format', ...COMMON] });
  if (argError) return argError;
  const format = (args!.options.get('format') ?? 'txt') as FindingsFormat;
  if (!['txt', 'json', 'sarif'].includes(format)) return usageError('check', '--format must be txt, json or sarif');
  const { analysis, error } = load(args!.positionals, cwd, args);
  if (error) return error;
  const a = analysis!;
  const errors = a.findings.filter((f) => f.severity === 'error').length;
  const empty = nothingFound('check', a);
  const code = errors > 0 || empty ? EXIT_NOT_DELIVERED : EXIT_OK;
  if (format !== 'txt') return { code, stdout: formatFindings(a.findings, format, VERSION, sarifBase(args!.positionals, cwd)), stderr: empty };
  const c = a.cluster;
  const summary = [
    `${plural(a.load.manifests.files.length, 'file')} · ${plural(c.nodes.length, 'node')} · ${plural(c.pods.length, 'pod')} · ${plural(c.services.length, 'service')} · ${plural(c.policies.length, 'policy', 'policies')} · ${c.config.plugin}${c.config.backend !== 'none' ? ` ${c.config.backend}` : ''} · kube-proxy ${c.config.kubeProxyMode}`,
    `${plural(errors, 'error')}, ${plural(a.findings.length - errors, 'other finding')}`,
  ];
  return { code, stdout: forTerminalText(formatFindings(a.findings, 'txt', VERSION)) + summary.join('\n') + '\n', stderr: empty };
}

/**
 * Where SARIF artifact URIs are relative to: the repository holding the first path (the
 * nearest folder with .git, as code scanning resolves uploads against the checkout), else the
 * first path's folder. Finding paths are relative to the working directory; SARIF's are
 * rebased onto that root.
 */
function sarifBase(paths: string[], cwd: string): SarifBase {
  const first = path.resolve(cwd, paths[0] ?? '.');
  let dir = fs.existsSync(first) && fs.statSync(first).isDirectory() ? first : path.dirname(first);
  const start = dir;
  for (;;) {
    if (fs.existsSync(path.join(dir, '.git'))) return { root: dir, cwd };
    const up = path.dirname(dir);
    if (up === dir) return { root: start, cwd };
    dir = up;
  }
}

/** Entry point of the `podpath` binary. */
export function main(argv = process.argv.slice(2)): void {
  // `podpath … | head` closes the pipe early: that is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  const r = runCli(argv);
  process.exitCode = r.code;
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
}

function protocolOption(args: ParsedArgs): Protocol | undefined | Error {
  const text = args.options.get('protocol');
  if (text === undefined) return undefined;
  const p = text.toUpperCase();
  return p === 'TCP' || p === 'UDP' || p === 'SCTP' ? p : new Error('--protocol must be tcp, udp or sctp');
}

function connlistCommand(argv: string[], cwd: string): CliResult {
  const { args, error: argError } = commandArgs('connlist', argv, { options: ['format', ...COMMON] });
  if (argError) return argError;
  const format = (args!.options.get('format') ?? 'txt') as ConnlistFormat;
  if (!['txt', 'json', 'csv', 'md', 'dot'].includes(format)) return usageError('connlist', '--format must be txt, json, csv, md or dot');
  const { analysis, error } = load(args!.positionals, cwd, args);
  if (error) return error;
  const lines = computeConnlist(computeReachability(analysis!.cluster));
  const out = formatConnlist(lines, format);
  return { code: EXIT_OK, stdout: format === 'json' ? out : forTerminalText(out), stderr: findingsSummary(analysis!) + enforcementNote(analysis!) };
}

function enforcementNote(a: Analysis): string {
  const c = a.cluster;
  if (c.policies.length === 0 || c.config.policyEnforced) return '';
  return `note: ${c.config.plugin} does not enforce NetworkPolicy (networkPolicy: ${c.config.policyMode}); this is what the policies say, not what the cluster does\n`;
}

function matrixCommand(argv: string[], cwd: string): CliResult {
  const { args, error: argError } = commandArgs('matrix', argv, { options: ['namespaces', 'port', 'protocol', ...COMMON] });
  if (argError) return argError;
  const protocol = protocolOption(args!);
  const port = portValue(args!.options.get('port'), false);
  if (protocol instanceof Error || port instanceof Error) return usageError('matrix', (protocol instanceof Error ? protocol : port as Error).message);
  const { analysis, error } = load(args!.positionals, cwd, args);
  if (error) return error;
  const cluster = analysis!.cluster;
  const namespacesText = args!.options.get('namespaces');
  const wanted = namespacesText?.split(',').map((s) => s.trim()).filter(Boolean);
  if (wanted) {
    const known = [...new Set([...cluster.pods.map((p) => p.namespace), ...cluster.namespaces.keys()])].sort();
    const unknown = wanted.filter((n) => !known.includes(n));
    if (wanted.length === 0) return usageError('matrix', '--namespaces names no namespace');
    if (unknown.length) return usageError('matrix', forTerminal(`--namespaces: no namespace ${unknown.join(', ')} in the manifests (namespaces: ${known.join(', ') || 'none'})`));
  }
  const pods = cluster.pods.filter((p) => !wanted || wanted.includes(p.namespace)).sort((a, b) => (a.key < b.key ? -1 : 1));
  const reach = computeReachability(cluster);
  const out = formatMatrix(reach, pods, protocol ?? 'TCP', typeof port === 'number' ? port : undefined, { protocolGiven: protocol !== undefined });
  return { code: EXIT_OK, stdout: forTerminalText(out), stderr: findingsSummary(analysis!) + enforcementNote(analysis!) };
}

function explainCommand(argv: string[], cwd: string): CliResult {
  const { args, error: argError } = commandArgs('explain', argv, { options: ['from', 'to', 'port', 'protocol', ...COMMON] });
  if (argError) return argError;
  const from = args!.options.get('from');
  const to = args!.options.get('to');
  const protocolArg = protocolOption(args!);
  const portArg = portValue(args!.options.get('port'), true);
  if (!from || !to) return usageError('explain', '--from and --to are required');
  if (protocolArg instanceof Error || portArg instanceof Error) return usageError('explain', (protocolArg instanceof Error ? protocolArg : portArg as Error).message);
  const { analysis, error } = load(args!.positionals, cwd, args);
  if (error) return error;
  const cluster = analysis!.cluster;
  const namespace = args!.options.get('namespace');
  const opts = namespace ? { namespace } : {};
  const src = resolveEndpoint(cluster, from, 'from', opts);
  const dst = resolveEndpoint(cluster, to, 'to', opts);
  if (!src.ok) return usageError('explain', forTerminal(`--from: ${src.error}`));
  if (!dst.ok) return usageError('explain', forTerminal(`--to: ${dst.error}`));
  const srcPod = src.endpoint.pod ?? src.endpoint.replicas?.[0];
  const srcIP = srcPod?.ip ?? src.endpoint.ip;
  const d = dst.endpoint;
  if (d.port !== undefined && portArg !== undefined && d.port !== portArg) return usageError('explain', forTerminal(`--to: the port is given twice (${d.port} in "${to}" and ${portArg} as --port)`));
  const wantedPort = d.port ?? portArg;
  // A Service is judged after DNAT: each backend pod with its targetPort.
  const targets: { pod?: PodInfo; ip: string; port: number; protocol: Protocol; via?: string }[] = [];
  if (d.service) {
    if (d.service.type === 'ExternalName') return usageError('explain', forTerminal(`--to: Service ${d.service.key} is of type ExternalName (a CNAME to ${d.service.externalName ?? 'nothing'}): no NetworkPolicy decision involves it`));
    const sp = servicePortFor(d.service, wantedPort, protocolArg?.toLowerCase() as L4Protocol | undefined);
    if (!sp.ok) return usageError('explain', forTerminal(`--to: ${sp.error}`));
    for (const e of sp.port.endpoints) targets.push({ pod: e.pod ? cluster.podsByKey.get(e.pod) : undefined, ip: e.ip, port: e.port, protocol: sp.port.protocol, via: `${d.service.key}:${sp.port.port} → ${e.ip}:${e.port}` });
    if (targets.length === 0) return { code: EXIT_NOT_DELIVERED, stdout: forTerminalText(`Service ${d.service.key} has no endpoints: nothing to explain\n`), stderr: '' };
  } else {
    const pods = d.replicas ?? (d.pod ? [d.pod] : []);
    let port: number;
    let protocol: Protocol;
    if (typeof wantedPort === 'string') {
      const hit = pods[0] && podPortByName(pods[0], wantedPort, d.container);
      if (!hit) return usageError('explain', forTerminal(`--to: ${d.name} declares no port named "${wantedPort}"`));
      port = hit.containerPort;
      protocol = protocolArg ?? hit.protocol;
    } else {
      const dflt = defaultPort(d);
      port = wantedPort ?? dflt.port;
      protocol = protocolArg ?? ((dflt.protocol?.toUpperCase() as Protocol | undefined) ?? 'TCP');
    }
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
  return { code: allAllowed ? EXIT_OK : EXIT_NOT_DELIVERED, stdout: forTerminalText(out.join('\n') + (note ? note.replace(/^note: /, 'Note: ') : '')), stderr: findingsSummary(analysis!) };
}

function diffCommand(argv: string[], cwd: string): CliResult {
  const { args, error: argError } = commandArgs('diff', argv, { options: ['format', ...COMMON] });
  if (argError) return argError;
  if (args!.positionals.length !== 2) return usageError('diff', 'name exactly two paths: <before> <after>');
  const format = args!.options.get('format') ?? 'txt';
  if (format !== 'txt' && format !== 'json') return usageError('diff', '--format must be txt or json');
  const before = load([args!.positionals[0]], cwd, args);
  if (before.error) return before.error;
  const after = load([args!.positionals[1]], cwd, args);
  if (after.error) return after.error;
  const d = diffConnlists(computeConnlist(computeReachability(before.analysis!.cluster)), computeConnlist(computeReachability(after.analysis!.cluster)));
  const stdout = format === 'json'
    ? JSON.stringify({ added: d.added.map((l) => ({ src: l.src, dst: l.dst, conn: l.conns.toString() })), removed: d.removed.map((l) => ({ src: l.src, dst: l.dst, conn: l.conns.toString() })) }, null, 2) + '\n'
    : forTerminalText([...d.removed.map((l) => `- ${formatLine(l)}`), ...d.added.map((l) => `+ ${formatLine(l)}`)].join('\n') + (d.added.length + d.removed.length ? '\n' : ''));
  return { code: d.added.length + d.removed.length ? EXIT_NOT_DELIVERED : EXIT_OK, stdout, stderr: '' };
}

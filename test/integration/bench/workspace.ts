/**
 * Generated workspaces for the extension benchmark: the core benchmark's clusters
 * (test/bench/generate.ts: Deployments of 10 replicas, each behind a Service) written out as a
 * user's repository would hold them — a cluster.yaml and one file per 10 Deployments — plus
 * policies.yaml and `orphan.yaml`, a Service that selects nothing, so the workspace has a known finding to wait for.
 * The middle apps file starts with a comment line, one of the edits the benchmark makes.
 *
 * Run as a script: node out/test/integration/bench/workspace.js <pods> <folder>
 */
import * as fs from 'fs';
import * as path from 'path';
import { generateCluster } from '../../bench/generate';

export interface BenchWorkspace {
  folder: string;
  pods: number;
  files: number;
  /** The file the save benchmark edits, relative to the folder. */
  editFile: string;
  /** 1-based line of `  selector: {app: NAME}` in editFile, and NAME. */
  editLine: number;
  editApp: string;
  /** Every edit the save benchmark makes, the Service selector's first. */
  edits: BenchEdit[];
}

/** The kinds of single-file edit the save benchmark makes, one after the other. */
export type EditKind = 'service-selector' | 'service-port' | 'pod-label' | 'replicas' | 'policy-rule' | 'comment';

/**
 * One edit: on `line` of `file`, `from` becomes `to` (saved), then back (saved again). When
 * the edit brings a finding, `finding` names it (its code, and the line it is reported on);
 * otherwise nothing visible changes and the benchmark waits for the extension's "analysis
 * published" signal instead.
 */
export interface BenchEdit {
  kind: EditKind;
  file: string;
  /** 1-based. */
  line: number;
  from: string;
  to: string;
  finding?: { code: string; line: number };
}

export const DEPLOYMENTS_PER_FILE = 10;

/** The comment line the benchmark edits, first in the edited apps file. */
const COMMENT = '# apps of the save benchmark';

export function writeBenchWorkspace(pods: number, folder: string): BenchWorkspace {
  // Calico enforces NetworkPolicy, so hovers and hints pay for real reachability: one policy per
  // 20 pods (a default-deny per namespace, then allow rules between apps).
  // 40 pods a node: Calico gives each node a /26 block (62 addresses), and scheduling is uneven.
  const g = generateCluster(pods, { plugin: 'calico', podsPerNode: 40, policies: Math.max(1, Math.round(pods / 20)) });
  fs.rmSync(folder, { recursive: true, force: true });
  fs.mkdirSync(path.join(folder, 'apps'), { recursive: true });
  const cluster = g.files.find((f) => f.file === 'cluster.yaml')!;
  fs.writeFileSync(path.join(folder, 'cluster.yaml'), cluster.text);

  // apps.yaml holds a Deployment and a Service per app: regroup them, 10 apps to a file.
  const docs = g.files.find((f) => f.file === 'apps.yaml')!.text.split(/^---\n/m).filter((d) => d.trim());
  const perFile = DEPLOYMENTS_PER_FILE * 2;
  const names: string[] = [];
  for (let i = 0; i * perFile < docs.length; i++) {
    const name = `apps/apps-${String(i).padStart(4, '0')}.yaml`;
    fs.writeFileSync(path.join(folder, name), docs.slice(i * perFile, (i + 1) * perFile).map((d) => `---\n${d}`).join(''));
    names.push(name);
  }
  const policies = g.files.find((f) => f.file === 'policies.yaml');
  if (policies) fs.writeFileSync(path.join(folder, 'policies.yaml'), policies.text);
  fs.writeFileSync(
    path.join(folder, 'orphan.yaml'),
    ['apiVersion: v1', 'kind: Service', 'metadata: {name: bench-orphan, namespace: team-0}', 'spec:', '  selector: {app: nothing-here}', '  ports: [{port: 80}]', ''].join('\n'),
  );

  // The save benchmark edits the first Deployment and Service of the middle file.
  const editFile = names[Math.floor(names.length / 2)];
  fs.writeFileSync(path.join(folder, editFile), `${COMMENT}\n${fs.readFileSync(path.join(folder, editFile), 'utf8')}`);
  const lines = fs.readFileSync(path.join(folder, editFile), 'utf8').split('\n');
  let editLine = -1;
  let seenService = false;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === 'kind: Service') seenService = true;
    if (seenService && /^ {2}selector: \{app: [\w-]+\}$/.test(lines[i])) {
      editLine = i + 1;
      break;
    }
  }
  if (editLine < 0) throw new Error(`no Service selector in ${editFile}`);
  const editApp = /\{app: ([\w-]+)\}/.exec(lines[editLine - 1])![1];
  const edits: BenchEdit[] = [
    { kind: 'service-selector', file: editFile, line: editLine, from: `{app: ${editApp}}`, to: `{app: ${editApp}-gone}`, finding: { code: 'service-selects-nothing', line: editLine } },
  ];
  const lineOf = (re: RegExp, after = 0, text = lines) => {
    const i = text.findIndex((l, n) => n >= after && re.test(l));
    if (i < 0) throw new Error(`no line matching ${re} in the generated workspace`);
    return i + 1;
  };
  // The Service's port: a named targetPort no selected pod declares.
  const portLine = lineOf(/^ {2}ports: \[\{name: http, port: 80, targetPort: http\}\]$/, editLine - 1);
  edits.push({ kind: 'service-port', file: editFile, line: portLine, from: 'targetPort: http}', to: 'targetPort: web}', finding: { code: 'target-port-unresolved', line: portLine } });
  // The Deployment's pod template: its `app` label no longer matches its own selector (reported on the selector).
  const deploymentLine = lineOf(/^kind: Deployment$/);
  const labelsLine = lineOf(/^ {4}metadata: \{labels: \{app: [\w-]+,/, deploymentLine);
  const app = /\{app: ([\w-]+),/.exec(lines[labelsLine - 1])![1];
  edits.push({ kind: 'pod-label', file: editFile, line: labelsLine, from: `{app: ${app},`, to: `{app: ${app}-canary,`, finding: { code: 'selector-mismatch', line: lineOf(/^ {2}selector: \{matchLabels:/, deploymentLine) } });
  // Replicas: one pod more, then as before; no finding changes.
  const replicasLine = lineOf(/^ {2}replicas: \d+$/, deploymentLine);
  const replicas = /\d+/.exec(lines[replicasLine - 1])![0];
  edits.push({ kind: 'replicas', file: editFile, line: replicasLine, from: `replicas: ${replicas}`, to: `replicas: ${Number(replicas) + 1}` });
  // A NetworkPolicy rule in the middle of policies.yaml: a named port no selected pod declares.
  if (policies) {
    const policyLines = policies.text.split('\n');
    const middle = lineOf(/^kind: NetworkPolicy$/, Math.floor(policyLines.length / 2), policyLines);
    const ruleLine = lineOf(/^ {6}ports: \[\{port: http\}\]$/, middle, policyLines);
    edits.push({ kind: 'policy-rule', file: 'policies.yaml', line: ruleLine, from: '{port: http}', to: '{port: grpc}', finding: { code: 'named-port-unresolved', line: ruleLine } });
  }
  // A comment: nothing in the analysis changes.
  edits.push({ kind: 'comment', file: editFile, line: 1, from: COMMENT, to: `${COMMENT} (edited)` });
  return { folder, pods: g.pods, files: names.length + (policies ? 3 : 2), editFile, editLine, editApp, edits };
}

if (require.main === module) {
  const [pods, folder] = process.argv.slice(2);
  console.log(JSON.stringify(writeBenchWorkspace(Number(pods), path.resolve(folder))));
}

/**
 * Generated workspaces for the extension benchmark: the core benchmark's clusters
 * (test/bench/generate.ts: Deployments of 10 replicas, each behind a Service) written out as a
 * user's repository would hold them — a cluster.yaml and one file per 10 Deployments — plus
 * policies.yaml and `orphan.yaml`, a Service that selects nothing, so the workspace has a known finding to wait for.
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
}

export const DEPLOYMENTS_PER_FILE = 10;

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

  // The save benchmark edits the selector of the first Service of the middle file.
  const editFile = names[Math.floor(names.length / 2)];
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
  return { folder, pods: g.pods, files: names.length + (policies ? 3 : 2), editFile, editLine, editApp };
}

if (require.main === module) {
  const [pods, folder] = process.argv.slice(2);
  console.log(JSON.stringify(writeBenchWorkspace(Number(pods), path.resolve(folder))));
}

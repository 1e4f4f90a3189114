import * as fs from 'fs';
import * as path from 'path';
import { FuzzFile } from './mutate';

/**
 * The fuzz seeds: each bundled example folder is one group (a cluster with its workloads), and
 * every fixture file is a group of its own paired with a Cluster document, so mutations land on
 * inputs that reach every stage.
 */
export function loadSeedGroups(repoRoot: string): FuzzFile[][] {
  const read = (file: string): FuzzFile => ({ file: path.relative(repoRoot, file), text: fs.readFileSync(file, 'utf8') });
  const groups: FuzzFile[][] = [];
  const examples = path.join(repoRoot, 'examples');
  for (const dir of fs.readdirSync(examples).sort()) {
    const files = listManifests(path.join(examples, dir));
    if (files.length) groups.push(files.map(read));
  }
  const cluster = read(path.join(examples, 'flannel-vxlan', 'cluster.yaml'));
  for (const file of listManifests(path.join(repoRoot, 'test', 'fixtures'))) groups.push([cluster, read(file)]);
  return groups;
}

function listManifests(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listManifests(p));
    else if (e.isFile() && /\.(ya?ml|json)$/i.test(e.name) && fs.statSync(p).size < 1 << 20) out.push(p);
  }
  return out;
}

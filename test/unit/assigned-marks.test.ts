import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { analyzeSources } from '../../src/core/analyze';
import { LanguageService } from '../../src/core/service/language-service';
import { buildTopology } from '../../src/core/topology';
import { REPO_ROOT } from '../support/analyze';

// Addresses and ports PodPath invents must never pass for ones a cluster reported: hovers and
// the topology say which are assigned, and values a dump carries are shown plain.

function folder(dir: string): { file: string; text: string }[] {
  return fs.readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort().map((f) => ({ file: path.join(path.basename(dir), f), text: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

const shown = (markdown: string) => markdown.replace(/\\([!-/:-@[-`{-~])/g, '$1');

test('hovers mark an assigned ClusterIP and pod address, and leave a written NodePort plain', () => {
  const files = folder(path.join(REPO_ROOT, 'examples', 'flannel-vxlan'));
  const s = new LanguageService();
  s.update(files, {});
  const app = files.find((f) => f.file.endsWith('app.yaml'))!;
  const lines = app.text.split('\n');
  const svcName = lines.findIndex((l) => l.includes('kind: Service')) + 3;
  const svc = shown(s.hover(app.file, { line: svcName, column: 10 })!.markdown);
  assert.match(svc, /ClusterIP `10\.\d+\.\d+\.\d+` \(assigned by PodPath: no spec\.clusterIP\)/);
  assert.match(svc, /NodePort 30080 →/, 'the NodePort is written in the manifest: no mark');
  const podName = lines.findIndex((l) => l.includes('name: client')) + 1;
  const pod = shown(s.hover(app.file, { line: podName, column: 10 })!.markdown);
  assert.match(pod, /eth0 10\.244\.\d+\.\d+ \(assigned by PodPath\) ⇄/);
});

test('the topology model says which addresses PodPath assigned, and a dump with status has none', () => {
  const example = buildTopology(analyzeSources(folder(path.join(REPO_ROOT, 'examples', 'flannel-vxlan'))));
  const pods = example.nodes.flatMap((n) => n.pods);
  assert.ok(pods.length > 0 && pods.every((p) => p.ipAssigned), 'no status.podIP anywhere: every pod address is assigned');
  const web = example.services.find((x) => x.key === 'default/web')!;
  assert.equal(web.clusterIPAssigned, true);
  assert.deepEqual(web.ports.map((p) => [p.nodePort, p.nodePortAssigned]), [[30080, undefined]]);

  const dump = buildTopology(analyzeSources(folder(path.join(REPO_ROOT, 'test', 'fixtures', 'dumps', 'with-status'))));
  const dumped = dump.nodes.flatMap((n) => n.pods).filter((p) => !p.hostNetwork);
  assert.ok(dumped.length > 0 && dumped.every((p) => !p.ipAssigned), 'status.podIP is the cluster\'s own');
});

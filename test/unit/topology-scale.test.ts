import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSources } from '../../src/core/analyze';
import { tracePacket } from '../../src/core/forward/engine';
import { buildTopology, overlayTrace } from '../../src/core/topology';
import { computeLayout } from '../../src/webview/layout';
import { generateCluster } from '../bench/generate';

// 200 nodes / 5,000 pods: the model builds well under a second and the page's layout in a
// fraction of that. Limits carry headroom for a busy CI machine; the measured figures are printed.

test('200 nodes / 5,000 pods: build, overlay and layout times', (t) => {
  const g = generateCluster(5000, { podsPerNode: 25, policies: 60 });
  const a = analyzeSources(g.files);
  assert.equal(a.cluster.nodes.length, 200);
  assert.equal(a.cluster.pods.length, 5000);

  // Programming every node is the dataplane's own (lazy) work, shared with traces: timed apart.
  let t0 = performance.now();
  a.dataplane.all();
  const programMs = performance.now() - t0;
  t0 = performance.now();
  const model = buildTopology(a);
  const coldMs = performance.now() - t0;
  t0 = performance.now();
  buildTopology(a);
  const warmMs = performance.now() - t0;

  const src = a.cluster.pods[0];
  const r = tracePacket(a.dataplane, { from: src.key, to: `service:${a.cluster.services[137].key}` });
  assert.ok(r.ok);
  t0 = performance.now();
  const overlay = overlayTrace(model, r.trace);
  const overlayMs = performance.now() - t0;
  assert.deepEqual(overlay.missing, []);
  assert.equal(overlay.branches.length, 10);

  const traced = new Set([src.node, ...overlay.branches.flatMap((b) => b.hops.map((h) => h.node))]);
  t0 = performance.now();
  const collapsed = computeLayout(model, (n) => traced.has(n.name));
  const layoutMs = performance.now() - t0;
  t0 = performance.now();
  computeLayout(model, () => true);
  const expandedMs = performance.now() - t0;
  const bytes = JSON.stringify(model).length;

  t.diagnostic(`programming all 200 nodes: ${programMs.toFixed(0)} ms; buildTopology: ${coldMs.toFixed(0)} ms first, ${warmMs.toFixed(0)} ms again; overlay ${overlayMs.toFixed(1)} ms; layout ${layoutMs.toFixed(0)} ms (collapsed but the traced nodes), ${expandedMs.toFixed(0)} ms (all expanded); model ${(bytes / 1e6).toFixed(1)} MB as JSON`);
  assert.ok(coldMs < 1000, `first build ${coldMs} ms`);
  assert.ok(programMs + coldMs < 2500, `programming and build ${programMs + coldMs} ms`);
  assert.ok(warmMs < 1000, `warm build ${warmMs} ms`);
  assert.ok(overlayMs < 250, `overlay ${overlayMs} ms`);
  assert.ok(layoutMs < 500, `layout ${layoutMs} ms`);
  assert.ok(expandedMs < 1500, `expanded layout ${expandedMs} ms`);
  assert.equal(collapsed.nodes.filter((n) => n.expanded).length, traced.size);
  assert.ok(model.stats.isolatedPods > 0, 'the generated policies isolate pods');
});

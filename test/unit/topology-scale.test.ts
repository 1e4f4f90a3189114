import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSources } from '../../src/core/analyze';
import { tracePacket } from '../../src/core/forward/engine';
import { buildTopology, overlayTrace } from '../../src/core/topology';
import { computeLayout } from '../../src/webview/layout';
import { generateCluster } from '../bench/generate';

// 200 nodes / 5,000 pods: the model, the trace overlay and the page's layout are complete at
// that scale. Times are printed as figures, not asserted: speed is judged by the benchmark and
// by the browser test's first-paint limit, not by a unit test on a shared machine.

test('200 nodes / 5,000 pods: the model, overlay and layout are complete (times printed)', (t) => {
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
  assert.equal(collapsed.nodes.filter((n) => n.expanded).length, traced.size);
  assert.ok(model.stats.isolatedPods > 0, 'the generated policies isolate pods');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeReachability } from '../../src/core/policy/reachability';
import { evaluatePipeline } from '../../src/core/policy/pipeline';
import { peerFor } from '../../src/core/policy/evaluate';
import { analyzeYaml } from '../support/analyze';
import { naiveAllowed } from '../support/naive-policy';
import { PORTS, PROTOCOLS, randomCluster } from '../support/random-policy-cluster';

/**
 * Property test: thousands of random small clusters and policies; the class-based engine must
 * agree with the naive pair-by-pair reference on every pair and every probed port.
 */

test('the class-based reachability engine agrees with the naive reference on 2,000 random clusters', () => {
  let pairs = 0;
  for (let seed = 1; seed <= 2000; seed++) {
    const a = analyzeYaml(...randomCluster(seed));
    const errors = a.findings.filter((f) => f.severity === 'error');
    assert.deepEqual(errors, [], `seed ${seed} produced invalid YAML`);
    const reach = computeReachability(a.cluster);
    for (const src of a.cluster.pods) {
      for (const dst of a.cluster.pods) {
        const conns = reach.allowed(src, dst);
        for (const protocol of PROTOCOLS) {
          for (const port of [...PORTS, 1, 65535]) {
            pairs++;
            const expected = naiveAllowed(a.cluster, src, dst, protocol, port);
            if (conns.has(protocol, port) !== expected) {
              assert.fail(`seed ${seed}: ${src.key} → ${dst.key} ${protocol} ${port}: engine says ${!expected}, naive says ${expected}\n${randomCluster(seed).join('---\n')}`);
            }
          }
        }
      }
    }
  }
  assert.ok(pairs > 100000, `enough probes (${pairs})`);
});

test('all-pairs counts (reached by / reaches) equal counting every pair of pods, on 500 random clusters', () => {
  for (let seed = 5001; seed <= 5500; seed++) {
    const a = analyzeYaml(...randomCluster(seed));
    const reach = computeReachability(a.cluster);
    const { reachedBy, reaches } = reach.counts();
    const pods = a.cluster.pods;
    for (const c of reach.classes) {
      const rep = c.representative;
      const expectedBy = pods.filter((s) => s.key !== rep.key && !reach.allowed(s, rep).isEmpty()).length;
      const expectedTo = pods.filter((d) => d.key !== rep.key && !reach.allowed(rep, d).isEmpty()).length;
      assert.equal(reachedBy[c.id], expectedBy, `seed ${seed}: reachedBy of ${rep.key}`);
      assert.equal(reaches[c.id], expectedTo, `seed ${seed}: reaches of ${rep.key}`);
    }
  }
});

/** Compares engine and reference on every pair and probed port of one cluster; returns the probes made. */
function compareAll(seed: number, docs: string[]): number {
  const a = analyzeYaml(...docs);
  const errors = a.findings.filter((f) => f.severity === 'error');
  assert.deepEqual(errors, [], `seed ${seed} produced invalid YAML`);
  const reach = computeReachability(a.cluster);
  let probes = 0;
  for (const src of a.cluster.pods) {
    for (const dst of a.cluster.pods) {
      const conns = reach.allowed(src, dst);
      for (const protocol of PROTOCOLS) {
        for (const port of [...PORTS, 1, 65535]) {
          probes++;
          const expected = naiveAllowed(a.cluster, src, dst, protocol, port);
          if (conns.has(protocol, port) !== expected) {
            assert.fail(`seed ${seed}: ${src.key} → ${dst.key} ${protocol} ${port}: engine says ${!expected}, naive says ${expected}\n${docs.join('---\n')}`);
          }
        }
      }
    }
  }
  return probes;
}

test('with AdminNetworkPolicies and the BaselineAdminNetworkPolicy, the engine agrees with the naive reference on 2,000 random clusters', () => {
  let probes = 0;
  let withAdmin = 0;
  for (let seed = 10001; seed <= 12000; seed++) {
    const docs = randomCluster(seed, true);
    if (docs.some((d) => d.includes('AdminNetworkPolicy'))) withAdmin++;
    probes += compareAll(seed, docs);
  }
  console.log(`# admin policy property: ${withAdmin} of 2000 clusters carry admin policies, ${probes} probes`);
  assert.ok(withAdmin > 1500, `most clusters carry admin policies (${withAdmin})`);
  assert.ok(probes > 100000, `enough probes (${probes})`);
});

test('with admin policies, all-pairs counts equal counting every pair of pods, on 500 random clusters', () => {
  for (let seed = 15001; seed <= 15500; seed++) {
    const a = analyzeYaml(...randomCluster(seed, true));
    const reach = computeReachability(a.cluster);
    const { reachedBy, reaches } = reach.counts();
    const pods = a.cluster.pods;
    for (const c of reach.classes) {
      const rep = c.representative;
      assert.equal(reachedBy[c.id], pods.filter((s) => s.key !== rep.key && !reach.allowed(s, rep).isEmpty()).length, `seed ${seed}: reachedBy of ${rep.key}`);
      assert.equal(reaches[c.id], pods.filter((d) => d.key !== rep.key && !reach.allowed(rep, d).isEmpty()).length, `seed ${seed}: reaches of ${rep.key}`);
    }
  }
});

test('with Calico tiers and policies beside admin policies and NetworkPolicy, the engine agrees with the naive reference on 800 random clusters', () => {
  let probes = 0;
  let withCalico = 0;
  for (let seed = 20001; seed <= 20800; seed++) {
    const docs = randomCluster(seed, seed % 2 === 0, true);
    if (docs.some((d) => d.includes('projectcalico.org'))) withCalico++;
    probes += compareAll(seed, docs);
  }
  console.log(`# Calico policy property: ${withCalico} of 800 clusters carry Calico objects, ${probes} probes`);
  assert.ok(withCalico > 600, `most clusters carry Calico objects (${withCalico})`);
  assert.ok(probes > 100000, `enough probes (${probes})`);
});

test('with Calico policies, all-pairs counts equal counting every pair of pods, on 400 random clusters', () => {
  for (let seed = 25001; seed <= 25400; seed++) {
    const a = analyzeYaml(...randomCluster(seed, seed % 2 === 0, true));
    const reach = computeReachability(a.cluster);
    const { reachedBy, reaches } = reach.counts();
    const pods = a.cluster.pods;
    for (const c of reach.classes) {
      const rep = c.representative;
      assert.equal(reachedBy[c.id], pods.filter((s) => s.key !== rep.key && !reach.allowed(s, rep).isEmpty()).length, `seed ${seed}: reachedBy of ${rep.key}`);
      assert.equal(reaches[c.id], pods.filter((d) => d.key !== rep.key && !reach.allowed(rep, d).isEmpty()).length, `seed ${seed}: reaches of ${rep.key}`);
    }
  }
});

test('with Calico policies, the single-flow pipeline (traces, explain) agrees with the naive reference on 300 random clusters', () => {
  let probes = 0;
  for (let seed = 30001; seed <= 30300; seed++) {
    const docs = randomCluster(seed, seed % 2 === 0, true);
    const a = analyzeYaml(...docs);
    for (const src of a.cluster.pods) {
      for (const dst of a.cluster.pods) {
        if (src.hostNetwork || dst.hostNetwork) continue;
        for (const protocol of PROTOCOLS) {
          for (const port of [80, 443, 8080]) {
            probes++;
            const egress = evaluatePipeline(a.cluster, 'egress', src, peerFor(a.cluster, dst.ip), protocol, port).allowed;
            const ingress = evaluatePipeline(a.cluster, 'ingress', dst, peerFor(a.cluster, src.ip), protocol, port).allowed;
            const expected = naiveAllowed(a.cluster, src, dst, protocol, port);
            if ((egress && ingress) !== expected) assert.fail(`seed ${seed}: ${src.key} → ${dst.key} ${protocol} ${port}: pipeline says ${egress && ingress}, naive says ${expected}\n${docs.join('---\n')}`);
          }
        }
      }
    }
  }
  assert.ok(probes > 20000, `enough probes (${probes})`);
});

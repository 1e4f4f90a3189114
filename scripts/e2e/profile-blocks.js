// The longest stretches the extension host's main thread was busy, read from a V8 CPU profile
// (the .cpuprofile run-bench.js --profile writes). A stretch is a run of samples that are not
// `(idle)` (the thread waiting for events) under the same outermost frame (one task of the
// event loop, as near as samples tell). Its CPU time is its samples times the sampling
// interval: a thread the kernel descheduled takes no samples (V8 samples by signalling the
// thread), so this counts work, not waiting for a CPU; its wall time is also given.
// PodPath's share of a stretch: its samples with a frame from PodPath's bundle; the garbage
// collector's share is given apart (a pause collects every part of the host's heap).
//
//   node scripts/e2e/profile-blocks.js test-artifacts/extension-bench-1000.cpuprofile [count]
'use strict';

const fs = require('fs');

/**
 * @param {{nodes: {id: number, callFrame: {functionName: string, url: string, lineNumber: number}, children?: number[]}[], samples: number[], timeDeltas: number[], startTime: number}} profile
 * @param {number} intervalUs the sampling interval the profile was taken with
 * @param {number} count how many stretches to return, longest first
 */
function busyStretches(profile, intervalUs, count = 5) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const rootId = profile.nodes.find((n) => n.callFrame.functionName === '(root)')?.id;
  /** The frame just under (root): the task a sample belongs to. */
  const outer = new Map();
  const outermost = (id) => {
    if (outer.has(id)) return outer.get(id);
    let x = id;
    while (parent.has(x) && parent.get(x) !== rootId) x = parent.get(x);
    outer.set(id, x);
    return x;
  };
  const ours = (id) => {
    for (let x = id; x !== undefined; x = parent.get(x)) if (/\/dist\/extension\.js$/.test(byId.get(x).callFrame.url)) return true;
    return false;
  };
  /** The innermost PodPath frame of a sample, to name what PodPath was doing. */
  const ourFrame = (id) => {
    for (let x = id; x !== undefined; x = parent.get(x)) {
      const f = byId.get(x).callFrame;
      if (/\/dist\/extension\.js$/.test(f.url)) return f.functionName || '(anonymous)';
    }
    return undefined;
  };
  const stretches = [];
  let cur;
  let t = profile.startTime;
  const close = () => {
    if (cur) stretches.push(cur);
    cur = undefined;
  };
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const id = profile.samples[i];
    const name = byId.get(id).callFrame.functionName;
    if (name === '(idle)') {
      close();
      continue;
    }
    const task = outermost(id);
    if (cur && cur.task !== task && !['(program)', '(garbage collector)'].includes(name)) close();
    if (!cur) cur = { task, start: t, end: t, samples: 0, ours: 0, gc: 0, frames: new Map() };
    cur.end = t;
    cur.samples++;
    if (name === '(garbage collector)') cur.gc++;
    if (ours(id)) {
      cur.ours++;
      const f = ourFrame(id);
      cur.frames.set(f, (cur.frames.get(f) || 0) + 1);
    }
  }
  close();
  return stretches
    .sort((a, b) => b.samples - a.samples)
    .slice(0, count)
    .map((s) => ({
      cpuMs: Math.round((s.samples * intervalUs) / 100) / 10,
      wallMs: Math.round((s.end - s.start) / 100) / 10,
      atS: Math.round((s.start - profile.startTime) / 1e4) / 100,
      task: byId.get(s.task).callFrame.functionName || '(anonymous)',
      podpathShare: Math.round((s.ours / s.samples) * 100) / 100,
      gcShare: Math.round((s.gc / s.samples) * 100) / 100,
      podpathFrames: [...s.frames].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([f, n]) => `${f} ×${n}`),
    }));
}

module.exports = { busyStretches };

if (require.main === module) {
  const [file, count] = process.argv.slice(2);
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const s of busyStretches(profile, Number(process.env.PROFILE_INTERVAL_US || 500), Number(count || 8))) console.log(JSON.stringify(s));
}

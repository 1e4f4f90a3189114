import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisClock, ProviderAnswers } from '../../src/extension/provider-answers';
import { TimeSlices } from '../../src/extension/time-slices';

// The editor side of answering at typing speed: provider answers kept from the last complete
// analysis (stale while the worker is busy, then refreshed), and long main-thread work cut
// into slices. Both without an editor: their clocks and delays are handed in.

/** A promise with its resolve and reject at hand: the worker's answer, delivered when the test says. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

function harness() {
  const clock: AnalysisClock = { epoch: 1, updating: false };
  const fresh: string[] = [];
  /** The "too late" timers, fired by the test. */
  const timers: (() => void)[] = [];
  const answers = new ProviderAnswers(() => ({ ...clock }), (key) => fresh.push(key), 20, () => new Promise<void>((resolve) => timers.push(resolve)));
  const asked: string[] = [];
  const worker = new Map<string, ReturnType<typeof deferred<string>>>();
  /** Asks the "worker": the answer waits until the test resolves it. */
  const ask = (label: string) => () => {
    asked.push(label);
    const d = deferred<string>();
    worker.set(label, d);
    return d.promise;
  };
  const tick = () => new Promise((r) => setImmediate(r));
  return { clock, fresh, timers, answers, asked, worker, ask, tick };
}

test('provider answers: the first is waited for; a current one is reused without asking the worker', async () => {
  const h = harness();
  const first = h.answers.get('lens a', h.ask('1'));
  h.timers.forEach((t) => t());
  await h.tick();
  h.worker.get('1')!.resolve('A1');
  assert.deepEqual(await first, { value: 'A1', stale: false }, 'nothing earlier: the worker is waited for, however long');
  assert.deepEqual(await h.answers.get('lens a', h.ask('2')), { value: 'A1', stale: false });
  assert.deepEqual(h.asked, ['1'], 'no update since: the kept answer is current');
});

test('provider answers: while an update runs, the earlier answer comes at once, marked stale; the fresh one is announced and kept', async () => {
  const h = harness();
  const first = h.answers.get('lens a', h.ask('1'));
  h.worker.get('1')!.resolve('A1');
  await first;
  h.clock.epoch = 2;
  h.clock.updating = true;
  const during = h.answers.get('lens a', h.ask('2'));
  h.timers.forEach((t) => t()); // the zero wait of a running update
  assert.deepEqual(await during, { value: 'A1', stale: true });
  assert.deepEqual(h.fresh, [], 'nothing fresh yet');
  h.worker.get('2')!.resolve('A2');
  await h.tick();
  assert.deepEqual(h.fresh, ['lens a'], 'the editor is told to ask again');
  // It was asked while the update ran: usable, but not current for epoch 2 once the update is done.
  h.clock.updating = false;
  const after = h.answers.get('lens a', h.ask('3'));
  h.worker.get('3')!.resolve('A3');
  assert.deepEqual(await after, { value: 'A3', stale: false }, 'the worker answered before the wait was over');
  assert.deepEqual(h.asked, ['1', '2', '3']);
  assert.deepEqual(await h.answers.get('lens a', h.ask('4')), { value: 'A3', stale: false });
  assert.deepEqual(h.asked, ['1', '2', '3'], 'current now: not asked again');
});

test('provider answers: the same question while the worker is on it shares the request; a failed one leaves the earlier answer', async () => {
  const h = harness();
  const a = h.answers.get('hints a', h.ask('1'));
  const b = h.answers.get('hints a', h.ask('2'));
  h.worker.get('1')!.resolve('H1');
  assert.deepEqual([await a, await b], [{ value: 'H1', stale: false }, { value: 'H1', stale: false }]);
  assert.deepEqual(h.asked, ['1']);
  h.clock.epoch = 2;
  const c = h.answers.get('hints a', h.ask('3'));
  h.worker.get('3')!.reject(new Error('cancelled'));
  assert.deepEqual(await c, { value: 'H1', stale: true });
  await h.tick();
  assert.deepEqual(h.fresh, [], 'no fresh answer came');
});

test('provider answers: an answer asked earlier but arriving later never replaces a newer one', async () => {
  const h = harness();
  const seed = h.answers.get('hover p', h.ask('0'), false);
  h.worker.get('0')!.resolve('P0');
  await seed;
  h.clock.epoch = 2;
  const older = h.answers.get('hover p', h.ask('1'), false);
  h.clock.epoch = 3;
  const newer = h.answers.get('hover p', h.ask('2'), false);
  h.worker.get('2')!.resolve('P2');
  assert.deepEqual(await newer, { value: 'P2', stale: false });
  h.worker.get('1')!.resolve('P1');
  await older;
  assert.deepEqual(await h.answers.get('hover p', h.ask('3'), false), { value: 'P2', stale: false }, 'P1 came last but was asked first');
});

test('provider answers: renewed after an analysis, an unchanged answer needs no new question from the editor, and the next one comes at once', async () => {
  const h = harness();
  const same = (a: string, b: string) => a === b;
  const first = h.answers.get('lens a', h.ask('1'));
  h.worker.get('1')!.resolve('A');
  await first;
  assert.equal(await h.answers.renew('lens a', h.ask('never'), same), false, 'current already: nothing asked');
  assert.deepEqual(h.asked, ['1']);

  // A new analysis leaves the answer as it was: the editor is not told to ask again …
  h.clock.epoch = 2;
  const renewed = h.answers.renew('lens a', h.ask('2'), same);
  h.worker.get('2')!.resolve('A');
  assert.equal(await renewed, false);
  // … and when it asks anyway, the kept answer is current: no question to the worker, not stale.
  assert.deepEqual(await h.answers.get('lens a', h.ask('3')), { value: 'A', stale: false });
  assert.deepEqual(h.asked, ['1', '2']);

  // One that changes it: told, and the new answer is kept current.
  h.clock.epoch = 3;
  const changed = h.answers.renew('lens a', h.ask('4'), same);
  h.worker.get('4')!.resolve('B');
  assert.equal(await changed, true);
  assert.deepEqual(await h.answers.get('lens a', h.ask('5')), { value: 'B', stale: false });
  assert.deepEqual(h.asked, ['1', '2', '4']);
});

test('provider answers: renewing a question never answered says "ask", so does a failed worker; the editor asking meanwhile shares the request', async () => {
  const h = harness();
  const same = (a: string, b: string) => a === b;
  const renewed = h.answers.renew('hints b', h.ask('1'), same);
  const asked = h.answers.get('hints b', h.ask('2'));
  h.worker.get('1')!.resolve('H');
  assert.equal(await renewed, true, 'nothing was kept: the editor may show nothing yet');
  assert.deepEqual(await asked, { value: 'H', stale: false });
  assert.deepEqual(h.asked, ['1'], 'one request for both');
  h.clock.epoch = 2;
  const failed = h.answers.renew('hints b', h.ask('3'), same);
  h.worker.get('3')!.reject(new Error('worker restarted'));
  assert.equal(await failed, true, 'the kept answer is no longer current');
});

test('time slices: work gives way once a slice is used up, and only then', async () => {
  let now = 0;
  let gaveWay = 0;
  const slices = new TimeSlices(8, () => now, async () => {
    gaveWay++;
  });
  assert.equal(slices.due(), undefined, 'a fresh slice');
  now = 7.9;
  assert.equal(slices.due(), undefined);
  now = 8;
  const pause = slices.due();
  assert.ok(pause, 'used up: give way');
  await pause;
  assert.equal(gaveWay, 1);
  assert.equal(slices.due(), undefined, 'a new slice starts after giving way');
  now = 15.9;
  assert.equal(slices.due(), undefined);
  now = 16;
  await slices.due();
  assert.equal(slices.yields, 2);
});

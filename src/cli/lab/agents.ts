import * as fs from 'fs';
import * as path from 'path';

/**
 * The two small programs the lab runs inside namespaces with `ip netns exec <ns> node <file>`:
 * a responder in each destination namespace and a prober in each source namespace.
 *
 * Each is a self-contained function written out to a file as its own source text, so it runs
 * the same from tsc's output and from the webpack bundle. They receive `require` as a parameter
 * (a bundler rewrites only the free `require`) and must use nothing from this module's scope.
 *
 * Both die with the process that started them, however it ends (a signal, even SIGKILL, or a
 * crash): Node has no prctl(PR_SET_PDEATHSIG), so each agent watches instead — its standard
 * input is a pipe from the parent, which the kernel closes when the parent exits (end of file:
 * exit at once), and it checks every 200 ms that its parent PID has not changed (re-parented:
 * exit). The watch is armed by the environment variable below, so an agent run by hand with
 * stdin at end of file is not stopped by it.
 */

/** Set in an agent's environment by its parent: stop when the parent goes away. */
export const WATCH_PARENT_ENV = 'PODPATH_LAB_WATCH_PARENT';

/**
 * The watchdog both agents run first. Self-contained like them (it is written into their
 * files as source text), and it takes `proc` so it can be tested on its own.
 */
export function watchParent(proc: NodeJS.Process, envName: string): void {
  if (proc.env[envName] !== '1') return;
  const parent = proc.ppid;
  const leave = (): void => proc.exit(0);
  proc.stdin.on('end', leave);
  proc.stdin.on('close', leave);
  proc.stdin.on('error', leave);
  proc.stdin.resume();
  setInterval(() => {
    if (proc.ppid !== parent) leave();
  }, 200).unref();
}

/** One connection the prober opens. */
export interface ProbeSpec {
  /** Echoed back so results can be matched to flows. */
  id: string;
  protocol: 'tcp' | 'udp';
  host: string;
  port: number;
  timeoutMs: number;
  /** Bind the client to this address first. */
  localAddress?: string;
}

/** What the prober reports for one connection. */
export interface ProbeResult {
  id: string;
  outcome: 'answered' | 'refused' | 'unreachable' | 'timeout' | 'error';
  /** The responder's reply: its label and the client address it saw. */
  reply?: { label: string; peer: string; peerPort: number; local: string; localPort: number };
  localAddress?: string;
  localPort?: number;
  /**
   * Where the reply came from, as the client sees it: the source of the UDP datagram received,
   * or the peer of the TCP socket (a TCP reply from any other source never completes the
   * handshake, so an answered connection's peer is the reply's source).
   */
  replyFrom?: { address: string; port: number };
  error?: string;
}

/**
 * Responder: `node responder.js <label> <ready-file> <lifetime-seconds> tcp:80 udp:53 …`.
 * Listens on every address; answers each TCP connection and UDP datagram with one JSON line
 * naming itself and the client address it saw. Exits by itself after its lifetime.
 */
export function responderMain(req: NodeRequire, argv: string[]): void {
  const net = req('net') as typeof import('net');
  const dgram = req('dgram') as typeof import('dgram');
  const fsm = req('fs') as typeof import('fs');
  const [label, readyFile, lifetimeText, ...portSpecs] = argv;
  const lifetime = Math.min(Math.max(Number(lifetimeText) || 60, 1), 3600);
  setTimeout(() => process.exit(0), lifetime * 1000).unref();
  const answer = (peer: string, peerPort: number, local: string, localPort: number): string =>
    JSON.stringify({ label, peer: peer.replace(/^::ffff:/, ''), peerPort, local: local.replace(/^::ffff:/, ''), localPort }) + '\n';
  let pending = portSpecs.length;
  const listening = (): void => {
    pending -= 1;
    if (pending === 0) fsm.writeFileSync(readyFile, String(process.pid));
  };
  for (const spec of portSpecs) {
    const [protocol, portText] = spec.split(':');
    const port = Number(portText);
    if (protocol === 'udp') {
      // One dual-stack socket ('::' takes IPv4 as ::ffff:a.b.c.d) where the namespace has IPv6;
      // an IPv4 socket where it has none.
      const open = (type: 'udp4' | 'udp6'): void => {
        const sock = dgram.createSocket(type);
        let bound = false;
        sock.on('message', (_msg, rinfo) => {
          const a = sock.address();
          sock.send(answer(rinfo.address, rinfo.port, a.address, a.port), rinfo.port, rinfo.address);
        });
        sock.on('error', (e) => {
          if (!bound && type === 'udp6') { sock.close(); open('udp4'); return; }
          process.stderr.write(`udp ${port}: ${e.message}\n`); process.exit(3);
        });
        sock.bind(port, type === 'udp6' ? '::' : '0.0.0.0', () => { bound = true; listening(); });
      };
      open('udp6');
    } else {
      const server = net.createServer((socket) => {
        socket.on('error', () => undefined);
        socket.end(answer(socket.remoteAddress ?? '', socket.remotePort ?? 0, socket.localAddress ?? '', socket.localPort ?? 0));
      });
      server.on('error', (e) => { process.stderr.write(`tcp ${port}: ${e.message}\n`); process.exit(3); });
      // No host: '::' (both families) where the namespace has IPv6, else 0.0.0.0 (Node's net.Server.listen).
      server.listen(port, listening);
    }
  }
  if (portSpecs.length === 0) fsm.writeFileSync(readyFile, String(process.pid));
}

/**
 * Prober: `node probe.js <file holding a JSON ProbeSpec[]> [result file]`. Opens every connection
 * (at most 32 at a time), each with its own timeout, and writes one JSON array of ProbeResult to
 * the result file (renamed into place when complete) or to stdout. The whole run
 * is bounded too: whatever is still open at the deadline counts as a timeout.
 */
export function probeMain(req: NodeRequire, argv: string[]): void {
  const net = req('net') as typeof import('net');
  const dgram = req('dgram') as typeof import('dgram');
  const fsm = req('fs') as typeof import('fs');
  const specs = JSON.parse(fsm.readFileSync(argv[0] ?? '', 'utf8')) as ProbeSpec[];
  const results = new Map<string, ProbeResult>();
  const classify = (e: NodeJS.ErrnoException): ProbeResult['outcome'] =>
    e.code === 'ECONNREFUSED' ? 'refused' : e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH' ? 'unreachable' : e.code === 'ETIMEDOUT' ? 'timeout' : 'error';
  const parse = (text: string): ProbeResult['reply'] | undefined => {
    try {
      return JSON.parse(text.split('\n')[0]);
    } catch {
      return undefined;
    }
  };
  const finishAll = (): void => {
    const out = specs.map((s) => results.get(s.id) ?? { id: s.id, outcome: 'timeout' as const, error: 'still open at the deadline' });
    const resultFile = argv[1];
    if (resultFile) {
      fsm.writeFileSync(`${resultFile}.tmp`, JSON.stringify(out));
      fsm.renameSync(`${resultFile}.tmp`, resultFile);
      process.exit(0);
    }
    process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(0));
  };
  const maxTimeout = specs.reduce((m, s) => Math.max(m, s.timeoutMs), 0);
  const deadline = setTimeout(finishAll, Math.ceil(specs.length / 32) * (maxTimeout + 500) + 2000);
  let next = 0;
  let open = 0;
  const startMore = (): void => {
    while (open < 32 && next < specs.length) {
      const spec = specs[next++];
      open += 1;
      probeOne(spec, (r) => {
        results.set(spec.id, r);
        open -= 1;
        if (results.size === specs.length) {
          clearTimeout(deadline);
          finishAll();
        } else {
          startMore();
        }
      });
    }
  };
  const probeOne = (spec: ProbeSpec, done: (r: ProbeResult) => void): void => {
    let finished = false;
    const finish = (r: Omit<ProbeResult, 'id'>): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      done({ id: spec.id, ...r });
    };
    const timer = setTimeout(() => finish({ outcome: 'timeout' }), spec.timeoutMs);
    if (spec.protocol === 'udp') {
      const sock = dgram.createSocket(spec.host.includes(':') ? 'udp6' : 'udp4');
      const close = (): void => { try { sock.close(); } catch { /* already closed */ } };
      sock.on('error', (e: NodeJS.ErrnoException) => { close(); finish({ outcome: classify(e), error: e.code ?? e.message }); });
      sock.on('message', (msg, rinfo) => {
        const a = sock.address();
        close();
        const reply = parse(msg.toString('utf8'));
        finish(reply ? { outcome: 'answered', reply, localAddress: a.address, localPort: a.port, replyFrom: { address: rinfo.address, port: rinfo.port } } : { outcome: 'error', error: 'unreadable reply' });
      });
      const connect = (): void => sock.connect(spec.port, spec.host, () => sock.send(`probe ${spec.id}`));
      if (spec.localAddress) sock.bind(0, spec.localAddress, connect);
      else connect();
      setTimeout(close, spec.timeoutMs + 10).unref();
      return;
    }
    const socket = net.connect({ host: spec.host, port: spec.port, ...(spec.localAddress ? { localAddress: spec.localAddress } : {}) });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (!data.includes('\n')) return;
      const reply = parse(data);
      finish(reply ? { outcome: 'answered', reply, localAddress: socket.localAddress ?? '', localPort: socket.localPort ?? 0, replyFrom: { address: (socket.remoteAddress ?? '').replace(/^::ffff:/, ''), port: socket.remotePort ?? 0 } } : { outcome: 'error', error: 'unreadable reply' });
      socket.destroy();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => finish({ outcome: classify(e), error: e.code ?? e.message }));
    socket.on('close', () => finish({ outcome: 'error', error: 'closed without an answer' }));
    setTimeout(() => socket.destroy(), spec.timeoutMs + 10).unref();
  };
  if (specs.length === 0) finishAll();
  else startMore();
}

/** Writes both programs into `dir`; returns their paths. */
export function writeAgents(dir: string): { responder: string; probe: string } {
  fs.mkdirSync(dir, { recursive: true });
  const responder = path.join(dir, 'responder.js');
  const probe = path.join(dir, 'probe.js');
  const program = (fn: (req: NodeRequire, argv: string[]) => void, what: string) =>
    `// PodPath kernel lab: ${what} (generated; runs inside a lab network namespace)\n'use strict';\n` +
    `(${watchParent.toString()})(process, ${JSON.stringify(WATCH_PARENT_ENV)});\n(${fn.toString()})(require, process.argv.slice(2));\n`;
  fs.writeFileSync(responder, program(responderMain, 'responder'));
  fs.writeFileSync(probe, program(probeMain, 'prober'));
  return { responder, probe };
}

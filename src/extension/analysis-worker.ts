import * as os from 'os';
import { parentPort } from 'worker_threads';
import { AnalysisService } from './analysis-service';
import { WorkerServer } from './worker-server';
import type { Request } from './worker-protocol';

/**
 * The analysis worker's entry point (bundled as dist/worker.js): one AnalysisService, answering
 * the extension host's requests off its main thread. The protocol lives in worker-server.ts.
 */
const port = parentPort;
if (!port) throw new Error('analysis-worker.ts runs as a worker thread (see analysis-client.ts)');
// Analysis is background work: on a busy machine the editor's threads go first. On Linux a
// nice value belongs to the calling thread, so this lowers the worker only (elsewhere it would
// lower the whole extension host, so it is left alone).
if (process.platform === 'linux') {
  try {
    os.setPriority(0, 10);
  } catch {
    // not permitted: run at normal priority
  }
}

const server = new WorkerServer(new AnalysisService(), (response) => port.postMessage(response));
port.on('message', (request: Request) => server.receive(request));

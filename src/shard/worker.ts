// Worker-thread entry: runs one FlowEngine over the packets of its shard, advancing its capture clock over every
// packet of the capture (so a quiet shard still times flows out on the same packet as a single thread would),
// and sends back the rows of each batch. Uncaught errors are reported as {kind:'error'} before exiting non-zero.
import { parentPort, workerData } from 'node:worker_threads';
import { FlowEngine, type FlowRow } from '../flow/flow-engine.js';
import { PacketBatchReader } from './packet-batch.js';
import { createPacketMeta, SKIP } from '../types.js';
import { FINISH_STEP, TAIL_WINDOW, type MainToWorker, type WorkerInit, type WorkerToMain } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('pcapflow worker started outside a worker thread');
const init = workerData as WorkerInit;

function send(msg: WorkerToMain, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

function reportAndExit(err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  send({ kind: 'error', message: e.message, code: (e as { code?: string }).code ?? 'E_INTERNAL', stack: e.stack ?? '' });
  process.exit(1);
}
process.on('uncaughtException', reportAndExit);
process.on('unhandledRejection', reportAndExit);

// Fault injection for pcapflow's own tests of worker failure handling: PCAPFLOW_WORKER_FAULT=throw|exit makes
// shard 0 fail on its first batch.
const fault = init.shard === 0 ? process.env['PCAPFLOW_WORKER_FAULT'] : undefined;

let rows: FlowRow[] = [];
const engine = new FlowEngine(init.engine, (row) => rows.push(row));
const meta = createPacketMeta();
/** Tail pieces the pool may still receive unasked (see TAIL_WINDOW). */
let credits = 0;
let finished = false;

port.on('message', (msg: MainToWorker) => {
  if (msg.kind === 'batch') {
    if (fault === 'throw') throw new Error('injected worker fault');
    if (fault === 'exit') process.exit(3);
    const clock = new Float64Array(msg.clock, 0, msg.clockCount);
    const reader = new PacketBatchReader(msg.buffer, msg.count);
    let own = 0;
    let ownIndex = own < reader.count ? reader.index(own) : -1;
    for (let i = 0; i < msg.clockCount; i++) {
      const index = msg.firstIndex + i;
      if (index === ownIndex) {
        reader.read(own, meta);
        if (meta.skip === SKIP.NONE) engine.addPacket(index, reader.tsUs(own), meta);
        else engine.advanceClock(index, clock[i]!);
        own++;
        ownIndex = own < reader.count ? reader.index(own) : -1;
      } else {
        engine.advanceClock(index, clock[i]!);
      }
    }
    send({ kind: 'rows', seq: msg.seq, rows, buffer: msg.buffer }, [msg.buffer]);
    rows = [];
  } else if (msg.kind === 'end' || msg.kind === 'more') {
    // The open flows go back a piece at a time, at most TAIL_WINDOW pieces ahead of the pool's merge, so neither
    // thread holds every row at once and the workers format their tails side by side.
    credits += msg.kind === 'end' ? TAIL_WINDOW : 1;
    while (credits > 0 && !finished) {
      finished = engine.finishStep(FINISH_STEP);
      credits--;
      send({ kind: 'tail', rows, last: finished });
      rows = [];
      if (finished) {
        send({ kind: 'done', counters: { ...engine.counters } });
        port.close();
      }
    }
  }
});

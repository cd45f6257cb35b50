// Ack latency of /contact: signed slash-command requests into the real server (real Postgres and
// Redis, fake Slack Web API), timed from send to Slack's acknowledgement, and to views.open.
import { startHarness } from '../test/support/harness.js';
import { pct as percentile } from './common.js';

export interface AckBenchResult {
  requests: number;
  concurrency: number;
  ackP50: number;
  ackP99: number;
  ackMax: number;
  viewsOpenP50: number;
  viewsOpenP99: number;
}

export async function benchAck(requests = 1000, concurrency = 10): Promise<AckBenchResult> {
  const h = await startHarness();
  try {
    // Warm up JIT, pools and connections.
    for (let i = 0; i < 50; i++) await h.command('U0CLIN1');
    await new Promise((r) => setTimeout(r, 200));
    const acks: number[] = [];
    const opens: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < requests) {
        next++;
        const before = h.slack.calls.length;
        const t0 = performance.now();
        const res = await h.command('U0CLIN1');
        acks.push(performance.now() - t0);
        if (res.status !== 200) throw new Error(`ack status ${res.status}`);
        await h.slack.waitFor('views.open', before);
        opens.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    acks.sort((a, b) => a - b);
    opens.sort((a, b) => a - b);
    return {
      requests,
      concurrency,
      ackP50: percentile(acks, 50),
      ackP99: percentile(acks, 99),
      ackMax: acks.at(-1)!,
      viewsOpenP50: percentile(opens, 50),
      viewsOpenP99: percentile(opens, 99),
    };
  } finally {
    await h.stop();
  }
}

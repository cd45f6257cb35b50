// The sending side of the chat benchmarks, in its own process so its CPU is not carelog's:
//   node --import tsx bench/load-generator.ts <job.json>
// Sends each body as a Slack-signed POST (fresh signature per request), `concurrency` at a time,
// and prints one JSON document: for each body, when it was sent (epoch ms, sub-ms) and how long
// the answer took.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { z } from 'zod';
import { signSlackRequest } from '../test/support/slack-requests.js';

const ZJob = z.object({
  url: z.string(),
  signingSecret: z.string(),
  bodies: z.array(z.string()),
  concurrency: z.number().int().positive(),
});

const job = ZJob.parse(JSON.parse(readFileSync(process.argv[2]!, 'utf8')));
const target = new URL(job.url);
// Slack keeps connections to an app open; so does this sender.
const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
const now = () => performance.timeOrigin + performance.now();

function send(body: string): Promise<{ status: number; text: string }> {
  const ts = Math.floor(Date.now() / 1000);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'x-slack-request-timestamp': String(ts),
          'x-slack-signature': signSlackRequest(job.signingSecret, body, ts),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const results: { sentAt: number; ms: number; status: number; text: string }[] = new Array<{
  sentAt: number;
  ms: number;
  status: number;
  text: string;
}>(job.bodies.length);
let next = 0;
async function lane() {
  while (next < job.bodies.length) {
    const i = next++;
    const sentAt = now();
    const res = await send(job.bodies[i]!);
    results[i] = { sentAt, ms: now() - sentAt, status: res.status, text: res.text.slice(0, 200) };
  }
}
await Promise.all(Array.from({ length: job.concurrency }, lane));
agent.destroy();
process.stdout.write(JSON.stringify(results));

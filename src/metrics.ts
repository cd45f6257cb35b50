// Prometheus metrics (GET /metrics, text format 0.0.4), one registry per running carelog. Every
// label value comes from a fixed set carelog owns — a route it registered, a job name it defines,
// an outcome it names — never from a request: no user id, client code, URL or free text can become
// a label (and an unbounded label would also swamp Prometheus).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Queue } from 'bullmq';

/** What happened to one nudge or escalation DM (src/services/nudges.ts), plus `failed` for an error. */
export type TNudgeOutcome = 'sent' | 'already-sent' | 'recovered' | 'unreachable';

const NUDGE_LABEL: Record<TNudgeOutcome, string> = {
  sent: 'sent',
  'already-sent': 'already_sent',
  recovered: 'recovered',
  unreachable: 'unreachable',
};

/** Queue states shown by carelog_queue_jobs (BullMQ's names). */
const QUEUE_STATES = ['waiting', 'delayed', 'active', 'prioritized', 'failed', 'completed'] as const;

/** A scrape does not wait longer than this for Redis's job counts. */
const QUEUE_COUNT_TIMEOUT_MS = 1_000;

export interface Metrics {
  readonly registry: Registry;
  /** One HTTP request answered: `route` is the registered path (or `unmatched`), never the URL. */
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  /** Time from a Slack request's arrival to its acknowledgement. */
  slackAck(ms: number): void;
  /** A job run finished (BullMQ's completed / failed events). */
  jobFinished(name: string, outcome: 'completed' | 'failed', seconds: number | undefined): void;
  /** Outcomes of a batch of nudge DMs (an Error counts as `failed`; the job retries it). */
  nudges(results: readonly (TNudgeOutcome | Error)[]): void;
  /** A digest was posted to its channel. */
  digestPosted(kind: 'week' | 'quarter', platform?: string): void;
  /** Notes cleared by the programs' retention settings. */
  notesCleared(count: number): void;
  /** The exposition text for one scrape. */
  scrape(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsOptions {
  /** Job names carelog defines; any other name is counted as `other`. */
  jobNames: readonly string[];
  /** The queue whose job counts carelog_queue_jobs shows at each scrape. */
  queue?: Queue;
  /** Node's process metrics (CPU, memory, event loop lag, GC). @defaultValue true */
  processMetrics?: boolean;
}

const METHODS = new Set(['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

export function createMetrics(opts: MetricsOptions): Metrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const jobNames = new Set(opts.jobNames);

  const httpRequests = new Counter({
    name: 'carelog_http_requests_total',
    help: 'HTTP requests answered, by route (as registered), method and status code.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'carelog_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route (as registered).',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const slackAck = new Histogram({
    name: 'carelog_slack_ack_seconds',
    help: 'Time from a Slack request arriving at POST /slack/events to its acknowledgement (Slack gives up at 3 s).',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
    registers: [registry],
  });
  const jobs = new Counter({
    name: 'carelog_jobs_total',
    help: 'Job runs finished by this process, by job name and outcome (a failed run may be retried).',
    labelNames: ['job', 'outcome'] as const,
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: 'carelog_job_duration_seconds',
    help: 'Time a job run took, from start to completion or failure, by job name.',
    labelNames: ['job'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const nudges = new Counter({
    name: 'carelog_nudges_total',
    help: 'Follow-up nudge and escalation DMs by outcome: sent; recovered (found already sent after a crash); already_sent; unreachable (recipient cannot get a DM); failed (retried).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const digests = new Counter({
    name: 'carelog_digests_posted_total',
    help: 'Digests posted to a program channel, by kind (week, quarter) and platform.',
    labelNames: ['kind', 'platform'] as const,
    registers: [registry],
  });
  const notesCleared = new Counter({
    name: 'carelog_notes_cleared_total',
    help: "Contact notes cleared by the programs' retention settings (retention.notesDays).",
    registers: [registry],
  });
  // Zero series up front, so a rate() over a counter that has not moved yet still has a series.
  for (const r of [...Object.values(NUDGE_LABEL), 'failed']) nudges.labels(r).inc(0);
  for (const k of ['week', 'quarter']) digests.labels(k, 'slack').inc(0);

  const queue = opts.queue;
  if (queue) {
    new Gauge({
      name: 'carelog_queue_jobs',
      help: "Jobs in carelog's queue by state (the same for every process sharing the Redis; absent when Redis does not answer).",
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        const counts = await Promise.race([
          queue.getJobCounts(...QUEUE_STATES).catch(() => null),
          new Promise<null>((r) => setTimeout(() => r(null), QUEUE_COUNT_TIMEOUT_MS).unref()),
        ]);
        if (!counts) return;
        for (const s of QUEUE_STATES) this.labels(s).set(counts[s] ?? 0);
      },
    });
  }

  return {
    registry,
    contentType: registry.contentType,
    httpRequest(route, method, status, seconds) {
      const m = METHODS.has(method) ? method : 'other';
      httpRequests.labels(route, m, String(status)).inc();
      httpDuration.labels(route).observe(seconds);
    },
    slackAck(ms) {
      slackAck.observe(ms / 1000);
    },
    jobFinished(name, outcome, seconds) {
      const job = jobNames.has(name) ? name : 'other';
      jobs.labels(job, outcome).inc();
      if (seconds !== undefined && Number.isFinite(seconds) && seconds >= 0) jobDuration.labels(job).observe(seconds);
    },
    nudges(results) {
      for (const r of results) nudges.labels(r instanceof Error ? 'failed' : (NUDGE_LABEL[r] ?? 'failed')).inc();
    },
    digestPosted(kind, platform = 'slack') {
      digests.labels(kind, platform === 'teams' ? 'teams' : 'slack').inc();
    },
    notesCleared(count) {
      if (count > 0) notesCleared.inc(count);
    },
    scrape: () => registry.metrics(),
  };
}

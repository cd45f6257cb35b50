// The container's HEALTHCHECK: GET /livez on this process's own port (a worker's
// CARELOG_WORKER_PORT, else PORT), exit 0 when it answers 200 within 3 s. A port may be given as the
// first argument. Plain Node, no dependencies, so it runs in the slim runtime image as is.
const port = process.argv[2] || process.env.CARELOG_WORKER_PORT || process.env.PORT || '3000';
try {
  const res = await fetch(`http://127.0.0.1:${port}/livez`, { signal: AbortSignal.timeout(3_000) });
  process.exit(res.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}

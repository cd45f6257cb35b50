# syntax=docker/dockerfile:1
# carelog's production image (docs/operations.md, "Running in production").
#
#   deps       every dependency from the lock file, then `prisma generate` into src/generated
#              (scripts/prisma-generate.mjs: Prisma's built-in wasm, no engine download)
#   build      `npm run build`: the sources and the generated client compiled to dist/ (tsc), and
#              dist/src/main.js bundled with what it loads at start (esbuild, scripts/bundle.mjs)
#   prod-deps  the runtime dependencies only
#   runtime    those and dist/ (plain JavaScript, run by plain node); non-root; NODE_ENV=production
#
# Nothing is compiled or downloaded when a container starts. Migrations are not applied at start
# either: they are a release step (`node dist/src/db/migrate-cli.js`, the `migrate` service in
# compose.yaml), and web and worker refuse to start until it has run.
# Node 24, the Active LTS line (README, "Supported Node versions").
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

FROM base AS deps
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts/prisma-generate.mjs scripts/
COPY prisma prisma
# Install scripts off (no engine downloads, no native rebuilds); the one generate carelog needs runs
# explicitly after.
RUN npm ci --ignore-scripts && node scripts/prisma-generate.mjs

FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/ensure-build.mjs scripts/bundle.mjs scripts/bundle-options.mjs scripts/
COPY src src
COPY handlers handlers
COPY jobs jobs
RUN npm run build

FROM base AS prod-deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM base AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    CARELOG_CONFIG=/config/carelog.yml \
    CARELOG_DATA_DIR=/tmp/carelog
COPY --from=prod-deps /app/node_modules node_modules
COPY package.json ./
# Read at run time from the project root: the migrations (src/db/migrate.ts).
COPY prisma prisma
COPY scripts/healthcheck.mjs scripts/
COPY --from=build /app/dist dist
# The official Node images ship an unprivileged `node` user (uid 1000); the files stay root's.
USER node
EXPOSE 3000
# Liveness: the process answers GET /livez (a worker on CARELOG_WORKER_PORT). Readiness and
# dependencies are /healthz's, for the load balancer's monitoring (docs/operations.md, "Health checks").
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "scripts/healthcheck.mjs"]
# The web process; the worker runs the same image with: node dist/src/main.js --worker
CMD ["node", "dist/src/main.js"]

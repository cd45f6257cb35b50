// The production files, checked without Docker (none runs here): compose.yaml's services, Redis
// persistence, start order and healthchecks; the Dockerfile's stages, user, healthcheck and what it
// copies; .dockerignore; .env.example; the Caddyfile. Each check is something an edit elsewhere
// could silently break: a new top-level folder the sources import, a runtime import of a
// devDependency, a renamed script, a variable carelog no longer reads.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import proxyaddr from 'proxy-addr';
import { parse } from 'yaml';
import { ENV_VARIABLES, parseEnv } from '../../src/config.js';
import { QUEUE_DASHBOARD_PATH } from '../../src/http/queue-dashboard.js';
import { SLACK_EVENTS_PATH } from '../../src/platforms/slack/receiver.js';
import { TEAMS_MESSAGES_PATH } from '../../src/platforms/teams/http-adapter.js';

const ROOT = process.cwd();
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

type Service = {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string | string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  restart?: string;
  profiles?: string[];
  deploy?: { replicas?: number };
  ports?: string[];
};
const composeText = read('compose.yaml');
const compose = parse(composeText, { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const CARELOG_SERVICES = ['migrate', 'web', 'worker'] as const;
/** Variables compose itself reads from .env (not carelog's). */
const COMPOSE_ONLY = ['POSTGRES_PASSWORD', 'CARELOG_DOMAIN'];

/** `node <file> [args]` of a package.json script, as [file, ...args]: the built JavaScript under dist/. */
function scriptEntry(name: string): string[] {
  const m = /^node\s+(dist\/\S+\.js)(\s.*)?$/.exec(pkg.scripts[name] ?? '');
  if (!m) throw new Error(`package.json script ${name} is not "node dist/<file>.js": ${pkg.scripts[name]}`);
  return [m[1]!, ...(m[2] ?? '').trim().split(/\s+/).filter(Boolean)];
}

/** `node <file> [args]` of a container command (plain node, no TypeScript loader), as [file, ...args]. */
function commandEntry(command: string[] | undefined): string[] {
  expect(command?.[0]).toBe('node');
  expect(command![1], 'a built file under dist/, not a loader flag').toMatch(/^dist\/.+\.js$/);
  return command!.slice(1);
}

/** The TypeScript source a dist/ file is compiled from (tsconfig.build.json: rootDir ".", outDir "dist"). */
const sourceOf = (built: string) => built.replace(/^dist\//, '').replace(/\.js$/, '.ts');

describe('compose.yaml', () => {
  it('has web, worker, the migrate release step, Postgres and Redis', () => {
    for (const s of ['postgres', 'redis', 'migrate', 'web', 'worker']) expect(services[s], s).toBeDefined();
    for (const s of CARELOG_SERVICES) {
      expect(services[s]!.build, `${s} builds this repository's Dockerfile`).toBe('.');
      expect(services[s]!.environment?.NODE_ENV).toBe('production');
    }
  });

  it('runs Redis with AOF persistence and noeviction, on a volume', () => {
    const cmd = services.redis!.command!;
    const flag = (name: string) => cmd[cmd.indexOf(name) + 1];
    expect(cmd[0]).toBe('redis-server');
    expect(cmd).toContain('--appendonly');
    expect(flag('--appendonly')).toBe('yes');
    expect(flag('--maxmemory-policy')).toBe('noeviction');
    const volume = services.redis!.volumes!.find((v) => v.endsWith(':/data'));
    expect(volume, 'Redis keeps /data (its AOF) on a volume').toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(volume!.split(':')[0]);
  });

  it('keeps Postgres on a named volume, and both have healthchecks', () => {
    const volume = services.postgres!.volumes!.find((v) => v.endsWith(':/var/lib/postgresql/data'));
    expect(volume).toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(volume!.split(':')[0]);
    expect(services.postgres!.healthcheck?.test?.join(' ')).toContain('pg_isready');
    expect(services.redis!.healthcheck?.test?.join(' ')).toContain('redis-cli ping');
  });

  it('applies migrations as a release step running the script npm run db:migrate runs, once', () => {
    const migrate = services.migrate!;
    expect(commandEntry(migrate.command)).toEqual(scriptEntry('db:migrate'));
    expect(existsSync(path.join(ROOT, sourceOf(commandEntry(migrate.command)[0]!)))).toBe(true);
    expect(migrate.restart).toBe('no');
    expect(migrate.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it('starts web and worker only after the migration succeeded and Postgres and Redis are healthy', () => {
    for (const s of ['web', 'worker']) {
      const deps = services[s]!.depends_on!;
      expect(deps.migrate?.condition, s).toBe('service_completed_successfully');
      expect(deps.postgres?.condition, s).toBe('service_healthy');
      expect(deps.redis?.condition, s).toBe('service_healthy');
    }
  });

  it('runs web without workers and the worker as npm run worker does', () => {
    expect(commandEntry(services.web!.command)).toEqual(scriptEntry('start'));
    expect(parseEnv(services.web!.environment!).CARELOG_WORKERS).toBe(false);
    expect(services.web!.deploy?.replicas).toBeGreaterThanOrEqual(2);
    // Replicas cannot share a host port: web is reached through the proxy, not published.
    expect(services.web!.ports).toBeUndefined();
    expect(commandEntry(services.worker!.command)).toEqual(scriptEntry('worker'));
  });

  it('checks each carelog process on the port it listens on', () => {
    const port = (s: string) => services[s]!.healthcheck!.test!.at(-1);
    for (const s of ['web', 'worker'])
      expect(services[s]!.healthcheck!.test!.slice(0, 3)).toEqual(['CMD', 'node', 'scripts/healthcheck.mjs']);
    expect(port('web')).toBe(String(parseEnv(services.web!.environment!).PORT));
    expect(port('worker')).toBe(String(parseEnv(services.worker!.environment!).CARELOG_WORKER_PORT));
    expect(services.migrate!.healthcheck?.disable).toBe(true);
  });

  it('sets only variables carelog reads, and takes secrets from .env', () => {
    for (const s of CARELOG_SERVICES) {
      for (const k of Object.keys(services[s]!.environment ?? {})) expect(ENV_VARIABLES, `${s}: ${k}`).toContain(k);
      expect(services[s]!.env_file).toBe('.env');
      // No secret written into the file itself.
      for (const [k, v] of Object.entries(services[s]!.environment ?? {})) {
        if (/TOKEN|SECRET|PASSWORD|KEY/.test(k)) expect(v, k).toMatch(/^\$\{/);
      }
    }
    expect(composeText).not.toMatch(/xox[bpa]-[A-Za-z0-9]/);
  });

  it('interpolates only variables that .env.example lists or that have a default', () => {
    const example = read('.env.example');
    for (const m of composeText.matchAll(/\$\{([A-Z0-9_]+)(:?[-?][^}]*)?\}/g)) {
      const [, name, modifier] = m;
      if (modifier?.startsWith(':-')) continue;
      expect(example, `${name} is in .env.example`).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
    }
  });

  it('puts Caddy (profile https) in front of web, proxying only Slack, Teams and the dashboard', () => {
    const proxy = services.proxy!;
    expect(proxy.profiles).toEqual(['https']);
    expect(proxy.depends_on?.web?.condition).toBe('service_healthy');
    const mount = proxy.volumes!.find((v) => v.endsWith(':/etc/caddy/Caddyfile:ro'))!;
    const caddyfile = read(mount.split(':')[0]!);
    expect(caddyfile).toContain(`dynamic a web ${parseEnv(services.web!.environment!).PORT}`);
    const matcher = /@carelog path (.+)/.exec(caddyfile)![1]!.split(/\s+/);
    expect(matcher).toEqual([
      SLACK_EVENTS_PATH,
      TEAMS_MESSAGES_PATH,
      QUEUE_DASHBOARD_PATH,
      `${QUEUE_DASHBOARD_PATH}/*`,
    ]);
  });

  it('has web believe X-Forwarded-* from Caddy on the compose network only, and Caddy set them itself', () => {
    const trusted = parseEnv(services.web!.environment!).CARELOG_TRUST_PROXY;
    expect(Array.isArray(trusted), 'a list of addresses, not a hop count').toBe(true);
    const trust = proxyaddr.compile(trusted as string[]);
    // Docker's networks (172.16.0.0/12, 192.168.0.0/16, 10.0.0.0/8), where Caddy connects from.
    for (const caddy of ['172.18.0.5', '192.168.16.3', '10.0.3.7']) expect(trust(caddy, 0), caddy).toBe(true);
    // Never a public address: a client reaching web some other way is not believed.
    for (const client of ['203.0.113.9', '8.8.8.8']) expect(trust(client, 0), client).toBe(false);
    const caddyfile = read(
      services.proxy!.volumes!.find((v) => v.endsWith(':/etc/caddy/Caddyfile:ro'))!.split(':')[0]!,
    );
    // Without trusted_proxies Caddy replaces a client's X-Forwarded-For and -Proto.
    expect(caddyfile.replace(/^\s*#.*$/gm, '')).not.toMatch(/trusted_proxies|header_up\s+X-Forwarded/i);
  });
});

describe('.env.example', () => {
  const lines = read('.env.example')
    .split('\n')
    .map((l) => /^(#\s?)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m);

  it('names only variables carelog or compose reads', () => {
    expect(lines.length).toBeGreaterThan(8);
    for (const m of lines) expect([...ENV_VARIABLES, ...COMPOSE_ONLY], m[2]).toContain(m[2]);
  });

  it('gives values carelog accepts (empty ones mean unset)', () => {
    const set = Object.fromEntries(
      lines.filter((m) => !m[1] && m[3] !== '' && !COMPOSE_ONLY.includes(m[2]!)).map((m) => [m[2]!, m[3]!]),
    );
    expect(() =>
      parseEnv({ ...set, CARELOG_METRICS_TOKEN: '', CARELOG_ADMIN_USER: '', CARELOG_ADMIN_PASSWORD: '' }),
    ).not.toThrow();
    for (const required of ['SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN', 'CARELOG_ENCRYPTION_KEY', 'POSTGRES_PASSWORD']) {
      expect(
        lines.some((m) => !m[1] && m[2] === required),
        required,
      ).toBe(true);
    }
  });
});

// ---- Dockerfile ----

interface Stage {
  name: string;
  lines: { instr: string; args: string }[];
}

function dockerStages(text: string): Stage[] {
  // Join continuation lines, drop comments.
  const joined = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const l of joined) {
    const [instr, ...rest] = l.split(/\s+/);
    const args = rest.join(' ');
    if (instr!.toUpperCase() === 'FROM')
      stages.push({ name: /\sAS\s+(\S+)/i.exec(` ${args}`)?.[1] ?? String(stages.length), lines: [] });
    else if (stages.length) stages.at(-1)!.lines.push({ instr: instr!.toUpperCase(), args });
  }
  return stages;
}

/** Whether a path is excluded by .dockerignore (root-anchored patterns, * within a segment). */
function dockerIgnored(file: string, patterns: string[]): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const p = (negate ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    const re = new RegExp(
      `^${p
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*/g, '\uE000')
        .replace(/\*/g, '[^/]*')
        .replace(/\uE000/g, '.*')}(/.*)?$`,
    );
    if (re.test(file)) ignored = !negate;
  }
  return ignored;
}

/** Every file of the repository under `p` (a file or a folder), relative to the root. */
function filesUnder(p: string): string[] {
  const full = path.join(ROOT, p);
  if (!statSync(full).isDirectory()) return [p];
  return readdirSync(full).flatMap((n) => filesUnder(path.join(p, n)));
}

const dockerfile = dockerStages(read('Dockerfile'));
const runtime = dockerfile.at(-1)!;
const ignore = read('.dockerignore')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const copies = (stage: Stage) =>
  stage.lines
    .filter((l) => l.instr === 'COPY')
    .map((l) => {
      const from = /--from=(\S+)/.exec(l.args)?.[1];
      const parts = l.args.replace(/--\S+/g, '').trim().split(/\s+/);
      return { from, sources: parts.slice(0, -1), dest: parts.at(-1)! };
    });
const jsonArgs = (args: string) => JSON.parse(args) as string[];
const build = () => dockerfile.find((s) => s.name === 'build')!;

describe('Dockerfile', () => {
  it('is multi-stage: dependencies with npm ci and prisma generate, a build, runtime dependencies without dev ones', () => {
    expect(dockerfile.map((s) => s.name)).toEqual(['base', 'deps', 'build', 'prod-deps', 'runtime']);
    const deps = dockerfile.find((s) => s.name === 'deps')!;
    const run = deps.lines
      .filter((l) => l.instr === 'RUN')
      .map((l) => l.args)
      .join(' && ');
    expect(run).toMatch(/npm ci\b/);
    // The generate the postinstall script runs (and downloads nothing for); the rest of postinstall
    // (the embedded database template) is for development and not in the image.
    expect(pkg.scripts.postinstall).toContain('node scripts/prisma-generate.mjs');
    expect(run).toContain('node scripts/prisma-generate.mjs');
    const prod = dockerfile.find((s) => s.name === 'prod-deps')!;
    expect(
      prod.lines
        .filter((l) => l.instr === 'RUN')
        .map((l) => l.args)
        .join(' '),
    ).toMatch(/npm ci --omit=dev/);
    expect(copies(runtime)).toContainEqual({ from: 'prod-deps', sources: ['/app/node_modules'], dest: 'node_modules' });
    // The build stage compiles the sources and the generated client (npm run build); the runtime
    // holds the result, not the TypeScript.
    const build = dockerfile.find((s) => s.name === 'build')!;
    expect(build.lines.filter((l) => l.instr === 'RUN').map((l) => l.args)).toContain('npm run build');
    expect(pkg.scripts.build).toContain('tsc -p tsconfig.build.json');
    expect(copies(runtime)).toContainEqual({ from: 'build', sources: ['/app/dist'], dest: 'dist' });
    expect(
      copies(runtime)
        .filter((c) => !c.from)
        .flatMap((c) => c.sources),
    ).not.toContain('src');
  });

  it('runs on Node 24 (the Active LTS line, README "Supported Node versions"), one the engines field allows', () => {
    const image = /^ARG NODE_IMAGE=node:(\d+)[-.]/m.exec(read('Dockerfile'));
    expect(image?.[1]).toBe('24');
    const engines = (pkg as unknown as { engines: { node: string } }).engines.node;
    expect(Number(image![1])).toBeGreaterThanOrEqual(Number(/>=(\d+)/.exec(engines)![1]));
    expect(read('Dockerfile')).toMatch(/^FROM \$\{NODE_IMAGE\} AS base$/m);
  });

  it('runs as a non-root user with NODE_ENV=production', () => {
    const users = runtime.lines.filter((l) => l.instr === 'USER').map((l) => l.args);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    expect(
      runtime.lines
        .filter((l) => l.instr === 'ENV')
        .map((l) => l.args)
        .join(' '),
    ).toMatch(/NODE_ENV=production\b/);
  });

  it('checks /livez through a script the image holds, and starts carelog as npm start does, downloading nothing', () => {
    const hc = runtime.lines.find((l) => l.instr === 'HEALTHCHECK')!;
    const test = jsonArgs(hc.args.slice(hc.args.indexOf('CMD') + 3).trim());
    expect(test).toEqual(['node', 'scripts/healthcheck.mjs']);
    expect(read('scripts/healthcheck.mjs')).toContain('/livez');
    const cmd = jsonArgs(runtime.lines.find((l) => l.instr === 'CMD')!.args);
    expect(commandEntry(cmd)).toEqual(scriptEntry('start'));
    for (const l of runtime.lines.filter((x) => x.instr === 'CMD' || x.instr === 'ENTRYPOINT')) {
      expect(l.args).not.toMatch(/npm (i|install|ci)\b|npx|curl|wget|prisma/);
    }
  });

  it('copies into the build stage every script npm run build runs, and the scripts those import', () => {
    const build = dockerfile.find((s) => s.name === 'build')!;
    const earlier = dockerfile.slice(0, dockerfile.indexOf(build) + 1);
    const copied = new Set(
      earlier
        .flatMap((stage) => copies(stage).filter((c) => !c.from))
        .flatMap((c) => c.sources)
        .map((src) => path.normalize(src)),
    );
    const wanted = new Set<string>();
    const visit = (script: string) => {
      if (wanted.has(script)) return;
      wanted.add(script);
      for (const m of read(script).matchAll(/from '\.\/([\w.-]+\.mjs)'/g)) visit(path.join('scripts', m[1]!));
    };
    for (const m of pkg.scripts.build!.matchAll(/node (scripts\/[\w.-]+\.mjs)/g)) visit(m[1]!);
    expect(wanted.size).toBeGreaterThanOrEqual(3);
    expect([...wanted].filter((f) => !copied.has(path.normalize(f)) && !copied.has('scripts'))).toEqual([]);
  });

  it('copies files that exist and that .dockerignore lets through', () => {
    for (const stage of dockerfile) {
      for (const c of copies(stage).filter((x) => !x.from)) {
        for (const src of c.sources) {
          expect(existsSync(path.join(ROOT, src)), `${stage.name}: COPY ${src}`).toBe(true);
          const files = filesUnder(src).filter((f) => !f.includes(`${path.sep}generated${path.sep}`));
          expect(
            files.filter((f) => dockerIgnored(f, ignore)),
            `${stage.name}: COPY ${src}`,
          ).toEqual([]);
        }
      }
    }
    // …and that the secrets, local data and host-built files stay out of the build context.
    for (const f of [
      '.env',
      'carelog.yml',
      'data/pglite/x',
      'node_modules/x/index.js',
      'src/generated/prisma/client.ts',
      '.git/HEAD',
    ]) {
      expect(dockerIgnored(f, ignore), f).toBe(true);
    }
  });

  it('holds every folder the sources import from, and the migrations', () => {
    const copied = new Set(
      copies(runtime)
        .filter((c) => !c.from)
        .flatMap((c) => c.sources),
    );
    const entry = commandEntry(jsonArgs(runtime.lines.find((l) => l.instr === 'CMD')!.args))[0]!;
    expect(
      copies(build())
        .filter((c) => !c.from)
        .flatMap((c) => c.sources),
    ).toContain(sourceOf(entry).split('/')[0]!);
    // What the sources import is compiled in the build stage, and reaches the runtime in dist/.
    const compiled = new Set(
      copies(build())
        .filter((c) => !c.from)
        .flatMap((c) => c.sources),
    );
    const roots = new Set<string>();
    for (const dir of ['src', 'handlers', 'jobs']) {
      for (const f of filesUnder(dir).filter(
        (x) => x.endsWith('.ts') && !x.includes(`${path.sep}generated${path.sep}`),
      )) {
        for (const m of read(f).matchAll(
          /(?:^|\n)\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g,
        )) {
          const target = path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, f)), m[1] ?? m[2]!));
          roots.add(target.split(path.sep)[0]!);
        }
      }
    }
    for (const r of roots) expect(compiled, `the sources import from ${r}/`).toContain(r);
    // tsconfig.build.json compiles the same folders.
    const buildConfig = JSON.parse(read('tsconfig.build.json').replace(/^\s*\/\/.*$/gm, '')) as { include: string[] };
    for (const r of roots) expect(buildConfig.include, `tsconfig.build.json compiles ${r}/`).toContain(r);
    // src/db/migrate.ts reads prisma/migrations at run time.
    expect(copied).toContain('prisma');
  });

  it('needs no devDependency at run time (the image installs with --omit=dev)', () => {
    const builtins = new Set(builtinModules);
    const used = new Set<string>();
    for (const dir of ['src', 'handlers', 'jobs']) {
      for (const f of filesUnder(dir).filter((x) => x.endsWith('.ts'))) {
        for (const m of read(f).matchAll(
          /(?:^|\n)\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^'.][^']*)'|import\('([^'.][^']*)'\)/g,
        )) {
          const spec = m[1] ?? m[2]!;
          if (spec.startsWith('node:') || builtins.has(spec)) continue;
          used.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        }
      }
    }
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(Object.keys(pkg.dependencies), `${name} is imported at run time`).toContain(name);
    // The image runs compiled JavaScript: the TypeScript loader is for development only.
    expect(Object.keys(pkg.devDependencies)).toContain('tsx');
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
  });
});

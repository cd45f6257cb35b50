// carelog's layers, checked by `npm run lint` (dependency-cruiser; docs/architecture.md draws them):
//
//   handlers/, jobs/  →  src/services/  →  src/domain/
//          ↘ src/platforms/ ↗      ↘ src/views/ → src/domain/
//
// Work enters through handlers (a person) and jobs (the clock); both call services, which own the
// data and use the domain's pure rules. Views are platform-neutral models built from the domain;
// platforms render them and call services. src/carelog.ts wires it all together and is the only
// module that hands handlers and jobs to the platforms and the workers.
//
// Imports of types count too (tsPreCompilationDeps): a type import is a dependency on the module's
// meaning even when the compiled code drops it.
/** carelog's own code outside src/domain/ (the generated Prisma client included). */
const CARELOG = '^(src|handlers|jobs)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'An import cycle: modules that need each other load in an order that decides what works. Break it at its root (move the shared part down a layer, or inject it).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'src/domain/ holds pure rules: it imports only other domain modules (and no database, queue or chat library).',
      from: { path: '^src/domain/' },
      to: {
        pathNot: '^src/domain/',
        path: [CARELOG, '^node_modules/(@prisma|prisma|bullmq|ioredis|pg|@slack|@microsoft|express)/'],
      },
    },
    {
      name: 'views-use-only-the-domain',
      severity: 'error',
      comment:
        "src/views/ builds platform-neutral models from the domain alone (and throws carelog's one error type, src/errors.ts); a service or the config passes in what a view needs.",
      from: { path: '^src/views/' },
      to: { path: CARELOG, pathNot: ['^src/views/', '^src/domain/', '^src/errors\\.ts$'] },
    },
    {
      name: 'services-below-entry-points-and-platforms',
      severity: 'error',
      comment:
        'A service never imports a handler, a job or a platform: a platform reaches services through the Messenger interface (src/services/messenger.ts) given to them in CarelogDeps.',
      from: { path: '^src/services/' },
      to: { path: ['^handlers/', '^jobs/', '^src/platforms/'] },
    },
    {
      name: 'platforms-below-entry-points',
      severity: 'error',
      comment:
        'A platform adapter never imports a handler or a job: src/carelog.ts hands the handlers to the Slack and Teams apps.',
      from: { path: '^src/platforms/' },
      to: { path: ['^handlers/', '^jobs/'] },
    },
    {
      name: 'entry-points-call-services-not-the-database',
      severity: 'error',
      comment:
        "Handlers and jobs call services; the database (src/db/, the generated Prisma client, Prisma itself, pg) is the services' business.",
      from: { path: ['^handlers/', '^jobs/'] },
      to: { path: ['^src/db/', '^src/generated/', '^node_modules/(@prisma|prisma|pg)/'] },
    },
    {
      name: 'only-the-composition-root-loads-entry-points',
      severity: 'error',
      comment: 'handlers/ and jobs/ are wired in by src/carelog.ts alone.',
      from: { path: '^src/', pathNot: '^src/carelog\\.ts$' },
      to: { path: ['^handlers/', '^jobs/'] },
    },
  ],
  options: {
    // The generated Prisma client is not followed into, but imports of it are seen.
    doNotFollow: { path: ['node_modules', '^src/generated/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Dynamic import() counts like a static one (src/carelog.ts loads the Teams platform lazily).
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};

// The only reader of process.env in carelog. Environment and the program file (carelog.yml) are
// parsed once, with zod, at start; anything wrong stops the process with a message that names the
// variable or the key path and what is wrong with it. The parts live in src/config/: env.ts (the
// variables), program.ts (carelog.yml), platforms.ts (which chat platforms), load.ts (both, checked
// together).
import { loadConfigFrom, type Config } from './config/load.js';

export { ENV_VARIABLES, parseEnv, type TEnv } from './config/env.js';
export { parseProgramFile, type ProgramConfig } from './config/program.js';
export {
  devModesExposed,
  isLoopbackHost,
  LOOPBACK_HOST,
  platformModes,
  usesSlack,
  usesTeams,
  type TSlackMode,
  type TTeamsMode,
} from './config/platforms.js';
export type { Config } from './config/load.js';

/** Reads env and carelog.yml. `source` defaults to process.env; tests pass their own. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config & { warnings: string[] } {
  return loadConfigFrom(source);
}

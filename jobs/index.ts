// Every job carelog runs. Adding one: write jobs/<name>.ts exporting a JobDefinition, and list it
// here (CONTRIBUTING.md has the checklist). Follow-up reminders and digests arrive with their issues.
import type { JobDefinition } from '../src/queue/job.js';

export const JOBS: JobDefinition[] = [];

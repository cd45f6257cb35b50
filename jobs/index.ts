// Every job carelog runs. Adding one: write jobs/<name>.ts exporting a JobDefinition, and list it
// here (CONTRIBUTING.md has the checklist).
import type { JobDefinition } from '../src/queue/job.js';
import { followUpNudge } from './followup-nudge.js';
import { notesRetentionJob } from './notes-retention.js';
import { postDigestJob } from './post-digest.js';
import { reconcileRemindersJob } from './reconcile-reminders.js';
import { referralCheck } from './referral-check.js';

export const JOBS: JobDefinition[] = [
  followUpNudge,
  referralCheck,
  reconcileRemindersJob,
  postDigestJob,
  notesRetentionJob,
];

// npm run test:faults: a fresh report at the start, the figures as a table at the end.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { FAULTS_REPORT_FILE, formatFigure, type FaultFigure } from '../support/faults.js';

export default function setup(): () => void {
  rmSync(FAULTS_REPORT_FILE, { force: true });
  return () => {
    if (!existsSync(FAULTS_REPORT_FILE)) return;
    const figures = readFileSync(FAULTS_REPORT_FILE, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as FaultFigure);
    const failed = figures.filter((f) => !f.ok).length;
    process.stdout.write(
      `\nreliability and security figures (${FAULTS_REPORT_FILE}):\n${figures.map((f) => `  ${formatFigure(f)}`).join('\n')}\n` +
        `  ${figures.length - failed} of ${figures.length} figures met their goal\n`,
    );
  };
}

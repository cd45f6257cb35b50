// The file an export goes to: created new and private, never through a link, replaced (not written
// into) with --force, and gone again when the export fails after claiming it.
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCarelogError } from '../../src/errors.js';
import { claimPrivateFile } from '../../src/services/private-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-private-file-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isCarelogError(err, 'output_refused')) return err.message;
    throw err;
  }
  throw new Error('not refused');
}

describe('claimPrivateFile', () => {
  it('creates a new file with mode 0600 whatever the umask', () => {
    const file = path.join(dir, 'a.csv');
    const before = process.umask(0);
    try {
      claimPrivateFile(file, { force: false }).write('x');
    } finally {
      process.umask(before);
    }
    expect([readFileSync(file, 'utf8'), statSync(file).mode & 0o777]).toEqual(['x', 0o600]);
  });

  it('refuses a link (also with force), something not a file, a missing folder and, without force, an existing file', () => {
    const target = path.join(dir, 'target');
    writeFileSync(target, 'keep');
    symlinkSync(target, path.join(dir, 'link'));
    symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling'));
    expect(refusal(() => claimPrivateFile(path.join(dir, 'link'), { force: true }))).toMatch(
      /is a symbolic link: name the file itself/,
    );
    expect(refusal(() => claimPrivateFile(path.join(dir, 'dangling'), { force: false }))).toMatch(/is a symbolic link/);
    expect(refusal(() => claimPrivateFile(target, { force: false }))).toMatch(
      /already exists: name a new file, or add --force/,
    );
    expect(refusal(() => claimPrivateFile(dir, { force: true }))).toMatch(/is not a regular file/);
    expect(refusal(() => claimPrivateFile('/dev/null', { force: true }))).toMatch(/send stdout to \/dev\/null/);
    expect(refusal(() => claimPrivateFile(path.join(dir, 'no', 'such.csv'), { force: false }))).toMatch(
      /no does not exist: create the folder/,
    );
    expect(readFileSync(target, 'utf8')).toBe('keep');
    expect(existsSync(path.join(dir, 'nowhere'))).toBe(false);
  });

  it('with force, replaces the file by a new one: other links keep the old content', () => {
    const file = path.join(dir, 'old.csv');
    writeFileSync(file, 'old', { mode: 0o644 });
    linkSync(file, path.join(dir, 'other-link'));
    claimPrivateFile(file, { force: true }).write('new');
    expect([readFileSync(file, 'utf8'), statSync(file).mode & 0o777]).toEqual(['new', 0o600]);
    expect(readFileSync(path.join(dir, 'other-link'), 'utf8')).toBe('old');
    expect(readdirSync(dir).sort()).toEqual(['old.csv', 'other-link']);
  });

  it('leaves nothing behind when abandoned, and the old file untouched', () => {
    claimPrivateFile(path.join(dir, 'new.csv'), { force: false }).abandon();
    const file = path.join(dir, 'old.csv');
    writeFileSync(file, 'old');
    claimPrivateFile(file, { force: true }).abandon();
    expect(readdirSync(dir)).toEqual(['old.csv']);
    expect([readFileSync(file, 'utf8'), lstatSync(file).isFile()]).toEqual(['old', true]);
  });
});

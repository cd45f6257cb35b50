// A file that holds client data (an export): readable by its owner only, never written through a
// symbolic link, never poured into a file that already exists (someone else's, or one with a wider
// mode). Node's fs has no "create private file" helper and the libraries that write files
// atomically (write-file-atomic and the like) follow links and keep the old file's mode, so this is
// our own: the open flags do the work.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  lstatSync,
  openSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';
import { CarelogError } from '../errors.js';

/** Owner read and write, nothing for anyone else. */
export const PRIVATE_FILE_MODE = 0o600;
// O_NOFOLLOW is missing on Windows; there, O_EXCL alone refuses an existing link.
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** A file claimed before any client data is read: write it once, or abandon it. */
export interface PrivateFile {
  write(data: string | Uint8Array): void;
  /** Removes what was claimed (after a failure): no empty or partial file is left behind. */
  abandon(): void;
}

function refused(message: string): CarelogError {
  return new CarelogError('output_refused', message);
}

function lstatOrNull(file: string): Stats | null {
  try {
    return lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw refused(
      `cannot inspect ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}): name a file in a folder you can read`,
    );
  }
}

/**
 * Claims `file` for writing. Refuses a symbolic link (always), anything that is not a regular file,
 * and an existing file unless `force`. A new file is created exclusively (O_EXCL, O_NOFOLLOW) with
 * mode 0600; with `force`, the data goes to a new private file beside the old one, which then
 * replaces it by rename: the old file's mode, owner and other links are never written through.
 */
export function claimPrivateFile(file: string, opts: { force: boolean }): PrivateFile {
  const existing = lstatOrNull(file);
  if (existing?.isSymbolicLink())
    throw refused(`${file} is a symbolic link: name the file itself (carelog never writes through a link)`);
  if (existing && !existing.isFile()) {
    throw refused(
      `${file} is not a regular file: name a new file (to discard the output, leave out --out and send stdout to /dev/null)`,
    );
  }
  if (existing && !opts.force) throw refused(`${file} already exists: name a new file, or add --force to replace it`);

  const target = existing
    ? path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
    : file;
  let fd: number | null;
  try {
    fd = openSync(target, CREATE_NEW, PRIVATE_FILE_MODE);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'EEXIST' || code === 'ELOOP')
      throw refused(`${file} appeared while carelog was preparing it: name a new file`);
    if (code === 'ENOENT')
      throw refused(`${path.dirname(file)} does not exist: create the folder or name a file in another`);
    if (code === 'EACCES' || code === 'EPERM')
      throw refused(`cannot create ${file} (permission denied): name a file in a folder you can write to`);
    throw refused(`cannot create ${file} (${code}): name another file`);
  }
  // The umask may have narrowed the mode; make it exactly 0600.
  fchmodSync(fd, PRIVATE_FILE_MODE);

  let written = false;
  const close = () => {
    if (fd !== null) closeSync(fd);
    fd = null;
  };
  return {
    write(data) {
      writeFileSync(fd!, data);
      close();
      if (target !== file) renameSync(target, file);
      written = true;
    },
    abandon() {
      if (written) return;
      close();
      try {
        unlinkSync(target);
      } catch {
        // Already gone (renamed into place, or removed by someone else): nothing to undo.
      }
    },
  };
}

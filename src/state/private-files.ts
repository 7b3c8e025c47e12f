import { chmodSync, closeSync, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { TwinError, type Logger } from '../core/index.js';

/**
 * The state folder holds the token-signing private key (in the database), the local CA key and the
 * ready file's identity header: it is private to the user who runs the twin (docs/security.md §State and
 * key files). Folder 0700, files 0600, also when they already exist with looser modes (tightened, with a
 * warning); a folder owned by another user is refused. POSIX only: on Windows the modes are not used.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

const posix = process.platform !== 'win32' && typeof process.getuid === 'function';

function unsafe(path: string, why: string): TwinError {
  return new TwinError('ERR_STATE_UNSAFE_PATH', `${path}: ${why}. The state folder holds private keys; use a folder of your own.`, {
    details: { path },
  });
}

/** Create `dir` (and parents) as 0700, or check an existing one: it must be a folder owned by this user; looser modes are tightened. */
export function ensurePrivateDir(dir: string, logger?: Logger): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (!posix) return;
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) {
    // A symlink is accepted when its target is a folder of our own (checked below through statSync).
    const target = statSync(dir);
    if (!target.isDirectory()) throw unsafe(dir, 'is a symbolic link to something that is not a folder');
    checkOwnedDir(dir, target.uid, target.mode, logger);
    return;
  }
  if (!st.isDirectory()) throw unsafe(dir, 'is not a folder');
  checkOwnedDir(dir, st.uid, st.mode, logger);
}

function checkOwnedDir(dir: string, uid: number, mode: number, logger?: Logger): void {
  const me = process.getuid!();
  if (uid !== me) throw unsafe(dir, `is owned by uid ${uid}, not by the current user (uid ${me})`);
  if ((mode & 0o077) !== 0) {
    try {
      chmodSync(dir, PRIVATE_DIR_MODE);
    } catch (e) {
      throw unsafe(dir, `has mode ${octal(mode)} and cannot be made 0700 (${(e as Error).message})`);
    }
    logger?.warn(`state folder ${dir} had mode ${octal(mode)}; tightened to 0700`);
  }
}

/** Make an existing file 0600 (warning when it was looser); a file owned by another user is refused. Missing files are ignored. */
export function tightenPrivateFile(file: string, logger?: Logger): void {
  if (!posix) return;
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return;
  }
  if (st.isSymbolicLink()) throw unsafe(file, 'is a symbolic link (state files must be plain files)');
  if (!st.isFile()) throw unsafe(file, 'is not a plain file');
  const me = process.getuid!();
  if (st.uid !== me) throw unsafe(file, `is owned by uid ${st.uid}, not by the current user (uid ${me})`);
  if ((st.mode & 0o077) !== 0) {
    chmodSync(file, PRIVATE_FILE_MODE);
    logger?.warn(`state file ${file} had mode ${octal(st.mode)}; tightened to 0600`);
  }
}

/** Create `file` empty with mode 0600 if it does not exist, or tighten it (so a later writer, e.g. SQLite, never widens it). */
export function ensurePrivateFile(file: string, logger?: Logger): void {
  tightenPrivateFile(file, logger);
  const fd = openSync(file, 'a', PRIVATE_FILE_MODE);
  closeSync(fd);
}

/** Write `data` to `file` atomically (temp file + rename) with mode 0600, whatever the umask or an older file's mode. */
export function writePrivateFile(file: string, data: string | Buffer): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'wx', PRIVATE_FILE_MODE);
  try {
    try {
      if (posix && (fstatSync(fd).mode & 0o777) !== PRIVATE_FILE_MODE) fchmodSync(fd, PRIVATE_FILE_MODE);
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function octal(mode: number): string {
  return '0' + (mode & 0o777).toString(8);
}

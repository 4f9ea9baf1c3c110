/**
 * Approved project files, the way direnv's `allow` works: the user approves one exact file (its
 * path and a hash of its content); a changed file is blocked again until approved anew. The
 * records live in the user's state dir (0700), never in the project.
 */
import { join } from 'node:path';
import { sha256 } from '../crypto.js';
import { privateDir, readRegular, writeAtomic } from '../files.js';
import { unlink } from '../fs.js';

/** The project file codex-wrap reads once approved; `.env` is the project's app's, never read. */
export const PROJECT_FILE = '.codex-wrap.env';

export type Approval = 'approved' | 'changed' | 'unknown';

export const contentHash = sha256;

const recordOf = (dir: string, path: string) => join(dir, `${sha256(path).slice(0, 32)}.json`);

/** Whether the user approved `path` with exactly this content. */
export async function approvalOf(dir: string, path: string, hash: string, uid: number | undefined): Promise<Approval> {
  let record: { path?: unknown; sha256?: unknown };
  try {
    const file = await readRegular(recordOf(dir, path), {
      maxBytes: 4096,
      follow: false,
      accept: (st) => (uid !== undefined && st.uid !== uid ? 'another user made it' : undefined),
    });
    if (!file) return 'unknown';
    record = JSON.parse(file.text);
  } catch {
    return 'unknown';
  }
  if (record.path !== path) return 'unknown';
  return record.sha256 === hash ? 'approved' : 'changed';
}

export async function approve(dir: string, path: string, hash: string, uid: number | undefined): Promise<void> {
  const why = await privateDir(dir, uid);
  if (why) throw new Error(`${why}; approvals are kept only in a private directory`);
  await writeAtomic(recordOf(dir, path), JSON.stringify({ path, sha256: hash, approvedAt: new Date().toISOString() }), 0o600);
}

/** Forgets an approval; true if there was one. */
export async function revoke(dir: string, path: string): Promise<boolean> {
  return unlink(recordOf(dir, path)).then(
    () => true,
    () => false,
  );
}

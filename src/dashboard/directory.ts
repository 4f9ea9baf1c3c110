/** The directory a run starts in, as typed on the page: it must exist, be a directory, and be the user's own. */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

export type DirectoryCheck = { ok: true; path: string } | { ok: false; error: string };

/** `~` and `~/…` as a shell expands them; anything else unchanged. Pure. */
export function expandHome(input: string, home: string): string {
  if (input === '~') return home;
  if (input.startsWith('~/')) return join(home, input.slice(2));
  return input;
}

/** The directory's real path (links resolved), or what is wrong with it in one line. */
export async function checkDirectory(input: string, o: { home: string; uid?: number }): Promise<DirectoryCheck> {
  const typed = input.trim();
  if (!typed) return { ok: false, error: 'give the directory to run Codex in' };
  const path = expandHome(typed, o.home);
  if (!isAbsolute(path)) return { ok: false, error: `${typed} is not an absolute path: give one such as ${o.home}/project or ~/project` };
  let real: string;
  try {
    real = await realpath(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, error: code === 'ENOENT' ? `${typed} does not exist` : `${typed} cannot be opened (${code})` };
  }
  const st = await stat(real);
  if (!st.isDirectory()) return { ok: false, error: `${typed} is not a directory` };
  if (o.uid !== undefined && st.uid !== o.uid) {
    return { ok: false, error: `${typed} belongs to another user: Codex runs only in a directory you own` };
  }
  return { ok: true, path: real };
}

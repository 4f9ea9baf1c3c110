/**
 * OAUTH_CLIENT_SECRET_COMMAND: the client secret from a command the user chose (a password
 * manager, the OS keychain), like git's credential helpers — no plaintext file needed. Its stdout
 * is the secret and is never shown; its stderr reaches the user (it may ask to unlock).
 */
import { spawn } from 'node:child_process';
import { ExitCode, WrapError } from '../errors.js';

export const SECRET_COMMAND_TIMEOUT_MS = 30_000;
const MAX_OUTPUT = 64 * 1024;

const fail = (what: string) =>
  new WrapError(`OAUTH_CLIENT_SECRET_COMMAND ${what}`, {
    hint: 'run the command yourself to see why (codex-wrap never prints its output), then try again',
    exitCode: ExitCode.auth,
  });

/** Runs `command` with /bin/sh in `cwd` (the user's home: never the project) and returns its trimmed stdout. */
export function runSecretCommand(
  command: string,
  o: { cwd: string; env: Readonly<Record<string, string | undefined>>; timeoutMs?: number },
): Promise<string> {
  const timeoutMs = o.timeoutMs ?? SECRET_COMMAND_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd: o.cwd, env: o.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    let size = 0;
    let why: string | undefined;
    const timer = setTimeout(() => {
      why = `did not finish within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_OUTPUT) {
        why ??= `printed more than ${MAX_OUTPUT} bytes`;
        child.kill('SIGKILL');
      } else chunks.push(c);
    });
    child.on('error', (err) => {
      why ??= `could not be started (${(err as NodeJS.ErrnoException).code ?? err.message})`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const secret = Buffer.concat(chunks).toString('utf8').trim();
      if (!why && code !== 0) why = signal ? `was killed by ${signal}` : `failed (exit ${code})`;
      if (!why && !secret) why = 'printed nothing';
      if (why) reject(fail(why));
      else resolve(secret);
    });
  });
}

import { WrapError } from '../../src/errors.js';
import { runSecretCommand } from '../../src/settings/secret-command.js';

describe('runSecretCommand', () => {
  const run = (command: string, timeoutMs?: number) => runSecretCommand(command, { cwd: '/', env: { PATH: '/usr/bin:/bin' }, timeoutMs });
  test('trims its output', async () => expect(await run("printf '  s3cret \\n'")).toBe('s3cret'));
  test('is bounded in time: killed, exit 4, says so', async () => {
    const err = await run('sleep 5', 200).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WrapError);
    expect((err as WrapError).exitCode).toBe(4);
    expect((err as WrapError).message).toBe('OAUTH_CLIENT_SECRET_COMMAND did not finish within 200 ms');
  });
});

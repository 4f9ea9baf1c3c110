import { exposedSecret } from '../../src/settings/sources.js';

test.each([
  [
    { OAUTH_CLIENT_SECRET: 's' },
    0o100644,
    'warning: /u holds OAUTH_CLIENT_SECRET and other users may read it (mode 0644) — run chmod 600 /u',
  ],
  [
    { OAUTH_CLIENT_SECRET: 's' },
    0o100640,
    'warning: /u holds OAUTH_CLIENT_SECRET and other users may read it (mode 0640) — run chmod 600 /u',
  ],
  [{ OAUTH_CLIENT_SECRET: 's' }, 0o100600, undefined],
  [{ LLM_MODEL_NAME: 'm' }, 0o100644, undefined],
])('exposedSecret %#', (values, mode, want) => expect(exposedSecret('/u', values, mode)).toBe(want));

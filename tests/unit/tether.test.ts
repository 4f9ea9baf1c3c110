import { chooseTether, type SystemFile } from '../../src/codex/spawn.js';

const setpriv = (o: Partial<SystemFile> & { text?: string } = {}): SystemFile => ({
  isFile: true,
  uid: 0,
  mode: 0o100755,
  size: 80_192,
  bytes: () => Buffer.from(o.text ?? '\0usage\0 --pdeathsig keep|clear|<signame>\0'),
  ...o,
});
const only = (files: Record<string, SystemFile>) => (path: string) => files[path];

test('Linux with util-linux setpriv: the kernel ends Codex, through /usr/bin/setpriv', () => {
  expect(
    chooseTether({ platform: 'linux', prefer: 'auto', look: only({ '/usr/bin/setpriv': setpriv(), '/bin/setpriv': setpriv() }) }),
  ).toEqual({
    kind: 'kernel',
    setpriv: '/usr/bin/setpriv',
  });
  expect(chooseTether({ platform: 'linux', prefer: 'auto', look: only({ '/bin/setpriv': setpriv() }) })).toEqual({
    kind: 'kernel',
    setpriv: '/bin/setpriv',
  });
});

test('the shell watchdog elsewhere: macOS, no setpriv, or asked for', () => {
  expect(chooseTether({ platform: 'darwin', prefer: 'auto', look: only({ '/usr/bin/setpriv': setpriv() }) })).toEqual({ kind: 'shell' });
  expect(chooseTether({ platform: 'linux', prefer: 'auto', look: only({}) })).toEqual({ kind: 'shell' });
  expect(chooseTether({ platform: 'linux', prefer: 'shell', look: only({ '/usr/bin/setpriv': setpriv() }) })).toEqual({ kind: 'shell' });
});

test('a setpriv without --pdeathsig (util-linux before 2.33, busybox) is not used', () => {
  expect(
    chooseTether({ platform: 'linux', prefer: 'auto', look: only({ '/usr/bin/setpriv': setpriv({ text: 'usage: setpriv --nnp' }) }) }),
  ).toEqual({
    kind: 'shell',
  });
});

test('only a root-owned regular file that others cannot change, of a plausible size', () => {
  const refused: Partial<SystemFile>[] = [
    { isFile: false }, // a symlink (busybox's applets) or a directory
    { uid: 1000 },
    { mode: 0o100775 },
    { mode: 0o100757 },
    { size: 2 * 1024 * 1024 },
    {
      bytes: () => {
        throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
      },
    },
  ];
  for (const bad of refused) {
    expect(chooseTether({ platform: 'linux', prefer: 'auto', look: only({ '/usr/bin/setpriv': setpriv(bad) }) })).toEqual({
      kind: 'shell',
    });
  }
  // A bad first candidate does not hide a good second one.
  expect(
    chooseTether({
      platform: 'linux',
      prefer: 'auto',
      look: only({ '/usr/bin/setpriv': setpriv({ uid: 1000 }), '/bin/setpriv': setpriv() }),
    }),
  ).toEqual({
    kind: 'kernel',
    setpriv: '/bin/setpriv',
  });
});

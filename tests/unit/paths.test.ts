import { cacheDir, configDir, sessionsDir } from '../../src/settings/paths.js';

test('XDG directories', () => {
  expect(configDir({}, '/h')).toBe('/h/.config/codex-wrap');
  expect(cacheDir({ XDG_CACHE_HOME: '/x' }, '/h')).toBe('/x/codex-wrap');
  expect(cacheDir({ XDG_CACHE_HOME: 'relative' }, '/h')).toBe('/h/.cache/codex-wrap');
  expect(sessionsDir({}, '/h')).toBe('/h/.local/state/codex-wrap/sessions');
});

import { authority, isExempt, proxyFor } from '../../src/net.js';

test.each([
  ['https://idp.corp/token', { HTTPS_PROXY: 'http://p:3128' }, 'http://p:3128'],
  ['https://idp.corp/token', { https_proxy: 'http://lower:1' }, 'http://lower:1'],
  ['http://idp.corp/token', { HTTPS_PROXY: 'http://p:3128' }, undefined],
  ['http://idp.corp/token', { HTTP_PROXY: 'http://p:80' }, 'http://p:80'],
  ['https://idp.corp/token', { HTTPS_PROXY: 'http://p', NO_PROXY: 'corp' }, undefined],
  ['https://idp.corp/token', { HTTPS_PROXY: 'http://p', NO_PROXY: '.corp' }, undefined],
  ['https://idp.corp/token', { HTTPS_PROXY: 'http://p', NO_PROXY: 'other.corp,x' }, 'http://p'],
  ['https://idp.corp:8443/token', { HTTPS_PROXY: 'http://p', NO_PROXY: 'idp.corp:443' }, 'http://p'],
  ['https://idp.corp:8443/token', { HTTPS_PROXY: 'http://p', NO_PROXY: 'idp.corp:8443' }, undefined],
  ['https://127.0.0.1:1/t', { HTTPS_PROXY: 'http://p', NO_PROXY: '*' }, undefined],
  ['https://[::1]:1/t', { HTTPS_PROXY: 'http://p', no_proxy: '::1' }, undefined],
])('proxyFor(%s, %j) = %p', (url, env, want) => expect(proxyFor(new URL(url), env)).toBe(want));

test('isExempt without NO_PROXY', () => expect(isExempt(new URL('https://x'), undefined)).toBe(false));

test('authority names a host and port as CONNECT does', () => {
  expect(authority('gw.example.com', 443)).toBe('gw.example.com:443');
  expect(authority('::1', 8080)).toBe('[::1]:8080');
});

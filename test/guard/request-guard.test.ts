import { describe, expect, it } from 'vitest';
import { allowedHostsFromEnv, escapeControl, guardRequest, hostAllowed, hostName, requestToken, tokenMatches } from '../../lib/guard';

describe('request guard', () => {
  it('reads host names from Host headers (ports, IPv6, case)', () => {
    expect(hostName('127.0.0.1:5000')).toBe('127.0.0.1');
    expect(hostName('[::1]:5000')).toBe('::1');
    expect(hostName('LocalHost')).toBe('localhost');
  });

  it('accepts the bound address and localhost names; any IP literal only on a wildcard bind; names only when allowed', () => {
    const lo = { host: '127.0.0.1' };
    for (const h of ['127.0.0.1:1', 'localhost:1', '[::1]:1', 'app.localhost:1']) expect(hostAllowed(h, lo), h).toBe(true);
    for (const h of ['10.0.0.5:1', 'evil.example:1', '127.0.0.1.nip.io:1', '', 'localhost.evil.example']) expect(hostAllowed(h, lo), h).toBe(false);
    const any = { host: '0.0.0.0' };
    expect(hostAllowed('10.0.0.5:5002', any)).toBe(true);
    // The bound address spelled as an IPv4-mapped IPv6 literal is the same address; another one is not.
    const at = { host: '127.0.0.2' };
    for (const h of ['[::ffff:7f00:2]:1', '[::ffff:127.0.0.2]:1', '127.0.0.2:1']) expect(hostAllowed(h, at), h).toBe(true);
    for (const h of ['[::ffff:7f00:3]:1', '[::ffff:a00:5]:1', '[::7f00:2]:1']) expect(hostAllowed(h, at), h).toBe(false);
    expect(hostAllowed('manager.internal:5002', any)).toBe(false);
    expect(hostAllowed('manager.internal:5002', { ...any, allowedHosts: allowedHostsFromEnv({ DOJO_ALLOWED_HOSTS: ' manager.internal , other' }) })).toBe(true);
  });

  it('takes the token from the Authorization header, or the UI cookie where allowed, compared exactly', () => {
    expect(requestToken({ headers: { authorization: 'Bearer abc' } }, false)).toBe('abc');
    expect(requestToken({ headers: { cookie: 'x=1; dojo_token=abc=' } }, false)).toBeUndefined();
    expect(requestToken({ headers: { cookie: 'x=1; dojo_token=abc=' } }, true)).toBe('abc=');
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abd', 'abc')).toBe(false);
    expect(tokenMatches(undefined, 'abc')).toBe(false);
  });

  it('orders its refusals: Host, then Origin, then body type, then token', () => {
    const opts = { host: '127.0.0.1', token: 't' };
    expect(guardRequest({ method: 'GET', url: '/', headers: {} }, opts)?.status).toBe(400);
    expect(guardRequest({ method: 'GET', url: '/', headers: { host: 'evil.example' } }, opts)?.status).toBe(403);
    expect(guardRequest({ method: 'POST', url: '/', headers: { host: '127.0.0.1:5', origin: 'http://127.0.0.1:6', 'content-type': 'application/json' } }, opts)?.status).toBe(403);
    expect(guardRequest({ method: 'POST', url: '/', headers: { host: '127.0.0.1:5', origin: 'http://127.0.0.1:5', 'content-type': 'text/plain' } }, opts)?.status).toBe(415);
    expect(guardRequest({ method: 'POST', url: '/', headers: { host: '127.0.0.1:5', 'content-type': 'application/json; charset=utf-8' } }, opts)?.status).toBe(401);
    expect(guardRequest({ method: 'POST', url: '/', headers: { host: '127.0.0.1:5', 'content-type': 'application/json', authorization: 'Bearer t' } }, opts)).toBeUndefined();
    expect(guardRequest({ method: 'GET', url: '/health', headers: { host: 'localhost:5' } }, { ...opts, isPublic: (_m, p) => p === '/health' })).toBeUndefined();
  });

  it('escapes control characters in echoed values', () => {
    expect(escapeControl('a\x1b[2Jb\nc')).toBe('a\\x1b[2Jb\\x0ac');
  });
});

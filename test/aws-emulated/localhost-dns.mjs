// Loaded into the CLI processes of the emulated-AWS suite (NODE_OPTIONS=--import): names under
// `.localhost` resolve to 127.0.0.1, as RFC 6761 says and systemd-resolved does, but glibc alone
// does not. The SDK addresses S3 virtual-hosted style (`<bucket>.localhost:PORT` for the
// emulator), which then reaches moto on loopback. Test-only; nothing in lib/ depends on it.
import dns from 'node:dns';

const lookup = dns.lookup;
dns.lookup = function (hostname, options, callback) {
  if (typeof hostname === 'string' && hostname.endsWith('.localhost')) {
    const cb = typeof options === 'function' ? options : callback;
    const all = typeof options === 'object' && options !== null && options.all;
    process.nextTick(() => (all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
    return {};
  }
  return lookup.call(this, hostname, options, callback);
};

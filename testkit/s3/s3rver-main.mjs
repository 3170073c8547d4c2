// Runs s3rver as its own process for the S3 tests: `node --openssl-legacy-provider s3rver-main.mjs DIR`.
// Why a child process with the legacy provider: s3rver 3.7 encrypts ListObjectsV2 continuation
// tokens with DES, which OpenSSL 3 (Node >= 17) disables, so every truncated listing (> 1000 keys)
// fails with 500 InternalError in-process. Prints {"port": N} once listening on 127.0.0.1; exits
// when its stdin closes (the test ended or died).
import S3rver from 's3rver';

const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[2] });
const addr = await server.run();
process.stdout.write(JSON.stringify({ port: addr.port }) + '\n');
const stop = () => server.close().finally(() => process.exit(0));
process.stdin.on('end', stop).on('close', stop).resume();
process.on('SIGTERM', stop);

/**
 * The floor under acknowledgement latency: a bare node:http server, in a process of its own as
 * the runtime is, that reads each request's body and answers 200 at once, with no verification,
 * no storage and no framework. The same paced load against it shows what the machine, its
 * scheduler and the load generator add to every request before the runtime does anything.
 * `node bare-server.ts` prints its port on stdout once it listens.
 */
import { createServer } from 'node:http';

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}'));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.once('SIGTERM', () => process.exit(0));

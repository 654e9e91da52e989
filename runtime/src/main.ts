import { main } from './cli';

/** The process entry of the `payment-webhooks` command (bin/payment-webhooks.js loads it built). */
void main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  cwd: process.cwd(),
  terminal: process.stdout.isTTY === true,
}).then((code) => {
  process.exitCode = code;
  // Everything is closed by now; should a library keep a handle open, do not hang on it.
  setTimeout(() => process.exit(code), 2000).unref();
});

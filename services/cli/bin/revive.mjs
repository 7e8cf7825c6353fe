#!/usr/bin/env node
// The `revive` command. The CLI is TypeScript run through tsx, like the rest of the repo, so
// there is no build step between editing and running it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');

const controller = new AbortController();
// First Ctrl-C stops cleanly (closes the socket, removes a partial download); a second one kills.
process.once('SIGINT', () => {
  controller.abort(new Error('interrupted'));
  process.once('SIGINT', () => process.exit(130));
});

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
// Exit now if some socket or timer would otherwise keep the process alive; unref'd, so a
// clean shutdown does not wait for it.
setTimeout(() => process.exit(code), 1000).unref();

#!/usr/bin/env node
/** `portcullis-audit verify <files...>`: see {@link runCli} for the options and exit codes. */
import { runCli } from './verify-cli.js';

runCli(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`portcullis-audit: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 3;
  },
);

// Where the library under test is loaded from (set by run.mjs / profile.mjs for each child):
//  BENCH_LIB_DIR=<dir>: a private build of lib/ made by build-lib.mjs (bench/.lib/NAME/), so that
//    nobody's rebuild of dist/ (or another bench run) changes the code under test mid-run;
//  BENCH_LIB=dist: the package's own name ('nestjs-dramatiq-broker' -> dist/esm, self-reference);
//    run `npm run build` first.
// `entry`: 'root' (the Nest module and everything) or 'core' (nestjs-dramatiq-broker/core, the
// framework-free core: what a user of DramatiqBroker without Nest imports; no NestJS loaded).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export function loadLib(entry = 'root') {
  const core = entry === 'core';
  if (process.env.BENCH_LIB === 'dist') return import(core ? 'nestjs-dramatiq-broker/core' : 'nestjs-dramatiq-broker');
  const dir = process.env.BENCH_LIB_DIR;
  if (!dir)
    throw new Error('BENCH_LIB_DIR is not set: run the benchmark through bench/run.mjs (or set BENCH_LIB=dist)');
  return import(pathToFileURL(join(dir, core ? join('core', 'index.js') : 'index.js')).href);
}

import { readFileSync } from 'node:fs';

/** Parses a JSON file of test/fixtures/ (captured data: see test/fixtures/README.md). */
export function readFixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

// Installed package versions, and the peers that live in their own folder (bench/peers/NAME,
// their own node_modules, because they declare other NestJS majors than ours).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const run = promisify(execFile);

/** The version of `name` installed under `base` (the repository by default), or undefined. */
export function pkgVersion(name, base = root) {
  try {
    return JSON.parse(readFileSync(join(base, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/**
 * Installs the peer in bench/peers/NAME once (npm ci when it has a lock file) if `pkg` is missing
 * there. Resolves with undefined when it is usable, else with the reason it is not.
 */
export async function ensurePeer(name, pkg, log = () => undefined) {
  const dir = join(here, 'peers', name);
  if (pkgVersion(pkg, dir)) return undefined;
  log(`installing the ${name} peer in bench/peers/${name} (its own node_modules)...`);
  try {
    const cmd = existsSync(join(dir, 'package-lock.json')) ? 'ci' : 'install';
    await run('npm', [cmd, '--no-audit', '--no-fund', '--legacy-peer-deps'], {
      cwd: dir,
      timeout: 180_000,
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    return `npm install in bench/peers/${name} failed: ${(err.stderr || err.message).split('\n').slice(-3).join(' ')}`;
  }
  return pkgVersion(pkg, dir) ? undefined : `${pkg} missing after npm install in bench/peers/${name}`;
}

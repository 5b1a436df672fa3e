// Compiles the library under test into bench/.lib/NAME (ESM), without touching dist/ (which others
// may rebuild at any time). Source: the working tree's lib/ ('worktree'), or lib/ as committed
// at HEAD ('head', extracted with git archive into a temporary directory).
import { execFile } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const run = promisify(execFile);

/**
 * Builds into bench/.lib/<name>/ (one directory per run, so concurrent runs never swap each
 * other's library) and returns that directory. Remove it with removeLib() when done.
 */
export async function buildLib(source = 'worktree', name = `${source}-${process.pid}`) {
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  const dest = join(here, '.lib', name);
  const tmp = `${dest}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  let project = join(root, 'tsconfig.build.json');
  let src;
  if (source === 'head') {
    // Outside the repo (tsconfig.json includes bench/, so .ts files here would be type-checked),
    // with node_modules linked so that types and packages resolve as in the repo.
    src = join(tmpdir(), `nbench-lib-src-${name}`);
    rmSync(src, { recursive: true, force: true });
    mkdirSync(src, { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(src, 'node_modules'), 'dir');
    // git archive | tar: the committed lib/, its tsconfig files and package.json ("type": "module" makes
    // nodenext emit ESM), untouched by anyone's edits.
    await run(
      'bash',
      ['-c', `git -C "${root}" archive HEAD lib tsconfig.json tsconfig.build.json package.json | tar -x -C "${src}"`],
      { timeout: 60_000 },
    );
    project = join(src, 'tsconfig.build.json');
  } else if (source !== 'worktree') {
    throw new Error(`unknown lib source ${source}`);
  }
  try {
    await run(tsc, ['-p', project, '--outDir', tmp, '--declaration', 'false', '--sourceMap', 'false'], {
      cwd: root,
      timeout: 180_000,
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (src) rmSync(src, { recursive: true, force: true });
    throw new Error(
      `compiling lib/ (${source}) failed — someone may be mid-edit; retry, or use --lib head (committed code) ` +
        `or --lib dist (after npm run build):\n${err.stdout ?? ''}${err.stderr ?? err.message}`,
      { cause: err },
    );
  }
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  if (src) rmSync(src, { recursive: true, force: true });
  return dest;
}

export function removeLib(dir) {
  if (dir && dir.startsWith(join(here, '.lib'))) rmSync(dir, { recursive: true, force: true });
}

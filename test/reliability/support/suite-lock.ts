/**
 * One reliability file at a time on this machine. The suite's private nodes have fixed names and
 * ports (see nodes.ts), and PrivateRabbitNode.start() stops any node of the same name first, so
 * two runs at once (a developer's `npm test` while `npm run reliability` runs, say) would kill
 * each other's nodes. Each file takes this lock in beforeAll and gives it back in afterAll; a
 * second run waits (bounded). A lock whose process is gone is taken over.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sleep } from '../../support/wait.js';

const LOCK = path.join(os.tmpdir(), 'ndb-reliability-suite.lock');
/** Longest wait for another run's file (a full-size cluster file takes about 2 minutes). */
export const SUITE_LOCK_WAIT_MS = 10 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireSuiteLock(label: string, timeoutMs = SUITE_LOCK_WAIT_MS): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      const fh = await fs.open(LOCK, 'wx');
      await fh.writeFile(JSON.stringify({ pid: process.pid, label, at: new Date().toISOString() }));
      await fh.close();
      return async () => {
        const holder = await fs.readFile(LOCK, 'utf8').catch(() => '');
        if (holder.includes(`"pid":${process.pid},`)) await fs.rm(LOCK, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const text = await fs.readFile(LOCK, 'utf8').catch(() => '');
    let holder: { pid?: number; label?: string } = {};
    try {
      holder = JSON.parse(text) as typeof holder;
    } catch {
      /* being written */
    }
    const age = await fs.stat(LOCK).then(
      (st) => Date.now() - st.mtimeMs,
      () => 0,
    );
    const stale = holder.pid === undefined ? age > 10_000 : holder.pid === process.pid || !alive(holder.pid);
    if (stale) {
      await fs.rm(LOCK, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Another reliability run (pid ${holder.pid}, ${holder.label}) held ${LOCK} for more than ${timeoutMs} ms`,
      );
    }
    if (!told) {
      told = true;
      console.log(
        `[reliability] waiting for another run of the suite (pid ${holder.pid}, ${holder.label}) to release ${LOCK}`,
      );
    }
    await sleep(1_000);
  }
}

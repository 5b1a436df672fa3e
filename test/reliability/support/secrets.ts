import { inspect } from 'node:util';

/**
 * Collects everything a user could see (log lines, error messages and stacks with their causes,
 * health reports, connection snapshots) and checks that no spelling of a password is in it.
 * Every scenario feeds one of these and asserts at the end (requirement 9).
 */
export class SecretWatch {
  private readonly texts: string[] = [];
  private chars = 0;

  constructor(private readonly secretForms: readonly string[]) {}

  add(label: string, text: string): void {
    // Bounded: keep at most ~20 MB of text.
    if (this.chars > 20_000_000) return;
    this.chars += text.length;
    this.texts.push(`[${label}] ${text}`);
  }

  addLines(label: string, lines: readonly string[]): void {
    for (const l of lines) this.add(label, l);
  }

  /** An error with its stack, code and the whole `cause` chain (bounded depth). */
  addError(label: string, err: unknown): void {
    // What console.log(err) would print: own properties, nested causes.
    this.add(`${label}.inspect`, inspect(err, { depth: 6, showHidden: false }));
    let e: unknown = err;
    for (let depth = 0; depth < 8 && e !== undefined && e !== null; depth++) {
      if (e instanceof Error) {
        this.add(label, `${e.name}: ${e.message}\n${e.stack ?? ''}`);
        for (const [k, v] of Object.entries(e)) {
          if (k !== 'cause' && (typeof v === 'string' || typeof v === 'number')) this.add(`${label}.${k}`, String(v));
        }
        e = (e as { cause?: unknown }).cause;
      } else {
        this.add(label, typeof e === 'string' ? e : safeJson(e));
        break;
      }
    }
  }

  addJson(label: string, value: unknown): void {
    this.add(label, safeJson(value));
  }

  /** Number of texts collected (to show that the check looked at something). */
  get size(): number {
    return this.texts.length;
  }

  /** The collected texts that contain a secret (empty when clean). */
  leaks(): string[] {
    return this.texts.filter((t) => this.secretForms.some((s) => t.includes(s))).map((t) => t.slice(0, 500));
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) =>
      v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v,
    );
  } catch {
    return String(value);
  }
}

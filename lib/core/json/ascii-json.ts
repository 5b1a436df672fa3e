/**
 * JSON text as Python's json.dumps(separators=(",", ":")) writes it with its default
 * ensure_ascii=True: every char outside 0x20..0x7e as a \uXXXX escape, astral chars as
 * their surrogate pair (\ud83d\ude00). Shared by the message codec and the result codec.
 */

// JSON.stringify already escapes controls, quotes, backslashes and lone surrogates, so only
// 0x7f and above remain (astral chars are matched per UTF-16 unit, which yields the surrogate
// pair Python writes). Replacing whole runs is ~1.5x faster than one callback per char.
const NON_ASCII_RUNS = /[\u007f-\uffff]+/g;
const HEX = '0123456789abcdef';

function escapeRun(run: string): string {
  let out = '';
  for (let i = 0; i < run.length; i++) {
    const c = run.charCodeAt(i);
    out += '\\u' + HEX[c >> 12] + HEX[(c >> 8) & 15] + HEX[(c >> 4) & 15] + HEX[c & 15];
  }
  return out;
}

/** Escapes what ensure_ascii escapes in a JSON text made by JSON.stringify. */
export function escapeNonAscii(json: string): string {
  return json.replace(NON_ASCII_RUNS, escapeRun);
}

/** The UTF-8 bytes of a JSON text with non-ASCII escaped; mostly-ASCII text costs one encode. */
export function asciiJsonBytes(json: string): Buffer {
  // Encode, and only when the bytes show a char outside 0x00..0x7e (more bytes than chars, or
  // a DEL) escape and encode again. Cheaper than a regex scan first.
  const bytes = Buffer.from(json, 'utf8');
  if (bytes.length === json.length && bytes.indexOf(0x7f) === -1) return bytes;
  // The string is pure ASCII now, so latin1 is a straight byte copy.
  return Buffer.from(escapeNonAscii(json), 'latin1');
}

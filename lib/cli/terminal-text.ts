/**
 * Message contents are untrusted: printed as they are, control characters (ESC, C1 controls)
 * could rewrite the operator's terminal. Everything printed from a message goes through here.
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const CONTROLS_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

const escape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** One line of text: every control character escaped, newlines included. */
export function terminalSafe(text: string): string {
  return text.replace(CONTROLS, escape);
}

/** JSON for the terminal: JSON.stringify escapes C0 controls in strings, not DEL, C1 or U+2028/9. */
export function terminalJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(CONTROLS_BUT_NEWLINE, escape);
}

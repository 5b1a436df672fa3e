/** Replaces the password of an AMQP URL with "***" so the URL is safe to log or show. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not parseable: still hide anything between "user:" and "@".
    return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
  }
}

/** Short address for messages: scheme://host:port/vhost, no credentials at all. */
export function describeAddress(url: string): string {
  try {
    const parsed = new URL(url);
    const port = parsed.port || (parsed.protocol === 'amqps:' ? '5671' : '5672');
    const vhost = parsed.pathname.length > 1 ? decodeURIComponent(parsed.pathname.slice(1)) : '/';
    return `${parsed.protocol}//${parsed.hostname}:${port} (vhost '${vhost}')`;
  } catch {
    return redactUrl(url);
  }
}

/** Removes every given secret from a text; used on messages that come from lower layers. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= 3) result = result.split(secret).join('***');
  }
  return result;
}

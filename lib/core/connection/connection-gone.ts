/**
 * True for errors that mean "the channel or connection went away under this operation"
 * (a cut, a forced close, a reconnect in progress): the operation is worth another attempt.
 */
const CONNECTION_GONE =
  /channel closed|connection closed|channel ended|not connected|connection was lost|socket|ECONNRESET|EPIPE|Unexpected close|CONNECTION[-_]FORCED/i;

export function isConnectionGone(err: unknown): boolean {
  return CONNECTION_GONE.test(String((err as Error | undefined)?.message ?? err));
}

/** The logging surface the core needs; Nest's Logger satisfies it, so does `console`. */
export interface BrokerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug?(message: string): void;
}

/** Logs nothing; the default when the core is used without a logger. */
export const silentLogger: BrokerLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export {
  DEAD_LETTER_HEADER,
  DEAD_LETTER_OPTION,
  DEAD_LETTER_REASONS,
  type DeadLetterCause,
  type DeadLetterReason,
  type DeadLetterRecord,
} from './dead-letter-reason.js';
export type { DeadLetter, DeathNote } from './dead-letter-entry.js';
export { DeadLetterPublishError, InvalidDeadLetterRequestError } from './dead-letter.errors.js';
export {
  DEFAULT_PAGE_SIZE,
  DeadLetters,
  MAX_PAGE_SIZE,
  type DeadLetterHost,
  type DeadLetterPage,
  type RequeueOptions,
  type RequeueResult,
  type RequeueSelection,
} from './dead-letters.js';

import { IcmixError } from '../util/errors.js';

/**
 * A client error: the request was wrong, not the server. Carries the HTTP status (4xx) and a
 * short machine-readable code next to the message that says what to fix.
 */
export class BadInput extends IcmixError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BadInput';
  }
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** An error whose message is meant for the user as is: the CLI prints it without a stack. */
export class IcmixError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IcmixError';
  }
}

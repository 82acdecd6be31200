/**
 * What can go wrong talking to the hub, as typed errors whose messages say what was expected.
 * @module
 */

/** The hub answered with an error status or an unexpected body. */
export class HubError extends Error {
  /** HTTP status, when there was a response. */
  readonly status?: number;
  constructor(message: string, status?: number) {
    super(message);
    this.name = "HubError";
    this.status = status;
  }
}

/** A URL or redirect points at a host that is not allowed (SSRF guard). */
export class HostNotAllowedError extends Error {
  constructor(url: string, reason: string) {
    super(`refusing to fetch ${url}: ${reason}`);
    this.name = "HostNotAllowedError";
  }
}

/** A downloaded file does not match the hub's size or hash; the file has been removed. */
export class IntegrityError extends Error {
  constructor(file: string, expected: string, found: string) {
    super(`${file}: expected ${expected}, found ${found}; the download was removed`);
    this.name = "IntegrityError";
  }
}

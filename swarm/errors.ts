/**
 * The swarm's typed errors: bad specialist configuration, unknown names, cloud failures.
 * @module
 */

/** Base class of every error the swarm throws on purpose. */
export class SwarmError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SwarmError";
  }
}

/** A specialist definition (config.yaml entry, folder, proposal) is malformed. */
export class SpecialistConfigError extends SwarmError {
  constructor(message: string) {
    super(message);
    this.name = "SpecialistConfigError";
  }
}

/** A request named a specialist the swarm does not have (`synapse:NAME`). */
export class UnknownSpecialistError extends SwarmError {
  readonly specialist: string;
  constructor(specialist: string, known: readonly string[]) {
    super(
      `unknown specialist "${specialist}"; expected one of: ${known.join(", ") || "(none)"}`,
    );
    this.name = "UnknownSpecialistError";
    this.specialist = specialist;
  }
}

/** The cloud endpoint could not be reached or answered with something other than a chat reply. */
export class CloudError extends SwarmError {
  /** HTTP status, when the endpoint answered at all. */
  readonly status?: number;
  constructor(message: string, status?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "CloudError";
    this.status = status;
  }
}

/** A specialist proposal id that is not (or no longer) pending. */
export class ProposalNotFoundError extends SwarmError {
  constructor(id: string) {
    super(`no pending specialist proposal with id "${id}"`);
    this.name = "ProposalNotFoundError";
  }
}

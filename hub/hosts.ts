/**
 * Which hosts pull may talk to: the configured endpoint's host plus an allow-list with
 * `*.domain` wildcards; never a redirect to a private or loopback address it was not given.
 * @module
 */
import { HostNotAllowedError } from "./errors.ts";

function ipv4Private(host: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127);
}

/** Whether `hostname` is a loopback, private, link-local or unspecified address or name. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (ipv4Private(host)) return true;
  if (host.includes(":")) {
    return host === "::1" || host === "::" || host.startsWith("fc") || host.startsWith("fd") ||
      host.startsWith("fe80") || host.startsWith("::ffff:");
  }
  return false;
}

/** Decides whether a URL may be fetched during a pull. */
export class HostPolicy {
  readonly #endpointHost: string;
  readonly #patterns: readonly string[];

  /** `endpoint`'s host is always allowed; `allowed` adds names and `*.domain` patterns. */
  constructor(endpoint: string, allowed: readonly string[]) {
    this.#endpointHost = new URL(endpoint).host.toLowerCase();
    this.#patterns = allowed.map((p) => p.toLowerCase());
  }

  /** Whether `url` goes to the endpoint's own host (the only one that gets the token). */
  isEndpoint(url: URL): boolean {
    return url.host.toLowerCase() === this.#endpointHost;
  }

  /** Throws HostNotAllowedError unless `url` may be fetched. */
  check(url: URL): void {
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new HostNotAllowedError(url.href, `only http(s) is allowed, found ${url.protocol}`);
    }
    if (this.isEndpoint(url)) return;
    const host = url.hostname.toLowerCase();
    if (isPrivateHost(host)) {
      throw new HostNotAllowedError(url.href, "it is a private or loopback address");
    }
    if (url.protocol !== "https:") {
      throw new HostNotAllowedError(url.href, "redirects must stay on https");
    }
    const allowed = this.#patterns.some((p) =>
      p.startsWith("*.") ? host.endsWith(p.slice(1)) : host === p
    );
    if (!allowed) {
      throw new HostNotAllowedError(url.href, `${host} is not in hub.allowed_hosts`);
    }
  }
}

/**
 * The hub client: pulls models over Hugging Face's HTTP layout (`/{repo}/resolve/{rev}/{file}`,
 * the tree API for sizes and hashes) with resume, verification and an SSRF-safe host policy.
 * @module
 */
export { HubClient } from "./client.ts";
export type { HubClientOptions, RepoFile } from "./client.ts";
export { HostNotAllowedError, HubError, IntegrityError } from "./errors.ts";
export { HostPolicy, isPrivateHost } from "./hosts.ts";
export { downloadFile } from "./download.ts";
export type { DownloadOptions } from "./download.ts";
export { hashFile, verifyFile } from "./verify.ts";
export { pullModel, selectFiles } from "./pull.ts";
export type { PullOptions, PullProgress } from "./pull.ts";

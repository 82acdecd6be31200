/**
 * The server's typed errors: each knows its HTTP status and OpenAI error type, and renders in
 * both APIs' shapes (`{"error":{message,type,param,code}}` on `/v1`, `{"error":"..."}` on `/api`).
 * @module
 */

/** An error meant for the client: status, OpenAI `type`, optional `param` and `code`. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    type: string,
    message: string,
    options: { param?: string; code?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.type = type;
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.headers = options.headers ?? {};
  }
}

/** 400: the request is malformed or asks for something impossible; `param` names the field. */
export class InvalidRequestError extends ApiError {
  constructor(message: string, param?: string, code?: string) {
    super(400, "invalid_request_error", message, { param, code });
    this.name = "InvalidRequestError";
  }
}

/** 400 `context_length_exceeded`: the prompt does not fit the model's context. */
export class ContextLengthExceededError extends ApiError {
  constructor(promptTokens: number, contextLength: number) {
    super(
      400,
      "invalid_request_error",
      `the prompt is ${promptTokens} tokens but the model's context holds ${contextLength}; ` +
        "shorten the messages",
      { param: "messages", code: "context_length_exceeded" },
    );
    this.name = "ContextLengthExceededError";
  }
}

/** 404 `model_not_found`, with how to get the model. */
export class ModelNotFoundError extends ApiError {
  constructor(model: string, hint = `pull it first: synapse pull ${model}`) {
    super(404, "invalid_request_error", `model "${model}" not found; ${hint}`, {
      param: "model",
      code: "model_not_found",
    });
    this.name = "ModelNotFoundError";
  }
}

/** 401: missing or wrong API key. */
export class AuthenticationError extends ApiError {
  constructor(message = "missing or invalid API key; send it as 'Authorization: Bearer KEY'") {
    super(401, "authentication_error", message, { code: "invalid_api_key" });
    this.name = "AuthenticationError";
  }
}

/** 403: refused (unknown Host header, cross-origin mutation). */
export class ForbiddenError extends ApiError {
  constructor(message: string) {
    super(403, "permission_error", message);
    this.name = "ForbiddenError";
  }
}

/** 404 for an unknown path. */
export class RouteNotFoundError extends ApiError {
  constructor(method: string, path: string) {
    super(404, "invalid_request_error", `no route for ${method} ${path}`, { code: "not_found" });
    this.name = "RouteNotFoundError";
  }
}

/** 405 for a known path with the wrong method. */
export class MethodNotAllowedError extends ApiError {
  constructor(method: string, path: string, allowed: string[]) {
    super(405, "invalid_request_error", `${path} accepts ${allowed.join(", ")}, not ${method}`, {
      headers: { Allow: allowed.join(", ") },
    });
    this.name = "MethodNotAllowedError";
  }
}

/** 413: the body is over the configured limit. */
export class PayloadTooLargeError extends ApiError {
  constructor(limit: number) {
    super(413, "invalid_request_error", `request body is over the limit of ${limit} bytes`, {
      code: "request_too_large",
    });
    this.name = "PayloadTooLargeError";
  }
}

/** 415: a body type or encoding the server does not read. */
export class UnsupportedMediaTypeError extends ApiError {
  constructor(message: string) {
    super(415, "invalid_request_error", message, { code: "unsupported_media_type" });
    this.name = "UnsupportedMediaTypeError";
  }
}

/** 408: the client did not send its body in time. */
export class RequestTimeoutError extends ApiError {
  constructor(ms: number) {
    super(408, "invalid_request_error", `request body not received within ${ms} ms`, {
      code: "request_timeout",
    });
    this.name = "RequestTimeoutError";
  }
}

/** 503 `server_busy` with `Retry-After`: the queue is full or the server is shutting down. */
export class ServerBusyError extends ApiError {
  constructor(message: string, retryAfterSeconds = 1) {
    super(503, "server_busy", message, {
      code: "server_busy",
      headers: { "Retry-After": String(retryAfterSeconds) },
    });
    this.name = "ServerBusyError";
  }
}

/** 500 `model_load_error`: the model could not be loaded (the server stays up). */
export class ModelLoadError extends ApiError {
  constructor(model: string, reason: string) {
    super(500, "model_load_error", `model "${model}" failed to load: ${reason}`, {
      code: "model_load_error",
    });
    this.name = "ModelLoadError";
  }
}

/** 500 `generation_error`: the engine failed while generating. */
export class GenerationError extends ApiError {
  constructor(reason: string) {
    super(500, "generation_error", `generation failed: ${reason}`, { code: "generation_error" });
    this.name = "GenerationError";
  }
}

/** Any thrown value as an `ApiError`; unknown errors become a 500 without internals. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(500, "server_error", "internal server error", { code: "internal_error" });
}

/** The OpenAI error body for `error`. */
export function openAiErrorBody(error: ApiError): Record<string, unknown> {
  return {
    error: { message: error.message, type: error.type, param: error.param, code: error.code },
  };
}

/** `error` as an OpenAI-shaped JSON response. */
export function openAiErrorResponse(error: ApiError): Response {
  return Response.json(openAiErrorBody(error), { status: error.status, headers: error.headers });
}

/** `error` as an Ollama-shaped JSON response (`{"error":"..."}`). */
export function ollamaErrorResponse(error: ApiError): Response {
  return Response.json({ error: error.message }, { status: error.status, headers: error.headers });
}

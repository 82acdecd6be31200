/**
 * The HTTP server: OpenAI (`/v1/...`) and Ollama (`/api/...`) APIs over pluggable chat backends,
 * with the model manager, security guards and streaming it needs.
 * @module
 */
export { createServer } from "./app.ts";
export type { ServerOptions, SynapseServer } from "./app.ts";
export { identifyListener, listen, PortInUseError } from "./serve.ts";
export type { ListenOptions } from "./serve.ts";
export { ModelManager } from "./models.ts";
export type {
  LoadedModel,
  ModelCatalog,
  ModelLease,
  ModelLoader,
  ModelManagerOptions,
  ModelSource,
  ModelState,
} from "./models.ts";
export { canonicalModelName, EMBEDDED_MODEL, StoreCatalog } from "./catalog.ts";
export type {
  BackendModel,
  ChatBackend,
  ChatDelta,
  ChatFinishReason,
  ChatOutcome,
  ChatRun,
  NormalizedChatRequest,
  ResponseFormat,
  TokenLogprob,
  ToolCall,
  ToolCallDelta,
  ToolDefinition,
  Usage,
} from "./backend.ts";
export type { ChatExchange, ChatObserver } from "./context.ts";
export { generateAnswer } from "./generate.ts";
export type { GenerationPlan } from "./generate.ts";
export { RunChannel } from "./run_channel.ts";
export { jsonLogger, silentLogger } from "./log.ts";
export type { Logger } from "./log.ts";
export * from "./errors.ts";
export type { Route, RouteContext } from "./route.ts";
export { memoryObserver } from "./conversation_log.ts";
export { isLoopbackHost } from "./security.ts";
export { SwarmBackend } from "./swarm_backend.ts";
export { swarmRoutes } from "./routes/swarm.ts";

import type { MemoryStore } from "../memory/mod.ts";
import type { Route } from "./route.ts";
import { conversationRoutes } from "./routes/conversations.ts";
import { feedbackRoutes } from "./routes/feedback.ts";
import { knowledgeRoutes } from "./routes/knowledge.ts";

/** The memory routes (`/api/knowledge`, `/api/conversations`, `/api/feedback`) over `store`. */
export function memoryRoutes(store: MemoryStore): Route[] {
  return [...knowledgeRoutes(store), ...conversationRoutes(store), ...feedbackRoutes(store)];
}

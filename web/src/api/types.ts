// API bodies as the API declares them (generated from its OpenAPI document: `npm run gen:api`).
import type { components } from "./schema";

type Schemas = components["schemas"];
export type QueueEntry = Schemas["QueueEntry"];
export type LoanPublic = Schemas["LoanPublic"];
export type AgentPublic = Schemas["AgentPublic"];
export type StrategyPublic = Schemas["StrategyPublic"];
export type SearchResults = Schemas["SearchResults"];
export type SearchResult = Schemas["SearchResult"];
export type Dictionaries = Schemas["DictionariesPublic"];
export type ActionCreate = Schemas["ActionCreate"];
export type ActionAccepted = Schemas["ActionAccepted"];

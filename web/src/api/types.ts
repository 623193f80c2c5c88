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
export type StrategyUpdate = Schemas["StrategyUpdate"];
export type StrategyCatalogue = Schemas["StrategyCatalogue"];
export type StrategyPreview = Schemas["StrategyPreview"];
export type ReevaluationAccepted = Schemas["ReevaluationAccepted"];
export type GroupDraft = StrategyUpdate["groups"][number];
export type CampaignDraft = GroupDraft["campaigns"][number];
export type ConditionDraft = NonNullable<CampaignDraft["conditions"]>[number];
export type ContactRuleDraft = NonNullable<CampaignDraft["contact_rules"]>[number];
export type CustomerView = Schemas["CustomerView"];
export type PortfolioSummary = Schemas["PortfolioSummary"];
export type UserAdminView = Schemas["UserAdminView"];
export type UserSave = Schemas["UserSave"];
export type DeadLetterTopicPublic = Schemas["DeadLetterTopicPublic"];
export type DeadLetterPage = Schemas["DeadLetterPage"];
export type DeadLetterPublic = Schemas["DeadLetterPublic"];
export type RedrivePublic = Schemas["RedrivePublic"];

// What the admin forms check before asking the API: the API's own rules (contracts/common.py,
// contracts/admin.py, contracts/agents.py), said in words at the field. An id travels in the URL path, so a
// blank one or one with a "/" would reach another route and come back as a bare 404 or 405.

import type { FieldErrors } from "../../api/client";

const AGENT_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const TEAM = /^[A-Za-z0-9._:/-]{1,64}$/;
const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
const MAX_CAPACITY = 100_000;

function identifierProblem(value: string, what: string, pattern: RegExp, symbols: string) {
  if (!value.trim()) return `Enter the ${what}`;
  if (!pattern.test(value.trim())) {
    return `The ${what} may have letters A–Z, digits and ${symbols} only (no spaces), at most 64 characters`;
  }
  return undefined;
}

function capacityProblem(value: string) {
  if (!value.trim()) return "Enter the capacity: how many customers the agent can hold (0 for none)";
  if (!/^\d+$/.test(value.trim()) || Number(value) > MAX_CAPACITY) {
    return `The capacity is a whole number of customers, from 0 to ${MAX_CAPACITY.toLocaleString()}`;
  }
  return undefined;
}

const LANGUAGE = /^[a-z]{2,3}$/; // contracts/agents.py Language: an ISO 639 code
const MAX_LANGUAGES = 20;

/** The languages typed, comma-separated, as the API takes them: trimmed, lower-cased, empty ones dropped. */
export function languagesOf(typed: string): string[] {
  return typed
    .split(",")
    .map((language) => language.trim().toLowerCase())
    .filter(Boolean);
}

function languagesProblem(typed: string) {
  const languages = languagesOf(typed);
  const wrong = languages.filter((language) => !LANGUAGE.test(language));
  if (wrong.length) {
    const listed = wrong.map((language) => `"${language}"`).join(", ");
    return `${listed} ${wrong.length === 1 ? "is not a language code" : "are not language codes"}: two or three letters, like en or vi`;
  }
  if (languages.length > MAX_LANGUAGES) return `At most ${MAX_LANGUAGES} languages`;
  return undefined;
}

function only(problems: Record<string, string | undefined>): FieldErrors {
  return Object.fromEntries(Object.entries(problems).filter(([, problem]) => problem)) as FieldErrors;
}

export function agentProblems(
  agent: { agent_id: string; name: string; team: string; capacity: string; languages: string },
  isNew: boolean,
): FieldErrors {
  return only({
    agent_id: isNew ? identifierProblem(agent.agent_id, "agent id", AGENT_ID, ". _ : -") : undefined,
    name: agent.name.trim() ? undefined : "Enter the agent's name",
    team: identifierProblem(agent.team, "team", TEAM, ". _ : / -"),
    capacity: capacityProblem(agent.capacity),
    "skills.languages": languagesProblem(agent.languages),
  });
}

export function loginProblems(login: { username: string }, isNew: boolean): FieldErrors {
  return only({
    username: isNew ? identifierProblem(login.username, "username", USERNAME, ". _ @ -") : undefined,
  });
}

import { countOf } from "../../lib/format";
import { useTeams } from "./useAgents";

/**
 * The teams a team field suggests, each with its active agents. Suggestions only: the field stays free
 * text (a new team is named by typing it) and the API judges; without the list (it failed), none.
 */
export function TeamSuggestions({ id }: { id: string }) {
  const teams = useTeams().data ?? [];
  return (
    <datalist id={id}>
      {teams.map((team) => (
        <option key={team.team} value={team.team}>
          {countOf(team.active_agents, "active agent")}
        </option>
      ))}
    </datalist>
  );
}

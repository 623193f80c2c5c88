// A strategy's groups read only (a published version from the history): each campaign with its priority,
// team, conditions and contact rules as lines of text, not form fields, in the order they are tried.

import type { GroupDraft } from "../../api/types";
import { conditionText, contactRuleText, inTriedOrder } from "./strategyDraft";

export function StrategySummary({ groups }: { groups: GroupDraft[] }) {
  if (!groups.length) return <p className="text-sm text-slate-600">No groups.</p>;
  return (
    <div className="space-y-3">
      {groups.map((group) => (
        <div key={group.id} className="space-y-2">
          <h3 className="font-semibold">
            Group {group.name} <span className="text-xs font-normal text-slate-500">({group.id})</span>
          </h3>
          <p className="text-xs text-slate-600">
            Campaigns in the order they are tried (lowest priority first).
          </p>
          <ul className="space-y-2">
            {inTriedOrder(group.campaigns).map((campaign) => {
              const conditions = campaign.conditions ?? [];
              const rules = campaign.contact_rules ?? [];
              const who = [
                campaign.team ? `team ${campaign.team}` : "no team",
                campaign.agent_type ? `${campaign.agent_type.toLowerCase()} agents` : "no agents",
              ];
              return (
                <li
                  key={campaign.id}
                  className="space-y-0.5 rounded border border-slate-200 bg-slate-50 p-2 text-sm break-words"
                >
                  <p className="font-medium">
                    {campaign.name}{" "}
                    <span className="font-normal text-slate-500">
                      ({campaign.id}, priority {campaign.priority})
                    </span>
                  </p>
                  <p className="text-slate-600">{who.join(" · ")}</p>
                  <p>
                    <span className="text-slate-500">When: </span>
                    {conditions.length ? conditions.map(conditionText).join(" and ") : "everybody"}
                  </p>
                  <p>
                    <span className="text-slate-500">Contacts: </span>
                    {rules.length ? rules.map(contactRuleText).join("; then ") : "none"}
                  </p>
                </li>
              );
            })}
          </ul>
        </div>
      ))}
    </div>
  );
}

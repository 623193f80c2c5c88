"""The demo's logins: one per role, a team lead, and one agent login per team (its first agent).

All share one documented password. Running the demo again updates them (password, role, agent, team), so a
changed ``--password`` or a regenerated portfolio never leaves a login pointing at the wrong agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson

from crm.errors import CrmError
from crm.generator.agents import TEAM_EARLY
from crm.settings import Settings

DEMO_PASSWORD = "demo-password"
ACTOR = "crm-demo"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    agent_id: str | None = None
    team: str | None = None

    def describe(self) -> str:
        if self.agent_id:
            return f"agent {self.agent_id} ({self.team})"
        if self.role == "supervisor":
            return f"supervisor of {self.team}" if self.team else "supervisor of every team"
        return {"admin": "administrator", "integration": "bank integration (POST /api/payments)"}.get(
            self.role, self.role
        )


def demo_logins(agents_file: Path) -> list[DemoLogin]:
    """The logins for a portfolio's agents: admin, supervisors, the bank's integration, then ``agent1``… for
    the first agent of each team in file order."""
    logins = [
        DemoLogin("admin", "admin"),
        DemoLogin("supervisor", "supervisor"),
        DemoLogin("lead-early", "supervisor", team=TEAM_EARLY),
        DemoLogin("bank", "integration"),
    ]
    first_of_team: dict[str, str] = {}
    for line in agents_file.read_bytes().splitlines():
        agent = orjson.loads(line)
        if agent.get("active", True):
            first_of_team.setdefault(agent["team"], agent["agent_id"])
    for n, (team, agent_id) in enumerate(first_of_team.items(), start=1):
        logins.append(DemoLogin(f"agent{n}", "agent", agent_id=agent_id, team=team))
    return logins


def save_logins(settings: Settings, logins: list[DemoLogin], password: str) -> None:
    """Create each login, or bring an existing one back to the demo's password, role, agent and team."""
    import psycopg

    from api.queries import audit, users
    from api.security import hash_password
    from contracts.admin import Role
    from crm.commands.user import MIN_PASSWORD_LENGTH

    if len(password) < MIN_PASSWORD_LENGTH:
        raise CrmError(f"the demo password must have at least {MIN_PASSWORD_LENGTH} characters")
    password_hash = hash_password(password)  # one hash for all: argon2 is slow on purpose
    with psycopg.connect(settings.database_url, autocommit=True) as conn, conn.transaction():
        for login in logins:
            # the agent's team is in its agent record; the users table keeps a team for supervisors only
            team = login.team if login.role == "supervisor" else None
            role = Role(login.role)
            created = users.insert_user(conn, login.username, password_hash, role, login.agent_id, team)
            if not created:
                users.replace_user(conn, login.username, password_hash, role, login.agent_id, team)
            details = {"role": login.role, "agent_id": login.agent_id, "team": team}
            action = "user.add" if created else "user.update"
            audit.record(conn, ACTOR, action, f"user:{login.username}", details)

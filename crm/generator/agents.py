"""The collection agents: two call-centre teams (early and late buckets) and a field team.

Teams are few and large on purpose: allocation keeps each team's agents and customers together on one
partition, and the demo strategy (`crm.generator.strategy`) sends each campaign to one team.
"""

from __future__ import annotations

import random

from crm.generator.customers import person_name

EARLY, LATE = ["1-29", "30-59", "60-89"], ["90-119", "120-179", "180+"]
PRODUCTS = ["PERSONAL_LOAN", "CREDIT_CARD", "AUTO_LOAN", "OVERDRAFT", "MORTGAGE"]
TEAM_EARLY, TEAM_LATE, TEAM_FIELD = "TEAM-CALL-EARLY", "TEAM-CALL-LATE", "TEAM-FIELD"


def agent_count(customers: int) -> int:
    """About one agent per 150 delinquent customers (a fifth of the book is delinquent), at least five."""
    return max(5, round(customers * 0.2 / 150))


def agents(seed: int, count: int) -> list[dict]:
    rng = random.Random(f"{seed}:agents")
    result = []
    for n in range(count):
        field = n % 4 == 3
        if field:
            team, buckets, capacity = TEAM_FIELD, LATE, rng.randint(40, 80)
        elif n % 2 == 0:
            team, buckets, capacity = TEAM_EARLY, EARLY, rng.randint(150, 400)
        else:
            team, buckets, capacity = TEAM_LATE, EARLY + LATE, rng.randint(150, 400)
        result.append(
            {
                "agent_id": f"AG{n:05d}",
                "name": person_name(rng, False)[0],
                "team": team,
                "type": "FIELD" if field else "CALL",
                "skills": {
                    "products": PRODUCTS if rng.random() < 0.7 else rng.sample(PRODUCTS, 3),
                    "buckets": buckets,
                    "languages": ["vi", "en"] if rng.random() < 0.3 else ["vi"],
                },
                "capacity": capacity,
                "active": rng.random() < 0.95 or n < 5,
            }
        )
    return result

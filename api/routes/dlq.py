"""Dead letters (admin): counts and reasons per topic, pages of records, re-drive to the source topic."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import AdminUser, ConnDep, OffsetQuery, ResourcesDep, SettingsDep
from api.exact_json import ExactJsonRoute
from api.services import dlq as service
from contracts.dlq import DeadLetterPage, DeadLetterTopicPublic, RedriveCreate, RedrivePublic

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/admin/dlq", tags=["admin: dead letters"])
TopicPath = Annotated[str, Path(pattern=r"^[a-z0-9._-]{1,100}$", description="e.g. payments.dlq")]
_FAILURES = {
    404: {"description": "Not a dead-letter topic"},
    503: {"description": "Kafka did not answer in time"},
}


@router.get("", response_model=list[DeadLetterTopicPublic], responses=_FAILURES)
def list_dead_letter_topics(
    _admin: AdminUser, conn: ConnDep, resources: ResourcesDep
) -> list[DeadLetterTopicPublic]:
    """Every dead-letter topic: records, how many were re-driven, oldest and newest, the top reasons."""
    return service.overview(resources.dead_letters, conn)


@router.get("/{topic}", response_model=DeadLetterPage, responses=_FAILURES)
def list_dead_letters(
    topic: TopicPath,
    _admin: AdminUser,
    conn: ConnDep,
    resources: ResourcesDep,
    offset: OffsetQuery = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DeadLetterPage:
    """The topic's dead letters, newest first, ``limit`` from ``offset``."""
    return service.page(resources.dead_letters, conn, topic, offset, limit)


@router.post("/{topic}/redrive", response_model=RedrivePublic, responses=_FAILURES)
def redrive_dead_letters(
    topic: TopicPath, body: RedriveCreate, admin: AdminUser, conn: ConnDep, settings: SettingsDep
) -> RedrivePublic:
    """Produce the chosen dead letters' original key and bytes to the source topic again; one already
    re-driven is skipped, so repeating a request re-drives nothing twice. Audited."""
    return service.redrive(settings, conn, topic, body, admin.username)

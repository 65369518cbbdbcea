"""The `skills` column of people.csv (what a person can do) and services.csv (what a service needs): a
`;`-separated list, read and written through store.rules.help (normalised, each once, sorted), stored
one row per skill (person_skills, service_skills). A blank cell means no skills; a file without the
column leaves the stored skills as they are."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from store.models import PersonSkill, ServiceSkill
from store.queries.id_lists import id_in
from store.rules.help import skills_text

SKILL_MODELS: dict[str, type[PersonSkill] | type[ServiceSkill]] = {"people": PersonSkill, "services": ServiceSkill}


def _owner(model: type[PersonSkill] | type[ServiceSkill]):
    return PersonSkill.person_id if model is PersonSkill else ServiceSkill.service_id


def _owner_name(model: type[PersonSkill] | type[ServiceSkill]) -> str:
    return "person_id" if model is PersonSkill else "service_id"


def stored_skills(session: Session, team_id: str, kind: str, owner_ids: Collection[int]) -> dict[int, list[str]]:
    """The skills of these people or services, sorted; one statement."""
    if not owner_ids:
        return {}
    model = SKILL_MODELS[kind]
    owner = _owner(model)
    found: dict[int, list[str]] = defaultdict(list)
    for owner_id, skill in session.execute(select(owner, model.skill).where(
            model.team_id == team_id, id_in(owner, owner_ids, "owner_ids")).order_by(owner, model.skill)):
        found[owner_id].append(skill)
    return dict(found)


def replace_skills(session: Session, team_id: str, kind: str, skills: dict[int, list[str]]) -> None:
    """Each owner's skills made exactly these (deleted, then inserted: two statements in all)."""
    if not skills:
        return
    model = SKILL_MODELS[kind]
    session.execute(delete(model).where(model.team_id == team_id, id_in(_owner(model), skills, "owner_ids"))
                    .execution_options(synchronize_session=False))
    rows = [{_owner_name(model): owner_id, "skill": skill, "team_id": team_id}
            for owner_id, names in skills.items() for skill in names]
    if rows:
        session.execute(insert(model), rows)


def skills_cells(session: Session, team_id: str, kind: str) -> dict[int, str]:
    """For export: every owner's skills as the cell (`a;b`); owners without skills are absent."""
    model = SKILL_MODELS[kind]
    owner = _owner(model)
    found: dict[int, list[str]] = defaultdict(list)
    for owner_id, skill in session.execute(select(owner, model.skill).where(model.team_id == team_id)):
        found[owner_id].append(skill)
    return {owner_id: skills_text(names) for owner_id, names in found.items()}

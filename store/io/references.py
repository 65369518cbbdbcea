"""Resolve references in a CSV cell to row ids, by key or by a natural name.

Rules (documented in docs/import.md): a key always wins; otherwise an owner/person is found
by email (any case) or Slack user id, a service by "Customer · Service" label or by its name,
a customer by its name. A name that matches more than one row is refused as ambiguous rather
than guessed. Lookups are loaded once per kind and dropped when that kind is imported.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.io.formats import SPECS, KindModel
from store.models import Customer, Deliverable, Milestone, Person, Project, Service

LABEL_SEPARATOR = " · "
AMBIGUOUS = -1
REF_MODELS: dict[str, type[KindModel]] = {"customers": Customer, "people": Person, "services": Service,
                                           "projects": Project, "milestones": Milestone, "deliverables": Deliverable}
SINGULAR = {"customers": "customer", "people": "person", "services": "service", "projects": "project",
            "milestones": "milestone", "deliverables": "deliverable"}


class DependsOnRejected(Exception):
    """The cell names a row that was itself rejected: the cause is reported already, not this."""


class Resolver:
    """Key and natural-name lookups for one workspace, cached per kind."""

    def __init__(self, session: Session, team_id: str):
        self.session = session
        self.team_id = team_id
        self._keys: dict[str, dict[str, int]] = {}
        self._names: dict[str, dict[str, int]] = {}
        # Keys of bad rows, so rows that refer to them are skipped instead of reported twice.
        self.rejected: dict[str, set[str]] = defaultdict(set)

    def forget(self, kind: str) -> None:
        """Drop the cache for `kind` after its rows changed, so later kinds see new rows."""
        self._keys.pop(kind, None)
        self._names.pop(kind, None)

    def resolve(self, kind: str, text: str) -> int:
        """The id `text` refers to; ValueError with a plain reason when none or several match.

        The exact text is tried as a key before the trimmed text, so a key that begins with a tab or
        a carriage return (which export protects with a formula quote, see formats.py) is found too.
        """
        self._load(kind)
        exact, text = text, text.strip()
        found = self._keys[kind].get(exact)
        if found is None:
            found = self._keys[kind].get(text)
        if found is None:
            found = self._names[kind].get(text.lower())
        if found is None and (exact in self.rejected[kind] or text in self.rejected[kind]):
            raise DependsOnRejected(text)
        if found is None:
            raise ValueError(f"unknown {SINGULAR[kind]} '{text}'")
        if found == AMBIGUOUS:
            raise ValueError(f"'{text}' matches more than one {SINGULAR[kind]}: use its key")
        return found

    def unique_owner(self, kind: str, attr: str, value: str) -> str | None:
        """The key of the stored row whose unique `attr` is `value` (a customer's name, a role rate's role)."""
        model = SPECS[kind].model
        return self.session.scalar(select(model.key).where(model.team_id == self.team_id,
                                                           getattr(model, attr) == value))

    def _load(self, kind: str) -> None:
        if kind in self._keys:
            return
        model = REF_MODELS[kind]
        keys: dict[str, int] = {}
        names: dict[str, set[int]] = defaultdict(set)
        for row_id, key, *natural in self.session.execute(self._natural_query(kind, model)):
            keys[key] = row_id
            for name in natural:
                if name:
                    names[name.lower()].add(row_id)
        self._keys[kind] = keys
        self._names[kind] = {n: (next(iter(ids)) if len(ids) == 1 else AMBIGUOUS) for n, ids in names.items()}

    def _natural_query(self, kind: str, model):
        if kind == "customers":
            return select(Customer.id, Customer.key, Customer.name).where(Customer.team_id == self.team_id)
        if kind == "people":
            return select(Person.id, Person.key, Person.email, Person.slack_user_id).where(
                Person.team_id == self.team_id)
        if kind == "services":
            label = Customer.name + LABEL_SEPARATOR + Service.name
            return (select(Service.id, Service.key, Service.name, label)
                    .join(Customer, Customer.id == Service.customer_id).where(Service.team_id == self.team_id))
        return select(model.id, model.key).where(model.team_id == self.team_id)


def id_to_key(session: Session, team_id: str, kind: str) -> dict[int, str]:
    """For export: every row id of `kind` mapped to its key."""
    model = REF_MODELS[kind]
    return dict(session.execute(select(model.id, model.key).where(model.team_id == team_id)).all())

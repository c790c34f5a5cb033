"""Incidents of abuse, recorded by whichever agency learns of them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emarac.agencies.models import Agency, User
from emarac.clock import utcnow
from emarac.crypto import normalise
from emarac.crypto.fields import BlindIndex, EncryptedText, blind_index_column, encrypted_column
from emarac.models_base import Base, created_at, uuid_pk
from emarac.people.models import Person


class IncidentType(StrEnum):
    PHYSICAL = "physical"
    SEXUAL = "sexual"
    COERCIVE_CONTROL = "coercive_control"
    STALKING_HARASSMENT = "stalking_harassment"
    THREATS = "threats"
    ECONOMIC = "economic"
    HONOUR_BASED = "honour_based"
    DAMAGE = "damage"
    BREACH_OF_ORDER = "breach_of_order"
    OTHER = "other"

    @property
    def label(self) -> str:
        return INCIDENT_TYPE_LABELS[self]


INCIDENT_TYPE_LABELS = {
    IncidentType.PHYSICAL: "Physical",
    IncidentType.SEXUAL: "Sexual",
    IncidentType.COERCIVE_CONTROL: "Coercive or controlling behaviour",
    IncidentType.STALKING_HARASSMENT: "Stalking and harassment",
    IncidentType.THREATS: "Threats",
    IncidentType.ECONOMIC: "Economic",
    IncidentType.HONOUR_BASED: "So-called honour-based",
    IncidentType.DAMAGE: "Damage to property",
    IncidentType.BREACH_OF_ORDER: "Breach of bail or an order",
    IncidentType.OTHER: "Other",
}


class Incident(Base):
    __tablename__ = "incident"
    __table_args__ = (
        # Incidents flagged for alcohol or drugs, by victim and time, for the factor indicators.
        Index(
            "ix_incident_victim_drink",
            "victim_id",
            "occurred_at",
            postgresql_where=text("alcohol_or_drugs"),
            sqlite_where=text("alcohol_or_drugs"),
        ),
        # A victim's incidents in a range of time, with who did it: the repeat rule's
        # search for further abuse after a referral (indicators.queries).
        Index(
            "ix_incident_victim_time",
            "victim_id",
            "occurred_at",
            postgresql_include=["perpetrator_id"],
        ),
    )

    id: Mapped[uuid_pk]
    victim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    perpetrator_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    reporting_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    # encrypted
    agency_reference_ct: Mapped[bytes | None] = encrypted_column()
    agency_reference = EncryptedText("agency_reference_ct")
    location_ct: Mapped[bytes | None] = encrypted_column()
    location = EncryptedText("location_ct")
    injuries_ct: Mapped[bytes | None] = encrypted_column()
    injuries = EncryptedText("injuries_ct")
    narrative_ct: Mapped[bytes | None] = encrypted_column()
    narrative = EncryptedText("narrative_ct")
    agency_reference_bidx: Mapped[str | None] = blind_index_column()
    # plain, for statistics
    injured: Mapped[bool] = mapped_column(Boolean, default=False)
    weapon_used: Mapped[bool] = mapped_column(Boolean, default=False)
    children_present: Mapped[bool] = mapped_column(Boolean, default=False)
    alcohol_or_drugs: Mapped[bool] = mapped_column(Boolean, default=False)
    police_attended: Mapped[bool] = mapped_column(Boolean, default=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[created_at]

    reporting_agency: Mapped[Agency] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    perpetrator: Mapped[Person | None] = relationship(foreign_keys=[perpetrator_id])
    type_rows: Mapped[list[IncidentTypeRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    __blind_indexes__ = (
        BlindIndex("agency_reference_bidx", ("agency_reference",), normalise.reference),
    )

    @property
    def types(self) -> list[IncidentType]:
        return sorted(IncidentType(r.type) for r in self.type_rows)

    def set_types(self, types: set[IncidentType]) -> None:
        self.type_rows = [IncidentTypeRow(type=t) for t in sorted(types)]


class IncidentTypeRow(Base):
    """One type of an incident; a table (not a list column) so SQL can count by type."""

    __tablename__ = "incident_type"
    __table_args__ = (
        UniqueConstraint("incident_id", "type", name="uq_incident_type_incident_type"),
    )

    id: Mapped[uuid_pk]
    incident_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[IncidentType] = mapped_column(String(32))


class IncidentVersion(Base):
    """An earlier version of an incident, kept when the incident was corrected.

    The ``incident`` row always holds the current version (the indicators and
    the repeat rule read it). A correction first copies what the incident said
    into a row here, numbered as the version it was, with who recorded that
    version and when, then who corrected it, why, and which fields changed.
    Nothing is ever overwritten without a copy, so every version can be read back.
    """

    __tablename__ = "incident_version"
    __table_args__ = (
        UniqueConstraint("incident_id", "number", name="uq_incident_version_incident_number"),
    )

    id: Mapped[uuid_pk]
    incident_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer, comment="1 is the incident as first recorded")
    # what this version said
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    types: Mapped[list[str]] = mapped_column(JSON, comment="incident type codes")
    perpetrator_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    agency_reference_ct: Mapped[bytes | None] = encrypted_column()
    agency_reference = EncryptedText("agency_reference_ct")
    location_ct: Mapped[bytes | None] = encrypted_column()
    location = EncryptedText("location_ct")
    injuries_ct: Mapped[bytes | None] = encrypted_column()
    injuries = EncryptedText("injuries_ct")
    narrative_ct: Mapped[bytes | None] = encrypted_column()
    narrative = EncryptedText("narrative_ct")
    injured: Mapped[bool] = mapped_column(Boolean, default=False)
    weapon_used: Mapped[bool] = mapped_column(Boolean, default=False)
    children_present: Mapped[bool] = mapped_column(Boolean, default=False)
    alcohol_or_drugs: Mapped[bool] = mapped_column(Boolean, default=False)
    police_attended: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), comment="who wrote this version"
    )
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), comment="when this version was written"
    )
    # the correction that replaced it
    corrected_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    corrected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changed_fields: Mapped[list[str]] = mapped_column(
        JSON, comment="names of the fields the correction changed"
    )
    reason_ct: Mapped[bytes | None] = encrypted_column()
    reason = EncryptedText("reason_ct")

    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    corrected_by: Mapped[User] = relationship(foreign_keys=[corrected_by_id])

    @property
    def type_labels(self) -> list[str]:
        return [IncidentType(t).label for t in sorted(self.types)]

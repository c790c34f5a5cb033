"""People: victims, perpetrators and children, each recorded once.

A person can appear in many cases (a perpetrator with several victims).
Identifying and descriptive fields are encrypted; statistical fields (gender,
ethnic group, disability, age band, the LGBT+ flag) stay plain so indicators
can count them in SQL without decrypting anyone.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emarac.models_base import Base, created_at, uuid_pk


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    NON_BINARY = "non_binary"
    OTHER = "other"
    NOT_KNOWN = "not_known"


class EthnicGroup(StrEnum):
    WHITE = "white"
    MIXED = "mixed"
    ASIAN = "asian"
    BLACK = "black"
    OTHER = "other"
    NOT_KNOWN = "not_known"

    @property
    def is_minority(self) -> bool:
        """Counted as Black, Asian or minority ethnic in the quarterly return."""
        return self in {EthnicGroup.MIXED, EthnicGroup.ASIAN, EthnicGroup.BLACK, EthnicGroup.OTHER}


class YesNoUnknown(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not_known"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"


GENDER_LABELS = {
    Gender.FEMALE: "Female",
    Gender.MALE: "Male",
    Gender.NON_BINARY: "Non-binary",
    Gender.OTHER: "Other",
    Gender.NOT_KNOWN: "Not known",
}
ETHNIC_LABELS = {
    EthnicGroup.WHITE: "White",
    EthnicGroup.MIXED: "Mixed or multiple ethnic groups",
    EthnicGroup.ASIAN: "Asian or Asian British",
    EthnicGroup.BLACK: "Black, African, Caribbean or Black British",
    EthnicGroup.OTHER: "Other ethnic group",
    EthnicGroup.NOT_KNOWN: "Not known",
}
YES_NO_LABELS = {
    YesNoUnknown.YES: "Yes",
    YesNoUnknown.NO: "No",
    YesNoUnknown.NOT_KNOWN: "Not known",
    YesNoUnknown.PREFER_NOT_TO_SAY: "Prefer not to say",
}


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class Person(Base):
    __tablename__ = "person"

    id: Mapped[uuid_pk]
    # --- identifying, encrypted (see emarac.crypto) ---
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    aliases: Mapped[str | None] = mapped_column(String(500))
    date_of_birth: Mapped[date | None]
    current_address: Mapped[str | None] = mapped_column(String(500))
    postcode: Mapped[str | None] = mapped_column(String(16))
    previous_addresses: Mapped[str | None] = mapped_column(String(2000))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    first_language: Mapped[str | None] = mapped_column(String(80))
    # restricted: only the owner agency, the IDVA and coordinators see these
    safe_phone: Mapped[str | None] = mapped_column(String(40))
    safe_times: Mapped[str | None] = mapped_column(String(200))
    # --- statistical, plain ---
    estimated_age: Mapped[int | None] = mapped_column(
        Integer, comment="used when the date of birth is not known"
    )
    birth_year: Mapped[int | None] = mapped_column(
        Integer, comment="year only, for age bands in depersonalised statistics"
    )
    gender: Mapped[Gender] = mapped_column(String(16), default=Gender.NOT_KNOWN)
    ethnic_group: Mapped[EthnicGroup] = mapped_column(String(16), default=EthnicGroup.NOT_KNOWN)
    disability: Mapped[YesNoUnknown] = mapped_column(String(20), default=YesNoUnknown.NOT_KNOWN)
    lgbt: Mapped[YesNoUnknown] = mapped_column(
        String(20),
        default=YesNoUnknown.NOT_KNOWN,
        comment="lesbian, gay, bisexual or transgender; optional",
    )
    interpreter_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    immigration_concern: Mapped[bool] = mapped_column(Boolean, default=False)
    may_leave_message: Mapped[bool] = mapped_column(Boolean, default=False)
    restricted_address: Mapped[bool] = mapped_column(
        Boolean, default=False, comment="refuge or confidential address: restricted fields"
    )
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    merged_at: Mapped[datetime | None]
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    created_at: Mapped[created_at]

    @property
    def display_name(self) -> str:
        parts = [p for p in (self.given_name, self.family_name) if p]
        return " ".join(parts) if parts else "Name not known"

    def age(self, on: date) -> int | None:
        if self.date_of_birth is not None:
            return age_on(self.date_of_birth, on)
        return self.estimated_age

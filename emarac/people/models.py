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

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emarac.agencies.models import User
from emarac.crypto import normalise
from emarac.crypto.fields import (
    BlindIndex,
    EncryptedDate,
    EncryptedJSON,
    EncryptedText,
    TokenIndex,
    blind_index_column,
    encrypted_column,
)
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
    """Whole years from ``born`` to ``on`` (negative before ``born``)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_at(
    on: date,
    *,
    date_of_birth: date | None,
    estimated_age: int | None = None,
    estimated_on: date | None = None,
) -> int | None:
    """A person's age on a date: from the date of birth, else from an estimate.

    An estimate grows with the whole years since the date it was made (and
    shrinks for a date before it); an estimate with no date is taken as it is.
    """
    if date_of_birth is not None:
        return age_on(date_of_birth, on)
    if estimated_age is None:
        return None
    if estimated_on is None:
        return estimated_age
    return estimated_age + age_on(estimated_on, on)


class Person(Base):
    __tablename__ = "person"
    __table_args__ = (
        # The plain statistical columns by id, so the quarterly return and the
        # factors read people from this index alone rather than the wide
        # encrypted rows (indicators.queries). SQLite keeps only the id: it has
        # no INCLUDE.
        Index(
            "ix_person_statistics",
            "id",
            postgresql_include=[
                "birth_year",
                "estimated_age",
                "age_estimated_on",
                "gender",
                "ethnic_group",
                "disability",
                "lgbt",
                "alcohol",
                "drugs",
                "mental_health",
            ],
        ),
    )

    id: Mapped[uuid_pk]
    # --- identifying and descriptive: encrypted (emarac.crypto) ---
    given_name_ct: Mapped[bytes | None] = encrypted_column()
    given_name = EncryptedText("given_name_ct")
    family_name_ct: Mapped[bytes | None] = encrypted_column()
    family_name = EncryptedText("family_name_ct")
    date_of_birth_ct: Mapped[bytes | None] = encrypted_column()
    date_of_birth = EncryptedDate("date_of_birth_ct")
    current_address_ct: Mapped[bytes | None] = encrypted_column()
    current_address = EncryptedText("current_address_ct")
    postcode_ct: Mapped[bytes | None] = encrypted_column()
    postcode = EncryptedText("postcode_ct")
    previous_addresses_ct: Mapped[bytes | None] = encrypted_column()
    previous_addresses = EncryptedText("previous_addresses_ct")
    phone_ct: Mapped[bytes | None] = encrypted_column()
    phone = EncryptedText("phone_ct")
    email_ct: Mapped[bytes | None] = encrypted_column()
    email = EncryptedText("email_ct")
    first_language_ct: Mapped[bytes | None] = encrypted_column()
    first_language = EncryptedText("first_language_ct")
    # restricted: only the owner agency, the IDVA and coordinators see these
    safe_phone_ct: Mapped[bytes | None] = encrypted_column()
    safe_phone = EncryptedText("safe_phone_ct")
    safe_times_ct: Mapped[bytes | None] = encrypted_column()
    safe_times = EncryptedText("safe_times_ct")
    # --- blind indexes: search without decrypting the table ---
    family_name_bidx: Mapped[str | None] = blind_index_column()
    family_name_sound_bidx: Mapped[str | None] = blind_index_column()
    given_name_bidx: Mapped[str | None] = blind_index_column()
    surname_year_bidx: Mapped[str | None] = blind_index_column()
    date_of_birth_bidx: Mapped[str | None] = blind_index_column()
    phone_bidx: Mapped[str | None] = blind_index_column()
    postcode_bidx: Mapped[str | None] = blind_index_column()
    # --- statistical, plain ---
    estimated_age: Mapped[int | None] = mapped_column(
        Integer, comment="used when the date of birth is not known"
    )
    age_estimated_on: Mapped[date | None] = mapped_column(
        Date, comment="the date estimated_age was true on; ages at other dates count from it"
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
    # The person's own alcohol, drug and mental-health problems, each its own
    # item: the checklist asks about the abuser's three in one question, which
    # cannot be split into three factors. Plain, for the factor indicators only.
    alcohol: Mapped[YesNoUnknown] = mapped_column(
        String(20),
        default=YesNoUnknown.NOT_KNOWN,
        server_default=YesNoUnknown.NOT_KNOWN.value,
        comment="a problem with alcohol; for the causal-factor indicators",
    )
    drugs: Mapped[YesNoUnknown] = mapped_column(
        String(20),
        default=YesNoUnknown.NOT_KNOWN,
        server_default=YesNoUnknown.NOT_KNOWN.value,
        comment="a problem with drugs; for the causal-factor indicators",
    )
    mental_health: Mapped[YesNoUnknown] = mapped_column(
        String(20),
        default=YesNoUnknown.NOT_KNOWN,
        server_default=YesNoUnknown.NOT_KNOWN.value,
        comment="a mental-health problem; for the causal-factor indicators",
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

    aliases: Mapped[list[PersonAlias]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin"
    )
    name_tokens: Mapped[list[NameToken]] = relationship(
        cascade="all, delete-orphan", foreign_keys="NameToken.person_id"
    )

    __blind_indexes__ = (
        BlindIndex("family_name_bidx", ("family_name",), normalise.name),
        BlindIndex("family_name_sound_bidx", ("family_name",), normalise.phonetic),
        BlindIndex("given_name_bidx", ("given_name",), normalise.name),
        BlindIndex(
            "surname_year_bidx", ("family_name", "date_of_birth"), normalise.surname_and_year
        ),
        BlindIndex("date_of_birth_bidx", ("date_of_birth",), normalise.iso_date),
        BlindIndex("phone_bidx", ("phone",), normalise.phone),
        BlindIndex("postcode_bidx", ("postcode",), normalise.postcode),
    )
    # each part of the names, for search: "Pebbleton" finds "Pebbleton-Demo"
    __index_rows__ = "name_tokens"
    __token_indexes__ = (
        TokenIndex("given", "given_name", normalise.name_tokens),
        TokenIndex("given_sound", "given_name", normalise.sound_tokens),
        TokenIndex("family", "family_name", normalise.name_tokens),
        TokenIndex("family_sound", "family_name", normalise.sound_tokens),
    )

    @property
    def display_name(self) -> str:
        parts = [p for p in (self.given_name, self.family_name) if p]
        return " ".join(parts) if parts else "Name not known"

    def age(self, on: date) -> int | None:
        """The age on a date (an event's date), not today's age."""
        return age_at(
            on,
            date_of_birth=self.date_of_birth,
            estimated_age=self.estimated_age,
            estimated_on=self.age_estimated_on,
        )


class PersonAlias(Base):
    """Another name a person is known by; searched like the family name."""

    __tablename__ = "person_alias"

    id: Mapped[uuid_pk]
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    name_ct: Mapped[bytes | None] = encrypted_column()
    name = EncryptedText("name_ct")
    name_bidx: Mapped[str | None] = blind_index_column()
    name_sound_bidx: Mapped[str | None] = blind_index_column()

    person: Mapped[Person] = relationship(back_populates="aliases")
    name_tokens: Mapped[list[NameToken]] = relationship(
        cascade="all, delete-orphan", foreign_keys="NameToken.alias_id"
    )

    __blind_indexes__ = (
        BlindIndex("name_bidx", ("name",), lambda v: normalise.name(_surname_of(v))),
        BlindIndex("name_sound_bidx", ("name",), lambda v: normalise.phonetic(_surname_of(v))),
    )
    __index_rows__ = "name_tokens"
    __token_indexes__ = (
        TokenIndex("alias", "name", normalise.name_tokens),
        TokenIndex("alias_sound", "name", normalise.sound_tokens),
    )


class NameToken(Base):
    """One part of a person's name or alias as a blind index (see emarac.crypto.fields).

    Owned by the person (given and family names) or by the alias, so that
    merging people, which moves aliases, moves the alias's tokens with it.
    """

    __tablename__ = "person_name_token"

    id: Mapped[uuid_pk]
    person_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    alias_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("person_alias.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(
        String(16), comment="given, family or alias; _sound for the sound-alike code"
    )
    digest: Mapped[str] = mapped_column(String(24), comment="blind index")

    __table_args__ = (
        Index("ix_person_name_token_kind_digest", "kind", "digest"),
        # Only the rows of an alias (few): every row a key rotation rewrites
        # would otherwise add an entry for its empty alias_id (migration 0036).
        Index(
            "ix_person_name_token_alias_id",
            "alias_id",
            postgresql_where=text("alias_id IS NOT NULL"),
            sqlite_where=text("alias_id IS NOT NULL"),
        ),
        CheckConstraint("(person_id IS NULL) <> (alias_id IS NULL)", name="one_owner"),
    )


def _surname_of(full_name: str | None) -> str | None:
    """An alias may be a whole name; it is searched by its last word, like a surname."""
    if not full_name:
        return None
    words = full_name.split()
    return words[-1] if words else None


class PersonMerge(Base):
    """A merge of two records of one person, kept so it can be undone for 30 days."""

    __tablename__ = "person_merge"

    id: Mapped[uuid_pk]
    kept_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    merged_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    moved: Mapped[list[list[str]]] = mapped_column(
        JSON, comment="[table, row id, column] of every link moved: ids only"
    )
    merged_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    merged_at: Mapped[datetime]
    undone_at: Mapped[datetime | None]


class PersonCorrection(Base):
    """A correction of a person's details: the previous values, encrypted, and who changed them.

    ``previous`` maps each changed field to the value it had (dates as ISO text,
    aliases as a list); erasure at retention review nulls it and keeps the rest.
    """

    __tablename__ = "person_correction"

    id: Mapped[uuid_pk]
    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    fields: Mapped[list[str]] = mapped_column(JSON, comment="names of the fields changed")
    previous_ct: Mapped[bytes | None] = encrypted_column()
    previous = EncryptedJSON("previous_ct")
    corrected_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    corrected_at: Mapped[created_at]

    corrected_by: Mapped[User] = relationship()

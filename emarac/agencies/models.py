"""Areas, agencies and their users: who may hold an account under the protocol."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emarac.clock import as_utc, utcnow
from emarac.crypto.fields import EncryptedText, encrypted_column
from emarac.models_base import Base, created_at, uuid_pk


class AgencyKind(StrEnum):
    POLICE = "police"
    PROBATION = "probation"
    HEALTH = "health"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care"
    ADULT_SOCIAL_CARE = "adult_social_care"
    HOUSING = "housing"
    EDUCATION = "education"
    IDVA_SERVICE = "idva_service"
    REFUGE = "refuge"
    SPECIALIST_CHARITY = "specialist_charity"
    VICTIM_SUPPORT = "victim_support"
    YOUTH_OFFENDING = "youth_offending"
    FIRE_AND_RESCUE = "fire_and_rescue"
    OTHER = "other"

    @property
    def label(self) -> str:
        return AGENCY_KIND_LABELS[self]


AGENCY_KIND_LABELS: dict[AgencyKind, str] = {
    AgencyKind.POLICE: "Police",
    AgencyKind.PROBATION: "Probation",
    AgencyKind.HEALTH: "Health",
    AgencyKind.CHILDRENS_SOCIAL_CARE: "Children's social care",
    AgencyKind.ADULT_SOCIAL_CARE: "Adult social care",
    AgencyKind.HOUSING: "Housing or social landlord",
    AgencyKind.EDUCATION: "Education",
    AgencyKind.IDVA_SERVICE: "IDVA service",
    AgencyKind.REFUGE: "Refuge",
    AgencyKind.SPECIALIST_CHARITY: "Specialist domestic abuse charity",
    AgencyKind.VICTIM_SUPPORT: "Victim support",
    AgencyKind.YOUTH_OFFENDING: "Youth offending",
    AgencyKind.FIRE_AND_RESCUE: "Fire and rescue",
    AgencyKind.OTHER: "Other",
}


class Role(StrEnum):
    PRACTITIONER = "practitioner"
    IDVA = "idva"
    COORDINATOR = "coordinator"
    CHAIR = "chair"
    MANAGER = "manager"
    DPO = "dpo"
    AGENCY_ADMIN = "agency_admin"
    SYSTEM_ADMIN = "system_admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.PRACTITIONER: "Practitioner",
    Role.IDVA: "IDVA",
    Role.COORDINATOR: "MARAC coordinator",
    Role.CHAIR: "MARAC chair",
    Role.MANAGER: "Manager or analyst",
    Role.DPO: "Data protection officer",
    Role.AGENCY_ADMIN: "Agency administrator",
    Role.SYSTEM_ADMIN: "System administrator",
}


class Area(Base):
    """A MARAC area: one partnership's conference and its agencies."""

    __tablename__ = "area"

    id: Mapped[uuid_pk]
    name: Mapped[str] = mapped_column(String(120), unique=True)
    adult_female_population: Mapped[int | None] = mapped_column(
        Integer, comment="women aged 16+ in the area, for cases per 10,000"
    )
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[created_at]

    agencies: Mapped[list[Agency]] = relationship(back_populates="area")


class Agency(Base):
    """A partner organisation; only signatories of the protocol may hold accounts."""

    __tablename__ = "agency"

    id: Mapped[uuid_pk]
    name: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[AgencyKind] = mapped_column(String(32))
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("area.id"))
    isp_signed_on: Mapped[date | None] = mapped_column(
        Date, comment="date the agency signed the information-sharing protocol"
    )
    suspended_at: Mapped[datetime | None]
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[created_at]

    area: Mapped[Area] = relationship(back_populates="agencies")
    users: Mapped[list[User]] = relationship(back_populates="agency")

    @property
    def kind_label(self) -> str:
        return AgencyKind(self.kind).label

    @property
    def may_hold_accounts(self) -> bool:
        return self.isp_signed_on is not None and self.suspended_at is None

    @property
    def protocol_status(self) -> str:
        if self.suspended_at is not None:
            return "Suspended"
        if self.isp_signed_on is None:
            return "Not signed"
        return f"Signed on {self.isp_signed_on:%-d %B %Y}"


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role", name="uq_user_role_user_id_role"),)

    id: Mapped[uuid_pk]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(String(32))


class User(UserMixin, Base):
    """A member of staff of one agency. Not a victim or perpetrator record."""

    __tablename__ = "user_account"

    id: Mapped[uuid_pk]
    email: Mapped[str] = mapped_column(String(254), unique=True, comment="stored lower-case")
    full_name: Mapped[str] = mapped_column(String(160))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    totp_secret_ct: Mapped[bytes | None] = encrypted_column()
    totp_secret = EncryptedText("totp_secret_ct")
    totp_confirmed_at: Mapped[datetime | None]
    totp_last_step: Mapped[int] = mapped_column(
        Integer, default=0, comment="last accepted TOTP time step; refuses replays"
    )
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    session_version: Mapped[int] = mapped_column(
        Integer, default=1, comment="bumped to end every session of this user"
    )
    suspended_at: Mapped[datetime | None]
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[created_at]

    agency: Mapped[Agency] = relationship(back_populates="users", lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def set_roles(self, roles: set[Role] | frozenset[Role]) -> None:
        wanted = set(roles)
        self.role_rows = [r for r in self.role_rows if Role(r.role) in wanted]
        have = {Role(r.role) for r in self.role_rows}
        for role in sorted(wanted - have):
            self.role_rows.append(UserRole(role=role))

    def has_role(self, *roles: Role | str) -> bool:
        mine = {str(r) for r in self.roles}
        return any(str(r) in mine for r in roles)

    @property
    def role_labels(self) -> list[str]:
        return [role.label for role in sorted(self.roles)]

    @property
    def is_active(self) -> bool:  # Flask-Login: suspended users cannot hold a session
        return self.suspended_at is None and self.agency.may_hold_accounts

    def is_locked(self) -> bool:
        return self.locked_until is not None and as_utc(self.locked_until) > utcnow()

    @property
    def status(self) -> str:
        if self.suspended_at is not None:
            return "Suspended"
        if self.password_hash is None:
            return "Invited"
        if self.is_locked():
            return "Locked"
        return "Active"


class RecoveryCode(Base):
    """One-use codes for a lost authenticator; only their hashes are kept."""

    __tablename__ = "recovery_code"

    id: Mapped[uuid_pk]
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(
        String(255),
        comment="argon2id of the code's SHA-256 (emarac/auth/totp.py); a bare SHA-256 "
        "from before revision 0014 until its owner next signs in",
    )
    used_at: Mapped[datetime | None]


class SetPasswordToken(Base):
    """An invitation or reset link; the token is random and only its hash is stored."""

    __tablename__ = "set_password_token"

    id: Mapped[uuid_pk]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]

    user: Mapped[User] = relationship(foreign_keys=[user_id])

"""Synthetic victims, perpetrators and children, with plausible demographics.

Shares follow published MARAC figures closely enough for the quarterly return
to look real: about 4-5% of victims male, about 16% Black, Asian or minority
ethnic, a few percent disabled or LGBT+, about 1.5% aged 16-17, and about 1%
of perpetrators aged 17 or under. Names come from :mod:`vocabulary` and are
obviously invented.
"""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from datetime import date, timedelta
from typing import Any

from emarac.people.models import EthnicGroup, Gender, Person, YesNoUnknown, age_on
from emarac.synth import vocabulary as words
from emarac.synth.context import Context

VICTIM_GENDER = ((Gender.FEMALE, 950), (Gender.MALE, 45), (Gender.NON_BINARY, 5))
PERPETRATOR_GENDER = ((Gender.MALE, 930), (Gender.FEMALE, 65), (Gender.NOT_KNOWN, 5))
ETHNIC = (
    (EthnicGroup.WHITE, 820),
    (EthnicGroup.ASIAN, 70),
    (EthnicGroup.BLACK, 50),
    (EthnicGroup.MIXED, 30),
    (EthnicGroup.OTHER, 15),
    (EthnicGroup.NOT_KNOWN, 15),
)
DISABILITY = ((YesNoUnknown.YES, 7), (YesNoUnknown.NO, 80), (YesNoUnknown.NOT_KNOWN, 13))
LGBT = (
    (YesNoUnknown.YES, 2),
    (YesNoUnknown.NO, 75),
    (YesNoUnknown.NOT_KNOWN, 20),
    (YesNoUnknown.PREFER_NOT_TO_SAY, 3),
)
# A few surnames are common and most are rare, as in a real population.
_SURNAME_WEIGHTS = list(
    itertools.accumulate(1.0 / (rank + 10) ** 0.9 for rank in range(len(words.SURNAMES)))
)
ENCRYPTED = (
    "given_name",
    "family_name",
    "date_of_birth",
    "current_address",
    "postcode",
    "previous_addresses",
    "phone",
    "email",
    "first_language",
    "safe_phone",
    "safe_times",
)
# Numbers Ofcom keeps for drama, so no generated number can ring anyone.
_PHONE_RANGES = ("07700 900", "01632 960", "020 7946 0", "0113 496 0", "0161 496 0")


_CUMULATIVE: dict[tuple[tuple[Any, int], ...], tuple[tuple[Any, ...], list[float]]] = {}


def pick(ctx: Context, table: tuple[tuple[Any, int], ...]) -> Any:
    """A value from ``(value, weight)`` pairs, by weight."""
    found = _CUMULATIVE.get(table)
    if found is None:
        values, weights = zip(*table, strict=True)
        found = _CUMULATIVE[table] = (values, list(itertools.accumulate(weights)))
    values, cumulative = found
    return values[bisect.bisect(cumulative, ctx.rng.random() * cumulative[-1])]


def surname(ctx: Context) -> str:
    index = bisect.bisect(_SURNAME_WEIGHTS, ctx.rng.random() * _SURNAME_WEIGHTS[-1])
    return words.SURNAMES[min(index, len(words.SURNAMES) - 1)]


def born(ctx: Context, *, youngest: int, oldest: int, typical: int, on: date | None = None) -> date:
    """A date of birth giving an age from ``youngest`` to ``oldest`` on ``on`` (today)."""
    on = on or ctx.today
    age_days = int(ctx.rng.triangular(youngest * 365.25, (oldest + 1) * 365.25, typical * 365.25))
    dob = on - timedelta(days=min(age_days, int((oldest + 1) * 365.25) - 1))
    # Whole days of 365.25 can fall a day short of a birthday: never younger than asked.
    while age_on(dob, on) < youngest:
        dob -= timedelta(days=1)
    return dob


def _phone(ctx: Context) -> str:
    return f"{ctx.rng.choice(_PHONE_RANGES)}{ctx.rng.randint(0, 999):03d}"


def _address(ctx: Context) -> tuple[str, str]:
    street = ctx.rng.choice(words.STREETS)
    letter = ctx.rng.choice("ABDEFGHJLNPQRSTUWXYZ")
    postcode = f"ZZ{ctx.rng.randint(1, 99)} {ctx.rng.randint(1, 9)}{letter}Z"
    return f"{ctx.rng.randint(1, 240)} {street}, Synthtown {words.MARK}", postcode


# Shares answered yes and no for a person's own alcohol, drug and mental-health
# problems; the rest are not known.
PROBLEMS = {"alcohol": (0.2, 0.4), "drugs": (0.12, 0.45), "mental_health": (0.25, 0.35)}


def _problems(person_id: uuid.UUID) -> dict[str, str]:
    """A person's three problems, drawn from a stream of their own (seeded by the id).

    The main stream is left alone, so every other value a seed gives stays as it was.
    """
    draw = random.Random(person_id.int)  # noqa: S311  # nosec B311 - synthetic data
    answers = {}
    for name, (yes, no) in PROBLEMS.items():
        roll = draw.random()
        answers[name] = "yes" if roll < yes else "no" if roll < yes + no else "not_known"
    return answers


def _row(
    ctx: Context,
    values: dict[str, Any],
    *,
    agency: uuid.UUID,
    created: Any,
    gender: Gender,
    ethnic: EthnicGroup,
    disability: YesNoUnknown = YesNoUnknown.NOT_KNOWN,
    lgbt: YesNoUnknown = YesNoUnknown.NOT_KNOWN,
    estimated_age: int | None = None,
    estimated_on: date | None = None,
    **flags: bool,
) -> uuid.UUID:
    person_id = ctx.new_id()
    dob = values.get("date_of_birth")
    row: dict[str, Any] = {
        "id": person_id,
        "estimated_age": estimated_age,
        "age_estimated_on": estimated_on,
        "birth_year": dob.year if dob else None,
        "gender": gender.value,
        "ethnic_group": ethnic.value,
        "disability": disability.value,
        "lgbt": lgbt.value,
        **_problems(person_id),
        "interpreter_needed": flags.get("interpreter_needed", False),
        "immigration_concern": flags.get("immigration_concern", False),
        "may_leave_message": flags.get("may_leave_message", False),
        "restricted_address": flags.get("restricted_address", False),
        "merged_into_id": None,
        "merged_at": None,
        "is_demo": True,
        "created_by_agency_id": agency,
        "created_at": created,
    }
    plain = {name: values.get(name) for name in ENCRYPTED}
    ctx.sealer.seal_into(row, Person, person_id, plain)
    ctx.batch.add("person", row)
    # Name parts are indexed as the rows are made, not by a pass that decrypts them after.
    ctx.batch.table("person_name_token").extend(ctx.sealer.token_rows(Person, person_id, plain))
    return person_id


def victim(ctx: Context, *, agency: uuid.UUID, created: Any) -> tuple[uuid.UUID, str, EthnicGroup]:
    """A new victim: the id, and the surname and ethnic group their children often share."""
    rng = ctx.rng
    gender = pick(ctx, VICTIM_GENDER)
    # Ages as on the day the case is opened: every referral and hearing comes later,
    # so no victim is under 16 at any of them (MARAC is for 16 and over).
    opened = created.date()
    if ctx.chance(0.015):
        dob = born(ctx, youngest=16, oldest=17, typical=17, on=opened)
    else:
        dob = born(ctx, youngest=18, oldest=80, typical=29, on=opened)
    family = surname(ctx)
    given = rng.choice(words.GIVEN_MALE if gender is Gender.MALE else words.GIVEN_FEMALE)
    address, postcode = _address(ctx)
    language = rng.choice(words.LANGUAGES)
    known_dob = ctx.chance(0.98)
    ethnic = pick(ctx, ETHNIC)
    values = {
        "given_name": given,
        "family_name": family,
        "date_of_birth": dob if known_dob else None,
        "current_address": address,
        "postcode": postcode,
        "previous_addresses": _address(ctx)[0] if ctx.chance(0.2) else None,
        "phone": _phone(ctx) if ctx.chance(0.6) else None,
        "email": f"{given.lower()}.{ctx.rng.randint(1, 9999)}@example.invalid"
        if ctx.chance(0.3)
        else None,
        "first_language": language,
        "safe_phone": _phone(ctx) if ctx.chance(0.4) else None,
        "safe_times": rng.choice(words.SAFE_TIMES) if ctx.chance(0.4) else None,
    }
    person_id = _row(
        ctx,
        values,
        agency=agency,
        created=created,
        gender=gender,
        ethnic=ethnic,
        disability=pick(ctx, DISABILITY),
        lgbt=pick(ctx, LGBT),
        estimated_age=None if known_dob else age_on(dob, opened),
        estimated_on=None if known_dob else opened,
        interpreter_needed=language != "English" and ctx.chance(0.5),
        immigration_concern=ctx.chance(0.03),
        may_leave_message=ctx.chance(0.4),
        restricted_address=ctx.chance(0.1),
    )
    return person_id, family, ethnic


def perpetrator(ctx: Context, *, agency: uuid.UUID, created: Any) -> uuid.UUID:
    gender = pick(ctx, PERPETRATOR_GENDER)
    if ctx.chance(0.01):
        dob = born(ctx, youngest=13, oldest=17, typical=16)
    else:
        dob = born(ctx, youngest=18, oldest=75, typical=32)
    known_dob = ctx.chance(0.88)
    with_address = ctx.chance(0.5)
    address, postcode = _address(ctx)
    values = {
        "given_name": ctx.rng.choice(
            words.GIVEN_FEMALE if gender is Gender.FEMALE else words.GIVEN_MALE
        ),
        "family_name": surname(ctx),
        "date_of_birth": dob if known_dob else None,
        "current_address": address if with_address else None,
        "postcode": postcode if with_address else None,
    }
    return _row(
        ctx,
        values,
        agency=agency,
        created=created,
        gender=gender,
        ethnic=pick(ctx, ETHNIC),
        estimated_age=None if known_dob else age_on(dob, created.date()),
        estimated_on=None if known_dob else created.date(),
    )


def child(
    ctx: Context, *, family: str, ethnic: EthnicGroup, agency: uuid.UUID, created: Any
) -> tuple[uuid.UUID, date]:
    dob = born(ctx, youngest=0, oldest=17, typical=6)
    values = {
        "given_name": ctx.rng.choice(words.GIVEN_CHILD),
        "family_name": family if ctx.chance(0.7) else surname(ctx),
        "date_of_birth": dob,
    }
    gender = Gender.FEMALE if ctx.chance(0.5) else Gender.MALE
    return _row(ctx, values, agency=agency, created=created, gender=gender, ethnic=ethnic), dob

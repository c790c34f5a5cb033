# ruff: noqa: S608 - the SQL is built from constants in definitions.py, never from input
"""Indicators written out whole in plain PostgreSQL, as an analyst would.

``make bench`` times each beside the app's own statement for the same
indicator (``emarac/indicators/queries.py``), and
``tests/indicators/test_queries.py`` checks they give the same figures.
"""

from __future__ import annotations

from emarac.indicators import definitions
from emarac.indicators.periods import Filters
from emarac.risk import return_sources

CASES_HEARD_SQL = """
SELECT count(*) AS heard
FROM agenda_item ai
JOIN meeting m ON m.id = ai.meeting_id
JOIN marac_case c ON c.id = ai.case_id
LEFT JOIN referral r ON r.id = ai.referral_id
WHERE m.status IN ('in_session', 'minutes_drafted', 'minutes_approved', 'minuted', 'closed')
  AND (ai.outcome IS NULL OR ai.outcome NOT IN ('deferred', 'withdrawn'))
  AND m.held_on BETWEEN :start AND :end
  AND (CAST(:area_id AS uuid) IS NULL OR m.area_id = CAST(:area_id AS uuid))
  AND (CAST(:referring_agency_id AS uuid) IS NULL
       OR coalesce(r.referring_agency_id, c.referring_agency_id, c.owning_agency_id)
          = CAST(:referring_agency_id AS uuid))
"""

REPEAT_RATE_SQL = """
SELECT CAST(date_trunc('quarter', m.held_on) AS date) AS quarter_start,
       count(*) AS heard,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1
           FROM referral l
           JOIN marac_case lc ON lc.id = l.case_id
           WHERE lc.victim_id = c.victim_id
             AND l.status = 'accepted'
             AND l.meeting_id IS DISTINCT FROM ai.meeting_id
             AND l.submitted_on = (
                 SELECT max(e.submitted_on)
                 FROM referral e
                 JOIN marac_case ec ON ec.id = e.case_id
                 WHERE ec.victim_id = c.victim_id
                   AND e.status = 'accepted'
                   AND e.submitted_on < coalesce(r.submitted_on, m.held_on)
                   AND e.meeting_id IS DISTINCT FROM ai.meeting_id)
             AND EXISTS (
                 SELECT 1
                 FROM incident i
                 WHERE i.victim_id = c.victim_id
                   AND CAST(i.occurred_at AT TIME ZONE 'UTC' AS date) > l.submitted_on
                   AND CAST(i.occurred_at AT TIME ZONE 'UTC' AS date)
                       <= CAST(l.submitted_on + interval '12 months' AS date)
                   AND CAST(i.occurred_at AT TIME ZONE 'UTC' AS date)
                       <= coalesce(r.submitted_on, m.held_on)
                   AND (i.perpetrator_id IS NULL
                        OR NOT EXISTS (SELECT 1 FROM case_perpetrator p WHERE p.case_id = l.case_id)
                        OR EXISTS (SELECT 1 FROM case_perpetrator p
                                   WHERE p.case_id = l.case_id
                                     AND p.person_id = i.perpetrator_id)))
       )) AS repeats
FROM agenda_item ai
JOIN meeting m ON m.id = ai.meeting_id
JOIN marac_case c ON c.id = ai.case_id
LEFT JOIN referral r ON r.id = ai.referral_id
WHERE m.status IN ('in_session', 'minutes_drafted', 'minutes_approved', 'minuted', 'closed')
  AND (ai.outcome IS NULL OR ai.outcome NOT IN ('deferred', 'withdrawn'))
  AND m.held_on BETWEEN :start AND :end
  AND (CAST(:area_id AS uuid) IS NULL OR m.area_id = CAST(:area_id AS uuid))
  AND (CAST(:referring_agency_id AS uuid) IS NULL
       OR coalesce(r.referring_agency_id, c.referring_agency_id, c.owning_agency_id)
          = CAST(:referring_agency_id AS uuid))
GROUP BY 1
ORDER BY 1
"""

DAYS_TO_HEARING_SQL = """
SELECT count(*) AS hearings,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY m.held_on - r.submitted_on) AS median,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY m.held_on - r.submitted_on) AS p90
FROM agenda_item ai
JOIN meeting m ON m.id = ai.meeting_id
JOIN marac_case c ON c.id = ai.case_id
JOIN referral r ON r.id = ai.referral_id
WHERE m.status IN ('in_session', 'minutes_drafted', 'minutes_approved', 'minuted', 'closed')
  AND (ai.outcome IS NULL OR ai.outcome NOT IN ('deferred', 'withdrawn'))
  AND m.held_on BETWEEN :start AND :end
  AND (CAST(:area_id AS uuid) IS NULL OR m.area_id = CAST(:area_id AS uuid))
  AND (CAST(:referring_agency_id AS uuid) IS NULL
       OR coalesce(r.referring_agency_id, c.referring_agency_id, c.owning_agency_id)
          = CAST(:referring_agency_id AS uuid))
"""


def _quoted(values: object) -> str:
    """A constant list from ``definitions`` as SQL literals: ``'a', 'b'``."""
    return ", ".join(f"'{value}'" for value in values)  # type: ignore[attr-defined]


# The hearings the filters select, as a CTE the statements below begin with.
_HEARD = f"""
WITH heard AS (
    SELECT ai.id AS item_id, ai.meeting_id, ai.case_id, c.victim_id, m.held_on,
           m.area_id, ai.referral_id,
           CAST(date_trunc('quarter', m.held_on) AS date) AS quarter_start,
           r.submitted_on AS referred_on,
           coalesce(r.submitted_on, m.held_on) AS reference_on,
           coalesce(r.referring_agency_id, c.referring_agency_id, c.owning_agency_id)
               AS referring_agency_id
    FROM agenda_item ai
    JOIN meeting m ON m.id = ai.meeting_id
    JOIN marac_case c ON c.id = ai.case_id
    LEFT JOIN referral r ON r.id = ai.referral_id
    WHERE m.status IN ({_quoted(definitions.HEARD_STATUSES)})
      AND (ai.outcome IS NULL OR ai.outcome NOT IN ({_quoted(definitions.NOT_HEARD_OUTCOMES)}))
      AND m.held_on BETWEEN :start AND :end
      AND (CAST(:area_id AS uuid) IS NULL OR m.area_id = CAST(:area_id AS uuid))
      AND (CAST(:referring_agency_id AS uuid) IS NULL
           OR coalesce(r.referring_agency_id, c.referring_agency_id, c.owning_agency_id)
              = CAST(:referring_agency_id AS uuid))
)
"""


def _age(person: str, day: str) -> str:
    """A person's age on a day, as ``definitions`` reckons it (year of birth, else estimate)."""
    return f"""CASE
        WHEN {person}.birth_year IS NOT NULL
            THEN CAST(extract(year FROM {day}) AS integer) - {person}.birth_year
        WHEN {person}.age_estimated_on IS NOT NULL
            THEN {person}.estimated_age
                 + CAST(extract(year FROM {day}) AS integer)
                 - CAST(extract(year FROM {person}.age_estimated_on) AS integer)
                 - CASE WHEN to_char({day}, 'MM-DD') < to_char({person}.age_estimated_on, 'MM-DD')
                        THEN 1 ELSE 0 END
        ELSE {person}.estimated_age
    END"""


def _bucket_kinds(bucket: str) -> str:
    return _quoted(k for k, v in definitions.AGENCY_BUCKETS.items() if v == bucket)


# Is the hearing ``h`` a repeat? The victim's last accepted referral before the
# reference date (not one taken to this meeting) has an incident after it, within
# 12 months and on or before the reference date, naming one of that case's
# perpetrators, or none, or the case names none.
_MONTHS = definitions.REPEAT_WINDOW_MONTHS
_IS_REPEAT = f"""EXISTS (
    SELECT 1
    FROM referral l
    JOIN marac_case lc ON lc.id = l.case_id
    WHERE lc.victim_id = h.victim_id
      AND l.status = '{definitions.ACCEPTED}'
      AND l.meeting_id IS DISTINCT FROM h.meeting_id
      AND l.submitted_on = (
          SELECT max(e.submitted_on)
          FROM referral e
          JOIN marac_case ec ON ec.id = e.case_id
          WHERE ec.victim_id = h.victim_id
            AND e.status = '{definitions.ACCEPTED}'
            AND e.submitted_on < h.reference_on
            AND e.meeting_id IS DISTINCT FROM h.meeting_id)
      AND EXISTS (
          SELECT 1
          FROM incident i
          WHERE i.victim_id = h.victim_id
            AND CAST(i.occurred_at AT TIME ZONE 'UTC' AS date) > l.submitted_on
            AND CAST(i.occurred_at AT TIME ZONE 'UTC' AS date)
                <= CAST(l.submitted_on + interval '{_MONTHS} months' AS date)
            AND CAST(i.occurred_at AT TIME ZONE 'UTC' AS date) <= h.reference_on
            AND (i.perpetrator_id IS NULL
                 OR NOT EXISTS (SELECT 1 FROM case_perpetrator p WHERE p.case_id = l.case_id)
                 OR EXISTS (SELECT 1 FROM case_perpetrator p
                            WHERE p.case_id = l.case_id
                              AND p.person_id = i.perpetrator_id))))"""

QUARTERLY_RETURN_SQL = (
    _HEARD
    + """
SELECT h.quarter_start,
       count(DISTINCT h.meeting_id) AS meetings,
       count(*) AS cases_discussed,
       count(*) FILTER (WHERE {is_repeat}) AS repeat_cases,
       coalesce(sum((SELECT count(*) FROM case_child cc
                     WHERE cc.case_id = h.case_id AND cc.lives_in_household)), 0) AS children,
       count(*) FILTER (WHERE a.kind IN ({police})) AS police,
       count(*) FILTER (WHERE a.kind IN ({idva})) AS idva,
       count(*) FILTER (WHERE a.kind IN ({health})) AS health,
       count(*) FILTER (WHERE a.kind IN ({childrens_services})) AS childrens_services,
       count(*) FILTER (WHERE a.kind IN ({housing})) AS housing,
       count(*) FILTER (WHERE a.kind IS NULL OR a.kind NOT IN ({all_kinds})) AS others,
       count(*) FILTER (WHERE v.ethnic_group IN ({minority})) AS victims_bame,
       count(*) FILTER (WHERE v.lgbt = '{yes}') AS victims_lgbt,
       count(*) FILTER (WHERE v.disability = '{yes}') AS victims_disabled,
       count(*) FILTER (WHERE v.gender = '{male}') AS victims_male,
       count(*) FILTER (WHERE {victim_age} IN ({victim_ages})) AS victims_aged_16_17,
       coalesce(sum((SELECT count(*) FROM case_perpetrator cp
                      JOIN person p ON p.id = cp.person_id
                      WHERE cp.case_id = h.case_id
                        AND {perpetrator_age} <= {oldest_young})), 0)
           AS perpetrators_17_or_under
FROM heard h
JOIN person v ON v.id = h.victim_id
LEFT JOIN agency a ON a.id = h.referring_agency_id
GROUP BY h.quarter_start
ORDER BY h.quarter_start
""".format(
        is_repeat=_IS_REPEAT,
        police=_bucket_kinds("police"),
        idva=_bucket_kinds("idva"),
        health=_bucket_kinds("health"),
        childrens_services=_bucket_kinds("childrens_services"),
        housing=_bucket_kinds("housing"),
        all_kinds=_quoted(definitions.AGENCY_BUCKETS),
        minority=_quoted(definitions.MINORITY_ETHNIC_GROUPS),
        yes=definitions.YES,
        male=definitions.MALE,
        victim_age=_age("v", "h.held_on"),
        victim_ages=", ".join(str(age) for age in definitions.VICTIM_AGES),
        perpetrator_age=_age("p", "h.held_on"),
        oldest_young=definitions.OLDEST_YOUNG_PERPETRATOR,
    )
)


def _assessed(codes: tuple[str, ...]) -> str:
    """The hearing's case had a yes, on or before it, to a question feeding one of ``codes``."""
    patterns = ", ".join(f"'%,{code},%'" for code in codes)
    return f"""EXISTS (
        SELECT 1 FROM risk_assessment ra
        WHERE ra.case_id = h.case_id
          AND ra.completed_on <= h.held_on
          AND ra.yes_factors LIKE ANY (ARRAY[{patterns}]))"""


def _on_record(whose: str, column: str) -> str:
    """The victim, or a perpetrator linked to the case, has "yes" on the person record."""
    if whose == "victim":
        return f"EXISTS (SELECT 1 FROM person v WHERE v.id = h.victim_id AND v.{column} = 'yes')"
    return f"""EXISTS (
        SELECT 1 FROM case_perpetrator cp JOIN person p ON p.id = cp.person_id
        WHERE cp.case_id = h.case_id AND p.{column} = 'yes')"""


def _factor(name: str) -> str:
    """Whether the hearing ``h`` has the factor, from each of its sources."""
    sources = []
    if name in definitions.FACTOR_CODES:
        sources.append(_assessed(definitions.FACTOR_CODES[name]))
    if name in definitions.PROFILE_FACTORS:
        sources.append(_on_record(*definitions.PROFILE_FACTORS[name]))
    if name == definitions.INCIDENT_FACTOR:
        sources.append(f"""EXISTS (
           SELECT 1 FROM incident i
           WHERE i.victim_id = h.victim_id
             AND i.alcohol_or_drugs
             AND CAST(i.occurred_at AT TIME ZONE 'UTC' AS date)
                 BETWEEN h.held_on - {definitions.INCIDENT_WINDOW_DAYS} AND h.held_on)""")
    return " OR ".join(f"({source})" for source in sources)


FACTORS_SQL = (
    _HEARD
    + """
SELECT h.quarter_start,
       count(*) AS heard,
       {factors}
FROM heard h
GROUP BY h.quarter_start
ORDER BY h.quarter_start
""".format(
        factors=",\n       ".join(
            f"count(*) FILTER (WHERE {_factor(name)}) AS {name}" for name in definitions.FACTORS
        ),
    )
)

_DONE, _CANNOT = definitions.DONE, definitions.CANNOT
ACTIONS_ON_TIME_SQL = f"""
SELECT count(*) AS due,
       count(*) FILTER (WHERE a.status = '{_DONE}' AND a.completed_on <= a.due_on) AS on_time,
       count(*) FILTER (WHERE a.status = '{_DONE}'
                        AND (a.completed_on IS NULL OR a.completed_on > a.due_on)) AS late,
       count(*) FILTER (WHERE a.status = '{_CANNOT}') AS cannot,
       count(*) FILTER (WHERE a.status NOT IN ('{_DONE}', '{_CANNOT}')) AS still_open
FROM action a
JOIN marac_case c ON c.id = a.case_id
LEFT JOIN meeting m ON m.id = a.meeting_id
WHERE a.due_on BETWEEN :start AND :end
  AND (CAST(:area_id AS uuid) IS NULL
       OR coalesce(m.area_id, c.area_id) = CAST(:area_id AS uuid))
  AND (CAST(:referring_agency_id AS uuid) IS NULL
       OR coalesce(c.referring_agency_id, c.owning_agency_id)
          = CAST(:referring_agency_id AS uuid))
"""

ATTENDANCE_SQL = f"""
SELECT count(DISTINCT m.id) AS meetings,
       count(mi.id) AS invited,
       count(mi.id) FILTER (WHERE EXISTS (
           SELECT 1 FROM attendance at
           WHERE at.meeting_id = mi.meeting_id AND at.agency_id = mi.agency_id)) AS attended
FROM meeting m
LEFT JOIN meeting_invite mi ON mi.meeting_id = m.id
WHERE m.status IN ({_quoted(definitions.HEARD_STATUSES)})
  AND m.held_on BETWEEN :start AND :end
  AND (CAST(:area_id AS uuid) IS NULL OR m.area_id = CAST(:area_id AS uuid))
"""

RESEARCH_RESPONSE_SQL = (
    _HEARD
    + """
SELECT (SELECT count(*)
        FROM heard h
        JOIN meeting_invite mi ON mi.meeting_id = h.meeting_id) AS expected,
       (SELECT count(*)
        FROM heard h
        JOIN meeting_invite mi ON mi.meeting_id = h.meeting_id
        JOIN research rs ON rs.meeting_id = h.meeting_id
                        AND rs.case_id = h.case_id
                        AND rs.agency_id = mi.agency_id) AS received
"""
)

REFERRALS_BY_AGENCY_SQL = f"""
SELECT r.referring_agency_id, count(*) AS referrals
FROM referral r
WHERE r.status NOT IN ({_quoted(definitions.UNCOUNTED_REFERRALS)})
  AND r.submitted_on BETWEEN :start AND :end
  AND (CAST(:area_id AS uuid) IS NULL OR r.area_id = CAST(:area_id AS uuid))
  AND (CAST(:referring_agency_id AS uuid) IS NULL
       OR r.referring_agency_id = CAST(:referring_agency_id AS uuid))
GROUP BY r.referring_agency_id
ORDER BY count(*) DESC, CAST(r.referring_agency_id AS text)
"""

AGENDA_OUTCOMES_SQL = f"""
SELECT count(*) FILTER (WHERE ai.outcome = '{definitions.DEFERRED}') AS deferred,
       count(*) FILTER (WHERE ai.outcome = '{definitions.WITHDRAWN}') AS withdrawn
FROM agenda_item ai
JOIN meeting m ON m.id = ai.meeting_id
JOIN marac_case c ON c.id = ai.case_id
LEFT JOIN referral r ON r.id = ai.referral_id
WHERE m.status IN ({_quoted(definitions.HEARD_STATUSES)})
  AND m.held_on BETWEEN :start AND :end
  AND (CAST(:area_id AS uuid) IS NULL OR m.area_id = CAST(:area_id AS uuid))
  AND (CAST(:referring_agency_id AS uuid) IS NULL
       OR coalesce(r.referring_agency_id, c.referring_agency_id, c.owning_agency_id)
          = CAST(:referring_agency_id AS uuid))
"""


def _source_of_kind() -> str:
    """The default referral-source category of the agency kind ``a.kind``."""
    whens = " ".join(
        f"WHEN '{kind}' THEN '{source}'" for kind, source in return_sources.DEFAULT_SOURCE.items()
    )
    return f"CASE a.kind {whens} ELSE '{return_sources.OTHER}' END"


RETURN_DETAILS_SQL = (
    _HEARD
    + """, sourced AS (
    SELECT h.*, coalesce(s.source, {default_source}) AS source
    FROM heard h
    LEFT JOIN agency a ON a.id = h.referring_agency_id
    LEFT JOIN area_referral_source s ON s.area_id = h.area_id AND s.agency_kind = a.kind
), details AS (
    SELECT h.quarter_start,
           {sources},
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM case_child cc
                                          WHERE cc.case_id = h.case_id
                                            AND cc.lives_in_household)) AS cases_with_children,
           {criteria}
    FROM sourced h
    LEFT JOIN referral r ON r.id = h.referral_id
    GROUP BY h.quarter_start
), sent_back AS (
    SELECT CAST(date_trunc('quarter', r.submitted_on) AS date) AS quarter_start,
           count(*) FILTER (WHERE r.status = 'returned') AS returned,
           count(*) FILTER (WHERE r.status = 'duplicate') AS duplicates
    FROM referral r
    WHERE r.status IN ({uncounted})
      AND r.submitted_on BETWEEN :start AND :end
      AND (CAST(:area_id AS uuid) IS NULL OR r.area_id = CAST(:area_id AS uuid))
      AND (CAST(:referring_agency_id AS uuid) IS NULL
           OR r.referring_agency_id = CAST(:referring_agency_id AS uuid))
    GROUP BY 1
)
SELECT quarter_start, {zeroed}, coalesce(returned, 0), coalesce(duplicates, 0)
FROM details FULL JOIN sent_back USING (quarter_start)
ORDER BY quarter_start
""".format(
        default_source=_source_of_kind(),
        sources=",\n           ".join(
            f"count(*) FILTER (WHERE h.source = '{code}') AS source_{code}"
            for code in return_sources.SOURCE_CODES
        ),
        criteria=",\n           ".join(
            f"count(*) FILTER (WHERE CAST(r.criteria AS text) LIKE '%\"{code}\"%') AS met_{code}"
            for code in definitions.CRITERIA
        ),
        uncounted=_quoted(definitions.UNCOUNTED_REFERRALS),
        zeroed=", ".join(
            f"coalesce({column}, 0)"
            for column in (
                *(f"source_{code}" for code in return_sources.SOURCE_CODES),
                "cases_with_children",
                *(f"met_{code}" for code in definitions.CRITERIA),
            )
        ),
    )
)

HAND_WRITTEN_SQL: dict[str, str] = {
    "cases_heard": CASES_HEARD_SQL,
    "repeat_rate": REPEAT_RATE_SQL,
    "days_to_hearing": DAYS_TO_HEARING_SQL,
    "quarterly_return": QUARTERLY_RETURN_SQL,
    "factors": FACTORS_SQL,
    "actions_on_time": ACTIONS_ON_TIME_SQL,
    "attendance": ATTENDANCE_SQL,
    "research_response": RESEARCH_RESPONSE_SQL,
    "referrals_by_agency": REFERRALS_BY_AGENCY_SQL,
    "agenda_outcomes": AGENDA_OUTCOMES_SQL,
    "return_details": RETURN_DETAILS_SQL,
}


def hand_written_sql(name: str) -> str | None:
    """One plain PostgreSQL statement for the indicator, or None when there is none.

    Bind it with ``hand_written_params(filters)``: ``:start``, ``:end``,
    ``:area_id`` and ``:referring_agency_id`` (the last two may be None).
    ``repeat_rate``, ``quarterly_return`` and ``factors`` give one row per quarter
    that has hearings, headed by the quarter's first day; ``referrals_by_agency``
    one row per agency, most first.
    """
    return HAND_WRITTEN_SQL.get(name)


def hand_written_params(filters: Filters) -> dict[str, object]:
    return {
        "start": filters.start,
        "end": filters.end,
        "area_id": filters.area_id,
        "referring_agency_id": filters.referring_agency_id,
    }

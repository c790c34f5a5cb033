"""Indicators written out whole in plain PostgreSQL, as an analyst would.

``make bench`` times each beside the app's own statement for the same
indicator (``emarac/indicators/queries.py``), and
``tests/indicators/test_queries.py`` checks they give the same figures.
"""

from __future__ import annotations

from emarac.indicators.periods import Filters

CASES_HEARD_SQL = """
SELECT count(*) AS heard
FROM agenda_item ai
JOIN meeting m ON m.id = ai.meeting_id
JOIN marac_case c ON c.id = ai.case_id
LEFT JOIN referral r ON r.id = ai.referral_id
WHERE m.status IN ('in_session', 'minuted', 'closed')
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
WHERE m.status IN ('in_session', 'minuted', 'closed')
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
WHERE m.status IN ('in_session', 'minuted', 'closed')
  AND m.held_on BETWEEN :start AND :end
  AND (CAST(:area_id AS uuid) IS NULL OR m.area_id = CAST(:area_id AS uuid))
  AND (CAST(:referring_agency_id AS uuid) IS NULL
       OR coalesce(r.referring_agency_id, c.referring_agency_id, c.owning_agency_id)
          = CAST(:referring_agency_id AS uuid))
"""

HAND_WRITTEN_SQL: dict[str, str] = {
    "cases_heard": CASES_HEARD_SQL,
    "repeat_rate": REPEAT_RATE_SQL,
    "days_to_hearing": DAYS_TO_HEARING_SQL,
}


def hand_written_sql(name: str) -> str | None:
    """One plain PostgreSQL statement for the indicator, or None when there is none.

    Bind it with ``hand_written_params(filters)``: ``:start``, ``:end``,
    ``:area_id`` and ``:referring_agency_id`` (the last two may be None).
    ``repeat_rate`` gives one row per quarter (heard, repeats) to be summed.
    """
    return HAND_WRITTEN_SQL.get(name)


def hand_written_params(filters: Filters) -> dict[str, object]:
    return {
        "start": filters.start,
        "end": filters.end,
        "area_id": filters.area_id,
        "referring_agency_id": filters.referring_agency_id,
    }

"""Random input to every route of the app's URL map: never a server error.

The world is the route matrix's (tests/protocol/test_route_matrix.py): real
agencies, a case with people, an incident, a referral, a minuted meeting, an
action, break-glass access. Signed in as a user of each role in turn (the
case's owner as the practitioner, the IDVA, the area's coordinator and chair,
a manager, a data-protection officer, the owner agency's administrator, a system administrator),
Hypothesis

- sends every GET route a random query string: page numbers (huge, negative,
  not numbers), period codes, day/month/year parts, ids (the world's and
  unknown ones), NUL and other control characters, bidi overrides,
  zero-width characters and long strings, under the names the app's filters
  read and a few it does not;
- POSTs to every form route random values for its fields: the names of the
  form on its GET page where it has one (with the page's own choices among
  the values), and otherwise names taken from every form of the app.

An answer of 500 or more, or an exception, fails the test. Any other answer
(a page, a message next to a field, 400, 404, 429) is fine. Signing out is
left out: it ends the session the other requests need.

Examples per route: ``EMARAC_FUZZ_EXAMPLES``, 1 by default (``make fuzz``
runs 50). Each example sends one request to every route, so by default every
route gets one random query string (GET) or form (POST) per role and backend,
seven per backend in all.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from tests.conftest import sign_in
from tests.protocol.test_route_matrix import (
    CHAIR,
    COORD,
    DPO,
    IDVA,
    MANAGER,
    OWNER,
    OWNER_ADMIN,
    SYSADMIN,
    World,
    app_routes,
    build_world,
    url_for_rule,
)
from tests.test_forms import _all_form_classes

EXAMPLES = int(os.environ.get("EMARAC_FUZZ_EXAMPLES", "1"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # a world is built per test: a stored example would not replay
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Query-string names the app reads (filters, the page, sign-in's next) and some it does not.
QUERY_NAMES = [
    "page",
    "period",
    "start",
    "end",
    "area",
    "agency",
    "user_id",
    "agency_id",
    "action",
    "object_type",
    "object_id",
    "date_from",
    "date_to",
    "next",
    "q",
    "id",
]
# Posted names that views read outside a form.
VIEW_FIELDS = ["stage", "use_person", "direction", "duplicate_of"]
SKIPPED_POSTS = {"auth.logout"}

HIDDEN = "\x00\x01\x08\x0b\x1b\x7f\x85\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
LONG = ["x" * 5000, "\x00" * 300, "\u202e" * 300, "9" * 400, "a\u200b" * 1000, "é" * 2100]
NASTY = st.text(alphabet=st.sampled_from(HIDDEN + ZERO_WIDTH + "aZ9 -/.%'\"<>&\n\t"), max_size=12)


def values(known: list[str]) -> st.SearchStrategy[str]:
    """One value for a field or query argument: ordinary, hostile or one of ``known``."""
    choices = [
        NASTY,
        st.text(max_size=20),
        # Long values are built, not drawn: drawing thousands of characters per
        # field per route would exhaust Hypothesis's budget for one example.
        st.sampled_from(LONG),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.sampled_from(["0", "-1", "1", "2", "9999", "99999999999999999999", "1e9", "NaN", ""]),
        st.sampled_from(["0001", "9999", "1899", "1900", "1950", "2000", "2026", "31", "12", "13"]),
        st.sampled_from(
            ["0001-01", "9999-Q4", "FY0001", "2026-Q1", "custom", "0001-01-01/9999-12-31"]
        ),
        st.uuids().map(str),
        st.sampled_from(["user:", "agency:", f"user:{uuid.uuid4()}", "up", "down", "confirm"]),
    ]
    if known:
        choices.append(st.sampled_from(known))
    return st.one_of(*choices)


def fields(names: list[str], known: list[str]) -> st.SearchStrategy[dict[str, list[str]]]:
    """A form body: some of ``names``, each with one to three values (date parts come in threes)."""
    return st.dictionaries(
        st.sampled_from(names) if names else st.text(max_size=10),
        st.lists(values(known), min_size=1, max_size=3),
        max_size=6,
    )


@dataclass
class Target:
    """A route as one actor sees it: its URL and, for a form, its field names and choices."""

    endpoint: str
    url: str
    names: list[str]
    known: list[str]


def _form_on(page: str, url: str) -> tuple[list[str], list[str]]:
    """The field names of the page's POST form for ``url``, and the values it offers."""
    soup = BeautifulSoup(page, "html.parser")
    names: list[str] = []
    known: list[str] = []
    for form in soup.find_all("form"):
        if (form.get("method") or "").lower() != "post" or form.get("action") not in (
            "",
            url,
            None,
        ):
            continue
        for tag in form.find_all(["input", "select", "textarea"]):
            if tag.get("name"):
                names.append(tag["name"])
            if tag.get("value"):
                known.append(tag["value"])
        known += [o["value"] for o in form.find_all("option") if o.get("value")]
    return sorted(set(names)), sorted(set(known))


def _every_form_field() -> list[str]:
    names = {
        name
        for form in _all_form_classes()
        for name, value in vars(form).items()
        if isinstance(value, UnboundField)
    }
    return sorted(names | set(VIEW_FIELDS))


@dataclass
class Fuzzed:
    world: World
    client: Any
    gets: list[Target]
    posts: list[Target]


@pytest.fixture(params=[OWNER, IDVA, COORD, CHAIR, MANAGER, DPO, OWNER_ADMIN, SYSADMIN])
def fuzzed(request, app, db, make, clock) -> Fuzzed:
    """The route matrix's world, one actor signed in, and every route that actor can reach."""
    world = build_world(db, make)
    client = app.test_client()
    assert sign_in(client, world.actors[request.param]).status_code == 302
    pool = _every_form_field()
    ids = [str(v) for v in world.params.values()]
    gets, posts = [], []
    for endpoint, rule in sorted(app_routes(app).items()):
        url = url_for_rule(app, rule, world.params)
        if "GET" in rule.methods:
            gets.append(Target(endpoint, url, QUERY_NAMES, ids))
        if "POST" in rule.methods and endpoint not in SKIPPED_POSTS:
            names, known = [], []
            if "GET" in rule.methods:
                names, known = _form_on(client.get(url).get_data(as_text=True), url)
            posts.append(Target(endpoint, url, names or pool, known + ids))
    return Fuzzed(world, client, gets, posts)


def _assert_no_server_error(method: str, target: Target, data: Any, response: Any) -> None:
    assert response.status_code < 500, (
        f"{method} {target.endpoint} {target.url} with {data!r}: {response.status_code}"
    )


@pytest.mark.slow
def test_random_query_strings_never_give_a_server_error(fuzzed):
    @FUZZ
    @given(st.data())
    def each(data: st.DataObject) -> None:
        for target in fuzzed.gets:
            query = data.draw(fields(target.names, target.known), label=target.endpoint)
            response = fuzzed.client.get(target.url, query_string=query)
            _assert_no_server_error("GET", target, query, response)

    each()


@pytest.mark.slow
def test_random_form_values_never_give_a_server_error(fuzzed):
    @FUZZ
    @given(st.data())
    def each(data: st.DataObject) -> None:
        for target in fuzzed.posts:
            form = data.draw(fields(target.names, target.known), label=target.endpoint)
            response = fuzzed.client.post(target.url, data=form)
            _assert_no_server_error("POST", target, form, response)
            if target.endpoint in fuzzed.world.restore:
                fuzzed.world.restore[target.endpoint]()

    each()

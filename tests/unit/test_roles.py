"""seeds/roles.yml: offices over time, resolved by date, errors with their lines."""
from __future__ import annotations

import datetime as dt

import pytest

from storywatch.language.roles import RolesError, load_roles, parse_roles, role_key
from storywatch.settings import REPO_ROOT

BOOK = """
offices:
  - role: harbour master
    of: Norway
    aliases: [Oslo]
    institution: Norwegian Coastal Administration
    holders:
      - {person: Kari Nord, from: 2015-01-01, to: 2020-06-01}
      - {person: Ola Sund, from: 2020-06-01}
"""


def test_the_holder_is_the_one_in_office_on_the_publication_date() -> None:
    book = parse_roles(BOOK)
    assert book.holder("Norway", "harbour master", dt.date(2019, 3, 1)).person == "Kari Nord"
    assert book.holder("Norway", "harbour master", dt.date(2020, 6, 1)).person == "Ola Sund"
    assert book.holder("Oslo", "harbour master", dt.date(2023, 1, 1)).person == "Ola Sund"
    assert book.holder("Norway", "harbour master", dt.date(2014, 1, 1)) is None
    assert book.holder("Norway", "harbour master", None) is None
    assert book.institution_of("Ola Sund", dt.date(2023, 1, 1)) == "Norwegian Coastal Administration"


def test_a_vaguer_role_matches_but_another_office_does_not() -> None:
    book = parse_roles(BOOK)
    assert book.holder("Norway", "master", dt.date(2023, 1, 1)) is None  # not specific enough
    assert book.holder("Norway", "deputy harbour master", dt.date(2023, 1, 1)).person == "Ola Sund"
    assert book.holder("Norway", "port director", dt.date(2023, 1, 1)) is None


def test_role_spellings_compare_equal() -> None:
    assert role_key("Secretary of Defense") == role_key("defence secretary")
    assert role_key("spokeswoman") == role_key("spokesman") == "spokesperson"


@pytest.mark.parametrize("text, message", [
    ("offices:\n  - role: mayor\n    of: Oslo\n    holders:\n      - {from: 2020-01-01}\n",
     "roles.yml line 5: holder of 'mayor of Oslo' has no 'person'"),
    ("offices:\n  - role: mayor\n    of: Oslo\n    holder:\n      - {person: A, from: 2020-01-01}\n",
     "roles.yml line 4: unknown key 'holder'"),
    ("offices:\n  - role: mayor\n    of: Oslo\n    holders:\n      - {person: A, from: 2020-13-01}\n",
     "roles.yml line 5: holder of 'mayor of Oslo': from '2020-13-01' is not a date"),
    ("offices:\n  - role: mayor\n    of: Oslo\n    holders:\n"
     "      - {person: A, from: 2020-01-01, to: 2019-01-01}\n",
     "'to' (2019-01-01) is not after 'from' (2020-01-01)"),
    ("offices: [\n", "roles.yml line"),
])
def test_mistakes_are_reported_with_their_line(text: str, message: str) -> None:
    with pytest.raises(RolesError) as raised:
        parse_roles(text)
    assert message in str(raised.value)


def test_the_shipped_roles_file_loads_and_knows_the_threads_offices() -> None:
    book = load_roles(REPO_ROOT / "seeds" / "roles.yml")
    on = dt.date(2022, 2, 10)
    assert book.holder("Iran", "president", on).person == "Ebrahim Raisi"
    assert book.holder("U.S.", "secretary of state", on).person == "Antony Blinken"
    assert book.holder("Russia", "foreign minister", on).person == "Sergei Lavrov"
    assert book.holder("Iran", "president", dt.date(2021, 8, 2)).person == "Hassan Rouhani"

"""Properties of the readers of untrusted text: front matter, URLs, numbers (hypothesis).

tests/unit/test_numbers.py holds the number normaliser's round trips (figures
with separators, numbers in words), its refusal of absurd lengths and its
never-raising on any text; the properties here add scale words, decimal commas
and ranges. Examples and deadlines are capped so the layer stays fast.
"""
from __future__ import annotations

import string

import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from storywatch.language.numbers import parse_number, parse_range
from storywatch.sources.article_files import ArticleFileError, parse_metadata, split_front_matter
from storywatch.web.urls import (
    absolute_http_url,
    host_of,
    is_http_url,
    normalize_url,
    same_article_url,
    without_credentials,
)

FAST = settings(max_examples=150, deadline=1000)

# -- front matter ------------------------------------------------------------------------------
# Text YAML can hold as a string: no surrogates (not UTF-8), no NUL (YAML refuses it), and
# no NEL (U+0085), which PyYAML's emitter writes raw with allow_unicode and then reads as a
# line break: a quirk of the writer, not of the reader under test.
yaml_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                           blacklist_characters="\x00\x85"), max_size=80)
metadata = st.fixed_dictionaries({}, optional={
    "title": yaml_text, "url": yaml_text, "source": yaml_text, "author": yaml_text})
body_text = st.text(max_size=300).filter(lambda t: t.split("\n", 1)[0].rstrip() != "---")


@FAST
@given(metadata, body_text)
def test_front_matter_written_by_yaml_reads_back_exactly(meta, body):
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + body
    assert split_front_matter(text) == (meta, body)


@FAST
@given(body_text)
def test_text_without_front_matter_is_all_body(body):
    assert split_front_matter(body) == ({}, body)


@FAST
@given(st.text(max_size=400))
def test_any_header_is_read_or_refused_with_a_reason_never_crashes(header):
    try:
        meta, _ = split_front_matter("---\n" + header + "\n---\nBody.\n")
    except ArticleFileError as exc:
        assert str(exc)  # a reason a person can read
    else:
        assert isinstance(meta, dict) and set(meta) <= {"title", "url", "source", "published", "author"}
        for key in ("title", "url", "source", "author"):
            assert meta.get(key) is None or isinstance(meta[key], str)


@FAST
@given(st.dictionaries(st.sampled_from(["title", "url", "source", "author"]),
                       st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(),
                                 st.lists(st.integers(), max_size=3),
                                 st.dictionaries(st.text(max_size=5), st.integers(), max_size=2)),
                       min_size=1))
def test_sidecar_with_values_of_the_wrong_type_is_refused_naming_the_key(meta):
    try:
        parse_metadata(yaml.safe_dump(meta), where="sidecar.yml")
    except ArticleFileError as exc:
        assert "sidecar.yml" in str(exc) and any(f"'{key}'" in str(exc) for key in meta)
    else:
        raise AssertionError(f"{meta} was accepted")


# -- URLs --------------------------------------------------------------------------------------
label = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=10)
host = st.lists(label, min_size=1, max_size=3).map(".".join)
segment = st.text(alphabet=string.ascii_letters + string.digits + "-._~%", min_size=1, max_size=12)
path = st.lists(segment, max_size=4).map(lambda parts: "/" + "/".join(parts))
param = st.tuples(st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=8),
                  st.text(alphabet=string.ascii_letters + string.digits, max_size=8))
http_urls = st.builds(
    lambda scheme, h, port, p, params, fragment: (
        f"{scheme}://{h}{port}{p}" + ("?" + "&".join(f"{k}={v}" for k, v in params) if params else "")
        + (f"#{fragment}" if fragment else "")),
    st.sampled_from(["http", "https", "HTTP", "Https"]), host,
    st.sampled_from(["", ":80", ":443", ":8080"]), path, st.lists(param, max_size=3),
    st.text(alphabet=string.ascii_letters, max_size=6))


@FAST
@given(http_urls)
def test_normalising_a_url_twice_changes_nothing(url):
    assert normalize_url(normalize_url(url)) == normalize_url(url)


@FAST
@given(http_urls)
def test_case_of_scheme_and_host_fragment_and_trackers_do_not_change_identity(url):
    scheme, _, rest = url.partition("://")
    netloc, _, tail = rest.partition("/")
    shouted = f"{scheme.upper()}://{netloc.upper()}/{tail}".split("#")[0] + "#elsewhere"
    tracked = url.split("#")[0] + ("&" if "?" in url else "?") + "utm_source=feed&fbclid=x"
    assert normalize_url(shouted) == normalize_url(url) == normalize_url(tracked)
    assert same_article_url(url, shouted) and same_article_url(shouted, url)


@FAST
@given(http_urls)
def test_normalised_url_is_http_lower_case_and_without_fragment_or_default_port(url):
    normal = normalize_url(url)
    assert is_http_url(normal) and "#" not in normal
    assert normal.split("://")[0] in ("http", "https")
    assert host_of(normal) == host_of(url).lower()
    netloc = normal.split("/")[2]
    assert not (normal.startswith("http://") and netloc.endswith(":80"))
    assert not (normal.startswith("https://") and netloc.endswith(":443"))


@FAST
@given(st.text(max_size=120), st.one_of(st.none(), http_urls))
def test_any_link_resolves_to_an_http_url_without_credentials_or_to_none(link, base):
    resolved = absolute_http_url(link, base)
    assert resolved is None or (is_http_url(resolved) and "@" not in resolved.split("/")[2])
    if resolved is not None:
        normalize_url(resolved)  # every accepted link has an identity (no ValueError)


@FAST
@given(st.sampled_from(["user", "user:pass", "a%40b:p%3Ass", ":"]), http_urls)
def test_credentials_are_removed_and_nothing_else(userinfo, url):
    scheme, _, rest = url.partition("://")
    with_userinfo = f"{scheme}://{userinfo}@{rest}"
    assert without_credentials(with_userinfo) == url
    assert without_credentials(url) == url


@FAST
@given(st.text(max_size=200))
def test_url_helpers_never_raise_on_arbitrary_text(text):
    is_http_url(text)
    host_of(text)
    without_credentials(text)
    absolute_http_url(text, "https://news.test/a/")
    if is_http_url(text):
        normalize_url(text)


# -- numbers (beyond tests/unit/test_numbers.py) -------------------------------------------------
@FAST
@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=9),
       st.sampled_from([("thousand", 1e3), ("million", 1e6), ("billion", 1e9)]))
def test_decimal_with_a_scale_word_is_its_value(whole, tenth, scale):
    word, factor = scale
    value = parse_number(f"{whole}.{tenth} {word}")
    assert value is not None and abs(value - (whole + tenth / 10) * factor) < 1e-6 * factor


@FAST
@given(st.integers(min_value=10**6, max_value=10**12))
def test_comma_and_point_thousands_separators_agree(n):
    # Two or more separators: unambiguous ("169.000" alone reads as a decimal, by design).
    assert parse_number(f"{n:,}") == parse_number(f"{n:,}".replace(",", ".")) == n


@FAST
@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=10**6),
       st.sampled_from(["–", " to ", "-", " - "]))
def test_range_gives_its_ends_in_order_or_nothing(a, b, dash):
    assume(a != b)
    low, high = min(a, b), max(a, b)
    assert parse_range(f"{low:,}{dash}{high:,}") == (low, high)
    assert parse_range(f"{high:,}{dash}{low:,}") is None

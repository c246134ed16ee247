"""Body decoding: BOM, header, in-document declaration, then detection."""

from __future__ import annotations

import pytest

from storywatch.web.charset import declared_charset, decode_body
from tests.conftest import shared_path

PORTUGUESE = (
    "Eleições: Bolsonaro perde de Haddad em simulações de 2º turno; ação da Polícia Federal"
)


def test_latin1_feed_without_declaration_is_detected_as_windows_1252():
    body = shared_path("fixtures", "feeds", "rbren_rss-parser__uolNoticias.rss").read_bytes()
    decoded = decode_body(body, "text/xml")
    assert decoded.source == "detected" and decoded.encoding == "cp1252"
    assert "Últimas Notícias" in decoded.text and "Ã" not in decoded.text


def test_header_charset_wins_when_it_decodes():
    assert (
        decode_body("źródło".encode("cp1250"), "text/html; charset=windows-1250").text == "źródło"
    )


def test_utf8_body_labelled_latin1_is_read_as_utf8():
    decoded = decode_body(PORTUGUESE.encode(), "text/html; charset=ISO-8859-1")
    assert decoded.text == PORTUGUESE


def test_latin1_body_labelled_utf8_is_not_garbled():
    decoded = decode_body(PORTUGUESE.encode("latin-1"), "text/html; charset=utf-8")
    assert decoded.text == PORTUGUESE and "\ufffd" not in decoded.text


def test_iso_8859_1_label_decodes_smart_quotes_as_browsers_do():
    decoded = decode_body(b"\x93quoted\x94 \x96 dash", "text/plain; charset=iso-8859-1")
    assert decoded.text == "\u201cquoted\u201d \u2013 dash"


def test_xml_declaration_is_used_when_the_header_has_none():
    body = b'<?xml version="1.0" encoding="ISO-8859-15"?><rss><title>Prix en \xa4</title></rss>'
    decoded = decode_body(body, "application/xml")
    assert "Prix en €" in decoded.text and decoded.source == "document"


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="koi8-r">',
        '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">',
    ],
)
def test_meta_charset_and_http_equiv_are_used(meta):
    body = f"<html><head>{meta}</head><body>Кремль заявил</body></html>".encode("koi8-r")
    assert "Кремль заявил" in decode_body(body, "text/html").text


def test_unknown_charset_label_falls_through_to_detection():
    decoded = decode_body(PORTUGUESE.encode("cp1252"), "text/html; charset=x-made-up")
    assert decoded.text == PORTUGUESE


def test_byte_order_mark_wins_over_labels():
    decoded = decode_body(
        "\ufeffплан".encode("utf-8-sig")[0:0] + b"\xff\xfe" + "план".encode("utf-16-le"),
        "text/html; charset=latin-1",
    )
    assert decoded.text == "план" and decoded.source == "bom"


def test_utf16_declared_inside_an_ascii_document_is_ignored():
    assert declared_charset(b'<meta charset="utf-16"><p>x</p>') == "utf-16"
    assert decode_body(b'<meta charset="utf-16"><p>caf\xc3\xa9</p>').text.endswith("café</p>")


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (
            "Министр иностранных дел России заявил журналистам, что переговоры продолжатся.",
            "cp1251",
        ),
        (
            "Prezydent powiedział, że rozmowy będą kontynuowane w przyszłym tygodniu. Zażółć gęślą jaźń.",
            "cp1250",
        ),
        ("Die Bundesregierung hat heute über die Maßnahmen für die Wirtschaft beraten.", "cp1252"),
    ],
)
def test_undeclared_single_byte_encodings_are_detected(text, encoding):
    assert decode_body(f"<p>{text}</p>".encode(encoding)).text == f"<p>{text}</p>"

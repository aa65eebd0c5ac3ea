"""The interface's languages: catalogs complete, every template string wrapped, the
locale chosen per page kind and remembered, the pages' JSON catalog."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from roleplay.i18n import LOCALES, catalogs, normalise_locale, po_path
from roleplay.i18n.tool import ROOT, check, extract

TEMPLATES = [*sorted((ROOT / "templates").glob("*.html")),
             *sorted((ROOT / "roleplay" / "report" / "templates").glob("*.j2"))]
#: attributes a person reads or hears
READ_ATTRS = ("aria-label", "title", "placeholder", "alt", "aria-description", "data-busy",
              "data-no-seat")
#: text that is not a sentence in any language: symbols, codes, numbers, format names
NOT_WORDS = re.compile(r"^[\s\d\W]*$|^(--:--|QR|YAML|JSON|CSV|XLSX|HTML|PD|BP|EU|K7QF2M)$")


class _Text(HTMLParser):
    """Collects the text and read attributes of a template once Jinja's tags are gone."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for k, v in attrs:
            if k in READ_ATTRS and v and not NOT_WORDS.match(v.strip()):
                self.found.append(f"{tag}[{k}]={v.strip()!r}")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if text and not self._skip and not NOT_WORDS.match(text):
            self.found.append(repr(text))


def unwrapped_text(source: str) -> list[str]:
    """Words a template shows that do not pass through gettext: Jinja's expressions,
    statements and comments are blanked first, so what remains is literal markup."""
    source = re.sub(r"\{#.*?#\}", " ", source, flags=re.S)
    # blocks that fill in a tag's attributes, not text
    source = re.sub(r"\{% block (body_class|body_attrs) %\}.*?\{% endblock %\}", " ", source,
                    flags=re.S)
    source = re.sub(r"\{%-?\s*(raw|trans)\b.*?end\1\s*-?%\}", " ", source, flags=re.S)
    source = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", source, flags=re.S)
    parser = _Text()
    parser.feed(source)
    return parser.found


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_template_string_goes_through_the_catalog(path: Path) -> None:
    assert unwrapped_text(path.read_text(encoding="utf-8")) == []


def test_the_template_check_finds_a_bare_string() -> None:
    assert unwrapped_text('<p class="x">Join your class</p>') == ["'Join your class'"]
    assert unwrapped_text('<b aria-label="Time left">{{ x }}</b>') == ["b[aria-label]='Time left'"]
    assert unwrapped_text('<p>{{ _("Join your class") }}</p><span>--:--</span>') == []


def test_every_language_has_every_message_translated() -> None:
    """`roleplay i18n check`: nothing missing, untranslated, fuzzy or obsolete, and each
    translation keeps the placeholders of its msgid."""
    problems = [line for p in check() for line in p.lines()]
    assert problems == [], "run `roleplay i18n update` and translate:\n" + "\n".join(problems)


def test_the_check_names_a_new_untranslated_message(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A string wrapped in a template but not yet in the catalogs fails the check."""
    from roleplay.i18n import tool

    root = tmp_path / "tree"
    for sub in ("templates", "roleplay/report/templates", "roleplay/web/static"):
        (root / sub).mkdir(parents=True)
    (root / "templates" / "x.html").write_text('<p>{{ _("A brand new sentence") }}</p>')
    (root / "roleplay" / "web" / "static" / "x.js").write_text('el.textContent = t("Only in JS");')
    msgids = {m.id for m in extract(root) if m.id}
    assert msgids == {"A brand new sentence", "Only in JS"}
    problems = [line for p in tool.check(root) for line in p.lines()]
    for locale in ("ru", "az"):
        assert f"{locale}: missing: 'A brand new sentence'" in problems
        assert f"{locale}: missing: 'Only in JS'" in problems
    # and every message of the real catalogs is obsolete in that tree
    assert any(line.startswith("ru: obsolete: ") for line in problems)


def test_russian_has_three_plural_forms_and_the_browser_map_follows_babel() -> None:
    assert catalogs.plural_map("ru") == {"one": 0, "few": 1, "many": 2, "other": 2}
    assert catalogs.plural_map("az") == {"one": 0, "other": 1}
    assert catalogs.plural_map("en") == {"one": 0, "other": 1}
    tr = catalogs.translations("ru")
    assert [tr.ngettext("%(num)d joined", "%(num)d joined", n) % {"num": n}
            for n in (1, 3, 5, 21)] == ["1 участник в игре", "3 участника в игре",
                                        "5 участников в игре", "21 участник в игре"]


def test_locale_names_are_normalised() -> None:
    assert [normalise_locale(v) for v in ("ru", "RU-ru", "az_Latn_AZ", "de", "", None, 3)] == [
        "ru", "ru", "az", None, None, None, None]


def _lang(page: str) -> str:
    m = re.search(r'<html lang="(\w+)"', page)
    assert m
    return m.group(1)


def test_the_join_page_follows_accept_language_then_the_cookie(client: FlaskClient) -> None:
    r = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert _lang(r.get_data(as_text=True)) == "ru"
    assert "Присоединяйтесь к группе" in r.get_data(as_text=True)
    assert "lang=" not in r.headers.get("Set-Cookie", "")  # nothing chosen yet
    r = client.get("/?lang=az", headers={"Accept-Language": "ru"})
    assert "Qrupunuza qoşulun" in r.get_data(as_text=True)
    assert "lang=az" in r.headers["Set-Cookie"]
    # the choice survives a reload, whatever the browser says
    r = client.get("/join/ABC123", headers={"Accept-Language": "ru"})
    page = r.get_data(as_text=True)
    assert _lang(page) == "az"
    assert 'name="language" value="az"' in page
    assert 'aria-current="true">Azərbaycanca' in page


def test_the_join_form_language_sets_the_cookie(client: FlaskClient) -> None:
    r = client.post("/join", data={"code": "NOPE42", "name": "Ann", "language": "ru"},
                    headers={"Origin": "http://localhost"})
    page = r.get_data(as_text=True)
    assert _lang(page) == "ru"
    assert "lang=ru" in r.headers["Set-Cookie"]
    assert _lang(client.get("/").get_data(as_text=True)) == "ru"


def test_instructor_and_projector_pages_choose_apart(client: FlaskClient) -> None:
    client.get("/?lang=ru")
    login = client.get("/instructor/login").get_data(as_text=True)
    assert _lang(login) == "en"  # the student's choice is not the instructor's
    r = client.get("/instructor/login?lang=az")
    assert "lang_instructor=az" in r.headers["Set-Cookie"]
    assert "Müəllim girişi" in r.get_data(as_text=True)
    assert _lang(client.get("/").get_data(as_text=True)) == "ru"
    assert _lang(client.get("/instructor/login").get_data(as_text=True)) == "az"


def test_error_pages_speak_the_page_language(client: FlaskClient) -> None:
    r = client.get("/play/nosuchgame", headers={"Accept-Language": "ru"})
    assert r.status_code == 404
    page = r.get_data(as_text=True)
    assert "Такой игры нет. Войдите с кодом" in page and "Не найдено" in page
    r = client.get("/no/such/page", headers={"Accept-Language": "az"})
    assert "Bu ünvanda heç nə yoxdur" in r.get_data(as_text=True)


def test_the_api_keeps_english_error_codes(client: FlaskClient) -> None:
    r = client.get("/api/no-such", headers={"Accept-Language": "ru"})
    assert r.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("lang", LOCALES)
def test_the_pages_catalog_is_served_versioned_and_cacheable(client: FlaskClient,
                                                             lang: str) -> None:
    r = client.get(f"/i18n/{lang}.json")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-cache"
    body = r.get_json()
    assert body["locale"] == lang and "one" in body["plural"]
    etag = r.headers["ETag"].strip('"')
    again = client.get(f"/i18n/{lang}.json", headers={"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304
    versioned = client.get(f"/i18n/{lang}.json?v={etag}")
    assert "immutable" in versioned.headers["Cache-Control"]
    if lang == "ru":
        assert body["messages"]["Join your class"] == "Присоединяйтесь к группе"
        assert body["messages"]["%(num)d joined"] == [
            "%(num)d участник в игре", "%(num)d участника в игре", "%(num)d участников в игре"]
    if lang == "en":
        assert body["messages"] == {}
    page = client.get(f"/?lang={lang}").get_data(as_text=True)
    assert f'data-i18n="/i18n/{lang}.json?v={etag}"' in page


def test_an_unknown_language_is_404_and_the_default_is_english(client: FlaskClient) -> None:
    assert client.get("/i18n/de.json").status_code == 404
    assert client.get("/i18n/..%2Fetc.json").status_code == 404
    assert _lang(client.get("/?lang=de", headers={"Accept-Language": "de"}).get_data(
        as_text=True)) == "en"


def test_catalogs_are_read_from_the_po_files_only() -> None:
    """No compiled .mo file in the tree: the .po files are the only source (catalogs.py)."""
    assert not list((ROOT / "roleplay" / "translations").rglob("*.mo"))
    for lang in ("ru", "az"):
        assert po_path(lang).is_file()


#: the scripts of the student's pages, the projector and the instructor's dashboard, whose
#: every word is translated
TRANSLATED_SCRIPTS = sorted((ROOT / "roleplay" / "web" / "static" / "play").glob("*.js")) + [
    ROOT / "roleplay" / "web" / "static" / name
    for name in ("projector.js", "clock.js", "format.js", "instructor.js", "seats.js")]
#: a text a script puts on the page without t(): `text: "..."`, `textContent = "..."`,
#: `toast("...")`, `note = "..."` with a word in it
BARE_JS = re.compile(r'(?:\btext: |\btextContent = |\btoast\(|\bnote = |\blabel = )"([^"]*[A-Za-z]{3}[^"]*)"'
                     r'|\btextContent = [^;"]*\? "([^"]*[A-Za-z]{3}[^"]*)"')


def bare_js_strings(source: str) -> list[str]:
    return [a or b for a, b in BARE_JS.findall(source)]


@pytest.mark.parametrize("path", TRANSLATED_SCRIPTS, ids=lambda p: p.name)
def test_the_pages_scripts_put_no_bare_english_on_the_page(path: Path) -> None:
    assert bare_js_strings(path.read_text(encoding="utf-8")) == []


def test_the_script_check_finds_a_bare_string() -> None:
    assert bare_js_strings('el("h2", { text: "Your package" })') == ["Your package"]
    assert bare_js_strings('el("h2", { text: t("Your package") })') == []
    assert bare_js_strings('toast("Copied.", "bad"); x.textContent = "Ended";') == ["Copied.", "Ended"]
    assert bare_js_strings('b.textContent = on ? "Unlock the lobby" : t("Lock");') == ["Unlock the lobby"]

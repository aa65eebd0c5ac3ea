"""YAML mistakes in plain words, at the line and column where the author made them.

Two parts: `prescan` looks for characters that word processors and web pages
slip into text (tabs, non-breaking spaces, curly quotes) before the parser sees
them; `explain` turns a PyYAML error into a sentence that says what is wrong
and how to fix it. The parser's own words go on a second line, for the curious.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

NBSP = "\u00a0"
CURLY = "\u201c\u201d\u2018\u2019\u201e\u201a\u00ab\u00bb"
_STRAIGHT = {"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
             "\u2018": "'", "\u2019": "'", "\u201a": "'"}
#: The start of a line up to where a value begins: indentation, list dashes, `key:`.
_LEAD = re.compile(r"^(?P<indent>[ \t\u00a0]*)(?P<dashes>(?:-[ \t\u00a0]+)*)"
                   r"(?P<key>[A-Za-z_][\w-]*:(?=[ \t\u00a0]|$))?(?P<gap>[ \t\u00a0]*)")


#: Unclosed-quote candidates tried by re-parsing, at most (each costs one parse).
MAX_QUOTE_TRIES = 20


@dataclass(frozen=True)
class Finding:
    line: int  # 1-based
    column: int  # 1-based
    message: str
    certain: bool  # False: only a likely cause, reported when the parser also fails here


def _show(text: str, limit: int = 30) -> str:
    text = text.rstrip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def prescan(text: str) -> list[Finding]:
    """Tabs and non-breaking spaces where YAML needs plain spaces; curly quotes opening a value."""
    out: list[Finding] = []
    in_block: int | None = None  # column of the key (or dash) that opened a `|` or `>` block
    for n, line in enumerate(text.splitlines(), start=1):
        m = _LEAD.match(line)
        assert m is not None  # every group is optional
        indent = len(line) - len(line.lstrip(" "))
        if in_block is not None:
            if line.strip() == "" or indent > in_block:
                continue  # inside a block of text: any character is the author's text
            in_block = None
        lead_ws = m.group("indent")
        key = m.group("key")
        gap = m.group("gap")
        value_start = m.end()
        if "\t" in lead_ws:
            out.append(Finding(n, lead_ws.index("\t") + 1,
                               "a tab character; indent with spaces", True))
        elif NBSP in lead_ws:
            out.append(Finding(n, lead_ws.index(NBSP) + 1,
                               "a non-breaking space in the indentation (pasted from a word "
                               "processor?); type normal spaces", True))
        elif key and "\t" in gap:
            col = m.start("gap") + gap.index("\t") + 1
            out.append(Finding(n, col, f"a tab character after '{key}'; type a normal space", True))
        elif key and NBSP in gap:
            col = m.start("gap") + gap.index(NBSP) + 1
            out.append(Finding(n, col, f"a non-breaking space after '{key}' (pasted from a word "
                                       "processor?); type a normal space", True))
        rest = line[value_start:]
        if rest[:1] in ("|", ">"):
            # the block's text is indented deeper than its key (or its dash)
            in_block = m.start("key") if key else len(lead_ws)
        elif rest[:1] and rest[0] in CURLY:
            close = next((c for c in reversed(rest.rstrip()) if c in CURLY), rest[0])
            out.append(Finding(
                n, value_start + 1,
                f"curly quotes {rest[0]}…{close} (from a word processor?); "
                f"use straight quotes {_STRAIGHT.get(rest[0], chr(34))}…"
                f"{_STRAIGHT.get(rest[0], chr(34))}", False))
    return out


def _line(text: str, n: int) -> str:
    lines = text.splitlines()
    return lines[n - 1] if 0 < n <= len(lines) else ""


def _colon_fix(line: str) -> str:
    body = re.sub(r"^[ \t]*(?:-[ \t]+)*", "", line).rstrip()
    if (m := re.match(r"^([A-Za-z_][\w-]*)[:\uff1a](\S.*)$", body)) is not None:
        return (f"'{_show(body)}' needs a space after the colon: "
                f"'{_show(m.group(1) + ': ' + m.group(2))}'")
    if (m := re.match(r"^([A-Za-z_][\w-]*) *(?:=|\uff1a) *(\S.*)$", body)) is not None:
        return f"'{_show(body)}' needs a colon: '{_show(m.group(1) + ': ' + m.group(2))}'"
    word, _, rest = body.partition(" ")
    if rest.strip():
        return f"'{_show(body)}' needs a colon: '{_show(word + ': ' + rest.strip())}'"
    return f"'{_show(body)}' needs a colon after the key, and a value: '{_show(word)}: ...'"


def explain(err: yaml.MarkedYAMLError, text: str) -> tuple[int, int, str]:
    """(line, column, message) for a parser error: where the mistake was made, in words."""
    problem = err.problem or ""
    context = err.context or ""
    pm, cm = err.problem_mark, err.context_mark
    where = cm if cm is not None and "scanning" in context else (pm or cm)
    line, col = (where.line + 1, where.column + 1) if where is not None else (1, 1)
    if "quoted scalar" in context and cm is not None:
        line, col = cm.line + 1, cm.column + 1
        opened = _line(text, line)[cm.column:]
        msg = f"this quote is never closed (it opens here: {_show(opened)})"
    elif (found := unclosed_quote(text, _error_line(err))) is not None:
        line, col, msg = found
    elif "could not find expected ':'" in problem and cm is not None:
        msg = _colon_fix(_line(text, line))
    elif "'\\t'" in problem and pm is not None:
        line, col = pm.line + 1, pm.column + 1
        msg = "a tab character; indent with spaces"
    elif "mapping values are not allowed" in problem and pm is not None and _indented_more(
            text, pm.line + 1, pm.column):
        line, col = pm.line + 1, _indent(_line(text, pm.line + 1)) + 1
        msg = ("this line is indented more than the line before it; line up keys of the same "
               "level with the same number of spaces")
    elif "mapping values are not allowed" in problem and pm is not None:
        line, col = pm.line + 1, pm.column + 1
        msg = ("a colon and a space inside a value; put the whole value in quotes, "
               f"e.g. {_quote_value(_line(text, line))}")
    elif "flow sequence" in context and cm is not None:
        line, col = cm.line + 1, cm.column + 1
        msg = "this list in [ ] is never closed, or two items lack a comma between them"
    elif "flow mapping" in context and cm is not None:
        line, col = cm.line + 1, cm.column + 1
        msg = "these braces { } are never closed, or two items lack a comma between them"
    elif "expected <block end>" in problem and pm is not None and (
            early := _quote_closed_early(_line(text, pm.line + 1), pm.column)) is not None:
        line, col, msg = pm.line + 1, pm.column, early
    elif ("expected <block end>" in problem or "expected key" in problem
          or "'-' indicator" in problem) and pm is not None:
        line, col = pm.line + 1, pm.column + 1
        msg = ("this line is indented differently from the lines around it; line up keys of "
               "the same level with the same number of spaces")
    elif "block mapping" in context and "expected" in problem and pm is not None:
        line, col = pm.line + 1, pm.column + 1
        msg = ("this line does not fit where it is: check its indentation and that the "
               "line before it ends its value")
    else:
        msg = "the file's layout is broken here"
    words = " ".join(w for w in (context, problem) if w)
    return line, col, f"{msg}\n    (the YAML parser says: {words})"


def _quote_closed_early(line: str, column: int) -> str | None:
    """A quoted value ended by a quote inside it ('Baku's'): the text after it is the error."""
    m = re.match(r"^ *(?:- +)*(?:[A-Za-z_][\w-]*: +)?(?P<q>[\"'])", line)
    if m is None or column < m.end() + 1 or line[column - 1:column] != m.group("q"):
        return None
    if m.group("q") == "'":
        return ("this apostrophe ends the quoted value early; inside '...' write it twice "
                "('Baku''s'), or put the whole value in double quotes")
    return ('this quote ends the quoted value early; inside "..." write it as \\", or put '
            "the whole value in single quotes")


def _error_line(err: yaml.MarkedYAMLError) -> int:
    mark = err.problem_mark or err.context_mark
    return mark.line + 1 if mark is not None else 1


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _indented_more(text: str, n: int, colon: int) -> bool:
    """Is line n a `key:` line (its colon at `colon`) deeper than the `key: value` line above?"""
    here = _line(text, n)
    if not re.match(r"^ *[A-Za-z_][\w-]*:( |$)", here) or here.find(":") != colon:
        return False
    for k in range(n - 1, 0, -1):
        above = _line(text, k)
        if above.strip() and not above.lstrip().startswith("#"):
            m = re.match(r"^ *(?:- +)*(?=[A-Za-z_][\w-]*: +[^ |>])", above)
            return m is not None and _indent(here) > m.end()
    return False


def unclosed_quote(text: str, before: int) -> tuple[int, int, str] | None:
    """A value opened with a quote and not closed on its line that explains a parse error.

    A quoted value may legally run over several lines, so a candidate counts only if
    closing it at the end of its line lets the file parse (or fail later than before).
    """
    lines = text.splitlines()
    tries = 0
    for n in range(1, min(before, len(lines)) + 1):
        line = lines[n - 1]
        m = re.match(r"^ *(?:- +)*(?:[A-Za-z_][\w-]*: +)?(?P<q>[\"'])", line)
        if m is None:
            continue
        q, start = m.group("q"), m.end() - 1
        body = line[start + 1:]
        closed = (body.replace("\\\\", "").replace('\\"', "").count('"') > 0 if q == '"'
                  else body.replace("''", "").count("'") > 0)
        if closed:
            continue
        tries += 1
        if tries > MAX_QUOTE_TRIES:
            return None
        fixed = "\n".join([*lines[: n - 1], line.rstrip() + q, *lines[n:]])
        try:
            for _ in yaml.parse(fixed, Loader=yaml.SafeLoader):
                pass
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            if mark is None or mark.line + 1 <= before:
                continue
        return n, start + 1, f"this quote is never closed (it opens here: {_show(line[start:])})"
    return None


def _quote_value(line: str) -> str:
    m = re.match(r"^[ \t]*(?:-[ \t]+)*([A-Za-z_][\w-]*):[ \t]+(.*)$", line)
    if m is None:
        return '"..."'
    value = m.group(2).strip().replace('"', '\\"')
    return f"{m.group(1)}: \"{_show(value, 40)}\""

"""The answer editor's formatted text: a small Markdown-like notation to and from the stored HTML.

Staff write ``**bold**``, ``*italics*``, lists with ``- `` or ``1. ``, links as ``[text](https://…)``,
headings with ``### ``, quotes with ``> `` and paragraphs separated by an empty line. The answer is
stored as sanitised HTML (``text.sanitise_html``, nh3) as before, so imports, exports and the chatbot
read it unchanged; ``to_markup`` turns a stored answer back into the notation for editing.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from services.chatbot.text import sanitise_html

_ESCAPABLE = "\\*_[]()#>-`"
_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|mailto:|tel:)[^\s)]+)\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![\w*])[*_](?=\S)(.+?)(?<=\S)[*_](?![\w*])")
_BULLET = re.compile(r"^\s*[-*•]\s+")
_NUMBER = re.compile(r"^\s*\d+[.)]\s+")
_PLACEHOLDER = "\x00{}\x00"


def _inline(text: str) -> str:
    escapes: list[str] = []

    def keep(match: re.Match) -> str:
        escapes.append(match.group(1))
        return _PLACEHOLDER.format(len(escapes) - 1)

    text = re.sub(r"[ \t]+", " ", text)  # HTML shows a run of spaces as one
    text = re.sub(r"\\([" + re.escape(_ESCAPABLE) + "])", keep, text)
    text = html.escape(text, quote=True)
    text = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', text)
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    text = _ITALIC.sub(r"<em>\1</em>", text)
    return re.sub("\x00(\\d+)\x00", lambda m: html.escape(escapes[int(m.group(1))]), text)


def to_html(markup: str) -> str:
    """The notation as sanitised HTML."""
    blocks = re.split(r"\n\s*\n", (markup or "").replace("\r\n", "\n").strip())
    out = []
    for block in blocks:
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(_BULLET.match(line) for line in lines):
            out.append("<ul>" + "".join(f"<li>{_inline(_BULLET.sub('', line, count=1))}</li>" for line in lines)
                       + "</ul>")
        elif all(_NUMBER.match(line) for line in lines):
            out.append("<ol>" + "".join(f"<li>{_inline(_NUMBER.sub('', line, count=1))}</li>" for line in lines)
                       + "</ol>")
        elif len(lines) == 1 and lines[0].startswith("#### "):
            out.append(f"<h4>{_inline(lines[0][5:].strip())}</h4>")
        elif len(lines) == 1 and lines[0].startswith("### "):
            out.append(f"<h3>{_inline(lines[0][4:].strip())}</h3>")
        elif all(line.startswith(">") for line in lines):
            inner = "<br>".join(_inline(line[1:].strip()) for line in lines)
            out.append(f"<blockquote><p>{inner}</p></blockquote>")
        else:
            out.append("<p>" + "<br>".join(_inline(line.strip()) for line in lines) + "</p>")
    return sanitise_html("".join(out))


def _escape_markup(text: str) -> str:
    return re.sub(r"([\\*_\[\]])", r"\\\1", text)


class _ToMarkup(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.lists: list[str] = []
        self.prefix = ""
        self.href: str | None = None
        self.link_text: list[str] = []

    def _flush(self):
        text = "".join(self.current).strip()
        if text:
            self.blocks.append(text)
        self.current = []

    def _emit(self, text: str):
        (self.link_text if self.href is not None else self.current).append(text)

    def handle_starttag(self, tag, attrs):
        if tag == "blockquote":
            self._flush()
            self.prefix = "> "
        elif tag in ("p", "h3", "h4"):
            self._flush()
            self.current.append({"h3": "### ", "h4": "#### "}.get(tag, self.prefix))
        elif tag in ("ul", "ol"):
            self._flush()
            self.lists.append(tag)
        elif tag == "li":
            marker = "- " if not self.lists or self.lists[-1] == "ul" else "1. "
            self.current.append(("\n" if self.current else "") + marker)
        elif tag == "br":
            self._emit("\n" + (self.prefix if self.prefix == "> " else ""))
        elif tag in ("strong", "b"):
            self._emit("**")
        elif tag in ("em", "i"):
            self._emit("*")
        elif tag == "a":
            self.href = dict(attrs).get("href") or ""
            self.link_text = []

    def handle_endtag(self, tag):
        if tag in ("p", "h3", "h4"):
            self._flush()
        elif tag == "blockquote":
            self._flush()
            self.prefix = ""
        elif tag in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag in ("strong", "b"):
            self._emit("**")
        elif tag in ("em", "i"):
            self._emit("*")
        elif tag == "a" and self.href is not None:
            text, href = "".join(self.link_text), self.href
            self.href = None
            self.current.append(f"[{text}]({href})" if href else text)

    def handle_data(self, data):
        text = re.sub(r"\s+", " ", data)
        if not "".join(self.current).strip() and not self.link_text:
            text = text.lstrip() if not self.current or self.current[-1].endswith((" ", "\n")) else text
        self._emit(_escape_markup(text))

    def result(self) -> str:
        self._flush()
        return "\n\n".join(self.blocks)


def to_markup(stored_html: str) -> str:
    """A stored answer (HTML, or plain text from an import) in the notation, for the editor."""
    value = stored_html or ""
    if "<" not in value:
        return value.strip()
    parser = _ToMarkup()
    parser.feed(sanitise_html(value))
    parser.close()
    return parser.result()

"""German-aware preprocessing: tokens, lemmas (simplemma, German data bundled), stop words.

The lemma string of a contribution is computed once at import and stored beside its
embedding, so an analysis run only counts words.
"""

from __future__ import annotations

import functools
import re
import unicodedata

WORD = re.compile(r"[^\W\d_]{2,}(?:-[^\W\d_]{2,})*", re.UNICODE)

# General German function words and the fillers of written requests ("bitte", "sollte"): they say
# nothing about what a contribution is about. Participation-specific topic words stay.
STOP_WORDS = frozenset("""
ab aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes anders auch
auf aus bei beide beiden beim bereits besonders bin bis bisher bitte bleiben bzw da dabei dadurch dafür daher
damit dann daran darauf darf darin darum das dass davon dazu dem den denen denn der deren des deshalb dessen
die dies diese diesem diesen dieser dieses doch dort du durch eben eher eigentlich ein eine einem einen einer
eines einfach einig einige einmal einzig er es etc etwa etwas euch euer fast finden für ganz gar geben gegen
gehen gerade gern gibt gilt gleich gut haben halt hat hatte hätte heute hier hin hinter ich ihm ihn ihnen ihr
ihre ihrem ihren ihrer ihres im immer in ins ist ja je jede jedem jeden jeder jedes jedoch jemand jetzt kann
kein keine keinem keinen keiner können könnte lassen leider machen mal man manche mehr mein meine meinem meinen
meiner meines mich mir mit muss müssen möchte nach nein nicht nichts noch nun nur ob oder oft ohne sehr sein
seine seinem seinen seiner seit selbst sich sie sind so sogar solch solche sollen sollte sollten somit sondern
sowie sowohl statt über um und uns unser unsere unter usw viel viele vielen vielleicht vom von vor wann war
wäre warum was weil weit welche welchem welchen welcher welches wenig wenn wer werden weshalb wie wieder wir
wird wo wobei wohl wollen wurde würde würden zu zum zur zwar zwischen dafuer fuer ueber waere wuerde koennen
muessen moechte dürfen werden worden wurden sei seien sowas evtl ggf bzw zb ca dh
""".split())


@functools.lru_cache(maxsize=200_000)
def lemma(token: str) -> str:
    import simplemma

    return simplemma.lemmatize(token, lang="de").lower()


def tokens(text: str) -> list[str]:
    return WORD.findall(unicodedata.normalize("NFC", text or ""))


def lemmas(text: str) -> str:
    """The content words of ``text`` as lower-case lemmas, space-separated (stop words dropped)."""
    out = []
    for token in tokens(text):
        low = token.lower()
        if low in STOP_WORDS:
            continue
        lem = lemma(token)
        if lem in STOP_WORDS or len(lem) < 3:
            continue
        out.append(lem)
    return " ".join(out)


def normalised(text: str) -> str:
    """For exact-copy detection: case, punctuation and spacing do not count."""
    return " ".join(t.lower() for t in tokens(text))


def contribution_text(title: str, text: str) -> str:
    title, text = (title or "").strip(), (text or "").strip()
    if title and text and not text.startswith(title):
        return f"{title}. {text}"
    return text or title

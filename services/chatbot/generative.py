"""Optional generative mode: a language model rephrases the retrieved entries, and cites them.

Off by default. A town admin may point the chatbot at a language model behind
an OpenAI-compatible API (typically one the county runs itself). The model
sees only the question and the entries retrieval found, numbered; its answer
must cite them as ``[n]``. Anything else is not shown to the citizen: an
answer without citations, with a citation to a passage it was not given, a
refusal, a timeout or a server error all fall back to the entry's own text,
which is what the chatbot shows without the generative mode. Retrieval and the
confidence threshold decide *whether* the chatbot answers; the model only
words the answer.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass

from core import outbound
from services.chatbot import conf
from services.chatbot.text import plain_text, sanitise_html

logger = logging.getLogger(__name__)

# The model says this when the passages do not answer the question.
NO_ANSWER = "KEINE_ANTWORT"
MAX_PASSAGE_CHARS = 1500
MAX_ANSWER_CHARS = 2000
_CITATION = re.compile(r"\[(\d{1,2})\]")

_INSTRUCTIONS = {
    "de": (
        "Sie sind der Bürger-Chatbot von {town}. Beantworten Sie die Frage der Bürgerin oder des Bürgers kurz, "
        "freundlich und in der Sie-Form, ausschließlich mit Informationen aus den nummerierten Auszügen der "
        "Wissensbasis der Gemeinde. Belegen Sie jede Aussage mit der Nummer ihres Auszugs in eckigen Klammern, "
        "zum Beispiel [1]. Ergänzen Sie nichts, was nicht in den Auszügen steht. Wenn die Auszüge die Frage "
        "nicht beantworten, antworten Sie nur mit {no_answer}."
    ),
    "en": (
        "You are the citizen chatbot of {town}. Answer the citizen's question briefly and politely, in English, "
        "using only information from the numbered excerpts of the town's knowledge base (they may be in German). "
        "Cite every statement with the number of its excerpt in square brackets, for example [1]. Add nothing "
        "that is not in the excerpts. If the excerpts do not answer the question, reply only with {no_answer}."
    ),
}


@dataclass(frozen=True)
class Passage:
    number: int
    question: str
    text: str


@dataclass(frozen=True)
class Rephrased:
    html: str
    cited: list[int]
    model: str


class GenerationRejected(Exception):
    """The model's output may not be shown (no or invalid citations, refusal, empty, too long)."""


def passages_from(numbered: list[tuple[int, object]]) -> list[Passage]:
    """The retrieved entries under their numbers in the answer's sources: [1] is the first source."""
    return [Passage(number, entry.question, (entry.answer_text or plain_text(entry.answer))[:MAX_PASSAGE_CHARS])
            for number, entry in numbered]


def build_messages(question: str, passages: list[Passage], *, town_name: str, language: str) -> list[dict]:
    instructions = _INSTRUCTIONS.get(language, _INSTRUCTIONS["de"]).format(town=town_name, no_answer=NO_ANSWER)
    excerpts = "\n\n".join(f"[{p.number}] Frage: {p.question}\nAntwort: {p.text}" for p in passages)
    heading = "Auszüge" if language == "de" else "Excerpts"
    asked = "Frage" if language == "de" else "Question"
    return [
        {"role": "system", "content": instructions},
        {"role": "user", "content": f"{heading}:\n\n{excerpts}\n\n{asked}: {question.strip()}"},
    ]


def check(output: str, passages: list[Passage], model: str) -> Rephrased:
    """Accept the model's text only if it cites the passages it was given and nothing else."""
    text = (output or "").strip()
    if not text or NO_ANSWER in text:
        raise GenerationRejected("no answer")
    if len(text) > MAX_ANSWER_CHARS:
        raise GenerationRejected("too long")
    cited = sorted({int(n) for n in _CITATION.findall(text)})
    if not cited:
        raise GenerationRejected("no citation")
    known = {p.number for p in passages}
    if not set(cited) <= known:
        raise GenerationRejected(f"cites passages it was not given: {sorted(set(cited) - known)}")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    body = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return Rephrased(html=sanitise_html(body), cited=cited, model=model)


def rephrase(question: str, numbered: list[tuple[int, object]], *, config, town_name: str,
             language: str) -> Rephrased | None:
    """The model's wording of the retrieved entries, or None (the caller then shows the entry's text).

    ``numbered`` holds (number of the source in the answer, entry) pairs, best first.
    """
    if not (config.generative_enabled and config.generative_base_url and config.generative_model and numbered):
        return None
    from openai import OpenAI, OpenAIError

    try:
        # The endpoint is checked again on every connection (core.outbound); this early check names why.
        outbound.check_url(config.generative_base_url)
    except outbound.EndpointRefused as refused:
        logger.warning("generative endpoint refused (%s); showing the entry's text", refused)
        return None
    passages = passages_from(numbered)
    client = OpenAI(base_url=config.generative_base_url, api_key=config.generative_api_key or "not-needed",
                    timeout=conf.GENERATIVE_TIMEOUT, max_retries=0,
                    http_client=outbound.guarded_http_client(conf.GENERATIVE_TIMEOUT))
    try:
        completion = client.chat.completions.create(
            model=config.generative_model,
            messages=build_messages(question, passages, town_name=town_name, language=language),
            temperature=0, max_tokens=conf.GENERATIVE_MAX_TOKENS)
        output = completion.choices[0].message.content if completion.choices else ""
        return check(output or "", passages, config.generative_model)
    except GenerationRejected as rejected:
        logger.info("generative answer not used (%s); showing the entry's text", rejected)
    except (OpenAIError, ValueError, AttributeError, IndexError, TypeError) as error:
        # Unreachable, slow or broken endpoint, or an answer that is not a chat completion.
        logger.warning("generative endpoint %s failed (%s); showing the entry's text",
                       config.generative_base_url, type(error).__name__)
    finally:
        client.close()
    return None

"""Sensitive topics: questions that touch them go to a person, never to the machine."""

from __future__ import annotations

import re

from services.chatbot import public_config
from services.chatbot.models import SensitiveTopic
from services.chatbot.text import normalise


def matching_topic(question: str) -> SensitiveTopic | None:
    """The first topic with a keyword in the question.

    German builds compounds, so keywords of five letters or more match inside
    words ("gewalt" hits "Partnergewalt"); shorter ones only at a word's start.
    """
    text = f" {normalise(question)}"
    for topic in public_config.current().topics:
        for keyword in topic.keywords:
            key = normalise(keyword)
            if key and (key in text if len(key) >= 5 else re.search(r"\s" + re.escape(key), text)):
                return topic
    return None

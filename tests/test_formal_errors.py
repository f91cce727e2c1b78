"""Django's built-in form and validation errors speak formally in German ("Sie"), Django's wording in English."""

import inspect
import re

import pytest
from django import forms
from django.core import validators
from django.db import models
from django.forms import models as model_forms
from django.utils import translation

from core import form_errors

FORMAL = re.compile(r"\b(Sie|Ihre?[mnrs]?)\b")
PARAMS = {"max": 3, "length": 5, "limit_value": 3, "show_value": 5}


def source(message) -> str:
    """The English source string of a lazy message (the singular of a plural)."""
    return message._args[0] if message._args else message._kw["singular"]


def django_messages():
    """Every default error message of Django's form fields, model fields and validators."""
    found = []
    classes = [cls for module in (forms, model_forms) for _, cls in inspect.getmembers(module, inspect.isclass)
               if issubclass(cls, forms.Field)]
    classes += [cls for _, cls in inspect.getmembers(models, inspect.isclass) if issubclass(cls, models.Field)]
    for cls in classes:
        for klass in cls.__mro__:
            found += list(klass.__dict__.get("default_error_messages", {}).values())
    for _, cls in inspect.getmembers(validators, inspect.isclass):
        for name in ("message", "messages"):
            value = cls.__dict__.get(name)
            found += list(value.values()) if isinstance(value, dict) else [value] if value is not None else []
    return found


@pytest.mark.parametrize("message", form_errors.MESSAGES, ids=lambda m: source(m)[:40])
def test_each_message_addresses_the_reader_formally_in_german_and_stays_djangos_in_english(message):
    with translation.override("de"):
        german = str(message)
    assert FORMAL.search(german), german
    assert "zwingend" not in german and not german.startswith(("Bitte ein ", "Bitte eine ", "Bitte einen "))
    with translation.override("en"):
        assert str(message) == source(message)


@pytest.mark.parametrize("count", [1, 4])
def test_plural_messages_address_the_reader_formally_in_german(count):
    params = {"max": count, "length": count + 1, "limit_value": count, "show_value": count + 1}
    for message in form_errors.PLURAL_MESSAGES:
        with translation.override("de"):
            german = message % params
        with translation.override("en"):
            english = message % params
        assert FORMAL.search(german), german
        assert english.startswith("Ensure") and ("characters" in english or "digits" in english
                                                 or "places" in english) == (count != 1)


def test_every_django_form_and_validation_message_is_one_of_ours():
    """A Django upgrade that brings a new message fails here until it has its formal German."""
    ours = {source(m) for m in (*form_errors.MESSAGES, *form_errors.PLURAL_MESSAGES)}
    checked = 0
    for message in django_messages():
        if isinstance(message, str) or not hasattr(message, "_args"):
            continue
        english = source(message)
        if english.startswith(("“%(value)s”", "%(model)s instance")):
            continue  # model fields' own parsing: forms never reach it (their form fields parse first)
        checked += 1
        assert english in ours, f"{english!r}: add it with its formal German to core/form_errors.py"
    assert checked > 30


def test_a_real_form_renders_the_formal_message_beside_the_field():
    class Probe(forms.Form):
        name = forms.CharField(max_length=5)
        kind = forms.ChoiceField(choices=[("a", "A")])
        when = forms.DateField()
        share = forms.DecimalField(max_value=100, decimal_places=1)

    with translation.override("de"):
        form = Probe({"name": "zu langer Name", "kind": "b", "when": "gestern", "share": "100.25"})
        assert not form.is_valid()
        assert form.errors["name"] == ["Bitte geben Sie höchstens 5 Zeichen ein (Ihre Eingabe hat 14)."]
        assert form.errors["kind"] == ["Bitte wählen Sie einen der angebotenen Werte; „b“ gehört nicht dazu."]
        assert form.errors["when"] == ["Bitte geben Sie ein gültiges Datum ein."]
        assert "Bitte geben Sie einen Wert bis höchstens 100 ein." in form.errors["share"]
        assert Probe({}).errors["name"] == ["Bitte füllen Sie dieses Feld aus."]
    with translation.override("en"):
        assert Probe({}).errors["name"] == ["This field is required."]

"""Formal German for Django's built-in form and validation errors, in one place.

Django's own German catalogue addresses nobody ("Bitte eine gültige Auswahl treffen", "Dieses Feld ist
zwingend erforderlich"); the platform speaks to people formally ("Sie"). These are Django's source strings,
listed so that message extraction keeps them; the project catalogue (kiverbund/locale/de, first in
``LOCALE_PATHS`` and so ahead of Django's own catalogue) gives each its formal German. Every form, model
validation and validator of every app therefore answers formally without a form repeating messages, and
English keeps Django's wording. ``tests/test_formal_errors.py`` holds each of them to "Sie".
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

MESSAGES = (
    # django/forms/fields.py and django/forms/models.py
    _("This field is required."),
    _("Enter a whole number."),
    _("Enter a number."),
    _("Enter a valid date."),
    _("Enter a valid time."),
    _("Enter a valid date/time."),
    _("Enter a valid duration."),
    _("The number of days must be between {min_days} and {max_days}."),
    _("No file was submitted. Check the encoding type on the form."),
    _("No file was submitted."),
    _("The submitted file is empty."),
    _("Please either submit a file or check the clear checkbox, not both."),
    _("Upload a valid image. The file you uploaded was either not an image or a corrupted image."),
    _("Enter a valid URL."),
    _("Select a valid choice. %(value)s is not one of the available choices."),
    _("Select a valid choice. That choice is not one of the available choices."),
    _("Enter a list of values."),
    _("Enter a complete value."),
    _("Enter a valid UUID."),
    _("Enter a valid JSON."),
    _("“%(pk)s” is not a valid value."),
    _("The inline value did not match the parent instance."),
    # django/core/validators.py
    _("Enter a valid value."),
    _("Enter a valid domain name."),
    _("Enter a valid integer."),
    _("Enter a valid email address."),
    _("Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."),
    _("Enter a valid %(protocol)s address."),
    _("Enter only digits separated by commas."),
    _("Ensure this value is %(limit_value)s (it is %(show_value)s)."),
    _("Ensure this value is less than or equal to %(limit_value)s."),
    _("Ensure this value is greater than or equal to %(limit_value)s."),
    _("Ensure this value is a multiple of step size %(limit_value)s."),
    _("File extension “%(extension)s” is not allowed. Allowed extensions are: %(allowed_extensions)s."),
    _("Null characters are not allowed."),
    # django/db/models: model validation (ModelForm, full_clean)
    _("Value %(value)r is not a valid choice."),
    _("This field cannot be null."),
    _("This field cannot be blank."),
    _("%(model_name)s with this %(field_label)s already exists."),
    _("%(model_name)s with this %(field_labels)s already exists."),
    _("%(field_label)s must be unique for %(date_field_label)s %(lookup_type)s."),
    _("Value must be valid JSON."),
)

PLURAL_MESSAGES = (
    ngettext_lazy("Ensure this filename has at most %(max)d character (it has %(length)d).",
                  "Ensure this filename has at most %(max)d characters (it has %(length)d).", "max"),
    ngettext_lazy("Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
                  "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
                  "limit_value"),
    ngettext_lazy("Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
                  "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
                  "limit_value"),
    ngettext_lazy("Ensure that there are no more than %(max)s digit in total.",
                  "Ensure that there are no more than %(max)s digits in total.", "max"),
    ngettext_lazy("Ensure that there are no more than %(max)s decimal place.",
                  "Ensure that there are no more than %(max)s decimal places.", "max"),
    ngettext_lazy("Ensure that there are no more than %(max)s digit before the decimal point.",
                  "Ensure that there are no more than %(max)s digits before the decimal point.", "max"),
)

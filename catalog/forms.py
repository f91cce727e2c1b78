from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.actions.catalogue import OFFERING_FIELDS
from catalog.models import Offering


class OfferingForm(forms.ModelForm):
    contract_url = forms.URLField(label=_("contract link"), required=False, assume_scheme="https")

    class Meta:
        model = Offering
        fields = ["service", *OFFERING_FIELDS]


class CancelForm(forms.Form):
    ends_on = forms.DateField(label=_("End date (the service stops at the start of this day)"),
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean_ends_on(self):
        value = self.cleaned_data["ends_on"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The end date cannot lie in the past."))
        return value


REGISTER_LABELS = {
    "name": _("Name"),
    "short_description": _("Short description"),
    "purpose": _("Purpose and impact"),
    "data_sources": _("Data sources"),
    "legal_basis": _("Legal basis"),
    "human_oversight": _("Human oversight"),
    "risks": _("Risks"),
    "mitigations": _("Mitigations"),
    "dpia_reference": _("DPIA reference"),
    "contact": _("Contact"),
}


class RegisterEntryForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in REGISTER_LABELS.items():
            short = name in ("name", "contact", "dpia_reference", "legal_basis")
            self.fields[name] = forms.CharField(
                label=label, required=name == "name",
                widget=forms.TextInput() if short else forms.Textarea(attrs={"rows": 3}))

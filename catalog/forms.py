from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.actions.catalogue import OFFERING_FIELDS
from catalog.models import Offering, Service
from catalog.registry import unit_choices


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name


class OfferingForm(forms.ModelForm):
    """An offering in words: the service by its name, the usage unit chosen from the service's units, the
    amount in euros."""

    service = ServiceChoiceField(label=_("Service"), queryset=Service.objects.filter(registered=True))
    contract_url = forms.URLField(label=_("contract link"), required=False, assume_scheme="https")
    unit = forms.ChoiceField(label=_("usage unit"), required=False,
                             help_text=_("Only for a price per usage unit: what one unit is."))

    class Meta:
        model = Offering
        fields = ["service", *OFFERING_FIELDS]
        labels = {"amount": _("Amount in euros")}
        help_texts = {"amount": _("Annual base fee, rate per inhabitant and year, rate per usage unit, or the annual "
                                  "cost pool, in euros (e.g. 12000 or 0.05).")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = unit_choices()
        if self.instance.pk and self.instance.unit and self.instance.unit not in dict(units):
            units.append((self.instance.unit, self.instance.unit))
        self.fields["unit"].choices = [("", _("none"))] + units

    def clean(self):
        data = super().clean()
        service, unit = data.get("service") or getattr(self.instance, "service", None), data.get("unit")
        if service is not None and unit and unit not in dict(unit_choices(service.key)) \
                and unit != getattr(self.instance, "unit", None):
            self.add_error("unit", _("%(service)s does not count this unit.") % {"service": service.display_name})
        if data.get("price_model") == "per_unit" and not unit and service is not None \
                and len(unit_choices(service.key)) > 1:
            self.add_error("unit", _("Choose which unit the price applies to."))
        return data


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

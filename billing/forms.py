from decimal import Decimal

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from billing.models import AllocationRule, CostCategory
from billing.shares import CRITERIA, plain, weight_percents
from catalog.registry import unit_choices
from core.uploads import validate_upload_size


def service_choices():
    from catalog.models import Service

    return [(s.key, s.display_name)
            for s in Service.objects.filter(registered=True).order_by("key")]


class CostPoolForm(forms.Form):
    service = forms.ChoiceField(label=_("Service"))
    month = forms.RegexField(label=_("Month (YYYY-MM)"), regex=r"^\d{4}-(0[1-9]|1[0-2])$")
    category = forms.ChoiceField(label=_("Category"), choices=CostCategory.choices)
    amount = forms.DecimalField(label=_("Amount (EUR)"), min_value=Decimal(0), max_digits=14, decimal_places=2)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    document = forms.FileField(label=_("Invoice or document"), required=False, validators=[validate_upload_size])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = service_choices()

    def clean_month(self):
        from billing.periods import PeriodError, parse_month

        try:
            parse_month(self.cleaned_data["month"])
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from None
        return self.cleaned_data["month"]


def percent_field(label, help_text=""):
    """A share typed in per cent (0–100, one decimal place); the key stores it as a fraction or weight."""
    return forms.DecimalField(label=label, required=False, min_value=Decimal(0), max_value=Decimal(100),
                              max_digits=4, decimal_places=1, help_text=help_text,
                              widget=forms.NumberInput(attrs={"step": "0.1", "min": "0", "max": "100"}),
                              error_messages={"min_value": _("Please enter a share from 0 to 100 %%."),
                                              "max_value": _("Please enter a share from 0 to 100 %%.")})


class AllocationRuleForm(forms.ModelForm):
    """A service's allocation key: its usage unit chosen from the service's own units, every share in per cent.

    The rule keeps what it always stored (the base share as a fraction, the weighted mix as weights, which the
    allocation normalises): the form shows them as per cent and converts what people type.
    """

    usage_unit = forms.ChoiceField(label=_("Usage unit"), required=False,
                                   help_text=_("What counts as usage for the usage-based part of the key."))
    base_percent = percent_field(_("Equal base share (%)"),
                                 _("For “base share plus usage”: this part of the costs is split equally, the rest by "
                                   "usage."))
    percent_equal = percent_field(_("Weighted mix: split equally (%)"))
    percent_population = percent_field(_("Weighted mix: by population (%)"))
    percent_usage = percent_field(_("Weighted mix: by usage (%)"),
                                  _("For “weighted mix”: the three shares add up to 100 %."))

    class Meta:
        model = AllocationRule
        fields = ["kind", "usage_unit"]

    def __init__(self, *args, service: str, **kwargs):
        super().__init__(*args, **kwargs)
        units = unit_choices(service)
        current = self.instance.usage_unit if self.instance and self.instance.pk else ""
        if current and current not in dict(units):
            units.append((current, current))  # a unit the service no longer declares stays visible
        self.fields["usage_unit"].choices = [("", _("The service's first unit"))] + units
        self.fields["base_percent"].initial = Decimal(30)
        if self.instance and self.instance.pk:
            self.fields["base_percent"].initial = plain(self.instance.base_fraction * 100)
            for criterion, percent in weight_percents(self.instance).items():
                self.fields[f"percent_{criterion}"].initial = percent
        self.order_fields(["kind", "usage_unit", "base_percent", *(f"percent_{c}" for c in CRITERIA)])

    def clean(self):
        data = super().clean()
        if data.get("kind") == "base_plus_usage" and data.get("base_percent") is None \
                and "base_percent" not in self.errors:
            self.add_error("base_percent", _("Please enter the share split equally, from 0 to 100 %."))
        if data.get("kind") == "weighted" and not any(f"percent_{c}" in self.errors for c in CRITERIA):
            total = sum((data.get(f"percent_{c}") or Decimal(0) for c in CRITERIA), Decimal(0))
            if total != 100:
                self.add_error("percent_usage", _(
                    "The three shares add up to %(total)s %%; please distribute exactly 100 %%.")
                    % {"total": number_format(plain(total))})
        return data

    def save(self, commit=True):
        data = self.cleaned_data
        if data.get("base_percent") is not None:
            self.instance.base_fraction = (data["base_percent"] / 100).quantize(Decimal("0.001"))
        if data.get("kind") == "weighted":
            for criterion in CRITERIA:
                setattr(self.instance, f"weight_{criterion}",
                        ((data.get(f"percent_{criterion}") or Decimal(0)) / 100).quantize(Decimal("0.001")))
        return super().save(commit=commit)


class EfficiencyOverrideForm(forms.Form):
    town = forms.ChoiceField(label=_("Town"))
    service = forms.ChoiceField(label=_("Service"))
    unit = forms.ChoiceField(label=_("Metering unit"))
    minutes_saved = forms.DecimalField(label=_("Staff minutes saved per unit"), min_value=Decimal(0),
                                       max_digits=8, decimal_places=2)

    def __init__(self, *args, **kwargs):
        from tenants.models import Town

        super().__init__(*args, **kwargs)
        self.fields["town"].choices = [(t.ags, f"{t.name} ({t.ags})") for t in Town.objects.exclude(schema_name="public").order_by("name")]
        self.fields["service"].choices = service_choices()
        self.fields["unit"].choices = unit_choices()

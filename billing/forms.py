from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import AllocationRule, CostCategory
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


class AllocationRuleForm(forms.ModelForm):
    """A service's allocation key: its usage unit chosen from the service's own units, the base share in per cent."""

    usage_unit = forms.ChoiceField(label=_("Usage unit"), required=False,
                                   help_text=_("What counts as usage for the usage-based part of the key."))
    base_percent = forms.DecimalField(label=_("Equal base share (%)"), min_value=Decimal(0), max_value=Decimal(100),
                                      max_digits=5, decimal_places=1, initial=Decimal(30),
                                      help_text=_("For “base share plus usage”: this part of the costs is split "
                                                  "equally, the rest by usage."))

    class Meta:
        model = AllocationRule
        fields = ["kind", "usage_unit", "weight_equal", "weight_population", "weight_usage"]
        labels = {"weight_equal": _("Weight: equal shares"), "weight_population": _("Weight: population"),
                  "weight_usage": _("Weight: usage")}

    def __init__(self, *args, service: str, **kwargs):
        super().__init__(*args, **kwargs)
        units = unit_choices(service)
        current = self.instance.usage_unit if self.instance and self.instance.pk else ""
        if current and current not in dict(units):
            units.append((current, current))  # a unit the service no longer declares stays visible
        self.fields["usage_unit"].choices = [("", _("The service's first unit"))] + units
        if self.instance and self.instance.pk:
            self.fields["base_percent"].initial = (self.instance.base_fraction * 100).normalize()
        self.order_fields(["kind", "usage_unit", "base_percent"])

    def save(self, commit=True):
        self.instance.base_fraction = (self.cleaned_data["base_percent"] / 100).quantize(Decimal("0.001"))
        return super().save(commit=commit)

    def clean(self):
        data = super().clean()
        if data.get("kind") == "weighted" and not any(
                data.get(k) for k in ("weight_equal", "weight_population", "weight_usage")):
            raise forms.ValidationError(_("A weighted mix needs at least one weight above zero."))
        return data


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

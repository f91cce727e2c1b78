from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import AllocationRule, CostCategory
from core.uploads import validate_upload_size


def service_choices():
    from catalog.models import Service

    return [(s.key, s.display_name if hasattr(s, "display_name") else s.name)
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
    class Meta:
        model = AllocationRule
        fields = ["kind", "usage_unit", "base_fraction", "weight_equal", "weight_population", "weight_usage"]
        labels = {"weight_equal": _("Weight: equal shares"), "weight_population": _("Weight: population"),
                  "weight_usage": _("Weight: usage")}

    def clean(self):
        data = super().clean()
        if data.get("kind") == "weighted" and not any(
                data.get(k) for k in ("weight_equal", "weight_population", "weight_usage")):
            raise forms.ValidationError(_("A weighted mix needs at least one weight above zero."))
        return data


class EfficiencyOverrideForm(forms.Form):
    town = forms.ChoiceField(label=_("Town"))
    service = forms.ChoiceField(label=_("Service"))
    unit = forms.SlugField(label=_("Metering unit"), max_length=50)
    minutes_saved = forms.DecimalField(label=_("Staff minutes saved per unit"), min_value=Decimal(0),
                                       max_digits=8, decimal_places=2)

    def __init__(self, *args, **kwargs):
        from tenants.models import Town

        super().__init__(*args, **kwargs)
        self.fields["town"].choices = [(t.ags, f"{t.name} ({t.ags})") for t in Town.objects.exclude(schema_name="public").order_by("name")]
        self.fields["service"].choices = service_choices()

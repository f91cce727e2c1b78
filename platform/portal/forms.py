from django import forms
from django.utils.translation import gettext_lazy as _

from core.uploads import validate_upload_size
from tenants.actions import TownData
from tenants.actions.onboarding import default_population_date


class OnboardingForm(forms.Form):
    name = forms.CharField(label=_("Name of the town"), max_length=100)
    ags = forms.CharField(label=_("AGS (8 digits)"), min_length=8, max_length=8,
                          widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{8}"}))
    population = forms.IntegerField(label=_("Population"), min_value=0)
    population_date = forms.DateField(label=_("Population as of"), initial=default_population_date,
                                      widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kreis = forms.CharField(label=_("Kreis key (5 digits, optional)"), max_length=5, required=False)
    kreis_name = forms.CharField(label=_("Kreis name"), max_length=100, required=False)
    leitweg_id = forms.CharField(label=_("Leitweg-ID (optional)"), max_length=46, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    street = forms.CharField(label=_("Street and number (for invoices)"), max_length=200, required=False)
    postcode = forms.RegexField(label=_("Post code"), regex=r"^\d{5}$", required=False,
                                error_messages={"invalid": _("A German post code has five digits.")},
                                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}))
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    activate = forms.BooleanField(label=_("Activate right away"), required=False)

    def town_data(self) -> TownData:
        data = self.cleaned_data
        return TownData(
            ags=data["ags"], name=data["name"], population=data["population"],
            population_date=data["population_date"], kreis=data["kreis"] or None,
            kreis_name=data["kreis_name"], leitweg_id=data["leitweg_id"],
            contact_name=data["contact_name"], contact_email=data["contact_email"],
            street=data["street"], postcode=data["postcode"], city=data["city"],
        )


class AddressForm(forms.Form):
    """The town's postal address: an e-invoice (XRechnung) to the town needs it."""

    street = forms.CharField(label=_("Street and number"), max_length=200,
                             widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    postcode = forms.RegexField(label=_("Post code"), regex=r"^\d{5}$",
                                error_messages={"invalid": _("A German post code has five digits.")},
                                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}))
    city = forms.CharField(label=_("City"), max_length=100)


class OffboardForm(forms.Form):
    confirm_ags = forms.CharField(label=_("Type the town's AGS to confirm"), max_length=8)

    def __init__(self, *args, town, **kwargs):
        super().__init__(*args, **kwargs)
        self.town = town

    def clean_confirm_ags(self):
        value = self.cleaned_data["confirm_ags"].strip()
        if value != self.town.ags:
            raise forms.ValidationError(_("The AGS does not match this town."))
        return value


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"), validators=[validate_upload_size])


class AuditFilterForm(forms.Form):
    """The audit log's filters (a GET form): each narrows the list; errors stand next to their field."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        help_text=_("Words in the details, e.g. a name, an e-mail address or an entry."))
    actor = forms.CharField(label=_("Person"), required=False, max_length=150)
    area = forms.ChoiceField(label=_("Area"), required=False)
    action = forms.ChoiceField(label=_("What happened"), required=False)
    town = forms.CharField(label=_("Town"), required=False, max_length=100)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, show_town: bool = True, **kwargs):
        from portal.audit_words import action_choices, area_choices

        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All areas")), *area_choices()]
        self.fields["action"].choices = [("", _("Everything")), *action_choices()]
        if not show_town:
            del self.fields["town"]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date lies before the start date."))
        return data


class TownFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or AGS"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        from tenants.models import TownStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All"))] + list(TownStatus.choices)

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from services.feedback.models import Project


class ProjectForm(forms.ModelForm):
    south = forms.FloatField(label=_("area: south latitude"), required=False, min_value=-90, max_value=90)
    west = forms.FloatField(label=_("area: west longitude"), required=False, min_value=-180, max_value=180)
    north = forms.FloatField(label=_("area: north latitude"), required=False, min_value=-90, max_value=90)
    east = forms.FloatField(label=_("area: east longitude"), required=False, min_value=-180, max_value=180)

    class Meta:
        model = Project
        fields = ["title", "slug", "description", "starts_on", "ends_on", "is_public", "fixed_topics"]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"}),
                   "ends_on": forms.DateInput(attrs={"type": "date"})}

    def clean(self):
        data = super().clean()
        box = [data.get(k) for k in ("south", "west", "north", "east")]
        if any(v is not None for v in box):
            if any(v is None for v in box) or box[0] >= box[2] or box[1] >= box[3]:
                raise forms.ValidationError(_("Give all four edges of the area (south < north, west < east)."))
            data["area"] = box
        else:
            data["area"] = None
        if data.get("starts_on") and data.get("ends_on") and data["starts_on"] > data["ends_on"]:
            raise forms.ValidationError(_("The project ends before it starts."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (CSV, TSV, XLSX or JSON)"))


class AnalyseForm(forms.Form):
    topics = forms.IntegerField(label=_("number of topics (empty: automatic)"), required=False, min_value=1,
                                max_value=60)


class SubmissionForm(forms.Form):
    title = forms.CharField(label=_("Title (optional)"), max_length=200, required=False)
    text = forms.CharField(label=_("Your contribution"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    email = forms.EmailField(label=_("E-mail for questions (optional)"), required=False)
    consent = forms.BooleanField(label=_("The town may contact me about this contribution at this address."),
                                 required=False)
    # Spam checks without a CAPTCHA: a field people do not see, and the time the form was open.
    website = forms.CharField(required=False, label=_("Leave this field empty"))
    started = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("email") and not data.get("consent"):
            self.add_error("consent", _("Please agree to be contacted, or leave the e-mail field empty."))
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise forms.ValidationError(_("The location is incomplete."))
        return data

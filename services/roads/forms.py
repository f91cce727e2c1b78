from django import forms
from django.utils.translation import gettext_lazy as _

from services.roads import conf
from services.roads.models import DamageClass, RoadsSettings


class NetworkForm(forms.Form):
    file = forms.FileField(label=_("OpenStreetMap (.osm.pbf, .osm, .osm.gz) or GeoJSON file"))
    segment_length = forms.FloatField(label=_("segment length (m)"), initial=conf.SEGMENT_LENGTH_M, min_value=5,
                                      max_value=1000)


class DetectionFileForm(forms.Form):
    file = forms.FileField(label=_("detections (CSV or GeoJSON)"))
    survey = forms.CharField(label=_("survey"), required=False, max_length=100,
                             help_text=_("Empty: the year of each detection."))


class UploadForm(forms.Form):
    survey = forms.CharField(label=_("survey"), required=False, max_length=100)


class DecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("confirm", _("confirm")), ("correct", _("correct")),
                                        ("reject", _("reject")), ("reopen", _("reopen"))])
    damage_class = forms.ChoiceField(choices=[("", "—"), *DamageClass.choices], required=False)
    hazard = forms.BooleanField(required=False, label=_("hazard: open a work order"))
    note = forms.CharField(required=False, max_length=2000)


class CloseWorkOrderForm(forms.Form):
    repair_note = forms.CharField(label=_("repair note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class ScenarioForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200, required=False)
    annual_budget = forms.DecimalField(label=_("annual budget (€)"), min_value=1, max_digits=12, decimal_places=2)
    years = forms.IntegerField(label=_("years"), min_value=1, max_value=10, initial=5)


class CostsForm(forms.ModelForm):
    class Meta:
        model = RoadsSettings
        fields = ["crack_sealing_eur_m2", "patching_eur_m2", "surface_renewal_eur_m2", "hazard_due_days"]

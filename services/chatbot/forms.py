from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.uploads import validate_upload_size
from services.chatbot.actions.knowledge import EntryData
from services.chatbot.models import ChatbotSettings, Entry, SensitiveTopic
from services.chatbot.richtext import to_html, to_markup
from services.chatbot.text import plain_text


class EntryForm(forms.Form):
    """One entry on the staff page. A new entry gets its id from its question (``knowledge.new_external_id``);
    the answer is written in the editor's formatted text (``richtext``) and stored as sanitised HTML."""

    question = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}))
    variants = forms.CharField(label=_("Other ways of asking (one per line)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    answer = forms.CharField(
        label=_("Answer"), widget=forms.Textarea(attrs={"rows": 10, "class": "markup"}),
        help_text=_("Formatting: **bold**, *italics*, a list line starts with “- ” or “1. ”, a link is written "
                    "[text](https://…), a heading starts with “### ”, an empty line starts a new paragraph. "
                    "“Preview” shows the answer as citizens will see it."))
    link = forms.URLField(label=_("Source link"), required=False, assume_scheme="https")
    source = forms.CharField(label=_("Source"), max_length=200, required=False)
    department = forms.CharField(label=_("Department"), max_length=200, required=False)
    tags = forms.CharField(label=_("Tags (comma-separated)"), required=False)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Valid until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    sensitive = forms.BooleanField(label=_("Sensitive: never answered by the machine"), required=False)

    @classmethod
    def for_entry(cls, entry: Entry | None, data=None):
        initial = None
        if entry is not None:
            initial = {"question": entry.question, "answer": to_markup(entry.answer),
                       "variants": "\n".join(entry.variants), "link": entry.link, "source": entry.source,
                       "department": entry.department, "tags": ", ".join(entry.tags),
                       "valid_from": entry.valid_from, "valid_until": entry.valid_until, "sensitive": entry.sensitive}
        return cls(data, initial=initial)

    def clean_answer(self):
        answer = to_html(self.cleaned_data["answer"])
        if not plain_text(answer):
            raise forms.ValidationError(_("Please write an answer."))
        return answer

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_until") and data["valid_from"] > data["valid_until"]:
            self.add_error("valid_until", _("“Valid until” lies before “valid from”."))
        return data

    def entry_data(self) -> EntryData:
        d = self.cleaned_data
        return EntryData(external_id="", question=d["question"].strip(), answer=d["answer"],
                         link=d["link"], source=d["source"], department=d["department"],
                         variants=[v.strip() for v in d["variants"].splitlines() if v.strip()],
                         tags=[t.strip() for t in d["tags"].split(",") if t.strip()],
                         valid_from=d["valid_from"], valid_until=d["valid_until"], sensitive=d["sensitive"])


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (CSV, TSV, XLSX or JSON)"), validators=[validate_upload_size])


class SettingsForm(forms.ModelForm):
    origins = forms.CharField(label=_("Website origins allowed to embed the chatbot (one per line)"),
                              required=False, widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = ChatbotSettings
        fields = ["retention_days", "inbox_email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["origins"].initial = "\n".join(self.instance.allowed_origins)

    def clean_origins(self):
        origins = [o.strip().rstrip("/") for o in self.cleaned_data["origins"].splitlines() if o.strip()]
        for origin in origins:
            if not origin.startswith(("https://", "http://")) or "/" in origin.split("://", 1)[1]:
                raise forms.ValidationError(_("%(origin)s is not an origin like https://www.example.de")
                                            % {"origin": origin})
        return origins


class GenerativeForm(forms.ModelForm):
    """The town's language model for the optional generative mode; the API key is never shown again."""

    api_key = forms.CharField(label=_("API key"), required=False, widget=forms.PasswordInput(render_value=False),
                              help_text=_("Leave empty to keep the stored key."))
    forget_key = forms.BooleanField(label=_("Delete the stored API key"), required=False)

    class Meta:
        model = ChatbotSettings
        fields = ["generative_enabled", "generative_base_url", "generative_model"]

    def clean(self):
        data = super().clean()
        if data.get("generative_enabled"):
            for field in ("generative_base_url", "generative_model"):
                if not data.get(field):
                    self.add_error(field, _("Required when the generative mode is on."))
        if data.get("generative_base_url"):
            from core.outbound import EndpointRefused, check_url

            try:
                check_url(data["generative_base_url"])
            except EndpointRefused as refused:
                self.add_error("generative_base_url", str(refused))
        return data


class SensitiveTopicForm(forms.Form):
    name = forms.CharField(label=_("Topic"), max_length=120)
    keywords = forms.CharField(label=_("Keywords (comma-separated)"))
    message = forms.CharField(label=_("Message to the citizen (optional)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def clean_name(self):
        if SensitiveTopic.objects.filter(name=self.cleaned_data["name"]).exists():
            raise forms.ValidationError(_("This topic exists already."))
        return self.cleaned_data["name"]

    def clean_keywords(self):
        return [k.strip() for k in self.cleaned_data["keywords"].split(",") if k.strip()]


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("Reply to the citizen"), widget=forms.Textarea(attrs={"rows": 5}))


class CaseEntryForm(forms.Form):
    question = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}))
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 5}))

"""Who may use which chatbot page: every role in its own town and in a foreign town (pretix-style table)."""

import pytest
from django.core.cache import cache

from tenants.models import Role

from ..conftest import host_client

MEMBERS = {Role.TOWN_ADMIN, Role.TOWN_STAFF, Role.FINANCE, Role.DPO}
EDITORS = {Role.TOWN_ADMIN, Role.TOWN_STAFF}
ADMINS = {Role.TOWN_ADMIN}
PUBLIC = "public"

# (method, path, data, who may, status when allowed, status for a member who may not)
PAGES = [
    ("get", "/chatbot/", None, MEMBERS, 200, 403),
    ("get", "/chatbot/entries/{entry}/", None, MEMBERS, 200, 403),
    ("post", "/chatbot/entries/{entry}/", {"external_id": "hund", "question": "Hund anmelden?", "answer": "Ja."},
     EDITORS, 302, 403),
    ("get", "/chatbot/export.csv", None, MEMBERS, 200, 403),
    ("get", "/chatbot/inbox/", None, MEMBERS, 200, 403),
    ("get", "/chatbot/analytics/", None, MEMBERS, 200, 403),
    ("get", "/chatbot/settings/", None, MEMBERS, 200, 403),
    ("post", "/chatbot/settings/", {"settings-origins": "https://www.amtsdorf.de", "settings-retention_days": "90",
                                    "settings-inbox_email": ""}, EDITORS, 302, 403),
    ("post", "/chatbot/settings/", {"generative-generative_enabled": "on",
                                    "generative-generative_base_url": "http://127.0.0.1:9/v1",
                                    "generative-generative_model": "kreis-llm"}, ADMINS, 302, 403),
    ("get", "/chatbot/demo/", None, PUBLIC, 200, 200),
]


@pytest.mark.parametrize("method, path, data, allowed, ok, refused", PAGES)
def test_chatbot_pages(town_faq, town_b, member_factory, django_user_model, method, path, data, allowed, ok,
                       refused):
    from django_tenants.utils import schema_context

    from services.chatbot.models import Entry

    with schema_context(town_faq.schema_name):
        entry = Entry.objects.get(external_id="hund").pk
    url = path.format(entry=entry)
    people = {role: member_factory(town_faq, role, f"{role}-a") for role in Role if role != Role.PLATFORM_ADMIN}
    people["platform_admin"] = django_user_model.objects.create_user("kreis", password="x" * 12, is_staff=True)
    for who, user in people.items():
        cache.clear()
        for town, own in ((town_faq, True), (town_b, False)):
            client = host_client(town.host, user)
            response = client.post(url, data) if method == "post" else client.get(url)
            if allowed == PUBLIC or who == "platform_admin" or (own and who in allowed):
                expected = ok if (own or allowed == PUBLIC or who == "platform_admin") else refused
            else:
                expected = refused if own else 403
            if who == "platform_admin" and not own and "{entry}" in path:
                expected = 404  # county IT may look everywhere; the id does not exist at town B
            assert response.status_code == expected, (who, town.name, method, url, response.status_code)
    anonymous = host_client(town_faq.host)
    response = anonymous.post(url, data) if method == "post" else anonymous.get(url)
    assert response.status_code == (200 if allowed == PUBLIC else 302)

"""Words people understand on the console, finance and catalogue pages: names instead of codes, units from a
list, errors beside their field, euros and per cent, charts with an axis and their values."""

from decimal import Decimal

import pytest
from django.utils import timezone

from billing.actions.periods import key_label, run_period
from billing.metering import record_usage
from billing.models import AllocationRule, CostPool, EfficiencyOverride
from catalog.actions import sync_catalogue
from catalog.models import Offering, Service
from identity.sync import sync_user_from_claims
from tests.catalog.conftest import echo_service, make_offering, offering, subscribe  # noqa: F401  (fixtures)

from .conftest import host_client

MONTH = timezone.localdate().replace(day=1)
PERIOD = f"{MONTH:%Y-%m}"


def county_finance():
    return sync_user_from_claims({"preferred_username": "kaemmerer-kreis", "roles": ["county_finance"],
                                  "organization": [], "groups": []})


def field_block(page: str, field_id: str, before: int = 700) -> str:
    at = page.index(f'id="{field_id}"')
    return page[at - before:at + 200]


@pytest.fixture
def console(operator, console_host):
    return host_client(console_host, operator)


def test_offering_form_lists_units_by_name_and_checks_them_per_service(console, db):
    sync_catalogue(actor="pytest")
    page = console.get("/catalogue/offerings/new/").content.decode()
    assert "<select" in page[page.index('name="unit"') - 80:page.index('name="unit"')]
    assert "Bürger-Chatbot: beantwortete Frage" in page and "answered_question</option>" not in page
    assert "Betrag in Euro" in page and ">chatbot<" not in page
    roads = Service.objects.get(key="roads")
    response = console.post("/catalogue/offerings/new/", {
        "service": Service.objects.get(key="chatbot").pk, "provider": "Kreis-IT", "contract_title": "AVV",
        "contract_version": "1", "price_model": "per_unit", "amount": "0.05", "available": "on",
        "unit": roads.descriptor["units"][0]["key"]})
    assert response.status_code == 400
    assert "Bürger-Chatbot zählt diese Einheit nicht." in field_block(response.content.decode(), "id_unit")
    assert not Offering.objects.exists()


def test_offerings_list_shows_names_versions_and_euros(console, make_offering):
    make_offering(amount=Decimal("12000.00"))
    page = console.get("/catalogue/").content.decode()
    assert "Echo test service <span class=\"muted\">Version " in page and " echo " not in page
    assert "12.000 €" in page


def test_finance_pages_show_names_units_and_no_setting_names(make_town, offering, subscribe, console_host):
    town = make_town("Amtsdorf")
    subscribe(town, offering)
    record_usage(town, "echo", "echo", 4, "a1", timezone.now())
    CostPool.objects.create(service="echo", period=MONTH, category="licences", amount=Decimal("1234.50"))
    AllocationRule.objects.create(service="echo", kind="usage", usage_unit="echo")
    EfficiencyOverride.objects.create(town=town, service="echo", unit="echo", minutes_saved=Decimal("2"))
    run_period(MONTH, actor="pytest")
    finance = host_client(console_host, county_finance())
    page = finance.get(f"/finance/?period={PERIOD}").content.decode()
    assert "BILLING_HOURLY_RATE" not in page and "der Kreis kann einen eigenen Satz festlegen" in page
    pools = page[page.index("Kosten des Monats"):page.index("Kosten erfassen")]
    assert "<td>Echo test service</td>" in pools and "<td>echo</td>" not in pools
    assert "Echo request" in page  # the override's unit by its name
    usage = finance.get(f"/finance/usage/?period={PERIOD}").content.decode()
    assert "<td>Echo request</td>" in usage
    # The chart: every bar carries its amount, and an axis in euros runs below.
    assert "1.234,50 €</text>" in page and "Betrag in Euro</text>" in page and 'class="axis"' in page
    town_finance = sync_user_from_claims({"preferred_username": "kaemmerei-amtsdorf", "roles": ["finance"],
                                          "organization": [town.slug], "groups": [f"/towns/{town.slug}/finance"]})
    own = host_client(town.host, town_finance).get("/finance/").content.decode()
    assert "BILLING_HOURLY_RATE" not in own and "Betrag in Euro</text>" in own


def test_an_override_with_a_wrong_unit_is_refused_beside_the_field(make_town, console_host, echo_service):
    town = make_town("Amtsdorf")
    finance = host_client(console_host, county_finance())
    page = finance.get("/finance/").content.decode()
    assert "<select" in page[page.index('name="unit"') - 80:page.index('name="unit"')]
    response = finance.post("/finance/", {"period": PERIOD, "town": town.ags, "service": "echo", "unit": "seiten",
                                          "minutes_saved": "5", "override": "1"})
    assert response.status_code == 400
    assert "Bitte wählen Sie einen der angebotenen Werte" in field_block(response.content.decode(), "id_unit")
    assert "unit:" not in response.content.decode()
    assert not EfficiencyOverride.objects.exists()


def test_allocation_key_takes_the_base_share_in_per_cent_and_units_from_a_list(console_host, echo_service):
    finance = host_client(console_host, county_finance())
    page = finance.get(f"/finance/rules/echo/?period={PERIOD}").content.decode()
    assert "Echo test service</h1>" in page
    assert '<option value="echo">Echo request</option>' in page and "Gleicher Grundanteil (%)" in page
    response = finance.post(f"/finance/rules/echo/?period={PERIOD}", {
        "period": PERIOD, "kind": "base_plus_usage", "usage_unit": "echo", "base_percent": "25",
        "weight_equal": "0", "weight_population": "0", "weight_usage": "0", "save": "1"})
    assert response.status_code == 302
    assert AllocationRule.objects.get(service="echo").base_fraction == Decimal("0.250")
    again = finance.get(f"/finance/rules/echo/?period={PERIOD}").content.decode()
    assert 'name="base_percent" value="25"' in again
    wrong = finance.post(f"/finance/rules/echo/?period={PERIOD}", {
        "period": PERIOD, "kind": "usage", "usage_unit": "seiten", "base_percent": "130", "save": "1"})
    assert wrong.status_code == 400
    body = wrong.content.decode()
    assert "Bitte wählen Sie einen der angebotenen Werte" in field_block(body, "id_usage_unit")
    assert "Bitte geben Sie einen Anteil von 0 bis 100 % ein." in field_block(body, "id_base_percent")


def test_the_weighted_mix_is_entered_in_per_cent_that_add_up_to_100(console_host, echo_service):
    finance = host_client(console_host, county_finance())
    url = f"/finance/rules/echo/?period={PERIOD}"
    page = finance.get(url).content.decode()
    assert "Gewichtete Mischung: gleich verteilt (%)" in page and "Gewichtete Mischung: nach Nutzung (%)" in page
    assert "Gewicht:" not in page and 'name="weight_equal"' not in page
    mix = {"period": PERIOD, "kind": "weighted", "usage_unit": "echo", "percent_equal": "50",
           "percent_population": "30", "percent_usage": "20", "save": "1"}
    assert finance.post(url, mix).status_code == 302
    rule = AllocationRule.objects.get(service="echo")
    # Stored as before (weights the allocation normalises), typed and shown as per cent.
    assert (rule.weight_equal, rule.weight_population, rule.weight_usage) == (
        Decimal("0.500"), Decimal("0.300"), Decimal("0.200"))
    again = finance.get(url).content.decode()
    assert 'name="percent_equal" value="50"' in again and 'name="percent_population" value="30"' in again
    assert key_label(rule) == "Gewichtete Mischung (50 % gleich, 30 % nach Einwohnern, 20 % nach Nutzung)"

    # Weights stored as plain numbers (the API, older rules) show as per cent that add up to exactly 100.
    AllocationRule.objects.filter(pk=rule.pk).update(weight_equal=1, weight_population=1, weight_usage=1)
    thirds = finance.get(url).content.decode()
    assert 'name="percent_equal" value="33.4"' in thirds and 'name="percent_population" value="33.3"' in thirds \
        and 'name="percent_usage" value="33.3"' in thirds

    too_much = finance.post(url, {**mix, "percent_population": "40"})
    assert too_much.status_code == 400
    body = too_much.content.decode()
    assert "Die drei Anteile ergeben zusammen 110 %. Bitte verteilen Sie genau 100 %." in \
        field_block(body, "id_percent_usage")
    out_of_range = finance.post(url, {**mix, "percent_equal": "150", "percent_usage": "-10"}).content.decode()
    assert "Bitte geben Sie einen Anteil von 0 bis 100 % ein." in field_block(out_of_range, "id_percent_equal", 400)
    assert "Bitte geben Sie einen Anteil von 0 bis 100 % ein." in field_block(out_of_range, "id_percent_usage", 400)
    assert "Bitte verteilen Sie genau" not in out_of_range  # one error at a time: the range first
    rule.refresh_from_db()
    assert rule.weight_equal == 1 and rule.weight_population == 1  # nothing half-written
    english = finance.post(url, {**mix, "percent_population": "40"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The three shares add up to 110 %; please distribute exactly 100 %." in english


def test_empty_lists_say_what_to_do_next(console, console_host, town_a, make_offering):
    make_offering()
    finance = host_client(console_host, county_finance()).get(f"/finance/?period={PERIOD}").content.decode()
    assert "Für diesen Monat sind noch keine Kosten erfasst. Erfassen Sie" in finance
    offerings = console.get("/catalogue/").content.decode()
    assert "Kein Abonnement wartet auf Ihre Freigabe." in offerings and "Gemeinden abonnieren im Dienstekatalog" in offerings
    detail = console.get(f"/towns/{town_a.ags}/").content.decode()
    assert "„Alle Daten exportieren“ erstellt einen" in detail


def test_a_refused_service_is_named_not_keyed(town_a, member_factory):
    sync_catalogue(actor="pytest")
    response = host_client(town_a.host, member_factory(town_a)).get("/chatbot/")
    page = response.content.decode()
    assert response.status_code == 403 and "für den Dienst „Bürger-Chatbot“" in page
    assert "„chatbot“" not in page


def test_the_catalogue_shows_the_share_in_euros_and_per_cent(make_town, offering, subscribe, member_factory):
    joined, viewer = make_town("Amtsdorf"), make_town("Burgheim")
    subscribe(joined, offering)
    page = host_client(viewer.host, member_factory(viewer)).get("/catalogue/echo/").content.decode()
    share = page[page.index('data-testid="share"'):]
    assert "500,00 €" in share[:200] and "(50 % der Kosten)" in share[:400]

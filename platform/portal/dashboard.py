"""What a town's start page shows: its services, open work and what came in, for the person looking.

The platform's own parts (subscriptions and their checklists, statements) are read here; each
subscribed service the person may use adds its open work and news through its descriptor's
``dashboard`` hook, as it adds its menu entries (``catalog.menu``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing.models import Statement
from catalog.access import CHECKLIST_ROLES
from catalog.entitlement import has_active_subscription, may_use
from catalog.models import ChecklistItem, Subscription, SubscriptionStatus
from catalog.registry import DashboardItem, get_all_services
from tenants.access import has_town_role
from tenants.models import Role

NEWS_SHOWN = 5


@dataclass
class ServiceTile:
    name: str
    description: str
    url: str  # the service's first page, or its catalogue page when the person may not use it
    usable: bool


@dataclass
class Dashboard:
    services: list[ServiceTile] = field(default_factory=list)
    tasks: list[DashboardItem] = field(default_factory=list)
    news: list[DashboardItem] = field(default_factory=list)
    waiting: list[DashboardItem] = field(default_factory=list)  # with the county, nothing for the town to do


def _subscription_tasks(user, town, dashboard: Dashboard) -> None:
    open_subscriptions = (Subscription.objects.filter(town=town, status__in=[SubscriptionStatus.REQUESTED,
                                                                             SubscriptionStatus.AWAITING_APPROVAL])
                          .select_related("offering__service").prefetch_related("checklist"))
    may_confirm = has_town_role(user, town, *CHECKLIST_ROLES)
    for subscription in open_subscriptions:
        service = subscription.offering.service
        url = reverse("catalog:service", args=[service.key])
        if subscription.status == SubscriptionStatus.AWAITING_APPROVAL:
            dashboard.waiting.append(DashboardItem(
                label=_("%(service)s: waiting for the county's approval") % {"service": service.display_name},
                url=url))
            continue
        missing = len(ChecklistItem.values) - len({entry.item for entry in subscription.checklist.all()})
        if missing and may_confirm:
            label = ngettext("%(service)s: %(count)s checklist item to confirm",
                             "%(service)s: %(count)s checklist items to confirm", missing)
        elif missing:
            label = ngettext("%(service)s: %(count)s checklist item open (town admin or data protection officer)",
                             "%(service)s: %(count)s checklist items open (town admin or data protection officer)",
                             missing)
        else:
            label = _("%(service)s: checklist complete – the subscription can be activated")
        dashboard.tasks.append(DashboardItem(label=label % {"service": service.display_name, "count": missing},
                                             url=url, count=missing or None))


def _statement_news(user, town, dashboard: Dashboard) -> None:
    if not has_town_role(user, town, Role.FINANCE, Role.TOWN_ADMIN):
        return
    latest = (Statement.objects.filter(town=town).select_related("period")
              .order_by("-period__month", "-created_at").first())
    if latest is None:
        return
    month = latest.period.month
    if latest.final:
        label = _("Statement for %(month)s is final: please read it") % {"month": f"{month:%m/%Y}"}
    else:
        label = _("Statement for %(month)s is a draft (the month is still open)") % {"month": f"{month:%m/%Y}"}
    dashboard.tasks.append(DashboardItem(label=label, url=reverse("town-finance:finance"), when=latest.created_at))


def town_dashboard(user, town) -> Dashboard:
    dashboard = Dashboard()
    active_keys = set(Subscription.objects.filter(town=town, status=SubscriptionStatus.ACTIVE)
                      .values_list("offering__service__key", flat=True))
    for key, meta in get_all_services().items():
        if key not in active_keys or not has_active_subscription(town, key):
            continue
        usable = may_use(user, town, key)
        url = reverse("catalog:service", args=[key])
        if usable and meta.menu:
            url = reverse(meta.menu[0].url_name)
        dashboard.services.append(ServiceTile(name=str(meta.name), description=str(meta.description), url=url,
                                              usable=usable))
        if usable and meta.dashboard:
            tasks, news = import_string(meta.dashboard)(town, user)
            dashboard.tasks.extend(tasks)
            dashboard.news.extend(news)
    _subscription_tasks(user, town, dashboard)
    _statement_news(user, town, dashboard)
    dashboard.news.sort(key=lambda item: item.when, reverse=True)
    dashboard.news = dashboard.news[:NEWS_SHOWN]
    return dashboard

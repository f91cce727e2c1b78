"""What the road service declares about itself, for the catalogue, billing and the KI-Register."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from catalog.registry import MenuItem, MeteringUnit, Processor, RiskClass, ServiceDescriptor

KM_SURVEYED = "km_surveyed"
IMAGE_PROCESSED = "image_processed"

DESCRIPTOR = ServiceDescriptor(
    key="roads",
    name=_("Road-condition monitoring"),
    description=_("Geotagged images from municipal vehicles become damage detections and condition grades "
                  "1.0–5.0 per road segment; staff confirm the damage, plan repairs and budgets on a map."),
    version="1.0.0",
    # Surveys of the town's own roads; persons appear in images only incidentally and are blurred.
    units=(MeteringUnit(KM_SURVEYED, _("kilometre surveyed"), minutes_saved=Decimal(20)),
           MeteringUnit(IMAGE_PROCESSED, _("image processed"), minutes_saved=Decimal("0.2"))),
    risk_class=RiskClass.MINIMAL,
    data_categories=(
        _("road images taken from municipal vehicles; faces and number plates are blurred before storage"),
        _("GPS positions and times of the survey drives"),
        _("the town's road network from OpenStreetMap"),
        _("names of staff who confirm damage and close work orders"),
    ),
    processors=(Processor(name="Betreiber des KI-Verbunds (Kreis-IT)", role="Auftragsverarbeiter (Art. 28 DSGVO)",
                          location="Deutschland"),),
    data_location="Deutschland (Rechenzentrum des Betreibers); Bildanalyse auf den eigenen Servern",
    human_oversight=_("Every damage the model or a vendor suggests stays a suggestion until staff confirm, "
                      "correct or reject it; work orders arise only from confirmed hazards. Images whose "
                      "anonymisation is uncertain are shown to nobody until a person has checked them."),
    register_defaults={
        "purpose": _("Recording the condition of the town's roads to plan maintenance and repairs."),
        "legal_basis": _("Art. 6(1)(e) GDPR in conjunction with the road authority's duty to maintain roads "
                         "(Straßenbaulast, Verkehrssicherungspflicht)."),
        "how_it_works": _("An image-recognition model finds cracks and potholes in road images (RDD2022 "
                          "classes); each damage is matched to a road segment and the segments are graded "
                          "1.0–5.0 following the ZTV ZEB-StB scale. Faces and number plates are detected and "
                          "blurred irreversibly before an image is stored."),
        "retention": _("Images are kept until the next survey of the road; grades and decisions are kept as "
                       "the road's maintenance history."),
        "training": _("Images are not used to train any model."),
        "data_sources": _("Images and GPS tracks from the town's vehicles; the OpenStreetMap road network; "
                          "detections delivered by survey vendors."),
        "risks": _("Persons or number plates visible in images; missed or wrongly suggested damage."),
        "mitigations": _("Blurring before storage with a manual review queue for uncertain images; staff "
                         "confirm each damage before it leads to a work order; suggestions and decisions are "
                         "logged side by side."),
    },
    permissions=(),  # every member reads; the views ask for staff where they change things
    urls="services.roads.urls",
    api_urls="services.roads.api_urls",
    menu=(MenuItem(label=_("Roads"), url_name="roads:index"),),
    dashboard="services.roads.dashboard.dashboard",
    demo_seed="services.roads.demo.seed",
)

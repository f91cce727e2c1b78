from rest_framework import serializers

from catalog.actions.register import EDITABLE_FIELDS
from catalog.models import (
    ChecklistEntry,
    ChecklistItem,
    Offering,
    PriceModel,
    RegisterEntry,
    Service,
    Subscription,
)
from core.uploads import validate_upload_size


class ServiceSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    description = serializers.SerializerMethodField()

    class Meta:
        model = Service
        fields = ["key", "name", "display_name", "description", "version", "risk_class", "descriptor", "registered"]

    def get_description(self, service) -> str:
        return str(service.meta.description) if service.meta else ""


class OfferingSerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="key", queryset=Service.objects.filter(registered=True))
    price_model = serializers.ChoiceField(choices=PriceModel.choices)

    class Meta:
        model = Offering
        fields = ["id", "service", "description", "provider", "contract_title", "contract_version", "contract_url",
                  "price_model", "amount", "unit", "available", "requires_county_approval", "updated_at"]
        read_only_fields = ["id", "updated_at"]


class StepSerializer(serializers.Serializer):
    towns = serializers.IntegerField()
    joined = serializers.CharField(help_text="The town assumed to join in this step.")
    share = serializers.DecimalField(max_digits=14, decimal_places=2)


class CostPreviewSerializer(serializers.Serializer):
    model = serializers.ChoiceField(choices=PriceModel.choices)
    rate = serializers.DecimalField(max_digits=14, decimal_places=4)
    unit = serializers.CharField()
    month = serializers.DateField(help_text="The month priced (first day): what its billing run would charge.")
    alone = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True,
        help_text="The month's cost if this town bore it alone (null: depends on usage nobody can estimate yet).")
    together = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True,
        help_text="The town's charge for the month inside the Verbund, as the billing run computes it.")
    pool = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True,
                                    help_text="The month's cost pool (cost-pool offerings only).")
    key_label = serializers.CharField(help_text="The allocation key, for people (cost-pool offerings only).")
    towns = serializers.IntegerField(help_text="Towns sharing the month's cost pool, this town included.")
    annual = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True,
                                      help_text="A fixed price's annual amount (charged in twelve instalments).")
    estimate = serializers.BooleanField(help_text="True when a figure rests on the assumptions listed.")
    assumptions = serializers.ListField(child=serializers.CharField())
    participants = serializers.ListField(child=serializers.CharField(), source="participant_names")
    steps = StepSerializer(many=True)


class CatalogueOfferingSerializer(OfferingSerializer):
    cost_preview = CostPreviewSerializer(read_only=True)

    class Meta(OfferingSerializer.Meta):
        fields = [*OfferingSerializer.Meta.fields, "cost_preview"]


class CatalogueEntrySerializer(serializers.Serializer):
    service = ServiceSerializer()
    offerings = CatalogueOfferingSerializer(many=True)


class ChecklistEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistEntry
        fields = ["item", "confirmed_by", "confirmed_at", "details"]


class SubscriptionSerializer(serializers.ModelSerializer):
    service = serializers.CharField(source="offering.service.key", read_only=True)
    town = serializers.CharField(source="town.ags", read_only=True)
    checklist = ChecklistEntrySerializer(many=True, read_only=True)
    offering = serializers.PrimaryKeyRelatedField(queryset=Offering.objects.filter(available=True))

    class Meta:
        model = Subscription
        fields = ["id", "town", "service", "offering", "status", "requested_by", "requested_at", "approved_by",
                  "approved_at", "activated_by", "activated_at", "cancelled_by", "cancelled_at", "ends_on",
                  "ended_at", "checklist"]
        read_only_fields = [f for f in fields if f != "offering"]


class ChecklistConfirmSerializer(serializers.Serializer):
    item = serializers.ChoiceField(choices=ChecklistItem.choices)
    avv_version = serializers.CharField(required=False, default="")
    dpia_file = serializers.FileField(required=False, allow_null=True, default=None,
                                      validators=[validate_upload_size])
    dpia_not_required_reason = serializers.CharField(required=False, default="")


class CancelSerializer(serializers.Serializer):
    ends_on = serializers.DateField()


class RegisterEntrySerializer(serializers.ModelSerializer):
    texts = serializers.DictField(child=serializers.CharField(allow_blank=True),
                                  help_text=f"Editable texts: {', '.join(EDITABLE_FIELDS)}")
    service = serializers.CharField(source="subscription.offering.service.key", read_only=True)
    subscription_status = serializers.CharField(source="subscription.status", read_only=True)

    class Meta:
        model = RegisterEntry
        fields = ["id", "service", "subscription", "subscription_status", "texts", "version", "updated_by",
                  "updated_at"]
        read_only_fields = ["id", "subscription", "version", "updated_by", "updated_at"]


class RegisterDocumentSerializer(serializers.Serializer):
    """The public register document; its full structure is catalog/schemas/ki-register.schema.json."""

    schema_version = serializers.CharField()
    generated_at = serializers.DateTimeField()
    organisation = serializers.DictField(allow_null=True)
    entries = serializers.ListField(child=serializers.DictField())

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION kiverbund_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER usage_event_append_only BEFORE UPDATE OR DELETE ON billing_usageevent
    FOR EACH ROW EXECUTE FUNCTION kiverbund_append_only();
"""
ALLOW = "DROP TRIGGER IF EXISTS usage_event_append_only ON billing_usageevent;"


class Migration(migrations.Migration):
    """Usage is evidence for invoices: it is added, corrected by new entries, never changed."""

    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunSQL(FORBID, ALLOW)]

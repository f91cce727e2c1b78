from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION billing_statement_final() RETURNS trigger AS $$
BEGIN
    IF OLD.final THEN
        RAISE EXCEPTION 'statement % is final: correct it with a new statement instead', OLD.number;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER billing_statement_final BEFORE UPDATE OR DELETE ON billing_statement
    FOR EACH ROW EXECUTE FUNCTION billing_statement_final();
"""
ALLOW = """
DROP TRIGGER IF EXISTS billing_statement_final ON billing_statement;
DROP FUNCTION IF EXISTS billing_statement_final();
"""


class Migration(migrations.Migration):
    """Final statements (closed periods, corrections) are never changed or removed, whoever asks."""

    dependencies = [("billing", "0003_cost_pools_periods_statements")]
    operations = [migrations.RunSQL(FORBID, ALLOW)]

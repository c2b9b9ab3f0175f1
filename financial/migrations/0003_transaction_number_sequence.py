from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("financial", "0002_declarations_and_payments")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE financial_transaction_number START 10000000000001",
            "DROP SEQUENCE financial_transaction_number",
        ),
    ]

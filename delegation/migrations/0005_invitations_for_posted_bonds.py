"""Each surety that had posted a bond for a program account before invitations existed
keeps its standing there: one invitation, used from its first bond on."""

from django.db import migrations
from django.db.models import Min


def record(apps, schema_editor):
    SuretyBond = apps.get_model("security", "SuretyBond")
    SuretyInvitation = apps.get_model("delegation", "SuretyInvitation")
    pairs = SuretyBond.objects.values("program_account_id", "surety_id").annotate(
        first=Min("created_at")
    )
    for pair in pairs:
        if SuretyInvitation.objects.filter(
            program_account_id=pair["program_account_id"],
            surety_id=pair["surety_id"],
            withdrawn_at__isnull=True,
        ).exists():
            continue
        SuretyInvitation.objects.create(
            program_account_id=pair["program_account_id"],
            surety_id=pair["surety_id"],
            created_at=pair["first"],
            used_at=pair["first"],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("delegation", "0004_surety_invitation"),
        ("security", "0003_decision_permissions"),
    ]

    operations = [migrations.RunPython(record, migrations.RunPython.noop)]

"""Postings become a table partitioned by the month they were posted, Toronto time.

The rows move into one partition per month that holds postings, with partitions from this
month to three months ahead and a default partition that takes any posting no month's
partition does, so a posting is never refused. The primary key becomes (id, posted_at), as
PostgreSQL requires of a partitioned table; ids still come from one sequence. The
references into postings are kept by triggers since migration 0012, and the append-only
trigger is installed again on the new table, where PostgreSQL gives it to every partition.
Later months are added by financial.partitions (a daily job). This migration keeps its own
copy of the naming and bounds so that it stays as it ran.
"""

import datetime
from zoneinfo import ZoneInfo

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

TORONTO = ZoneInfo("America/Toronto")
AHEAD = 3

APPEND_ONLY = pgtrigger.compiler.Trigger(
    name="posting_append_only",
    sql=pgtrigger.compiler.UpsertTriggerSql(
        func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
        hash="fc166f9ecf15b5356131faf87d0804a58ab5af67",
        operation="UPDATE OR DELETE",
        pgid="pgtrigger_posting_append_only_efe3e",
        table="financial_posting",
        when="BEFORE",
    ),
)


def _next(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    def start(day):
        return datetime.datetime(day.year, day.month, 1, tzinfo=TORONTO)

    return start(month), start(_next(month))


def partition(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT date_trunc('month', posted_at AT TIME ZONE 'America/Toronto')::date"
            " FROM financial_posting"
        )
        months = {row[0] for row in cursor.fetchall()}
        month = datetime.datetime.now(TORONTO).date().replace(day=1)
        for _ in range(AHEAD + 1):
            months.add(month)
            month = _next(month)

        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM financial_posting")
        (last_id,) = cursor.fetchone()
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index"
            " WHERE indrelid = 'financial_posting'::regclass AND NOT indisprimary"
        )
        for (index,) in cursor.fetchall():
            cursor.execute(f"DROP INDEX {index}")
        cursor.execute("ALTER TABLE financial_posting RENAME TO financial_posting_unpartitioned")
        cursor.execute(
            "ALTER TABLE financial_posting_unpartitioned"
            " RENAME CONSTRAINT financial_posting_pkey TO financial_posting_unpartitioned_pkey"
        )
        cursor.execute("ALTER TABLE financial_posting_unpartitioned ALTER COLUMN id DROP IDENTITY")

        cursor.execute("CREATE SEQUENCE financial_posting_id_seq AS bigint")
        if last_id:
            cursor.execute("SELECT setval('financial_posting_id_seq', %s)", [last_id])
        cursor.execute(
            "CREATE TABLE financial_posting (LIKE financial_posting_unpartitioned"
            " INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (posted_at)"
        )
        cursor.execute(
            "ALTER TABLE financial_posting"
            " ALTER COLUMN id SET DEFAULT nextval('financial_posting_id_seq')"
        )
        cursor.execute("ALTER SEQUENCE financial_posting_id_seq OWNED BY financial_posting.id")
        for month in sorted(months):
            lower, upper = _bounds(month)
            cursor.execute(
                f"CREATE TABLE financial_posting_{month:%Y_%m} PARTITION OF financial_posting"
                " FOR VALUES FROM (%s) TO (%s)",
                [lower, upper],
            )
        cursor.execute("CREATE TABLE financial_posting_default PARTITION OF financial_posting DEFAULT")

        cursor.execute(
            "INSERT INTO financial_posting SELECT * FROM financial_posting_unpartitioned"
        )
        cursor.execute("DROP TABLE financial_posting_unpartitioned")

        cursor.execute(
            "ALTER TABLE financial_posting ADD CONSTRAINT financial_posting_pkey"
            " PRIMARY KEY (id, posted_at)"
        )
        cursor.execute(
            "CREATE INDEX posting_history ON financial_posting"
            " (program_account_id, posted_at DESC, id DESC)"
        )
        cursor.execute(
            "CREATE INDEX posting_transaction ON financial_posting (transaction_number)"
        )
        cursor.execute(
            "CREATE INDEX financial_posting_filed_by_id_e3f93628 ON financial_posting (filed_by_id)"
        )
        cursor.execute(
            "ALTER TABLE financial_posting ADD CONSTRAINT"
            " financial_posting_program_account_id_3f09c59a_fk_accounts_"
            " FOREIGN KEY (program_account_id) REFERENCES accounts_programaccount (id)"
            " DEFERRABLE INITIALLY DEFERRED"
        )
        cursor.execute(
            "ALTER TABLE financial_posting ADD CONSTRAINT"
            " financial_posting_filed_by_id_e3f93628_fk_accounts_business_id"
            " FOREIGN KEY (filed_by_id) REFERENCES accounts_business (id)"
            " DEFERRABLE INITIALLY DEFERRED"
        )
        cursor.execute("ANALYZE financial_posting")


class Migration(migrations.Migration):
    dependencies = [
        ("financial", "0012_posting_references_kept_by_triggers"),
        ("cases", "0002_posting_reference_kept_by_trigger"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(model_name="posting", name="posting_append_only"),
        migrations.RunPython(partition, elidable=False),
        pgtrigger.migrations.AddTrigger(model_name="posting", trigger=APPEND_ONLY),
    ]

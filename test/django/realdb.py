"""The in-memory database of the real-Django harnesses (query_counts.py, framework_counts.py)."""
from django.core.management import call_command

_MIGRATED = []


def reset_database():
    """Migrate the in-memory database once, then empty it (and its id sequences) per size."""
    if not _MIGRATED:
        call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
        _MIGRATED.append(True)
    else:
        # Django ignores close() on an in-memory SQLite database, so flush instead.
        call_command("flush", verbosity=0, interactive=False)

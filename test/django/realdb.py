"""The in-memory database of the real-Django harnesses (query_counts.py, framework_counts.py), and how they call views."""
from django.core.management import call_command
from django.test import RequestFactory

_MIGRATED = []


def reset_database():
    """Migrate the in-memory database once, then empty it (and its id sequences) per size."""
    if not _MIGRATED:
        call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
        _MIGRATED.append(True)
    else:
        # Django ignores close() on an in-memory SQLite database, so flush instead.
        call_command("flush", verbosity=0, interactive=False)


_RF = RequestFactory()


def request_as(user, method="get", path="/", data=None):
    """A request made by `user`, as the view receives it."""
    request = getattr(_RF, method)(path, data or {})
    request.user = user
    return request


def finish(response):
    """The response rendered (template responses are lazy); an error status raises, so a broken case cannot count."""
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    if response.status_code >= 400:
        raise RuntimeError("HTTP %d: %s" % (response.status_code, response.content[:300]))
    return response

"""
Real Django query counts of the issue-15 callee fixtures (test/fixtures/projects/model_method_callees and
caller_typed_params), on an in-memory SQLite database under the system Django (Debian python3-django 3.2).

Each case seeds size n from scratch and runs one fixture function inside CaptureQueriesContext; the output is
JSON {case: {n: queries}}, plus "sfu_create": the SQL a select_for_update().create() runs inside atomic().
calleeCounts.test.ts compares the counts with the cost djperf predicts (1 + k*N when flagged, a constant when clean).

Seed for size n: planning: n boards (each with its team and one story with one estimate on the single role),
n notes (each with its own creator team); exports: one board with n cards (each with its own owner and one vote);
social: n posts (one fan, one visible and one hidden comment each); tracker: n tasks (own story and owner each).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECTS = os.path.join(os.path.dirname(HERE), "fixtures", "projects")
for project in ("model_method_callees", "caller_typed_params", "callee_effects"):
    sys.path.insert(0, os.path.join(PROJECTS, project))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.configure(
    SECRET_KEY="callee-counts",
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "planning", "exports", "social", "tracker"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    USE_TZ=True,
)
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from exports import models as em, services, views as ev  # noqa: E402
from planning import models as pm, views as pv  # noqa: E402
from social import models as sm, views as sv  # noqa: E402
from tracker import models as tm, exports as tx, views as tv  # noqa: E402

call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)


def seed(n):
    call_command("flush", verbosity=0, interactive=False)
    role = pm.Role.objects.create(name="dev")
    for i in range(n):
        team = pm.Team.objects.create(name="team %d" % i)
        board = pm.Board.objects.create(team=team, name="board %d" % i)
        story = pm.Story.objects.create(board=board, title="story %d" % i)
        pm.Estimate.objects.create(story=story, role=role, points=i)
        pm.Note.objects.create(created_by=team, text="note %d" % i)
    board = em.Board.objects.create(name="export board")
    for i in range(n):
        owner = em.Member.objects.create(name="member %d" % i)
        card = em.Card.objects.create(board=board, owner=owner, title="card %d" % i)
        em.Vote.objects.create(card=card, voter=owner)
    for i in range(n):
        fan = sm.Member.objects.create(name="fan %d" % i)
        post = sm.Post.objects.create(title="post %d" % i)
        post.fans.add(fan)
        sm.Comment.objects.create(post=post, body="c %d" % i)
        sm.Comment.objects.create(post=post, body="hidden %d" % i, hidden=True)
        member = tm.Member.objects.create(name="m %d" % i)
        story = tm.Story.objects.create(title="s %d" % i)
        tm.Task.objects.create(story=story, owner=member, subject="t %d" % i)
    return role, board


def roles_in_use(role, _board):
    # The model method with the per-story, per-role query: the board holding every story is needed, so move them.
    target = pm.Board.objects.first()
    pm.Story.objects.update(board=target)
    target = pm.Board.objects.get(pk=target.pk)
    with CaptureQueriesContext(connection) as ctx:
        target.roles_in_use([role])
    return len(ctx.captured_queries)


CASES = {
    "planning.board_totals": lambda role, board: pv.board_totals(None),
    "planning.board_totals_prefetched": lambda role, board: pv.board_totals_prefetched(None),
    "planning.story_teams": lambda role, board: pv.story_teams(None),
    "planning.story_teams_joined": lambda role, board: pv.story_teams_joined(None),
    "planning.note_lines": lambda role, board: pv.note_lines(None),
    "planning.note_lines_joined": lambda role, board: pv.note_lines_joined(None),
    "exports.export_all": lambda role, board: ev.export_all(None),
    "exports.titles": lambda role, board: ev.titles(None),
    "exports.owners": lambda role, board: ev.owners(None),
    "exports.owners_plain": lambda role, board: ev.owners_plain(None),
    "exports.votes": lambda role, board: ev.votes(None, board.pk),
    "social.fan_page": lambda role, board: sv.fan_page(None),
    "social.first_comments": lambda role, board: sv.first_comments(None),
    "social.recent_page": lambda role, board: sv.recent_page(None),
    "social.counts": lambda role, board: sv.counts(None),
    "social.counts_prefetched": lambda role, board: sv.counts_prefetched(None),
    "social.all_prefetched": lambda role, board: sv.all_prefetched(None),
    "tracker.subjects_with_story": lambda role, board: tx.subjects_with_story(None),
    "tracker.joined_by_helper": lambda role, board: tx.joined_by_helper(),
    "tracker.joined_through_module": lambda role, board: tx.joined_through_module(),
    "tracker.not_joined_through_module": lambda role, board: tx.not_joined_through_module(),
    "tracker.titles_joined": lambda role, board: tv.titles_joined(None),
    "tracker.titles_plain": lambda role, board: tv.titles_plain(None),
    "tracker.owners": lambda role, board: tv.owners(None),
    "tracker.counts_prefetched": lambda role, board: tv.counts_prefetched(None),
    "tracker.counts_plain": lambda role, board: tv.counts_plain(None),
    "tracker.subjects": lambda role, board: tv.subjects(None),
}


def sfu_create_sql():
    """What Engagement-style `select_for_update().create()` runs: the INSERT only, no SELECT that could lock."""
    team = pm.Team.objects.create(name="locked")
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        pm.Board.objects.select_for_update().create(team=team, name="new")
        pm.Team.objects.select_for_update().get(pk=team.pk)
    return [q["sql"].split(" ")[0] for q in ctx.captured_queries]


def main():
    sizes = [int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else "3,7").split(",")]
    out = {name: {} for name in CASES}
    out["planning.Board.roles_in_use"] = {}
    for n in sizes:
        for name, run in CASES.items():
            role, board = seed(n)
            with CaptureQueriesContext(connection) as ctx:
                result = run(role, board)
                if hasattr(result, "__iter__") and not isinstance(result, (str, dict)):
                    list(result)
            out[name][n] = len(ctx.captured_queries)
        role, board = seed(n)
        out["planning.Board.roles_in_use"][n] = roles_in_use(role, board)
    seed(1)
    out["sfu_create"] = sfu_create_sql()
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

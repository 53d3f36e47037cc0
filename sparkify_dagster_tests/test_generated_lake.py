"""A generated month runs through the whole pipeline and every figure reconciles with the generator
(the month is conftest's generated_month, its checks all passed)."""

from sparkify_dagster.query import connect


def test_generated_lake_reconciles_with_the_generator(generated_month):
    summary, lake = generated_month
    con = connect(lake)

    def one(sql: str):
        return con.execute(sql).fetchone()

    per_day = dict(
        con.execute("SELECT CAST(ts AS DATE), count(*) FROM log_events GROUP BY 1").fetchall()
    )
    assert per_day == {d.day: d.events for d in summary.days}
    assert one("SELECT count(*) FROM quarantined_log_lines")[0] == summary.damaged_lines > 0
    plays, matched = one("SELECT count(*), count(song_id) FROM songplays")
    assert plays == summary.listens
    assert matched == summary.listens_of_listed_songs
    assert 0.5 < matched / plays < 0.95
    assert one("SELECT count(*) FROM songs")[0] == summary.songs_listed == 300
    # The double-encoded names were repaired on the way in: played names equal catalogue names.
    assert one("SELECT count(*) FROM listen_events WHERE artist LIKE '%Ã%'")[0] == 0
    users_paid = one("SELECT avg(CASE WHEN level = 'paid' THEN 1 ELSE 0 END) FROM users")[0]
    assert 0.1 < users_paid < 0.35

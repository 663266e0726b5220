"""Schedules: expressions and their mirror in django-celery-beat, when a schedule is due, the no-double-fire rule,
the run itself and the embedded loop.

The same `schedule_fire_due` service runs under celery beat (distributed) and under the in-process loop of
`rungateway` (embedded), so both modes share one policy and one record of runs.
"""

"""The distributed engine: the same pipeline phases as Celery tasks on a fleet of workers.

`app.make_app(settings)` builds the Celery application (no import-time singleton);
`steps.Steps` holds what each task does, against the database through `SqlCoordinator`;
`tasks` registers thin tasks that call the steps; `relay` publishes the outbox.
"""

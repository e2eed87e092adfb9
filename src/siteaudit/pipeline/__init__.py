"""The scan phases as plain functions, free of Celery, FastAPI, SQLAlchemy and HTTP clients.

discover -> select -> fetch -> extract -> analyze -> aggregate -> report. Engines run them;
ports (`siteaudit.pipeline.ports`) are the only things they know about the outside world.
"""

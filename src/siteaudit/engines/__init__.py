"""Engines run the pipeline: `local` in-process on asyncio (later `celery` on a fleet)."""

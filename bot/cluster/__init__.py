"""Cluster mode (DATABASE_URL): the job queue on PostgreSQL (`queue`) and the processes that work
it (`worker`). Imported only when DATABASE_URL is set; the embedded default never loads it."""

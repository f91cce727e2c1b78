"""The chatbot's settings: defaults here, each overridable by the environment variable of its name.

Read at call time (``conf.RATE_PER_CLIENT``), so a test may change one with ``monkeypatch.setattr``.
"""

from core import env

# Public endpoints: requests per minute from one client (by IP address) and for one town.
RATE_PER_CLIENT = env.get_int("CHATBOT_RATE_PER_CLIENT", 30)
RATE_PER_TOWN = env.get_int("CHATBOT_RATE_PER_TOWN", 1200)
# Where the limits are counted; empty: the platform's Redis (REDIS_URL).
RATE_REDIS_URL = env.get_str("CHATBOT_RATE_REDIS_URL", "")
# CPU threads of the sentence-embedding model in each process (web worker or Celery worker); 0 means one per
# core, which halves a question's latency on two cores. Hosts that run many busy workers side by side may
# prefer 1. The engine (OpenMP) reads it once per process.
EMBEDDING_THREADS = env.get_int("CHATBOT_EMBEDDING_THREADS", 0)
# Threads for batch embedding (imports, re-indexing); 0 means one per CPU core.
BATCH_EMBEDDING_THREADS = env.get_int("CHATBOT_BATCH_EMBEDDING_THREADS", 0)
# Generative mode (off unless a town turns it on): seconds to wait for the town's language model
# before showing the knowledge-base entry's own text, and the longest answer it may write.
GENERATIVE_TIMEOUT = env.get_float("CHATBOT_GENERATIVE_TIMEOUT", 8.0)
GENERATIVE_MAX_TOKENS = env.get_int("CHATBOT_GENERATIVE_MAX_TOKENS", 400)
# How often expired conversations are deleted in each subscribed town.
RETENTION_INTERVAL_SECONDS = env.get_int("CHATBOT_RETENTION_INTERVAL_SECONDS", 86400)
# Deleted knowledge-base entries stay in the recycle bin (restorable) this many days, then are purged
# by the periodic task declared in the descriptor, which runs every TRASH_INTERVAL_SECONDS.
TRASH_DAYS = env.get_int("CHATBOT_TRASH_DAYS", 30)
TRASH_INTERVAL_SECONDS = env.get_int("CHATBOT_TRASH_INTERVAL_SECONDS", 86400)

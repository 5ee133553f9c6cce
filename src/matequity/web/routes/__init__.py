"""Route modules: health, the API (/api/v1), the pages (log-in, signal
workflow) and static assets."""

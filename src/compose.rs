//! The Compose CLI edge: detect `docker compose` / `docker-compose`, build the argv for an
//! invocation (one pure function), run it with standard input at /dev/null unless interactive.

from shared.db.migrations_env import run

run()

"""The service database's tables (SQLAlchemy Core), as the migrations leave them.

The migrations in :mod:`matequity.servicedb.migrations` create these tables; a
test compares the migrated database with this metadata, so the two cannot
drift. Timestamps are naive UTC. Rows of the append-only tables
(:data:`APPEND_ONLY`) are never updated or deleted: database triggers refuse it.
"""

from __future__ import annotations

import sqlalchemy as sa

ROLES: tuple[str, ...] = ("admin", "national", "region", "lmns", "trust")
EVENT_STATUSES: tuple[str, ...] = ("open", "in_progress", "check_recorded", "escalated", "closed")

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("org_code", sa.String(32), nullable=True),
    sa.Column("password_hash", sa.String(255), nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("disabled_at", sa.DateTime, nullable=True),
    sa.CheckConstraint(
        "role IN ('admin', 'national', 'region', 'lmns', 'trust')", name="ck_users_role"
    ),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=True),
    sa.Column("revoked_at", sa.DateTime, nullable=True),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("auth_method", sa.String(32), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=False),
    sa.Column("ended_at", sa.DateTime, nullable=True),
    sa.Column("ip", sa.String(64), nullable=True),
)

login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("ip", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("succeeded", sa.Boolean, nullable=False),
    sa.Index("ix_login_attempts_email_at", "email", "at"),
    sa.Index("ix_login_attempts_ip_at", "ip", "at"),
)

signal_runs = sa.Table(
    "signal_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run_at", sa.DateTime, nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("store", sa.String(1000), nullable=False),
    sa.Column("engine_kind", sa.String(16), nullable=False),
    sa.Column("reference_rate", sa.Float, nullable=True),
    sa.Column("new_signals", sa.Integer, nullable=False),
    sa.Column("already", sa.Integer, nullable=False),
)

signals = sa.Table(
    "signals",
    metadata,
    sa.Column("signal_id", sa.String(120), primary_key=True),
    sa.Column("method", sa.String(32), nullable=False),
    sa.Column("site_code", sa.String(32), nullable=False),
    sa.Column("trust_code", sa.String(32), nullable=True),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("level", sa.Integer, nullable=False),
    sa.Column("first_detected", sa.Date, nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("registered_at", sa.DateTime, nullable=False),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("signal_runs.id"), nullable=True),
    sa.CheckConstraint("level IN (1, 2)", name="ck_signals_level"),
    sa.Index("ix_signals_site_code", "site_code"),
)

signal_checks = sa.Table(
    "signal_checks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("signal_id", sa.String(120), sa.ForeignKey("signals.signal_id"), nullable=False),
    sa.Column("check_no", sa.Integer, nullable=False),
    sa.Column("checked_by", sa.String(200), nullable=False),
    sa.Column("check_date", sa.Date, nullable=False),
    sa.Column("findings", sa.Text, nullable=False),
    sa.Column("actions", sa.Text, nullable=False),
    sa.Column("escalated", sa.Boolean, nullable=False),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("submitted_by", sa.String(320), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("submitted_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("signal_id", "check_no", name="uq_signal_checks_no"),
)

signal_events = sa.Table(
    "signal_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("signal_id", sa.String(120), sa.ForeignKey("signals.signal_id"), nullable=False),
    sa.Column("event_no", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("recorded_by", sa.String(320), nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("actions", sa.Text, nullable=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("check_id", sa.Integer, sa.ForeignKey("signal_checks.id"), nullable=True),
    sa.UniqueConstraint("signal_id", "event_no", name="uq_signal_events_no"),
    sa.CheckConstraint(
        "status IN ('open', 'in_progress', 'check_recorded', 'escalated', 'closed')",
        name="ck_signal_events_status",
    ),
)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dedupe_key", sa.String(600), nullable=False, unique=True),
    sa.Column("signal_id", sa.String(120), sa.ForeignKey("signals.signal_id"), nullable=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("recipient", sa.String(1000), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

notification_deliveries = sa.Table(
    "notification_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("notification_id", sa.Integer, sa.ForeignKey("notifications.id"), nullable=False),
    sa.Column("attempted_at", sa.DateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.CheckConstraint("status IN ('sent', 'failed')", name="ck_deliveries_status"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("actor", sa.String(320), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("target", sa.String(300), nullable=True),
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("ip", sa.String(64), nullable=True),
    sa.Index("ix_audit_log_at", "at"),
)

store_imports = sa.Table(
    "store_imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("store", sa.String(1000), nullable=False),
    sa.Column("imported_at", sa.DateTime, nullable=False),
    sa.Column("signals", sa.Integer, nullable=False),
    sa.Column("events", sa.Integer, nullable=False),
)

#: tables whose rows are never updated or deleted (database triggers refuse it)
APPEND_ONLY: tuple[str, ...] = (
    "signals",
    "signal_events",
    "signal_checks",
    "notifications",
    "notification_deliveries",
    "audit_log",
)

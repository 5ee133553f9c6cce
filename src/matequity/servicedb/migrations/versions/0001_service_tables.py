"""The service tables: users, tokens, sessions, log-in attempts, the signal
register (runs, signals, checks, events), notifications and their deliveries,
the audit log, store imports; append-only triggers.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from matequity.servicedb.append_only import create_statements

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = (
    "signals",
    "signal_events",
    "signal_checks",
    "notifications",
    "notification_deliveries",
    "audit_log",
)


def upgrade() -> None:
    op.create_table(
        "users",
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
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=True),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "sessions",
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
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
    )
    op.create_index("ix_login_attempts_email_at", "login_attempts", ["email", "at"])
    op.create_index("ix_login_attempts_ip_at", "login_attempts", ["ip", "at"])
    op.create_table(
        "signal_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_at", sa.DateTime, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("store", sa.String(1000), nullable=False),
        sa.Column("engine_kind", sa.String(16), nullable=False),
        sa.Column("reference_rate", sa.Float, nullable=True),
        sa.Column("new_signals", sa.Integer, nullable=False),
        sa.Column("already", sa.Integer, nullable=False),
    )
    op.create_table(
        "signals",
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
    )
    op.create_index("ix_signals_site_code", "signals", ["site_code"])
    op.create_table(
        "signal_checks",
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
    op.create_table(
        "signal_events",
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
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dedupe_key", sa.String(600), nullable=False, unique=True),
        sa.Column("signal_id", sa.String(120), sa.ForeignKey("signals.signal_id"), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(1000), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("notification_id", sa.Integer, sa.ForeignKey("notifications.id"), nullable=False),
        sa.Column("attempted_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.CheckConstraint("status IN ('sent', 'failed')", name="ck_deliveries_status"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(300), nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("ip", sa.String(64), nullable=True),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_table(
        "store_imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("store", sa.String(1000), nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.Column("signals", sa.Integer, nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
    )
    for stmt in create_statements(op.get_bind().dialect, APPEND_ONLY):
        op.execute(stmt)


def downgrade() -> None:
    for t in (
        "store_imports",
        "audit_log",
        "notification_deliveries",
        "notifications",
        "signal_events",
        "signal_checks",
        "signals",
        "signal_runs",
        "login_attempts",
        "sessions",
        "api_tokens",
        "users",
    ):
        op.drop_table(t)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS matequity_append_only()")

"""Notifications of the signal workflow: an email to the trust's users when a
signal is registered, reminders before and after the check's due date, and an
optional webhook (JSON POST) for chat tools. Every message is recorded in the
service database with each delivery attempt; nothing is sent twice."""

"""The notify service: SMS and email to patients, exactly once and only with consent."""

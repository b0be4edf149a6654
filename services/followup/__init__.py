"""The follow-up desk: enquiries, call-back worklists, call attempts, do-not-call, the funnel."""

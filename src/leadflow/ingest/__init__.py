"""Events in: the one ingestion service every entry point uses (HTTP API, Segment
endpoints, imports). Events and profiles are checked by the importer's own rules, stored
idempotently by event id, and every lead they touch is rescored in the same transaction.

Public API (keyword arguments, the session passed in):

- `service.ingest_events`: store a list of events; per-event outcome and touched leads.
- `service.upsert_lead`: create or update a lead's profile by e-mail or external id.
- `service.update_lead`: change a known lead's profile fields and custom attributes.
- `service.link_anonymous`: join an anonymous id's history to a lead and rescore it.
- `imports.import_and_rescore`: an import file, then rescoring of the leads it touched.
"""

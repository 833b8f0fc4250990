"""Analyses over parsed documents: validity status (status), near-duplicates and alignment
(similarity), task calendars (ical). Pure functions of their arguments: no storage, no I/O."""

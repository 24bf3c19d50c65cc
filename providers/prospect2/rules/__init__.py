"""The seed rules of Prospect2's integration kinds, one small module per rule.

Each module's docstring cites its seed and shows the refused and the accepted form (like
sqlfluff's one-rule-per-file). Rules raise ``FieldProblem`` in the user's words, or return a
warning for the kind to pass to ``refs.warn``; the kinds call them from ``resolve()``.

| module | seed | rule |
|---|---|---|
| ``csi_unique_title`` | 000 | titles are unique among CSI webhooks (regardless of case) |
| ``csi_activity_type_perf_ind`` | 000 | no Package activity types |
| ``csi_activity_type_origin`` | 001 | no activity type tied to an Origin |
| ``csi_auto_close`` | 000 | warn: an auto-closing category creates closed CSIs |
| ``csi_performance_field`` | 000, 001 | a performance field iff the activity type is Performance |
| ``csi_note_fields`` | 000 | note fields are custom fields |
| ``csi_notes_length`` | 000 | notes fit Tessitura's 4,000 characters |
| ``sync_list`` | 003 | the list is dynamic and visible to Prospect2 |
| ``sync_tag`` | 003 | one tag, declared or existing |
| ``sync_cpp_filters`` | 003 | CPP filters only of the Email Address category |
| ``sync_eaddress_types`` | 003 | eaddress type filters are email types |
| ``sync_contact_permissions`` | 003 | ignoring permissions needs the integration |
| ``writeback_codes`` | 002 | appeal, source group and media type exist |
"""

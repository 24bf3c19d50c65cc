/*
  LP_CALLBOARD_AUDIT_CHANGES: audited changes in a time window, for the Data Sync re-sync of
  seed 003 (T_DEFAULTS P2DSTrackChanges = YES).

  Window: @since <= change time < @until (@until defaults to now), so consecutive runs that
  pass the previous @until as the next @since neither miss nor repeat a change.
  Sources: VAS_AUDIT_TRAIL (all audited tables) and TA_AUDIT_MEMBERSHIP (membership changes,
  v16). Rows are returned unfiltered: Callboard applies the seed's exceptions itself (CPP
  add/remove, ranking, contact permission status, customer_no 0, email address changes), so
  the rule lives in one tested place rather than in every site's copy of this procedure.
  Result columns: ConstituentId, AuditTable, ColumnName, ChangedDateTime.
*/
CREATE OR ALTER PROCEDURE dbo.LP_CALLBOARD_AUDIT_CHANGES
    @since datetimeoffset(7),
    @until datetimeoffset(7) = NULL
AS
BEGIN
    SET NOCOUNT ON;

    -- audit tables store server-local datetimes; compare in the server's zone
    DECLARE @from datetime2(7) = CAST(SWITCHOFFSET(@since, DATEPART(TZOFFSET, SYSDATETIMEOFFSET())) AS datetime2(7));
    DECLARE @to   datetime2(7) = CAST(SWITCHOFFSET(ISNULL(@until, SYSDATETIMEOFFSET()),
                                                   DATEPART(TZOFFSET, SYSDATETIMEOFFSET())) AS datetime2(7));

    SELECT ConstituentId, AuditTable, ColumnName, ChangedDateTime
      FROM (
            SELECT ConstituentId   = a.customer_no,
                   AuditTable      = a.table_name,
                   ColumnName      = a.column_updated,
                   ChangedDateTime = a.date
              FROM dbo.VAS_AUDIT_TRAIL AS a
             WHERE a.date >= @from AND a.date < @to
            UNION ALL
            SELECT ConstituentId   = m.customer_no,
                   AuditTable      = 'TA_AUDIT_MEMBERSHIP',
                   ColumnName      = m.column_name,
                   ChangedDateTime = m.audit_dt
              FROM dbo.TA_AUDIT_MEMBERSHIP AS m
             WHERE m.audit_dt >= @from AND m.audit_dt < @to
           ) AS changes
     ORDER BY ChangedDateTime, ConstituentId;
END
GO

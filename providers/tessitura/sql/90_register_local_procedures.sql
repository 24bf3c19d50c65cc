/*
  Register the Callboard procedure pack in TR_LOCAL_PROCEDURE, so POST /Custom/Execute may run
  it (TessituraService refuses any procedure that is not registered there).
  Re-runnable: existing registrations are left as they are.
  Check the column list against your Tessitura version's TR_LOCAL_PROCEDURE before running.
*/
SET NOCOUNT ON;

DECLARE @pack TABLE (procedure_name varchar(128) PRIMARY KEY, description varchar(255));
INSERT @pack (procedure_name, description) VALUES
    ('LP_CALLBOARD_VERSION',          'Callboard: procedure pack version'),
    ('LP_CALLBOARD_SET_DEFAULT',      'Callboard: write a T_DEFAULTS row'),
    ('LP_CALLBOARD_SYNC_EXPORT',      'Callboard: email addresses for a Data Sync batch'),
    ('LP_CALLBOARD_AUDIT_CHANGES',    'Callboard: audited changes for Data Sync re-sync'),
    ('LP_CALLBOARD_WRITEBACK_SOURCE', 'Callboard: source for a sent Prospect2 campaign'),
    ('LP_CALLBOARD_ADD_PROMOTIONS',   'Callboard: promotions for campaign recipients'),
    ('LP_CALLBOARD_SET_PURPOSES',     'Callboard: Contact Point Purposes for synced addresses');

INSERT dbo.TR_LOCAL_PROCEDURE (procedure_name, description, inactive,
                               created_by, create_dt, last_updated_by, last_update_dt)
SELECT p.procedure_name, p.description, 'N',
       LEFT(SUSER_SNAME(), 8), GETDATE(), LEFT(SUSER_SNAME(), 8), GETDATE()
  FROM @pack AS p
 WHERE NOT EXISTS (SELECT 1 FROM dbo.TR_LOCAL_PROCEDURE AS r
                    WHERE r.procedure_name = p.procedure_name);

-- the service account needs EXECUTE; replace ImpUsers with your site's API role if it differs
GRANT EXECUTE ON dbo.LP_CALLBOARD_VERSION          TO ImpUsers;
GRANT EXECUTE ON dbo.LP_CALLBOARD_SET_DEFAULT      TO ImpUsers;
GRANT EXECUTE ON dbo.LP_CALLBOARD_SYNC_EXPORT      TO ImpUsers;
GRANT EXECUTE ON dbo.LP_CALLBOARD_AUDIT_CHANGES    TO ImpUsers;
GRANT EXECUTE ON dbo.LP_CALLBOARD_WRITEBACK_SOURCE TO ImpUsers;
GRANT EXECUTE ON dbo.LP_CALLBOARD_ADD_PROMOTIONS   TO ImpUsers;
GRANT EXECUTE ON dbo.LP_CALLBOARD_SET_PURPOSES     TO ImpUsers;
GO

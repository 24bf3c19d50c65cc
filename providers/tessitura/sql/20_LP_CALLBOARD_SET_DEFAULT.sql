/*
  LP_CALLBOARD_SET_DEFAULT: write one T_DEFAULTS row (the `tessitura_defaults` kind, seed 003,
  e.g. Prospect2 / P2DSTrackChanges = YES). Reading stays on REST
  (GET /ReferenceData/SystemDefaults/Defaults?keys=...).

  Idempotent: updates the row matching (@parent_table, @field_name) and only touches the
  audit columns when the value actually changes; creates the row when it does not exist.
  @parent_table may be NULL when exactly one row has @field_name.
  Result: one row {Id, FieldName, Value}.
*/
CREATE OR ALTER PROCEDURE dbo.LP_CALLBOARD_SET_DEFAULT
    @field_name   varchar(30),
    @value        varchar(255),
    @parent_table varchar(30) = NULL
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    DECLARE @matches int = (
        SELECT COUNT(*) FROM dbo.T_DEFAULTS
        WHERE field_name = @field_name
          AND (@parent_table IS NULL OR parent_table = @parent_table));

    IF @matches > 1
    BEGIN
        RAISERROR('%s exists under several parent tables; give @parent_table.', 16, 1, @field_name);
        RETURN;
    END;

    BEGIN TRANSACTION;

    IF @matches = 1
        UPDATE dbo.T_DEFAULTS
           SET default_value   = @value,
               last_updated_by = LEFT(SUSER_SNAME(), 8),
               last_update_dt  = GETDATE()
         WHERE field_name = @field_name
           AND (@parent_table IS NULL OR parent_table = @parent_table)
           AND ISNULL(default_value, '') <> ISNULL(@value, '');   -- unchanged: leave it alone
    ELSE
    BEGIN
        IF @parent_table IS NULL
        BEGIN
            ROLLBACK TRANSACTION;
            RAISERROR('%s does not exist yet; @parent_table is required to create it.', 16, 1, @field_name);
            RETURN;
        END;
        INSERT dbo.T_DEFAULTS (field_name, default_value, parent_table, inactive,
                               created_by, create_dt, last_updated_by, last_update_dt)
        VALUES (@field_name, @value, @parent_table, 'N',
                LEFT(SUSER_SNAME(), 8), GETDATE(), LEFT(SUSER_SNAME(), 8), GETDATE());
    END;

    COMMIT TRANSACTION;

    SELECT Id = d.id, FieldName = d.field_name, Value = d.default_value
      FROM dbo.T_DEFAULTS AS d
     WHERE d.field_name = @field_name
       AND (@parent_table IS NULL OR d.parent_table = @parent_table);
END
GO

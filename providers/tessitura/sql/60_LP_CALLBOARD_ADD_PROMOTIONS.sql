/*
  LP_CALLBOARD_ADD_PROMOTIONS: T_PROMOTION rows (one per recipient constituent) for a
  written-back campaign source (seed 002).

  @constituent_ids: CSV, at most 1,000 per call (the client batches).
  Idempotent: a constituent already promoted under @source_id, or not in T_CUSTOMER, is
  skipped, so a retried batch never doubles.
  Result: one row {Inserted, Skipped}.
*/
CREATE OR ALTER PROCEDURE dbo.LP_CALLBOARD_ADD_PROMOTIONS
    @source_id       int,
    @constituent_ids varchar(max)
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    DECLARE @ids TABLE (customer_no int PRIMARY KEY);
    INSERT @ids (customer_no)
    SELECT DISTINCT TRY_CAST(LTRIM(RTRIM(value)) AS int)
      FROM STRING_SPLIT(@constituent_ids, ',')
     WHERE LTRIM(RTRIM(value)) <> '';

    IF EXISTS (SELECT 1 FROM @ids WHERE customer_no IS NULL)
    BEGIN
        RAISERROR('@constituent_ids must be a comma-separated list of integers.', 16, 1);
        RETURN;
    END;
    IF (SELECT COUNT(*) FROM @ids) > 1000
    BEGIN
        RAISERROR('@constituent_ids has more than 1000 ids; at most 1000 per call.', 16, 1);
        RETURN;
    END;

    DECLARE @appeal_no int, @media_type int;
    SELECT @appeal_no = appeal_no, @media_type = media_type
      FROM dbo.T_SOURCE WHERE source_no = @source_id;
    IF @appeal_no IS NULL
    BEGIN
        RAISERROR('@source_id %d does not exist.', 16, 1, @source_id);
        RETURN;
    END;

    DECLARE @requested int = (SELECT COUNT(*) FROM @ids);

    BEGIN TRANSACTION;

    INSERT dbo.T_PROMOTION (customer_no, source_no, appeal_no, media_type, promote_dt,
                            created_by, create_dt, last_updated_by, last_update_dt)
    SELECT i.customer_no, @source_id, @appeal_no, @media_type, GETDATE(),
           LEFT(SUSER_SNAME(), 8), GETDATE(), LEFT(SUSER_SNAME(), 8), GETDATE()
      FROM @ids AS i
      JOIN dbo.T_CUSTOMER AS c ON c.customer_no = i.customer_no
     WHERE NOT EXISTS (SELECT 1
                         FROM dbo.T_PROMOTION AS p WITH (UPDLOCK, HOLDLOCK)
                        WHERE p.customer_no = i.customer_no AND p.source_no = @source_id);

    DECLARE @inserted int = @@ROWCOUNT;

    COMMIT TRANSACTION;

    SELECT Inserted = @inserted, Skipped = @requested - @inserted;
END
GO

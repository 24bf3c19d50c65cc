/*
  LP_CALLBOARD_WRITEBACK_SOURCE: the T_SOURCE row for one sent Prospect2 campaign (seed 002),
  under the mapped appeal, with the source group and media type.

  Idempotent: LT_CALLBOARD_CAMPAIGN_SOURCE maps @campaign_ref to the source it created, so a
  retry (for example after a lost answer) returns the same source with Created = 0.
  Result: one row {SourceId, Created (bit)}.
*/
CREATE OR ALTER PROCEDURE dbo.LP_CALLBOARD_WRITEBACK_SOURCE
    @appeal_id       int,
    @source_group_id int,
    @media_type_id   int,
    @description     varchar(30) = NULL,
    @campaign_ref    varchar(100)
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    DECLARE @source_no int;

    BEGIN TRANSACTION;

    -- UPDLOCK/HOLDLOCK: two concurrent retries for one campaign must not both insert
    SELECT @source_no = source_no
      FROM dbo.LT_CALLBOARD_CAMPAIGN_SOURCE WITH (UPDLOCK, HOLDLOCK)
     WHERE campaign_ref = @campaign_ref;

    IF @source_no IS NOT NULL
    BEGIN
        COMMIT TRANSACTION;
        SELECT SourceId = @source_no, Created = CAST(0 AS bit);
        RETURN;
    END;

    IF NOT EXISTS (SELECT 1 FROM dbo.T_APPEAL WHERE appeal_no = @appeal_id)
    BEGIN
        ROLLBACK TRANSACTION;
        RAISERROR('@appeal_id %d does not exist.', 16, 1, @appeal_id);
        RETURN;
    END;
    IF NOT EXISTS (SELECT 1 FROM dbo.TR_SOURCE_GROUP WHERE id = @source_group_id)
    BEGIN
        ROLLBACK TRANSACTION;
        RAISERROR('@source_group_id %d does not exist.', 16, 1, @source_group_id);
        RETURN;
    END;
    IF NOT EXISTS (SELECT 1 FROM dbo.TR_MEDIA_TYPE WHERE id = @media_type_id)
    BEGIN
        ROLLBACK TRANSACTION;
        RAISERROR('@media_type_id %d does not exist.', 16, 1, @media_type_id);
        RETURN;
    END;

    INSERT dbo.T_SOURCE (appeal_no, source_name, source_group, media_type, start_dt,
                         inactive, created_by, create_dt, last_updated_by, last_update_dt)
    VALUES (@appeal_id, ISNULL(@description, LEFT('Campaign ' + @campaign_ref, 30)),
            @source_group_id, @media_type_id, GETDATE(),
            'N', LEFT(SUSER_SNAME(), 8), GETDATE(), LEFT(SUSER_SNAME(), 8), GETDATE());
    SET @source_no = SCOPE_IDENTITY();

    INSERT dbo.LT_CALLBOARD_CAMPAIGN_SOURCE (campaign_ref, source_no)
    VALUES (@campaign_ref, @source_no);

    COMMIT TRANSACTION;

    SELECT SourceId = @source_no, Created = CAST(1 AS bit);
END
GO

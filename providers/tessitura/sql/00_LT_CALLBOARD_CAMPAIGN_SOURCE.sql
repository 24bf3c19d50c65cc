/*
  Callboard procedure pack 1.1.0 - local table
  LT_CALLBOARD_CAMPAIGN_SOURCE remembers which T_SOURCE row was created for which Prospect2
  campaign, so LP_CALLBOARD_WRITEBACK_SOURCE can be retried without creating a second source
  (seed 002: a campaign is written back once). Nothing in Tessitura's own tables is altered.
*/
IF OBJECT_ID(N'dbo.LT_CALLBOARD_CAMPAIGN_SOURCE', N'U') IS NULL
BEGIN
    CREATE TABLE dbo.LT_CALLBOARD_CAMPAIGN_SOURCE (
        campaign_ref   varchar(100) NOT NULL
            CONSTRAINT PK_LT_CALLBOARD_CAMPAIGN_SOURCE PRIMARY KEY,
        source_no      int          NOT NULL,
        created_by     varchar(8)   NOT NULL CONSTRAINT DF_LT_CB_CS_created_by DEFAULT (LEFT(SUSER_SNAME(), 8)),
        create_dt      datetime     NOT NULL CONSTRAINT DF_LT_CB_CS_create_dt DEFAULT (GETDATE())
    );
    CREATE UNIQUE INDEX IX_LT_CALLBOARD_CAMPAIGN_SOURCE_source_no
        ON dbo.LT_CALLBOARD_CAMPAIGN_SOURCE (source_no);
END
GO

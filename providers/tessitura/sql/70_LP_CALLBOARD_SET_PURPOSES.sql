/*
  LP_CALLBOARD_SET_PURPOSES: what a Data Sync's "Trigger Webhooks" does in Tessitura (seed 003):
  add or remove one integrated Contact Point Purpose on the email addresses a run tagged or
  untagged, for every constituent holding each address.

  @purpose_id: a purpose of the Email Address contact point category
    (TX_CONTACT_POINT_CATEGORY_PURPOSE); any other is refused.
  @action: 'add' or 'remove'.
  @addresses: CSV of email addresses, at most 1,000 distinct (the client batches). Matched
    against T_EADDRESS.address with the database's collation (case-insensitive by default), on
    email address types only (TR_EADDRESS_TYPE.email_ind = 'Y'), inactive addresses included.

  Idempotent: an address that already has (or lacks) the purpose is left alone and reported
  'unchanged', so a retried batch never doubles a row. Tessitura's own triggers audit the
  TX_CONTACT_POINT_PURPOSE change (Callboard's re-sync skips those changes, seed 003).
  Result: one row per T_EADDRESS row holding a given address,
    {Address, ElectronicAddressId, ConstituentId, Result} with Result 'added', 'removed' or
    'unchanged'; an address no constituent holds gives one row {Address, Result = 'not_found'}.
  Rows come in no particular order: match them by Address.
*/
CREATE OR ALTER PROCEDURE dbo.LP_CALLBOARD_SET_PURPOSES
    @purpose_id int,
    @action     varchar(10),
    @addresses  nvarchar(max)
AS
BEGIN
    SET NOCOUNT ON;
    SET XACT_ABORT ON;

    SET @action = LOWER(LTRIM(RTRIM(@action)));
    IF @action IS NULL OR @action NOT IN ('add', 'remove')
    BEGIN
        RAISERROR('@action must be ''add'' or ''remove''.', 16, 1);
        RETURN;
    END;

    DECLARE @email_category int = (
        SELECT TOP (1) id FROM dbo.TR_CONTACT_POINT_CATEGORY WHERE contact_point_table = 'T_EADDRESS');
    IF NOT EXISTS (SELECT 1 FROM dbo.TX_CONTACT_POINT_CATEGORY_PURPOSE
                    WHERE contact_point_category = @email_category AND purpose_id = @purpose_id)
    BEGIN
        RAISERROR('Purpose %d is not a Contact Point Purpose of the Email Address category.',
                  16, 1, @purpose_id);
        RETURN;
    END;

    DECLARE @given TABLE (address nvarchar(255) PRIMARY KEY);
    INSERT @given (address)
    SELECT DISTINCT LTRIM(RTRIM(value))
      FROM STRING_SPLIT(@addresses, ',')
     WHERE LTRIM(RTRIM(value)) <> '';

    DECLARE @count int = (SELECT COUNT(*) FROM @given);
    IF @count = 0
    BEGIN
        RAISERROR('@addresses is required.', 16, 1);
        RETURN;
    END;
    IF @count > 1000
    BEGIN
        RAISERROR('@addresses has more than 1000 addresses; at most 1000 per call.', 16, 1);
        RETURN;
    END;

    DECLARE @targets TABLE (
        address     nvarchar(255) NOT NULL,
        eaddress_no int           NOT NULL PRIMARY KEY,
        customer_no int           NOT NULL,
        held        bit           NOT NULL);

    BEGIN TRANSACTION;

    -- read under lock, so "held" is still true when the insert or delete below runs
    INSERT @targets (address, eaddress_no, customer_no, held)
    SELECT g.address, e.eaddress_no, e.customer_no,
           CASE WHEN EXISTS (SELECT 1
                               FROM dbo.TX_CONTACT_POINT_PURPOSE AS p WITH (UPDLOCK, HOLDLOCK)
                              WHERE p.contact_point_id = e.eaddress_no
                                AND p.contact_point_category = @email_category
                                AND p.purpose_id = @purpose_id)
                THEN 1 ELSE 0 END
      FROM @given AS g
      JOIN dbo.T_EADDRESS       AS e  ON e.address = g.address
      JOIN dbo.TR_EADDRESS_TYPE AS et ON et.id = e.eaddress_type AND et.email_ind = 'Y';

    IF @action = 'add'
        INSERT dbo.TX_CONTACT_POINT_PURPOSE (customer_no, contact_point_category, contact_point_id,
                                             purpose_id, created_by, create_dt,
                                             last_updated_by, last_update_dt)
        SELECT t.customer_no, @email_category, t.eaddress_no, @purpose_id,
               LEFT(SUSER_SNAME(), 8), GETDATE(), LEFT(SUSER_SNAME(), 8), GETDATE()
          FROM @targets AS t
         WHERE t.held = 0;
    ELSE
        DELETE p
          FROM dbo.TX_CONTACT_POINT_PURPOSE AS p
          JOIN @targets AS t ON t.eaddress_no = p.contact_point_id
         WHERE p.contact_point_category = @email_category
           AND p.purpose_id = @purpose_id
           AND t.held = 1;

    COMMIT TRANSACTION;

    SELECT Address = t.address,
           ElectronicAddressId = t.eaddress_no,
           ConstituentId = t.customer_no,
           Result = CASE WHEN @action = 'add' AND t.held = 0 THEN 'added'
                         WHEN @action = 'remove' AND t.held = 1 THEN 'removed'
                         ELSE 'unchanged' END
      FROM @targets AS t
    UNION ALL
    SELECT Address = g.address, NULL, NULL, 'not_found'
      FROM @given AS g
     WHERE NOT EXISTS (SELECT 1 FROM @targets AS t WHERE t.address = g.address);
END
GO

/*
  LP_CALLBOARD_SYNC_EXPORT: everything a Data Sync (seed 003) needs about a batch of
  constituents, in one call instead of several REST calls per constituent.

  @constituent_ids: CSV of customer numbers, at most 1,000 (the client batches).
  @contact_permission_type_id: optional; defaults to T_DEFAULTS Prospect2 /
    P2ContactPermissionTypeId (the permission type the Prospect2 account integrates).

  One row per email address (TR_EADDRESS_TYPE marked as email), inactive and non-primary
  addresses included: Callboard applies the sync's filters (CPPs, eaddress types, primary only,
  contact permissions) itself, so one export serves every filter combination.
  Result columns: ConstituentId, EaddressId, Address, EaddressTypeId, PrimaryIndicator (bit),
  Inactive (bit), PurposeIds (CSV of Email Address-category purposes, NULL when none),
  PermissionAnswer ('Y'/'N', NULL when never asked), FirstName, LastName.
  Read-only, so trivially idempotent.
*/
CREATE OR ALTER PROCEDURE dbo.LP_CALLBOARD_SYNC_EXPORT
    @constituent_ids            varchar(max),
    @contact_permission_type_id int = NULL
AS
BEGIN
    SET NOCOUNT ON;

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

    IF @contact_permission_type_id IS NULL
        SELECT @contact_permission_type_id = TRY_CAST(default_value AS int)
          FROM dbo.T_DEFAULTS
         WHERE parent_table = 'Prospect2' AND field_name = 'P2ContactPermissionTypeId';

    -- the Email Address contact point category (TR_CONTACT_POINT_CATEGORY)
    DECLARE @email_category int = (
        SELECT TOP (1) id FROM dbo.TR_CONTACT_POINT_CATEGORY WHERE contact_point_table = 'T_EADDRESS');

    SELECT ConstituentId    = e.customer_no,
           EaddressId       = e.eaddress_no,
           Address          = e.address,
           EaddressTypeId   = e.eaddress_type,
           PrimaryIndicator = CAST(CASE WHEN e.primary_ind = 'Y' THEN 1 ELSE 0 END AS bit),
           Inactive         = CAST(CASE WHEN e.inactive = 'Y' THEN 1 ELSE 0 END AS bit),
           PurposeIds       = NULLIF(STUFF((
                                  SELECT ',' + CAST(p.purpose_id AS varchar(10))
                                    FROM dbo.TX_CONTACT_POINT_PURPOSE AS p
                                   WHERE p.contact_point_id = e.eaddress_no
                                     AND p.contact_point_category = @email_category
                                   ORDER BY p.purpose_id
                                     FOR XML PATH('')), 1, 1, ''), ''),
           PermissionAnswer = cp.answer,
           FirstName        = c.fname,
           LastName         = c.lname
      FROM @ids AS i
      JOIN dbo.T_CUSTOMER        AS c  ON c.customer_no = i.customer_no
      JOIN dbo.T_EADDRESS        AS e  ON e.customer_no = i.customer_no
      JOIN dbo.TR_EADDRESS_TYPE  AS et ON et.id = e.eaddress_type AND et.email_ind = 'Y'
      LEFT JOIN dbo.TX_CONTACT_PERMISSION AS cp
             ON cp.customer_no = i.customer_no AND cp.type_id = @contact_permission_type_id
     ORDER BY e.customer_no, e.eaddress_no;
END
GO

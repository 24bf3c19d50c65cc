/*
  LP_CALLBOARD_SYNC_EXPORT: everything a Data Sync (seed 003) needs about a batch of
  constituents, in one call instead of several REST calls per constituent.

  @constituent_ids: CSV of customer numbers, at most 1,000 (the client batches).
  @contact_permission_type_id: optional; defaults to T_DEFAULTS Prospect2 /
    P2ContactPermissionTypeId (the permission type the Prospect2 account integrates). When
    neither is set the account integrates no permission type and PermissionAnswer is NULL:
    there is deliberately no fallback type.
  @output_set_id: optional; adds that output set's columns (T_OUTPUT_SET) to every row, named
    by each element's renamed description (the column name a user sees in List Manager), so a
    sync's changed constituents carry their contact data without reading the whole list's
    Results. Each active element becomes one OUTER APPLY built from T_QUERY_ELEMENT.data_select
    and its group's data_from / data_where, with the group's row source aliased `a` and keyed
    on customer_no (check your output set's groups against that before relying on it).

  One row per email address (TR_EADDRESS_TYPE marked as email), inactive and non-primary
  addresses included: Callboard applies the sync's filters (CPPs, eaddress types, primary only,
  contact permissions) itself, so one export serves every filter combination.
  Result columns: ConstituentId, EaddressId, Address, EaddressTypeId, PrimaryIndicator (bit),
  Inactive (bit), PurposeIds (CSV of Email Address-category purposes, NULL when none),
  PermissionAnswer ('Y'/'N', NULL when never asked or no type integrated), FirstName, LastName,
  then the output set's columns (NULL where the element finds nothing).
  Read-only, so trivially idempotent.
*/
CREATE OR ALTER PROCEDURE dbo.LP_CALLBOARD_SYNC_EXPORT
    @constituent_ids            varchar(max),
    @contact_permission_type_id int = NULL,
    @output_set_id              int = NULL
AS
BEGIN
    SET NOCOUNT ON;

    -- a temporary table, not a table variable: the dynamic SQL below must see it
    CREATE TABLE #ids (customer_no int PRIMARY KEY);
    INSERT #ids (customer_no)
    SELECT DISTINCT TRY_CAST(LTRIM(RTRIM(value)) AS int)
      FROM STRING_SPLIT(@constituent_ids, ',')
     WHERE LTRIM(RTRIM(value)) <> '';

    IF EXISTS (SELECT 1 FROM #ids WHERE customer_no IS NULL)
    BEGIN
        RAISERROR('@constituent_ids must be a comma-separated list of integers.', 16, 1);
        RETURN;
    END;
    IF (SELECT COUNT(*) FROM #ids) > 1000
    BEGIN
        RAISERROR('@constituent_ids has more than 1000 ids; at most 1000 per call.', 16, 1);
        RETURN;
    END;

    IF @contact_permission_type_id IS NULL
        SELECT @contact_permission_type_id = TRY_CAST(NULLIF(default_value, '') AS int)
          FROM dbo.T_DEFAULTS
         WHERE parent_table = 'Prospect2' AND field_name = 'P2ContactPermissionTypeId';

    -- the Email Address contact point category (TR_CONTACT_POINT_CATEGORY)
    DECLARE @email_category int = (
        SELECT TOP (1) id FROM dbo.TR_CONTACT_POINT_CATEGORY WHERE contact_point_table = 'T_EADDRESS');

    DECLARE @columns nvarchar(max) = N'', @applies nvarchar(max) = N'';
    IF @output_set_id IS NOT NULL
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM dbo.T_OUTPUT_SET WHERE id = @output_set_id)
        BEGIN
            RAISERROR('Output set %d does not exist.', 16, 1, @output_set_id);
            RETURN;
        END;

        DECLARE @elements TABLE (
            element_no int PRIMARY KEY, rank_no int, column_name nvarchar(128),
            data_select nvarchar(max), data_from nvarchar(max), data_where nvarchar(max));
        INSERT @elements
        SELECT ose.id, ose.rank,
               COALESCE(NULLIF(ose.description_renamed, ''), qe.description),
               qe.data_select, g.data_from, NULLIF(LTRIM(RTRIM(g.data_where)), '')
          FROM dbo.TX_OUTPUT_SET_ELEMENT AS ose
          JOIN dbo.T_QUERY_ELEMENT       AS qe ON qe.id = ose.element_id
          JOIN dbo.TR_QUERY_ELEMENT_GROUP AS g ON g.id = qe.group_id
         WHERE ose.output_set_id = @output_set_id AND ISNULL(ose.inactive, 'N') = 'N';

        IF EXISTS (SELECT 1 FROM @elements WHERE column_name IN (
                   'ConstituentId', 'EaddressId', 'Address', 'EaddressTypeId', 'PrimaryIndicator',
                   'Inactive', 'PurposeIds', 'PermissionAnswer', 'FirstName', 'LastName'))
        BEGIN
            RAISERROR('Output set %d has a column named like one of the export''s own; rename it.',
                      16, 1, @output_set_id);
            RETURN;
        END;

        -- FOR XML ... TYPE keeps '<' and '&' in element SQL as they are, in rank order
        SET @columns = (
            SELECT N', ' + QUOTENAME(column_name) + N' = o' + CAST(element_no AS nvarchar(10)) + N'.v'
              FROM @elements ORDER BY rank_no, element_no
               FOR XML PATH(''), TYPE).value('.', 'nvarchar(max)');
        SET @applies = (
            SELECT N' OUTER APPLY (SELECT TOP (1) v = ' + data_select + N' FROM ' + data_from
                   + N' WHERE a.customer_no = i.customer_no'
                   + COALESCE(N' AND (' + data_where + N')', N'')
                   + N') AS o' + CAST(element_no AS nvarchar(10))
              FROM @elements ORDER BY rank_no, element_no
               FOR XML PATH(''), TYPE).value('.', 'nvarchar(max)');
    END;

    DECLARE @sql nvarchar(max) = N'
    SELECT ConstituentId    = e.customer_no,
           EaddressId       = e.eaddress_no,
           Address          = e.address,
           EaddressTypeId   = e.eaddress_type,
           PrimaryIndicator = CAST(CASE WHEN e.primary_ind = ''Y'' THEN 1 ELSE 0 END AS bit),
           Inactive         = CAST(CASE WHEN e.inactive = ''Y'' THEN 1 ELSE 0 END AS bit),
           PurposeIds       = NULLIF(STUFF((
                                  SELECT '','' + CAST(p.purpose_id AS varchar(10))
                                    FROM dbo.TX_CONTACT_POINT_PURPOSE AS p
                                   WHERE p.contact_point_id = e.eaddress_no
                                     AND p.contact_point_category = @email_category
                                   ORDER BY p.purpose_id
                                     FOR XML PATH('''')), 1, 1, ''''), ''''),
           PermissionAnswer = cp.answer,
           FirstName        = c.fname,
           LastName         = c.lname' + ISNULL(@columns, N'') + N'
      FROM #ids AS i
      JOIN dbo.T_CUSTOMER        AS c  ON c.customer_no = i.customer_no
      JOIN dbo.T_EADDRESS        AS e  ON e.customer_no = i.customer_no
      JOIN dbo.TR_EADDRESS_TYPE  AS et ON et.id = e.eaddress_type AND et.email_ind = ''Y''
      LEFT JOIN dbo.TX_CONTACT_PERMISSION AS cp
             ON cp.customer_no = i.customer_no AND cp.type_id = @permission_type'
      + ISNULL(@applies, N'') + N'
     ORDER BY e.customer_no, e.eaddress_no;';

    EXEC sys.sp_executesql @sql,
         N'@email_category int, @permission_type int',
         @email_category = @email_category,
         @permission_type = @contact_permission_type_id;
END
GO

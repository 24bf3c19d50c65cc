/*
  LP_CALLBOARD_VERSION: which version of the Callboard procedure pack is installed.
  `callboard validate --online` calls it and says clearly when the pack is missing or older
  than the client needs.
  Result: one row {Version}.
*/
CREATE OR ALTER PROCEDURE dbo.LP_CALLBOARD_VERSION
AS
BEGIN
    SET NOCOUNT ON;
    SELECT Version = CAST('1.1.0' AS varchar(20));
END
GO

-- Room on each page for the new version of a row, so that updating on hand stays on the page (a HOT update)
-- and skips the primary key index: every snapshot import updates most rows of stock_levels.
ALTER TABLE "stock_levels" SET (fillfactor = 70);

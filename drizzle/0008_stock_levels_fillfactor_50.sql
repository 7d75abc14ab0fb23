-- A snapshot import updates every row of stock_levels: with half of each page free, the new version of every row
-- fits beside the old one, so all updates are HOT (no primary key entry each). At 70, most were not
-- (npm run bench:import). Pages written from now on follow the new setting.
ALTER TABLE "stock_levels" SET (fillfactor = 50);
